/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the row files of the datapath table share: the flows the rows use,
 * packet and expectation shorthands, the NAT state most rows start from
 * (prep.c), and the list of areas test_datapath.c runs.
 *
 * A new area is a file tests/bpf/rows_NAME.c that defines
 *
 *   const struct row NAME_rows[] = { ... };
 *   ROW_AREA_END(NAME);
 *
 * plus X(NAME) in ROW_AREAS below; the Makefile links every .c file of
 * tests/bpf but the fixture into the suite.
 */
#ifndef ATEOM_TEST_ROWS_H
#define ATEOM_TEST_ROWS_H

#include "engine.h"

/* ---- the suite: areas of rows, in the order they run, then the flows ---- */
#define ROW_AREAS(X) X(snat) X(owner) X(dnat) X(pod) X(actor) X(hook) X(icmp) X(ident) X(policy) \
		     X(rst) X(forward) X(frag) X(icmpcsum) X(ttl) X(hairpin)

#define ROW_AREA_DECL(a) extern const struct row a##_rows[]; extern const size_t a##_rows_n;
ROW_AREAS(ROW_AREA_DECL)
#define ROW_AREA_END(a) const size_t a##_rows_n = sizeof(a##_rows) / sizeof(a##_rows[0])

/* Multi-packet flows and tests of other shapes, in groups: a group is a
 * file that defines `const struct CMUnitTest NAME_flows[]` and
 * FLOW_GROUP_END(NAME), plus X(NAME) here. */
#define FLOW_GROUPS(X) X(basic) X(port) X(gc) X(ident) X(release) X(frag) X(timeouts) X(hook) \
		       X(nat6) X(icmp6) X(frag6)
#define FLOW_GROUP_DECL(g) extern const struct CMUnitTest g##_flows[]; \
			   extern const size_t g##_flows_n;
FLOW_GROUPS(FLOW_GROUP_DECL)
#define FLOW_GROUP_END(g) const size_t g##_flows_n = sizeof(g##_flows) / sizeof(g##_flows[0])
/* The setup of every flow (fx_std_setup; the previous flow's worker
 * sockets closed), and one packet through prog from ifindex: the verdict
 * checked, and for redirects that the checksums verify. The view points
 * into *res. */
int flow_setup(void **state);
struct pb_view xmit(int prog, int ifindex, const struct pb_spec *s, int verdict,
		    struct fx_result *res);

/* ---- flows used by the rows --------------------------------------------- */
#define APORT 40000      /* actor's ephemeral ports */
#define APORT_UDP 40001
#define ICMP_ID 0x1234   /* actor's ping id */
#define PPORT RANGE_PORT(20) /* pre-made SNAT ports (engine.h: RANGE_PORT) */
#define PPORT_UDP RANGE_PORT(21)
#define PPORT_ICMP RANGE_PORT(22)
#define PPORT_A2 RANGE_PORT(23)
#define FIRST_PORT RANGE_PORT(0) /* the only port of a range cut to one */
#define FREE_PORT RANGE_PORT(29) /* a port of the range that no pair holds */
#define CPORT 50000      /* client ports of inbound flows */
#define WORKER_PORT 45000 /* a worker socket, inside ip_local_port_range */
#define WORKER_PING_ID 77 /* the worker's own ping, outside every SNAT range */
#define WORKER_LISTENER 8081 /* a worker server, inside production's SNAT range */
#define OTHER_IP FX_IP(192, 0, 2, 99)

#define FROM_ACTOR_IP FX_ACTOR_WIRE, .saddr = FX_ACTOR_IP
#define TO_POD_IP FX_POD_WIRE, .daddr = FX_POD_IP
#define BCAST { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }

/* ---- packets -------------------------------------------------------------- */
#define TCP_SYN .proto = IPPROTO_TCP, .tcp_flags = PB_SYN
#define TCP_SYNACK .proto = IPPROTO_TCP, .tcp_flags = PB_SYN | PB_ACK
#define TCP_DATA .proto = IPPROTO_TCP, .tcp_flags = PB_ACK | PB_PSH, .payload = 100
#define UDP_DATA .proto = IPPROTO_UDP, .payload = 40
#define ECHO(id) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_ECHO, .icmp_id = id, \
		 .icmp_seq = 1, .payload = 56
