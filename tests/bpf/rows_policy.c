// SPDX-License-Identifier: Apache-2.0
/* Rows: egress policy (bpf/policy.bpf.c in actor 1's hook slot) and
 * capture (bpf/capture.h: actor_resume's rewrite, to_actor's reverse). The
 * policy object is loaded once, sharing the fixture's egress_hooks, stats
 * and capture_orig maps as the loader shares the datapath's. */
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rows.h"
#include "datapath.skel.h"
#include "policy.skel.h"
#include "capture.h"

#define CPORT_PROXY 15001
#define RESOLVER FX_IP(198, 51, 100, 53)
#define META_IP FX_IP(169, 254, 169, 254)
#define WORKER_WIRE .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC
#define GEN 7

static struct policy_bpf *pol;

static struct policy_bpf *pol_obj(struct fx *f)
{
	if (pol)
		return pol;
	pol = policy_bpf__open();
	assert_non_null(pol);
	assert_int_equal(bpf_map__reuse_fd(pol->maps.egress_hooks, f->hooks), 0);
	assert_int_equal(bpf_map__reuse_fd(pol->maps.stats, f->stats), 0);
	assert_int_equal(bpf_map__reuse_fd(pol->maps.capture_orig,
					   bpf_map__fd(f->skel->maps.capture_orig)), 0);
	assert_int_equal(policy_bpf__load(pol), 0);
	return pol;
}

static void rule_put(struct policy_bpf *p, const struct ateom_rule *rs, int n, int prefix)
{
	struct ateom_pol_rules v = { 0 };
	struct ateom_pol_lpm_key k = { .prefixlen = 32 + rs[prefix].plen, .actor_id = 1,
				       .gen = GEN, .addr_be = rs[prefix].addr_be };

	for (int i = 0; i < n; i++)
		v.r[v.n++] = rs[i];
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(p->maps.pol_rules), &k, &v, BPF_ANY), 0);
}

/* Actor 1: mode, with rules 198.51.100.0/24:443/tcp allow, 198.51.100.66
 * deny, 169.254.0.0/16 always, and the resolver. */
static void policy_in(struct fx *f, uint8_t mode, uint32_t flags)
{
	struct policy_bpf *p = pol_obj(f);
	struct ateom_pol_key ck = { .actor_id = 1, .gen = GEN };
	struct ateom_pol_conf c = { .mode = mode, .capture_port = CPORT_PROXY, .flags = flags,
				    .n_resolvers = 1, .resolvers_be = { RESOLVER } };
	struct ateom_rule net = { .addr_be = FX_IP(198, 51, 100, 0), .plen = 24,
				  .proto = IPPROTO_TCP, .action = ATEOM_RULE_ALLOW,
				  .port_lo = 443, .port_hi = 443 };
	struct ateom_rule host = { .addr_be = FX_IP(198, 51, 100, 66), .plen = 32,
				   .action = ATEOM_RULE_DENY };
	struct ateom_rule ll = { .addr_be = FX_IP(169, 254, 0, 0), .plen = 16,
				 .action = ATEOM_RULE_ALWAYS };
	struct ateom_rule both[] = { net, host };
	uint32_t id = 1, gen = GEN;
	int fd = bpf_program__fd(p->progs.policy);

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(p->maps.pol_conf), &ck, &c, BPF_ANY), 0);
	rule_put(p, &net, 1, 0);
	rule_put(p, both, 2, 1); /* the /32 carries the /24's rule too */
	rule_put(p, &ll, 1, 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(p->maps.pol_gen), &id, &gen, BPF_ANY), 0);
	assert_int_equal(fx_hook_set(f, 1, fd), 0);
}

/* Actor 1's capture table (capture_orig[1], loader/capture.c): the loader
 * gives one to an actor whose mode is capture. */
static int capture_conns_fd(struct fx *f)
{
	uint32_t id = 1, inner;
	int fd;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.capture_orig), &id,
					     &inner), 0);
	fd = bpf_map_get_fd_by_id(inner);
	assert_true(fd >= 0);
	return fd;
}

/* No table: actor 1 does not capture. */
static void capture_none(struct fx *f)
{
	assert_int_equal(capture_table_set(bpf_map__fd(f->skel->maps.capture_orig), 1, false), 0);
}

/* A new, empty table, so a row's check sees only what its own packet
 * wrote. */
static void capture_orig_clear(struct fx *f)
{
	capture_none(f);
	assert_int_equal(capture_table_set(bpf_map__fd(f->skel->maps.capture_orig), 1, true), 0);
}

