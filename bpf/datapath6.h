/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The IPv6 programs, in the datapath's object (they share its maps):
 * from_actor, actor_resume and from_pod tail-call them for an IPv6 frame
 * through v6_progs, so the IPv4 programs stay as the verifier knew them and
 * IPv6 is verified apart (docs/NOTES.md, "IPv6 and dual-stack").
 *
 *   from_actor6    what the actor sends over IPv6: the NS responder, then
 *                  SNAT66 behind the pod's IPv6 (nat6, the same pair rules
 *                  as nat), exposed ports' replies, the egress hook
 *   actor_resume6  the hook's verdict for an IPv6 packet
 *   from_pod6      what arrives for the pod's IPv6: replies to SNAT66,
 *                  exposed ports (DNAT66, the client address preserved)
 *
 * IPv6 to the worker is refused (drop_v6_to_worker): its services are
 * reached over IPv4, where each actor has an identity address (ident.h).
 */
#ifndef ATEOM_BPF_DATAPATH6_H
#define ATEOM_BPF_DATAPATH6_H

#include "dp_common.h"
#include "parse6.h"
#include "nd.h"
#include "v6_edge.h"
#include "ttl.h"
#include "hook_cache.h"
#include "nat6.h"
#include "siphash.h"

#ifndef BPF_F_IPV6
#define BPF_F_IPV6 (1ULL << 7)
#endif

int from_actor6(struct __sk_buff *skb);
int actor_resume6(struct __sk_buff *skb);
int from_pod6(struct __sk_buff *skb);

/* Filled by the loader once the object is loaded, unless the pod has no
 * IPv6 (then these programs are not even loaded: an IPv4-only worker pays
 * neither their verification nor their memory, and an IPv6 frame meets an
 * empty slot). Pinned with the datapath: a prog array is emptied when
 * nothing holds it. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, ATEOM_V6_PROGS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} v6_progs SEC(".maps");

/* The actor side's packet tuple, its OUT key and a new pair's OUT half,
 * per CPU: kept off the stack, where the port search (snat_create6 and
 * its bpf_loop callback, ~430 bytes with IPv6 keys) leaves too little.
 * Valid for one program run (a tail call stays on the CPU; actor_resume6
 * parses anew). */
struct v6_scratch {
	struct pkt6 p;
	struct ateom_nat6_key key;
	struct ateom_nat6_entry fresh;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct v6_scratch);
} scratch6 SEC(".maps");

static __always_inline struct v6_scratch *get_scratch6(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch6, &zero);
}

/* ---- rewrites -------------------------------------------------------------- */

#define IP6_SRC_OFF (ETH_HLEN + offsetof(struct ipv6hdr, saddr))
#define IP6_DST_OFF (ETH_HLEN + offsetof(struct ipv6hdr, daddr))
#define IP6_HOP_WORD_OFF (ETH_HLEN + 4) /* payload length, next header, hop limit */

static __always_inline __u64 l4_csum_flags6(const struct pkt6 *p)
{
	return p->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
}

/* An address change, as a checksum difference, into the L4 checksum (TCP,
 * UDP and ICMPv6 all cover the pseudo-header). BPF_F_IPV6 keeps a
 * CHECKSUM_COMPLETE skb's csum as it is (the change is checksum-neutral
 * in IPv6, which has no header checksum); kernels before 6.16 do not know
 * the flag (-EINVAL) and get the call without it. */
static __always_inline int l4_csum_addr6(struct __sk_buff *skb, const struct pkt6 *p, __s64 diff)
{
	__u64 flags = BPF_F_PSEUDO_HDR | l4_csum_flags6(p);
	long err = bpf_l4_csum_replace(skb, p->csum_off, 0, diff, flags | BPF_F_IPV6);

	if (err == -EINVAL)
		err = bpf_l4_csum_replace(skb, p->csum_off, 0, diff, flags);
	return err ? -1 : 0;
}

/* The hop limit word changed from old to new: a CHECKSUM_COMPLETE skb's
 * csum learns it (nothing else covers the hop limit). */
static __always_inline void hop_csum_update(struct __sk_buff *skb, __be32 old, __be32 new)
{
	bpf_csum_update(skb, bpf_csum_diff(&old, sizeof(old), &new, sizeof(new), 0));
}

