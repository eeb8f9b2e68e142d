// SPDX-License-Identifier: Apache-2.0
/* The egress policy for IPv6 packets (bpf/policy6.h), run directly: a
 * fresh policy object per test, its policy written by the loader's own
 * pol_apply from rules parsed as the command line gives them, and its
 * resume slot holding a probe that returns the verdict the policy handed
 * back (0x100 + verdict), so that these tests judge the policy alone,
 * apart from the datapath's IPv6 programs. Denials return TC_ACT_SHOT and
 * are counted in the fixture's stats (shared, as the loader shares them).
 * Then the same policy in actor 1's slot of the datapath: IPv6 packets
 * through from_actor -> from_actor6 -> policy -> actor_resume(6) -> SNAT66.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rows.h"
#include "datapath.skel.h"
#include "capture.h"
#include "policy.h"
#include "policy.skel.h"

#define PROBE(v) (0x100 + (v))
#define ALLOWED PROBE(ATEOM_HOOK_ALLOW)
#define HOOK_DROPPED PROBE(ATEOM_HOOK_DROP)
#define DENIED FX_SHOT
#define ACTOR6 "fd00:169:254::2"

static struct policy_bpf *obj;
static struct pol pol;

/* ---- the policy object, its resume probe and its policy ---------------- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
				  .off = off, .imm = imm };
}

/* return 0x100 + skb->cb[ATEOM_HOOK_CB_VERDICT] */
static int probe_load(void)
{
	const struct bpf_insn p[] = {
		insn(BPF_LDX | BPF_MEM | BPF_W, 0, 1,
		     (int16_t)(offsetof(struct __sk_buff, cb) + 4 * ATEOM_HOOK_CB_VERDICT), 0),
		insn(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 0x100),
		insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "probe", "GPL", p, 3, NULL);

	assert_true(fd >= 0);
	return fd;
}

static int setup(void **state)
{
	uint32_t zero = 0;
	int probe;

	if (flow_setup(state))
		return -1;
	obj = policy_bpf__open();
	assert_non_null(obj);
	assert_int_equal(bpf_map__reuse_fd(obj->maps.stats, fx.stats), 0);
	assert_int_equal(bpf_map__reuse_fd(obj->maps.capture_orig,
					   bpf_map__fd(fx.skel->maps.capture_orig)), 0);
	assert_int_equal(policy_bpf__load(obj), 0);
	probe = probe_load();
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(obj->maps.egress_hooks), &zero, &probe,
					     BPF_ANY), 0);
	close(probe);
	pol = (struct pol){
		.prog = -1, .orig_dst = -1,
		.gen = bpf_map__fd(obj->maps.pol_gen), .conf = bpf_map__fd(obj->maps.pol_conf),
		.rules = bpf_map__fd(obj->maps.pol_rules),
		.events = bpf_map__fd(obj->maps.pol_events),
		.seen = bpf_map__fd(obj->maps.pol_seen), .budget = bpf_map__fd(obj->maps.pol_budget),
		.rules6 = bpf_map__fd(obj->maps.pol_rules6),
	};
	return 0;
}

static int teardown(void **state)
{
	policy_bpf__destroy(obj);
	obj = NULL;
	return 0;
}

/* Actor 1's policy: mode, then flags and rules as on the command line
 * ("--allow", "RULE", "--resolver", "ADDR", ...; NULL-terminated). */
