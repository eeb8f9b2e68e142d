/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The IPv6 SNAT pairs (SNAT66): nat_pair.h on the `nat6` table, with every
 * name suffixed 6 (nat_key6, snat_create6, ...). The same rules as IPv4
 * (nat.h): ownership by the port record, IN half first and OUT half first
 * out, one quota per actor for both families (nat_pairs), the actor's share
 * of a remote, timeouts, the RST check, the keyed port search. The pod's
 * IPv4 and IPv6 addresses are two port spaces; an exposed port is exposed
 * on both. */
#ifndef ATEOM_BPF_NAT6_H
#define ATEOM_BPF_NAT6_H

#include "nat.h"
#include "parse6.h"

/* worker_owns_port6's question: the IPv6 part of struct bpf_sock_tuple. */
struct sock_tuple6 {
	union ateom_in6 saddr, daddr;
	__be16 sport, dport;
};

/* The IPv6 port search's keys (three 44-byte keys, a 48-byte entry, a
 * socket tuple) live in a per-CPU scratch, not on the stack: the search
 * runs inside the IPv6 programs, whose stack (with the bpf_loop callback's)
 * must stay within 512 bytes. One search at a time per CPU: tc programs and
 * the collector's timer run to completion with bottom halves off, and a
 * search sends nothing that could re-enter one. */
struct snat_pair6 {
	struct ateom_nat6_key in;    /* the port record; dport_be = candidate */
	struct ateom_nat6_entry inv; /* what it says: the actor's tuple */
	struct ateom_nat6_key out;   /* the OUT half's key, once a port is had */
	struct ateom_nat6_key expire_out; /* pair_expire6's OUT half */
	struct sock_tuple6 tuple;    /* worker_owns_port6's question */
	struct ateom_remote6_key rk; /* the remote, for snat_full6 */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct snat_pair6);
} snat_scratch6 SEC(".maps");

#define NP(name) name##6
#define NP_PROBE_SCRATCH snat_scratch6
/* The partner checks (nat_out_check6, nat_new_connection6,
 * nat_mirror_close6, remote_rst_valid6) in their own frames: their keys
 * then never add to the calling program's. */
#define NP_OUTLINE __noinline __attribute__((unused))
#define NP_KEY struct ateom_nat6_key
#define NP_ENTRY struct ateom_nat6_entry
#define NP_PKT struct pkt6
#define NP_ADDR union ateom_in6
#define NP_ADDR_EQ(a, b) in6_eq(&(a), &(b))
#define NP_NAT nat6
#define NP_REMOTE_PAIRS remote_pairs6
#define NP_REMOTE_PAIRS_KEY struct ateom_remote_pairs6_key
#define NP_SNAT_FULL snat_full6
#define NP_REMOTE_KEY struct ateom_remote6_key
#define NP_POD_ADDR(cfg) ((cfg)->pod_ip6)
#define NP_PORT_EXPOSED(proto, port) ((proto) != IPPROTO_ICMPV6 && port_exposed(proto, port))
/* The 128-bit address in the two words, the protocol xored into the
 * second (a fold: the hash only has to be keyed and steady per actor
 * address and protocol, as IPv4's). */
#define NP_PORT_WORDS(p, m0, m1)                                                   \
	do {                                                                       \
		(m0) = ((__u64)(p)->saddr.w[0] << 32) | (p)->saddr.w[1];           \
		(m1) = (((__u64)(p)->saddr.w[2] << 32) | (p)->saddr.w[3]) ^        \
		       ((__u64)(p)->proto << 56);                                  \
	} while (0)
#define NP_FIRST_INLINE __noinline
#include "nat_pair.h"

/* From an exposed actor port: exposed_source() for an IPv6 packet. */
static __always_inline struct ateom_svc_rev *exposed_source6(__u32 ifindex, const struct pkt6 *p)
{
	return p->proto == IPPROTO_ICMPV6 ? NULL :
	       exposed_source_port(ifindex, p->sport, p->proto);
}

#endif
