/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * What lets a packet of from_actor past the egress hook without calling it
 * (docs/NOTES.md, "The egress hook's verdict cache"):
 *
 *  - an established flow the hook let through under the actor's current
 *    hook generation (its OUT pair's hook_gen == the actor's hook_gen);
 *    the loader bumps the actor's generation at every change of its slot
 *    or policy, so a change reaches open flows at their next packet;
 *  - a reply from an exposed port to a client that reached that port
 *    (svc_flows, noted by from_pod): without it an actor in deny or
 *    capture mode could not answer inbound connections; nobody else gets
 *    anything from that port past the hook.
 */
#ifndef ATEOM_BPF_HOOK_CACHE_H
#define ATEOM_BPF_HOOK_CACHE_H

#include "ateomnet.h"
#include "ateomnet_hook.h"
#include "maps.h"
#include "parse.h"
#include "nat.h"
#include "nat6.h"
#include "siphash.h"

#define READ_ONCE_U32(x) (*(volatile __u32 *)&(x))
#define WRITE_ONCE_U32(x, v) (*(volatile __u32 *)&(x) = (v))

/* The generation in skb->cb[ATEOM_HOOK_CB_ARG] on the way into a hook:
 * (gen << 16) | (gen ^ 0xffff). Above 0xffff (gen is never 0), so a hook
 * that says capture without writing its port there is refused; and a hook
 * that wrote the slot though it did not capture gives back a word whose
 * halves disagree: 0, a stamp the cache never accepts. */
static __always_inline __u32 hook_gen_encode(__u32 gen)
{
	return (gen << 16) | ((gen ^ 0xffff) & 0xffff);
}

static __always_inline __u32 hook_gen_decode(__u32 v)
{
	__u32 gen = v >> 16;

	return (v & 0xffff) == (gen ^ 0xffff) ? gen : 0;
}

/* The pair (either family's entry) was let through under generation gen. */
#define HOOK_GEN_OK(e, gen) ((e) && (gen) && (e)->hook_gen == (__u16)(gen))

/* The hook let this flow through under generation gen. A SYN opens a new
 * connection on the tuple (nat_new_connection): the hook judges it; ICMP
 * errors have no pair of their own. */
static __always_inline bool hook_cached(const struct ateom_nat_entry *e, __u32 gen,
					const struct pkt *p)
{
	return HOOK_GEN_OK(e, gen) && !tcp_is_syn(p) &&
	       (p->proto != IPPROTO_ICMP || p->icmp_type == ICMP_ECHO);
}

static __always_inline bool hook_cached6(const struct ateom_nat6_entry *e, __u32 gen,
					 const struct pkt6 *p)
{
	return HOOK_GEN_OK(e, gen) && !tcp_is_syn6(p) &&
	       (p->proto != IPPROTO_ICMPV6 || p->icmp_type == ICMP6_ECHO_REQUEST);
}

/* The pair remembers the generation it was let through under. */
#define HOOK_STAMP(e, gen)                                                     \
	do {                                                                   \
		if ((e)->hook_gen != (__u16)(gen))                             \
			(e)->hook_gen = (__u16)(gen);                          \
	} while (0)

static __always_inline void hook_stamp(struct ateom_nat_entry *e, __u32 gen)
{
	HOOK_STAMP(e, gen);
}

static __always_inline void hook_stamp6(struct ateom_nat6_entry *e, __u32 gen)
{
	HOOK_STAMP(e, gen);
}

/* ---- svc_flows: the clients of exposed ports ----------------------------- */

static __always_inline __u64 svc_flow_tuple(__be32 client, __be16 cport, __be16 aport)
{
	return ((__u64)client << 32) | ((__u32)cport << 16) | aport;
}

/* The actor's own region only; within it TCP and UDP halves. The hash is
 * keyed with the worker's secret so that which records share a bucket is
 * not known from outside (a flood evicts the actor's records anyway:
 * docs/NOTES.md). */
static __always_inline struct ateom_svc_flow_bucket *
svc_flow_bucket(const struct ateom_config *cfg, __u32 id, __u8 proto, __u64 tuple)
{
	__u64 h = (tuple ^ cfg->port_key[1]) * 0x9e3779b97f4a7c15ULL;
	__u32 half = ATEOM_SVC_FLOW_BUCKETS / 2;
	__u32 idx = id * ATEOM_SVC_FLOW_BUCKETS + (proto == IPPROTO_UDP ? half : 0) +
		    ((__u32)(h >> 40) & (half - 1));

	return bpf_map_lookup_elem(&svc_flows, &idx);
}

static __always_inline __u64 svc_flow_timeout(const struct ateom_config *cfg, __u8 proto)
{
	return proto == IPPROTO_TCP ? cfg->tcp_est_timeout_ns : cfg->udp_timeout_ns;
}

