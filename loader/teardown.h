/* SPDX-License-Identifier: Apache-2.0 */
/* Taking one actor off the datapath: what `down` does, and what
 * `purge --force` does for every actor before it unpins. */
#ifndef ATEOMNET_TEARDOWN_H
#define ATEOMNET_TEARDOWN_H

#include "netlink.h"
#include "state.h"

/* Removes the actor's services and map entry, detaches from its veth and
 * deletes the veth (only if it still carries the actor's alias), then its
 * NAT entries and counters. *nat_removed: how many NAT entries went. The
 * pod interface is left alone (detach_pod_if_idle). */
int teardown_actor(struct nl *nl, const struct dp *dp, const struct actor_ref *ref,
		   long *nat_removed);

#endif
