/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* ICMP errors (unreachable, frag-needed, time exceeded, parameter problem)
 * about a translated flow carry that flow's header inside. PMTU discovery
 * and traceroute depend on translating it too: the outer address, the inner
 * address and the inner port/id, with the inner IPv4 checksum, the inner
 * TCP/UDP/ICMP checksum (where the quote holds it; a UDP checksum 0 stays
 * 0) and the outer ICMP checksum kept right.
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
#include "hook_cache.h" /* svc_flows: the clients of exposed ports */

struct inner {
	__be32 saddr, daddr;
	__be16 sport, dport;   /* ICMP echo: id as sport, 0 as dport */
	__u16 ip_off;          /* inner IPv4 header, from the frame start */
	__u16 sport_off, dport_off;
	__u16 l4_csum_off;     /* inner L4 checksum; 0: not in the quote */
	__u8 proto;
};

#define ICMP_HDR_LEN 8

static __always_inline int inner_parse(struct __sk_buff *skb, const struct pkt *p,
				       struct inner *in)
{
	struct iphdr ip;
	__u16 l4, end, csum;
	__be16 ports[2];

	in->ip_off = p->l4off + ICMP_HDR_LEN;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, tot_len), &end, sizeof(end)) ||
	    bpf_skb_load_bytes(skb, in->ip_off, &ip, sizeof(ip)))
		return -1;
	if (ip.version != 4 || ip.ihl < 5 || (ip.frag_off & bpf_htons(IP_OFFMASK)))
		return -1;
	l4 = in->ip_off + ip.ihl * 4;
	/* The quote ends with the outer datagram, or with the quoted one. */
	end = ETH_HLEN + bpf_ntohs(end);
	if (in->ip_off + bpf_ntohs(ip.tot_len) < end)
		end = in->ip_off + bpf_ntohs(ip.tot_len);
	csum = l4 + (ip.protocol == IPPROTO_TCP ? offsetof(struct tcphdr, check) :
		     ip.protocol == IPPROTO_UDP ? offsetof(struct udphdr, check) :
		     offsetof(struct icmphdr, checksum));
	in->l4_csum_off = csum + sizeof(__sum16) <= end ? csum : 0;
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

/* The quoted datagram's own checksum follows its translation: TCP and UDP
 * cover the addresses (pseudo header) and ports, ICMP echo its id. Some
 * stacks check it (a PMTU message carrying the whole header). Only where
 * the quote holds it (a router's 8-byte quote of TCP does not); a UDP
 * checksum 0 means none and stays 0. Incremental (RFC 1624), so a quote cut
 * short after the checksum field is updated right too. */
static __always_inline int inner_l4_csum(struct __sk_buff *skb, const struct pkt *p,
					 const struct inner *in, __be32 old_addr, __be32 new_addr,
					 __be16 old_port, __be16 new_port)
{
	__sum16 c_old, c_new;

	if (!in->l4_csum_off)
		return 0;
	if (bpf_skb_load_bytes(skb, in->l4_csum_off, &c_old, sizeof(c_old)))
		return -1;
	if (in->proto == IPPROTO_UDP && !c_old)
		return 0;
	if (in->proto == IPPROTO_ICMP)
		old_addr = new_addr; /* no pseudo header */
	c_new = csum16_update(c_old, old_addr, new_addr, old_port, new_port);
	if (in->proto == IPPROTO_UDP && !c_new)
		c_new = (__sum16)0xffff;
	if (c_new == c_old)
		return 0;
	if (bpf_l4_csum_replace(skb, p->csum_off, c_old, c_new, sizeof(c_new)) ||
	    bpf_skb_store_bytes(skb, in->l4_csum_off, &c_new, sizeof(c_new), 0))
		return -1;
	return 0;
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
	if (old_port != new_port &&
	    (bpf_l4_csum_replace(skb, p->csum_off, old_port, new_port, sizeof(new_port)) ||
	     bpf_skb_store_bytes(skb, port_off, &new_port, sizeof(new_port), 0)))
		return -1;
	return inner_l4_csum(skb, p, in, old_addr, new_addr, old_port, new_port);
}

/* Where a translated ICMP error goes: the actor's veth and id. */
struct icmp_dest {
	__u32 ifindex;
	__u16 actor_id;
};

