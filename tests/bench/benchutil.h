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

/* A socket address of either family. */
struct bench_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	};
	socklen_t len;
};

/* HOST (NULL: any, both families on one IPv6 socket) and PORT from the
 * command line; HOST is IPv4 or IPv6. Exits 2 on bad input. */
static struct bench_addr make_addr(const char *host, const char *port)
{
	struct bench_addr a = { .in6 = { .sin6_family = AF_INET6 }, .len = sizeof(a.in6) };
	long p = strtol(port, NULL, 10);

	if (p <= 0 || p > 65535) {
		fprintf(stderr, TOOL ": bad port '%s'\n", port);
		exit(2);
	}
	a.in6.sin6_port = htons((unsigned short)p);
	if (!host || inet_pton(AF_INET6, host, &a.in6.sin6_addr) == 1)
		return a;
	a.in.sin_family = AF_INET;
	a.in.sin_port = htons((unsigned short)p);
	a.len = sizeof(a.in);
	if (inet_pton(AF_INET, host, &a.in.sin_addr) != 1) {
		fprintf(stderr, TOOL ": bad IP address '%s'\n", host);
		exit(2);
	}
	return a;
}

#endif
