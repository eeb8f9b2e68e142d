/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath's map sizes, decided once when it is loaded (by `up` or
 * `prepare`) from --max-actors and --nat-entries: kernel memory follows
 * what the worker is sized for, not fixed tables x CPUs (README "Memory"). */
#ifndef ATEOMNET_SIZING_H
#define ATEOMNET_SIZING_H

#include <stdbool.h>
#include <stdint.h>

struct datapath_bpf;

struct dp_sizes {
	uint32_t max_actors;  /* 0 = ATEOM_DEFAULT_MAX_ACTORS */
	uint32_t nat_entries; /* 0 = max_actors x default quota x 2 */
	/* The pod has no IPv6 (when the datapath is loaded): the IPv6 pair
	 * tables get one entry, so an IPv4-only worker does not hold nat6's
	 * bucket array (512 KiB at the default size). */
	bool no_ipv6;
};

/* The sizes with defaults filled in. */
struct dp_sizes dp_sizes_resolve(struct dp_sizes s);
/* Sets every sized map of an opened, not yet loaded, skeleton. */
void dp_sizes_apply(struct datapath_bpf *skel, struct dp_sizes s);

#endif /* ATEOMNET_SIZING_H */
