/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* IPv4 fragments. The first fragment of a datagram carries the L4 header:
 * it goes through the datapath like any packet (egress hook, NAT, quota and
 * ownership rules, exposed ports), and where it is translated its datagram
 * is remembered (frag_out, frag_in; include/ateomnet_frag.h). The followers
 * carry no ports: they get what their first fragment got (address, IP id,
 * destination) or nothing. docs/NOTES.md ("Fragments") has the rules:
 *
 *   - an actor's follower without its first fragment is dropped (counted):
 *     an actor's entries are keyed by its own id and name its ateomN, so it
 *     can neither use nor overwrite another's;
 *   - what an actor sends leaves with a new IP id, one per datagram from one
 *     counter, so two actors' datagrams to one remote never share an id
 *     behind the one pod IP (the remote would reassemble them together);
 *   - a follower on the pod side without a tracked first fragment is the
 *     worker's (passed), and so is one whose first fragment went to the
 *     worker, even if an actor's first fragment with the same name came
 *     too: the worker's datagrams never go to an actor.
 *
 * Only fragments come here; other packets pay nothing but the branch on
 * parse_ipv4()'s result. */
#ifndef ATEOM_BPF_FRAG_H
#define ATEOM_BPF_FRAG_H

#include <linux/pkt_cls.h>
#include "maps.h"
#include "parse.h"
#include "rewrite.h"
#include "siphash.h"

/* What the IPv4 header says about a fragment. */
struct frag_hdr {
	__be32 daddr;    /* as it is now (after a first fragment's rewrite) */
	__be16 id;
	__u16 off;       /* in 8-byte units */
	__u16 len;       /* payload bytes */
	bool more;       /* MF */
};

static __always_inline int frag_hdr(struct __sk_buff *skb, const struct pkt *p,
				    struct frag_hdr *h)
{
	struct iphdr ip;
	__u16 tot, frag, ihl = p->l4off - ETH_HLEN;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return -1;
	tot = bpf_ntohs(ip.tot_len);
	frag = bpf_ntohs(ip.frag_off);
	if (tot < ihl)
		return -1;
	h->daddr = ip.daddr;
	h->id = ip.id;
	h->off = frag & IP_OFFMASK;
	h->len = tot - ihl;
	h->more = frag & IP_MF;
	return 0;
}

/* A follower that would land in the TCP header (RFC 1858: overlapping it
 * could rewrite the ports after NAT) or past 64 KiB (no such datagram). */
static __always_inline bool frag_bad(const struct pkt *p, const struct frag_hdr *h)
{
	__u32 ihl = p->l4off - ETH_HLEN;

	return (p->proto == IPPROTO_TCP && h->off < 3) ||
	       (__u32)h->off * 8 + h->len + ihl > 0xffff;
}

/* An actor's slots: a plain mix (only the actor's own slots are at stake). */
static __always_inline void frag_out_key(struct ateom_frag_key *k, __u32 actor_id,
					 __be32 daddr, __u8 proto, __be16 id)
{
	__u32 h = (daddr ^ ((__u32)id << 16) ^ proto) * 0x9e3779b1U;

	k->owner = actor_id;
	k->slot = h >> 28; /* ATEOM_FRAG_SLOTS_PER_ACTOR == 16 */
}

/* The shared inbound slots: keyed, so nobody can aim at a given slot. */
static __always_inline void frag_in_key(struct ateom_frag_key *k,
					const struct ateom_config *cfg,
					__be32 saddr, __u8 proto, __be16 id)
{
	__u64 h = siphash_2u64(((__u64)saddr << 32) | ((__u32)id << 8) | proto,
			       0x667261672d696eULL /* "frag-in" */, cfg->port_key);

	k->owner = 0;
	k->slot = h & (ATEOM_FRAG_IN_SLOTS - 1);
}

/* Is e the live entry of this datagram? */
static __always_inline bool frag_same(const struct ateom_frag *e, __be32 peer, __u8 proto,
				      __be16 id, __u64 now)
{
	return e->peer_be == peer && e->id_be == id && e->proto == proto &&
	       now - e->created_ns < ATEOM_FRAG_TIMEOUT_NS;
}

