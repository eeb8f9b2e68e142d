// SPDX-License-Identifier: Apache-2.0
/* Rows: hairpin (bpf/hairpin.h). An actor calls an exposed port at the pod
 * IP, its own or another actor's: the caller's SNAT pair toward POD_IP:S,
 * then the static DNAT, straight to the target's veth; the target's answer
 * from its exposed port goes back through the pair. hairpin and
 * hairpin_reply are counted on the receiving actor's block, so the rows see
 * who got the packet. And what must not happen: a port nobody exposes, an
 * answer from another port or actor, a SYN as an answer, the pod network
 * sending as the pod IP. */
#include <string.h>

#include "rows.h"

/* Actor 1's pair toward actor 2's 9090 (its pod port PPORT), idle 5 s; the
 * same toward its own 80. */
static void prep_hp_to_a2(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, FX_POD_IP,
					  FX_SVC_A2, range_port(PPORT), ago(5)), 0);
}

static void prep_hp_to_self(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, FX_POD_IP,
					  FX_SVC_HTTP, range_port(PPORT), ago(5)), 0);
}

static void prep_hp_udp_to_self(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_UDP, APORT_UDP, FX_POD_IP,
					  FX_SVC_DNS, range_port(PPORT_UDP), ago(5)), 0);
}

static void prep_a1_at_quota(struct fx *f)
{
	set_actor_pairs(f, f->if_a1, 3, 3);
}

/* The packet that came out, whole: addresses, ports, TTL, MACs (gateway
 * to actor), checksums; the rest as it went in. sport 0: the SNAT port of
 * the caller's tuple toward POD_IP:dport_in (its first candidate). */
static void expect_out(const struct run *run, uint32_t saddr, uint16_t sport, uint32_t daddr,
		       uint16_t dport)
{
	static const uint8_t amac[6] = FX_ACTOR_MAC, gmac[6] = FX_GW_MAC;
	const uint8_t *out = run->res.out;
	uint8_t want[PB_FRAME_MAX];
	struct pb_view vi, vo;
	size_t l4;

	assert_int_equal(pb_parse(run->in, run->len, &vi), 0);
	assert_int_equal(pb_parse(out, run->res.out_len, &vo), 0);
	if (!sport)
		sport = snat_candidate(vi.proto, vi.saddr, vi.sport, vi.daddr, vi.dport, 0);
	memcpy(want, run->in, run->len);
	memcpy(want, amac, 6);
	memcpy(want + 6, gmac, 6);
	want[PB_ETH_HLEN + 8]--; /* one hop */
	memcpy(want + PB_ETH_HLEN + 12, &saddr, 4);
	memcpy(want + PB_ETH_HLEN + 16, &daddr, 4);
	l4 = (size_t)(vi.l4 - run->in);
	want[l4] = sport >> 8;
	want[l4 + 1] = sport & 0xff;
	want[l4 + 2] = dport >> 8;
	want[l4 + 3] = dport & 0xff;
	memcpy(want + PB_ETH_HLEN + 10, out + PB_ETH_HLEN + 10, 2);
	memcpy(want + l4 + (vi.proto == IPPROTO_TCP ? 16 : 6),
	       out + l4 + (vi.proto == IPPROTO_TCP ? 16 : 6), 2);
	diff_fail(want, out, run->len);
	assert_true(pb_ip_csum_ok(&vo));
	assert_true(pb_l4_csum_ok(&vo));
}

static void to_a2_80(struct fx *f, const struct run *run)
{
	expect_out(run, FX_POD_IP, 0, FX_ACTOR_IP, 80);
}

static void to_self_80(struct fx *f, const struct run *run)
{
	expect_out(run, FX_POD_IP, 0, FX_ACTOR_IP, 80);
}

static void to_self_5353(struct fx *f, const struct run *run)
{
	expect_out(run, FX_POD_IP, 0, FX_ACTOR_IP, FX_SVC_DNS_TO);
}

static void pair_port_to_a2(struct fx *f, const struct run *run)
{
	expect_out(run, FX_POD_IP, range_port(PPORT), FX_ACTOR_IP, 80);
}

/* The answer reached the caller, from the exposed port it called; the
 * pair's port record saw it (the reply flag: established timeout). */
static void answer_from(const struct run *run, uint16_t svc, uint8_t proto, uint16_t aport,
			uint16_t pport)
{
	struct ateom_nat_key k = fx_key_in(FX_POD_IP, FX_POD_IP, svc, pport, proto);
	struct ateom_nat_entry e;

	expect_out(run, FX_POD_IP, svc, FX_ACTOR_IP, aport);
	assert_int_equal(fx_nat_get(&fx, &k, &e), 0);
	assert_true(e.seen & ATEOM_SEEN_REPLY);
	assert_in_range(e.last_seen_ns, run->t0, run->t1);
}

static void answer_from_a2(struct fx *f, const struct run *run)
{
	answer_from(run, FX_SVC_A2, IPPROTO_TCP, APORT, range_port(PPORT));
}

