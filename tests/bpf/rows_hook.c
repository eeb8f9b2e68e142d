// SPDX-License-Identifier: Apache-2.0
/* Rows: the egress hook (ateomnet_hook.h) in front of actor egress, and
 * actor_resume run directly with skb->cb as a hook left it. */
#include <unistd.h>

#include "rows.h"

static void hook_in(struct fx *f, uint32_t slot, int fd)
{
	assert_true(fd >= 0);
	assert_int_equal(fx_hook_set(f, slot, fd), 0);
	close(fd); /* the prog array holds it */
}

static void prep_hook_shot(struct fx *f) { hook_in(f, 1, fx_hook_shot()); }
static void prep_hook_shot_a2(struct fx *f) { hook_in(f, 2, fx_hook_shot()); }
static void prep_hook_allow(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_ALLOW));
}
static void prep_hook_drop(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_DROP));
}
static void prep_hook_capture(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_CAPTURE));
}

/* An allow hook on an actor marked hooked (loader: dp_hook_changed). */
static void prep_hook_allow_hooked(struct fx *f)
{
	prep_hook_allow(f);
	assert_int_equal(fx_hook_gen(f, f->if_a1, true), 0);
}

/* ...after the client reached the exposed 53/udp (from_pod noted it). */
static void prep_hook_allow_hooked_client(struct fx *f)
{
	const struct pb_spec in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2,
				    .dport = FX_SVC_DNS, UDP_DATA };
	uint8_t pkt[PB_FRAME_MAX];
	struct fx_result res;
	size_t n = pb_build(pkt, sizeof(pkt), &in);

	prep_hook_allow_hooked(f);
	assert_int_equal(fx_run(f, f->from_pod, f->if_pod, pkt, n, NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
	assert_int_equal(fx_stats_zero(f), 0);
}

/* A client's datagram to the exposed 53/udp as the actor got it. */
static const struct pb_spec q_unknown_client = QUOTE_UDP(FX_CLIENT_IP, CPORT + 2, FX_ACTOR_IP,
							  FX_SVC_DNS_TO);
/* ...and as the error quotes it on the pod side. */
static const struct pb_spec q_client_pod = QUOTE_UDP(FX_CLIENT_IP, CPORT + 2, FX_POD_IP,
						     FX_SVC_DNS);
static const struct pb_spec want_error_to_client = { FX_ACTOR_WIRE, .saddr = FX_POD_IP,
	.daddr = FX_CLIENT_IP, .ttl = 63, PORT_UNREACH(&q_client_pod) };

const struct row hook_rows[] = {
	/* -- egress hook (ateomnet_hook.h) -- */
	{ "hook_empty_slot_allows", FROM_ACTOR, DEV_A1, .prep = prep_hook_shot_a2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "hook_returns_shot", FROM_ACTOR, DEV_A1, .prep = prep_hook_shot,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, ACTOR_RX) } },
	{ "hook_allow_resumes_nat", FROM_ACTOR, DEV_A1, .prep = prep_hook_allow,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X,
	  .c = { C(1, ACTOR_RX), C(1, HOOK_ALLOW), C(1, SNAT), C(1, SNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "hook_allow_dnat_reply", FROM_ACTOR, DEV_A1, .prep = prep_hook_allow,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80, .dport = CPORT, TCP_SYNACK },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, HOOK_ALLOW), C(1, DNAT_REPLY) } },
	{ "hook_drop_via_resume", FROM_ACTOR, DEV_A1, .prep = prep_hook_drop,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_POLICY) },
	/* A capture verdict without a proxy port (cb[ARG] = 0) cannot be done. */
	{ "hook_capture_without_port_fails_closed", FROM_ACTOR, DEV_A1, .prep = prep_hook_capture,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_CAPTURE) },
	{ "hook_not_run_for_worker_traffic", FROM_ACTOR, DEV_A1, .prep = prep_hook_shot,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 9000, TCP_SYN },
	  TO_WORKER },

	/* A hooked actor's ICMP error about its exposed port goes only to a
	 * client that reached the port (svc_flows), as its replies do: the
	 * policy passes every error, and the quote is the actor's to fill. */
	{ "hook_icmp_error_exposed_unknown_client", FROM_ACTOR, DEV_A1,
	  .prep = prep_hook_allow_hooked,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_unknown_client) },
	  .verdict = FX_SHOT, .c = { C(1, ACTOR_RX), C(1, HOOK_ALLOW), C(1, DROP_ICMP_PEER) } },
	{ "hook_icmp_error_exposed_known_client", FROM_ACTOR, DEV_A1,
	  .prep = prep_hook_allow_hooked_client,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_unknown_client) },
	  .verdict = FX_REDIRECT, .want = &want_error_to_client,
	  .c = { C(1, ACTOR_RX), C(1, HOOK_ALLOW), C(1, ICMP_ERROR) } },
	/* -- actor_resume run directly, skb->cb as a hook left it -- */
	{ "resume_allow", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X,
	  .c = { C(1, HOOK_ALLOW), C(1, SNAT), C(1, SNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "resume_drop", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_DROP),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "resume_no_verdict", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_NONE),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "resume_unknown_verdict", RESUME, DEV_A1, RESUME_CB(77),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "resume_allow_without_magic", RESUME, DEV_A1, .cb = { 0, 1, 0, ATEOM_HOOK_ALLOW },
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "resume_hook_changed_source", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FX_ACTOR_WIRE, .saddr = FX_IP(10, 200, 0, 9), .daddr = FX_REMOTE_IP,
		  .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },
	{ "resume_hook_added_ip_options", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ip_opt_words = 1 },
	  .verdict = FX_SHOT, .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },
	{ "resume_hook_made_it_worker_bound", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },
	{ "resume_no_actor_entry", RESUME, DEV_POD, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_NO_ACTOR) } },
	{ "resume_unconfigured", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW), .unconfigured = true,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_NO_CONFIG) } },
};
ROW_AREA_END(hook);
