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

/* Replaces an outer IPv4 address at `off` whose change the L4 checksum does
 * not see (ICMP carries no pseudo header). */
static __always_inline int rewrite_ip_addr(struct __sk_buff *skb, __u32 off,
					   __be32 old, __be32 new)
{
	if (old == new)
		return 0;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old, new, sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, off, &new, sizeof(new), 0) ? -1 : 0;
}

/* RFC 1624 incremental update of a 16-bit one's complement checksum for a
 * 32-bit and a 16-bit field change. Byte order does not matter as long as it
 * is the same throughout. Used on the IPv4 header checksum only: it is never
 * offloaded, unlike the L4 checksums, which go through the helpers. */
static __always_inline __sum16 csum16_update(__sum16 check, __be32 old32, __be32 new32,
					     __be16 old16, __be16 new16)
{
	__u32 s = (__u16)~check;

	s += (__u16)~(old32 & 0xffff) + (__u16)~(old32 >> 16);
	s += (new32 & 0xffff) + (new32 >> 16);
	s += (__u16)~old16 + new16;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__sum16)~s;
}

/* Rewrites one address (at addr_off) and its port (at port_off: a TCP/UDP
 * port or the ICMP echo id) and decrements the TTL, since we forward.
 * Header bytes are written directly and the IPv4 checksum is updated in
 * place; only the L4 checksum needs helpers (CHECKSUM_PARTIAL awareness),
 * and they come last because they invalidate packet pointers. The caller
 * has checked TTL > 1. */
static __always_inline int rewrite_addr_port_ttl(struct __sk_buff *skb, const struct pkt *p,
						 __u32 addr_off, __u16 port_off,
						 __be32 addr, __be16 port, bool ttl_dec)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	__be32 *addrp = data + (addr_off & FIELD_OFF_MASK);
	__be16 *portp = data + (port_off & FIELD_OFF_MASK);
	__be16 old_port, old_ttlw;
	__be32 old_addr;

	if ((void *)(ip + 1) > end || (void *)(addrp + 1) > end || (void *)(portp + 1) > end)
		return -1;
	old_addr = *addrp;
	old_port = *portp;
	old_ttlw = *(__be16 *)&ip->ttl; /* TTL and protocol share a word */
	if (ttl_dec)
		ip->ttl--;
	*addrp = addr;
	*portp = port;
	ip->check = csum16_update(ip->check, old_addr, addr, old_ttlw, *(__be16 *)&ip->ttl);

	if (p->proto != IPPROTO_ICMP && old_addr != addr &&
	    bpf_l4_csum_replace(skb, p->csum_off, old_addr, addr,
				BPF_F_PSEUDO_HDR | l4_csum_flags(p) | sizeof(addr)))
		return -1;
	if (old_port != port &&
	    bpf_l4_csum_replace(skb, p->csum_off, old_port, port, l4_csum_flags(p) | sizeof(port)))
		return -1;
	return 0;
}

static __always_inline int rewrite_addr_port(struct __sk_buff *skb, const struct pkt *p,
					     __u32 addr_off, __u16 port_off,
					     __be32 addr, __be16 port)
{
	return rewrite_addr_port_ttl(skb, p, addr_off, port_off, addr, port, true);
}

/* Egress side of a translation (SNAT, replies of exposed ports): the
 * source becomes addr:port. */
static __always_inline int rewrite_src(struct __sk_buff *skb, const struct pkt *p,
				       __be32 addr, __be16 port)
{
	return rewrite_addr_port(skb, p, IP_SRC_OFF, p->sport_off, addr, port);
}

/* Ingress side (replies to SNAT, exposed ports): the destination becomes
 * addr:port. */
static __always_inline int rewrite_dst(struct __sk_buff *skb, const struct pkt *p,
				       __be32 addr, __be16 port)
{
	return rewrite_addr_port(skb, p, IP_DST_OFF, p->dport_off, addr, port);
}

/* We forward, so we decrement the TTL like a router would (ICMP error
 * paths; rewrite_addr_port_ttl does it inline for translated flows). */
static __always_inline int ttl_decrement(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct iphdr *ip = data + ETH_HLEN;
	__be16 old;

	if ((void *)(ip + 1) > (void *)(long)skb->data_end || ip->ttl <= 1)
		return -1;
	old = *(__be16 *)&ip->ttl; /* TTL and protocol share a 16-bit word */
	ip->ttl--;
	ip->check = csum16_update(ip->check, 0, 0, old, *(__be16 *)&ip->ttl);
	return 0;
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
