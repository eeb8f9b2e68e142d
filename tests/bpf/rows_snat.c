// SPDX-License-Identifier: Apache-2.0
/* Rows: SNAT of actor egress, the replies back to the actor, and the SNAT
 * port range (exhaustion, reclaim, per-remote reuse, two actors). */
#include <string.h>
#include <arpa/inet.h>

#include "rows.h"

static void prep_snat_tcp_a2(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a2, 2, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443,
					  range_port(PPORT_A2), ago(5)), 0);
}

/* The only SNAT port (FIRST_PORT of a range cut to one) to R:443 is held by
 * another flow of actor 1. */
static void prep_port_held(struct fx *f, unsigned age, uint8_t seen)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, range_port(FIRST_PORT),
					    IPPROTO_TCP);
	struct ateom_nat_key out = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT + 99,
					      443, IPPROTO_TCP);

	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT + 99, FX_REMOTE_IP,
					  443, range_port(FIRST_PORT), ago(age)), 0);
	if (seen) {
		set_tcp_seen(f, &in, seen);
		set_tcp_seen(f, &out, seen);
	}
}

static void prep_port_busy(struct fx *f) { prep_port_held(f, 5, 0); }
static void prep_port_stale(struct fx *f) { prep_port_held(f, 20, 0); }     /* row: 5 s */
static void prep_port_closed(struct fx *f) { prep_port_held(f, 20, ATEOM_TCP_SEEN_FIN); }
static void prep_port_closing(struct fx *f) { prep_port_held(f, 5, ATEOM_TCP_SEEN_FIN); }

/* Only the remote has closed (a FIN one way): the actor may still send. */
static void prep_port_half_closed(struct fx *f)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, range_port(FIRST_PORT),
					    IPPROTO_TCP);

	prep_port_held(f, 20, 0);
	set_tcp_seen(f, &in, ATEOM_TCP_SEEN_FIN);
}

/* A stale pair was reclaimed: its OUT half is gone, its port reused. */
static void check_reclaimed(struct fx *f, const struct run *run)
{
	struct ateom_nat_key out = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT + 99,
					      443, IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_not_equal(fx_nat_get(f, &out, &e), 0);
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

	(void)run;
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.tcp_seen, ATEOM_TCP_SEEN_FIN);
}

static void prep_snat_tcp_closed(struct fx *f)
{
	struct ateom_nat_key k = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					    IPPROTO_TCP);

	prep_snat_tcp(f);
	set_tcp_seen(f, &k, ATEOM_TCP_SEEN_FIN);
}

/* A new SYN on an old tuple starts a new connection: the FIN is forgotten. */
static void check_syn_cleared(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					    IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.tcp_seen, 0);
}

static void check_in_rst_seen(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, range_port(PPORT),
					   IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.tcp_seen, ATEOM_TCP_SEEN_RST);
}

/* UDP payload chosen so that the translated datagram's checksum computes to
 * 0, which must go out as 0xffff (0 means "no checksum"). */
static uint8_t ffff_payload[16];

static void prep_udp_ffff(struct fx *f)
{
	struct pb_spec t = { FX_ACTOR_WIRE, .saddr = FX_POD_IP, .daddr = FX_REMOTE_IP,
			     .proto = IPPROTO_UDP, .sport = range_port(FIRST_PORT), .dport = 53,
			     .payload = sizeof(ffff_payload), .payload_data = ffff_payload };
	struct pb_spec o = t;
	uint8_t pkt[PB_FRAME_MAX];
	struct pb_view v;
	uint16_t c;

	(void)f;
	memset(ffff_payload, 0x5a, sizeof(ffff_payload));
	ffff_payload[0] = ffff_payload[1] = 0;
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &t), &v), 0);
	c = pb_l4_csum_calc(&v); /* adding it to the sum makes the sum 0xffff */
	ffff_payload[0] = c >> 8;
	ffff_payload[1] = c & 0xff;
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &t), &v), 0);
	assert_int_equal(v.l4_csum, 0xffff);
	/* ...while the packet the actor sends has an ordinary checksum. */
	o.saddr = FX_ACTOR_IP;
	o.sport = APORT_UDP;
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &o), &v), 0);
	assert_int_not_equal(v.l4_csum, 0xffff);
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
	{ "snat_tcp_ip_options", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ip_opt_words = 2 },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
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
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) }, .touch = true },
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
	{ "snat_reply_rst_marks_closing", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_RST | PB_ACK },
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
	{ "snat_range_port_reused_for_other_remote", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_port_busy,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 8443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_two_actors_same_tuple", FROM_ACTOR, DEV_A1, .snat_ports = 2,
	  .prep = prep_a2_same_tuple,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1, .check = check_a2_kept },
};
ROW_AREA_END(snat);
