// SPDX-License-Identifier: Apache-2.0
/* The IPv6 pair logic (bpf/nat6.h: nat_pair.h on nat6) under the same rules
 * as IPv4, driven through the test-only harness program
 * (harness/nat6_harness.bpf.c) on the fixture datapath's own maps: a reply
 * after SNAT66, one quota across both families, the port search skipping
 * exposed ports and the worker's IPv6 sockets, the RST check, expiry by
 * the collector and release of a port about to be exposed. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rows.h"
#include "siphash_ref.h"
#include "harness/nat6_harness.h"
#include "datapath.skel.h"
#include "tests/nat6_harness.skel.h"

#define A6(last) { .b = { 0xfd, 0x00, 0x01, 0x69, 0x02, 0x54, [15] = (last) } }
static const union ateom_in6 actor6 = A6(2);    /* fd00:169:254::2 */
static const union ateom_in6 pod6 = { .b = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b } };
static const union ateom_in6 remote6 = { .b = { 0x20, 0x01, 0x0d, 0xb8, 0x01, [15] = 7 } };

static struct nat6_harness_bpf *h;

/* The harness, loaded once on the fixture's maps (every map of the same
 * name reused). */
static int harness_fd(void)
{
	struct bpf_map *m, *dm;

	if (h)
		return bpf_program__fd(h->progs.nat6_harness);
	h = nat6_harness_bpf__open();
	assert_non_null(h);
	bpf_object__for_each_map(m, h->obj) {
		dm = bpf_object__find_map_by_name(fx.skel->obj, bpf_map__name(m));
		if (dm)
			assert_int_equal(bpf_map__reuse_fd(m, bpf_map__fd(dm)), 0);
	}
	assert_int_equal(nat6_harness_bpf__load(h), 0);
	return bpf_program__fd(h->progs.nat6_harness);
}

static int setup6(void **state)
{
	struct ateom_config c;

	if (flow_setup(state))
		return -1;
	if (fx_get_config(&fx, &c))
		return -1;
	c.pod_ip6 = pod6;
	return fx_set_config(&fx, &c);
}

struct h_pkt {
	union ateom_in6 saddr, daddr;
	uint16_t sport, dport;       /* host order */
	uint8_t proto, tcp_flags;
	uint32_t tcp_seq, tcp_ack;   /* host order */
	uint32_t tcp_len;
};

