// SPDX-License-Identifier: Apache-2.0
/* ICMPv6 errors translated both ways (bpf/icmp6_err.h) and hop limit
 * expiry (bpf/hop6.h). Each row builds the packet that arrives and the one
 * that must leave (the quoted packet translated, the checksums computed
 * from scratch), and compares them byte for byte; the outer ICMPv6
 * checksum and, where the whole quoted datagram is there, its own L4
 * checksum are verified again from scratch. Every counter is checked. */
#include <string.h>
#include <unistd.h>

#include "e6fx.h"

#define A6_UDP 40001   /* actor's ports */
#define A6_TCP 40000
#define A6_ECHO 0x3344
#define P6_UDP RANGE_PORT(21) /* their pod ports */
#define P6_TCP RANGE_PORT(20)
#define P6_ECHO RANGE_PORT(22)

#define ADDR(field, a) memcpy((field), (a), 16)

/* The actor's pairs: UDP to REMOTE:53, TCP to REMOTE:443, echo to REMOTE. */
static void pairs(void)
{
	e6_pair(1, IPPROTO_UDP, A6_UDP, E6_REMOTE, 53, range_port(P6_UDP));
	e6_pair(1, IPPROTO_TCP, A6_TCP, E6_REMOTE, 443, range_port(P6_TCP));
	e6_pair(1, IPPROTO_ICMPV6, A6_ECHO, E6_REMOTE, 0, range_port(P6_ECHO));
}

/* The actor's packet as it left (pod side) and as the actor sent it. */
static struct e6_spec sent(uint8_t proto, bool translated)
{
	struct e6_spec s = { .proto = proto, .hop = 63, .payload = 60, .pattern = proto };

	ADDR(s.saddr, translated ? E6_POD : E6_ACTOR);
	ADDR(s.daddr, E6_REMOTE);
	switch (proto) {
	case IPPROTO_UDP:
		s.sport = translated ? range_port(P6_UDP) : A6_UDP;
		s.dport = 53;
		break;
	case IPPROTO_TCP:
		s.sport = translated ? range_port(P6_TCP) : A6_TCP;
		s.dport = 443;
		s.tcp_flags = PB_ACK | PB_PSH;
		break;
	default:
		s.icmp_type = E6_ECHO_REQUEST;
		s.icmp_id = translated ? range_port(P6_ECHO) : A6_ECHO;
		s.icmp_seq = 9;
		break;
	}
	return s;
}

/* A router's error about q, for the pod; and as it must reach the actor. */
static struct e6_spec router_error(uint8_t type, const struct e6_spec *q, uint16_t quote)
{
	struct e6_spec e = { E6_ON_POD, .proto = IPPROTO_ICMPV6, .icmp_type = type,
			     .hop = 60, .inner = q, .inner_quote = quote };

	e.icmp_code = type == 1 ? 4 : 0;
	e.icmp_word = type == 2 ? 1280 : type == 4 ? 40 : 0;
	ADDR(e.saddr, E6_ROUTER);
	ADDR(e.daddr, E6_POD);
	return e;
}

static struct e6_spec for_actor(const struct e6_spec *e, const struct e6_spec *q)
{
	struct e6_spec w = *e;

	memcpy(w.smac, (uint8_t[])FX_GW_MAC, 6);
	memcpy(w.dmac, (uint8_t[])FX_ACTOR_MAC, 6);
	ADDR(w.daddr, E6_ACTOR);
	w.hop = e->hop - 1;
	w.inner = q;
	return w;
}

/* ---- from the pod: errors about the actor's flows ----------------------- */

