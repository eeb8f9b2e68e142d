// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ateomnet datapath: SNAT for actor egress, DNAT for exposed ports, with the
 * packets redirected between the pod eth0 and ateomN by the programs
 * themselves (no nftables, no ip_forward). The walk is in README.md ("The
 * datapath in one paragraph each"), the decisions in docs/NOTES.md.
 *
 *   from_actor    TC ingress of ateomN (what the actor sends)
 *   actor_resume  the NAT half of from_actor, tail-called by egress hooks
 *   from_pod      TC ingress of the pod eth0 (what arrives for the pod)
 *   to_actor      TC egress of ateomN (what the worker itself sends the
 *                 actor: its identity address back to the actor address)
 *   nat_gc_ctl    run by the loader (BPF_PROG_TEST_RUN): starts or stops
 *                 the NAT garbage collector's timer
 *
 * An IPv6 frame goes on to the IPv6 programs (datapath6.h) by tail call.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ateomnet.h"
#include "maps.h"
#include "parse.h"
#include "rewrite.h"
#include "nat.h"
#include "arp.h"
#include "icmp_err.h"
#include "gc.h"
#include "ident.h"
#include "frag.h"
#include "capture.h"
#include "ttl.h"
#include "hairpin.h"
#include "hook_cache.h"
#include "dp_common.h"
#include "datapath6.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline __u32 parse_drop_reason(int r)
{
	switch (r) {
	case PARSE_NOT_IPV4:
		return ATEOM_STAT_DROP_NOT_IPV4;
	case PARSE_FRAG:
		return ATEOM_STAT_DROP_FRAG;
	case PARSE_PROTO:
		return ATEOM_STAT_DROP_PROTO;
	default:
		return ATEOM_STAT_DROP_TRUNC;
	}
}

/* Addressed to the worker itself (or link-local broadcast/multicast): goes to
 * the worker's stack untranslated, so sidecars see the actor as itself. */
static __always_inline bool to_worker(const struct ateom_config *cfg,
				      const struct ateom_actor *a, __be32 daddr)
{
	__u8 first = bpf_ntohl(daddr) >> 24;

	return daddr == a->worker_ip_be || daddr == cfg->pod_ip_be ||
	       (daddr & a->netmask_be) == (a->worker_ip_be & a->netmask_be) ||
	       daddr == 0xffffffff || (first & 0xf0) == 0xe0;
}

/* The actor's ICMP errors: only about its own flows, only to their peer. */
static __always_inline int actor_icmp_error(struct __sk_buff *skb,
					    const struct ateom_config *cfg,
					    const struct ateom_actor *a, struct pkt *p)
{
	int r = icmp_error_from_actor(skb, p, cfg, a, skb->ifindex, cfg->pod_ip_be);

	if (r == ICMP_ERR_NOT_OURS)
		return drop(a->id, ATEOM_STAT_DROP_PROTO, p->len);
	if (r == ICMP_ERR_NOT_PEER)
		return drop(a->id, ATEOM_STAT_DROP_ICMP_PEER, p->len);
	if (r || ttl_decrement(skb))
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(a->id, ATEOM_STAT_ICMP_ERROR, p->len);
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
}

/* TTL 1: ICMP Time Exceeded from the gateway, back to the actor (ttl.h);
 * never about an ICMP error (RFC 1122 3.2.2). */
static __always_inline int ttl_expired(struct __sk_buff *skb, const struct ateom_actor *a,
				       const struct pkt *p)
{
	if (p->proto == IPPROTO_ICMP && ICMP_IS_ERROR(p->icmp_type))
		return drop(a->id, ATEOM_STAT_DROP_TTL, p->len);
	if (!ttl_icmp_allowed(a->id, bpf_ktime_get_coarse_ns()))
		return drop(a->id, ATEOM_STAT_DROP_TTL_RATELIMIT, p->len);
	if (ttl_make_error(skb, a->worker_ip_be, p->saddr))
		return drop(a->id, ATEOM_STAT_DROP_TTL, p->len);
	count(a->id, ATEOM_STAT_TTL_EXCEEDED, p->len); /* the expired packet */
	return bpf_redirect(skb->ifindex, 0);
}

/* A hairpin packet, translated, into its actor's netns (hairpin.h). The
 * target's veth is not the one it came in on: redirect_peer (into the
 * peer's netns from this ingress) is what delivers it without passing the
 * worker's stack; to_actor would drop it on the veth's egress. */
static __always_inline int hairpin_send(const struct ateom_actor *a, const struct pkt *p,
					int err, const struct hairpin_dest *d, __u32 stat)
{
	if (err)
		return drop(a->id, ATEOM_STAT_DROP_HAIRPIN, p->len);
	count(d->actor_id, stat, p->len); /* the receiver's, as DNAT counts */
	return bpf_redirect_peer(d->ifindex, 0);
}

/* The actor's answer from exposed port rev: back as pod:S. */
static __always_inline int exposed_reply(struct __sk_buff *skb, const struct ateom_config *cfg,
					 const struct ateom_actor *a, struct pkt *p,
					 const struct ateom_svc_rev *rev)
{
	int err;

	if (p->daddr == cfg->pod_ip_be) { /* hairpin: an answer to a caller */
		struct hairpin_dest d;

		err = hairpin_answer(skb, cfg, p, rev->port_be, &d);
		return hairpin_send(a, p, err < 0, &d, err ? ATEOM_STAT_HAIRPIN :
						       ATEOM_STAT_HAIRPIN_REPLY);
	}
	if (rewrite_src(skb, p, cfg->pod_ip_be, rev->port_be))
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(a->id, ATEOM_STAT_DNAT_REPLY, p->len);
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
}

/* Step 5-6 of from_actor: translate and send out of the pod eth0. The
 * caller looked the actor's OUT pair up (key, e: NULL if none); the packet
 * was let through under hook generation gen, which the pair keeps
 * (hook_cache.h). */
static __always_inline int actor_egress(struct __sk_buff *skb,
					const struct ateom_config *cfg,
					struct ateom_actor *a, struct pkt *p,
					const struct ateom_nat_key *key,
					struct ateom_nat_entry *e, __u32 gen)
{
	struct ateom_nat_entry fresh;
	struct ateom_svc_rev *rev;
	__be32 addr;
	__be16 port;
	__u64 now;
	int err;

	/* Check before translating or creating state for a packet that will
	 * not leave. */
	if (p->ttl <= 1)
		return ttl_expired(skb, a, p);
	if (p->proto == IPPROTO_ICMP && p->icmp_type != ICMP_ECHO) {
		if (!ICMP_IS_ERROR(p->icmp_type)) /* only echo requests start flows */
			return drop(a->id, ATEOM_STAT_DROP_PROTO, p->len);
		if (p->daddr == cfg->pod_ip_be) { /* about a hairpin call (hairpin.h) */
			struct hairpin_dest d;

			err = hairpin_icmp_error(skb, cfg, p, &d);
			return hairpin_send(a, p, err != 0, &d, ATEOM_STAT_ICMP_ERROR);
		}
		return actor_icmp_error(skb, cfg, a, p);
	}

	/* The actor's pairs first (the common case pays one lookup). No pair
	 * can exist for an exposed source port: svc_rev is written before the
	 * actor entry, and a new pair is only made after asking it. */
	now = bpf_ktime_get_coarse_ns();
	if (e) {
		if (nat_out_check(a, key, e, now))
			return drop(a->id, ATEOM_STAT_DROP_BAD_PAIR, p->len);
		__u8 before = e->seen;

		if (tcp_is_syn(p))
			nat_new_connection(key, e, p->tcp_seq);
		nat_touch(key, e, p, now, true);
		if ((e->seen & ~before) & (ATEOM_SEEN_FIN | ATEOM_SEEN_RST))
			nat_mirror_close(key, e, now);
	} else if ((rev = exposed_source(skb->ifindex, p))) {
		return exposed_reply(skb, cfg, a, p, rev);
	} else {
		fresh.hook_gen = gen; /* snat_create's OUT half carries it */
		err = snat_create(skb, cfg, a, skb->ifindex, p, now, &fresh);
		if (err == -EEXIST)
			e = bpf_map_lookup_elem(&nat, key);
		else if (err < 0)
			return drop(a->id, snat_drop_reason(err), p->len);
		else
			e = &fresh;
		if (!e)
			return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
		count(a->id, err == 1 ? ATEOM_STAT_NAT_REPAIR : ATEOM_STAT_SNAT_NEW, 0);
	}
	hook_stamp(e, gen);
	addr = e->addr_be; /* copied: a deleted element's memory may be reused */
	port = e->port_be;
	if (p->daddr == cfg->pod_ip_be) { /* hairpin: on to the exposed port */
		struct hairpin_dest d;

		err = hairpin_forward(skb, p, addr, port, &d);
		return hairpin_send(a, p, err, &d, ATEOM_STAT_HAIRPIN);
	}
	if (rewrite_src(skb, p, addr, port))
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(a->id, ATEOM_STAT_SNAT, p->len);
	/* The kernel's FIB + neighbour code picks the next hop and fills in
	 * the MACs; unlike bpf_fib_lookup it needs no forwarding sysctl. */
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
}

SEC("tc")
int from_actor(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ateom_config *cfg = get_config();
	struct ateom_nat_entry *e;
	struct ateom_nat_key key;
	struct ateom_actor *a;
	struct pkt p = {}; /* clang spills fields the ARP path leaves unset */
	__u32 gen;
	int r;

	if (!cfg)
		return drop(0, ATEOM_STAT_DROP_NO_CONFIG, skb->len);
	a = bpf_map_lookup_elem(&actors, &ifindex);
	if (!a)
		return drop(0, ATEOM_STAT_DROP_NO_ACTOR, skb->len);
	count(a->id, ATEOM_STAT_ACTOR_RX, skb->len);
	/* Read once, before the hook runs: a bump from here on makes the
	 * next packet ask the hook again (hook_cache.h). */
	gen = READ_ONCE_U32(a->hook_gen);

	/* The kernel took an 802.1Q tag off into the skb on receive and would
	 * put it back on the pod eth0: the actor must not pick VLANs there. */
	if (skb->vlan_present)
		return drop(a->id, ATEOM_STAT_DROP_VLAN, skb->len);
	if (eth_proto(skb) == ETH_P_IPV6) { /* datapath6.h; empty slot: none */
		bpf_tail_call(skb, &v6_progs, ATEOM_V6_FROM_ACTOR);
		return drop(a->id, ATEOM_STAT_DROP_NO_IPV6, skb->len);
	}
	if (eth_proto(skb) == ETH_P_ARP) {
		r = arp_respond(skb, a->worker_ip_be, a->actor_ip_be);
		if (r == ARP_REPLIED) {
			count(a->id, ATEOM_STAT_ARP_REPLY, skb->len);
			return bpf_redirect(ifindex, 0);
		}
		if (r == ARP_BAD)
			return drop(a->id, ATEOM_STAT_DROP_TRUNC, skb->len);
		count(a->id, ATEOM_STAT_ARP_PASS, skb->len);
		return TC_ACT_OK;
	}

	r = parse_ipv4(skb, &p);
	if (r == PARSE_NOT_IPV4 || r == PARSE_TRUNC)
		return drop(a->id, parse_drop_reason(r), skb->len);
	if (p.saddr != a->actor_ip_be)
		return drop(a->id, ATEOM_STAT_DROP_SPOOF, skb->len);
	/* Source routes and the like have no business leaving an actor. */
	if (p.options)
		return drop(a->id, ATEOM_STAT_DROP_IP_OPTIONS, skb->len);
	if (to_worker(cfg, a, p.daddr) &&
	    !(r == PARSE_OK && p.daddr == cfg->pod_ip_be && hairpin_bound(skb, cfg, &p))) {
		/* Fragments: no further than to the actor's own gateway either
		 * (the worker's reassembly memory is the worker's). */
		if (r == PARSE_FRAG)
			return drop(a->id, ATEOM_STAT_DROP_FRAG, skb->len);
		int ir = ident_to_worker(skb, &p, cfg, a);

		if (ir == IDENT_NOT_PEER)
			return drop(a->id, ATEOM_STAT_DROP_ICMP_PEER, skb->len);
		if (ir)
			return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, skb->len);
		count(a->id, ATEOM_STAT_TO_WORKER, skb->len);
		return TC_ACT_OK;
	}
	/* An IPv6-only pod (pod IP 0): no IPv4 address to translate to. */
	if (!cfg->pod_ip_be)
		return drop(a->id, ATEOM_STAT_DROP_NO_POD_IPV4, skb->len);
	if (r != PARSE_OK) {
		/* Fragments (bpf/frag.h): a follower goes as its first
		 * fragment went; a first fragment goes on like any packet. */
		if (r == PARSE_FRAG && p.later_frag)
			return frag_out_follow(skb, cfg, a, &p);
		if (r != PARSE_FRAG || (p.proto == IPPROTO_ICMP && ICMP_IS_ERROR(p.icmp_type)))
			return drop(a->id, parse_drop_reason(r), skb->len);
	}

	nat_key_out(&key, ifindex, &p);
	e = bpf_map_lookup_elem(&nat, &key);
	if (r == PARSE_OK) {
		/* Past the hook (hook_cache.h): a flow it let through under
		 * this generation, or an exposed port's answer to its client. */
		if (hook_cached(e, gen, &p)) {
			count(a->id, ATEOM_STAT_HOOK_CACHED, 0);
			return actor_egress(skb, cfg, a, &p, &key, e, gen);
		}
		if (!e && (a->flags & ATEOM_ACTOR_HOOKED) && p.ttl > 1 &&
		    p.proto != IPPROTO_ICMP) {
			struct ateom_svc_rev *rev;

			/* The array scan first: it rules out most packets
			 * without the svc_rev hash miss. */
			if (svc_flow_known(cfg, a, &p) && (rev = exposed_source(ifindex, &p))) {
				count(a->id, ATEOM_STAT_HOOK_REPLY, 0);
				return exposed_reply(skb, cfg, a, &p, rev);
			}
		}
	}

	/* Egress hook (ateomnet_hook.h): an empty slot falls through. */
	skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] = ATEOM_HOOK_CB_MAGIC;
	skb->cb[ATEOM_HOOK_CB_ACTOR_ID] = a->id;
	skb->cb[ATEOM_HOOK_CB_IFINDEX] = ifindex;
	skb->cb[ATEOM_HOOK_CB_VERDICT] = ATEOM_HOOK_NONE;
	skb->cb[ATEOM_HOOK_CB_ARG] = hook_gen_encode(gen);
	bpf_tail_call(skb, &egress_hooks, a->id);

	r = actor_egress(skb, cfg, a, &p, &key, e, gen);
	return p.fragment ? frag_out_first(skb, cfg, a, &p, r) : r;
}

