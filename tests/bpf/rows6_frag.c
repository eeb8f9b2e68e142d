// SPDX-License-Identifier: Apache-2.0
/* IPv6 fragments (bpf/frag6.h), as IPv4's (flows_frag.c): real datagrams
 * cut into real fragments (the whole datagram's L4 checksum in the first),
 * sent through the programs one by one (in order, out of order, repeated,
 * two actors' interleaved), and what comes out reassembled the way the
 * receiver would, by (source, destination, identification): the result
 * must be the translated datagram, byte for byte, checksums included. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "e6fx.h"

#define CHUNK 512      /* fragmentable part per fragment, a multiple of 8 */
#define BIG 1200       /* UDP payload: 3 fragments of CHUNK */
#define NF 3
#define AID 0x42424242 /* the identification the actors' stacks chose */
#define A6_UDP 40001
#define P6_UDP RANGE_PORT(21)
#define W6_PORT 45000  /* a worker socket on [::] */

#define ADDR(field, a) memcpy((field), (a), 16)

struct frame {
	uint8_t b[E6_FRAME_MAX];
	size_t len;
};

/* The datagram s cut into its fragments (identification id). */
static int cut(const struct e6_spec *s, uint32_t id, struct frame *f)
{
	uint8_t whole[E6_FRAME_MAX];
	size_t n = e6_build(whole, sizeof(whole), s);
	int k = 0;

	assert_true(n > 0);
	while ((f[k].len = e6_fragment(whole, n, CHUNK, k, id, f[k].b)))
		k++;
	return k;
}

/* One fragment through prog from ifindex; the output kept in *got. */
static void send1(int prog, int ifindex, const struct frame *f, int verdict, struct frame *got)
{
	struct fx_result res;

	e6_xmit_raw(prog, ifindex, f->b, f->len, verdict, &res);
	if (got) {
		assert_int_equal(res.out_len, f->len);
		memcpy(got->b, res.out, res.out_len);
		got->len = res.out_len;
	}
}

/* The fragments out reassembled must be the datagram `want`. */
static void reassembled(const struct frame *out, int n, const struct e6_spec *want)
{
	const uint8_t *fr[8];
	size_t lens[8], len, wn;
	uint8_t got[E6_FRAME_MAX], w[E6_FRAME_MAX];
	int checked;

	for (int i = 0; i < n; i++) {
		fr[i] = out[i].b;
		lens[i] = out[i].len;
	}
	len = e6_reassemble(fr, lens, n, got);
	assert_true(len > 0);
	wn = e6_build(w, sizeof(w), want);
	assert_int_equal(len, wn);
	diff_fail(w, got, wn);
	assert_true(e6_csums_ok(got, len, &checked));
	assert_int_equal(checked, 1);
}

static struct e6_spec actor_dgram(uint16_t sport)
{
	struct e6_spec s = { E6_FROM_ACTOR, .proto = IPPROTO_UDP, .sport = sport, .dport = 53,
			     .payload = BIG, .pattern = 5 };

	ADDR(s.saddr, E6_ACTOR);
	ADDR(s.daddr, E6_REMOTE);
	return s;
}

/* As it must leave: from the pod, the pod port p, hop limit 63. */
static struct e6_spec snat66(struct e6_spec s, uint16_t p)
{
	ADDR(s.saddr, E6_POD);
	s.sport = p;
	s.hop = 63;
	return s;
}

static uint64_t cnt(int block, int stat)
{
	return fx_counter(&fx, block, stat, NULL);
}

/* ---- from the actor ------------------------------------------------------- */

/* Actor id's datagram s through from_actor, fragments in the order given
 * (indexes into its fragments), outputs into out[] by fragment index. */
static void actor_sends(int id, const struct e6_spec *s, uint32_t fid, const int *order, int n,
			struct frame *out)
{
	struct frame f[NF];

	assert_int_equal(cut(s, fid, f), NF);
	for (int i = 0; i < n; i++)
		send1(fx.from_actor, actor_ifindex(id), &f[order[i]], FX_REDIRECT, &out[order[i]]);
}

/* Every fragment out: from the pod, one identification, hop limit 63;
 * reassembled, the translated datagram. Returns the identification. */
static uint32_t left_as_one(const struct e6_spec *s, const struct frame *out)
{
	uint32_t id = e6_frag_id(out[0].b);
	struct e6_spec want = snat66(*s, e6_sport(out[0].b));

	assert_in_range(e6_sport(out[0].b), fx.snat_min, fx.snat_max);
	for (int i = 0; i < NF; i++) {
		assert_memory_equal(e6_saddr(out[i].b), E6_POD, 16);
		assert_int_equal(e6_frag_id(out[i].b), id);
		assert_int_equal(e6_hop(out[i].b), 63);
	}
	reassembled(out, NF, &want);
	return id;
}

