/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The NAT table: one LRU entry per direction of a translated flow.
 *
 *   SNAT (actor egress):   OUT {ateomN, actor:p  -> remote:r} -> pod:P
 *                          IN  {remote:r -> pod:P}            -> actor:p
 *   DNAT (exposed port):   IN  {client:c -> pod:S}            -> actor:A
 *                          OUT {ateomN, actor:A -> client:c}  -> pod:S
 *
 * Pairs are created reverse half first, so a packet never finds a forward
 * entry whose replies could not be translated; a failed second insert rolls
 * the first back. The LRU may still evict one half: lookups are defensive
 * (a missing half is recreated, a stale one reclaimed).
 */
#ifndef ATEOM_BPF_NAT_H
#define ATEOM_BPF_NAT_H

#include <linux/errno.h>
#include "maps.h"
#include "parse.h"

#define NSEC_PER_SEC 1000000000ULL
#define SNAT_TRIES 16 /* random start, then linear probing */

/* The flags byte of the TCP header (offset 13). */
#define TCP_FLAG_FIN_BYTE 0x01
#define TCP_FLAG_SYN_BYTE 0x02
#define TCP_FLAG_RST_BYTE 0x04
#define TCP_FLAG_ACK_BYTE 0x10


/* The one way a NAT key is built (every field, padding included: keys are
 * hashed as bytes). */
static __always_inline void nat_key(struct ateom_nat_key *k, __u32 ifindex, __u8 dir,
				    __u8 proto, __be32 saddr, __be16 sport,
				    __be32 daddr, __be16 dport)
{
	k->ifindex = ifindex;
	k->saddr_be = saddr;
	k->daddr_be = daddr;
	k->sport_be = sport;
	k->dport_be = dport;
	k->proto = proto;
	k->dir = dir;
	k->pad = 0;
}

static __always_inline void nat_key_out(struct ateom_nat_key *k, __u32 ifindex,
					const struct pkt *p)
{
	nat_key(k, ifindex, ATEOM_DIR_OUT, p->proto, p->saddr, p->sport, p->daddr, p->dport);
}

static __always_inline void nat_key_in(struct ateom_nat_key *k, const struct pkt *p)
{
	nat_key(k, 0, ATEOM_DIR_IN, p->proto, p->saddr, p->sport, p->daddr, p->dport);
}

/* Both halves of a pair, each as the other's reply: a translated packet's
 * reply is keyed by the translated tuple reversed, and translates back to
 * the endpoint the first half replaced. */
static __always_inline void nat_partner(const struct ateom_nat_key *k,
					const struct ateom_nat_entry *e,
					struct ateom_nat_key *pk, struct ateom_nat_entry *pe)
{
	*pe = *e;
	/* SNAT(1) <-> SNAT_REPLY(2), DNAT(3) <-> DNAT_REPLY(4) */
	pe->type = ((e->type - 1) ^ 1) + 1;
	pe->tcp_seen = 0;
	if (k->dir == ATEOM_DIR_OUT) { /* source was translated */
		nat_key(pk, 0, ATEOM_DIR_IN, k->proto, k->daddr_be, k->dport_be,
			e->addr_be, e->port_be);
		pe->addr_be = k->saddr_be;
		pe->port_be = k->sport_be;
	} else {                        /* destination was translated */
		nat_key(pk, e->actor_ifindex, ATEOM_DIR_OUT, k->proto, e->addr_be, e->port_be,
			k->saddr_be, k->sport_be);
		pe->addr_be = k->daddr_be;
		pe->port_be = k->dport_be;
	}
}

/* Per packet: refresh the idle clock (at most once a second, to keep the
 * entry's cache line clean) and remember FIN/RST for the reclaim timeout.
 * On the once-a-second refresh, also put back the other half of the pair
 * if the LRU evicted it: one NOEXIST insert, no per-packet cost. */
static __always_inline void nat_touch(const struct ateom_nat_key *k,
				      struct ateom_nat_entry *e,
				      const struct pkt *p, __u64 now)
{
	if (now - e->last_seen_ns > NSEC_PER_SEC) {
		struct ateom_nat_key pk;
		struct ateom_nat_entry pe;

		e->last_seen_ns = now;
		nat_partner(k, e, &pk, &pe);
		pe.last_seen_ns = now;
		bpf_map_update_elem(&nat, &pk, &pe, BPF_NOEXIST);
	}
	if (p->proto == IPPROTO_TCP) {
		__u8 seen = 0;

		if ((p->tcp_flags & (TCP_FLAG_SYN_BYTE | TCP_FLAG_ACK_BYTE)) == TCP_FLAG_SYN_BYTE) {
			if (e->tcp_seen)
				e->tcp_seen = 0; /* the tuple is reused */
			return;
		}
		if (p->tcp_flags & TCP_FLAG_FIN_BYTE)
			seen |= ATEOM_TCP_SEEN_FIN;
		if (p->tcp_flags & TCP_FLAG_RST_BYTE)
			seen |= ATEOM_TCP_SEEN_RST;
		if (seen & ~e->tcp_seen) {
			e->tcp_seen |= seen;
			e->last_seen_ns = now; /* closing: the reclaim clock starts now */
		}
	}
}

/* May the pair (IN half ein, OUT half eout or NULL if evicted) give its
 * SNAT port to a new flow? A TCP pair closed both ways (a FIN each way) or
 * reset waits only tcp_closing_timeout (default 1 s: long enough that a
 * new SYN on the port carries a newer TCP timestamp than the old flow's
 * last segment, which a remote still in TIME_WAIT accepts). Any
 * other pair waits its protocol's idle timeout, counted from the later of
 * its two halves' last packets. */
