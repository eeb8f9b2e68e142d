/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line parsing and validation for `ateomnet`. Pure functions: no
 * syscalls beyond string handling, so every refusal is unit-testable.
 * Checks that need the system (netns exists, interface exists, privileges)
 * are done later by the verbs themselves.
 */
#ifndef ATEOMNET_ARGS_H
#define ATEOMNET_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include "ateomnet.h"
#include "attach_mode.h"
#include "policy_spec.h"
#include "timeouts.h"


enum ateom_verb { VERB_NONE, VERB_UP, VERB_DOWN, VERB_STATUS, VERB_NAT,
		  VERB_PURGE, VERB_GC, VERB_PREPARE, VERB_POLICY, VERB_EVENTS, VERB_HELP,
		  VERB_VERSION, VERB_METRICS };

struct ateom_expose {
	uint16_t port;        /* pod port, host order, 1..65535 */
	uint16_t actor_port;  /* defaults to port */
	uint8_t proto;        /* IPPROTO_TCP (default) or IPPROTO_UDP */
};

struct ateom_args {
	enum ateom_verb verb;
	char actor[ATEOM_ACTOR_NAME_MAX];
	char netns[4096];
	char veth[IF_NAMESIZE];       /* default "ateom0" */
	char pod_if[IF_NAMESIZE];     /* default "eth0" */
	char actor_if[IF_NAMESIZE];   /* in the actor netns; "eth0" (CNI: CNI_IFNAME) */
	uint32_t worker_ip_be;        /* default 10.200.0.1 */
	uint32_t actor_ip_be;         /* default 10.200.0.2 */
	int prefixlen;                /* default 30; both addrs share it */
	/* IPv6 on the actor link (args6.c): worker side answered by the NS
	 * responder, actor side on the actor's eth0. prefix6 is the worker's
	 * (both share it once checked); actor_prefix6 as given. */
	union ateom_in6 worker_ip6, actor_ip6; /* fd00:169:254::1, ::2 */
	int prefix6, actor_prefix6;   /* default 126 */
	bool no_ipv6;                 /* --no-ipv6: an IPv4-only actor */
	struct ateom_expose expose[ATEOM_MAX_EXPOSE];
	int n_expose;                 /* default: one, 80/tcp */
	char pin_dir[4096];           /* "" = default per worker netns */
	enum attach_mode attach;      /* ATTACH_AUTO, _TCX or _TC */
	uint16_t snat_min, snat_max;  /* default ATEOM_SNAT_PORT_MIN/MAX */
	uint32_t nat_entries;         /* up, prepare; 0 = sized from max_actors */
	uint32_t max_actors;          /* up, prepare; 0 = ATEOM_DEFAULT_MAX_ACTORS */
	uint32_t nat_quota;           /* pairs; default ATEOM_NAT_DEFAULT_QUOTA */
	char egress_hook[4096];       /* pinned hook program, "" = none */
	/* up, prepare: --timeout-NAME SECONDS (bit t of timeouts_set: given) */
	uint32_t timeout_s[ATEOM_TO_N];
	uint32_t timeouts_set;
	bool json;
	bool force;                   /* purge: even with actors up */
	bool dry_run;                 /* gc: report only */
	char pin_root[4096];          /* gc: "" = ATEOM_PIN_ROOT */
	struct pol_spec pol;          /* up, policy: the egress policy */
	char capture_cgroup[4096];    /* up, policy: cgroup v2 dir of the proxy */
	bool follow;                  /* events: wait for more */
	char textfile[4096];          /* metrics: write DIR/ateomnet.prom, "" = stdout */
};

/* Parses argv (argv[0] is the program name). Returns 0 on success; on
 * failure returns -1 and writes one human-readable line (no trailing
 * newline) into err. Never prints, never exits. */
int ateom_parse_args(int argc, char **argv, struct ateom_args *a,
		     char *err, size_t errlen);

/* Individual validators, also used by the parser (0 ok, -1 + err). */
int ateom_valid_actor_name(const char *name, char *err, size_t errlen);
int ateom_valid_ifname(const char *name, const char *flag, char *err, size_t errlen);
int ateom_parse_cidr4(const char *s, uint32_t *addr_be, int *prefixlen,
		      char *err, size_t errlen);
int ateom_parse_expose(const char *s, struct ateom_expose *e,
		       char *err, size_t errlen);
int ateom_parse_port_range(const char *s, uint16_t *min, uint16_t *max,
			   char *err, size_t errlen);
/* --worker-addr/--actor-addr together: same prefix (at most /30), same
 * subnet, distinct unicast host addresses (not network or broadcast). */
int ateom_valid_addr_pair(uint32_t worker_be, int worker_plen,
			  uint32_t actor_be, int actor_plen,
			  char *err, size_t errlen);
/* IPv6 ADDR/N (args6.c); the message does not name the flag. */
int ateom_parse_cidr6(const char *s, union ateom_in6 *addr, int *prefixlen,
		      char *err, size_t errlen);
/* --worker-addr6/--actor-addr6 together: same prefix length, 64..126, same
 * prefix, distinct unicast addresses (not link-local, multicast, ::/96 or
 * IPv4-mapped), neither the all-zero host part. */
int ateom_valid_addr6_pair(const union ateom_in6 *worker, int worker_plen,
			   const union ateom_in6 *actor, int actor_plen,
			   char *err, size_t errlen);
void ateom_args6_defaults(struct ateom_args *a);
/* Absolute, no ".." component, short enough to append map names. */
int ateom_valid_pin_dir(const char *dir, char *err, size_t errlen);

/* The verb's canonical name ("help" for -h and --help, "version" for
 * --version): what main's verb table is keyed by. "?" for VERB_NONE. */
const char *ateom_verb_name(enum ateom_verb v);

const char *ateom_usage(void);

#endif /* ATEOMNET_ARGS_H */
