// SPDX-License-Identifier: Apache-2.0
/* IPv6 rows: exposed ports over IPv6 (DNAT66). `--expose` covers both
 * families: the same services entry sends [pod]:S to [actor]:A, the client
 * address kept; the actor's answers from A leave as [pod]:S. No state.
 * And what arrives for the pod's IPv6 that is not ours: the worker's. */
#include <string.h>
#include <bpf/bpf.h>

#include "engine6.h"

/* The client reached the exposed port: svc_flows holds it (folded). */
static void check_client_noted(struct fx *f, const struct run6 *run)
{
	struct ateom_svc_flow_bucket b;
	uint32_t n = 0, keys = (FX_ACTORS + 1) * ATEOM_SVC_FLOW_BUCKETS;

	(void)run;
	for (uint32_t i = 1 * ATEOM_SVC_FLOW_BUCKETS; i < keys; i++) {
		assert_int_equal(bpf_map_lookup_elem(f->svc_flows, &i, &b), 0);
		for (int w = 0; w < ATEOM_SVC_FLOW_WAYS; w++)
			n += b.way[w].last_ns != 0;
	}
	assert_int_equal(n, 1);
}

static void prep_a1_no_ipv6_but_a2(struct fx *f)
{
	struct ateom_actor a;

	assert_int_equal(fx_get_actor(f, f->if_a1, &a), 0);
	memset(&a.actor_ip6, 0, sizeof(a.actor_ip6));
	memset(&a.worker_ip6, 0, sizeof(a.worker_ip6));
	assert_int_equal(fx_put_actor(f, f->if_a1, &a), 0);
}

#define TO_SVC6_WITH(sp, dp, ...) A6_POD_WIRE, .sport = sp, .dport = dp, __VA_ARGS__
#define TO_SVC6(sp, dp) TO_SVC6_WITH(sp, dp, .saddr = A6_CLIENT, .daddr = A6_POD)
#define SVC6_X(port) { .daddr = ACTOR6, .dport = port, .hop_dec = true, .macs = true }
#define SVC6_A1 .verdict = FX_REDIRECT, .c = { C(1, DNAT) }
#define FROM_SVC6(sp) A6_FROM_ACTOR, .daddr = A6_CLIENT, .sport = sp, .dport = CPORT
#define SVC6_REPLY .verdict = FX_REDIRECT, .c = { C(1, ACTOR_RX), C(1, DNAT_REPLY) }
#define PASS6 .verdict = FX_UNSPEC, .same = true, .c = { C(0, POD_PASS) }