/* In order: the first fragment makes the pair and gets a new
 * identification, the followers leave as it did, the entry goes with the
 * last one. */
static void frag6_actor_in_order(void **state)
{
	static const int order[NF] = { 0, 1, 2 };
	struct e6_spec s = actor_dgram(A6_UDP);
	struct frame out[NF];

	actor_sends(1, &s, AID, order, NF, out);
	left_as_one(&s, out);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_FIRST), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_OUT), 2);
	assert_int_equal(cnt(1, ATEOM_STAT_ACTOR_RX), 3);
	assert_int_equal(e6_frag_count(false), 0);
	assert_int_equal(e6_nat6_count(), 2); /* the pair, both halves */
}

/* Out of order and repeated: all sent on (the receiver's reassembly
 * judges), counted; a repeated first fragment keeps its identification. */
static void frag6_actor_reorder_dup(void **state)
{
	static const int order[] = { 0, 2, 1, 1, 0 };
	struct e6_spec s = actor_dgram(A6_UDP);
	struct frame f[NF], out[NF], again;

	assert_int_equal(cut(&s, AID, f), NF);
	for (int i = 0; i < 4; i++)
		send1(fx.from_actor, fx.if_a1, &f[order[i]], FX_REDIRECT, &out[order[i]]);
	left_as_one(&s, out);
	send1(fx.from_actor, fx.if_a1, &f[0], FX_REDIRECT, &again);
	assert_int_equal(e6_frag_id(again.b), e6_frag_id(out[0].b));
	assert_int_equal(e6_sport(again.b), e6_sport(out[0].b));
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_REORDER), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_OVERLAP), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_DUP_FIRST), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_FIRST), 2);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_OUT), 3);
}

/* Two actors (one address, as snapshots of one image are), one
 * identification, one remote: behind the pod's address they must leave as
 * two datagrams, each whole. */
static void frag6_two_actors_one_id(void **state)
{
	static const int order[NF] = { 0, 1, 2 };
	struct e6_spec s = actor_dgram(A6_UDP);
	struct frame o1[NF], o2[NF], f1[NF], f2[NF];

	assert_int_equal(cut(&s, AID, f1), NF);
	assert_int_equal(cut(&s, AID, f2), NF);
	/* Interleaved: first, first, then the followers alternating. */
	send1(fx.from_actor, fx.if_a1, &f1[0], FX_REDIRECT, &o1[0]);
	send1(fx.from_actor, fx.if_a2, &f2[0], FX_REDIRECT, &o2[0]);
	for (int i = 1; i < NF; i++) {
		send1(fx.from_actor, fx.if_a2, &f2[i], FX_REDIRECT, &o2[i]);
		send1(fx.from_actor, fx.if_a1, &f1[i], FX_REDIRECT, &o1[i]);
	}
	assert_int_not_equal(left_as_one(&s, o1), left_as_one(&s, o2));
	assert_int_not_equal(e6_sport(o1[0].b), e6_sport(o2[0].b));
	(void)order;
}

/* Followers without their first fragment are dropped; a follower of
 * another actor's datagram (same name on the wire) is an orphan too; one
 * that would land in the TCP header is refused. */
static void frag6_actor_orphans(void **state)
{
	static const int first[1] = { 0 };
	struct e6_spec s = actor_dgram(A6_UDP), t = s;
	struct frame f[NF], out[NF];
	struct fx_result res;

	assert_int_equal(cut(&s, AID, f), NF);
	send1(fx.from_actor, fx.if_a1, &f[1], FX_SHOT, NULL);
	assert_int_equal(cnt(1, ATEOM_STAT_DROP_FRAG_ORPHAN), 1);
	actor_sends(1, &s, AID, first, 1, out);
	send1(fx.from_actor, fx.if_a2, &f[1], FX_SHOT, NULL);
	assert_int_equal(cnt(2, ATEOM_STAT_DROP_FRAG_ORPHAN), 1);
	/* Another identification, another destination: orphans. */
	assert_int_equal(cut(&s, AID + 1, f), NF);
	send1(fx.from_actor, fx.if_a1, &f[2], FX_SHOT, NULL);
	ADDR(t.daddr, E6_OTHER);
	assert_int_equal(cut(&t, AID, f), NF);
	send1(fx.from_actor, fx.if_a1, &f[2], FX_SHOT, NULL);
	assert_int_equal(cnt(1, ATEOM_STAT_DROP_FRAG_ORPHAN), 3);
	/* TCP, a follower at byte 16 (inside the TCP header). */
	t = actor_dgram(A6_UDP);
	t.proto = IPPROTO_TCP;
	t.tcp_flags = PB_ACK;
	{
		uint8_t whole[E6_FRAME_MAX], fr[E6_FRAME_MAX];
		size_t n = e6_build(whole, sizeof(whole), &t), m;

		m = e6_fragment(whole, n, 16, 1, AID, fr);
		assert_true(m > 0);
		e6_xmit_raw(fx.from_actor, fx.if_a1, fr, m, FX_SHOT, &res);
	}
	assert_int_equal(cnt(1, ATEOM_STAT_DROP_FRAG_BAD), 1);
}

