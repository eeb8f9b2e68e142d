// SPDX-License-Identifier: Apache-2.0
/* The NAT garbage collector (bpf/gc.h): nat_gc_ctl, run as the loader runs
 * it, starts a bpf_timer that sweeps the table every gc_interval_ns and
 * deletes expired pairs (both halves, uncounted from their actor) and OUT
 * halves left without their port record for over a second; live pairs stay.
 * A remote's RST counts only with the right sequence number. Any other
 * mark stops it. These tests sleep (about a second in all). */
#include <time.h>
#include <bpf/bpf.h>

#include "rows.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts))
		;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FX_SEC + ts.tv_nsec;
}

/* Short timeouts and a 15 ms sweep. */
static void gc_config(uint64_t interval_ns)
{
	struct ateom_config c;

	assert_int_equal(fx_get_config(&fx, &c), 0);
	c.gc_interval_ns = interval_ns;
	c.tcp_syn_timeout_ns = 10 * FX_SEC;
	c.tcp_est_timeout_ns = 7200 * FX_SEC;
	c.tcp_closing_timeout_ns = 10 * FX_SEC;
	c.udp_timeout_ns = 60 * FX_SEC;
	c.udp_query_timeout_ns = 60 * FX_SEC; /* its UDP pairs go to port 53 */
	c.icmp_timeout_ns = 30 * FX_SEC;
	assert_int_equal(fx_set_config(&fx, &c), 0);
}

struct gc_pair {
	int actor;
	uint8_t proto;
	uint16_t aport, rport, pod_port;
	unsigned age;            /* idle seconds */
	uint8_t seen_in, seen_out;
	bool expired;
};

#define P(n) ((uint16_t)(fx.snat_min + (n)))
static struct gc_pair pairs[] = {
	/* never answered, idle past the SYN timeout */
	{ 1, IPPROTO_TCP, APORT, 443, 0, 20, 0, 0, true },
	/* answered: the established timeout */
	{ 1, IPPROTO_TCP, APORT + 1, 443, 1, 20, ATEOM_SEEN_REPLY, 0, false },
	/* closed both ways, idle past the closing timeout */
	{ 1, IPPROTO_TCP, APORT + 2, 443, 2, 20, ATEOM_SEEN_REPLY | ATEOM_SEEN_FIN,
	  ATEOM_SEEN_FIN, true },
	/* closed one way only: still established */
	{ 1, IPPROTO_TCP, APORT + 3, 443, 3, 20, ATEOM_SEEN_REPLY | ATEOM_SEEN_FIN, 0, false },
	{ 1, IPPROTO_UDP, APORT_UDP, 53, 4, 61, 0, 0, true },
	{ 1, IPPROTO_UDP, APORT_UDP + 1, 53, 5, 50, ATEOM_SEEN_REPLY, 0, false },
	{ 1, IPPROTO_ICMP, ICMP_ID, 0, 6, 31, 0, 0, true },
	{ 1, IPPROTO_ICMP, ICMP_ID + 1, 0, 7, 5, 0, 0, false },
	/* actor 2: reset by the actor */
	{ 2, IPPROTO_TCP, APORT, 443, 8, 20, ATEOM_SEEN_REPLY, ATEOM_SEEN_RST, true },
	{ 2, IPPROTO_TCP, APORT + 1, 443, 9, 5, 0, 0, false },
};
#define N_PAIRS (sizeof(pairs) / sizeof(pairs[0]))

static void pair_keys(const struct gc_pair *p, struct ateom_nat_key *in, struct ateom_nat_key *out)
{
	*in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, p->rport, P(p->pod_port), p->proto);
	*out = fx_key_out(actor_ifindex(p->actor), FX_ACTOR_IP, FX_REMOTE_IP, p->aport, p->rport,
			  p->proto);
}

static void make_pairs(void)
{
	struct ateom_nat_key in, out;

	for (size_t i = 0; i < N_PAIRS; i++) {
		const struct gc_pair *p = &pairs[i];

		assert_int_equal(fx_snat_pair_put(&fx, actor_ifindex(p->actor), p->actor, p->proto,
						  p->aport, FX_REMOTE_IP, p->rport, P(p->pod_port),
						  ago(p->age)), 0);
		pair_keys(p, &in, &out);
		/* As the datapath keeps it: the record mirrors the actor's
		 * FIN/RST (nat_mirror_close). */
		set_seen(&fx, &in, p->seen_in |
				   (p->seen_out & ATEOM_SEEN_FIN ? ATEOM_SEEN_OUT_FIN : 0) |
				   (p->seen_out & ATEOM_SEEN_RST ? ATEOM_SEEN_OUT_RST : 0));
		set_seen(&fx, &out, p->seen_out);
	}
}

