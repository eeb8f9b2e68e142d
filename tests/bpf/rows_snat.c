// SPDX-License-Identifier: Apache-2.0
/* Rows: SNAT of actor egress, the replies back to the actor, and the SNAT
 * port range (exhaustion, reclaim after each timeout, per-remote reuse, two
 * actors). Every new pair's port is checked against the keyed first
 * candidate (engine.c, SNAT_PORT). */
#include <string.h>
#include <arpa/inet.h>

#include "rows.h"

static void prep_snat_tcp_a2(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a2, 2, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443,
					  range_port(PPORT_A2), ago(5)), 0);
}

/* The only SNAT port (FIRST_PORT of a range cut to one) to R:443 is held by
 * another TCP flow of an actor, idle for `age` s; seen_in/seen_out are the
 * flags of its halves (the remote answered: ATEOM_SEEN_REPLY on IN). */
static void prep_port_held_by(struct fx *f, int actor, unsigned age, uint8_t seen_in,
			      uint8_t seen_out)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, range_port(FIRST_PORT),
					    IPPROTO_TCP);
	struct ateom_nat_key out = fx_key_out(actor_ifindex(actor), FX_ACTOR_IP, FX_REMOTE_IP,
					      APORT + 99, 443, IPPROTO_TCP);

	assert_int_equal(fx_snat_pair_put(f, actor_ifindex(actor), actor, IPPROTO_TCP,
					  APORT + 99, FX_REMOTE_IP, 443, range_port(FIRST_PORT),
					  ago(age)), 0);
	set_seen(f, &in, seen_in);
	set_seen(f, &out, seen_out);
}

#define ANSWERED ATEOM_SEEN_REPLY
#define FIN_IN (ATEOM_SEEN_REPLY | ATEOM_SEEN_FIN)

static void prep_port_busy(struct fx *f) { prep_port_held_by(f, 1, 5, ANSWERED, 0); }
static void prep_port_stale(struct fx *f) { prep_port_held_by(f, 1, 20, ANSWERED, 0); }
static void prep_port_closed(struct fx *f)
{
	prep_port_held_by(f, 1, 20, FIN_IN, ATEOM_SEEN_FIN);
}
/* Closed both ways just now: within the 1 s closing timeout. */
static void prep_port_closing(struct fx *f)
{
	prep_port_held_by(f, 1, 0, FIN_IN, ATEOM_SEEN_FIN);
}
/* Only the remote has closed (a FIN one way): the actor may still send. */
static void prep_port_half_closed(struct fx *f) { prep_port_held_by(f, 1, 20, FIN_IN, 0); }
/* Reset by the actor: closed at once. */
static void prep_port_reset(struct fx *f)
{
	prep_port_held_by(f, 1, 20, ANSWERED, ATEOM_SEEN_RST);
}
/* Never answered (a SYN the remote ignored): the SYN timeout applies. */
static void prep_port_unanswered(struct fx *f) { prep_port_held_by(f, 1, 20, 0, 0); }
static void prep_port_stale_a2(struct fx *f) { prep_port_held_by(f, 2, 20, ANSWERED, 0); }

/* The same for a DNS flow (the production udp-query timeout, 30 s) and a
 * ping (60 s), idle `age` s. */
static void prep_udp_port_held(struct fx *f, unsigned age)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_UDP, APORT_UDP + 99,
					  FX_REMOTE_IP, 53, range_port(FIRST_PORT), ago(age)), 0);
}
static void prep_udp_port_stale(struct fx *f) { prep_udp_port_held(f, 31); }
static void prep_udp_port_busy(struct fx *f) { prep_udp_port_held(f, 25); }
static void prep_icmp_id_stale(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_ICMP, ICMP_ID + 1,
					  FX_REMOTE_IP, 0, range_port(FIRST_PORT), ago(61)), 0);
}

/* A stale pair was reclaimed: both its halves are gone (the new pair holds
 * the port record now: check_pair), its port reused. */
static void check_reclaimed_proto(struct fx *f, int actor, uint8_t proto, uint16_t aport,
				  uint16_t rport)
{
	struct ateom_nat_key out = fx_key_out(actor_ifindex(actor), FX_ACTOR_IP, FX_REMOTE_IP,
					      aport, rport, proto);
	struct ateom_nat_entry e;

	assert_int_not_equal(fx_nat_get(f, &out, &e), 0);
}

