// SPDX-License-Identifier: Apache-2.0
/*
 * The actor link's IPv6 flags (--worker-addr6, --actor-addr6): parsing and
 * the pair check, as args.c does for the IPv4 pair. Pure functions.
 *
 * The rules (README "IPv6"): ADDR/PLEN with PLEN 64..126, both addresses in
 * one prefix, distinct, neither the prefix's all-zero host part (the
 * subnet-router anycast address, RFC 4291 2.6.1), and none of ::/96
 * (unspecified, loopback, IPv4-compatible), ::ffff:0:0/96 (IPv4-mapped),
 * fe80::/10 (link-local: the link has none on purpose) or ff00::/8
 * (multicast). /127 and /128 are refused as /31 and /32 are for IPv4: the
 * kernel's own anycast address takes the all-zero host part of a /127.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "args.h"

#define PLEN6_MIN 64
#define PLEN6_MAX 126

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

/* The user's text, cut and made printable for the one-line error. */
static const char *shown(char *buf, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (s[i] < 0x20 || s[i] == 0x7f || s[i] == '"') ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

int ateom_parse_cidr6(const char *s, union ateom_in6 *addr, int *prefixlen,
		      char *err, size_t errlen)
{
	char q[72], host[INET6_ADDRSTRLEN];
	const char *slash;
	size_t n, i;
	unsigned v = 0;

	s = s ? s : "";
	shown(q, sizeof(q), s);
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(host))
		return fail(err, errlen, "\"%s\": expected an IPv6 ADDR/N", q);
	memcpy(host, s, n);
	host[n] = '\0';
	/* inet_pton refuses zones ("%eth0") and IPv4 forms: what we want. */
	if (inet_pton(AF_INET6, host, addr->b) != 1)
		return fail(err, errlen, "\"%s\": not an IPv6 address (expected ADDR/N)", q);
	if (!slash)
		return fail(err, errlen, "\"%s\": needs a prefix length (ADDR/N)", q);
	n = strlen(slash + 1);
	for (i = 0; i < n; i++)
		if (slash[1 + i] < '0' || slash[1 + i] > '9')
			break;
	if (n == 0 || i != n || n > 3 || (n > 1 && slash[1] == '0'))
		return fail(err, errlen, "\"%s\": prefix length must be a decimal number "
			    "1..128", q);
	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(slash[1 + i] - '0');
	if (v < 1 || v > 128)
		return fail(err, errlen, "\"%s\": prefix length must be 1..128", q);
	*prefixlen = (int)v;
	return 0;
}

/* Bits [plen, 128) of a: all zero? */
static bool host_zero(const union ateom_in6 *a, int plen)
{
	for (int bit = plen; bit < 128; bit++)
		if (a->b[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static bool same_prefix(const union ateom_in6 *a, const union ateom_in6 *b, int plen)
{
	for (int bit = 0; bit < plen; bit++)
		if ((a->b[bit / 8] ^ b->b[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

/* NULL, or why the address cannot be one end of the link. */
static const char *not_unicast6(const union ateom_in6 *a)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const unsigned char zero[12];

	if (a->b[0] == 0xff)
		return "a multicast address (ff00::/8)";
	if (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80)
		return "a link-local address (fe80::/10; the actor link has none)";
	if (!memcmp(a->b, mapped, 12))
		return "an IPv4-mapped address (::ffff:0:0/96)";
	if (!memcmp(a->b, zero, 12))
		return "in ::/96 (unspecified, loopback, IPv4-compatible)";
	return NULL;
}

int ateom_valid_addr6_pair(const union ateom_in6 *worker, int worker_plen,
			   const union ateom_in6 *actor, int actor_plen,
			   char *err, size_t errlen)
{
	char ws[INET6_ADDRSTRLEN], as[INET6_ADDRSTRLEN];
	const char *why;

	inet_ntop(AF_INET6, worker->b, ws, sizeof(ws));
	inet_ntop(AF_INET6, actor->b, as, sizeof(as));
	if (worker_plen < PLEN6_MIN || worker_plen > PLEN6_MAX)
		return fail(err, errlen, "--worker-addr6 \"%s/%d\": prefix must be /64../126",
			    ws, worker_plen);
	if (actor_plen < PLEN6_MIN || actor_plen > PLEN6_MAX)
		return fail(err, errlen, "--actor-addr6 \"%s/%d\": prefix must be /64../126",
			    as, actor_plen);
	if (worker_plen != actor_plen)
		return fail(err, errlen, "--worker-addr6 \"%s/%d\" and --actor-addr6 \"%s/%d\" "
			    "must have the same prefix length", ws, worker_plen, as, actor_plen);
	if ((why = not_unicast6(worker)))
		return fail(err, errlen, "--worker-addr6 \"%s/%d\": not a unicast host "
			    "address: %s", ws, worker_plen, why);
	if ((why = not_unicast6(actor)))
		return fail(err, errlen, "--actor-addr6 \"%s/%d\": not a unicast host "
			    "address: %s", as, actor_plen, why);
	if (!same_prefix(worker, actor, worker_plen))
		return fail(err, errlen, "--worker-addr6 \"%s/%d\" and --actor-addr6 \"%s/%d\" "
			    "are not in the same /%d prefix", ws, worker_plen, as, actor_plen,
			    worker_plen);
	if (!memcmp(worker->b, actor->b, 16))
		return fail(err, errlen, "--worker-addr6 and --actor-addr6 are both \"%s\": "
			    "they must differ", ws);
	if (host_zero(worker, worker_plen))
		return fail(err, errlen, "--worker-addr6 \"%s/%d\": is the subnet-router "
			    "anycast address of its prefix (host part all zero)", ws, worker_plen);
	if (host_zero(actor, actor_plen))
		return fail(err, errlen, "--actor-addr6 \"%s/%d\": is the subnet-router "
			    "anycast address of its prefix (host part all zero)", as, actor_plen);
	return 0;
}

void ateom_args6_defaults(struct ateom_args *a)
{
	char buf[64];
	int plen;

	/* The defaults are valid by construction (a unit test says so). */
	snprintf(buf, sizeof(buf), "%s", ATEOM_DEFAULT_WORKER_ADDR6);
	ateom_parse_cidr6(buf, &a->worker_ip6, &a->prefix6, NULL, 0);
	snprintf(buf, sizeof(buf), "%s", ATEOM_DEFAULT_ACTOR_ADDR6);
	ateom_parse_cidr6(buf, &a->actor_ip6, &plen, NULL, 0);
	a->actor_prefix6 = plen;
	a->no_ipv6 = false;
}
