// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ateomnet egress policy: the egress hook (include/ateomnet_hook.h) shipped
 * with ateomnet. The loader puts `policy` in the slot of every actor that
 * has a policy (`up --egress-mode`, `ateomnet policy`); it decides allow,
 * drop or capture per packet from the maps of include/ateomnet_policy.h
 * and hands the packet back to actor_resume. `orig_dst` answers
 * getsockopt(SOL_IP, SO_ORIGINAL_DST) for connections the datapath
 * captured (attached to the proxy's cgroup).
 *
 * egress_hooks, stats and capture_orig are the datapath's own maps: the
 * loader hands their fds in before loading (bpf_map__reuse_fd).
 *
 * Order of the checks (README, "Egress control"): an explicit deny rule;
 * DNS (port 53, UDP and TCP) only to the resolvers; the always-deny set;
 * an allow rule; the mode's default. In capture mode TCP that is not
 * denied goes to the proxy, and an allow rule only lets UDP and ICMP out.
 * IPv6 packets (the same hook slot, told by the ethertype) take the same
 * checks with the IPv6 rules: policy6.h.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ateomnet.h"
#include "parse.h"
#include "capture_map.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, ATEOM_HOOK_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} egress_hooks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ATEOM_STATS_ENTRIES);
	__type(key, __u32);
	__type(value, struct ateom_counter);
} stats SEC(".maps");

/* The generation in force per actor id; 0 = no policy (allow). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ATEOM_HOOK_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} pol_gen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * ATEOM_HOOK_SLOTS);
	__type(key, struct ateom_pol_key);
	__type(value, struct ateom_pol_conf);
} pol_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_POL_TRIE_ENTRIES);
	__type(key, struct ateom_pol_lpm_key);
	__type(value, struct ateom_pol_rules);
} pol_rules SEC(".maps");

/* IPv6 destinations: the same prefixes budget, the same generations. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_POL_TRIE_ENTRIES);
	__type(key, struct ateom_pol_lpm6_key);
	__type(value, struct ateom_pol_rules6);
} pol_rules6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ATEOM_POL_RINGBUF_BYTES);
} pol_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ateom_pol_seen_key);
	__type(value, __u64); /* when it was last reported */
} pol_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ATEOM_HOOK_SLOTS);
	__type(key, __u32);
	__type(value, struct ateom_pol_budget);
} pol_budget SEC(".maps");

#define NSEC_PER_SEC 1000000000ULL
#define DNS_PORT 53

