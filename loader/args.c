// SPDX-License-Identifier: Apache-2.0
/*
 * Command-line parsing for `ateomnet`. A small own parser instead of
 * getopt_long: getopt keeps global state (optind, argv permutation), which
 * makes repeated parsing in unit tests fragile, and it accepts abbreviated
 * long options, which we do not want in a controller-facing interface.
 *
 * Grammar: ateomnet VERB [--flag value | --flag=value | --bool]...
 * Everything is checked here except what needs the system (does the netns
 * exist, is the name taken...): that is the verbs' job.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "args.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define NAT_ENTRIES_MIN 1024
#define NAT_ENTRIES_MAX 4194304
#define NAT_QUOTA_MIN 16
#define NAT_QUOTA_MAX 2097152 /* NAT_ENTRIES_MAX / 2: a pair is two entries */
#define SNAT_PORT_FLOOR 1024 /* never hand out privileged ports */
/* Map names are appended to the pin dir: keep room for "/egress_hooks". */
#define PIN_DIR_MAX 4032 /* sizeof(pin_dir) - 64 */

#define DEFAULT_WORKER_IP 0x0ac80001u /* 10.200.0.1, host order */
#define DEFAULT_ACTOR_IP  0x0ac80002u /* 10.200.0.2 */
#define DEFAULT_PREFIX 30

/* A quoted user value for an error line. Sized for QUOTE_IN input bytes,
 * each escaped to at most 4, plus quotes, "..." and NUL. */
#define QUOTE_IN 64
#define QBUF (QUOTE_IN * 4 + 8)

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Escapes what would break the one-line error contract (control bytes,
 * quotes) and cuts long values, so any argv content is safe to echo. */
static const char *quote_n(char *buf, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;
	size_t i;

	*p++ = '"';
	for (i = 0; i < n && i < QUOTE_IN; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else {
			*p++ = (char)c;
		}
	}
	if (n > QUOTE_IN) {
		memcpy(p, "...", 3);
		p += 3;
	}
	*p++ = '"';
	*p = '\0';
	return buf;
}

static const char *quote(char *buf, const char *s)
{
	return quote_n(buf, s, strlen(s));
}

/* Strict decimal: digits only (no sign, space or base prefix), no leading
 * zero, overflow-safe. 0 ok, -1 not a number, -2 above max. */
static int parse_dec(const char *s, size_t n, unsigned long max,
		     unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	for (i = 0; i < n; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max) /* max is small, so v*10 cannot wrap first */
			return -2;
	}
	*out = v;
	return 0;
}

static void fmt_ip(char *buf, size_t len, uint32_t ip_host)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip_host >> 24, (ip_host >> 16) & 255,
		 (ip_host >> 8) & 255, ip_host & 255);
}

static uint32_t prefix_mask(int plen)
{
	return plen <= 0 ? 0 : 0xffffffffu << (32 - plen);
}

/* ---- validators ---------------------------------------------------------- */

int ateom_valid_actor_name(const char *name, char *err, size_t errlen)
{
	char q[QBUF];
	size_t n = name ? strlen(name) : 0;
	int ok = n >= 1 && n < ATEOM_ACTOR_NAME_MAX;
	size_t i;

	for (i = 0; ok && i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (c != '-' || i == 0 || i == n - 1))
			ok = 0;
	}
	if (ok)
		return 0;
	return fail(err, errlen, "--actor %s: must be a DNS-1123 label "
		    "(lowercase letters, digits, '-', at most 63, start and end "
		    "alphanumeric)", quote(q, name ? name : ""));
}

/* The kernel's dev_valid_name(), plus '%' (the kernel would treat the name
 * as a template and pick one itself) and control bytes. */
int ateom_valid_ifname(const char *name, const char *flag, char *err,
		       size_t errlen)
{
	char q[QBUF];
	const char *sp = flag ? " " : "";
	const char *why = NULL;
	size_t n, i;

	if (!flag)
		flag = "";
	if (!name)
		name = "";
	n = strlen(name);
	if (n == 0)
		why = "must not be empty";
	else if (n > IF_NAMESIZE - 1)
		why = "at most 15 bytes (IFNAMSIZ - 1)";
	else if (!strcmp(name, ".") || !strcmp(name, ".."))
		why = "\".\" and \"..\" are not valid interface names";
	for (i = 0; !why && i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c == ':')
			why = "must not contain '/' or ':'";
		else if (c == ' ' || (c >= '\t' && c <= '\r'))
			why = "must not contain whitespace";
		else if (c < 0x20 || c == 0x7f)
			why = "must not contain control characters";
		else if (c == '%')
			why = "must not contain '%' (the kernel would choose the name)";
	}
	if (!why)
		return 0;
	return fail(err, errlen, "%s%s%s: %s", flag, sp, quote(q, name), why);
}

/* Strict A.B.C.D/N: four decimal octets without leading zeros (no
 * inet_aton shortcuts such as "10.1" or octal "010"), N in 1..32. */
