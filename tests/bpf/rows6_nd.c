// SPDX-License-Identifier: Apache-2.0
/* IPv6 rows: the NS responder (bpf/nd.h). The actor's solicitation for its
 * gateway comes back as the gateway's advertisement (every byte checked,
 * the checksum included); whatever a router would not answer, and every
 * other neighbour or router discovery and MLD message, is dropped. */
#include "engine6.h"

#define GW_MAC_BYTES 0x02, 0xa7, 0xe0, 0x00, 0x00, 0x01
#define ACTOR_MAC_BYTES 0x02, 0xa7, 0xe0, 0x00, 0x00, 0x02
#define GW_ADDR_BYTES 0xfd, 0, 0x01, 0x69, 0x02, 0x54, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define LINK3_BYTES 0xfd, 0, 0x01, 0x69, 0x02, 0x54, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3

/* Solicitations: reserved, target, [source link-layer address option]. */
static const uint8_t ns_slla[] = { 0, 0, 0, 0, GW_ADDR_BYTES, 1, 1, ACTOR_MAC_BYTES };
static const uint8_t ns_bare[] = { 0, 0, 0, 0, GW_ADDR_BYTES };
static const uint8_t ns_other[] = { 0, 0, 0, 0, LINK3_BYTES, 1, 1, ACTOR_MAC_BYTES };
static const uint8_t ns_opt0[] = { 0, 0, 0, 0, GW_ADDR_BYTES, 1, 0, ACTOR_MAC_BYTES };
/* SLLA and a nonce option (RFC 3971 style, 8 bytes): 40 bytes. */
static const uint8_t ns_two[] = { 0, 0, 0, 0, GW_ADDR_BYTES, 1, 1, ACTOR_MAC_BYTES,
				  14, 1, 1, 2, 3, 4, 5, 6 };
/* The advertisement: R|S|O, target, target link-layer address option. */
static const uint8_t na_body[] = { 0xe0, 0, 0, 0, GW_ADDR_BYTES, 2, 1, GW_MAC_BYTES };
static const uint8_t rs_body[] = { 0, 0, 0, 0, 1, 1, ACTOR_MAC_BYTES };
static const uint8_t na_unsol[] = { 0x20, 0, 0, 0, 0xfd, 0, 0x01, 0x69, 0x02, 0x54, 0, 0,
				    0, 0, 0, 0, 0, 0, 0, 2 };
/* MLDv2 report: reserved, one record (type 4, ff02::1:ff00:2). */
static const uint8_t mld_body[] = { 0, 0, 0, 1, 4, 0, 0, 0, 0xff, 0x02, 0, 0, 0, 0, 0, 0,
				    0, 0, 0, 1, 0xff, 0, 0, 2 };

#define NS_BODY(body) .proto = P6_ICMP, .icmp_type = 135, .icmp_body = body, \
		      .icmp_body_len = sizeof(body)
/* A solicitation on actor 1's wire; addresses and hop limit given. */
#define NS(body, ...) A6_ACTOR_WIRE, NS_BODY(body), __VA_ARGS__
#define NS_TO_GW(body) NS(body, .saddr = A6_ACTOR, .daddr = A6_SNODE_GW, .hop_limit = 255)
#define NA_TO(...) .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = A6_WORKER, __VA_ARGS__, \
		   .hop_limit = 255, .proto = P6_ICMP, .icmp_type = 136, .icmp_body = na_body, \
		   .icmp_body_len = sizeof(na_body)
#define ND_ANSWERED .verdict = FX_REDIRECT, .c = { C(1, ACTOR_RX), C(1, ND_REPLY) }
#define ND_DROPPED .verdict = FX_SHOT, .c = { C(1, ACTOR_RX), C(1, DROP_ND) }

static const struct p6_spec na_to_actor = { NA_TO(.daddr = A6_ACTOR) };
static const struct p6_spec na_to_ll = { NA_TO(.daddr = A6_LL_ACTOR) };

