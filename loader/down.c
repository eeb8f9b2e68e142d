// SPDX-License-Identifier: Apache-2.0
/*
 * `ateomnet down`: removes one actor's veth, map entries and NAT entries,
 * and detaches from the pod interface when the last actor is gone. The
 * programs and maps stay pinned so the next `up` is warm. Idempotent: an
 * unknown actor is not an error.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "errmsg.h"
#include "pin.h"
#include "state.h"
#include "sys.h"
#include "verbs.h"
#include "veth.h"

static int down_actor(struct nl *nl, struct dp *dp, const struct actor_ref *ref,
		      long *nat_removed)
{
	uint32_t ifindex = ref->ifindex;
	char ifname[IF_NAMESIZE] = "";
	struct nl_link l;

	/* Stop new flows first: no actor entry = the datapath drops its
	 * packets; no service = no new inbound. */
	if (state_delete_services(dp, ifindex) < 0)
		return -1;
	bpf_map_delete_elem(dp->actors, &ifindex);
	/* The next actor with this id must not inherit this one's hook. */
	if (state_hook_set(dp, ref->a.id, -1))
		return -1;
	if (nl_link_get_by_index(nl, ifindex, &l) == 0) {
		snprintf(ifname, sizeof(ifname), "%s", l.name);
		if (detach_ingress(nl, dp, ifname, ifindex, &dp->from_actor))
			return -1;
		/* Only delete the link if it is still the one we made. */
		if (veth_is_actors(&l, ref->a.name) && nl_link_del(nl, ifindex))
			return ateom_fail("cannot delete %s: %s", ifname, nl_error(nl));
	}
	*nat_removed = state_nat_delete(dp, ifindex);
	if (*nat_removed < 0)
		return -1;
	return state_counters_zero(dp, ref->a.id);
}

int verb_down(const struct ateom_args *a)
{
	char dir[PATH_MAX];
	struct actor_ref ref;
	struct nl nl = { 0 };
	struct dp dp;
	long nat = 0;
	int lock = -1, rc = -1, err, stale = 0;
	bool found = false;
	double t0 = sys_now_ms();

	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(&dp, dir);
	if ((err = nl_open(&nl)))
		return ateom_fail("cannot open netlink: %s", strerror(-err));
	if (pin_dir_exists(dir)) {
		lock = pin_lock(dir);
		if (lock < 0)
			goto out;
		if (dp_pinned(&dp)) {
			if (dp_open(&dp))
				goto out;
			err = state_find_actor(&dp, a->actor, &ref);
			if (err < 0)
				goto out;
			found = err == 1;
			if (found && down_actor(&nl, &dp, &ref, &nat))
				goto out;
			if (detach_pod_if_idle(&nl, &dp))
				goto out;
			/* No actor, no flows: the collector stops (an idle
			 * worker pays nothing); the next `up` starts it. */
			if (state_actor_count(&dp) == 0 && dp_gc(&dp, false))
				goto out;
		}
	}
	stale = veth_remove_all(&nl, a->actor); /* what a crashed `up` left */
	if (stale < 0)
		goto out;

	if (a->json)
		printf("{\"actor\":\"%s\",\"was_up\":%s,\"nat_removed\":%ld,\"elapsed_ms\":%.3f}\n",
		       a->actor, found ? "true" : "false", nat, sys_now_ms() - t0);
	else if (found)
		printf("actor %s down: veth removed, %ld NAT entries removed [%.1f ms]\n",
		       a->actor, nat, sys_now_ms() - t0);
	else if (stale)
		printf("actor %s was not up; removed %d leftover veth(s)\n", a->actor, stale);
	else
		printf("actor %s is not up (nothing to do)\n", a->actor);
	rc = 0;
out:
	dp_close(&dp);
	pin_unlock(lock);
	nl_close(&nl);
	return rc;
}
