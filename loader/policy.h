/* SPDX-License-Identifier: Apache-2.0 */
/* The egress policy object (bpf/policy.bpf.c): loaded next to the datapath
 * on first use and pinned in DIR/policy/, sharing the datapath's
 * egress_hooks, stats and capture_orig maps; and the per-actor policy in
 * its maps. */
#ifndef ATEOMNET_POLICY_H_LOADER
#define ATEOMNET_POLICY_H_LOADER

#include <stdbool.h>
#include "datapath.h"
#include "policy_spec.h"

struct pol {
	int prog, orig_dst;                     /* program fds */
	int gen, conf, rules, events, seen, budget; /* map fds */
	int rules6;                             /* IPv6 destinations */
};

#define POL_CLOSED { -1, -1, -1, -1, -1, -1, -1, -1, -1 }

/* Opens the pinned policy object of dp; with load, loads and pins it
 * when there is none. Returns 0, 1 (none pinned, !load) or -1. */
int pol_open(const struct dp *dp, struct pol *p, bool load);
void pol_close(struct pol *p);
/* Removes DIR/policy (the cgroup link with it). */
void pol_unpin(const char *dir);

/* Writes spec as actor id's policy under a new generation and flips to
 * it; the old generation's entries go after. Nothing changes on failure. */
int pol_apply(const struct pol *p, uint32_t id, const struct pol_spec *spec);
/* Forgets actor id's policy (its hook slot must be empty already). */
int pol_clear(const struct pol *p, uint32_t id);
/* Actor id's policy in force: 1 and *c filled, 0 none, -1. */
int pol_get(const struct pol *p, uint32_t id, struct ateom_pol_conf *c);
bool pol_cgroup_attached(const struct dp *dp);

/* For `up` and `policy`: writes actor id's policy (spec active), attaches
 * the SO_ORIGINAL_DST program to cgroup when given (capture needs it once
 * per worker), and returns in *hook_fd the program for the actor's hook
 * slot (the caller closes it). */
int pol_setup(const struct dp *dp, uint32_t id, const struct pol_spec *spec,
	      const char *cgroup, int *hook_fd, int *cg_link);
/* cg_link non-NULL: the new cgroup link is not pinned but handed back
 * (-1 when none), for the caller to pin with pol_cgroup_commit as its last
 * step; NULL: pinned here, once the policy is in. The commit replaces the
 * worker's link in one rename, or leaves it as it was. */
int pol_cgroup_commit(const struct dp *dp, int link);

/* Clears actor id's policy when the policy object is pinned (down). */
int pol_forget_actor(const struct dp *dp, uint32_t id);

#endif
