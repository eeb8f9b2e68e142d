/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* IPv6 fragments, handled as IPv4's are (frag.h, docs/NOTES.md
 * "Fragments"): the first fragment (offset 0) carries the upper-layer
 * header and goes through the datapath like any packet; where it is
 * translated its datagram is noted (frag6_out, frag6_in), and the
 * followers get what it got or nothing:
 *
 *   - an actor's follower without its first fragment is dropped;
 *   - what an actor sends leaves with a new identification, one per
 *     datagram (frag_ids, shared with IPv4), so two actors' datagrams to
 *     one remote never share one behind the pod IPv6;
 *   - a follower on the pod side without a tracked first fragment is the
 *     worker's, and so is one whose first fragment went to the worker.
 *
 * What differs: the fragment header (not the IP header) holds the offset,
 * M and a 32-bit identification; no header checksum to fix; the follower's
 * hop limit goes down as the TTL does. The counters are IPv4's. */
#ifndef ATEOM_BPF_FRAG6_H
#define ATEOM_BPF_FRAG6_H

#include <linux/pkt_cls.h>
#include "maps.h"
#include "parse6.h"
#include "siphash.h"
#include "icmp6_csum.h"
#include "nat6.h"      /* nat_key_in6, worker_owns_port6 */
#include "dp_common.h" /* pod_pass, deliver, set_actor_macs */

#define FRAG6_HLEN 8
#define FRAG6_IP6_SADDR_OFF (ETH_HLEN + 8)
#define FRAG6_IP6_DADDR_OFF (ETH_HLEN + 24)

/* Bounded by slots as the IPv4 tables are (include/ateomnet_frag.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_FRAG_OUT_ENTRIES); /* sized by the loader */
	__type(key, struct ateom_frag_key);
	__type(value, struct ateom_frag6);
} frag6_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ATEOM_FRAG_IN_SLOTS);
	__type(key, struct ateom_frag_key);
	__type(value, struct ateom_frag6);
} frag6_in SEC(".maps");

/* Where a new entry is put together before it goes into its table in one
 * update (readers on other CPUs never see half of it): from_actor6 leaves
 * too little of its 512-byte stack for one more on it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ateom_frag6);
} frag6_scratch SEC(".maps");

static __always_inline struct ateom_frag6 *frag6_fresh(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&frag6_scratch, &zero);
}

/* What the fragment header says. */
struct frag6_hdr {
	__be32 id;
	__u16 off;       /* in 8-byte units */
	__u16 len;       /* fragment bytes after the fragment header */
	bool more;       /* M */
};

static __always_inline int frag6_hdr(struct __sk_buff *skb, const struct pkt6 *p,
				     struct frag6_hdr *h)
{
	struct { __u8 nexthdr, res; __be16 off; __be32 id; } fh;
	__u32 end = ETH_HLEN + 40 + p->plen, data;

	if (!p->fraghdr_off || bpf_skb_load_bytes(skb, p->fraghdr_off, &fh, sizeof(fh)))
		return -1;
	data = p->fraghdr_off + FRAG6_HLEN;
	if (end < data)
		return -1;
	h->id = fh.id;
	h->off = bpf_ntohs(fh.off) >> 3;
	h->more = bpf_ntohs(fh.off) & 1;
	h->len = end - data;
	return 0;
}

/* A follower that would land in the TCP header (RFC 1858, RFC 5722: an
 * overlap could rewrite the ports after NAT) or past 64 KiB. */
static __always_inline bool frag6_bad(const struct pkt6 *p, const struct frag6_hdr *h)
{
	return (p->proto == IPPROTO_TCP && h->off < 3) ||
	       (__u32)h->off * 8 + h->len > 0xffff; /* as Linux's ip6_frag_queue */
}

static __always_inline __u32 in6_mix(const union ateom_in6 *a)
{
	return a->w[0] ^ a->w[1] ^ a->w[2] ^ a->w[3];
}

