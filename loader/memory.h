/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel memory a worker's datapath holds (shown by `status` and
 * `metrics`). */
#ifndef ATEOMNET_MEMORY_H
#define ATEOMNET_MEMORY_H

#include <stdint.h>
#include "datapath.h"

/* Sum of the memory the kernel charges for the datapath's maps and
 * programs (their "memlock", in bytes) into *bytes: every object pinned
 * under dp->dir (policy/ too), the maps its programs use and the maps held
 * in its map-in-maps, each once. Only dp->dir is used. 0, or -1 with a
 * message. */
int dp_memory_bytes(const struct dp *dp, uint64_t *bytes);

#endif
