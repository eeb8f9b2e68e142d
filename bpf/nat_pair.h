/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The SNAT pair logic of one address family: a template, included once per
 * family (no include guard) after nat.h with these macros defined (nat.h
 * for IPv4, nat6.h for IPv6; docs/NOTES.md "IPv6 NAT state"):
 *
 *   NP(name)              the family's name of a function: IPv4 keeps the
 *                         plain name, IPv6 appends 6 (nat_key6)
 *   NP_KEY, NP_ENTRY      the NAT key and entry types
 *   NP_PKT                the parsed packet (struct pkt, struct pkt6)
 *   NP_ADDR               an address (__be32, union ateom_in6)
 *   NP_ADDR_EQ(a, b)      address equality, of two lvalues
 *   NP_NAT                the pair table (nat, nat6)
 *   NP_REMOTE_PAIRS, NP_REMOTE_PAIRS_KEY   per-actor counts toward a remote
 *   NP_SNAT_FULL, NP_REMOTE_KEY            remotes with no port left
 *   NP_POD_ADDR(cfg)      the pod's address of this family
 *   NP_PORT_EXPOSED(proto, port)   port_exposed(), no lookup for echo ids
 *   NP_PORT_WORDS(p, m0, m1)   the SipHash input of snat_first: the
 *                         protocol and the actor address, in two u64 words
 *   NP_OUTLINE            how the per-packet checks that build a partner
 *                         key and entry are compiled: __always_inline
 *                         (IPv4) or __noinline (IPv6: 92 bytes of keys a
 *                         call, in their own frame, not the program's)
 *   NP_PROBE_SCRATCH      (optional) a per-CPU array map whose one
 *                         struct NP(snat_pair) holds the port search's
 *                         keys instead of the stack (nat6.h)
 *   NP_FIRST_INLINE       optional: how snat_first is inlined (IPv6 makes
 *                         it __noinline: SipHash's spills would sit on the
 *                         stack under the port search's bpf_loop callback)
 *
 * The rules are the ones nat.h states: written once, so both families
 * follow them alike. The macros are undefined at the end. */

/* A TCP SYN without ACK opens a connection: it is never a reply. */
static __always_inline bool NP(tcp_is_syn)(const NP_PKT *p)
{
	return p->proto == IPPROTO_TCP &&
	       (p->tcp_flags & (TCP_FLAG_SYN_BYTE | TCP_FLAG_ACK_BYTE)) == TCP_FLAG_SYN_BYTE;
}

/* The one way a NAT key is built (every field, padding included: keys are
 * hashed as bytes). */
static __always_inline void NP(nat_key_ref)(NP_KEY *k, __u32 ifindex, __u8 dir, __u8 proto,
					    const NP_ADDR *saddr, __be16 sport,
					    const NP_ADDR *daddr, __be16 dport)
{
	/* (Addresses by reference: an IPv6 one by value is a 16-byte copy
	 * on the stack, which the port search cannot spare.) */
	k->ifindex = ifindex;
	k->saddr_be = *saddr;
	k->daddr_be = *daddr;
	k->sport_be = sport;
	k->dport_be = dport;
	k->proto = proto;
	k->dir = dir;
	k->pad = 0;
}

static __always_inline void NP(nat_key)(NP_KEY *k, __u32 ifindex, __u8 dir, __u8 proto,
					NP_ADDR saddr, __be16 sport, NP_ADDR daddr,
					__be16 dport)
{
	NP(nat_key_ref)(k, ifindex, dir, proto, &saddr, sport, &daddr, dport);
}

static __always_inline void NP(nat_key_out)(NP_KEY *k, __u32 ifindex, const NP_PKT *p)
{
	NP(nat_key_ref)(k, ifindex, ATEOM_DIR_OUT, p->proto, &p->saddr, p->sport, &p->daddr,
			p->dport);
}

static __always_inline void NP(nat_key_in)(NP_KEY *k, const NP_PKT *p)
{
	NP(nat_key_ref)(k, 0, ATEOM_DIR_IN, p->proto, &p->saddr, p->sport, &p->daddr, p->dport);
}

/* Both halves of a pair, each as the other's reply: a translated packet's
 * reply is keyed by the translated tuple reversed, and translates back to
 * the endpoint the first half replaced. */
static __always_inline void NP(nat_partner)(const NP_KEY *k, const NP_ENTRY *e, NP_KEY *pk,
					    NP_ENTRY *pe)
{
	*pe = *e;
	pe->seen = 0;
	if (k->dir == ATEOM_DIR_OUT) { /* source was translated */
		pe->type = ATEOM_NAT_SNAT_REPLY;
		NP(nat_key_ref)(pk, 0, ATEOM_DIR_IN, k->proto, &k->daddr_be, k->dport_be,
			    &e->addr_be, e->port_be);
		pe->addr_be = k->saddr_be;
		pe->port_be = k->sport_be;
	} else {                        /* destination was translated */
		pe->type = ATEOM_NAT_SNAT;
		NP(nat_key_ref)(pk, e->actor_ifindex, ATEOM_DIR_OUT, k->proto, &e->addr_be,
			    e->port_be, &k->saddr_be, k->sport_be);
		pe->addr_be = k->daddr_be;
		pe->port_be = k->dport_be;
	}
}

/* Does the half found under the partner key say what its partner expects? */
static __always_inline bool NP(halves_agree)(const NP_ENTRY *found, const NP_ENTRY *expect)
{
	return NP_ADDR_EQ(found->addr_be, expect->addr_be) && found->port_be == expect->port_be &&
	       found->actor_ifindex == expect->actor_ifindex;
}

/* The count of pairs actor `ifindex` holds toward the remote of port
 * record `in` (remote_pairs); created at 0 when asked to. */
static __always_inline __u32 *NP(remote_count)(const NP_KEY *in, __u32 ifindex, bool create)
{
	NP_REMOTE_PAIRS_KEY rk = {
		.actor_ifindex = ifindex, .addr_be = in->saddr_be, .port_be = in->sport_be,
		.proto = in->proto,
	};
	__u32 zero = 0, *c = bpf_map_lookup_elem(&NP_REMOTE_PAIRS, &rk);

	if (!c && create) {
		bpf_map_update_elem(&NP_REMOTE_PAIRS, &rk, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&NP_REMOTE_PAIRS, &rk);
	}
	return c;
}

static __always_inline void NP(remote_uncount)(const NP_KEY *in, __u32 ifindex)
{
	__u32 *c = NP(remote_count)(in, ifindex, false);

	/* The last one out removes the entry. (A CPU adding a pair in between
	 * loses its count: the share is then off by one, in the actor's
	 * favour; counts are compared signed, so one that went below 0 by
	 * such a race never reads as a huge number.) */
	if (c && (__s32)__sync_fetch_and_add(c, -1) <= 1) {
		NP_REMOTE_PAIRS_KEY rk = {
			.actor_ifindex = ifindex, .addr_be = in->saddr_be,
			.port_be = in->sport_be, .proto = in->proto,
		};

		bpf_map_delete_elem(&NP_REMOTE_PAIRS, &rk);
	}
}

/* Removes a pair of actor `owner`: the OUT half (if given) first, then the
 * port record. The one who deletes the port record uncounts the pair.
 * (The owner is passed by value: a deleted element's memory may be reused.) */
static __always_inline void NP(pair_delete)(const NP_KEY *in, __u32 owner, const NP_KEY *out)
{
	if (out)
		bpf_map_delete_elem(&NP_NAT, out);
	if (!bpf_map_delete_elem(&NP_NAT, in)) {
		actor_uncount(owner);
		NP(remote_uncount)(in, owner);
	}
}

/* The pair's timeout, from what both halves saw: TCP closed both ways (a
 * FIN each way) or reset: the closing timeout (1 s: long enough for the
 * last ACK); TCP never answered: the SYN timeout; otherwise the protocol's
 * idle timeout. seen_out: the OUT half's flags (or the IN half's mirror of
 * them: ATEOM_SEEN_OUT_*). */
static __always_inline __u64 NP(pair_timeout)(const struct ateom_config *cfg, const NP_KEY *in,
					      __u8 seen_in, __u8 seen_out)
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

/* Has the pair (IN half ein, OUT half eout or NULL) been idle past its
 * timeout? Idle counts from the later of the two halves' last packets. */
static __always_inline bool NP(pair_expired)(const struct ateom_config *cfg, const NP_KEY *in,
					     const NP_ENTRY *ein, const NP_ENTRY *eout, __u64 now)
{
	__u8 seen_out = (eout ? eout->seen : 0) | mirrored_out(ein->seen);
	__u64 last = ein->last_seen_ns;

	if (eout && eout->last_seen_ns > last)
		last = eout->last_seen_ns;
	return now - last >= NP(pair_timeout)(cfg, in, ein->seen, seen_out);
}

#ifdef NP_PROBE_SCRATCH
/* The per-CPU scratch of the keys that would not fit on the stack. */
static __always_inline struct NP(snat_pair) *NP(probe_scratch)(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&NP_PROBE_SCRATCH, &zero);
}
#endif

/* The pair whose port record is `in` (entry ein), with its OUT half if that
 * agrees: expired ones are deleted. Used by the collector and by a new flow
 * that wants the port. */
static __always_inline bool NP(pair_expire)(const struct ateom_config *cfg, const NP_KEY *in,
					    const NP_ENTRY *ein, __u64 now)
{
	__u32 owner = ein->actor_ifindex;
	NP_ENTRY *eout;
#ifdef NP_PROBE_SCRATCH
	struct NP(snat_pair) *s = NP(probe_scratch)();
	NP_KEY *out;

	if (!s)
		return false;
	out = &s->expire_out;
#else
	NP_KEY out_key, *out = &out_key;
#endif

	/* The OUT half, as nat_partner() would name it (without building the
	 * expected entry: this runs inside bpf_loop and timer callbacks, whose
	 * stack adds to the program's). */
	NP(nat_key_ref)(out, owner, ATEOM_DIR_OUT, in->proto, &ein->addr_be, ein->port_be,
			&in->saddr_be, in->sport_be);
	eout = bpf_map_lookup_elem(&NP_NAT, out);
	if (eout && !(NP_ADDR_EQ(eout->addr_be, in->daddr_be) && eout->port_be == in->dport_be &&
		      eout->actor_ifindex == owner))
		eout = NULL; /* that tuple has moved on to another port */
	if (!NP(pair_expired)(cfg, in, ein, eout, now))
		return false;
	NP(pair_delete)(in, owner, eout ? out : NULL);
	return true;
}

/* Per packet: refresh the idle clock (at most once a second; TCP halves
 * are written more often anyway, for the RST check's numbers, each mostly
 * from one CPU) and remember what the pair's timeout depends
 * on: FIN/RST, and on the IN half whether the remote has answered. A RST
 * counts only when trust_rst: the actor's own, or a remote's that carries
 * the sequence number the actor acknowledged (pod_snat_reply). On the OUT
 * half of TCP, the actor's acknowledgment number is kept for that check. */
static __always_inline void NP(nat_touch)(const NP_KEY *k, NP_ENTRY *e, const NP_PKT *p,
					  __u64 now, bool trust_rst)
{
	__u8 seen = k->dir == ATEOM_DIR_IN ? ATEOM_SEEN_REPLY : 0;

	if (now - e->last_seen_ns > NSEC_PER_SEC)
		e->last_seen_ns = now;
	if (p->proto == IPPROTO_TCP) {
		if (NP(tcp_is_syn)(p))
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
static NP_OUTLINE bool NP(remote_rst_valid)(const NP_KEY *in, const NP_ENTRY *ein,
						 const NP_PKT *p)
{
	NP_ENTRY expect, *eout;
	NP_KEY out;
	__u32 ack, seq, span;

	NP(nat_partner)(in, ein, &out, &expect);
	eout = bpf_map_lookup_elem(&NP_NAT, &out);
	if (!eout || !NP(halves_agree)(eout, &expect))
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
static NP_OUTLINE void NP(nat_mirror_close)(const NP_KEY *k, const NP_ENTRY *e, __u64 now)
{
	__u8 bits = mirror_of_out(e->seen);
	NP_ENTRY expect, *ein;
	NP_KEY in;

	NP(nat_partner)(k, e, &in, &expect);
	ein = bpf_map_lookup_elem(&NP_NAT, &in);
	if (ein && NP(halves_agree)(ein, &expect) && (bits & ~ein->seen)) {
		ein->seen |= bits;
		ein->last_seen_ns = now; /* closing: the reclaim clock starts now */
	}
}

/* A SYN from the actor on a pair it holds starts a new connection on the
 * same tuple: both halves forget the old one's FIN, RST and reply, or the
 * new connection would count as closed (and expire) from its first packet. */
static NP_OUTLINE void NP(nat_new_connection)(const NP_KEY *k, NP_ENTRY *e, __be32 syn_seq)
{
	NP_ENTRY expect, *ein;
	NP_KEY in;

	if (e->seen)
		e->seen = 0;
	e->tcp_ack_be = bpf_htonl(bpf_ntohl(syn_seq) + 1); /* what a refusal acks */
	NP(nat_partner)(k, e, &in, &expect);
	ein = bpf_map_lookup_elem(&NP_NAT, &in);
	if (ein && NP(halves_agree)(ein, &expect) && ein->seen)
		ein->seen = 0;
}

/* Once a second, on the actor's side of an established pair: is the port
 * record still there and still ours? A missing one is put back (and
 * counted again); one that names someone else means our OUT half is stale:
 * it is removed and the packet dropped, never sent on a port we do not own.
 * Returns 0 to go on, -1 to drop. */
static NP_OUTLINE int NP(nat_out_check)(struct ateom_actor *a, const NP_KEY *k,
					     const NP_ENTRY *e, __u64 now)
{
	NP_ENTRY expect, *ein;
	NP_KEY in;

	if (now - e->last_seen_ns <= NSEC_PER_SEC)
		return 0;
	/* Its port was exposed since (the loader released the pair, or is
	 * about to): it is not ours any more. */
	if (NP_PORT_EXPOSED(k->proto, e->port_be)) {
		bpf_map_delete_elem(&NP_NAT, k);
		return -1;
	}
	NP(nat_partner)(k, e, &in, &expect);
	ein = bpf_map_lookup_elem(&NP_NAT, &in);
	if (ein)
		return NP(halves_agree)(ein, &expect) ? 0 : (bpf_map_delete_elem(&NP_NAT, k), -1);
	expect.last_seen_ns = now;
	expect.seen = mirror_of_out(e->seen);
	if (!bpf_map_update_elem(&NP_NAT, &in, &expect, BPF_NOEXIST)) {
		__u32 *c = NP(remote_count)(&in, e->actor_ifindex, true);

		if (c)
			__sync_fetch_and_add(c, 1);
		__sync_fetch_and_add(&a->nat_pairs, 1);
		count(a->id, ATEOM_STAT_NAT_REPAIR, 0);
	}
	return 0;
}

/* ---- the SNAT port search ----------------------------------------------- */

#ifndef NP_PROBE_SCRATCH /* else nat6.h defines both, with the scratch */
/* This family's part of struct bpf_sock_tuple (worker_owns_port). */
struct NP(sock_tuple) {
	NP_ADDR saddr, daddr;
	__be16 sport, dport;
};

/* The candidate port record; dport_be = the candidate. */
struct NP(snat_pair) {
	NP_KEY in;                    /* the port record; dport_be = candidate */
	NP_ENTRY inv;                 /* what it says: the actor's tuple */
};
#endif

struct NP(snat_probe) {
	struct __sk_buff *skb;
	const struct ateom_config *cfg;
	struct ateom_actor *actor;
#ifdef NP_PROBE_SCRATCH
	struct NP(snat_pair) *pair;   /* in the per-CPU scratch (stack: see nat6.h) */
#else
	struct NP(snat_pair) pair[1]; /* on the stack */
#endif
	__u64 now;
	__u32 start, range;
	bool reclaim;                 /* second pass: expired pairs may go */
	enum probe_result result;
};

/* Does the worker have a socket that traffic from the remote to pod:P
 * would reach (a listener or bound socket on P, or a connection on exactly
 * this 4-tuple)? Then P is not ours to hand out. Asked of the kernel, in the
 * worker netns (ateomN lives there). */
static __always_inline bool NP(worker_owns_port)(struct __sk_buff *skb, const NP_KEY *in)
{
	/* This family's part of struct bpf_sock_tuple only (IPv4: 12 bytes
	 * on the stack, not 36; IPv6: in the scratch; this runs in a bpf_loop
	 * callback, whose stack adds to the program's); the size passed tells
	 * the kernel the family. */
#ifdef NP_PROBE_SCRATCH
	struct NP(snat_pair) *s = NP(probe_scratch)();
	struct NP(sock_tuple) *t;

	if (!s)
		return true; /* cannot tell: not ours to hand out */
	t = &s->tuple;
	t->saddr = in->saddr_be;
	t->daddr = in->daddr_be;
	t->sport = in->sport_be;
	t->dport = in->dport_be;
#else
	struct NP(sock_tuple) tuple = { .saddr = in->saddr_be, .daddr = in->daddr_be,
					.sport = in->sport_be, .dport = in->dport_be },
			      *t = &tuple;
#endif
	struct bpf_sock *sk;

	if (in->proto == IPPROTO_TCP) /* skc: TIME_WAIT and request socks too */
		sk = bpf_skc_lookup_tcp(skb, (struct bpf_sock_tuple *)t, sizeof(*t),
					BPF_F_CURRENT_NETNS, 0);
	else if (in->proto == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, (struct bpf_sock_tuple *)t, sizeof(*t),
				       BPF_F_CURRENT_NETNS, 0);
	else
		return false; /* ICMP ids: the worker's ping sockets pick their own */
	if (!sk)
		return false;
	bpf_sk_release(sk);
	return true;
}

/* One candidate port (bpf_loop callback): 0 = try the next, 1 = done. */
static long NP(snat_probe_one)(__u32 i, void *ctx)
{
	struct NP(snat_probe) *sp = ctx;
	const struct ateom_config *cfg = sp->cfg;
	NP_ENTRY *cur;
	__u32 off = sp->start + i, *rc;
	bool crowded;
	long err;

	if (off >= sp->range)
		off -= sp->range;
	sp->pair->in.dport_be = bpf_htons((__u16)(cfg->snat_port_min + off));
	if (NP_PORT_EXPOSED(sp->pair->in.proto, sp->pair->in.dport_be))
		return 0; /* a record there is stale: the loader releases it */
	cur = bpf_map_lookup_elem(&NP_NAT, &sp->pair->in);
	if (cur) {
		/* Our own pair's surviving port record: the flow keeps its port. */
		if (cur->actor_ifindex == sp->pair->inv.actor_ifindex &&
		    NP_ADDR_EQ(cur->addr_be, sp->pair->inv.addr_be) && cur->port_be == sp->pair->inv.port_be) {
			sp->result = PROBE_OWN;
			return 1;
		}
		if (!sp->reclaim || !NP(pair_expire)(cfg, &sp->pair->in, cur, sp->now))
			return 0;
	}
	if (NP(worker_owns_port)(sp->skb, &sp->pair->in))
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
	rc = cfg->remote_share ? NP(remote_count)(&sp->pair->in, sp->pair->inv.actor_ifindex, true) : NULL;
	crowded = sp->reclaim || i >= SHARE_CROWDED_AFTER;
	if (cfg->remote_share &&
	    (!rc || ((__s32)__sync_fetch_and_add(rc, 1) >= (__s32)cfg->remote_share && crowded))) {
		if (rc)
			__sync_fetch_and_add(rc, -1);
		__sync_fetch_and_add(&sp->actor->nat_pairs, -1);
		sp->result = rc ? PROBE_SHARE : PROBE_FULL;
		return 1;
	}
	err = bpf_map_update_elem(&NP_NAT, &sp->pair->in, &sp->pair->inv, BPF_NOEXIST);
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
#ifndef NP_FIRST_INLINE
#define NP_FIRST_INLINE __always_inline
#endif
static NP_FIRST_INLINE __u32 NP(snat_first)(const struct ateom_config *cfg, const NP_PKT *p,
					    __u32 range)
{
	__u64 m0, m1;
	__u32 shift;

	NP_PORT_WORDS(p, m0, m1);
	shift = siphash_2u64(m0, m1, cfg->port_key) % range;
	return (bpf_ntohs(p->sport) % range + shift) % range;
}

/* New actor egress flow: find a port toward this remote and insert the
 * port record, then the OUT half. On success *res holds the OUT entry.
 * Returns 0 (new pair), 1 (own pair repaired), -ENOSPC (no port free for
 * this remote), -EDQUOT (actor at its quota), -EUSERS (actor at its share
 * of this remote), -E2BIG (table full) or -EEXIST (another CPU created the
 * flow first: look it up again). */
static __always_inline int NP(snat_create)(struct __sk_buff *skb, const struct ateom_config *cfg,
					   struct ateom_actor *actor, __u32 ifindex,
					   const NP_PKT *p, __u64 now, NP_ENTRY *res)
{
#ifdef NP_PROBE_SCRATCH
	struct NP(snat_probe) sp = { .skb = skb, .cfg = cfg, .actor = actor, .now = now };
	__u32 zero = 0;
	NP_KEY *out;
#else
	struct NP(snat_probe) sp = {
		.skb = skb,
		.cfg = cfg,
		.actor = actor,
		.pair = { {
			.inv = {
				.addr_be = p->saddr,
				.port_be = p->sport,
				.type = ATEOM_NAT_SNAT_REPLY,
				.actor_ifindex = ifindex,
				.actor_id = actor->id,
				.hook_gen = res->hook_gen, /* the caller's stamp */
				.last_seen_ns = now,
			},
		} },
		.now = now,
	};
	NP_KEY out_key, *out = &out_key;
#endif
#ifndef NP_PROBE_SCRATCH
	NP_REMOTE_KEY rk_key = { .addr_be = p->daddr, .port_be = p->dport, .proto = p->proto },
		      *rk = &rk_key;
#else
	NP_REMOTE_KEY *rk;
#endif
	__u64 *full_until;
	long err;

#ifdef NP_PROBE_SCRATCH
	sp.pair = bpf_map_lookup_elem(&NP_PROBE_SCRATCH, &zero);
	if (!sp.pair)
		return -E2BIG;
	__builtin_memset(&sp.pair->inv, 0, sizeof(sp.pair->inv));
	sp.pair->inv.addr_be = p->saddr;
	sp.pair->inv.port_be = p->sport;
	sp.pair->inv.type = ATEOM_NAT_SNAT_REPLY;
	sp.pair->inv.actor_ifindex = ifindex;
	sp.pair->inv.actor_id = actor->id;
	sp.pair->inv.hook_gen = res->hook_gen; /* the caller's stamp */
	sp.pair->inv.last_seen_ns = now;
	out = &sp.pair->out;
	rk = &sp.pair->rk;
	__builtin_memset(rk, 0, sizeof(*rk));
	rk->addr_be = p->daddr;
	rk->port_be = p->dport;
	rk->proto = p->proto;
#endif
	if (cfg->snat_port_max < cfg->snat_port_min)
		return -ENOSPC;
	sp.range = (__u32)cfg->snat_port_max - cfg->snat_port_min + 1;
	sp.start = NP(snat_first)(cfg, p, sp.range);
	/* The reply's key; its destination port is what we are choosing. */
	NP(nat_key_ref)(&sp.pair->in, 0, ATEOM_DIR_IN, p->proto, &p->daddr, p->dport,
			&NP_POD_ADDR(cfg), 0);
	/* At its quota an actor gets a short search only: its own pair's
	 * port record back, or a port an expired pair gives up (which may be
	 * its own, freeing quota) among the first candidates. No full-range
	 * search, whatever it sends. */
	if (actor->nat_pairs >= actor->nat_quota) {
		sp.reclaim = true;
		bpf_loop(sp.range < SNAT_FREE_FIRST ? sp.range : SNAT_FREE_FIRST,
			 NP(snat_probe_one), &sp, 0);
		if (sp.result != PROBE_OWN && sp.result != PROBE_CLAIMED)
			return sp.result == PROBE_FULL ? -E2BIG :
			       sp.result == PROBE_SHARE ? -EUSERS : -EDQUOT;
		goto have_port;
	}
	/* A remote whose ports were all taken a moment ago: fail at once (a
	 * full search walks the whole range, ~10 ms). */
	full_until = bpf_map_lookup_elem(&NP_SNAT_FULL, rk);
	if (full_until && now < *full_until)
		return -ENOSPC;
	/* Free ports near the first candidate first (a reclaimed port is one a
	 * remote may still hold in TIME_WAIT for another tuple), then the
	 * whole range, where expired pairs may give their port up. */
	bpf_loop(sp.range < SNAT_FREE_FIRST ? sp.range : SNAT_FREE_FIRST, NP(snat_probe_one), &sp,
		 0);
	if (sp.result == PROBE_NONE) {
		sp.reclaim = true;
		bpf_loop(sp.range, NP(snat_probe_one), &sp, 0);
	}
	if (sp.result == PROBE_NONE) {
		__u64 until = now + NSEC_PER_SEC;

		bpf_map_update_elem(&NP_SNAT_FULL, rk, &until, BPF_ANY);
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
	NP(nat_partner)(&sp.pair->in, &sp.pair->inv, out, res); /* the OUT half: actor tuple -> pod:port */
	if (NP(tcp_is_syn)(p)) /* what a RST refusing this connection acknowledges */
		res->tcp_ack_be = bpf_htonl(bpf_ntohl(p->tcp_seq) + 1);
	else if (p->proto == IPPROTO_TCP && (p->tcp_flags & TCP_FLAG_ACK_BYTE))
		res->tcp_ack_be = p->tcp_ack; /* a flow picked up mid-way */
	err = bpf_map_update_elem(&NP_NAT, out, res, BPF_NOEXIST);
	if (err == -EEXIST) {
		NP_ENTRY *won = bpf_map_lookup_elem(&NP_NAT, out);

		/* Another CPU made this flow first. On our port (it took our
		 * record for its own, PROBE_OWN): the record is its now. */
		if (sp.result == PROBE_CLAIMED && !(won && won->port_be == sp.pair->in.dport_be))
			NP(pair_delete)(&sp.pair->in, sp.pair->inv.actor_ifindex, NULL);
		return -EEXIST;
	}
	if (err) {
		if (sp.result == PROBE_CLAIMED)
			NP(pair_delete)(&sp.pair->in, sp.pair->inv.actor_ifindex, NULL);
		return -E2BIG;
	}
	return sp.result == PROBE_OWN;
}

/* ---- the table walks of the collector (gc.h) ----------------------------
 * Callbacks, so not inlined: marked unused for objects that include the
 * pair logic without the collector. */

/* One entry of a sweep (bpf_for_each_map_elem callback; deleting is
 * allowed there). The partner lookup is most of a sweep's cost (measured:
 * ~300 ns an entry with it, ~85 without, on a full table), so it is only
 * made for a pair whose port record is past its timeout. */
static __attribute__((unused)) long NP(gc_visit)(void *map, NP_KEY *k, NP_ENTRY *e, struct gc_walk *w)
{
	NP_ENTRY expect, *partner;
	NP_KEY pk;

	if (k->dir == ATEOM_DIR_IN) {
		/* Used within its pair's timeout (the record alone tells it:
		 * it mirrors the actor's FIN/RST), the pair cannot have
		 * expired: idle counts from the later of the two halves. */
		if (w->now - e->last_seen_ns <
		    NP(pair_timeout)(w->cfg, k, e->seen, mirrored_out(e->seen)))
			return 0;
		if (NP(pair_expire)(w->cfg, k, e, w->now))
			w->expired++;
		return 0;
	}
	/* An OUT half without its port record is left by a race between a
	 * deletion and a repair; once it has been idle a second (an active
	 * one is repaired by nat_out_check), it goes. */
	if (!w->orphans || w->now - e->last_seen_ns <= NSEC_PER_SEC)
		return 0;
	NP(nat_partner)(k, e, &pk, &expect);
	partner = bpf_map_lookup_elem(&NP_NAT, &pk);
	if (!partner || !NP(halves_agree)(partner, &expect))
		bpf_map_delete_elem(&NP_NAT, k);
	return 0;
}

/* One entry of a release: every pair on the port goes, counted off its
 * actor's quota (pair_delete); an OUT half naming the port goes too. */
static __attribute__((unused)) long NP(release_visit)(void *map, NP_KEY *k, NP_ENTRY *e, struct release_walk *w)
{
	NP_ENTRY expect, *partner;
	NP_KEY pk;

	if (k->proto != w->proto)
		return 0;
	if (k->dir == ATEOM_DIR_IN && k->dport_be == w->port_be) {
		NP(nat_partner)(k, e, &pk, &expect);
		partner = bpf_map_lookup_elem(&NP_NAT, &pk);
		NP(pair_delete)(k, expect.actor_ifindex,
				partner && NP(halves_agree)(partner, &expect) ? &pk : NULL);
	} else if (k->dir == ATEOM_DIR_OUT && e->port_be == w->port_be) {
		bpf_map_delete_elem(&NP_NAT, k);
	}
	return 0;
}

#undef NP
#undef NP_KEY
#undef NP_ENTRY
#undef NP_PKT
#undef NP_ADDR
#undef NP_ADDR_EQ
#undef NP_NAT
#undef NP_REMOTE_PAIRS
#undef NP_REMOTE_PAIRS_KEY
#undef NP_FIRST_INLINE
#undef NP_SNAT_FULL
#undef NP_REMOTE_KEY
#undef NP_POD_ADDR
#undef NP_PORT_EXPOSED
#undef NP_PROBE_SCRATCH
#undef NP_OUTLINE
#undef NP_PORT_WORDS
