/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Transparent capture of actor TCP into a proxy on the worker (the hook
 * verdict ATEOM_HOOK_CAPTURE). Like the actor's traffic to the worker
 * (ident.h), a captured packet goes up the worker's stack from the actor's
 * identity, but to worker-address:capture-port, its original destination
 * kept in the actor's capture table (capture_map.h) under {identity,
 * actor port}: an actor with no table (its mode is not capture) gets no
 * capture. to_actor gives the
 * proxy's replies the original destination back as source, and the
 * cgroup/getsockopt program of bpf/policy.bpf.c answers SO_ORIGINAL_DST
 * from the same entry, so a proxy written for nftables REDIRECT works
 * unchanged. No TTL change: the worker is the endpoint. */
#ifndef ATEOM_BPF_CAPTURE_H
#define ATEOM_BPF_CAPTURE_H

#include "capture_map.h"
#include "ident.h"

static __always_inline void capture_key(struct ateom_capture_key *k, __be32 ident,
					__be16 aport)
{
	k->ident_be = ident;
	k->aport_be = aport;
	k->proto = IPPROTO_TCP;
	k->pad = 0;
}

/* Replaces the TCP port at off (the L4 checksum follows). */
static __always_inline int capture_port_rewrite(struct __sk_buff *skb, const struct pkt *p,
						__u32 off, __be16 old, __be16 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, p->csum_off, old, new, sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, off, &new, sizeof(new), 0) ? -1 : 0;
}

/* actor_resume, verdict CAPTURE: 0 = deliver to the worker's stack. */
static __always_inline int capture_to_worker(struct __sk_buff *skb, const struct pkt *p,
					     const struct ateom_actor *a, __u16 port)
{
	struct ateom_capture_orig want = {
		.daddr_be = p->daddr, .dport_be = p->dport, .capture_port = port,
	}, *have;
	struct ateom_capture_key k;
	void *conns;

	if (p->proto != IPPROTO_TCP || !port || !a->ident_ip_be)
		return -1;
	conns = capture_conns(a->id);
	if (!conns)
		return -1;
	capture_key(&k, a->ident_ip_be, p->sport);
	have = bpf_map_lookup_elem(conns, &k);
	/* Written on a change only (a new connection on this port, another
	 * destination): an established flow pays one lookup. */
	if ((!have || have->daddr_be != want.daddr_be || have->dport_be != want.dport_be ||
	     have->capture_port != port) &&
	    bpf_map_update_elem(conns, &k, &want, BPF_ANY))
		return -1;
	if (capture_port_rewrite(skb, p, p->dport_off, p->dport, bpf_htons(port)) ||
	    ident_rewrite(skb, p, IP_DST_OFF, p->daddr, a->worker_ip_be))
		return -1;
	return ident_rewrite(skb, p, IP_SRC_OFF, p->saddr, a->ident_ip_be);
}

#define CAPTURE_NOT_OURS 1

/* to_actor, a TCP packet of the worker to the actor's identity: the
 * proxy's reply on a captured connection leaves from the original
 * destination. 0 = rewritten, CAPTURE_NOT_OURS, -1 = rewrite failed. */
static __always_inline int capture_reply(struct __sk_buff *skb, const struct pkt *p,
					 const struct ateom_actor *a)
{
	struct ateom_capture_orig *o;
	struct ateom_capture_key k;
	__be32 daddr;
	__be16 dport;
	void *conns;

	if (p->proto != IPPROTO_TCP || p->saddr != a->worker_ip_be)
		return CAPTURE_NOT_OURS;
	conns = capture_conns(a->id);
	if (!conns)
		return CAPTURE_NOT_OURS;
	capture_key(&k, a->ident_ip_be, p->dport);
	o = bpf_map_lookup_elem(conns, &k);
	if (!o || bpf_htons(o->capture_port) != p->sport)
		return CAPTURE_NOT_OURS;
	daddr = o->daddr_be;
	dport = o->dport_be;
	if (capture_port_rewrite(skb, p, p->sport_off, p->sport, dport))
		return -1;
	return ident_rewrite(skb, p, IP_SRC_OFF, p->saddr, daddr);
}

#endif