static struct ateom_gc gc_now(void)
{
	struct ateom_gc g;

	assert_int_equal(fx_gc_get(&fx, &g), 0);
	return g;
}

static void gc_expires_pairs(void **state)
{
	struct ateom_nat_key in, out, orphan_old, orphan_new;
	struct ateom_nat_entry e;
	struct ateom_gc g;
	unsigned live = 0;

	(void)state;
	gc_config(15 * FX_MSEC);
	make_pairs();
	/* OUT halves without their port record: one idle 5 s, one just used. */
	assert_int_equal(fx_snat_pair_put(&fx, fx.if_a1, 1, IPPROTO_TCP, APORT + 10, FX_REMOTE_IP,
					  443, P(10), ago(5)), 0);
	assert_int_equal(fx_snat_pair_put(&fx, fx.if_a1, 1, IPPROTO_TCP, APORT + 11, FX_REMOTE_IP,
					  443, P(11), fx_now()), 0);
	orphan_old = fx_key_out(fx.if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT + 10, 443, IPPROTO_TCP);
	orphan_new = fx_key_out(fx.if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT + 11, 443, IPPROTO_TCP);
	in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, P(10), IPPROTO_TCP);
	delete_port_record(&fx, &in);
	in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, P(11), IPPROTO_TCP);
	delete_port_record(&fx, &in);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 8);
	assert_int_equal(actor_pairs(&fx, fx.if_a2), 2);

	assert_int_equal(fx_gc(&fx, true), 0);
	assert_int_equal(fx_gc_wait(&fx, 1), 0);
	g = gc_now();
	assert_true(g.runs > 0);
	assert_int_equal(g.expired, 5);
	assert_true(g.last_run_ns > fx_now() - FX_SEC);

	for (size_t i = 0; i < N_PAIRS; i++) {
		bool in_there, out_there;

		pair_keys(&pairs[i], &in, &out);
		in_there = !fx_nat_get(&fx, &in, &e);
		out_there = !fx_nat_get(&fx, &out, &e);
		if (in_there != !pairs[i].expired || out_there != !pairs[i].expired)
			fail_msg("pair %zu: IN %s, OUT %s, but it is %s", i,
				 in_there ? "there" : "gone", out_there ? "there" : "gone",
				 pairs[i].expired ? "expired" : "live");
		live += !pairs[i].expired;
	}
	assert_int_not_equal(fx_nat_get(&fx, &orphan_old, &e), 0);
	assert_int_equal(fx_nat_get(&fx, &orphan_new, &e), 0);
	assert_int_equal(fx_nat_count(&fx), 2 * live + 1);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 4);
	assert_int_equal(actor_pairs(&fx, fx.if_a2), 1);
	assert_int_equal(fx_gc(&fx, false), 0);
}

/* A remote's RST on an answered connection (bpf/nat.h remote_rst_valid):
 * forged (not the sequence number the actor acknowledged), the collector
 * keeps the pair past the closing timeout (100 ms here); the valid one
 * closes it and the pair goes once the closing timeout has passed. */
