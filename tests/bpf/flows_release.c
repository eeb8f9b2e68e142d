// SPDX-License-Identifier: Apache-2.0
/* Releasing a pod port about to be exposed (bpf/gc.h gc_release), run as
 * the loader's dp_nat_release runs it (nat_gc_ctl, mark ATEOM_GC_RELEASE,
 * cb[0] the port in host order, cb[1] the protocol): every pair on the port
 * goes, both halves, counted off its actor's quota, and so does an OUT half
 * naming the port without its port record; pairs on other ports and of
 * other protocols stay. */
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "rows.h"

#define P(n) ((uint16_t)(fx.snat_min + (n)))
#define REL P(3)   /* the port released */
#define OTHER P(4)

struct rel_pair {
	int actor;
	uint8_t proto;
	uint16_t aport;
	uint32_t rip;
	uint16_t rport, pod_port;
	bool in_missing; /* its port record gone before (an OUT half alone) */
	bool goes;
};

static struct rel_pair rel_pairs[] = {
	{ 1, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443, 3, false, true },
	/* another actor, another remote, the same port */
	{ 2, IPPROTO_TCP, APORT, OTHER_IP, 443, 3, false, true },
	{ 1, IPPROTO_TCP, APORT + 1, FX_REMOTE_IP, 80, 3, true, true },
	{ 1, IPPROTO_TCP, APORT + 2, FX_REMOTE_IP, 443, 4, false, false },
	{ 1, IPPROTO_UDP, APORT_UDP, FX_REMOTE_IP, 53, 3, false, false },
	/* a ping whose id maps to the port number */
	{ 1, IPPROTO_ICMP, ICMP_ID, FX_REMOTE_IP, 0, 3, false, false },
	{ 2, IPPROTO_TCP, APORT + 3, OTHER_IP, 443, 4, false, false },
};
#define N_REL (sizeof(rel_pairs) / sizeof(rel_pairs[0]))

static void rel_keys(const struct rel_pair *p, struct ateom_nat_key *in,
		     struct ateom_nat_key *out)
{
	*in = fx_key_in(p->rip, FX_POD_IP, p->rport, P(p->pod_port), p->proto);
	*out = fx_key_out(actor_ifindex(p->actor), FX_ACTOR_IP, p->rip, p->aport, p->rport,
			  p->proto);
}

static void rel_make(void)
{
	struct ateom_nat_key in, out;

	for (size_t i = 0; i < N_REL; i++) {
		const struct rel_pair *p = &rel_pairs[i];

		assert_int_equal(fx_snat_pair_put(&fx, actor_ifindex(p->actor), p->actor,
						  p->proto, p->aport, p->rip, p->rport,
						  P(p->pod_port), ago(5)), 0);
		rel_keys(p, &in, &out);
		if (p->in_missing)
			delete_port_record(&fx, &in);
	}
}

static void release_port_pairs(void **state)
{
	struct ateom_nat_key in, out;
	struct ateom_nat_entry e;
	int left = 0;

	(void)state;
	rel_make();
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 4);
	assert_int_equal(actor_pairs(&fx, fx.if_a2), 2);
	assert_int_equal(fx_gc_release(&fx, IPPROTO_TCP, REL), 0);

	for (size_t i = 0; i < N_REL; i++) {
		const struct rel_pair *p = &rel_pairs[i];
		bool in_there, out_there;

		rel_keys(p, &in, &out);
		in_there = !fx_nat_get(&fx, &in, &e);
		out_there = !fx_nat_get(&fx, &out, &e);
		if (out_there == p->goes || in_there != (!p->goes && !p->in_missing))
			fail_msg("pair %zu: IN %s, OUT %s, but it %s", i,
				 in_there ? "there" : "gone", out_there ? "there" : "gone",
				 p->goes ? "goes" : "stays");
		left += in_there + out_there;
	}
	assert_int_equal(fx_nat_count(&fx), left);
	assert_int_equal(left, 8);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 3);
	assert_int_equal(actor_pairs(&fx, fx.if_a2), 1);
	/* Nothing left to release: a second run changes nothing. */
	assert_int_equal(fx_gc_release(&fx, IPPROTO_TCP, REL), 0);
	assert_int_equal(fx_nat_count(&fx), 8);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 3);
}

/* The port's other protocol: only the UDP pair goes. */
static void release_other_proto(void **state)
{
	struct ateom_nat_key in, out;
	struct ateom_nat_entry e;

	(void)state;
	rel_make();
	assert_int_equal(fx_gc_release(&fx, IPPROTO_UDP, REL), 0);
	rel_keys(&rel_pairs[4], &in, &out);
	assert_int_not_equal(fx_nat_get(&fx, &in, &e), 0);
	assert_int_not_equal(fx_nat_get(&fx, &out, &e), 0);
	assert_int_equal(fx_nat_count(&fx), 13 - 2);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 3);
	assert_int_equal(actor_pairs(&fx, fx.if_a2), 2);
}

/* After the release, the actor's next packet on the flow gets a new pair
 * on another port (the released one is exposed now). */
static void release_then_flow_moves(void **state)
{
	struct pb_spec data = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
				.dport = 443, TCP_DATA };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	rel_make();
	assert_int_equal(fx_add_service(&fx, IPPROTO_TCP, REL, fx.if_a2, 81, 2), 0);
	assert_int_equal(fx_gc_release(&fx, IPPROTO_TCP, REL), 0);
	v = xmit(fx.from_actor, fx.if_a1, &data, FX_REDIRECT, &res);
	assert_int_not_equal(v.sport, REL);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), 1);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 4);
}

/* A pair made under a share is counted toward its remote; the count goes
 * with the pair (here: released), and the entry with its last pair. */
static void release_uncounts_remote_share(void **state)
{
	struct pb_spec syn = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
			       .dport = 443, TCP_SYN };
	struct ateom_remote_pairs_key rk = { .actor_ifindex = fx.if_a1, .addr_be = FX_REMOTE_IP,
					     .port_be = htons(443), .proto = IPPROTO_TCP };
	struct ateom_config c;
	struct fx_result res;
	struct pb_view v;
	uint32_t n = 0;

	(void)state;
	assert_int_equal(fx_get_config(&fx, &c), 0);
	c.remote_share = 10;
	assert_int_equal(fx_set_config(&fx, &c), 0);
	v = xmit(fx.from_actor, fx.if_a1, &syn, FX_REDIRECT, &res);
	assert_int_equal(bpf_map_lookup_elem(fx.remote_pairs, &rk, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fx_gc_release(&fx, IPPROTO_TCP, v.sport), 0);
	assert_int_not_equal(bpf_map_lookup_elem(fx.remote_pairs, &rk, &n), 0);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 0);
}

const struct CMUnitTest release_flows[] = {
	cmocka_unit_test_setup(release_uncounts_remote_share, flow_setup),
	cmocka_unit_test_setup(release_port_pairs, flow_setup),
	cmocka_unit_test_setup(release_other_proto, flow_setup),
	cmocka_unit_test_setup(release_then_flow_moves, flow_setup),
};
FLOW_GROUP_END(release);
