/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The NAT garbage collector: a bpf_timer in `nat_gc` that sweeps the NAT
 * table every gc_interval_ns and deletes expired pairs, so pairs leave the
 * table (and their actor's quota) on time whether or not anyone wants their
 * port. The timer lives as long as the pinned map (the kernel cancels it
 * when the last reference goes); the loader starts it at `up` and stops it
 * when the last actor goes down, so an idle worker pays nothing. */
#ifndef ATEOM_BPF_GC_H
#define ATEOM_BPF_GC_H

#include "nat.h"

#define GC_MIN_INTERVAL_NS (10ULL * 1000 * 1000) /* a zero period would spin */
#define CLOCK_MONOTONIC 1

/* OUT halves are checked for a missing port record every this many sweeps
 * (such orphans come only from a race between a deletion and a repair, and
 * nat_out_check repairs an active one anyway). */
#define GC_ORPHAN_EVERY 16

struct gc_walk {
	const struct ateom_config *cfg;
	__u64 now;
	__u64 expired;
	bool orphans;         /* this sweep checks OUT halves too */
};

/* One entry (bpf_for_each_map_elem callback; deleting is allowed there).
 * The partner lookup is most of a sweep's cost (measured: ~300 ns an entry
 * with it, ~85 without, on a full table), so it is only made for a pair
 * whose port record is past its timeout. */
static long gc_visit(void *map, struct ateom_nat_key *k, struct ateom_nat_entry *e,
		     struct gc_walk *w)
{
	struct ateom_nat_entry expect, *partner;
	struct ateom_nat_key pk;

	if (k->dir == ATEOM_DIR_IN) {
		/* Used within its pair's timeout (the record alone tells it:
		 * it mirrors the actor's FIN/RST), the pair cannot have
		 * expired: idle counts from the later of the two halves. */
		if (w->now - e->last_seen_ns <
		    pair_timeout(w->cfg, k, e->seen, mirrored_out(e->seen)))
			return 0;
		if (pair_expire(w->cfg, k, e, w->now))
			w->expired++;
		return 0;
	}
	/* An OUT half without its port record is left by a race between a
	 * deletion and a repair; once it has been idle a second (an active
	 * one is repaired by nat_out_check), it goes. */
	if (!w->orphans || w->now - e->last_seen_ns <= NSEC_PER_SEC)
		return 0;
	nat_partner(k, e, &pk, &expect);
	partner = bpf_map_lookup_elem(&nat, &pk);
	if (!partner || !halves_agree(partner, &expect))
		bpf_map_delete_elem(&nat, k);
	return 0;
}

static __always_inline __u64 gc_interval(const struct ateom_config *cfg)
{
	return cfg->gc_interval_ns < GC_MIN_INTERVAL_NS ? GC_MIN_INTERVAL_NS : cfg->gc_interval_ns;
}

static int gc_tick(void *map, __u32 *key, struct ateom_gc *g)
{
	struct ateom_config *cfg = get_config();
	struct gc_walk w = { .now = bpf_ktime_get_coarse_ns() };

	if (!cfg)
		return 0; /* unconfigured (being purged): stop */
	w.cfg = cfg;
	w.orphans = g->runs % GC_ORPHAN_EVERY == 0;
	bpf_for_each_map_elem(&nat, gc_visit, &w, 0);
	g->runs++;
	g->expired += w.expired;
	g->last_run_ns = w.now;
	bpf_timer_start(&g->timer, gc_interval(cfg), 0);
	return 0;
}

/* Start (or restart) the timer; 0 on success. */
static __always_inline int gc_start(void)
{
	struct ateom_config *cfg = get_config();
	__u32 zero = 0;
	struct ateom_gc *g = bpf_map_lookup_elem(&nat_gc, &zero);
	long err;

	if (!g || !cfg)
		return 1;
	err = bpf_timer_init(&g->timer, &nat_gc, CLOCK_MONOTONIC);
	if (err && err != -EBUSY) /* -EBUSY: initialised by an earlier call */
		return 1;
	if (bpf_timer_set_callback(&g->timer, gc_tick) ||
	    bpf_timer_start(&g->timer, gc_interval(cfg), 0))
		return 1;
	return 0;
}

struct release_walk {
	__be16 port_be;
	__u8 proto;
};

/* One entry of a release: every pair on the port goes, counted off its
 * actor's quota (pair_delete); an OUT half naming the port goes too. */
static long release_visit(void *map, struct ateom_nat_key *k, struct ateom_nat_entry *e,
			  struct release_walk *w)
{
	struct ateom_nat_entry expect, *partner;
	struct ateom_nat_key pk;

	if (k->proto != w->proto)
		return 0;
	if (k->dir == ATEOM_DIR_IN && k->dport_be == w->port_be) {
		nat_partner(k, e, &pk, &expect);
		partner = bpf_map_lookup_elem(&nat, &pk);
		pair_delete(k, expect.actor_ifindex,
			    partner && halves_agree(partner, &expect) ? &pk : NULL);
	} else if (k->dir == ATEOM_DIR_OUT && e->port_be == w->port_be) {
		bpf_map_delete_elem(&nat, k);
	}
	return 0;
}

/* A pod port about to be exposed: no pair may hold it (its remote's
 * packets would reach the exposing actor). */
static __always_inline int gc_release(__be16 port_be, __u8 proto)
{
	struct release_walk w = { .port_be = port_be, .proto = proto };

	bpf_for_each_map_elem(&nat, release_visit, &w, 0);
	return 0;
}

static __always_inline int gc_stop(void)
{
	__u32 zero = 0;
	struct ateom_gc *g = bpf_map_lookup_elem(&nat_gc, &zero);

	if (!g)
		return 1;
	bpf_timer_cancel(&g->timer); /* -EINVAL if never initialised: fine */
	return 0;
}

#endif
