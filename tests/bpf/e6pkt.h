/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 frames for the ICMPv6 error, hop-limit and fragment tests
 * (rows6_icmp.c, rows6_frag.c): TCP, UDP and ICMPv6 echo, ICMPv6 errors
 * that quote another such packet (whole or cut), fragments of a real
 * datagram; and their checksums computed from scratch (RFC 8200 8.1
 * pseudo-header), so a test can both build the exact frame it expects and
 * verify every checksum of what came out.
 */
#ifndef ATEOM_TEST_E6PKT_H
#define ATEOM_TEST_E6PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define E6_IP_HLEN 40
#define E6_FRAG_HLEN 8
#define E6_ETH_HLEN 14
#define E6_FRAME_MAX 2048

#define E6_ECHO_REQUEST 128
#define E6_ECHO_REPLY 129

struct e6_spec {
	uint8_t smac[6], dmac[6];
	uint8_t saddr[16], daddr[16];
	uint8_t proto;            /* IPPROTO_TCP, _UDP, _ICMPV6 */
	uint8_t hop;              /* 0: 64 */
	uint16_t sport, dport;    /* TCP/UDP */
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;  /* echo */
	uint32_t icmp_word;          /* errors: MTU (PTB), pointer (PP) */
	const struct e6_spec *inner; /* ICMPv6 error: the packet quoted from
				      * its IPv6 header on */
	uint16_t inner_quote;        /* bytes of inner quoted; 0 = all */
	bool udp_nocsum;
	uint16_t payload;            /* bytes after the L4 header (pattern) */
	uint8_t pattern;             /* payload byte seed */
};

/* The frame; returns its length (0: does not fit). */
size_t e6_build(void *buf, size_t cap, const struct e6_spec *s);
/* The same from the IPv6 header on (quotes). */
size_t e6_build_ip(void *buf, size_t cap, const struct e6_spec *s);

/* Fragment `i` of the datagram in frame `whole` (len bytes, no extension
 * headers), cut into `chunk` bytes of fragmentable part each (a multiple
 * of 8), with identification id: written to out, its length returned (0:
 * no such fragment). */
size_t e6_fragment(const uint8_t *whole, size_t len, size_t chunk, unsigned i, uint32_t id,
		   uint8_t *out);

/* Every checksum of an IPv6 frame, from scratch: the upper layer's (after
 * a fragment header only if it is a first fragment of a datagram whose
 * other fragments are not here: not checked), and for an ICMPv6 error the
 * quoted packet's L4 checksum when the whole quoted datagram is there.
 * Returns true if all that could be checked verify; *checked counts them. */
bool e6_csums_ok(const uint8_t *frame, size_t len, int *checked);

/* Reassembles fragments (frames, in any order) into the datagram frame
 * (without fragment header) at out; returns its length, 0 if they do not
 * make one datagram (not one source, destination, id; holes). */
size_t e6_reassemble(const uint8_t *const *frames, const size_t *lens, unsigned n,
		     uint8_t *out);

/* Frame fields. */
const uint8_t *e6_saddr(const uint8_t *frame);
const uint8_t *e6_daddr(const uint8_t *frame);
uint8_t e6_hop(const uint8_t *frame);
/* The fragment header's identification (0 without one). */
uint32_t e6_frag_id(const uint8_t *frame);
/* TCP/UDP source and destination port after the IPv6 header (and a
 * fragment header), or the echo id for both. */
uint16_t e6_sport(const uint8_t *frame);
uint16_t e6_dport(const uint8_t *frame);

#endif
