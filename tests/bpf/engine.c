// SPDX-License-Identifier: Apache-2.0
/* The checking engine of the datapath table (see engine.h). */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "siphash_ref.h"

struct fx fx;

static int dev_ifindex(enum dev d)
{
	return d == DEV_A1 ? fx.if_a1 : d == DEV_A2 ? fx.if_a2 : fx.if_pod;
}

static int iif_ifindex(enum iif i)
{
	static const enum dev dev[] = { [IIF_A1] = DEV_A1, [IIF_A2] = DEV_A2, [IIF_POD] = DEV_POD };

	return i == IIF_NONE ? 0 : dev_ifindex(dev[i]);
}

int actor_ifindex(int id)
{
	return id == 2 ? fx.if_a2 : fx.if_a1;
}

uint64_t ago(unsigned secs)
{
	uint64_t now = fx_now();

	assert_true(now > (secs + 1) * FX_SEC); /* the clock counts from boot */
	return now - secs * FX_SEC;
}

void set_seen(struct fx *f, const struct ateom_nat_key *k, uint8_t seen)
{
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, k, &e), 0);
	e.seen = seen;
	assert_int_equal(fx_nat_put(f, k, &e), 0);
}

void set_last_seen(struct fx *f, const struct ateom_nat_key *k, uint64_t last_seen)
{
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, k, &e), 0);
	e.last_seen_ns = last_seen;
	assert_int_equal(fx_nat_put(f, k, &e), 0);
}

void set_actor_pairs(struct fx *f, int ifindex, uint32_t quota, uint32_t pairs)
{
	struct ateom_actor a;

	assert_int_equal(fx_get_actor(f, ifindex, &a), 0);
	a.nat_quota = quota;
	a.nat_pairs = pairs;
	assert_int_equal(fx_put_actor(f, ifindex, &a), 0);
}

uint32_t actor_pairs(struct fx *f, int ifindex)
{
	struct ateom_actor a;

	assert_int_equal(fx_get_actor(f, ifindex, &a), 0);
	return a.nat_pairs;
}

void delete_port_record(struct fx *f, const struct ateom_nat_key *in)
{
	struct ateom_nat_entry e;
	struct ateom_actor a;

	assert_int_equal(fx_nat_get(f, in, &e), 0);
	assert_int_equal(bpf_map_delete_elem(f->nat, in), 0);
	assert_int_equal(fx_get_actor(f, e.actor_ifindex, &a), 0);
	assert_true(a.nat_pairs > 0);
	a.nat_pairs--;
	assert_int_equal(fx_put_actor(f, e.actor_ifindex, &a), 0);
}

static int sockets[8];
static int nsockets;

void worker_socket(uint8_t proto, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_true(nsockets < (int)(sizeof(sockets) / sizeof(sockets[0])));
	sockets[nsockets++] = fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fail_msg("worker socket on port %u: bind: %s", port, strerror(errno));
	if (proto == IPPROTO_TCP && listen(fd, 4))
		fail_msg("worker socket on port %u: listen: %s", port, strerror(errno));
}

void close_worker_sockets(void)
{
	while (nsockets)
		close(sockets[--nsockets]);
}

/* The SNAT range the datapath is configured with: the pass's, or the
 * running row's own. */
static void snat_range(uint16_t *lo, uint16_t *hi)
{
	struct ateom_config c;

	assert_int_equal(fx_get_config(&fx, &c), 0);
	*lo = c.snat_port_min;
	*hi = c.snat_port_max;
}

uint16_t range_port(uint16_t p)
{
	uint16_t lo, hi, port;

	if (p < RANGE_PORT(0) || p > RANGE_PORT_LAST)
		return p;
	snat_range(&lo, &hi);
	port = lo + (p - RANGE_PORT(0));
	if (port < lo || port > hi)
		fail_msg("RANGE_PORT(%u) is outside the SNAT range %u-%u", p - RANGE_PORT(0), lo,
			 hi);
	return port;
}

