// SPDX-License-Identifier: Apache-2.0
/* `ateomnet purge`: unpin a worker's whole datapath (programs, maps, links),
 * e.g. before an upgrade that changes the ABI. Refused while actors are up,
 * unless --force: then each actor is first taken down as `down` would. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "errmsg.h"
#include "out.h"
#include "pin.h"
#include "state.h"
#include "sys.h"
#include "teardown.h"
#include "verbs.h"
#include "veth.h"

/* Takes every actor down (--force), recording each in *down. */
static int take_all_down(struct nl *nl, const struct dp *dp, const struct actor_ref *acts,
			 int n, struct out_purge_actor *down)
{
	for (int i = 0; i < n; i++) {
		struct out_purge_actor *x = &down[i];

		memcpy(x->name, acts[i].a.name, sizeof(x->name));
		x->name[sizeof(x->name) - 1] = '\0';
		if (teardown_actor(nl, dp, &acts[i], &x->nat_removed) ||
		    veth_remove_all(nl, x->name) < 0)
			return -1;
	}
	return 0;
}

/* With the datapath open: refuse, or take the actors down, then leave the
 * pod interface as it was. */
static int empty_datapath(const struct ateom_args *a, struct nl *nl, const struct dp *dp,
			  struct out_purge_actor **down, int *n_down)
{
	struct actor_ref *acts;
	int n, rc = -1;

	if (state_actors(dp, &acts, &n))
		return -1;
	if (n > 0 && !a->force) {
		free(acts);
		return ateom_fail("%d actor(s) still up in %s; take them down first "
				  "(or purge --force)", n, dp->dir);
	}
	*down = calloc(n ? n : 1, sizeof(**down));
	if (!*down) {
		free(acts);
		return ateom_fail("out of memory");
	}
	if (take_all_down(nl, dp, acts, n, *down) == 0) {
		*n_down = n;
		rc = detach_pod_if_idle(nl, dp);
	}
	free(acts);
	return rc;
}

int verb_purge(const struct ateom_args *a)
{
	struct out_purge r = { 0 };
	struct out_purge_actor *down = NULL;
	char dir[PATH_MAX];
	struct nl nl = { 0 };
	struct dp dp;
	int lock = -1, err, rc = -1;

	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(&dp, dir);
	r.pin_dir = dp.dir;
	if (!pin_dir_exists(dir))
		return out_purge(stdout, a->json, &r);
	if ((err = nl_open(&nl)))
		return ateom_fail("cannot open netlink: %s", strerror(-err));
	lock = pin_lock(dir);
	if (lock < 0)
		goto out;
	if (dp_pinned(&dp) && dp_open(&dp) == 0) {
		if (empty_datapath(a, &nl, &dp, &down, &r.n_down))
			goto out;
		r.down = down;
	} else {
		/* Nothing or incomplete or foreign-ABI pins: purge is how one
		 * gets rid of them. */
		ateom_errmsg_clear();
	}
	dp_close(&dp);
	/* Every link pin goes, also of links whose device is gone: each one
	 * keeps a program alive. */
	if (attach_sweep_links(&dp, true))
		goto out;
	dp_unpin(&dp);
	err = pin_dir_remove(dir);
	if (err < 0)
		goto out;
	if (err == 1) {
		ateom_fail("%s is not empty after unpinning (someone else's pins?)", dir);
		goto out;
	}
	pin_unlock(lock);
	lock = -1;
	rmdir(ATEOM_PIN_ROOT); /* only succeeds when no other worker uses it */
	r.purged = true;
	rc = out_purge(stdout, a->json, &r);
out:
	free(down);
	dp_close(&dp);
	pin_unlock(lock);
	nl_close(&nl);
	return rc;
}
