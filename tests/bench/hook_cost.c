// SPDX-License-Identifier: Apache-2.0
/*
 * The egress hook's per-packet cost (issue 9), for prog-cost: from_actor on
 * an established TCP flow (the fixture's snat_tcp_est: actor 1 to
 * 198.51.100.7:443, its SNAT pair in place) with actor 1's hook slot
 *
 *   empty          no policy: the slot is empty, the tail call falls through;
 *   resume_only    a hook that only says allow and tail-calls resume (the
 *                  fixture's raw-instruction hook): the price of the
 *                  mechanism alone, whatever the hook decides;
 *   policy_nogen   bpf/policy.bpf.c with no generation for the actor (the
 *                  loader never leaves it so: breakdown only);
 *   policy_deny_allowed   what a user runs: `--egress-mode deny
 *                  --allow 198.51.100.0/24:443/tcp` (plus the always-deny
 *                  set), the packet allowed by its rule;
 *   policy_allow_mode     `--egress-mode allow --deny 10.0.0.0/8`: the
 *                  LPM lookup misses, allowed by the mode;
 *   policy_denied  `--egress-mode deny --allow 203.0.113.0/24`: dropped by
 *                  default (a flow already reported: no event).
 *
 * Each variant twice: cached, the slot set and the actor's hook generation
 * bumped as the loader does (dp_hook_changed), so the flow's first packet
 * asks the hook and the measured ones skip it (bpf/hook_cache.h: what an
 * established flow pays); and uncached (hook_uncached_*), the generation
 * bumped before every run, so every measured packet asks the hook (a flow's
 * first packet after a change, and every packet of a denied flow).
 *
 * The policy object is loaded as the loader loads it (sharing the
 * fixture's egress_hooks, stats and capture_orig) and the policies are
 * written by the loader's own pol_apply. Variants are interleaved in
 * blocks so that a busy moment of the machine hits them alike. hook_*_ns
 * is the median of single runs minus the empty program's (as prog_cost.c);
 * hook_added_*_ns is the difference to `empty` of the interquartile means
 * (test_run's durations come in steps of ~10 ns here: medians of two
 * variants differ by whole steps, the means of their middle halves do not).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"
#include "datapath.skel.h"
#include "policy.h"
#include "policy.skel.h"

#define BLOCKS 40
#define PER_BLOCK 500
#define RUNS (BLOCKS * PER_BLOCK)

enum variant { V_EMPTY, V_RESUME_ONLY, V_NOGEN, V_DENY_ALLOWED, V_ALLOW_MODE, V_DENIED, V_MAX };

static const struct {
	const char *name;
	uint8_t mode;
	const char *rule;    /* NULL: no policy written */
	uint8_t action;
	uint32_t verdict;    /* the expected test_run retval */
} var[V_MAX] = {
	[V_EMPTY] = { "empty", 0, NULL, 0, FX_REDIRECT },
	[V_RESUME_ONLY] = { "resume_only", 0, NULL, 0, FX_REDIRECT },
	[V_NOGEN] = { "policy_nogen", 0, NULL, 0, FX_REDIRECT },
	[V_DENY_ALLOWED] = { "policy_deny_allowed", ATEOM_EGRESS_DENY, "198.51.100.0/24:443/tcp",
			     ATEOM_RULE_ALLOW, FX_REDIRECT },
	[V_ALLOW_MODE] = { "policy_allow_mode", ATEOM_EGRESS_ALLOW, "10.0.0.0/8",
			   ATEOM_RULE_DENY, FX_REDIRECT },
	[V_DENIED] = { "policy_denied", ATEOM_EGRESS_DENY, "203.0.113.0/24", ATEOM_RULE_ALLOW,
		       FX_SHOT },
};