int ateom_parse_cidr4(const char *s, uint32_t *addr_be, int *prefixlen,
		      char *err, size_t errlen)
{
	char q[QBUF];
	const char *p = s ? s : "";
	uint32_t ip = 0;
	unsigned long v;
	size_t n;
	int i, r;

	quote(q, p);
	for (i = 0; i < 4; i++) {
		n = strspn(p, "0123456789");
		r = parse_dec(p, n, 255, &v);
		if (r == -1 || (i < 3 && p[n] != '.'))
			return fail(err, errlen, "%s: expected A.B.C.D/N with four "
				    "decimal octets (no leading zeros)", q);
		if (r == -2)
			return fail(err, errlen, "%s: each address octet must be 0..255", q);
		ip = ip << 8 | (uint32_t)v;
		p += n + (i < 3);
	}
	if (*p == '\0')
		return fail(err, errlen, "%s: needs a prefix length (A.B.C.D/N)", q);
	if (*p != '/')
		return fail(err, errlen, "%s: expected A.B.C.D/N with four "
			    "decimal octets (no leading zeros)", q);
	p++;
	r = parse_dec(p, strlen(p), 32, &v);
	if (r == -1)
		return fail(err, errlen, "%s: prefix length must be a decimal "
			    "number 1..32", q);
	if (r == -2 || v == 0)
		return fail(err, errlen, "%s: prefix length must be 1..32", q);
	*addr_be = htonl(ip);
	*prefixlen = (int)v;
	return 0;
}

/* PORT[:ACTORPORT][/tcp|/udp]. Only --expose uses it, so the message
 * names the flag itself. */
int ateom_parse_expose(const char *s, struct ateom_expose *e, char *err,
		       size_t errlen)
{
	static const char *syntax = "expected PORT[:ACTORPORT][/tcp|/udp]";
	char q[QBUF];
	const char *str = s ? s : "";
	const char *slash = strchr(str, '/');
	size_t end = slash ? (size_t)(slash - str) : strlen(str);
	const char *colon = memchr(str, ':', end);
	size_t plen = colon ? (size_t)(colon - str) : end;
	unsigned long port, aport;
	int r;

	quote(q, str);
	if (plen == 0 || (colon && plen + 1 == end) || (slash && !slash[1]))
		return fail(err, errlen, "--expose %s: %s", q, syntax);
	r = parse_dec(str, plen, 65535, &port);
	if (r == -1)
		return fail(err, errlen, "--expose %s: port must be a decimal "
			    "number (digits only, no leading zeros)", q);
	if (r == -2 || port == 0)
		return fail(err, errlen, "--expose %s: port must be 1..65535", q);
	aport = port;
	if (colon) {
		r = parse_dec(colon + 1, end - plen - 1, 65535, &aport);
		if (r == -1)
			return fail(err, errlen, "--expose %s: actor port must be a "
				    "decimal number (digits only, no leading zeros)", q);
		if (r == -2 || aport == 0)
			return fail(err, errlen, "--expose %s: actor port must be "
				    "1..65535", q);
	}
	e->proto = IPPROTO_TCP;
	if (slash) {
		if (!strcmp(slash + 1, "udp"))
			e->proto = IPPROTO_UDP;
		else if (strcmp(slash + 1, "tcp"))
			return fail(err, errlen, "--expose %s: protocol must be tcp "
				    "or udp", q);
	}
	e->port = (uint16_t)port;
	e->actor_port = (uint16_t)aport;
	return 0;
}

/* MIN-MAX for --snat-ports. */
int ateom_parse_port_range(const char *s, uint16_t *min, uint16_t *max,
			   char *err, size_t errlen)
{
	char q[QBUF];
	const char *str = s ? s : "";
	const char *dash = strchr(str, '-');
	unsigned long lo, hi;
	int r1, r2;

	quote(q, str);
	if (!dash)
		return fail(err, errlen, "--snat-ports %s: expected MIN-MAX, e.g. "
			    STR(ATEOM_SNAT_PORT_MIN) "-" STR(ATEOM_SNAT_PORT_MAX), q);
	r1 = parse_dec(str, (size_t)(dash - str), 65535, &lo);
	r2 = parse_dec(dash + 1, strlen(dash + 1), 65535, &hi);
	if (r1 == -1 || r2 == -1)
		return fail(err, errlen, "--snat-ports %s: expected MIN-MAX, two "
			    "decimal numbers (digits only, no leading zeros)", q);
	if (r1 == -2 || r2 == -2 || lo < SNAT_PORT_FLOOR)
		return fail(err, errlen, "--snat-ports %s: ports must be "
			    STR(SNAT_PORT_FLOOR) "..65535", q);
	if (lo > hi)
		return fail(err, errlen, "--snat-ports %s: MIN must not exceed MAX", q);
	*min = (uint16_t)lo;
	*max = (uint16_t)hi;
	return 0;
}

/* 0/8 ("this network"), 127/8 loopback, 224/3 multicast and reserved:
 * none can be an interface address the datapath routes to. */
static int check_unicast(const char *flag, uint32_t ip, int plen, char *err,
			 size_t errlen)
{
	uint8_t first = ip >> 24;
	char s[16];

	if (first != 0 && first != 127 && first < 224)
		return 0;
	fmt_ip(s, sizeof(s), ip);
	return fail(err, errlen, "%s \"%s/%d\": not a unicast host address "
		    "(0.0.0.0/8, 127.0.0.0/8 and 224.0.0.0/3 are refused)",
		    flag, s, plen);
}

static int check_host_part(const char *flag, uint32_t ip, int plen,
			   char *err, size_t errlen)
{
	uint32_t mask = prefix_mask(plen);
	char s[16], net[16];

	if ((ip & ~mask) != 0 && (ip & ~mask) != ~mask)
		return 0;
	fmt_ip(s, sizeof(s), ip);
	fmt_ip(net, sizeof(net), ip & mask);
	return fail(err, errlen, "%s \"%s/%d\": is the %s address of %s/%d",
		    flag, s, plen, (ip & ~mask) ? "broadcast" : "network",
		    net, plen);
}