uint16_t snat_candidate_cfg(const struct ateom_config *c, uint8_t proto, uint32_t saddr,
			    uint16_t sport, uint32_t daddr, uint16_t dport, unsigned skip)
{
	/* bpf/nat.h snat_first(): the source port shifted by a keyed hash of
	 * the protocol and the actor address (the numeric value of the
	 * network-order word); the remote (daddr, dport) plays no part:
	 * endpoint-independent mapping. */
	uint64_t m0 = (uint64_t)saddr << 32 | proto;
	uint32_t range = (uint32_t)c->snat_port_max - c->snat_port_min + 1;
	uint32_t shift = (uint32_t)(siphash_ref_2u64(m0, 0, (const uint64_t *)c->port_key) % range);

	(void)daddr;
	(void)dport;
	uint32_t first = (sport % range + shift) % range;

	return (uint16_t)(c->snat_port_min + (first + skip) % range);
}

uint16_t snat_candidate(uint8_t proto, uint32_t saddr, uint16_t sport, uint32_t daddr,
			uint16_t dport, unsigned skip)
{
	struct ateom_config c;

	assert_int_equal(fx_get_config(&fx, &c), 0);
	return snat_candidate_cfg(&c, proto, saddr, sport, daddr, dport, skip);
}

bool on_production_range(void)
{
	return fx.snat_min == ATEOM_SNAT_PORT_MIN && fx.snat_max == ATEOM_SNAT_PORT_MAX;
}

static void resolve_spec(struct pb_spec *s)
{
	s->sport = range_port(s->sport);
	s->dport = range_port(s->dport);
	s->icmp_id = range_port(s->icmp_id);
}

/* The row as it runs on the range in force: RANGE_PORT()s resolved in its
 * packet, the packet it quotes, and what it expects. */
static struct resolved {
	struct row row;
	struct pb_spec in_inner, want, want_inner;
} rsv;

static const struct row *resolve(const struct row *r)
{
	struct resolved *v = &rsv;

	memset(v, 0, sizeof(*v));
	v->row = *r;
	resolve_spec(&v->row.in);
	if (r->in.inner) {
		v->in_inner = *r->in.inner;
		resolve_spec(&v->in_inner);
		v->row.in.inner = &v->in_inner;
	}
	if (r->want) {
		v->want = *r->want;
		resolve_spec(&v->want);
		if (r->want->inner) {
			v->want_inner = *r->want->inner;
			resolve_spec(&v->want_inner);
			v->want.inner = &v->want_inner;
		}
		v->row.want = &v->want;
	}
	v->row.x.sport = range_port(r->x.sport);
	v->row.x.dport = range_port(r->x.dport);
	return &v->row;
}

