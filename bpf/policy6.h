/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The egress policy for IPv6 packets (included by policy.bpf.c after its
 * helpers). The same modes and order of checks as IPv4 (README, "Egress
 * control"), with these differences (docs/NOTES.md, "IPv6 policy"):
 *
 *   - the rules are the IPv6 ones (pol_rules6, same generation);
 *   - a NAT64 destination (64:ff9b::/96) carries the IPv4 host it reaches:
 *     the IPv4 rules judge that embedded address too. A deny of either
 *     family denies, an allow of either allows: an actor cannot reach a
 *     denied IPv4 destination by writing it as IPv6;
 *   - capture takes IPv4 TCP only: IPv6 TCP is denied (reason proto);
 *     IPv6 UDP and ICMPv6 echo go as IPv4's do (an --allow rule, DNS to an
 *     IPv6 --resolver, --icmp-echo);
 *   - an extension header (but the fragment header of a first fragment)
 *     is dropped, counted as drop_ext_header (from_actor6 drops them
 *     before the hook; this is the policy's own guard).
 */
#ifndef ATEOM_BPF_POLICY6_H
#define ATEOM_BPF_POLICY6_H

#include <linux/ipv6.h>
#include "parse6.h"

#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_ESP 50
#define NEXTHDR_AUTH 51
#define NEXTHDR_DEST 60
#define NEXTHDR_MOBILITY 135
#define NEXTHDR_HIP 139
#define NEXTHDR_SHIM6 140

/* 64:ff9b::/96, the NAT64 well-known prefix (RFC 6052). */
#define NAT64_WKP0 0x0064ff9bU

/* What the policy needs of an IPv6 packet. */
struct pol_pkt6 {
	union ateom_in6 daddr;
	__be16 sport;     /* ICMPv6 echo request: the id */
	__be16 dport;     /* ICMPv6 echo reply: the id */
	__u8 proto;       /* IPPROTO_TCP, _UDP, _ICMPV6 */
	__u8 icmp_type;
	__u32 len;
};

enum pol6_parse {
	POL6_OK,
	POL6_EXT,      /* an extension header: denied, counted */
	POL6_CONTRACT, /* not what the hook is promised: resume with DROP */
};

static __always_inline bool is_ext_header(__u8 h)
{
	return h == NEXTHDR_HOP || h == NEXTHDR_ROUTING || h == NEXTHDR_FRAGMENT ||
	       h == NEXTHDR_ESP || h == NEXTHDR_AUTH || h == NEXTHDR_DEST ||
	       h == NEXTHDR_MOBILITY || h == NEXTHDR_HIP || h == NEXTHDR_SHIM6 ||
	       h == 253 || h == 254; /* experimental (RFC 3692) */
}

/* The fixed header, one fragment header of a first fragment, then TCP, UDP
 * or ICMPv6. bpf_skb_load_bytes: no packet pointers to re-derive. */
static __always_inline int parse_pol6(struct __sk_buff *skb, struct pol_pkt6 *q)
{
	struct ipv6hdr ip;
	__u32 off = ETH_HLEN + sizeof(ip);
	__u8 nh;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.version != 6)
		return POL6_CONTRACT;
	__builtin_memcpy(&q->daddr, &ip.daddr, sizeof(q->daddr));
	q->len = skb->len;
	nh = ip.nexthdr;
	if (nh == NEXTHDR_FRAGMENT) {
		struct { __u8 nexthdr, res; __be16 frag_off; __be32 id; } fh;

		if (bpf_skb_load_bytes(skb, off, &fh, sizeof(fh)))
			return POL6_CONTRACT;
		if (fh.frag_off & bpf_htons(0xfff8))
			return POL6_CONTRACT; /* a later fragment: never sent here */
		nh = fh.nexthdr;
		off += sizeof(fh);
	}
	q->proto = nh;
	if (nh == IPPROTO_TCP || nh == IPPROTO_UDP) {
		__be16 ports[2];

		if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)))
			return POL6_CONTRACT;
		q->sport = ports[0];
		q->dport = ports[1];
		return POL6_OK;
	}
	if (nh == IPPROTO_ICMPV6) {
		struct { __u8 type, code; __sum16 csum; __be16 id, seq; } ic;

		if (bpf_skb_load_bytes(skb, off, &ic, sizeof(ic)))
			return POL6_CONTRACT;
		q->icmp_type = ic.type;
		q->sport = ic.type == ICMP6_ECHO_REQUEST ? ic.id : 0;
		q->dport = ic.type == ICMP6_ECHO_REPLY ? ic.id : 0;
		if (ic.type == ICMP6_ECHO_REQUEST || ic.type == ICMP6_ECHO_REPLY ||
		    ICMP6_IS_ERROR(ic.type))
			return POL6_OK;
		return POL6_CONTRACT; /* ND and the rest stay on the link */
	}
	return is_ext_header(nh) ? POL6_EXT : POL6_CONTRACT;
}

