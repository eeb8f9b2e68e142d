// SPDX-License-Identifier: Apache-2.0
/* The checking engine of the IPv6 rows (see engine6.h). */
#include "engine6.h"

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "siphash_ref.h"

const uint8_t POD6[16] = A6_POD, ACTOR6[16] = A6_ACTOR, WORKER6[16] = A6_WORKER,
	      REMOTE6[16] = A6_REMOTE, CLIENT6[16] = A6_CLIENT;

static int nat6_fd(struct fx *f)
{
	return f->nat6;
}

struct ateom_nat6_key fx6_key_out(int ifindex, const uint8_t *saddr, const uint8_t *daddr,
				  uint16_t sport, uint16_t dport, uint8_t proto)
{
	struct ateom_nat6_key k;

	memset(&k, 0, sizeof(k));
	k.ifindex = ifindex;
	memcpy(k.saddr_be.b, saddr, 16);
	memcpy(k.daddr_be.b, daddr, 16);
	k.sport_be = htons(sport);
	k.dport_be = htons(dport);
	k.proto = proto;
	k.dir = ATEOM_DIR_OUT;
	return k;
}

struct ateom_nat6_key fx6_key_in(const uint8_t *saddr, const uint8_t *daddr, uint16_t sport,
				 uint16_t dport, uint8_t proto)
{
	struct ateom_nat6_key k = fx6_key_out(0, saddr, daddr, sport, dport, proto);

	k.dir = ATEOM_DIR_IN;
	return k;
}

int fx6_nat_get(struct fx *f, const struct ateom_nat6_key *k, struct ateom_nat6_entry *e)
{
	return bpf_map_lookup_elem(nat6_fd(f), k, e) ? -1 : 0;
}

int fx6_nat_count(struct fx *f)
{
	struct ateom_nat6_key k, *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(nat6_fd(f), prev, &k)) {
		n++;
		prev = &k;
	}
	return n;
}

void fx6_pair_put(struct fx *f, int ifindex, uint16_t id, uint8_t proto, uint16_t aport,
		  const uint8_t *remote, uint16_t rport, uint16_t pod_port, uint16_t hook_gen)
{
	struct ateom_nat6_key out = fx6_key_out(ifindex, ACTOR6, remote, aport, rport, proto);
	struct ateom_nat6_key in = fx6_key_in(remote, POD6, rport, pod_port, proto);
	struct ateom_nat6_entry eo = {
		.port_be = htons(pod_port), .type = ATEOM_NAT_SNAT, .actor_ifindex = ifindex,
		.actor_id = id, .hook_gen = hook_gen, .last_seen_ns = fx_now(),
	};
	struct ateom_nat6_entry ei = {
		.port_be = htons(aport), .type = ATEOM_NAT_SNAT_REPLY, .actor_ifindex = ifindex,
		.actor_id = id, .last_seen_ns = fx_now(),
	};
	struct ateom_actor a;

	memcpy(eo.addr_be.b, POD6, 16);
	memcpy(ei.addr_be.b, ACTOR6, 16);
	assert_int_equal(bpf_map_update_elem(nat6_fd(f), &in, &ei, BPF_NOEXIST), 0);
	assert_int_equal(bpf_map_update_elem(nat6_fd(f), &out, &eo, BPF_NOEXIST), 0);
	assert_int_equal(fx_get_actor(f, ifindex, &a), 0);
	a.nat_pairs++;
	assert_int_equal(fx_put_actor(f, ifindex, &a), 0);
}

uint16_t snat6_candidate(uint8_t proto, const uint8_t *saddr, uint16_t sport, unsigned skip)
{
	struct ateom_config c;
	uint32_t w[4], range, shift;
	uint64_t m0, m1;

	assert_int_equal(fx_get_config(&fx, &c), 0);
	/* bpf/nat6.h NP_PORT_WORDS: the address's words as loaded, the
	 * protocol xored into the top byte of the second. */
	memcpy(w, saddr, 16);
	m0 = (uint64_t)w[0] << 32 | w[1];
	m1 = ((uint64_t)w[2] << 32 | w[3]) ^ ((uint64_t)proto << 56);
	range = (uint32_t)c.snat_port_max - c.snat_port_min + 1;
	shift = (uint32_t)(siphash_ref_2u64(m0, m1, (const uint64_t *)c.port_key) % range);
	return (uint16_t)(c.snat_port_min + ((sport % range + shift) % range + skip) % range);
}

static int dev_ifindex(enum dev d)
{
	return d == DEV_A1 ? fx.if_a1 : d == DEV_A2 ? fx.if_a2 : fx.if_pod;
}

/* Both actors get IPv6 on their link, as `up` writes it (v6loader). */
static void setup6(const struct row6 *r)
{
	struct ateom_config c;
	struct ateom_actor a;
	int ifs[2] = { fx.if_a1, fx.if_a2 };

	assert_int_equal(fx_get_config(&fx, &c), 0);
	if (!r->no_pod6)
		memcpy(c.pod_ip6.b, POD6, 16);
	c.flags |= r->cfg_flags;
	assert_int_equal(fx_set_config(&fx, &c), 0);
	for (int i = 0; i < 2; i++) {
		if (i == 0 && r->no_actor6)
			continue;
		assert_int_equal(fx_get_actor(&fx, ifs[i], &a), 0);
		memcpy(a.worker_ip6.b, WORKER6, 16);
		memcpy(a.actor_ip6.b, ACTOR6, 16);
		a.prefix6 = A6_PREFIX;
		assert_int_equal(fx_put_actor(&fx, ifs[i], &a), 0);
	}
}

