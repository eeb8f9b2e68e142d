// SPDX-License-Identifier: Apache-2.0
/* `ateomnet prepare`: loads and pins a worker's datapath ahead of time (at
 * worker start) and attaches from_pod to the pod interface, so no
 * activation pays the verifier or a tcx attach (~13 ms of RCU wait): the
 * first `up` then costs what any later one does. With no actor up, from_pod
 * passes every packet (one lookup). It makes no actor; `up` still loads
 * and attaches itself when nobody prepared. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "errmsg.h"
#include "netlink.h"
#include "out.h"
#include "pin.h"
#include "state.h"
#include "sys.h"
#include "verbs.h"

/* from_pod on the pod interface, and the config naming it (`up` checks
 * later actors against it, `purge` detaches from it). *attached: this call
 * attached it. */
static int attach_pod(const struct ateom_args *a, struct dp *dp, bool *attached, bool *on_pod)
{
	enum attach_mode mode;
	struct ateom_config cfg;
	struct nl_link pod;
	struct nl nl;
	int err, rc = -1;

	if ((err = nl_open(&nl)))
		return ateom_fail("cannot open netlink: %s", strerror(-err));
	err = nl_link_get(&nl, a->pod_if, &pod);
	if (err == -ENODEV) { /* not there yet: the first `up` attaches */
		rc = 0;
		goto out;
	}
	if (err) {
		nl_fail(&nl, err, "cannot read the pod interface");
		goto out;
	}
	if (dp_config_get(dp, &cfg))
		goto out;
	if (cfg.pod_ifindex && cfg.pod_ifindex != (uint32_t)pod.ifindex &&
	    state_actor_count(dp) > 0) {
		ateom_fail("this worker's actors use another pod interface (ifindex %u), not %s",
			   cfg.pod_ifindex, a->pod_if);
		goto out;
	}
	if (attach_query(&nl, dp, a->pod_if, pod.ifindex, &dp->from_pod) == ATTACH_NONE) {
		if (attach_ingress(&nl, dp, a->pod_if, pod.ifindex, &dp->from_pod, a->attach,
				   &mode))
			goto out;
		*attached = true;
	}
	cfg.pod_ifindex = pod.ifindex;
	/* The pod's IPv6 as `up` finds it (up writes it again: it may change). */
	memset(&cfg.pod_ip6, 0, sizeof(cfg.pod_ip6));
	err = nl_addr_get_v6(&nl, pod.ifindex, cfg.pod_ip6.b);
	if (err && err != -EADDRNOTAVAIL) {
		nl_fail(&nl, err, "cannot read the pod interface's IPv6 addresses");
		goto out;
	}
	if (dp_config_set(dp, &cfg))
		goto out;
	*on_pod = true;
	rc = 0;
out:
	if (rc && *attached) {
		detach_ingress(&nl, dp, a->pod_if, pod.ifindex, &dp->from_pod);
		*attached = false;
	}
	nl_close(&nl);
	return rc;
}

/* Sizing: a pod interface that is there and has no global or ULA IPv6
 * address gets no IPv6 pair tables; one not there yet (or unreadable) is
 * sized for IPv6, which costs memory but refuses nobody later. */
static bool pod_without_ipv6(const char *pod_if)
{
	union ateom_in6 ip6;
	struct nl_link pod;
	bool none = false;
	struct nl nl;

	if (!pod_if || nl_open(&nl))
		return false;
	if (nl_link_get(&nl, pod_if, &pod) == 0)
		none = nl_addr_get_v6(&nl, pod.ifindex, ip6.b) == -EADDRNOTAVAIL;
	nl_close(&nl);
	return none;
}

static void detach_pod(const struct ateom_args *a, const struct dp *dp)
{
	struct nl_link pod;
	struct nl nl;

	if (nl_open(&nl))
		return;
	if (nl_link_get(&nl, a->pod_if, &pod) == 0)
		detach_ingress(&nl, dp, a->pod_if, pod.ifindex, &dp->from_pod);
	nl_close(&nl);
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
	bool created = false, attached = false, on_pod = false, cfg_saved = false;
	struct ateom_config old_cfg;
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
	struct dp_sizes want = { .max_actors = a->max_actors, .nat_entries = a->nat_entries,
				 .no_ipv6 = pod_without_ipv6(a->pod_if) };
	struct dp_sizes have;

	if (dp_open_or_load(&dp, want) || dp_sizes_check(&dp, want) || dp_sizes_get(&dp, &have) ||
	    dp_config_get(&dp, &old_cfg))
		goto undo;
	cfg_saved = true; /* a refusal below puts it back (timeouts, pod ifindex) */
	r.nat_entries = have.nat_entries;
	r.max_actors = have.max_actors;
	if (attach_pod(a, &dp, &attached, &on_pod) || set_timeouts(&dp, a))
		goto undo;
	r.pod_if = on_pod ? a->pod_if : NULL;
	r.attached = attached;
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
	if (cfg_saved && !dp.loaded_now)
		dp_config_set(&dp, &old_cfg);
	if (attached)
		detach_pod(a, &dp);
	if (dp.loaded_now)
		dp_unpin(&dp);
	if (created)
		pin_dir_remove_if_empty(dir);
out:
	dp_close(&dp);
	pin_unlock(lock);
	return rc;
}