static void check_reclaimed(struct fx *f, const struct run *run)
{
	(void)run;
	check_reclaimed_proto(f, 1, IPPROTO_TCP, APORT + 99, 443);
}

static void check_reclaimed_a2(struct fx *f, const struct run *run)
{
	(void)run;
	check_reclaimed_proto(f, 2, IPPROTO_TCP, APORT + 99, 443);
	assert_int_equal(actor_pairs(f, f->if_a2), 0);
	assert_int_equal(actor_pairs(f, f->if_a1), 1);
}

static void check_reclaimed_udp(struct fx *f, const struct run *run)
{
	(void)run;
	check_reclaimed_proto(f, 1, IPPROTO_UDP, APORT_UDP + 99, 53);
}

static void check_reclaimed_icmp(struct fx *f, const struct run *run)
{
	(void)run;
	check_reclaimed_proto(f, 1, IPPROTO_ICMP, ICMP_ID + 1, 0);
}

/* Actor 2 already talks to R:443 from the same address and port. */
static void prep_a2_same_tuple(struct fx *f)
{
	struct pb_spec p = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = IPPROTO_TCP,
			     .sport = APORT, .dport = 443, .tcp_flags = PB_SYN };
	struct fx_result res;
	uint8_t pkt[PB_FRAME_MAX];
	size_t n = pb_build(pkt, sizeof(pkt), &p);

	assert_int_equal(fx_run(f, f->from_actor, f->if_a2, pkt, n, NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
}

static void check_a2_kept(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k2 = fx_key_out(f->if_a2, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					     IPPROTO_TCP);
	struct ateom_nat_entry e2;
	struct pb_view vo;

	assert_int_equal(fx_nat_get(f, &k2, &e2), 0);
	assert_int_equal(e2.actor_ifindex, f->if_a2);
	assert_int_equal(pb_parse(run->res.out, run->res.out_len, &vo), 0);
	assert_int_not_equal(ntohs(e2.port_be), vo.sport); /* distinct SNAT ports */
}

static void check_fin_seen(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					    IPPROTO_TCP);
	struct ateom_nat_entry e;

	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, range_port(PPORT),
					    IPPROTO_TCP);

	(void)run;
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.seen, ATEOM_SEEN_FIN);
	/* ...and the port record mirrors it, its clock restarted. */
	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	assert_int_equal(e.seen & ATEOM_SEEN_OUT_FIN, ATEOM_SEEN_OUT_FIN);
	assert_in_range(e.last_seen_ns, run->t0, run->t1);
}

/* The pair's connection is over: closed both ways, or reset by the
 * remote (a refused connection: SYN, then RST|ACK). */
static void prep_snat_tcp_closed(struct fx *f)
{
	struct ateom_nat_key in = snat_tcp_in(), out = snat_tcp_out();

	prep_snat_tcp(f);
	set_seen(f, &in, ATEOM_SEEN_REPLY | ATEOM_SEEN_FIN);
	set_seen(f, &out, ATEOM_SEEN_FIN);
}

static void prep_snat_tcp_refused(struct fx *f)
{
	struct ateom_nat_key in = snat_tcp_in();

	prep_snat_tcp(f);
	set_seen(f, &in, ATEOM_SEEN_REPLY | ATEOM_SEEN_RST);
}

/* A new SYN on an old tuple starts a new connection: the FIN is forgotten. */
static void check_syn_cleared(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					    IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.seen, 0);
}

static void check_in_seen(struct fx *f, uint8_t seen)
{
	struct ateom_nat_key k = snat_tcp_in();
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.seen, seen);
}

/* ...and the port record forgets the old connection too: no FIN, no RST,
 * no reply yet. Kept, a FIN of the old connection's remote and the new
 * connection's first FIN from the actor (a half-close) make the pair
 * "closed" (pair_expired), and an old RST makes it closed at once: the
 * collector then deletes a live pair after tcp_closing_timeout (1 s), and
 * the remote's next segments reach the worker, whose stack resets them. */
static void check_syn_cleared_both(struct fx *f, const struct run *run)
{
	check_syn_cleared(f, run);
	check_in_seen(f, 0);
}

/* An RST is a reply too: the remote answered, then reset. */
static void check_in_rst_seen(struct fx *f, const struct run *run)
{
	(void)run;
	check_in_seen(f, ATEOM_SEEN_RST | ATEOM_SEEN_REPLY);
}

