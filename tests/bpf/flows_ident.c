// SPDX-License-Identifier: Apache-2.0
/* Flows: actor identities toward the worker (bpf/ident.h), both ways
 * through from_actor (ateomN ingress) and to_actor (ateomN egress): the
 * actor calls the worker and gets the answers at its own address; the
 * worker calls 10.200.0.2 and its flow stays 10.200.0.2 both ways; two
 * actors ping the worker with the same id and each gets its own reply. */
#include "rows.h"

#define ASRV 7000   /* a server of the actor's */
#define WPORT 9000  /* a server of the worker's */

/* One packet that must pass (from_actor: TC_ACT_OK to the worker's stack;
 * to_actor: TC_ACT_UNSPEC) with checksums that verify. */
static struct pb_view pass(int prog, int ifindex, const struct pb_spec *s, int verdict,
			   struct fx_result *res)
{
	struct pb_view v = xmit(prog, ifindex, s, verdict, res);

	assert_true(pb_ip_csum_ok(&v));
	assert_true(pb_l4_csum_ok(&v));
	return v;
}

/* Actor 1 -> 10.200.0.1 as its identity; the worker answers the identity
 * and actor 1 gets it at 10.200.0.2; the actor goes on as its identity. */
static void flow_ident_actor_calls_worker(void **state)
{
	struct pb_spec syn = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT,
			       .dport = WPORT, TCP_SYN };
	struct pb_spec synack = { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = FX_WORKER_IP,
				  .sport = WPORT, .dport = APORT, TCP_SYNACK };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	v = pass(fx.from_actor, fx.if_a1, &syn, FX_OK, &res);
	assert_int_equal(v.saddr, FX_IDENT_IP(1));
	assert_int_equal(v.sport, APORT);
	synack.daddr = v.saddr; /* the worker answers whom it saw */
	v = pass(fx.to_actor, fx.if_a1, &synack, FX_UNSPEC, &res);
	assert_int_equal(v.saddr, FX_WORKER_IP);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(v.dport, APORT);
	syn.tcp_flags = PB_ACK;
	v = pass(fx.from_actor, fx.if_a1, &syn, FX_OK, &res);
	assert_int_equal(v.saddr, FX_IDENT_IP(1));
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_TO_WORKER, NULL), 2);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FROM_WORKER, NULL), 1);
	assert_int_equal(fx_wflow_count(&fx), 0);
	assert_int_equal(fx_nat_count(&fx), 0);
}

/* The worker -> 10.200.0.2 through actor 1's veth: its flow goes both ways
 * unchanged, while actor 1's own call to the worker still carries its
 * identity and actor 2 cannot answer for actor 1. */
static void flow_ident_worker_calls_actor(void **state)
{
	struct pb_spec syn = { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = FX_WORKER_IP,
			       .daddr = FX_ACTOR_IP, .sport = WORKER_PORT, .dport = ASRV,
			       TCP_SYN };
	struct pb_spec synack = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = ASRV,
				  .dport = WORKER_PORT, TCP_SYNACK };
	struct pb_spec own = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT_UDP,
			       .dport = 53, UDP_DATA };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	v = pass(fx.to_actor, fx.if_a1, &syn, FX_UNSPEC, &res);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	v = pass(fx.from_actor, fx.if_a1, &synack, FX_OK, &res);
	assert_int_equal(v.saddr, FX_ACTOR_IP);
	syn.tcp_flags = PB_ACK;
	v = pass(fx.to_actor, fx.if_a1, &syn, FX_UNSPEC, &res);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	synack.tcp_flags = PB_ACK | PB_PSH;
	synack.payload = 100;
	v = pass(fx.from_actor, fx.if_a1, &synack, FX_OK, &res);
	assert_int_equal(v.saddr, FX_ACTOR_IP);
	v = pass(fx.from_actor, fx.if_a1, &own, FX_OK, &res);
	assert_int_equal(v.saddr, FX_IDENT_IP(1));
	v = pass(fx.from_actor, fx.if_a2, &synack, FX_OK, &res);
	assert_int_equal(v.saddr, FX_IDENT_IP(2));
	assert_int_equal(fx_wflow_count(&fx), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_TO_WORKER, NULL), 3);
	assert_int_equal(fx_counter(&fx, 2, ATEOM_STAT_TO_WORKER, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FROM_WORKER, NULL), 0);
}

/* Both actors ping 10.200.0.1 with the same id: the worker sees two
 * identities, and each reply, routed out of its actor's veth, reaches that
 * actor at 10.200.0.2. */
static void flow_ident_two_actors_ping_worker(void **state)
{
	struct pb_spec ping = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, ECHO(ICMP_ID) };
	struct pb_spec reply = { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = FX_WORKER_IP,
				 ECHO_REPLY(ICMP_ID) };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	v = pass(fx.from_actor, fx.if_a1, &ping, FX_OK, &res);
	assert_int_equal(v.saddr, FX_IDENT_IP(1));
	v = pass(fx.from_actor, fx.if_a2, &ping, FX_OK, &res);
	assert_int_equal(v.saddr, FX_IDENT_IP(2));
	for (int id = 1; id <= 2; id++) {
		reply.daddr = FX_IDENT_IP(id);
		v = pass(fx.to_actor, actor_ifindex(id), &reply, FX_UNSPEC, &res);
		assert_int_equal(v.daddr, FX_ACTOR_IP);
		assert_int_equal(v.icmp_id, ICMP_ID);
		assert_int_equal(fx_counter(&fx, id, ATEOM_STAT_FROM_WORKER, NULL), 1);
		assert_int_equal(fx_counter(&fx, id, ATEOM_STAT_TO_WORKER, NULL), 1);
	}
	/* A reply to actor 2's identity that went out of actor 1's veth is
	 * not actor 1's to take. */
	reply.daddr = FX_IDENT_IP(2);
	v = pass(fx.to_actor, fx.if_a1, &reply, FX_UNSPEC, &res);
	assert_int_equal(v.daddr, FX_IDENT_IP(2));
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FROM_WORKER, NULL), 1);
}

const struct CMUnitTest ident_flows[] = {
	cmocka_unit_test_setup(flow_ident_actor_calls_worker, flow_setup),
	cmocka_unit_test_setup(flow_ident_worker_calls_actor, flow_setup),
	cmocka_unit_test_setup(flow_ident_two_actors_ping_worker, flow_setup),
};
FLOW_GROUP_END(ident);
