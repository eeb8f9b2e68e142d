// SPDX-License-Identifier: Apache-2.0
/*
 * The datapath programs (from_actor, from_pod, actor_resume) under
 * BPF_PROG_TEST_RUN. Table-driven: each row sets map state, runs one
 * realistic packet and checks the verdict, the bytes that must change (and
 * that nothing else did), the IPv4 and L4 checksums (test_run packets are
 * CHECKSUM_NONE, so they must verify in full), every counter of every block,
 * and the NAT entries created or touched. Multi-packet flows follow the
 * table. Needs root; runs in a private netns (fixture.h).
 *
 *   build/tests/test_datapath [NAME-GLOB]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "fixture.h"

static struct fx fx;

/* ---- flows used by the rows ------------------------------------------- */
#define APORT 40000      /* actor's ephemeral ports */
#define APORT_UDP 40001
#define ICMP_ID 0x1234   /* actor's ping id */
#define PPORT 61234      /* pre-made SNAT ports */
#define PPORT_UDP 61235
#define PPORT_ICMP 61236
#define PPORT_A2 61237
#define CPORT 50000      /* client ports of inbound flows */
#define WORKER_PORT 45000 /* a worker socket, inside ip_local_port_range */
#define OTHER_IP FX_IP(192, 0, 2, 99)

#define FROM_ACTOR_IP FX_ACTOR_WIRE, .saddr = FX_ACTOR_IP
#define TO_POD_IP FX_POD_WIRE, .daddr = FX_POD_IP
#define BCAST { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }

enum prog { FROM_ACTOR, FROM_POD, RESUME };
enum dev { DEV_A1, DEV_A2, DEV_POD };
enum kind { K_IP, K_ARP, K_IPV6 };
enum pair { PAIR_NONE, PAIR_SNAT, PAIR_DNAT };
enum ucsum { CS_VALID, CS_ZERO, CS_FFFF };

#define SNAT_PORT 1 /* xlate port: any port of the SNAT range */

/* The expected rewrite; 0 = field unchanged. sport/dport are the ICMP id
 * for echo requests/replies. */
struct xlate {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	bool ttl_dec;
	bool macs;       /* gateway -> actor MACs (delivery to an actor) */
	enum ucsum udp;
	bool custom;     /* compared by the row's check() instead */
};

struct cnt {
	uint8_t block, stat, pkts;
};
#define C(b, s) { b, ATEOM_STAT_##s, 1 }

struct row;
struct run {
	const struct row *r;
	uint8_t in[PB_FRAME_MAX];
	size_t len;
	struct fx_result res;
	uint64_t t0, t1;
	int ifindex;
};

struct row {
	const char *name;
	enum prog prog;
	enum dev dev;
	/* config tweaks on top of fx_std_setup() */
	bool unconfigured;
	uint16_t snat_min, snat_max;
	uint32_t cfg_flags;
	uint32_t est_timeout_s; /* TCP established idle timeout */
	void (*prep)(struct fx *f);
	uint32_t cb[5]; /* RESUME rows: skb->cb as a hook left it */
	enum kind kind;
	struct pb_spec in;
	struct pb_arp_spec arp;
	int verdict;
	bool same;      /* data_out == data_in (a dropped packet's bytes are
			 * not checked: nobody sees them) */
	struct xlate x;
	const struct pb_spec *want; /* instead of x: the whole expected packet */
	struct cnt c[6]; /* every other counter must stay 0 */
	int nat_delta;
	enum pair pair;
	int actor;      /* PAIR_*: the actor (1, 2) the pair belongs to */
	bool touch;     /* the entry the packet used got last_seen refreshed */
	void (*check)(struct fx *f, const struct run *run);
};

static void check_want(const struct row *r, const struct run *run);

/* ---- helpers ------------------------------------------------------------ */
static int dev_ifindex(enum dev d)
{
	return d == DEV_A1 ? fx.if_a1 : d == DEV_A2 ? fx.if_a2 : fx.if_pod;
}

static int actor_ifindex(int id)
{
	return id == 2 ? fx.if_a2 : fx.if_a1;
}

static uint64_t ago(unsigned secs)
{
	uint64_t now = fx_now();

	assert_true(now > (secs + 1) * FX_SEC); /* the clock counts from boot */
	return now - secs * FX_SEC;
}

static void set_tcp_seen(struct fx *f, const struct ateom_nat_key *k, uint8_t seen)
{
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, k, &e), 0);
	e.tcp_seen = seen;
	assert_int_equal(fx_nat_put(f, k, &e), 0);
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

/* Fails listing every differing byte (offsets from the frame start). */
static void diff_fail(const uint8_t *want, const uint8_t *got, size_t len)
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
		uint16_t p = get16(out + (r->x.sport ? o.sport : o.dport));
		uint16_t lo = r->snat_min ?: FX_SNAT_MIN, hi = r->snat_max ?: FX_SNAT_MAX;

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

static struct run cur;

static void run_row(void **state)
{
	const struct row *r = *state;
	struct run *run = &cur;
	struct ateom_config cfg;
	int nat0, prog;

	memset(run, 0, sizeof(*run));
	run->r = r;
	run->ifindex = dev_ifindex(r->dev);
	assert_int_equal(fx_std_setup(&fx), 0);
	fx_std_config(&fx, &cfg);
	if (r->unconfigured)
		memset(&cfg, 0, sizeof(cfg));
	if (r->snat_min)
		cfg.snat_port_min = r->snat_min;
	if (r->snat_max)
		cfg.snat_port_max = r->snat_max;
	cfg.flags |= r->cfg_flags;
	if (r->est_timeout_s)
		cfg.tcp_est_timeout_ns = r->est_timeout_s * FX_SEC;
	assert_int_equal(fx_set_config(&fx, &cfg), 0);
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

/* ---- prep: state that exists before the packet ---------------------------- */
static void prep_snat_tcp(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443,
					  PPORT, ago(5)), 0);
}

