/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the IPv6 edge tests (rows6_icmp.c, rows6_frag.c) share: the
 * fixture's IPv6 addresses, their setup (fx_std_setup plus the pod's and
 * the actors' IPv6 and empty IPv6 tables), NAT66 pairs made in place, and
 * one frame through a program with the whole expected frame compared byte
 * for byte, every checksum verified from scratch and every counter checked.
 */
#ifndef ATEOM_TEST_E6FX_H
#define ATEOM_TEST_E6FX_H

#include "rows.h"
#include "e6pkt.h"

/* Documentation (2001:db8::/32) and the actor link's ULA defaults. */
#define E6_ADDR(last, net) { 0x20, 0x01, 0x0d, 0xb8, 0, net, 0, 0, 0, 0, 0, 0, 0, 0, 0, last }
#define E6_LINK(last) { 0xfd, 0x00, 0x01, 0x69, 0x02, 0x54, 0, 0, 0, 0, 0, 0, 0, 0, 0, last }
extern const uint8_t E6_POD[16];     /* 2001:db8::11, the pod's IPv6 */
extern const uint8_t E6_GW[16];      /* fd00:169:254::1, every actor's gateway */
extern const uint8_t E6_ACTOR[16];   /* fd00:169:254::2, every actor's address */
extern const uint8_t E6_REMOTE[16];  /* 2001:db8:1::7, a server actors call */
extern const uint8_t E6_ROUTER[16];  /* 2001:db8:1::1, sends ICMPv6 errors */
extern const uint8_t E6_CLIENT[16];  /* 2001:db8:2::9, a client of an exposed port */
extern const uint8_t E6_OTHER[16];   /* 2001:db8:3::99, nobody's peer */

#define E6_FROM_ACTOR .smac = FX_ACTOR_MAC, .dmac = FX_GW_MAC
#define E6_TO_ACTOR .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC
#define E6_ON_POD .smac = FX_NODE_MAC, .dmac = FX_POD_MAC

/* fx_std_setup, then IPv6: the pod's address, both actors' link
 * addresses; nat6 and the IPv6 fragment tables emptied. A cmocka setup. */
int e6_setup(void **state);
/* A NAT66 pair of actor id (1, 2) made in place, both halves as the
 * datapath makes them: actor:aport -> remote:rport as pod:pport (ICMPv6
 * echo: aport = the id, rport 0). */
void e6_pair(int id, uint8_t proto, uint16_t aport, const uint8_t *remote, uint16_t rport,
	     uint16_t pport);
int e6_nat6_count(void);
/* Entries of frag6_out (in false) or frag6_in (in true). */
int e6_frag_count(bool in);

/* One frame through prog from ifindex, verdict checked. want: the frame
 * that must come out (built from its spec; compared byte for byte, and
 * every checksum in it verified from scratch); same: it must come out
 * untouched. The output stays in *res. */
void e6_xmit(int prog, int ifindex, const struct e6_spec *in, int verdict,
	     const struct e6_spec *want, bool same, struct fx_result *res);
/* The same for a raw frame. */
void e6_xmit_raw(int prog, int ifindex, const uint8_t *frame, size_t len, int verdict,
		 struct fx_result *res);
/* Every counter of every block: those listed (n entries) at their count,
 * all others 0; then zeroed again. */
void e6_counts(const struct cnt *c, size_t n);
#define E6_COUNTS(...) do { \
		const struct cnt _c[] = { __VA_ARGS__ }; \
		e6_counts(_c, sizeof(_c) / sizeof(_c[0])); \
	} while (0)
#define CN(b, s, n) { b, ATEOM_STAT_##s, n }

#endif
