// SPDX-License-Identifier: Apache-2.0
/* Map sizes from the worker's --max-actors and --nat-entries. Hash maps are
 * BPF_F_NO_PREALLOC: each costs 16 bytes per max_entries (rounded up to a
 * power of two) for its bucket array, plus its entries as they appear. */
#include <bpf/libbpf.h>

#include "ateomnet.h"
#include "ateomnet_frag.h"
#include "datapath.skel.h"
#include "sizing.h"

struct dp_sizes dp_sizes_resolve(struct dp_sizes s)
{
	if (!s.max_actors)
		s.max_actors = ATEOM_DEFAULT_MAX_ACTORS;
	if (!s.nat_entries)
		s.nat_entries = s.max_actors * ATEOM_NAT_DEFAULT_QUOTA * 2;
	return s;
}

void dp_sizes_apply(struct datapath_bpf *skel, struct dp_sizes s)
{
	s = dp_sizes_resolve(s);
	bpf_map__set_max_entries(skel->maps.actors, s.max_actors);
	bpf_map__set_max_entries(skel->maps.services, s.max_actors * ATEOM_MAX_EXPOSE);
	bpf_map__set_max_entries(skel->maps.svc_rev, s.max_actors * ATEOM_MAX_EXPOSE);
	bpf_map__set_max_entries(skel->maps.svc_flows,
				 (s.max_actors + 1) * ATEOM_SVC_FLOW_BUCKETS);
	bpf_map__set_max_entries(skel->maps.nat, s.nat_entries);
	/* One count per (actor, remote) with pairs: at most one per pair. A
	 * worker sized for one actor shares its ports with nobody and keeps no
	 * counts (config.remote_share stays 0). */
	bpf_map__set_max_entries(skel->maps.remote_pairs,
				 s.max_actors > 1 ? s.nat_entries / 2 : 1);
	/* IPv6 pairs (nat6): the same sizes, for the same reason (one quota
	 * counts both families: an actor may hold all its pairs in either). */
	bpf_map__set_max_entries(skel->maps.nat6, s.no_ipv6 ? 1 : s.nat_entries);
	bpf_map__set_max_entries(skel->maps.remote_pairs6,
				 s.max_actors > 1 && !s.no_ipv6 ? s.nat_entries / 2 : 1);
	/* A pod without IPv6: the IPv6 programs are not loaded (v6_progs stays
	 * empty: from_actor drops IPv6, from_pod passes it), and the tables
	 * only they use are made with one entry and freed with the skeleton:
	 * ~180 KB and their verification saved. */
	if (s.no_ipv6) {
		bpf_program__set_autoload(skel->progs.from_actor6, false);
		bpf_program__set_autoload(skel->progs.actor_resume6, false);
		bpf_program__set_autoload(skel->progs.from_pod6, false);
		bpf_map__set_max_entries(skel->maps.snat_full6, 1);
		bpf_map__set_max_entries(skel->maps.frag6_in, 1);
	}
	/* Counters: worker-wide (id 0) plus one block per possible actor. */
	bpf_map__set_max_entries(skel->maps.stats, (s.max_actors + 1) * ATEOM_STAT_MAX);
	/* Fragments: 16 slots per actor id (and the worker's id 0), as the
	 * datapath keys them (include/ateomnet_frag.h). */
	bpf_map__set_max_entries(skel->maps.frag_out,
				 (s.max_actors + 1) * ATEOM_FRAG_SLOTS_PER_ACTOR);
	bpf_map__set_max_entries(skel->maps.frag6_out, s.no_ipv6 ? 1 :
				 (s.max_actors + 1) * ATEOM_FRAG_SLOTS_PER_ACTOR);
	/* Per actor id (and id 0): the TTL-expiry rate limiter's clock. */
	bpf_map__set_max_entries(skel->maps.ttl_rl, s.max_actors + 1);
	/* Per actor id, a capture table only while it captures. */
	bpf_map__set_max_entries(skel->maps.capture_orig, s.max_actors + 1);
}