static void prep_snat_udp(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_UDP, APORT_UDP, FX_REMOTE_IP,
					  53, PPORT_UDP, ago(5)), 0);
}

static void prep_snat_icmp(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_ICMP, ICMP_ID, FX_REMOTE_IP,
					  0, PPORT_ICMP, ago(5)), 0);
}

static void prep_snat_tcp_a2(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a2, 2, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443,
					  PPORT_A2, ago(5)), 0);
}

static void prep_dnat_tcp(struct fx *f)
{
	assert_int_equal(fx_dnat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, FX_CLIENT_IP, CPORT,
					  FX_SVC_HTTP, 80, ago(5)), 0);
}

static void prep_dnat_alt(struct fx *f)
{
	assert_int_equal(fx_dnat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, FX_CLIENT_IP, CPORT + 1,
					  FX_SVC_ALT, FX_SVC_ALT_TO, ago(5)), 0);
}

static void prep_dnat_udp(struct fx *f)
{
	assert_int_equal(fx_dnat_pair_put(f, f->if_a1, 1, IPPROTO_UDP, FX_CLIENT_IP, CPORT + 2,
					  FX_SVC_DNS, FX_SVC_DNS_TO, ago(5)), 0);
}

/* The only SNAT port (61000) to R:443 is held by another flow of actor 1. */
static void prep_port_held(struct fx *f, unsigned age, uint8_t seen)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, 61000, IPPROTO_TCP);
	struct ateom_nat_key out = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT + 99,
					      443, IPPROTO_TCP);

	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT + 99, FX_REMOTE_IP,
					  443, 61000, ago(age)), 0);
	if (seen) {
		set_tcp_seen(f, &in, seen);
		set_tcp_seen(f, &out, seen);
	}
}

static void prep_port_busy(struct fx *f) { prep_port_held(f, 5, 0); }
static void prep_port_stale(struct fx *f) { prep_port_held(f, 20, 0); }     /* row: 5 s */
static void prep_port_closed(struct fx *f) { prep_port_held(f, 20, ATEOM_TCP_SEEN_FIN); }
static void prep_port_closing(struct fx *f) { prep_port_held(f, 5, ATEOM_TCP_SEEN_FIN); }

/* Only the remote has closed (a FIN one way): the actor may still send. */
static void prep_port_half_closed(struct fx *f)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, 61000, IPPROTO_TCP);

	prep_port_held(f, 20, 0);
	set_tcp_seen(f, &in, ATEOM_TCP_SEEN_FIN);
}

/* A stale pair was reclaimed: its OUT half is gone, its port reused. */
static void check_reclaimed(struct fx *f, const struct run *run)
{
	struct ateom_nat_key out = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT + 99,
					      443, IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_not_equal(fx_nat_get(f, &out, &e), 0);
}

/* Actor 2 already talks to R:443 from the same address and port. */
static void prep_a2_same_tuple(struct fx *f)
{
	struct pb_spec p = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = IPPROTO_TCP,
			     .sport = APORT, .dport = 443, .tcp_flags = PB_SYN };
	struct fx_result res;
	uint8_t pkt[PB_FRAME_MAX];
	size_t n = pb_build(pkt, sizeof(pkt), &p);

	assert_int_equal(fx_run(f, f->from_actor, f->if_a2, pkt, n, NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
}

static void check_a2_kept(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k2 = fx_key_out(f->if_a2, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					     IPPROTO_TCP);
	struct ateom_nat_entry e2;
	struct pb_view vo;

	assert_int_equal(fx_nat_get(f, &k2, &e2), 0);
	assert_int_equal(e2.actor_ifindex, f->if_a2);
	assert_int_equal(pb_parse(run->res.out, run->res.out_len, &vo), 0);
	assert_int_not_equal(ntohs(e2.port_be), vo.sport); /* distinct SNAT ports */
}

static void check_fin_seen(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					    IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.tcp_seen, ATEOM_TCP_SEEN_FIN);
}

static void prep_snat_tcp_closed(struct fx *f)
{
	struct ateom_nat_key k = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					    IPPROTO_TCP);

	prep_snat_tcp(f);
	set_tcp_seen(f, &k, ATEOM_TCP_SEEN_FIN);
}

/* A new SYN on an old tuple starts a new connection: the FIN is forgotten. */
static void check_syn_cleared(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443,
					    IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.tcp_seen, 0);
}

static void check_in_rst_seen(struct fx *f, const struct run *run)
{
	struct ateom_nat_key k = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, PPORT, IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.tcp_seen, ATEOM_TCP_SEEN_RST);
}

/* UDP payload chosen so that the translated datagram's checksum computes to
 * 0, which must go out as 0xffff (0 means "no checksum"). */
static uint8_t ffff_payload[16];

