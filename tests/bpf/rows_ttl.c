// SPDX-License-Identifier: Apache-2.0
/* Rows: TTL expiry (bpf/ttl.h). What the actor sends with TTL 1 comes back
 * as ICMP Time Exceeded from the gateway address, quoting the datagram as
 * it came (up to ATEOM_TTL_QUOTE_MAX bytes, whole words), with every
 * checksum right (check_want: outer IPv4, ICMP, quoted IPv4 and L4); at
 * most a burst per actor, then ATEOM_TTL_ICMP_PER_SEC. */
#include "rows.h"

/* The probes of traceroute: UDP to 33434+ (default), TCP SYN (-T), ping
 * (-I); and an answer of an exposed port. */
#define PROBE_UDP(n) FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = IPPROTO_UDP, \
		     .sport = APORT_UDP, .dport = 33434, .ttl = 1, .payload = n
#define PROBE_TCP FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, \
		  TCP_SYN, .ttl = 1
#define PROBE_ECHO FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID), .ttl = 1
#define PROBE_SVC FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80, .dport = CPORT, \
		  TCP_DATA, .ttl = 1
static const struct pb_spec probe_udp = { PROBE_UDP(32) };        /* 60 bytes */
static const struct pb_spec probe_udp_odd = { PROBE_UDP(33) };    /* 61: 60 quoted */
static const struct pb_spec probe_udp_big = { PROBE_UDP(1200) };  /* cut to 548 */
static const struct pb_spec probe_tcp = { PROBE_TCP };
static const struct pb_spec probe_echo = { PROBE_ECHO };
static const struct pb_spec probe_svc = { PROBE_SVC };
/* A first fragment: a router answers it (RFC 792: errors about fragment
 * zero only), quoting it with its flags. */
#define PROBE_FRAG FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, \
		   UDP_DATA, .frag = PB_MF, .ttl = 1
static const struct pb_spec probe_frag = { PROBE_FRAG };

/* From the gateway (the worker address on the veth) to the actor. */
#define TIME_EXCEEDED_X(q, ...) { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, \
	.saddr = FX_WORKER_IP, .daddr = FX_ACTOR_IP, .ttl = 64, .tos = 0xc0, .no_df = true, \
	.proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_TIME_EXCEEDED, .inner = q, __VA_ARGS__ }
static const struct pb_spec want_udp = TIME_EXCEEDED_X(&probe_udp);
static const struct pb_spec want_udp_odd = TIME_EXCEEDED_X(&probe_udp_odd, .inner_quote = 60);
static const struct pb_spec want_udp_big = TIME_EXCEEDED_X(&probe_udp_big,
							   .inner_quote = ATEOM_TTL_QUOTE_MAX);
static const struct pb_spec want_tcp = TIME_EXCEEDED_X(&probe_tcp);
static const struct pb_spec want_echo = TIME_EXCEEDED_X(&probe_echo);
static const struct pb_spec want_svc = TIME_EXCEEDED_X(&probe_svc);
static const struct pb_spec want_frag = TIME_EXCEEDED_X(&probe_frag);

#define TTL_SENT .verdict = FX_REDIRECT, .c = { C(1, ACTOR_RX), C(1, TTL_EXCEEDED) }, \
		 .check = took_one_token
#define RL_INTERVAL_NS (1000000000ULL / ATEOM_TTL_ICMP_PER_SEC)

/* A full bucket: the error took one token (the clock moved one interval
 * past now). */
static void took_one_token(struct fx *f, const struct run *run)
{
	uint64_t tat = fx_ttl_rl_get(f, 1);

	assert_in_range(tat, run->t0 + RL_INTERVAL_NS, run->t1 + RL_INTERVAL_NS);
	assert_int_equal(fx_ttl_rl_get(f, 2), 0);
}

/* The bucket empty (its clock a burst ahead, and more). */
static void prep_bucket_empty(struct fx *f)
{
	assert_int_equal(fx_ttl_rl_set(f, 1, fx_now() + 60 * FX_SEC), 0);
}

/* One token left: the clock is burst - 1 intervals ahead. */
static uint64_t last_token_tat;