/* Rewrites the source (src) or destination address and its port (a
 * TCP/UDP port or the ICMPv6 echo id) and decrements the hop limit, since
 * we forward (the caller checked it is > 1). Header bytes first, then the
 * checksum helpers, which invalidate packet pointers. Not inlined: its
 * temporaries would sit on the stack under the port search's. */
static __noinline int rewrite6(struct __sk_buff *skb, const struct pkt6 *p, bool src,
			       const union ateom_in6 *addr, __be16 port)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__be32 *hop_word = data + IP6_HOP_WORD_OFF;
	union ateom_in6 *ap = data + (src ? IP6_SRC_OFF : IP6_DST_OFF);
	__be16 *pp = data + ((src ? p->sport_off : p->dport_off) & HDR6_OFF_MASK);
	union ateom_in6 old, new = *addr;
	__be32 old_hop, new_hop;
	__be16 old_port;
	__s64 diff;

	if ((void *)(hop_word + 1) > end || (void *)(ap + 1) > end || (void *)(pp + 1) > end)
		return -1;
	old = *ap;
	old_port = *pp;
	old_hop = *hop_word;
	((__u8 *)hop_word)[3]--;
	new_hop = *hop_word;
	*ap = new;
	*pp = port;
	diff = bpf_csum_diff(old.w, sizeof(old), new.w, sizeof(new), 0);
	if (diff < 0 || l4_csum_addr6(skb, p, diff))
		return -1;
	if (old_port != port &&
	    bpf_l4_csum_replace(skb, p->csum_off, old_port, port, l4_csum_flags6(p) | sizeof(port)))
		return -1;
	hop_csum_update(skb, old_hop, new_hop);
	return 0;
}

/* Egress side (SNAT66, exposed ports' replies): the source becomes
 * addr:port. */
static __always_inline int rewrite_src6(struct __sk_buff *skb, const struct pkt6 *p,
					const union ateom_in6 *addr, __be16 port)
{
	return rewrite6(skb, p, true, addr, port);
}

/* Ingress side (replies to SNAT66, exposed ports). */
static __always_inline int rewrite_dst6(struct __sk_buff *skb, const struct pkt6 *p,
					const union ateom_in6 *addr, __be16 port)
{
	return rewrite6(skb, p, false, addr, port);
}

/* ICMPv6 error paths: the hop limit only. */
static __always_inline int hop_decrement6(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	__be32 *w = data + IP6_HOP_WORD_OFF, old;

	if ((void *)(w + 1) > (void *)(long)skb->data_end || ((__u8 *)w)[3] <= 1)
		return -1;
	old = *w;
	((__u8 *)w)[3]--;
	hop_csum_update(skb, old, *w);
	return 0;
}

/* ---- addresses ------------------------------------------------------------- */

/* Do x and y share their first plen bits? (An unset or bogus prefix length
 * counts as 128: the gateway address alone.) */
static __always_inline bool in6_prefix_eq(const union ateom_in6 *x, const union ateom_in6 *y,
					  __u32 plen)
{
	if (plen == 0 || plen > 128)
		plen = 128;
	for (int i = 0; i < 4; i++) {
		__u32 bits = plen > 32 * i ? plen - 32 * i : 0;
		__u32 mask;

		if (bits > 32)
			bits = 32;
		mask = bits ? bpf_htonl(~0U << (32 - bits)) : 0;
		if ((x->w[i] ^ y->w[i]) & mask)
			return false;
	}
	return true;
}

/* To the worker, or nowhere an actor's packet may go: the link's prefix
 * (the gateway), the pod's own IPv6, link-local fe80::/10, multicast,
 * ::/96 (unspecified, loopback, the deprecated IPv4-compatible form),
 * ::ffff:0:0/96 (IPv4-mapped: a socket's notation, never a wire address),
 * and the pod's IPv4 behind the well-known NAT64 prefix (64:ff9b::/96):
 * a NAT64 gateway would hand it to the worker's IPv4 stack, which IPv4
 * from the actor never reaches but by its identity address. */
static __always_inline bool to_worker6(const struct ateom_config *cfg,
				       const struct ateom_actor *a, const union ateom_in6 *d)
{
	__u32 w0 = bpf_ntohl(d->w[0]);

	return in6_eq(d, &cfg->pod_ip6) || in6_prefix_eq(d, &a->worker_ip6, a->prefix6) ||
	       (w0 & 0xffc00000) == 0xfe800000 || (w0 >> 24) == 0xff ||
	       (d->w[0] | d->w[1] | d->w[2]) == 0 ||
	       (d->w[0] == 0 && d->w[1] == 0 && d->w[2] == bpf_htonl(0xffff)) ||
	       (w0 == 0x0064ff9b && (d->w[1] | d->w[2]) == 0 && cfg->pod_ip_be &&
		d->w[3] == cfg->pod_ip_be);
}

