// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Test-only: the IPv6 pair logic (bpf/nat6.h) driven directly, on the
 * datapath's own maps (the BPF suite loads this object with every map
 * reused from the fixture's datapath). Never shipped or attached; it proves
 * that the IPv6 instantiation passes the verifier and lets the suite test
 * the pair rules (ownership, quota, share, RST check, expiry) without an
 * IPv6 parser or packet rewriting, which are the IPv6 programs' own.
 *
 * The "packet" is a struct nat6_h_pkt (the fields of a struct pkt6 the
 * pair logic reads, as pkt6 lays them out), after a 14-byte Ethernet
 * header (test_run wants one);
 * skb->mark says what to do with it:
 *   NAT6_H_OUT  actor egress (ctx ifindex = the actor's ateomN): its pair,
 *               or a new one; returns the pod port (host order), an
 *               exposed port's pod port | NAT6_H_EXPOSED, or
 *               NAT6_H_ERR | errno (NAT6_H_BAD_PAIR: the pair is stale)
 *   NAT6_H_IN   a reply from the pod side: the actor port (host order),
 *               | NAT6_H_RST_IGNORED for a RST not trusted, or
 *               NAT6_H_ERR | ENOENT
 *   NAT6_H_OWNS is the port the worker's (remote -> pod:dport)? 1 or 0
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "nat6.h"
#include "nat6_harness.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline __u32 h_err(int err)
{
	return NAT6_H_ERR | (__u32)(-err);
}

/* The actor's pair: checked, touched (as from_actor's actor_egress). */
static __noinline __u32 h_out_pair(struct ateom_actor *a, const struct ateom_nat6_key *key,
				   struct ateom_nat6_entry *e, const struct pkt6 *p)
{
	__u64 now = bpf_ktime_get_coarse_ns();
	__u8 before = e->seen;

	if (nat_out_check6(a, key, e, now))
		return NAT6_H_BAD_PAIR;
	if (tcp_is_syn6(p))
		nat_new_connection6(key, e, p->tcp_seq);
	nat_touch6(key, e, p, now, true);
	if ((e->seen & ~before) & (ATEOM_SEEN_FIN | ATEOM_SEEN_RST))
		nat_mirror_close6(key, e, now);
	return bpf_ntohs(e->port_be);
}

/* No pair: an exposed port's answer, or a new pair. */
static __noinline __u32 h_out_new(struct __sk_buff *skb, const struct ateom_config *cfg,
				  struct ateom_actor *a, const struct pkt6 *p)
{
	struct ateom_nat6_entry fresh, *e;
	struct ateom_svc_rev *rev;
	struct ateom_nat6_key key;
	int err;

	rev = exposed_source6(skb->ifindex, p);
	if (rev)
		return NAT6_H_EXPOSED | bpf_ntohs(rev->port_be);
	fresh.hook_gen = 0;
	err = snat_create6(skb, cfg, a, skb->ifindex, p, bpf_ktime_get_coarse_ns(), &fresh);
	if (err == -EEXIST) {
		nat_key_out6(&key, skb->ifindex, p);
		e = bpf_map_lookup_elem(&nat6, &key);
		return e ? bpf_ntohs(e->port_be) : h_err(-ENOENT);
	}
	if (err < 0)
		return h_err(err);
	count(a->id, err == 1 ? ATEOM_STAT_NAT_REPAIR : ATEOM_STAT_SNAT_NEW, 0);
	return bpf_ntohs(fresh.port_be);
}

static __noinline __u32 h_out(struct __sk_buff *skb, const struct ateom_config *cfg,
			      const struct pkt6 *p)
{
	__u32 ifindex = skb->ifindex;
	struct ateom_actor *a = bpf_map_lookup_elem(&actors, &ifindex);
	struct ateom_nat6_entry *e;
	struct ateom_nat6_key key;

	if (!a)
		return h_err(-ENOENT);
	nat_key_out6(&key, ifindex, p);
	e = bpf_map_lookup_elem(&nat6, &key);
	return e ? h_out_pair(a, &key, e, p) : h_out_new(skb, cfg, a, p);
}

static __noinline __u32 h_in(const struct pkt6 *p)
{
	struct ateom_nat6_entry *e;
	struct ateom_nat6_key key;
	bool trust_rst;
	__be16 port;

	nat_key_in6(&key, p);
	e = bpf_map_lookup_elem(&nat6, &key);
	if (!e || tcp_is_syn6(p))
		return h_err(-ENOENT);
	port = e->port_be;
	trust_rst = !(p->tcp_flags & TCP_FLAG_RST_BYTE) || remote_rst_valid6(&key, e, p);
	nat_touch6(&key, e, p, bpf_ktime_get_coarse_ns(), trust_rst);
	return bpf_ntohs(port) | (trust_rst ? 0 : NAT6_H_RST_IGNORED);
}

static __noinline __u32 h_owns(struct __sk_buff *skb, const struct pkt6 *p)
{
	struct ateom_nat6_key key;

	nat_key_in6(&key, p);
	return worker_owns_port6(skb, &key);
}

/* struct nat6_h_pkt is the start of struct pkt6, then its proto and
 * tcp_flags: loaded straight into it. */
_Static_assert(__builtin_offsetof(struct pkt6, dport) + 2 == NAT6_H_PKT_ADDRS,
	       "nat6_h_pkt follows struct pkt6");
_Static_assert(__builtin_offsetof(struct pkt6, tcp_flags) ==
		       __builtin_offsetof(struct pkt6, proto) + 1,
	       "proto, tcp_flags");

SEC("tc")
int nat6_harness(struct __sk_buff *skb)
{
	struct ateom_config *cfg = get_config();
	struct pkt6 p = {};

	if (!cfg || bpf_skb_load_bytes(skb, NAT6_H_PKT_OFF, &p, NAT6_H_PKT_ADDRS) ||
	    bpf_skb_load_bytes(skb, NAT6_H_PKT_OFF + NAT6_H_PKT_ADDRS, &p.proto, 2))
		return h_err(-EINVAL);
	switch (skb->mark) {
	case NAT6_H_OUT:
		return h_out(skb, cfg, &p);
	case NAT6_H_IN:
		return h_in(&p);
	case NAT6_H_OWNS:
		return h_owns(skb, &p);
	}
	return h_err(-EINVAL);
}
