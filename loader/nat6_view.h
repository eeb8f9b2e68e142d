/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read-only views of the IPv6 NAT table (nat6) for `status` and `nat`:
 * opened by its pin, so a datapath pinned before IPv6 (no nat6) reads as
 * an empty table.
 */
#ifndef ATEOMNET_NAT6_VIEW_H
#define ATEOMNET_NAT6_VIEW_H

#include <stdint.h>
#include "datapath.h"
#include "out.h"

/* The nat6 map's fd, or -1 when it is not pinned (close it). */
int nat6_view_open(const struct dp *dp);
/* Entries (of the actor at ifindex, 0: all): >= 0, or -1 with a message. */
long nat6_view_count(int fd, uint32_t ifindex);
/* Every entry through out_nat6_entry; now: CLOCK_MONOTONIC_COARSE ns. */
int nat6_view_dump(int fd, struct out_nat *o, uint64_t now);

#endif