/* Neighbour discovery, router discovery, MLD (and their relatives): the
 * NS responder answers what it answers, the rest goes nowhere. */
static __always_inline bool icmp6_is_nd(__u8 t)
{
	return (t >= 130 && t <= 137) || t == 141 || t == 142 || t == 143 || t == 148 ||
	       t == 149;
}

/* ---- from_actor6 ----------------------------------------------------------- */

/* Hop limit 1: ICMPv6 Time Exceeded from the gateway, back to the actor
 * (v6_edge.h); never about an ICMPv6 error (RFC 4443 2.4 e). */
static __always_inline int hop_expired6(struct __sk_buff *skb, const struct ateom_actor *a,
					const struct pkt6 *p)
{
	if (p->proto == IPPROTO_ICMPV6 && ICMP6_IS_ERROR(p->icmp_type))
		return drop(a->id, ATEOM_STAT_DROP_TTL, p->len);
	if (!ttl_icmp_allowed(a->id, bpf_ktime_get_coarse_ns()))
		return drop(a->id, ATEOM_STAT_DROP_TTL_RATELIMIT, p->len);
	if (hop_limit_error(skb, a, p))
		return drop(a->id, ATEOM_STAT_DROP_TTL, p->len);
	count(a->id, ATEOM_STAT_TTL_EXCEEDED, p->len);
	return bpf_redirect(skb->ifindex, 0);
}

/* The actor's ICMPv6 errors: only about its own flows, only to their peer. */
static __always_inline int actor_icmp6_error(struct __sk_buff *skb,
					     const struct ateom_config *cfg,
					     const struct ateom_actor *a, const struct pkt6 *p)
{
	int r = icmp6_error_from_actor(skb, p, skb->ifindex, cfg);

	if (r == ICMP_ERR_NOT_OURS)
		return drop(a->id, ATEOM_STAT_DROP_PROTO, p->len);
	if (r == ICMP_ERR_NOT_PEER)
		return drop(a->id, ATEOM_STAT_DROP_ICMP_PEER, p->len);
	if (r || hop_decrement6(skb))
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(a->id, ATEOM_STAT_ICMP_ERROR, p->len);
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
}

/* The actor's answer from exposed port rev: back as [pod]:S. */
static __always_inline int exposed_reply6(struct __sk_buff *skb, const struct ateom_config *cfg,
					  const struct ateom_actor *a, const struct pkt6 *p,
					  __be16 pod_port)
{
	if (rewrite_src6(skb, p, &cfg->pod_ip6, pod_port))
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(a->id, ATEOM_STAT_DNAT_REPLY, p->len);
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
}

/* The pair bookkeeping of the actor side, each not inlined: each builds
 * the partner's key and entry (44 + 56 bytes), which inlined together
 * would not fit under from_actor6's frame. */
static __noinline int out_check6(struct ateom_actor *a, const struct ateom_nat6_key *key,
				 const struct ateom_nat6_entry *e, __u64 now)
{
	return nat_out_check6(a, key, e, now);
}

static __noinline void new_connection6(const struct ateom_nat6_key *key,
				       struct ateom_nat6_entry *e, __be32 syn_seq)
{
	nat_new_connection6(key, e, syn_seq);
}

static __noinline void mirror_close6(const struct ateom_nat6_key *key,
				     const struct ateom_nat6_entry *e, __u64 now)
{
	nat_mirror_close6(key, e, now);
}

/* The actor's established pair (key, e) carries this packet: the checks
 * and bookkeeping of actor_egress, stamped with hook generation gen. -1:
 * the halves disagree (drop). */
static __always_inline int pair_out6(struct ateom_actor *a, const struct ateom_nat6_key *key,
				     struct ateom_nat6_entry *e, const struct pkt6 *p, __u32 gen)
{
	__u64 now = bpf_ktime_get_coarse_ns();
	__u8 before;

