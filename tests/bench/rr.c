// SPDX-License-Identifier: Apache-2.0
/*
 * rr: request/response latency over TCP or UDP, one flow, one request in
 * flight (like netperf TCP_RR / UDP_RR). Client and echo server in one tool
 * so the bench needs nothing beyond the Debian base.
 *
 *   rr server [--udp] PORT
 *   rr client [--udp] [-n COUNT] [-w WARMUP] [-s SIZE] HOST PORT
 *
 * The client prints one line of key=value figures in microseconds:
 *   proto=tcp n=5000 lost=0 min_us=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. mean_us=.. tps=..
 * Every wait is bounded: TCP gives up after 2 s without a reply, UDP retries
 * a lost request (after 200 ms) at most COUNT/10+10 times.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL "rr"
#include "benchutil.h"

#define MAX_SIZE 65000

static double now_us(void) { return now_s() * 1e6; }

static void set_timeout(int fd, int opt, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) < 0)
		die("setsockopt timeout");
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, char *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One process per connection keeps a stuck client from blocking the next
 * one; children die with the server and after 30 s of silence. */
static void tcp_server(struct bench_addr sa)
{
	int one = 1, ls = socket(sa.sa.sa_family, SOCK_STREAM, 0);
	struct sigaction sig = { .sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT };
	static char buf[MAX_SIZE];

	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, &sa.sa, sa.len) < 0 || listen(ls, 64) < 0)
		die("bind/listen");
	sigaction(SIGCHLD, &sig, NULL);
	for (;;) {
		int c = accept(ls, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(ls);
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			set_timeout(c, SO_RCVTIMEO, 30000);
			for (;;) {
				ssize_t n = read(c, buf, sizeof(buf));

				if (n <= 0 || write_all(c, buf, (size_t)n) < 0)
					_exit(0);
			}
		}
		close(c);
	}
}

static void udp_server(struct bench_addr sa)
{
	int fd = socket(sa.sa.sa_family, SOCK_DGRAM, 0);
	static char buf[MAX_SIZE];

	if (fd < 0)
		die("socket");
	if (bind(fd, &sa.sa, sa.len) < 0)
		die("bind");
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &plen);

		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double pct(const double *s, long n, double q)
{
	long i = (long)(q * n + 0.999999) - 1;

	return s[i < 0 ? 0 : (i >= n ? n - 1 : i)];
}

static void report(const char *proto, double *s, long n, long lost, double elapsed_us)
{
	double sum = 0;

	for (long i = 0; i < n; i++)
		sum += s[i];
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	printf("proto=%s n=%ld lost=%ld min_us=%.1f p50_us=%.1f p90_us=%.1f "
	       "p99_us=%.1f max_us=%.1f mean_us=%.1f tps=%.0f\n",
	       proto, n, lost, s[0], pct(s, n, 0.50), pct(s, n, 0.90),
	       pct(s, n, 0.99), s[n - 1], sum / n, n / (elapsed_us / 1e6));
}

static void tcp_client(struct bench_addr sa, long count, long warmup, size_t size)
{
	int one = 1, fd = socket(sa.sa.sa_family, SOCK_STREAM, 0);
	double *s = calloc((size_t)count, sizeof(double)), start = 0;
	char *buf = calloc(1, size);

	if (fd < 0 || !s || !buf)
		die("socket/alloc");
	set_timeout(fd, SO_SNDTIMEO, 2000); /* bounds connect() too */
	set_timeout(fd, SO_RCVTIMEO, 2000);
	if (connect(fd, &sa.sa, sa.len) < 0)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (long i = 0; i < warmup + count; i++) {
		double t0;

		if (i == warmup)
			start = now_us();
		t0 = now_us();
		if (write_all(fd, buf, size) < 0 || read_full(fd, buf, size) < 0)
			die("round trip");
		if (i >= warmup)
			s[i - warmup] = now_us() - t0;
	}
	report("tcp", s, count, 0, now_us() - start);
	close(fd);
}

/* Each request carries a sequence number so a late reply to a request
 * given up as lost is not taken for the current one. */
static void udp_client(struct bench_addr sa, long count, long warmup, size_t size)
{
	int fd = socket(sa.sa.sa_family, SOCK_DGRAM, 0);
	double *s = calloc((size_t)count, sizeof(double)), start = 0;
	char *buf = calloc(1, size < 4 ? 4 : size);
	long lost = 0, max_lost = count / 10 + 10;
	unsigned int seq = 0;

	if (fd < 0 || !s || !buf)
		die("socket/alloc");
	if (size < 4)
		size = 4;
	set_timeout(fd, SO_RCVTIMEO, 200);
	if (connect(fd, &sa.sa, sa.len) < 0)
		die("connect");
	for (long i = 0; i < warmup + count; i++) {
		double t0;

		if (i == warmup)
			start = now_us();
	retry:
		seq++;
		memcpy(buf, &seq, 4);
		t0 = now_us();
		if (send(fd, buf, size, 0) < 0)
			die("send");
		for (;;) {
			unsigned int got;
			ssize_t n = recv(fd, buf, size, 0);

			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if (++lost > max_lost) {
					fprintf(stderr, "rr: %ld UDP requests lost, giving up\n", lost);
					exit(1);
				}
				goto retry;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				die("recv");
			memcpy(&got, buf, 4);
			if (n >= 4 && got == seq)
				break;
		}
		if (i >= warmup)
			s[i - warmup] = now_us() - t0;
	}
	report("udp", s, count, lost, now_us() - start);
	close(fd);
}

static void usage(void)
{
	fprintf(stderr, "usage: rr server [--udp] PORT\n"
			"       rr client [--udp] [-n COUNT] [-w WARMUP] [-s SIZE] HOST PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "udp", no_argument, NULL, 'u' }, { NULL, 0, NULL, 0 }
	};
	long count = 5000, warmup = 200, size = 1;
	int udp = 0, c, server;

	if (argc < 2)
		usage();
	server = !strcmp(argv[1], "server");
	if (!server && strcmp(argv[1], "client"))
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "un:w:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'u': udp = 1; break;
		case 'n': count = atol(optarg); break;
		case 'w': warmup = atol(optarg); break;
		case 's': size = atol(optarg); break;
		default: usage();
		}
	}
	if (count < 1 || warmup < 0 || size < 1 || size > MAX_SIZE)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (server) {
		if (argc - optind != 1)
			usage();
		if (udp)
			udp_server(make_addr(NULL, argv[optind]));
		tcp_server(make_addr(NULL, argv[optind]));
	}
	if (argc - optind != 2)
		usage();
	if (udp)
		udp_client(make_addr(argv[optind], argv[optind + 1]), count, warmup, (size_t)size);
	else
		tcp_client(make_addr(argv[optind], argv[optind + 1]), count, warmup, (size_t)size);
	return 0;
}
