// SPDX-License-Identifier: Apache-2.0
/* Rows: DNAT of inbound flows to exposed ports (client address kept), and
 * the actor's replies on them. */
#include "rows.h"

static void prep_a1_claims_svc_a2(struct fx *f) { prep_actor1_claims(f, FX_SVC_A2); }

static void prep_dnat_alt(struct fx *f)
{
	assert_int_equal(fx_dnat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, FX_CLIENT_IP, CPORT + 1,
					  FX_SVC_ALT, FX_SVC_ALT_TO, ago(5)), 0);
}


const struct row dnat_rows[] = {
	/* -- DNAT: inbound to exposed ports, client address kept -- */
	{ "dnat_tcp_syn_new", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(0), .c = { C(1, DNAT), C(1, DNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_tcp_expose_other_port", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 1, .dport = FX_SVC_ALT,
		  TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_ALT_TO),
	  .c = { C(1, DNAT), C(1, DNAT_NEW) }, .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_udp_new", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_DNS_TO),
	  .c = { C(1, DNAT), C(1, DNAT_NEW) }, .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_udp_zero_csum", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA, .udp_nocsum = true },
	  .verdict = FX_REDIRECT,
	  .x = { .daddr = FX_ACTOR_IP, .dport = FX_SVC_DNS_TO, .ttl_dec = true, .macs = true,
		 .udp = CS_ZERO },
	  .c = { C(1, DNAT), C(1, DNAT_NEW) }, .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_udp_ip_options", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA, .ip_opt_words = 1 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_DNS_TO),
	  .c = { C(1, DNAT), C(1, DNAT_NEW) }, .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_actor2_port", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_A2, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(80), .c = { C(2, DNAT), C(2, DNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_DNAT, .actor = 2 },
	{ "dnat_tcp_established", FROM_POD, DEV_POD, .prep = prep_dnat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(0), .c = { C(1, DNAT) }, .touch = true },
	/* An exposed port inside the SNAT range: the NAT table is asked first. */
	{ "dnat_new_port_inside_snat_range", FROM_POD, DEV_POD, .snat_min = 1, .snat_max = 32767,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(0), .c = { C(1, DNAT), C(1, DNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_established_port_inside_snat_range", FROM_POD, DEV_POD, .snat_min = 1,
	  .snat_max = 32767, .prep = prep_dnat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(0), .c = { C(1, DNAT) }, .touch = true },
	/* Actor 1 talks to C:CPORT; C connects from there to actor 2's port. */
	{ "dnat_exposed_port_not_claimed_by_snat", FROM_POD, DEV_POD,
	  .prep = prep_a1_claims_svc_a2,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_A2, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(80), .c = { C(2, DNAT), C(2, DNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_DNAT, .actor = 2,
	  .known_prod_range_bug = "actor 1 got SNAT port 9090, actor 2's exposed port, by "
		"choosing its source port (first candidate: min + sport % range); inside "
		"the range from_pod asks the NAT table before services, so C's SYN to :9090 "
		"reaches actor 1. Claiming (C, every port, pod, 9090) takes the service over." },
	{ "dnat_udp_established", FROM_POD, DEV_POD, .prep = prep_dnat_udp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_DNS_TO), .c = { C(1, DNAT) },
	  .touch = true },
	{ "dnat_ttl1_dropped", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN,
		  .ttl = 1 },
	  .verdict = FX_SHOT, .c = { C(1, DROP_TTL) } },

	/* -- the actor's replies on inbound flows leave as pod IP:service port -- */
	{ "dnat_reply_tcp", FROM_ACTOR, DEV_A1, .prep = prep_dnat_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80, .dport = CPORT, TCP_SYNACK },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, DNAT_REPLY) }, .touch = true },
	{ "dnat_reply_expose_other_port", FROM_ACTOR, DEV_A1, .prep = prep_dnat_alt,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = FX_SVC_ALT_TO, .dport = CPORT + 1,
		  TCP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FX_SVC_ALT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, DNAT_REPLY) }, .touch = true },
	{ "dnat_reply_udp", FROM_ACTOR, DEV_A1, .prep = prep_dnat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = FX_SVC_DNS_TO, .dport = CPORT + 2,
		  UDP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FX_SVC_DNS, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, DNAT_REPLY) }, .touch = true },
};
ROW_AREA_END(dnat);
