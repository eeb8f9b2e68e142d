// SPDX-License-Identifier: Apache-2.0
/* The egress hook's verdict cache (bpf/hook_cache.h): an established flow
 * the hook let through skips it, a bump of the actor's hook generation
 * (what the loader does at every change of slot or policy) sends the next
 * packet through it again, a new flow or a SYN always asks it; an exposed
 * port answers the clients that reached it past the hook, and nobody else. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "rows.h"
#include "pkt6.h"
#include "e6fx.h"
#include "siphash_ref.h"

static void hook_put(uint32_t slot, int fd)
{
	assert_true(fd >= 0);
	assert_int_equal(fx_hook_set(&fx, slot, fd), 0);
	close(fd);
}

static uint64_t ctr(uint32_t stat) { return fx_counter(&fx, 1, stat, NULL); }

static const struct pb_spec out_syn = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
					.dport = 443, TCP_SYN };
static const struct pb_spec out_data = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
					 .dport = 443, TCP_DATA };

/* Let through by an allow hook (via resume), then the hook becomes one that
 * drops everything: the open flow does not ask it until the bump, and
 * asks it at its next packet after. */
static void hook_cache_then_bump(void **state)
{
	struct fx_result res;

	(void)state;
	hook_put(1, fx_hook_verdict(&fx, 1, fx.if_a1, ATEOM_HOOK_ALLOW));
	xmit(fx.from_actor, fx.if_a1, &out_syn, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_ALLOW), 1);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 0);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_ALLOW), 1); /* not asked */
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 1);
	assert_int_equal(ctr(ATEOM_STAT_SNAT), 2);

	hook_put(1, fx_hook_shot()); /* the slot changes, no bump yet */
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 2);
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_SHOT, &res);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_SHOT, &res); /* and stays so */
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 2);
	assert_int_equal(ctr(ATEOM_STAT_SNAT), 3);

	/* Allowed again after another change: stamped with the new
	 * generation, cached from the packet after. */
	hook_put(1, fx_hook_verdict(&fx, 1, fx.if_a1, ATEOM_HOOK_ALLOW));
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_ALLOW), 2);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_ALLOW), 2);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 3);
}

/* An empty slot lets a flow through too (fall-through): stamped, cached. */
static void hook_cache_empty_slot(void **state)
{
	struct fx_result res;

	(void)state;
	xmit(fx.from_actor, fx.if_a1, &out_syn, FX_REDIRECT, &res);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 1);
	/* A hook put in the slot (up/policy bump): the open flow meets it. */
	hook_put(1, fx_hook_shot());
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_SHOT, &res);
}

/* A new flow, and a SYN on a cached flow's tuple, always ask the hook. */
static void hook_cache_new_flow_asks(void **state)
{
	struct pb_spec other = out_data;
	struct fx_result res;

	(void)state;
	xmit(fx.from_actor, fx.if_a1, &out_syn, FX_REDIRECT, &res);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 1);
	hook_put(1, fx_hook_shot()); /* no bump: only the cache would pass */
	other.sport = APORT + 1;
	xmit(fx.from_actor, fx.if_a1, &other, FX_SHOT, &res);
	other.sport = APORT;
	other.dport = 444;
	xmit(fx.from_actor, fx.if_a1, &other, FX_SHOT, &res);
	xmit(fx.from_actor, fx.if_a1, &out_syn, FX_SHOT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 1);
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_REDIRECT, &res); /* the cached one */
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 2);
}

/* A pair the hook never stamped (0: made before, or by another path) is
 * not trusted; neither is a stamp a hook spoiled by writing cb[ARG]. */
static void hook_cache_unstamped_pair(void **state)
{
	struct fx_result res;

	(void)state;
	prep_snat_tcp(&fx); /* APORT -> R:443, hook_gen 0 */
	hook_put(1, fx_hook_shot());
	xmit(fx.from_actor, fx.if_a1, &out_data, FX_SHOT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 0);
}

/* An actor with a hook (deny everything): its exposed port answers the
 * client that reached it, and nobody else from that port. */
