/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* ICMPv6 errors (destination unreachable, packet too big, time exceeded,
 * parameter problem) about a translated flow, translated with it: IPv6
 * routers never fragment, so PMTU discovery through the datapath depends
 * on Packet Too Big reaching the actor. The IPv4 twin is icmp_err.h; the
 * differences:
 *
 *   - no IPv4 header checksum: the quoted address change goes into the
 *     quoted L4 checksum (TCP, UDP and ICMPv6 echo all cover a
 *     pseudo-header) and, with the quoted port and that checksum, into the
 *     outer ICMPv6 checksum, which also covers the outer pseudo-header;
 *   - all of it is one difference, added to the outer checksum as payload
 *     (no BPF_F_PSEUDO_HDR): right for CHECKSUM_NONE and CHECKSUM_COMPLETE
 *     (the checksum compensates each change, so skb->csum stays right);
 *     ICMPv6 errors are never CHECKSUM_PARTIAL (Linux computes them in
 *     software, icmpv6_push_pending_frames), and the flag that makes a
 *     pseudo-header change right for IPv6 (BPF_F_IPV6) is Linux 6.16+;
 *   - a quoted fragment header (first fragment) is walked; any other
 *     quoted extension header means the quote is not about a flow of ours
 *     (actors cannot send them, and we never add them).
 *
 * Both directions are subprograms of their own (rare paths; their
 * quoted-header state stays off the stack of the programs).
 *
 * The MTU field of Packet Too Big and the pointer of Parameter Problem
 * stay as they are (the quote moves no byte).
 */
#ifndef ATEOM_BPF_ICMP6_ERR_H
#define ATEOM_BPF_ICMP6_ERR_H

#include "parse6.h"
#include "icmp6_csum.h"
#include "icmp_err.h" /* struct icmp_dest, ICMP_ERR_*, ICMP_HDR_LEN */
#include "nat.h"       /* service_of; maps.h: nat6 */
#include "hook_cache.h" /* svc_flows: the clients of exposed ports */

#define IP6_HLEN 40
#define IP6_SADDR_OFF 8
#define IP6_DADDR_OFF 24
#define IP6_FRAGHDR_LEN 8
#ifndef NEXTHDR_FRAGMENT
#define NEXTHDR_FRAGMENT 44
#endif

struct inner6 {
	union ateom_in6 saddr, daddr;
	__be16 sport, dport;   /* ICMPv6 echo request: id as sport, 0 as dport */
	__u16 ip_off;          /* the quoted IPv6 header, from the frame start */
	__u16 sport_off, dport_off;
	__u16 l4_csum_off;     /* the quoted L4 checksum; 0: not in the quote */
	__u8 proto;
};

static __always_inline int inner6_parse(struct __sk_buff *skb, const struct pkt6 *p,
					struct inner6 *in)
{
	struct ipv6hdr ip;
	__u32 l4, end, csum;
	__u8 nh;

	in->ip_off = p->l4off + ICMP_HDR_LEN;
	if (bpf_skb_load_bytes(skb, in->ip_off, &ip, sizeof(ip)) || ip.version != 6)
		return -1;
	l4 = in->ip_off + IP6_HLEN;
	nh = ip.nexthdr;
	if (nh == NEXTHDR_FRAGMENT) {
		/* A first fragment only: the others quote no ports. */
		struct { __u8 nexthdr, res; __be16 off; __be32 id; } fh;

		if (bpf_skb_load_bytes(skb, l4, &fh, sizeof(fh)) ||
		    (fh.off & bpf_htons(0xfff8)))
			return -1;
		nh = fh.nexthdr;
		l4 += IP6_FRAGHDR_LEN;
	}
	/* The quote ends with the outer datagram, or with the quoted one. */
	end = ETH_HLEN + IP6_HLEN + p->plen;
	if (end > skb->len)
		end = skb->len;
	if (in->ip_off + IP6_HLEN + bpf_ntohs(ip.payload_len) < end)
		end = in->ip_off + IP6_HLEN + bpf_ntohs(ip.payload_len);
	csum = l4 + (nh == IPPROTO_TCP ? offsetof(struct tcphdr, check) :
		     nh == IPPROTO_UDP ? offsetof(struct udphdr, check) : 2);
	in->l4_csum_off = csum + sizeof(__sum16) <= end ? csum : 0;
	__builtin_memcpy(&in->saddr, &ip.saddr, sizeof(in->saddr));
	__builtin_memcpy(&in->daddr, &ip.daddr, sizeof(in->daddr));
	in->proto = nh;
	switch (nh) {
	case IPPROTO_TCP:
	case IPPROTO_UDP: {
		__be16 ports[2];

		if (l4 + sizeof(ports) > end ||
		    bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)))
			return -1;
		in->sport = ports[0];
		in->dport = ports[1];
		in->sport_off = l4;
		in->dport_off = l4 + 2;
		return 0;
	}
	case IPPROTO_ICMPV6: {
		__u8 h[8]; /* type, code, checksum, id, sequence */

		if (l4 + sizeof(h) > end || bpf_skb_load_bytes(skb, l4, h, sizeof(h)) ||
		    h[0] != ICMP6_ECHO_REQUEST)
			return -1;
		__builtin_memcpy(&in->sport, &h[4], sizeof(in->sport));
		in->dport = 0;
		in->sport_off = in->dport_off = l4 + 4;
		return 0;
	}
	default:
		return -1;
	}
}

