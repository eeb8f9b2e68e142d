/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Actor identities toward the worker. Every actor has the same address
 * (snapshots restore anywhere), so the worker could not tell them apart nor
 * route its replies: they would all follow the first ateomN. Packets from an
 * actor to the worker get the actor's own identity address as source
 * (from_actor), the worker routes that /32 out of the actor's ateomN, and
 * to_actor (TC egress of ateomN) gives the actor its own address back. The
 * actor keeps seeing the gateway at the worker address; worker-local
 * services see one address per actor. */
#ifndef ATEOM_BPF_IDENT_H
#define ATEOM_BPF_IDENT_H

#include "icmp_err.h"
#include "rewrite.h"

/* Where the L4 checksum of a TCP or UDP packet (or first fragment) sits;
 * 0 when there is none to fix (ICMP has no pseudo header, a later
 * fragment no L4 header). */
static __always_inline __u32 pseudo_csum_off(const struct pkt *p)
{
	if (p->later_frag)
		return 0;
	if (p->proto == IPPROTO_TCP)
		return p->l4off + offsetof(struct tcphdr, check);
	if (p->proto == IPPROTO_UDP)
		return p->l4off + offsetof(struct udphdr, check);
	return 0;
}

/* Replaces the address at off (source or destination) and fixes the IPv4
 * and pseudo-header checksums; no TTL change (the worker is the endpoint). */
static __always_inline int ident_rewrite(struct __sk_buff *skb, const struct pkt *p, __u32 off,
					 __be32 old, __be32 new)
{
	__u32 csum_off = pseudo_csum_off(p);
	__u64 flags = BPF_F_PSEUDO_HDR | sizeof(new) |
		      (p->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0);

	if (old == new)
		return 0;
	if (csum_off && bpf_l4_csum_replace(skb, csum_off, old, new, flags))
		return -1;
	return rewrite_ip_addr(skb, off, old, new);
}

/* An ICMP error quoting a packet between the actor and the worker: the
 * quoted address `from` becomes `to` too, or the receiver cannot match the
 * error to its socket. Other packets: nothing to do. */
static __always_inline int ident_icmp_inner(struct __sk_buff *skb, const struct pkt *p,
					    bool quoted_src, __be32 from, __be32 to)
{
	struct inner in;

	if (p->proto != IPPROTO_ICMP || !ICMP_IS_ERROR(p->icmp_type) || p->later_frag ||
	    inner_parse(skb, p, &in))
		return 0;
	if (quoted_src ? in.saddr != from : in.daddr != from)
		return 0;
	return inner_rewrite(skb, p, &in,
			     in.ip_off + (quoted_src ? offsetof(struct iphdr, saddr)
						     : offsetof(struct iphdr, daddr)),
			     from, to, 0, 0, 0);
}

static __always_inline void wflow_key(struct ateom_wflow_key *k, __u32 ifindex, __u8 proto,
				      __be16 worker_port, __be16 actor_port)
{
	k->ifindex = ifindex;
	k->worker_port_be = worker_port;
	k->actor_port_be = actor_port;
	k->proto = proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* to_actor: the worker talks to the shared actor address through this
 * ateomN (with one actor up, 10.200.0.2 is that actor): remember the flow
 * so its answers reach the worker as 10.200.0.2. */
static __always_inline void wflow_note(__u32 ifindex, const struct pkt *p)
{
	struct ateom_wflow_key k;
	__u64 now = bpf_ktime_get_coarse_ns(), *seen;

	if (p->proto == IPPROTO_ICMP && p->icmp_type != ICMP_ECHO)
		return; /* flows are TCP, UDP and pings; errors are about them */
	wflow_key(&k, ifindex, p->proto, p->sport, p->dport);
	seen = bpf_map_lookup_elem(&worker_flows, &k);
	if (!seen) /* (an update of an LRU key allocates a new node: in place) */
		bpf_map_update_elem(&worker_flows, &k, &now, BPF_ANY);
	else if (now - *seen > NSEC_PER_SEC)
		*seen = now;
}

/* Did the worker open this flow to 10.200.0.2 through ifindex? (Ports as
 * the worker's packets carry them.) */
static __always_inline bool wflow_known(__u32 ifindex, __u8 proto, __be16 worker_port,
					__be16 actor_port)
{
	struct ateom_wflow_key k;

	wflow_key(&k, ifindex, proto, worker_port, actor_port);
	return bpf_map_lookup_elem(&worker_flows, &k) != NULL;
}

#define IDENT_NOT_PEER 1

/* from_actor: an ICMP error to the worker may only be about a packet the
 * worker sent the actor (quoted source: the worker address or the pod IP;
 * quoted destination: the actor), never about the worker's other traffic
 * or another actor's (IDENT_NOT_PEER). About a flow the worker opened to
 * 10.200.0.2: left as it is, so the worker's socket gets it. Otherwise the
 * quoted destination and the source become the identity. */
static __always_inline int ident_icmp_to_worker(struct __sk_buff *skb, const struct pkt *p,
						const struct ateom_config *cfg,
						const struct ateom_actor *a)
{
	struct inner in;

	if (p->fragment || inner_parse(skb, p, &in) || in.daddr != a->actor_ip_be ||
	    (in.saddr != a->worker_ip_be && in.saddr != cfg->pod_ip_be))
		return IDENT_NOT_PEER;
	if (!a->ident_ip_be ||
	    wflow_known(skb->ifindex, in.proto, in.sport, in.proto == IPPROTO_ICMP ? 0 : in.dport))
		return 0;
	if (inner_rewrite(skb, p, &in, in.ip_off + offsetof(struct iphdr, daddr),
			  a->actor_ip_be, a->ident_ip_be, 0, 0, 0))
		return -1;
	return ident_rewrite(skb, p, IP_SRC_OFF, p->saddr, a->ident_ip_be);
}

/* from_actor: the actor's packet to the worker leaves with its identity,
 * unless it answers a flow the worker opened to the shared address.
 * Returns 0, IDENT_NOT_PEER (drop, counted) or -1 (rewrite failed). */
static __always_inline int ident_to_worker(struct __sk_buff *skb, const struct pkt *p,
					   const struct ateom_config *cfg,
					   const struct ateom_actor *a)
{
	if (p->proto == IPPROTO_ICMP && ICMP_IS_ERROR(p->icmp_type))
		return ident_icmp_to_worker(skb, p, cfg, a);
	if (!a->ident_ip_be)
		return 0;
	/* Answers: TCP, UDP and echo replies. */
	if ((p->proto != IPPROTO_ICMP || p->icmp_type == ICMP_ECHOREPLY) &&
	    wflow_known(skb->ifindex, p->proto, p->dport, p->sport))
		return 0;
	return ident_rewrite(skb, p, IP_SRC_OFF, p->saddr, a->ident_ip_be);
}

/* to_actor: the worker's packet to an identity gets the actor address. */
static __always_inline int ident_to_actor(struct __sk_buff *skb, const struct pkt *p,
					  const struct ateom_actor *a)
{
	if (ident_icmp_inner(skb, p, true, a->ident_ip_be, a->actor_ip_be))
		return -1;
	return ident_rewrite(skb, p, IP_DST_OFF, p->daddr, a->actor_ip_be);
}

#endif