int ateom_valid_addr_pair(uint32_t worker_be, int worker_plen,
			  uint32_t actor_be, int actor_plen,
			  char *err, size_t errlen)
{
	static const char *too_long = "prefix must be /30 or shorter (a /31 or "
		"/32 has no room for two host addresses besides the network and "
		"broadcast addresses)";
	uint32_t w = ntohl(worker_be), a = ntohl(actor_be);
	char ws[16], as[16];

	fmt_ip(ws, sizeof(ws), w);
	fmt_ip(as, sizeof(as), a);
	if (worker_plen < 1 || worker_plen > 30)
		return fail(err, errlen, "--worker-addr \"%s/%d\": %s", ws,
			    worker_plen, too_long);
	if (actor_plen < 1 || actor_plen > 30)
		return fail(err, errlen, "--actor-addr \"%s/%d\": %s", as,
			    actor_plen, too_long);
	if (worker_plen != actor_plen)
		return fail(err, errlen, "--worker-addr \"%s/%d\" and --actor-addr "
			    "\"%s/%d\" must have the same prefix length",
			    ws, worker_plen, as, actor_plen);
	if (check_unicast("--worker-addr", w, worker_plen, err, errlen) ||
	    check_unicast("--actor-addr", a, actor_plen, err, errlen))
		return -1;
	if ((w ^ a) & prefix_mask(worker_plen))
		return fail(err, errlen, "--worker-addr \"%s/%d\" and --actor-addr "
			    "\"%s/%d\" are not in the same /%d subnet",
			    ws, worker_plen, as, actor_plen, worker_plen);
	if (w == a)
		return fail(err, errlen, "--worker-addr and --actor-addr are both "
			    "\"%s\": they must differ", ws);
	if (check_host_part("--worker-addr", w, worker_plen, err, errlen) ||
	    check_host_part("--actor-addr", a, actor_plen, err, errlen))
		return -1;
	return 0;
}

/* --pin-dir and --pin-root: absolute, no "..", room for what goes in. */
static int valid_dir(const char *flag, const char *dir, char *err, size_t errlen)
{
	char q[QBUF];
	const char *p;
	size_t n;

	if (!dir)
		dir = "";
	quote(q, dir);
	if (dir[0] != '/')
		return fail(err, errlen, "%s %s: must be an absolute path", flag, q);
	if (strlen(dir) > PIN_DIR_MAX)
		return fail(err, errlen, "%s %s: longer than "
			    STR(PIN_DIR_MAX) " bytes", flag, q);
	for (p = dir; *p; p += n) {
		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return fail(err, errlen, "%s %s: must not contain "
				    "\"..\" components", flag, q);
	}
	return 0;
}

int ateom_valid_pin_dir(const char *dir, char *err, size_t errlen)
{
	return valid_dir("--pin-dir", dir, err, errlen);
}

/* ---- the parser ---------------------------------------------------------- */

enum flag_id {
	F_ACTOR, F_NETNS, F_VETH, F_POD_IF, F_WORKER_ADDR, F_ACTOR_ADDR,
	F_EXPOSE, F_PIN_DIR, F_ATTACH, F_SNAT_PORTS, F_NAT_ENTRIES, F_MAX_ACTORS, F_NAT_QUOTA, F_EGRESS_HOOK, F_JSON,
	F_FORCE, F_DRY_RUN, F_PIN_ROOT, F_HELP, F_VERSION,
	F_EGRESS_MODE, F_ALLOW, F_DENY, F_RESOLVER, F_CAPTURE_PORT, F_ICMP_ECHO, F_ALWAYS_DENY,
	F_CLUSTER_CIDR, F_CAPTURE_CGROUP, F_FOLLOW, F_TEXTFILE, F_TIMEOUT,
	F_WORKER_ADDR6, F_ACTOR_ADDR6, F_NO_IPV6,
};
#define F_COUNT (F_NO_IPV6 + 1)
/* Flags that may be given more than once. */
/* Flags as bits of a set (which were seen, which may repeat). */
#define FBIT(f) (1ULL << (f))
_Static_assert(F_COUNT <= 64, "flag sets are 64-bit");
#define F_REPEATABLE (FBIT(F_EXPOSE) | FBIT(F_ALLOW) | FBIT(F_DENY) | FBIT(F_TIMEOUT) | \
		      FBIT(F_RESOLVER) | FBIT(F_CLUSTER_CIDR))

#define V(v) (1u << (v))
#define V_UP V(VERB_UP)
#define V_INSPECT (V(VERB_STATUS) | V(VERB_NAT) | V(VERB_PURGE))
#define V_PREPARE V(VERB_PREPARE)
#define V_POL (V_UP | V(VERB_POLICY))
#define V_ALL (V_UP | V(VERB_DOWN) | V_INSPECT | V(VERB_GC) | V_PREPARE | V(VERB_HELP) | \
	       V(VERB_VERSION) | V(VERB_POLICY) | V(VERB_EVENTS) | V(VERB_METRICS))

