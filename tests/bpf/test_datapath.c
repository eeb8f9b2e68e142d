// SPDX-License-Identifier: Apache-2.0
/*
 * The datapath programs (from_actor, from_pod, actor_resume) under
 * BPF_PROG_TEST_RUN: the row table of every area (rows_*.c, checked by
 * engine.c), then the multi-packet flows (flows.c). Needs root; runs in a
 * private netns (fixture.h).
 *
 *   build/tests/test_datapath [NAME-GLOB]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rows.h"

struct area {
	const struct row *rows;
	const size_t *n;
};

#define AREA(a) { a##_rows, &a##_rows_n },
static const struct area areas[] = { ROW_AREAS(AREA) };
#define N_AREAS (sizeof(areas) / sizeof(areas[0]))

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	size_t n = 0;
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "test_datapath: needs root (netns, BPF)\n");
		return 1;
	}
	for (size_t a = 0; a < N_AREAS; a++)
		n += *areas[a].n;
	tests = calloc(n + flow_tests_n, sizeof(*tests));
	if (!tests || fx_open(&fx))
		return 1;
	n = 0;
	for (size_t a = 0; a < N_AREAS; a++)
		for (size_t i = 0; i < *areas[a].n; i++)
			tests[n++] = (struct CMUnitTest){ .name = areas[a].rows[i].name,
							  .test_func = run_row,
							  .initial_state = (void *)&areas[a].rows[i] };
	for (size_t i = 0; i < flow_tests_n; i++)
		tests[n++] = flow_tests[i];
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	rc = _cmocka_run_group_tests("datapath", tests, n, NULL, NULL);
	fx_close(&fx);
	free(tests);
	return rc;
}
