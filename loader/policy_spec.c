// SPDX-License-Identifier: Apache-2.0
/* Parsing of egress policies (policy_spec.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_spec.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Decimal, no sign or leading zero; *s advanced. -1 bad, else value. */
static long take_dec(const char **s, long max)
{
	const char *p = *s;
	long v = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > max)
			return -1;
	}
	*s = p;
	return v;
}

static int take_addr(const char **s, uint32_t *ip)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		long o = take_dec(s, 255);

		if (o < 0 || (i < 3 && *(*s)++ != '.'))
			return -1;
		v = v << 8 | (uint32_t)o;
	}
	*ip = v;
	return 0;
}

static uint32_t mask_of(int plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

int pol_parse_tail(const char *p, const char *s, const char *flag, uint8_t *proto, uint16_t *lo_out,
		   uint16_t *hi_out, char *err, size_t errlen)
{
	long lo = 0, hi = 0;

	*proto = 0;
	if (*p == ':') {
		p++;
		lo = hi = take_dec(&p, 65535);
		if (lo > 0 && *p == '-') {
			p++;
			hi = take_dec(&p, 65535);
		}
		if (lo <= 0 || hi <= 0)
			return fail(err, errlen, "%s \"%s\": ports must be 1..65535 (PORT or "
				    "PORT-PORT)", flag, s);
		if (hi < lo)
			return fail(err, errlen, "%s \"%s\": port range runs backwards", flag, s);
	}
	if (*p == '/') {
		p++;
		if (!strcmp(p, "tcp"))
			*proto = IPPROTO_TCP;
		else if (!strcmp(p, "udp"))
			*proto = IPPROTO_UDP;
		else if (!strcmp(p, "icmp"))
			*proto = IPPROTO_ICMP;
		else
			return fail(err, errlen, "%s \"%s\": protocol must be tcp, udp or icmp",
				    flag, s);
		p += strlen(p);
	}
	if (*p)
		return fail(err, errlen, "%s \"%s\": %s", flag, s, POL_RULE_SYNTAX);
	if (*proto == IPPROTO_ICMP && hi)
		return fail(err, errlen, "%s \"%s\": ICMP has no ports", flag, s);
	*lo_out = (uint16_t)lo;
	*hi_out = (uint16_t)hi;
	return 0;
}

long pol_take_dec(const char **s, long max)
{
	return take_dec(s, max);
}

int pol_parse_rule(const char *s, const char *flag, uint8_t action, struct ateom_rule *r,
		   char *err, size_t errlen)
{
	static const char *syntax = POL_RULE_SYNTAX;
	const char *p = s;
	uint32_t ip;
	long plen = 32;
	uint16_t lo = 0, hi = 0;

	memset(r, 0, sizeof(*r));
	if (strlen(s) > 48)
		return fail(err, errlen, "%s: rule too long (%s)", flag, syntax);
	if (take_addr(&p, &ip))
		return fail(err, errlen, "%s \"%s\": %s, the address as A.B.C.D", flag, s, syntax);
	if (*p == '/' && p[1] >= '0' && p[1] <= '9') {
		p++;
		plen = take_dec(&p, 32);
		if (plen < 0)
			return fail(err, errlen, "%s \"%s\": prefix length must be 0..32", flag, s);
	}
	if (ip & ~mask_of((int)plen))
		return fail(err, errlen, "%s \"%s\": address has bits set past /%ld", flag, s,
			    plen);
	if (pol_parse_tail(p, s, flag, &r->proto, &lo, &hi, err, errlen))
		return -1;
	r->addr_be = htonl(ip);
	r->plen = (uint8_t)plen;
	r->action = action;
	r->port_lo = (uint16_t)lo;
	r->port_hi = (uint16_t)hi;
	return 0;
}

int pol_parse_mode(const char *s, uint8_t *mode, char *err, size_t errlen)
{
	if (!strcmp(s, "allow"))
		*mode = ATEOM_EGRESS_ALLOW;
	else if (!strcmp(s, "deny"))
		*mode = ATEOM_EGRESS_DENY;
	else if (!strcmp(s, "capture"))
		*mode = ATEOM_EGRESS_CAPTURE;
	else
		return fail(err, errlen, "--egress-mode \"%.32s\": must be allow, deny or capture",
			    s);
	return 0;
}

static bool same_rule(const struct ateom_rule *a, const struct ateom_rule *b)
{
	return a->addr_be == b->addr_be && a->plen == b->plen && a->proto == b->proto &&
	       a->port_lo == b->port_lo && a->port_hi == b->port_hi;
}

int pol_add_rule(struct pol_spec *p, const char *s, uint8_t action, char *err, size_t errlen)
{
	const char *flag = action == ATEOM_RULE_ALLOW ? "--allow" : "--deny";
	struct ateom_rule r;

	if (pol_is_ipv6(s))
		return pol_add_rule6(p, s, action, err, errlen);
	if (pol_parse_rule(s, flag, action, &r, err, errlen))
		return -1;
	for (int i = 0; i < p->n_rules; i++)
		if (same_rule(&p->rules[i], &r))
			return fail(err, errlen, "%s \"%s\": the same destination is already "
				    "given (as %s)", flag, s,
				    p->rules[i].action == ATEOM_RULE_ALLOW ? "--allow" : "--deny");
	if (p->n_rules + p->n_rules6 >= ATEOM_POL_MAX_RULES)
		return fail(err, errlen, "%s \"%s\": at most %d rules (--allow and --deny, "
			    "both families) per actor", flag, s, ATEOM_POL_MAX_RULES);
	p->rules[p->n_rules++] = r;
	return 0;
}

int pol_add_cluster(struct pol_spec *p, const char *s, char *err, size_t errlen)
{
	struct ateom_rule r;

	if (pol_is_ipv6(s))
		return pol_add_cluster6(p, s, err, errlen);
	if (pol_parse_rule(s, "--cluster-cidr", ATEOM_RULE_ALWAYS, &r, err, errlen))
		return -1;
	if (r.proto || r.port_hi)
		return fail(err, errlen, "--cluster-cidr \"%s\": a CIDR only (no port or "
			    "protocol)", s);
	if (p->n_cluster == ATEOM_POL_MAX_CLUSTER)
		return fail(err, errlen, "--cluster-cidr \"%s\": at most %d", s,
			    ATEOM_POL_MAX_CLUSTER);
	p->cluster[p->n_cluster++] = r;
	return 0;
}

int pol_add_resolver(struct pol_spec *p, const char *s, char *err, size_t errlen)
{
	const char *q = s;
	uint32_t ip;

	if (strchr(s, ':'))
		return pol_add_resolver6(p, s, err, errlen);
	if (take_addr(&q, &ip) || *q)
		return fail(err, errlen, "--resolver \"%.32s\": expected an address A.B.C.D or an "
			    "IPv6 address", s);
	for (int i = 0; i < p->n_resolvers; i++)
		if (p->resolvers_be[i] == htonl(ip))
			return fail(err, errlen, "--resolver %s given twice", s);
	if (p->n_resolvers == ATEOM_POL_MAX_RESOLVERS)
		return fail(err, errlen, "--resolver %s: at most %d resolvers", s,
			    ATEOM_POL_MAX_RESOLVERS);
	p->resolvers_be[p->n_resolvers++] = htonl(ip);
	return 0;
}

int pol_finish(struct pol_spec *p, char *err, size_t errlen)
{
	bool allow = p->mode == ATEOM_EGRESS_ALLOW;

	bool allow_rule = false;

	for (int i = 0; i < p->n_rules; i++)
		allow_rule |= p->rules[i].action == ATEOM_RULE_ALLOW;
	for (int i = 0; i < p->n_rules6; i++)
		allow_rule |= p->rules6[i].action == ATEOM_RULE_ALLOW;
	if (allow && allow_rule)
		return fail(err, errlen, "--allow has no effect with --egress-mode allow "
			    "(everything is allowed; use --deny)");
	if (allow && (p->n_resolvers || p->n_cluster || p->no_always_deny || p->n_resolvers6 ||
		      p->n_cluster6))
		return fail(err, errlen, "--resolver, --cluster-cidr and --always-deny need "
			    "--egress-mode deny or capture");
	if (p->mode != ATEOM_EGRESS_CAPTURE && (p->port_given || p->icmp_echo))
		return fail(err, errlen, "--capture-port and --icmp-echo need --egress-mode "
			    "capture");
	if (!p->capture_port)
		p->capture_port = ATEOM_POL_CAPTURE_PORT;
	return 0;
}

bool pol_active(const struct pol_spec *p)
{
	return p->mode != ATEOM_EGRESS_ALLOW || p->n_rules > 0 || p->n_rules6 > 0;
}

int pol_all_rules(const struct pol_spec *p, struct ateom_rule *out)
{
	static const struct { uint32_t ip; uint8_t plen; } always[] = {
		{ 0xa9fe0000u, 16 }, /* 169.254.0.0/16: link-local, metadata */
		{ 0x7f000000u, 8 },  /* 127.0.0.0/8 */
		{ 0x64400000u, 10 }, /* 100.64.0.0/10: carrier-grade NAT */
	};
	int n = 0;

	for (int i = 0; i < p->n_rules; i++)
		out[n++] = p->rules[i];
	if (p->mode == ATEOM_EGRESS_ALLOW)
		return n;
	for (int i = 0; i < p->n_cluster; i++)
		out[n++] = p->cluster[i];
	if (p->no_always_deny)
		return n;
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		out[n++] = (struct ateom_rule){ .addr_be = htonl(always[i].ip),
						.plen = always[i].plen,
						.action = ATEOM_RULE_ALWAYS };
	return n;
}

void pol_rule_text(const struct ateom_rule *r, char *buf, size_t len)
{
	static const char *act[] = { "-", "allow", "deny", "always-deny" };
	char ip[INET_ADDRSTRLEN], ports[16] = "";
	const char *proto = r->proto == IPPROTO_TCP ? "/tcp" : r->proto == IPPROTO_UDP ? "/udp"
			  : r->proto == IPPROTO_ICMP ? "/icmp" : "";

	inet_ntop(AF_INET, &r->addr_be, ip, sizeof(ip));
	if (r->port_hi && r->port_hi != r->port_lo)
		snprintf(ports, sizeof(ports), ":%u-%u", r->port_lo, r->port_hi);
	else if (r->port_hi)
		snprintf(ports, sizeof(ports), ":%u", r->port_lo);
	snprintf(buf, len, "%s %s/%u%s%s", act[r->action < 4 ? r->action : 0], ip, r->plen, ports,
		 proto);
}

const char *pol_mode_name(uint8_t mode)
{
	return mode == ATEOM_EGRESS_DENY ? "deny" : mode == ATEOM_EGRESS_CAPTURE ? "capture"
									      : "allow";
}