static const struct flag {
	const char *name;
	enum flag_id id;
	int has_value;
	unsigned int verbs; /* V(verb) for each verb that takes it */
} flags[] = {
	{ "--actor",       F_ACTOR,       1, V_UP | V(VERB_DOWN) | V(VERB_POLICY) },
	{ "--netns",       F_NETNS,       1, V_UP },
	{ "--veth",        F_VETH,        1, V_UP },
	{ "--pod-if",      F_POD_IF,      1, V_UP | V_PREPARE },
	{ "--worker-addr", F_WORKER_ADDR, 1, V_UP },
	{ "--actor-addr",  F_ACTOR_ADDR,  1, V_UP },
	{ "--worker-addr6", F_WORKER_ADDR6, 1, V_UP },
	{ "--actor-addr6", F_ACTOR_ADDR6, 1, V_UP },
	{ "--no-ipv6",     F_NO_IPV6,     0, V_UP },
	{ "--expose",      F_EXPOSE,      1, V_UP },
	{ "--attach",      F_ATTACH,      1, V_UP | V_PREPARE },
	{ "--snat-ports",  F_SNAT_PORTS,  1, V_UP },
	{ "--nat-entries", F_NAT_ENTRIES, 1, V_UP | V_PREPARE },
	{ "--max-actors",  F_MAX_ACTORS,  1, V_UP | V_PREPARE },
	{ "--nat-quota",   F_NAT_QUOTA,   1, V_UP },
	{ "--egress-hook", F_EGRESS_HOOK, 1, V_UP },
	/* NAT pair idle timeouts (timeouts.h), datapath-wide */
	{ "--timeout-tcp-est",   F_TIMEOUT, 1, V_UP | V_PREPARE },
	{ "--timeout-tcp-syn",   F_TIMEOUT, 1, V_UP | V_PREPARE },
	{ "--timeout-tcp-close", F_TIMEOUT, 1, V_UP | V_PREPARE },
	{ "--timeout-udp",       F_TIMEOUT, 1, V_UP | V_PREPARE },
	{ "--timeout-udp-query", F_TIMEOUT, 1, V_UP | V_PREPARE },
	{ "--timeout-icmp",      F_TIMEOUT, 1, V_UP | V_PREPARE },
	{ "--pin-dir",     F_PIN_DIR,     1, V_UP | V(VERB_DOWN) | V_INSPECT | V_PREPARE |
					     V(VERB_POLICY) | V(VERB_EVENTS) | V(VERB_METRICS) },
	{ "--json",        F_JSON,        0, V_UP | V(VERB_DOWN) | V_INSPECT | V(VERB_GC) |
					     V_PREPARE | V(VERB_POLICY) | V(VERB_EVENTS) },
	{ "--egress-mode", F_EGRESS_MODE, 1, V_POL },
	{ "--allow",       F_ALLOW,       1, V_POL },
	{ "--deny",        F_DENY,        1, V_POL },
	{ "--resolver",    F_RESOLVER,    1, V_POL },
	{ "--capture-port", F_CAPTURE_PORT, 1, V_POL },
	{ "--icmp-echo",   F_ICMP_ECHO,   0, V_POL },
	{ "--always-deny", F_ALWAYS_DENY, 1, V_POL },
	{ "--cluster-cidr", F_CLUSTER_CIDR, 1, V_POL },
	{ "--capture-cgroup", F_CAPTURE_CGROUP, 1, V_POL },
	{ "--follow",      F_FOLLOW,      0, V(VERB_EVENTS) },
	{ "--force",       F_FORCE,       0, V(VERB_PURGE) },
	{ "--dry-run",     F_DRY_RUN,     0, V(VERB_GC) },
	{ "--pin-root",    F_PIN_ROOT,    1, V(VERB_GC) },
	{ "--textfile",    F_TEXTFILE,    1, V(VERB_METRICS) },
	{ "--help",        F_HELP,        0, V_ALL },
	{ "-h",            F_HELP,        0, V_ALL },
	{ "--version",     F_VERSION,     0, V_ALL },
};

static const struct {
	const char *name;
	enum ateom_verb verb;
} verbs[] = {
	{ "up", VERB_UP }, { "down", VERB_DOWN }, { "status", VERB_STATUS },
	{ "nat", VERB_NAT }, { "purge", VERB_PURGE }, { "gc", VERB_GC },
	{ "prepare", VERB_PREPARE }, { "policy", VERB_POLICY }, { "events", VERB_EVENTS },
	{ "help", VERB_HELP },
	{ "-h", VERB_HELP }, { "--help", VERB_HELP }, { "version", VERB_VERSION },
	{ "--version", VERB_VERSION }, { "metrics", VERB_METRICS },
};

const char *ateom_verb_name(enum ateom_verb v)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "?";
}

static const struct flag *find_flag(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i].name) == n && !strncmp(flags[i].name, s, n))
			return &flags[i];
	return NULL;
}

static void set_defaults(struct ateom_args *a)
{
	memset(a, 0, sizeof(*a));
	strcpy(a->veth, "ateom0");
	strcpy(a->pod_if, "eth0");
	strcpy(a->actor_if, "eth0");
	a->worker_ip_be = htonl(DEFAULT_WORKER_IP);
	a->actor_ip_be = htonl(DEFAULT_ACTOR_IP);
	a->prefixlen = DEFAULT_PREFIX;
	a->attach = ATTACH_AUTO;
	a->snat_min = ATEOM_SNAT_PORT_MIN;
	a->snat_max = ATEOM_SNAT_PORT_MAX;
	a->nat_quota = ATEOM_NAT_DEFAULT_QUOTA;
	ateom_args6_defaults(a);
}

static int copy_str(char *dst, size_t size, const char *flag, const char *v,
		    char *err, size_t errlen)
{
	char q[QBUF];

	if (!*v)
		return fail(err, errlen, "%s %s: must not be empty", flag, quote(q, v));
	if (strlen(v) >= size)
		return fail(err, errlen, "%s %s: longer than %zu bytes", flag,
			    quote(q, v), size - 1);
	strcpy(dst, v);
	return 0;
}