static void prep_udp_ffff(struct fx *f)
{
	struct pb_spec t = { FX_ACTOR_WIRE, .saddr = FX_POD_IP, .daddr = FX_REMOTE_IP,
			     .proto = IPPROTO_UDP, .sport = 61000, .dport = 53,
			     .payload = sizeof(ffff_payload), .payload_data = ffff_payload };
	struct pb_spec o = t;
	uint8_t pkt[PB_FRAME_MAX];
	struct pb_view v;
	uint16_t c;

	(void)f;
	memset(ffff_payload, 0x5a, sizeof(ffff_payload));
	ffff_payload[0] = ffff_payload[1] = 0;
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &t), &v), 0);
	c = pb_l4_csum_calc(&v); /* adding it to the sum makes the sum 0xffff */
	ffff_payload[0] = c >> 8;
	ffff_payload[1] = c & 0xff;
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &t), &v), 0);
	assert_int_equal(v.l4_csum, 0xffff);
	/* ...while the packet the actor sends has an ordinary checksum. */
	o.saddr = FX_ACTOR_IP;
	o.sport = APORT_UDP;
	assert_int_equal(pb_parse(pkt, pb_build(pkt, sizeof(pkt), &o), &v), 0);
	assert_int_not_equal(v.l4_csum, 0xffff);
}

/* ---- egress hooks -------------------------------------------------------- */
static void hook_in(struct fx *f, uint32_t slot, int fd)
{
	assert_true(fd >= 0);
	assert_int_equal(fx_hook_set(f, slot, fd), 0);
	close(fd); /* the prog array holds it */
}

static void prep_hook_shot(struct fx *f) { hook_in(f, 1, fx_hook_shot()); }
static void prep_hook_shot_a2(struct fx *f) { hook_in(f, 2, fx_hook_shot()); }
static void prep_hook_allow(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_ALLOW));
}
static void prep_hook_drop(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_DROP));
}
static void prep_hook_capture(struct fx *f)
{
	hook_in(f, 1, fx_hook_verdict(f, 1, f->if_a1, ATEOM_HOOK_CAPTURE));
}
static void prep_hook_allow_dnat(struct fx *f)
{
	prep_hook_allow(f);
	prep_dnat_tcp(f);
}

/* ---- ARP and ICMP errors (compared whole) ---------------------------------- */
static void check_arp_reply(struct fx *f, const struct run *run)
{
	const struct pb_arp_spec want_spec = {
		.smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .op = 2,
		.sha = FX_GW_MAC, .spa = FX_WORKER_IP, .tha = FX_ACTOR_MAC, .tpa = FX_ACTOR_IP,
	};
	uint8_t want[PB_FRAME_MAX];
	size_t n = pb_build_arp(want, sizeof(want), &want_spec);

	(void)f;
	assert_int_equal(run->res.out_len, n);
	diff_fail(want, run->res.out, n);
}

/* Quoted datagrams of ICMP errors about actor flows, as seen on the pod
 * side (_pod) and on the actor side (_actor). */
#define QUOTE_UDP(src, sp, dst, dp) { .saddr = src, .daddr = dst, .proto = IPPROTO_UDP, \
				      .sport = sp, .dport = dp, .ttl = 63, .payload = 32 }
/* the actor's datagram to R:53, and R's late reply to it */
static const struct pb_spec q_snat_pod = QUOTE_UDP(FX_POD_IP, PPORT_UDP, FX_REMOTE_IP, 53);
static const struct pb_spec q_snat_actor = QUOTE_UDP(FX_ACTOR_IP, APORT_UDP, FX_REMOTE_IP, 53);
static const struct pb_spec q_late_pod = QUOTE_UDP(FX_REMOTE_IP, 53, FX_POD_IP, PPORT_UDP);
static const struct pb_spec q_late_actor = QUOTE_UDP(FX_REMOTE_IP, 53, FX_ACTOR_IP, APORT_UDP);
/* a client's datagram to the exposed 53/udp, and the actor's answer */
static const struct pb_spec q_dnat_pod = QUOTE_UDP(FX_CLIENT_IP, CPORT + 2, FX_POD_IP,
						   FX_SVC_DNS);
static const struct pb_spec q_dnat_actor = QUOTE_UDP(FX_CLIENT_IP, CPORT + 2, FX_ACTOR_IP,
						     FX_SVC_DNS_TO);
static const struct pb_spec q_answer_pod = QUOTE_UDP(FX_POD_IP, FX_SVC_DNS, FX_CLIENT_IP,
						     CPORT + 2);
static const struct pb_spec q_answer_actor = QUOTE_UDP(FX_ACTOR_IP, FX_SVC_DNS_TO,
						       FX_CLIENT_IP, CPORT + 2);
/* the worker's own datagram */
static const struct pb_spec q_worker = QUOTE_UDP(FX_POD_IP, WORKER_PORT, FX_REMOTE_IP, 53);
/* Typical of routers: the IP header and the first 8 bytes of TCP. */
#define QUOTE_TCP(src, sp) { .saddr = src, .daddr = FX_REMOTE_IP, .proto = IPPROTO_TCP, \
			     .sport = sp, .dport = 443, .ttl = 60, .tcp_flags = PB_ACK, \
			     .payload = 1400, .inner_quote = 28 }
static const struct pb_spec q_tcp_pod = QUOTE_TCP(FX_POD_IP, PPORT);
static const struct pb_spec q_tcp_actor = QUOTE_TCP(FX_ACTOR_IP, APORT);
/* a ping that ran out of TTL */
#define QUOTE_ECHO(src, id) { .saddr = src, .daddr = FX_REMOTE_IP, .proto = IPPROTO_ICMP, \
			      .icmp_type = PB_ICMP_ECHO, .icmp_id = id, .icmp_seq = 1, \
			      .ttl = 1, .payload = 56 }
static const struct pb_spec q_echo_pod = QUOTE_ECHO(FX_POD_IP, PPORT_ICMP);
static const struct pb_spec q_echo_actor = QUOTE_ECHO(FX_ACTOR_IP, ICMP_ID);

#define FRAG_NEEDED(q) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_UNREACH, \
		       .icmp_code = PB_ICMP_FRAG_NEEDED, .icmp_mtu = 1400, .inner = q
