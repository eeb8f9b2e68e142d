// SPDX-License-Identifier: Apache-2.0
/*
 * `ateomnet down`: removes one actor's veth, map entries and NAT entries.
 * The programs and maps stay pinned, and from_pod on the pod interface
 * (until `purge`), so the next `up` is warm. Idempotent: an
 * unknown actor is not an error, and a second `down` finishes what a
 * crashed one (or a crashed `up`) left.
 */
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "errmsg.h"
#include "out.h"
#include "pin.h"
#include "sys.h"
#include "teardown.h"
#include "verbs.h"
#include "veth.h"

int verb_down(const struct ateom_args *a)
{
	struct out_down r;

	return ateom_down(a, &r) ? -1 : out_down(stdout, a->json, &r);
}

int ateom_down(const struct ateom_args *a, struct out_down *res)
{
	struct out_down r = { .actor = a->actor };
	char dir[PATH_MAX];
	struct actor_ref ref;
	struct nl nl = { 0 };
	struct dp dp;
	int lock = -1, rc = -1, err;
	bool open = false;
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
			open = true;
			err = state_find_actor(&dp, a->actor, &ref);
			if (err < 0)
				goto out;
			r.was_up = err == 1;
			if (r.was_up && teardown_actor(&nl, &dp, &ref, &r.nat_removed))
				goto out;
			/* from_pod stays on the pod interface (it passes
			 * everything with no actor up) until `purge`: the next
			 * `up` pays no tcx attach. Links whose device is gone
			 * are swept. */
			if (attach_sweep_links(&dp, false))
				goto out;
			sys_fault_point("down_pod");
			/* No actor, no flows: the collector stops (an idle
			 * worker pays nothing); the next `up` starts it. */
			if (state_actor_count(&dp) == 0 && dp_gc(&dp, false))
				goto out;
			if (state_remote_share_update(&dp)) /* also after a crashed down */
				goto out;
			if (teardown_orphans(&dp) < 0)
				goto out;
		}
	}
	/* What a crashed `up` left: found by its mark, not by a map entry. */
	r.stale_veths = teardown_stale_veths(&nl, open ? &dp : NULL, a->actor);
	if (r.stale_veths < 0)
		goto out;
	r.elapsed_ms = sys_now_ms() - t0;
	*res = r;
	rc = 0;
out:
	dp_close(&dp);
	pin_unlock(lock);
	nl_close(&nl);
	return rc;
}
