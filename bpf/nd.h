/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The neighbour solicitation responder for the gateway's IPv6 address, the
 * IPv6 twin of arp.h: the actor's solicitation for actor->worker_ip6
 * becomes, in place, the advertisement of the gateway (fixed MAC), sent
 * back out of the actor's veth. The address is never configured on ateomN
 * (IPv6 is off there), so nobody else would answer; a snapshot restored on
 * another worker finds the same gateway MAC.
 *
 * Validated as a router validates a solicitation (RFC 4861 7.1.1): hop
 * limit 255, ICMP code 0, a valid checksum, at least 24 bytes, no option
 * of length 0, a target that is the gateway. A duplicate address
 * detection probe (source ::) is not answered: the actor's address is the
 * actor's, and the gateway's is not on offer. */
#ifndef ATEOM_BPF_ND_H
#define ATEOM_BPF_ND_H

#include "parse6.h"

#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2
#define ND_NA_FLAGS_RSO bpf_htonl(0xe0000000) /* Router, Solicited, Override */
/* Solicitations up to this long are checked (24 bytes + options): the
 * actor's kernel sends 24 or 32. */
#define ND_NS_MAX 64
#define ND_NA_LEN 32 /* advertisement + target link-layer address option */

enum nd_result { ND_REPLIED, ND_REFUSED };

/* The advertisement as it goes out, from the Ethernet header on (after two
 * bytes of padding, so that the words summed lie aligned on the stack). */
struct nd_na_frame {
	__u16 pad;
	__u8 h_dest[ETH_ALEN];
	__u8 h_source[ETH_ALEN];
	__be16 h_proto;
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	union ateom_in6 saddr;
	union ateom_in6 daddr;
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 flags;
	union ateom_in6 target;
	__u8 opt_type;
	__u8 opt_len;
	__u8 opt_mac[ETH_ALEN];
};
_Static_assert(sizeof(struct nd_na_frame) == 2 + ETH_HLEN + IPV6_HLEN + ND_NA_LEN,
	       "nd_na_frame has holes");
#define ND_NA_FRAME_LEN (ETH_HLEN + IPV6_HLEN + ND_NA_LEN)

/* One's complement sum of n 32-bit words as they lie in memory (the fold
 * gives the checksum in memory order too). */
static __always_inline __u64 nd_sum_words(const __u32 *w, int n, __u64 sum)
{
	for (int i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

static __always_inline __u16 nd_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The ICMPv6 pseudo-header (RFC 8200 8.1) of a message of len bytes. */
static __always_inline __u64 nd_pseudo_sum(const union ateom_in6 *s, const union ateom_in6 *d,
					   __u32 len)
{
	__u64 sum = nd_sum_words(s->w, 4, 0);

	sum = nd_sum_words(d->w, 4, sum);
	return sum + bpf_htonl(len) + bpf_htonl(IPPROTO_ICMPV6);
}

/* p: the parsed solicitation (ICMPv6 type 135, no extension headers).
 * ND_REPLIED: the skb is the advertisement (send it back); ND_REFUSED: not
 * one to answer (drop it, counted drop_nd). Not inlined: its buffers would
 * add to from_actor6's stack, which the NAT path fills. */
static __noinline int nd_respond(struct __sk_buff *skb, const struct ateom_actor *a,
				      const struct pkt6 *p)
{
	__u8 gw_mac[ETH_ALEN] = ATEOM_GW_MAC;
	__u64 msg[ND_NS_MAX / 8] = {};
	struct nd_na_frame na = {};
	__u32 len = p->plen, opt;
	__u64 sum;
	__u8 *m = (__u8 *)msg;
	struct ethhdr *eth;
	void *data;

	if (p->ext_hdrs || p->fragment || p->hop_limit != 255 || p->icmp_code != 0 ||
	    len < 24 || len > ND_NS_MAX || (len & 7) || in6_zero(&p->saddr) ||
	    in6_zero(&a->worker_ip6))
		return ND_REFUSED;
	/* The message, 8 bytes at a time (len is a multiple of 8, <= 64). */
	for (int i = 0; i < ND_NS_MAX / 8; i++) {
		if (i * 8 >= len)
			break;
		if (bpf_skb_load_bytes(skb, ETH_HLEN + IPV6_HLEN + i * 8, &msg[i], 8))
			return ND_REFUSED;
	}
	sum = nd_pseudo_sum(&p->saddr, &p->daddr, len);
	sum = nd_sum_words((const __u32 *)msg, ND_NS_MAX / 4, sum); /* zeros past len */
	if (nd_fold(sum) != 0xffff)
		return ND_REFUSED;
	/* The target (bytes 8-23) is the gateway. */
	if (!in6_eq((const union ateom_in6 *)(m + 8), &a->worker_ip6))
		return ND_REFUSED;
	/* Options: none of length 0 (each walk step is at least 8 bytes). */
	opt = 24;
	for (int i = 0; i < (ND_NS_MAX - 24) / 8; i++) {
		if (opt >= len)
			break;
		if (m[(opt + 1) & (ND_NS_MAX - 1)] == 0)
			return ND_REFUSED;
		opt += m[(opt + 1) & (ND_NS_MAX - 1)] * 8;
	}
	if (opt != len) /* more options than walked, or one past the end */
		return ND_REFUSED;

	data = (void *)(long)skb->data;
	eth = data;
	if ((void *)(eth + 1) > (void *)(long)skb->data_end)
		return ND_REFUSED;
	__builtin_memcpy(na.h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(na.h_source, gw_mac, ETH_ALEN);
	na.h_proto = bpf_htons(ETH_P_IPV6);
	na.ver_tc_flow = bpf_htonl(0x60000000);
	na.payload_len = bpf_htons(ND_NA_LEN);
	na.nexthdr = IPPROTO_ICMPV6;
	na.hop_limit = 255;
	na.saddr = a->worker_ip6;
	na.daddr = p->saddr;
	na.type = ND_NEIGHBOR_ADVERT;
	na.flags = ND_NA_FLAGS_RSO;
	na.target = a->worker_ip6;
	na.opt_type = ND_OPT_TARGET_LL;
	na.opt_len = 1;
	__builtin_memcpy(na.opt_mac, gw_mac, ETH_ALEN);
	sum = nd_pseudo_sum(&na.saddr, &na.daddr, ND_NA_LEN);
	sum = nd_sum_words((const __u32 *)&na.type, ND_NA_LEN / 4, sum);
	na.checksum = ~nd_fold(sum);

	/* A solicitation without the source link-layer option is 8 bytes
	 * shorter than the advertisement; one with more options, longer. */
	if (skb->len != ND_NA_FRAME_LEN && bpf_skb_change_tail(skb, ND_NA_FRAME_LEN, 0))
		return ND_REFUSED;
	if (bpf_skb_store_bytes(skb, 0, (__u8 *)&na + 2, ND_NA_FRAME_LEN, 0))
		return ND_REFUSED;
	return ND_REPLIED;
}

#endif