static __always_inline bool pair_reclaimable(const struct ateom_config *cfg,
					     const struct ateom_nat_entry *ein,
					     const struct ateom_nat_entry *eout,
					     __u8 proto, __u64 now)
{
	__u8 seen_in = ein->tcp_seen, seen_out = eout ? eout->tcp_seen : 0;
	__u64 last = ein->last_seen_ns, timeout;

	if (eout && eout->last_seen_ns > last)
		last = eout->last_seen_ns;
	if (proto == IPPROTO_TCP) {
		bool closed = ((seen_in | seen_out) & ATEOM_TCP_SEEN_RST) ||
			      ((seen_in & ATEOM_TCP_SEEN_FIN) && (seen_out & ATEOM_TCP_SEEN_FIN));

		timeout = closed ? cfg->tcp_closing_timeout_ns : cfg->tcp_est_timeout_ns;
	} else {
		timeout = proto == IPPROTO_UDP ? cfg->udp_timeout_ns : cfg->icmp_timeout_ns;
	}
	return now - last >= timeout;
}

/* Frees the SNAT port `in` names if the pair holding it is reclaimable. */
static __always_inline bool snat_reclaim(const struct ateom_config *cfg,
					 const struct ateom_nat_key *in, __u64 now)
{
	struct ateom_nat_entry *ein = bpf_map_lookup_elem(&nat, in), *eout, expect;
	struct ateom_nat_key out;

	if (!ein || ein->type != ATEOM_NAT_SNAT_REPLY)
		return false;
	nat_partner(in, ein, &out, &expect);
	eout = bpf_map_lookup_elem(&nat, &out);
	if (eout && eout->port_be != expect.port_be)
		eout = NULL; /* that tuple has moved on to another port */
	if (!pair_reclaimable(cfg, ein, eout, in->proto, now))
		return false;
	if (eout)
		bpf_map_delete_elem(&nat, &out);
	bpf_map_delete_elem(&nat, in);
	return true;
}

/* New actor egress flow: pick a free SNAT port (or ICMP id), insert the IN
 * half, then the OUT half. On success *res holds the OUT entry. Returns 0,
 * -ENOSPC (range exhausted for this remote) or -EEXIST (another CPU created
 * the flow first: look it up again). */
static __always_inline int snat_create(const struct ateom_config *cfg,
				       const struct ateom_actor *actor, __u32 ifindex,
				       const struct pkt *p, __u64 now,
				       struct ateom_nat_entry *res)
{
	struct ateom_nat_key in, out;
	struct ateom_nat_entry inv = {
		.addr_be = p->saddr,
		.port_be = p->sport,
		.type = ATEOM_NAT_SNAT_REPLY,
		.actor_ifindex = ifindex,
		.actor_id = actor->id,
		.last_seen_ns = now,
	};
	__u32 range = (__u32)cfg->snat_port_max - cfg->snat_port_min + 1;
	__u32 start, off;
	int i, pass;

	if (cfg->snat_port_max < cfg->snat_port_min)
		return -ENOSPC;
	/* The reply's key; its destination port is what we are choosing. */
	nat_key(&in, 0, ATEOM_DIR_IN, p->proto, p->daddr, p->dport, cfg->pod_ip_be, 0);
	/* The first candidate is the actor's own source port (or ICMP id)
	 * folded into the range: one-to-one over any `range` consecutive
	 * ports, so, like masquerade keeping ports, each actor tuple keeps one
	 * pod port, also across down/up. That matters: a remote still in
	 * TIME_WAIT for (pod port, remote) accepts a new SYN only if its TCP
	 * timestamp is newer, and Linux keys timestamp offsets by 4-tuple, so
	 * handing the port to a *different* actor tuple gets the SYN rejected
	 * (PAWS) and delayed by a retransmit. Free ports first, then reclaim. */
	start = bpf_ntohs(p->sport) % range;
	for (pass = 0; pass < 2; pass++) {
		off = start;
		for (i = 0; i < SNAT_TRIES; i++) {
			in.dport_be = bpf_htons((__u16)(cfg->snat_port_min + off));
			if ((!pass || snat_reclaim(cfg, &in, now)) &&
			    !bpf_map_update_elem(&nat, &in, &inv, BPF_NOEXIST))
				goto claimed;
			if (++off >= range)
				off = 0;
		}
	}
	return -ENOSPC;

claimed:
	nat_partner(&in, &inv, &out, res); /* the OUT half: actor tuple -> pod:port */
	if (bpf_map_update_elem(&nat, &out, res, BPF_NOEXIST)) {
		bpf_map_delete_elem(&nat, &in);
		return -EEXIST;
	}
	return 0;
}

/* New inbound flow to an exposed port. The OUT half (the actor's replies)
 * goes in first. A leftover entry for the same tuple is the same flow
 * reconnecting, so entries are overwritten (BPF_ANY). *res = the IN entry. */
static __always_inline int dnat_create(const struct ateom_svc *svc,
				       const struct pkt *p, __u64 now,
				       struct ateom_nat_entry *res)
{
	struct ateom_nat_key in, out;
	struct ateom_nat_entry outv;

	nat_key_in(&in, p);
	res->addr_be = svc->actor_ip_be;
	res->port_be = svc->actor_port_be;
	res->type = ATEOM_NAT_DNAT;
	res->tcp_seen = 0;
	res->actor_ifindex = svc->actor_ifindex;
	res->actor_id = svc->actor_id;
	res->pad = 0;
	res->last_seen_ns = now;
	nat_partner(&in, res, &out, &outv);
	if (bpf_map_update_elem(&nat, &out, &outv, BPF_ANY))
		return -1;
	if (bpf_map_update_elem(&nat, &in, res, BPF_ANY)) {
		bpf_map_delete_elem(&nat, &out);
		return -1;
	}
	return 0;
}

#endif
