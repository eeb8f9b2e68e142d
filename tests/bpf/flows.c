// SPDX-License-Identifier: Apache-2.0
/* Multi-packet flows through the datapath: round trips both ways, two
 * actors behind one remote tuple, SNAT port uniqueness, a remote's SYN on a
 * pair's tuple, and pairs whose half went missing put back. Each packet's
 * verdict and checksums are checked, then what the flow is about. */
#include <string.h>
#include <bpf/bpf.h>

#include "rows.h"

/* Runs one packet and checks the verdict; for redirects also that the
 * checksums verify. The view points into *res. */
struct pb_view xmit(int prog, int ifindex, const struct pb_spec *s, int verdict,
			   struct fx_result *res)
{
	uint8_t pkt[PB_FRAME_MAX];
	size_t n = pb_build(pkt, sizeof(pkt), s);
	struct pb_view v;

	assert_true(n > 0);
	assert_int_equal(fx_run(&fx, prog, ifindex, pkt, n, NULL, 1, res), 0);
	assert_int_equal((int32_t)res->retval, verdict);
	assert_int_equal(pb_parse(res->out, res->out_len, &v), 0);
	if (verdict == FX_REDIRECT) {
		assert_true(pb_ip_csum_ok(&v));
		if (v.proto == IPPROTO_UDP && s->udp_nocsum)
			assert_int_equal(v.l4_csum, 0);
		else
			assert_true(pb_l4_csum_ok(&v));
	}
	return v;
}

int flow_setup(void **state)
{
	(void)state;
	close_worker_sockets();
	return fx_std_setup(&fx);
}

/* Actor -> remote, remote -> pod:P -> actor, actor again on the same pair. */
static void roundtrip(uint8_t proto)
{
	bool icmp = proto == IPPROTO_ICMP;
	struct pb_spec out = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = proto,
			       .sport = APORT, .dport = 443, .tcp_flags = PB_SYN,
			       .icmp_type = PB_ICMP_ECHO, .icmp_id = ICMP_ID, .payload = 20 };
	struct pb_spec back = { TO_POD_IP, .saddr = FX_REMOTE_IP, .proto = proto, .sport = 443,
				.tcp_flags = PB_SYN | PB_ACK, .icmp_type = PB_ICMP_ECHOREPLY,
				.payload = 20 };
	struct ateom_nat_entry e;
	struct ateom_nat_key k;
	struct fx_result res;
	struct pb_view v;
	uint16_t p;

	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	assert_int_equal(v.saddr, FX_POD_IP);
	p = icmp ? v.icmp_id : v.sport;
	assert_in_range(p, fx.snat_min, fx.snat_max);

	back.dport = back.icmp_id = p;
	v = xmit(fx.from_pod, fx.if_pod, &back, FX_REDIRECT, &res);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(icmp ? v.icmp_id : v.dport, icmp ? ICMP_ID : APORT);

	out.tcp_flags = PB_ACK;
	out.icmp_seq = 2;
	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	assert_int_equal(icmp ? v.icmp_id : v.sport, p);

	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT, NULL), 2);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_REPLY, NULL), 1);
	assert_int_equal(fx_nat_count(&fx), 2);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 1);
	/* The reply marked the port record: the remote has answered. */
	k = fx_key_in(FX_REMOTE_IP, FX_POD_IP, icmp ? 0 : 443, p, proto);
	assert_int_equal(fx_nat_get(&fx, &k, &e), 0);
	assert_int_equal(e.seen, ATEOM_SEEN_REPLY);
}

static void flow_tcp_roundtrip(void **state) { (void)state; roundtrip(IPPROTO_TCP); }
static void flow_udp_roundtrip(void **state) { (void)state; roundtrip(IPPROTO_UDP); }
static void flow_icmp_roundtrip(void **state) { (void)state; roundtrip(IPPROTO_ICMP); }

/* Client -> pod:8080 -> actor:8000, actor replies as pod:8080, client
 * again: all by the static mapping, nothing in the NAT table. */