static __always_inline void count(__u32 actor_id, __u32 stat, __u32 bytes)
{
	__u32 key = actor_id * ATEOM_STAT_MAX + stat;
	struct ateom_counter *c = bpf_map_lookup_elem(&stats, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline int resume(struct __sk_buff *skb, __u32 verdict, __u32 arg)
{
	skb->cb[ATEOM_HOOK_CB_VERDICT] = verdict;
	if (verdict == ATEOM_HOOK_CAPTURE) /* else the datapath's generation */
		skb->cb[ATEOM_HOOK_CB_ARG] = arg;
	bpf_tail_call(skb, &egress_hooks, ATEOM_HOOK_SLOT_RESUME);
	return TC_ACT_SHOT; /* resume missing: fail closed */
}

/* The rules of one prefix, matched in a bpf_loop callback: verified once,
 * not once per combination of earlier matches. first[action] = index + 1
 * of the first rule of that action that matches, 0 if none. */
struct match_ctx {
	struct ateom_pol_rules *rs;
	__u16 port;       /* host order */
	__u8 proto;
	__u8 first[4];    /* by enum ateom_rule_action */
};

static long match_rule(__u32 i, void *data)
{
	struct match_ctx *c = data;
	const struct ateom_rule *r = &c->rs->r[i & (ATEOM_POL_RULES_PER_PREFIX - 1)];
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

static __always_inline const struct ateom_rule *first_of(const struct match_ctx *c, __u8 act)
{
	__u8 i = c->first[act & 3];

	return i ? &c->rs->r[(i - 1) & (ATEOM_POL_RULES_PER_PREFIX - 1)] : NULL;
}

/* A flow denied for the first time in a while: an event to fill and
 * submit, within the actor's budget of ATEOM_POL_EVENTS_PER_SEC; NULL if
 * none is due. */
static __always_inline struct ateom_pol_event *event_new(__u32 id,
							 const struct ateom_pol_seen_key *sk)
{
	__u64 now = bpf_ktime_get_ns(), *seen;
	struct ateom_pol_budget *b;
	struct ateom_pol_event *e;

	seen = bpf_map_lookup_elem(&pol_seen, sk);
	if (seen && now - *seen < 10 * NSEC_PER_SEC)
		return NULL; /* retransmissions of a flow already reported */
	bpf_map_update_elem(&pol_seen, sk, &now, BPF_ANY);
	b = bpf_map_lookup_elem(&pol_budget, &id);
	if (!b)
		return NULL;
	if (now - b->window_ns >= NSEC_PER_SEC) {
		b->window_ns = now;
		b->sent = 0;
	}
	if (__sync_fetch_and_add(&b->sent, 1) >= ATEOM_POL_EVENTS_PER_SEC) {
		count(id, ATEOM_STAT_EVENT_LIMITED, 0);
		return NULL;
	}
	e = bpf_ringbuf_reserve(&pol_events, sizeof(*e), 0);
	if (!e) {
		count(id, ATEOM_STAT_EVENT_LIMITED, 0);
		return NULL;
	}
	e->ts_ns = now;
	e->actor_id = id;
	e->pad = 0;
	__builtin_memset(e->pad6, 0, sizeof(e->pad6));
	return e;
}

static __always_inline void report(__u32 id, const struct pkt *p, __u8 reason,
				   const struct ateom_rule *rule)
{
	struct ateom_pol_seen_key sk = {
		.actor_id = id, .proto = p->proto, .daddr_be = p->daddr,
		.sport_be = p->sport, .dport_be = p->dport,
	};
	struct ateom_pol_event *e = event_new(id, &sk);

	if (!e)
		return;
	e->proto = p->proto;
	e->reason = reason;
	e->daddr_be = p->daddr;
	e->dport_be = p->proto == IPPROTO_ICMP ? 0 : p->dport;
	if (rule)
		e->rule = *rule;
	else
		__builtin_memset(&e->rule, 0, sizeof(e->rule));
	e->family = 4;
	__builtin_memset(&e->daddr6, 0, sizeof(e->daddr6));
	__builtin_memset(&e->rule6, 0, sizeof(e->rule6));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline __u32 deny_stat(__u8 reason)
{
	static const __u32 stat_of[] = {
		[ATEOM_DENY_RULE] = ATEOM_STAT_DENY_RULE,
		[ATEOM_DENY_DEFAULT] = ATEOM_STAT_DENY_DEFAULT,
		[ATEOM_DENY_ALWAYS] = ATEOM_STAT_DENY_ALWAYS,
		[ATEOM_DENY_DNS] = ATEOM_STAT_DENY_DNS,
		[ATEOM_DENY_PROTO] = ATEOM_STAT_DENY_PROTO,
	};

	return reason < sizeof(stat_of) / sizeof(stat_of[0]) ? stat_of[reason]
							      : ATEOM_STAT_DENY_RULE;
}

static __always_inline int deny(struct __sk_buff *skb, __u32 id, const struct pkt *p,
				__u8 reason, const struct ateom_rule *rule)
{
	count(id, deny_stat(reason), p->len);
	report(id, p, reason, rule);
	return TC_ACT_SHOT;
}

static __always_inline bool is_resolver(const struct ateom_pol_conf *c, __be32 daddr)
{
	for (int i = 0; i < ATEOM_POL_MAX_RESOLVERS; i++)
		if (i < c->n_resolvers && c->resolvers_be[i] == daddr)
			return true;
	return false;
}

/* The verdict of the actor's policy generation `gen` for this packet. */
static __always_inline int decide(struct __sk_buff *skb, __u32 id, __u32 gen, const struct pkt *p)
{
	struct ateom_pol_key ck = { .actor_id = id, .gen = gen };
	struct ateom_pol_lpm_key lk = {
		.prefixlen = 64, .actor_id = id, .gen = gen, .addr_be = p->daddr,
	};
	const struct ateom_rule *denied = NULL, *always = NULL, *allowed = NULL;
	struct match_ctx m = { .port = bpf_ntohs(p->dport), .proto = p->proto };
	struct ateom_pol_conf *c;

	c = bpf_map_lookup_elem(&pol_conf, &ck);
	if (!c) /* a generation without settings: never written so */
		return deny(skb, id, p, ATEOM_DENY_DEFAULT, NULL);
	m.rs = bpf_map_lookup_elem(&pol_rules, &lk);
	if (m.rs) {
		__u32 n = m.rs->n;

		bpf_loop(n < ATEOM_POL_RULES_PER_PREFIX ? n : ATEOM_POL_RULES_PER_PREFIX,
			 match_rule, &m, 0);
		denied = first_of(&m, ATEOM_RULE_DENY);
		always = first_of(&m, ATEOM_RULE_ALWAYS);
		allowed = first_of(&m, ATEOM_RULE_ALLOW);
	}
	if (denied)
		return deny(skb, id, p, ATEOM_DENY_RULE, denied);
	if (c->mode == ATEOM_EGRESS_ALLOW)
		return resume(skb, ATEOM_HOOK_ALLOW, 0);
	if (p->proto != IPPROTO_ICMP && p->dport == bpf_htons(DNS_PORT)) {
		if (is_resolver(c, p->daddr))
			return resume(skb, ATEOM_HOOK_ALLOW, 0);
		return deny(skb, id, p, ATEOM_DENY_DNS, NULL);
	}
	if (always)
		return deny(skb, id, p, ATEOM_DENY_ALWAYS, always);
	if (c->mode == ATEOM_EGRESS_CAPTURE) {
		if (p->proto == IPPROTO_TCP)
			return resume(skb, ATEOM_HOOK_CAPTURE, c->capture_port);
		if (allowed || (p->proto == IPPROTO_ICMP && (c->flags & ATEOM_POL_ICMP_ECHO)))
			return resume(skb, ATEOM_HOOK_ALLOW, 0);
		return deny(skb, id, p, ATEOM_DENY_PROTO, NULL);
	}
	if (allowed)
		return resume(skb, ATEOM_HOOK_ALLOW, 0);
	return deny(skb, id, p, ATEOM_DENY_DEFAULT, NULL);
}

#include "policy6.h"

SEC("tc")
int policy(struct __sk_buff *skb)
{
	__u32 id = skb->cb[ATEOM_HOOK_CB_ACTOR_ID], *gen, g;
	struct pkt p;
	int r;

	if (skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] != ATEOM_HOOK_CB_MAGIC || !id ||
	    id > ATEOM_MAX_ACTORS)
		return TC_ACT_SHOT;
	gen = bpf_map_lookup_elem(&pol_gen, &id);
	g = gen ? *gen : 0; /* read once: a flip may land meanwhile */
	if (!g)
		return resume(skb, ATEOM_HOOK_ALLOW, 0);
	if (eth_proto(skb) == ETH_P_IPV6)
		return policy6(skb, id, g);
	/* from_actor parsed the packet already; the hook gets no copy. A
	 * first fragment carries its ports and is judged like any packet
	 * (its followers follow the verdict, ateomnet_hook.h); anything else
	 * breaks the contract and is dropped, counted as drop_policy. */
	r = parse_ipv4(skb, &p);
	if (r != PARSE_OK && !(r == PARSE_FRAG && !p.later_frag))
		return resume(skb, ATEOM_HOOK_DROP, 0);
	/* ICMP errors belong to flows the policy let through. */
	if (p.proto == IPPROTO_ICMP && ICMP_IS_ERROR(p.icmp_type))
		return resume(skb, ATEOM_HOOK_ALLOW, 0);
	return decide(skb, id, g, &p);
}

/* ---- SO_ORIGINAL_DST for the proxy (cgroup/getsockopt) ----------------- */
#define SOL_IP 0
#define SO_ORIGINAL_DST 80
#define AF_INET 2

struct sockaddr_in_ {
	__u16 sin_family;
	__be16 sin_port;
	__be32 sin_addr;
	__u8 zero[8];
};

/* After the kernel's own answer (ENOPROTOOPT without conntrack): a
 * connection the datapath captured gets its original destination, as
 * conntrack would give it after an nftables REDIRECT. */
SEC("cgroup/getsockopt")
int orig_dst(struct bpf_sockopt *ctx)
{
	struct sockaddr_in_ *sa = ctx->optval;
	struct ateom_capture_orig *o;
	struct ateom_capture_key k = {};
	struct bpf_sock *sk = ctx->sk;
	__u32 ident;
	void *conns;

	if (ctx->level != SOL_IP || ctx->optname != SO_ORIGINAL_DST || !sk)
		return 1;
	if (sk->family != AF_INET || sk->protocol != IPPROTO_TCP)
		return 1;
	/* The peer is an actor's identity, 169.254.18.ID: its table. */
	ident = bpf_ntohl(sk->dst_ip4);
	if ((ident & ~0xffU) != ATEOM_IDENT_BASE)
		return 1;
	conns = capture_conns(ident & 0xff);
	if (!conns)
		return 1;
	k.ident_be = sk->dst_ip4;
	k.aport_be = sk->dst_port;
	k.proto = IPPROTO_TCP;
	o = bpf_map_lookup_elem(conns, &k);
	if (!o || o->capture_port != sk->src_port)
		return 1;
	if ((void *)(sa + 1) > ctx->optval_end)
		return 1; /* the caller's buffer is too small: its answer stands */
	sa->sin_family = AF_INET;
	sa->sin_port = o->dport_be;
	sa->sin_addr = o->daddr_be;
	__builtin_memset(sa->zero, 0, sizeof(sa->zero));
	/* Two stores: the verifier refuses one 8-byte store over both. */
	*(volatile __s32 *)&ctx->optlen = sizeof(*sa);
	*(volatile __s32 *)&ctx->retval = 0;
	return 1;
}
