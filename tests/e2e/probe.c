/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: the traffic tool of the e2e tests. Servers answer every request
 * with what they saw ("peer=IP:PORT local=IP:PORT"), so a test can check
 * which addresses survived NAT from either end. Everything has a timeout:
 * a broken datapath must fail a test, never hang it.
 *
 *   probe tcp-serve PORT [--tag T]      answer each connection, log it
 *   probe udp-serve PORT [--tag T]      answer each datagram (from the
 *                                       address it was sent to), log it
 *   probe tcp-get IP PORT [--bind-port P] [--timeout S]
 *   probe udp-get IP PORT [--bind-port P] [--timeout S] [--size N]
 *                                       print the answer; exit 3 if a UDP
 *                                       answer came from another address;
 *                                       --size: an N-byte request, and the
 *                                       server pads its answer to N bytes
 *                                       ("bytes=N" printed after it)
 *   probe tcp-bulk IP PORT BYTES        send BYTES to a tcp-serve, print
 *                                       its "received=N ..." answer
 *   probe tcp-pull IP PORT BYTES        have a tcp-serve send BYTES; print
 *                                       "received=N", fail if short
 *   probe icmp-sniff [--timeout S] [--6] print "src=IP dst=IP id=N" of the
 *                                       first ICMP echo request received
 *                                       (--6: ICMPv6 echo request)
 *   probe tcx [IFNAME]                  print the programs attached to
 *                                       IFNAME (or every interface, named)
 *                                       through tcx (bpftool 7.1 cannot
 *                                       show tcx)
 *   probe tcx-hold IFNAME               attach a stranger's tcx ingress
 *                                       program "foreign" until killed
 *
 * IP may be IPv4 or IPv6 (bare or in brackets). Servers listen on both
 * families (one dual-stack socket); an IPv4 peer prints as before
 * ("192.0.2.1:80"), an IPv6 one as "[2001:db8::1]:80".
 *
 * Servers print "ready" once listening, then one line per request, and
 * exit after --max-time seconds (default 300) in case nobody kills them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char *tag;
	int bind_port;
	double timeout;
	int max_time;
	int size;
	int v6;
};

/* One socket address of either family. */
union sa46 {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

static socklen_t sa_len(const union sa46 *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 65535)
		die(2, "bad port '%s'", s);
	return (int)v;
}

/* addr46: IPv4 "a.b.c.d" or IPv6 "x::y" / "[x::y]". */
static union sa46 addr46(const char *ip, int port)
{
	union sa46 a = { 0 };
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(ip);

	if (inet_pton(AF_INET, ip, &a.in.sin_addr) == 1) {
		a.in.sin_family = AF_INET;
		a.in.sin_port = htons(port);
		return a;
	}
	if (ip[0] == '[' && n >= 2 && n < sizeof(buf) && ip[n - 1] == ']') {
		memcpy(buf, ip + 1, n - 2);
		buf[n - 2] = '\0';
		ip = buf;
	}
	if (inet_pton(AF_INET6, ip, &a.in6.sin6_addr) != 1)
		die(2, "bad IP address '%s'", ip);
	a.in6.sin6_family = AF_INET6;
	a.in6.sin6_port = htons(port);
	return a;
}

/* "IP:PORT"; "[IP6]:PORT"; a v4-mapped address (an IPv4 peer of a
 * dual-stack server) as plain IPv4. */
static const char *fmt46(const union sa46 *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	const struct in6_addr *a6 = &a->in6.sin6_addr;

	if (a->sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(a6)) {
		inet_ntop(AF_INET, &a6->s6_addr[12], ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->in6.sin6_port));
	} else if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, a6, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(a->in6.sin6_port));
	} else {
		inet_ntop(AF_INET, &a->in.sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->in.sin_port));
	}
	return buf;
}

