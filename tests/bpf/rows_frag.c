// SPDX-License-Identifier: Apache-2.0
/* Rows: IPv4 fragments one packet at a time (bpf/frag.h). A first fragment
 * goes through the datapath like any packet and its datagram is noted; a
 * follower goes as its first fragment went (prep runs that first fragment
 * through the program), or is dropped (the actor's) or passed (the pod
 * side's); broken fragments are dropped. Multi-fragment datagrams,
 * reassembled, are in flows_frag.c. */
#include <string.h>
#include <bpf/bpf.h>

#include "rows.h"

#define AID 0x4242     /* the IP id of the actor's datagram */
#define CID 0x0707     /* the IP id of the client's datagram */
#define FOLLOW 64      /* a follower's offset (8-byte units): after 512 bytes */

#define FIRST_OUT { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, \
		    .proto = IPPROTO_UDP, .payload = 504, .ip_id = AID, .frag = PB_MF }
#define FOLLOW_OUT(more) { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = IPPROTO_UDP, .payload = 56, \
			   .ip_id = AID, .frag = FOLLOW | (more) }
#define FIRST_IN(dp) { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = dp, \
		       .proto = IPPROTO_UDP, .payload = 504, .ip_id = CID, .frag = PB_MF }
#define FOLLOW_IN(more) { TO_POD_IP, .saddr = FX_CLIENT_IP, .proto = IPPROTO_UDP, .payload = 56, \
			  .ip_id = CID, .frag = FOLLOW | (more) }

/* A follower's 64 bytes are built as a UDP header and payload: opaque to
 * the datapath, which must not touch them. */
static uint16_t want_id; /* the IP id the first fragment left with */

static void run_first(struct fx *f, int prog, int ifindex, struct pb_spec s, int verdict)
{
	uint8_t pkt[PB_FRAME_MAX];
	struct fx_result res;
	size_t n = pb_build(pkt, sizeof(pkt), &s);

	assert_true(n > 0);
	assert_int_equal(fx_run(f, prog, ifindex, pkt, n, NULL, 1, &res), 0);
	assert_int_equal((int32_t)res.retval, verdict);
	want_id = (uint16_t)(res.out[PB_ETH_HLEN + 4] << 8 | res.out[PB_ETH_HLEN + 5]);
}

static void prep_first_out(struct fx *f)
{
	run_first(f, f->from_actor, f->if_a1, (struct pb_spec)FIRST_OUT, FX_REDIRECT);
}

static void prep_first_in(struct fx *f)
{
	run_first(f, f->from_pod, f->if_pod, (struct pb_spec)FIRST_IN(FX_SVC_DNS), FX_REDIRECT);
}

/* Only the IPv4 header changed: the address (x.saddr/x.daddr), the TTL, the
 * IP id (to want_id when set_id) and the checksum, which verifies. */
static void check_hdr(const struct run *run, bool set_id)
{
	const uint8_t *out = run->res.out, *ip = out + PB_ETH_HLEN;
	const struct row *r = run->r;
	uint8_t want[PB_FRAME_MAX];

	memcpy(want, run->in, run->len);
	if (r->x.saddr)
		memcpy(want + PB_ETH_HLEN + 12, &r->x.saddr, 4);
	if (r->x.daddr) {
		const uint8_t gw[6] = FX_GW_MAC, am[6] = FX_ACTOR_MAC;

		memcpy(want + PB_ETH_HLEN + 16, &r->x.daddr, 4);
		memcpy(want, am, 6);
		memcpy(want + 6, gw, 6);
	}
	want[PB_ETH_HLEN + 8]--;
	if (set_id) {
		want[PB_ETH_HLEN + 4] = want_id >> 8;
		want[PB_ETH_HLEN + 5] = want_id & 0xff;
	}
	memcpy(want + PB_ETH_HLEN + 10, ip + 10, 2);
	diff_fail(want, out, run->len);
	if (pb_fold(pb_sum(ip, 20, 0)) != 0xffff)
		fail_msg("IPv4 header checksum 0x%02x%02x does not verify", ip[10], ip[11]);
}

static void check_follow_out(struct fx *f, const struct run *run)
{
	check_hdr(run, true);
	assert_int_equal(fx_frag_count(f, false), 1);
}

