/* SPDX-License-Identifier: Apache-2.0 */
/* An actor's egress policy as given on the command line (`up`, `policy`):
 * parsed and checked here without syscalls, so every refusal is
 * unit-testable; written to the maps by policy.c. */
#ifndef ATEOMNET_POLICY_SPEC_H
#define ATEOMNET_POLICY_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ateomnet.h"

struct pol_spec {
	bool mode_given;
	uint8_t mode;                 /* enum ateom_egress_mode */
	struct ateom_rule rules[ATEOM_POL_MAX_RULES]; /* --allow and --deny */
	int n_rules;
	struct ateom_rule cluster[ATEOM_POL_MAX_CLUSTER]; /* --cluster-cidr */
	int n_cluster;
	uint32_t resolvers_be[ATEOM_POL_MAX_RESOLVERS];
	int n_resolvers;
	/* IPv6 (policy_spec6.c): rules count against the same 64; cluster
	 * CIDRs and resolvers have their own 8 and 4. */
	struct ateom_rule6 rules6[ATEOM_POL_MAX_RULES];
	int n_rules6;
	struct ateom_rule6 cluster6[ATEOM_POL_MAX_CLUSTER];
	int n_cluster6;
	union ateom_in6 resolvers6[ATEOM_POL_MAX_RESOLVERS];
	int n_resolvers6;
	uint16_t capture_port;        /* 0 = ATEOM_POL_CAPTURE_PORT */
	bool icmp_echo;               /* capture: ICMP echo allowed */
	bool no_always_deny;          /* --always-deny off */
	bool port_given;
};

/* CIDR[:PORT[-PORT]][/tcp|/udp|/icmp], CIDR = A.B.C.D[/N] (no host bits
 * past N). flag names the flag in the error line. IPv6 rules are parsed by
 * pol_parse_rule6; pol_add_* take either family. */
int pol_parse_rule(const char *s, const char *flag, uint8_t action, struct ateom_rule *r,
		   char *err, size_t errlen);
int pol_parse_mode(const char *s, uint8_t *mode, char *err, size_t errlen);
/* Adds a rule, refusing duplicates and more than the map holds. */
int pol_add_rule(struct pol_spec *p, const char *s, uint8_t action, char *err, size_t errlen);
int pol_add_cluster(struct pol_spec *p, const char *s, char *err, size_t errlen);
int pol_add_resolver(struct pol_spec *p, const char *s, char *err, size_t errlen);
/* Checks across flags once all are known (mode vs. the flags it uses). */
int pol_finish(struct pol_spec *p, char *err, size_t errlen);
/* Does the spec need the policy program (anything but plain allow)? */
bool pol_active(const struct pol_spec *p);

/* The rules in force for the spec: the user's, the cluster CIDRs and,
 * in deny and capture mode unless switched off, the always-deny set.
 * Returns how many (out has room for POL_ALL_RULES). */
#define POL_ALL_RULES (ATEOM_POL_MAX_RULES + ATEOM_POL_MAX_CLUSTER + 3)
int pol_all_rules(const struct pol_spec *p, struct ateom_rule *out);
/* The rule as text, as given: "deny 10.0.0.0/8:22/tcp". */
void pol_rule_text(const struct ateom_rule *r, char *buf, size_t len);
const char *pol_mode_name(uint8_t mode);

/* ---- IPv6 (policy_spec6.c) ---------------------------------------------
 * ADDR6[/N][/tcp|/udp|/icmp] or, with ports, [ADDR6[/N]]:PORT[-PORT][/...]
 * ([ADDR6]/N:PORT too); /icmp means ICMPv6. */
bool pol_is_ipv6(const char *s);
#define POL_RULE_SYNTAX "expected CIDR[:PORT[-PORT]][/tcp|/udp|/icmp]"
/* For both families: the rest of a rule after its CIDR, p into s:
 * [:PORT[-PORT]][/tcp|/udp|/icmp]; and a strict decimal (*s advanced;
 * -1 when bad or past max). */
int pol_parse_tail(const char *p, const char *s, const char *flag, uint8_t *proto, uint16_t *lo,
		   uint16_t *hi, char *err, size_t errlen);
long pol_take_dec(const char **s, long max);
int pol_parse_rule6(const char *s, const char *flag, uint8_t action, struct ateom_rule6 *r,
		    char *err, size_t errlen);
int pol_add_rule6(struct pol_spec *p, const char *s, uint8_t action, char *err, size_t errlen);
int pol_add_cluster6(struct pol_spec *p, const char *s, char *err, size_t errlen);
int pol_add_resolver6(struct pol_spec *p, const char *s, char *err, size_t errlen);
/* The IPv6 rules in force, as pol_all_rules: the user's, the IPv6 cluster
 * CIDRs and the IPv6 always-deny set (POL_ALWAYS6 prefixes). */
#define POL_ALWAYS6 8
#define POL_ALL_RULES6 (ATEOM_POL_MAX_RULES + ATEOM_POL_MAX_CLUSTER + POL_ALWAYS6)
int pol_all_rules6(const struct pol_spec *p, struct ateom_rule6 *out);
/* "deny [2001:db8::]/32:443/tcp", "allow 2001:db8::1/128" */
void pol_rule6_text(const struct ateom_rule6 *r, char *buf, size_t len);
/* Does prefix outer contain inner? */
bool pol_rule6_contains(const struct ateom_rule6 *outer, const struct ateom_rule6 *inner);

#endif