#define TIME_EXCEEDED(q) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_TIME_EXCEEDED, .inner = q
#define PORT_UNREACH(q) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_UNREACH, .icmp_code = 3, \
			.inner = q

/* Expected ICMP errors after translation (DESIGN §2.4, bpf/icmp_err.h):
 * delivered to the actor (gateway MACs, TTL 63), or sent out by it. */
#define TO_ACTOR_ERR(src, err) { .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = src, \
				 .daddr = FX_ACTOR_IP, .ttl = 63, err }
#define FROM_ACTOR_ERR(dst, err) { FX_ACTOR_WIRE, .saddr = FX_POD_IP, .daddr = dst, \
				   .ttl = 63, err }
static const struct pb_spec want_frag_udp = TO_ACTOR_ERR(FX_ROUTER_IP,
							 FRAG_NEEDED(&q_snat_actor));
static const struct pb_spec want_frag_tcp = TO_ACTOR_ERR(FX_ROUTER_IP,
							 FRAG_NEEDED(&q_tcp_actor));
static const struct pb_spec want_ttl_echo = TO_ACTOR_ERR(FX_ROUTER_IP,
							 TIME_EXCEEDED(&q_echo_actor));
static const struct pb_spec want_unreach_answer = TO_ACTOR_ERR(FX_CLIENT_IP,
							       PORT_UNREACH(&q_answer_actor));
static const struct pb_spec want_unreach_late = FROM_ACTOR_ERR(FX_REMOTE_IP,
							       PORT_UNREACH(&q_late_pod));
static const struct pb_spec want_unreach_dnat = FROM_ACTOR_ERR(FX_CLIENT_IP,
							       PORT_UNREACH(&q_dnat_pod));

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

/* ---- the table ----------------------------------------------------------------- */
#define TCP_SYN .proto = IPPROTO_TCP, .tcp_flags = PB_SYN
#define TCP_SYNACK .proto = IPPROTO_TCP, .tcp_flags = PB_SYN | PB_ACK
#define TCP_DATA .proto = IPPROTO_TCP, .tcp_flags = PB_ACK | PB_PSH, .payload = 100
#define UDP_DATA .proto = IPPROTO_UDP, .payload = 40
#define ECHO(id) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_ECHO, .icmp_id = id, \
		 .icmp_seq = 1, .payload = 56
#define ECHO_REPLY(id) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_ECHOREPLY, \
		       .icmp_id = id, .icmp_seq = 1, .payload = 56

#define SNAT_X { .saddr = FX_POD_IP, .sport = SNAT_PORT, .ttl_dec = true }
#define TO_ACTOR_X(port) { .daddr = FX_ACTOR_IP, .dport = port, .ttl_dec = true, .macs = true }
#define SNAT_NEW_C(b) { C(b, ACTOR_RX), C(b, SNAT), C(b, SNAT_NEW) }
#define POD_PASS .verdict = FX_UNSPEC, .same = true, .c = { C(0, POD_PASS) }
#define ACTOR_DROP(why) .verdict = FX_SHOT, .c = { C(1, ACTOR_RX), C(1, why) }
#define TO_WORKER .verdict = FX_OK, .same = true, .c = { C(1, ACTOR_RX), C(1, TO_WORKER) }
/* cb[IFINDEX] is informational: resume trusts skb->ifindex, not the cb. */
#define RESUME_CB(v) .cb = { ATEOM_HOOK_CB_MAGIC, 1, 0, v }