/* from_pod: an error about a packet we sent out translated (inner source =
 * the pod side). Exposed ports are looked up in `services` (no per-flow
 * state), everything else in the SNAT pairs. Returns 0 after translating
 * (*d set), 1 when the error is not about an actor's flow (the worker's own
 * traffic), -1 on a rewrite failure (*d set). */
static __always_inline int icmp_error_from_pod(struct __sk_buff *skb, const struct pkt *p,
					       struct icmp_dest *d)
{
	struct ateom_svc_key sk;
	struct ateom_nat_entry *e;
	struct ateom_nat_key k;
	struct ateom_svc *svc;
	struct inner in;
	__be32 addr;
	__be16 port;

	if (inner_parse(skb, p, &in) || in.saddr != p->daddr)
		return 1;
	sk.port_be = in.sport;
	sk.proto = in.proto;
	sk.pad = 0;
	svc = in.proto != IPPROTO_ICMP ? bpf_map_lookup_elem(&services, &sk) : NULL;
	if (svc) {
		addr = svc->actor_ip_be;
		port = svc->actor_port_be;
		d->ifindex = svc->actor_ifindex;
		d->actor_id = svc->actor_id;
	} else {
		inner_reply_key(&k, &in, 0, ATEOM_DIR_IN);
		e = bpf_map_lookup_elem(&nat, &k);
		if (!e)
			return 1;
		addr = e->addr_be;
		port = e->port_be;
		d->ifindex = e->actor_ifindex;
		d->actor_id = e->actor_id;
	}
	if (inner_rewrite(skb, p, &in, in.ip_off + offsetof(struct iphdr, saddr),
			  in.saddr, addr, in.sport_off, in.sport, port) ||
	    rewrite_ip_addr(skb, IP_DST_OFF, p->daddr, addr))
		return -1;
	return 0;
}

/* from_actor: an error the actor sends about a packet it received (inner
 * destination = the actor). It may only go to the peer of the flow it
 * quotes (outer destination = inner source), and only about one of the
 * actor's own flows: an exposed port of this actor, or one of its SNAT
 * pairs. Returns 0 after translating, ICMP_ERR_NOT_OURS when it quotes no
 * flow of this actor, ICMP_ERR_NOT_PEER when addressed to someone else, -1
 * on a rewrite failure. */
#define ICMP_ERR_NOT_OURS 1
#define ICMP_ERR_NOT_PEER 2
static __always_inline int icmp_error_from_actor(struct __sk_buff *skb, const struct pkt *p,
						 const struct ateom_config *cfg,
						 const struct ateom_actor *a, __u32 ifindex,
						 __be32 pod_ip)
{
	struct ateom_svc_rev_key rk;
	struct ateom_svc_rev *rev;
	struct ateom_nat_entry *e;
	struct ateom_nat_key k;
	struct inner in;
	__be16 port;

	if (inner_parse(skb, p, &in) || in.daddr != p->saddr)
		return ICMP_ERR_NOT_OURS;
	if (p->daddr != in.saddr)
		return ICMP_ERR_NOT_PEER;
	rk.actor_ifindex = ifindex;
	rk.actor_port_be = in.dport;
	rk.proto = in.proto;
	rk.pad = 0;
	rev = in.proto != IPPROTO_ICMP ? bpf_map_lookup_elem(&svc_rev, &rk) : NULL;
	if (rev) {
		/* A hooked actor's exposed port answers only the clients
		 * that reached it, errors too: the policy passes every
		 * error as part of a flow it let through. */
		if ((a->flags & ATEOM_ACTOR_HOOKED) &&
		    !svc_flow_known_t(cfg, a, in.proto,
				      svc_flow_tuple(in.saddr, in.sport, in.dport), 0))
			return ICMP_ERR_NOT_PEER;
		port = rev->port_be;
	} else {
		inner_reply_key(&k, &in, ifindex, ATEOM_DIR_OUT);
		e = bpf_map_lookup_elem(&nat, &k);
		if (!e)
			return ICMP_ERR_NOT_OURS;
		port = e->port_be;
	}
	if (inner_rewrite(skb, p, &in, in.ip_off + offsetof(struct iphdr, daddr),
			  in.daddr, pod_ip, in.dport_off, in.dport, port) ||
	    rewrite_ip_addr(skb, IP_SRC_OFF, p->saddr, pod_ip))
		return -1;
	return 0;
}

#endif
