/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* IPv6 header parsing into a small tuple with offsets, as parse.h does for
 * IPv4. Extension headers (docs/NOTES.md, "IPv6 and dual-stack"): the
 * parser walks hop-by-hop and destination options and the fragment header
 * (a bounded number, each length-checked); any other extension header
 * (routing, ESP, AH, no next header, mobility...) ends the walk with
 * PARSE_EXT. The programs decide: from the actor any extension header but
 * a fragment header is dropped; for the pod, what was not walked is the
 * worker's. */
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

#define IPV6_HLEN 40
/* Extension headers (RFC 8200 4, IANA "IPv6 Extension Header Types"). */
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_ESP 50
#define NEXTHDR_AUTH 51
#define NEXTHDR_NONE 59
#define NEXTHDR_DEST 60
#define NEXTHDR_MOBILITY 135
#define NEXTHDR_HIP 139
#define NEXTHDR_SHIM6 140
#define NEXTHDR_EXP1 253
#define NEXTHDR_EXP2 254
#define IS_EXT_HDR(nh) ((nh) == NEXTHDR_HOP || (nh) == NEXTHDR_ROUTING || \
			(nh) == NEXTHDR_FRAGMENT || (nh) == NEXTHDR_ESP || \
			(nh) == NEXTHDR_AUTH || (nh) == NEXTHDR_NONE || (nh) == NEXTHDR_DEST || \
			(nh) == NEXTHDR_MOBILITY || (nh) == NEXTHDR_HIP || \
			(nh) == NEXTHDR_SHIM6 || (nh) == NEXTHDR_EXP1 || (nh) == NEXTHDR_EXP2)
/* Headers walked (options and fragment headers together): real traffic
 * carries one or two; more is the worker's (or dropped from the actor). */
#define PARSE6_MAX_EXT 3
/* The upper-layer header starts at most here: masked with HDR6_OFF_MASK
 * a variable offset keeps an upper bound the verifier can check the
 * packet end against (ETH_HLEN + 40 + 334 bytes of extension headers). */
#define L4OFF6_MAX 388
#define HDR6_OFF_MASK 0x1ff

#define IP6_OFFMASK 0xfff8 /* the fragment header's offset, in 8-byte units */

struct frag_hdr6 {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 identification;
};

struct icmp6hdr_min {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;       /* echo: identifier, sequence */
	__be16 sequence;
};

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

static __always_inline void in6_copy(union ateom_in6 *to, const void *from)
{
	const __be32 *w = from;

	to->w[0] = w[0];
	to->w[1] = w[1];
	to->w[2] = w[2];
	to->w[3] = w[3];
}

/* The upper-layer header at p->l4off (TCP, UDP or ICMPv6), inside the
 * datagram that ends at dgram_end. */
static __always_inline int parse6_l4(struct __sk_buff *skb, struct pkt6 *p, __u32 dgram_end,
				     int ok)
{
	__u32 l4off = p->l4off;
	void *data, *end;

	switch (p->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th;
		__u32 hdrs;

		/* Inside the datagram, not the frame's padding (RFC 1858). */
		if (l4off + sizeof(*th) > dgram_end || ensure_linear(skb, l4off + sizeof(*th)))
			return PARSE_TRUNC;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		th = data + (l4off & HDR6_OFF_MASK);
		if ((void *)(th + 1) > end)
			return PARSE_TRUNC;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_seq = th->seq;
		p->tcp_ack = th->ack_seq;
		hdrs = l4off + th->doff * 4;
		p->tcp_len = (dgram_end > hdrs ? dgram_end - hdrs : 0) + (th->syn ? 1 : 0) +
			     (th->fin ? 1 : 0);
		p->csum_off = l4off + offsetof(struct tcphdr, check);
		p->sport_off = l4off + offsetof(struct tcphdr, source);
		p->dport_off = l4off + offsetof(struct tcphdr, dest);
		return ok;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh;

		if (l4off + sizeof(*uh) > dgram_end || ensure_linear(skb, l4off + sizeof(*uh)))
			return PARSE_TRUNC;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		uh = data + (l4off & HDR6_OFF_MASK);
		if ((void *)(uh + 1) > end)
			return PARSE_TRUNC;
		p->sport = uh->source;
		p->dport = uh->dest;
		/* No checksum (0) is IPv4's option only (RFC 8200 8.1): not
		 * ours to translate (the actor's is dropped, the pod side's is
		 * the worker's, whose stack refuses it). */
		if (!uh->check)
			return PARSE_PROTO;
		p->csum_off = l4off + offsetof(struct udphdr, check);
		p->sport_off = l4off + offsetof(struct udphdr, source);
		p->dport_off = l4off + offsetof(struct udphdr, dest);
		return ok;
	}
	case IPPROTO_ICMPV6: {
		struct icmp6hdr_min *ih;

		if (l4off + sizeof(*ih) > dgram_end || ensure_linear(skb, l4off + sizeof(*ih)))
			return PARSE_TRUNC;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		ih = data + (l4off & HDR6_OFF_MASK);
		if ((void *)(ih + 1) > end)
			return PARSE_TRUNC;
		p->icmp_type = ih->type;
		p->icmp_code = ih->code;
		p->csum_off = l4off + offsetof(struct icmp6hdr_min, checksum);
		p->sport_off = p->dport_off = l4off + offsetof(struct icmp6hdr_min, id);
		if (ih->type == ICMP6_ECHO_REQUEST)
			p->sport = ih->id;
		else if (ih->type == ICMP6_ECHO_REPLY)
			p->dport = ih->id;
		else if (!ICMP6_IS_ERROR(ih->type))
			return PARSE_PROTO; /* ND, MLD, ...: icmp_type tells */
		return ok;
	}
	default:
		return PARSE_PROTO;
	}
}