/* Slot ATEOM_HOOK_SLOT_RESUME: an egress hook hands the packet back here. */
SEC("tc")
int actor_resume(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ateom_config *cfg = get_config();
	struct ateom_nat_entry *e;
	struct ateom_nat_key key;
	struct ateom_actor *a;
	struct pkt p;
	int r;

	if (!cfg)
		return drop(0, ATEOM_STAT_DROP_NO_CONFIG, skb->len);
	a = bpf_map_lookup_elem(&actors, &ifindex);
	if (!a)
		return drop(0, ATEOM_STAT_DROP_NO_ACTOR, skb->len);
	if (eth_proto(skb) == ETH_P_IPV6) { /* datapath6.h */
		bpf_tail_call(skb, &v6_progs, ATEOM_V6_RESUME);
		return drop(a->id, ATEOM_STAT_DROP_NO_IPV6, skb->len);
	}
	/* (A hook that pushed a VLAN tag broke its promise as much as one
	 * that changed the packet: from_actor's check, once more.) */
	if (skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] != ATEOM_HOOK_CB_MAGIC || skb->vlan_present)
		return drop(a->id, ATEOM_STAT_DROP_POLICY, skb->len);
	skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] = 0;
	if (skb->cb[ATEOM_HOOK_CB_VERDICT] == ATEOM_HOOK_CAPTURE) {
		/* To the worker's proxy (capture.h), checked as below. */
		if (skb->cb[ATEOM_HOOK_CB_ARG] > 0xffff || /* not a port: not set */
		    parse_ipv4(skb, &p) != PARSE_OK || p.saddr != a->actor_ip_be || p.options ||
		    to_worker(cfg, a, p.daddr) ||
		    capture_to_worker(skb, &p, a, skb->cb[ATEOM_HOOK_CB_ARG]))
			return drop(a->id, ATEOM_STAT_DROP_CAPTURE, skb->len);
		count(a->id, ATEOM_STAT_CAPTURE, skb->len);
		return TC_ACT_OK;
	}
	if (skb->cb[ATEOM_HOOK_CB_VERDICT] != ATEOM_HOOK_ALLOW)
		return drop(a->id, ATEOM_STAT_DROP_POLICY, skb->len);
	count(a->id, ATEOM_STAT_HOOK_ALLOW, skb->len);

	/* The hook may not have kept its promise not to touch the packet.
	 * (A first fragment comes back as PARSE_FRAG, with its L4 header.) */
	r = parse_ipv4(skb, &p);
	if ((r != PARSE_OK && (r != PARSE_FRAG || p.later_frag ||
			       (p.proto == IPPROTO_ICMP && ICMP_IS_ERROR(p.icmp_type)))) ||
	    p.saddr != a->actor_ip_be || p.options ||
	    (to_worker(cfg, a, p.daddr) &&
	     !(r == PARSE_OK && p.daddr == cfg->pod_ip_be && hairpin_bound(skb, cfg, &p))))
		return drop(a->id, ATEOM_STAT_DROP_POLICY, skb->len);
	nat_key_out(&key, ifindex, &p);
	e = bpf_map_lookup_elem(&nat, &key);
	/* The generation from_actor read before the hook ran. */
	r = actor_egress(skb, cfg, a, &p, &key, e, hook_gen_decode(skb->cb[ATEOM_HOOK_CB_ARG]));
	return p.fragment ? frag_out_first(skb, cfg, a, &p, r) : r;
}

