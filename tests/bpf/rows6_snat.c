// SPDX-License-Identifier: Apache-2.0
/* IPv6 rows: SNAT66 (nat6, the pair rules of nat.h in nat_pair.h). The
 * actor's new flows leave with the pod's IPv6 and the port of the keyed
 * rotation, both halves made; established ones use their pair; replies
 * come back by the port record, to the actor's address and port. */
#include "engine6.h"

#define PORT6_TCP RANGE_PORT(10)
#define PORT6_UDP RANGE_PORT(11)
#define PORT6_ICMP RANGE_PORT(12)

static void prep_pair_tcp(struct fx *f)
{
	fx6_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, REMOTE6, 443, range_port(PORT6_TCP), 0);
}

static void prep_pair_udp(struct fx *f)
{
	fx6_pair_put(f, f->if_a1, 1, IPPROTO_UDP, APORT_UDP, REMOTE6, 53, range_port(PORT6_UDP),
		     0);
}

static void prep_pair_icmp(struct fx *f)
{
	fx6_pair_put(f, f->if_a1, 1, P6_ICMP, ICMP_ID, REMOTE6, 0, range_port(PORT6_ICMP), 0);
}

/* Actor 2 holds the port record actor 1's SYN would get first. */
static void prep_first_candidate_taken(struct fx *f)
{
	fx6_pair_put(f, f->if_a2, 2, IPPROTO_TCP, APORT + 1, REMOTE6, 443,
		     snat6_candidate(IPPROTO_TCP, ACTOR6, APORT, 0), 0);
}

/* Actor 1 holds one IPv4 pair and its quota is one pair. */
static void prep_quota_full_ipv4(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443,
					  range_port(PPORT), fx_now()), 0);
	set_actor_pairs(f, f->if_a1, 1, actor_pairs(f, f->if_a1));
}

/* The pair's port record saw the reply (nat_touch6). */
static void check_replied(struct fx *f, const struct run6 *run)
{
	struct ateom_nat6_key in = fx6_key_in(REMOTE6, POD6, 443, range_port(PORT6_TCP),
					      IPPROTO_TCP);
	struct ateom_nat6_entry e;

	assert_int_equal(fx6_nat_get(f, &in, &e), 0);
	assert_true(e.seen & ATEOM_SEEN_REPLY);
	assert_in_range(e.last_seen_ns, run->t0 - FX_SEC, run->t1);
}

/* The OUT half's idle clock is the packet's (refreshed, at most 1/s). */
static void check_out_acked(struct fx *f, const struct run6 *run)
{
	struct ateom_nat6_key out = fx6_key_out(f->if_a1, ACTOR6, REMOTE6, APORT, 443,
						IPPROTO_TCP);
	struct ateom_nat6_entry e;

	(void)run;
	assert_int_equal(fx6_nat_get(f, &out, &e), 0);
	assert_int_equal(ntohl(e.tcp_ack_be), 7000); /* the actor's ACK, for the RST check */
}

/* The remote's RST that acks nothing the actor sent: delivered, the pair
 * left open. */
static void check_rst_ignored(struct fx *f, const struct run6 *run)
{
	struct ateom_nat6_key in = fx6_key_in(REMOTE6, POD6, 443, range_port(PORT6_TCP),
					      IPPROTO_TCP);
	struct ateom_nat6_entry e;

	(void)run;
	assert_int_equal(fx6_nat_get(f, &in, &e), 0);
	assert_false(e.seen & ATEOM_SEEN_RST);
}

#define TO_REMOTE6 A6_FROM_ACTOR, .daddr = A6_REMOTE
#define FROM_REMOTE6 A6_TO_POD, .saddr = A6_REMOTE
#define SNAT6_X { .saddr = POD6, .sport = SNAT6_PORT, .hop_dec = true }
#define SNAT6_NEW .verdict = FX_REDIRECT, .x = SNAT6_X, .nat6_delta = 2, .pair = true, \
		  .actor = 1, .c = { C(1, ACTOR_RX), C(1, SNAT), C(1, SNAT_NEW) }
