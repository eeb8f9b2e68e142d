// SPDX-License-Identifier: Apache-2.0
/* Rows: the checksum of the datagram an ICMP error quotes follows its
 * translation (bpf/icmp_err.h), both ways, wherever the quote holds it;
 * the outer ICMP checksum stays right. check_want() compares the quoted
 * TCP/UDP checksum with the one computed over the translated datagram. */
#include "rows.h"

/* The actor's TCP segment to R:443, quoted (the error's inner_quote) with
 * its whole TCP header and some data, or as routers do, with 8 bytes of
 * TCP (no checksum: nothing to update). Cut short or whole, the checksum
 * is updated: incrementally, it needs only its own field. */
#define QUOTE_TCP_HDR(src, sp) { .saddr = src, .daddr = FX_REMOTE_IP, .proto = IPPROTO_TCP, \
				 .sport = sp, .dport = 443, .ttl = 60, .tcp_flags = PB_ACK, \
				 .seq = 1000, .ack = 2000, .payload = 1400 }
static const struct pb_spec q_tcp_pod = QUOTE_TCP_HDR(FX_POD_IP, PPORT);
static const struct pb_spec q_tcp_actor = QUOTE_TCP_HDR(FX_ACTOR_IP, APORT);
/* A client's segment to the exposed :80, quoted whole, refused by the actor. */
#define QUOTE_CALL(dst, dp) { .saddr = FX_CLIENT_IP, .daddr = dst, .proto = IPPROTO_TCP, \
			      .sport = CPORT, .dport = dp, .ttl = 63, .tcp_flags = PB_ACK, \
			      .payload = 20 }
static const struct pb_spec q_call_actor = QUOTE_CALL(FX_ACTOR_IP, FX_SVC_HTTP);
static const struct pb_spec q_call_pod = QUOTE_CALL(FX_POD_IP, FX_SVC_HTTP);
/* UDP without a checksum (0): it stays 0 after translation. */
#define QUOTE_UDP0(src, sp, dst, dp) { .saddr = src, .daddr = dst, .proto = IPPROTO_UDP, \
				       .sport = sp, .dport = dp, .ttl = 63, .payload = 32, \
				       .udp_nocsum = true }
static const struct pb_spec q_udp0_pod = QUOTE_UDP0(FX_POD_IP, PPORT_UDP, FX_REMOTE_IP, 53);
static const struct pb_spec q_udp0_actor = QUOTE_UDP0(FX_ACTOR_IP, APORT_UDP, FX_REMOTE_IP, 53);
static const struct pb_spec q_late0_actor = QUOTE_UDP0(FX_REMOTE_IP, 53, FX_ACTOR_IP, APORT_UDP);
static const struct pb_spec q_late0_pod = QUOTE_UDP0(FX_REMOTE_IP, 53, FX_POD_IP, PPORT_UDP);
/* The actor's late UDP reply from R:53, quoted whole, with a checksum. */
static const struct pb_spec q_late_actor = QUOTE_UDP(FX_REMOTE_IP, 53, FX_ACTOR_IP, APORT_UDP);
static const struct pb_spec q_late_pod = QUOTE_UDP(FX_REMOTE_IP, 53, FX_POD_IP, PPORT_UDP);

#define TO_ACTOR_ERR(src, err, ...) { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = src, \
				 .daddr = FX_ACTOR_IP, .ttl = 63, err, __VA_ARGS__ }
#define FROM_ACTOR_ERR(dst, err) { FX_ACTOR_WIRE, .saddr = FX_POD_IP, .daddr = dst, \
				   .ttl = 63, err }
static const struct pb_spec want_frag_tcp = TO_ACTOR_ERR(FX_ROUTER_IP,
							 FRAG_NEEDED(&q_tcp_actor), .inner_quote = 68);
static const struct pb_spec want_frag_tcp8 = TO_ACTOR_ERR(FX_ROUTER_IP,
							  FRAG_NEEDED(&q_tcp_actor), .inner_quote = 28);
static const struct pb_spec want_frag_tcp_whole = TO_ACTOR_ERR(FX_ROUTER_IP,
							       FRAG_NEEDED(&q_tcp_actor));
static const struct pb_spec want_frag_udp0 = TO_ACTOR_ERR(FX_ROUTER_IP,
							  FRAG_NEEDED(&q_udp0_actor));
static const struct pb_spec want_unreach_call = FROM_ACTOR_ERR(FX_CLIENT_IP,
							       PORT_UNREACH(&q_call_pod));
static const struct pb_spec want_unreach_late0 = FROM_ACTOR_ERR(FX_REMOTE_IP,
								PORT_UNREACH(&q_late0_pod));
static const struct pb_spec want_unreach_late = FROM_ACTOR_ERR(FX_REMOTE_IP,
							       PORT_UNREACH(&q_late_pod));

const struct row icmpcsum_rows[] = {
	/* pod -> actor: the quoted source goes back to the actor side */
	{ "icmp_inner_tcp_csum_to_actor", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_tcp_pod), .inner_quote = 68 },
	  .verdict = FX_REDIRECT, .want = &want_frag_tcp, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_inner_tcp_8_bytes_to_actor", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_tcp_pod), .inner_quote = 28 },
	  .verdict = FX_REDIRECT, .want = &want_frag_tcp8, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_inner_tcp_whole_to_actor", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_tcp_pod) },
	  .verdict = FX_REDIRECT, .want = &want_frag_tcp_whole, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_inner_udp_no_csum_to_actor", FROM_POD, DEV_POD, .prep = prep_snat_udp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_udp0_pod) },
	  .verdict = FX_REDIRECT, .want = &want_frag_udp0, .c = { C(1, ICMP_ERROR) } },
	/* actor -> pod: the quoted destination goes to the pod side */
	{ "icmp_inner_tcp_csum_from_actor", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_call_actor) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_call,
	  .c = { C(1, ACTOR_RX), C(1, ICMP_ERROR) } },
	{ "icmp_inner_udp_csum_from_actor", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, PORT_UNREACH(&q_late_actor) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_late,
	  .c = { C(1, ACTOR_RX), C(1, ICMP_ERROR) } },
	{ "icmp_inner_udp_no_csum_from_actor", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, PORT_UNREACH(&q_late0_actor) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_late0,
	  .c = { C(1, ACTOR_RX), C(1, ICMP_ERROR) } },
};
ROW_AREA_END(icmpcsum);
