// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "errmsg.h"
#include "sockdiag.h"
#include "sys.h"
#include "teardown.h"
#include "policy.h"
#include "veth.h"

static int link_del(struct nl *nl, const struct nl_link *l)
{
	int err = nl_link_del(nl, l->ifindex);

	if (err && err != -ENODEV)
		return ateom_fail("cannot delete %s: %s%s%s", l->name, strerror(-err),
				  nl_error(nl)[0] ? ": " : "", nl_error(nl));
	return 0;
}

/* Both programs of an actor's veth: from_actor on ingress, to_actor on
 * egress (their tcx pins outlive the device otherwise). */
static int detach_veth(struct nl *nl, const struct dp *dp, const struct nl_link *l)
{
	return detach_ingress(nl, dp, l->name, l->ifindex, &dp->from_actor) ||
	       detach_hook(nl, dp, l->name, l->ifindex, NL_TC_EGRESS, &dp->to_actor) ? -1 : 0;
}

int teardown_actor(struct nl *nl, const struct dp *dp, const struct actor_ref *ref,
		   long *nat_removed)
{
	uint32_t ifindex = ref->ifindex;
	struct nl_link l;
	int rc;

	/* The veth first: no packet of the actor reaches the datapath any
	 * more, and from here on the entry describes an incomplete actor. */
	if (nl_link_get_by_index(nl, ifindex, &l) == 0) {
		if (detach_veth(nl, dp, &l))
			return -1;
		/* Only delete the link if it is still the one we made. */
		if (veth_is_actors(&l, ref->a.name) && link_del(nl, &l))
			return -1;
	}
	sys_fault_point("down_link");
	/* The worker's sockets toward the identity, before the id is free
	 * for the next actor (sockdiag.h). A kernel that cannot destroy them
	 * leaves them to `up`, which then does not reuse the id. */
	rc = sockdiag_destroy(ref->a.ident_ip_be ? ref->a.ident_ip_be :
			      htonl(ATEOM_IDENT_BASE + ref->a.id));
	if (rc < 0 && rc != -EOPNOTSUPP && rc != -ENOENT)
		return ateom_fail("cannot close the worker's sockets to actor %s's identity: %s",
				  ref->a.name, strerror(-rc));
	/* Inbound to the exposed ports now goes nowhere; then no new one. */
	if (state_delete_services(dp, ifindex) < 0)
		return -1;
	sys_fault_point("down_services");
	*nat_removed = state_nat_delete(dp, ifindex);
	if (*nat_removed < 0)
		return -1;
	sys_fault_point("down_nat");
	/* The next actor with this id must not inherit this one's hook. */
	if (state_counters_zero(dp, ref->a.id) || state_hook_set(dp, ref->a.id, -1) ||
	    pol_forget_actor(dp, ref->a.id))
		return -1;
	sys_fault_point("down_hook");
	if (bpf_map_delete_elem(dp->actors, &ifindex) && errno != ENOENT)
		return ateom_fail("cannot remove actor %s from the actors map: %s", ref->a.name,
				  strerror(errno));
	sys_fault_point("down_actor");
	return 0;
}

int teardown_stale_veths(struct nl *nl, const struct dp *dp, const char *actor)
{
	struct nl_link l;
	int n = 0, rc;

	while ((rc = veth_find(nl, actor, &l)) == 1) {
		/* A tcx link dies with its device, its pin does not. */
		if (dp && detach_veth(nl, dp, &l))
			return -1;
		if (link_del(nl, &l))
			return -1;
		n++;
	}
	return rc < 0 ? -1 : n;
}

/* Keys of the svc_rev map whose actor has no entry (copied out first, so
 * deleting them does not upset the walk). */
static int orphan_rev_keys(const struct dp *dp, struct ateom_svc_rev_key **out, int *n)
{
	struct ateom_svc_rev_key k, next, *v = NULL;
	struct ateom_actor act;
	bool first = true;
	int cap = 0;

	*n = 0;
	while (bpf_map_get_next_key(dp->svc_rev, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (bpf_map_lookup_elem(dp->actors, &k.actor_ifindex, &act) == 0)
			continue;
		if (*n == cap) {
			struct ateom_svc_rev_key *w;

			cap = cap ? cap * 2 : 8;
			w = realloc(v, cap * sizeof(*v));
			if (!w) {
				free(v);
				return ateom_fail("out of memory");
			}
			v = w;
		}
		v[(*n)++] = k;
	}
	*out = v;
	return 0;
}

int teardown_orphans(const struct dp *dp)
{
	unsigned char used[ATEOM_MAX_ACTORS + 1] = { 0 };
	struct ateom_svc_rev_key *rev = NULL;
	struct actor_ref *acts;
	struct svc_ref *svc;
	struct ateom_actor act;
	int n_acts, n_svc, n_rev, removed = 0, rc;

	if (state_services(dp, 0, &svc, &n_svc))
		return -1;
	for (int i = 0; i < n_svc; i++) {
		uint32_t ifindex = svc[i].v.actor_ifindex;

		if (bpf_map_lookup_elem(dp->actors, &ifindex, &act) == 0)
			continue;
		rc = state_delete_services(dp, ifindex);
		if (rc < 0) {
			free(svc);
			return -1;
		}
		removed += rc;
	}
	free(svc);
	/* svc_rev is written first: a crash can leave one without its service. */
	if (orphan_rev_keys(dp, &rev, &n_rev))
		return -1;
	for (int i = 0; i < n_rev; i++)
		removed += bpf_map_delete_elem(dp->svc_rev, &rev[i]) == 0;
	free(rev);

	if (state_actors(dp, &acts, &n_acts))
		return -1;
	for (int i = 0; i < n_acts; i++)
		if (acts[i].a.id <= ATEOM_MAX_ACTORS)
			used[acts[i].a.id] = 1;
	free(acts);
	for (uint32_t id = 1; id <= ATEOM_MAX_ACTORS; id++)
		if (!used[id] && state_hook_set(dp, id, -1))
			return -1;
	return removed;
}
