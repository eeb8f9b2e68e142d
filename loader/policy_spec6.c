// SPDX-License-Identifier: Apache-2.0
/* IPv6 rules, cluster CIDRs and resolvers of an egress policy
 * (policy_spec.h). A port needs the address in brackets, as in a URL:
 * the colons of the address would be read as one. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_spec.h"

#define SYNTAX6 "expected ADDR6[/N][/tcp|/udp|/icmp] or [ADDR6[/N]]:PORT[-PORT][/tcp|/udp|/icmp]"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Two colons before any '/' (an IPv4 rule has at most one, before its
 * port), or a bracket. */
bool pol_is_ipv6(const char *s)
{
	int colons = 0;

	if (s[0] == '[')
		return true;
	for (; *s && *s != '/'; s++)
		colons += *s == ':';
	return colons >= 2;
}

static void mask6(union ateom_in6 *a, int plen)
{
	for (int i = 0; i < 16; i++) {
		int keep = plen - 8 * i;

		a->b[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

/* "/N" at *p, N 0..128: the length, or -1 (none: 128). */
static int take_plen(const char **p, const char *flag, const char *s, long *plen, char *err,
		     size_t errlen)
{
	if (**p != '/' || (*p)[1] < '0' || (*p)[1] > '9')
		return 0;
	(*p)++;
	*plen = pol_take_dec(p, 128);
	if (*plen < 0)
		return fail(err, errlen, "%s \"%s\": prefix length must be 0..128", flag, s);
	return 0;
}

int pol_parse_rule6(const char *s, const char *flag, uint8_t action, struct ateom_rule6 *r,
		    char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN];
	const char *p = s, *end;
	bool bracket = s[0] == '[';
	union ateom_in6 masked;
	long plen = -1;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (strlen(s) > 96)
		return fail(err, errlen, "%s: rule too long (%s)", flag, SYNTAX6);
	if (bracket)
		p++;
	end = p + strcspn(p, bracket ? "/]" : "/");
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(addr))
		return fail(err, errlen, "%s \"%s\": %s", flag, s, SYNTAX6);
	memcpy(addr, p, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET6, addr, &r->addr) != 1)
		return fail(err, errlen, "%s \"%s\": \"%s\" is not an IPv6 address (%s)", flag, s,
			    addr, SYNTAX6);
	p = end;
	if (take_plen(&p, flag, s, &plen, err, errlen))
		return -1;
	if (bracket) {
		if (*p != ']')
			return fail(err, errlen, "%s \"%s\": no closing bracket (%s)", flag, s,
				    SYNTAX6);
		p++;
		if (plen < 0 && take_plen(&p, flag, s, &plen, err, errlen))
			return -1;
		if (*p && *p != ':' && *p != '/')
			return fail(err, errlen, "%s \"%s\": %s", flag, s, SYNTAX6);
	} else if (*p == ':') {
		return fail(err, errlen, "%s \"%s\": a port needs the address in brackets "
			    "([ADDR6]:PORT)", flag, s);
	}
	if (plen < 0)
		plen = 128;
	masked = r->addr;
	mask6(&masked, (int)plen);
	if (memcmp(&masked, &r->addr, sizeof(masked)))
		return fail(err, errlen, "%s \"%s\": address has bits set past /%ld", flag, s,
			    plen);
	if (pol_parse_tail(p, s, flag, &r->proto, &r->port_lo, &r->port_hi, err, errlen))
		return -1;
	r->plen = (uint8_t)plen;
	r->action = action;
	return 0;
}

static bool same_rule6(const struct ateom_rule6 *a, const struct ateom_rule6 *b)
{
	return !memcmp(&a->addr, &b->addr, sizeof(a->addr)) && a->plen == b->plen &&
	       a->proto == b->proto && a->port_lo == b->port_lo && a->port_hi == b->port_hi;
}

int pol_add_rule6(struct pol_spec *p, const char *s, uint8_t action, char *err, size_t errlen)
{
	const char *flag = action == ATEOM_RULE_ALLOW ? "--allow" : "--deny";
	struct ateom_rule6 r;

	if (pol_parse_rule6(s, flag, action, &r, err, errlen))
		return -1;
	for (int i = 0; i < p->n_rules6; i++)
		if (same_rule6(&p->rules6[i], &r))
			return fail(err, errlen, "%s \"%s\": the same destination is already "
				    "given (as %s)", flag, s,
				    p->rules6[i].action == ATEOM_RULE_ALLOW ? "--allow" : "--deny");
	if (p->n_rules + p->n_rules6 >= ATEOM_POL_MAX_RULES)
		return fail(err, errlen, "%s \"%s\": at most %d rules (--allow and --deny, "
			    "both families) per actor", flag, s, ATEOM_POL_MAX_RULES);
	p->rules6[p->n_rules6++] = r;
	return 0;
}