#define REPLY6_X(port) { .daddr = ACTOR6, .dport = port, .hop_dec = true, .macs = true }
#define REPLY6 .verdict = FX_REDIRECT, .c = { C(1, SNAT_REPLY) }

const struct row6 snat_rows6[] = {
	{ "s6_tcp_syn_new_pair", FROM_ACTOR, DEV_A1,
	  .in = { TO_REMOTE6, .sport = APORT, .dport = 443, TCP6_SYN }, SNAT6_NEW },
	{ "s6_udp_new_pair", FROM_ACTOR, DEV_A1,
	  .in = { TO_REMOTE6, .sport = APORT_UDP, .dport = 53, UDP6_DATA }, SNAT6_NEW },
	{ "s6_echo_new_pair", FROM_ACTOR, DEV_A1, .in = { TO_REMOTE6, ECHO6(ICMP_ID) },
	  SNAT6_NEW },
	{ "s6_actor2_new_pair", FROM_ACTOR, DEV_A2,
	  .in = { TO_REMOTE6, .sport = APORT, .dport = 80, TCP6_SYN }, .verdict = FX_REDIRECT,
	  .x = SNAT6_X, .nat6_delta = 2, .pair = true, .actor = 2,
	  .c = { C(2, ACTOR_RX), C(2, SNAT), C(2, SNAT_NEW) } },
	{ "s6_tcp_established", FROM_ACTOR, DEV_A1, .prep = prep_pair_tcp,
	  .in = { TO_REMOTE6, .sport = APORT, .dport = 443, TCP6_DATA }, .verdict = FX_REDIRECT,
	  .x = { .saddr = POD6, .sport = PORT6_TCP, .hop_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .check = check_out_acked },
	{ "s6_udp_established", FROM_ACTOR, DEV_A1, .prep = prep_pair_udp,
	  .in = { TO_REMOTE6, .sport = APORT_UDP, .dport = 53, UDP6_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = POD6, .sport = PORT6_UDP, .hop_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) } },
	{ "s6_echo_established", FROM_ACTOR, DEV_A1, .prep = prep_pair_icmp,
	  .in = { TO_REMOTE6, ECHO6(ICMP_ID) }, .verdict = FX_REDIRECT,
	  .x = { .saddr = POD6, .sport = PORT6_ICMP, .hop_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) } },
	/* Replies, by the port record. */
	{ "s6_tcp_reply", FROM_POD, DEV_POD, .prep = prep_pair_tcp,
	  .in = { FROM_REMOTE6, .sport = 443, .dport = PORT6_TCP, .proto = IPPROTO_TCP,
		  .tcp_flags = PB_SYN | PB_ACK, .seq = 9000, .ack = 1001 },
	  REPLY6, .x = REPLY6_X(APORT), .check = check_replied },
	{ "s6_udp_reply", FROM_POD, DEV_POD, .prep = prep_pair_udp,
	  .in = { FROM_REMOTE6, .sport = 53, .dport = PORT6_UDP, UDP6_DATA }, REPLY6,
	  .x = REPLY6_X(APORT_UDP) },
	/* UDP checksum 0 is invalid over IPv6: not a reply, the worker's
	 * (whose kernel refuses it), the pair untouched. */
	{ "s6_udp_reply_zero_csum", FROM_POD, DEV_POD, .prep = prep_pair_udp,
	  .in = { FROM_REMOTE6, .sport = 53, .dport = PORT6_UDP, UDP6_DATA, .udp_zero_csum = true },
	  .verdict = FX_UNSPEC, .same = true, .c = { C(0, POD_PASS) } },
	{ "s6_echo_reply", FROM_POD, DEV_POD, .prep = prep_pair_icmp,
	  .in = { FROM_REMOTE6, ECHO6_REPLY(PORT6_ICMP) }, REPLY6, .x = REPLY6_X(ICMP_ID) },
	{ "s6_reply_redirect_peer", FROM_POD, DEV_POD, .prep = prep_pair_udp,
	  .cfg_flags = ATEOM_CFG_REDIRECT_PEER,
	  .in = { FROM_REMOTE6, .sport = 53, .dport = PORT6_UDP, UDP6_DATA }, REPLY6,
	  .x = REPLY6_X(APORT_UDP) },
	/* The first candidate is another actor's toward this remote: the next. */
	{ "s6_first_candidate_taken", FROM_ACTOR, DEV_A1, .prep = prep_first_candidate_taken,
	  .in = { TO_REMOTE6, .sport = APORT, .dport = 443, TCP6_SYN }, .verdict = FX_REDIRECT,
	  .x = { .saddr = POD6, .sport = SNAT6_PORT, .skip = 1, .hop_dec = true },
	  .nat6_delta = 2, .pair = true, .actor = 1,
	  .c = { C(1, ACTOR_RX), C(1, SNAT), C(1, SNAT_NEW) } },
	/* An echo reply outside the SNAT range: the worker's own ping. */
	{ "s6_echo_reply_outside_range", FROM_POD, DEV_POD,
	  .in = { FROM_REMOTE6, ECHO6_REPLY(WORKER_PING_ID) }, .verdict = FX_UNSPEC, .same = true,
	  .c = { C(0, POD_PASS) } },
	/* A SYN is never a reply: the worker's. */
	{ "s6_syn_on_pair_tuple", FROM_POD, DEV_POD, .prep = prep_pair_tcp,
	  .in = { FROM_REMOTE6, .sport = 443, .dport = PORT6_TCP, TCP6_SYN },
	  .verdict = FX_UNSPEC, .same = true, .c = { C(0, SYN_NOT_REPLY), C(0, POD_PASS) } },
	{ "s6_rst_not_acking", FROM_POD, DEV_POD, .prep = prep_pair_tcp,
	  .in = { FROM_REMOTE6, .sport = 443, .dport = PORT6_TCP, .proto = IPPROTO_TCP,
		  .tcp_flags = PB_RST | PB_ACK, .seq = 123456, .ack = 99 },
	  .verdict = FX_REDIRECT, .x = REPLY6_X(APORT),
	  .c = { C(1, SNAT_REPLY), C(1, RST_IGNORED) }, .check = check_rst_ignored },
	{ "s6_reply_without_pair", FROM_POD, DEV_POD,
	  .in = { FROM_REMOTE6, .sport = 443, .dport = PORT6_TCP, TCP6_DATA }, .verdict = FX_UNSPEC,
	  .same = true, .c = { C(0, POD_PASS) } },
	{ "s6_reply_hop_limit_1", FROM_POD, DEV_POD, .prep = prep_pair_udp,
	  .in = { FROM_REMOTE6, .sport = 53, .dport = PORT6_UDP, UDP6_DATA, .hop_limit = 1 },
	  .verdict = FX_SHOT, .c = { C(1, DROP_TTL) } },
	/* An echo request to the pod: the worker answers. */
	{ "s6_echo_request_to_pod", FROM_POD, DEV_POD,
	  .in = { FROM_REMOTE6, ECHO6(PORT6_ICMP) }, .verdict = FX_UNSPEC, .same = true,
	  .c = { C(0, POD_PASS) } },
	/* The actor's quota counts both families: at it, no new IPv6 pair. */
	{ "s6_quota_counts_both_families", FROM_ACTOR, DEV_A1, .prep = prep_quota_full_ipv4,
	  .in = { TO_REMOTE6, .sport = APORT, .dport = 443, TCP6_SYN }, .verdict = FX_SHOT,
	  .c = { C(1, ACTOR_RX), C(1, DROP_QUOTA) } },
};
ROW6_AREA_END(snat);
