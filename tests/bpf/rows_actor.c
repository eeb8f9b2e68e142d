// SPDX-License-Identifier: Apache-2.0
/* Rows: what from_actor does besides NAT: traffic to the worker, ARP, and
 * what it refuses (spoofed sources, IPv4 options, VLAN tags, IPv6, broken or
 * fragmented packets, unknown protocols, ICMP errors about no flow of its
 * own or not sent to the flow's peer, TTL 1, no actor entry, no config). */
#include "rows.h"

/* The gateway answers for 10.200.0.1 with the gateway MAC. */
static void check_arp_reply(struct fx *f, const struct run *run)
{
	const struct pb_arp_spec want_spec = {
		.smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .op = 2,
		.sha = FX_GW_MAC, .spa = FX_WORKER_IP, .tha = FX_ACTOR_MAC, .tpa = FX_ACTOR_IP,
	};
	uint8_t want[PB_FRAME_MAX];
	size_t n = pb_build_arp(want, sizeof(want), &want_spec);

	(void)f;
	assert_int_equal(run->res.out_len, n);
	diff_fail(want, run->res.out, n);
}

/* A datagram the actor got on a port that is neither exposed nor a pair's:
 * an ICMP error about it quotes no flow of the actor's. */
static const struct pb_spec q_unknown = QUOTE_UDP(FX_CLIENT_IP, CPORT + 2, FX_ACTOR_IP, 5454);
/* A client's datagram to the exposed 53/udp as the actor saw it, and R's
 * reply on actor 1's SNAT flow to R:53. */
static const struct pb_spec q_exposed = QUOTE_UDP(FX_CLIENT_IP, CPORT + 2, FX_ACTOR_IP,
						  FX_SVC_DNS_TO);
static const struct pb_spec q_snat = QUOTE_UDP(FX_REMOTE_IP, 53, FX_ACTOR_IP, APORT_UDP);