struct match6_ctx {
	struct ateom_pol_rules6 *rs;
	__u16 port;       /* host order */
	__u8 proto;       /* ICMPv6 as IPPROTO_ICMP (the rules' /icmp) */
	__u8 first[4];
};

static long match_rule6(__u32 i, void *data)
{
	struct match6_ctx *c = data;
	const struct ateom_rule6 *r = &c->rs->r[i & (ATEOM_POL_RULES_PER_PREFIX - 1)];
	__u8 act = r->action & 3;

	if (r->proto && r->proto != c->proto)
		return 0;
	if (c->proto != IPPROTO_ICMP && r->port_hi &&
	    (c->port < r->port_lo || c->port > r->port_hi))
		return 0;
	if (!c->first[act])
		c->first[act] = i + 1;
	return 0;
}

static __always_inline const struct ateom_rule6 *first6_of(const struct match6_ctx *c, __u8 act)
{
	__u8 i = c->first[act & 3];

	return i ? &c->rs->r[(i - 1) & (ATEOM_POL_RULES_PER_PREFIX - 1)] : NULL;
}

/* One event per denied IPv6 flow, as report() for IPv4. The rule is the
 * IPv6 one (r6) or, for a NAT64 destination, the IPv4 one (r4). */
static __always_inline void report6(__u32 id, const struct pol_pkt6 *q, __u8 reason,
				    const struct ateom_rule6 *r6, const struct ateom_rule *r4)
{
	struct ateom_pol_seen_key sk = {
		.actor_id = id, .proto = q->proto, .sport_be = q->sport, .dport_be = q->dport,
		.daddr6 = q->daddr,
	};
	struct ateom_pol_event *e = event_new(id, &sk);

	if (!e)
		return;
	e->proto = q->proto;
	e->reason = reason;
	e->daddr_be = 0;
	e->dport_be = q->proto == IPPROTO_ICMPV6 ? 0 : q->dport;
	e->family = 6;
	e->daddr6 = q->daddr;
	if (r4)
		e->rule = *r4;
	else
		__builtin_memset(&e->rule, 0, sizeof(e->rule));
	if (r6)
		e->rule6 = *r6;
	else
		__builtin_memset(&e->rule6, 0, sizeof(e->rule6));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int deny6(__u32 id, const struct pol_pkt6 *q, __u8 reason,
				 const struct ateom_rule6 *r6, const struct ateom_rule *r4)
{
	count(id, deny_stat(reason), q->len);
	report6(id, q, reason, r6, r4);
	return TC_ACT_SHOT;
}

static __always_inline bool is_resolver6(const struct ateom_pol_conf *c,
					 const union ateom_in6 *a)
{
	for (int i = 0; i < ATEOM_POL_MAX_RESOLVERS; i++)
		if (i < c->n_resolvers6 && in6_eq(&c->resolvers6[i], a))
			return true;
	return false;
}

static __always_inline bool is_nat64(const union ateom_in6 *a)
{
	return a->w[0] == bpf_htonl(NAT64_WKP0) && !a->w[1] && !a->w[2];
}

/* The verdict of generation gen for an IPv6 packet. */
static __always_inline int decide6(struct __sk_buff *skb, __u32 id, __u32 gen,
				   const struct pol_pkt6 *q)
{
	struct ateom_pol_key ck = { .actor_id = id, .gen = gen };
	struct ateom_pol_lpm6_key k6 = {
		.prefixlen = 32 + 128, .actor_id = id, .gen = gen, .addr = q->daddr,
	};
	struct ateom_pol_lpm_key k4 = {
		.prefixlen = 64, .actor_id = id, .gen = gen, .addr_be = q->daddr.w[3],
	};
	__u8 proto = q->proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : q->proto;
	struct match6_ctx m6 = { .port = bpf_ntohs(q->dport), .proto = proto };
	struct match_ctx m4 = { .port = bpf_ntohs(q->dport), .proto = proto };
	const struct ateom_rule6 *denied6 = NULL, *always6 = NULL, *allowed6 = NULL;
	const struct ateom_rule *denied4 = NULL, *always4 = NULL, *allowed4 = NULL;
	struct ateom_pol_conf *c;

	c = bpf_map_lookup_elem(&pol_conf, &ck);
	if (!c)
		return deny6(id, q, ATEOM_DENY_DEFAULT, NULL, NULL);
	m6.rs = bpf_map_lookup_elem(&pol_rules6, &k6);
	if (m6.rs) {
		__u32 n = m6.rs->n;

		bpf_loop(n < ATEOM_POL_RULES_PER_PREFIX ? n : ATEOM_POL_RULES_PER_PREFIX,
			 match_rule6, &m6, 0);
		denied6 = first6_of(&m6, ATEOM_RULE_DENY);
		always6 = first6_of(&m6, ATEOM_RULE_ALWAYS);
		allowed6 = first6_of(&m6, ATEOM_RULE_ALLOW);
	}
	if (is_nat64(&q->daddr)) {
		m4.rs = bpf_map_lookup_elem(&pol_rules, &k4);
		if (m4.rs) {
			__u32 n = m4.rs->n;

			bpf_loop(n < ATEOM_POL_RULES_PER_PREFIX ? n : ATEOM_POL_RULES_PER_PREFIX,
				 match_rule, &m4, 0);
			denied4 = first_of(&m4, ATEOM_RULE_DENY);
			always4 = first_of(&m4, ATEOM_RULE_ALWAYS);
			allowed4 = first_of(&m4, ATEOM_RULE_ALLOW);
		}
	}
	if (denied6 || denied4)
		return deny6(id, q, ATEOM_DENY_RULE, denied6, denied6 ? NULL : denied4);
	if (c->mode == ATEOM_EGRESS_ALLOW)
		return resume(skb, ATEOM_HOOK_ALLOW, 0);
	if (q->proto != IPPROTO_ICMPV6 && q->dport == bpf_htons(DNS_PORT)) {
		if (is_resolver6(c, &q->daddr))
			return resume(skb, ATEOM_HOOK_ALLOW, 0);
		return deny6(id, q, ATEOM_DENY_DNS, NULL, NULL);
	}
	if (always6 || always4)
		return deny6(id, q, ATEOM_DENY_ALWAYS, always6, always6 ? NULL : always4);
	if (c->mode == ATEOM_EGRESS_CAPTURE) {
		/* The proxy takes IPv4 only: IPv6 TCP does not get past it. */
		if (q->proto == IPPROTO_TCP)
			return deny6(id, q, ATEOM_DENY_PROTO, NULL, NULL);
		if (allowed6 || allowed4 ||
		    (q->proto == IPPROTO_ICMPV6 && (c->flags & ATEOM_POL_ICMP_ECHO)))
			return resume(skb, ATEOM_HOOK_ALLOW, 0);
		return deny6(id, q, ATEOM_DENY_PROTO, NULL, NULL);
	}
	if (allowed6 || allowed4)
		return resume(skb, ATEOM_HOOK_ALLOW, 0);
	return deny6(id, q, ATEOM_DENY_DEFAULT, NULL, NULL);
}

static __always_inline int policy6(struct __sk_buff *skb, __u32 id, __u32 gen)
{
	struct pol_pkt6 q = {};

	switch (parse_pol6(skb, &q)) {
	case POL6_OK:
		break;
	case POL6_EXT:
		count(id, ATEOM_STAT_DROP_EXT_HDR, skb->len);
		return TC_ACT_SHOT;
	default:
		return resume(skb, ATEOM_HOOK_DROP, 0);
	}
	/* ICMPv6 errors belong to flows the policy let through. */
	if (q.proto == IPPROTO_ICMPV6 && ICMP6_IS_ERROR(q.icmp_type))
		return resume(skb, ATEOM_HOOK_ALLOW, 0);
	return decide6(skb, id, gen, &q);
}

#endif
