/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* What the IPv4 programs (datapath.bpf.c) and the IPv6 ones (datapath6.h)
 * share: verdicts, delivery to an actor, the SNAT range. */
#ifndef ATEOM_BPF_DP_COMMON_H
#define ATEOM_BPF_DP_COMMON_H

#include <linux/pkt_cls.h>
#include "maps.h"
#include "rewrite.h"
#include "nat.h"

static __always_inline int drop(__u32 actor_id, __u32 why, __u32 len)
{
	count(actor_id, why, len);
	return TC_ACT_SHOT;
}

static __always_inline int snat_drop_reason(int err)
{
	switch (err) {
	case -EDQUOT:
		return ATEOM_STAT_DROP_QUOTA;
	case -EUSERS:
		return ATEOM_STAT_DROP_REMOTE_SHARE;
	case -E2BIG:
		return ATEOM_STAT_DROP_NAT_FULL;
	case -ENOSPC:
		return ATEOM_STAT_DROP_NO_PORT;
	default:
		return ATEOM_STAT_DROP_NAT_FAIL;
	}
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

static __always_inline int deliver(const struct ateom_config *cfg, __u32 ifindex)
{
	if (cfg->flags & ATEOM_CFG_REDIRECT_PEER)
		return bpf_redirect_peer(ifindex, 0);
	return bpf_redirect(ifindex, 0);
}

/* The gateway and actor MACs are the same on every worker (snapshots). */
static __always_inline int set_actor_macs(struct __sk_buff *skb)
{
	__u8 actor_mac[ETH_ALEN] = ATEOM_ACTOR_MAC;
	__u8 gw_mac[ETH_ALEN] = ATEOM_GW_MAC;

	return set_macs(skb, gw_mac, actor_mac);
}

#endif
