/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Header parsing into a small tuple with offsets. Pointers into the packet
 * are not kept across helper calls; rewrite code re-derives them. */
#ifndef ATEOM_BPF_PARSE_H
#define ATEOM_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* <linux/icmp.h> drags in libc headers, so the little we need is here. */
struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	union {
		struct {
			__be16 id;
			__be16 sequence;
		} echo;
		__be32 gateway;
	} un;
};

#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

enum parse_result {
	PARSE_OK = 0,
	PARSE_NOT_IPV4,
	PARSE_TRUNC,
	PARSE_FRAG,
	PARSE_PROTO, /* not TCP, UDP or ICMP (echo or error) */
	/* IPv6 (parse6.h): an extension header the parser does not walk, or
	 * walked headers past its bound: no upper-layer header parsed */
	PARSE_EXT,
};

struct pkt {
	__be32 saddr;
	__be32 daddr;
	__be32 tcp_seq;    /* TCP: sequence and acknowledgment numbers */
	__be32 tcp_ack;
	__u32 tcp_len;     /* TCP: payload bytes, + 1 each for SYN and FIN */
	__be16 sport;      /* ICMP echo request: id; reply: 0 */
	__be16 dport;      /* ICMP echo reply: id; request: 0 */
	__u16 l4off;       /* from the start of the frame */
	__u16 csum_off;    /* L4 checksum field, from the start of the frame */
	__u16 sport_off;   /* field that holds sport (or the ICMP id) */
	__u16 dport_off;   /* field that holds dport (or the ICMP id) */
	__u8 proto;
	__u8 tcp_flags;    /* FIN/SYN/RST/ACK byte of TCP */
	__u8 icmp_type;
	__u8 ttl;
	bool options;      /* the IPv4 header carries options (ihl > 5) */
	bool fragment;     /* any fragment: ports not parsed (0) */
	bool later_frag;   /* a fragment other than the first: no L4 header */
	__u32 len;         /* skb->len, for byte counters */
};

/* Offsets into the headers are at most ETH_HLEN + 60 (IPv4 with options)
 * + a few bytes of L4; masking a variable offset with 0x7f (or 0xff) gives
 * the verifier an upper bound to check the packet-end comparison against,
 * without changing the value. */
#define HDR_OFF_MASK 0x7f
#define FIELD_OFF_MASK 0xff

/* Make the first `len` bytes directly readable (pulling non-linear data in
 * only when needed, which is rare for headers). */
static __always_inline int ensure_linear(struct __sk_buff *skb, __u32 len)
{
	if ((void *)(long)skb->data + len <= (void *)(long)skb->data_end)
		return 0;
	if (len > skb->len)
		return -1;
	return bpf_skb_pull_data(skb, len) ? -1 : 0;
}

static __always_inline __u16 eth_proto(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > (void *)(long)skb->data_end)
		return 0;
	return bpf_ntohs(eth->h_proto);
}

#define ICMP_IS_ERROR(t) ((t) == ICMP_DEST_UNREACH || (t) == ICMP_TIME_EXCEEDED || \
			  (t) == ICMP_PARAMETERPROB)