/* The IP id a translated datagram leaves with: one counter for every
 * actor, so datagrams in flight from the pod IP never share an id (for
 * 65536 datagrams), shifted per destination by a keyed hash so that one
 * remote learns nothing of the ids another one sees. */
static __always_inline __be16 frag_new_id(const struct ateom_config *cfg, __be32 daddr,
					  __u8 proto)
{
	__u32 zero = 0, n;
	struct ateom_frag_ids *ids = bpf_map_lookup_elem(&frag_ids, &zero);
	__u64 shift = siphash_2u64(((__u64)daddr << 32) | proto,
				   0x667261672d6964ULL /* "frag-id" */, cfg->port_key);

	n = ids ? __sync_fetch_and_add(&ids->next, 1) : bpf_get_prandom_u32();
	return bpf_htons((__u16)(n + shift));
}

/* A follower moved the datagram on: in order, the contiguous part grows
 * (and the last fragment in order completes it: an actor's entry goes
 * then, if map is given); below it, a duplicate or an overlap; above it,
 * out of order. All are sent on: the receiver's reassembly judges overlaps
 * (Linux drops such datagrams). */
static __always_inline void frag_track(void *map, const struct ateom_frag_key *k,
				       struct ateom_frag *e, const struct frag_hdr *h,
				       __u32 block)
{
	if (h->off == e->end) {
		if (h->more)
			e->end = h->off + h->len / 8;
		else if (map)
			bpf_map_delete_elem(map, k);
		else
			e->end = 0xffff; /* complete: anything more is a duplicate */
	} else if (h->off < e->end) {
		count(block, ATEOM_STAT_FRAG_OVERLAP, 0);
	} else {
		count(block, ATEOM_STAT_FRAG_REORDER, 0);
	}
}

/* A follower's header: one address, the TTL (we forward), the IP id if
 * set_id; the IPv4 checksum updated in place (followers have no L4
 * checksum to fix). */
static __always_inline int frag_rewrite(struct __sk_buff *skb, bool src, __be32 addr,
					bool set_id, __be16 id)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	__be16 old_ttlw, old_id;
	__be32 old_addr;

	if ((void *)(ip + 1) > end || ip->ttl <= 1)
		return -1;
	old_addr = src ? ip->saddr : ip->daddr;
	old_ttlw = *(__be16 *)&ip->ttl; /* TTL and protocol share a word */
	ip->ttl--;
	if (src)
		ip->saddr = addr;
	else
		ip->daddr = addr;
	ip->check = csum16_update(ip->check, old_addr, addr, old_ttlw, *(__be16 *)&ip->ttl);
	if (set_id) {
		old_id = ip->id;
		ip->id = id;
		ip->check = csum16_update(ip->check, 0, 0, old_id, id);
	}
	return 0;
}

static __always_inline int frag_set_id(struct __sk_buff *skb, __be16 id)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	__be16 old;

	if ((void *)(ip + 1) > end)
		return -1;
	old = ip->id;
	ip->id = id;
	ip->check = csum16_update(ip->check, 0, 0, old, id);
	return 0;
}

/* ---- what the actor sends ------------------------------------------------ */

/* The actor's first fragment has been translated (verdict: what
 * actor_egress returned, a redirect out of the pod eth0 if it was): note
 * its datagram and give it its new IP id. A first fragment seen again (a
 * duplicate) keeps the id it got. */