static void prep_deny(struct fx *f) { policy_in(f, ATEOM_EGRESS_DENY, 0); }
static void prep_allow(struct fx *f) { policy_in(f, ATEOM_EGRESS_ALLOW, 0); }
static void prep_capture(struct fx *f)
{
	capture_orig_clear(f);
	policy_in(f, ATEOM_EGRESS_CAPTURE, 0);
}

static void prep_capture_orig(struct fx *f)
{
	struct ateom_capture_key k = { .ident_be = FX_IDENT_IP(1), .aport_be = htons(APORT),
				       .proto = IPPROTO_TCP };
	struct ateom_capture_orig v = { .daddr_be = FX_REMOTE_IP, .dport_be = htons(443),
					.capture_port = CPORT_PROXY };
	int fd;

	capture_orig_clear(f);
	fd = capture_conns_fd(f);
	assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
	close(fd);
}

/* The capture entry actor_resume must have written. */
static void check_capture_orig(struct fx *f, const struct run *run)
{
	struct ateom_capture_key k = { .ident_be = FX_IDENT_IP(1), .aport_be = htons(APORT),
				       .proto = IPPROTO_TCP };
	struct ateom_capture_orig v;
	int fd = capture_conns_fd(f);

	assert_int_equal(bpf_map_lookup_elem(fd, &k, &v), 0);
	close(fd);
	assert_int_equal(v.daddr_be, FX_REMOTE_IP);
	assert_int_equal(ntohs(v.dport_be), 443);
	assert_int_equal(v.capture_port, CPORT_PROXY);
}

#define ALLOWED .verdict = FX_REDIRECT, .x = SNAT_X, .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1
#define DENIED(why) .verdict = FX_SHOT, .c = { C(1, ACTOR_RX), C(1, why) }
#define CAPTURED .verdict = FX_OK, .check = check_capture_orig, \
		 .x = { .saddr = FX_IDENT_IP(1), .daddr = FX_WORKER_IP, .dport = CPORT_PROXY }, \
		 .c = { C(1, ACTOR_RX), C(1, CAPTURE) }
#define ALLOW_C { C(1, ACTOR_RX), C(1, HOOK_ALLOW), C(1, SNAT), C(1, SNAT_NEW) }

