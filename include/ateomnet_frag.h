/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Fragment tracking (bpf/frag.h): one entry per IPv4 datagram in flight,
 * made by its first fragment (the one that carries the L4 header and goes
 * through NAT like any packet), read by its followers, which carry no ports
 * and get the same address rewrite, IP id and destination.
 *
 *   frag_out  hash, key {actor id, slot}: what an actor sends. 16 slots per
 *             actor, so an actor only ever overwrites its own entries.
 *   frag_in   hash, key {0, slot}: what arrives on the pod eth0, one table
 *             of 1024 slots keyed by a secret hash of (source, protocol, id).
 *
 * A slot holds one datagram (the newest wins); the entry names the datagram
 * in full, so a follower of another datagram that hashes to the same slot
 * never matches it. Entries live ATEOM_FRAG_TIMEOUT_NS at most and are
 * removed as soon as their datagram went through in order. Neither map is
 * pinned: only the programs use them.
 */
#ifndef ATEOMNET_FRAG_H
#define ATEOMNET_FRAG_H

#include <linux/types.h>

#define ATEOM_FRAG_SLOTS_PER_ACTOR 16
#define ATEOM_FRAG_OUT_ENTRIES ((ATEOM_MAX_ACTORS + 1) * ATEOM_FRAG_SLOTS_PER_ACTOR)
#define ATEOM_FRAG_IN_SLOTS 1024
/* The kernel's default ipfrag_time: what a receiver would still reassemble. */
#define ATEOM_FRAG_TIMEOUT_NS (30ULL * 1000000000ULL)

struct ateom_frag_key {
	__u32 owner;          /* frag_out: the actor id; frag_in: 0 */
	__u32 slot;
};

enum ateom_frag_verdict {
	ATEOM_FRAG_FORWARD = 1,   /* translate the followers like the first */
	ATEOM_FRAG_WORKER = 2,    /* frag_in: the worker's datagram (pass) */
	ATEOM_FRAG_CONFLICT = 3,  /* frag_in: two first fragments with one
				   * name went to two actors: drop the rest */
};

struct ateom_frag {
	/* The datagram as it arrives (compared in full: slots are shared). */
	__u32 ifindex;        /* frag_out: the sender's ateomN; frag_in: the
			       * target actor's ateomN (0: the worker) */
	__be32 peer_be;       /* frag_out: destination; frag_in: source */
	__be16 id_be;         /* its IP id */
	__u8 proto;
	__u8 verdict;         /* enum ateom_frag_verdict */
	/* What the followers get. */
	__be32 addr_be;       /* frag_out: new source; frag_in: new destination */
	__be16 new_id_be;     /* frag_out: the IP id it leaves with */
	__u16 actor_id;
	/* Contiguous payload seen from offset 0, in 8-byte units: a follower
	 * below it is a duplicate or an overlap, above it out of order. */
	__u16 end;
	__u16 pad;
	__u64 created_ns;     /* bpf_ktime_get_coarse_ns() of the first fragment */
};

/* frag_ids: array[1], the IP ids given to translated datagrams. */
struct ateom_frag_ids {
	__u32 next;
};

/* ---- IPv6 (bpf/frag6.h) ---------------------------------------------------
 * The same two tables for IPv6, frag6_out and frag6_in, keyed and sized as
 * their IPv4 twins (struct ateom_frag_key), with 128-bit addresses and the
 * fragment header's 32-bit identification. The identifications given to
 * translated datagrams come from the same counter as IPv4's (frag_ids):
 * one counter, two families, never the same number twice in a row. */
struct ateom_frag6 {
	__u32 ifindex;        /* as in struct ateom_frag */
	union ateom_in6 peer_be;
	__be32 id_be;         /* its identification */
	__u8 proto;           /* the upper-layer protocol (after the fragment
			       * header) */
	__u8 verdict;
	__u16 actor_id;
	union ateom_in6 addr_be; /* frag6_out: new source; frag6_in: new
				  * destination */
	__be32 new_id_be;     /* frag6_out: the identification it leaves with */
	__u16 end;            /* as in struct ateom_frag, 8-byte units */
	__u16 pad;
	__u64 created_ns;
};

#endif /* ATEOMNET_FRAG_H */
