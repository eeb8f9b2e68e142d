// SPDX-License-Identifier: GPL-2.0
/*
 * testsrv: the actor of the gVisor e2e test, plus its helpers. Built static,
 * so the OCI rootfs needs nothing else. Every reply is one line of key=value
 * pairs, easy to parse in bash.
 *
 *   testsrv [serve [PORT]]      actor server (default :80). Keeps a counter
 *                               of `GET /` requests in memory (that is what
 *                               must survive checkpoint/restore). Requests:
 *     GET /                       count=N peer=IP:P local=IP:P mac=MAC
 *     GET /ready                  ready=1 (readiness probe, not counted)
 *     GET /egress?host=H&port=P[&ms=T]
 *                                 count=N egress_src=IP:P local=IP:P
 *                                 (connects to H:P, a `whoami` responder;
 *                                 connect timeout T ms, default 3000),
 *                                 or egress_error=WHY
 *     GET /bulk?bytes=N           N bytes of text: big enough to make
 *                                 gVisor send GSO super-packets (host GSO).
 *   testsrv whoami PORT         the "internet" host: tells each peer its
 *                               address ("peer=IP:P") and closes.
 *
 * Every server listens on IPv4 and, where the netns has IPv6, on IPv6 too
 * (two sockets: the IPv4 path stays exactly what it was). HOST may be an
 * IPv6 literal; IPv6 addresses print as "[ADDR]:PORT".
 *   testsrv get HOST PORT PATH  tiny HTTP client with timeouts (the test's
 *                               curl): prints the reply body (Content-Length
 *                               bytes), exit 1 on error or short body.
 *   testsrv http HOST PORT PATH [MS]
 *                               the actor's own HTTP client, run inside the
 *                               sandbox (runsc exec): an HTTP/1.0 GET read to
 *                               the server's close; prints
 *                               "http_status=S http_body=B" (B: the body's
 *                               first line, spaces as commas) or
 *                               "http_error=WHY" (exit 1). Connect timeout
 *                               MS (default 3000).
 *   testsrv egress HOST PORT [MS]  the /egress request, from inside the
 *                               sandbox: "egress_src=IP:P" or
 *                               "egress_error=WHY" (exit 1).
 *
 * gVisor 2022 refuses to checkpoint a sandbox holding a TCP endpoint that is
 * not closed or listening (TIME_WAIT included). So the actor never closes a
 * connection first: the server waits for the client's FIN after replying, and
 * the egress request reads until the whoami host closes. The side that
 * closes first (and keeps TIME_WAIT) is always a host-kernel socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS 3000

static unsigned long counter;

static void die(const char *what)
{
	fprintf(stderr, "testsrv: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fmt_addr(const void *addr, char *buf, size_t len)
{
	const struct sockaddr_in *sa = addr;
	const struct sockaddr_in6 *s6 = addr;
	char ip[INET6_ADDRSTRLEN];

	if (sa->sin_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
		return;
	}
	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, ntohs(sa->sin_port));
}

/* Timeouts on every socket: a lost packet must fail the test, not hang it. */
static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_MS / 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int listen_on(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16))
		die("bind/listen");
	return fd;
}

/* The IPv6 listener, IPv6 only (V6ONLY: IPv4 keeps its own socket); -1 in
 * a netns (or sandbox) without IPv6. */
static int listen_on6(unsigned port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int one = 1, fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Non-blocking connect + poll: a bounded connect (ms) that works the same
 * on Linux and in gVisor's netstack. Returns the fd or -1. */
static int connect_ms(const char *host, unsigned port, int ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr *to = (struct sockaddr *)&sa;
	socklen_t tolen = sizeof(sa);
	struct pollfd pfd;
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
		to = (struct sockaddr *)&s6;
		tolen = sizeof(s6);
	} else if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		return errno = EINVAL, -1;
	}
	fd = socket(to->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, to, tolen) && errno != EINPROGRESS)
		goto fail;
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&pfd, 1, ms) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err) {
		errno = err ? err : errno;
		goto fail;
	}
	fcntl(fd, F_SETFL, 0);
	set_timeouts(fd);
	return fd;
fail:
	close(fd);
	return -1;
}

static int connect_to(const char *host, unsigned port)
{
	return connect_ms(host, port, IO_TIMEOUT_MS);
}

/* Read until EOF (or timeout), a full buffer, or until the text read so
 * far holds `upto` followed by a newline (NULL: read to EOF). */
static ssize_t read_some(int fd, char *buf, size_t len, const char *upto)
{
	size_t n = 0;
	ssize_t r;
	char *m;

	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0) {
		n += r;
		buf[n] = 0;
		if (upto && (m = strstr(buf, upto)) && strchr(m + strlen(upto), '\n'))
			break;
	}
	buf[n] = 0;
	return n;
}

/* Passive close: wait (bounded) for the peer's FIN, then close. */
static void close_after_peer(int fd)
{
	char junk[256];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
	close(fd);
}

static int write_buf(int fd, const char *buf, size_t len)
{
	ssize_t r;

	while (len && (r = write(fd, buf, len)) > 0) {
		buf += r;
		len -= r;
	}
	return len ? -1 : 0;
}