/* Every error type about every protocol of the actor's, whole quotes. */
static void icmp6_pod_error_types(void **state)
{
	static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMPV6 };
	struct fx_result res;

	pairs();
	for (int t = 1; t <= 4; t++) {
		for (size_t i = 0; i < sizeof(protos); i++) {
			struct e6_spec q = sent(protos[i], true), qa = sent(protos[i], false);
			struct e6_spec e = router_error(t, &q, 0), w = for_actor(&e, &qa);
			int checked;

			e6_xmit(fx.from_pod, fx.if_pod, &e, FX_REDIRECT, &w, false, &res);
			assert_true(e6_csums_ok(res.out, res.out_len, &checked));
			assert_int_equal(checked, 2); /* outer and the quoted datagram's */
			E6_COUNTS(CN(1, ICMP_ERROR, 1));
		}
	}
}

/* Packet Too Big as routers send it: 1280 bytes in all, the quote cut
 * inside the payload (the quoted checksum updated all the same, its MTU
 * field kept). */
static void icmp6_pod_ptb_cut(void **state)
{
	struct e6_spec q = sent(IPPROTO_TCP, true), qa = sent(IPPROTO_TCP, false);
	struct e6_spec e, w;
	struct fx_result res;

	pairs();
	q.payload = qa.payload = 1400;
	e = router_error(2, &q, 1280 - 48);
	w = for_actor(&e, &qa);
	e6_xmit(fx.from_pod, fx.if_pod, &e, FX_REDIRECT, &w, false, &res);
	assert_int_equal(res.out_len, 14 + 1280);
	E6_COUNTS(CN(1, ICMP_ERROR, 1));
}

/* Quotes cut short: the ports only (no L4 checksum for TCP), UDP's
 * checksum just in, an echo header's 8 bytes. */
static void icmp6_pod_short_quotes(void **state)
{
	static const struct { uint8_t proto; uint16_t quote; } cuts[] = {
		{ IPPROTO_TCP, 44 }, { IPPROTO_TCP, 48 }, { IPPROTO_TCP, 58 },
		{ IPPROTO_UDP, 48 }, { IPPROTO_ICMPV6, 48 },
	};
	struct fx_result res;

	pairs();
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct e6_spec q = sent(cuts[i].proto, true), qa = sent(cuts[i].proto, false);
		struct e6_spec e = router_error(1, &q, cuts[i].quote), w = for_actor(&e, &qa);

		e6_xmit(fx.from_pod, fx.if_pod, &e, FX_REDIRECT, &w, false, &res);
		E6_COUNTS(CN(1, ICMP_ERROR, 1));
	}
}

/* A UDP checksum 0 (none) in the quote stays 0. */
static void icmp6_pod_udp_nocsum(void **state)
{
	struct e6_spec q = sent(IPPROTO_UDP, true), qa = sent(IPPROTO_UDP, false);
	struct e6_spec e, w;
	struct fx_result res;

	pairs();
	q.udp_nocsum = qa.udp_nocsum = true;
	e = router_error(1, &q, 0);
	w = for_actor(&e, &qa);
	e6_xmit(fx.from_pod, fx.if_pod, &e, FX_REDIRECT, &w, false, &res);
	E6_COUNTS(CN(1, ICMP_ERROR, 1));
}

/* About an exposed port's answer (quoted source pod:80 -> the actor's
 * port 80, by services). */
static void icmp6_pod_error_exposed(void **state)
{
	struct e6_spec q = { .proto = IPPROTO_TCP, .sport = FX_SVC_ALT, .dport = CPORT,
			     .tcp_flags = PB_ACK, .payload = 100, .hop = 63 };
	struct e6_spec qa = q, e, w;
	struct fx_result res;

	ADDR(q.saddr, E6_POD);
	ADDR(q.daddr, E6_CLIENT);
	qa = q;
	ADDR(qa.saddr, E6_ACTOR);
	qa.sport = FX_SVC_ALT_TO;
	e = router_error(2, &q, 0);
	w = for_actor(&e, &qa);
	e6_xmit(fx.from_pod, fx.if_pod, &e, FX_REDIRECT, &w, false, &res);
	E6_COUNTS(CN(1, ICMP_ERROR, 1));
}