/* One harness run: op on p arriving on ifindex; returns the retval. */
static uint32_t h_run(uint32_t op, int ifindex, const struct h_pkt *p)
{
	uint8_t frame[NAT6_H_PKT_OFF + sizeof(struct nat6_h_pkt)] = { 0 };
	struct nat6_h_pkt hp = {
		.saddr = p->saddr, .daddr = p->daddr, .sport = htons(p->sport),
		.dport = htons(p->dport), .proto = p->proto, .tcp_flags = p->tcp_flags,
		.tcp_seq = htonl(p->tcp_seq), .tcp_ack = htonl(p->tcp_ack), .tcp_len = p->tcp_len,
		.frag_id = 0,
	};
	struct __sk_buff ctx = { .mark = op, .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	int fd = harness_fd();

	frame[12] = 0x86; /* ETH_P_IPV6 */
	frame[13] = 0xdd;
	memcpy(frame + NAT6_H_PKT_OFF, &hp, sizeof(hp));
	assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
	return o.retval;
}

/* The actor's packet: actor6:sport -> remote6:dport. */
static struct h_pkt out6(uint8_t proto, uint16_t sport, uint16_t dport, uint8_t flags)
{
	return (struct h_pkt){ .saddr = actor6, .daddr = remote6, .sport = sport, .dport = dport,
			       .proto = proto, .tcp_flags = flags, .tcp_seq = 1000, .tcp_ack = 0 };
}

/* The remote's: remote6:sport -> pod6:pod_port. */
static struct h_pkt in6(uint8_t proto, uint16_t sport, uint16_t pod_port, uint8_t flags)
	__attribute__((unused));
static struct h_pkt in6(uint8_t proto, uint16_t sport, uint16_t pod_port, uint8_t flags)
{
	return (struct h_pkt){ .saddr = remote6, .daddr = pod6, .sport = sport, .dport = pod_port,
			       .proto = proto, .tcp_flags = flags, .tcp_seq = 5000,
			       .tcp_ack = 1001 };
}

/* bpf/nat6.h NP_PORT_WORDS + snat_first: the first candidate of an actor
 * port, and the skip-th after it. */
static uint16_t candidate6(uint8_t proto, uint16_t sport, unsigned skip)
{
	struct ateom_config c;
	uint64_t m0, m1;
	uint32_t range, shift;

	assert_int_equal(fx_get_config(&fx, &c), 0);
	m0 = (uint64_t)actor6.w[0] << 32 | actor6.w[1];
	m1 = ((uint64_t)actor6.w[2] << 32 | actor6.w[3]) ^ ((uint64_t)proto << 56);
	range = (uint32_t)c.snat_port_max - c.snat_port_min + 1;
	shift = (uint32_t)(siphash_ref_2u64(m0, m1, (const uint64_t *)c.port_key) % range);
	return (uint16_t)(c.snat_port_min + ((sport % range + shift) % range + skip) % range);
}

static struct ateom_nat6_key key6(uint32_t ifindex, uint8_t dir, uint8_t proto,
				  union ateom_in6 s, uint16_t sport, union ateom_in6 d,
				  uint16_t dport)
{
	return (struct ateom_nat6_key){ .ifindex = ifindex, .saddr_be = s, .daddr_be = d,
					.sport_be = htons(sport), .dport_be = htons(dport),
					.proto = proto, .dir = dir };
}

static struct ateom_nat6_key in_key6(uint8_t proto, uint16_t rport, uint16_t pod_port)
{
	return key6(0, ATEOM_DIR_IN, proto, remote6, rport, pod6, pod_port);
}

static struct ateom_nat6_key out_key6(int ifindex, uint8_t proto, uint16_t aport, uint16_t rport)
{
	return key6(ifindex, ATEOM_DIR_OUT, proto, actor6, aport, remote6, rport);
}

static bool nat6_has(const struct ateom_nat6_key *k, struct ateom_nat6_entry *e)
{
	struct ateom_nat6_entry tmp;

	return bpf_map_lookup_elem(fx.nat6, k, e ? e : &tmp) == 0;
}

static int nat6_count(void)
{
	struct ateom_nat6_key k, next;
	int n = 0;

	for (int err = bpf_map_get_next_key(fx.nat6, NULL, &next); !err;
	     err = bpf_map_get_next_key(fx.nat6, &k, &next)) {
		k = next;
		n++;
	}
	return n;
}

/* Actor 1 opens TCP and UDP over IPv6: each pair takes the first
 * candidate, both halves are in nat6 (the port record names the actor's
 * tuple), the remote's reply finds the actor port, and the actor's next
 * packet keeps its pod port. One quota count per pair. */
static void nat6_reply_after_snat(void **state)
{
	uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };

	(void)state;
	for (size_t i = 0; i < sizeof(protos); i++) {
		uint8_t proto = protos[i], syn = proto == IPPROTO_TCP ? PB_SYN : 0;
		uint16_t want = candidate6(proto, APORT, 0), rport = 443;
		struct h_pkt o = out6(proto, APORT, rport, syn);
		struct ateom_nat6_key in = in_key6(proto, rport, want);
		struct ateom_nat6_key out = out_key6(fx.if_a1, proto, APORT, rport);
		struct ateom_nat6_entry e;

		assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &o), want);
		assert_true(nat6_has(&in, &e));
		assert_int_equal(e.type, ATEOM_NAT_SNAT_REPLY);
		assert_memory_equal(&e.addr_be, &actor6, 16);
		assert_int_equal(ntohs(e.port_be), APORT);
		assert_int_equal(e.actor_ifindex, fx.if_a1);
		assert_true(nat6_has(&out, &e));
		assert_int_equal(e.type, ATEOM_NAT_SNAT);
		assert_memory_equal(&e.addr_be, &pod6, 16);
		assert_int_equal(ntohs(e.port_be), want);
		struct h_pkt r = in6(proto, rport, want, proto == IPPROTO_TCP ? PB_SYN | PB_ACK : 0);
		assert_int_equal(h_run(NAT6_H_IN, 0, &r), APORT);
		o.tcp_flags = proto == IPPROTO_TCP ? PB_ACK : 0;
		assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &o), want);
		assert_int_equal(actor_pairs(&fx, fx.if_a1), i + 1);
	}
	assert_int_equal(nat6_count(), 4);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), 2);
}

/* An entry's last_seen set back (both halves of a pair by their keys). */
static void nat6_age(const struct ateom_nat6_key *k, uint64_t last_seen)
{
	struct ateom_nat6_entry e;

	assert_int_equal(bpf_map_lookup_elem(fx.nat6, k, &e), 0);
	e.last_seen_ns = last_seen;
	assert_int_equal(bpf_map_update_elem(fx.nat6, k, &e, BPF_EXIST), 0);
}

/* One quota per actor (nat_pairs) counts both families: at a quota of 2,
 * an IPv4 pair and an IPv6 pair leave no room for a third of either. */
