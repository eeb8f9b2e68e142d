/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Hairpin (RFC 4787 REQ-9, RFC 5382 REQ-8): an actor reaches an exposed
 * port (its own or another actor's) at POD_IP:S, as a client on the pod
 * network would, and the target sees the pod IP as the source, on a pod
 * port P chosen by the SNAT rules.
 *
 *   A -> POD_IP:S      the caller's SNAT pair toward POD_IP:S (its port
 *                      record IN {POD_IP:S -> POD_IP:P}, made and counted
 *                      like any pair: quota, share, no exposed or worker
 *                      port), then the static DNAT of S: the packet goes
 *                      straight to the target's veth as POD_IP:P ->
 *                      actor:s, never out of the pod interface.
 *   B:s -> POD_IP:P    the target answers from its exposed port s: S is
 *                      its own (svc_rev), and the pair's port record
 *                      {POD_IP:S -> POD_IP:P} names the caller: the packet
 *                      goes back to it as POD_IP:S -> actor:a.
 *
 * Isolation (../shared/DESIGN.md §8): only exposed ports are reachable
 * this way (the forward path needs `services`); an answer must come from
 * the exposed port the pair was made toward (the record's key holds S,
 * taken from the sender's own svc_rev), so no actor can reach a flow it
 * is not the peer of; a TCP SYN is never an answer; and from_pod passes
 * packets with the pod IP as source to the worker (nobody on the pod
 * network sends as the pod IP), so the records cannot be reached from
 * outside. Both legs go through the egress hook like any actor egress.
 * An ICMP error the target sends about a call goes back to the caller
 * (hairpin_icmp_error); the caller's errors about answers go to the worker
 * (it is the pod IP they are addressed to), which has no such flow.
 *
 * The three entry points are subprograms, not inlined: from_actor's
 * combined stack (with the bpf_loop callback of the port search) is near
 * the 512-byte limit, and hairpin packets are rare next to the rest.
 */
#ifndef ATEOM_BPF_HAIRPIN_H
#define ATEOM_BPF_HAIRPIN_H

#include "nat.h"
#include "rewrite.h"
#include "icmp_err.h"

/* The port record of a hairpin pair toward POD_IP:svc_port on pod_port. */
static __always_inline void hairpin_in_key(struct ateom_nat_key *k, const struct ateom_config *cfg,
					   __u8 proto, __be16 svc_port, __be16 pod_port)
{
	nat_key(k, 0, ATEOM_DIR_IN, proto, cfg->pod_ip_be, svc_port, cfg->pod_ip_be, pod_port);
}


/* Both ends rewritten, the TTL decremented once (one hop), the MACs of a
 * delivery to an actor. */
static __always_inline int hairpin_rewrite(struct __sk_buff *skb, const struct pkt *p,
					   __be32 saddr, __be16 sport, __be32 daddr, __be16 dport)
{
	__u8 actor_mac[ETH_ALEN] = ATEOM_ACTOR_MAC;
	__u8 gw_mac[ETH_ALEN] = ATEOM_GW_MAC;

	if (rewrite_addr_port_ttl(skb, p, IP_SRC_OFF, p->sport_off, saddr, sport, true) ||
	    rewrite_addr_port_ttl(skb, p, IP_DST_OFF, p->dport_off, daddr, dport, false))
		return -1;
	return set_macs(skb, gw_mac, actor_mac);
}

/* Where a hairpin packet goes. */
struct hairpin_dest {
	__u32 ifindex;
	__u16 actor_id;
	__be16 svc_port; /* ICMP errors: the exposed port called (S), */
	__be32 addr;     /* and the caller's address and port */
	__be16 port;
};

/* An ICMP error the target sends about a call it got through a hairpin
 * pair (quoted: POD_IP:P -> actor:s, s one of its exposed ports, and the
 * pair's port record {POD_IP:S -> POD_IP:P} there) goes back to the caller
 * as if from the pod IP, quoting the call as the caller sent it (actor:a ->
 * POD_IP:S), so its socket learns (a UDP port unreachable: ECONNREFUSED).
 * Three subprograms (one frame for all would not fit next to from_actor's):
 * find the pair (0, d set; 1: not about a hairpin call, the worker's), then
 * the quote's two ends, then the outside. */
static __noinline int hairpin_icmp_find(struct __sk_buff *skb, const struct ateom_config *cfg,
					const struct pkt *p, struct hairpin_dest *d)
{
	struct ateom_svc_rev_key rk = { .actor_ifindex = skb->ifindex };
	struct ateom_svc_rev *rev;
	struct ateom_nat_entry *e;
	struct ateom_nat_key k;
	struct inner in;

	if (inner_parse(skb, p, &in) || in.saddr != cfg->pod_ip_be || in.daddr != p->saddr ||
	    in.proto == IPPROTO_ICMP)
		return 1;
	rk.actor_port_be = in.dport;
	rk.proto = in.proto;
	rev = bpf_map_lookup_elem(&svc_rev, &rk);
	if (!rev)
		return 1;
	d->svc_port = rev->port_be;
	hairpin_in_key(&k, cfg, in.proto, d->svc_port, in.sport);
	e = bpf_map_lookup_elem(&nat, &k);
	if (!e)
		return 1;
	d->ifindex = e->actor_ifindex;
	d->actor_id = e->actor_id;
	d->addr = e->addr_be;
	d->port = e->port_be;
	return 0;
}

/* The quoted call's destination (dst true: actor:s -> POD_IP:S) or source
 * (POD_IP:P -> the caller's actor:a). */
static __noinline int hairpin_icmp_inner(struct __sk_buff *skb, const struct ateom_config *cfg,
					 const struct pkt *p, const struct hairpin_dest *d,
					 bool dst)
{
	struct inner in;

	if (inner_parse(skb, p, &in))
		return -1;
	if (dst)
		return inner_rewrite(skb, p, &in, in.ip_off + offsetof(struct iphdr, daddr),
				     in.daddr, cfg->pod_ip_be, in.dport_off, in.dport,
				     d->svc_port);
	return inner_rewrite(skb, p, &in, in.ip_off + offsetof(struct iphdr, saddr), in.saddr,
			     d->addr, in.sport_off, in.sport, d->port);
}

/* ...and its outside: from the pod IP to the caller, one hop. */
static __noinline int hairpin_icmp_outer(struct __sk_buff *skb, const struct ateom_config *cfg,
					 const struct pkt *p, const struct hairpin_dest *d)
{
	__u8 actor_mac[ETH_ALEN] = ATEOM_ACTOR_MAC, gw_mac[ETH_ALEN] = ATEOM_GW_MAC;

	if (rewrite_ip_addr(skb, IP_SRC_OFF, p->saddr, cfg->pod_ip_be) ||
	    rewrite_ip_addr(skb, IP_DST_OFF, p->daddr, d->addr) || ttl_decrement(skb))
		return -1;
	return set_macs(skb, gw_mac, actor_mac);
}

/* All of it: 0 (d set), 1 (not about a hairpin call), -1 (failed). */
static __always_inline int hairpin_icmp_error(struct __sk_buff *skb,
					      const struct ateom_config *cfg,
					      const struct pkt *p, struct hairpin_dest *d)
{
	if (hairpin_icmp_find(skb, cfg, p, d))
		return 1;
	if (hairpin_icmp_inner(skb, cfg, p, d, true) || hairpin_icmp_inner(skb, cfg, p, d, false) ||
	    hairpin_icmp_outer(skb, cfg, p, d))
		return -1;
	return 0;
}

/* Is this TCP/UDP packet of the actor's, to the pod IP, hairpin traffic
 * rather than the worker's? To an exposed port, or from one of the actor's
 * own exposed ports as an answer to a hairpin pair (not a SYN). */
static __noinline bool hairpin_tcp_udp(struct __sk_buff *skb, const struct ateom_config *cfg,
				     const struct pkt *p)
{
	struct ateom_svc_rev *rev;
	struct ateom_nat_key k;

	if (p->daddr != cfg->pod_ip_be || (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP))
		return false;
	if (port_exposed(p->proto, p->dport))
		return true;
	if (tcp_is_syn(p) || !(rev = exposed_source(skb->ifindex, p)))
		return false;
	hairpin_in_key(&k, cfg, p->proto, rev->port_be, p->dport);
	return bpf_map_lookup_elem(&nat, &k) != NULL;
}

/* Hairpin traffic, not the worker's: the above, or an ICMP error about a
 * call the actor got through a hairpin pair. (Each a subprogram called
 * from here, not nested: a third frame would not fit the stack.) */
static __always_inline bool hairpin_bound(struct __sk_buff *skb, const struct ateom_config *cfg,
					  const struct pkt *p)
{
	struct hairpin_dest d;

	if (p->proto == IPPROTO_ICMP)
		return ICMP_IS_ERROR(p->icmp_type) && !p->fragment && !hairpin_icmp_find(skb, cfg, p, &d);
	return hairpin_tcp_udp(skb, cfg, p);
}

/* The caller's packet, its source already chosen (pod IP:P of its pair, or
 * pod IP:S of its own exposed port): to the exposed port's actor. 0, or -1
 * (no such service any more: dropped). */
static __noinline int hairpin_forward(struct __sk_buff *skb, const struct pkt *p,
					   __be32 saddr, __be16 sport, struct hairpin_dest *d)
{
	struct ateom_svc_key sk = { .port_be = p->dport, .proto = p->proto };
	struct ateom_svc *svc = bpf_map_lookup_elem(&services, &sk);
	__be32 daddr;
	__be16 dport;

	if (!svc)
		return -1;
	daddr = svc->actor_ip_be; /* copied before the helpers run */
	dport = svc->actor_port_be;
	d->ifindex = svc->actor_ifindex;
	d->actor_id = svc->actor_id;
	return hairpin_rewrite(skb, p, saddr, sport, daddr, dport);
}

/* The target's answer from its exposed port (pod port svc_port): back to
 * the caller through the pair's port record, whose use refreshes the pair
 * (and tells it about the answer, FIN, RST) like a reply from the pod
 * interface. Between two exposed ports there is no pair: the static
 * mappings both ways. 0 (an answer), 1 (a call between exposed ports), or
 * -1 (neither: dropped). */
static __noinline int hairpin_answer(struct __sk_buff *skb, const struct ateom_config *cfg,
					  const struct pkt *p, __be16 svc_port,
					  struct hairpin_dest *d)
{
	struct ateom_nat_entry *e;
	struct ateom_nat_key k;
	__be32 addr;
	__be16 port;

	hairpin_in_key(&k, cfg, p->proto, svc_port, p->dport);
	e = tcp_is_syn(p) ? NULL : bpf_map_lookup_elem(&nat, &k);
	if (!e) /* between two exposed ports */
		return hairpin_forward(skb, p, cfg->pod_ip_be, svc_port, d) ? -1 : 1;
	addr = e->addr_be; /* copied: a deleted element's memory may be reused */
	port = e->port_be;
	d->ifindex = e->actor_ifindex;
	d->actor_id = e->actor_id;
	/* The target is the pair's remote: only it can send as POD_IP:S. */
	nat_touch(&k, e, p, bpf_ktime_get_coarse_ns(), true);
	return hairpin_rewrite(skb, p, cfg->pod_ip_be, svc_port, addr, port);
}

#endif
