/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Hop limit expiry, the IPv6 twin of ttl.h. A packet the actor sends with
 * hop limit <= 1 cannot be forwarded: like a router (RFC 4443 3.3), the
 * gateway answers with ICMPv6 Time Exceeded (type 3, code 0) from its own
 * address on the link (actor->worker_ip6), quoting as much of the expired
 * packet as fits in the minimum MTU (RFC 4443 2.4(c): 1280 bytes in all,
 * so 1232 of quote), so that traceroute6 from the actor shows the gateway
 * as hop 1. The packet is turned into the error in place (cut to the
 * quote, 48 bytes of headers pushed in front) and sent back out of the
 * actor's veth by the caller, which also applies ttl.h's per-actor rate
 * limit (one bucket for both families: an actor gets as many errors). */
#ifndef ATEOM_BPF_HOP6_H
#define ATEOM_BPF_HOP6_H

#include "parse6.h"
#include "rewrite.h"      /* set_macs */
#include "icmp6_csum.h"
#include "icmp_err.h"     /* ICMP_HDR_LEN */

#define HOP6_MIN_MTU 1280
#define HOP6_ERR_HDRS (40 + ICMP_HDR_LEN)
#define HOP6_QUOTE_MAX (HOP6_MIN_MTU - HOP6_ERR_HDRS)
/* The checksum loop reads whole 32-bit words; the last 1-3 bytes of a
 * quote are added apart (hop6_tail_sum). */
#define HOP6_QUOTE_WORDS (HOP6_QUOTE_MAX / 4)
#define HOP6_HOP_LIMIT 64 /* what Linux gives its own ICMPv6 errors */

/* One's complement sum of the quote (words, as they lie in memory). */
static __always_inline __u64 hop6_quote_sum(struct __sk_buff *skb, __u32 words)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 *w = data + ETH_HLEN + HOP6_ERR_HDRS;
	__u64 sum = 0;

	for (__u32 i = 0; i < HOP6_QUOTE_WORDS; i++) {
		if (i >= words || (void *)(w + i + 1) > end)
			break;
		sum += w[i];
	}
	return sum;
}

/* The quote's last quote % 4 bytes, zero-padded to a word (they start on
 * a word boundary of the ICMPv6 message, so the padding adds nothing). */
static __always_inline __u32 hop6_tail_sum(struct __sk_buff *skb, __u32 quote)
{
	__u32 off = ETH_HLEN + HOP6_ERR_HDRS + (quote & ~3U), w = 0;
	int err = 0;

	switch (quote & 3) {
	case 1:
		err = bpf_skb_load_bytes(skb, off, &w, 1);
		break;
	case 2:
		err = bpf_skb_load_bytes(skb, off, &w, 2);
		break;
	case 3:
		err = bpf_skb_load_bytes(skb, off, &w, 3);
		break;
	}
	return err ? 0 : w;
}

/* Turns the expired packet into the error from *gw to *actor (0) or fails
 * (-1: the packet is then dropped). Not inlined: rare (rate-limited). */
static __noinline int hop6_make_error(struct __sk_buff *skb, const union ateom_in6 *gw,
				      const union ateom_in6 *actor)
{
	struct {
		struct ipv6hdr ip;
		__u8 type, code;
		__sum16 check;
		__be32 unused;
	} h = {};
	__be16 plen;
	__u32 quote;
	__u64 s;

	if (skb->gso_segs > 1 ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct ipv6hdr, payload_len), &plen,
			       sizeof(plen)))
		return -1;
	quote = 40 + bpf_ntohs(plen);
	if (quote > HOP6_QUOTE_MAX)
		quote = HOP6_QUOTE_MAX;
	if (bpf_skb_change_tail(skb, ETH_HLEN + quote, 0) ||
	    bpf_skb_adjust_room(skb, HOP6_ERR_HDRS, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_pull_data(skb, ETH_HLEN + HOP6_ERR_HDRS + quote))
		return -1;
	h.ip.version = 6;
	h.ip.payload_len = bpf_htons(ICMP_HDR_LEN + quote);
	h.ip.nexthdr = IPPROTO_ICMPV6;
	h.ip.hop_limit = HOP6_HOP_LIMIT;
	__builtin_memcpy(&h.ip.saddr, gw, sizeof(*gw));
	__builtin_memcpy(&h.ip.daddr, actor, sizeof(*actor));
	h.type = ICMP6_TIME_EXCEEDED;
	h.code = 0; /* hop limit exceeded in transit */
	/* Pseudo-header (addresses, upper-layer length, next header), the
	 * ICMPv6 header, the quote. */
	s = hop6_quote_sum(skb, quote / 4) + hop6_tail_sum(skb, quote);
	s += (__u32)bpf_csum_diff(NULL, 0, (__be32 *)&h.ip.saddr, 32, 0);
	s += bpf_htonl(ICMP_HDR_LEN + quote);
	s += bpf_htonl(IPPROTO_ICMPV6);
	s += (__u32)bpf_csum_diff(NULL, 0, (__be32 *)&h.type, ICMP_HDR_LEN, 0);
	h.check = csum6_fold(s);
	if (bpf_skb_store_bytes(skb, ETH_HLEN, &h, sizeof(h), 0))
		return -1;
	{
		__u8 gw_mac[ETH_ALEN] = ATEOM_GW_MAC, actor_mac[ETH_ALEN] = ATEOM_ACTOR_MAC;

		return set_macs(skb, gw_mac, actor_mac);
	}
}

/* We forward: the hop limit goes down by one (no header checksum). */
static __always_inline int hop6_decrement(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct ipv6hdr *ip = data + ETH_HLEN;

	if ((void *)(ip + 1) > (void *)(long)skb->data_end || ip->hop_limit <= 1)
		return -1;
	ip->hop_limit--;
	return 0;
}

#endif