static void answer_from_self(struct fx *f, const struct run *run)
{
	answer_from(run, FX_SVC_HTTP, IPPROTO_TCP, APORT, range_port(PPORT));
}

static void answer_from_self_udp(struct fx *f, const struct run *run)
{
	answer_from(run, FX_SVC_DNS, IPPROTO_UDP, APORT_UDP, range_port(PPORT_UDP));
}

static void exposed_to_exposed(struct fx *f, const struct run *run)
{
	expect_out(run, FX_POD_IP, FX_SVC_HTTP, FX_ACTOR_IP, 80);
}

/* ICMP errors the target sends about a call it got (hairpin_icmp_*): back
 * to the caller, from the pod IP, quoting the call as the caller sent it.
 * Checksums: outer IPv4, ICMP, quoted IPv4 and quoted L4 (check_want). */
static const struct pb_spec q_udp_call_target = QUOTE_UDP(FX_POD_IP, PPORT_UDP, FX_ACTOR_IP,
							  FX_SVC_DNS_TO);
static const struct pb_spec q_udp_call_caller = QUOTE_UDP(FX_ACTOR_IP, APORT_UDP, FX_POD_IP,
							  FX_SVC_DNS);
static const struct pb_spec q_tcp_call_target = { .saddr = FX_POD_IP, .daddr = FX_ACTOR_IP,
	.proto = IPPROTO_TCP, .sport = PPORT, .dport = 80, .ttl = 63, .tcp_flags = PB_ACK,
	.payload = 20 };
static const struct pb_spec q_tcp_call_caller = { .saddr = FX_ACTOR_IP, .daddr = FX_POD_IP,
	.proto = IPPROTO_TCP, .sport = APORT, .dport = FX_SVC_A2, .ttl = 63, .tcp_flags = PB_ACK,
	.payload = 20 };
#define FROM_POD_IP_ERR(q) { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = FX_POD_IP, \
			     .daddr = FX_ACTOR_IP, .ttl = 63, PORT_UNREACH(q) }
static const struct pb_spec want_udp_unreach = FROM_POD_IP_ERR(&q_udp_call_caller);
static const struct pb_spec want_tcp_unreach = FROM_POD_IP_ERR(&q_tcp_call_caller);

#define HP_X .x = { .custom = true }
#define TO_POD_AT(p) FROM_ACTOR_IP, .daddr = FX_POD_IP, .dport = p
/* Actor 2 from its exposed port 80 (pod port 9090) to the pod IP. */
#define A2_ANSWER(p) FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = 80, .dport = p
/* Actor n's packet to the worker, with its identity (rows.h: TO_WORKER). */
#define TO_WORKER_AS(n) .verdict = FX_OK, .x = { .saddr = FX_IDENT_IP(n) }, \
			.c = { C(n, ACTOR_RX), C(n, TO_WORKER) }

