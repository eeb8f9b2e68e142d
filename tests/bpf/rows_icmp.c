// SPDX-License-Identifier: Apache-2.0
/* Rows: ICMP errors about actor flows are translated inside too (DESIGN
 * §2.4, bpf/icmp_err.h), both ways; the result is compared whole. */
#include "rows.h"

/* Quoted datagrams of ICMP errors about actor flows, as seen on the pod
 * side (_pod) and on the actor side (_actor). */
/* the actor's datagram to R:53, and R's late reply to it */
static const struct pb_spec q_snat_pod = QUOTE_UDP(FX_POD_IP, PPORT_UDP, FX_REMOTE_IP, 53);
static const struct pb_spec q_snat_actor = QUOTE_UDP(FX_ACTOR_IP, APORT_UDP, FX_REMOTE_IP, 53);
static const struct pb_spec q_late_pod = QUOTE_UDP(FX_REMOTE_IP, 53, FX_POD_IP, PPORT_UDP);
static const struct pb_spec q_late_actor = QUOTE_UDP(FX_REMOTE_IP, 53, FX_ACTOR_IP, APORT_UDP);
/* a client's datagram to the exposed 53/udp, and the actor's answer */
static const struct pb_spec q_dnat_pod = QUOTE_UDP(FX_CLIENT_IP, CPORT + 2, FX_POD_IP,
						   FX_SVC_DNS);
static const struct pb_spec q_dnat_actor = QUOTE_UDP(FX_CLIENT_IP, CPORT + 2, FX_ACTOR_IP,
						     FX_SVC_DNS_TO);
static const struct pb_spec q_answer_pod = QUOTE_UDP(FX_POD_IP, FX_SVC_DNS, FX_CLIENT_IP,
						     CPORT + 2);
static const struct pb_spec q_answer_actor = QUOTE_UDP(FX_ACTOR_IP, FX_SVC_DNS_TO,
						       FX_CLIENT_IP, CPORT + 2);
/* the same for actor 2's exposed 9090/tcp (actor port 80) */
static const struct pb_spec q_a2_answer_pod = { .saddr = FX_POD_IP, .daddr = FX_CLIENT_IP,
	.proto = IPPROTO_TCP, .sport = FX_SVC_A2, .dport = CPORT, .ttl = 63,
	.tcp_flags = PB_ACK, .payload = 1400, .inner_quote = 28 };
static const struct pb_spec q_a2_answer_actor = { .saddr = FX_ACTOR_IP, .daddr = FX_CLIENT_IP,
	.proto = IPPROTO_TCP, .sport = 80, .dport = CPORT, .ttl = 63,
	.tcp_flags = PB_ACK, .payload = 1400, .inner_quote = 28 };
static const struct pb_spec q_a2_call_pod = { .saddr = FX_CLIENT_IP, .daddr = FX_POD_IP,
	.proto = IPPROTO_TCP, .sport = CPORT, .dport = FX_SVC_A2, .ttl = 63,
	.tcp_flags = PB_ACK, .payload = 1400, .inner_quote = 28 };
static const struct pb_spec q_a2_call_actor = { .saddr = FX_CLIENT_IP, .daddr = FX_ACTOR_IP,
	.proto = IPPROTO_TCP, .sport = CPORT, .dport = 80, .ttl = 63,
	.tcp_flags = PB_ACK, .payload = 1400, .inner_quote = 28 };
/* Typical of routers: the IP header and the first 8 bytes of TCP. */
#define QUOTE_TCP(src, sp) { .saddr = src, .daddr = FX_REMOTE_IP, .proto = IPPROTO_TCP, \
			     .sport = sp, .dport = 443, .ttl = 60, .tcp_flags = PB_ACK, \
			     .payload = 1400, .inner_quote = 28 }
static const struct pb_spec q_tcp_pod = QUOTE_TCP(FX_POD_IP, PPORT);
static const struct pb_spec q_tcp_actor = QUOTE_TCP(FX_ACTOR_IP, APORT);
/* a ping that ran out of TTL */
#define QUOTE_ECHO(src, id) { .saddr = src, .daddr = FX_REMOTE_IP, .proto = IPPROTO_ICMP, \
			      .icmp_type = PB_ICMP_ECHO, .icmp_id = id, .icmp_seq = 1, \
			      .ttl = 1, .payload = 56 }