/* Errors that are the worker's: about no pair, about a quoted source that
 * is not the pod, quotes too short for the ports, a quoted echo reply. */
static void icmp6_pod_error_not_ours(void **state)
{
	struct fx_result res;
	struct e6_spec q[5];

	pairs();
	q[0] = sent(IPPROTO_UDP, true);
	q[0].sport = range_port(FREE_PORT);   /* no pair */
	q[1] = sent(IPPROTO_UDP, true);
	ADDR(q[1].saddr, E6_OTHER);           /* not from the pod */
	q[2] = sent(IPPROTO_UDP, true);
	ADDR(q[2].daddr, E6_OTHER);           /* the pair's port, another remote */
	q[3] = sent(IPPROTO_ICMPV6, true);
	q[3].icmp_type = E6_ECHO_REPLY;       /* not a request */
	q[4] = sent(IPPROTO_TCP, true);
	for (int i = 0; i < 5; i++) {
		struct e6_spec e = router_error(i % 4 + 1, &q[i], i == 4 ? 42 : 0);

		e6_xmit(fx.from_pod, fx.if_pod, &e, FX_UNSPEC, NULL, true, &res);
		E6_COUNTS(CN(0, POD_PASS, 1));
	}
}

/* ---- from the actor: its errors about its own flows --------------------- */

/* What the actor got (a reply of its pair, translated) and what the pod
 * side saw of it. */
static struct e6_spec received(uint8_t proto, bool translated)
{
	struct e6_spec r = { .proto = proto, .hop = 50, .payload = 30, .pattern = 3 };

	ADDR(r.saddr, E6_REMOTE);
	ADDR(r.daddr, translated ? E6_ACTOR : E6_POD);
	r.sport = proto == IPPROTO_UDP ? 53 : 443;
	r.dport = proto == IPPROTO_UDP ? (translated ? A6_UDP : range_port(P6_UDP))
				       : (translated ? A6_TCP : range_port(P6_TCP));
	r.tcp_flags = PB_ACK;
	return r;
}

static struct e6_spec actor_error(uint8_t type, const struct e6_spec *q, uint16_t quote,
				  const uint8_t *to)
{
	struct e6_spec e = { E6_FROM_ACTOR, .proto = IPPROTO_ICMPV6, .icmp_type = type,
			     .inner = q, .inner_quote = quote };

	e.icmp_code = type == 1 ? 4 : 0;
	e.icmp_word = type == 2 ? 1400 : type == 4 ? 8 : 0;
	ADDR(e.saddr, E6_ACTOR);
	ADDR(e.daddr, to);
	return e;
}

static struct e6_spec for_pod(const struct e6_spec *e, const struct e6_spec *q)
{
	struct e6_spec w = *e;

	ADDR(w.saddr, E6_POD);
	w.hop = 63;
	w.inner = q;
	return w;
}

static void icmp6_actor_error_types(void **state)
{
	static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP };
	struct fx_result res;

	pairs();
	for (int t = 1; t <= 4; t++) {
		for (size_t i = 0; i < sizeof(protos); i++) {
			struct e6_spec q = received(protos[i], true), qp = received(protos[i], false);
			struct e6_spec e = actor_error(t, &q, 0, E6_REMOTE), w = for_pod(&e, &qp);
			int checked;

			e6_xmit(fx.from_actor, fx.if_a1, &e, FX_REDIRECT, &w, false, &res);
			assert_true(e6_csums_ok(res.out, res.out_len, &checked));
			assert_int_equal(checked, 2);
			E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, ICMP_ERROR, 1));
		}
	}
}

/* Its port unreachable about a client's datagram to its exposed port
 * (client -> pod:53, delivered to actor:5353): the quote goes back to
 * pod:53; cut quotes too. */