/* Parses IPv4 + TCP/UDP/ICMP starting after the Ethernet header. */
static __always_inline int parse_ipv4(struct __sk_buff *skb, struct pkt *p)
{
	void *data, *end;
	struct iphdr *ip;
	__u32 ihl, tot_len;
	int ok;

	if (eth_proto(skb) != ETH_P_IP)
		return PARSE_NOT_IPV4;
	if (ensure_linear(skb, ETH_HLEN + sizeof(struct iphdr)))
		return PARSE_TRUNC;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > end)
		return PARSE_TRUNC;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip))
		return PARSE_TRUNC;
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < ihl || ETH_HLEN + tot_len > skb->len) {
		/* IPv4 BIG TCP: a TCP GSO packet over 64 KiB carries tot_len 0
		 * and its length is the skb's (the kernel's iph_totlen()).
		 * Anything else that says less than its header, or more than
		 * the skb holds, is truncated. */
		if (ip->tot_len || !skb->gso_size || ip->protocol != IPPROTO_TCP ||
		    skb->len < ETH_HLEN + ihl)
			return PARSE_TRUNC;
		tot_len = skb->len - ETH_HLEN;
	}

	p->saddr = ip->saddr;
	p->daddr = ip->daddr;
	p->proto = ip->protocol;
	p->ttl = ip->ttl;
	p->len = skb->len;
	p->l4off = ETH_HLEN + ihl;
	p->options = ihl > sizeof(*ip);
	p->fragment = (ip->frag_off & bpf_htons(IP_MF | IP_OFFMASK)) != 0;
	p->later_frag = (ip->frag_off & bpf_htons(IP_OFFMASK)) != 0;
	p->tcp_flags = 0;
	p->icmp_type = 0;
	p->sport = p->dport = 0;
	p->tcp_seq = p->tcp_ack = 0;
	p->tcp_len = 0;
	/* Fragments are PARSE_FRAG: later ones carry no L4 header (ports 0);
	 * a first fragment is parsed like a whole packet (bpf/frag.h tracks
	 * its datagram), so `ok` is PARSE_FRAG for it. */
	if (p->later_frag)
		return PARSE_FRAG;
	ok = p->fragment ? PARSE_FRAG : PARSE_OK;

	switch (p->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th;

		if (ensure_linear(skb, p->l4off + sizeof(*th)))
			return PARSE_TRUNC;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		th = data + (p->l4off & HDR_OFF_MASK);
		if ((void *)(th + 1) > end)
			return PARSE_TRUNC;
		/* The header must be inside the datagram, not read from the
		 * frame's padding: a tiny first fragment (RFC 1858) would
		 * otherwise pass its flags (SYN or not) off as the next
		 * fragment's bytes. */
		if (tot_len < ihl + sizeof(*th))
			return PARSE_TRUNC;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_seq = th->seq;
		p->tcp_ack = th->ack_seq;
		/* Sequence space the segment takes (for the remote's next
		 * sequence number); a bogus data offset gives 0. */
		{
			__u32 hdrs = ihl + th->doff * 4;

			p->tcp_len = (tot_len > hdrs ? tot_len - hdrs : 0) + (th->syn ? 1 : 0) +
				     (th->fin ? 1 : 0);
		}
		p->csum_off = p->l4off + offsetof(struct tcphdr, check);
		p->sport_off = p->l4off + offsetof(struct tcphdr, source);
		p->dport_off = p->l4off + offsetof(struct tcphdr, dest);
		return ok;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh;

		if (ensure_linear(skb, p->l4off + sizeof(*uh)))
			return PARSE_TRUNC;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		uh = data + (p->l4off & HDR_OFF_MASK);
		if ((void *)(uh + 1) > end)
			return PARSE_TRUNC;
		p->sport = uh->source;
		p->dport = uh->dest;
		p->csum_off = p->l4off + offsetof(struct udphdr, check);
		p->sport_off = p->l4off + offsetof(struct udphdr, source);
		p->dport_off = p->l4off + offsetof(struct udphdr, dest);
		return ok;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *ih;

		if (ensure_linear(skb, p->l4off + sizeof(*ih)))
			return PARSE_TRUNC;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		ih = data + (p->l4off & HDR_OFF_MASK);
		if ((void *)(ih + 1) > end)
			return PARSE_TRUNC;
		p->icmp_type = ih->type;
		p->csum_off = p->l4off + offsetof(struct icmphdr, checksum);
		p->sport_off = p->dport_off = p->l4off + offsetof(struct icmphdr, un.echo.id);
		if (ih->type == ICMP_ECHO)
			p->sport = ih->un.echo.id;
		else if (ih->type == ICMP_ECHOREPLY)
			p->dport = ih->un.echo.id;
		else if (!ICMP_IS_ERROR(ih->type))
			return PARSE_PROTO;
		return ok;
	}
	default:
		return PARSE_PROTO;
	}
}

#endif