static void flow_dnat_roundtrip(void **state)
{
	struct pb_spec in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT,
			      .dport = FX_SVC_ALT, TCP_SYN };
	struct pb_spec reply = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = FX_SVC_ALT_TO,
				 .dport = CPORT, TCP_SYNACK };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	v = xmit(fx.from_pod, fx.if_pod, &in, FX_REDIRECT, &res);
	assert_int_equal(v.saddr, FX_CLIENT_IP);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(v.dport, FX_SVC_ALT_TO);
	v = xmit(fx.from_actor, fx.if_a1, &reply, FX_REDIRECT, &res);
	assert_int_equal(v.saddr, FX_POD_IP);
	assert_int_equal(v.sport, FX_SVC_ALT);
	assert_int_equal(v.daddr, FX_CLIENT_IP);
	assert_int_equal(v.dport, CPORT);
	in.tcp_flags = PB_ACK;
	v = xmit(fx.from_pod, fx.if_pod, &in, FX_REDIRECT, &res);
	assert_int_equal(v.dport, FX_SVC_ALT_TO);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DNAT, NULL), 2);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DNAT_REPLY, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), 0);
	assert_int_equal(fx_nat_count(&fx), 0);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 0);
}

/* Two actors, same address, same remote tuple: each reply reaches its own. */
static void flow_two_actors_replies(void **state)
{
	struct pb_spec out = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
			       TCP_SYN };
	struct pb_spec back = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, TCP_SYNACK };
	const int ifs[2] = { fx.if_a1, fx.if_a2 };
	uint16_t port[2];
	struct fx_result res;
	struct pb_view v;

	(void)state;
	for (int i = 0; i < 2; i++) {
		v = xmit(fx.from_actor, ifs[i], &out, FX_REDIRECT, &res);
		port[i] = v.sport;
	}
	assert_int_not_equal(port[0], port[1]);
	for (int i = 1; i >= 0; i--) {
		struct ateom_nat_key k = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, port[i],
						   IPPROTO_TCP);
		struct ateom_nat_entry e;

		assert_int_equal(fx_nat_get(&fx, &k, &e), 0);
		assert_int_equal(e.actor_ifindex, ifs[i]);
		assert_int_equal(e.actor_id, i + 1);
		assert_int_equal(fx_stats_zero(&fx), 0);
		back.dport = port[i];
		v = xmit(fx.from_pod, fx.if_pod, &back, FX_REDIRECT, &res);
		assert_int_equal(v.daddr, FX_ACTOR_IP);
		assert_int_equal(v.dport, APORT);
		assert_int_equal(fx_counter(&fx, i + 1, ATEOM_STAT_SNAT_REPLY, NULL), 1);
		assert_int_equal(fx_counter(&fx, 2 - i, ATEOM_STAT_SNAT_REPLY, NULL), 0);
	}
	assert_int_equal(fx_nat_count(&fx), 4);
}

/* Many flows to one remote service never share a SNAT port. */
static void flow_snat_ports_distinct(void **state)
{
	enum { N = 64 };
	struct pb_spec out = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .dport = 443, TCP_SYN };
	static bool used[65536];
	struct fx_result res;
	struct pb_view v;

	(void)state;
	memset(used, 0, sizeof(used));
	for (int i = 0; i < N; i++) {
		out.sport = APORT + i;
		v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
		assert_in_range(v.sport, fx.snat_min, fx.snat_max);
		assert_false(used[v.sport]);
		used[v.sport] = true;
	}
	assert_int_equal(fx_nat_count(&fx), 2 * N);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), N);
}

/* The port record of a pair went (deleted by whoever removed it, uncounted)
 * while the actor's half stayed: the actor's next packet, a second after
 * the last check, puts it back, and the remote's replies reach the actor
 * again. */