static void icmp6_actor_error_exposed(void **state)
{
	struct e6_spec q = { .proto = IPPROTO_UDP, .sport = CPORT, .dport = FX_SVC_DNS_TO,
			     .payload = 20, .hop = 63 };
	struct fx_result res;

	ADDR(q.saddr, E6_CLIENT);
	ADDR(q.daddr, E6_ACTOR);
	for (uint16_t quote = 0; quote <= 48; quote += 48) {
		struct e6_spec qp = q, e = actor_error(1, &q, quote, E6_CLIENT), w;

		ADDR(qp.daddr, E6_POD);
		qp.dport = FX_SVC_DNS;
		w = for_pod(&e, &qp);
		e6_xmit(fx.from_actor, fx.if_a1, &e, FX_REDIRECT, &w, false, &res);
		E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, ICMP_ERROR, 1));
	}
}

/* A hooked actor's exposed port answers only the clients that reached it
 * (svc_flows, hook_cache.h), and so do its errors about that port: the
 * policy lets every ICMPv6 error through as belonging to a flow it let
 * through, so the datapath is what keeps a quote of the actor's choosing
 * (up to 1232 bytes) from going to any address as the pod. */
static void icmp6_actor_error_exposed_hooked(void **state)
{
	struct e6_spec q = { .proto = IPPROTO_UDP, .sport = CPORT, .dport = FX_SVC_DNS_TO,
			     .payload = 20, .hop = 63 };
	struct e6_spec in = { E6_ON_POD, .proto = IPPROTO_UDP, .sport = CPORT,
			      .dport = FX_SVC_DNS, .payload = 20, .hop = 64 };
	struct e6_spec qp, e, w;
	struct fx_result res;
	int fd;

	(void)state;
	fd = fx_hook_verdict(&fx, 1, fx.if_a1, ATEOM_HOOK_ALLOW);
	assert_true(fd >= 0);
	assert_int_equal(fx_hook_set(&fx, 1, fd), 0);
	close(fd);
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	ADDR(q.saddr, E6_CLIENT);
	ADDR(q.daddr, E6_ACTOR);
	e = actor_error(1, &q, 0, E6_CLIENT);
	/* The client never came: nothing goes to it. */
	e6_xmit(fx.from_actor, fx.if_a1, &e, FX_SHOT, NULL, false, &res);
	E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, HOOK_ALLOW, 1), CN(1, DROP_ICMP_PEER, 1));
	/* Once it has, its error goes as for an actor without a hook. */
	ADDR(in.saddr, E6_CLIENT);
	ADDR(in.daddr, E6_POD);
	e6_xmit(fx.from_pod, fx.if_pod, &in, FX_REDIRECT, NULL, false, &res);
	E6_COUNTS(CN(1, DNAT, 1));
	qp = q;
	ADDR(qp.daddr, E6_POD);
	qp.dport = FX_SVC_DNS;
	w = for_pod(&e, &qp);
	e6_xmit(fx.from_actor, fx.if_a1, &e, FX_REDIRECT, &w, false, &res);
	E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, HOOK_ALLOW, 1), CN(1, ICMP_ERROR, 1));
}

/* Only to the flow's peer, only about its own flows. */
static void icmp6_actor_error_refused(void **state)
{
	struct e6_spec q = received(IPPROTO_UDP, true), e;
	struct fx_result res;

	pairs();
	/* To someone else than the quoted packet's source. */
	e = actor_error(1, &q, 0, E6_OTHER);
	e6_xmit(fx.from_actor, fx.if_a1, &e, FX_SHOT, NULL, false, &res);
	E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, DROP_ICMP_PEER, 1));
	/* About a flow it does not have (another port). */
	q.dport = A6_UDP + 1;
	e = actor_error(1, &q, 0, E6_REMOTE);
	e6_xmit(fx.from_actor, fx.if_a1, &e, FX_SHOT, NULL, false, &res);
	E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, DROP_PROTO, 1));
	/* About actor 1's flow, sent by actor 2 (same address, other veth). */
	q = received(IPPROTO_UDP, true);
	e = actor_error(1, &q, 0, E6_REMOTE);
	e6_xmit(fx.from_actor, fx.if_a2, &e, FX_SHOT, NULL, false, &res);
	E6_COUNTS(CN(2, ACTOR_RX, 1), CN(2, DROP_PROTO, 1));
	/* A quote too short for the ports. */
	e = actor_error(1, &q, 40, E6_REMOTE);
	e6_xmit(fx.from_actor, fx.if_a1, &e, FX_SHOT, NULL, false, &res);
	E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, DROP_PROTO, 1));
	assert_int_equal(e6_nat6_count(), 6); /* nothing made */
}

