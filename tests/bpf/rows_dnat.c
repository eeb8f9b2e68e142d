// SPDX-License-Identifier: Apache-2.0
/* Rows: exposed ports. A static mapping both ways (services, svc_rev), no
 * per-flow state: whatever arrives for pod:S goes to actor:A, client
 * address kept, and whatever the actor sends from A leaves as pod:S. So no
 * remote can create NAT state, and every row here leaves the table as it
 * found it. */
#include "rows.h"

/* Actor 1 talks to C:CPORT from the port whose first candidate is 9090,
 * actor 2's exposed port: the datapath must skip it. */
static uint16_t claimed;

static void prep_a1_claims_svc_a2(struct fx *f) { claimed = prep_actor1_claims(f, FX_SVC_A2); }

static void check_a1_not_on_svc_a2(struct fx *f, const struct run *run)
{
	(void)f;
	(void)run;
	assert_int_not_equal(claimed, FX_SVC_A2);
	if (on_production_range()) /* the next candidate, then */
		assert_int_equal(claimed, FX_SVC_A2 + 1);
}

/* A port record of actor 2's on {C:CPORT -> pod:80}, 80 exposed by actor 1
 * (a pair older than the service, or a stale one): the exposed port wins. */
static void prep_a2_pair_on_svc_http(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a2, 2, IPPROTO_TCP, APORT, FX_CLIENT_IP, CPORT,
					  FX_SVC_HTTP, ago(5)), 0);
}

static void check_a2_pair_untouched(struct fx *f, const struct run *run)
{
	struct ateom_nat_key in = fx_key_in(FX_CLIENT_IP, FX_POD_IP, CPORT, FX_SVC_HTTP,
					    IPPROTO_TCP);
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	assert_int_equal(e.seen, 0);
	assert_true(e.last_seen_ns < run->t0 - 4 * FX_SEC);
}

#define TO_SVC(sp, dp) TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = sp, .dport = dp
#define SVC_A1 .verdict = FX_REDIRECT, .c = { C(1, DNAT) }
#define FROM_SVC(sp) FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = sp, .dport = CPORT
#define SVC_REPLY .verdict = FX_REDIRECT, .c = { C(1, ACTOR_RX), C(1, DNAT_REPLY) }

