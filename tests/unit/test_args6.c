// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the actor link's IPv6 flags (loader/args6.c, through
 * ateom_parse_args) and the choice of the pod's IPv6 address
 * (nl_addr6_rank, loader/nl_addr6.c). Table-driven as test_args.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <cmocka.h>

#include "args.h"
#include "netlink.h"

#define ERRLEN 512
#define UP "up", "--actor", "a", "--netns", "/run/netns/x"

static union ateom_in6 in6(const char *s)
{
	union ateom_in6 a;

	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static void assert_in6(const union ateom_in6 *got, const char *want)
{
	union ateom_in6 w = in6(want);

	if (memcmp(got->b, w.b, 16)) {
		char s[INET6_ADDRSTRLEN];

		fail_msg("address %s, want %s", inet_ntop(AF_INET6, got->b, s, sizeof(s)), want);
	}
}

struct case6 {
	const char *name;
	const char *argv[16];
	const char *err;      /* NULL: parses; else a substring of the one-line error */
	void (*check)(const struct ateom_args *a);
};

static void check_defaults(const struct ateom_args *a)
{
	assert_in6(&a->worker_ip6, "fd00:169:254::1");
	assert_in6(&a->actor_ip6, "fd00:169:254::2");
	assert_int_equal(a->prefix6, 126);
	assert_false(a->no_ipv6);
}

static void check_given(const struct ateom_args *a)
{
	assert_in6(&a->worker_ip6, "2001:db8:7::1");
	assert_in6(&a->actor_ip6, "2001:db8:7::ff");
	assert_int_equal(a->prefix6, 64);
}

static void check_no_ipv6(const struct ateom_args *a)
{
	union ateom_in6 zero = { .b = { 0 } };

	assert_true(a->no_ipv6);
	assert_memory_equal(a->worker_ip6.b, zero.b, 16);
	assert_memory_equal(a->actor_ip6.b, zero.b, 16);
	assert_int_equal(a->prefix6, 0);
}

static void check_125(const struct ateom_args *a)
{
	assert_int_equal(a->prefix6, 125);
	assert_in6(&a->actor_ip6, "fd00::7");
}

static const struct case6 cases[] = {
	{ "defaults", { UP }, NULL, check_defaults },
	{ "both given", { UP, "--worker-addr6", "2001:db8:7::1/64", "--actor-addr6",
			  "2001:db8:7::ff/64" }, NULL, check_given },
	{ "= form", { UP, "--worker-addr6=2001:db8:7::1/64", "--actor-addr6=2001:db8:7::ff/64" },
	  NULL, check_given },
	{ "/125, last host", { UP, "--worker-addr6", "fd00::1/125", "--actor-addr6", "fd00::7/125" },
	  NULL, check_125 },
	{ "--no-ipv6", { UP, "--no-ipv6" }, NULL, check_no_ipv6 },
	{ "--no-ipv6 twice", { UP, "--no-ipv6", "--no-ipv6" }, "--no-ipv6 given twice", NULL },
	{ "--no-ipv6 with a value", { UP, "--no-ipv6=1" }, "--no-ipv6 takes no value", NULL },
	{ "--no-ipv6 and --worker-addr6", { UP, "--no-ipv6", "--worker-addr6", "fd00:169:254::1/126" },
	  "--no-ipv6 and --worker-addr6 contradict each other", NULL },
	{ "--actor-addr6 and --no-ipv6", { UP, "--actor-addr6", "fd00:169:254::2/126", "--no-ipv6" },
	  "--no-ipv6 and --actor-addr6 contradict each other", NULL },
	{ "not for down", { "down", "--actor", "a", "--no-ipv6" },
	  "--no-ipv6 is not valid for \"down\"", NULL },
	{ "not for prepare", { "prepare", "--worker-addr6", "fd00::1/126" },
	  "--worker-addr6 is not valid for \"prepare\"", NULL },
	{ "twice", { UP, "--actor-addr6", "fd00:169:254::2/126", "--actor-addr6",
		     "fd00:169:254::2/126" }, "--actor-addr6 given twice", NULL },
	{ "no prefix", { UP, "--actor-addr6", "fd00:169:254::2" },
	  "--actor-addr6 \"fd00:169:254::2\": needs a prefix length", NULL },
	{ "IPv4", { UP, "--actor-addr6", "10.200.0.2/30" }, "not an IPv6 address", NULL },
	{ "garbage", { UP, "--worker-addr6", "fd00::g/126" }, "not an IPv6 address", NULL },
	{ "empty", { UP, "--worker-addr6=" }, "expected an IPv6 ADDR/N", NULL },
	{ "zone", { UP, "--actor-addr6", "fe80::2%eth0/126" }, "not an IPv6 address", NULL },
	{ "prefix 0", { UP, "--actor-addr6", "fd00:169:254::2/0" }, "must be 1..128", NULL },
	{ "prefix 129", { UP, "--actor-addr6", "fd00:169:254::2/129" }, "must be 1..128", NULL },
	{ "prefix leading zero", { UP, "--actor-addr6", "fd00:169:254::2/0126" },
	  "must be a decimal number", NULL },
	{ "prefix sign", { UP, "--actor-addr6", "fd00:169:254::2/+126" },
	  "must be a decimal number", NULL },
	{ "prefix empty", { UP, "--actor-addr6", "fd00:169:254::2/" },
	  "must be a decimal number", NULL },
	{ "quote escaped", { UP, "--actor-addr6", "\"x\n" }, "\"?x?\"", NULL },
	{ "/127", { UP, "--worker-addr6", "fd00::1/127", "--actor-addr6", "fd00::0/127" },
	  "--worker-addr6 \"fd00::1/127\": prefix must be /64../126", NULL },
	{ "/63", { UP, "--worker-addr6", "fd00::1/63", "--actor-addr6", "fd00::2/63" },
	  "prefix must be /64../126", NULL },
	{ "lengths differ", { UP, "--actor-addr6", "fd00:169:254::2/120" },
	  "\"fd00:169:254::1/126\" and --actor-addr6 \"fd00:169:254::2/120\" must have the "
	  "same prefix length", NULL },
	{ "two prefixes", { UP, "--actor-addr6", "fd00:169:254::6/126" },
	  "are not in the same /126 prefix", NULL },
	{ "same address", { UP, "--worker-addr6", "fd00:169:254::2/126" },
	  "--worker-addr6 and --actor-addr6 are both \"fd00:169:254::2\"", NULL },
	{ "anycast worker", { UP, "--worker-addr6", "fd00:169:254::/126" },
	  "--worker-addr6 \"fd00:169:254::/126\": is the subnet-router anycast", NULL },
	{ "anycast actor /64", { UP, "--worker-addr6", "2001:db8::1/64", "--actor-addr6",
				 "2001:db8::/64" }, "--actor-addr6 \"2001:db8::/64\": is the "
	  "subnet-router anycast", NULL },
	{ "link-local", { UP, "--worker-addr6", "fe80::1/126", "--actor-addr6", "fe80::2/126" },
	  "a link-local address", NULL },
	{ "link-local febf", { UP, "--worker-addr6", "febf::1/126", "--actor-addr6", "febf::2/126" },
	  "a link-local address", NULL },
	{ "fec0 is not link-local", { UP, "--worker-addr6", "fec0::1/126", "--actor-addr6",
				      "fec0::2/126" }, NULL, NULL },
	{ "multicast", { UP, "--actor-addr6", "ff02::2/126", "--worker-addr6", "ff02::1/126" },
	  "--worker-addr6 \"ff02::1/126\": not a unicast host address: a multicast", NULL },
	{ "v4-mapped", { UP, "--worker-addr6", "::ffff:10.0.0.1/126", "--actor-addr6",
			 "::ffff:10.0.0.2/126" }, "IPv4-mapped", NULL },
	{ "loopback", { UP, "--worker-addr6", "::1/126", "--actor-addr6", "::2/126" },
	  "in ::/96", NULL },
	{ "v4-compatible", { UP, "--worker-addr6", "::10.0.0.1/126", "--actor-addr6",
			     "::10.0.0.2/126" }, "in ::/96", NULL },
};

static void run_case(void **state)
{
	const struct case6 *c = *state;
	char *argv[18] = { "ateomnet" };
	char err[ERRLEN];
	struct ateom_args a;
	int argc = 1, rc;

	while (c->argv[argc - 1])
		argv[argc] = (char *)c->argv[argc - 1], argc++;
	memset(&a, 0xa5, sizeof(a));
	memset(err, 'x', sizeof(err));
	rc = ateom_parse_args(argc, argv, &a, err, sizeof(err));
	if (!c->err) {
		if (rc)
			fail_msg("refused: %s", err);
		if (c->check)
			c->check(&a);
		return;
	}
	assert_int_equal(rc, -1);
	assert_true(strlen(err) < ERRLEN);
	assert_null(strchr(err, '\n'));
	if (!strstr(err, c->err))
		fail_msg("error \"%s\" lacks \"%s\"", err, c->err);
}

/* The defaults in ateomnet.h are a valid pair. */
static void test_defaults_valid(void **state)
{
	union ateom_in6 w, a;
	char err[ERRLEN] = "";
	int wp, ap;

	(void)state;
	assert_int_equal(ateom_parse_cidr6(ATEOM_DEFAULT_WORKER_ADDR6, &w, &wp, err, sizeof(err)), 0);
	assert_int_equal(ateom_parse_cidr6(ATEOM_DEFAULT_ACTOR_ADDR6, &a, &ap, err, sizeof(err)), 0);
	assert_int_equal(ateom_valid_addr6_pair(&w, wp, &a, ap, err, sizeof(err)), 0);
}

/* ---- the pod's address ---------------------------------------------------- */

struct rank_case {
	const char *addr;
	uint32_t flags;
	uint8_t scope;
	int rank;
};

static const struct rank_case ranks[] = {
	{ "2001:db8::1", IFA_F_PERMANENT, RT_SCOPE_UNIVERSE, 8 },
	{ "2001:db8::1", 0, RT_SCOPE_UNIVERSE, 7 },              /* SLAAC */
	{ "fd00::1", IFA_F_PERMANENT, RT_SCOPE_UNIVERSE, 6 },    /* ULA */
	{ "fc00::1", 0, RT_SCOPE_UNIVERSE, 5 },
	{ "2001:db8::1", IFA_F_TEMPORARY, RT_SCOPE_UNIVERSE, 3 },
	{ "fd00::1", IFA_F_TEMPORARY, RT_SCOPE_UNIVERSE, 1 },
	{ "2001:db8::1", IFA_F_PERMANENT | IFA_F_NODAD, RT_SCOPE_UNIVERSE, 8 },
	{ "2001:db8::1", IFA_F_PERMANENT | IFA_F_TENTATIVE, RT_SCOPE_UNIVERSE, 0 },
	{ "2001:db8::1", IFA_F_OPTIMISTIC, RT_SCOPE_UNIVERSE, 0 },
	{ "2001:db8::1", IFA_F_DADFAILED, RT_SCOPE_UNIVERSE, 0 },
	{ "2001:db8::1", IFA_F_PERMANENT | IFA_F_DEPRECATED, RT_SCOPE_UNIVERSE, 0 },
	{ "fe80::1", IFA_F_PERMANENT, RT_SCOPE_LINK, 0 },
	{ "fe80::1", IFA_F_PERMANENT, RT_SCOPE_UNIVERSE, 0 },    /* whatever the scope says */
	{ "::1", IFA_F_PERMANENT, RT_SCOPE_HOST, 0 },
	{ "ff0e::1", IFA_F_PERMANENT, RT_SCOPE_UNIVERSE, 0 },
	{ "2001:db8::1", IFA_F_PERMANENT, RT_SCOPE_SITE, 0 },
};

static void run_rank(void **state)
{
	const struct rank_case *c = *state;
	union ateom_in6 a = in6(c->addr);

	assert_int_equal(nl_addr6_rank(a.b, c->flags, c->scope), c->rank);
}

static char *name_of(const char *prefix, const char *what, int i)
{
	char *s;

	if (asprintf(&s, "%s %d \"%s\"", prefix, i, what) < 0)
		abort();
	return s;
}

#define N(t) (sizeof(t) / sizeof((t)[0]))

int main(void)
{
	struct CMUnitTest tests[N(cases) + N(ranks) + 1];
	size_t n = 0, i;
	int rc;

	for (i = 0; i < N(cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = name_of("parse6", cases[i].name, i),
						  .test_func = run_case,
						  .initial_state = (void *)&cases[i] };
	for (i = 0; i < N(ranks); i++)
		tests[n++] = (struct CMUnitTest){ .name = name_of("rank", ranks[i].addr, i),
						  .test_func = run_rank,
						  .initial_state = (void *)&ranks[i] };
	tests[n++] = (struct CMUnitTest){ .name = strdup("defaults valid"),
					  .test_func = test_defaults_valid };
	rc = _cmocka_run_group_tests("args6", tests, n, NULL, NULL);
	for (i = 0; i < n; i++)
		free((char *)tests[i].name);
	return rc;
}
