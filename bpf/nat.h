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

/* ---- family-independent parts (nat_pair.h uses them) -------------------- */

enum probe_result { PROBE_NONE, PROBE_CLAIMED, PROBE_OWN, PROBE_FULL, PROBE_QUOTA,
		    PROBE_SHARE };

/* A sweep of the collector (gc.h) and a release of a port about to be
 * exposed: what the per-entry visits of each family's table share. */
struct gc_walk {
	const struct ateom_config *cfg;
	__u64 now;
	__u64 expired;
	bool orphans;         /* this sweep checks OUT halves too */
};

struct release_walk {
	__be16 port_be;
	__u8 proto;
};

/* The quota count lives in the owner's `actors` entry (one count for both
 * families); an actor that is gone (down) has nothing left to count. */
static __always_inline void actor_uncount(__u32 ifindex)
{
	struct ateom_actor *a = bpf_map_lookup_elem(&actors, &ifindex);

	if (a && a->nat_pairs)
		__sync_fetch_and_add(&a->nat_pairs, -1);
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

/* The exposed pod port proto/port (services), or NULL. An exposed port is
 * the same port on the pod's IPv4 and IPv6 address. (ICMPv6 finds nothing
 * either: services holds TCP and UDP only.) */
static __always_inline struct ateom_svc *service_of(__u8 proto, __be16 port_be)
{
	struct ateom_svc_key sk = { .port_be = port_be, .proto = proto };

	if (proto == IPPROTO_ICMP)
		return NULL;
	return bpf_map_lookup_elem(&services, &sk);
}

/* Is the pod port exposed (no pair may hold it)? */
static __always_inline bool port_exposed(__u8 proto, __be16 port_be)
{
	return service_of(proto, port_be) != NULL;
}

/* From an exposed actor port (actor ifindex, source port, protocol): its
 * static mapping back to the pod port (svc_rev), or NULL. Either family
 * (an exposed port is exposed on both); exposed_source and exposed_source6
 * leave echo ids out. */
static __always_inline struct ateom_svc_rev *exposed_source_port(__u32 ifindex, __be16 sport,
								 __u8 proto)
{
	struct ateom_svc_rev_key rk = {
		.actor_ifindex = ifindex, .actor_port_be = sport, .proto = proto,
	};

	return bpf_map_lookup_elem(&svc_rev, &rk);
}

/* The same for an IPv4 packet: p's source (ICMP ids are never exposed). */
static __always_inline struct ateom_svc_rev *exposed_source(__u32 ifindex, const struct pkt *p)
{
	struct ateom_svc_rev_key rk = {
		.actor_ifindex = ifindex, .actor_port_be = p->sport, .proto = p->proto,
	};

	if (p->proto == IPPROTO_ICMP)
		return NULL;
	return bpf_map_lookup_elem(&svc_rev, &rk);
}

/* ---- the IPv4 pair logic: nat_pair.h with today's names ----------------- */

#define NP(name) name
#define NP_KEY struct ateom_nat_key
#define NP_ENTRY struct ateom_nat_entry
#define NP_PKT struct pkt
#define NP_ADDR __be32
#define NP_ADDR_EQ(a, b) ((a) == (b))
#define NP_NAT nat
#define NP_REMOTE_PAIRS remote_pairs
#define NP_REMOTE_PAIRS_KEY struct ateom_remote_pairs_key
#define NP_SNAT_FULL snat_full
#define NP_REMOTE_KEY struct ateom_remote_key
#define NP_POD_ADDR(cfg) ((cfg)->pod_ip_be)
#define NP_PORT_EXPOSED(proto, port) port_exposed(proto, port)
#define NP_OUTLINE __always_inline
/* The protocol and the address in one word, the second 0. */
#define NP_PORT_WORDS(p, m0, m1)                                        \
	do {                                                            \
		(m0) = ((__u64)(p)->saddr << 32) | (p)->proto;          \
		(m1) = 0;                                               \
	} while (0)
#include "nat_pair.h"

#endif
