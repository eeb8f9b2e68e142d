// SPDX-License-Identifier: Apache-2.0
/* The SNAT port choice (bpf/nat.h snat_first): the first candidate of a
 * tuple is snat_port_min + SipHash-2-4(port_key, tuple) % range, the same
 * function as the kernel's siphash_2u64, checked here against a reference
 * written from the paper (siphash_ref.c), itself checked against the
 * paper's vectors. Keyed: another key, other ports, so an actor that does
 * not know the key cannot choose its pod port. */
#include <string.h>

#include "rows.h"
#include "siphash_ref.h"

static void port_siphash_reference_vectors(void **state)
{
	(void)state;
	assert_int_equal(siphash_ref_selftest(), 0);
}

/* Actor flows of every protocol, to a few remotes and ports. */
static const struct pb_spec tuples[] = {
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT + 1, .dport = 443, TCP_SYN },
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 444, TCP_SYN },
	{ FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = APORT, .dport = 443, TCP_SYN },
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = 1024, .dport = 80, TCP_DATA },
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = 65535, .dport = 65535, TCP_SYN },
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	{ FROM_ACTOR_IP, .daddr = FX_ROUTER_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = 123, .dport = 123, UDP_DATA },
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID) },
	{ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID + 1) },
	{ FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, ECHO(ICMP_ID) },
};
#define N_TUPLES (sizeof(tuples) / sizeof(tuples[0]))

static uint16_t expected(const struct ateom_config *c, const struct pb_spec *t)
{
	bool icmp = t->proto == IPPROTO_ICMP;

	return snat_candidate_cfg(c, t->proto, t->saddr, icmp ? t->icmp_id : t->sport, t->daddr,
				  icmp ? 0 : t->dport, 0);
}

/* The port the datapath gives the tuple's new flow, from an empty table. */
static uint16_t given(const struct pb_spec *t)
{
	struct fx_result res;
	struct pb_view v;

	assert_int_equal(fx_nat_clear(&fx), 0);
	v = xmit(fx.from_actor, fx.if_a1, t, FX_REDIRECT, &res);
	assert_int_equal(v.saddr, FX_POD_IP);
	return t->proto == IPPROTO_ICMP ? v.icmp_id : v.sport;
}

static void port_first_candidate_is_keyed_hash(void **state)
{
	struct ateom_config c;

	(void)state;
	assert_int_equal(fx_get_config(&fx, &c), 0);
	for (size_t i = 0; i < N_TUPLES; i++) {
		uint16_t p = given(&tuples[i]), want = expected(&c, &tuples[i]);

		if (p != want)
			fail_msg("tuple %zu (proto %u): port %u, want %u", i, tuples[i].proto, p,
				 want);
	}
}

/* The same tuples under another key: (almost) every port moves, each to
 * its candidate under that key; back under the first key, each tuple gets
 * its old port again (stable: a remote in TIME_WAIT sees the same 4-tuple
 * after the actor comes back). */
static void port_key_changes_choice(void **state)
{
	static const uint64_t other[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	struct ateom_config c, k2;
	uint16_t first[N_TUPLES];
	unsigned moved = 0;

	(void)state;
	assert_int_equal(fx_get_config(&fx, &c), 0);
	k2 = c;
	memcpy(k2.port_key, other, sizeof(other));
	for (size_t i = 0; i < N_TUPLES; i++)
		first[i] = given(&tuples[i]);
	assert_int_equal(fx_set_config(&fx, &k2), 0);
	for (size_t i = 0; i < N_TUPLES; i++) {
		uint16_t p = given(&tuples[i]);

		assert_int_equal(p, expected(&k2, &tuples[i]));
		moved += p != first[i];
	}
	/* Two keys agree on a tuple once in a range's worth of tuples. */
	if (moved < N_TUPLES - 1)
		fail_msg("only %u of %zu tuples changed port with the key", moved, N_TUPLES);
	assert_int_equal(fx_set_config(&fx, &c), 0);
	for (size_t i = 0; i < N_TUPLES; i++)
		assert_int_equal(given(&tuples[i]), first[i]);
}

/* The actor's source port is shifted by a secret per remote: what the
 * actor can learn toward a remote it controls (its pod port there) says
 * nothing about another remote. One source port toward 16 remote ports
 * lands on 16 different pod ports (min + sport % range, the first
 * version's choice, gave the same port toward every remote). For one
 * remote, consecutive source ports stay consecutive pod ports: a rotation,
 * so the actor's own flows never collide (no PAWS drops at the remote). */
/* Endpoint-independent mapping (RFC 4787 REQ-1): one actor socket keeps
 * its pod port toward every remote, with the pairs of the others alive
 * (what a STUN client checks); consecutive source ports get consecutive
 * pod ports (a rotation: the actor's own flows never collide). */
static void port_mapping_is_endpoint_independent(void **state)
{
	struct pb_spec t = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
			     TCP_SYN };
	static const uint32_t remotes[] = { FX_REMOTE_IP, FX_CLIENT_IP, FX_ROUTER_IP };
	struct fx_result res;
	uint16_t ports[16];

	(void)state;
	ports[0] = given(&t); /* from an empty table */
	for (unsigned i = 0; i < 3; i++)
		for (unsigned d = 0; d < 5; d++) {
			t.daddr = remotes[i];
			t.dport = 443 + d;
			struct pb_view v = xmit(fx.from_actor, fx.if_a1, &t, FX_REDIRECT, &res);

			assert_int_equal(v.sport, ports[0]);
		}
	t.daddr = FX_REMOTE_IP;
	t.dport = 443;
	for (t.sport = APORT + 1; t.sport < APORT + 16; t.sport++) {
		uint16_t lo = range_port(RANGE_PORT(0)), hi = lo + (fx.snat_max - fx.snat_min);
		unsigned next = ports[0] + (t.sport - APORT);

		assert_int_equal(given(&t), next > hi ? lo + (next - hi - 1) : next);
	}
}

const struct CMUnitTest port_flows[] = {
	cmocka_unit_test(port_siphash_reference_vectors),
	cmocka_unit_test_setup(port_first_candidate_is_keyed_hash, flow_setup),
	cmocka_unit_test_setup(port_key_changes_choice, flow_setup),
	cmocka_unit_test_setup(port_mapping_is_endpoint_independent, flow_setup),
};
FLOW_GROUP_END(port);