/* What an actor may not fragment: its ICMPv6 errors, anything to the
 * worker. */
static void frag6_actor_refused(void **state)
{
	struct e6_spec q = actor_dgram(A6_UDP), e = { E6_FROM_ACTOR, .proto = IPPROTO_ICMPV6,
						      .icmp_type = 1, .icmp_code = 4 };
	struct e6_spec w = actor_dgram(A6_UDP);
	struct frame f[NF];

	q.payload = 1200;
	e.inner = &q;
	ADDR(e.saddr, E6_ACTOR);
	ADDR(e.daddr, E6_REMOTE);
	assert_int_equal(cut(&e, AID, f), NF);
	send1(fx.from_actor, fx.if_a1, &f[0], FX_SHOT, NULL);
	assert_int_equal(cnt(1, ATEOM_STAT_DROP_FRAG), 1);
	ADDR(w.daddr, E6_GW);
	assert_int_equal(cut(&w, AID, f), NF);
	send1(fx.from_actor, fx.if_a1, &f[0], FX_SHOT, NULL);
	send1(fx.from_actor, fx.if_a1, &f[1], FX_SHOT, NULL);
	assert_int_equal(cnt(1, ATEOM_STAT_DROP_V6_TO_WORKER), 2);
	assert_int_equal(e6_frag_count(false), 0);
}

/* Hop limit 1 on a first fragment: Time Exceeded back to the actor (its
 * quote), nothing noted; its followers are orphans. */
static void frag6_actor_hop_limit_1(void **state)
{
	struct e6_spec s = actor_dgram(A6_UDP);
	struct fx_result res;
	struct frame f[NF];
	int checked;

	s.hop = 1;
	assert_int_equal(cut(&s, AID, f), NF);
	e6_xmit_raw(fx.from_actor, fx.if_a1, f[0].b, f[0].len, FX_REDIRECT, &res);
	assert_int_equal(res.out[E6_ETH_HLEN + 40], 3); /* Time Exceeded */
	assert_memory_equal(e6_saddr(res.out), E6_GW, 16);
	assert_true(e6_csums_ok(res.out, res.out_len, &checked));
	assert_int_equal(checked, 1); /* the quote is a fragment: not checked alone */
	send1(fx.from_actor, fx.if_a1, &f[1], FX_SHOT, NULL);
	assert_int_equal(cnt(1, ATEOM_STAT_TTL_EXCEEDED), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_FIRST), 0);
	assert_int_equal(cnt(1, ATEOM_STAT_DROP_FRAG_ORPHAN), 1);
	assert_int_equal(e6_frag_count(false), 0);
	assert_int_equal(e6_nat6_count(), 0);
}

/* ---- for the pod -------------------------------------------------------------- */

/* A remote's datagram to pod:port, and as the actor must get it. */
static struct e6_spec remote_dgram(uint16_t dport)
{
	struct e6_spec s = { E6_ON_POD, .proto = IPPROTO_UDP, .sport = 53, .dport = dport,
			     .payload = BIG, .pattern = 9, .hop = 60 };

	ADDR(s.saddr, E6_REMOTE);
	ADDR(s.daddr, E6_POD);
	return s;
}

static struct e6_spec delivered(struct e6_spec s, uint16_t dport)
{
	memcpy(s.smac, (uint8_t[])FX_GW_MAC, 6);
	memcpy(s.dmac, (uint8_t[])FX_ACTOR_MAC, 6);
	ADDR(s.daddr, E6_ACTOR);
	s.dport = dport;
	s.hop = 59;
	return s;
}

/* A reply to the actor's SNAT66 pair and a datagram to its exposed port,
 * fragmented, in order and not: each reaches the actor whole. */