static int add_expose(struct ateom_args *a, const char *v, char *err,
		      size_t errlen)
{
	struct ateom_expose e;
	char q[QBUF];
	int i;

	if (ateom_parse_expose(v, &e, err, errlen))
		return -1;
	for (i = 0; i < a->n_expose; i++)
		if (a->expose[i].port == e.port && a->expose[i].proto == e.proto)
			return fail(err, errlen, "--expose %s: port %u/%s is already "
				    "exposed", quote(q, v), e.port,
				    e.proto == IPPROTO_UDP ? "udp" : "tcp");
		else if (a->expose[i].actor_port == e.actor_port && a->expose[i].proto == e.proto)
			/* Exposed ports are a static mapping both ways: what the
			 * actor sends from ACTORPORT must leave as one pod port. */
			return fail(err, errlen, "--expose %s: actor port %u/%s is already "
				    "exposed as pod port %u", quote(q, v), e.actor_port,
				    e.proto == IPPROTO_UDP ? "udp" : "tcp", a->expose[i].port);
	if (a->n_expose == ATEOM_MAX_EXPOSE)
		return fail(err, errlen, "--expose %s: at most "
			    STR(ATEOM_MAX_EXPOSE) " ports", quote(q, v));
	a->expose[a->n_expose++] = e;
	return 0;
}

/* Parses one flag's value into a; worker/actor address prefixes are kept
 * apart until the pair check. */
static int apply(struct ateom_args *a, const struct flag *f, const char *v,
		 int *wplen, int *aplen, char *err, size_t errlen)
{
	char q[QBUF], why[QBUF + 128];
	unsigned long n;
	int r;

	switch (f->id) {
	case F_ACTOR:
		if (ateom_valid_actor_name(v, err, errlen))
			return -1;
		strcpy(a->actor, v);
		return 0;
	case F_NETNS:
		return copy_str(a->netns, sizeof(a->netns), f->name, v, err, errlen);
	case F_VETH:
	case F_POD_IF:
		if (ateom_valid_ifname(v, f->name, err, errlen))
			return -1;
		strcpy(f->id == F_VETH ? a->veth : a->pod_if, v);
		return 0;
	case F_WORKER_ADDR:
	case F_ACTOR_ADDR:
		/* The cidr parser serves two flags: prefix the flag name. */
		if (ateom_parse_cidr4(v, f->id == F_WORKER_ADDR ? &a->worker_ip_be
				      : &a->actor_ip_be,
				      f->id == F_WORKER_ADDR ? wplen : aplen,
				      why, sizeof(why)))
			return fail(err, errlen, "%s %s", f->name, why);
		return 0;
	case F_WORKER_ADDR6:
	case F_ACTOR_ADDR6:
		if (ateom_parse_cidr6(v, f->id == F_WORKER_ADDR6 ? &a->worker_ip6 : &a->actor_ip6,
				      f->id == F_WORKER_ADDR6 ? &a->prefix6 : &a->actor_prefix6,
				      why, sizeof(why)))
			return fail(err, errlen, "%s %s", f->name, why);
		return 0;
	case F_NO_IPV6:
		a->no_ipv6 = true;
		return 0;
	case F_EXPOSE:
		return add_expose(a, v, err, errlen);
	case F_PIN_DIR:
		if (ateom_valid_pin_dir(v, err, errlen))
			return -1;
		strcpy(a->pin_dir, v);
		return 0;
	case F_ATTACH:
		if (!strcmp(v, "auto"))
			a->attach = ATTACH_AUTO;
		else if (!strcmp(v, "tcx"))
			a->attach = ATTACH_TCX;
		else if (!strcmp(v, "tc"))
			a->attach = ATTACH_TC;
		else
			return fail(err, errlen, "--attach %s: must be auto, tcx or tc",
				    quote(q, v));
		return 0;
	case F_SNAT_PORTS:
		return ateom_parse_port_range(v, &a->snat_min, &a->snat_max,
					      err, errlen);
	case F_NAT_ENTRIES:
		r = parse_dec(v, strlen(v), NAT_ENTRIES_MAX, &n);
		if (r == -1)
			return fail(err, errlen, "--nat-entries %s: must be a decimal "
				    "number (digits only, no leading zeros)", quote(q, v));
		if (r == -2 || n < NAT_ENTRIES_MIN)
			return fail(err, errlen, "--nat-entries %s: must be "
				    STR(NAT_ENTRIES_MIN) ".." STR(NAT_ENTRIES_MAX),
				    quote(q, v));
		a->nat_entries = (uint32_t)n;
		return 0;
	case F_MAX_ACTORS:
		r = parse_dec(v, strlen(v), ATEOM_MAX_ACTORS, &n);
		if (r == -1)
			return fail(err, errlen, "--max-actors %s: must be a decimal "
				    "number (digits only, no leading zeros)", quote(q, v));
		if (r == -2 || n < 1)
			return fail(err, errlen, "--max-actors %s: must be 1.."
				    STR(ATEOM_MAX_ACTORS), quote(q, v));
		a->max_actors = (uint32_t)n;
		return 0;
	case F_NAT_QUOTA:
		r = parse_dec(v, strlen(v), NAT_QUOTA_MAX, &n);
		if (r == -1)
			return fail(err, errlen, "--nat-quota %s: must be a decimal "
				    "number (digits only, no leading zeros)", quote(q, v));
		if (r == -2 || n < NAT_QUOTA_MIN)
			return fail(err, errlen, "--nat-quota %s: must be "
				    STR(NAT_QUOTA_MIN) ".." STR(NAT_QUOTA_MAX), quote(q, v));
		a->nat_quota = (uint32_t)n;
		return 0;
	case F_EGRESS_HOOK:
		if (v[0] != '/' || strlen(v) >= sizeof(a->egress_hook))
			return fail(err, errlen, "--egress-hook %s: must be an absolute path "
				    "of a pinned program", quote(q, v));
		strcpy(a->egress_hook, v);
		return 0;
	case F_JSON:
		a->json = true;
		return 0;
	case F_FORCE:
		a->force = true;
		return 0;
	case F_DRY_RUN:
		a->dry_run = true;
		return 0;
	case F_PIN_ROOT:
		if (valid_dir(f->name, v, err, errlen))
			return -1;
		strcpy(a->pin_root, v);
		return 0;
	case F_EGRESS_MODE:
		a->pol.mode_given = true;
		return pol_parse_mode(v, &a->pol.mode, err, errlen);
	case F_ALLOW:
	case F_DENY:
		return pol_add_rule(&a->pol, v, f->id == F_ALLOW ? ATEOM_RULE_ALLOW
								 : ATEOM_RULE_DENY, err, errlen);
	case F_RESOLVER:
		return pol_add_resolver(&a->pol, v, err, errlen);
	case F_CLUSTER_CIDR:
		return pol_add_cluster(&a->pol, v, err, errlen);
	case F_CAPTURE_PORT:
		r = parse_dec(v, strlen(v), 65535, &n);
		if (r || n == 0)
			return fail(err, errlen, "--capture-port %s: must be 1..65535", quote(q, v));
		a->pol.capture_port = (uint16_t)n;
		a->pol.port_given = true;
		return 0;
	case F_ICMP_ECHO:
		a->pol.icmp_echo = true;
		return 0;
	case F_ALWAYS_DENY:
		if (strcmp(v, "on") && strcmp(v, "off"))
			return fail(err, errlen, "--always-deny %s: must be on or off", quote(q, v));
		a->pol.no_always_deny = !strcmp(v, "off");
		return 0;
	case F_CAPTURE_CGROUP:
		if (v[0] != '/' || strlen(v) >= sizeof(a->capture_cgroup))
			return fail(err, errlen, "--capture-cgroup %s: must be an absolute path "
				    "of a cgroup v2 directory", quote(q, v));
		strcpy(a->capture_cgroup, v);
		return 0;
	case F_FOLLOW:
		a->follow = true;
		return 0;
	case F_TEXTFILE:
		if (valid_dir(f->name, v, err, errlen))
			return -1;
		strcpy(a->textfile, v);
		return 0;
	case F_TIMEOUT: {
		int t = ateom_timeout_by_flag(f->name);

		if (t < 0)
			return fail(err, errlen, "%s: unknown timeout", f->name);
		if (a->timeouts_set & (1u << t))
			return fail(err, errlen, "%s given twice", f->name);
		r = parse_dec(v, strlen(v), ATEOM_TIMEOUT_MAX_S, &n);
		if (r == -1)
			return fail(err, errlen, "%s %s: must be a decimal number of seconds "
				    "(digits only, no leading zeros)", f->name, quote(q, v));
		if (r == -2 || n < 1)
			return fail(err, errlen, "%s %s: must be 1.." STR(ATEOM_TIMEOUT_MAX_S)
				    " seconds", f->name, quote(q, v));
		a->timeout_s[t] = (uint32_t)n;
		a->timeouts_set |= 1u << t;
		return 0;
	}
	case F_HELP:
	case F_VERSION:
		break; /* handled by the caller */
	}
	return 0;
}

