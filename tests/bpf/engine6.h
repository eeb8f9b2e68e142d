/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPv6 rows of the datapath table (rows6_*.c): one IPv6 packet through
 * from_actor, actor_resume or from_pod (which tail-call the IPv6 programs,
 * bpf/datapath6.h) on top of fx_std_setup() with IPv6 configured (the
 * pod's address, both actors' link addresses), checked as engine.c checks
 * the IPv4 rows: the verdict, the bytes that must change and that nothing
 * else did, the L4 checksum over the IPv6 pseudo-header, every counter of
 * every block, the nat6 entries made and each actor's pair count.
 */
#ifndef ATEOM_TEST_ENGINE6_H
#define ATEOM_TEST_ENGINE6_H

#include "rows.h"
#include "pkt6.h"

/* The fixture's IPv6 addresses (documentation and ULA ranges). */
#define A6_POD { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0, 0x0b }
#define A6_WORKER { 0xfd, 0, 0x01, 0x69, 0x02, 0x54, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }
#define A6_ACTOR { 0xfd, 0, 0x01, 0x69, 0x02, 0x54, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }
#define A6_LINK3 { 0xfd, 0, 0x01, 0x69, 0x02, 0x54, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 }
#define A6_REMOTE { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 }
#define A6_CLIENT { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 }
#define A6_LL_ACTOR { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }
#define A6_SNODE_GW { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1 }
#define A6_ALL_ROUTERS { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }
#define A6_MLDV2 { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16 }
#define A6_LOOPBACK { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }
#define A6_PREFIX 126
/* ::ffff:192.0.2.11 and 64:ff9b::192.0.2.11 (FX_POD_IP) */
#define A6_V4MAPPED_POD { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 11 }
#define A6_NAT64_POD { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 11 }

extern const uint8_t POD6[16], ACTOR6[16], WORKER6[16], REMOTE6[16], CLIENT6[16];

/* Who sends, on which wire. */
#define A6_ACTOR_WIRE .smac = FX_ACTOR_MAC, .dmac = FX_GW_MAC
#define A6_POD_WIRE .smac = FX_NODE_MAC, .dmac = FX_POD_MAC
#define A6_FROM_ACTOR A6_ACTOR_WIRE, .saddr = A6_ACTOR
#define A6_TO_POD A6_POD_WIRE, .daddr = A6_POD

#define TCP6_SYN .proto = IPPROTO_TCP, .tcp_flags = PB_SYN, .seq = 1000
#define TCP6_DATA .proto = IPPROTO_TCP, .tcp_flags = PB_ACK | PB_PSH, .seq = 5000, \
		  .ack = 7000, .payload = 100
#define UDP6_DATA .proto = IPPROTO_UDP, .payload = 40
#define ECHO6(id) .proto = P6_ICMP, .icmp_type = 128, .icmp_id = id, .icmp_seq = 1, \
		  .payload = 56
#define ECHO6_REPLY(id) .proto = P6_ICMP, .icmp_type = 129, .icmp_id = id, .icmp_seq = 1, \
			.payload = 56

#define SNAT6_PORT 1 /* x6.sport: the port the datapath must choose */

/* The expected rewrite; NULL / 0 = unchanged. */
struct x6 {
	const uint8_t *saddr, *daddr;
	uint16_t sport, dport;  /* the ICMPv6 echo id for echo */
	uint8_t skip;           /* SNAT6_PORT: candidates skipped (taken) */
	bool hop_dec;
	bool macs;              /* gateway -> actor MACs */
};

struct row6;
struct run6 {
	const struct row6 *r;
	uint8_t in[PB_FRAME_MAX];
	size_t len;
	struct fx_result res;
	uint64_t t0, t1;
	int ifindex;
};

struct row6 {
	const char *name;
	enum prog prog;
	enum dev dev;
	bool no_actor6;  /* actor 1 without IPv6 */
	bool no_pod6;    /* the pod without IPv6 */
	uint32_t cfg_flags;
	void (*prep)(struct fx *f);
	uint32_t cb[5];  /* RESUME rows */
	struct p6_spec in;
	int verdict;
	bool same;
	struct x6 x;
	const struct p6_spec *want; /* instead of x: the whole packet */
	struct cnt c[6]; /* every other counter must stay 0 */
	int nat6_delta;
	bool pair;       /* the SNAT66 pair of this packet, checked */
	int actor;       /* whose pair */
	void (*check)(struct fx *f, const struct run6 *run);
};

void run_row6(void **state);

/* The areas: a file tests/bpf/rows6_NAME.c defines
 * `const struct row6 NAME_rows6[]` and ROW6_AREA_END(NAME), plus X(NAME)
 * here (test_datapath.c runs them after the IPv4 areas). */
#define ROW6_AREAS(X) X(nd) X(actor) X(snat) X(dnat) X(hook)
#define ROW6_AREA_DECL(a) extern const struct row6 a##_rows6[]; extern const size_t a##_rows6_n;
ROW6_AREAS(ROW6_AREA_DECL)
#define ROW6_AREA_END(a) const size_t a##_rows6_n = sizeof(a##_rows6) / sizeof(a##_rows6[0])

/* ---- for prep() and check() ------------------------------------------------ */
struct ateom_nat6_key fx6_key_out(int ifindex, const uint8_t *saddr, const uint8_t *daddr,
				  uint16_t sport, uint16_t dport, uint8_t proto);
struct ateom_nat6_key fx6_key_in(const uint8_t *saddr, const uint8_t *daddr, uint16_t sport,
				 uint16_t dport, uint8_t proto);
int fx6_nat_get(struct fx *f, const struct ateom_nat6_key *k, struct ateom_nat6_entry *e);
int fx6_nat_count(struct fx *f);
/* An SNAT66 pair as the datapath makes it: actor 1 or 2 (ifindex, id)
 * aport -> remote:rport as pod:pod_port, counted in the actor's nat_pairs.
 * hook_gen: the OUT half's stamp. */
void fx6_pair_put(struct fx *f, int ifindex, uint16_t id, uint8_t proto, uint16_t aport,
		  const uint8_t *remote, uint16_t rport, uint16_t pod_port, uint16_t hook_gen);
/* The SNAT port the datapath tries first for the actor's IPv6 tuple
 * (nat6.h: the keyed rotation; ports host order), skip candidates on. */
uint16_t snat6_candidate(uint8_t proto, const uint8_t *saddr, uint16_t sport, unsigned skip);

#endif