const struct row6 nd_rows6[] = {
	{ "nd6_ns_answered", FROM_ACTOR, DEV_A1, .in = { NS_TO_GW(ns_slla) }, ND_ANSWERED,
	  .want = &na_to_actor },
	/* 8 bytes shorter than the advertisement: the frame grows. */
	{ "nd6_ns_without_slla_answered", FROM_ACTOR, DEV_A1, .in = { NS_TO_GW(ns_bare) },
	  ND_ANSWERED, .want = &na_to_actor },
	/* Unicast (reachability confirmation), and longer than the answer. */
	{ "nd6_ns_unicast_two_options_answered", FROM_ACTOR, DEV_A1,
	  .in = { NS(ns_two, .saddr = A6_ACTOR, .daddr = A6_WORKER, .hop_limit = 255) },
	  ND_ANSWERED, .want = &na_to_actor },
	{ "nd6_ns_from_link_local_answered", FROM_ACTOR, DEV_A1,
	  .in = { NS(ns_slla, .saddr = A6_LL_ACTOR, .daddr = A6_SNODE_GW, .hop_limit = 255) },
	  ND_ANSWERED, .want = &na_to_ll },
	{ "nd6_ns_actor2_answered", FROM_ACTOR, DEV_A2, .in = { NS_TO_GW(ns_slla) },
	  .verdict = FX_REDIRECT, .c = { C(2, ACTOR_RX), C(2, ND_REPLY) }, .want = &na_to_actor },
	/* What a router would not answer. */
	{ "nd6_ns_other_target", FROM_ACTOR, DEV_A1, .in = { NS_TO_GW(ns_other) }, ND_DROPPED },
	{ "nd6_ns_dad_probe", FROM_ACTOR, DEV_A1,
	  .in = { NS(ns_bare, .saddr = { 0 }, .daddr = A6_SNODE_GW, .hop_limit = 255) },
	  ND_DROPPED },
	{ "nd6_ns_hop_limit_64", FROM_ACTOR, DEV_A1,
	  .in = { NS(ns_slla, .saddr = A6_ACTOR, .daddr = A6_SNODE_GW, .hop_limit = 64) },
	  ND_DROPPED },
	{ "nd6_ns_code_1", FROM_ACTOR, DEV_A1, .in = { NS_TO_GW(ns_slla), .icmp_code = 1 },
	  ND_DROPPED },
	{ "nd6_ns_bad_checksum", FROM_ACTOR, DEV_A1, .in = { NS_TO_GW(ns_slla), .bad_csum = true },
	  ND_DROPPED },
	{ "nd6_ns_option_length_0", FROM_ACTOR, DEV_A1, .in = { NS_TO_GW(ns_opt0) }, ND_DROPPED },
	{ "nd6_ns_with_dest_options", FROM_ACTOR, DEV_A1,
	  .in = { NS_TO_GW(ns_slla), .ext = { P6_DEST }, .n_ext = 1 }, ND_DROPPED },
	{ "nd6_ns_actor_without_ipv6", FROM_ACTOR, DEV_A1, .no_actor6 = true,
	  .in = { NS_TO_GW(ns_slla) }, .verdict = FX_SHOT,
	  .c = { C(1, ACTOR_RX), C(1, DROP_NO_IPV6) } },
	/* Every other discovery message goes nowhere. */
	{ "nd6_router_solicitation", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_ALL_ROUTERS, .hop_limit = 255, .proto = P6_ICMP,
		  .icmp_type = 133, .icmp_body = rs_body, .icmp_body_len = sizeof(rs_body) },
	  ND_DROPPED },
	{ "nd6_unsolicited_advertisement", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_SNODE_GW, .hop_limit = 255, .proto = P6_ICMP,
		  .icmp_type = 136, .icmp_body = na_unsol, .icmp_body_len = sizeof(na_unsol) },
	  ND_DROPPED },
	/* With the router alert hop-by-hop option, as Linux sends them. */
	{ "nd6_mld_report", FROM_ACTOR, DEV_A1,
	  .in = { A6_FROM_ACTOR, .daddr = A6_MLDV2, .hop_limit = 1, .proto = P6_ICMP,
		  .icmp_type = 143, .icmp_body = mld_body, .icmp_body_len = sizeof(mld_body),
		  .ext = { P6_HOP }, .n_ext = 1 },
	  ND_DROPPED },
};
ROW6_AREA_END(nd);