static int write_all(int fd, const char *buf)
{
	return write_buf(fd, buf, strlen(buf));
}

static void reply_head(int fd, size_t body_len)
{
	char head[128];

	snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %zu\r\n\r\n", body_len);
	write_all(fd, head);
}

/* GET /bulk?bytes=N: N bytes of a printable pattern, in 64 KiB writes. */
static void do_bulk(int fd, const char *query)
{
	static char chunk[65536];
	const char *b = strstr(query, "bytes=");
	size_t left = b ? strtoul(b + 6, NULL, 10) : 0, n;

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = i % 64 == 63 ? '\n' : 'a' + i % 26;
	reply_head(fd, left);
	for (; left; left -= n) {
		n = left < sizeof(chunk) ? left : sizeof(chunk);
		if (write_buf(fd, chunk, n))
			return;
	}
}

/* MAC of the interface holding addr: shows the actor keeps its MAC across
 * restore (SIOCGIFCONF + SIOCGIFHWADDR both work in gVisor). */
static void local_mac(int fd, const struct sockaddr_in *addr, char *buf, size_t len)
{
	struct ifreq ifr[8];
	struct ifconf ifc = { .ifc_len = sizeof(ifr), .ifc_req = ifr };
	unsigned char *m;

	snprintf(buf, len, "?");
	if (ioctl(fd, SIOCGIFCONF, &ifc))
		return;
	for (size_t i = 0; i < ifc.ifc_len / sizeof(ifr[0]); i++) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ifr[i].ifr_addr;

		if (a->sin_addr.s_addr != addr->sin_addr.s_addr ||
		    ioctl(fd, SIOCGIFHWADDR, &ifr[i]))
			continue;
		m = (unsigned char *)ifr[i].ifr_hwaddr.sa_data;
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		return;
	}
}

/* host=H&port=P[&ms=T] of a query: the destination and connect timeout. */
static void parse_dest(const char *query, char *host, size_t hlen, unsigned *port, int *ms)
{
	const char *h = strstr(query, "host="), *p = strstr(query, "port="),
		   *t = strstr(query, "ms=");

	host[0] = 0;
	if (h && hlen >= 64)
		sscanf(h + 5, "%63[0-9a-fA-F.:]", host);
	*port = p ? strtoul(p + 5, NULL, 10) : 0;
	*ms = t ? atoi(t + 3) : IO_TIMEOUT_MS;
	if (*ms <= 0 || *ms > IO_TIMEOUT_MS)
		*ms = IO_TIMEOUT_MS;
}

/* GET /egress?host=H&port=P: ask the whoami responder who we look like. */
static void do_egress(const char *query, char *out, size_t len)
{
	char host[64], line[80], *nl;
	unsigned port;
	int fd, ms;

	parse_dest(query, host, sizeof(host), &port, &ms);
	fd = connect_ms(host, port, ms);
	if (fd < 0) {
		snprintf(out, len, "egress_error=%s", strerror(errno));
		return;
	}
	read_some(fd, line, sizeof(line), NULL);	/* whoami closes first */
	close(fd);
	if ((nl = strchr(line, '\n')))
		*nl = 0;
	if (strncmp(line, "peer=", 5)) {
		snprintf(out, len, "egress_error=bad_reply");
		return;
	}
	snprintf(out, len, "egress_src=%s", line + 5);
}

/* host=H&port=P&path=/X[&ms=T]: an HTTP/1.0 client, so a request from
 * inside the sandbox can go through a transparent proxy. Reads until the
 * server closes: the actor must not close first (see top). */
static void do_http(const char *query, char *out, size_t len)
{
	char host[64], path[128] = "/", req[256], resp[2048], *body, *nl;
	const char *pa = strstr(query, "path=");
	unsigned port;
	int fd, ms, status = 0;

	parse_dest(query, host, sizeof(host), &port, &ms);
	if (pa)
		sscanf(pa + 5, "%127[^& ]", path);
	fd = connect_ms(host, port, ms);
	if (fd < 0) {
		snprintf(out, len, "http_error=%s", strerror(errno));
		return;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s:%u\r\n"
		 "User-Agent: testsrv\r\n\r\n", path, host, port);
	write_all(fd, req);
	read_some(fd, resp, sizeof(resp), NULL);
	close(fd);
	body = strstr(resp, "\r\n\r\n");
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1 || !body) {
		snprintf(out, len, "http_error=bad_reply");
		return;
	}
	body += 4;
	if ((nl = strchr(body, '\n')))
		*nl = 0;
	for (char *c = body; *c; c++)
		if (*c == ' ' || *c == '\r')
			*c = ',';
	snprintf(out, len, "http_status=%d http_body=%.80s", status, body);
}