static const struct row rows[] = {
	/* -- SNAT: actor egress leaves as the pod IP from the SNAT range -- */
	{ "snat_tcp_syn_new", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_udp_new", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_icmp_echo_new", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID) },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_actor2_new", FROM_ACTOR, DEV_A2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(2),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 2 },
	{ "snat_tcp_established", FROM_ACTOR, DEV_A1, .prep = prep_snat_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .touch = true },
	{ "snat_udp_established", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT_UDP, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .touch = true },
	{ "snat_icmp_echo_established", FROM_ACTOR, DEV_A1, .prep = prep_snat_icmp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID) },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT_ICMP, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .touch = true },
	{ "snat_tcp_fin_marks_closing", FROM_ACTOR, DEV_A1, .prep = prep_snat_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_FIN | PB_ACK },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .check = check_fin_seen },
	{ "snat_tcp_syn_reuses_closed_tuple", FROM_ACTOR, DEV_A1, .prep = prep_snat_tcp_closed,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .check = check_syn_cleared },
	{ "snat_tcp_ip_options", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ip_opt_words = 2 },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_udp_zero_csum_stays_zero", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA,
		  .udp_nocsum = true },
	  .verdict = FX_REDIRECT,
	  .x = { .saddr = FX_POD_IP, .sport = SNAT_PORT, .ttl_dec = true, .udp = CS_ZERO },
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_udp_csum_0_becomes_ffff", FROM_ACTOR, DEV_A1, .snat_min = 61000, .snat_max = 61000,
	  .prep = prep_udp_ffff,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53,
		  .proto = IPPROTO_UDP, .payload = sizeof(ffff_payload),
		  .payload_data = ffff_payload },
	  .verdict = FX_REDIRECT,
	  .x = { .saddr = FX_POD_IP, .sport = 61000, .ttl_dec = true, .udp = CS_FFFF },
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_big_tcp_segment", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_ACK, .payload = 1448 },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },

	/* -- reverse SNAT: replies go back to the actor that sent -- */
	{ "snat_reply_tcp", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT, TCP_SYNACK },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) }, .touch = true },
	{ "snat_reply_tcp_redirect_peer", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .cfg_flags = ATEOM_CFG_REDIRECT_PEER,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) }, .touch = true },
	{ "snat_reply_udp", FROM_POD, DEV_POD, .prep = prep_snat_udp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 53, .dport = PPORT_UDP, UDP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT_UDP), .c = { C(1, SNAT_REPLY) },
	  .touch = true },
	{ "snat_reply_udp_zero_csum", FROM_POD, DEV_POD, .prep = prep_snat_udp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 53, .dport = PPORT_UDP, UDP_DATA,
		  .udp_nocsum = true },
	  .verdict = FX_REDIRECT,
	  .x = { .daddr = FX_ACTOR_IP, .dport = APORT_UDP, .ttl_dec = true, .macs = true,
		 .udp = CS_ZERO },
	  .c = { C(1, SNAT_REPLY) } },
	{ "snat_reply_icmp_echo", FROM_POD, DEV_POD, .prep = prep_snat_icmp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, ECHO_REPLY(PPORT_ICMP) },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(ICMP_ID), .c = { C(1, SNAT_REPLY) },
	  .touch = true },
	{ "snat_reply_actor2", FROM_POD, DEV_POD, .prep = prep_snat_tcp_a2,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT_A2, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(2, SNAT_REPLY) }, .touch = true },
	{ "snat_reply_rst_marks_closing", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_RST | PB_ACK },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) },
	  .check = check_in_rst_seen },
	{ "snat_reply_ttl1_dropped", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT, TCP_DATA,
		  .ttl = 1 },
	  .verdict = FX_SHOT, .c = { C(1, DROP_TTL) } },

	/* -- DNAT: inbound to exposed ports, client address kept -- */
	{ "dnat_tcp_syn_new", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(0), .c = { C(1, DNAT), C(1, DNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_tcp_expose_other_port", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 1, .dport = FX_SVC_ALT,
		  TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_ALT_TO),
	  .c = { C(1, DNAT), C(1, DNAT_NEW) }, .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_udp_new", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_DNS_TO),
	  .c = { C(1, DNAT), C(1, DNAT_NEW) }, .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_udp_zero_csum", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA, .udp_nocsum = true },
	  .verdict = FX_REDIRECT,
	  .x = { .daddr = FX_ACTOR_IP, .dport = FX_SVC_DNS_TO, .ttl_dec = true, .macs = true,
		 .udp = CS_ZERO },
	  .c = { C(1, DNAT), C(1, DNAT_NEW) }, .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_udp_ip_options", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA, .ip_opt_words = 1 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_DNS_TO),
	  .c = { C(1, DNAT), C(1, DNAT_NEW) }, .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_actor2_port", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_A2, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(80), .c = { C(2, DNAT), C(2, DNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_DNAT, .actor = 2 },
	{ "dnat_tcp_established", FROM_POD, DEV_POD, .prep = prep_dnat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(0), .c = { C(1, DNAT) }, .touch = true },
	/* An exposed port inside the SNAT range: the NAT table is asked first. */
	{ "dnat_new_port_inside_snat_range", FROM_POD, DEV_POD, .snat_min = 1, .snat_max = 32767,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(0), .c = { C(1, DNAT), C(1, DNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_DNAT, .actor = 1 },
	{ "dnat_established_port_inside_snat_range", FROM_POD, DEV_POD, .snat_min = 1,
	  .snat_max = 32767, .prep = prep_dnat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(0), .c = { C(1, DNAT) }, .touch = true },
	{ "dnat_udp_established", FROM_POD, DEV_POD, .prep = prep_dnat_udp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT + 2, .dport = FX_SVC_DNS,
		  UDP_DATA },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_DNS_TO), .c = { C(1, DNAT) },
	  .touch = true },
	{ "dnat_ttl1_dropped", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN,
		  .ttl = 1 },
	  .verdict = FX_SHOT, .c = { C(1, DROP_TTL) } },

	/* -- the actor's replies on inbound flows leave as pod IP:service port -- */
	{ "dnat_reply_tcp", FROM_ACTOR, DEV_A1, .prep = prep_dnat_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80, .dport = CPORT, TCP_SYNACK },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, DNAT_REPLY) }, .touch = true },
	{ "dnat_reply_expose_other_port", FROM_ACTOR, DEV_A1, .prep = prep_dnat_alt,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = FX_SVC_ALT_TO, .dport = CPORT + 1,
		  TCP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FX_SVC_ALT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, DNAT_REPLY) }, .touch = true },
	{ "dnat_reply_udp", FROM_ACTOR, DEV_A1, .prep = prep_dnat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = FX_SVC_DNS_TO, .dport = CPORT + 2,
		  UDP_DATA },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FX_SVC_DNS, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, DNAT_REPLY) }, .touch = true },

	/* -- from_pod leaves the worker's own traffic alone -- */
	{ "pod_unexposed_port", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = 8081, TCP_SYN },
	  POD_PASS },
	{ "pod_tcp_to_udp_only_service", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_DNS, TCP_SYN },
	  POD_PASS },
	{ "pod_worker_own_connection", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = WORKER_PORT, TCP_DATA },
	  POD_PASS },
	{ "pod_snat_range_without_entry", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = 61500, TCP_DATA },
	  POD_PASS },
	{ "pod_reply_from_other_remote", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = 443, .dport = PPORT, TCP_DATA },
	  POD_PASS },
	{ "pod_not_to_pod_ip", FROM_POD, DEV_POD,
	  .in = { FX_POD_WIRE, .saddr = FX_CLIENT_IP, .daddr = OTHER_IP, .sport = CPORT,
		  .dport = FX_SVC_HTTP, TCP_SYN },
	  POD_PASS },
	{ "pod_icmp_echo_request", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, ECHO(7) }, POD_PASS },
	{ "pod_icmp_echo_reply_worker", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, ECHO_REPLY(7) }, POD_PASS },
	{ "pod_icmp_error_worker_flow", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_worker) }, POD_PASS },
	{ "pod_ipv6", FROM_POD, DEV_POD, .kind = K_IPV6, POD_PASS },
	{ "pod_arp", FROM_POD, DEV_POD, .kind = K_ARP,
	  .arp = { .smac = FX_NODE_MAC, .dmac = BCAST, .op = 1, .sha = FX_NODE_MAC,
		   .spa = FX_IP(192, 0, 2, 1), .tpa = FX_POD_IP },
	  POD_PASS },
	{ "pod_gre", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .proto = 47, .payload = 24 }, POD_PASS },
	{ "pod_ip_ihl_too_small", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN,
		  .ihl = 4 },
	  POD_PASS },
	{ "pod_ip_options_cut", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN,
		  .ihl = 15 },
	  POD_PASS },
	{ "pod_trunc_tcp_header", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN,
		  .truncate = PB_ETH_HLEN + 30, .truncate_fix_len = true },
	  POD_PASS },
	{ "pod_frag_first", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_DNS, UDP_DATA,
		  .frag = PB_MF },
	  POD_PASS },
	{ "pod_frag_later", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .proto = IPPROTO_UDP, .payload = 40,
		  .frag = 185 },
	  POD_PASS },
	{ "pod_unconfigured", FROM_POD, DEV_POD, .unconfigured = true,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN },
	  .verdict = FX_UNSPEC, .same = true },

	/* -- from_actor: to the worker, ARP, and what it refuses -- */
	{ "actor_to_worker_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 9000, TCP_SYN },
	  TO_WORKER },
	{ "actor_to_pod_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = APORT, .dport = 8080, TCP_SYN },
	  TO_WORKER },
	{ "actor_to_link_broadcast", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_IP(10, 200, 0, 3), .sport = 68, .dport = 67,
		  UDP_DATA },
	  TO_WORKER },
	{ "actor_to_multicast", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_IP(224, 0, 0, 251), .sport = 5353, .dport = 5353,
		  UDP_DATA },
	  TO_WORKER },
	{ "actor_arp_request_gateway", FROM_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_ACTOR_MAC, .dmac = BCAST, .op = 1, .sha = FX_ACTOR_MAC,
		   .spa = FX_ACTOR_IP, .tpa = FX_WORKER_IP },
	  .verdict = FX_REDIRECT, .x = { .custom = true }, .check = check_arp_reply,
	  .c = { C(1, ACTOR_RX), C(1, ARP_REPLY) } },
	{ "actor_arp_request_other", FROM_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_ACTOR_MAC, .dmac = BCAST, .op = 1, .sha = FX_ACTOR_MAC,
		   .spa = FX_ACTOR_IP, .tpa = FX_IP(10, 200, 0, 3) },
	  .verdict = FX_OK, .same = true, .c = { C(1, ACTOR_RX), C(1, ARP_PASS) } },
	{ "actor_arp_gratuitous", FROM_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_ACTOR_MAC, .dmac = BCAST, .op = 1, .sha = FX_ACTOR_MAC,
		   .spa = FX_ACTOR_IP, .tpa = FX_ACTOR_IP },
	  .verdict = FX_OK, .same = true, .c = { C(1, ACTOR_RX), C(1, ARP_PASS) } },
	{ "actor_arp_reply", FROM_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_ACTOR_MAC, .dmac = FX_GW_MAC, .op = 2, .sha = FX_ACTOR_MAC,
		   .spa = FX_ACTOR_IP, .tha = FX_GW_MAC, .tpa = FX_WORKER_IP },
	  .verdict = FX_OK, .same = true, .c = { C(1, ACTOR_RX), C(1, ARP_PASS) } },
	{ "actor_spoofed_source", FROM_ACTOR, DEV_A1,
	  .in = { FX_ACTOR_WIRE, .saddr = FX_IP(10, 200, 0, 9), .daddr = FX_REMOTE_IP,
		  .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_SPOOF) },
	{ "actor_spoofed_pod_ip", FROM_ACTOR, DEV_A1,
	  .in = { FX_ACTOR_WIRE, .saddr = FX_POD_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
		  .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_SPOOF) },
	{ "actor_ipv6", FROM_ACTOR, DEV_A1, .kind = K_IPV6, ACTOR_DROP(DROP_NOT_IPV4) },
	/* test_run itself refuses IPv4 frames shorter than 14 + 20 bytes, so
	 * a cut IPv4 header is a header whose length runs past the packet. */
	{ "actor_ip_ihl_too_small", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ihl = 4 },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_ip_options_cut", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ihl = 15 },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_trunc_tcp_header", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .truncate = PB_ETH_HLEN + 30, .truncate_fix_len = true },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_trunc_frame_shorter_than_ip_len", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA,
		  .truncate = PB_ETH_HLEN + 60 },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_trunc_udp_header", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA,
		  .truncate = PB_ETH_HLEN + 24, .truncate_fix_len = true },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "actor_frag_first", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA,
		  .frag = PB_MF },
	  ACTOR_DROP(DROP_FRAG) },
	{ "actor_frag_later", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = IPPROTO_UDP, .payload = 40,
		  .frag = 185 },
	  ACTOR_DROP(DROP_FRAG) },
	{ "actor_gre", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = 47, .payload = 24 },
	  ACTOR_DROP(DROP_PROTO) },
	{ "actor_icmp_error_unknown_flow", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_dnat_actor) },
	  ACTOR_DROP(DROP_PROTO) },
	{ "actor_ttl1", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .ttl = 1 },
	  ACTOR_DROP(DROP_TTL) },
	{ "actor_no_actor_entry", FROM_ACTOR, DEV_POD,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_NO_ACTOR) } },
	{ "actor_unconfigured", FROM_ACTOR, DEV_A1, .unconfigured = true,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_NO_CONFIG) } },

	/* -- SNAT port range: exhaustion, reclaim, per-remote reuse, two actors -- */
	{ "snat_range_exhausted", FROM_ACTOR, DEV_A1, .snat_min = 61000, .snat_max = 61000,
	  .prep = prep_port_busy,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_fin_not_yet_stale", FROM_ACTOR, DEV_A1, .snat_min = 61000, .snat_max = 61000,
	  .prep = prep_port_closing,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_half_closed_kept", FROM_ACTOR, DEV_A1, .snat_min = 61000, .snat_max = 61000,
	  .prep = prep_port_half_closed,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_NO_PORT) },
	{ "snat_range_stale_reclaimed", FROM_ACTOR, DEV_A1, .snat_min = 61000, .snat_max = 61000,
	  .est_timeout_s = 5, .prep = prep_port_stale,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = 61000, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed },
	{ "snat_range_closed_reclaimed", FROM_ACTOR, DEV_A1, .snat_min = 61000, .snat_max = 61000,
	  .prep = prep_port_closed,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = 61000, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 0, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_reclaimed },
	{ "snat_range_port_reused_for_other_remote", FROM_ACTOR, DEV_A1, .snat_min = 61000,
	  .snat_max = 61000, .prep = prep_port_busy,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 8443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = 61000, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "snat_two_actors_same_tuple", FROM_ACTOR, DEV_A1, .snat_min = 61000, .snat_max = 61001,
	  .prep = prep_a2_same_tuple,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1, .check = check_a2_kept },

	/* -- egress hook (ateomnet_hook.h) -- */
	{ "hook_empty_slot_allows", FROM_ACTOR, DEV_A1, .prep = prep_hook_shot_a2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X, .c = SNAT_NEW_C(1),
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "hook_returns_shot", FROM_ACTOR, DEV_A1, .prep = prep_hook_shot,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, ACTOR_RX) } },
	{ "hook_allow_resumes_nat", FROM_ACTOR, DEV_A1, .prep = prep_hook_allow,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X,
	  .c = { C(1, ACTOR_RX), C(1, HOOK_ALLOW), C(1, SNAT), C(1, SNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "hook_allow_dnat_reply", FROM_ACTOR, DEV_A1, .prep = prep_hook_allow_dnat,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80, .dport = CPORT, TCP_SYNACK },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, HOOK_ALLOW), C(1, DNAT_REPLY) } },
	{ "hook_drop_via_resume", FROM_ACTOR, DEV_A1, .prep = prep_hook_drop,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_POLICY) },
	{ "hook_capture_fails_closed", FROM_ACTOR, DEV_A1, .prep = prep_hook_capture,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  ACTOR_DROP(DROP_POLICY) },
	{ "hook_not_run_for_worker_traffic", FROM_ACTOR, DEV_A1, .prep = prep_hook_shot,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 9000, TCP_SYN },
	  TO_WORKER },

	/* -- actor_resume run directly, skb->cb as a hook left it -- */
	{ "resume_allow", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_REDIRECT, .x = SNAT_X,
	  .c = { C(1, HOOK_ALLOW), C(1, SNAT), C(1, SNAT_NEW) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "resume_drop", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_DROP),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "resume_no_verdict", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_NONE),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "resume_unknown_verdict", RESUME, DEV_A1, RESUME_CB(77),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "resume_allow_without_magic", RESUME, DEV_A1, .cb = { 0, 1, 0, ATEOM_HOOK_ALLOW },
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, DROP_POLICY) } },
	{ "resume_hook_changed_source", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FX_ACTOR_WIRE, .saddr = FX_IP(10, 200, 0, 9), .daddr = FX_REMOTE_IP,
		  .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },
	{ "resume_hook_made_it_worker_bound", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },
	{ "resume_no_actor_entry", RESUME, DEV_POD, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_NO_ACTOR) } },
	{ "resume_unconfigured", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW), .unconfigured = true,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN },
	  .verdict = FX_SHOT, .c = { C(0, DROP_NO_CONFIG) } },

	/* -- ICMP errors about actor flows are translated inside too (§2.4) -- */
	{ "icmp_frag_needed_udp_to_actor", FROM_POD, DEV_POD, .prep = prep_snat_udp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_snat_pod) },
	  .verdict = FX_REDIRECT, .want = &want_frag_udp, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_frag_needed_tcp_short_quote", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_tcp_pod) },
	  .verdict = FX_REDIRECT, .want = &want_frag_tcp, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_time_exceeded_echo_to_actor", FROM_POD, DEV_POD, .prep = prep_snat_icmp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, TIME_EXCEEDED(&q_echo_pod) },
	  .verdict = FX_REDIRECT, .want = &want_ttl_echo, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_unreach_for_actor_dnat_reply", FROM_POD, DEV_POD, .prep = prep_dnat_udp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, PORT_UNREACH(&q_answer_pod) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_answer, .c = { C(1, ICMP_ERROR) } },
	{ "icmp_error_from_actor_for_snat_flow", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, PORT_UNREACH(&q_late_actor) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_late,
	  .c = { C(1, ACTOR_RX), C(1, ICMP_ERROR) } },
	{ "icmp_error_from_actor_for_inbound_flow", FROM_ACTOR, DEV_A1, .prep = prep_dnat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, PORT_UNREACH(&q_dnat_actor) },
	  .verdict = FX_REDIRECT, .want = &want_unreach_dnat,
	  .c = { C(1, ACTOR_RX), C(1, ICMP_ERROR) } },
};

