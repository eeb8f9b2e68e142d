/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The NAT garbage collector: a bpf_timer in `nat_gc` that sweeps the NAT
 * tables (`nat`, then `nat6`) every gc_interval_ns and deletes expired
 * pairs, so pairs leave the tables (and their actor's quota) on time
 * whether or not anyone wants their port. The timer lives as long as the
 * pinned map (the kernel cancels it when the last reference goes); the loader starts it at `up` and stops it
 * when the last actor goes down, so an idle worker pays nothing. */
#ifndef ATEOM_BPF_GC_H
#define ATEOM_BPF_GC_H

#include "nat.h"
#include "nat6.h"

#define GC_MIN_INTERVAL_NS (10ULL * 1000 * 1000) /* a zero period would spin */
#define CLOCK_MONOTONIC 1

/* OUT halves are checked for a missing port record every this many sweeps
 * (such orphans come only from a race between a deletion and a repair, and
 * nat_out_check repairs an active one anyway). */
#define GC_ORPHAN_EVERY 16

/* The per-entry visits (gc_visit, release_visit and their IPv6 forms
 * gc_visit6, release_visit6) are written once in nat_pair.h. */

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
	bpf_for_each_map_elem(&nat6, gc_visit6, &w, 0);
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

/* A pod port about to be exposed: no pair may hold it (its remote's
 * packets would reach the exposing actor), on either family's address. */
static __always_inline int gc_release(__be16 port_be, __u8 proto)
{
	struct release_walk w = { .port_be = port_be, .proto = proto };

	bpf_for_each_map_elem(&nat, release_visit, &w, 0);
	bpf_for_each_map_elem(&nat6, release_visit6, &w, 0);
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