static void parse_opts(int argc, char **argv, int first, struct opts *o)
{
	for (int i = first; i < argc; i++) {
		if (i + 1 >= argc && strcmp(argv[i], "--6"))
			die(2, "option %s needs a value", argv[i]);
		if (!strcmp(argv[i], "--tag"))
			o->tag = argv[++i];
		else if (!strcmp(argv[i], "--bind-port"))
			o->bind_port = parse_port(argv[++i]);
		else if (!strcmp(argv[i], "--timeout"))
			o->timeout = atof(argv[++i]);
		else if (!strcmp(argv[i], "--size"))
			o->size = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--6")) /* a flag: takes no value */
			o->v6 = 1;
		else if (!strcmp(argv[i], "--max-time"))
			o->max_time = atoi(argv[++i]);
		else
			die(2, "unknown option %s", argv[i]);
	}
	if (o->timeout <= 0)
		die(2, "bad timeout");
}

/* The answer a server sends and logs: what it saw of the request. */
static void answer(char *buf, size_t len, const union sa46 *peer,
		   const union sa46 *local, const char *tag)
{
	char p[64], l[64];

	snprintf(buf, len, "peer=%s local=%s%s%s\n", fmt46(peer, p, sizeof(p)),
		 fmt46(local, l, sizeof(l)), tag ? " tag=" : "", tag ? tag : "");
}

/* A socket of FAMILY bound to PORT (0: the kernel's choice). AF_INET6
 * with V6ONLY off: the servers' one socket for both families. */
static int bound_socket(int family, int type, int port)
{
	union sa46 sa = { 0 };
	int one = 1, zero = 0, fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die(1, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sa.sa_family = family;
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		sa.in6.sin6_port = htons(port);
	} else {
		sa.in.sin_port = htons(port);
	}
	if (port && bind(fd, &sa.sa, sa_len(&sa)) < 0)
		die(1, "bind port %d: %s", port, strerror(errno));
	return fd;
}

static void ready(const struct opts *o)
{
	alarm(o->max_time); /* servers never outlive a forgotten test */
	printf("ready\n");
	fflush(stdout);
}

/* Bulk TCP, to push many full-size segments through the NAT (GSO, checksum
 * offload): "bulk N\n" + N bytes -> "received=N <answer>"; "pull N\n" ->
 * N bytes, then EOF. Returns bytes moved. */
static char pattern[65536];

static long long xfer(int fd, long long n, int sending)
{
	long long done = 0;

	while (done < n) {
		long long left = n - done;
		size_t chunk = left < (long long)sizeof(pattern) ? (size_t)left : sizeof(pattern);
		ssize_t r = sending ? write(fd, pattern, chunk) : read(fd, pattern, chunk);

		if (r <= 0)
			break;
		done += r;
	}
	return done;
}

static void bulk_serve(int c, const char *req, ssize_t len, char *ans)
{
	long long n = atoll(req + 5), got;
	const char *nl = memchr(req, '\n', len);
	char out[256];

	if (req[0] == 'p') {
		xfer(c, n, 1);
		return;
	}
	got = nl ? len - (nl + 1 - req) : 0;
	got += xfer(c, n - got, 0);
	snprintf(out, sizeof(out), "received=%lld %s", got, ans);
	if (write(c, out, strlen(out)) < 0)
		perror("probe: write");
	snprintf(ans, 200, "%s", out);
}

static _Noreturn void tcp_serve(int port, const struct opts *o)
{
	int fd = bound_socket(AF_INET6, SOCK_STREAM, port);

	if (listen(fd, 64) < 0)
		die(1, "listen: %s", strerror(errno));
	ready(o);
	for (;;) {
		union sa46 peer, local;
		socklen_t pl = sizeof(peer), ll = sizeof(local);
		struct timeval tv = { .tv_sec = 2 };
		char req[256], ans[200];
		ssize_t n;
		int c = accept4(fd, &peer.sa, &pl, SOCK_CLOEXEC);

		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		getsockname(c, &local.sa, &ll);
		/* Answer once the client spoke: proves data flows both ways. */
		n = read(c, req, sizeof(req) - 1);
		if (n > 0) {
			req[n] = '\0';
			answer(ans, sizeof(ans), &peer, &local, o->tag);
			if (!strncmp(req, "bulk ", 5) || !strncmp(req, "pull ", 5))
				bulk_serve(c, req, n, ans);
			else if (write(c, ans, strlen(ans)) < 0)
				perror("probe: write");
			fputs(ans, stdout);
			fflush(stdout);
		}
		close(c);
	}
}