static void policy(uint8_t mode, ...)
{
	static struct pol_spec s;
	char err[256];
	const char *f, *v;
	va_list ap;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	s.mode = mode;
	va_start(ap, mode);
	while ((f = va_arg(ap, const char *))) {
		if (!strcmp(f, "--icmp-echo")) {
			s.icmp_echo = true;
			continue;
		}
		v = va_arg(ap, const char *);
		if (!strcmp(f, "--allow"))
			rc = pol_add_rule(&s, v, ATEOM_RULE_ALLOW, err, sizeof(err));
		else if (!strcmp(f, "--deny"))
			rc = pol_add_rule(&s, v, ATEOM_RULE_DENY, err, sizeof(err));
		else if (!strcmp(f, "--resolver"))
			rc = pol_add_resolver(&s, v, err, sizeof(err));
		else if (!strcmp(f, "--cluster-cidr"))
			rc = pol_add_cluster(&s, v, err, sizeof(err));
		else
			fail_msg("unknown flag %s", f);
		if (rc)
			fail_msg("%s", err);
	}
	va_end(ap);
	if (pol_finish(&s, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(pol_apply(&pol, 1, &s), 0);
}

/* ---- IPv6 packets from actor 1 ------------------------------------------ */

struct p6 {
	const char *dst;
	uint8_t proto;     /* IPPROTO_TCP, _UDP, _ICMPV6 */
	uint16_t dport;    /* ICMPv6: the echo id */
	uint8_t icmp_type; /* default: echo request */
	uint16_t ext;      /* EXT(n): extension header n first (0: none) */
	uint16_t frag_off; /* with ext 44: the fragment offset (8-byte units) */
};

#define EXT(n) ((uint16_t)((n) + 1))

static size_t build6(uint8_t *b, const struct p6 *s)
{
	const uint8_t amac[6] = FX_ACTOR_MAC, gmac[6] = FX_GW_MAC;
	uint8_t *ip = b + PB_ETH_HLEN, *l4 = ip + 40;
	uint8_t nh = s->proto;
	size_t l4len;
	uint32_t sum;

	memset(b, 0, PB_FRAME_MAX);
	memcpy(b, gmac, 6);
	memcpy(b + 6, amac, 6);
	b[12] = 0x86;
	b[13] = 0xdd;
	ip[0] = 0x60;
	ip[7] = 64;
	assert_int_equal(inet_pton(AF_INET6, ACTOR6, ip + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, s->dst, ip + 24), 1);
	if (s->ext) { /* 8 bytes: hop-by-hop/dst options (PadN) or fragment */
		l4[0] = nh;
		if (s->ext == EXT(44)) {
			l4[2] = (uint8_t)(s->frag_off >> 5);
			l4[3] = (uint8_t)(s->frag_off << 3) | 1; /* M: more follow */
			l4[7] = 42;
		} else {
			l4[2] = 1; /* PadN, 4 bytes of padding */
			l4[3] = 4;
		}
		nh = (uint8_t)(s->ext - 1);
		l4 += 8;
	}
	ip[6] = nh;
	switch (s->proto) {
	case IPPROTO_TCP:
		l4len = 20;
		l4[0] = APORT >> 8, l4[1] = APORT & 0xff;
		l4[2] = s->dport >> 8, l4[3] = s->dport & 0xff;
		l4[12] = 5 << 4;
		l4[13] = PB_SYN;
		break;
	case IPPROTO_UDP:
		l4len = 8 + 40;
		l4[0] = APORT_UDP >> 8, l4[1] = APORT_UDP & 0xff;
		l4[2] = s->dport >> 8, l4[3] = s->dport & 0xff;
		l4[4] = (uint8_t)(l4len >> 8), l4[5] = (uint8_t)l4len;
		break;
	default:
		l4len = 8 + 56;
		l4[0] = s->icmp_type ? s->icmp_type : 128;
		l4[4] = s->dport >> 8, l4[5] = s->dport & 0xff;
		l4[7] = 1;
		break;
	}
	size_t plen = (size_t)(l4 - ip - 40) + l4len;
	ip[4] = (uint8_t)(plen >> 8);
	ip[5] = (uint8_t)plen;
	/* The L4 checksum, over the pseudo-header (a real packet's). */
	sum = pb_sum(ip + 8, 32, 0) + (uint32_t)l4len + s->proto;
	size_t co = s->proto == IPPROTO_TCP ? 16 : s->proto == IPPROTO_UDP ? 6 : 2;
	uint16_t c = (uint16_t)~pb_fold(pb_sum(l4, l4len, sum));
	if (s->proto == IPPROTO_UDP && !c)
		c = 0xffff;
	l4[co] = c >> 8;
	l4[co + 1] = c & 0xff;
	return (size_t)(l4 - b) + l4len;
}

/* The policy's verdict for the packet: ALLOWED, HOOK_DROPPED or DENIED. */
static uint32_t judge(const struct p6 *s)
{
	const uint32_t cb[5] = { ATEOM_HOOK_CB_MAGIC, 1, (uint32_t)fx.if_a1, ATEOM_HOOK_NONE, 0 };
	uint8_t frame[PB_FRAME_MAX];
	struct fx_result res;
	size_t len = build6(frame, s);

	assert_int_equal(fx_run(&fx, bpf_program__fd(obj->progs.policy), fx.if_a1, frame, len, cb,
				1, &res), 0);
	return res.retval;
}

static uint64_t ctr(uint32_t stat) { return fx_counter(&fx, 1, stat, NULL); }

#define TCP6(d, port) (&(struct p6){ .dst = d, .proto = IPPROTO_TCP, .dport = port })
#define UDP6(d, port) (&(struct p6){ .dst = d, .proto = IPPROTO_UDP, .dport = port })
#define PING6(d) (&(struct p6){ .dst = d, .proto = IPPROTO_ICMPV6, .dport = ICMP_ID })

/* Denied, and counted as stat (one more than before). */
static void denied(const struct p6 *s, uint32_t stat)
{
	uint64_t before = ctr(stat);

	assert_int_equal(judge(s), DENIED);
	assert_int_equal(ctr(stat), before + 1);
}

/* ---- events --------------------------------------------------------------- */

#define MAX_EV 16
static struct ateom_pol_event evs[MAX_EV];
static int n_ev;

static int on_ev(void *ctx, void *data, size_t size)
{
	assert_int_equal(size, sizeof(struct ateom_pol_event));
	if (n_ev < MAX_EV)
		memcpy(&evs[n_ev++], data, sizeof(evs[0]));
	return 0;
}

static void events_read(void)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(obj->maps.pol_events), on_ev, NULL,
						  NULL);

	assert_non_null(rb);
	n_ev = 0;
	assert_true(ring_buffer__consume(rb) >= 0);
	ring_buffer__free(rb);
}

