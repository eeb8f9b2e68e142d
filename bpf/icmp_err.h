/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* ICMP errors (unreachable, frag-needed, time exceeded, parameter problem)
 * about a translated flow carry that flow's header inside. PMTU discovery
 * and traceroute depend on translating it too: the outer address, the inner
 * address and the inner port/id, with the inner IPv4 checksum and the outer
 * ICMP checksum kept right. (The inner TCP/UDP checksum is left as it is:
 * it is often cut off, and no stack checks it.)
 *
 *   from_pod:   the error is about a packet we sent out translated
 *               (inner src = pod side): inner src and outer dst go back to
 *               the actor side.
 *   from_actor: the error is about a packet the actor got translated
 *               (inner dst = actor side): inner dst and outer src go back to
 *               the pod side.
 */
#ifndef ATEOM_BPF_ICMP_ERR_H
#define ATEOM_BPF_ICMP_ERR_H

#include "nat.h"
#include "rewrite.h"

struct inner {
	__be32 saddr, daddr;
	__be16 sport, dport;   /* ICMP echo: id as sport, 0 as dport */
	__u16 ip_off;          /* inner IPv4 header, from the frame start */
	__u16 sport_off, dport_off;
	__u8 proto;
};

#define ICMP_HDR_LEN 8

static __always_inline int inner_parse(struct __sk_buff *skb, const struct pkt *p,
				       struct inner *in)
{
	struct iphdr ip;
	__u16 l4;
	__be16 ports[2];

	in->ip_off = p->l4off + ICMP_HDR_LEN;
	if (bpf_skb_load_bytes(skb, in->ip_off, &ip, sizeof(ip)))
		return -1;
	if (ip.version != 4 || ip.ihl < 5 || (ip.frag_off & bpf_htons(IP_OFFMASK)))
		return -1;
	l4 = in->ip_off + ip.ihl * 4;
	in->saddr = ip.saddr;
	in->daddr = ip.daddr;
	in->proto = ip.protocol;
	switch (ip.protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)))
			return -1;
		in->sport = ports[0];
		in->dport = ports[1];
		in->sport_off = l4;
		in->dport_off = l4 + 2;
		return 0;
	case IPPROTO_ICMP: {
		struct icmphdr ih;

		if (bpf_skb_load_bytes(skb, l4, &ih, sizeof(ih)) || ih.type != ICMP_ECHO)
			return -1;
		in->sport = ih.un.echo.id;
		in->dport = 0;
		in->sport_off = in->dport_off = l4 + offsetof(struct icmphdr, un.echo.id);
		return 0;
	}
	default:
		return -1;
	}
}

/* The key of the direction that the embedded packet's *reply* travels. */
static __always_inline void inner_reply_key(struct ateom_nat_key *k, const struct inner *in,
					    __u32 ifindex, __u8 dir)
{
	nat_key(k, ifindex, dir, in->proto, in->daddr, in->dport, in->saddr, in->sport);
}

/* Rewrites an inner address and port; every inner change also changes the
 * outer ICMP checksum, which covers the whole ICMP payload. */
static __always_inline int inner_rewrite(struct __sk_buff *skb, const struct pkt *p,
					 const struct inner *in, __u32 addr_off,
					 __be32 old_addr, __be32 new_addr, __u32 port_off,
					 __be16 old_port, __be16 new_port)
{
	__u32 csum_off = in->ip_off + offsetof(struct iphdr, check);
	__sum16 c_old, c_new;

	if (bpf_skb_load_bytes(skb, csum_off, &c_old, sizeof(c_old)) ||
	    bpf_l3_csum_replace(skb, csum_off, old_addr, new_addr, sizeof(new_addr)) ||
	    bpf_skb_load_bytes(skb, csum_off, &c_new, sizeof(c_new)) ||
	    bpf_l4_csum_replace(skb, p->csum_off, old_addr, new_addr, sizeof(new_addr)) ||
	    bpf_l4_csum_replace(skb, p->csum_off, c_old, c_new, sizeof(c_new)) ||
	    bpf_skb_store_bytes(skb, addr_off, &new_addr, sizeof(new_addr), 0))
		return -1;
	if (old_port == new_port)
		return 0;
	if (bpf_l4_csum_replace(skb, p->csum_off, old_port, new_port, sizeof(new_port)) ||
	    bpf_skb_store_bytes(skb, port_off, &new_port, sizeof(new_port), 0))
		return -1;
	return 0;
}

/* from_pod: returns the NAT entry of the flow (NULL = not ours) after
 * translating, or sets *bad on a rewrite failure. */
static __always_inline struct ateom_nat_entry *
icmp_error_from_pod(struct __sk_buff *skb, const struct pkt *p, bool *bad)
{
	struct ateom_nat_entry *e;
	struct ateom_nat_key k;
	struct inner in;

	if (inner_parse(skb, p, &in) || in.saddr != p->daddr)
		return NULL;
	inner_reply_key(&k, &in, 0, ATEOM_DIR_IN);
	e = bpf_map_lookup_elem(&nat, &k);
	if (!e)
		return NULL;
	*bad = inner_rewrite(skb, p, &in, in.ip_off + offsetof(struct iphdr, saddr),
			     in.saddr, e->addr_be, in.sport_off, in.sport, e->port_be) ||
	       rewrite_ip_addr(skb, IP_DST_OFF, p->daddr, e->addr_be);
	return e;
}

/* from_actor: same, for errors the actor sends about flows it received. */
static __always_inline struct ateom_nat_entry *
icmp_error_from_actor(struct __sk_buff *skb, const struct pkt *p, __u32 ifindex, bool *bad)
{
	struct ateom_nat_entry *e;
	struct ateom_nat_key k;
	struct inner in;

	if (inner_parse(skb, p, &in) || in.daddr != p->saddr)
		return NULL;
	inner_reply_key(&k, &in, ifindex, ATEOM_DIR_OUT);
	e = bpf_map_lookup_elem(&nat, &k);
	if (!e)
		return NULL;
	*bad = inner_rewrite(skb, p, &in, in.ip_off + offsetof(struct iphdr, daddr),
			     in.daddr, e->addr_be, in.dport_off, in.dport, e->port_be) ||
	       rewrite_ip_addr(skb, IP_SRC_OFF, p->saddr, e->addr_be);
	return e;
}

#endif