static _Noreturn void udp_serve(int port, const struct opts *o)
{
	int one = 1, fd = bound_socket(AF_INET6, SOCK_DGRAM, port);

	/* IP_PKTINFO / IPV6_RECVPKTINFO: learn the address each datagram was
	 * sent to and answer from that one, as a real UDP service bound to
	 * the wildcard should. */
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	ready(o);
	for (;;) {
		union sa46 peer, local = { 0 };
		static char req[65536], ans[65536];
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
		ssize_t got;
		struct iovec iov = { req, sizeof(req) };
		struct msghdr m = { .msg_name = &peer, .msg_namelen = sizeof(peer),
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct in_pktinfo *pi = NULL;
		struct in6_pktinfo *pi6 = NULL;
		struct cmsghdr *keep = NULL;

		if ((got = recvmsg(fd, &m, 0)) < 0)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				pi = (struct in_pktinfo *)CMSG_DATA(c), keep = c;
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
				pi6 = (struct in6_pktinfo *)CMSG_DATA(c), keep = c;
		}
		local.in6.sin6_family = AF_INET6;
		local.in6.sin6_port = htons(port);
		if (pi) { /* an IPv4 datagram: shown as IPv4 */
			local.in6.sin6_addr.s6_addr[10] = 0xff;
			local.in6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(&local.in6.sin6_addr.s6_addr[12], &pi->ipi_addr, 4);
		} else if (pi6) {
			local.in6.sin6_addr = pi6->ipi6_addr;
		}
		answer(ans, sizeof(ans), &peer, &local, o->tag);
		iov.iov_base = ans;
		iov.iov_len = strlen(ans);
		if (got > 64 && (size_t)got > iov.iov_len) { /* udp-get --size: as big */
			memset(ans + iov.iov_len, 'x', got - iov.iov_len);
			iov.iov_len = got;
		}
		/* reply from the address the request went to: send back only the
		 * one pktinfo of the datagram's family */
		if (pi) {
			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
		}
		if (pi6)
			pi6->ipi6_ifindex = 0;
		m.msg_namelen = sa_len(&peer);
		if (keep) {
			memmove(cbuf, keep, keep->cmsg_len);
			m.msg_control = cbuf;
			m.msg_controllen = CMSG_SPACE(keep->cmsg_len - CMSG_LEN(0));
		} else {
			m.msg_control = NULL;
			m.msg_controllen = 0;
		}
		if (sendmsg(fd, &m, 0) < 0)
			perror("probe: sendmsg");
		ans[strcspn(ans, "\n") + 1] = '\0';
		fputs(ans, stdout);
		fflush(stdout);
	}
}

static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int r = poll(&p, 1, ms);

	return r > 0 ? 0 : -1;
}

