// SPDX-License-Identifier: Apache-2.0
/* The checking engine of the datapath table (see engine.h). */
#include "engine.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/wait.h>

struct fx fx;

static int dev_ifindex(enum dev d)
{
	return d == DEV_A1 ? fx.if_a1 : d == DEV_A2 ? fx.if_a2 : fx.if_pod;
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

void set_tcp_seen(struct fx *f, const struct ateom_nat_key *k, uint8_t seen)
{
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, k, &e), 0);
	e.tcp_seen = seen;
	assert_int_equal(fx_nat_put(f, k, &e), 0);
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
	if (r->x.sport == SNAT_PORT || r->x.dport == SNAT_PORT) {
		uint16_t p = get16(out + (r->x.sport ? o.sport : o.dport)), lo, hi;

		snat_range(&lo, &hi);
		if (p < lo || p > hi)
			fail_msg("translated port %u outside the SNAT range %u-%u", p, lo, hi);
		put16(want + (r->x.sport ? o.sport : o.dport), p);
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
	static struct ateom_counter got[ATEOM_STATS_ENTRIES], want[ATEOM_STATS_ENTRIES];

	memset(want, 0, sizeof(want));
	for (size_t i = 0; i < sizeof(r->c) / sizeof(r->c[0]) && r->c[i].pkts; i++) {
		const struct cnt *c = &r->c[i];
		struct ateom_counter *w = &want[c->block * ATEOM_STAT_MAX + c->stat];
		bool no_bytes = c->stat == ATEOM_STAT_SNAT_NEW || c->stat == ATEOM_STAT_DNAT_NEW;

		w->packets += c->pkts;
		w->bytes += no_bytes ? 0 : c->pkts * len;
	}
	assert_int_equal(fx_counters_all(f, got), 0);
	for (uint32_t k = 0; k < ATEOM_STATS_ENTRIES; k++)
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
	assert_int_equal(e.tcp_seen, 0);
	assert_int_equal(e.actor_ifindex, actor_ifindex(actor));
	assert_int_equal(e.actor_id, actor);
	assert_in_range(e.last_seen_ns, run->t0, run->t1);
}

/* The pair the datapath made for this packet, derived from In and Out. */
static void check_pair(struct fx *f, const struct row *r, const struct run *run)
{
	struct pb_view vi, vo;
	struct ateom_nat_key k;
	uint16_t a, rp, p;

	assert_int_equal(pb_parse(run->in, run->len, &vi), 0);
	assert_int_equal(pb_parse(run->res.out, run->res.out_len, &vo), 0);
	if (r->pair == PAIR_SNAT) {
		bool icmp = vi.proto == IPPROTO_ICMP;

		a = icmp ? vi.icmp_id : vi.sport;
		rp = icmp ? 0 : vi.dport;
		p = icmp ? vo.icmp_id : vo.sport;
		k = fx_key_out(run->ifindex, vi.saddr, vi.daddr, a, rp, vi.proto);
		check_entry(f, run, &k, FX_POD_IP, p, ATEOM_NAT_SNAT, r->actor);
		k = fx_key_in(vi.daddr, FX_POD_IP, rp, p, vi.proto);
		check_entry(f, run, &k, FX_ACTOR_IP, a, ATEOM_NAT_SNAT_REPLY, r->actor);
	} else {
		k = fx_key_in(vi.saddr, FX_POD_IP, vi.sport, vi.dport, vi.proto);
		check_entry(f, run, &k, FX_ACTOR_IP, vo.dport, ATEOM_NAT_DNAT, r->actor);
		k = fx_key_out(actor_ifindex(r->actor), FX_ACTOR_IP, vi.saddr, vo.dport,
			       vi.sport, vi.proto);
		check_entry(f, run, &k, FX_POD_IP, vi.dport, ATEOM_NAT_DNAT_REPLY, r->actor);
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
 * checksum is left as it was (icmp_err.h: no stack checks it). */
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
		size_t csum = q + 20 + (r->want->inner->proto == IPPROTO_TCP ? 16 :
					r->want->inner->proto == IPPROTO_UDP ? 6 : 2);

		assert_true(pb_fold(pb_sum(out + q, 20, 0)) == 0xffff); /* quoted IPv4 */
		memcpy(want + q + 10, out + q + 10, 2);
		if (csum + 2 <= n) {
			assert_int_equal(get16(out + csum), get16(run->in + csum));
			memcpy(want + csum, run->in + csum, 2);
		}
	}
	diff_fail(want, out, n);
}

static struct run cur;

static void check_row(void **state)
{
	const struct row *r = *state;
	struct run *run = &cur;
	struct ateom_config cfg;
	int nat0, prog;

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
	assert_int_equal(fx_set_config(&fx, &cfg), 0);
	run->r = r = resolve(r);
	if (r->prep)
		r->prep(&fx);
	assert_int_equal(fx_stats_zero(&fx), 0);

	run->len = build(r, run->in);
	assert_true(run->len > 0);
	nat0 = fx_nat_count(&fx);
	prog = r->prog == FROM_ACTOR ? fx.from_actor : r->prog == FROM_POD ? fx.from_pod : fx.resume;
	run->t0 = fx_now();
	assert_int_equal(fx_run(&fx, prog, run->ifindex, run->in, run->len,
				r->prog == RESUME ? r->cb : NULL, 1, &run->res), 0);
	run->t1 = fx_now();

	assert_int_equal((int32_t)run->res.retval, r->verdict);
	assert_int_equal(run->res.out_len, run->len); /* never resized */
	if (r->same)
		diff_fail(run->in, run->res.out, run->len);
	else if (r->want)
		check_want(r, run);
	else if (r->verdict != FX_SHOT && !r->x.custom)
		check_xlate(r, run);
	check_counters(&fx, r, run->len);
	assert_int_equal(fx_nat_count(&fx) - nat0, r->nat_delta);
	if (r->pair)
		check_pair(&fx, r, run);
	if (r->touch)
		check_touch(&fx, run);
	if (r->check)
		r->check(&fx, run);
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
	static char out[8192];

	if (!r->known_prod_range_bug || !on_production_range()) {
		check_row(state);
		return;
	}
	if (passes_in_child(r, out, sizeof(out)))
		fail_msg("XPASS: %s passes on the production SNAT range now: drop its "
			 "known_prod_range_bug (\"%s\")", r->name, r->known_prod_range_bug);
	xfails++;
	print_message("[  XFAIL   ] %s: %s\n", r->name, r->known_prod_range_bug);
	print_failure(out);
}