const struct row policy_rows[] = {
	/* -- deny mode -- */
	{ "policy_deny_allowed_by_rule", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ALLOWED, .c = ALLOW_C },
	{ "policy_deny_other_port_by_default", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 80, TCP_SYN },
	  DENIED(DENY_DEFAULT) },
	{ "policy_deny_udp_by_default", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 443, UDP_DATA },
	  DENIED(DENY_DEFAULT) },
	{ "policy_deny_rule_wins_over_covering_allow", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = FX_IP(198, 51, 100, 66), .sport = APORT, .dport = 443,
		  TCP_SYN },
	  DENIED(DENY_RULE) },
	{ "policy_deny_always_deny_metadata", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = META_IP, .sport = APORT, .dport = 80, TCP_SYN },
	  DENIED(DENY_ALWAYS) },
	{ "policy_deny_dns_to_resolver", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = RESOLVER, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1,
	  .c = ALLOW_C },
	{ "policy_deny_dns_elsewhere", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	  DENIED(DENY_DNS) },
	/* A first fragment is judged like any packet (here denied by default,
	 * and counted so: the program once dropped every one, uncounted). */
	{ "policy_deny_first_fragment_judged", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 443, UDP_DATA,
		  .frag = PB_MF },
	  DENIED(DENY_DEFAULT) },
	{ "policy_deny_first_fragment_by_rule", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = FX_IP(198, 51, 100, 66), .sport = APORT, .dport = 443,
		  TCP_SYN, .frag = PB_MF },
	  DENIED(DENY_RULE) },
	{ "policy_deny_worker_not_hooked", FROM_ACTOR, DEV_A1, .prep = prep_deny,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 9000, TCP_SYN },
	  TO_WORKER },
	/* -- allow mode: only deny rules -- */
	{ "policy_allow_mode_allows", FROM_ACTOR, DEV_A1, .prep = prep_allow,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = APORT, .dport = 80, TCP_SYN },
	  ALLOWED, .c = ALLOW_C },
	{ "policy_allow_mode_deny_rule", FROM_ACTOR, DEV_A1, .prep = prep_allow,
	  .in = { FROM_ACTOR_IP, .daddr = FX_IP(198, 51, 100, 66), .sport = APORT, .dport = 80,
		  TCP_SYN },
	  DENIED(DENY_RULE) },
	/* -- capture mode -- */
	{ "policy_capture_tcp_to_proxy", FROM_ACTOR, DEV_A1, .prep = prep_capture,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  CAPTURED },
	{ "policy_capture_data_to_proxy", FROM_ACTOR, DEV_A1, .prep = prep_capture,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA },
	  CAPTURED },
	{ "policy_capture_denied_before_capture", FROM_ACTOR, DEV_A1, .prep = prep_capture,
	  .in = { FROM_ACTOR_IP, .daddr = META_IP, .sport = APORT, .dport = 80, TCP_SYN },
	  DENIED(DENY_ALWAYS) },
	{ "policy_capture_udp_dropped", FROM_ACTOR, DEV_A1, .prep = prep_capture,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = APORT_UDP, .dport = 443, UDP_DATA },
	  DENIED(DENY_PROTO) },
	{ "policy_capture_ping_dropped", FROM_ACTOR, DEV_A1, .prep = prep_capture,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, ECHO(ICMP_ID) }, DENIED(DENY_PROTO) },
	{ "policy_capture_dns_to_resolver_direct", FROM_ACTOR, DEV_A1, .prep = prep_capture,
	  .in = { FROM_ACTOR_IP, .daddr = RESOLVER, .sport = APORT, .dport = 53, TCP_SYN },
	  ALLOWED, .c = ALLOW_C },
	{ "policy_capture_worker_local_not_captured", FROM_ACTOR, DEV_A1, .prep = prep_capture,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 4317, TCP_SYN },
	  TO_WORKER },
	/* -- capture, run directly (resume) and its reverse (to_actor) -- */
	{ "capture_resume_rewrite", RESUME, DEV_A1, .prep = capture_orig_clear,
	  .cb = { ATEOM_HOOK_CB_MAGIC, 1, 0, ATEOM_HOOK_CAPTURE, CPORT_PROXY },
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA },
	  .verdict = FX_OK, .check = check_capture_orig,
	  .x = { .saddr = FX_IDENT_IP(1), .daddr = FX_WORKER_IP, .dport = CPORT_PROXY },
	  .c = { C(1, CAPTURE) } },
	/* An actor that does not capture has no table: nothing to write. */
	{ "capture_resume_without_table_refused", RESUME, DEV_A1, .prep = capture_none,
	  .cb = { ATEOM_HOOK_CB_MAGIC, 1, 0, ATEOM_HOOK_CAPTURE, CPORT_PROXY },
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA },
	  .verdict = FX_SHOT, .c = { C(1, DROP_CAPTURE) } },
	{ "capture_resume_udp_refused", RESUME, DEV_A1,
	  .cb = { ATEOM_HOOK_CB_MAGIC, 1, 0, ATEOM_HOOK_CAPTURE, CPORT_PROXY },
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 443, UDP_DATA },
	  .verdict = FX_SHOT, .c = { C(1, DROP_CAPTURE) } },
	{ "capture_reply_from_original_destination", TO_ACTOR, DEV_A1, .prep = prep_capture_orig,
	  .in = { WORKER_WIRE, .saddr = FX_WORKER_IP, .daddr = FX_IDENT_IP(1),
		  .sport = CPORT_PROXY, .dport = APORT, TCP_SYNACK },
	  .verdict = FX_UNSPEC,
	  .x = { .saddr = FX_REMOTE_IP, .sport = 443, .daddr = FX_ACTOR_IP },
	  .c = { C(1, CAPTURE_REPLY), C(1, FROM_WORKER) } },
	{ "capture_reply_other_worker_port_untouched", TO_ACTOR, DEV_A1, .prep = prep_capture_orig,
	  .in = { WORKER_WIRE, .saddr = FX_WORKER_IP, .daddr = FX_IDENT_IP(1),
		  .sport = 4317, .dport = APORT, TCP_SYNACK },
	  .verdict = FX_UNSPEC, .x = { .daddr = FX_ACTOR_IP }, .c = { C(1, FROM_WORKER) } },
	{ "capture_reply_without_table_untouched", TO_ACTOR, DEV_A1, .prep = capture_none,
	  .in = { WORKER_WIRE, .saddr = FX_WORKER_IP, .daddr = FX_IDENT_IP(1),
		  .sport = CPORT_PROXY, .dport = APORT, TCP_SYNACK },
	  .verdict = FX_UNSPEC, .x = { .daddr = FX_ACTOR_IP }, .c = { C(1, FROM_WORKER) } },
};
ROW_AREA_END(policy);
