// SPDX-License-Identifier: Apache-2.0
/*
 * prog-cost: per-packet cost of the datapath programs through
 * BPF_PROG_TEST_RUN (issue 4, metrics 5 and 7), on the fixture packets of
 * the BPF tests.
 *
 * A translated packet cannot be re-run (test_run does not restore it between
 * repeats), so each figure is the median of many single runs minus the
 * median of an empty program measured the same way: that removes
 * test_run's own timing overhead, though single runs still start with
 * colder caches than a packet stream does. The pass-through path leaves the
 * packet alone, so it is also measured with `repeat` (warm).
 *
 * Output: "METRIC VALUE" lines (metric names end in their unit), as
 * tests/bench/run.sh expects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "fixture.h"

/* hook_cost.c: the egress hook with and without the policy program. */
int hook_cost(struct fx *f, double base);

#define RUNS 20000

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median single-run duration; `fresh` clears the NAT table (and with it the
 * actor's pair count, or its quota would run out) before each run, outside
 * the timed part, so a "new flow" scenario stays new. */
static double median_ns(struct fx *f, const struct fx_scn *s, bool fresh)
{
	static uint64_t d[RUNS];
	struct fx_result r;

	for (int i = 0; i < RUNS; i++) {
		if (fresh)
			fx_nat4_clear(f); /* the scenarios are IPv4 */
		if (fx_run(f, s->prog_fd, s->ifindex, s->pkt, s->len, NULL, 1, &r))
			return -1;
		d[i] = r.duration;
	}
	qsort(d, RUNS, sizeof(d[0]), cmp_u64);
	return (double)d[RUNS / 2];
}

static double repeat_ns(struct fx *f, const struct fx_scn *s)
{
	struct fx_result r;

	if (fx_run(f, s->prog_fd, s->ifindex, s->pkt, s->len, NULL, 200000, &r))
		return -1;
	return (double)r.duration;
}

static double empty_ns(struct fx *f, const struct fx_scn *like, bool repeat)
{
	struct fx_scn e = *like;

	e.prog_fd = fx_hook_shot();
	return repeat ? repeat_ns(f, &e) : median_ns(f, &e, false);
}

/* Exposed ports keep no state: only a new SNAT flow leaves some behind. */
static bool is_new(enum fx_scenario s) { return s == FX_SCN_SNAT_NEW; }

static void cost_all(struct fx *f)
{
	struct fx_scn s;
	double base;

	fx_std_setup(f);
	fx_scenario(f, FX_SCN_POD_PASS, &s);
	base = empty_ns(f, &s, false);
	printf("# test_run overhead (empty program, single runs): %.0f ns\n", base);
	for (int i = 0; i < FX_SCN_MAX; i++) {
		fx_std_setup(f);
		if (fx_scenario(f, i, &s))
			continue;
		printf("cost_%s_ns %.0f\n", s.name, median_ns(f, &s, is_new(i)) - base);
	}
	fx_std_setup(f);
	fx_scenario(f, FX_SCN_POD_PASS, &s);
	printf("cost_pod_pass_warm_ns %.1f\n", repeat_ns(f, &s) - empty_ns(f, &s, true));
}

/* Extra actors with services (keys only: their ifindexes need no device). */
static void add_actors(struct fx *f, int n)
{
	for (int i = 0; i < n; i++) {
		fx_add_actor(f, 1000 + i, 3 + i);
		fx_add_service(f, IPPROTO_TCP, 20000 + i, 1000 + i, 80, 3 + i);
	}
}

/* Unrelated SNAT pairs so lookups hit a table of this size. */
static int fill_nat(struct fx *f, int pairs)
{
	for (int i = 0; i < pairs; i++) {
		uint32_t remote = htonl(0x0a000000u | (uint32_t)(i / 4000));

		if (fx_snat_pair_put(f, f->if_a2, 2, IPPROTO_TCP, 1024 + i % 4000, remote, 443,
				     f->snat_min + i % 4000, fx_now()))
			return -1;
	}
	return 0;
}

static void scale_point(struct fx *f, const char *label)
{
	static const enum fx_scenario paths[] = { FX_SCN_SNAT_TCP_EST, FX_SCN_DNAT_TCP_EST,
						  FX_SCN_POD_PASS };
	struct fx_scn s;
	double base;

	fx_scenario(f, FX_SCN_POD_PASS, &s);
	base = empty_ns(f, &s, false);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (fx_scenario(f, paths[i], &s))
			continue;
		printf("scale_%s_%s_ns %.0f\n", label, s.name, median_ns(f, &s, false) - base);
	}
}

int main(int argc, char **argv)
{
	static const int actors[] = { 1, 16, 64 };
	struct fx f;

	(void)argc;
	(void)argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_open_sized(&f, 1 << 20))
		return 1;
	cost_all(&f);
	{
		struct fx_scn s;

		fx_std_setup(&f);
		fx_scenario(&f, FX_SCN_POD_PASS, &s);
		if (hook_cost(&f, empty_ns(&f, &s, false)))
			fprintf(stderr, "prog-cost: the egress hook figures failed\n");
	}
	for (size_t i = 0; i < sizeof(actors) / sizeof(actors[0]); i++) {
		char label[32];

		fx_std_setup(&f);
		add_actors(&f, actors[i] - 1);
		snprintf(label, sizeof(label), "actors%d", actors[i]);
		scale_point(&f, label);
	}
	fx_std_setup(&f);
	if (fill_nat(&f, 500) == 0)
		scale_point(&f, "nat1k");
	fx_std_setup(&f);
	if (fill_nat(&f, 250000) == 0)
		scale_point(&f, "nat500k");
	fx_close(&f);
	return 0;
}