static int tcp_connect(const char *ip, int port, const struct opts *o, char *d, size_t dl)
{
	union sa46 dst = addr46(ip, port);
	int ms = (int)(o->timeout * 1000), err = 0, fd;
	socklen_t el = sizeof(err);
	struct timeval tv = { .tv_sec = (long)o->timeout,
			      .tv_usec = (long)((o->timeout - (long)o->timeout) * 1e6) };

	fmt46(&dst, d, dl);
	fd = bound_socket(dst.sa.sa_family, SOCK_STREAM, o->bind_port);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, &dst.sa, sa_len(&dst)) < 0 && errno != EINPROGRESS)
		die(1, "connect %s: %s", d, strerror(errno));
	if (wait_fd(fd, POLLOUT, ms) < 0)
		die(1, "connect %s: timed out after %gs", d, o->timeout);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err)
		die(1, "connect %s: %s", d, strerror(err));
	/* Blocking from here on, every read and write bounded by the timeout. */
	fcntl(fd, F_SETFL, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int tcp_get(const char *ip, int port, const struct opts *o)
{
	char buf[256], d[64];
	int fd = tcp_connect(ip, port, o, d, sizeof(d));
	ssize_t n;

	if (write(fd, "hello\n", 6) != 6)
		die(1, "send %s: %s", d, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		die(1, "no answer from %s within %gs: %s", d, o->timeout,
		    n ? strerror(errno) : "connection closed");
	buf[n] = '\0';
	fputs(buf, stdout);
	return 0;
}

static int tcp_bulk(const char *ip, int port, long long bytes, int pull, const struct opts *o)
{
	char buf[256], d[64];
	int fd = tcp_connect(ip, port, o, d, sizeof(d));
	long long moved;
	ssize_t n;

	snprintf(buf, sizeof(buf), "%s %lld\n", pull ? "pull" : "bulk", bytes);
	if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf))
		die(1, "send %s: %s", d, strerror(errno));
	if (pull) {
		moved = xfer(fd, bytes, 0);
		printf("received=%lld\n", moved);
		if (moved != bytes)
			die(1, "pulled %lld of %lld bytes from %s", moved, bytes, d);
		return 0;
	}
	moved = xfer(fd, bytes, 1);
	if (moved != bytes)
		die(1, "sent %lld of %lld bytes to %s: %s", moved, bytes, d, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		die(1, "no answer from %s after the bulk send", d);
	buf[n] = '\0';
	fputs(buf, stdout);
	return 0;
}

static int udp_get(const char *ip, int port, const struct opts *o)
{
	union sa46 dst = addr46(ip, port), from;
	int fd = bound_socket(dst.sa.sa_family, SOCK_DGRAM, o->bind_port), tries = 3;
	int ms = (int)(o->timeout * 1000 / tries);
	static char buf[65536], req[65536];
	size_t len = o->size > 6 && o->size < (int)sizeof(req) ? (size_t)o->size : 6;
	char d[64], f[64];

	fmt46(&dst, d, sizeof(d));
	/* Unconnected on purpose: an answer from a wrong source must be seen
	 * and reported, not silently filtered by the kernel. Resend a few
	 * times: UDP may lose the first datagram while ARP resolves. */
	for (int i = 0; i < tries; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n;

		memset(req, 'q', len);
		memcpy(req, "hello\n", 6);
		if (sendto(fd, req, len, 0, &dst.sa, sa_len(&dst)) < 0)
			die(1, "send %s: %s", d, strerror(errno));
		if (wait_fd(fd, POLLIN, ms) < 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, &from.sa, &fl);
		if (n < 0)
			die(1, "recv %s: %s", d, strerror(errno));
		buf[n] = '\0';
		if (o->size) {
			buf[strcspn(buf, "\n")] = '\0';
			printf("%s bytes=%zd\n", buf, n);
		} else {
			fputs(buf, stdout);
		}
		if (strcmp(fmt46(&from, f, sizeof(f)), d))
			die(3, "answer came from %s, expected %s", f, d);
		return 0;
	}
	die(1, "no answer from %s within %gs", d, o->timeout);
	return 1;
}

static int icmp6_sniff(const struct opts *o);

static int icmp_sniff(const struct opts *o)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	struct timespec t0, t;

	if (fd < 0)
		die(1, "raw socket: %s", strerror(errno));
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unsigned char buf[2048];
		struct iphdr *ip = (struct iphdr *)buf;
		struct icmphdr *ic;
		char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
		double left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = o->timeout - (t.tv_sec - t0.tv_sec) - (t.tv_nsec - t0.tv_nsec) / 1e9;
		if (left <= 0 || wait_fd(fd, POLLIN, (int)(left * 1000) + 1) < 0)
			die(1, "no ICMP echo request within %gs", o->timeout);
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(*ip) || n < ip->ihl * 4 + (ssize_t)sizeof(*ic))
			continue;
		ic = (struct icmphdr *)(buf + ip->ihl * 4);
		if (ic->type != ICMP_ECHO)
			continue;
		inet_ntop(AF_INET, &ip->saddr, s, sizeof(s));
		inet_ntop(AF_INET, &ip->daddr, d, sizeof(d));
		printf("src=%s dst=%s id=%u\n", s, d, ntohs(ic->un.echo.id));
		return 0;
	}
}