static size_t build(const struct row *r, uint8_t *buf)
{
	static const uint8_t amac[6] = FX_ACTOR_MAC, gmac[6] = FX_GW_MAC;
	static const uint8_t pmac[6] = FX_POD_MAC, nmac[6] = FX_NODE_MAC;

	switch (r->kind) {
	case K_ARP:
		return pb_build_arp(buf, PB_FRAME_MAX, &r->arp);
	case K_IPV6:
		if (r->prog == FROM_POD)
			return pb_build_ipv6_udp(buf, PB_FRAME_MAX, nmac, pmac, 40000, 443, 32);
		return pb_build_ipv6_udp(buf, PB_FRAME_MAX, amac, gmac, 40000, 443, 32);
	default:
		return pb_build(buf, PB_FRAME_MAX, &r->in);
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offsets (from the frame start) of the fields a translation touches. */
struct offs {
	size_t sport, dport, l4csum;
};

static struct offs l4_offs(const struct pb_view *v, const uint8_t *frame)
{
	size_t l4 = (size_t)(v->l4 - frame);
	struct offs o = { l4, l4 + 2, l4 + (v->proto == IPPROTO_TCP ? 16 : 6) };

	if (v->proto == IPPROTO_ICMP) /* the echo id stands in for the port */
		o = (struct offs){ l4 + 4, l4 + 4, l4 + 2 };
	return o;
}

void diff_fail(const uint8_t *want, const uint8_t *got, size_t len)
{
	char msg[512];
	int n = 0, bad = 0;

	for (size_t i = 0; i < len; i++) {
		if (want[i] == got[i])
			continue;
		if (n < (int)sizeof(msg) - 32)
			n += snprintf(msg + n, sizeof(msg) - n, " [%zu] want %02x got %02x", i,
				      want[i], got[i]);
		bad++;
	}
	if (bad)
		fail_msg("%d bytes differ:%s", bad, msg);
}

/* The port the datapath must choose for the actor's packet vi. */
static uint16_t chosen_port(const struct pb_view *vi, unsigned skip)
{
	bool icmp = vi->proto == IPPROTO_ICMP;

	return snat_candidate(vi->proto, vi->saddr, icmp ? vi->icmp_id : vi->sport, vi->daddr,
			      icmp ? 0 : vi->dport, skip);
}

/* Out must be In with exactly the row's rewrites; checksums must verify. */
static void check_xlate(const struct row *r, struct run *run)
{
	static const uint8_t amac[6] = FX_ACTOR_MAC, gmac[6] = FX_GW_MAC;
	const uint8_t *out = run->res.out;
	uint8_t want[PB_FRAME_MAX];
	struct pb_view vi, vo;
	struct offs o;

	assert_int_equal(pb_parse(run->in, run->len, &vi), 0);
	assert_int_equal(pb_parse(out, run->res.out_len, &vo), 0);
	o = l4_offs(&vi, run->in);
	memcpy(want, run->in, run->len);
	if (r->x.macs) {
		memcpy(want, amac, 6);
		memcpy(want + 6, gmac, 6);
	}
	if (r->x.saddr)
		memcpy(want + PB_ETH_HLEN + 12, &r->x.saddr, 4);
	if (r->x.daddr)
		memcpy(want + PB_ETH_HLEN + 16, &r->x.daddr, 4);
	if (r->x.ttl_dec)
		want[PB_ETH_HLEN + 8]--;
	if (r->x.sport == SNAT_PORT) {
		uint16_t p = get16(out + o.sport), c = chosen_port(&vi, r->x.skip), lo, hi;

		snat_range(&lo, &hi);
		if (p < lo || p > hi)
			fail_msg("translated port %u outside the SNAT range %u-%u", p, lo, hi);
		if (p != c)
			fail_msg("SNAT port %u, not %u (the tuple's first candidate%s%u)", p, c,
				 r->x.skip ? " + " : "", r->x.skip);
		put16(want + o.sport, p);
	} else {
		if (r->x.sport)
			put16(want + o.sport, r->x.sport);
		if (r->x.dport)
			put16(want + o.dport, r->x.dport);
	}
	/* Checksums are verified below rather than compared. */
	memcpy(want + PB_ETH_HLEN + 10, out + PB_ETH_HLEN + 10, 2);
	memcpy(want + o.l4csum, out + o.l4csum, 2);
	diff_fail(want, out, run->len);

	if (!pb_ip_csum_ok(&vo))
		fail_msg("IPv4 header checksum 0x%04x does not verify", vo.ip_csum);
	if (vo.proto == IPPROTO_UDP && r->x.udp == CS_ZERO) {
		assert_int_equal(vo.l4_csum, 0);
		return;
	}
	if (r->x.udp == CS_FFFF)
		assert_int_equal(vo.l4_csum, 0xffff);
	if (!pb_l4_csum_ok(&vo))
		fail_msg("L4 checksum 0x%04x does not verify (want 0x%04x)", vo.l4_csum,
			 pb_l4_csum_calc(&vo));
}

#define STAT_NAME(id, name) name,
static const char *const stat_names[] = { ATEOM_STATS(STAT_NAME) };

static void check_counters(struct fx *f, const struct row *r, size_t len)
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
				c->stat == ATEOM_STAT_FRAG_FIRST ||
				c->stat == ATEOM_STAT_FRAG_DUP_FIRST ||
				c->stat == ATEOM_STAT_FRAG_OVERLAP ||
				c->stat == ATEOM_STAT_FRAG_REORDER ||
				c->stat == ATEOM_STAT_FRAG_CONFLICT;

		w->packets += c->pkts;
		w->bytes += no_bytes ? 0 : c->pkts * len;
	}
	assert_int_equal(fx_counters_all(f, got), 0);
	for (uint32_t k = 0; k < FX_STATS; k++)
		if (got[k].packets != want[k].packets || got[k].bytes != want[k].bytes)
			fail_msg("counter %s of block %u: want %lu pkts/%lu bytes, got %lu/%lu",
				 stat_names[k % ATEOM_STAT_MAX], k / ATEOM_STAT_MAX,
				 (unsigned long)want[k].packets, (unsigned long)want[k].bytes,
				 (unsigned long)got[k].packets, (unsigned long)got[k].bytes);
}