static void flow_in_half_repaired(void **state)
{
	struct ateom_nat_key in = snat_tcp_in();
	struct pb_spec out = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
			       TCP_DATA };
	struct pb_spec back = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443,
				.dport = range_port(PPORT), TCP_DATA };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	prep_snat_tcp(&fx);
	delete_port_record(&fx, &in);
	xmit(fx.from_pod, fx.if_pod, &back, FX_UNSPEC, &res); /* nobody's now */
	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	assert_int_equal(v.sport, range_port(PPORT));
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_NAT_REPAIR, NULL), 1);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 1);
	v = xmit(fx.from_pod, fx.if_pod, &back, FX_REDIRECT, &res);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(v.dport, APORT);
	/* Checked: the next packets within the second check nothing. */
	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_NAT_REPAIR, NULL), 1);
	assert_int_equal(fx_nat_count(&fx), 2);
}

/* The OUT half of a pair went: the actor's next packet finds its own port
 * record on the tuple's first candidate and keeps that port (a new one
 * would break the connection at the remote). */
static void flow_out_half_repaired(void **state)
{
	struct ateom_nat_key out_key = snat_tcp_out();
	struct pb_spec out = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
			       TCP_SYN };
	struct pb_spec back = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, TCP_DATA };
	struct fx_result res;
	struct pb_view v;
	uint16_t p;

	(void)state;
	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	p = v.sport;
	assert_int_equal(bpf_map_delete_elem(fx.nat, &out_key), 0);
	out.tcp_flags = PB_ACK;
	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	assert_int_equal(v.sport, p);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_NAT_REPAIR, NULL), 1);
	assert_int_equal(actor_pairs(&fx, fx.if_a1), 1);
	back.dport = p;
	v = xmit(fx.from_pod, fx.if_pod, &back, FX_REDIRECT, &res);
	assert_int_equal(v.dport, APORT);
	assert_int_equal(fx_nat_count(&fx), 2);
}

/* A remote opens a connection to pod:P while actor 1's pair holds that
 * tuple: the SYN goes to the worker and the pair is left alone; the SYN|ACK
 * of the actor's own connection is a reply and goes to the actor. */
static void flow_syn_on_pair_tuple(void **state)
{
	struct pb_spec out = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
			       TCP_SYN };
	struct pb_spec back = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, TCP_SYN };
	struct ateom_nat_entry e;
	struct ateom_nat_key k;
	struct fx_result res;
	struct pb_view v;

	(void)state;
	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	back.dport = v.sport;
	k = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, v.sport, IPPROTO_TCP);
	xmit(fx.from_pod, fx.if_pod, &back, FX_UNSPEC, &res);
	assert_int_equal(fx_counter(&fx, 0, ATEOM_STAT_SYN_NOT_REPLY, NULL), 1);
	assert_int_equal(fx_nat_get(&fx, &k, &e), 0);
	assert_int_equal(e.seen, 0);
	back.tcp_flags = PB_SYN | PB_ACK;
	v = xmit(fx.from_pod, fx.if_pod, &back, FX_REDIRECT, &res);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(v.dport, APORT);
	assert_int_equal(fx_nat_get(&fx, &k, &e), 0);
	assert_int_equal(e.seen, ATEOM_SEEN_REPLY);
	assert_int_equal(fx_counter(&fx, 0, ATEOM_STAT_SYN_NOT_REPLY, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_REPLY, NULL), 1);
}

const struct CMUnitTest basic_flows[] = {
	cmocka_unit_test_setup(flow_tcp_roundtrip, flow_setup),
	cmocka_unit_test_setup(flow_udp_roundtrip, flow_setup),
	cmocka_unit_test_setup(flow_icmp_roundtrip, flow_setup),
	cmocka_unit_test_setup(flow_dnat_roundtrip, flow_setup),
	cmocka_unit_test_setup(flow_two_actors_replies, flow_setup),
	cmocka_unit_test_setup(flow_snat_ports_distinct, flow_setup),
	cmocka_unit_test_setup(flow_in_half_repaired, flow_setup),
	cmocka_unit_test_setup(flow_out_half_repaired, flow_setup),
	cmocka_unit_test_setup(flow_syn_on_pair_tuple, flow_setup),
};
FLOW_GROUP_END(basic);