static void check_last_out(struct fx *f, const struct run *run)
{
	check_hdr(run, true);
	assert_int_equal(fx_frag_count(f, false), 0); /* in order: complete */
}

static void check_follow_in(struct fx *f, const struct run *run)
{
	check_hdr(run, false);
	assert_int_equal(fx_frag_count(f, true), 1);
}

/* The first fragment left like a whole datagram (the engine checked the
 * pair), with the new IP id its datagram's entry holds. */
static void check_first_out(struct fx *f, const struct run *run)
{
	const uint8_t *ip = run->res.out + PB_ETH_HLEN;
	struct ateom_frag_key k;
	struct ateom_frag e;
	struct pb_view v;

	assert_int_equal(pb_parse(run->res.out, run->res.out_len, &v), 0);
	assert_true(pb_ip_csum_ok(&v));
	assert_true(pb_l4_csum_ok(&v));
	assert_int_equal(v.saddr, FX_POD_IP);
	assert_int_equal(v.ttl, 63);
	assert_int_equal(v.frag, PB_MF);
	assert_int_equal(fx_frag_count(f, false), 1);
	assert_int_equal(bpf_map_get_next_key(f->frag_out, NULL, &k), 0);
	assert_int_equal(bpf_map_lookup_elem(f->frag_out, &k, &e), 0);
	assert_int_equal(k.owner, 1);
	assert_memory_equal(&e.new_id_be, ip + 4, 2);
	assert_int_equal(e.id_be, htons(AID));
	assert_int_equal(e.ifindex, (uint32_t)f->if_a1);
	assert_int_equal(e.end, 64);
}

static void check_worker_noted(struct fx *f, const struct run *run)
{
	(void)run;
	assert_int_equal(fx_frag_count(f, true), 1);
}

/* Nothing guards a datagram no worker socket would take (a flood of them
 * must not hold the slots actors' datagrams need). */
static void check_nothing_noted(struct fx *f, const struct run *run)
{
	(void)run;
	assert_int_equal(fx_frag_count(f, true), 0);
}

static void prep_worker_udp(struct fx *f)
{
	(void)f;
	worker_socket(IPPROTO_UDP, WORKER_PORT);
}

#define FRAG_OUT_C(b) { C(b, ACTOR_RX), C(b, FRAG_OUT) }

static const struct pb_spec q_frag = QUOTE_UDP(FX_REMOTE_IP, 53, FX_POD_IP, APORT_UDP);

