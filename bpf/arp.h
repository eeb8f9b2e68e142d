/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* ARP responder for the gateway address. Every ateomN carries the same
 * worker address, so answering here (with the fixed gateway MAC) keeps the
 * actor independent of rp_filter and of which ateomN the kernel prefers. */
#ifndef ATEOM_BPF_ARP_H
#define ATEOM_BPF_ARP_H

#include "parse.h"

/* From <linux/if_arp.h>, which drags in libc headers. */
#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

struct arp_ipv4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

enum arp_result { ARP_PASS, ARP_REPLIED, ARP_BAD };

/* Turns a request for `gw_ip` from `actor_ip` into the reply, in place. */
static __always_inline int arp_respond(struct __sk_buff *skb, __be32 gw_ip, __be32 actor_ip)
{
	__u8 gw_mac[ETH_ALEN] = ATEOM_GW_MAC;
	struct ethhdr *eth;
	struct arp_ipv4 *arp;
	void *data, *end;

	if (ensure_linear(skb, ETH_HLEN + sizeof(*arp)))
		return ARP_BAD;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	arp = data + ETH_HLEN;
	if ((void *)(arp + 1) > end)
		return ARP_BAD;
	if (arp->htype != bpf_htons(ARPHRD_ETHER) || arp->ptype != bpf_htons(ETH_P_IP) ||
	    arp->hlen != ETH_ALEN || arp->plen != 4)
		return ARP_BAD;
	if (arp->op != bpf_htons(ARPOP_REQUEST) || arp->tpa != gw_ip || arp->spa != actor_ip)
		return ARP_PASS; /* replies to the worker's own requests, gratuitous ARP */

	arp->op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(arp->tha, arp->sha, ETH_ALEN);
	arp->tpa = arp->spa;
	__builtin_memcpy(arp->sha, gw_mac, ETH_ALEN);
	arp->spa = gw_ip;
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, gw_mac, ETH_ALEN);
	return ARP_REPLIED;
}

#endif
