/* SPDX-License-Identifier: Apache-2.0 */
/* What the small benchmark tools (rr, cps) share. Each defines TOOL, its
 * name for messages, before including this. */
#ifndef ATEOM_BENCHUTIL_H
#define ATEOM_BENCHUTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what)
{
	fprintf(stderr, TOOL ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* HOST (NULL: any) and PORT from the command line; exits 2 on bad input. */
static struct sockaddr_in make_addr(const char *host, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long p = strtol(port, NULL, 10);

	if (p <= 0 || p > 65535) {
		fprintf(stderr, TOOL ": bad port '%s'\n", port);
		exit(2);
	}
	sa.sin_port = htons((unsigned short)p);
	if (host && inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, TOOL ": bad IPv4 address '%s'\n", host);
		exit(2);
	}
	return sa;
}

#endif