/* The ICMPv6 echo request's addresses: a raw ICMPv6 socket has no IP
 * header, so the destination comes from IPV6_PKTINFO. */
static int icmp6_sniff(const struct opts *o)
{
	int one = 1, fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	struct timespec t0, t;

	if (fd < 0)
		die(1, "raw socket: %s", strerror(errno));
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unsigned char buf[2048];
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct sockaddr_in6 from;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from),
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct icmp6_hdr *ic = (struct icmp6_hdr *)buf;
		struct in6_pktinfo *pi = NULL;
		char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN] = "?";
		double left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = o->timeout - (t.tv_sec - t0.tv_sec) - (t.tv_nsec - t0.tv_nsec) / 1e9;
		if (left <= 0 || wait_fd(fd, POLLIN, (int)(left * 1000) + 1) < 0)
			die(1, "no ICMPv6 echo request within %gs", o->timeout);
		n = recvmsg(fd, &m, 0);
		if (n < (ssize_t)sizeof(*ic) || ic->icmp6_type != ICMP6_ECHO_REQUEST)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
				pi = (struct in6_pktinfo *)CMSG_DATA(c);
		inet_ntop(AF_INET6, &from.sin6_addr, s, sizeof(s));
		if (pi)
			inet_ntop(AF_INET6, &pi->ipi6_addr, d, sizeof(d));
		printf("src=%s dst=%s id=%u\n", s, d, ntohs(ic->icmp6_id));
		return 0;
	}
}

/* ---- tcx: BPF_PROG_QUERY on BPF_TCX_INGRESS/EGRESS (kernel >= 6.6) ----
 * The system headers (linux-libc-dev 6.1) predate tcx, so the attach types
 * and the extended query layout are spelled out here. */
#define PROBE_BPF_TCX_INGRESS 46
#define PROBE_BPF_TCX_EGRESS 47

struct tcx_query_attr {
	__u32 target_ifindex;
	__u32 attach_type;
	__u32 query_flags;
	__u32 attach_flags;
	__aligned_u64 prog_ids;
	__u32 count;
	__u32 pad;
	__aligned_u64 prog_attach_flags;
	__aligned_u64 link_ids;
	__aligned_u64 link_attach_flags;
	__u64 revision;
};

static long sys_bpf(int cmd, void *attr, unsigned int size)
{
	return syscall(__NR_bpf, cmd, attr, size);
}

static void prog_name(__u32 id, char *name, size_t len)
{
	union bpf_attr a = { .prog_id = id };
	struct bpf_prog_info info = { 0 };
	int fd;

	snprintf(name, len, "?");
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
	if (fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(info);
	a.info.info = (__u64)(unsigned long)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) == 0)
		snprintf(name, len, "%s", info.name);
	close(fd);
}