static void frag6_pod_to_actor(void **state)
{
	static const int orders[2][NF] = { { 0, 1, 2 }, { 0, 2, 1 } };
	struct frame f[NF], out[NF];

	e6_pair(1, IPPROTO_UDP, A6_UDP, E6_REMOTE, 53, range_port(P6_UDP));
	for (int k = 0; k < 2; k++) {
		struct e6_spec s = remote_dgram(k ? FX_SVC_DNS : range_port(P6_UDP));
		struct e6_spec want = delivered(s, k ? FX_SVC_DNS_TO : A6_UDP);

		assert_int_equal(cut(&s, AID + k, f), NF);
		for (int i = 0; i < NF; i++)
			send1(fx.from_pod, fx.if_pod, &f[orders[k][i]], FX_REDIRECT,
			      &out[orders[k][i]]);
		for (int i = 0; i < NF; i++) {
			assert_memory_equal(e6_daddr(out[i].b), E6_ACTOR, 16);
			assert_int_equal(e6_frag_id(out[i].b), AID + k); /* left alone */
		}
		reassembled(out, NF, &want);
	}
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_FIRST), 2);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_IN), 4);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_REORDER), 1);
	assert_int_equal(e6_frag_count(true), 2); /* inbound entries stay */
}

/* Followers nobody knows are the worker's: without a first fragment, and
 * one that overtook its first fragment (lost to the actor, as IPv4's). */
static void frag6_pod_orphans(void **state)
{
	struct e6_spec s = remote_dgram(range_port(P6_UDP));
	struct frame f[NF], out;
	struct fx_result res;

	e6_pair(1, IPPROTO_UDP, A6_UDP, E6_REMOTE, 53, range_port(P6_UDP));
	assert_int_equal(cut(&s, AID, f), NF);
	e6_xmit_raw(fx.from_pod, fx.if_pod, f[2].b, f[2].len, FX_UNSPEC, &res);
	diff_fail(f[2].b, res.out, f[2].len);
	send1(fx.from_pod, fx.if_pod, &f[0], FX_REDIRECT, &out);
	send1(fx.from_pod, fx.if_pod, &f[1], FX_REDIRECT, &out);
	assert_int_equal(cnt(0, ATEOM_STAT_POD_PASS), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_IN), 1);
}

/* A fragmented ICMPv6 error for the pod is the worker's (as IPv4's), even
 * about an actor's flow; so is a fragmented echo request. */
static void frag6_pod_icmp6_worker(void **state)
{
	struct e6_spec q = { .proto = IPPROTO_UDP, .sport = 0, .dport = 53, .payload = 1200,
			     .hop = 63 };
	struct e6_spec e = { E6_ON_POD, .proto = IPPROTO_ICMPV6, .icmp_type = 2,
			     .icmp_word = 1280, .inner = &q };
	struct e6_spec ping = { E6_ON_POD, .proto = IPPROTO_ICMPV6, .icmp_type = E6_ECHO_REQUEST,
				.icmp_id = 5, .payload = 1200 };
	struct frame f[NF];

	e6_pair(1, IPPROTO_UDP, A6_UDP, E6_REMOTE, 53, range_port(P6_UDP));
	q.sport = range_port(P6_UDP);
	ADDR(q.saddr, E6_POD);
	ADDR(q.daddr, E6_REMOTE);
	ADDR(e.saddr, E6_REMOTE);
	ADDR(e.daddr, E6_POD);
	ADDR(ping.saddr, E6_REMOTE);
	ADDR(ping.daddr, E6_POD);
	assert_int_equal(cut(&e, AID, f), NF);
	send1(fx.from_pod, fx.if_pod, &f[0], FX_UNSPEC, NULL);
	send1(fx.from_pod, fx.if_pod, &f[1], FX_UNSPEC, NULL);
	assert_int_equal(cut(&ping, AID + 1, f), NF);
	send1(fx.from_pod, fx.if_pod, &f[0], FX_UNSPEC, NULL);
	assert_int_equal(cnt(0, ATEOM_STAT_POD_PASS), 3);
	assert_int_equal(cnt(1, ATEOM_STAT_ICMP_ERROR), 0);
	assert_int_equal(e6_frag_count(true), 0);
}

/* The worker's datagrams never go to an actor: a first fragment to a
 * worker socket is noted, and a spoofed first fragment with the same name
 * to the actor's pair cannot take its followers. Two actors' first
 * fragments with one name: neither gets the followers. */