/* Checks that span several flags, once all are known. */
static int finish(struct ateom_args *a, unsigned long long seen, int wplen,
		  int aplen, char *err, size_t errlen)
{
	char q[QBUF];

	if ((a->verb == VERB_UP || a->verb == VERB_DOWN || a->verb == VERB_POLICY) &&
	    !(seen & FBIT(F_ACTOR)))
		return fail(err, errlen, "%s needs --actor NAME", ateom_verb_name(a->verb));
	if (a->verb == VERB_POLICY && !a->pol.mode_given)
		return fail(err, errlen, "policy needs --egress-mode allow|deny|capture (it "
			    "replaces the actor's whole policy)");
	if ((a->verb == VERB_UP || a->verb == VERB_POLICY) && pol_finish(&a->pol, err, errlen))
		return -1;
	if (a->verb == VERB_UP && a->egress_hook[0] && pol_active(&a->pol))
		return fail(err, errlen, "--egress-hook and an egress policy both want the "
			    "actor's hook slot: give one");
	if (a->verb != VERB_UP)
		return 0;
	if (!(seen & FBIT(F_NETNS)))
		return fail(err, errlen, "up needs --netns PATH");
	if (!strcmp(a->veth, a->pod_if))
		return fail(err, errlen, "--veth %s: must differ from --pod-if",
			    quote(q, a->veth));
	if (ateom_valid_addr_pair(a->worker_ip_be, wplen, a->actor_ip_be, aplen,
				  err, errlen))
		return -1;
	a->prefixlen = wplen;
	if (a->no_ipv6 && (seen & (FBIT(F_WORKER_ADDR6) | FBIT(F_ACTOR_ADDR6))))
		return fail(err, errlen, "--no-ipv6 and --%s-addr6 contradict each other: give one",
			    seen & FBIT(F_WORKER_ADDR6) ? "worker" : "actor");
	if (!a->no_ipv6 && ateom_valid_addr6_pair(&a->worker_ip6, a->prefix6, &a->actor_ip6,
						   a->actor_prefix6, err, errlen))
		return -1;
	if (a->no_ipv6) { /* nothing IPv6 reaches the actor entry */
		memset(&a->worker_ip6, 0, sizeof(a->worker_ip6));
		memset(&a->actor_ip6, 0, sizeof(a->actor_ip6));
		a->prefix6 = a->actor_prefix6 = 0;
	}
	if (a->n_expose == 0) {
		a->expose[0] = (struct ateom_expose){ .port = 80, .actor_port = 80,
						      .proto = IPPROTO_TCP };
		a->n_expose = 1;
	}
	return 0;
}