static void ev_is(const struct ateom_pol_event *e, const char *dst, uint16_t dport, uint8_t proto,
		  uint8_t reason, const char *rule)
{
	union ateom_in6 a;
	char txt[96] = "";

	assert_int_equal(e->family, 6);
	assert_int_equal(e->actor_id, 1);
	assert_int_equal(inet_pton(AF_INET6, dst, &a), 1);
	assert_memory_equal(&e->daddr6, &a, sizeof(a));
	assert_int_equal(e->daddr_be, 0);
	assert_int_equal(ntohs(e->dport_be), dport);
	assert_int_equal(e->proto, proto);
	assert_int_equal(e->reason, reason);
	if (e->rule6.action)
		pol_rule6_text(&e->rule6, txt, sizeof(txt));
	else if (e->rule.action)
		pol_rule_text(&e->rule, txt, sizeof(txt));
	assert_string_equal(txt, rule);
}

/* ---- the tests -------------------------------------------------------------- */

static void policy6_no_policy_allows(void **state)
{
	assert_int_equal(judge(TCP6("2001:db8:1::7", 443)), ALLOWED);
	assert_int_equal(judge(TCP6("fe80::1", 22)), ALLOWED);
}

static void policy6_deny_mode(void **state)
{
	policy(ATEOM_EGRESS_DENY, "--allow", "[2001:db8:1::]/48:443/tcp", "--deny",
	       "2001:db8:1::66", "--allow", "2001:db8:2::/48/icmp", "--resolver", "2001:db8:53::53",
	       "--allow", "198.51.100.0/24", NULL);
	assert_int_equal(judge(TCP6("2001:db8:1::7", 443)), ALLOWED);
	denied(TCP6("2001:db8:1::7", 80), ATEOM_STAT_DENY_DEFAULT);
	denied(UDP6("2001:db8:1::7", 443), ATEOM_STAT_DENY_DEFAULT);
	denied(TCP6("2001:db8:1::66", 443), ATEOM_STAT_DENY_RULE);
	assert_int_equal(judge(PING6("2001:db8:2::9")), ALLOWED);
	denied(PING6("2001:db8:1::7"), ATEOM_STAT_DENY_DEFAULT);
	/* DNS over IPv6 only to the IPv6 resolver, UDP and TCP */
	assert_int_equal(judge(UDP6("2001:db8:53::53", 53)), ALLOWED);
	assert_int_equal(judge(TCP6("2001:db8:53::53", 53)), ALLOWED);
	denied(UDP6("2001:db8:1::7", 53), ATEOM_STAT_DENY_DNS);
	/* the always-deny set, even under a covering allow */
	denied(TCP6("fe80::1", 443), ATEOM_STAT_DENY_ALWAYS);
	denied(TCP6("fd00:ec2::254", 80), ATEOM_STAT_DENY_ALWAYS);
	denied(TCP6("fd00:169:254::1", 80), ATEOM_STAT_DENY_ALWAYS);
	denied(UDP6("ff02::fb", 5353), ATEOM_STAT_DENY_ALWAYS);
	denied(TCP6("::1", 80), ATEOM_STAT_DENY_ALWAYS);
	/* an IPv4-mapped destination is not the IPv4 host the rule allows */
	denied(TCP6("::ffff:198.51.100.7", 80), ATEOM_STAT_DENY_ALWAYS);
	/* ICMPv6 errors belong to flows the policy let through */
	assert_int_equal(judge(&(struct p6){ .dst = "2001:db8:9::1", .proto = IPPROTO_ICMPV6,
					     .icmp_type = 1 }), ALLOWED);
}