struct hook_env {
	struct fx *f;
	struct policy_bpf *skel;
	struct pol pol;
	int resume_only, policy;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int load_policy(struct hook_env *e)
{
	struct fx *f = e->f;

	e->skel = policy_bpf__open();
	if (!e->skel)
		return -1;
	if (bpf_map__reuse_fd(e->skel->maps.egress_hooks, f->hooks) ||
	    bpf_map__reuse_fd(e->skel->maps.stats, f->stats) ||
	    bpf_map__reuse_fd(e->skel->maps.capture_orig, bpf_map__fd(f->skel->maps.capture_orig)) ||
	    policy_bpf__load(e->skel))
		return -1;
	e->pol.gen = bpf_map__fd(e->skel->maps.pol_gen);
	e->pol.conf = bpf_map__fd(e->skel->maps.pol_conf);
	e->pol.rules = bpf_map__fd(e->skel->maps.pol_rules);
	e->policy = bpf_program__fd(e->skel->progs.policy);
	return 0;
}

/* Puts variant v in actor 1's slot, its policy written as `up` writes it. */
static int set_variant(struct hook_env *e, enum variant v)
{
	uint32_t slot = 1;
	struct pol_spec spec = { 0 };
	char err[160];

	if (v == V_EMPTY) {
		if (bpf_map_delete_elem(e->f->hooks, &slot) && errno != ENOENT)
			return -1;
		return 0;
	}
	if (v == V_RESUME_ONLY)
		return fx_hook_set(e->f, slot, e->resume_only);
	if (v == V_NOGEN) {
		if (pol_clear(&e->pol, slot))
			return -1;
		return fx_hook_set(e->f, slot, e->policy);
	}
	spec.mode = var[v].mode;
	spec.mode_given = true;
	if (pol_add_rule(&spec, var[v].rule, var[v].action, err, sizeof(err)) ||
	    pol_finish(&spec, err, sizeof(err)) || pol_apply(&e->pol, slot, &spec)) {
		fprintf(stderr, "hook-cost: %s: %s\n", var[v].name, err);
		return -1;
	}
	return fx_hook_set(e->f, slot, e->policy);
}

/* As the loader after a change of slot or policy. */
static int bump(struct hook_env *e, enum variant v)
{
	return fx_hook_gen(e->f, e->f->if_a1, v != V_EMPTY) ? -1 : 0;
}

/* Two runs of each variant after a bump, checked: the verdict; the first
 * asks the hook (hook_allow counted for the allowed ones), the second
 * skips it (hook_cached counted) unless denied. */
static int check_variant(struct hook_env *e, const struct fx_scn *s, enum variant v)
{
	struct fx_result r;
	bool allowed = var[v].verdict == FX_REDIRECT;

	if (bump(e, v))
		return -1;
	for (int i = 0; i < 2; i++) {
		uint64_t a0 = fx_counter(e->f, 1, ATEOM_STAT_HOOK_ALLOW, NULL);
		uint64_t c0 = fx_counter(e->f, 1, ATEOM_STAT_HOOK_CACHED, NULL);
		bool want_allow = i == 0 && v != V_EMPTY && allowed;
		bool want_cached = i == 1 && allowed;

		if (fx_run(e->f, s->prog_fd, s->ifindex, s->pkt, s->len, NULL, 1, &r))
			return -1;
		uint64_t a1 = fx_counter(e->f, 1, ATEOM_STAT_HOOK_ALLOW, NULL);
		uint64_t c1 = fx_counter(e->f, 1, ATEOM_STAT_HOOK_CACHED, NULL);

		if (r.retval != var[v].verdict || (a1 != a0) != want_allow ||
		    (c1 != c0) != want_cached) {
			fprintf(stderr, "hook-cost: %s run %d: verdict %u (expected %u), "
				"hook_allow +%llu, hook_cached +%llu\n", var[v].name, i, r.retval,
				var[v].verdict, (unsigned long long)(a1 - a0),
				(unsigned long long)(c1 - c0));
			return -1;
		}
	}
	return 0;
}

/* Sorts d; its median. */
static double median(uint32_t *d, int n)
{
	qsort(d, n, sizeof(d[0]), cmp_u32);
	return (double)d[n / 2];
}

/* The mean of the middle half of sorted d. */
static double iq_mean(const uint32_t *d, int n)
{
	double sum = 0;

	for (int i = n / 4; i < n - n / 4; i++)
		sum += d[i];
	return sum / (n - 2 * (n / 4));
}

int hook_cost(struct fx *f, double base)
{
	static uint32_t d[V_MAX][RUNS], u[V_MAX][RUNS];
	struct hook_env e = { .f = f, .pol = POL_CLOSED, .resume_only = -1 };
	struct fx_result r;
	struct fx_scn s;
	double ns[V_MAX], iqm[V_MAX], uns[V_MAX], uiqm[V_MAX];
	int rc = -1;

	fx_std_setup(f);
	if (fx_scenario(f, FX_SCN_SNAT_TCP_EST, &s))
		return -1;
	e.resume_only = fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_ALLOW);
	if (e.resume_only < 0 || load_policy(&e)) {
		e.resume_only = e.resume_only < 0 ? -1 : e.resume_only;
		fprintf(stderr, "hook-cost: cannot load the hooks: %s\n", strerror(errno));
		goto out;
	}
	for (int v = 0; v < V_MAX; v++)
		if (set_variant(&e, v) || check_variant(&e, &s, v))
			goto out;
	for (int b = 0; b < BLOCKS; b++) {
		for (int v = 0; v < V_MAX; v++) {
			/* Cached: one packet through the hook, then measured. */
			if (set_variant(&e, v) || bump(&e, v) ||
			    fx_run(f, s.prog_fd, s.ifindex, s.pkt, s.len, NULL, 1, &r))
				goto out;
			for (int i = 0; i < PER_BLOCK; i++) {
				if (fx_run(f, s.prog_fd, s.ifindex, s.pkt, s.len, NULL, 1, &r))
					goto out;
				d[v][b * PER_BLOCK + i] = r.duration;
			}
			for (int i = 0; i < PER_BLOCK; i++) {
				if (bump(&e, v) ||
				    fx_run(f, s.prog_fd, s.ifindex, s.pkt, s.len, NULL, 1, &r))
					goto out;
				u[v][b * PER_BLOCK + i] = r.duration;
			}
		}
	}
	printf("# egress hook: from_actor, established TCP, %d single runs per variant "
	       "(interleaved); cached = verdict cache hit, uncached = generation "
	       "bumped before each run\n", RUNS);
	for (int v = 0; v < V_MAX; v++) {
		ns[v] = median(d[v], RUNS) - base;
		iqm[v] = iq_mean(d[v], RUNS);
		uns[v] = median(u[v], RUNS) - base;
		uiqm[v] = iq_mean(u[v], RUNS);
		printf("hook_%s_ns %.0f\n", var[v].name, ns[v]);
		printf("hook_uncached_%s_ns %.0f\n", var[v].name, uns[v]);
	}
	/* Both against the empty slot as an established flow pays it. */
	for (int v = V_EMPTY + 1; v < V_MAX; v++) {
		printf("hook_added_%s_ns %.1f\n", var[v].name, iqm[v] - iqm[V_EMPTY]);
		printf("hook_added_uncached_%s_ns %.1f\n", var[v].name,
		       uiqm[v] - iqm[V_EMPTY]);
	}
	rc = 0;
out:
	set_variant(&e, V_EMPTY);
	if (e.pol.gen >= 0)
		pol_clear(&e.pol, 1);
	policy_bpf__destroy(e.skel);
	if (e.resume_only >= 0)
		close(e.resume_only);
	return rc;
}