const struct row6 dnat_rows6[] = {
	{ "d6_tcp_syn", FROM_POD, DEV_POD, .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN },
	  SVC6_A1, .x = SVC6_X(0), .check = check_client_noted },
	{ "d6_tcp_other_port", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_ALT), TCP6_DATA }, SVC6_A1, .x = SVC6_X(FX_SVC_ALT_TO) },
	{ "d6_udp", FROM_POD, DEV_POD, .in = { TO_SVC6(CPORT, FX_SVC_DNS), UDP6_DATA }, SVC6_A1,
	  .x = SVC6_X(FX_SVC_DNS_TO) },
	{ "d6_udp_zero_csum", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_DNS), UDP6_DATA, .udp_zero_csum = true }, PASS6 },
	/* A source no actor can answer (its own address, its gateway's, a
	 * link-local or IPv4-mapped one: from_actor6 refuses all of them as
	 * destinations) is no client: a spoofer's, never delivered (an
	 * actor's stack would take its own address as a local peer). */
	{ "d6_client_is_the_actor", FROM_POD, DEV_POD,
	  .in = { TO_SVC6_WITH(CPORT, FX_SVC_DNS, .saddr = A6_ACTOR, .daddr = A6_POD), UDP6_DATA },
	  .verdict = FX_SHOT, .c = { C(0, DROP_SPOOF) } },
	{ "d6_client_is_the_gateway", FROM_POD, DEV_POD,
	  .in = { TO_SVC6_WITH(CPORT, FX_SVC_HTTP, .saddr = A6_WORKER, .daddr = A6_POD), TCP6_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_SPOOF) } },
	{ "d6_client_link_local", FROM_POD, DEV_POD,
	  .in = { TO_SVC6_WITH(CPORT, FX_SVC_HTTP, .saddr = A6_LL_ACTOR, .daddr = A6_POD), TCP6_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_SPOOF) } },
	{ "d6_client_v4_mapped", FROM_POD, DEV_POD,
	  .in = { TO_SVC6_WITH(CPORT, FX_SVC_HTTP, .saddr = A6_V4MAPPED_POD, .daddr = A6_POD),
		  TCP6_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_SPOOF) } },
	{ "d6_actor2_port", FROM_POD, DEV_POD, .in = { TO_SVC6(CPORT, FX_SVC_A2), TCP6_SYN },
	  .verdict = FX_REDIRECT, .x = SVC6_X(80), .c = { C(2, DNAT) } },
	{ "d6_redirect_peer", FROM_POD, DEV_POD, .cfg_flags = ATEOM_CFG_REDIRECT_PEER,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_DATA }, SVC6_A1, .x = SVC6_X(0) },
	/* Hop-by-hop and destination options are walked. */
	{ "d6_hop_by_hop_walked", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN, .ext = { P6_HOP }, .n_ext = 1 },
	  SVC6_A1, .x = SVC6_X(0) },
	{ "d6_hop_by_hop_and_dest_options_walked", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_DNS), UDP6_DATA, .ext = { P6_HOP, P6_DEST }, .n_ext = 2 },
	  SVC6_A1, .x = SVC6_X(FX_SVC_DNS_TO) },
	/* Past the walk's bound, or a header it does not walk: the worker's. */
	{ "d6_four_option_headers_worker", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN,
		  .ext = { P6_HOP, P6_DEST, P6_DEST, P6_DEST }, .n_ext = 4 },
	  PASS6 },
	{ "d6_routing_header_worker", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN, .ext = { P6_ROUTING }, .n_ext = 1 },
	  PASS6 },
	/* A first fragment goes where its datagram would (bpf/frag6.h;
	 * rows6_frag.c has the datagrams); one to a port nobody has is the
	 * worker's. */
	{ "d6_first_fragment_to_service", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN, .ext = { P6_FRAG }, .n_ext = 1,
		  .frag_more = true },
	  .verdict = FX_REDIRECT, .c = { C(1, DNAT), C(1, FRAG_FIRST) }, .x = SVC6_X(0) },
	{ "d6_fragment_worker", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, 40000), TCP6_SYN, .ext = { P6_FRAG }, .n_ext = 1,
		  .frag_more = true },
	  PASS6 },
	/* The actor's answers from its exposed port. */
	{ "d6_reply", FROM_ACTOR, DEV_A1, .in = { FROM_SVC6(80), TCP6_DATA }, SVC6_REPLY,
	  .x = { .saddr = POD6, .sport = FX_SVC_HTTP, .hop_dec = true } },
	{ "d6_reply_other_port", FROM_ACTOR, DEV_A1,
	  .in = { FROM_SVC6(FX_SVC_ALT_TO), TCP6_DATA }, SVC6_REPLY,
	  .x = { .saddr = POD6, .sport = FX_SVC_ALT, .hop_dec = true } },
	{ "d6_reply_udp", FROM_ACTOR, DEV_A1, .in = { FROM_SVC6(FX_SVC_DNS_TO), UDP6_DATA },
	  SVC6_REPLY, .x = { .saddr = POD6, .sport = FX_SVC_DNS, .hop_dec = true } },
	/* An actor without IPv6 has nothing listening there: the worker
	 * answers (a reset). */
	{ "d6_actor_without_ipv6", FROM_POD, DEV_POD, .prep = prep_a1_no_ipv6_but_a2,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN }, PASS6 },
	{ "d6_hop_limit_1", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN, .hop_limit = 1 }, .verdict = FX_SHOT,
	  .c = { C(1, DROP_TTL) } },
	/* Not ours. */
	{ "d6_not_to_pod_address", FROM_POD, DEV_POD,
	  .in = { TO_SVC6_WITH(CPORT, FX_SVC_HTTP, .saddr = A6_CLIENT, .daddr = A6_REMOTE),
		  TCP6_SYN },
	  PASS6 },
	{ "d6_from_pod_address", FROM_POD, DEV_POD,
	  .in = { TO_SVC6_WITH(CPORT, FX_SVC_HTTP, .saddr = A6_POD, .daddr = A6_POD), TCP6_SYN },
	  PASS6 },
	{ "d6_pod_without_ipv6", FROM_POD, DEV_POD, .no_pod6 = true,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN }, PASS6 },
	{ "d6_truncated", FROM_POD, DEV_POD,
	  .in = { TO_SVC6(CPORT, FX_SVC_HTTP), TCP6_SYN, .plen = 300 }, PASS6 },
	{ "d6_worker_port", FROM_POD, DEV_POD, .in = { TO_SVC6(CPORT, 22), TCP6_SYN }, PASS6 },
	{ "d6_neighbour_solicitation", FROM_POD, DEV_POD,
	  .in = { A6_TO_POD, .saddr = A6_REMOTE, .hop_limit = 255, .proto = P6_ICMP,
		  .icmp_type = 135, .payload = 20 },
	  PASS6 },
};
ROW6_AREA_END(dnat);