const struct row actor_rows[] = {
	/* -- from_actor: to the worker, ARP, and what it refuses -- */
	{ "actor_to_worker_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 9000, TCP_SYN },
	  TO_WORKER },
	/* (a port nobody exposes: exposed ones hairpin, rows_hairpin.c) */
	{ "actor_to_pod_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = APORT, .dport = 8443, TCP_SYN },
	  TO_WORKER },
	{ "actor_to_link_broadcast", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_IP(10, 200, 0, 3), .sport = 68, .dport = 67,
		  UDP_DATA },
	  TO_WORKER },
	{ "actor_to_multicast", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_IP(224, 0, 0, 251), .sport = 5353, .dport = 5353,
		  UDP_DATA },
	  TO_WORKER },
	{ "actor_arp_request_gateway", FROM_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_ACTOR_MAC, .dmac = BCAST, .op = 1, .sha = FX_ACTOR_MAC,
		   .spa = FX_ACTOR_IP, .tpa = FX_WORKER_IP },
	  .verdict = FX_REDIRECT, .x = { .custom = true }, .check = check_arp_reply,
	  .c = { C(1, ACTOR_RX), C(1, ARP_REPLY) } },
	{ "actor_arp_request_other", FROM_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_ACTOR_MAC, .dmac = BCAST, .op = 1, .sha = FX_ACTOR_MAC,
		   .spa = FX_ACTOR_IP, .tpa = FX_IP(10, 200, 0, 3) },
	  .verdict = FX_OK, .same = true, .c = { C(1, ACTOR_RX), C(1, ARP_PASS) } },
	{ "actor_arp_gratuitous", FROM_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_ACTOR_MAC, .dmac = BCAST, .op = 1, .sha = FX_ACTOR_MAC,
		   .spa = FX_ACTOR_IP, .tpa = FX_ACTOR_IP },
	  .verdict = FX_OK, .same = true, .c = { C(1, ACTOR_RX), C(1, ARP_PASS) } },
	{ "actor_arp_reply", FROM_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_ACTOR_MAC, .dmac = FX_GW_MAC, .op = 2, .sha = FX_ACTOR_MAC,
		   .spa = FX_ACTOR_IP, .tha = FX_GW_MAC, .tpa = FX_WORKER_IP },
	  .verdict = FX_OK, .same = true, .c = { C(1, ACTOR_RX), C(1, ARP_PASS) } },
	{ "actor_spoofed_source", FROM_ACTOR, DEV_A1,
	  .in = { FX_ACTOR_WIRE, .saddr = FX_IP(10, 200, 0, 9), .daddr = FX_REMOTE_IP,
		  .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_SPOOF) },
	{ "actor_spoofed_pod_ip", FROM_ACTOR, DEV_A1,
	  .in = { FX_ACTOR_WIRE, .saddr = FX_POD_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
		  .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_SPOOF) },
	{ "actor_ipv6", FROM_ACTOR, DEV_A1, .kind = K_IPV6, ACTOR_DROP(DROP_NO_IPV6) },
	/* test_run itself refuses IPv4 frames shorter than 14 + 20 bytes, so
	 * a cut IPv4 header is a header whose length runs past the packet. */
	{ "actor_ip_ihl_too_small", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ihl = 4 },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_ip_options_cut", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ihl = 15 },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_trunc_tcp_header", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .truncate = PB_ETH_HLEN + 30, .truncate_fix_len = true },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_trunc_frame_shorter_than_ip_len", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA,
		  .truncate = PB_ETH_HLEN + 60 },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_trunc_udp_header", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA,
		  .truncate = PB_ETH_HLEN + 24, .truncate_fix_len = true },
	  ACTOR_DROP(DROP_TRUNC) },
	/* Fragments: rows_frag.c. */
	{ "actor_gre", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = 47, .payload = 24 },
	  ACTOR_DROP(DROP_PROTO) },
	{ "actor_icmp_error_unknown_flow", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_unknown) },
	  ACTOR_DROP(DROP_PROTO) },
	/* An actor's ICMP error goes to the peer of the flow it quotes, or
	 * nowhere: it cannot aim errors about its flows at third parties. */
	{ "actor_icmp_error_exposed_flow_not_to_peer", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = OTHER_IP, PORT_UNREACH(&q_exposed) },
	  ACTOR_DROP(DROP_ICMP_PEER) },
	{ "actor_icmp_error_snat_flow_not_to_peer", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_snat) },
	  ACTOR_DROP(DROP_ICMP_PEER) },
	/* IPv4 options (source routes and the like) never leave an actor;
	 * checked after the source, before anything else. */
	{ "actor_ip_options", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ip_opt_words = 2 },
	  ACTOR_DROP(DROP_IP_OPTIONS) },
	{ "actor_ip_options_established", FROM_ACTOR, DEV_A1, .prep = prep_snat_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA,
		  .ip_opt_words = 1 },
	  ACTOR_DROP(DROP_IP_OPTIONS) },
	{ "actor_ip_options_to_worker", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 9000, TCP_SYN,
		  .ip_opt_words = 1 },
	  ACTOR_DROP(DROP_IP_OPTIONS) },
	{ "actor_ip_options_from_exposed_port", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80, .dport = CPORT, TCP_DATA,
		  .ip_opt_words = 1 },
	  ACTOR_DROP(DROP_IP_OPTIONS) },
	{ "actor_ip_options_spoofed", FROM_ACTOR, DEV_A1,
	  .in = { FX_ACTOR_WIRE, .saddr = FX_IP(10, 200, 0, 9), .daddr = FX_REMOTE_IP,
		  .sport = APORT, .dport = 443, TCP_SYN, .ip_opt_words = 1 },
	  ACTOR_DROP(DROP_SPOOF) },
	/* test_run cannot set skb->vlan_present (the kernel's receive path
	 * takes the tag off into the skb; test_run leaves it in the frame), so
	 * drop_vlan is the e2e's. A tag left in the frame is not IPv4. */
	{ "actor_vlan_tag_in_frame", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .vlan = 7 },
	  ACTOR_DROP(DROP_NOT_IPV4) },
	/* TTL 1: answered with Time Exceeded, rows_ttl.c */
	{ "actor_no_actor_entry", FROM_ACTOR, DEV_POD,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_NO_ACTOR) } },
	{ "actor_unconfigured", FROM_ACTOR, DEV_A1, .unconfigured = true,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_NO_CONFIG) } },
};
ROW_AREA_END(actor);
