/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 frames for the datapath's IPv6 rows (rows6_*.c): Ethernet + IPv6
 * (+ extension headers) + TCP/UDP/ICMPv6 with valid checksums, neighbour
 * discovery messages, broken ones on request; and a checker of the L4
 * checksum over the IPv6 pseudo-header (RFC 8200 8.1) for what a program
 * hands back.
 */
#ifndef ATEOM_TEST_PKT6_H
#define ATEOM_TEST_PKT6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P6_HLEN 40
#define P6_L4OFF (14 + P6_HLEN) /* without extension headers */
#define P6_ICMP 58
#define P6_HOP 0
#define P6_ROUTING 43
#define P6_FRAG 44
#define P6_DEST 60
#define PB6_MIN_CAP 128

struct p6_spec {
	uint8_t smac[6], dmac[6];
	uint8_t saddr[16], daddr[16];
	uint8_t proto;            /* TCP, UDP, ICMPv6; others: a bare payload */
	uint8_t hop_limit;        /* 0 means 64 */
	uint16_t sport, dport;    /* TCP/UDP */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq; /* echo */
	/* ICMPv6 other than echo: the bytes after type, code and checksum */
	const uint8_t *icmp_body;
	uint16_t icmp_body_len;
	uint16_t payload;         /* bytes after the L4 header (pattern) */
	/* Extension headers, in order (P6_HOP, P6_DEST, P6_ROUTING: 8 bytes
	 * each; P6_FRAG: a fragment header with frag_off/frag_more/frag_id). */
	uint8_t ext[4];
	uint8_t n_ext;
	uint16_t frag_off;        /* in bytes, a multiple of 8 */
	bool frag_more;
	uint32_t frag_id;
	uint16_t plen;            /* > 0: the payload length field says this */
	bool zero_plen;           /* payload length 0 (a jumbogram's) */
	uint16_t truncate;        /* > 0: cut the frame to this length */
	bool bad_csum;            /* the L4 checksum off by one */
	bool udp_zero_csum;       /* UDP checksum 0 ("none": invalid in IPv6) */
};

/* Builds the frame; returns its length, 0 if it does not fit. */
size_t p6_build(uint8_t *buf, size_t cap, const struct p6_spec *s);

/* Walks a frame's IPv6 header and extension headers (hop-by-hop,
 * destination, routing, fragment): the upper layer's protocol and offset.
 * -1 if it is not a complete IPv6 frame. */
int p6_upper(const uint8_t *f, size_t len, uint8_t *proto, size_t *l4off);
/* The L4 checksum (TCP, UDP, ICMPv6) verifies over the pseudo-header. */
bool p6_l4_csum_ok(const uint8_t *f, size_t len);

/* Address shorthands: 16 bytes from a text form (inet_pton). */
void p6_addr(uint8_t out[16], const char *text);

#endif