static void frag6_pod_conflicts(void **state)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(W6_PORT),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct e6_spec w = remote_dgram(W6_PORT), a = remote_dgram(range_port(P6_UDP));
	struct frame fw[NF], fa[NF], out;
	int sk = socket(AF_INET6, SOCK_DGRAM, 0);

	assert_true(sk >= 0);
	if (bind(sk, (struct sockaddr *)&sa, sizeof(sa)))
		fail_msg("bind [::]:%u: %s", W6_PORT, strerror(errno));
	e6_pair(1, IPPROTO_UDP, A6_UDP, E6_REMOTE, 53, range_port(P6_UDP));
	e6_pair(2, IPPROTO_UDP, A6_UDP + 1, E6_REMOTE, 53, range_port(P6_UDP) + 1);
	assert_int_equal(cut(&w, AID, fw), NF);
	assert_int_equal(cut(&a, AID, fa), NF);
	send1(fx.from_pod, fx.if_pod, &fw[0], FX_UNSPEC, NULL);
	send1(fx.from_pod, fx.if_pod, &fa[0], FX_REDIRECT, NULL); /* spoofed */
	send1(fx.from_pod, fx.if_pod, &fw[1], FX_UNSPEC, NULL);
	send1(fx.from_pod, fx.if_pod, &fw[2], FX_UNSPEC, NULL);
	assert_int_equal(cnt(0, ATEOM_STAT_FRAG_CONFLICT), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_IN), 0);
	close(sk);

	/* Two actors: the second first fragment of the name (to actor 2's
	 * pair) makes it a conflict; the followers are dropped. */
	a = remote_dgram(range_port(P6_UDP));
	assert_int_equal(cut(&a, AID + 7, fa), NF);
	send1(fx.from_pod, fx.if_pod, &fa[0], FX_REDIRECT, NULL);
	a.dport = range_port(P6_UDP) + 1;
	assert_int_equal(cut(&a, AID + 7, fw), NF);
	send1(fx.from_pod, fx.if_pod, &fw[0], FX_REDIRECT, NULL);
	send1(fx.from_pod, fx.if_pod, &fa[1], FX_SHOT, &out);
	assert_int_equal(cnt(0, ATEOM_STAT_DROP_FRAG_CONFLICT), 1);
}

/* A hooked actor's exposed port answers a client that reached it past the
 * hook (hook_reply): a fragmented answer leaves whole, the followers
 * as its first fragment did (not orphans). */
static void frag6_hooked_exposed_reply(void **state)
{
	struct e6_spec in = { E6_ON_POD, .proto = IPPROTO_UDP, .sport = CPORT,
			      .dport = FX_SVC_DNS, .payload = 20, .hop = 64 };
	struct e6_spec s = { E6_FROM_ACTOR, .proto = IPPROTO_UDP, .sport = FX_SVC_DNS_TO,
			     .dport = CPORT, .payload = BIG, .pattern = 5 };
	struct fx_result res;
	struct frame f[NF], out[NF];
	int fd = fx_hook_shot();

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(fx_hook_set(&fx, 1, fd), 0);
	close(fd);
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	ADDR(in.saddr, E6_CLIENT);
	ADDR(in.daddr, E6_POD);
	e6_xmit(fx.from_pod, fx.if_pod, &in, FX_REDIRECT, NULL, false, &res);
	ADDR(s.saddr, E6_ACTOR);
	ADDR(s.daddr, E6_CLIENT);
	assert_int_equal(cut(&s, AID, f), NF);
	for (int i = 0; i < NF; i++)
		send1(fx.from_actor, fx.if_a1, &f[i], FX_REDIRECT, &out[i]);
	assert_int_equal(cnt(1, ATEOM_STAT_HOOK_REPLY), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_FIRST), 1);
	assert_int_equal(cnt(1, ATEOM_STAT_FRAG_OUT), 2);
	ADDR(s.saddr, E6_POD);
	s.sport = FX_SVC_DNS;
	s.hop = 63;
	reassembled(out, NF, &s);
}

#define T(f) cmocka_unit_test_setup(f, e6_setup)
const struct CMUnitTest frag6_flows[] = {
	T(frag6_actor_in_order), T(frag6_actor_reorder_dup), T(frag6_two_actors_one_id),
	T(frag6_actor_orphans), T(frag6_actor_refused), T(frag6_actor_hop_limit_1),
	T(frag6_pod_to_actor), T(frag6_pod_orphans), T(frag6_pod_icmp6_worker),
	T(frag6_pod_conflicts), T(frag6_hooked_exposed_reply),
};
FLOW_GROUP_END(frag6);