/* The nat6 key of the direction that the quoted packet's *reply* travels. */
static __always_inline void inner6_reply_key(struct ateom_nat6_key *k, const struct inner6 *in,
					     __u32 ifindex, __u8 dir)
{
	k->ifindex = ifindex;
	k->saddr_be = in->daddr;
	k->daddr_be = in->saddr;
	k->sport_be = in->dport;
	k->dport_be = in->sport;
	k->proto = in->proto;
	k->dir = dir;
	k->pad = 0;
}

/* One quoted address (at addr_off, 16 bytes) and its port (at port_off)
 * become *to and new_port, and the outer address at outer_off becomes *to
 * as well (the two always move together: the outer destination with the
 * quoted source from the pod side, the outer source with the quoted
 * destination from the actor). The quoted L4 checksum follows wherever the
 * quote holds it (a UDP checksum 0 stays 0, a computed 0 is 0xffff), and
 * the outer ICMPv6 checksum takes every change. */
static __always_inline int inner6_rewrite(struct __sk_buff *skb, const struct pkt6 *p,
					  const struct inner6 *in, __u32 addr_off,
					  const union ateom_in6 *from, const union ateom_in6 *to,
					  __u32 port_off, __be16 old_port, __be16 new_port,
					  __u32 outer_off)
{
	__u32 d_addr = csum6_addr_diff(from, to);
	__u32 d_inner = csum6_fold32((__u64)d_addr + csum6_16_diff(old_port, new_port));
	/* Outer: the quoted address and port, the outer address (pseudo). */
	__u64 d_outer = (__u64)d_inner + d_addr;
	union ateom_in6 addr = *to;
	__sum16 c_old, c_new;

	if (in->l4_csum_off) {
		if (bpf_skb_load_bytes(skb, in->l4_csum_off, &c_old, sizeof(c_old)))
			return -1;
		if (in->proto != IPPROTO_UDP || c_old) {
			c_new = csum6_apply(c_old, d_inner);
			if (in->proto == IPPROTO_UDP && !c_new)
				c_new = (__sum16)0xffff;
			d_outer += csum6_16_diff(c_old, c_new);
			if (bpf_skb_store_bytes(skb, in->l4_csum_off, &c_new, sizeof(c_new), 0))
				return -1;
		}
	}
	if (bpf_skb_store_bytes(skb, addr_off, &addr, sizeof(addr), 0) ||
	    bpf_skb_store_bytes(skb, outer_off, &addr, sizeof(addr), 0) ||
	    bpf_skb_store_bytes(skb, port_off, &new_port, sizeof(new_port), 0) ||
	    bpf_l4_csum_replace(skb, p->csum_off, 0, csum6_fold32(d_outer), 0))
		return -1;
	return 0;
}

/* from_pod6: an error about a packet we sent out translated (quoted source
 * = the pod IPv6). Exposed ports by `services` (the same ports on both
 * families) and the actor's IPv6 address; everything else by the SNAT66
 * pair's port record. 0 after translating (*d set), 1 when not about an
 * actor's flow (the worker's own traffic), -1 on a rewrite failure. */