/* ---- multi-packet flows ---------------------------------------------------------- */

/* Runs one packet and checks the verdict; for redirects also that the
 * checksums verify. The view points into *res. */
static struct pb_view xmit(int prog, int ifindex, const struct pb_spec *s, int verdict,
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

static int flow_setup(void **state)
{
	(void)state;
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
	struct fx_result res;
	struct pb_view v;
	uint16_t p;

	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	assert_int_equal(v.saddr, FX_POD_IP);
	p = icmp ? v.icmp_id : v.sport;
	assert_in_range(p, FX_SNAT_MIN, FX_SNAT_MAX);

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
}

static void flow_tcp_roundtrip(void **state) { (void)state; roundtrip(IPPROTO_TCP); }
static void flow_udp_roundtrip(void **state) { (void)state; roundtrip(IPPROTO_UDP); }
static void flow_icmp_roundtrip(void **state) { (void)state; roundtrip(IPPROTO_ICMP); }

/* Client -> pod:8080 -> actor:8000, actor replies as pod:8080, client again. */
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
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DNAT_NEW, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DNAT, NULL), 2);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DNAT_REPLY, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), 0);
	assert_int_equal(fx_nat_count(&fx), 2);
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
	bool used[FX_SNAT_MAX - FX_SNAT_MIN + 1] = { false };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	for (int i = 0; i < N; i++) {
		out.sport = APORT + i;
		v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
		assert_in_range(v.sport, FX_SNAT_MIN, FX_SNAT_MAX);
		assert_false(used[v.sport - FX_SNAT_MIN]);
		used[v.sport - FX_SNAT_MIN] = true;
	}
	assert_int_equal(fx_nat_count(&fx), 2 * N);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), N);
}

