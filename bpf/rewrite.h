/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Header rewrites. L4 checksums go through the skb helpers so that
 * CHECKSUM_PARTIAL packets (common on veth) stay correct; UDP datagrams
 * without a checksum keep checksum 0 (BPF_F_MARK_MANGLED_0). */
#ifndef ATEOM_BPF_REWRITE_H
#define ATEOM_BPF_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include "parse.h"

#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define IP_SRC_OFF (ETH_HLEN + offsetof(struct iphdr, saddr))
#define IP_DST_OFF (ETH_HLEN + offsetof(struct iphdr, daddr))

static __always_inline __u64 l4_csum_flags(const struct pkt *p)
{
	return p->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
}

/* Replaces a 32-bit address at `off` that the IPv4 header checksum covers;
 * `l4` says whether the L4 checksum covers it too (TCP/UDP pseudo header). */
static __always_inline int rewrite_addr(struct __sk_buff *skb, const struct pkt *p,
					__u32 off, __be32 old, __be32 new, bool l4)
{
	if (old == new)
		return 0;
	if (l4 && bpf_l4_csum_replace(skb, p->csum_off, old, new,
				      BPF_F_PSEUDO_HDR | l4_csum_flags(p) | sizeof(new)))
		return -1;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old, new, sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, off, &new, sizeof(new), 0) ? -1 : 0;
}

/* Replaces a 16-bit L4 field (port or ICMP id) covered by the L4 checksum. */
static __always_inline int rewrite_port(struct __sk_buff *skb, const struct pkt *p,
					__u32 off, __be16 old, __be16 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, p->csum_off, old, new, l4_csum_flags(p) | sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, off, &new, sizeof(new), 0) ? -1 : 0;
}

/* Source (SNAT side) or destination (DNAT side) address + port/id. */
static __always_inline int rewrite_src(struct __sk_buff *skb, const struct pkt *p,
				       __be32 addr, __be16 port)
{
	bool l4 = p->proto != IPPROTO_ICMP;

	if (rewrite_port(skb, p, p->sport_off, p->sport, port))
		return -1;
	return rewrite_addr(skb, p, IP_SRC_OFF, p->saddr, addr, l4);
}

static __always_inline int rewrite_dst(struct __sk_buff *skb, const struct pkt *p,
				       __be32 addr, __be16 port)
{
	bool l4 = p->proto != IPPROTO_ICMP;

	if (rewrite_port(skb, p, p->dport_off, p->dport, port))
		return -1;
	return rewrite_addr(skb, p, IP_DST_OFF, p->daddr, addr, l4);
}

/* We forward, so we decrement the TTL like a router would. */
static __always_inline int ttl_decrement(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct iphdr *ip = data + ETH_HLEN;
	__be16 old, new;

	if ((void *)(ip + 1) > (void *)(long)skb->data_end || ip->ttl <= 1)
		return -1;
	old = *(__be16 *)&ip->ttl; /* TTL and protocol share a 16-bit word */
	ip->ttl--;
	new = *(__be16 *)&ip->ttl;
	return bpf_l3_csum_replace(skb, IP_CSUM_OFF, old, new, sizeof(new)) ? -1 : 0;
}

static __always_inline int set_macs(struct __sk_buff *skb, const __u8 *src, const __u8 *dst)
{
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > (void *)(long)skb->data_end)
		return -1;
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	return 0;
}

#endif