static void hook_exposed_reply_to_client_only(void **state)
{
	struct pb_spec in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT,
			      .dport = FX_SVC_HTTP, TCP_SYN };
	struct pb_spec reply = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80,
				 .dport = CPORT, TCP_SYNACK };
	struct pb_spec udp_in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT,
				  .dport = FX_SVC_DNS, UDP_DATA };
	struct pb_spec udp_reply = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = FX_SVC_DNS_TO,
				     .dport = CPORT, UDP_DATA };
	struct pb_spec bad;
	struct fx_result res;
	struct pb_view v;

	(void)state;
	hook_put(1, fx_hook_shot());
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	/* Before any client came: the port's packets meet the hook. */
	xmit(fx.from_actor, fx.if_a1, &reply, FX_SHOT, &res);
	xmit(fx.from_pod, fx.if_pod, &in, FX_REDIRECT, &res);
	v = xmit(fx.from_actor, fx.if_a1, &reply, FX_REDIRECT, &res);
	assert_int_equal(v.saddr, FX_POD_IP);
	assert_int_equal(v.sport, FX_SVC_HTTP);
	assert_int_equal(v.daddr, FX_CLIENT_IP);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_REPLY), 1);
	assert_int_equal(ctr(ATEOM_STAT_DNAT_REPLY), 1);
	/* The same port to another host, another port of the client, the
	 * other protocol, another exposed port: the hook (drop). */
	bad = reply;
	bad.daddr = OTHER_IP;
	xmit(fx.from_actor, fx.if_a1, &bad, FX_SHOT, &res);
	bad = reply;
	bad.dport = CPORT + 1;
	xmit(fx.from_actor, fx.if_a1, &bad, FX_SHOT, &res);
	bad = reply;
	bad.sport = FX_SVC_ALT_TO;
	xmit(fx.from_actor, fx.if_a1, &bad, FX_SHOT, &res);
	bad = udp_reply;
	bad.sport = 80;
	xmit(fx.from_actor, fx.if_a1, &bad, FX_SHOT, &res);
	/* A port that is not exposed, to the client: a new flow, the hook. */
	bad = reply;
	bad.sport = APORT;
	xmit(fx.from_actor, fx.if_a1, &bad, FX_SHOT, &res);
	/* Another actor's client is not this one's. */
	assert_int_equal(fx_hook_gen(&fx, fx.if_a2, true), 0);
	hook_put(2, fx_hook_shot());
	xmit(fx.from_actor, fx.if_a2, &reply, FX_SHOT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_REPLY), 1);
	/* UDP: the same. */
	xmit(fx.from_actor, fx.if_a1, &udp_reply, FX_SHOT, &res);
	xmit(fx.from_pod, fx.if_pod, &udp_in, FX_REDIRECT, &res);
	xmit(fx.from_actor, fx.if_a1, &udp_reply, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_REPLY), 2);
}

/* The record ages out at the protocol's timeout (config). */
static void hook_exposed_reply_expires(void **state)
{
	struct pb_spec udp_in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT,
				  .dport = FX_SVC_DNS, UDP_DATA };
	struct pb_spec udp_reply = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = FX_SVC_DNS_TO,
				     .dport = CPORT, UDP_DATA };
	struct ateom_config c;
	struct fx_result res;
	int n = 0;

	(void)state;
	hook_put(1, fx_hook_shot());
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	xmit(fx.from_pod, fx.if_pod, &udp_in, FX_REDIRECT, &res);
	xmit(fx.from_actor, fx.if_a1, &udp_reply, FX_REDIRECT, &res);
	/* Actor 1's records made older than the UDP timeout (modulo 2^64,
	 * as the datapath subtracts). */
	assert_int_equal(fx_get_config(&fx, &c), 0);
	for (uint32_t i = ATEOM_SVC_FLOW_BUCKETS; i < 2 * ATEOM_SVC_FLOW_BUCKETS; i++) {
		struct ateom_svc_flow_bucket b;

		assert_int_equal(bpf_map_lookup_elem(fx.svc_flows, &i, &b), 0);
		for (int w = 0; w < ATEOM_SVC_FLOW_WAYS; w++)
			if (b.way[w].tuple) {
				b.way[w].last_ns -= c.udp_timeout_ns + FX_SEC;
				n++;
			}
		assert_int_equal(bpf_map_update_elem(fx.svc_flows, &i, &b, BPF_ANY), 0);
	}
	assert_int_equal(n, 1);
	xmit(fx.from_actor, fx.if_a1, &udp_reply, FX_SHOT, &res);
	/* The client again: noted afresh. */
	xmit(fx.from_pod, fx.if_pod, &udp_in, FX_REDIRECT, &res);
	xmit(fx.from_actor, fx.if_a1, &udp_reply, FX_REDIRECT, &res);
}