static void policy6_deny_mode_always_off(void **state)
{
	static struct pol_spec s;
	char err[256];

	memset(&s, 0, sizeof(s));
	s.mode = ATEOM_EGRESS_DENY;
	s.no_always_deny = true;
	assert_int_equal(pol_add_rule(&s, "fe80::/10", ATEOM_RULE_ALLOW, err, sizeof(err)), 0);
	assert_int_equal(pol_finish(&s, err, sizeof(err)), 0);
	assert_int_equal(pol_apply(&pol, 1, &s), 0);
	assert_int_equal(judge(TCP6("fe80::1", 80)), ALLOWED);
	denied(TCP6("fd00:ec2::254", 80), ATEOM_STAT_DENY_DEFAULT);
}

static void policy6_allow_mode(void **state)
{
	policy(ATEOM_EGRESS_ALLOW, "--deny", "2001:db8:1::/48", "--deny", "203.0.113.9", NULL);
	assert_int_equal(judge(TCP6("2001:db8:9::1", 80)), ALLOWED);
	assert_int_equal(judge(UDP6("2001:db8:9::1", 53)), ALLOWED); /* DNS anywhere */
	denied(TCP6("2001:db8:1::5", 80), ATEOM_STAT_DENY_RULE);
	/* no always-deny set in allow mode, as for IPv4 */
	assert_int_equal(judge(TCP6("fd00:ec2::254", 80)), ALLOWED);
	/* a NAT64 destination carries the IPv4 host: its IPv4 deny rule holds */
	denied(TCP6("64:ff9b::203.0.113.9", 80), ATEOM_STAT_DENY_RULE);
	assert_int_equal(judge(TCP6("64:ff9b::203.0.113.10", 80)), ALLOWED);
}

static void policy6_nat64(void **state)
{
	policy(ATEOM_EGRESS_DENY, "--allow", "203.0.113.0/24:443/tcp", "--allow",
	       "[2001:db8:1::]:443", "--cluster-cidr", "10.96.0.0/12", "--allow", "::/0", NULL);
	/* the IPv4 rules judge the embedded address */
	assert_int_equal(judge(TCP6("64:ff9b::203.0.113.7", 443)), ALLOWED);
	/* ::/0 allows IPv6, but a cluster address written as NAT64 is the
	 * cluster's: denied as it is over IPv4 */
	denied(TCP6("64:ff9b::10.96.0.1", 443), ATEOM_STAT_DENY_ALWAYS);
	denied(TCP6("64:ff9b::169.254.169.254", 80), ATEOM_STAT_DENY_ALWAYS);
	assert_int_equal(judge(TCP6("64:ff9b::198.51.100.7", 80)), ALLOWED); /* by ::/0 */
	/* outside 64:ff9b::/96 the last 32 bits are no IPv4 address */
	assert_int_equal(judge(TCP6("64:ff9b:1::10.96.0.1", 443)), ALLOWED);
}

static void policy6_nat64_deny_rule(void **state)
{
	policy(ATEOM_EGRESS_DENY, "--allow", "64:ff9b::/96", "--deny", "203.0.113.9:22/tcp",
	       NULL);
	assert_int_equal(judge(TCP6("64:ff9b::203.0.113.9", 443)), ALLOWED);
	denied(TCP6("64:ff9b::203.0.113.9", 22), ATEOM_STAT_DENY_RULE);
	events_read();
	assert_int_equal(n_ev, 1);
	ev_is(&evs[0], "64:ff9b::cb00:7109", 22, IPPROTO_TCP, ATEOM_DENY_RULE,
	      "deny 203.0.113.9/32:22/tcp");
}

