// SPDX-License-Identifier: Apache-2.0
/* `ateomnet prepare`: loads and pins a worker's datapath ahead of time (at
 * worker start), so no activation pays the verifier: the first `up` then
 * reopens the pins like any later one. It attaches nothing and makes no
 * actor; `up` still loads the datapath itself when nobody prepared. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "errmsg.h"
#include "out.h"
#include "pin.h"
#include "sys.h"
#include "verbs.h"

static int nat_size(const struct dp *dp, uint32_t *entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(dp->nat, &info, &len))
		return ateom_fail("cannot inspect the nat map: %s", strerror(errno));
	*entries = info.max_entries;
	return 0;
}

/* --timeout-*: datapath-wide, so prepare may set them too (before or
 * between activations). */
static int set_timeouts(const struct dp *dp, const struct ateom_args *a)
{
	struct ateom_config cfg;

	if (!a->timeouts_set)
		return 0;
	if (dp_config_get(dp, &cfg))
		return -1;
	ateom_timeouts_apply(&cfg, a->timeout_s, a->timeouts_set);
	return dp_config_set(dp, &cfg);
}

int verb_prepare(const struct ateom_args *a)
{
	double t0 = sys_now_ms();
	struct out_prepare r = { 0 };
	char dir[PATH_MAX];
	bool created = false;
	struct dp dp;
	int lock = -1, rc = -1;

	dp_init(&dp, "");
	/* The pin dir as `up` resolves it, with the same refusals (another
	 * netns's dir, a throwaway bpffs under `ip netns exec`). */
	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(&dp, dir);
	if (pin_dir_prepare(dir, &created))
		return -1;
	lock = pin_lock(dir);
	if (lock < 0)
		goto undo;
	/* Already pinned: opened, so a datapath `up` would refuse (incomplete,
	 * another ABI) fails here too, and exit 0 means the next `up` is warm. */
	if (dp_open_or_load(&dp, a->nat_entries) || nat_size(&dp, &r.nat_entries) ||
	    set_timeouts(&dp, a))
		goto undo;
	r.pin_dir = dp.dir;
	r.loaded = dp.loaded_now;
	r.elapsed_ms = sys_now_ms() - t0;
	/* As for `up`: exit 1 means nothing changed, so a report that cannot
	 * be written unpins what this call pinned. */
	if (out_prepare(stdout, a->json, &r))
		goto undo;
	rc = 0;
	goto out;

undo:
	if (dp.loaded_now)
		dp_unpin(&dp);
	if (created)
		pin_dir_remove_if_empty(dir);
out:
	dp_close(&dp);
	pin_unlock(lock);
	return rc;
}
