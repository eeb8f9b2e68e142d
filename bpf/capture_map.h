/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* capture_orig (include/ateomnet_policy.h): in the datapath object, and
 * shared by fd with the policy object (its getsockopt program). An array
 * of maps indexed by actor id: the loader puts an LRU of
 * ATEOM_CAPTURE_ENTRIES in an actor's slot only while that actor's egress
 * mode is capture (loader/capture.c), so a worker that captures nothing
 * holds no table, and an actor's flood of captured connections evicts
 * only its own oldest ones (docs/NOTES.md, "Capture state per actor"). */
#ifndef ATEOM_BPF_CAPTURE_MAP_H
#define ATEOM_BPF_CAPTURE_MAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ateomnet.h"

/* The inner map's shape (the loader creates the real ones alike). Sizes,
 * not BTF types: clang emits an inner definition's types as forward
 * declarations only, which libbpf cannot size. */
struct capture_conns {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ATEOM_CAPTURE_ENTRIES);
	__uint(key_size, sizeof(struct ateom_capture_key));
	__uint(value_size, sizeof(struct ateom_capture_orig));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, ATEOM_HOOK_SLOTS); /* sized by the loader: max actors + 1 */
	__type(key, __u32);
	__array(values, struct capture_conns);
} capture_orig SEC(".maps");

/* Actor id's table of captured connections, NULL when it captures nothing. */
static __always_inline void *capture_conns(__u32 id)
{
	return bpf_map_lookup_elem(&capture_orig, &id);
}

#endif