static void nat6_quota_across_families(void **state)
{
	struct pb_spec syn4 = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
				.dport = 443, TCP_SYN };
	struct h_pkt tcp6 = out6(IPPROTO_TCP, APORT, 443, PB_SYN);
	struct h_pkt udp6 = out6(IPPROTO_UDP, APORT_UDP, 53, 0);
	struct fx_result res;

	(void)state;
	set_actor_pairs(&fx, fx.if_a1, 2, 0);
	xmit(fx.from_actor, fx.if_a1, &syn4, FX_REDIRECT, &res);
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &tcp6), candidate6(IPPROTO_TCP, APORT, 0));
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 2);
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &udp6), NAT6_H_ERR | EDQUOT);
	syn4.sport = APORT + 1;
	xmit(fx.from_actor, fx.if_a1, &syn4, FX_SHOT, &res);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DROP_QUOTA, NULL), 1);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 2);
	assert_int_equal(nat6_count(), 2);
	/* Actor 2's quota is its own. */
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a2, &udp6), candidate6(IPPROTO_UDP, APORT_UDP, 0));
}

static int sock6[4], nsock6;

/* A worker socket on [::]:port (IPv6 only), in the fixture's netns. */
static void worker_socket6(uint8_t proto, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int one = 1, fd = socket(AF_INET6, proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM, 0);

	assert_true(fd >= 0 && nsock6 < 4);
	sock6[nsock6++] = fd;
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fail_msg("worker IPv6 socket on %u: %s", port, strerror(errno));
	if (proto == IPPROTO_TCP)
		assert_int_equal(listen(fd, 4), 0);
}

static int close_sock6(void **state)
{
	(void)state;
	while (nsock6)
		close(sock6[--nsock6]);
	return 0;
}

/* The port search skips an exposed port (exposed on both families) and a
 * port where the worker has an IPv6 socket, for TCP and UDP: each flow
 * takes the candidate after. */
static void nat6_skips_exposed_and_worker(void **state)
{
	uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };

	(void)state;
	for (size_t i = 0; i < sizeof(protos); i++) {
		uint8_t proto = protos[i];
		uint16_t exposed = candidate6(proto, APORT, 0);
		/* (Candidates rotate with the source port: APORT + 1's first is
		 * APORT's second, so the second flow is further away.) */
		uint16_t owned = candidate6(proto, APORT + 10, 0);
		struct h_pkt a = out6(proto, APORT, 443, proto == IPPROTO_TCP ? PB_SYN : 0);
		struct h_pkt b = out6(proto, APORT + 10, 443, a.tcp_flags);
		struct h_pkt probe = in6(proto, 443, owned, 0);

		assert_int_equal(fx_add_service(&fx, proto, exposed, fx.if_a2, 7000, 2), 0);
		worker_socket6(proto, owned);
		assert_int_equal(h_run(NAT6_H_OWNS, 0, &probe), 1);
		probe.dport = candidate6(proto, APORT + 5, 0);
		assert_int_equal(h_run(NAT6_H_OWNS, 0, &probe), 0);
		assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &a), candidate6(proto, APORT, 1));
		assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &b), candidate6(proto, APORT + 10, 1));
	}
	/* An exposed actor port's answer leaves by its static mapping (no pair);
	 * an echo id of the same number is not a port. */
	struct h_pkt from_exposed = out6(IPPROTO_TCP, FX_SVC_ALT_TO, CPORT, PB_SYN | PB_ACK);
	struct h_pkt echo = out6(IPPROTO_ICMPV6, FX_SVC_ALT_TO, 0, 0);

	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &from_exposed), NAT6_H_EXPOSED | FX_SVC_ALT);
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &echo),
			 candidate6(IPPROTO_ICMPV6, FX_SVC_ALT_TO, 0));
	assert_int_equal(nat6_count(), 10);
}

/* A remote's RST closes an IPv6 pair only with a number only the real peer
 * knows (the sequence the actor acknowledged); a forged one is delivered
 * but marked nothing. */