const struct row frag_rows[] = {
	/* -- what an actor sends -- */
	{ "frag_actor_first_udp_new_pair", FROM_ACTOR, DEV_A1, .in = FIRST_OUT,
	  .verdict = FX_REDIRECT, .x = { .custom = true }, .check = check_first_out,
	  .c = { C(1, ACTOR_RX), C(1, SNAT), C(1, SNAT_NEW), C(1, FRAG_FIRST) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "frag_actor_follower_tracked", FROM_ACTOR, DEV_A1, .prep = prep_first_out,
	  .in = FOLLOW_OUT(PB_MF), .verdict = FX_REDIRECT,
	  .x = { .saddr = FX_POD_IP, .custom = true }, .check = check_follow_out,
	  .c = FRAG_OUT_C(1) },
	{ "frag_actor_last_in_order_completes", FROM_ACTOR, DEV_A1, .prep = prep_first_out,
	  .in = FOLLOW_OUT(0), .verdict = FX_REDIRECT,
	  .x = { .saddr = FX_POD_IP, .custom = true }, .check = check_last_out,
	  .c = FRAG_OUT_C(1) },
	{ "frag_actor_follower_orphan", FROM_ACTOR, DEV_A1, .in = FOLLOW_OUT(PB_MF),
	  ACTOR_DROP(DROP_FRAG_ORPHAN) },
	/* Actor 2 sends a follower of actor 1's datagram (same destination,
	 * protocol and IP id): not its datagram. */
	{ "frag_actor2_follower_of_actor1", FROM_ACTOR, DEV_A2, .prep = prep_first_out,
	  .in = FOLLOW_OUT(PB_MF), .verdict = FX_SHOT,
	  .c = { C(2, ACTOR_RX), C(2, DROP_FRAG_ORPHAN) } },
	/* RFC 1858: a follower at offset 8 would overwrite TCP ports after
	 * NAT; one past 64 KiB describes no datagram. */
	{ "frag_actor_follower_into_tcp_header", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = IPPROTO_TCP, .payload = 24,
		  .tcp_flags = PB_ACK, .frag = 1 | PB_MF },
	  ACTOR_DROP(DROP_FRAG_BAD) },
	{ "frag_actor_follower_past_64k", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = IPPROTO_UDP, .payload = 56,
		  .frag = 8190 },
	  ACTOR_DROP(DROP_FRAG_BAD) },
	{ "frag_actor_first_trunc_udp_header", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53,
		  UDP_DATA, .frag = PB_MF, .truncate = PB_ETH_HLEN + 24,
		  .truncate_fix_len = true },
	  ACTOR_DROP(DROP_TRUNC) },
	/* ICMP errors are never fragmented by a sane stack. */
	{ "frag_actor_first_icmp_error", FROM_ACTOR, DEV_A1, .prep = prep_snat_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, PORT_UNREACH(&q_frag), .frag = PB_MF },
	  ACTOR_DROP(DROP_FRAG) },
	{ "frag_actor_first_gre", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .proto = 47, .payload = 24,
		  .frag = PB_MF },
	  ACTOR_DROP(DROP_PROTO) },
	/* Through the egress hook: a first fragment comes back to resume like
	 * any packet; a follower never should (they do not go to the hook). */
	{ "frag_resume_first_udp", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW), .in = FIRST_OUT,
	  .verdict = FX_REDIRECT, .x = { .custom = true }, .check = check_first_out,
	  .c = { C(1, HOOK_ALLOW), C(1, SNAT), C(1, SNAT_NEW), C(1, FRAG_FIRST) },
	  .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1 },
	{ "frag_resume_follower", RESUME, DEV_A1, RESUME_CB(ATEOM_HOOK_ALLOW),
	  .prep = prep_first_out, .in = FOLLOW_OUT(PB_MF), .verdict = FX_SHOT,
	  .c = { C(1, HOOK_ALLOW), C(1, DROP_POLICY) } },

	/* -- what arrives on the pod eth0 -- */
	{ "frag_pod_first_to_exposed_udp", FROM_POD, DEV_POD, .in = FIRST_IN(FX_SVC_DNS),
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(FX_SVC_DNS_TO),
	  .c = { C(1, DNAT), C(1, FRAG_FIRST) } },
	{ "frag_pod_follower_tracked", FROM_POD, DEV_POD, .prep = prep_first_in,
	  .in = FOLLOW_IN(PB_MF), .verdict = FX_REDIRECT,
	  .x = { .daddr = FX_ACTOR_IP, .custom = true }, .check = check_follow_in,
	  .c = { C(1, FRAG_IN) } },
	{ "frag_pod_first_to_worker_port", FROM_POD, DEV_POD, .prep = prep_worker_udp,
	  .in = FIRST_IN(WORKER_PORT), POD_PASS, .check = check_worker_noted },
	/* RFC 1858: a first fragment too short for its TCP header, whose
	 * flags would be read from the frame's padding. */
	{ "frag_actor_first_tiny_tcp", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN,
		  .frag = PB_MF, .ip_tot_len = 20 + 12 },
	  ACTOR_DROP(DROP_TRUNC) },
	{ "frag_pod_first_to_closed_port", FROM_POD, DEV_POD, .in = FIRST_IN(WORKER_PORT),
	  POD_PASS, .check = check_nothing_noted },
	{ "frag_pod_follower_untracked", FROM_POD, DEV_POD, .in = FOLLOW_IN(PB_MF), POD_PASS },
	{ "frag_pod_first_trunc_udp_header", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_DNS, UDP_DATA,
		  .frag = PB_MF, .truncate = PB_ETH_HLEN + 24, .truncate_fix_len = true },
	  POD_PASS },
	{ "frag_pod_first_icmp_error", FROM_POD, DEV_POD, .prep = prep_snat_udp,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, PORT_UNREACH(&q_frag), .frag = PB_MF },
	  POD_PASS, .check = check_nothing_noted },
	{ "frag_pod_follower_into_tcp_header", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .proto = IPPROTO_TCP, .payload = 24,
		  .tcp_flags = PB_ACK, .frag = 1 | PB_MF },
	  POD_PASS },
};
ROW_AREA_END(frag);