static void check_entry(struct fx *f, const struct run *run, const struct ateom_nat_key *k,
			uint32_t addr, uint16_t port, uint8_t type, int actor)
{
	struct ateom_nat_entry e;

	if (fx_nat_get(f, k, &e))
		fail_msg("NAT entry (dir %u type %u) missing", k->dir, type);
	assert_int_equal(e.addr_be, addr);
	assert_int_equal(ntohs(e.port_be), port);
	assert_int_equal(e.type, type);
	assert_int_equal(e.seen, 0);
	assert_int_equal(e.actor_ifindex, actor_ifindex(actor));
	assert_int_equal(e.actor_id, actor);
	assert_in_range(e.last_seen_ns, run->t0, run->t1);
}

/* The SNAT pair the datapath made for this packet, derived from In and Out. */
static void check_pair(struct fx *f, const struct row *r, const struct run *run)
{
	struct pb_view vi, vo;
	struct ateom_nat_key k;
	uint16_t a, rp, p;
	bool icmp;

	assert_int_equal(pb_parse(run->in, run->len, &vi), 0);
	assert_int_equal(pb_parse(run->res.out, run->res.out_len, &vo), 0);
	icmp = vi.proto == IPPROTO_ICMP;
	a = icmp ? vi.icmp_id : vi.sport;
	rp = icmp ? 0 : vi.dport;
	p = icmp ? vo.icmp_id : vo.sport;
	k = fx_key_out(run->ifindex, vi.saddr, vi.daddr, a, rp, vi.proto);
	check_entry(f, run, &k, FX_POD_IP, p, ATEOM_NAT_SNAT, r->actor);
	k = fx_key_in(vi.daddr, FX_POD_IP, rp, p, vi.proto);
	check_entry(f, run, &k, FX_ACTOR_IP, a, ATEOM_NAT_SNAT_REPLY, r->actor);
}

/* Who holds what: each actor's port records in the table, and the pair
 * count in its entry. */
struct census {
	int records[3];
	uint32_t pairs[3];
};

static void take_census(struct fx *f, struct census *c)
{
	struct ateom_nat_key k;
	struct ateom_nat_entry e;

	memset(c, 0, sizeof(*c));
	for (int err = bpf_map_get_next_key(f->nat, NULL, &k); !err;
	     err = bpf_map_get_next_key(f->nat, &k, &k)) {
		assert_int_equal(fx_nat_get(f, &k, &e), 0);
		for (int id = 1; id <= 2; id++)
			if (k.dir == ATEOM_DIR_IN && e.actor_ifindex == (uint32_t)actor_ifindex(id))
				c->records[id]++;
	}
	for (int id = 1; id <= 2; id++)
		c->pairs[id] = actor_pairs(f, actor_ifindex(id));
}

/* nat_pairs moves with the port records (nat.h: counted when the record is
 * inserted, uncounted by whoever deletes it). */
static void check_census(struct fx *f, const struct census *before)
{
	struct census after;

	take_census(f, &after);
	for (int id = 1; id <= 2; id++) {
		int64_t dr = after.records[id] - before->records[id];
		int64_t dp = (int64_t)after.pairs[id] - before->pairs[id];

		if (dr != dp)
			fail_msg("actor %d: nat_pairs %u -> %u, but its port records %d -> %d", id,
				 before->pairs[id], after.pairs[id], before->records[id],
				 after.records[id]);
	}
}

