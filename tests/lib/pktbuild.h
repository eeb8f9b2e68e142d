/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small packet builder for datapath fixtures: realistic Ethernet + IPv4 +
 * TCP/UDP/ICMP frames with valid checksums (all-zero fixtures hit early exits
 * and test nothing), ARP and IPv6 frames, and a parser + checksum verifier
 * for what a program hands back.
 *
 * Addresses are network order (uint32_t from inet_addr/htonl); ports, ICMP
 * ids and the other numeric fields are host order. No libbpf, no libc
 * networking beyond <netinet/in.h>: every test binary links this file.
 */
#ifndef ATEOM_PKTBUILD_H
#define ATEOM_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_ETH_HLEN 14
#define PB_FRAME_MAX 2048

#define PB_ETH_IP 0x0800
#define PB_ETH_ARP 0x0806
#define PB_ETH_IPV6 0x86dd
#define PB_ETH_8021Q 0x8100

/* TCP flags byte (offset 13). */
#define PB_FIN 0x01
#define PB_SYN 0x02
#define PB_RST 0x04
#define PB_PSH 0x08
#define PB_ACK 0x10

/* IPv4 flags/fragment-offset field (host order); offset in 8-byte units. */
#define PB_DF 0x4000
#define PB_MF 0x2000

#define PB_ICMP_ECHOREPLY 0
#define PB_ICMP_UNREACH 3
#define PB_ICMP_ECHO 8
#define PB_ICMP_TIME_EXCEEDED 11
#define PB_ICMP_FRAG_NEEDED 4 /* code of PB_ICMP_UNREACH */

struct pb_spec {
	uint8_t smac[6], dmac[6];
	uint32_t saddr, daddr;     /* network order */
	uint8_t proto;             /* TCP, UDP, ICMP; others get a bare payload */
	uint8_t ttl;               /* 0 means 64 */
	uint8_t tos;
	uint8_t ip_opt_words;      /* IPv4 options: Router Alert + NOPs */
	uint8_t ihl;               /* 0: from the options; else written
				    * as-is (a broken header) */
	uint16_t ip_id;
	uint16_t frag;             /* PB_DF | PB_MF | offset; 0 = DF (the Linux default) */
	bool no_df;                /* frag == 0 and DF clear */
	uint16_t sport, dport;     /* TCP/UDP */
	uint8_t tcp_flags;         /* PB_SYN ...; a SYN carries an MSS option */
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;   /* echo request/reply */
	uint16_t icmp_mtu;            /* frag-needed: next-hop MTU */
	const struct pb_spec *inner;  /* ICMP error: the packet it is about,
				       * quoted from its IP header on */
	uint16_t inner_quote;         /* bytes of `inner` quoted; 0 = all */
	bool udp_nocsum;              /* UDP checksum 0 (none) */
	uint16_t payload;             /* bytes after the L4 header */
	const uint8_t *payload_data;  /* NULL: a fixed non-zero pattern */
	uint16_t vlan;                /* > 0: an 802.1Q tag with this VID between
				       * the MACs and the IPv4 ethertype */
	uint16_t truncate;            /* > 0: cut the frame to this length */
	bool truncate_fix_len;        /* ...and make IPv4 tot_len agree */
	uint16_t ip_tot_len;          /* > 0: IPv4 tot_len says this; the rest
				       * of the frame is padding */
};

/* Builds the frame into buf; returns its length, 0 if it does not fit. */
size_t pb_build(void *buf, size_t cap, const struct pb_spec *s);
/* The same without the Ethernet header (used for ICMP quotes). */
size_t pb_build_ip(void *buf, size_t cap, const struct pb_spec *s);

struct pb_arp_spec {
	uint8_t smac[6], dmac[6];  /* Ethernet */
	uint16_t op;               /* 1 request, 2 reply */
	uint8_t sha[6], tha[6];
	uint32_t spa, tpa;         /* network order */
};
size_t pb_build_arp(void *buf, size_t cap, const struct pb_arp_spec *a);

/* An IPv6 UDP frame (fd00::1 -> fd00::2) with a valid checksum. */
size_t pb_build_ipv6_udp(void *buf, size_t cap, const uint8_t smac[6],
			 const uint8_t dmac[6], uint16_t sport, uint16_t dport,
			 uint16_t payload);

/* A parsed IPv4 packet. Pointers point into the caller's buffer. */
struct pb_view {
	const uint8_t *ip;         /* IPv4 header */
	const uint8_t *l4;         /* L4 header */
	size_t l4_len;             /* per tot_len */
	uint8_t ihl, ttl, proto, tos;
	uint16_t tot_len, frag, ip_id, ip_csum;
	uint32_t saddr, daddr;     /* network order */
	uint16_t sport, dport;     /* TCP/UDP */
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;          /* echo */
	uint16_t l4_csum;          /* the checksum field as stored */
};

/* 0 if frame is a complete Ethernet + IPv4 + TCP/UDP/ICMP frame. */
int pb_parse(const void *frame, size_t len, struct pb_view *v);
/* The same starting at an IPv4 header (an ICMP error's quote). */
int pb_parse_ip(const void *ip, size_t len, struct pb_view *v);

bool pb_ip_csum_ok(const struct pb_view *v);
/* TCP/UDP with the pseudo header, ICMP over the whole message. A UDP
 * checksum of 0 ("none") is not accepted: check for it explicitly. */
bool pb_l4_csum_ok(const struct pb_view *v);

/* One's complement sum of data (not folded-and-inverted): building blocks
 * for tests that need a packet with a chosen checksum. */
uint32_t pb_sum(const void *data, size_t len, uint32_t sum);
uint16_t pb_fold(uint32_t sum);
/* The L4 checksum a packet should carry, computed from scratch. */
uint16_t pb_l4_csum_calc(const struct pb_view *v);

#endif /* ATEOM_PKTBUILD_H */
