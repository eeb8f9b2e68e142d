// SPDX-License-Identifier: Apache-2.0
/* Egress policy rules and flags (loader/policy_spec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "policy_spec.h"

static void rule_ok(const char *s, const char *want)
{
	struct ateom_rule r;
	char err[256], txt[80];

	assert_int_equal(pol_parse_rule(s, "--allow", ATEOM_RULE_ALLOW, &r, err, sizeof(err)), 0);
	pol_rule_text(&r, txt, sizeof(txt));
	assert_string_equal(txt, want);
}

static void rule_bad(const char *s, const char *why)
{
	struct ateom_rule r;
	char err[256];

	assert_int_equal(pol_parse_rule(s, "--deny", ATEOM_RULE_DENY, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, why));
}

static void test_rules(void **state)
{
	rule_ok("10.0.0.0/8", "allow 10.0.0.0/8");
	rule_ok("203.0.113.10", "allow 203.0.113.10/32");
	rule_ok("203.0.113.0/24:443/tcp", "allow 203.0.113.0/24:443/tcp");
	rule_ok("0.0.0.0/0:1000-2000/udp", "allow 0.0.0.0/0:1000-2000/udp");
	rule_ok("198.51.100.7/icmp", "allow 198.51.100.7/32/icmp");
	rule_bad("10.0.0.1/8", "bits set past /8");
	rule_bad("10.0.0.0/33", "prefix length");
	rule_bad("10.0.0.0/8:0", "1..65535");
	rule_bad("10.0.0.0/8:20-10", "backwards");
	rule_bad("10.0.0.0/8:53/sctp", "tcp, udp or icmp");
	rule_bad("10.0.0.0/8:53/icmp", "ICMP has no ports");
	rule_bad("10.1", "A.B.C.D");
	rule_bad("010.0.0.0/8", "A.B.C.D");
}

static void test_spec(void **state)
{
	static struct pol_spec p;
	char err[256];
	char rule[32];

	memset(&p, 0, sizeof(p));
	assert_int_equal(pol_add_rule(&p, "10.0.0.0/8", ATEOM_RULE_ALLOW, err, sizeof(err)), 0);
	assert_int_equal(pol_add_rule(&p, "10.0.0.0/8", ATEOM_RULE_DENY, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already given"));
	/* allow rules mean nothing in allow mode */
	assert_int_equal(pol_finish(&p, err, sizeof(err)), -1);
	p.mode = ATEOM_EGRESS_DENY;
	assert_int_equal(pol_finish(&p, err, sizeof(err)), 0);
	assert_int_equal(p.capture_port, ATEOM_POL_CAPTURE_PORT);
	p.port_given = true;
	assert_int_equal(pol_finish(&p, err, sizeof(err)), -1);
	for (int i = 1; i < ATEOM_POL_MAX_RULES; i++) {
		snprintf(rule, sizeof(rule), "10.1.%d.0/24", i);
		assert_int_equal(pol_add_rule(&p, rule, ATEOM_RULE_DENY, err, sizeof(err)), 0);
	}
	assert_int_equal(pol_add_rule(&p, "192.0.2.0/24", ATEOM_RULE_DENY, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 64 rules"));
	/* deny mode: the always-deny set joins the rules */
	struct ateom_rule all[POL_ALL_RULES];
	assert_int_equal(pol_all_rules(&p, all), ATEOM_POL_MAX_RULES + 3);
	p.no_always_deny = true;
	assert_int_equal(pol_all_rules(&p, all), ATEOM_POL_MAX_RULES);
}

static void rule6_ok(const char *s, const char *want)
{
	static struct pol_spec p;
	char err[256], txt[96];

	memset(&p, 0, sizeof(p));
	assert_true(pol_is_ipv6(s));
	assert_int_equal(pol_add_rule(&p, s, ATEOM_RULE_DENY, err, sizeof(err)), 0);
	assert_int_equal(p.n_rules, 0);
	assert_int_equal(p.n_rules6, 1);
	pol_rule6_text(&p.rules6[0], txt, sizeof(txt));
	assert_string_equal(txt, want);
}

/* The refusal names the flag, the argument and why. */
static void rule6_bad(const char *s, const char *why)
{
	static struct pol_spec p;
	char err[256], quoted[128];

	memset(&p, 0, sizeof(p));
	assert_int_equal(pol_add_rule(&p, s, ATEOM_RULE_ALLOW, err, sizeof(err)), -1);
	snprintf(quoted, sizeof(quoted), "--allow \"%s\"", s);
	assert_non_null(strstr(err, quoted));
	if (!strstr(err, why))
		fail_msg("\"%s\": \"%s\" does not say \"%s\"", s, err, why);
}

static void test_rules6(void **state)
{
	rule6_ok("2001:db8::/32", "deny 2001:db8::/32");
	rule6_ok("2001:db8::1", "deny 2001:db8::1/128");
	rule6_ok("2001:db8::/32/tcp", "deny 2001:db8::/32/tcp");
	rule6_ok("[2001:db8::1]:443/tcp", "deny [2001:db8::1]/128:443/tcp");
	rule6_ok("[2001:db8::/48]:1000-2000/udp", "deny [2001:db8::]/48:1000-2000/udp");
	rule6_ok("[2001:db8::]/48:53", "deny [2001:db8::]/48:53");
	rule6_ok("::/0", "deny ::/0");
	rule6_ok("2001:DB8::7/icmp", "deny 2001:db8::7/128/icmp");
	rule6_bad("2001:db8::1/32", "bits set past /32");
	rule6_bad("2001:db8::/129", "0..128");
	rule6_bad("2001:db8::/32:443", "brackets");
	rule6_bad("[2001:db8::1:443", "closing bracket");
	rule6_bad("[2001:db8::1]:0", "1..65535");
	rule6_bad("[2001:db8::1]:9-8", "backwards");
	rule6_bad("[2001:db8::1]:53/sctp", "tcp, udp or icmp");
	rule6_bad("[2001:db8::1]:53/icmp", "ICMP has no ports");
	rule6_bad("2001:db8:::1", "not an IPv6 address");
	rule6_bad("[2001:db8::1]x", "expected");
	rule6_bad("[]:80", "expected");
	/* IPv4 rules are still IPv4 (one colon, before the port) */
	assert_false(pol_is_ipv6("10.0.0.0/8:22/tcp"));
	assert_false(pol_is_ipv6("10.0.0.1:22"));
}

static void test_spec6(void **state)
{
	static struct pol_spec p;
	struct ateom_rule6 all6[POL_ALL_RULES6];
	char err[256], rule[48];

	memset(&p, 0, sizeof(p));
	p.mode = ATEOM_EGRESS_DENY;
	assert_int_equal(pol_add_rule(&p, "2001:db8::/32", ATEOM_RULE_ALLOW, err, sizeof(err)), 0);
	assert_int_equal(pol_add_rule(&p, "2001:db8::/32", ATEOM_RULE_DENY, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already given (as --allow)"));
	/* the 64 rules are for both families together */
	for (int i = 1; i < ATEOM_POL_MAX_RULES; i++) {
		snprintf(rule, sizeof(rule), "10.1.%d.0/24", i);
		assert_int_equal(pol_add_rule(&p, rule, ATEOM_RULE_DENY, err, sizeof(err)), 0);
	}
	assert_int_equal(pol_add_rule(&p, "2001:db9::/32", ATEOM_RULE_DENY, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 64 rules"));
	assert_int_equal(pol_add_rule(&p, "192.0.2.0/24", ATEOM_RULE_DENY, err, sizeof(err)), -1);
	/* resolvers and cluster CIDRs of either family */
	assert_int_equal(pol_add_resolver(&p, "2001:db8::53", err, sizeof(err)), 0);
	assert_int_equal(pol_add_resolver(&p, "2001:db8::53", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "given twice"));
	assert_int_equal(pol_add_resolver(&p, "2001:db8::g", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--resolver \"2001:db8::g\""));
	assert_int_equal(pol_add_resolver(&p, "10.96.0.10", err, sizeof(err)), 0);
	assert_int_equal(p.n_resolvers6, 1);
	assert_int_equal(p.n_resolvers, 1);
	for (int i = 0; i < ATEOM_POL_MAX_RESOLVERS - 1; i++) {
		snprintf(rule, sizeof(rule), "2001:db8::%d", 100 + i);
		assert_int_equal(pol_add_resolver(&p, rule, err, sizeof(err)), 0);
	}
	assert_int_equal(pol_add_resolver(&p, "2001:db8::99", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 4 IPv6 resolvers"));
	assert_int_equal(pol_add_cluster(&p, "fd10::/48", err, sizeof(err)), 0);
	assert_int_equal(pol_add_cluster(&p, "[fd10::]/48:80", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a CIDR only"));
	assert_int_equal(p.n_cluster6, 1);
	assert_int_equal(pol_finish(&p, err, sizeof(err)), 0);
	/* deny mode: rules, then the cluster, then the IPv6 always-deny set */
	assert_int_equal(pol_all_rules6(&p, all6), 1 + 1 + POL_ALWAYS6);
	pol_rule6_text(&all6[1], rule, sizeof(rule));
	assert_string_equal(rule, "always-deny fd10::/48");
	pol_rule6_text(&all6[2 + 4], rule, sizeof(rule));
	assert_string_equal(rule, "always-deny ::ffff:0.0.0.0/96");
	p.no_always_deny = true;
	assert_int_equal(pol_all_rules6(&p, all6), 2);
	/* allow mode: IPv6 --allow, resolvers and cluster CIDRs mean nothing */
	memset(&p, 0, sizeof(p));
	assert_int_equal(pol_add_rule(&p, "2001:db8::/32", ATEOM_RULE_DENY, err, sizeof(err)), 0);
	assert_true(pol_active(&p));
	assert_int_equal(pol_finish(&p, err, sizeof(err)), 0);
	assert_int_equal(pol_all_rules6(&p, all6), 1);
	assert_int_equal(pol_add_resolver(&p, "2001:db8::53", err, sizeof(err)), 0);
	assert_int_equal(pol_finish(&p, err, sizeof(err)), -1);
	memset(&p, 0, sizeof(p));
	assert_int_equal(pol_add_rule(&p, "2001:db8::/32", ATEOM_RULE_ALLOW, err, sizeof(err)), 0);
	assert_int_equal(pol_finish(&p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--allow has no effect"));
}

/* Which prefix holds which: the trie's values are built with it. */
static void test_contains6(void **state)
{
	static struct pol_spec p;
	char err[256];

	memset(&p, 0, sizeof(p));
	assert_int_equal(pol_add_rule(&p, "2001:db8::/32", ATEOM_RULE_DENY, err, sizeof(err)), 0);
	assert_int_equal(pol_add_rule(&p, "2001:db8:8000::/33", ATEOM_RULE_DENY, err, sizeof(err)), 0);
	assert_int_equal(pol_add_rule(&p, "2001:db9::/32", ATEOM_RULE_DENY, err, sizeof(err)), 0);
	assert_int_equal(pol_add_rule(&p, "::/0", ATEOM_RULE_DENY, err, sizeof(err)), 0);
	assert_true(pol_rule6_contains(&p.rules6[0], &p.rules6[1]));
	assert_false(pol_rule6_contains(&p.rules6[1], &p.rules6[0]));
	assert_false(pol_rule6_contains(&p.rules6[0], &p.rules6[2]));
	assert_true(pol_rule6_contains(&p.rules6[3], &p.rules6[2]));
	assert_true(pol_rule6_contains(&p.rules6[0], &p.rules6[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_rules6),
		cmocka_unit_test(test_spec6),
		cmocka_unit_test(test_contains6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