/* ---- hop limit 1 ------------------------------------------------------------ */

static struct e6_spec probe(uint8_t proto, uint16_t payload)
{
	struct e6_spec s = { E6_FROM_ACTOR, .proto = proto, .hop = 1, .sport = 33434,
			     .dport = 33435, .icmp_type = E6_ECHO_REQUEST, .icmp_id = 7,
			     .payload = payload };

	ADDR(s.saddr, E6_ACTOR);
	ADDR(s.daddr, E6_REMOTE);
	return s;
}

/* Time Exceeded from the gateway: what traceroute6 shows as hop 1. The
 * whole probe is quoted, up to 1280 bytes in all (odd sizes too). */
static void icmp6_hop_limit_expired(void **state)
{
	static const struct { uint8_t proto; uint16_t payload; } probes[] = {
		{ IPPROTO_UDP, 32 }, { IPPROTO_UDP, 33 }, { IPPROTO_UDP, 35 },
		{ IPPROTO_TCP, 0 }, { IPPROTO_ICMPV6, 56 }, { IPPROTO_UDP, 1184 },
		{ IPPROTO_UDP, 1185 }, { IPPROTO_UDP, 1400 },
	};
	struct fx_result res;

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct e6_spec s = probe(probes[i].proto, probes[i].payload);
		uint16_t len = 40 + (probes[i].proto == IPPROTO_TCP ? 20 : 8) + s.payload;
		struct e6_spec w = { E6_TO_ACTOR, .proto = IPPROTO_ICMPV6, .icmp_type = 3,
				     .hop = 64, .inner = &s,
				     .inner_quote = len > 1232 ? 1232 : 0 };

		ADDR(w.saddr, E6_GW);
		ADDR(w.daddr, E6_ACTOR);
		e6_xmit(fx.from_actor, fx.if_a1, &s, FX_REDIRECT, &w, false, &res);
		assert_true(res.out_len <= 14 + 1280);
		E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, TTL_EXCEEDED, 1));
	}
	assert_int_equal(e6_nat6_count(), 0); /* no state for a packet that expired */
}

/* Never about an ICMPv6 error (RFC 4443 2.4 e). */
static void icmp6_hop_limit_error_not_answered(void **state)
{
	struct e6_spec q = received(IPPROTO_UDP, true), e;
	struct fx_result res;

	pairs();
	e = actor_error(1, &q, 0, E6_REMOTE);
	e.hop = 1;
	e6_xmit(fx.from_actor, fx.if_a1, &e, FX_SHOT, NULL, false, &res);
	E6_COUNTS(CN(1, ACTOR_RX, 1), CN(1, DROP_TTL, 1));
}

/* IPv4's rate limit, one bucket per actor for both families: a burst,
 * then dropped; the other actor still gets its own. */
