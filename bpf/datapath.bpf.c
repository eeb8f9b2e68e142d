// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ateomnet datapath: SNAT for actor egress, DNAT for exposed ports, with the
 * packets redirected between the pod eth0 and ateomN by the programs
 * themselves (no nftables, no ip_forward). See DESIGN.md §2 for the walk.
 *
 *   from_actor    TC ingress of ateomN (what the actor sends)
 *   actor_resume  the NAT half of from_actor, tail-called by egress hooks
 *   from_pod      TC ingress of the pod eth0 (what arrives for the pod)
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int drop(__u32 actor_id, __u32 why, __u32 len)
{
	count(actor_id, why, len);
	return TC_ACT_SHOT;
}

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

/* Step 5-6 of from_actor: translate and send out of the pod eth0. */
static __always_inline int actor_egress(struct __sk_buff *skb,
					const struct ateom_config *cfg,
					const struct ateom_actor *a, struct pkt *p)
{
	struct ateom_nat_key key;
	struct ateom_nat_entry *e, fresh;
	__u64 now = bpf_ktime_get_coarse_ns();
	__u32 stat;

	if (p->proto == IPPROTO_ICMP && p->icmp_type != ICMP_ECHO) {
		bool bad = false;

		/* Only echo requests start flows; errors must be about one. */
		if (!ICMP_IS_ERROR(p->icmp_type) ||
		    !(e = icmp_error_from_actor(skb, p, skb->ifindex, &bad)))
			return drop(a->id, ATEOM_STAT_DROP_PROTO, p->len);
		if (bad || ttl_decrement(skb))
			return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
		count(a->id, ATEOM_STAT_ICMP_ERROR, p->len);
		return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
	}

	/* Check before creating state for a packet that will not leave. */
	if (p->ttl <= 1)
		return drop(a->id, ATEOM_STAT_DROP_TTL, p->len);
	nat_key_out(&key, skb->ifindex, p);
	e = bpf_map_lookup_elem(&nat, &key);
	if (!e) {
		int err = snat_create(cfg, a, skb->ifindex, p, now, &fresh);

		if (err == -EEXIST)
			e = bpf_map_lookup_elem(&nat, &key);
		else if (err)
			return drop(a->id, ATEOM_STAT_DROP_NO_PORT, p->len);
		else
			e = &fresh;
		if (!e)
			return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
		count(a->id, ATEOM_STAT_SNAT_NEW, 0);
	} else {
		nat_touch(&key, e, p, now);
	}
	stat = e->type == ATEOM_NAT_DNAT_REPLY ? ATEOM_STAT_DNAT_REPLY : ATEOM_STAT_SNAT;

	if (nat_rewrite(skb, p, true, e->addr_be, e->port_be))
		return drop(a->id, ATEOM_STAT_DROP_NAT_FAIL, p->len);
	count(a->id, stat, p->len);
	/* The kernel's FIB + neighbour code picks the next hop and fills in
	 * the MACs; unlike bpf_fib_lookup it needs no forwarding sysctl. */
	return bpf_redirect_neigh(cfg->pod_ifindex, NULL, 0, 0);
}

SEC("tc")
int from_actor(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ateom_config *cfg = get_config();
	struct ateom_actor *a;
	struct pkt p;
	int r;

	if (!cfg)
		return drop(0, ATEOM_STAT_DROP_NO_CONFIG, skb->len);
	a = bpf_map_lookup_elem(&actors, &ifindex);
	if (!a)
		return drop(0, ATEOM_STAT_DROP_NO_ACTOR, skb->len);
	count(a->id, ATEOM_STAT_ACTOR_RX, skb->len);

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
	if (to_worker(cfg, a, p.daddr)) {
		count(a->id, ATEOM_STAT_TO_WORKER, skb->len);
		return TC_ACT_OK;
	}
	if (r != PARSE_OK)
		return drop(a->id, parse_drop_reason(r), skb->len);

	/* Egress hook (ateomnet_hook.h): an empty slot falls through. */
	skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] = ATEOM_HOOK_CB_MAGIC;
	skb->cb[ATEOM_HOOK_CB_ACTOR_ID] = a->id;
	skb->cb[ATEOM_HOOK_CB_IFINDEX] = ifindex;
	skb->cb[ATEOM_HOOK_CB_VERDICT] = ATEOM_HOOK_NONE;
	bpf_tail_call(skb, &egress_hooks, a->id);

	return actor_egress(skb, cfg, a, &p);
}

