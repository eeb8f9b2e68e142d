/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* IPv6 header parsing into a small tuple with offsets, as parse.h does for
 * IPv4. The parser itself is written with the IPv6 programs (v6core);
 * this first version holds the tuple the IPv6 parts agree on. */
#ifndef ATEOM_BPF_PARSE6_H
#define ATEOM_BPF_PARSE6_H

#include <linux/ipv6.h>
#include "parse.h"
#include "ateomnet.h"

#ifndef ETH_P_IPV6
#define ETH_P_IPV6 0x86DD
#endif
#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

/* ICMPv6 types (RFC 4443, 4861). Errors are 0..127. */
#define ICMP6_DST_UNREACH 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROB 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ND_ROUTER_SOLICIT 133
#define ND_ROUTER_ADVERT 134
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ICMP6_IS_ERROR(t) ((t) >= ICMP6_DST_UNREACH && (t) <= ICMP6_PARAM_PROB)

struct pkt6 {
	union ateom_in6 saddr;
	union ateom_in6 daddr;
	__be32 tcp_seq;    /* TCP: sequence and acknowledgment numbers */
	__be32 tcp_ack;
	__u32 tcp_len;     /* TCP: payload bytes, + 1 each for SYN and FIN */
	__be32 frag_id;    /* the fragment header's identification */
	__be16 sport;      /* ICMPv6 echo request: id; reply: 0 */
	__be16 dport;      /* ICMPv6 echo reply: id; request: 0 */
	__u16 l4off;       /* upper-layer header, from the start of the frame */
	__u16 csum_off;    /* L4 checksum field, from the start of the frame */
	__u16 sport_off;   /* field that holds sport (or the ICMPv6 id) */
	__u16 dport_off;   /* field that holds dport (or the ICMPv6 id) */
	__u16 fraghdr_off; /* the fragment header, from the start of the frame
			    * (0: none) */
	__u16 plen;        /* bytes after the fixed header (payload length) */
	__u8 proto;        /* upper-layer protocol, after extension headers */
	__u8 tcp_flags;    /* FIN/SYN/RST/ACK byte of TCP */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 hop_limit;
	bool ext_hdrs;     /* an extension header other than a fragment header */
	bool fragment;     /* any fragment: ports of later ones not parsed (0) */
	bool later_frag;   /* offset != 0: no upper-layer header */
	__u32 len;         /* skb->len, for byte counters */
};

static __always_inline bool in6_eq(const union ateom_in6 *a, const union ateom_in6 *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
		(a->w[3] ^ b->w[3])) == 0;
}

static __always_inline bool in6_zero(const union ateom_in6 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

#endif