int ateom_parse_args(int argc, char **argv, struct ateom_args *a,
		     char *err, size_t errlen)
{
	int wplen = DEFAULT_PREFIX, aplen = DEFAULT_PREFIX;
	unsigned long long seen = 0;
	char q[QBUF];
	size_t i;
	int k;

	set_defaults(a);
	if (err && errlen)
		err[0] = '\0';
	if (argc < 2 || !argv || !argv[1])
		return fail(err, errlen, "no verb given (try \"ateomnet help\")");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			a->verb = verbs[i].verb;
	if (a->verb == VERB_NONE)
		return fail(err, errlen, "unknown verb %s (verbs: up, down, status, "
			    "nat, purge, gc, prepare, policy, events, metrics, help, version)",
			    quote(q, argv[1]));

	for (k = 2; k < argc && argv[k]; k++) {
		const char *tok = argv[k], *val = NULL;
		const char *eq = strchr(tok, '=');
		size_t nlen = eq ? (size_t)(eq - tok) : strlen(tok);
		const struct flag *f;

		/* No verb takes positional arguments; "-" alone is one. */
		if (tok[0] != '-' || tok[1] == '\0')
			return fail(err, errlen, "unexpected argument %s", quote(q, tok));
		f = find_flag(tok, nlen);
		if (!f)
			return fail(err, errlen, "unknown flag %s", quote_n(q, tok, nlen));
		if (!(f->verbs & V(a->verb)))
			return fail(err, errlen, "%s is not valid for \"%s\"", f->name,
				    ateom_verb_name(a->verb));
		if (f->has_value) {
			/* "--actor --netns x" is a forgotten value, not an actor
			 * named "--netns"; --flag=-value still works. */
			if (eq)
				val = eq + 1;
			else if (k + 1 < argc && argv[k + 1] &&
				 !(argv[k + 1][0] == '-' && argv[k + 1][1]))
				val = argv[++k];
			else
				return fail(err, errlen, "%s needs a value", f->name);
		} else if (eq) {
			return fail(err, errlen, "%s takes no value", f->name);
		}
		if (f->id == F_HELP || f->id == F_VERSION) {
			a->verb = f->id == F_HELP ? VERB_HELP : VERB_VERSION;
			return 0;
		}
		if (!(F_REPEATABLE & FBIT(f->id)) && (seen & FBIT(f->id)))
			return fail(err, errlen, "%s given twice", f->name);
		seen |= FBIT(f->id);
		if (apply(a, f, val, &wplen, &aplen, err, errlen))
			return -1;
	}
	return finish(a, seen, wplen, aplen, err, errlen);
}