/* nat.h: "an LRU can evict one half of a pair — look up defensively and
 * recreate". The IN half of an SNAT pair is gone; the next egress packet
 * must restore it so that the remote's replies still reach the actor. */
static void flow_snat_evicted_in_half(void **state)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, PPORT, IPPROTO_TCP);
	struct pb_spec out = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
			       TCP_DATA };
	struct pb_spec back = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT,
				TCP_DATA };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	prep_snat_tcp(&fx);
	assert_int_equal(bpf_map_delete_elem(fx.nat, &in), 0);
	v = xmit(fx.from_actor, fx.if_a1, &out, FX_REDIRECT, &res);
	assert_int_equal(v.sport, PPORT);
	v = xmit(fx.from_pod, fx.if_pod, &back, FX_REDIRECT, &res);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(v.dport, APORT);
}

/* The same for DNAT: the OUT half is gone; the next inbound packet must
 * restore it, or the actor's reply would be SNATed from a random port. */
static void flow_dnat_evicted_out_half(void **state)
{
	struct ateom_nat_key out = fx_key_out(fx.if_a1, FX_ACTOR_IP, FX_CLIENT_IP, 80, CPORT,
					      IPPROTO_TCP);
	struct pb_spec in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT,
			      .dport = FX_SVC_HTTP, TCP_DATA };
	struct pb_spec reply = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = 80, .dport = CPORT,
				 TCP_DATA };
	struct fx_result res;
	struct pb_view v;

	(void)state;
	prep_dnat_tcp(&fx);
	assert_int_equal(bpf_map_delete_elem(fx.nat, &out), 0);
	v = xmit(fx.from_pod, fx.if_pod, &in, FX_REDIRECT, &res);
	assert_int_equal(v.dport, 80);
	v = xmit(fx.from_actor, fx.if_a1, &reply, FX_REDIRECT, &res);
	assert_int_equal(v.saddr, FX_POD_IP);
	assert_int_equal(v.sport, FX_SVC_HTTP);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), 0);
}

