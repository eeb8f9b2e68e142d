// SPDX-License-Identifier: Apache-2.0
/* Rows: what to_actor lets through to an actor, by skb->ingress_ifindex
 * (datapath.bpf.c to_actor). What the worker's stack routed toward an
 * actor from another device (the pod network, another actor) would bypass
 * the datapath: dropped, counted drop_forwarded. Passed: what the worker
 * makes itself (ingress 0), from_actor's ARP reply sent back out of the
 * veth it came in on, and, with redirect_peer off only, from_pod's
 * deliveries (bpf_redirect from the pod interface's ingress). */
#include "rows.h"

#define ID1 FX_IDENT_IP(1)
#define PEER ATEOM_CFG_REDIRECT_PEER

/* As delivered to the actor: a remote's reply, rewritten by from_pod. */
#define REPLY_TO_ACTOR { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = FX_REMOTE_IP, \
			 .daddr = FX_ACTOR_IP, .sport = 443, .dport = APORT, TCP_DATA }
/* To actor 1's identity, as only the worker may send it. */
#define TO_IDENTITY(src) { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = src, \
			   .daddr = ID1, .sport = 9000, .dport = APORT, TCP_SYNACK }
/* from_actor's answer to the actor's ARP request for the gateway. */
#define ARP_REPLY_TO_ACTOR { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .op = 2, \
			     .sha = FX_GW_MAC, .spa = FX_WORKER_IP, .tha = FX_ACTOR_MAC, \
			     .tpa = FX_ACTOR_IP }
#define FORWARDED .verdict = FX_SHOT, .c = { C(1, DROP_FORWARDED) }
#define PASSED .verdict = FX_UNSPEC, .same = true

const struct row forward_rows[] = {
	/* -- routed here by the worker: dropped -- */
	{ "forward_from_pod_dropped", TO_ACTOR, DEV_A1, .iif = IIF_POD, .cfg_flags = PEER,
	  .in = REPLY_TO_ACTOR, FORWARDED },
	/* Someone on the pod network passing as the worker. */
	{ "forward_from_pod_to_identity_dropped", TO_ACTOR, DEV_A1, .iif = IIF_POD,
	  .cfg_flags = PEER, .in = TO_IDENTITY(FX_WORKER_IP), FORWARDED },
	{ "forward_from_other_actor_dropped", TO_ACTOR, DEV_A1, .iif = IIF_A2, .cfg_flags = PEER,
	  .in = REPLY_TO_ACTOR, FORWARDED },
	/* Without redirect_peer only the pod interface is from_pod's. */
	{ "forward_from_other_actor_dropped_no_redirect_peer", TO_ACTOR, DEV_A1, .iif = IIF_A2,
	  .in = REPLY_TO_ACTOR, FORWARDED },
	{ "forward_to_actor2_from_actor1_dropped", TO_ACTOR, DEV_A2, .iif = IIF_A1,
	  .cfg_flags = PEER, .in = REPLY_TO_ACTOR, .verdict = FX_SHOT,
	  .c = { C(2, DROP_FORWARDED) } },

	/* -- passed -- */
	{ "forward_arp_reply_from_own_veth_passes", TO_ACTOR, DEV_A1, .iif = IIF_A1,
	  .cfg_flags = PEER, .kind = K_ARP, .arp = ARP_REPLY_TO_ACTOR, PASSED },
	/* from_pod's bpf_redirect (redirect_peer off): in on the pod interface. */
	{ "forward_from_pod_redirect_fallback_passes", TO_ACTOR, DEV_A1, .iif = IIF_POD,
	  .in = REPLY_TO_ACTOR, PASSED },
	/* The worker's own: ingress 0, given the identity's address as before. */
	{ "forward_worker_own_to_identity_rewritten", TO_ACTOR, DEV_A1, .cfg_flags = PEER,
	  .in = TO_IDENTITY(FX_WORKER_IP), .verdict = FX_UNSPEC, .x = { .daddr = FX_ACTOR_IP },
	  .c = { C(1, FROM_WORKER) } },
	{ "forward_worker_own_to_actor_passes", TO_ACTOR, DEV_A1, .cfg_flags = PEER,
	  .in = { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = FX_WORKER_IP,
		  .daddr = FX_ACTOR_IP, .sport = 9000, .dport = 80, TCP_SYN },
	  PASSED, .wflow_delta = 1 },
};
ROW_AREA_END(forward);