#define ECHO_REPLY(id) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_ECHOREPLY, \
		       .icmp_id = id, .icmp_seq = 1, .payload = 56

/* ICMP errors: the quoted datagram q is a struct pb_spec. */
#define FRAG_NEEDED(q) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_UNREACH, \
		       .icmp_code = PB_ICMP_FRAG_NEEDED, .icmp_mtu = 1400, .inner = q
#define TIME_EXCEEDED(q) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_TIME_EXCEEDED, .inner = q
#define PORT_UNREACH(q) .proto = IPPROTO_ICMP, .icmp_type = PB_ICMP_UNREACH, .icmp_code = 3, \
			.inner = q
#define QUOTE_UDP(src, sp, dst, dp) { .saddr = src, .daddr = dst, .proto = IPPROTO_UDP, \
				      .sport = sp, .dport = dp, .ttl = 63, .payload = 32 }

/* ---- expectations ----------------------------------------------------------- */
#define SNAT_X { .saddr = FX_POD_IP, .sport = SNAT_PORT, .ttl_dec = true }
/* The tuple's first candidate was not free: the pair took the next one. */
#define SNAT_NEXT_X { .saddr = FX_POD_IP, .sport = SNAT_PORT, .skip = 1, .ttl_dec = true }
#define TO_ACTOR_X(port) { .daddr = FX_ACTOR_IP, .dport = port, .ttl_dec = true, .macs = true }
#define SNAT_NEW_C(b) { C(b, ACTOR_RX), C(b, SNAT), C(b, SNAT_NEW) }
#define POD_PASS .verdict = FX_UNSPEC, .same = true, .c = { C(0, POD_PASS) }
/* A TCP SYN onto a pair's tuple: the worker's, not a reply. */
#define SYN_PASS .verdict = FX_UNSPEC, .same = true, \
		 .c = { C(0, SYN_NOT_REPLY), C(0, POD_PASS) }
#define ACTOR_DROP(why) .verdict = FX_SHOT, .c = { C(1, ACTOR_RX), C(1, why) }
/* Actor 1 to the worker: on to its stack with actor 1's identity as the
 * source (bpf/ident.h); _AS_IS: untouched (an answer in a flow the worker
 * opened to the actor address). */
#define TO_WORKER .verdict = FX_OK, .x = { .saddr = FX_IDENT_IP(1) }, \
		  .c = { C(1, ACTOR_RX), C(1, TO_WORKER) }
#define TO_WORKER_AS_IS .verdict = FX_OK, .same = true, .c = { C(1, ACTOR_RX), C(1, TO_WORKER) }
/* cb[IFINDEX] is informational: resume trusts skb->ifindex, not the cb. */
#define RESUME_CB(v) .cb = { ATEOM_HOOK_CB_MAGIC, 1, 0, v }

/* ---- prep: NAT state that exists before the packet (prep.c) --------------- */
void prep_snat_tcp(struct fx *f);   /* actor 1 APORT -> R:443 as PPORT */
void prep_snat_udp(struct fx *f);   /* actor 1 APORT_UDP -> R:53 as PPORT_UDP */
void prep_snat_icmp(struct fx *f);  /* actor 1 ping ICMP_ID -> R as PPORT_ICMP */
/* Actor 1 connects to C:CPORT from the source port whose first SNAT
 * candidate is pod_port (found with the fixture's key, which an actor does
 * not know; with it, the actor would pick its pod port). Returns the pod
 * port it was given. */
uint16_t prep_actor1_claims(struct fx *f, uint16_t pod_port);
/* The IN (port record) and OUT keys of the pair of prep_snat_tcp(). */
struct ateom_nat_key snat_tcp_in(void);
struct ateom_nat_key snat_tcp_out(void);

#endif /* ATEOM_TEST_ROWS_H */
