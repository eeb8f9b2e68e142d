// SPDX-License-Identifier: Apache-2.0
/* The IPv6 edge tests' fixture helpers (e6fx.h). */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "e6fx.h"
#include "datapath.skel.h"

const uint8_t E6_POD[16] = E6_ADDR(0x11, 0);
const uint8_t E6_GW[16] = E6_LINK(1);
const uint8_t E6_ACTOR[16] = E6_LINK(2);
const uint8_t E6_REMOTE[16] = E6_ADDR(7, 1);
const uint8_t E6_ROUTER[16] = E6_ADDR(1, 1);
const uint8_t E6_CLIENT[16] = E6_ADDR(9, 2);
const uint8_t E6_OTHER[16] = E6_ADDR(0x99, 3);

static int map_fd(const char *name)
{
	return bpf_object__find_map_fd_by_name(fx.skel->obj, name);
}

static int map_empty(const char *name, size_t key_size)
{
	uint8_t k[64], next[64];
	int fd = map_fd(name);

	if (fd < 0 || key_size > sizeof(k))
		return -1;
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(k, next, key_size);
		if (bpf_map_delete_elem(fd, k))
			return -1;
	}
	return 0;
}

static int map_count(const char *name, size_t key_size)
{
	uint8_t k[64];
	int fd = map_fd(name), n = 0;

	for (int err = bpf_map_get_next_key(fd, NULL, k); !err;
	     err = bpf_map_get_next_key(fd, k, k))
		n++;
	(void)key_size;
	return n;
}

int e6_setup(void **state)
{
	struct ateom_config c;
	struct ateom_actor a;
	int ifs[2] = { fx.if_a1, fx.if_a2 };

	if (flow_setup(state) || fx_get_config(&fx, &c))
		return -1;
	memcpy(c.pod_ip6.b, E6_POD, 16);
	if (fx_set_config(&fx, &c))
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fx_get_actor(&fx, ifs[i], &a))
			return -1;
		memcpy(a.worker_ip6.b, E6_GW, 16);
		memcpy(a.actor_ip6.b, E6_ACTOR, 16);
		a.prefix6 = 126;
		if (fx_put_actor(&fx, ifs[i], &a))
			return -1;
	}
	return map_empty("nat6", sizeof(struct ateom_nat6_key)) ||
	       map_empty("frag6_out", sizeof(struct ateom_frag_key)) ||
	       map_empty("frag6_in", sizeof(struct ateom_frag_key));
}

static uint16_t be16(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }

void e6_pair(int id, uint8_t proto, uint16_t aport, const uint8_t *remote, uint16_t rport,
	     uint16_t pport)
{
	int ifindex = actor_ifindex(id), fd = map_fd("nat6");
	bool echo = proto == IPPROTO_ICMPV6;
	struct ateom_nat6_key out = { .ifindex = ifindex, .sport_be = be16(aport),
				      .dport_be = be16(rport), .proto = proto,
				      .dir = ATEOM_DIR_OUT };
	/* The reply's tuple: an echo reply carries the id as dport. */
	struct ateom_nat6_key in = { .sport_be = echo ? 0 : be16(rport), .dport_be = be16(pport),
				     .proto = proto, .dir = ATEOM_DIR_IN };
	struct ateom_nat6_entry eo = { .port_be = be16(pport), .type = ATEOM_NAT_SNAT,
				       .actor_ifindex = ifindex, .actor_id = id,
				       .last_seen_ns = ago(5) };
	struct ateom_nat6_entry ei = eo;

	memcpy(out.saddr_be.b, E6_ACTOR, 16);
	memcpy(out.daddr_be.b, remote, 16);
	memcpy(in.saddr_be.b, remote, 16);
	memcpy(in.daddr_be.b, E6_POD, 16);
	memcpy(eo.addr_be.b, E6_POD, 16);
	memcpy(ei.addr_be.b, E6_ACTOR, 16);
	ei.port_be = be16(aport);
	ei.type = ATEOM_NAT_SNAT_REPLY;
	assert_int_equal(bpf_map_update_elem(fd, &out, &eo, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(fd, &in, &ei, BPF_ANY), 0);
}

int e6_nat6_count(void)
{
	return map_count("nat6", sizeof(struct ateom_nat6_key));
}

int e6_frag_count(bool in)
{
	return map_count(in ? "frag6_in" : "frag6_out", sizeof(struct ateom_frag_key));
}

void e6_xmit_raw(int prog, int ifindex, const uint8_t *frame, size_t len, int verdict,
		 struct fx_result *res)
{
	assert_int_equal(fx_run(&fx, prog, ifindex, frame, len, NULL, 1, res), 0);
	assert_int_equal((int32_t)res->retval, verdict);
}

void e6_xmit(int prog, int ifindex, const struct e6_spec *in, int verdict,
	     const struct e6_spec *want, bool same, struct fx_result *res)
{
	uint8_t pkt[E6_FRAME_MAX], w[E6_FRAME_MAX];
	size_t n = e6_build(pkt, sizeof(pkt), in), wn;
	int checked;

	assert_true(n > 0);
	e6_xmit_raw(prog, ifindex, pkt, n, verdict, res);
	if (same) {
		assert_int_equal(res->out_len, n);
		diff_fail(pkt, res->out, n);
	}
	if (want) {
		wn = e6_build(w, sizeof(w), want);
		assert_true(wn > 0);
		assert_int_equal(res->out_len, wn);
		diff_fail(w, res->out, wn);
		assert_true(e6_csums_ok(res->out, res->out_len, &checked));
		assert_true(checked >= 1);
	}
}

void e6_counts(const struct cnt *c, size_t n)
{
	static struct ateom_counter all[FX_STATS];
	uint8_t want[FX_STATS] = { 0 };

	assert_int_equal(fx_counters_all(&fx, all), 0);
	for (size_t i = 0; i < n; i++)
		want[c[i].block * ATEOM_STAT_MAX + c[i].stat] = c[i].pkts;
	for (size_t i = 0; i < FX_STATS; i++)
		if (all[i].packets != want[i])
			fail_msg("counter %zu of block %zu: %llu packets, want %u",
				 i % ATEOM_STAT_MAX, i / ATEOM_STAT_MAX,
				 (unsigned long long)all[i].packets, want[i]);
	assert_int_equal(fx_stats_zero(&fx), 0);
}
