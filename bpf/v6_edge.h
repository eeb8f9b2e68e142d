/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* What the IPv6 programs ask of the ICMPv6 error and hop-limit code
 * (icmp6_err.h, hop6.h) and of IPv6 fragment tracking (frag6.h). Return
 * conventions follow their IPv4 twins in icmp_err.h and ttl.h. */
#ifndef ATEOM_BPF_V6_EDGE_H
#define ATEOM_BPF_V6_EDGE_H

#include "parse6.h"
#include "icmp_err.h"
#include "icmp6_err.h"
#include "hop6.h"
#include "frag6.h"

/* from_actor6: the actor's ICMPv6 error (p->icmp_type an error), about one
 * of its own flows, to that flow's peer: rewritten for the pod eth0 (outer
 * source, quoted packet, both checksums). 0 = translated, send it;
 * ICMP_ERR_NOT_OURS / ICMP_ERR_NOT_PEER; -1 = failed. */
static __always_inline int icmp6_error_from_actor(struct __sk_buff *skb, const struct pkt6 *p,
						  __u32 ifindex, const struct ateom_config *cfg)
{
	return icmp6_err_from_actor(skb, p, ifindex, cfg);
}

/* from_pod6: an ICMPv6 error for the pod IPv6. 0 = about an actor's flow,
 * translated for it (*d set); 1 = not about an actor's flow (the
 * worker's); -1 = failed (*d set). */
static __always_inline int icmp6_error_from_pod(struct __sk_buff *skb, const struct pkt6 *p,
						struct icmp_dest *d)
{
	return icmp6_err_from_pod(skb, p, d);
}

/* from_actor6: hop limit 1. Turns the packet into ICMPv6 Time Exceeded
 * from the actor's gateway address to the actor (the caller checked the
 * rate and sends it back with bpf_redirect). 0 = done, -1 = failed. */
static __always_inline int hop_limit_error(struct __sk_buff *skb, const struct ateom_actor *a,
					   const struct pkt6 *p)
{
	union ateom_in6 gw = a->worker_ip6, actor = p->saddr;

	return hop6_make_error(skb, &gw, &actor);
}

#endif