/* An actor's slots: a plain mix (only the actor's own slots are at stake). */
static __always_inline void frag6_out_key(struct ateom_frag_key *k, __u32 actor_id,
					  const union ateom_in6 *daddr, __u8 proto, __be32 id)
{
	__u32 h = (in6_mix(daddr) ^ id ^ proto) * 0x9e3779b1U;

	k->owner = actor_id;
	k->slot = h >> 28; /* ATEOM_FRAG_SLOTS_PER_ACTOR == 16 */
}

/* The shared inbound slots: keyed, so nobody can aim at a given slot. (The
 * source is folded to 64 bits first: a sender that wants another's slot
 * can as well spoof that source.) */
static __always_inline void frag6_in_key(struct ateom_frag_key *k,
					 const struct ateom_config *cfg,
					 const union ateom_in6 *saddr, __u8 proto, __be32 id)
{
	__u64 src = ((__u64)(saddr->w[0] ^ saddr->w[2]) << 32) | (saddr->w[1] ^ saddr->w[3]);
	__u64 h = siphash_2u64(src, ((__u64)id << 32) | ((__u32)proto << 8) | 6,
			       cfg->port_key);

	k->owner = 0;
	k->slot = h & (ATEOM_FRAG_IN_SLOTS - 1);
}

static __always_inline bool frag6_same(const struct ateom_frag6 *e,
				       const union ateom_in6 *peer, __u8 proto, __be32 id,
				       __u64 now)
{
	return in6_eq(&e->peer_be, peer) && e->id_be == id && e->proto == proto &&
	       now - e->created_ns < ATEOM_FRAG_TIMEOUT_NS;
}

/* The identification a translated datagram leaves with: IPv4's counter
 * (frag.h), shifted per destination by a keyed hash. */
static __always_inline __be32 frag6_new_id(const struct ateom_config *cfg,
					   const union ateom_in6 *daddr, __u8 proto)
{
	__u32 zero = 0, n;
	struct ateom_frag_ids *ids = bpf_map_lookup_elem(&frag_ids, &zero);
	__u64 d = ((__u64)(daddr->w[0] ^ daddr->w[2]) << 32) | (daddr->w[1] ^ daddr->w[3]);
	__u64 shift = siphash_2u64(d, 0x667261672d696436ULL /* "frag-id6" */ ^ proto,
				   cfg->port_key);

	n = ids ? __sync_fetch_and_add(&ids->next, 1) : bpf_get_prandom_u32();
	return bpf_htonl(n + (__u32)shift);
}

/* frag.h's frag_track for the IPv6 entry. */
static __always_inline void frag6_track(void *map, const struct ateom_frag_key *k,
					struct ateom_frag6 *e, const struct frag6_hdr *h,
					__u32 block)
{
	if (h->off == e->end) {
		if (h->more)
			e->end = h->off + h->len / 8;
		else if (map)
			bpf_map_delete_elem(map, k);
		else
			e->end = 0xffff;
	} else if (h->off < e->end) {
		count(block, ATEOM_STAT_FRAG_OVERLAP, 0);
	} else {
		count(block, ATEOM_STAT_FRAG_REORDER, 0);
	}
}

/* A follower's header: one address (from a table entry), the hop limit
 * (we forward), the identification if set_id. Nothing covers them but a
 * CHECKSUM_COMPLETE skb's csum (no header checksum, no L4 header), which
 * learns the change. Lean on stack: it runs under from_actor6's. */
