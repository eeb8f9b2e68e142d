/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The datapath's maps. Types come from include/ateomnet.h so the loader and
 * bpftool see the same named fields. The loader pins them by name. */
#ifndef ATEOM_BPF_MAPS_H
#define ATEOM_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ateomnet.h"
#include "ateomnet_frag.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ateom_config);
} config SEC(".maps");

/* The small hashes allocate entries as they are written (BPF_F_NO_PREALLOC):
 * a worker with one actor and one exposed port should not hold room for
 * 255 actors and 1024 services. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_MAX_ACTORS);
	__type(key, __u32); /* worker-side ifindex of ateomN */
	__type(value, struct ateom_actor);
} actors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_MAX_SERVICES);
	__type(key, struct ateom_svc_key);
	__type(value, struct ateom_svc);
} services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_MAX_SERVICES);
	__type(key, struct ateom_svc_rev_key);
	__type(value, struct ateom_svc_rev);
} svc_rev SEC(".maps");

/* Clients of exposed ports, per actor region (ateomnet.h, bpf/hook_cache.h);
 * sized by the loader: (max actors + 1) * ATEOM_SVC_FLOW_BUCKETS. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, (ATEOM_MAX_ACTORS + 1) * ATEOM_SVC_FLOW_BUCKETS);
	__type(key, __u32);
	__type(value, struct ateom_svc_flow_bucket);
} svc_flows SEC(".maps");

/* Not an LRU: an LRU evicts whatever it likes under pressure (one actor's
 * flood would evict another's pairs, or half a pair), and preallocates every
 * entry. Entries are allocated as flows appear; the quota admits them and
 * the garbage collector (gc.h) expires them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_DEFAULT_MAX_ACTORS * ATEOM_NAT_DEFAULT_QUOTA * 2); /* sized by the loader */
	__type(key, struct ateom_nat_key);
	__type(value, struct ateom_nat_entry);
} nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ateom_gc);
} nat_gc SEC(".maps");

/* At most one entry per pair: sized with `nat` (half of it) by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_DEFAULT_MAX_ACTORS * ATEOM_NAT_DEFAULT_QUOTA);
	__type(key, struct ateom_remote_pairs_key);
	__type(value, __u32);
} remote_pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256); /* an LRU preallocates (~90 B an entry):
				   * sized for what the worker itself opens to
				   * 10.200.0.2, whatever the number of actors
				   * (that address routes to one ateomN) */
	__type(key, struct ateom_wflow_key);
	__type(value, __u64); /* last packet from the worker, refreshed 1/s */
} worker_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, struct ateom_remote_key);
	__type(value, __u64); /* full until this bpf_ktime_get_coarse_ns() */
} snat_full SEC(".maps");

/* The IPv6 pairs (bpf/nat6.h): the same rules on their own table, sized
 * like `nat` by the loader (one quota counts both families, so one actor
 * may hold all its pairs in either). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_DEFAULT_MAX_ACTORS * ATEOM_NAT_DEFAULT_QUOTA * 2);
	__type(key, struct ateom_nat6_key);
	__type(value, struct ateom_nat6_entry);
} nat6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_DEFAULT_MAX_ACTORS * ATEOM_NAT_DEFAULT_QUOTA);
	__type(key, struct ateom_remote_pairs6_key);
	__type(value, __u32);
} remote_pairs6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, struct ateom_remote6_key);
	__type(value, __u64); /* full until this bpf_ktime_get_coarse_ns() */
} snat_full6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ATEOM_STATS_ENTRIES);
	__type(key, __u32);
	__type(value, struct ateom_counter);
} stats SEC(".maps");

/* Prog arrays take no BTF key/value types. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, ATEOM_HOOK_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} egress_hooks SEC(".maps");

/* Fragment tracking (bpf/frag.h, include/ateomnet_frag.h): allocated as
 * datagrams appear (16 bytes of buckets per entry when idle), bounded by
 * slots, not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_FRAG_OUT_ENTRIES); /* sized by the loader */
	__type(key, struct ateom_frag_key);
	__type(value, struct ateom_frag);
} frag_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_FRAG_IN_SLOTS);
	__type(key, struct ateom_frag_key);
	__type(value, struct ateom_frag);
} frag_in SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ateom_frag_ids);
} frag_ids SEC(".maps");

static __always_inline struct ateom_config *get_config(void)
{
	__u32 zero = 0;
	struct ateom_config *cfg = bpf_map_lookup_elem(&config, &zero);

	/* An all-zero entry means the loader has not configured us yet. */
	if (cfg && cfg->abi != ATEOM_ABI_VERSION)
		return NULL;
	return cfg;
}

static __always_inline void count(__u32 actor_id, __u32 stat, __u32 bytes)
{
	__u32 key = actor_id * ATEOM_STAT_MAX + stat;
	struct ateom_counter *c = bpf_map_lookup_elem(&stats, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

#endif