/* Without a hook flag (no hook) the exposed port answers as always, and
 * the bump clears the flag when the slot is emptied. */
static void hook_exposed_reply_flag(void **state)
{
	struct pb_spec reply = { FROM_ACTOR_IP, .daddr = OTHER_IP, .sport = 80, .dport = CPORT,
				 TCP_SYNACK };
	struct ateom_actor a;
	struct fx_result res;

	(void)state;
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	assert_int_equal(fx_get_actor(&fx, fx.if_a1, &a), 0);
	assert_true(a.flags & ATEOM_ACTOR_HOOKED);
	assert_int_equal(a.hook_gen, 2);
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, false), 0);
	assert_int_equal(fx_get_actor(&fx, fx.if_a1, &a), 0);
	assert_false(a.flags & ATEOM_ACTOR_HOOKED);
	assert_int_equal(a.hook_gen, 3);
	xmit(fx.from_actor, fx.if_a1, &reply, FX_REDIRECT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_REPLY), 0);
	/* The generation wraps past 0. */
	a.hook_gen = 0xffff;
	assert_int_equal(fx_put_actor(&fx, fx.if_a1, &a), 0);
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, false), 0);
	assert_int_equal(fx_get_actor(&fx, fx.if_a1, &a), 0);
	assert_int_equal(a.hook_gen, 1);
	assert_int_equal(fx_hook_gen(&fx, 999, false), 1); /* no such actor */
}

/* A record of svc_flows says its family (the lowest bit of last_ns, 1:
 * IPv6, whose tuple is a hash): an IPv6 record whose 64 bits equal an
 * IPv4 tuple is no IPv4 client. (Made here from an IPv4 client's record
 * by setting the bit: the datapath's own hash cannot be aimed.) Without
 * the bit, an actor could reach any IPv4 host past its hook once an IPv6
 * record's bits spelled it, and an IPv4 tuple is any address it likes. */
static void hook_exposed_reply_family(void **state)
{
	struct pb_spec in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT,
			      .dport = FX_SVC_HTTP, TCP_SYN };
	struct pb_spec reply = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80,
				 .dport = CPORT, TCP_SYNACK };
	struct ateom_svc_flow_bucket b;
	struct fx_result res;
	int found = 0;

	(void)state;
	hook_put(1, fx_hook_shot());
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	xmit(fx.from_pod, fx.if_pod, &in, FX_REDIRECT, &res);
	for (uint32_t i = ATEOM_SVC_FLOW_BUCKETS; i < 2 * ATEOM_SVC_FLOW_BUCKETS; i++) {
		assert_int_equal(bpf_map_lookup_elem(fx.svc_flows, &i, &b), 0);
		for (int w = 0; w < ATEOM_SVC_FLOW_WAYS; w++)
			if (b.way[w].last_ns) {
				assert_int_equal(b.way[w].last_ns & 1, 0); /* IPv4 */
				b.way[w].last_ns |= 1;
				found++;
			}
		if (found == 1) {
			assert_int_equal(bpf_map_update_elem(fx.svc_flows, &i, &b, BPF_ANY), 0);
			found++;
		}
	}
	assert_int_equal(found, 2);
	xmit(fx.from_actor, fx.if_a1, &reply, FX_SHOT, &res);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_REPLY), 0);
}

/* The 32-bit fold of an IPv6 client (as the datapath computed it before:
 * SipHash of the address, low word) for 2001:db8:113::<i>. */
struct fold { uint32_t h, i; };

static int fold_cmp(const void *x, const void *y)
{
	const struct fold *a = x, *b = y;

	return a->h < b->h ? -1 : a->h > b->h;
}

