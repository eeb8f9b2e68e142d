/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Egress policy and capture (bpf/policy.bpf.c, bpf/capture.h): the maps
 * the loader writes and `bpftool map dump` shows. Keyed by actor id.
 *
 * A policy change never shows a packet half a policy: the loader writes
 * the new rules and settings under a new generation, then flips the one
 * __u32 pol_gen[id]; the old generation's entries go afterwards. A packet
 * reads the generation once and uses only entries of that generation.
 */
#ifndef ATEOMNET_POLICY_H
#define ATEOMNET_POLICY_H

#include <linux/types.h>

#define ATEOM_POL_MAX_RULES 64        /* --allow + --deny per actor */
#define ATEOM_POL_MAX_RESOLVERS 4
#define ATEOM_POL_MAX_CLUSTER 8       /* --cluster-cidr per actor */
/* Rules that cover one prefix (its own and those of shorter prefixes that
 * contain it, see pol_rules). */
#define ATEOM_POL_RULES_PER_PREFIX 16
/* Prefixes of all actors together; a change briefly holds two generations. */
#define ATEOM_POL_TRIE_ENTRIES 16384
#define ATEOM_POL_CAPTURE_PORT 15001
#define ATEOM_POL_EVENTS_PER_SEC 64   /* per actor; the rest only counted */
#define ATEOM_POL_RINGBUF_BYTES (256 * 1024)
#define ATEOM_CAPTURE_ENTRIES 4096    /* captured connections remembered, per capturing actor */

enum ateom_egress_mode {
	ATEOM_EGRESS_ALLOW = 0,
	ATEOM_EGRESS_DENY = 1,
	ATEOM_EGRESS_CAPTURE = 2,
};

#define ATEOM_POL_ICMP_ECHO (1U << 0) /* capture: ICMP echo allowed */

/* ---- pol_conf: hash, key = {actor id, generation} ---------------------- */
struct ateom_pol_key {
	__u16 actor_id;
	__u16 gen;
};

struct ateom_pol_conf {
	__u8 mode;            /* enum ateom_egress_mode */
	__u8 n_resolvers;
	__u16 capture_port;   /* host order */
	__u32 flags;          /* ATEOM_POL_* */
	__u32 n_rules;        /* as given (for status) */
	__be32 resolvers_be[ATEOM_POL_MAX_RESOLVERS];
	/* IPv6 resolvers (issue 10): their own ATEOM_POL_MAX_RESOLVERS. */
	__u8 n_resolvers6;
	__u8 pad6[3];
	union ateom_in6 resolvers6[ATEOM_POL_MAX_RESOLVERS];
};

/* One rule. Always-deny prefixes (and cluster CIDRs) are rules too. */
enum ateom_rule_action {
	ATEOM_RULE_ALLOW = 1,
	ATEOM_RULE_DENY = 2,
	ATEOM_RULE_ALWAYS = 3, /* the always-deny set */
};

struct ateom_rule {
	__be32 addr_be;       /* the rule's own prefix (for events) */
	__u8 plen;
	__u8 proto;           /* 0 = any, IPPROTO_TCP/UDP/ICMP */
	__u8 action;          /* enum ateom_rule_action */
	__u8 pad;
	__u16 port_lo, port_hi; /* host order; 0-0 = any port */
};

/* ---- pol_rules: LPM trie, key = {actor id, generation, destination} ----
 * The value of a prefix holds every rule whose prefix contains it, so the
 * longest match alone gives all rules that apply to a destination. */
struct ateom_pol_lpm_key {
	__u32 prefixlen;      /* 32 + the destination prefix length */
	__u16 actor_id;
	__u16 gen;
	__be32 addr_be;
};

struct ateom_pol_rules {
	__u32 n;
	struct ateom_rule r[ATEOM_POL_RULES_PER_PREFIX];
};

/* ---- pol_rules6: LPM trie, the same for IPv6 destinations -------------
 * Written and flipped with pol_rules (one generation for both families).
 * An IPv6 rule's /icmp means ICMPv6 (proto IPPROTO_ICMP in both). */
struct ateom_rule6 {
	union ateom_in6 addr; /* the rule's own prefix (for events) */
	__u8 plen;            /* 0..128 */
	__u8 proto;           /* as ateom_rule */
	__u8 action;
	__u8 pad;
	__u16 port_lo, port_hi;
};

struct ateom_pol_lpm6_key {
	__u32 prefixlen;      /* 32 + the destination prefix length */
	__u16 actor_id;
	__u16 gen;
	union ateom_in6 addr;
};

struct ateom_pol_rules6 {
	__u32 n;
	struct ateom_rule6 r[ATEOM_POL_RULES_PER_PREFIX];
};

/* ---- pol_events: ring buffer; one per denied new flow ------------------ */
enum ateom_deny_reason {
	ATEOM_DENY_RULE = 1,    /* an explicit --deny rule */
	ATEOM_DENY_DEFAULT = 2, /* no allow rule (deny mode) */
	ATEOM_DENY_ALWAYS = 3,  /* the always-deny set */
	ATEOM_DENY_DNS = 4,     /* DNS not to a configured resolver */
	ATEOM_DENY_PROTO = 5,   /* capture: not TCP and not allowed */
};

struct ateom_pol_event {
	__u64 ts_ns;          /* bpf_ktime_get_ns() */
	__u16 actor_id;
	__u8 proto;
	__u8 reason;          /* enum ateom_deny_reason */
	__be32 daddr_be;
	__be16 dport_be;      /* ICMP: 0 */
	__u16 pad;
	struct ateom_rule rule; /* the rule that denied (action 0: none) */
	/* Issue 10: family 6 = an IPv6 packet, its destination in daddr6
	 * (daddr_be 0); the rule that denied it is rule6 if an IPv6 one, else
	 * rule (an IPv4 rule judging a NAT64 destination, policy6.h). */
	__u8 family;          /* 4 or 6 */
	__u8 pad6[3];
	union ateom_in6 daddr6;
	struct ateom_rule6 rule6;
};

/* ---- pol_seen: LRU hash, denied flows already reported ----------------- */
struct ateom_pol_seen_key {
	__u16 actor_id;
	__u8 proto;
	__u8 pad;
	__be32 daddr_be;
	__be16 sport_be;
	__be16 dport_be;
	union ateom_in6 daddr6; /* IPv6 (daddr_be 0, proto ICMPv6 kept) */
};

/* ---- pol_budget: array, per actor id: events in the current second ---- */
struct ateom_pol_budget {
	__u64 window_ns;
	__u32 sent;
	__u32 pad;
};

/* ---- capture_orig: array of maps (datapath), actor id -> an LRU hash of
 * its captured TCP connections (only while its mode is capture). Key as the worker sees the connection's peer: the actor's identity and
 * its port. Read by to_actor (replies get the original destination back as
 * source) and by the cgroup/getsockopt program (SO_ORIGINAL_DST). */
struct ateom_capture_key {
	__be32 ident_be;
	__be16 aport_be;
	__u8 proto;
	__u8 pad;
};

struct ateom_capture_orig {
	__be32 daddr_be;      /* the actor's original destination */
	__be16 dport_be;
	__u16 capture_port;   /* host order: the proxy's port on the worker */
};

#endif /* ATEOMNET_POLICY_H */