/* The remote answered: the pair lives by the established timeout now. */
static void check_in_reply_seen(struct fx *f, const struct run *run)
{
	(void)run;
	check_in_seen(f, ATEOM_SEEN_REPLY);
}

/* A SYN from the remote is not a reply: the pair is as it was. */
static void check_pair_untouched(struct fx *f, const struct run *run)
{
	struct ateom_nat_key in = snat_tcp_in(), out = snat_tcp_out();
	struct ateom_nat_entry e;

	(void)run;
	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	assert_int_equal(e.seen, 0);
	assert_true(e.last_seen_ns < run->t0 - 4 * FX_SEC); /* prep_snat_tcp: 5 s ago */
	assert_int_equal(fx_nat_get(f, &out, &e), 0);
	assert_int_equal(e.seen, 0);
	assert_true(e.last_seen_ns < run->t0 - 4 * FX_SEC);
}

/* UDP payload chosen so that the translated datagram's checksum computes to
 * 0, which must go out as 0xffff (0 means "no checksum"). */
static uint8_t ffff_payload[16];

static void prep_udp_ffff(struct fx *f)
{
	struct pb_spec out = { .saddr = FX_POD_IP, .daddr = FX_REMOTE_IP,
			       .sport = range_port(FIRST_PORT), .dport = 53 };
	struct pb_spec in = out;

	(void)f;
	in.saddr = FX_ACTOR_IP;
	in.sport = APORT_UDP;
	udp_ffff_payload(ffff_payload, sizeof(ffff_payload), out, in);
}

/* prep_snat_tcp with the actor's SYN (seq 0x1000) on record: a refusal
 * acknowledges 0x1001. */
static void prep_snat_tcp_syn_sent(struct fx *f)
{
	struct ateom_nat_key out = snat_tcp_out();
	struct ateom_nat_entry e;

	prep_snat_tcp(f);
	assert_int_equal(fx_nat_get(f, &out, &e), 0);
	e.tcp_ack_be = htonl(0x1001);
	assert_int_equal(fx_nat_put(f, &out, &e), 0);
}