static void prep_last_token(struct fx *f)
{
	last_token_tat = fx_now() + (ATEOM_TTL_ICMP_BURST - 1) * RL_INTERVAL_NS;
	assert_int_equal(fx_ttl_rl_set(f, 1, last_token_tat), 0);
}

/* Actor 2's bucket is empty: actor 1's is its own. */
static void prep_other_bucket_empty(struct fx *f)
{
	assert_int_equal(fx_ttl_rl_set(f, 2, fx_now() + 60 * FX_SEC), 0);
}

static void last_token_taken(struct fx *f, const struct run *run)
{
	/* One interval later (a burst ahead of when it was set): the next
	 * one waits for a token. */
	assert_true(fx_ttl_rl_get(f, 1) == last_token_tat + RL_INTERVAL_NS);
}

static void own_bucket_only(struct fx *f, const struct run *run)
{
	assert_in_range(fx_ttl_rl_get(f, 1), run->t0 + RL_INTERVAL_NS, run->t1 + RL_INTERVAL_NS);
	assert_true(fx_ttl_rl_get(f, 2) > run->t1 + 50 * FX_SEC); /* untouched */
}

const struct row ttl_rows[] = {
	{ "ttl1_udp_time_exceeded", FROM_ACTOR, DEV_A1, .in = { PROBE_UDP(32) },
	  .want = &want_udp, TTL_SENT },
	{ "ttl1_udp_odd_length_whole_words", FROM_ACTOR, DEV_A1, .in = { PROBE_UDP(33) },
	  .want = &want_udp_odd, TTL_SENT },
	{ "ttl1_udp_big_quote_cut", FROM_ACTOR, DEV_A1, .in = { PROBE_UDP(1200) },
	  .want = &want_udp_big, TTL_SENT },
	{ "ttl1_tcp_syn_time_exceeded", FROM_ACTOR, DEV_A1, .in = { PROBE_TCP },
	  .want = &want_tcp, TTL_SENT },
	{ "ttl1_echo_time_exceeded", FROM_ACTOR, DEV_A1, .in = { PROBE_ECHO },
	  .want = &want_echo, TTL_SENT },
	/* an exposed port's answer (was dnat_reply_ttl1_dropped) */
	{ "ttl1_dnat_reply_time_exceeded", FROM_ACTOR, DEV_A1, .in = { PROBE_SVC },
	  .want = &want_svc, TTL_SENT },
	{ "ttl1_first_fragment_time_exceeded", FROM_ACTOR, DEV_A1, .in = { PROBE_FRAG },
	  .want = &want_frag, TTL_SENT },
	{ "ttl1_no_pair_made", FROM_ACTOR, DEV_A1, .in = { PROBE_TCP }, .want = &want_tcp,
	  TTL_SENT, .nat_delta = 0 },
	{ "ttl1_other_actor_bucket_empty", FROM_ACTOR, DEV_A1, .prep = prep_other_bucket_empty,
	  .in = { PROBE_UDP(32) }, .want = &want_udp, .verdict = FX_REDIRECT,
	  .c = { C(1, ACTOR_RX), C(1, TTL_EXCEEDED) }, .check = own_bucket_only },
	/* -- the rate limit -- */
	{ "ttl1_last_token", FROM_ACTOR, DEV_A1, .prep = prep_last_token,
	  .in = { PROBE_UDP(32) }, .want = &want_udp, .verdict = FX_REDIRECT,
	  .c = { C(1, ACTOR_RX), C(1, TTL_EXCEEDED) }, .check = last_token_taken },
	{ "ttl1_rate_limited", FROM_ACTOR, DEV_A1, .prep = prep_bucket_empty,
	  .in = { PROBE_UDP(32) }, ACTOR_DROP(DROP_TTL_RATELIMIT) },
	/* no error about an error (RFC 1122 3.2.2) */
	{ "ttl1_icmp_error_dropped", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .ttl = 1,
		  PORT_UNREACH(&((const struct pb_spec)QUOTE_UDP(FX_REMOTE_IP, 53, FX_ACTOR_IP,
								 APORT_UDP))) },
	  ACTOR_DROP(DROP_TTL) },
};
ROW_AREA_END(ttl);