static void resolve6(struct p6_spec *s)
{
	s->sport = range_port(s->sport);
	s->dport = range_port(s->dport);
	s->icmp_id = range_port(s->icmp_id);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Offsets of the ports (or echo id) and the L4 checksum. */
static void l4_offs(const uint8_t *f, size_t len, size_t *sp, size_t *dp, size_t *cs,
		    uint8_t *proto)
{
	size_t l4;

	assert_int_equal(p6_upper(f, len, proto, &l4), 0);
	*sp = l4;
	*dp = l4 + 2;
	*cs = l4 + (*proto == IPPROTO_TCP ? 16 : *proto == IPPROTO_UDP ? 6 : 2);
	if (*proto == P6_ICMP)
		*sp = *dp = l4 + 4;
}

static void check_xlate6(const struct row6 *r, const struct run6 *run)
{
	static const uint8_t amac[6] = FX_ACTOR_MAC, gmac[6] = FX_GW_MAC;
	const uint8_t *out = run->res.out;
	uint8_t want[PB_FRAME_MAX], proto;
	size_t sp, dp, cs;

	l4_offs(run->in, run->len, &sp, &dp, &cs, &proto);
	memcpy(want, run->in, run->len);
	if (r->x.macs) {
		memcpy(want, amac, 6);
		memcpy(want + 6, gmac, 6);
	}
	if (r->x.saddr)
		memcpy(want + 14 + 8, r->x.saddr, 16);
	if (r->x.daddr)
		memcpy(want + 14 + 24, r->x.daddr, 16);
	if (r->x.hop_dec)
		want[14 + 7]--;
	if (r->x.sport == SNAT6_PORT) {
		uint16_t p = get16(out + sp), c;

		c = snat6_candidate(proto, run->in + 14 + 8, get16(run->in + sp), r->x.skip);
		if (p != c)
			fail_msg("SNAT66 port %u, not %u (the tuple's first candidate + %u)", p, c,
				 r->x.skip);
		put16(want + sp, p);
	} else {
		if (r->x.sport)
			put16(want + sp, r->x.sport);
		if (r->x.dport)
			put16(want + dp, r->x.dport);
	}
	memcpy(want + cs, out + cs, 2); /* verified below */
	diff_fail(want, out, run->len);
	if (!p6_l4_csum_ok(out, run->res.out_len))
		fail_msg("the L4 checksum 0x%04x does not verify over the IPv6 pseudo-header",
			 get16(out + cs));
}

#define STAT_NAME(id, name) name,
static const char *const stat_names[] = { ATEOM_STATS(STAT_NAME) };

static void check_counters6(const struct row6 *r, size_t len)
{
	static struct ateom_counter got[FX_STATS], want[FX_STATS];

	memset(want, 0, sizeof(want));
	for (size_t i = 0; i < sizeof(r->c) / sizeof(r->c[0]) && r->c[i].pkts; i++) {
		const struct cnt *c = &r->c[i];
		struct ateom_counter *w = &want[c->block * ATEOM_STAT_MAX + c->stat];
		/* counted with no bytes (the packet is counted elsewhere) */
		bool no_bytes = c->stat == ATEOM_STAT_SNAT_NEW ||
				c->stat == ATEOM_STAT_NAT_REPAIR ||
				c->stat == ATEOM_STAT_RST_IGNORED ||
				c->stat == ATEOM_STAT_HOOK_CACHED ||
				c->stat == ATEOM_STAT_HOOK_REPLY ||
				c->stat == ATEOM_STAT_FRAG_FIRST;

		w->packets += c->pkts;
		w->bytes += no_bytes ? 0 : c->pkts * len;
	}
	assert_int_equal(fx_counters_all(&fx, got), 0);
	for (uint32_t k = 0; k < FX_STATS; k++)
		if (got[k].packets != want[k].packets || got[k].bytes != want[k].bytes)
			fail_msg("counter %s of block %u: want %lu pkts/%lu bytes, got %lu/%lu",
				 stat_names[k % ATEOM_STAT_MAX], k / ATEOM_STAT_MAX,
				 (unsigned long)want[k].packets, (unsigned long)want[k].bytes,
				 (unsigned long)got[k].packets, (unsigned long)got[k].bytes);
}

/* Port records (IN halves) per actor in nat and nat6, against nat_pairs. */
static void census6(int records[3], uint32_t pairs[3])
{
	struct ateom_nat6_key k6, *p6 = NULL;
	struct ateom_nat6_entry e6;
	struct ateom_nat_key k4, *p4 = NULL;
	struct ateom_nat_entry e4;

	memset(records, 0, 3 * sizeof(int));
	while (!bpf_map_get_next_key(nat6_fd(&fx), p6, &k6)) {
		p6 = &k6;
		assert_int_equal(fx6_nat_get(&fx, &k6, &e6), 0);
		for (int id = 1; id <= 2; id++)
			if (k6.dir == ATEOM_DIR_IN &&
			    e6.actor_ifindex == (uint32_t)actor_ifindex(id))
				records[id]++;
	}
	while (!bpf_map_get_next_key(fx.nat, p4, &k4)) {
		p4 = &k4;
		assert_int_equal(fx_nat_get(&fx, &k4, &e4), 0);
		for (int id = 1; id <= 2; id++)
			if (k4.dir == ATEOM_DIR_IN &&
			    e4.actor_ifindex == (uint32_t)actor_ifindex(id))
				records[id]++;
	}
	for (int id = 1; id <= 2; id++)
		pairs[id] = actor_pairs(&fx, actor_ifindex(id));
}

static void check_entry6(const struct run6 *run, const struct ateom_nat6_key *k,
			 const uint8_t *addr, uint16_t port, uint8_t type, int actor)
{
	struct ateom_nat6_entry e;

	if (fx6_nat_get(&fx, k, &e))
		fail_msg("nat6 entry (dir %u type %u) missing", k->dir, type);
	assert_memory_equal(e.addr_be.b, addr, 16);
	assert_int_equal(ntohs(e.port_be), port);
	assert_int_equal(e.type, type);
	assert_int_equal(e.actor_ifindex, actor_ifindex(actor));
	assert_int_equal(e.actor_id, actor);
	assert_in_range(e.last_seen_ns, run->t0, run->t1);
}

/* The SNAT66 pair this packet made, from what went in and came out. */
static void check_pair6(const struct row6 *r, const struct run6 *run)
{
	size_t sp, dp, cs;
	uint8_t proto;
	uint16_t a, rp, p;
	struct ateom_nat6_key k;
	bool icmp;

	l4_offs(run->in, run->len, &sp, &dp, &cs, &proto);
	icmp = proto == P6_ICMP;
	a = get16(run->in + sp);
	rp = icmp ? 0 : get16(run->in + dp);
	p = get16(run->res.out + sp);
	k = fx6_key_out(run->ifindex, run->in + 22, run->in + 38, a, rp, proto);
	check_entry6(run, &k, POD6, p, ATEOM_NAT_SNAT, r->actor);
	k = fx6_key_in(run->in + 38, POD6, rp, p, proto);
	check_entry6(run, &k, ACTOR6, a, ATEOM_NAT_SNAT_REPLY, r->actor);
}

static struct run6 cur6;

void run_row6(void **state)
{
	const struct row6 *r0 = *state;
	static struct row6 row;
	struct run6 *run = &cur6;
	int records0[3], records1[3], nat0, prog;
	uint32_t pairs0[3], pairs1[3];

	close_worker_sockets();
	memset(run, 0, sizeof(*run));
	row = *r0;
	resolve6(&row.in);
	row.x.sport = range_port(row.x.sport);
	row.x.dport = range_port(row.x.dport);
	run->r = &row;
	run->ifindex = dev_ifindex(row.dev);
	assert_int_equal(fx_std_setup(&fx), 0);
	setup6(&row);
	if (row.prep)
		row.prep(&fx);
	assert_int_equal(fx_stats_zero(&fx), 0);

	run->len = p6_build(run->in, sizeof(run->in), &row.in);
	assert_true(run->len > 0);
	nat0 = fx6_nat_count(&fx);
	census6(records0, pairs0);
	prog = row.prog == FROM_ACTOR ? fx.from_actor : row.prog == FROM_POD ? fx.from_pod :
	       fx.resume;
	run->t0 = fx_now();
	assert_int_equal(fx_run(&fx, prog, run->ifindex, run->in, run->len,
				row.prog == RESUME ? row.cb : NULL, 1, &run->res), 0);
	run->t1 = fx_now();

	assert_int_equal((int32_t)run->res.retval, row.verdict);
	if (row.want) {
		uint8_t want[PB_FRAME_MAX];
		size_t n = p6_build(want, sizeof(want), row.want);

		assert_int_equal(run->res.out_len, n);
		diff_fail(want, run->res.out, n);
		assert_true(p6_l4_csum_ok(run->res.out, n));
	} else {
		assert_int_equal(run->res.out_len, run->len);
		if (row.same)
			diff_fail(run->in, run->res.out, run->len);
		else if (row.verdict != FX_SHOT)
			check_xlate6(&row, run);
	}
	check_counters6(&row, run->len);
	assert_int_equal(fx6_nat_count(&fx) - nat0, row.nat6_delta);
	census6(records1, pairs1);
	for (int id = 1; id <= 2; id++)
		if ((int64_t)records1[id] - records0[id] != (int64_t)pairs1[id] - pairs0[id])
			fail_msg("actor %d: nat_pairs %u -> %u, but its port records %d -> %d", id,
				 pairs0[id], pairs1[id], records0[id], records1[id]);
	if (row.pair)
		check_pair6(&row, run);
	if (row.check)
		row.check(&fx, run);
	close_worker_sockets();
}