static void policy6_capture_mode(void **state)
{
	policy(ATEOM_EGRESS_CAPTURE, "--resolver", "2001:db8:53::53", "--allow",
	       "[2001:db8:1::]/48:443", NULL);
	/* the proxy takes IPv4: IPv6 TCP does not get past it, allowed or not */
	denied(TCP6("2001:db8:9::1", 443), ATEOM_STAT_DENY_PROTO);
	denied(TCP6("2001:db8:1::1", 443), ATEOM_STAT_DENY_PROTO);
	denied(UDP6("2001:db8:9::1", 443), ATEOM_STAT_DENY_PROTO);
	denied(PING6("2001:db8:9::1"), ATEOM_STAT_DENY_PROTO);
	/* UDP to an allowed destination goes, as IPv4's does */
	assert_int_equal(judge(UDP6("2001:db8:1::1", 443)), ALLOWED);
	assert_int_equal(judge(UDP6("2001:db8:53::53", 53)), ALLOWED);
	assert_int_equal(judge(TCP6("2001:db8:53::53", 53)), ALLOWED);
	denied(UDP6("2001:db8:9::1", 53), ATEOM_STAT_DENY_DNS);
	denied(UDP6("fe80::1", 443), ATEOM_STAT_DENY_ALWAYS);
	assert_int_equal(ctr(ATEOM_STAT_CAPTURE), 0);
	/* --icmp-echo: pings go */
	policy(ATEOM_EGRESS_CAPTURE, "--icmp-echo", NULL);
	assert_int_equal(judge(PING6("2001:db8:9::1")), ALLOWED);
	denied(TCP6("2001:db8:9::1", 80), ATEOM_STAT_DENY_PROTO);
}

static void policy6_ext_headers(void **state)
{
	policy(ATEOM_EGRESS_DENY, "--allow", "2001:db8:1::/48", NULL);
	/* hop-by-hop, destination options, routing: dropped, counted, no event */
	static const uint8_t exts[] = { 0, 60, 43 };

	for (uint8_t h = 0; h < 3; h++) {
		uint16_t ext = EXT(exts[h]);

		assert_int_equal(judge(&(struct p6){ .dst = "2001:db8:1::1", .proto = IPPROTO_TCP,
						     .dport = 443, .ext = ext }), DENIED);
		assert_int_equal(ctr(ATEOM_STAT_DROP_EXT_HDR), h + 1u);
	}
	/* a first fragment is judged like any packet, ports and all */
	assert_int_equal(judge(&(struct p6){ .dst = "2001:db8:1::1", .proto = IPPROTO_UDP,
					     .dport = 443, .ext = EXT(44) }), ALLOWED);
	denied(&(struct p6){ .dst = "2001:db8:9::1", .proto = IPPROTO_UDP, .dport = 443,
			     .ext = EXT(44) }, ATEOM_STAT_DENY_DEFAULT);
	/* a later fragment never comes to the hook: handed back as a drop */
	assert_int_equal(judge(&(struct p6){ .dst = "2001:db8:1::1", .proto = IPPROTO_UDP,
					     .dport = 443, .ext = EXT(44), .frag_off = 8 }),
			 HOOK_DROPPED);
	/* nor does neighbour discovery */
	assert_int_equal(judge(&(struct p6){ .dst = "2001:db8:1::1", .proto = IPPROTO_ICMPV6,
					     .icmp_type = 135 }), HOOK_DROPPED);
	assert_int_equal(ctr(ATEOM_STAT_DROP_EXT_HDR), 3);
	events_read();
	assert_int_equal(n_ev, 1); /* the denied first fragment's */
}

static void policy6_events(void **state)
{
	policy(ATEOM_EGRESS_DENY, "--deny", "[2001:db8:1::]/48:22/tcp", "--resolver",
	       "2001:db8:53::53", NULL);
	denied(TCP6("2001:db8:1::5", 22), ATEOM_STAT_DENY_RULE);
	denied(TCP6("2001:db8:1::5", 22), ATEOM_STAT_DENY_RULE); /* once reported */
	denied(UDP6("2001:db8:9::1", 53), ATEOM_STAT_DENY_DNS);
	denied(TCP6("fe80::1", 80), ATEOM_STAT_DENY_ALWAYS);
	denied(PING6("2001:db8:9::1"), ATEOM_STAT_DENY_DEFAULT);
	events_read();
	assert_int_equal(n_ev, 4);
	ev_is(&evs[0], "2001:db8:1::5", 22, IPPROTO_TCP, ATEOM_DENY_RULE,
	      "deny [2001:db8:1::]/48:22/tcp");
	ev_is(&evs[1], "2001:db8:9::1", 53, IPPROTO_UDP, ATEOM_DENY_DNS, "");
	ev_is(&evs[2], "fe80::1", 80, IPPROTO_TCP, ATEOM_DENY_ALWAYS, "always-deny fe80::/10");
	ev_is(&evs[3], "2001:db8:9::1", 0, IPPROTO_ICMPV6, ATEOM_DENY_DEFAULT, "");
}

