/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* SNAT pairs: one entry per direction of a translated actor flow.
 *
 *   OUT {ateomN, actor:p -> remote:r} -> pod:P       (the actor's packets)
 *   IN  {remote:r -> pod:P}           -> actor:p     (the replies)
 *
 * The IN half is the ownership record of pod port P toward remote:r: whoever
 * inserted it (BPF_NOEXIST) owns the port there. The ownership rules
 * (docs/NOTES.md, "NAT ownership"; ../shared/DESIGN.md §8):
 *   - the datapath picks P, with a keyed hash the actor cannot steer, and
 *     never one that is exposed or where the worker has a socket;
 *   - a pair is created IN half first and deleted OUT half first, so an OUT
 *     half always has its port record behind it;
 *   - each actor holds at most its quota of pairs (counted in its `actors`
 *     entry); nothing is evicted: expired pairs are removed by the garbage
 *     collector (gc.h) or reclaimed by a new flow that wants their port;
 *   - a half whose partner is missing is put back from the survivor, never
 *     re-allocated, and halves that disagree deliver nothing.
 */
#ifndef ATEOM_BPF_NAT_H
#define ATEOM_BPF_NAT_H

#include <linux/errno.h>
#include "maps.h"
#include "parse.h"
#include "siphash.h"

#define NSEC_PER_SEC 1000000000ULL
/* First pass of the port search: this many candidates are tried for a free
 * port before the second pass, over the whole range, may reclaim. */
#define SNAT_FREE_FIRST 32
/* The remote counts as crowded (each actor held to its share of its ports)
 * when this many first candidates were taken: at 80% of the ports in use
 * that happens for 1 new flow in 6, at 50% for 1 in 250. */
#define SHARE_CROWDED_AFTER 8
/* A remote's RST is recognised up to this far past the actor's last ACK
 * (unacked data in flight; delayed ACKs leave a segment or two). */
#define RST_WINDOW 65535U

/* The flags byte of the TCP header (offset 13). */
#define TCP_FLAG_FIN_BYTE 0x01
#define TCP_FLAG_SYN_BYTE 0x02
#define TCP_FLAG_RST_BYTE 0x04
#define TCP_FLAG_ACK_BYTE 0x10

#ifndef EDQUOT
#define EDQUOT 122
#endif
#ifndef EUSERS
#define EUSERS 87 /* "too many users": the actor's share of a remote */
#endif

/* A TCP SYN without ACK opens a connection: it is never a reply. */
static __always_inline bool tcp_is_syn(const struct pkt *p)
{
	return p->proto == IPPROTO_TCP &&
	       (p->tcp_flags & (TCP_FLAG_SYN_BYTE | TCP_FLAG_ACK_BYTE)) == TCP_FLAG_SYN_BYTE;
}

/* The one way a NAT key is built (every field, padding included: keys are
 * hashed as bytes). */
static __always_inline void nat_key(struct ateom_nat_key *k, __u32 ifindex, __u8 dir,
				    __u8 proto, __be32 saddr, __be16 sport,
				    __be32 daddr, __be16 dport)
{
	k->ifindex = ifindex;
	k->saddr_be = saddr;
	k->daddr_be = daddr;
	k->sport_be = sport;
	k->dport_be = dport;
	k->proto = proto;
	k->dir = dir;
	k->pad = 0;
}

static __always_inline void nat_key_out(struct ateom_nat_key *k, __u32 ifindex,
					const struct pkt *p)
{
	nat_key(k, ifindex, ATEOM_DIR_OUT, p->proto, p->saddr, p->sport, p->daddr, p->dport);
}

static __always_inline void nat_key_in(struct ateom_nat_key *k, const struct pkt *p)
{
	nat_key(k, 0, ATEOM_DIR_IN, p->proto, p->saddr, p->sport, p->daddr, p->dport);
}

/* Both halves of a pair, each as the other's reply: a translated packet's
 * reply is keyed by the translated tuple reversed, and translates back to
 * the endpoint the first half replaced. */
static __always_inline void nat_partner(const struct ateom_nat_key *k,
					const struct ateom_nat_entry *e,
					struct ateom_nat_key *pk, struct ateom_nat_entry *pe)
{
	*pe = *e;
	pe->seen = 0;
	if (k->dir == ATEOM_DIR_OUT) { /* source was translated */
		pe->type = ATEOM_NAT_SNAT_REPLY;
		nat_key(pk, 0, ATEOM_DIR_IN, k->proto, k->daddr_be, k->dport_be,
			e->addr_be, e->port_be);
		pe->addr_be = k->saddr_be;
		pe->port_be = k->sport_be;
	} else {                        /* destination was translated */
		pe->type = ATEOM_NAT_SNAT;
		nat_key(pk, e->actor_ifindex, ATEOM_DIR_OUT, k->proto, e->addr_be, e->port_be,
			k->saddr_be, k->sport_be);
		pe->addr_be = k->daddr_be;
		pe->port_be = k->dport_be;
	}
}

/* Does the half found under the partner key say what its partner expects? */
static __always_inline bool halves_agree(const struct ateom_nat_entry *found,
					 const struct ateom_nat_entry *expect)
{
	return found->addr_be == expect->addr_be && found->port_be == expect->port_be &&
	       found->actor_ifindex == expect->actor_ifindex;
}

/* The count of pairs actor `ifindex` holds toward the remote of port
 * record `in` (remote_pairs); created at 0 when asked to. */
static __always_inline __u32 *remote_count(const struct ateom_nat_key *in, __u32 ifindex,
					   bool create)
{
	struct ateom_remote_pairs_key rk = {
		.actor_ifindex = ifindex, .addr_be = in->saddr_be, .port_be = in->sport_be,
		.proto = in->proto,
	};
	__u32 zero = 0, *c = bpf_map_lookup_elem(&remote_pairs, &rk);

	if (!c && create) {
		bpf_map_update_elem(&remote_pairs, &rk, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&remote_pairs, &rk);
	}
	return c;
}

static __always_inline void remote_uncount(const struct ateom_nat_key *in, __u32 ifindex)
{
	__u32 *c = remote_count(in, ifindex, false);

	/* The last one out removes the entry. (A CPU adding a pair in between
	 * loses its count: the share is then off by one, in the actor's
	 * favour; counts are compared signed, so one that went below 0 by
	 * such a race never reads as a huge number.) */
	if (c && (__s32)__sync_fetch_and_add(c, -1) <= 1) {
		struct ateom_remote_pairs_key rk = {
			.actor_ifindex = ifindex, .addr_be = in->saddr_be,
			.port_be = in->sport_be, .proto = in->proto,
		};

		bpf_map_delete_elem(&remote_pairs, &rk);
	}
}

/* The quota count lives in the owner's `actors` entry; an actor that is
 * gone (down) has nothing left to count. */
static __always_inline void actor_uncount(__u32 ifindex)
{
	struct ateom_actor *a = bpf_map_lookup_elem(&actors, &ifindex);

	if (a && a->nat_pairs)
		__sync_fetch_and_add(&a->nat_pairs, -1);
}

/* Removes a pair of actor `owner`: the OUT half (if given) first, then the
 * port record. The one who deletes the port record uncounts the pair.
 * (The owner is passed by value: a deleted element's memory may be reused.) */
static __always_inline void pair_delete(const struct ateom_nat_key *in, __u32 owner,
					const struct ateom_nat_key *out)
{
	if (out)
		bpf_map_delete_elem(&nat, out);
	if (!bpf_map_delete_elem(&nat, in)) {
		actor_uncount(owner);
		remote_uncount(in, owner);
	}
}

/* The pair's timeout, from what both halves saw: TCP closed both ways (a
 * FIN each way) or reset: the closing timeout (1 s: long enough for the
 * last ACK); TCP never answered: the SYN timeout; otherwise the protocol's
 * idle timeout. seen_out: the OUT half's flags (or the IN half's mirror of
 * them: ATEOM_SEEN_OUT_*). */
static __always_inline __u64 pair_timeout(const struct ateom_config *cfg,
					  const struct ateom_nat_key *in, __u8 seen_in, __u8 seen_out)
{
	__u8 proto = in->proto;

	if (proto == IPPROTO_TCP) {
		bool closed = ((seen_in | seen_out) & ATEOM_SEEN_RST) ||
			      ((seen_in & ATEOM_SEEN_FIN) && (seen_out & ATEOM_SEEN_FIN));

		if (closed)
			return cfg->tcp_closing_timeout_ns;
		if (!(seen_in & ATEOM_SEEN_REPLY))
			return cfg->tcp_syn_timeout_ns;
		return cfg->tcp_est_timeout_ns;
	}
	/* RFC 4787 REQ-5a: well-known ports may expire sooner. DNS and NTP
	 * are one query, one answer (QUIC on 443 is not: it keeps 300 s); the
	 * port record's source is the remote. */
	if (proto == IPPROTO_UDP)
		return in->sport_be == bpf_htons(53) || in->sport_be == bpf_htons(123) ?
			       cfg->udp_query_timeout_ns : cfg->udp_timeout_ns;
	return cfg->icmp_timeout_ns;
}

/* The actor's FIN/RST (OUT half flags) as the port record mirrors them. */
static __always_inline __u8 mirror_of_out(__u8 seen_out)
{
	return (seen_out & ATEOM_SEEN_FIN ? ATEOM_SEEN_OUT_FIN : 0) |
	       (seen_out & ATEOM_SEEN_RST ? ATEOM_SEEN_OUT_RST : 0);
}

/* The OUT half's flags as the IN half mirrors them. */
static __always_inline __u8 mirrored_out(__u8 seen_in)
{
	return (seen_in & ATEOM_SEEN_OUT_FIN ? ATEOM_SEEN_FIN : 0) |
	       (seen_in & ATEOM_SEEN_OUT_RST ? ATEOM_SEEN_RST : 0);
}

/* Has the pair (IN half ein, OUT half eout or NULL) been idle past its
 * timeout? Idle counts from the later of the two halves' last packets. */
static __always_inline bool pair_expired(const struct ateom_config *cfg,
					 const struct ateom_nat_key *in,
					 const struct ateom_nat_entry *ein,
					 const struct ateom_nat_entry *eout, __u64 now)
{
	__u8 seen_out = (eout ? eout->seen : 0) | mirrored_out(ein->seen);
	__u64 last = ein->last_seen_ns;

	if (eout && eout->last_seen_ns > last)
		last = eout->last_seen_ns;
	return now - last >= pair_timeout(cfg, in, ein->seen, seen_out);
}

/* The pair whose port record is `in` (entry ein), with its OUT half if that
 * agrees: expired ones are deleted. Used by the collector and by a new flow
 * that wants the port. */
static __always_inline bool pair_expire(const struct ateom_config *cfg,
					const struct ateom_nat_key *in,
					const struct ateom_nat_entry *ein, __u64 now)
{
	__u32 owner = ein->actor_ifindex;
	struct ateom_nat_entry *eout;
	struct ateom_nat_key out;

	/* The OUT half, as nat_partner() would name it (without building the
	 * expected entry: this runs inside bpf_loop and timer callbacks, whose
	 * stack adds to the program's). */
	nat_key(&out, owner, ATEOM_DIR_OUT, in->proto, ein->addr_be, ein->port_be,
		in->saddr_be, in->sport_be);
	eout = bpf_map_lookup_elem(&nat, &out);
	if (eout && !(eout->addr_be == in->daddr_be && eout->port_be == in->dport_be &&
		      eout->actor_ifindex == owner))
		eout = NULL; /* that tuple has moved on to another port */
	if (!pair_expired(cfg, in, ein, eout, now))
		return false;
	pair_delete(in, owner, eout ? &out : NULL);
	return true;
}

/* Per packet: refresh the idle clock (at most once a second; TCP halves
 * are written more often anyway, for the RST check's numbers, each mostly
 * from one CPU) and remember what the pair's timeout depends
 * on: FIN/RST, and on the IN half whether the remote has answered. A RST
 * counts only when trust_rst: the actor's own, or a remote's that carries
 * the sequence number the actor acknowledged (pod_snat_reply). On the OUT
 * half of TCP, the actor's acknowledgment number is kept for that check. */
static __always_inline void nat_touch(const struct ateom_nat_key *k,
				      struct ateom_nat_entry *e,
				      const struct pkt *p, __u64 now, bool trust_rst)
{
	__u8 seen = k->dir == ATEOM_DIR_IN ? ATEOM_SEEN_REPLY : 0;

	if (now - e->last_seen_ns > NSEC_PER_SEC)
		e->last_seen_ns = now;
	if (p->proto == IPPROTO_TCP) {
		if (tcp_is_syn(p))
			return; /* a reused tuple: see nat_new_connection() */
		if (k->dir == ATEOM_DIR_OUT && (p->tcp_flags & TCP_FLAG_ACK_BYTE) &&
		    e->tcp_ack_be != p->tcp_ack)
			e->tcp_ack_be = p->tcp_ack;
		/* The remote's next sequence number (written when it moves; a
		 * RST carries its own, not counted). */
		if (k->dir == ATEOM_DIR_IN && !(p->tcp_flags & TCP_FLAG_RST_BYTE)) {
			__be32 nxt = bpf_htonl(bpf_ntohl(p->tcp_seq) + p->tcp_len);

			if (e->tcp_nxt_be != nxt)
				e->tcp_nxt_be = nxt;
		}
		if (p->tcp_flags & TCP_FLAG_FIN_BYTE)
			seen |= ATEOM_SEEN_FIN;
		if ((p->tcp_flags & TCP_FLAG_RST_BYTE) && trust_rst)
			seen |= ATEOM_SEEN_RST;
		if ((seen & ~e->seen) & (ATEOM_SEEN_FIN | ATEOM_SEEN_RST))
			e->last_seen_ns = now; /* closing: the reclaim clock starts now */
	}
	if (seen & ~e->seen)
		e->seen |= seen;
}

/* A RST from the remote closes the pair only if it carries a number only
 * the real peer knows (anyone on the pod network can spoof the remote's
 * address, but not guess 32 bits; a forged RST must not get a flow
 * expired): a sequence number the actor would accept (RFC 5961: its
 * rcv_nxt, which lies between the last ACK it sent and the remote's next
 * sequence number: a remote closing with data the actor has not acked yet
 * is still recognised), or an acknowledgment of the actor's last ACK or
 * SYN (a refused connection: RST|ACK, seq 0, ack = ISN + 1). */
static __always_inline bool remote_rst_valid(const struct ateom_nat_key *in,
					     const struct ateom_nat_entry *ein,
					     const struct pkt *p)
{
	struct ateom_nat_entry expect, *eout;
	struct ateom_nat_key out;
	__u32 ack, seq, span;

	nat_partner(in, ein, &out, &expect);
	eout = bpf_map_lookup_elem(&nat, &out);
	if (!eout || !halves_agree(eout, &expect))
		return false;
	if ((p->tcp_flags & TCP_FLAG_ACK_BYTE) && p->tcp_ack == eout->tcp_ack_be)
		return true;
	ack = bpf_ntohl(eout->tcp_ack_be);
	seq = bpf_ntohl(p->tcp_seq);
	span = bpf_ntohl(ein->tcp_nxt_be) - ack; /* bytes the actor has not acked */
	/* Bounded: the remote's next sequence number comes from its packets,
	 * which a spoofer can send too; a forged one moves the window only
	 * within RST_WINDOW of a number it does not know. */
	if (span > RST_WINDOW)
		span = RST_WINDOW;
	return seq - ack <= span; /* ack <= seq <= nxt, mod 2^32 */
}

/* The actor closed (FIN) or reset its side: the port record learns it at
 * once (one lookup per such change, not per packet), so the pair's timeout
 * can be read off the record alone. */
static __always_inline void nat_mirror_close(const struct ateom_nat_key *k,
					     const struct ateom_nat_entry *e, __u64 now)
{
	__u8 bits = mirror_of_out(e->seen);
	struct ateom_nat_entry expect, *ein;
	struct ateom_nat_key in;

	nat_partner(k, e, &in, &expect);
	ein = bpf_map_lookup_elem(&nat, &in);
	if (ein && halves_agree(ein, &expect) && (bits & ~ein->seen)) {
		ein->seen |= bits;
		ein->last_seen_ns = now; /* closing: the reclaim clock starts now */
	}
}

/* Is the pod port exposed (no pair may hold it)? */
/* The exposed pod port proto/port (services), or NULL. */
static __always_inline struct ateom_svc *service_of(__u8 proto, __be16 port_be)
{
	struct ateom_svc_key sk = { .port_be = port_be, .proto = proto };

	if (proto == IPPROTO_ICMP)
		return NULL;
	return bpf_map_lookup_elem(&services, &sk);
}

static __always_inline bool port_exposed(__u8 proto, __be16 port_be)
{
	return service_of(proto, port_be) != NULL;
}

/* From an exposed actor port (p's source): its static mapping back to the
 * pod port (svc_rev), or NULL. */
static __always_inline struct ateom_svc_rev *exposed_source(__u32 ifindex, const struct pkt *p)
{
	struct ateom_svc_rev_key rk = {
		.actor_ifindex = ifindex, .actor_port_be = p->sport, .proto = p->proto,
	};

	if (p->proto == IPPROTO_ICMP)
		return NULL;
	return bpf_map_lookup_elem(&svc_rev, &rk);
}

/* A SYN from the actor on a pair it holds starts a new connection on the
 * same tuple: both halves forget the old one's FIN, RST and reply, or the
 * new connection would count as closed (and expire) from its first packet. */
static __always_inline void nat_new_connection(const struct ateom_nat_key *k,
					       struct ateom_nat_entry *e, __be32 syn_seq)
{
	struct ateom_nat_entry expect, *ein;
	struct ateom_nat_key in;

	if (e->seen)
		e->seen = 0;
	e->tcp_ack_be = bpf_htonl(bpf_ntohl(syn_seq) + 1); /* what a refusal acks */
	nat_partner(k, e, &in, &expect);
	ein = bpf_map_lookup_elem(&nat, &in);
	if (ein && halves_agree(ein, &expect) && ein->seen)
		ein->seen = 0;
}

/* Once a second, on the actor's side of an established pair: is the port
 * record still there and still ours? A missing one is put back (and
 * counted again); one that names someone else means our OUT half is stale:
 * it is removed and the packet dropped, never sent on a port we do not own.
 * Returns 0 to go on, -1 to drop. */
static __always_inline int nat_out_check(struct ateom_actor *a, const struct ateom_nat_key *k,
					 const struct ateom_nat_entry *e, __u64 now)
{
	struct ateom_nat_entry expect, *ein;
	struct ateom_nat_key in;

	if (now - e->last_seen_ns <= NSEC_PER_SEC)
		return 0;
	/* Its port was exposed since (the loader released the pair, or is
	 * about to): it is not ours any more. */
	if (port_exposed(k->proto, e->port_be)) {
		bpf_map_delete_elem(&nat, k);
		return -1;
	}
	nat_partner(k, e, &in, &expect);
	ein = bpf_map_lookup_elem(&nat, &in);
	if (ein)
		return halves_agree(ein, &expect) ? 0 : (bpf_map_delete_elem(&nat, k), -1);
	expect.last_seen_ns = now;
	expect.seen = mirror_of_out(e->seen);
	if (!bpf_map_update_elem(&nat, &in, &expect, BPF_NOEXIST)) {
		__u32 *c = remote_count(&in, e->actor_ifindex, true);

		if (c)
			__sync_fetch_and_add(c, 1);
		__sync_fetch_and_add(&a->nat_pairs, 1);
		count(a->id, ATEOM_STAT_NAT_REPAIR, 0);
	}
	return 0;
}

/* ---- the SNAT port search ----------------------------------------------- */

enum probe_result { PROBE_NONE, PROBE_CLAIMED, PROBE_OWN, PROBE_FULL, PROBE_QUOTA,
		    PROBE_SHARE };

struct snat_probe {
	struct __sk_buff *skb;
	const struct ateom_config *cfg;
	struct ateom_actor *actor;
	struct ateom_nat_key in;      /* the port record; dport_be = candidate */
	struct ateom_nat_entry inv;   /* what it says: the actor's tuple */
	__u64 now;
	__u32 start, range;
	bool reclaim;                 /* second pass: expired pairs may go */
	enum probe_result result;
};

/* Does the worker have a socket that traffic from the remote to pod:P
 * would reach (a listener or bound socket on P, or a connection on exactly
 * this 4-tuple)? Then P is not ours to hand out. Asked of the kernel, in the
 * worker netns (ateomN lives there). */
static __always_inline bool worker_owns_port(struct __sk_buff *skb, const struct ateom_nat_key *in)
{
	/* The IPv4 part of struct bpf_sock_tuple only (12 bytes, not 36: this
	 * runs in a bpf_loop callback, whose stack adds to the program's). */
	struct {
		__be32 saddr, daddr;
		__be16 sport, dport;
	} t = { .saddr = in->saddr_be, .daddr = in->daddr_be, .sport = in->sport_be,
		.dport = in->dport_be };
	struct bpf_sock *sk;

	if (in->proto == IPPROTO_TCP) /* skc: TIME_WAIT and request socks too */
		sk = bpf_skc_lookup_tcp(skb, (struct bpf_sock_tuple *)&t, sizeof(t),
					BPF_F_CURRENT_NETNS, 0);
	else if (in->proto == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, (struct bpf_sock_tuple *)&t, sizeof(t),
				       BPF_F_CURRENT_NETNS, 0);
	else
		return false; /* ICMP ids: the worker's ping sockets pick their own */
	if (!sk)
		return false;
	bpf_sk_release(sk);
	return true;
}

/* One candidate port (bpf_loop callback): 0 = try the next, 1 = done. */
static long snat_probe_one(__u32 i, void *ctx)
{
	struct snat_probe *sp = ctx;
	const struct ateom_config *cfg = sp->cfg;
	struct ateom_nat_entry *cur;
	__u32 off = sp->start + i, *rc;
	bool crowded;
	long err;

	if (off >= sp->range)
		off -= sp->range;
	sp->in.dport_be = bpf_htons((__u16)(cfg->snat_port_min + off));
	if (port_exposed(sp->in.proto, sp->in.dport_be))
		return 0; /* a record there is stale: the loader releases it */
	cur = bpf_map_lookup_elem(&nat, &sp->in);
	if (cur) {
		/* Our own pair's surviving port record: the flow keeps its port. */
		if (cur->actor_ifindex == sp->inv.actor_ifindex &&
		    cur->addr_be == sp->inv.addr_be && cur->port_be == sp->inv.port_be) {
			sp->result = PROBE_OWN;
			return 1;
		}
		if (!sp->reclaim || !pair_expire(cfg, &sp->in, cur, sp->now))
			return 0;
	}
	if (worker_owns_port(sp->skb, &sp->in))
		return 0;
	/* Reserve the pair in the quota and in the actor's share of this
	 * remote first (fetch-and-add), so CPUs racing to create flows for one
	 * actor can never take it past either. */
	if (__sync_fetch_and_add(&sp->actor->nat_pairs, 1) >= sp->actor->nat_quota) {
		__sync_fetch_and_add(&sp->actor->nat_pairs, -1);
		sp->result = PROBE_QUOTA;
		return 1;
	}
	/* Every pair is counted toward its remote; the share is enforced only
	 * once the remote's ports are crowded (the first candidates were
	 * taken, or this is the reclaiming pass): an actor talking a lot to
	 * an idle remote (DNS) is not held to range / actors. */
	rc = cfg->remote_share ? remote_count(&sp->in, sp->inv.actor_ifindex, true) : NULL;
	crowded = sp->reclaim || i >= SHARE_CROWDED_AFTER;
	if (cfg->remote_share &&
	    (!rc || ((__s32)__sync_fetch_and_add(rc, 1) >= (__s32)cfg->remote_share && crowded))) {
		if (rc)
			__sync_fetch_and_add(rc, -1);
		__sync_fetch_and_add(&sp->actor->nat_pairs, -1);
		sp->result = rc ? PROBE_SHARE : PROBE_FULL;
		return 1;
	}
	err = bpf_map_update_elem(&nat, &sp->in, &sp->inv, BPF_NOEXIST);
	if (!err) {
		sp->result = PROBE_CLAIMED;
		return 1;
	}
	if (rc)
		__sync_fetch_and_add(rc, -1);
	__sync_fetch_and_add(&sp->actor->nat_pairs, -1);
	if (err == -E2BIG || err == -ENOMEM) {
		sp->result = PROBE_FULL;
		return 1;
	}
	return 0; /* another CPU took it meanwhile */
}

/* The first candidate: the actor's source port (or ICMP id) shifted by a
 * keyed hash of the protocol and the actor address, and of nothing about
 * the remote: one actor socket gets the same pod port toward every remote
 * where that port is free (endpoint-independent mapping, RFC 4787 REQ-1;
 * STUN, ICE and games need it). The mapping is a rotation of the range:
 * one-to-one over any `range` consecutive source ports, so the actor's own
 * flows never collide, and each socket keeps its pod port across down/up
 * (the key lives with the pinned config). That matters for a remote still
 * in TIME_WAIT for (pod port, remote): Linux keys TCP timestamp offsets by
 * 4-tuple, so a port handed to a *different* actor tuple gets its SYN
 * rejected (PAWS) and delayed by a retransmit; a plain hash of the whole
 * tuple collides like any hash and cut egress CPS ~4x. The key keeps the
 * mapping unpredictable from outside (RFC 6056); an actor may learn its
 * own mapping, which is harmless: the search skips every port someone
 * else owns (exposed ports, worker sockets, other pairs). */
static __always_inline __u32 snat_first(const struct ateom_config *cfg, const struct pkt *p,
					__u32 range)
{
	__u64 m0 = ((__u64)p->saddr << 32) | p->proto;
	__u32 shift = siphash_2u64(m0, 0, cfg->port_key) % range;

	return (bpf_ntohs(p->sport) % range + shift) % range;
}

/* New actor egress flow: find a port toward this remote and insert the
 * port record, then the OUT half. On success *res holds the OUT entry.
 * Returns 0 (new pair), 1 (own pair repaired), -ENOSPC (no port free for
 * this remote), -EDQUOT (actor at its quota), -EUSERS (actor at its share
 * of this remote), -E2BIG (table full) or -EEXIST (another CPU created the
 * flow first: look it up again). */
static __always_inline int snat_create(struct __sk_buff *skb, const struct ateom_config *cfg,
				       struct ateom_actor *actor, __u32 ifindex,
				       const struct pkt *p, __u64 now,
				       struct ateom_nat_entry *res)
{
	struct snat_probe sp = {
		.skb = skb,
		.cfg = cfg,
		.actor = actor,
		.inv = {
			.addr_be = p->saddr,
			.port_be = p->sport,
			.type = ATEOM_NAT_SNAT_REPLY,
			.actor_ifindex = ifindex,
			.actor_id = actor->id,
			.hook_gen = res->hook_gen, /* the caller's stamp */
			.last_seen_ns = now,
		},
		.now = now,
	};
	struct ateom_remote_key rk = { .addr_be = p->daddr, .port_be = p->dport,
				       .proto = p->proto };
	struct ateom_nat_key out;
	__u64 *full_until;
	long err;

	if (cfg->snat_port_max < cfg->snat_port_min)
		return -ENOSPC;
	sp.range = (__u32)cfg->snat_port_max - cfg->snat_port_min + 1;
	sp.start = snat_first(cfg, p, sp.range);
	/* The reply's key; its destination port is what we are choosing. */
	nat_key(&sp.in, 0, ATEOM_DIR_IN, p->proto, p->daddr, p->dport, cfg->pod_ip_be, 0);
	/* At its quota an actor gets a short search only: its own pair's
	 * port record back, or a port an expired pair gives up (which may be
	 * its own, freeing quota) among the first candidates. No full-range
	 * search, whatever it sends. */
	if (actor->nat_pairs >= actor->nat_quota) {
		sp.reclaim = true;
		bpf_loop(sp.range < SNAT_FREE_FIRST ? sp.range : SNAT_FREE_FIRST, snat_probe_one,
			 &sp, 0);
		if (sp.result != PROBE_OWN && sp.result != PROBE_CLAIMED)
			return sp.result == PROBE_FULL ? -E2BIG :
			       sp.result == PROBE_SHARE ? -EUSERS : -EDQUOT;
		goto have_port;
	}
	/* A remote whose ports were all taken a moment ago: fail at once (a
	 * full search walks the whole range, ~10 ms). */
	full_until = bpf_map_lookup_elem(&snat_full, &rk);
	if (full_until && now < *full_until)
		return -ENOSPC;
	/* Free ports near the first candidate first (a reclaimed port is one a
	 * remote may still hold in TIME_WAIT for another tuple), then the
	 * whole range, where expired pairs may give their port up. */
	bpf_loop(sp.range < SNAT_FREE_FIRST ? sp.range : SNAT_FREE_FIRST, snat_probe_one, &sp, 0);
	if (sp.result == PROBE_NONE) {
		sp.reclaim = true;
		bpf_loop(sp.range, snat_probe_one, &sp, 0);
	}
	if (sp.result == PROBE_NONE) {
		__u64 until = now + NSEC_PER_SEC;

		bpf_map_update_elem(&snat_full, &rk, &until, BPF_ANY);
	}
have_port:
	switch (sp.result) {
	case PROBE_NONE:
		return -ENOSPC;
	case PROBE_QUOTA:
		return -EDQUOT;
	case PROBE_SHARE:
		return -EUSERS;
	case PROBE_FULL:
		return -E2BIG;
	default:
		break;
	}
	nat_partner(&sp.in, &sp.inv, &out, res); /* the OUT half: actor tuple -> pod:port */
	if (tcp_is_syn(p)) /* what a RST refusing this connection acknowledges */
		res->tcp_ack_be = bpf_htonl(bpf_ntohl(p->tcp_seq) + 1);
	else if (p->proto == IPPROTO_TCP && (p->tcp_flags & TCP_FLAG_ACK_BYTE))
		res->tcp_ack_be = p->tcp_ack; /* a flow picked up mid-way */
	err = bpf_map_update_elem(&nat, &out, res, BPF_NOEXIST);
	if (err == -EEXIST) {
		struct ateom_nat_entry *won = bpf_map_lookup_elem(&nat, &out);

		/* Another CPU made this flow first. On our port (it took our
		 * record for its own, PROBE_OWN): the record is its now. */
		if (sp.result == PROBE_CLAIMED && !(won && won->port_be == sp.in.dport_be))
			pair_delete(&sp.in, sp.inv.actor_ifindex, NULL);
		return -EEXIST;
	}
	if (err) {
		if (sp.result == PROBE_CLAIMED)
			pair_delete(&sp.in, sp.inv.actor_ifindex, NULL);
		return -E2BIG;
	}
	return sp.result == PROBE_OWN;
}

#endif
