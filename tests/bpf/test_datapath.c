// SPDX-License-Identifier: Apache-2.0
/*
 * The datapath programs (from_actor, from_pod, actor_resume, to_actor,
 * nat_gc_ctl) under BPF_PROG_TEST_RUN: the row table of every area
 * (rows_*.c, checked by engine.c), then the flow groups (flows*.c:
 * multi-packet flows, the port choice, the garbage collector, port
 * releases). Needs root; runs in a private netns
 * (fixture.h).
 *
 * Everything runs twice: on production's default SNAT range, where exposed
 * ports and worker listeners may sit inside the range, and on a high range
 * that holds no port of anyone else. Rows marked known_prod_range_bug are
 * XFAIL on the first (none today), rows marked known_bug on both: they must
 * fail until the datapath is fixed, and then the flag must go.
 *
 *   build/tests/test_datapath [NAME-GLOB]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rows.h"
#include "engine6.h"

struct area {
	const struct row *rows;
	const size_t *n;
};

#define AREA(a) { a##_rows, &a##_rows_n },
static const struct area areas[] = { ROW_AREAS(AREA) };
#define N_AREAS (sizeof(areas) / sizeof(areas[0]))

struct area6 {
	const struct row6 *rows;
	const size_t *n;
};

#define AREA6(a) { a##_rows6, &a##_rows6_n },
static const struct area6 areas6[] = { ROW6_AREAS(AREA6) };
#define N_AREAS6 (sizeof(areas6) / sizeof(areas6[0]))

struct group {
	const struct CMUnitTest *tests;
	const size_t *n;
};

#define GROUP(g) { g##_flows, &g##_flows_n },
static const struct group groups[] = { FLOW_GROUPS(GROUP) };
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

static const struct pass {
	const char *name;
	uint16_t snat_min, snat_max;
} passes[] = {
	{ "datapath, SNAT range 1024-32767 (production default)",
	  ATEOM_SNAT_PORT_MIN, ATEOM_SNAT_PORT_MAX },
	{ "datapath, SNAT range 61000-65535 (high)", FX_SNAT_HIGH_MIN, FX_SNAT_HIGH_MAX },
};
#define N_PASSES (sizeof(passes) / sizeof(passes[0]))

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	size_t n = 0;
	int rc = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "test_datapath: needs root (netns, BPF)\n");
		return 1;
	}
	for (size_t a = 0; a < N_AREAS; a++)
		n += *areas[a].n;
	for (size_t a = 0; a < N_AREAS6; a++)
		n += *areas6[a].n;
	for (size_t g = 0; g < N_GROUPS; g++)
		n += *groups[g].n;
	tests = calloc(n, sizeof(*tests));
	if (!tests || fx_open(&fx))
		return 1;
	n = 0;
	for (size_t a = 0; a < N_AREAS; a++)
		for (size_t i = 0; i < *areas[a].n; i++)
			tests[n++] = (struct CMUnitTest){ .name = areas[a].rows[i].name,
							  .test_func = run_row,
							  .initial_state = (void *)&areas[a].rows[i] };
	for (size_t a = 0; a < N_AREAS6; a++)
		for (size_t i = 0; i < *areas6[a].n; i++)
			tests[n++] = (struct CMUnitTest){ .name = areas6[a].rows[i].name,
							  .test_func = run_row6,
							  .initial_state = (void *)&areas6[a].rows[i] };
	for (size_t g = 0; g < N_GROUPS; g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			tests[n++] = groups[g].tests[i];
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t p = 0; p < N_PASSES; p++) {
		/* fx_std_setup(), run by every row and flow, configures it. */
		fx.snat_min = passes[p].snat_min;
		fx.snat_max = passes[p].snat_max;
		printf("== %s\n", passes[p].name);
		rc |= _cmocka_run_group_tests(passes[p].name, tests, n, NULL, NULL);
	}
	if (xfail_count())
		printf("== %u XFAIL: rows that pin known datapath bugs (known_bug, "
		       "known_prod_range_bug)\n", xfail_count());
	fx_close(&fx);
	free(tests);
	return rc ? 1 : 0;
}