static void handle(int cfd, const struct sockaddr_storage *peer)
{
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	char req[512], path[256] = "", p[64], l[64], mac[24], body[320];

	set_timeouts(cfd);
	read_some(cfd, req, sizeof(req), "");	/* the request line */
	sscanf(req, "GET %255s", path);
	getsockname(cfd, (struct sockaddr *)&local, &llen);
	fmt_addr(peer, p, sizeof(p));
	fmt_addr(&local, l, sizeof(l));

	if (!strcmp(path, "/")) {
		counter++;
		if (local.ss_family == AF_INET)
			local_mac(cfd, (struct sockaddr_in *)&local, mac, sizeof(mac));
		else
			snprintf(mac, sizeof(mac), "?");
		snprintf(body, sizeof(body), "count=%lu peer=%s local=%s mac=%s",
			 counter, p, l, mac);
	} else if (!strcmp(path, "/ready")) {
		snprintf(body, sizeof(body), "ready=1");
	} else if (!strncmp(path, "/bulk?", 6)) {
		do_bulk(cfd, path + 6);
		return;
	} else if (!strncmp(path, "/egress?", 8)) {
		char eg[128];

		do_egress(path + 8, eg, sizeof(eg));
		snprintf(body, sizeof(body), "count=%lu %s local=%s", counter, eg, l);
	} else {
		snprintf(body, sizeof(body), "count=%lu error=unknown_path", counter);
	}
	strcat(body, "\n");
	reply_head(cfd, strlen(body));
	write_all(cfd, body);
}

/* One connection at a time is plenty, and keeps the counter trivially exact. */
static __attribute__((noreturn)) void serve(unsigned port, int whoami)
{
	struct pollfd l[2] = { { .fd = listen_on(port), .events = POLLIN },
			       { .fd = listen_on6(port), .events = POLLIN } };

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		char p[64], line[80];
		int cfd = -1;

		if (poll(l, l[1].fd < 0 ? 1 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (int i = 0; i < 2 && cfd < 0; i++)
			if (l[i].fd >= 0 && (l[i].revents & POLLIN))
				cfd = accept(l[i].fd, (struct sockaddr *)&peer, &plen);
		if (cfd < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("accept");
		}
		if (whoami) {
			fmt_addr(&peer, p, sizeof(p));
			snprintf(line, sizeof(line), "peer=%s\n", p);
			write_all(cfd, line);
			close(cfd);
		} else {
			handle(cfd, &peer);
			close_after_peer(cfd);
		}
	}
}

/* testsrv get HOST PORT PATH: print the body of the reply. Reads exactly
 * Content-Length bytes, then closes first (see top). */
static int get(const char *host, unsigned port, const char *path)
{
	char req[300], buf[65536], *body, *cl;
	size_t want, got;
	ssize_t n = 0, r;
	int fd = connect_to(host, port);

	if (fd < 0) {
		fprintf(stderr, "testsrv get %s:%u: %s\n", host, port, strerror(errno));
		return 1;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	write_all(fd, req);
	/* Headers first (the first read may carry some body too). */
	while (n < 1023 && (r = read(fd, buf + n, 1023 - n)) > 0) {
		n += r;
		buf[n] = 0;
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[n] = 0;
	body = strstr(buf, "\r\n\r\n");
	cl = strstr(buf, "Content-Length: ");
	if (strncmp(buf, "HTTP/1.0 200", 12) || !body || !cl) {
		fprintf(stderr, "testsrv get %s:%u%s: bad reply '%s'\n", host, port, path, buf);
		close(fd);
		return 1;
	}
	want = strtoul(cl + 16, NULL, 10);
	body += 4;
	got = n - (body - buf);
	fwrite(body, 1, got, stdout);
	while (got < want && (r = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, r, stdout);
		got += r;
	}
	close(fd);
	if (got != want) {
		fprintf(stderr, "testsrv get %s:%u%s: short body %zu/%zu\n", host, port, path, got, want);
		return 1;
	}
	return 0;
}

/* testsrv http|egress HOST PORT [PATH] [MS]: one request from inside the
 * sandbox; the same code as the server's /egress. */
static int client(const char *mode, int argc, char **argv)
{
	char q[256], out[192];
	int http = !strcmp(mode, "http");
	const char *ms = argc > 4 + http ? argv[4 + http] : "3000";

	snprintf(q, sizeof(q), "host=%s&port=%s&path=%s&ms=%s", argv[2], argv[3],
		 http ? argv[4] : "/", ms);
	if (http)
		do_http(q, out, sizeof(out));
	else
		do_egress(q, out, sizeof(out));
	printf("%s\n", out);
	return strstr(out, "_error=") ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "serve";

	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "serve"))
		serve(argc > 2 ? strtoul(argv[2], NULL, 10) : 80, 0);
	if (!strcmp(mode, "whoami") && argc == 3)
		serve(strtoul(argv[2], NULL, 10), 1);
	if (!strcmp(mode, "get") && argc == 5)
		return get(argv[2], strtoul(argv[3], NULL, 10), argv[4]);
	if ((!strcmp(mode, "http") && (argc == 5 || argc == 6)) ||
	    (!strcmp(mode, "egress") && (argc == 4 || argc == 5)))
		return client(mode, argc, argv);
	fprintf(stderr, "usage: testsrv [serve [PORT]] | whoami PORT | get HOST PORT PATH\n"
		"       | http HOST PORT PATH [MS] | egress HOST PORT [MS]\n");
	return 2;
}