static const struct pb_spec q_echo_pod = QUOTE_ECHO(FX_POD_IP, PPORT_ICMP);
static const struct pb_spec q_echo_actor = QUOTE_ECHO(FX_ACTOR_IP, ICMP_ID);

/* Expected ICMP errors after translation (DESIGN §2.4, bpf/icmp_err.h):
 * delivered to the actor (gateway MACs, TTL 63), or sent out by it. */
#define TO_ACTOR_ERR(src, err) { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = src, \
				 .daddr = FX_ACTOR_IP, .ttl = 63, err }
#define FROM_ACTOR_ERR(dst, err) { FX_ACTOR_WIRE, .saddr = FX_POD_IP, .daddr = dst, \
				   .ttl = 63, err }
static const struct pb_spec want_frag_udp = TO_ACTOR_ERR(FX_ROUTER_IP,
							 FRAG_NEEDED(&q_snat_actor));
static const struct pb_spec want_frag_tcp = TO_ACTOR_ERR(FX_ROUTER_IP,
							 FRAG_NEEDED(&q_tcp_actor));
static const struct pb_spec want_ttl_echo = TO_ACTOR_ERR(FX_ROUTER_IP,
							 TIME_EXCEEDED(&q_echo_actor));
static const struct pb_spec want_unreach_answer = TO_ACTOR_ERR(FX_CLIENT_IP,
							       PORT_UNREACH(&q_answer_actor));
static const struct pb_spec want_unreach_late = FROM_ACTOR_ERR(FX_REMOTE_IP,
							       PORT_UNREACH(&q_late_pod));
static const struct pb_spec want_unreach_dnat = FROM_ACTOR_ERR(FX_CLIENT_IP,
							       PORT_UNREACH(&q_dnat_pod));
static const struct pb_spec want_frag_a2_answer = TO_ACTOR_ERR(FX_ROUTER_IP,
							       FRAG_NEEDED(&q_a2_answer_actor));
static const struct pb_spec want_unreach_a2_call = FROM_ACTOR_ERR(FX_CLIENT_IP,
								  PORT_UNREACH(&q_a2_call_pod));

const struct row icmp_rows[] = {
	/* -- ICMP errors about actor flows are translated inside too (§2.4) -- */
	{ "icmp_frag_needed_udp_to_actor", FROM_POD, DEV_POD, .prep = prep_snat_udp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_snat_pod) },
	  .verdict = FX_REDIRECT, .want = &want_frag_udp, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_frag_needed_tcp_short_quote", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_tcp_pod) },
	  .verdict = FX_REDIRECT, .want = &want_frag_tcp, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_time_exceeded_echo_to_actor", FROM_POD, DEV_POD, .prep = prep_snat_icmp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, TIME_EXCEEDED(&q_echo_pod) },
	  .verdict = FX_REDIRECT, .want = &want_ttl_echo, .c = { C(1, ICMP_ERROR) } },
	/* Exposed ports: translated by the static mapping, no state needed. */
	{ "icmp_unreach_for_actor_dnat_reply", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, PORT_UNREACH(&q_answer_pod) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_answer, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_error_from_actor_for_snat_flow", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, PORT_UNREACH(&q_late_actor) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_late,
	  .c = { C(1, ACTOR_RX), C(1, ICMP_ERROR) } },
	{ "icmp_frag_needed_for_actor2_dnat_reply", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_a2_answer_pod) },
	  .verdict = FX_REDIRECT, .want = &want_frag_a2_answer, .c = { C(2, ICMP_ERROR) } },
	{ "icmp_error_from_actor_for_inbound_flow", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_dnat_actor) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_dnat,
	  .c = { C(1, ACTOR_RX), C(1, ICMP_ERROR) } },
	{ "icmp_error_from_actor2_for_inbound_flow", FROM_ACTOR, DEV_A2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_a2_call_actor) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_a2_call,
	  .c = { C(2, ACTOR_RX), C(2, ICMP_ERROR) } },
};
ROW_AREA_END(icmp);
