/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* capture_orig (include/ateomnet_policy.h): in the datapath object, and
 * shared by fd with the policy object (its getsockopt program). An LRU:
 * the kernel keeps no state for a captured connection either, so the
 * oldest idle ones give way (their replies then reach the actor from the
 * proxy's address and are refused: docs/NOTES.md). */
#ifndef ATEOM_BPF_CAPTURE_MAP_H
#define ATEOM_BPF_CAPTURE_MAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ateomnet.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ATEOM_CAPTURE_ENTRIES);
	__type(key, struct ateom_capture_key);
	__type(value, struct ateom_capture_orig);
} capture_orig SEC(".maps");

#endif