const struct row dnat_rows[] = {
	/* -- inbound to exposed ports, client address kept, no state -- */
	{ "dnat_tcp_syn", FROM_POD, DEV_POD, .in = { TO_SVC(CPORT, FX_SVC_HTTP), TCP_SYN },
	  SVC_A1, .x = TO_ACTOR_X(0) },
	{ "dnat_tcp_expose_other_port", FROM_POD, DEV_POD,
	  .in = { TO_SVC(CPORT + 1, FX_SVC_ALT), TCP_SYN }, SVC_A1,
	  .x = TO_ACTOR_X(FX_SVC_ALT_TO) },
	/* A client on the actor's link (its gateway, the worker's address
	 * to it, or its own) is a spoofer on the pod network: the actor
	 * would take the packet for the worker's. */
	{ "dnat_client_is_the_gateway", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_WORKER_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA },
	  .verdict = FX_SHOT, .c = { C(0, DROP_SPOOF) } },
	{ "dnat_client_is_the_actor", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_ACTOR_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_SPOOF) } },
	{ "dnat_udp", FROM_POD, DEV_POD, .in = { TO_SVC(CPORT + 2, FX_SVC_DNS), UDP_DATA },
	  SVC_A1, .x = TO_ACTOR_X(FX_SVC_DNS_TO) },
	{ "dnat_udp_zero_csum", FROM_POD, DEV_POD,
	  .in = { TO_SVC(CPORT + 2, FX_SVC_DNS), UDP_DATA, .udp_nocsum = true }, SVC_A1,
	  .x = { .daddr = FX_ACTOR_IP, .dport = FX_SVC_DNS_TO, .ttl_dec = true, .macs = true,
		 .udp = CS_ZERO } },
	{ "dnat_udp_ip_options", FROM_POD, DEV_POD,
	  .in = { TO_SVC(CPORT + 2, FX_SVC_DNS), UDP_DATA, .ip_opt_words = 1 }, SVC_A1,
	  .x = TO_ACTOR_X(FX_SVC_DNS_TO) },
	{ "dnat_actor2_port", FROM_POD, DEV_POD, .in = { TO_SVC(CPORT, FX_SVC_A2), TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(80), .c = { C(2, DNAT) } },
	/* Not only SYNs: any segment is delivered, and none makes state (a
	 * flood to an exposed port costs the table nothing). */
	{ "dnat_tcp_data_without_state", FROM_POD, DEV_POD,
	  .in = { TO_SVC(CPORT, FX_SVC_HTTP), TCP_DATA }, SVC_A1, .x = TO_ACTOR_X(0) },
	{ "dnat_tcp_rst_without_state", FROM_POD, DEV_POD,
	  .in = { TO_SVC(CPORT, FX_SVC_HTTP), .proto = IPPROTO_TCP, .tcp_flags = PB_RST | PB_ACK },
	  SVC_A1, .x = TO_ACTOR_X(0) },
	{ "dnat_redirect_peer", FROM_POD, DEV_POD, .cfg_flags = ATEOM_CFG_REDIRECT_PEER,
	  .in = { TO_SVC(CPORT, FX_SVC_HTTP), TCP_DATA }, SVC_A1, .x = TO_ACTOR_X(0) },
	/* An exposed port inside the SNAT range. */
	{ "dnat_port_inside_snat_range", FROM_POD, DEV_POD, .snat_min = 32, .snat_max = 32767,
	  .in = { TO_SVC(CPORT, FX_SVC_HTTP), TCP_SYN }, SVC_A1, .x = TO_ACTOR_X(0) },
	/* Exposed ports are asked first: a pair on the same tuple (made before
	 * the port was exposed) gets nothing of it. */
	{ "dnat_exposed_port_before_pairs", FROM_POD, DEV_POD, .snat_min = 32, .snat_max = 32767,
	  .prep = prep_a2_pair_on_svc_http, .in = { TO_SVC(CPORT, FX_SVC_HTTP), TCP_DATA },
	  SVC_A1, .x = TO_ACTOR_X(0), .check = check_a2_pair_untouched },
	/* Actor 1 talks to C:CPORT; C connects from there to actor 2's port. */
	{ "dnat_exposed_port_not_claimed_by_snat", FROM_POD, DEV_POD,
	  .prep = prep_a1_claims_svc_a2, .in = { TO_SVC(CPORT, FX_SVC_A2), TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(80), .c = { C(2, DNAT) },
	  .check = check_a1_not_on_svc_a2 },
	{ "dnat_ttl1_dropped", FROM_POD, DEV_POD,
	  .in = { TO_SVC(CPORT, FX_SVC_HTTP), TCP_SYN, .ttl = 1 },
	  .verdict = FX_SHOT, .c = { C(1, DROP_TTL) } },

	/* -- what the actor sends from an exposed port leaves as pod:S -- */
	{ "dnat_reply_tcp", FROM_ACTOR, DEV_A1, .in = { FROM_SVC(80), TCP_SYNACK }, SVC_REPLY,
	  .x = { .saddr = FX_POD_IP, .ttl_dec = true } },
	{ "dnat_reply_expose_other_port", FROM_ACTOR, DEV_A1,
	  .in = { FROM_SVC(FX_SVC_ALT_TO), TCP_DATA }, SVC_REPLY,
	  .x = { .saddr = FX_POD_IP, .sport = FX_SVC_ALT, .ttl_dec = true } },
	{ "dnat_reply_udp", FROM_ACTOR, DEV_A1, .in = { FROM_SVC(FX_SVC_DNS_TO), UDP_DATA },
	  SVC_REPLY, .x = { .saddr = FX_POD_IP, .sport = FX_SVC_DNS, .ttl_dec = true } },
	/* svc_rev is per actor: actor 2's port 80 is pod:9090. */
	{ "dnat_reply_actor2", FROM_ACTOR, DEV_A2, .in = { FROM_SVC(80), TCP_DATA },
	  .verdict = FX_REDIRECT, .c = { C(2, ACTOR_RX), C(2, DNAT_REPLY) },
	  .x = { .saddr = FX_POD_IP, .sport = FX_SVC_A2, .ttl_dec = true } },
	/* Stateless: to any peer, not only to someone who called. */
	{ "dnat_reply_to_any_peer", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = 80, .dport = 443, TCP_SYN },
	  SVC_REPLY, .x = { .saddr = FX_POD_IP, .ttl_dec = true } },
	/* and per protocol: 5353 is exposed for UDP only, TCP from it is SNAT. */
	{ "dnat_reply_other_proto_is_snat", FROM_ACTOR, DEV_A1,
	  .in = { FROM_SVC(FX_SVC_DNS_TO), TCP_SYN }, .verdict = FX_REDIRECT, .x = SNAT_X,
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	/* TTL 1: answered with Time Exceeded (rows_ttl.c) */
};
ROW_AREA_END(dnat);
