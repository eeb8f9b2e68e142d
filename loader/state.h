/* SPDX-License-Identifier: Apache-2.0 */
/* Reading and editing the datapath's per-actor state in the pinned maps. */
#ifndef ATEOMNET_STATE_H
#define ATEOMNET_STATE_H

#include <stdint.h>
#include "datapath.h"

struct actor_ref {
	uint32_t ifindex;
	struct ateom_actor a;
};

/* All actors; *n set. Caller frees. */
int state_actors(const struct dp *dp, struct actor_ref **out, int *n);
/* How many actors are up (the actors map's entries), or -1. */
int state_actor_count(const struct dp *dp);
/* 1 and *out filled when an actor named `name` is up, 0 if not, -1. */
int state_find_actor(const struct dp *dp, const char *name, struct actor_ref *out);
/* Lowest actor id (1..ATEOM_MAX_ACTORS) not in use, or -ENOSPC. */
/* (skip_ifindex: an entry about to be replaced, whose id is free.) */
int state_free_id(const struct dp *dp, uint32_t skip_ifindex);

struct svc_ref {
	struct ateom_svc_key k;
	struct ateom_svc v;
};
/* Services of one actor (ifindex), or of all when ifindex == 0. */
int state_services(const struct dp *dp, uint32_t ifindex, struct svc_ref **out, int *n);
/* Removes an actor's services (and their svc_rev entries); returns how
 * many were removed. */
int state_delete_services(const struct dp *dp, uint32_t ifindex);
/* Exposes pod port -> actor port (services and svc_rev, both or neither). */
int state_expose(const struct dp *dp, uint32_t ifindex, uint16_t id, uint32_t actor_ip_be,
		 uint32_t netmask_be,
		 uint8_t proto, uint16_t port, uint16_t actor_port);

/* Puts prog_fd in egress hook slot `id`, or empties the slot (prog_fd < 0;
 * an empty slot is not an error). */
int state_hook_set(const struct dp *dp, uint32_t id, int prog_fd);

/* NAT entries of one actor (or all when ifindex == 0): count or delete. */
long state_nat_count(const struct dp *dp, uint32_t ifindex);
long state_nat_delete(const struct dp *dp, uint32_t ifindex);
/* config.remote_share = the SNAT range / the actors up (0 with none): each
 * actor's share of the pod ports toward one remote endpoint. */
int state_remote_share_update(const struct dp *dp);

/* Counters of block `id` summed over CPUs (out has ATEOM_STAT_MAX slots). */
int state_counters(const struct dp *dp, uint32_t id, struct ateom_counter *out);
int state_counters_zero(const struct dp *dp, uint32_t id);

extern const char *const ateom_stat_names[ATEOM_STAT_MAX];

#endif