static void nat6_rst_check(void **state)
{
	uint16_t pp = candidate6(IPPROTO_TCP, APORT, 0);
	struct h_pkt syn = out6(IPPROTO_TCP, APORT, 443, PB_SYN);
	struct h_pkt synack = in6(IPPROTO_TCP, 443, pp, PB_SYN | PB_ACK);
	struct h_pkt ack = out6(IPPROTO_TCP, APORT, 443, PB_ACK);
	struct h_pkt rst = in6(IPPROTO_TCP, 443, pp, PB_RST);
	struct ateom_nat6_key in = in_key6(IPPROTO_TCP, 443, pp);
	struct ateom_nat6_entry e;

	(void)state;
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &syn), pp);
	synack.tcp_len = 1;
	assert_int_equal(h_run(NAT6_H_IN, 0, &synack), APORT);
	ack.tcp_seq = 1001;
	ack.tcp_ack = 5001;
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &ack), pp);
	rst.tcp_seq = 5001 + 100000;
	assert_int_equal(h_run(NAT6_H_IN, 0, &rst), APORT | NAT6_H_RST_IGNORED);
	assert_true(nat6_has(&in, &e));
	assert_false(e.seen & ATEOM_SEEN_RST);
	rst.tcp_seq = 5001;
	assert_int_equal(h_run(NAT6_H_IN, 0, &rst), APORT);
	assert_true(nat6_has(&in, &e));
	assert_true(e.seen & ATEOM_SEEN_RST);
}

/* The collector sweeps nat6 too: an idle IPv6 pair goes, both halves,
 * counted off the actor's one quota; a fresh one stays. */
static void nat6_gc_expires(void **state)
{
	struct ateom_config c;
	struct ateom_gc g;
	struct h_pkt old = out6(IPPROTO_UDP, APORT_UDP, 4000, 0);
	struct h_pkt fresh = out6(IPPROTO_UDP, APORT_UDP + 1, 4000, 0);
	uint16_t pp = candidate6(IPPROTO_UDP, APORT_UDP, 0);
	struct ateom_nat6_key in = in_key6(IPPROTO_UDP, 4000, pp);
	struct ateom_nat6_key out = out_key6(fx.if_a1, IPPROTO_UDP, APORT_UDP, 4000);

	(void)state;
	assert_int_equal(fx_get_config(&fx, &c), 0);
	c.gc_interval_ns = 15 * FX_MSEC;
	c.udp_timeout_ns = 60 * FX_SEC;
	assert_int_equal(fx_set_config(&fx, &c), 0);
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &old), pp);
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &fresh),
			 candidate6(IPPROTO_UDP, APORT_UDP + 1, 0));
	nat6_age(&in, ago(120));
	nat6_age(&out, ago(120));
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 2);
	assert_int_equal(fx_gc(&fx, true), 0);
	assert_int_equal(fx_gc_wait(&fx, 2), 0);
	assert_int_equal(fx_gc_get(&fx, &g), 0);
	assert_int_equal(g.expired, 1);
	assert_false(nat6_has(&in, NULL));
	assert_false(nat6_has(&out, NULL));
	assert_int_equal(nat6_count(), 2);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 1);
}

/* A pod port about to be exposed is released on both families: the IPv6
 * pair on it goes (counted off), the IPv4 pair on it too, others stay. */
static void nat6_release_on_expose(void **state)
{
	uint16_t pp = candidate6(IPPROTO_TCP, APORT, 0);
	struct h_pkt a = out6(IPPROTO_TCP, APORT, 443, PB_SYN);
	struct h_pkt b = out6(IPPROTO_TCP, APORT + 1, 443, PB_SYN);
	struct h_pkt u = out6(IPPROTO_UDP, APORT, 443, 0);
	struct ateom_nat6_key in = in_key6(IPPROTO_TCP, 443, pp);
	struct ateom_nat6_key out = out_key6(fx.if_a1, IPPROTO_TCP, APORT, 443);

	(void)state;
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &a), pp);
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &b), candidate6(IPPROTO_TCP, APORT + 1, 0));
	assert_int_equal(h_run(NAT6_H_OUT, fx.if_a1, &u), candidate6(IPPROTO_UDP, APORT, 0));
	assert_int_equal(fx_snat_pair_put(&fx, fx.if_a2, 2, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443,
					  pp, ago(1)), 0);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 3);
	assert_int_equal(actor_pairs(&fx, fx.if_a2), 1);
	assert_int_equal(fx_gc_release(&fx, IPPROTO_TCP, pp), 0);
	assert_false(nat6_has(&in, NULL));
	assert_false(nat6_has(&out, NULL));
	assert_int_equal(nat6_count(), 4);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 2);
	assert_int_equal(actor_pairs(&fx, fx.if_a2), 0);
}

const struct CMUnitTest nat6_flows[] = {
	cmocka_unit_test_setup(nat6_reply_after_snat, setup6),
	cmocka_unit_test_setup(nat6_quota_across_families, setup6),
	cmocka_unit_test_setup_teardown(nat6_skips_exposed_and_worker, setup6, close_sock6),
	cmocka_unit_test_setup(nat6_rst_check, setup6),
	cmocka_unit_test_setup(nat6_gc_expires, setup6),
	cmocka_unit_test_setup(nat6_release_on_expose, setup6),
};
FLOW_GROUP_END(nat6);