/* The entry this packet looked up had its idle clock refreshed. */
static void check_touch(struct fx *f, const struct run *run)
{
	struct ateom_nat_entry e;
	struct ateom_nat_key k;
	struct pb_view v;
	bool icmp;

	assert_int_equal(pb_parse(run->in, run->len, &v), 0);
	icmp = v.proto == IPPROTO_ICMP;
	if (run->r->prog == FROM_POD)
		k = fx_key_in(v.saddr, v.daddr, icmp ? 0 : v.sport, icmp ? v.icmp_id : v.dport,
			      v.proto);
	else
		k = fx_key_out(run->ifindex, v.saddr, v.daddr, icmp ? v.icmp_id : v.sport,
			       icmp ? 0 : v.dport, v.proto);
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_in_range(e.last_seen_ns, run->t0, run->t1);
}

/* The packet must equal r->want, except checksums, which must verify: the
 * outer IPv4, the ICMP and the quoted IPv4 one. The quoted TCP/UDP/ICMP
 * checksum must be the one of the translated datagram (icmp_err.h). */
static void check_want(const struct row *r, const struct run *run)
{
	const uint8_t *out = run->res.out;
	const size_t q = PB_ETH_HLEN + 20 + 8; /* quoted IPv4 header */
	uint8_t want[PB_FRAME_MAX];
	size_t n = pb_build(want, sizeof(want), r->want);
	struct pb_view vo;

	assert_int_equal(run->res.out_len, n);
	assert_int_equal(pb_parse(out, n, &vo), 0);
	assert_true(pb_ip_csum_ok(&vo));
	assert_true(pb_l4_csum_ok(&vo));
	memcpy(want + PB_ETH_HLEN + 10, out + PB_ETH_HLEN + 10, 2);
	memcpy(want + PB_ETH_HLEN + 22, out + PB_ETH_HLEN + 22, 2);
	if (r->want->inner) {
		assert_true(pb_fold(pb_sum(out + q, 20, 0)) == 0xffff); /* quoted IPv4 */
		memcpy(want + q + 10, out + q + 10, 2);
		/* The quoted L4 checksum, where quoted, follows the
		 * translation: want's is computed over the whole quoted
		 * datagram as translated, and compared as it is. */
	}
	diff_fail(want, out, n);
}

static struct run cur;

static void check_row(void **state)
{
	const struct row *r = *state;
	struct run *run = &cur;
	struct ateom_config cfg;
	struct census census;
	int nat0, wflow0, prog;

	close_worker_sockets();
	memset(run, 0, sizeof(*run));
	run->ifindex = dev_ifindex(r->dev);
	assert_int_equal(fx_std_setup(&fx), 0);
	fx_std_config(&fx, &cfg);
	if (r->unconfigured)
		memset(&cfg, 0, sizeof(cfg));
	if (r->snat_ports)
		cfg.snat_port_max = cfg.snat_port_min + r->snat_ports - 1;
	if (r->snat_min)
		cfg.snat_port_min = r->snat_min;
	if (r->snat_max)
		cfg.snat_port_max = r->snat_max;
	cfg.flags |= r->cfg_flags;
	if (r->est_timeout_s)
		cfg.tcp_est_timeout_ns = r->est_timeout_s * FX_SEC;
	if (r->syn_timeout_s)
		cfg.tcp_syn_timeout_ns = r->syn_timeout_s * FX_SEC;
	assert_int_equal(fx_set_config(&fx, &cfg), 0);
	run->r = r = resolve(r);
	if (r->prep)
		r->prep(&fx);
	assert_int_equal(fx_stats_zero(&fx), 0);

	run->len = build(r, run->in);
	assert_true(run->len > 0);
	nat0 = fx_nat_count(&fx);
	wflow0 = fx_wflow_count(&fx);
	take_census(&fx, &census);
	prog = r->prog == FROM_ACTOR ? fx.from_actor : r->prog == FROM_POD ? fx.from_pod :
	       r->prog == TO_ACTOR ? fx.to_actor : fx.resume;
	run->t0 = fx_now();
	assert_int_equal(fx_run_iif(&fx, prog, run->ifindex, iif_ifindex(r->iif), run->in,
				    run->len, r->prog == RESUME ? r->cb : NULL, 1, &run->res), 0);
	run->t1 = fx_now();

	/* The program saw the row's device as skb->ifindex (to_actor: the
	 * veth it leaves through, as on egress). */
	assert_int_equal(run->res.ctx.ifindex, run->ifindex);
	assert_int_equal((int32_t)run->res.retval, r->verdict);
	if (!r->want) /* only errors made of the packet are resized (ttl.h) */
		assert_int_equal(run->res.out_len, run->len);
	if (r->same)
		diff_fail(run->in, run->res.out, run->len);
	else if (r->want)
		check_want(r, run);
	else if (r->verdict != FX_SHOT && !r->x.custom)
		check_xlate(r, run);
	check_counters(&fx, r, run->len);
	assert_int_equal(fx_nat_count(&fx) - nat0, r->nat_delta);
	assert_int_equal(fx_wflow_count(&fx) - wflow0, r->wflow_delta);
	check_census(&fx, &census);
	if (r->pair)
		check_pair(&fx, r, run);
	if (r->touch)
		check_touch(&fx, run);
	if (r->check)
		r->check(&fx, run);
	close_worker_sockets();
}

