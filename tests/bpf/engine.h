/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checking engine of the datapath table (test_datapath). A row sets map
 * state, runs one realistic packet through one program and states what must
 * come out; run_row() checks the verdict, the bytes that must change (and
 * that nothing else did), the IPv4 and L4 checksums (test_run packets are
 * CHECKSUM_NONE, so they must verify in full), every counter of every block,
 * the NAT entries created or touched, the SNAT port chosen (the keyed first
 * candidate, bpf/nat.h), and that each actor's nat_pairs moved exactly as
 * many pairs as it gained or lost.
 *
 * Rows are written with the vocabulary of rows.h, one file per area
 * (rows_*.c).
 */
#ifndef ATEOM_TEST_ENGINE_H
#define ATEOM_TEST_ENGINE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

/* The one fixture of the test binary (opened by test_datapath.c). */
extern struct fx fx;

/* TO_ACTOR runs on the egress of the row's device (an actor's veth). */
enum prog { FROM_ACTOR, FROM_POD, RESUME, TO_ACTOR };
enum dev { DEV_A1, DEV_A2, DEV_POD };
enum kind { K_IP, K_ARP, K_IPV6 };
enum pair { PAIR_NONE, PAIR_SNAT };
/* skb->ingress_ifindex of the row's packet: the device the worker's stack
 * received it on (IIF_NONE: the worker made it; the only case of a packet
 * that arrives on a device is to_actor's, on a veth's egress). */
enum iif { IIF_NONE, IIF_A1, IIF_A2, IIF_POD };
enum ucsum { CS_VALID, CS_ZERO, CS_FFFF };

/* Ports of the SNAT range. The table runs once per SNAT range (see
 * test_datapath.c), so rows name a port of the range by its place in it and
 * the engine resolves the name when the row runs: in the row's packet
 * (ports, ICMP ids, the quoted packet of an ICMP error), its expectations,
 * and, through range_port(), in prep() and check(). Hence rows use no real
 * port or ICMP id below 32. */
#define SNAT_PORT 1                 /* xlate port: the port the datapath must
				     * choose, x.skip candidates after the
				     * tuple's first (snat_candidate()) */
#define RANGE_PORT(n) (2 + (n))     /* the range's first port + n, n < 30 */
#define RANGE_PORT_LAST RANGE_PORT(29)

/* The expected rewrite; 0 = field unchanged. sport/dport are the ICMP id
 * for echo requests/replies. */
struct xlate {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t skip;    /* SNAT_PORT: candidates skipped (exposed, taken) */
	bool ttl_dec;
	bool macs;       /* gateway -> actor MACs (delivery to an actor) */
	enum ucsum udp;
	bool custom;     /* compared by the row's check() instead */
};

struct cnt {
	uint8_t block, stat, pkts;
};
#define C(b, s) { b, ATEOM_STAT_##s, 1 }

struct row;
struct run {
	const struct row *r;
	uint8_t in[PB_FRAME_MAX];
	size_t len;
	struct fx_result res;
	uint64_t t0, t1;
	int ifindex;
};

struct row {
	const char *name;
	enum prog prog;
	enum dev dev;
	enum iif iif;
	/* config tweaks on top of fx_std_setup() */
	bool unconfigured;
	uint16_t snat_ports;           /* the SNAT range cut to its first N ports */
	uint16_t snat_min, snat_max;   /* a fixed SNAT range instead of the pass's */
	uint32_t cfg_flags;
	uint32_t est_timeout_s; /* TCP established idle timeout */
	uint32_t syn_timeout_s; /* TCP idle timeout before a reply */
	void (*prep)(struct fx *f);
	uint32_t cb[5]; /* RESUME rows: skb->cb as a hook left it */
	enum kind kind;
	struct pb_spec in;
	struct pb_arp_spec arp;
	int verdict;
	bool same;      /* data_out == data_in (a dropped packet's bytes are
			 * not checked: nobody sees them) */
	struct xlate x;
	const struct pb_spec *want; /* instead of x: the whole expected packet */
	struct cnt c[6]; /* every other counter must stay 0 */
	int nat_delta;
	int wflow_delta; /* worker_flows entries made (only to_actor makes any) */
	enum pair pair;
	int actor;      /* PAIR_*: the actor (1, 2) the pair belongs to */
	bool touch;     /* the entry the packet used got last_seen refreshed */
	void (*check)(struct fx *f, const struct run *run);
	/* Why this row fails on production's default SNAT range
	 * (ATEOM_SNAT_PORT_MIN-MAX) because of a datapath bug: there it must
	 * still fail and is reported as XFAIL with this reason; once it passes
	 * the row fails (XPASS) until the flag goes. */
	const char *known_prod_range_bug;
	/* The same on every SNAT range: a known datapath bug the row pins. */
	const char *known_bug;
};

/* A cmocka test function: *state is the row. */
void run_row(void **state);
/* Rows reported XFAIL so far (known_bug, known_prod_range_bug). */
unsigned xfail_count(void);

/* ---- for the rows' prep() and check(), and the flows --------------------- */
/* The SNAT port the datapath tries first for this tuple of the actor's
 * (addresses network order, ports/ICMP id host order; ICMP: dport 0), then
 * `skip` candidates further on: snat_port_min + (SipHash-2-4(port_key,
 * tuple) + skip) % range, computed with siphash_ref.c under the config in
 * force. */
uint16_t snat_candidate(uint8_t proto, uint32_t saddr, uint16_t sport, uint32_t daddr,
			uint16_t dport, unsigned skip);
/* The same under config c. */
uint16_t snat_candidate_cfg(const struct ateom_config *c, uint8_t proto, uint32_t saddr,
			    uint16_t sport, uint32_t daddr, uint16_t dport, unsigned skip);
/* p as a real port: RANGE_PORT(n) becomes the n-th port of the SNAT range the
 * datapath is configured with; any other port is returned as it is. */
uint16_t range_port(uint16_t p);
/* The pass runs on production's default range (fx.snat_min/max). */
bool on_production_range(void);
int actor_ifindex(int id);
/* A last_seen this many seconds before now. */
uint64_t ago(unsigned secs);
/* Sets an entry's seen flags (ATEOM_SEEN_*) or its last_seen. */
void set_seen(struct fx *f, const struct ateom_nat_key *k, uint8_t seen);
void set_last_seen(struct fx *f, const struct ateom_nat_key *k, uint64_t last_seen);
/* Deletes a pair's port record as the datapath does (uncounted). */
void delete_port_record(struct fx *f, const struct ateom_nat_key *in);
/* The actor's NAT quota and pair count. */
void set_actor_pairs(struct fx *f, int ifindex, uint32_t quota, uint32_t pairs);
uint32_t actor_pairs(struct fx *f, int ifindex);
/* A socket of the worker on 0.0.0.0:port in the fixture's netns: a TCP
 * listener or a bound UDP socket. It stays open until the next row or
 * flow starts (close_worker_sockets()). */
void worker_socket(uint8_t proto, uint16_t port);
void close_worker_sockets(void);
/* Fills payload[len] so that the UDP datagram `out` (as the datapath sends
 * it) has a computed checksum of 0, which must go out as 0xffff (0 means
 * "no checksum"), and checks that `in` (as it arrives) has an ordinary one.
 * Only addresses and ports of the specs matter. */
void udp_ffff_payload(uint8_t *payload, size_t len, struct pb_spec out, struct pb_spec in);
/* Fails listing every differing byte (offsets from the frame start). */
void diff_fail(const uint8_t *want, const uint8_t *got, size_t len);

#endif /* ATEOM_TEST_ENGINE_H */