	if (out_check6(a, key, e, now))
		return -1;
	before = e->seen;
	if (tcp_is_syn6(p))
		new_connection6(key, e, p->tcp_seq);
	nat_touch6(key, e, p, now, true);
	if ((e->seen & ~before) & (ATEOM_SEEN_FIN | ATEOM_SEEN_RST))
		mirror_close6(key, e, now);
	hook_stamp6(e, gen);
	return 0;
}

/* Translate and send out of the pod eth0 (actor_egress for IPv6). The
 * caller parsed the packet into s->p and looked the actor's OUT pair up
 * (s->key, e: NULL if none); the packet was let through under hook
 * generation gen, which the pair keeps. */
static __always_inline int actor_egress6(struct __sk_buff *skb, const struct ateom_config *cfg,
					 struct ateom_actor *a, struct v6_scratch *s,
					 struct ateom_nat6_entry *e, __u32 gen)
{
	struct pkt6 *p = &s->p;
	struct ateom_svc_rev *rev;
	union ateom_in6 addr;
	__be16 port;
	int err;

	/* Check before translating or creating state for a packet that will
	 * not leave. */
	if (p->hop_limit <= 1)
		return hop_expired6(skb, a, p);
	if (p->proto == IPPROTO_ICMPV6 && p->icmp_type != ICMP6_ECHO_REQUEST) {
		if (!ICMP6_IS_ERROR(p->icmp_type)) /* only echo requests start flows */
			return drop(a->id, ATEOM_STAT_DROP_PROTO, p->len);
		return actor_icmp6_error(skb, cfg, a, p);
	}

	if (e) {
		if (pair_out6(a, &s->key, e, p, gen))
			return drop(a->id, ATEOM_STAT_DROP_BAD_PAIR, p->len);
	} else if ((rev = exposed_source6(skb->ifindex, p))) {
		return exposed_reply6(skb, cfg, a, p, rev->port_be);
	} else {
		s->fresh.hook_gen = gen; /* snat_create6's OUT half carries it */
		err = snat_create6(skb, cfg, a, skb->ifindex, p, bpf_ktime_get_coarse_ns(),
				   &s->fresh);
		if (err == -EEXIST)
			e = bpf_map_lookup_elem(&nat6, &s->key);
		else if (err < 0)
			return drop(a->id, snat_drop_reason(err), p->len);
		else
			e = &s->fresh;
		if (!e)
			return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
		hook_stamp6(e, gen);
		count(a->id, err == 1 ? ATEOM_STAT_NAT_REPAIR : ATEOM_STAT_SNAT_NEW, 0);
	}
	addr = e->addr_be; /* copied: a deleted element's memory may be reused */
	port = e->port_be;
	if (rewrite_src6(skb, p, &addr, port))
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(a->id, ATEOM_STAT_SNAT, p->len);
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
}

/* From a hooked actor's exposed port to a client that reached it
 * (svc_flows): the pod port to answer from, or -1. Not inlined, nor is
 * actor6_refused: from_actor6's stack is the port search's. */
static __noinline int hook_reply_port6(const struct ateom_config *cfg,
				       const struct ateom_actor *a, const struct pkt6 *p,
				       __u32 ifindex)
{
	struct ateom_svc_rev *rev;

	if (!svc_flow_known_t(cfg, a, p->proto, svc_tuple6(cfg, &p->daddr, p->dport, p->sport),
			      SVC_FLOW_FAM6))
		return -1;
	rev = exposed_source6(ifindex, p);
	return rev ? rev->port_be : -1;
}

/* What every IPv6 packet of the actor must be, before the hook and again
 * after it: from the actor's address, no extension header, not to the
 * worker. 0 or the drop's counter. */
static __noinline __u32 actor6_refused(const struct ateom_config *cfg,
					    const struct ateom_actor *a, const struct pkt6 *p,
					    int r)
{
	if (!in6_eq(&p->saddr, &a->actor_ip6))
		return ATEOM_STAT_DROP_SPOOF;
	/* Routing headers and the like have no business leaving an actor. */
	if (p->ext_hdrs || r == PARSE_EXT)
		return ATEOM_STAT_DROP_EXT_HDR;
	if (to_worker6(cfg, a, &p->daddr))
		return ATEOM_STAT_DROP_V6_TO_WORKER;
	/* Fragments (frag6.h): a follower goes as its first fragment went
	 * (from_actor6 sends it on), a first fragment like any packet, but
	 * not an ICMPv6 error's (as IPv4's). */
	if (r == PARSE_FRAG && (p->later_frag ||
				(p->proto == IPPROTO_ICMPV6 && ICMP6_IS_ERROR(p->icmp_type))))
		return ATEOM_STAT_DROP_FRAG;
	if (r == PARSE_PROTO && p->proto == IPPROTO_UDP)
		return ATEOM_STAT_DROP_UDP6_ZERO_CSUM; /* parse6_l4 */
	if (r != PARSE_OK && r != PARSE_FRAG)
		return r == PARSE_PROTO ? ATEOM_STAT_DROP_PROTO : ATEOM_STAT_DROP_TRUNC;
	return 0;
}

