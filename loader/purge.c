// SPDX-License-Identifier: Apache-2.0
/* `ateomnet purge`: unpin a worker's whole datapath (programs, maps, links)
 * once no actor is up, e.g. before an upgrade that changes the ABI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "errmsg.h"
#include "pin.h"
#include "state.h"
#include "sys.h"
#include "verbs.h"

int verb_purge(const struct ateom_args *a)
{
	char dir[PATH_MAX];
	struct nl nl = { 0 };
	struct dp dp;
	int lock, n, rc = -1;

	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(&dp, dir);
	if (!pin_dir_exists(dir)) {
		printf("nothing pinned in %s\n", dir);
		return 0;
	}
	lock = pin_lock(dir);
	if (lock < 0)
		return -1;
	if (dp_pinned(&dp) && dp_open(&dp) == 0) {
		n = state_actor_count(&dp);
		if (n < 0)
			goto out;
		if (n > 0) {
			ateom_fail("%d actor(s) still up in %s; take them down first", n, dir);
			goto out;
		}
		if (nl_open(&nl) == 0 && detach_pod_if_idle(&nl, &dp))
			goto out;
	} else {
		/* Incomplete or foreign-ABI pins: purge is how one gets rid of them. */
		ateom_errmsg_clear();
	}
	dp_close(&dp);
	dp_unpin(&dp);
	pin_unlock(lock);
	lock = -1;
	if (rmdir(dir) && errno != ENOENT) {
		ateom_fail("%s is not empty after unpinning (someone else's pins?)", dir);
		goto out;
	}
	rmdir(ATEOM_PIN_ROOT); /* only succeeds when no other worker uses it */
	printf("purged %s\n", dir);
	rc = 0;
out:
	dp_close(&dp);
	pin_unlock(lock);
	nl_close(&nl);
	return rc;
}