const char *ateom_usage(void)
{
	return
"Usage: ateomnet VERB [FLAGS]\n"
"\n"
"Connects a sandboxed actor to the network of its worker pod through an\n"
"eBPF datapath: actor egress is SNATed behind the pod IP, exposed pod ports\n"
"are DNATed to the actor. Run inside the worker's network namespace.\n"
"\n"
"Verbs:\n"
"  up      --actor NAME --netns PATH [FLAGS]   connect an actor\n"
"  down    --actor NAME [--pin-dir DIR] [--json]\n"
"                                  disconnect an actor (idempotent)\n"
"  status  [--pin-dir DIR] [--json]  actors, ports, attach mode, counters\n"
"  nat     [--pin-dir DIR] [--json]  list NAT entries\n"
"  purge   [--pin-dir DIR] [--json] [--force]\n"
"                                  unpin the datapath; refused while an actor\n"
"                                  is up, unless --force\n"
"  gc      [--dry-run] [--pin-root DIR] [--json]\n"
"                                  reclaim the pin dirs of workers whose netns\n"
"                                  is gone (run anywhere on the node)\n"
"  prepare [--pin-dir DIR] [--pod-if NAME] [--attach MODE] [--max-actors N]\n"
"          [--nat-entries N] [--timeout-tcp-est S]... [--json]\n"
"                                  load and pin the datapath ahead of time (at\n"
"                                  worker start) and attach it to the pod\n"
"                                  interface (it passes everything while no\n"
"                                  actor is up), so the first up is as fast\n"
"                                  as any; makes no actor (idempotent)\n"
"  policy  --actor NAME --egress-mode MODE [POLICY FLAGS] [--pin-dir DIR] [--json]\n"
"                                  replace an actor's egress policy at runtime\n"
"  events  [--follow] [--pin-dir DIR] [--json]\n"
"                                  denied flows, one line each (--follow: wait)\n"
"  metrics [--pin-dir DIR] [--textfile DIR]\n"
"                                  counters in the Prometheus text format, on\n"
"                                  stdout or into DIR/ateomnet.prom\n"
"  help    this text (also -h, --help, or --help after any verb)\n"
"  version print the version (also --version)\n"
"\n"
"Flags of up:\n"
"  --actor NAME            actor name, a DNS-1123 label (required)\n"
"  --netns PATH            actor network namespace, e.g. /run/netns/NAME or\n"
"                          /proc/PID/ns/net (required)\n"
"  --veth NAME             worker-side veth (default ateom0)\n"
"  --pod-if NAME           the pod's interface (default eth0)\n"
"  --worker-addr A.B.C.D/N worker end of the veth (default 10.200.0.1/30)\n"
"  --actor-addr A.B.C.D/N  actor end, same subnet and prefix, /30 or shorter\n"
"                          (default 10.200.0.2/30)\n"
"  --worker-addr6 ADDR/N   IPv6 gateway of the actor link, answered by the\n"
"                          datapath, never configured on the veth (default\n"
"                          " ATEOM_DEFAULT_WORKER_ADDR6 ")\n"
"  --actor-addr6 ADDR/N    the actor's IPv6 address, same prefix, /64../126\n"
"                          (default " ATEOM_DEFAULT_ACTOR_ADDR6 "); used when the\n"
"                          pod interface has a global or ULA IPv6 address\n"
"  --no-ipv6               an IPv4-only actor, whatever the pod has\n"
"  --expose PORT[:ACTORPORT][/tcp|/udp]\n"
"                          DNAT pod PORT to the actor's ACTORPORT (default\n"
"                          PORT, tcp); repeatable, at most "
				STR(ATEOM_MAX_EXPOSE) "\n"
"                          (default 80:80/tcp)\n"
"  --attach auto|tcx|tc    how programs attach (default auto: tcx where the\n"
"                          kernel has it, else tc clsact)\n"
"  --snat-ports MIN-MAX    SNAT source ports, MIN >= " STR(SNAT_PORT_FLOOR) "\n"
"                          (default " STR(ATEOM_SNAT_PORT_MIN) "-"
				STR(ATEOM_SNAT_PORT_MAX) ")\n"
"  --max-actors N          actors this worker's datapath is sized for, 1.."
				STR(ATEOM_MAX_ACTORS) "\n"
"                          (default " STR(ATEOM_DEFAULT_MAX_ACTORS) "; set when the datapath is first\n"
"                          loaded, by up or prepare; sizes the per-actor maps)\n"
"  --nat-entries N         NAT table size, " STR(NAT_ENTRIES_MIN) ".."
				STR(NAT_ENTRIES_MAX) "\n"
"                          (default max actors x " STR(ATEOM_NAT_DEFAULT_QUOTA) " x 2; set when the\n"
"                          datapath is first loaded, by up or prepare)\n"
"  --egress-hook PROG      a pinned tc program put in this actor's egress hook\n"
"                          slot before any packet flows (include/ateomnet_hook.h)\n"
"  --nat-quota N           most NAT pairs (flows) this actor may hold, "
				STR(NAT_QUOTA_MIN) "..\n"
"                          (default " STR(ATEOM_NAT_DEFAULT_QUOTA) "); the quotas of the actors up\n"
"                          must fit in the table (two entries a pair)\n"
"  --timeout-tcp-est S, --timeout-tcp-syn S, --timeout-tcp-close S,\n"
"  --timeout-udp S, --timeout-udp-query S, --timeout-icmp S\n"
"                          seconds a NAT pair may be idle before it expires:\n"
"                          TCP with a reply (default 432000), without one\n"
"                          (240), closed (1); UDP (300), UDP to DNS (53) or\n"
"                          NTP (123) (30); ICMP (60).\n"
"                          Datapath-wide: set by up or prepare for every\n"
"                          actor of the worker; kept when not given\n"
"\n"
"Policy flags (up, policy; README \"Egress control\"):\n"
"  --egress-mode allow|deny|capture\n"
"                          allow (default): everything but --deny; deny:\n"
"                          only --allow; capture: TCP to the worker's proxy\n"
"  --allow RULE, --deny RULE\n"
"                          RULE = A.B.C.D[/N][:PORT[-PORT]][/tcp|/udp|/icmp];\n"
"                          a deny rule wins; at most " STR(ATEOM_POL_MAX_RULES) " per actor\n"
"  --resolver IP           DNS (53/udp, 53/tcp) only to these (deny, capture)\n"
"  --always-deny on|off    169.254/16, 127/8, 100.64/10 and --cluster-cidr\n"
"                          denied in deny and capture mode (default on)\n"
"  --cluster-cidr CIDR     add to the always-deny set\n"
"  --capture-port N        the proxy's port on the worker (default "
				STR(ATEOM_POL_CAPTURE_PORT) ")\n"
"  --icmp-echo             capture: let pings out (default: dropped)\n"
"  --capture-cgroup DIR    cgroup v2 dir the proxy runs in: SO_ORIGINAL_DST is\n"
"                          answered there (needed once per worker for capture)\n"
"\n"
"Common flags:\n"
"  --pin-dir DIR           absolute bpffs directory of the maps (default: one\n"
"                          per worker netns, /sys/fs/bpf/ateom/netns-COOKIE)\n"
"  --json                  machine-readable output\n"
"  --force                 purge: take every actor down first (as down\n"
"                          does), then unpin\n"
"  --dry-run               gc: only say what would be reclaimed\n"
"  --pin-root DIR          gc: the directory whose pin dirs it checks\n"
"                          (default /sys/fs/bpf/ateom)\n"
"  --textfile DIR          metrics: write DIR/ateomnet.prom (temp file and\n"
"                          rename) for node_exporter's textfile collector\n"
"\n"
"Values go as --flag VALUE or --flag=VALUE (use the latter for a value\n"
"starting with '-').\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n";
}