static __always_inline int pod_icmp_error(struct __sk_buff *skb,
					  const struct ateom_config *cfg, struct pkt *p)
{
	struct icmp_dest d = {};
	int r = icmp_error_from_pod(skb, p, &d);

	if (r > 0)
		return pod_pass(skb); /* about the worker's own traffic */
	if (r || ttl_decrement(skb) || set_actor_macs(skb))
		return drop(d.actor_id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(d.actor_id, ATEOM_STAT_ICMP_ERROR, p->len);
	return deliver(cfg, d.ifindex);
}

/* To an exposed port: a static mapping to the actor, no per-flow state (so
 * no remote can create NAT state, whatever it sends). */
static __always_inline int pod_to_service(struct __sk_buff *skb,
					  const struct ateom_config *cfg,
					  const struct ateom_svc *svc, struct pkt *p)
{
	/* A client on the actor's link (the worker's address there, or the
	 * actor's own) is a spoofer: the actor would take it for the
	 * worker, and could never answer it (to_worker). */
	if ((p->saddr & svc->netmask_be) == (svc->actor_ip_be & svc->netmask_be))
		return drop(0, ATEOM_STAT_DROP_SPOOF, p->len);
	if (p->ttl <= 1)
		return drop(svc->actor_id, ATEOM_STAT_DROP_TTL, p->len);
	svc_flow_note(cfg, svc, p); /* its answers may pass the hook */
	if (set_actor_macs(skb) || rewrite_dst(skb, p, svc->actor_ip_be, svc->actor_port_be))
		return drop(svc->actor_id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(svc->actor_id, ATEOM_STAT_DNAT, p->len);
	return deliver(cfg, svc->actor_ifindex);
}

/* A reply to an actor's egress, by its pair's port record. */
static __always_inline int pod_snat_reply(struct __sk_buff *skb,
					  const struct ateom_config *cfg, struct pkt *p)
{
	struct ateom_nat_entry *e;
	struct ateom_nat_key key;
	__u32 ifindex;
	__be32 addr;
	__be16 port;
	__u16 id;
	bool trust_rst;
	__u64 now;

	nat_key_in(&key, p);
	e = bpf_map_lookup_elem(&nat, &key);
	if (!e)
		return pod_pass(skb);
	/* A SYN opens a connection: it is never a reply. A remote's new
	 * connection to pod:P reaches the worker even when an actor's pair
	 * holds that tuple (the pair is left alone: a spoofed SYN must not be
	 * able to break an actor's flow). */
	if (tcp_is_syn(p)) {
		count(0, ATEOM_STAT_SYN_NOT_REPLY, p->len);
		return pod_pass(skb);
	}
	/* Copied before use: a deleted element's memory may be reused. */
	addr = e->addr_be;
	port = e->port_be;
	ifindex = e->actor_ifindex;
	id = e->actor_id;
	if (p->ttl <= 1)
		return drop(id, ATEOM_STAT_DROP_TTL, p->len);
	trust_rst = !(p->tcp_flags & TCP_FLAG_RST_BYTE) || remote_rst_valid(&key, e, p);
	if (!trust_rst)
		count(id, ATEOM_STAT_RST_IGNORED, 0); /* delivered: the actor judges it */
	now = bpf_ktime_get_coarse_ns();
	nat_touch(&key, e, p, now, trust_rst);
	if (set_actor_macs(skb) || rewrite_dst(skb, p, addr, port))
		return drop(id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(id, ATEOM_STAT_SNAT_REPLY, p->len);
	return deliver(cfg, ifindex);
}

/* A fragment to the pod IP (bpf/frag.h). A follower goes where its first
 * fragment went, or to the worker; a first fragment goes where the whole
 * datagram would (from_pod's rules), and its followers will follow. */
static __noinline int pod_frag(struct __sk_buff *skb, const struct ateom_config *cfg,
			       struct pkt *p)
{
	struct ateom_nat_entry *e;
	struct ateom_nat_key key;
	struct ateom_svc *svc;
	__u32 ifindex = 0, id = 0;
	int v;

	if (p->later_frag) {
		int to = frag_in_follow(skb, cfg, p, &id);

		if (to < 0)
			return TC_ACT_SHOT;
		if (!to)
			return pod_pass(skb);
		if (set_actor_macs(skb))
			return drop(id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
		count(id, ATEOM_STAT_FRAG_IN, p->len);
		return deliver(cfg, to);
	}
	svc = p->proto == IPPROTO_ICMP ? NULL : service_of(p->proto, p->dport);
	if (svc) {
		ifindex = svc->actor_ifindex;
		id = svc->actor_id;
		v = pod_to_service(skb, cfg, svc, p);
	} else if ((p->proto != IPPROTO_ICMP || p->icmp_type == ICMP_ECHOREPLY) &&
		   in_snat_range(cfg, p->dport)) {
		nat_key_in(&key, p);
		e = bpf_map_lookup_elem(&nat, &key);
		if (e) {
			ifindex = e->actor_ifindex;
			id = e->actor_id;
		}
		v = pod_snat_reply(skb, cfg, p);
	} else {
		v = pod_pass(skb); /* fragmented ICMP errors and pings too */
	}
	if (v == TC_ACT_REDIRECT) {
		frag_in_first(skb, cfg, p, ifindex, id);
	} else if (v == TC_ACT_UNSPEC) {
		/* The worker's datagram is guarded (frag.h: its slot is not
		 * given to an actor's) only where a worker socket would take
		 * it: first fragments to closed ports, cheap to flood, must
		 * not hold slots that actors' datagrams need. */
		nat_key_in(&key, p);
		if (worker_owns_port(skb, &key))
			frag_in_first(skb, cfg, p, 0, 0);
	}
	return v;
}

SEC("tc")
int from_pod(struct __sk_buff *skb)
{
	struct ateom_config *cfg = get_config();
	struct ateom_svc *svc;
	struct pkt p;
	int r;

	if (!cfg)
		return TC_ACT_UNSPEC;
	if (eth_proto(skb) == ETH_P_IPV6) { /* datapath6.h; empty slot: the worker's */
		bpf_tail_call(skb, &v6_progs, ATEOM_V6_FROM_POD);
		return pod_pass(skb);
	}
	/* Nobody on the pod network sends as the pod IP (hairpin.h: such a
	 * packet could otherwise reach a hairpin pair). */
	r = parse_ipv4(skb, &p);
	/* An IPv6-only pod (pod IP 0): no IPv4 is for an actor. */
	if (r != PARSE_NOT_IPV4 && !cfg->pod_ip_be)
		return pod_pass(skb);
	if (r != PARSE_OK || p.daddr != cfg->pod_ip_be || p.saddr == cfg->pod_ip_be) {
		if (r == PARSE_FRAG && p.daddr == cfg->pod_ip_be && p.saddr != cfg->pod_ip_be)
			return pod_frag(skb, cfg, &p);
		return pod_pass(skb);
	}
	if (p.proto == IPPROTO_ICMP) {
		if (ICMP_IS_ERROR(p.icmp_type))
			return pod_icmp_error(skb, cfg, &p);
		if (p.icmp_type != ICMP_ECHOREPLY)
			return pod_pass(skb); /* echo requests: the worker answers */
		return in_snat_range(cfg, p.dport) ? pod_snat_reply(skb, cfg, &p) : pod_pass(skb);
	}
	/* Exposed ports first: the SNAT allocator never hands one out, so an
	 * exposed port can hold no pair. Replies to actor egress land in the
	 * SNAT range; anything else is the worker's (one lookup for it). */
	svc = service_of(p.proto, p.dport);
	if (svc)
		return pod_to_service(skb, cfg, svc, &p);
	if (in_snat_range(cfg, p.dport))
		return pod_snat_reply(skb, cfg, &p);
	return pod_pass(skb);
}

SEC("tc")
int to_actor(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ateom_actor *a = bpf_map_lookup_elem(&actors, &ifindex);
	struct pkt p;
	int r;

	if (!a)
		return TC_ACT_UNSPEC;
	/* Only what the worker itself sends (or what from_pod hands over
	 * with bpf_redirect when redirect_peer is off) goes to an actor: a
	 * packet the worker's stack routed here from another interface (the
	 * pod network, another actor) would bypass the datapath. */
	if (skb->ingress_ifindex && skb->ingress_ifindex != ifindex) {
		/* (ingress == this veth: from_actor's ARP reply, sent back.) */
		struct ateom_config *cfg = get_config();

		if (!cfg || (cfg->flags & ATEOM_CFG_REDIRECT_PEER) ||
		    skb->ingress_ifindex != cfg->pod_ifindex)
			return drop(a->id, ATEOM_STAT_DROP_FORWARDED, skb->len);
		return TC_ACT_UNSPEC;
	}
	if (!a->ident_ip_be)
		return TC_ACT_UNSPEC;
	r = parse_ipv4(skb, &p);
	if (r == PARSE_OK && p.daddr == a->actor_ip_be && p.saddr == a->worker_ip_be) {
		wflow_note(ifindex, &p); /* to the shared actor address */
		return TC_ACT_UNSPEC;
	}
	if ((r != PARSE_OK && r != PARSE_FRAG && r != PARSE_PROTO) || p.daddr != a->ident_ip_be)
		return TC_ACT_UNSPEC; /* ARP, and the rest */
	r = r == PARSE_OK ? capture_reply(skb, &p, a) : CAPTURE_NOT_OURS;
	if (r < 0)
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, skb->len);
	if (r == 0)
		count(a->id, ATEOM_STAT_CAPTURE_REPLY, skb->len);
	if (ident_to_actor(skb, &p, a))
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, skb->len);
	count(a->id, ATEOM_STAT_FROM_WORKER, skb->len);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int nat_gc_ctl(struct __sk_buff *skb)
{
	switch (skb->mark) {
	case ATEOM_GC_START:
		return gc_start();
	case ATEOM_GC_RELEASE:
		return gc_release(bpf_htons((__u16)skb->cb[0]), (__u8)skb->cb[1]);
	case ATEOM_GC_READY: {
		/* In place: the datapath may be counting the actor's pairs in
		 * this entry right now, which a rewrite from userspace would undo. */
		__u32 ifindex = skb->cb[0];
		struct ateom_actor *a = bpf_map_lookup_elem(&actors, &ifindex);

		if (!a)
			return 1;
		__sync_fetch_and_or(&a->flags, ATEOM_ACTOR_READY);
		return 0;
	}
	case ATEOM_GC_HOOK_GEN: { /* in place, as above */
		__u32 ifindex = skb->cb[0];
		struct ateom_actor *a = bpf_map_lookup_elem(&actors, &ifindex);
		__u32 gen;

		if (!a)
			return 1;
		if (skb->cb[1])
			__sync_fetch_and_or(&a->flags, ATEOM_ACTOR_HOOKED);
		else
			__sync_fetch_and_and(&a->flags, ~ATEOM_ACTOR_HOOKED);
		gen = a->hook_gen % 0xffff + 1; /* 1..65535: never 0 (= none) */
		WRITE_ONCE_U32(a->hook_gen, gen);
		return 0;
	}
	default:
		return gc_stop();
	}
}