static void gc_forged_rst_keeps_pair(void **state)
{
	struct pb_spec syn = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
			       .dport = 443, .proto = IPPROTO_TCP, .tcp_flags = PB_SYN,
			       .seq = 0x1000 };
	struct pb_spec synack = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443,
				  .proto = IPPROTO_TCP, .tcp_flags = PB_SYN | PB_ACK,
				  .seq = 0x7000, .ack = 0x1001 };
	struct pb_spec ack = syn, rst;
	struct ateom_nat_key in, out;
	struct ateom_nat_entry e;
	struct ateom_config c;
	struct fx_result res;
	struct pb_view v;

	(void)state;
	gc_config(15 * FX_MSEC);
	assert_int_equal(fx_get_config(&fx, &c), 0);
	c.tcp_closing_timeout_ns = 100 * FX_MSEC;
	assert_int_equal(fx_set_config(&fx, &c), 0);

	v = xmit(fx.from_actor, fx.if_a1, &syn, FX_REDIRECT, &res);
	synack.dport = v.sport;
	in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, v.sport, IPPROTO_TCP);
	out = fx_key_out(fx.if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443, IPPROTO_TCP);
	xmit(fx.from_pod, fx.if_pod, &synack, FX_REDIRECT, &res);
	ack.tcp_flags = PB_ACK;
	ack.seq = 0x1001;
	ack.ack = 0x7001;
	xmit(fx.from_actor, fx.if_a1, &ack, FX_REDIRECT, &res);

	rst = synack;
	rst.tcp_flags = PB_RST | PB_ACK;
	rst.seq = 0x7001 + 1000; /* in the window, not the exact number */
	xmit(fx.from_pod, fx.if_pod, &rst, FX_REDIRECT, &res); /* the actor judges it */
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_RST_IGNORED, NULL), 1);
	assert_int_equal(fx_gc(&fx, true), 0);
	assert_int_equal(fx_gc_wait(&fx, 1), 0);
	assert_int_equal(gc_now().expired, 0);
	assert_int_equal(fx_nat_get(&fx, &in, &e), 0);
	assert_int_equal(e.seen, ATEOM_SEEN_REPLY);
	assert_int_equal(fx_nat_get(&fx, &out, &e), 0);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 1);

	rst.seq = 0x7001;
	xmit(fx.from_pod, fx.if_pod, &rst, FX_REDIRECT, &res);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_RST_IGNORED, NULL), 1);
	/* Closed: expired once its closing timeout (gc_config) has passed. */
	for (int i = 0; i < 50 && gc_now().expired == 0; i++)
		assert_int_equal(fx_gc_wait(&fx, gc_now().runs + 1), 0);
	assert_int_equal(gc_now().expired, 1);
	assert_int_not_equal(fx_nat_get(&fx, &in, &e), 0);
	assert_int_not_equal(fx_nat_get(&fx, &out, &e), 0);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 0);
	assert_int_equal(fx_gc(&fx, false), 0);
}

/* Stopped, it sweeps no more; started again, it goes on. */
static void gc_stop_and_restart(void **state)
{
	struct ateom_gc g0, g1;

	(void)state;
	gc_config(10 * FX_MSEC);
	assert_int_equal(fx_gc(&fx, true), 0);
	assert_int_equal(fx_gc(&fx, true), 0); /* started twice: restarted */
	assert_int_equal(fx_gc_wait(&fx, 1), 0);
	assert_int_equal(fx_gc(&fx, false), 0);
	g0 = gc_now();
	assert_true(g0.runs > 0);
	sleep_ms(60);
	g1 = gc_now();
	assert_int_equal(g1.runs, g0.runs);
	assert_int_equal(fx_gc(&fx, true), 0);
	assert_int_equal(fx_gc_wait(&fx, g1.runs + 1), 0);
	assert_int_equal(fx_gc(&fx, false), 0);
}

/* A zero period would spin: the floor is 10 ms. */
static void gc_interval_floor(void **state)
{
	struct ateom_gc g;
	uint64_t t0, t1;

	(void)state;
	gc_config(0);
	t0 = mono_ns();
	assert_int_equal(fx_gc(&fx, true), 0);
	sleep_ms(100);
	assert_int_equal(fx_gc_wait(&fx, 1), 0); /* (late on a loaded machine) */
	g = gc_now();
	assert_int_equal(fx_gc(&fx, false), 0);
	t1 = mono_ns();
	assert_true(g.runs > 0);
	if (g.runs > (t1 - t0) / (10 * FX_MSEC) + 1)
		fail_msg("%lu sweeps in %lu ms", (unsigned long)g.runs,
			 (unsigned long)((t1 - t0) / FX_MSEC));
}

/* Unconfigured (being purged): nothing to start. */
static void gc_unconfigured_refuses(void **state)
{
	(void)state;
	assert_int_equal(fx_reset(&fx), 0);
	assert_int_equal(fx_gc(&fx, true), 1);
	sleep_ms(30);
	assert_int_equal(gc_now().runs, 0);
}

const struct CMUnitTest gc_flows[] = {
	cmocka_unit_test_setup(gc_expires_pairs, flow_setup),
	cmocka_unit_test_setup(gc_forged_rst_keeps_pair, flow_setup),
	cmocka_unit_test_setup(gc_stop_and_restart, flow_setup),
	cmocka_unit_test_setup(gc_interval_floor, flow_setup),
	cmocka_unit_test_setup(gc_unconfigured_refuses, flow_setup),
};
FLOW_GROUP_END(gc);