/* IPv4 events say family 4 and carry no IPv6 address or rule. */
static void policy6_ipv4_event_family(void **state)
{
	const struct pb_spec in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT,
				    .dport = 22, TCP_SYN };
	const uint32_t cb[5] = { ATEOM_HOOK_CB_MAGIC, 1, (uint32_t)fx.if_a1, ATEOM_HOOK_NONE, 0 };
	const union ateom_in6 zero = { 0 };
	uint8_t frame[PB_FRAME_MAX];
	struct fx_result res;
	size_t len = pb_build(frame, sizeof(frame), &in);

	policy(ATEOM_EGRESS_DENY, "--deny", "198.51.100.0/24:22/tcp", "--allow", "::/0", NULL);
	assert_int_equal(fx_run(&fx, bpf_program__fd(obj->progs.policy), fx.if_a1, frame, len, cb,
				1, &res), 0);
	assert_int_equal(res.retval, DENIED);
	events_read();
	assert_int_equal(n_ev, 1);
	assert_int_equal(evs[0].family, 4);
	assert_int_equal(evs[0].daddr_be, FX_REMOTE_IP);
	assert_int_equal(evs[0].rule.action, ATEOM_RULE_DENY);
	assert_int_equal(evs[0].rule6.action, 0);
	assert_memory_equal(&evs[0].daddr6, &zero, sizeof(zero));
}

/* Both families change in one flip; the old generation's IPv6 entries go. */
static void policy6_generation_flip(void **state)
{
	struct ateom_pol_lpm6_key k, cur;
	uint32_t id = 1, gen = 0;
	bool first = true;
	int n = 0;

	policy(ATEOM_EGRESS_DENY, "--allow", "2001:db8:1::/48", "--allow", "198.51.100.0/24", NULL);
	assert_int_equal(judge(TCP6("2001:db8:1::1", 80)), ALLOWED);
	policy(ATEOM_EGRESS_DENY, "--allow", "2001:db8:2::/48", NULL);
	denied(TCP6("2001:db8:1::1", 80), ATEOM_STAT_DENY_DEFAULT);
	assert_int_equal(judge(TCP6("2001:db8:2::1", 80)), ALLOWED);
	assert_int_equal(bpf_map_lookup_elem(pol.gen, &id, &gen), 0);
	while (bpf_map_get_next_key(pol.rules6, first ? NULL : &cur, &k) == 0) {
		first = false;
		cur = k;
		assert_int_equal(k.actor_id, 1);
		assert_int_equal(k.gen, gen);
		n++;
	}
	assert_int_equal(n, 1 + POL_ALWAYS6);
	/* forgetting the actor empties its IPv6 entries too */
	assert_int_equal(pol_clear(&pol, 1), 0);
	assert_true(bpf_map_get_next_key(pol.rules6, NULL, &k) < 0);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(judge(TCP6("2001:db8:1::1", 80)), ALLOWED);
}

/* ---- through the datapath: from_actor -> from_actor6 -> the hook ------------
 * The same policy object in actor 1's slot of the fixture's egress_hooks
 * (slot 0: actor_resume, which hands IPv6 to actor_resume6), as the loader
 * shares the datapath's maps; actor 1 and the pod get IPv6 addresses. */
#define POD6 "2001:db8:ff::11"