static __always_inline int frag6_rewrite(struct __sk_buff *skb, const struct pkt6 *p,
					 bool src, const union ateom_in6 *addr, bool set_id,
					 __be32 id)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip = data + ETH_HLEN;
	union ateom_in6 *at;
	__be32 old_id;
	__u64 d;

	if ((void *)(ip + 1) > end || ip->hop_limit <= 1)
		return -1;
	at = src ? (union ateom_in6 *)&ip->saddr : (union ateom_in6 *)&ip->daddr;
	/* (The hop limit is the low byte of its 16-bit word.) */
	d = csum6_16_diff(bpf_htons(ip->hop_limit), bpf_htons(ip->hop_limit - 1));
	ip->hop_limit--;
	d += csum6_addr_diff(at, addr);
	__builtin_memcpy(at, addr, sizeof(*at));
	if (set_id) {
		if (bpf_skb_load_bytes(skb, p->fraghdr_off + 4, &old_id, sizeof(old_id)) ||
		    bpf_skb_store_bytes(skb, p->fraghdr_off + 4, &id, sizeof(id), 0))
			return -1;
		d += csum6_addr_diff32(old_id, id);
	}
	bpf_csum_update(skb, csum6_fold32(d));
	return 0;
}

/* A first fragment's new identification (its L4 checksum does not cover
 * the fragment header; a CHECKSUM_COMPLETE csum learns it). */
static __always_inline int frag6_set_id(struct __sk_buff *skb, const struct pkt6 *p, __be32 id)
{
	__be32 old;

	if (bpf_skb_load_bytes(skb, p->fraghdr_off + 4, &old, sizeof(old)) ||
	    bpf_skb_store_bytes(skb, p->fraghdr_off + 4, &id, sizeof(id), 0))
		return -1;
	bpf_csum_update(skb, csum6_addr_diff32(old, id));
	return 0;
}

/* ---- what the actor sends ------------------------------------------------ */

/* The actor's first fragment has been translated (verdict: a redirect out
 * of the pod eth0 if it was): note its datagram and give it its new
 * identification; a duplicate first fragment keeps the one it got. */
