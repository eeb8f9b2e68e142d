/* SPDX-License-Identifier: Apache-2.0 */
/* Per-actor capture tables (bpf/capture_map.h): an actor whose egress
 * mode is capture gets an LRU of its captured connections in its slot of
 * the datapath's capture_orig; no other actor holds one. */
#ifndef ATEOMNET_CAPTURE_H
#define ATEOMNET_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

/* on: gives actor id a table when it has none (a table in place keeps its
 * live connections across policy changes); !on: removes it (the kernel
 * frees it with its last reference). outer = the capture_orig fd. */
int capture_table_set(int outer, uint32_t id, bool on);

#endif
