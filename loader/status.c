// SPDX-License-Identifier: Apache-2.0
/* `ateomnet status` and `ateomnet nat`: read-only views of the pinned maps,
 * as text for people and as JSON for the controller (out.c writes both). */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "errmsg.h"
#include "memory.h"
#include "nat6_view.h"
#include "out.h"
#include "pin.h"
#include "policy.h"
#include "state.h"
#include "sys.h"
#include "verbs.h"

/* Opens the datapath read-only; *none set when nothing is pinned. */
static int open_existing(const struct ateom_args *a, struct dp *dp, bool *none)
{
	char dir[PATH_MAX];

	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(dp, dir);
	*none = !pin_dir_exists(dir) || !dp_pinned(dp);
	return *none ? 0 : dp_open(dp);
}

static int gather_actor(const struct dp *dp, const struct pol *pol, const struct actor_ref *ref,
			int nat6, struct out_actor *x)
{
	long n6;

	struct ateom_pol_conf pc;

	x->ref = *ref;
	if (pol && pol_get(pol, ref->a.id, &pc) == 1) {
		x->egress_mode = pc.mode;
		x->egress_rules = pc.n_rules;
		x->capture_port = pc.mode == ATEOM_EGRESS_CAPTURE ? pc.capture_port : 0;
	}
	if (!if_indextoname(ref->ifindex, x->veth))
		strcpy(x->veth, "?");
	if (state_services(dp, ref->ifindex, &x->svc, &x->n_svc) ||
	    state_counters(dp, ref->a.id, x->counters))
		return -1;
	x->nat_entries = state_nat_count(dp, ref->ifindex);
	n6 = nat6_view_count(nat6, ref->ifindex); /* both families */
	if (x->nat_entries < 0 || n6 < 0)
		return -1;
	x->nat_entries += n6;
	return 0;
}

int verb_status(const struct ateom_args *a)
{
	struct ateom_counter c[ATEOM_STAT_MAX];
	struct out_status r = { .counters = c };
	struct out_actor *xs = NULL;
	struct ateom_config cfg;
	struct actor_ref *acts = NULL;
	char podname[IF_NAMESIZE] = "?";
	struct nl nl = { 0 };
	struct pol pol = POL_CLOSED;
	struct dp dp;
	bool none;
	int n = 0, rc = -1, nat6 = -1;
	long n6;

	if (open_existing(a, &dp, &none))
		return -1;
	r.pin_dir = dp.dir;
	if (none)
		return out_status(stdout, a->json, &r);
	if (dp_config_get(&dp, &cfg) || state_actors(&dp, &acts, &n) || state_counters(&dp, 0, c))
		goto out;
	xs = calloc(n ? n : 1, sizeof(*xs));
	if (!xs) {
		ateom_fail("out of memory");
		goto out;
	}
	if (pol_open(&dp, &pol, false) < 0)
		goto out;
	nat6 = nat6_view_open(&dp);
	for (int i = 0; i < n; i++)
		if (gather_actor(&dp, pol.gen >= 0 ? &pol : NULL, &acts[i], nat6, &xs[i]))
			goto out;
	r.nat_entries = state_nat_count(&dp, 0);
	n6 = nat6_view_count(nat6, 0);
	if (r.nat_entries < 0 || n6 < 0 || dp_memory_bytes(&dp, &r.memory_bytes))
		goto out;
	r.nat_entries += n6;
	if_indextoname(cfg.pod_ifindex, podname);
	r.pod_attach = ATTACH_NONE;
	if (nl_open(&nl) == 0)
		r.pod_attach = attach_query(&nl, &dp, podname, cfg.pod_ifindex, &dp.from_pod);

	r.loaded = true;
	r.pod_if = podname;
	r.pod_ifindex = cfg.pod_ifindex;
	r.pod_ip_be = cfg.pod_ip_be;
	r.pod_ip6 = cfg.pod_ip6;
	r.snat_min = cfg.snat_port_min;
	r.snat_max = cfg.snat_port_max;
	r.remote_share = cfg.remote_share;
	for (int t = 0; t < ATEOM_TO_N; t++)
		r.timeout_s[t] = ateom_timeout_get(&cfg, t);
	r.actors = xs;
	r.n_actors = n;
	rc = out_status(stdout, a->json, &r);
out:
	for (int i = 0; xs && i < n; i++)
		free(xs[i].svc);
	free(xs);
	free(acts);
	if (nat6 >= 0)
		close(nat6);
	nl_close(&nl);
	pol_close(&pol);
	dp_close(&dp);
	return rc;
}

int verb_nat(const struct ateom_args *a)
{
	struct ateom_nat_key k, *prev = NULL;
	struct ateom_nat_entry e;
	struct out_nat o;
	struct timespec ts;
	struct dp dp;
	bool none;
	int rc, nat6;

	if (open_existing(a, &dp, &none))
		return -1;
	nat6 = none ? -1 : nat6_view_open(&dp);
	rc = out_nat_begin(&o, stdout, a->json);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	uint64_t now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	while (!rc && !none && bpf_map_get_next_key(dp.nat, prev, &k) == 0) {
		struct ateom_nat_key cur = k;

		prev = &k;
		if (bpf_map_lookup_elem(dp.nat, &cur, &e))
			continue;
		rc = out_nat_entry(&o, &cur, &e,
				   now > e.last_seen_ns ? (now - e.last_seen_ns) / 1e9 : 0);
	}
	if (!rc)
		rc = nat6_view_dump(nat6, &o, now);
	if (!rc)
		rc = out_nat_end(&o);
	if (nat6 >= 0)
		close(nat6);
	dp_close(&dp);
	return rc;
}
