// SPDX-License-Identifier: Apache-2.0
/* ateomnet: gives a sandboxed actor its network through an eBPF/TC datapath. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "errmsg.h"
#include "pin.h"
#include "verbs.h"

#ifndef ATEOMNET_VERSION
#define ATEOMNET_VERSION "0.1.0"
#endif

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int resolve_pin_dir(const struct ateom_args *a, char *out, size_t len)
{
	if (a->pin_dir[0]) {
		snprintf(out, len, "%s", a->pin_dir);
		return 0;
	}
	return pin_default_dir(out, len);
}

int main(int argc, char **argv)
{
	static struct ateom_args args; /* large: keep it off the stack */
	char err[512];
	int rc;

	if (ateom_parse_args(argc, argv, &args, err, sizeof(err))) {
		fprintf(stderr, "ateomnet: %s (see `ateomnet help`)\n", err);
		return 2;
	}
	switch (args.verb) {
	case VERB_UP: rc = verb_up(&args); break;
	case VERB_DOWN: rc = verb_down(&args); break;
	case VERB_STATUS: rc = verb_status(&args); break;
	case VERB_NAT: rc = verb_nat(&args); break;
	case VERB_PURGE: rc = verb_purge(&args); break;
	case VERB_VERSION:
		printf("ateomnet %s (datapath ABI %d)\n", ATEOMNET_VERSION, ATEOM_ABI_VERSION);
		return 0;
	default:
		fputs(ateom_usage(), stdout);
		return 0;
	}
	if (rc) {
		fflush(stdout);
		fprintf(stderr, "ateomnet: %s\n", ateom_errmsg());
		return 1;
	}
	return 0;
}
