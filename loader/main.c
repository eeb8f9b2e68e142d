// SPDX-License-Identifier: Apache-2.0
/* ateomnet: gives a sandboxed actor its network through an eBPF/TC datapath.
 * This file is only the verb table: a new verb is one row here (and its
 * name and flags in args.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "errmsg.h"
#include "verbs.h"

#ifndef ATEOMNET_VERSION
#define ATEOMNET_VERSION "0.1.0"
#endif

static int verb_help(const struct ateom_args *a)
{
	fputs(ateom_usage(), stdout);
	return 0;
}

static int verb_version(const struct ateom_args *a)
{
	printf("ateomnet %s (datapath ABI %d)\n", ATEOMNET_VERSION, ATEOM_ABI_VERSION);
	return 0;
}

static const struct cmd {
	const char *name;
	int (*fn)(const struct ateom_args *a);
} cmds[] = {
	{ "up",      verb_up },
	{ "down",    verb_down },
	{ "status",  verb_status },
	{ "nat",     verb_nat },
	{ "purge",   verb_purge },
	{ "gc",      verb_gc },
	{ "prepare", verb_prepare },
	{ "policy",  verb_policy },
	{ "events",  verb_events },
	{ "metrics", verb_metrics },
	{ "help",    verb_help },
	{ "version", verb_version },
};

int main(int argc, char **argv)
{
	static struct ateom_args args; /* large: keep it off the stack */
	const char *name;
	char err[512];

	/* Run by a container runtime as a CNI plugin: no argv, env + stdin. */
	if (getenv("CNI_COMMAND"))
		return cni_main();
	if (ateom_parse_args(argc, argv, &args, err, sizeof(err))) {
		fprintf(stderr, "ateomnet: %s (see `ateomnet help`)\n", err);
		return 2;
	}
	name = ateom_verb_name(args.verb);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, name))
			continue;
		if (cmds[i].fn(&args) == 0)
			return 0;
		fflush(stdout);
		fprintf(stderr, "ateomnet: %s\n", ateom_errmsg());
		return 1;
	}
	/* args.c knows a verb this table lacks: a build mistake, not the user's. */
	fprintf(stderr, "ateomnet: verb %s has no implementation\n", name);
	return 1;
}