/* Slot ATEOM_V6_FROM_ACTOR: from_actor counted the packet (actor_rx). */
SEC("tc")
int from_actor6(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ateom_config *cfg = get_config();
	struct v6_scratch *s = get_scratch6();
	struct ateom_nat6_entry *e;
	struct ateom_actor *a;
	struct pkt6 *p;
	__u32 gen, why;
	int r;

	if (!cfg)
		return drop(0, ATEOM_STAT_DROP_NO_CONFIG, skb->len);
	a = bpf_map_lookup_elem(&actors, &ifindex);
	if (!a)
		return drop(0, ATEOM_STAT_DROP_NO_ACTOR, skb->len);
	if (!s)
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, skb->len);
	p = &s->p;
	gen = READ_ONCE_U32(a->hook_gen);
	if (in6_zero(&a->actor_ip6) || in6_zero(&cfg->pod_ip6))
		return drop(a->id, ATEOM_STAT_DROP_NO_IPV6, skb->len);

	r = parse_ipv6(skb, p);
	if (r == PARSE_TRUNC || r == PARSE_NOT_IPV4)
		return drop(a->id, ATEOM_STAT_DROP_TRUNC, skb->len);
	/* Neighbour discovery before the source check: a solicitation may
	 * come from a link-local or the unspecified address. */
	if (r == PARSE_PROTO && p->proto == IPPROTO_ICMPV6 && icmp6_is_nd(p->icmp_type)) {
		if (p->icmp_type == ND_NEIGHBOR_SOLICIT && nd_respond(skb, a, p) == ND_REPLIED) {
			count(a->id, ATEOM_STAT_ND_REPLY, p->len); /* the solicitation */
			return bpf_redirect(ifindex, 0);
		}
		return drop(a->id, ATEOM_STAT_DROP_ND, skb->len);
	}
	why = actor6_refused(cfg, a, p, r);
	if (why == ATEOM_STAT_DROP_FRAG && p->later_frag)
		return frag6_out_follow(skb, cfg, a, p);
	if (why)
		return drop(a->id, why, skb->len);

	nat_key_out6(&s->key, ifindex, p);
	e = bpf_map_lookup_elem(&nat6, &s->key);
	/* Past the hook (hook_cache.h): a flow it let through under this
	 * generation, or an exposed port's answer to a client that reached
	 * it. (One call of actor_egress6 below, inlined once: the stack.) */
	if (hook_cached6(e, gen, p)) {
		count(a->id, ATEOM_STAT_HOOK_CACHED, 0);
	} else {
		if (!e && (a->flags & ATEOM_ACTOR_HOOKED) && p->hop_limit > 1 &&
		    p->proto != IPPROTO_ICMPV6) {
			int port = hook_reply_port6(cfg, a, p, ifindex);

			if (port >= 0) {
				count(a->id, ATEOM_STAT_HOOK_REPLY, 0);
				r = exposed_reply6(skb, cfg, a, p, (__be16)port);
				/* (Its followers go as it went.) */
				return p->fragment ? frag6_out_first(skb, cfg, a, p, r) : r;
			}
		}
		/* Egress hook (ateomnet_hook.h), as for IPv4: the hook tells
		 * the family by the ethertype. */
		skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] = ATEOM_HOOK_CB_MAGIC;
		skb->cb[ATEOM_HOOK_CB_ACTOR_ID] = a->id;
		skb->cb[ATEOM_HOOK_CB_IFINDEX] = ifindex;
		skb->cb[ATEOM_HOOK_CB_VERDICT] = ATEOM_HOOK_NONE;
		skb->cb[ATEOM_HOOK_CB_ARG] = hook_gen_encode(gen);
		bpf_tail_call(skb, &egress_hooks, a->id);
	}
	r = actor_egress6(skb, cfg, a, s, e, gen);
	return p->fragment ? frag6_out_first(skb, cfg, a, p, r) : r;
}

