// SPDX-License-Identifier: Apache-2.0
/*
 * cps: new TCP connections per second, one at a time (like netperf TCP_CRR
 * without payload). Each connection is a full life through the NAT: the
 * client connects, the server accepts and closes at once, the client waits
 * for that FIN and closes. The server closing first keeps TIME_WAIT on the
 * server side, so the client never runs out of ephemeral ports.
 *
 *   cps server PORT
 *   cps client [-d SECS] [-m MAX] HOST PORT
 *
 * The client prints: conns=N errors=E secs=S rate=R (connections/s).
 * Bounded: stops after SECS (default 1) or MAX connections, each step waits
 * at most 1 s, and it gives up after 100 failed connections (exit 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL "cps"
#include "benchutil.h"

#define STEP_TIMEOUT_MS 1000
#define MAX_ERRORS 100

static void server(struct bench_addr sa)
{
	int one = 1, ls = socket(sa.sa.sa_family, SOCK_STREAM, 0);

	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, &sa.sa, sa.len) < 0 || listen(ls, 1024) < 0)
		die("bind/listen");
	for (;;) {
		int c = accept(ls, NULL, NULL);

		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED)
			die("accept");
	}
}

/* One connection: connect, wait for the server's FIN, close. 0 = ok. */
static int one_conn(const struct bench_addr *sa)
{
	int fd = socket(sa->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0), err = 0, rc = -1;
	socklen_t elen = sizeof(err);
	struct pollfd p = { .fd = fd };
	char b;

	if (fd < 0)
		die("socket");
	if (connect(fd, &sa->sa, sa->len) < 0) {
		if (errno != EINPROGRESS)
			goto out;
		p.events = POLLOUT;
		if (poll(&p, 1, STEP_TIMEOUT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err)
			goto out;
	}
	p.events = POLLIN;
	if (poll(&p, 1, STEP_TIMEOUT_MS) == 1 && read(fd, &b, 1) == 0)
		rc = 0;
out:
	close(fd);
	return rc;
}

static void client(struct bench_addr sa, double secs, long max)
{
	double start = now_s(), el = 0;
	long conns = 0, errors = 0;

	while (conns < max && (el = now_s() - start) < secs) {
		if (one_conn(&sa) == 0)
			conns++;
		else if (++errors >= MAX_ERRORS)
			break;
	}
	el = now_s() - start;
	printf("conns=%ld errors=%ld secs=%.3f rate=%.0f\n", conns, errors, el, conns / el);
	if (errors >= MAX_ERRORS || conns == 0) {
		fprintf(stderr, "cps: too many failed connections (%ld)\n", errors);
		exit(1);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: cps server PORT\n"
			"       cps client [-d SECS] [-m MAX] HOST PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double secs = 1;
	long max = 1000000;
	int c;

	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "server")) {
		if (argc != 3)
			usage();
		server(make_addr(NULL, argv[2]));
	}
	if (strcmp(argv[1], "client"))
		usage();
	optind = 2;
	while ((c = getopt(argc, argv, "d:m:")) != -1) {
		switch (c) {
		case 'd': secs = atof(optarg); break;
		case 'm': max = atol(optarg); break;
		default: usage();
		}
	}
	if (argc - optind != 2 || secs <= 0 || secs > 60 || max < 1)
		usage();
	client(make_addr(argv[optind], argv[optind + 1]), secs, max);
	return 0;
}
