// SPDX-License-Identifier: Apache-2.0
/* IPv6 rows: the egress hook for IPv6 (the same slot and cb words; the hook
 * tells the family by the ethertype), actor_resume6 run through
 * actor_resume, and the verdict cache on nat6 pairs and exposed ports'
 * clients. */
#include <unistd.h>

#include "engine6.h"

static void hook_in(struct fx *f, uint32_t slot, int fd)
{
	assert_true(fd >= 0);
	assert_int_equal(fx_hook_set(f, slot, fd), 0);
	close(fd);
}

static void prep_allow(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_ALLOW));
}

static void prep_drop(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_DROP));
}

static void prep_capture(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_CAPTURE));
}

/* A hook that drops everything, on an actor marked hooked (loader:
 * dp_hook_changed). */
static void prep_shot_hooked(struct fx *f)
{
	hook_in(f, 1, fx_hook_shot());
	assert_int_equal(fx_hook_gen(f, f->if_a1, true), 0);
}

static uint16_t actor_gen(struct fx *f)
{
	struct ateom_actor a;

	assert_int_equal(fx_get_actor(f, f->if_a1, &a), 0);
	return (uint16_t)a.hook_gen;
}

/* The pair the hook let through under the actor's generation. */
static void prep_cached_pair(struct fx *f)
{
	prep_shot_hooked(f);
	fx6_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, REMOTE6, 443, range_port(RANGE_PORT(5)),
		     actor_gen(f));
}

/* ...under an older generation: the hook is asked again. */
static void prep_stale_pair(struct fx *f)
{
	prep_shot_hooked(f);
	fx6_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, REMOTE6, 443, range_port(RANGE_PORT(5)),
		     actor_gen(f) - 1);
}