/* Slot ATEOM_V6_RESUME: the egress hook handed an IPv6 packet back to
 * actor_resume. */
SEC("tc")
int actor_resume6(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ateom_config *cfg = get_config();
	struct v6_scratch *s = get_scratch6();
	struct ateom_nat6_entry *e;
	struct ateom_actor *a;
	struct pkt6 *p;
	int r;

	if (!cfg)
		return drop(0, ATEOM_STAT_DROP_NO_CONFIG, skb->len);
	a = bpf_map_lookup_elem(&actors, &ifindex);
	if (!a)
		return drop(0, ATEOM_STAT_DROP_NO_ACTOR, skb->len);
	if (skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] != ATEOM_HOOK_CB_MAGIC || skb->vlan_present)
		return drop(a->id, ATEOM_STAT_DROP_POLICY, skb->len);
	skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] = 0;
	/* The capture proxy is IPv4's: nothing gets past it by changing
	 * family. */
	if (skb->cb[ATEOM_HOOK_CB_VERDICT] == ATEOM_HOOK_CAPTURE)
		return drop(a->id, ATEOM_STAT_DROP_CAPTURE, skb->len);
	if (skb->cb[ATEOM_HOOK_CB_VERDICT] != ATEOM_HOOK_ALLOW)
		return drop(a->id, ATEOM_STAT_DROP_POLICY, skb->len);
	count(a->id, ATEOM_STAT_HOOK_ALLOW, skb->len);
	if (!s)
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, skb->len);
	p = &s->p;

	/* The hook may not have kept its promise not to touch the packet. */
	r = parse_ipv6(skb, p);
	if (r == PARSE_TRUNC || r == PARSE_NOT_IPV4 || in6_zero(&a->actor_ip6) ||
	    in6_zero(&cfg->pod_ip6) || actor6_refused(cfg, a, p, r))
		return drop(a->id, ATEOM_STAT_DROP_POLICY, skb->len);
	nat_key_out6(&s->key, ifindex, p);
	e = bpf_map_lookup_elem(&nat6, &s->key);
	/* The generation from_actor6 read before the hook ran. */
	r = actor_egress6(skb, cfg, a, s, e, hook_gen_decode(skb->cb[ATEOM_HOOK_CB_ARG]));
	return p->fragment ? frag6_out_first(skb, cfg, a, p, r) : r;
}

/* ---- from_pod6 --------------------------------------------------------------- */