static __noinline int frag_out_first(struct __sk_buff *skb, const struct ateom_config *cfg,
				     const struct ateom_actor *a, const struct pkt *p, int verdict)
{
	struct ateom_frag_key k;
	struct ateom_frag *e, fresh;
	struct frag_hdr h;
	__u64 now;
	__be16 id;

	/* (TTL 1: the redirect is the Time Exceeded back to the actor,
	 * bpf/ttl.h; nothing of the datagram left.) */
	if (verdict != TC_ACT_REDIRECT || p->ttl <= 1)
		return verdict;
	if (frag_hdr(skb, p, &h))
		goto fail;
	now = bpf_ktime_get_coarse_ns();
	frag_out_key(&k, a->id, p->daddr, p->proto, h.id);
	e = bpf_map_lookup_elem(&frag_out, &k);
	if (e && e->ifindex == skb->ifindex && frag_same(e, p->daddr, p->proto, h.id, now)) {
		id = e->new_id_be;
		count(a->id, ATEOM_STAT_FRAG_DUP_FIRST, 0);
	} else {
		id = frag_new_id(cfg, p->daddr, p->proto);
		fresh = (struct ateom_frag){
			.ifindex = skb->ifindex, .peer_be = p->daddr, .id_be = h.id,
			.proto = p->proto, .verdict = ATEOM_FRAG_FORWARD,
			.addr_be = cfg->pod_ip_be, .new_id_be = id, .actor_id = a->id,
			.end = h.len / 8, .created_ns = now,
		};
		/* The actor's own slot: whatever datagram of its own held it
		 * loses its followers (16 in flight per actor). */
		if (bpf_map_update_elem(&frag_out, &k, &fresh, BPF_ANY))
			goto fail;
	}
	if (frag_set_id(skb, id))
		goto fail;
	count(a->id, ATEOM_STAT_FRAG_FIRST, 0);
	return verdict;
fail:
	count(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	return TC_ACT_SHOT;
}

/* The actor's follower: sent as its first fragment was, or dropped. */
static __noinline int frag_out_follow(struct __sk_buff *skb, const struct ateom_config *cfg,
				      const struct ateom_actor *a, const struct pkt *p)
{
	struct ateom_frag_key k;
	struct ateom_frag *e;
	struct frag_hdr h;
	__be32 addr;
	__be16 id;
	__u32 why;

	if (frag_hdr(skb, p, &h) || frag_bad(p, &h)) {
		why = ATEOM_STAT_DROP_FRAG_BAD;
		goto drop;
	}
	frag_out_key(&k, a->id, p->daddr, p->proto, h.id);
	e = bpf_map_lookup_elem(&frag_out, &k);
	if (!e || e->ifindex != skb->ifindex ||
	    !frag_same(e, p->daddr, p->proto, h.id, bpf_ktime_get_coarse_ns())) {
		why = ATEOM_STAT_DROP_FRAG_ORPHAN;
		goto drop;
	}
	if (p->ttl <= 1) {
		why = ATEOM_STAT_DROP_TTL;
		goto drop;
	}
	addr = e->addr_be; /* copied: the entry may go now */
	id = e->new_id_be;
	frag_track(&frag_out, &k, e, &h, a->id);
	if (frag_rewrite(skb, true, addr, true, id)) {
		why = ATEOM_STAT_DROP_NAT_FAIL;
		goto drop;
	}
	count(a->id, ATEOM_STAT_FRAG_OUT, p->len);
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
drop:
	count(a->id, why, p->len);
	return TC_ACT_SHOT;
}

/* ---- what arrives on the pod eth0 ---------------------------------------- */

/* A first fragment went where a whole datagram would (delivered to the
 * actor on `ifindex`, or passed to the worker: ifindex 0): note where its
 * followers go. Two first fragments with one name (source, protocol, id)
 * but two destinations: the worker's wins; between two actors, neither
 * gets the followers. */
static __always_inline int frag_in_first(struct __sk_buff *skb, const struct ateom_config *cfg,
				    const struct pkt *p, __u32 ifindex, __u32 actor_id)
{
	__u8 what = ifindex ? ATEOM_FRAG_FORWARD : ATEOM_FRAG_WORKER;
	struct ateom_frag_key k;
	struct ateom_frag *e, fresh;
	struct frag_hdr h;
	__u64 now;

	if (frag_hdr(skb, p, &h))
		return 0;
	now = bpf_ktime_get_coarse_ns();
	frag_in_key(&k, cfg, p->saddr, p->proto, h.id);
	e = bpf_map_lookup_elem(&frag_in, &k);
	if (e && frag_same(e, p->saddr, p->proto, h.id, now)) {
		if (e->verdict == what && e->ifindex == ifindex) {
			count(actor_id, ATEOM_STAT_FRAG_DUP_FIRST, 0);
			return 0;
		}
		count(0, ATEOM_STAT_FRAG_CONFLICT, 0);
		if (e->verdict != ATEOM_FRAG_WORKER)
			e->verdict = what == ATEOM_FRAG_WORKER ? ATEOM_FRAG_WORKER
							      : ATEOM_FRAG_CONFLICT;
		e->ifindex = 0;
		return 0;
	}
	/* A live entry of the worker's, for another datagram, keeps its slot
	 * against an actor's: a flood of first fragments (no spoofing needed)
	 * must not free the worker's slot for a spoofed first fragment that
	 * would then take the rest of the worker's datagram to an actor. The
	 * actor's datagram loses its followers (they go to the worker). */
	if (e && what == ATEOM_FRAG_FORWARD && e->verdict == ATEOM_FRAG_WORKER &&
	    now - e->created_ns < ATEOM_FRAG_TIMEOUT_NS) {
		count(0, ATEOM_STAT_FRAG_CONFLICT, 0);
		return 0;
	}
	fresh = (struct ateom_frag){
		.ifindex = ifindex, .peer_be = p->saddr, .id_be = h.id, .proto = p->proto,
		.verdict = what, .addr_be = h.daddr, .actor_id = actor_id,
		.end = h.len / 8, .created_ns = now,
	};
	/* Otherwise the newest wins the slot: an entry lives as long as its
	 * datagram takes to arrive (ms), so evicting a given one takes a
	 * flood. */
	bpf_map_update_elem(&frag_in, &k, &fresh, BPF_ANY);
	if (ifindex)
		count(actor_id, ATEOM_STAT_FRAG_FIRST, 0);
	return 0;
}

/* A follower on the pod eth0: > 0, rewritten for the actor on that ateomN
 * (*actor_id set); 0, the worker's (untracked, or its first fragment went
 * to the worker); < 0, dropped and counted. */
static __noinline int frag_in_follow(struct __sk_buff *skb, const struct ateom_config *cfg,
				     const struct pkt *p, __u32 *actor_id)
{
	struct ateom_frag_key k;
	struct ateom_actor *a;
	struct ateom_frag *e;
	struct frag_hdr h;
	__u32 ifindex, id, why;
	__be32 addr;

	if (frag_hdr(skb, p, &h))
		return 0;
	frag_in_key(&k, cfg, p->saddr, p->proto, h.id);
	e = bpf_map_lookup_elem(&frag_in, &k);
	if (!e || !frag_same(e, p->saddr, p->proto, h.id, bpf_ktime_get_coarse_ns()))
		return 0;
	/* Inbound entries stay (until their slot is taken or they expire),
	 * complete or not: a first fragment under the same name that comes
	 * later, spoofed, finds them and cannot take the datagram's late
	 * duplicates elsewhere. */
	if (e->verdict == ATEOM_FRAG_WORKER) {
		frag_track(NULL, &k, e, &h, 0);
		return 0;
	}
	if (e->verdict != ATEOM_FRAG_FORWARD) {
		count(0, ATEOM_STAT_DROP_FRAG_CONFLICT, p->len);
		return -1;
	}
	ifindex = e->ifindex; /* copied: the entry may go now */
	id = e->actor_id;
	addr = e->addr_be;
	/* Still the actor its first fragment found (not one that came up on
	 * a reused id since). */
	a = bpf_map_lookup_elem(&actors, &ifindex);
	if (!a || a->id != id)
		return 0;
	why = frag_bad(p, &h) ? ATEOM_STAT_DROP_FRAG_BAD :
	      p->ttl <= 1 ? ATEOM_STAT_DROP_TTL : 0;
	if (why) {
		count(id, why, p->len);
		return -1;
	}
	frag_track(NULL, &k, e, &h, id);
	if (frag_rewrite(skb, false, addr, false, 0)) {
		count(id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
		return -1;
	}
	*actor_id = id;
	return ifindex;
}

#endif