/* Slot ATEOM_HOOK_SLOT_RESUME: an egress hook hands the packet back here. */
SEC("tc")
int actor_resume(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ateom_config *cfg = get_config();
	struct ateom_actor *a;
	struct pkt p;

	if (!cfg)
		return drop(0, ATEOM_STAT_DROP_NO_CONFIG, skb->len);
	a = bpf_map_lookup_elem(&actors, &ifindex);
	if (!a)
		return drop(0, ATEOM_STAT_DROP_NO_ACTOR, skb->len);
	if (skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] != ATEOM_HOOK_CB_MAGIC ||
	    skb->cb[ATEOM_HOOK_CB_VERDICT] != ATEOM_HOOK_ALLOW)
		return drop(a->id, ATEOM_STAT_DROP_POLICY, skb->len);
	skb->cb[ATEOM_HOOK_CB_MAGIC_IDX] = 0;
	count(a->id, ATEOM_STAT_HOOK_ALLOW, skb->len);

	/* The hook may not have kept its promise not to touch the packet. */
	if (parse_ipv4(skb, &p) != PARSE_OK || p.saddr != a->actor_ip_be ||
	    to_worker(cfg, a, p.daddr))
		return drop(a->id, ATEOM_STAT_DROP_POLICY, skb->len);
	return actor_egress(skb, cfg, a, &p);
}

static __always_inline struct ateom_svc *lookup_service(const struct pkt *p)
{
	struct ateom_svc_key sk = { .port_be = p->dport, .proto = p->proto };

	return bpf_map_lookup_elem(&services, &sk);
}

static __always_inline bool in_snat_range(const struct ateom_config *cfg, __be16 port_be)
{
	__u16 port = bpf_ntohs(port_be);

	return port >= cfg->snat_port_min && port <= cfg->snat_port_max;
}

/* Worker traffic goes on untouched; TC_ACT_UNSPEC lets any later tc/tcx
 * program of someone else's see it too. */
static __always_inline int pod_pass(struct __sk_buff *skb)
{
	count(0, ATEOM_STAT_POD_PASS, skb->len);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int from_pod(struct __sk_buff *skb)
{
	struct ateom_config *cfg = get_config();
	__u8 actor_mac[ETH_ALEN] = ATEOM_ACTOR_MAC;
	__u8 gw_mac[ETH_ALEN] = ATEOM_GW_MAC;
	struct ateom_nat_entry *e, fresh;
	struct ateom_nat_key key;
	struct ateom_svc *svc;
	__u32 stat, ifindex;
	__u64 now;
	struct pkt p;

	if (!cfg)
		return TC_ACT_UNSPEC;
	if (parse_ipv4(skb, &p) != PARSE_OK || p.daddr != cfg->pod_ip_be)
		return pod_pass(skb);
	if (p.proto == IPPROTO_ICMP && ICMP_IS_ERROR(p.icmp_type)) {
		bool bad = false;

		e = icmp_error_from_pod(skb, &p, &bad);
		if (!e)
			return pod_pass(skb); /* about the worker's own traffic */
		if (bad || ttl_decrement(skb) || set_macs(skb, gw_mac, actor_mac))
			return drop(e->actor_id, ATEOM_STAT_DROP_NAT_FAIL, p.len);
		stat = ATEOM_STAT_ICMP_ERROR;
		goto deliver;
	}
	if (p.proto == IPPROTO_ICMP && p.icmp_type != ICMP_ECHOREPLY)
		return pod_pass(skb); /* echo requests: the worker answers */

	now = bpf_ktime_get_coarse_ns();
	nat_key_in(&key, &p);
	/* Replies to actor egress land in the SNAT range, so a port outside it
	 * is ours only if it is exposed: the worker's own traffic (replies to
	 * its ephemeral ports) costs one lookup. Inside the range, the NAT
	 * table comes first and a miss may still be a new inbound flow. */
	bool in_range = in_snat_range(cfg, p.dport);

	if (in_range && (e = bpf_map_lookup_elem(&nat, &key))) {
		stat = e->type == ATEOM_NAT_DNAT ? ATEOM_STAT_DNAT : ATEOM_STAT_SNAT_REPLY;
		goto established;
	}
	if (p.proto == IPPROTO_ICMP)
		return pod_pass(skb); /* echo replies live in the SNAT range */
	svc = lookup_service(&p);
	if (!svc)
		return pod_pass(skb);
	if (!in_range && (e = bpf_map_lookup_elem(&nat, &key))) {
		stat = ATEOM_STAT_DNAT;
		goto established;
	}
	/* A new inbound flow to an exposed port. */
	if (p.ttl <= 1)
		return drop(svc->actor_id, ATEOM_STAT_DROP_TTL, p.len);
	if (dnat_create(svc, &p, now, &fresh))
		return drop(svc->actor_id, ATEOM_STAT_DROP_NAT_FAIL, p.len);
	e = &fresh;
	count(svc->actor_id, ATEOM_STAT_DNAT_NEW, 0);
	stat = ATEOM_STAT_DNAT;
	goto translate;

established:
	nat_touch(&key, e, &p, now);
translate:
	if (p.ttl <= 1)
		return drop(e->actor_id, ATEOM_STAT_DROP_TTL, p.len);
	if (set_macs(skb, gw_mac, actor_mac) ||
	    nat_rewrite(skb, &p, false, e->addr_be, e->port_be))
		return drop(e->actor_id, ATEOM_STAT_DROP_NAT_FAIL, p.len);
deliver:
	ifindex = e->actor_ifindex;
	count(e->actor_id, stat, p.len);
	if (cfg->flags & ATEOM_CFG_REDIRECT_PEER)
		return bpf_redirect_peer(ifindex, 0);
	return bpf_redirect(ifindex, 0);
}
