/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* TTL expiry. A packet the actor sends with TTL <= 1 cannot be forwarded:
 * like a router (RFC 792, RFC 1812 4.3.2), the gateway answers with ICMP
 * Time Exceeded (type 11, code 0) from its own address on the link (the
 * worker address, 10.200.0.1), quoting the datagram as it came (TTL 1
 * included: traceroute matches on it), so traceroute from the actor shows
 * the gateway as hop 1. The packet itself is turned into the error in
 * place (cut to the quote, headers pushed in front) and sent back out of
 * the actor's veth.
 *
 * Rate-limited per actor as Linux limits its ICMP errors per peer: a token
 * bucket (GCRA: one "theoretical arrival time" per actor id in ttl_rl) of
 * ATEOM_TTL_ICMP_BURST errors refilled at ATEOM_TTL_ICMP_PER_SEC. Counted:
 * ttl_exceeded (sent), drop_ttl_ratelimit (not answered), drop_ttl (not
 * answered otherwise: an ICMP error, a GSO packet, a failed rewrite).
 */
#ifndef ATEOM_BPF_TTL_H
#define ATEOM_BPF_TTL_H

#include "maps.h"
#include "parse.h"
#include "rewrite.h"
#include "icmp_err.h" /* ICMP_HDR_LEN */

/* Whole 32-bit words only (the checksum loop reads words): the last 1-3
 * bytes of a datagram whose length is not a multiple of 4 are not quoted. */
#define TTL_QUOTE_WORDS (ATEOM_TTL_QUOTE_MAX / 4)
#define TTL_ERR_HDRS (sizeof(struct iphdr) + ICMP_HDR_LEN)
#define TTL_RL_INTERVAL_NS (1000000000ULL / ATEOM_TTL_ICMP_PER_SEC)
#define IPTOS_PREC_INTERNETCONTROL 0xc0 /* what Linux gives its ICMP errors */

/* Per actor id: the rate limiter's clock (ns; not pinned: it only ever
 * delays an error, and a reused id inherits at most one burst's delay). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ATEOM_MAX_ACTORS + 1);
	__type(key, __u32);
	__type(value, __u64);
} ttl_rl SEC(".maps");

/* May actor `id` get one more error now? (Races between CPUs may let one
 * extra through: harmless.) */
static __always_inline bool ttl_icmp_allowed(__u32 id, __u64 now)
{
	__u64 *tat = bpf_map_lookup_elem(&ttl_rl, &id), t;

	if (!tat)
		return false;
	t = *tat > now ? *tat : now;
	if (t - now > (ATEOM_TTL_ICMP_BURST - 1) * TTL_RL_INTERVAL_NS)
		return false;
	*tat = t + TTL_RL_INTERVAL_NS;
	return true;
}

/* One's complement sum of the quote (words, as they lie in memory). */
static __always_inline __u32 ttl_quote_sum(struct __sk_buff *skb, __u32 words)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 *w = data + ETH_HLEN + TTL_ERR_HDRS;
	__u64 sum = 0;

	for (__u32 i = 0; i < TTL_QUOTE_WORDS; i++) {
		if (i >= words || (void *)(w + i + 1) > end)
			break;
		sum += w[i];
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return (__u32)sum;
}

static __always_inline __u16 csum_fold32(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Turns the expired packet (no IPv4 options: from_actor drops those) into
 * the Time Exceeded error from gw_ip to actor_ip (0), or fails (-1: the
 * packet is then dropped). Not inlined: from_actor's stack is near its
 * limit, and this path is rare (rate-limited). */
static __noinline int ttl_make_error(struct __sk_buff *skb, __be32 gw_ip, __be32 actor_ip)
{
	struct {
		struct iphdr ip;
		struct icmphdr ic;
	} h = {};
	__be16 tot_id[2]; /* tot_len and id of the expired datagram */
	__u32 quote;

	if (skb->gso_segs > 1 ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, tot_len), tot_id,
			       sizeof(tot_id)))
		return -1;
	quote = bpf_ntohs(tot_id[0]);
	if (quote > ATEOM_TTL_QUOTE_MAX)
		quote = ATEOM_TTL_QUOTE_MAX;
	quote &= ~3U;
	/* Cut to the quote, then room for the new headers in front of it. */
	if (bpf_skb_change_tail(skb, ETH_HLEN + quote, 0) ||
	    bpf_skb_adjust_room(skb, TTL_ERR_HDRS, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_pull_data(skb, ETH_HLEN + TTL_ERR_HDRS + quote))
		return -1;
	h.ip.version = 4;
	h.ip.ihl = 5;
	h.ip.tos = IPTOS_PREC_INTERNETCONTROL;
	h.ip.tot_len = bpf_htons(TTL_ERR_HDRS + quote);
	h.ip.id = tot_id[1]; /* any will do (DF clear, never fragmented): the probe's */
	h.ip.ttl = 64;
	h.ip.protocol = IPPROTO_ICMP;
	h.ip.saddr = gw_ip;
	h.ip.daddr = actor_ip;
	h.ip.check = csum_fold32(bpf_csum_diff(NULL, 0, (__be32 *)&h.ip, sizeof(h.ip), 0));
	h.ic.type = ICMP_TIME_EXCEEDED;
	h.ic.code = 0; /* TTL exceeded in transit */
	{
		__u64 s = (__u64)ttl_quote_sum(skb, quote / 4) +
			  bpf_csum_diff(NULL, 0, (__be32 *)&h.ic, sizeof(h.ic), 0);

		s = (s & 0xffffffff) + (s >> 32);
		h.ic.checksum = csum_fold32((__u32)s);
	}
	if (bpf_skb_store_bytes(skb, ETH_HLEN, &h, sizeof(h), 0))
		return -1;
	{
		__u8 gw_mac[ETH_ALEN] = ATEOM_GW_MAC, actor_mac[ETH_ALEN] = ATEOM_ACTOR_MAC;

		return set_macs(skb, gw_mac, actor_mac);
	}
}

#endif