const struct row hairpin_rows[] = {
	/* -- the caller's way: its pair toward POD_IP:S, then the DNAT -- */
	{ "hairpin_tcp_syn_to_actor2", FROM_ACTOR, DEV_A1,
	  .in = { TO_POD_AT(FX_SVC_A2), .sport = APORT, TCP_SYN }, .verdict = FX_REDIRECT,
	  HP_X, .check = to_a2_80, .c = { C(1, ACTOR_RX), C(2, HAIRPIN), C(1, SNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "hairpin_tcp_syn_to_itself", FROM_ACTOR, DEV_A1,
	  .in = { TO_POD_AT(FX_SVC_HTTP), .sport = APORT, TCP_SYN }, .verdict = FX_REDIRECT,
	  HP_X, .check = to_self_80, .c = { C(1, ACTOR_RX), C(1, HAIRPIN), C(1, SNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "hairpin_udp_to_itself", FROM_ACTOR, DEV_A1,
	  .in = { TO_POD_AT(FX_SVC_DNS), .sport = APORT_UDP, UDP_DATA }, .verdict = FX_REDIRECT,
	  HP_X, .check = to_self_5353, .c = { C(1, ACTOR_RX), C(1, HAIRPIN), C(1, SNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "hairpin_established_to_actor2", FROM_ACTOR, DEV_A1, .prep = prep_hp_to_a2,
	  .in = { TO_POD_AT(FX_SVC_A2), .sport = APORT, TCP_DATA }, .verdict = FX_REDIRECT,
	  HP_X, .check = pair_port_to_a2, .c = { C(1, ACTOR_RX), C(2, HAIRPIN) }, .touch = true },
	{ "hairpin_through_the_egress_hook", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { TO_POD_AT(FX_SVC_A2), .sport = APORT, TCP_SYN }, .verdict = FX_REDIRECT,
	  HP_X, .check = to_a2_80, .c = { C(1, HOOK_ALLOW), C(2, HAIRPIN), C(1, SNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	/* between two exposed ports: the static mappings both ways, no pair */
	{ "hairpin_exposed_port_to_exposed_port", FROM_ACTOR, DEV_A1,
	  .in = { TO_POD_AT(FX_SVC_A2), .sport = 80, TCP_SYN }, .verdict = FX_REDIRECT,
	  HP_X, .check = exposed_to_exposed, .c = { C(1, ACTOR_RX), C(2, HAIRPIN) } },
	/* a hairpin pair is a pair: the quota holds */
	{ "hairpin_at_quota", FROM_ACTOR, DEV_A1, .prep = prep_a1_at_quota,
	  .in = { TO_POD_AT(FX_SVC_A2), .sport = APORT, TCP_SYN }, ACTOR_DROP(DROP_QUOTA) },
	/* -- the target's answer, back through the pair -- */
	{ "hairpin_answer_to_actor1", FROM_ACTOR, DEV_A2, .prep = prep_hp_to_a2,
	  .in = { A2_ANSWER(PPORT), TCP_SYNACK }, .verdict = FX_REDIRECT, HP_X,
	  .check = answer_from_a2, .c = { C(2, ACTOR_RX), C(1, HAIRPIN_REPLY) } },
	{ "hairpin_answer_to_itself", FROM_ACTOR, DEV_A1, .prep = prep_hp_to_self,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = 80, .dport = PPORT, TCP_SYNACK },
	  .verdict = FX_REDIRECT, HP_X, .check = answer_from_self,
	  .c = { C(1, ACTOR_RX), C(1, HAIRPIN_REPLY) } },
	{ "hairpin_udp_answer_to_itself", FROM_ACTOR, DEV_A1, .prep = prep_hp_udp_to_self,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = FX_SVC_DNS_TO, .dport = PPORT_UDP,
		  UDP_DATA },
	  .verdict = FX_REDIRECT, HP_X, .check = answer_from_self_udp,
	  .c = { C(1, ACTOR_RX), C(1, HAIRPIN_REPLY) } },
	{ "hairpin_icmp_unreach_to_itself", FROM_ACTOR, DEV_A1, .prep = prep_hp_udp_to_self,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, PORT_UNREACH(&q_udp_call_target) },
	  .verdict = FX_REDIRECT, .want = &want_udp_unreach,
	  .c = { C(1, ACTOR_RX), C(1, ICMP_ERROR) } },
	{ "hairpin_icmp_unreach_to_actor1", FROM_ACTOR, DEV_A2, .prep = prep_hp_to_a2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, PORT_UNREACH(&q_tcp_call_target) },
	  .verdict = FX_REDIRECT, .want = &want_tcp_unreach,
	  .c = { C(2, ACTOR_RX), C(1, ICMP_ERROR) } },
	/* -- what must not happen -- */
	/* an error about a call that went through no pair: the worker's */
	{ "hairpin_icmp_error_without_pair", FROM_ACTOR, DEV_A2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, PORT_UNREACH(&q_tcp_call_target) },
	  .verdict = FX_OK, .x = { .custom = true }, .c = { C(2, ACTOR_RX), C(2, TO_WORKER) } },
	/* nor may another actor (not the pair's target) send one into it */
	{ "hairpin_icmp_error_not_from_target", FROM_ACTOR, DEV_A1, .prep = prep_hp_to_a2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, PORT_UNREACH(&q_tcp_call_target) },
	  .verdict = FX_OK, .x = { .custom = true }, .c = { C(1, ACTOR_RX), C(1, TO_WORKER) } },
	/* only the exposed port the pair was made toward answers: actor 1's
	 * own exposed 80 is not actor 2's 9090 */
	{ "hairpin_answer_from_another_service", FROM_ACTOR, DEV_A1, .prep = prep_hp_to_a2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = 80, .dport = PPORT, TCP_SYNACK },
	  TO_WORKER_AS(1) },
	/* nor a port that is not exposed */
	{ "hairpin_answer_from_unexposed_port", FROM_ACTOR, DEV_A2, .prep = prep_hp_to_a2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = 81, .dport = PPORT, TCP_SYNACK },
	  TO_WORKER_AS(2) },
	/* a SYN is never an answer */
	{ "hairpin_syn_is_not_an_answer", FROM_ACTOR, DEV_A2, .prep = prep_hp_to_a2,
	  .in = { A2_ANSWER(PPORT), TCP_SYN }, TO_WORKER_AS(2) },
	/* no pair: the worker's (its own services at the pod IP) */
	{ "hairpin_answer_without_pair", FROM_ACTOR, DEV_A2,
	  .in = { A2_ANSWER(PPORT), TCP_SYNACK }, TO_WORKER_AS(2) },
	/* nobody on the pod network sends as the pod IP: never to an actor */
	{ "hairpin_pod_ip_source_from_pod_network", FROM_POD, DEV_POD, .prep = prep_hp_to_a2,
	  .in = { TO_POD_IP, .saddr = FX_POD_IP, .sport = FX_SVC_A2, .dport = PPORT,
		  TCP_SYNACK },
	  POD_PASS },
	{ "hairpin_pod_ip_source_to_exposed_port", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_POD_IP, .sport = PPORT, .dport = FX_SVC_A2, TCP_SYN },
	  POD_PASS },
};
ROW_AREA_END(hairpin);