const struct row snat_rows[] = {
	/* -- SNAT: actor egress leaves as the pod IP from the SNAT range -- */
	{ "snat_tcp_syn_new", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_udp_new", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_icmp_echo_new", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID) },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_actor2_new", FROM_ACTOR, DEV_A2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(2),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 2 },
	{ "snat_tcp_established", FROM_ACTOR, DEV_A1, .prep = prep_snat_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .touch = true },
	{ "snat_udp_established", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT_UDP, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .touch = true },
	{ "snat_icmp_echo_established", FROM_ACTOR, DEV_A1, .prep = prep_snat_icmp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID) },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT_ICMP, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .touch = true },
	{ "snat_tcp_fin_marks_closing", FROM_ACTOR, DEV_A1, .prep = prep_snat_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_FIN | PB_ACK },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .check = check_fin_seen },
	{ "snat_tcp_syn_reuses_closed_tuple", FROM_ACTOR, DEV_A1, .prep = prep_snat_tcp_closed,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .check = check_syn_cleared },
	{ "snat_tcp_syn_reuse_forgets_remote_fin", FROM_ACTOR, DEV_A1,
	  .prep = prep_snat_tcp_closed,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .check = check_syn_cleared_both },
	{ "snat_tcp_syn_reuse_forgets_remote_rst", FROM_ACTOR, DEV_A1,
	  .prep = prep_snat_tcp_refused,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .check = check_syn_cleared_both },
	{ "snat_udp_zero_csum_stays_zero", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA,
		  .udp_nocsum = true },
	  .verdict = FX_REDIRECT,
	  .x = { .saddr = FX_POD_IP, .sport = SNAT_PORT, .ttl_dec = true, .udp = CS_ZERO },
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_udp_csum_0_becomes_ffff", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_udp_ffff,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53,
		  .proto = IPPROTO_UDP, .payload = sizeof(ffff_payload),
		  .payload_data = ffff_payload },
	  .verdict = FX_REDIRECT,
	  .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true, .udp = CS_FFFF },
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_big_tcp_segment", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_ACK, .payload = 1448 },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },

	/* -- reverse SNAT: replies go back to the actor that sent -- */
	{ "snat_reply_tcp", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT, TCP_SYNACK },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) }, .touch = true,
	  .check = check_in_reply_seen },
	/* A SYN opens a connection, to the worker: never a reply, even on the
	 * tuple of a pair (which it leaves alone: a spoofed SYN cannot touch an
	 * actor's flow). */
	{ "snat_reply_syn_is_not_a_reply", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT, TCP_SYN },
	  SYN_PASS, .check = check_pair_untouched },
	{ "snat_reply_syn_with_data_is_not_a_reply", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_SYN | PB_PSH, .payload = 100 },
	  SYN_PASS, .check = check_pair_untouched },
	{ "snat_reply_tcp_redirect_peer", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .cfg_flags = ATEOM_CFG_REDIRECT_PEER,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) }, .touch = true },
	{ "snat_reply_udp", FROM_POD, DEV_POD, .prep = prep_snat_udp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 53, .dport = PPORT_UDP, UDP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT_UDP), .c = { C(1, SNAT_REPLY) },
	  .touch = true },
	{ "snat_reply_udp_zero_csum", FROM_POD, DEV_POD, .prep = prep_snat_udp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 53, .dport = PPORT_UDP, UDP_DATA,
		  .udp_nocsum = true },
	  .verdict = FX_REDIRECT,
	  .x = { .daddr = FX_ACTOR_IP, .dport = APORT_UDP, .ttl_dec = true, .macs = true,
		 .udp = CS_ZERO },
	  .c = { C(1, SNAT_REPLY) } },
	{ "snat_reply_icmp_echo", FROM_POD, DEV_POD, .prep = prep_snat_icmp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, ECHO_REPLY(PPORT_ICMP) },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(ICMP_ID), .c = { C(1, SNAT_REPLY) },
	  .touch = true },
	{ "snat_reply_actor2", FROM_POD, DEV_POD, .prep = prep_snat_tcp_a2,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT_A2, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(2, SNAT_REPLY) }, .touch = true },
	{ "snat_reply_rst_marks_closing", FROM_POD, DEV_POD, .prep = prep_snat_tcp_syn_sent,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_RST | PB_ACK, .ack = 0x1001 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) },
	  .check = check_in_rst_seen },
	{ "snat_reply_ttl1_dropped", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT, TCP_DATA,
		  .ttl = 1 },
	  .verdict = FX_SHOT, .c = { C(1, DROP_TTL) } },

	/* -- SNAT port range: exhaustion, reclaim, per-remote reuse, two actors -- */
	{ "snat_range_exhausted", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_port_busy,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_fin_not_yet_stale", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_port_closing,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_half_closed_kept", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_port_half_closed,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_stale_reclaimed", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .est_timeout_s = 5, .prep = prep_port_stale,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed },
	{ "snat_range_closed_reclaimed", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_port_closed,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed },
	{ "snat_range_reset_reclaimed", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_port_reset,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed },
	/* TCP timeouts: a pair the remote never answered lives tcp_syn_timeout,
	 * an answered one tcp_est_timeout (here 10 s and 7200 s; idle 20 s). */
	{ "snat_range_unanswered_reclaimed_after_syn_timeout", FROM_ACTOR, DEV_A1,
	  .snat_ports = 1, .syn_timeout_s = 10, .prep = prep_port_unanswered,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed },
	{ "snat_range_answered_kept_past_syn_timeout", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .syn_timeout_s = 10, .prep = prep_port_stale,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_unanswered_kept_before_syn_timeout", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .syn_timeout_s = 30, .est_timeout_s = 5, .prep = prep_port_unanswered,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_udp_stale_reclaimed", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_udp_port_stale,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed_udp },
	{ "snat_range_udp_busy", FROM_ACTOR, DEV_A1, .snat_ports = 1, .prep = prep_udp_port_busy,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_icmp_stale_reclaimed", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_icmp_id_stale,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID) },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed_icmp },
	/* Another actor's expired pair gives its port (and its quota) up. */
	{ "snat_range_other_actor_stale_reclaimed", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .est_timeout_s = 5, .prep = prep_port_stale_a2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed_a2 },
	{ "snat_range_port_reused_for_other_remote", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_port_busy,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 8443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	/* The hash leaves the veth out: both start at the same candidate, the
	 * second finds it taken and takes the next. */
	{ "snat_two_actors_same_tuple", FROM_ACTOR, DEV_A1, .snat_ports = 2,
	  .prep = prep_a2_same_tuple,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_NEXT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1, .check = check_a2_kept },
};
ROW_AREA_END(snat);