static __noinline int icmp6_err_from_pod(struct __sk_buff *skb, const struct pkt6 *p,
					      struct icmp_dest *d)
{
	struct ateom_nat6_entry *e;
	struct ateom_nat6_key k;
	struct ateom_actor *a;
	struct ateom_svc *svc;
	union ateom_in6 addr;
	struct inner6 in;
	__be16 port;

	if (inner6_parse(skb, p, &in) || !in6_eq(&in.saddr, &p->daddr))
		return 1;
	svc = in.proto != IPPROTO_ICMPV6 ? service_of(in.proto, in.sport) : NULL;
	if (svc) {
		__u32 ifindex = svc->actor_ifindex;

		a = bpf_map_lookup_elem(&actors, &ifindex);
		if (!a || a->id != svc->actor_id || in6_zero(&a->actor_ip6))
			return 1;
		addr = a->actor_ip6;
		port = svc->actor_port_be;
		d->ifindex = ifindex;
		d->actor_id = svc->actor_id;
	} else {
		inner6_reply_key(&k, &in, 0, ATEOM_DIR_IN);
		e = bpf_map_lookup_elem(&nat6, &k);
		if (!e)
			return 1;
		addr = e->addr_be;
		port = e->port_be;
		d->ifindex = e->actor_ifindex;
		d->actor_id = e->actor_id;
	}
	if (inner6_rewrite(skb, p, &in, in.ip_off + IP6_SADDR_OFF, &in.saddr, &addr,
			   in.sport_off, in.sport, port, ETH_HLEN + IP6_DADDR_OFF))
		return -1;
	return 0;
}

/* from_actor6: the actor's error about a packet it received (quoted
 * destination = the actor): only to the peer of the flow it quotes (outer
 * destination = quoted source), only about one of its own flows (an
 * exposed port of this actor, or one of its SNAT66 pairs). 0 after
 * translating, ICMP_ERR_NOT_OURS, ICMP_ERR_NOT_PEER, -1 on a rewrite
 * failure. */
static __noinline int icmp6_err_from_actor(struct __sk_buff *skb, const struct pkt6 *p,
						__u32 ifindex, const struct ateom_config *cfg)
{
	struct ateom_svc_rev_key rk;
	struct ateom_svc_rev *rev;
	struct ateom_nat6_entry *e;
	struct ateom_nat6_key k;
	union ateom_in6 pod;
	struct inner6 in;
	__be16 port;

	if (inner6_parse(skb, p, &in) || !in6_eq(&in.daddr, &p->saddr))
		return ICMP_ERR_NOT_OURS;
	if (!in6_eq(&p->daddr, &in.saddr))
		return ICMP_ERR_NOT_PEER;
	rk.actor_ifindex = ifindex;
	rk.actor_port_be = in.dport;
	rk.proto = in.proto;
	rk.pad = 0;
	rev = in.proto != IPPROTO_ICMPV6 ? bpf_map_lookup_elem(&svc_rev, &rk) : NULL;
	if (rev) {
		struct ateom_actor *a = bpf_map_lookup_elem(&actors, &ifindex);

		/* A hooked actor's exposed port answers only the clients
		 * that reached it, errors too: the policy passes every
		 * error as part of a flow it let through. */
		if (!a)
			return ICMP_ERR_NOT_OURS;
		if ((a->flags & ATEOM_ACTOR_HOOKED) &&
		    !svc_flow_known_t(cfg, a, in.proto,
				      svc_tuple6(cfg, &in.saddr, in.sport, in.dport), SVC_FLOW_FAM6))
			return ICMP_ERR_NOT_PEER;
		port = rev->port_be;
	} else {
		inner6_reply_key(&k, &in, ifindex, ATEOM_DIR_OUT);
		e = bpf_map_lookup_elem(&nat6, &k);
		if (!e)
			return ICMP_ERR_NOT_OURS;
		port = e->port_be;
	}
	pod = cfg->pod_ip6;
	if (inner6_rewrite(skb, p, &in, in.ip_off + IP6_DADDR_OFF, &in.daddr, &pod,
			   in.dport_off, in.dport, port, ETH_HLEN + IP6_SADDR_OFF))
		return -1;
	return 0;
}

#endif