static const struct CMUnitTest flows[] = {
	cmocka_unit_test_setup(flow_tcp_roundtrip, flow_setup),
	cmocka_unit_test_setup(flow_udp_roundtrip, flow_setup),
	cmocka_unit_test_setup(flow_icmp_roundtrip, flow_setup),
	cmocka_unit_test_setup(flow_dnat_roundtrip, flow_setup),
	cmocka_unit_test_setup(flow_two_actors_replies, flow_setup),
	cmocka_unit_test_setup(flow_snat_ports_distinct, flow_setup),
	cmocka_unit_test_setup(flow_snat_evicted_in_half, flow_setup),
	cmocka_unit_test_setup(flow_dnat_evicted_out_half, flow_setup),
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))
#define N_FLOWS (sizeof(flows) / sizeof(flows[0]))

int main(int argc, char **argv)
{
	static struct CMUnitTest tests[N_ROWS + N_FLOWS];
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "test_datapath: needs root (netns, BPF)\n");
		return 1;
	}
	if (fx_open(&fx))
		return 1;
	for (size_t i = 0; i < N_ROWS; i++)
		tests[i] = (struct CMUnitTest){ .name = rows[i].name, .test_func = run_row,
						.initial_state = (void *)&rows[i] };
	for (size_t i = 0; i < N_FLOWS; i++)
		tests[N_ROWS + i] = flows[i];
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	rc = _cmocka_run_group_tests("datapath", tests, N_ROWS + N_FLOWS, NULL, NULL);
	fx_close(&fx);
	return rc;
}