/* Parses IPv6 (+ walked extension headers) + TCP/UDP/ICMPv6 after the
 * Ethernet header. Results: PARSE_OK; PARSE_FRAG (a fragment: a first one
 * with its upper-layer header parsed, a later one without); PARSE_EXT (an
 * extension header not walked, or past the walk: addresses set, no
 * upper layer); PARSE_PROTO (another upper layer, or an ICMPv6 message
 * that is neither echo nor error: icmp_type/icmp_code set); PARSE_TRUNC;
 * PARSE_NOT_IPV4 (not IPv6: the "other family" code). p->ext_hdrs: an
 * extension header other than a fragment header was seen. */
static __always_inline int parse_ipv6(struct __sk_buff *skb, struct pkt6 *p)
{
	struct ipv6hdr *ip6;
	void *data, *end;
	__u32 plen, off, dgram_end;
	__u8 nh;

	if (eth_proto(skb) != ETH_P_IPV6)
		return PARSE_NOT_IPV4;
	if (ensure_linear(skb, ETH_HLEN + sizeof(*ip6)))
		return PARSE_TRUNC;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip6 = data + ETH_HLEN;
	if ((void *)(ip6 + 1) > end || ip6->version != 6)
		return PARSE_TRUNC;
	/* Payload length 0 is a jumbogram (RFC 2675; IPv6 BIG TCP uses it):
	 * neither is forwarded, so both count as truncated. */
	plen = bpf_ntohs(ip6->payload_len);
	dgram_end = ETH_HLEN + IPV6_HLEN + plen;
	if (!plen || dgram_end > skb->len)
		return PARSE_TRUNC;

	in6_copy(&p->saddr, &ip6->saddr);
	in6_copy(&p->daddr, &ip6->daddr);
	p->hop_limit = ip6->hop_limit;
	nh = ip6->nexthdr;
	p->len = skb->len;
	p->plen = plen;
	p->tcp_seq = p->tcp_ack = 0;
	p->tcp_len = 0;
	p->frag_id = 0;
	p->sport = p->dport = 0;
	p->csum_off = p->sport_off = p->dport_off = 0;
	p->fraghdr_off = 0;
	p->tcp_flags = p->icmp_type = p->icmp_code = 0;
	p->ext_hdrs = p->fragment = p->later_frag = false;
	off = ETH_HLEN + IPV6_HLEN;
	p->l4off = off;
	p->proto = nh;

	for (int i = 0; i < PARSE6_MAX_EXT; i++) {
		if (nh == NEXTHDR_FRAGMENT) {
			struct frag_hdr6 fh;

			if (p->fragment) /* two: the worker's to judge, never an actor's */
				break;
			if (off + sizeof(fh) > dgram_end ||
			    bpf_skb_load_bytes(skb, off, &fh, sizeof(fh)))
				return PARSE_TRUNC;
			p->fraghdr_off = off;
			p->fragment = true;
			p->later_frag = (fh.frag_off & bpf_htons(IP6_OFFMASK)) != 0;
			p->frag_id = fh.identification;
			nh = fh.nexthdr;
			off += sizeof(fh);
			if (p->later_frag) {
				p->proto = nh;
				return PARSE_FRAG;
			}
			continue;
		}
		if (nh != NEXTHDR_HOP && nh != NEXTHDR_DEST)
			break;
		{
			__u8 eh[2];

			if (off + 8 > dgram_end || bpf_skb_load_bytes(skb, off, eh, sizeof(eh)))
				return PARSE_TRUNC;
			p->ext_hdrs = true;
			nh = eh[0];
			off += (eh[1] + 1) * 8;
			if (off > dgram_end)
				return PARSE_TRUNC;
		}
	}
	p->proto = nh;
	if (IS_EXT_HDR(nh) || off > L4OFF6_MAX) {
		if (nh != NEXTHDR_FRAGMENT)
			p->ext_hdrs = true;
		return PARSE_EXT;
	}
	p->l4off = off;
	return parse6_l4(skb, p, dgram_end, p->fragment ? PARSE_FRAG : PARSE_OK);
}

#endif