/* An IPv6 client has no 32-bit address for the tuple: its record's tuple
 * is a keyed 64-bit hash of the client address, its port and the actor
 * port (svc_tuple6), whole. (A 32-bit fold of the address alone, as first
 * written, collided for two clients after ~2^16 sources: an actor with a
 * helper on the pod network could answer the one that never came.) The
 * family of a record is the lowest bit of its last_ns (1: IPv6), so no
 * IPv6 hash is taken for an IPv4 tuple, nor the reverse (an IPv4 tuple is
 * the actor's to choose: any address). One nanosecond of last_ns is
 * nothing to the timeouts. */
#define SVC_FLOW_FAM6 1ULL

static __always_inline bool svc_flow_fam_is(const struct ateom_svc_flow *w, __u64 fam6)
{
	return (w->last_ns & SVC_FLOW_FAM6) == fam6;
}

/* from_pod, to an exposed port of actor id: remember the client by its
 * tuple t (refreshed at most once a second); a full bucket gives up its
 * least recently seen record. fam6: SVC_FLOW_FAM6 for an IPv6 client, 0
 * for IPv4. */
static __always_inline void svc_flow_note_t(const struct ateom_config *cfg, __u32 id,
					    __u8 proto, __u64 t, __u64 fam6)
{
	struct ateom_svc_flow_bucket *b = svc_flow_bucket(cfg, id, proto, t);
	__u64 now = bpf_ktime_get_coarse_ns(), oldest = ~0ULL;
	__u32 victim = 0;

	/* The family in the lowest bit, never later than now (the coarse
	 * clock's next reading may be the same). */
	now = fam6 ? (now - 1) | SVC_FLOW_FAM6 : now & ~SVC_FLOW_FAM6;

	if (!b)
		return;
	for (__u32 i = 0; i < ATEOM_SVC_FLOW_WAYS; i++) {
		struct ateom_svc_flow *w = &b->way[i];

		if (*(volatile __u64 *)&w->tuple == t && svc_flow_fam_is(w, fam6)) {
			if (now - w->last_ns >= NSEC_PER_SEC)
				w->last_ns = now;
			return;
		}
		if (w->last_ns < oldest) {
			oldest = w->last_ns;
			victim = i;
		}
	}
	b->way[victim & (ATEOM_SVC_FLOW_WAYS - 1)].last_ns = now;
	/* One 8-byte store: a reader sees the old client or the new one. */
	*(volatile __u64 *)&b->way[victim & (ATEOM_SVC_FLOW_WAYS - 1)].tuple = t;
}

/* An IPv6 client (c, port cport) of actor port aport as a record's
 * tuple: SipHash keyed by the worker's secret, twice (the address, then
 * its result with both ports), so the whole 64 bits are a keyed function
 * of all 160. (Not inlined: SipHash's registers spill.) */
static __noinline __u64 svc_tuple6(const struct ateom_config *cfg, const union ateom_in6 *c,
				   __be16 cport, __be16 aport)
{
	__u64 m0 = ((__u64)c->w[0] << 32) | c->w[1];
	__u64 m1 = ((__u64)c->w[2] << 32) | c->w[3];
	__u64 h = siphash_2u64(m0, m1, cfg->port_key);

	return siphash_2u64(h, ((__u64)cport << 16) | aport, cfg->port_key);
}

static __always_inline void svc_flow_note(const struct ateom_config *cfg,
					  const struct ateom_svc *svc, const struct pkt *p)
{
	svc_flow_note_t(cfg, svc->actor_id, p->proto,
			svc_flow_tuple(p->saddr, p->sport, svc->actor_port_be), 0);
}

/* from_actor, from an exposed actor port: is the destination a client
 * that reached this port (its tuple t, of family fam6), recently enough? */
static __always_inline bool svc_flow_known_t(const struct ateom_config *cfg,
					     const struct ateom_actor *a, __u8 proto, __u64 t,
					     __u64 fam6)
{
	struct ateom_svc_flow_bucket *b = svc_flow_bucket(cfg, a->id, proto, t);
	__u64 now, timeout;

	if (!b)
		return false;
	now = bpf_ktime_get_coarse_ns();
	timeout = svc_flow_timeout(cfg, proto);
	for (__u32 i = 0; i < ATEOM_SVC_FLOW_WAYS; i++)
		if (*(volatile __u64 *)&b->way[i].tuple == t && svc_flow_fam_is(&b->way[i], fam6) &&
		    now - b->way[i].last_ns < timeout)
			return true;
	return false;
}

static __always_inline bool svc_flow_known(const struct ateom_config *cfg,
					   const struct ateom_actor *a, const struct pkt *p)
{
	return svc_flow_known_t(cfg, a, p->proto, svc_flow_tuple(p->daddr, p->dport, p->sport), 0);
}

#endif