static void icmp6_hop_limit_rate_limited(void **state)
{
	struct e6_spec s = probe(IPPROTO_UDP, 32);
	struct fx_result res;
	int sent = 0;

	for (int i = 0; i < ATEOM_TTL_ICMP_BURST + 16; i++) {
		uint8_t pkt[E6_FRAME_MAX];
		size_t n = e6_build(pkt, sizeof(pkt), &s);

		assert_int_equal(fx_run(&fx, fx.from_actor, fx.if_a1, pkt, n, NULL, 1, &res), 0);
		if ((int32_t)res.retval == FX_REDIRECT)
			sent++;
		else
			assert_int_equal((int32_t)res.retval, FX_SHOT);
	}
	/* The bucket refills at ATEOM_TTL_ICMP_PER_SEC: a slow run may earn
	 * a few more (no timing is assumed but that the run takes less than
	 * the 2 s it would take to earn them all). */
	assert_in_range(sent, ATEOM_TTL_ICMP_BURST, ATEOM_TTL_ICMP_BURST + 15);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DROP_TTL_RATELIMIT, NULL),
			 ATEOM_TTL_ICMP_BURST + 16 - sent);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_TTL_EXCEEDED, NULL), sent);
	/* An actor whose bucket is far in the future (its IPv4 probes used
	 * it up) gets none over IPv6 either. */
	assert_int_equal(fx_ttl_rl_set(&fx, 2, fx_now() + 3600 * FX_SEC), 0);
	e6_xmit(fx.from_actor, fx.if_a2, &s, FX_SHOT, NULL, false, &res);
	assert_int_equal(fx_counter(&fx, 2, ATEOM_STAT_DROP_TTL_RATELIMIT, NULL), 1);
}

/* ---- through the real SNAT66 --------------------------------------------- */

/* The actor's datagram leaves through SNAT66 (the pair made by the
 * datapath, not by the test); a router on the way sends Packet Too Big
 * quoting it as it left, 1280 bytes in all (PMTU discovery); the actor
 * gets it about its own datagram as it sent it (hop limit aside). */
static void icmp6_ptb_through_snat66(void **state)
{
	struct e6_spec s = { E6_FROM_ACTOR, .proto = IPPROTO_UDP, .sport = A6_UDP, .dport = 53,
			     .payload = 1400 };
	struct e6_spec q, e, w;
	struct fx_result res;
	uint8_t want[E6_FRAME_MAX];
	uint16_t p;

	ADDR(s.saddr, E6_ACTOR);
	ADDR(s.daddr, E6_REMOTE);
	e6_xmit(fx.from_actor, fx.if_a1, &s, FX_REDIRECT, NULL, false, &res);
	p = e6_sport(res.out);
	assert_in_range(p, fx.snat_min, fx.snat_max);
	q = s;
	ADDR(q.saddr, E6_POD);
	q.sport = p;
	q.hop = 63;
	assert_int_equal(e6_build(want, sizeof(want), &q), res.out_len);
	diff_fail(want, res.out, res.out_len); /* what left is q */
	assert_int_equal(fx_stats_zero(&fx), 0);

	e = router_error(2, &q, 1280 - 48);
	s.hop = 63; /* as it left */
	w = for_actor(&e, &s);
	e6_xmit(fx.from_pod, fx.if_pod, &e, FX_REDIRECT, &w, false, &res);
	assert_int_equal(res.out_len, 14 + 1280);
	E6_COUNTS(CN(1, ICMP_ERROR, 1));
}

#define T(f) cmocka_unit_test_setup(f, e6_setup)
const struct CMUnitTest icmp6_flows[] = {
	T(icmp6_pod_error_types), T(icmp6_pod_ptb_cut), T(icmp6_pod_short_quotes), T(icmp6_pod_udp_nocsum),
	T(icmp6_pod_error_exposed), T(icmp6_pod_error_not_ours),
	T(icmp6_actor_error_types), T(icmp6_actor_error_exposed), T(icmp6_actor_error_refused),
	T(icmp6_actor_error_exposed_hooked),
	T(icmp6_hop_limit_expired), T(icmp6_hop_limit_error_not_answered), T(icmp6_hop_limit_rate_limited),
	T(icmp6_ptb_through_snat66),
};
FLOW_GROUP_END(icmp6);