static __noinline int frag6_out_first(struct __sk_buff *skb, const struct ateom_config *cfg,
				      const struct ateom_actor *a, const struct pkt6 *p,
				      int verdict)
{
	struct ateom_frag_key k;
	struct ateom_frag6 *e;
	__u32 end = ETH_HLEN + 40 + p->plen, data = p->fraghdr_off + FRAG6_HLEN;
	__u64 now;
	__be32 id;

	/* (Hop limit 1: the redirect is the Time Exceeded back to the actor.) */
	if (verdict != TC_ACT_REDIRECT || p->hop_limit <= 1)
		return verdict;
	/* (The parser has the identification: no fragment header to read,
	 * and no room for it under from_actor6's stack.) */
	if (!p->fraghdr_off || end < data)
		goto fail;
	now = bpf_ktime_get_coarse_ns();
	frag6_out_key(&k, a->id, &p->daddr, p->proto, p->frag_id);
	e = bpf_map_lookup_elem(&frag6_out, &k);
	if (e && e->ifindex == skb->ifindex && frag6_same(e, &p->daddr, p->proto, p->frag_id, now)) {
		id = e->new_id_be;
		count(a->id, ATEOM_STAT_FRAG_DUP_FIRST, 0);
	} else {
		id = frag6_new_id(cfg, &p->daddr, p->proto);
		e = frag6_fresh();
		if (!e)
			goto fail;
		/* (Field by field: a compound literal would be built on
		 * the stack first.) */
		e->ifindex = skb->ifindex;
		e->peer_be = p->daddr;
		e->id_be = p->frag_id;
		e->proto = p->proto;
		e->verdict = ATEOM_FRAG_FORWARD;
		e->actor_id = a->id;
		e->addr_be = cfg->pod_ip6;
		e->new_id_be = id;
		e->end = (end - data) / 8;
		e->pad = 0;
		e->created_ns = now;
		/* The actor's own slot: whatever datagram of its own held it
		 * loses its followers (16 in flight per actor). */
		if (bpf_map_update_elem(&frag6_out, &k, e, BPF_ANY))
			goto fail;
	}
	if (frag6_set_id(skb, p, id))
		goto fail;
	count(a->id, ATEOM_STAT_FRAG_FIRST, 0);
	return verdict;
fail:
	count(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	return TC_ACT_SHOT;
}

/* The actor's follower: sent as its first fragment was, or dropped. */
static __noinline int frag6_out_follow(struct __sk_buff *skb, const struct ateom_config *cfg,
				       const struct ateom_actor *a, const struct pkt6 *p)
{
	struct ateom_frag_key k;
	struct ateom_frag6 *e;
	struct frag6_hdr h;
	__u32 why;

	if (frag6_hdr(skb, p, &h) || frag6_bad(p, &h)) {
		why = ATEOM_STAT_DROP_FRAG_BAD;
		goto drop;
	}
	frag6_out_key(&k, a->id, &p->daddr, p->proto, h.id);
	e = bpf_map_lookup_elem(&frag6_out, &k);
	if (!e || e->ifindex != skb->ifindex ||
	    !frag6_same(e, &p->daddr, p->proto, h.id, bpf_ktime_get_coarse_ns())) {
		why = ATEOM_STAT_DROP_FRAG_ORPHAN;
		goto drop;
	}
	if (p->hop_limit <= 1) {
		why = ATEOM_STAT_DROP_TTL;
		goto drop;
	}
	/* Rewritten first: tracking may delete the entry. */
	if (frag6_rewrite(skb, p, true, &e->addr_be, true, e->new_id_be)) {
		why = ATEOM_STAT_DROP_NAT_FAIL;
		goto drop;
	}
	frag6_track(&frag6_out, &k, e, &h, a->id);
	count(a->id, ATEOM_STAT_FRAG_OUT, p->len);
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
drop:
	count(a->id, why, p->len);
	return TC_ACT_SHOT;
}

/* ---- what arrives on the pod eth0 ---------------------------------------- */

/* A first fragment went where a whole datagram would (the actor on
 * `ifindex`, or the worker: 0): note where its followers go. frag.h's
 * frag_in_first has the rules (the worker's wins a conflict, between two
 * actors nobody gets the followers, the worker's live entry keeps its slot
 * against an actor's). `daddr`: the destination the followers get (the
 * actor's address, or the pod's for the worker). */
static __always_inline void frag6_in_first(struct __sk_buff *skb, const struct ateom_config *cfg,
					   const struct pkt6 *p, const union ateom_in6 *daddr,
					   __u32 ifindex, __u32 actor_id)
{
	__u8 what = ifindex ? ATEOM_FRAG_FORWARD : ATEOM_FRAG_WORKER;
	struct ateom_frag_key k;
	struct ateom_frag6 *e, *fresh;
	struct frag6_hdr h;
	__u64 now;

	if (frag6_hdr(skb, p, &h))
		return;
	now = bpf_ktime_get_coarse_ns();
	frag6_in_key(&k, cfg, &p->saddr, p->proto, h.id);
	e = bpf_map_lookup_elem(&frag6_in, &k);
	if (e && frag6_same(e, &p->saddr, p->proto, h.id, now)) {
		if (e->verdict == what && e->ifindex == ifindex) {
			count(actor_id, ATEOM_STAT_FRAG_DUP_FIRST, 0);
			return;
		}
		count(0, ATEOM_STAT_FRAG_CONFLICT, 0);
		if (e->verdict != ATEOM_FRAG_WORKER)
			e->verdict = what == ATEOM_FRAG_WORKER ? ATEOM_FRAG_WORKER
							      : ATEOM_FRAG_CONFLICT;
		e->ifindex = 0;
		return;
	}
	if (e && what == ATEOM_FRAG_FORWARD && e->verdict == ATEOM_FRAG_WORKER &&
	    now - e->created_ns < ATEOM_FRAG_TIMEOUT_NS) {
		count(0, ATEOM_STAT_FRAG_CONFLICT, 0);
		return;
	}
	fresh = frag6_fresh();
	if (!fresh)
		return;
	fresh->ifindex = ifindex;
	fresh->peer_be = p->saddr;
	fresh->id_be = h.id;
	fresh->proto = p->proto;
	fresh->verdict = what;
	fresh->actor_id = actor_id;
	fresh->addr_be = *daddr;
	fresh->new_id_be = 0;
	fresh->end = h.len / 8;
	fresh->pad = 0;
	fresh->created_ns = now;
	bpf_map_update_elem(&frag6_in, &k, fresh, BPF_ANY);
	if (ifindex)
		count(actor_id, ATEOM_STAT_FRAG_FIRST, 0);
}

/* from_pod6, after a first fragment went through its rules (verdict v):
 * where did it go? To an actor (redirected: by its exposed port, or by
 * the SNAT66 pair's port record, the lookups it was sent by), or to the
 * worker; noted for its followers. Returns v. */
static __noinline int frag6_pod_first(struct __sk_buff *skb, const struct ateom_config *cfg,
				      const struct pkt6 *p, int v)
{
	struct ateom_nat6_entry *e;
	struct ateom_nat6_key key;
	struct ateom_actor *a;
	struct ateom_svc *svc;
	__u32 ifindex;

	nat_key_in6(&key, p);
	if (v == TC_ACT_REDIRECT) {
		svc = p->proto == IPPROTO_ICMPV6 ? NULL : service_of(p->proto, p->dport);
		if (svc) {
			ifindex = svc->actor_ifindex;
			a = bpf_map_lookup_elem(&actors, &ifindex);
			if (a && a->id == svc->actor_id)
				frag6_in_first(skb, cfg, p, &a->actor_ip6, ifindex, a->id);
		} else if ((e = bpf_map_lookup_elem(&nat6, &key))) {
			frag6_in_first(skb, cfg, p, &e->addr_be, e->actor_ifindex, e->actor_id);
		}
	} else if (v == TC_ACT_UNSPEC && worker_owns_port6(skb, &key)) {
		/* The worker's datagram guarded where a worker socket takes
		 * it (frag.h's pod_frag, the same reasons). */
		frag6_in_first(skb, cfg, p, &cfg->pod_ip6, 0, 0);
	}
	return v;
}

/* from_pod6: a follower. Rewritten for the actor its first fragment went
 * to and delivered, or the worker's (passed), or dropped and counted. */
static __noinline int frag6_pod_follow(struct __sk_buff *skb, const struct ateom_config *cfg,
				       const struct pkt6 *p)
{
	struct ateom_frag_key k;
	struct ateom_actor *a;
	struct ateom_frag6 *e;
	struct frag6_hdr h;
	__u32 ifindex, id, why;

	if (frag6_hdr(skb, p, &h))
		return pod_pass(skb);
	frag6_in_key(&k, cfg, &p->saddr, p->proto, h.id);
	e = bpf_map_lookup_elem(&frag6_in, &k);
	if (!e || !frag6_same(e, &p->saddr, p->proto, h.id, bpf_ktime_get_coarse_ns()))
		return pod_pass(skb);
	/* Inbound entries stay until their slot is taken or they expire
	 * (frag.h: a late spoofed first fragment cannot move them). */
	if (e->verdict == ATEOM_FRAG_WORKER) {
		frag6_track(NULL, &k, e, &h, 0);
		return pod_pass(skb);
	}
	if (e->verdict != ATEOM_FRAG_FORWARD)
		return drop(0, ATEOM_STAT_DROP_FRAG_CONFLICT, p->len);
	ifindex = e->ifindex;
	id = e->actor_id;
	/* Still the actor its first fragment found. */
	a = bpf_map_lookup_elem(&actors, &ifindex);
	if (!a || a->id != id)
		return pod_pass(skb);
	why = frag6_bad(p, &h) ? ATEOM_STAT_DROP_FRAG_BAD :
	      p->hop_limit <= 1 ? ATEOM_STAT_DROP_TTL : 0;
	if (why)
		return drop(id, why, p->len);
	frag6_track(NULL, &k, e, &h, id);
	if (frag6_rewrite(skb, p, false, &e->addr_be, false, 0) || set_actor_macs(skb))
		return drop(id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(id, ATEOM_STAT_FRAG_IN, p->len);
	return deliver(cfg, ifindex);
}

#endif
