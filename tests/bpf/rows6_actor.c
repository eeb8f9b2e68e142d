// SPDX-License-Identifier: Apache-2.0
/* IPv6 rows: what from_actor6 refuses before any state or hook: an actor or
 * pod without IPv6, a spoofed source, extension headers (IPv4 options'
 * twin), IPv6 to the worker, orphan fragments, truncated and malformed
 * packets, protocols that start no flow. */
#include "engine6.h"

#define TCP_SYN6 .sport = APORT, .dport = 443, TCP6_SYN
/* A SYN on actor 1's wire; the addresses given. */
#define A6_TCP_WITH(...) A6_ACTOR_WIRE, TCP_SYN6, __VA_ARGS__
#define A6_TCP A6_TCP_WITH(.saddr = A6_ACTOR, .daddr = A6_REMOTE)
#define DROP6(why) .verdict = FX_SHOT, .c = { C(1, ACTOR_RX), C(1, why) }

const struct row6 actor_rows6[] = {
	{ "a6_actor_without_ipv6", FROM_ACTOR, DEV_A1, .no_actor6 = true, .in = { A6_TCP },
	  DROP6(DROP_NO_IPV6) },
	{ "a6_pod_without_ipv6", FROM_ACTOR, DEV_A1, .no_pod6 = true, .in = { A6_TCP },
	  DROP6(DROP_NO_IPV6) },
	{ "a6_spoofed_source", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_LINK3, .daddr = A6_REMOTE) }, DROP6(DROP_SPOOF) },
	{ "a6_spoofed_pod_address", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_POD, .daddr = A6_REMOTE) }, DROP6(DROP_SPOOF) },
	/* Extension headers: none leaves an actor (but a fragment header). */
	{ "a6_destination_options", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP, .ext = { P6_DEST }, .n_ext = 1 }, DROP6(DROP_EXT_HDR) },
	{ "a6_hop_by_hop", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP, .ext = { P6_HOP }, .n_ext = 1 }, DROP6(DROP_EXT_HDR) },
	{ "a6_routing_header", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP, .ext = { P6_ROUTING }, .n_ext = 1 }, DROP6(DROP_EXT_HDR) },
	{ "a6_fragment_then_dest_options", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP, .ext = { P6_FRAG, P6_DEST }, .n_ext = 2, .frag_more = true },
	  DROP6(DROP_EXT_HDR) },
	{ "a6_esp", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_REMOTE, .proto = 50, .payload = 40 },
	  DROP6(DROP_EXT_HDR) },
	/* Fragments (bpf/frag6.h; rows6_frag.c has the datagrams): a follower
	 * without its first fragment goes nowhere. */
	{ "a6_later_fragment_orphan", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_REMOTE, .proto = IPPROTO_UDP, .payload = 64,
		  .ext = { P6_FRAG }, .n_ext = 1, .frag_off = 1232, .frag_id = 7 },
	  DROP6(DROP_FRAG_ORPHAN) },
	/* IPv6 to the worker (its services are over IPv4). */
	{ "a6_to_gateway", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_ACTOR, .daddr = A6_WORKER) },
	  DROP6(DROP_V6_TO_WORKER) },
	{ "a6_to_link_prefix", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_ACTOR, .daddr = A6_LINK3) },
	  DROP6(DROP_V6_TO_WORKER) },
	{ "a6_to_pod_address", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_ACTOR, .daddr = A6_POD) },
	  DROP6(DROP_V6_TO_WORKER) },
	{ "a6_to_link_local", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_ACTOR, .daddr = A6_LL_ACTOR) },
	  DROP6(DROP_V6_TO_WORKER) },
	{ "a6_to_multicast", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_ALL_ROUTERS, .proto = IPPROTO_UDP, .sport = APORT,
		  .dport = 547, .payload = 40 },
	  DROP6(DROP_V6_TO_WORKER) },
	{ "a6_to_loopback", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_ACTOR, .daddr = A6_LOOPBACK) },
	  DROP6(DROP_V6_TO_WORKER) },
	/* IPv4-mapped (never on the wire; ::ffff:<pod IPv4> is the worker),
	 * and the pod's IPv4 through a NAT64 gateway (64:ff9b::/96). */
	{ "a6_to_v4_mapped", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_ACTOR, .daddr = A6_V4MAPPED_POD) },
	  DROP6(DROP_V6_TO_WORKER) },
	{ "a6_to_nat64_pod_ipv4", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP_WITH(.saddr = A6_ACTOR, .daddr = A6_NAT64_POD) },
	  DROP6(DROP_V6_TO_WORKER) },
	/* Truncated and malformed. */
	{ "a6_payload_length_past_frame", FROM_ACTOR, DEV_A1, .in = { A6_TCP, .plen = 200 },
	  DROP6(DROP_TRUNC) },
	{ "a6_payload_length_0", FROM_ACTOR, DEV_A1, .in = { A6_TCP, .zero_plen = true },
	  DROP6(DROP_TRUNC) },
	{ "a6_tcp_header_cut", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP, .plen = 12, .truncate = 14 + 40 + 12 }, DROP6(DROP_TRUNC) },
	/* The TCP header in the frame's padding, not in the datagram. */
	{ "a6_tcp_header_past_payload_length", FROM_ACTOR, DEV_A1, .in = { A6_TCP, .plen = 12 },
	  DROP6(DROP_TRUNC) },
	{ "a6_ext_header_past_payload", FROM_ACTOR, DEV_A1,
	  .in = { A6_TCP, .ext = { P6_DEST }, .n_ext = 1, .plen = 6 }, DROP6(DROP_TRUNC) },
	/* UDP over IPv6 without a checksum (0) is invalid (RFC 8200 8.1):
	 * never translated and sent on with its 0. */
	{ "a6_udp_zero_csum", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_REMOTE, .sport = APORT_UDP, .dport = 53, UDP6_DATA,
		  .udp_zero_csum = true },
	  DROP6(DROP_UDP6_ZERO_CSUM) },
	/* Protocols that start no flow. */
	{ "a6_sctp", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_REMOTE, .proto = 132, .payload = 40 },
	  DROP6(DROP_PROTO) },
	{ "a6_icmp_node_information", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_REMOTE, .proto = P6_ICMP, .icmp_type = 139,
		  .payload = 16 },
	  DROP6(DROP_PROTO) },
	/* An echo reply from the actor (it answers nobody's ping). */
	{ "a6_echo_reply", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_REMOTE, ECHO6_REPLY(ICMP_ID) }, DROP6(DROP_PROTO) },
};
ROW6_AREA_END(actor);