static int setup_dp(void **state)
{
	struct ateom_config c;
	struct ateom_actor a;

	if (flow_setup(state))
		return -1;
	assert_int_equal(fx_get_config(&fx, &c), 0);
	assert_int_equal(inet_pton(AF_INET6, POD6, &c.pod_ip6), 1);
	assert_int_equal(fx_set_config(&fx, &c), 0);
	assert_int_equal(fx_get_actor(&fx, fx.if_a1, &a), 0);
	assert_int_equal(inet_pton(AF_INET6, ACTOR6, &a.actor_ip6), 1);
	assert_int_equal(inet_pton(AF_INET6, "fd00:169:254::1", &a.worker_ip6), 1);
	a.prefix6 = 126;
	assert_int_equal(fx_put_actor(&fx, fx.if_a1, &a), 0);
	obj = policy_bpf__open();
	assert_non_null(obj);
	assert_int_equal(bpf_map__reuse_fd(obj->maps.egress_hooks, fx.hooks), 0);
	assert_int_equal(bpf_map__reuse_fd(obj->maps.stats, fx.stats), 0);
	assert_int_equal(bpf_map__reuse_fd(obj->maps.capture_orig,
					   bpf_map__fd(fx.skel->maps.capture_orig)), 0);
	assert_int_equal(policy_bpf__load(obj), 0);
	pol = (struct pol){
		.prog = -1, .orig_dst = -1,
		.gen = bpf_map__fd(obj->maps.pol_gen), .conf = bpf_map__fd(obj->maps.pol_conf),
		.rules = bpf_map__fd(obj->maps.pol_rules),
		.events = bpf_map__fd(obj->maps.pol_events),
		.seen = bpf_map__fd(obj->maps.pol_seen), .budget = bpf_map__fd(obj->maps.pol_budget),
		.rules6 = bpf_map__fd(obj->maps.pol_rules6),
	};
	/* In the slot and the actor marked hooked, as `up` leaves it. */
	assert_int_equal(fx_hook_set(&fx, 1, bpf_program__fd(obj->progs.policy)), 0);
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0);
	return 0;
}

static int teardown_dp(void **state)
{
	uint32_t slot = 1;

	bpf_map_delete_elem(fx.hooks, &slot);
	return teardown(state);
}

#define STAT_NAME(id, name) name,
static const char *const stat_names[] = { ATEOM_STATS(STAT_NAME) };

/* On a failure: every counter that moved, to tell which path it took. */
static void counters_dump(void)
{
	static struct ateom_counter c[FX_STATS];

	if (fx_counters_all(&fx, c))
		return;
	for (uint32_t k = 0; k < FX_STATS; k++)
		if (c[k].packets)
			print_message("  counter %u:%s = %llu\n", k / ATEOM_STAT_MAX,
				      stat_names[k % ATEOM_STAT_MAX],
				      (unsigned long long)c[k].packets);
}

/* The packet through from_actor as the actor sends it: the tc verdict, the
 * frame as it left in *res. */
static uint32_t send6(const struct p6 *s, struct fx_result *res)
{
	uint8_t frame[PB_FRAME_MAX];
	size_t len = build6(frame, s);

	assert_int_equal(fx_run(&fx, fx.from_actor, fx.if_a1, frame, len, NULL, 1, res), 0);
	if (getenv("POLICY6_DEBUG")) {
		print_message("%s -> %d\n", s->dst, (int)res->retval);
		counters_dump();
	}
	return res->retval;
}

/* Let through by the policy: actor_resume6 took it (hook_allow) and SNAT66
 * sent it out of the pod with the pod's IPv6 as its source. */
static void passes(const struct p6 *s)
{
	uint64_t allowed = ctr(ATEOM_STAT_HOOK_ALLOW);
	union ateom_in6 pod;
	struct fx_result res;

	assert_int_equal(send6(s, &res), FX_REDIRECT);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_ALLOW), allowed + 1);
	assert_int_equal(inet_pton(AF_INET6, POD6, &pod), 1);
	assert_true(res.out_len >= PB_ETH_HLEN + 40);
	assert_memory_equal(res.out + PB_ETH_HLEN + 8, &pod, sizeof(pod));
}

/* Dropped by the policy (the counter of why), never handed to resume. */
static void stopped(const struct p6 *s, uint32_t stat)
{
	uint64_t before = ctr(stat), allowed = ctr(ATEOM_STAT_HOOK_ALLOW);
	struct fx_result res;

	assert_int_equal(send6(s, &res), FX_SHOT);
	assert_int_equal(ctr(stat), before + 1);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_ALLOW), allowed);
	assert_int_equal(ctr(ATEOM_STAT_DROP_POLICY), 0);
}