static __always_inline int pod_icmp6_error(struct __sk_buff *skb,
					   const struct ateom_config *cfg, const struct pkt6 *p)
{
	struct icmp_dest d = {};
	int r = icmp6_error_from_pod(skb, p, &d);

	if (r > 0)
		return pod_pass(skb); /* about the worker's own traffic */
	if (r || hop_decrement6(skb) || set_actor_macs(skb))
		return drop(d.actor_id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(d.actor_id, ATEOM_STAT_ICMP_ERROR, p->len);
	return deliver(cfg, d.ifindex);
}

/* To an exposed port: the same static mapping as IPv4 (services), to the
 * actor's IPv6 address; the client address is preserved. An actor without
 * IPv6 has nothing listening there: the worker answers. */
static __always_inline int pod_to_service6(struct __sk_buff *skb,
					   const struct ateom_config *cfg,
					   const struct ateom_svc *svc, const struct pkt6 *p)
{
	__u32 ifindex = svc->actor_ifindex;
	__u16 id = svc->actor_id;
	__be16 aport = svc->actor_port_be;
	struct ateom_actor *a = bpf_map_lookup_elem(&actors, &ifindex);
	union ateom_in6 to;

	if (!a || in6_zero(&a->actor_ip6))
		return pod_pass(skb);
	/* A client the actor could not answer (to_worker6 refuses it as a
	 * destination) is a spoofer: the actor's own or its gateway's
	 * address, link-local, IPv4-mapped... The actor's stack would take
	 * its own address for a local peer. */
	if (to_worker6(cfg, a, &p->saddr))
		return drop(0, ATEOM_STAT_DROP_SPOOF, p->len);
	to = a->actor_ip6;
	if (p->hop_limit <= 1)
		return drop(id, ATEOM_STAT_DROP_TTL, p->len);
	svc_flow_note_t(cfg, id, p->proto, svc_tuple6(cfg, &p->saddr, p->sport, aport),
			SVC_FLOW_FAM6);
	if (set_actor_macs(skb) || rewrite_dst6(skb, p, &to, aport))
		return drop(id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(id, ATEOM_STAT_DNAT, p->len);
	return deliver(cfg, ifindex);
}

/* A reply to an actor's SNAT66 flow, by its pair's port record (as
 * pod_snat_reply: a SYN is never a reply, a remote's RST must carry what
 * only the peer knows to close the pair). */
static __always_inline int pod_snat_reply6(struct __sk_buff *skb,
					   const struct ateom_config *cfg, struct pkt6 *p)
{
	struct ateom_nat6_entry *e;
	struct ateom_nat6_key key;
	union ateom_in6 addr;
	__u32 ifindex;
	__be16 port;
	__u16 id;
	bool trust_rst;
	__u64 now;

	nat_key_in6(&key, p);
	e = bpf_map_lookup_elem(&nat6, &key);
	if (!e)
		return pod_pass(skb);
	if (tcp_is_syn6(p)) {
		count(0, ATEOM_STAT_SYN_NOT_REPLY, p->len);
		return pod_pass(skb);
	}
	/* Copied before use: a deleted element's memory may be reused. */
	addr = e->addr_be;
	port = e->port_be;
	ifindex = e->actor_ifindex;
	id = e->actor_id;
	if (p->hop_limit <= 1)
		return drop(id, ATEOM_STAT_DROP_TTL, p->len);
	trust_rst = !(p->tcp_flags & TCP_FLAG_RST_BYTE) || remote_rst_valid6(&key, e, p);
	if (!trust_rst)
		count(id, ATEOM_STAT_RST_IGNORED, 0); /* delivered: the actor judges it */
	now = bpf_ktime_get_coarse_ns();
	nat_touch6(&key, e, p, now, trust_rst);
	if (set_actor_macs(skb) || rewrite_dst6(skb, p, &addr, port))
		return drop(id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(id, ATEOM_STAT_SNAT_REPLY, p->len);
	return deliver(cfg, ifindex);
}

/* Slot ATEOM_V6_FROM_POD. */
SEC("tc")
int from_pod6(struct __sk_buff *skb)
{
	struct ateom_config *cfg = get_config();
	struct ateom_svc *svc;
	struct pkt6 p;
	int r;

	if (!cfg)
		return TC_ACT_UNSPEC;
	if (in6_zero(&cfg->pod_ip6))
		return pod_pass(skb);
	/* Nobody on the pod network sends as the pod's address. */
	r = parse_ipv6(skb, &p);
	if (r != PARSE_OK || !in6_eq(&p.daddr, &cfg->pod_ip6) || in6_eq(&p.saddr, &cfg->pod_ip6)) {
		/* Fragments (frag6.h): a follower goes where its first
		 * fragment went; a first fragment (not an ICMPv6 error's) by
		 * the rules below, and its followers will follow. */
		if (r != PARSE_FRAG || !in6_eq(&p.daddr, &cfg->pod_ip6) ||
		    in6_eq(&p.saddr, &cfg->pod_ip6) ||
		    (p.proto == IPPROTO_ICMPV6 && ICMP6_IS_ERROR(p.icmp_type)))
			return pod_pass(skb);
		if (p.later_frag)
			return frag6_pod_follow(skb, cfg, &p);
	}
	if (p.proto == IPPROTO_ICMPV6) {
		if (ICMP6_IS_ERROR(p.icmp_type))
			return pod_icmp6_error(skb, cfg, &p);
		if (p.icmp_type != ICMP6_ECHO_REPLY)
			return pod_pass(skb); /* echo requests: the worker answers */
		r = in_snat_range(cfg, p.dport) ? pod_snat_reply6(skb, cfg, &p) : pod_pass(skb);
	} else if ((svc = service_of(p.proto, p.dport))) {
		/* Exposed ports first, as for IPv4 (no pair can hold one). */
		r = pod_to_service6(skb, cfg, svc, &p);
	} else {
		r = in_snat_range(cfg, p.dport) ? pod_snat_reply6(skb, cfg, &p) : pod_pass(skb);
	}
	return p.fragment ? frag6_pod_first(skb, cfg, &p, r) : r;
}

#endif