int pol_add_cluster6(struct pol_spec *p, const char *s, char *err, size_t errlen)
{
	struct ateom_rule6 r;

	if (pol_parse_rule6(s, "--cluster-cidr", ATEOM_RULE_ALWAYS, &r, err, errlen))
		return -1;
	if (r.proto || r.port_hi)
		return fail(err, errlen, "--cluster-cidr \"%s\": a CIDR only (no port or "
			    "protocol)", s);
	if (p->n_cluster6 == ATEOM_POL_MAX_CLUSTER)
		return fail(err, errlen, "--cluster-cidr \"%s\": at most %d IPv6 ones", s,
			    ATEOM_POL_MAX_CLUSTER);
	p->cluster6[p->n_cluster6++] = r;
	return 0;
}

int pol_add_resolver6(struct pol_spec *p, const char *s, char *err, size_t errlen)
{
	union ateom_in6 a;

	if (strlen(s) >= INET6_ADDRSTRLEN || inet_pton(AF_INET6, s, &a) != 1)
		return fail(err, errlen, "--resolver \"%.48s\": expected an address A.B.C.D or an "
			    "IPv6 address", s);
	for (int i = 0; i < p->n_resolvers6; i++)
		if (!memcmp(&p->resolvers6[i], &a, sizeof(a)))
			return fail(err, errlen, "--resolver %s given twice", s);
	if (p->n_resolvers6 == ATEOM_POL_MAX_RESOLVERS)
		return fail(err, errlen, "--resolver %s: at most %d IPv6 resolvers", s,
			    ATEOM_POL_MAX_RESOLVERS);
	p->resolvers6[p->n_resolvers6++] = a;
	return 0;
}

/* The IPv6 always-deny set (deny and capture mode; README "Egress
 * control", NOTES "IPv6 policy"). */
static const struct { const char *addr; uint8_t plen; } always6[POL_ALWAYS6] = {
	{ "::1", 128 },            /* loopback */
	{ "::", 128 },             /* unspecified */
	{ "fe80::", 10 },          /* link-local */
	{ "ff00::", 8 },           /* multicast */
	{ "::ffff:0:0", 96 },      /* IPv4-mapped: never a destination on the wire */
	{ "fd00:169:254::", 48 },  /* the actor link (--worker-addr6's default) */
	{ "fd00:ec2::254", 128 },  /* AWS instance metadata over IPv6 */
	{ "fd20:ce::254", 128 },   /* GCE metadata over IPv6 */
};

int pol_all_rules6(const struct pol_spec *p, struct ateom_rule6 *out)
{
	int n = 0;

	for (int i = 0; i < p->n_rules6; i++)
		out[n++] = p->rules6[i];
	if (p->mode == ATEOM_EGRESS_ALLOW)
		return n;
	for (int i = 0; i < p->n_cluster6; i++)
		out[n++] = p->cluster6[i];
	if (p->no_always_deny)
		return n;
	for (size_t i = 0; i < POL_ALWAYS6; i++) {
		struct ateom_rule6 r = { .plen = always6[i].plen, .action = ATEOM_RULE_ALWAYS };

		inet_pton(AF_INET6, always6[i].addr, &r.addr);
		out[n++] = r;
	}
	return n;
}

bool pol_rule6_contains(const struct ateom_rule6 *outer, const struct ateom_rule6 *inner)
{
	union ateom_in6 m = inner->addr;

	if (outer->plen > inner->plen)
		return false;
	mask6(&m, outer->plen);
	return !memcmp(&m, &outer->addr, sizeof(m));
}

void pol_rule6_text(const struct ateom_rule6 *r, char *buf, size_t len)
{
	static const char *act[] = { "-", "allow", "deny", "always-deny" };
	char ip[INET6_ADDRSTRLEN], ports[16] = "";
	const char *proto = r->proto == IPPROTO_TCP ? "/tcp" : r->proto == IPPROTO_UDP ? "/udp"
			  : r->proto == IPPROTO_ICMP ? "/icmp" : "";

	inet_ntop(AF_INET6, &r->addr, ip, sizeof(ip));
	if (r->port_hi && r->port_hi != r->port_lo)
		snprintf(ports, sizeof(ports), ":%u-%u", r->port_lo, r->port_hi);
	else if (r->port_hi)
		snprintf(ports, sizeof(ports), ":%u", r->port_lo);
	if (ports[0])
		snprintf(buf, len, "%s [%s]/%u%s%s", act[r->action < 4 ? r->action : 0], ip,
			 r->plen, ports, proto);
	else
		snprintf(buf, len, "%s %s/%u%s", act[r->action < 4 ? r->action : 0], ip, r->plen,
			 proto);
}