/* A client reached actor 1's port 80 over IPv6 (from_pod6 noted it). */
static void prep_client_reached(struct fx *f)
{
	const struct p6_spec in = { A6_TO_POD, .saddr = A6_CLIENT, .sport = CPORT,
				    .dport = FX_SVC_HTTP, TCP6_SYN };
	uint8_t pkt[PB_FRAME_MAX];
	struct fx_result res;
	size_t n = p6_build(pkt, sizeof(pkt), &in);

	prep_shot_hooked(f);
	assert_int_equal(fx_run(f, f->from_pod, f->if_pod, pkt, n, NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
}

/* The SNAT pair made past the hook keeps the generation it passed under. */
static void check_stamped(struct fx *f, const struct run6 *run)
{
	struct ateom_nat6_key out = fx6_key_out(f->if_a1, ACTOR6, REMOTE6, APORT, 443,
						IPPROTO_TCP);
	struct ateom_nat6_entry e;

	(void)run;
	assert_int_equal(fx6_nat_get(f, &out, &e), 0);
	assert_int_equal(e.hook_gen, actor_gen(f));
}

#define TCP_OUT6_WITH(...) A6_ACTOR_WIRE, .sport = APORT, .dport = 443, __VA_ARGS__
#define TCP_OUT6 TCP_OUT6_WITH(.saddr = A6_ACTOR, .daddr = A6_REMOTE)
#define SNAT6_X { .saddr = POD6, .sport = SNAT6_PORT, .hop_dec = true }

const struct row6 hook_rows6[] = {
	{ "h6_hook_allow", FROM_ACTOR, DEV_A1, .prep = prep_allow, .in = { TCP_OUT6, TCP6_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT6_X, .nat6_delta = 2, .pair = true, .actor = 1,
	  .c = { C(1, ACTOR_RX), C(1, HOOK_ALLOW), C(1, SNAT), C(1, SNAT_NEW) },
	  .check = check_stamped },
	{ "h6_hook_drop", FROM_ACTOR, DEV_A1, .prep = prep_drop, .in = { TCP_OUT6, TCP6_SYN },
	  .verdict = FX_SHOT, .c = { C(1, ACTOR_RX), C(1, DROP_POLICY) } },
	{ "h6_hook_shot", FROM_ACTOR, DEV_A1, .prep = prep_shot_hooked,
	  .in = { TCP_OUT6, TCP6_SYN }, .verdict = FX_SHOT, .c = { C(1, ACTOR_RX) } },
	/* The capture proxy is IPv4's. */
	{ "h6_hook_capture", FROM_ACTOR, DEV_A1, .prep = prep_capture,
	  .in = { TCP_OUT6, TCP6_SYN }, .verdict = FX_SHOT,
	  .c = { C(1, ACTOR_RX), C(1, DROP_CAPTURE) } },
	/* The verdict cache. */
	{ "h6_cached_pair", FROM_ACTOR, DEV_A1, .prep = prep_cached_pair,
	  .in = { TCP_OUT6, TCP6_DATA }, .verdict = FX_REDIRECT,
	  .x = { .saddr = POD6, .sport = RANGE_PORT(5), .hop_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, HOOK_CACHED), C(1, SNAT) } },
	{ "h6_cached_pair_syn_asks", FROM_ACTOR, DEV_A1, .prep = prep_cached_pair,
	  .in = { TCP_OUT6, TCP6_SYN }, .verdict = FX_SHOT, .c = { C(1, ACTOR_RX) } },
	{ "h6_stale_pair_asks", FROM_ACTOR, DEV_A1, .prep = prep_stale_pair,
	  .in = { TCP_OUT6, TCP6_DATA }, .verdict = FX_SHOT, .c = { C(1, ACTOR_RX) } },
	/* Exposed port's answers: to a client that reached it, past the hook. */
	{ "h6_exposed_reply_to_client", FROM_ACTOR, DEV_A1, .prep = prep_client_reached,
	  .in = { A6_FROM_ACTOR, .daddr = A6_CLIENT, .sport = 80, .dport = CPORT,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_SYN | PB_ACK },
	  .verdict = FX_REDIRECT, .x = { .saddr = POD6, .sport = FX_SVC_HTTP, .hop_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, HOOK_REPLY), C(1, DNAT_REPLY) } },
	{ "h6_exposed_reply_other_client", FROM_ACTOR, DEV_A1, .prep = prep_client_reached,
	  .in = { A6_FROM_ACTOR, .daddr = A6_REMOTE, .sport = 80, .dport = CPORT,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_SYN | PB_ACK },
	  .verdict = FX_SHOT, .c = { C(1, ACTOR_RX) } },
	/* actor_resume6 run directly, as a hook leaves it. */
	{ "h6_resume_allow", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { TCP_OUT6, TCP6_SYN }, .verdict = FX_REDIRECT, .x = SNAT6_X, .nat6_delta = 2,
	  .pair = true, .actor = 1, .c = { C(1, HOOK_ALLOW), C(1, SNAT), C(1, SNAT_NEW) } },
	{ "h6_resume_without_magic", RESUME, DEV_A1, .in = { TCP_OUT6, TCP6_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "h6_resume_changed_source", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { TCP_OUT6_WITH(.saddr = A6_LINK3, .daddr = A6_REMOTE), TCP6_SYN },
	  .verdict = FX_SHOT,
	  .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },
	{ "h6_resume_ext_header_added", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { TCP_OUT6, TCP6_SYN, .ext = { P6_DEST }, .n_ext = 1 }, .verdict = FX_SHOT,
	  .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },
	{ "h6_resume_to_worker", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { TCP_OUT6_WITH(.saddr = A6_ACTOR, .daddr = A6_WORKER), TCP6_SYN },
	  .verdict = FX_SHOT,
	  .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },
	{ "h6_resume_capture", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_CAPTURE),
	  .in = { TCP_OUT6, TCP6_SYN }, .verdict = FX_SHOT, .c = { C(1, DROP_CAPTURE) } },
};
ROW6_AREA_END(hook);