static int tcx_show(const char *ifname, int prefix)
{
	static const struct { int type; const char *name; } hooks[] = {
		{ PROBE_BPF_TCX_INGRESS, "ingress" }, { PROBE_BPF_TCX_EGRESS, "egress" },
	};
	unsigned int ifindex = if_nametoindex(ifname);

	if (!ifindex)
		die(1, "no interface %s", ifname);
	for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
		__u32 progs[64], links[64];
		struct tcx_query_attr q = {
			.target_ifindex = ifindex, .attach_type = hooks[h].type,
			.prog_ids = (unsigned long)progs, .link_ids = (unsigned long)links,
			.count = 64,
		};

		if (sys_bpf(BPF_PROG_QUERY, &q, sizeof(q)) < 0)
			die(1, "tcx query %s %s: %s", ifname, hooks[h].name, strerror(errno));
		for (__u32 i = 0; i < q.count && i < 64; i++) {
			char name[BPF_OBJ_NAME_LEN];

			prog_name(progs[i], name, sizeof(name));
			printf("%s%stcx-%s prog_id=%u name=%s link_id=%u\n",
			       prefix ? ifname : "", prefix ? " " : "",
			       hooks[h].name, progs[i], name, links[i]);
		}
	}
	return 0;
}

/* A stranger's tcx program ("foreign", returns TCX_NEXT so traffic goes on
 * to the next program): lets a test check that ateomnet never removes
 * programs that are not its own. Held until the probe is killed. */
static _Noreturn void tcx_hold(const char *ifname, const struct opts *o)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a = { 0 };
	int prog, link;

	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (unsigned long)insns;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "foreign");
	prog = sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (prog < 0)
		die(1, "load: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = prog;
	a.link_create.target_fd = if_nametoindex(ifname); /* target_ifindex */
	a.link_create.attach_type = PROBE_BPF_TCX_INGRESS;
	link = sys_bpf(BPF_LINK_CREATE, &a, sizeof(a));
	if (link < 0)
		die(1, "tcx attach %s: %s", ifname, strerror(errno));
	ready(o);
	for (;;)
		pause();
}

static void usage(void)
{
	fputs("usage: probe tcp-serve|udp-serve PORT [--tag T] [--max-time S]\n"
	      "       probe tcp-get|udp-get IP PORT [--bind-port P] [--timeout S]\n"
	      "       probe tcp-bulk|tcp-pull IP PORT BYTES [--timeout S]\n"
	      "       probe icmp-sniff [--timeout S] [--6]\n"
	      "       probe tcx [IFNAME]\n"
	      "       probe tcx-hold IFNAME [--max-time S]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout = 3, .max_time = 300 };
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "tcp-serve") || !strcmp(cmd, "udp-serve")) {
		if (argc < 3)
			usage();
		parse_opts(argc, argv, 3, &o);
		if (cmd[0] == 't')
			tcp_serve(parse_port(argv[2]), &o);
		udp_serve(parse_port(argv[2]), &o);
	}
	if (!strcmp(cmd, "tcp-get") || !strcmp(cmd, "udp-get")) {
		if (argc < 4)
			usage();
		parse_opts(argc, argv, 4, &o);
		return cmd[0] == 't' ? tcp_get(argv[2], parse_port(argv[3]), &o)
				     : udp_get(argv[2], parse_port(argv[3]), &o);
	}
	if (!strcmp(cmd, "tcp-bulk") || !strcmp(cmd, "tcp-pull")) {
		if (argc < 5)
			usage();
		parse_opts(argc, argv, 5, &o);
		return tcp_bulk(argv[2], parse_port(argv[3]), atoll(argv[4]),
				cmd[4] == 'p', &o);
	}
	if (!strcmp(cmd, "icmp-sniff")) {
		parse_opts(argc, argv, 2, &o);
		return o.v6 ? icmp6_sniff(&o) : icmp_sniff(&o);
	}
	if (!strcmp(cmd, "tcx-hold") && argc >= 3) {
		parse_opts(argc, argv, 3, &o);
		tcx_hold(argv[2], &o);
	}
	if (!strcmp(cmd, "tcx") && argc == 3)
		return tcx_show(argv[2], 0);
	if (!strcmp(cmd, "tcx") && argc == 2) { /* every interface, named */
		struct if_nameindex *ifs = if_nameindex();

		for (struct if_nameindex *i = ifs; i && i->if_index; i++)
			tcx_show(i->if_name, 1);
		if_freenameindex(ifs);
		return 0;
	}
	usage();
	return 2;
}