static void policy6_dp_deny_mode(void **state)
{
	policy(ATEOM_EGRESS_DENY, "--allow", "[2001:db8:1::]/48:443/tcp", "--resolver",
	       "2001:db8:53::53", NULL);
	passes(TCP6("2001:db8:1::7", 443));
	stopped(TCP6("2001:db8:1::7", 80), ATEOM_STAT_DENY_DEFAULT);
	stopped(UDP6("2001:db8:1::7", 443), ATEOM_STAT_DENY_DEFAULT);
	stopped(PING6("2001:db8:9::1"), ATEOM_STAT_DENY_DEFAULT);
	passes(UDP6("2001:db8:53::53", 53));
	stopped(UDP6("2001:db8:9::1", 53), ATEOM_STAT_DENY_DNS);
	stopped(TCP6("fd00:ec2::254", 80), ATEOM_STAT_DENY_ALWAYS);
	assert_int_equal(ctr(ATEOM_STAT_DROP_NO_IPV6), 0);
}

static void policy6_dp_allow_mode(void **state)
{
	policy(ATEOM_EGRESS_ALLOW, "--deny", "2001:db8:1::/48", "--deny", "203.0.113.9", NULL);
	passes(TCP6("2001:db8:9::1", 80));
	passes(PING6("2001:db8:9::1"));
	stopped(TCP6("2001:db8:1::5", 80), ATEOM_STAT_DENY_RULE);
	stopped(TCP6("64:ff9b::203.0.113.9", 80), ATEOM_STAT_DENY_RULE);
}

/* A capturing actor's IPv6 TCP is dropped: it does not get past the proxy
 * by changing family. */
static void policy6_dp_capture_mode(void **state)
{
	assert_int_equal(capture_table_set(bpf_map__fd(fx.skel->maps.capture_orig), 1, true), 0);
	policy(ATEOM_EGRESS_CAPTURE, "--resolver", "2001:db8:53::53", NULL);
	stopped(TCP6("2001:db8:9::1", 443), ATEOM_STAT_DENY_PROTO);
	stopped(UDP6("2001:db8:9::1", 443), ATEOM_STAT_DENY_PROTO);
	passes(UDP6("2001:db8:53::53", 53));
	assert_int_equal(ctr(ATEOM_STAT_CAPTURE), 0);
	assert_int_equal(ctr(ATEOM_STAT_DROP_CAPTURE), 0);
	assert_int_equal(capture_table_set(bpf_map__fd(fx.skel->maps.capture_orig), 1, false), 0);
}

/* An open IPv6 flow meets a policy change at its next packet: the verdict
 * cached in its nat6 pair holds until the actor's hook generation moves. */
static void policy6_dp_change_reaches_open_flow(void **state)
{
	struct fx_result res;

	policy(ATEOM_EGRESS_DENY, "--allow", "[2001:db8:1::7]:443/udp", NULL);
	passes(UDP6("2001:db8:1::7", 443));
	assert_int_equal(send6(UDP6("2001:db8:1::7", 443), &res), FX_REDIRECT);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 1);
	policy(ATEOM_EGRESS_DENY, "--allow", "[2001:db8:1::7]:444/udp", NULL);
	assert_int_equal(fx_hook_gen(&fx, fx.if_a1, true), 0); /* as `policy` bumps it */
	stopped(UDP6("2001:db8:1::7", 443), ATEOM_STAT_DENY_DEFAULT);
	assert_int_equal(ctr(ATEOM_STAT_HOOK_CACHED), 1);
}

const struct CMUnitTest policy6_flows[] = {
	cmocka_unit_test_setup_teardown(policy6_no_policy_allows, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_deny_mode, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_deny_mode_always_off, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_allow_mode, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_nat64, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_nat64_deny_rule, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_capture_mode, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_ext_headers, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_events, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_ipv4_event_family, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_generation_flip, setup, teardown),
	cmocka_unit_test_setup_teardown(policy6_dp_deny_mode, setup_dp, teardown_dp),
	cmocka_unit_test_setup_teardown(policy6_dp_allow_mode, setup_dp, teardown_dp),
	cmocka_unit_test_setup_teardown(policy6_dp_capture_mode, setup_dp, teardown_dp),
	cmocka_unit_test_setup_teardown(policy6_dp_change_reaches_open_flow, setup_dp,
					teardown_dp),
};
FLOW_GROUP_END(policy6);
