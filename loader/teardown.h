/* SPDX-License-Identifier: Apache-2.0 */
/* Taking one actor off the datapath: what `down` does, what `purge --force`
 * does for every actor before it unpins, and what `up` does with a broken
 * earlier attempt of the same actor.
 *
 * The actor's map entry is the commit record: `up` writes it after
 * everything the actor owns (veth, attachments, services, hook slot), and
 * teardown_actor deletes it after all of that. A crash anywhere in between
 * leaves either an entry whose datapath is incomplete (the next `up` or
 * `down` of the actor finds the entry and starts over) or, before the
 * entry, state no entry owns: a veth recognised by its mark (veth.h) and
 * map entries teardown_orphans removes. */
#ifndef ATEOMNET_TEARDOWN_H
#define ATEOMNET_TEARDOWN_H

#include "netlink.h"
#include "state.h"

/* Detaches from the actor's veth and deletes it (only if it still carries
 * the actor's mark), removes its services, NAT entries, counters and hook
 * slot, and its map entry last. *nat_removed: how many NAT entries went.
 * Idempotent: a second call finishes what a crashed one started. The pod
 * interface is left alone (detach_pod_if_idle). */
int teardown_actor(struct nl *nl, const struct dp *dp, const struct actor_ref *ref,
		   long *nat_removed);

/* Deletes the veths a crashed `up` of `actor` left (veth_find), with their
 * tcx link pins when dp is open (NULL: no datapath). Returns how many, -1. */
int teardown_stale_veths(struct nl *nl, const struct dp *dp, const char *actor);

/* Removes what a crashed `up` wrote before its actor entry and no actor
 * entry owns: services and svc_rev entries of an ifindex no actor has, and
 * hook slots of an id no actor has. Call under the lock. Returns how many
 * entries went, or -1. */
int teardown_orphans(const struct dp *dp);

#endif