static void client6(uint8_t a[16], uint32_t i)
{
	p6_addr(a, "2001:db8:113::");
	memcpy(a + 12, &i, 4);
}

static uint32_t fold32(const uint8_t a[16])
{
	static const uint64_t key[2] = { FX_PORT_KEY0, FX_PORT_KEY1 };
	uint32_t w[4];

	memcpy(w, a, 16);
	return (uint32_t)siphash_ref_2u64(((uint64_t)w[0] << 32) | w[1],
					  ((uint64_t)w[2] << 32) | w[3], key);
}

/* Two IPv6 clients whose 32-bit folds are equal: one reached the exposed
 * port, the actor answers the other from it. That must meet the hook: a
 * helper spraying sources from a /64 and an actor probing gets such a
 * pair online; here a birthday search over the fixture's key finds one. */
static void hook_exposed_reply_fold_collision(void **state)
{
	enum { N = 1 << 19 };
	struct p6_spec in6 = { .smac = FX_NODE_MAC, .dmac = FX_POD_MAC, .proto = IPPROTO_TCP,
			       .sport = CPORT, .dport = FX_SVC_HTTP, .tcp_flags = PB_SYN,
			       .seq = 1000 };
	struct p6_spec out6 = { .smac = FX_ACTOR_MAC, .dmac = FX_GW_MAC, .proto = IPPROTO_TCP,
				.sport = 80, .dport = CPORT, .tcp_flags = PB_SYN | PB_ACK,
				.seq = 7000, .ack = 1001 };
	struct fold *f = calloc(N, sizeof(*f));
	uint8_t pkt[PB_FRAME_MAX], a[16];
	struct fx_result res;
	uint32_t x = 0, y = 0, n;

	(void)state;
	assert_non_null(f);
	for (uint32_t i = 0; i < N; i++) {
		client6(a, i + 1);
		f[i] = (struct fold){ fold32(a), i + 1 };
	}
	qsort(f, N, sizeof(*f), fold_cmp);
	for (uint32_t i = 1; i < N && !x; i++)
		if (f[i].h == f[i - 1].h) {
			x = f[i - 1].i;
			y = f[i].i;
		}
	free(f);
	assert_int_not_equal(x, 0); /* ~2^16 expected for one */

	hook_put(1, fx_hook_shot());
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	client6(in6.saddr, x);
	memcpy(in6.daddr, E6_POD, 16);
	n = p6_build(pkt, sizeof(pkt), &in6);
	assert_int_equal(fx_run(&fx, fx.from_pod, fx.if_pod, pkt, n, NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
	memcpy(out6.saddr, E6_ACTOR, 16);
	/* The client that came: past the hook. */
	client6(out6.daddr, x);
	n = p6_build(pkt, sizeof(pkt), &out6);
	assert_int_equal(fx_run(&fx, fx.from_actor, fx.if_a1, pkt, n, NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_REPLY), 1);
	/* Its twin: the hook. */
	client6(out6.daddr, y);
	n = p6_build(pkt, sizeof(pkt), &out6);
	assert_int_equal(fx_run(&fx, fx.from_actor, fx.if_a1, pkt, n, NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_SHOT);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_REPLY), 1);
}

const struct CMUnitTest hook_flows[] = {
	cmocka_unit_test_setup(hook_cache_then_bump, flow_setup),
	cmocka_unit_test_setup(hook_cache_empty_slot, flow_setup),
	cmocka_unit_test_setup(hook_cache_new_flow_asks, flow_setup),
	cmocka_unit_test_setup(hook_cache_unstamped_pair, flow_setup),
	cmocka_unit_test_setup(hook_exposed_reply_to_client_only, flow_setup),
	cmocka_unit_test_setup(hook_exposed_reply_expires, flow_setup),
	cmocka_unit_test_setup(hook_exposed_reply_flag, flow_setup),
	cmocka_unit_test_setup(hook_exposed_reply_family, flow_setup),
	cmocka_unit_test_setup(hook_exposed_reply_fold_collision, e6_setup),
};
FLOW_GROUP_END(hook);