/* Runs the row in a child process, as a cmocka group of its own, so that
 * its failure ends the child's test and not the caller's. Returns whether it
 * passed; buf gets what it printed. */
static bool passes_in_child(const struct row *r, char *buf, size_t cap)
{
	struct CMUnitTest t = { .name = r->name, .test_func = check_row,
				.initial_state = (void *)r };
	size_t n = 0;
	char sink[256];
	ssize_t k;
	int p[2], st;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc;

		close(p[0]);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		rc = _cmocka_run_group_tests(r->name, &t, 1, NULL, NULL);
		fflush(stdout);
		fflush(stderr);
		_exit(rc ? 1 : 0);
	}
	close(p[1]);
	while ((k = read(p[0], n + 1 < cap ? buf + n : sink,
			 n + 1 < cap ? cap - 1 - n : sizeof(sink))) > 0)
		if (n + 1 < cap)
			n += k;
	buf[n] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st))
		fail_msg("the row's child process died (status 0x%x)", st);
	return WEXITSTATUS(st) == 0;
}

/* The failure lines of a cmocka run: fail_msg()'s "ERROR: ..." and the
 * "[  ERROR   ] --- ..." / "[   LINE   ] --- ..." of a failed assertion. */
static void print_failure(const char *out)
{
	for (const char *l = out; *l; ) {
		const char *e = strchr(l, '\n');
		int len = e ? (int)(e - l) : (int)strlen(l);
		const char *dash = strstr(l, "---");

		if (!strncmp(l, "ERROR: ", 7) || (dash && dash < l + len))
			print_message("             %.*s\n", len, l);
		l += len + (e ? 1 : 0);
	}
}

static unsigned xfails;

unsigned xfail_count(void)
{
	return xfails;
}

void run_row(void **state)
{
	const struct row *r = *state;
	const char *bug = r->known_bug;
	static char out[8192];

	if (!bug && on_production_range())
		bug = r->known_prod_range_bug;
	if (!bug) {
		check_row(state);
		return;
	}
	if (passes_in_child(r, out, sizeof(out)))
		fail_msg("XPASS: %s passes %snow: drop its %s (\"%s\")", r->name,
			 r->known_bug ? "" : "on the production SNAT range ",
			 r->known_bug ? "known_bug" : "known_prod_range_bug", bug);
	xfails++;
	print_message("[  XFAIL   ] %s: %s\n", r->name, bug);
	print_failure(out);
}

void udp_ffff_payload(uint8_t *payload, size_t len, struct pb_spec out, struct pb_spec in)
{
	uint8_t pkt[PB_FRAME_MAX];
	struct pb_view v;
	uint16_t c;

	out.proto = in.proto = IPPROTO_UDP;
	out.payload = in.payload = len;
	out.payload_data = in.payload_data = payload;
	memset(payload, 0x5a, len);
	payload[0] = payload[1] = 0;
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &out), &v), 0);
	c = pb_l4_csum_calc(&v); /* adding it to the sum makes the sum 0xffff */
	payload[0] = c >> 8;
	payload[1] = c & 0xff;
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &out), &v), 0);
	assert_int_equal(v.l4_csum, 0xffff);
	/* ...while the datagram as it arrives has an ordinary checksum. */
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &in), &v), 0);
	assert_int_not_equal(v.l4_csum, 0xffff);
}
