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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
