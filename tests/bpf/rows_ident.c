// SPDX-License-Identifier: Apache-2.0
/* Rows: actor identities toward the worker (bpf/ident.h). Every actor is
 * 10.200.0.2; from_actor gives its packets to the worker its identity
 * 169.254.18.ID as source (the quoted destination of its ICMP errors too),
 * except answers in flows the worker opened to 10.200.0.2 through this
 * veth (worker_flows, noted by to_actor). to_actor, on the veth's egress,
 * gives the worker's packets to the identity the actor address back and
 * lets everything else pass. An actor entry without an identity gets no
 * translation at all. */
#include <string.h>

#include "rows.h"

#define ID1 FX_IDENT_IP(1)
#define ID2 FX_IDENT_IP(2)
#define ASRV 7000       /* a server of the actor's that the worker calls */
#define WPORT 9000      /* a server of the worker's that the actor calls */

/* What the worker sends out of an actor's veth (its MAC is the gateway's,
 * the identity's neighbour entry is the actor's MAC). */
#define WORKER_WIRE .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC
#define FROM_WORKER_IP WORKER_WIRE, .saddr = FX_WORKER_IP

#define TW(b) { C(b, ACTOR_RX), C(b, TO_WORKER) }
/* to_actor lets every packet pass (TC_ACT_UNSPEC), rewritten or not. */
#define TO_IDENT(b) .verdict = FX_UNSPEC, .x = { .daddr = FX_ACTOR_IP }, \
		    .c = { C(b, FROM_WORKER) }
#define PASS_AS_IS .verdict = FX_UNSPEC, .same = true

/* ---- checks ---------------------------------------------------------------- */
/* Only the IPv4 header changed: the row's x.saddr/x.daddr and its checksum,
 * which must verify. For packets with no L4 header to fix (later
 * fragments, protocols without a pseudo-header checksum): any byte written
 * past the IPv4 header fails the row. */
static void check_ip_only(struct fx *f, const struct run *run)
{
	const uint8_t *out = run->res.out, *ip = out + PB_ETH_HLEN;
	const struct row *r = run->r;
	size_t ihl = (ip[0] & 0xf) * 4;
	uint8_t want[PB_FRAME_MAX];

	(void)f;
	memcpy(want, run->in, run->len);
	if (r->x.saddr)
		memcpy(want + PB_ETH_HLEN + 12, &r->x.saddr, 4);
	if (r->x.daddr)
		memcpy(want + PB_ETH_HLEN + 16, &r->x.daddr, 4);
	memcpy(want + PB_ETH_HLEN + 10, ip + 10, 2);
	diff_fail(want, out, run->len);
	if (pb_fold(pb_sum(ip, ihl, 0)) != 0xffff)
		fail_msg("IPv4 header checksum 0x%02x%02x does not verify", ip[10], ip[11]);
}

/* The worker_flows entry the packet made or refreshed: stamped during the
 * run. */
static void want_wflow(int ifindex, uint8_t proto, uint16_t worker_port, uint16_t actor_port,
		       const struct run *run)
{
	uint64_t seen;

	if (fx_wflow_get(&fx, ifindex, proto, worker_port, actor_port, &seen))
		fail_msg("no worker_flows entry {ifindex %d, proto %u, worker %u, actor %u}",
			 ifindex, proto, worker_port, actor_port);
	assert_in_range(seen, run->t0, run->t1);
}

static void check_wflow_tcp(struct fx *f, const struct run *run)
{
	want_wflow(f->if_a1, IPPROTO_TCP, WORKER_PORT, ASRV, run);
}

static void check_wflow_udp(struct fx *f, const struct run *run)
{
	want_wflow(f->if_a1, IPPROTO_UDP, WORKER_PORT, ASRV, run);
}

/* An echo request's id stands in for the worker's port; the actor's side
 * has none. */
static void check_wflow_echo(struct fx *f, const struct run *run)
{
	want_wflow(f->if_a1, IPPROTO_ICMP, ICMP_ID, 0, run);
}

static void check_wflow_a2(struct fx *f, const struct run *run)
{
	want_wflow(f->if_a2, IPPROTO_TCP, WORKER_PORT, ASRV, run);
}

/* A flow seen less than a second ago is not written again. */
static uint64_t fresh_seen;

static void check_wflow_kept(struct fx *f, const struct run *run)
{
	uint64_t seen;

	(void)run;
	assert_int_equal(fx_wflow_get(f, f->if_a1, IPPROTO_TCP, WORKER_PORT, ASRV, &seen), 0);
	assert_int_equal(seen, fresh_seen);
}

/* ---- prep ------------------------------------------------------------------ */
/* The worker opened TCP/UDP WORKER_PORT -> 10.200.0.2:ASRV, or pinged
 * 10.200.0.2 with ICMP_ID, through actor 1's veth. */
static void prep_wflow_tcp(struct fx *f)
{
	assert_int_equal(fx_wflow_put(f, f->if_a1, IPPROTO_TCP, WORKER_PORT, ASRV, ago(5)), 0);
}

static void prep_wflow_udp(struct fx *f)
{
	assert_int_equal(fx_wflow_put(f, f->if_a1, IPPROTO_UDP, WORKER_PORT, ASRV, ago(5)), 0);
}

static void prep_wflow_echo(struct fx *f)
{
	assert_int_equal(fx_wflow_put(f, f->if_a1, IPPROTO_ICMP, ICMP_ID, 0, ago(5)), 0);
}

static void prep_wflow_fresh(struct fx *f)
{
	fresh_seen = fx_now();
	assert_int_equal(fx_wflow_put(f, f->if_a1, IPPROTO_TCP, WORKER_PORT, ASRV, fresh_seen),
			 0);
}

/* What to_actor notes for an ICMP error the worker sends to 10.200.0.2
 * (the ports of an ICMP error are 0). */
static void prep_wflow_icmp_error(struct fx *f)
{
	assert_int_equal(fx_wflow_put(f, f->if_a1, IPPROTO_ICMP, 0, 0, ago(5)), 0);
}

/* Actor 1 as an older entry or a loader that sets no identity has it. */
static void prep_no_ident(struct fx *f)
{
	struct ateom_actor a;

	assert_int_equal(fx_get_actor(f, f->if_a1, &a), 0);
	a.ident_ip_be = 0;
	assert_int_equal(fx_put_actor(f, f->if_a1, &a), 0);
}

static void prep_no_ident_wflow(struct fx *f)
{
	prep_no_ident(f);
	prep_wflow_tcp(f);
}

/* UDP payload chosen so that the rewritten datagram's checksum computes to
 * 0, which must go out as 0xffff (0 means "no checksum"). */
static uint8_t ffff_payload[16];

static void ffff_for(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		     uint32_t saddr_in, uint32_t daddr_in)
{
	struct pb_spec out = { .saddr = saddr, .daddr = daddr, .sport = sport, .dport = dport };
	struct pb_spec in = out;

	in.saddr = saddr_in;
	in.daddr = daddr_in;
	udp_ffff_payload(ffff_payload, sizeof(ffff_payload), out, in);
}

static void prep_ffff_to_worker(struct fx *f)
{
	(void)f;
	ffff_for(ID1, FX_WORKER_IP, APORT_UDP, WPORT, FX_ACTOR_IP, FX_WORKER_IP);
}

static void prep_ffff_from_worker(struct fx *f)
{
	(void)f;
	ffff_for(FX_WORKER_IP, FX_ACTOR_IP, WPORT, APORT_UDP, FX_WORKER_IP, ID1);
}

/* ---- ICMP errors --------------------------------------------------------- */
/* The worker's datagram to actor 1 (sent to its identity, or to the shared
 * address) as the actor got it, and as the worker sent it. */
static const struct pb_spec q_w2a = QUOTE_UDP(FX_WORKER_IP, WORKER_PORT, FX_ACTOR_IP, ASRV);
static const struct pb_spec q_w2id = QUOTE_UDP(FX_WORKER_IP, WORKER_PORT, ID1, ASRV);
static const struct pb_spec want_unreach_to_worker = {
	FX_ACTOR_WIRE, .saddr = ID1, .daddr = FX_WORKER_IP, PORT_UNREACH(&q_w2id) };
/* Actor 1's datagram to the worker as the worker got it (from the
 * identity), and as the actor sent it. */
static const struct pb_spec q_id2w = QUOTE_UDP(ID1, APORT_UDP, FX_WORKER_IP, WPORT);
static const struct pb_spec q_a2w = QUOTE_UDP(FX_ACTOR_IP, APORT_UDP, FX_WORKER_IP, WPORT);
static const struct pb_spec want_unreach_to_actor = {
	FROM_WORKER_IP, .daddr = FX_ACTOR_IP, PORT_UNREACH(&q_a2w) };

const struct row ident_rows[] = {
	/* -- from_actor: to the worker with the actor's identity -- */
	{ "ident_tcp_syn_to_worker_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = WPORT, TCP_SYN },
	  TO_WORKER },
	{ "ident_tcp_data_to_worker_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = WPORT,
		  TCP_DATA },
	  TO_WORKER },
	{ "ident_udp_to_worker_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT_UDP, .dport = 53,
		  UDP_DATA },
	  TO_WORKER },
	{ "ident_echo_to_worker_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, ECHO(ICMP_ID) }, TO_WORKER },
	{ "ident_tcp_syn_to_pod_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = APORT, .dport = WPORT, TCP_SYN },
	  TO_WORKER },
	{ "ident_udp_to_pod_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, .sport = APORT_UDP, .dport = 5300, UDP_DATA },
	  TO_WORKER },
	{ "ident_echo_to_pod_ip", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, ECHO(ICMP_ID) }, TO_WORKER },
	/* Same address, same packet: each actor is its own identity. */
	{ "ident_actor2_tcp_to_worker_ip", FROM_ACTOR, DEV_A2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = WPORT, TCP_SYN },
	  .verdict = FX_OK, .x = { .saddr = ID2 }, .c = TW(2) },
	{ "ident_actor2_echo_to_pod_ip", FROM_ACTOR, DEV_A2,
	  .in = { FROM_ACTOR_IP, .daddr = FX_POD_IP, ECHO(ICMP_ID) },
	  .verdict = FX_OK, .x = { .saddr = ID2 }, .c = TW(2) },
	/* UDP without a checksum keeps none (BPF_F_MARK_MANGLED_0); one whose
	 * checksum comes out 0 is sent as 0xffff. */
	{ "ident_udp_zero_csum_to_worker_stays_zero", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA,
		  .udp_nocsum = true },
	  .verdict = FX_OK, .x = { .saddr = ID1, .udp = CS_ZERO }, .c = TW(1) },
	{ "ident_udp_csum_0_to_worker_becomes_ffff", FROM_ACTOR, DEV_A1,
	  .prep = prep_ffff_to_worker,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT_UDP, .dport = WPORT,
		  .proto = IPPROTO_UDP, .payload = sizeof(ffff_payload),
		  .payload_data = ffff_payload },
	  .verdict = FX_OK, .x = { .saddr = ID1, .udp = CS_FFFF }, .c = TW(1) },
	/* Fragments reach the worker's stack (it reassembles): the first one's
	 * L4 checksum covers the whole datagram and the pseudo header, so it
	 * is fixed; a later one has no L4 header, only IPv4 changes. */
	/* Fragments go no further than the actor's gateway either: the
	 * worker's reassembly memory is the worker's. */
	{ "ident_udp_first_fragment_to_worker", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT_UDP, .dport = WPORT,
		  UDP_DATA, .frag = PB_MF },
	  ACTOR_DROP(DROP_FRAG) },
	{ "ident_udp_later_fragment_to_worker", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .proto = IPPROTO_UDP, .payload = 40,
		  .frag = 185 },
	  ACTOR_DROP(DROP_FRAG) },
	{ "ident_gre_to_worker", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .proto = 47, .payload = 24 },
	  .verdict = FX_OK, .x = { .saddr = ID1, .custom = true }, .check = check_ip_only,
	  .c = TW(1) },
	/* The actor refuses the worker's datagram (sent to its identity, which
	 * to_actor made 10.200.0.2): the quote must name the identity again
	 * or the worker's socket never hears of it. */
	{ "ident_icmp_error_to_worker_quotes_identity", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, PORT_UNREACH(&q_w2a) },
	  .verdict = FX_OK, .want = &want_unreach_to_worker, .c = TW(1) },
	/* A quote that does not name the actor address stays as it is. */
	/* An error quoting anything but a packet the worker sent this actor
	 * (here: the worker to another actor's identity) is not the actor's
	 * to send. */
	{ "ident_icmp_error_to_worker_other_quote_dropped", FROM_ACTOR, DEV_A1,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, PORT_UNREACH(&q_w2id) },
	  ACTOR_DROP(DROP_ICMP_PEER) },

	/* -- from_actor: answers in flows the worker opened to 10.200.0.2 -- */
	{ "ident_answer_in_worker_flow_tcp", FROM_ACTOR, DEV_A1, .prep = prep_wflow_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = ASRV, .dport = WORKER_PORT,
		  TCP_SYNACK },
	  TO_WORKER_AS_IS },
	{ "ident_answer_in_worker_flow_udp", FROM_ACTOR, DEV_A1, .prep = prep_wflow_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = ASRV, .dport = WORKER_PORT,
		  UDP_DATA },
	  TO_WORKER_AS_IS },
	{ "ident_echo_reply_in_worker_flow", FROM_ACTOR, DEV_A1, .prep = prep_wflow_echo,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, ECHO_REPLY(ICMP_ID) }, TO_WORKER_AS_IS },
	/* Anything else of the actor's still gets its identity. */
	{ "ident_worker_flow_other_tuple", FROM_ACTOR, DEV_A1, .prep = prep_wflow_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = WPORT, TCP_SYN },
	  TO_WORKER },
	{ "ident_worker_flow_other_actor_port", FROM_ACTOR, DEV_A1, .prep = prep_wflow_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = ASRV + 1, .dport = WORKER_PORT,
		  TCP_SYNACK },
	  TO_WORKER },
	{ "ident_worker_flow_ports_swapped", FROM_ACTOR, DEV_A1, .prep = prep_wflow_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = WORKER_PORT, .dport = ASRV,
		  TCP_SYN },
	  TO_WORKER },
	{ "ident_worker_flow_other_proto", FROM_ACTOR, DEV_A1, .prep = prep_wflow_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = ASRV, .dport = WORKER_PORT,
		  UDP_DATA },
	  TO_WORKER },
	/* The actor's own ping with the id of the worker's ping to it. */
	{ "ident_worker_flow_echo_request_same_id", FROM_ACTOR, DEV_A1, .prep = prep_wflow_echo,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, ECHO(ICMP_ID) }, TO_WORKER },
	/* Another actor cannot pass as 10.200.0.2 on actor 1's flow. */
	{ "ident_actor2_cannot_ride_actor1_worker_flow", FROM_ACTOR, DEV_A2, .prep = prep_wflow_tcp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = ASRV, .dport = WORKER_PORT,
		  TCP_SYNACK },
	  .verdict = FX_OK, .x = { .saddr = ID2 }, .c = TW(2) },
	/* The actor refuses a datagram of a flow the worker opened to
	 * 10.200.0.2: the worker's socket is connected to 10.200.0.2, so the
	 * error must reach it as it is (like any answer in that flow). */
	{ "ident_icmp_error_about_worker_flow_as_is", FROM_ACTOR, DEV_A1, .prep = prep_wflow_udp,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, PORT_UNREACH(&q_w2a) }, TO_WORKER_AS_IS },
	/* What to_actor notes for a worker's ICMP error to 10.200.0.2 (an
	 * entry {ICMP, 0, 0}) must not exempt the actor's ICMP errors. */
	{ "ident_icmp_error_to_worker_despite_icmp_0_0_entry", FROM_ACTOR, DEV_A1,
	  .prep = prep_wflow_icmp_error,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, PORT_UNREACH(&q_w2a) },
	  .verdict = FX_OK, .want = &want_unreach_to_worker, .c = TW(1) },

	/* -- to_actor: the worker's packets to an identity -- */
	{ "ident_worker_tcp_synack_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = WPORT, .dport = APORT, TCP_SYNACK },
	  TO_IDENT(1) },
	{ "ident_worker_tcp_data_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = WPORT, .dport = APORT, TCP_DATA },
	  TO_IDENT(1) },
	{ "ident_worker_udp_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = 53, .dport = APORT_UDP, UDP_DATA },
	  TO_IDENT(1) },
	{ "ident_worker_echo_reply_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, ECHO_REPLY(ICMP_ID) }, TO_IDENT(1) },
	{ "ident_worker_echo_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, ECHO(ICMP_ID) }, TO_IDENT(1) },
	{ "ident_worker_from_pod_ip_to_identity", TO_ACTOR, DEV_A1,
	  .in = { WORKER_WIRE, .saddr = FX_POD_IP, .daddr = ID1, .sport = WPORT,
		  .dport = APORT, TCP_SYNACK },
	  TO_IDENT(1) },
	{ "ident_worker_tcp_to_actor2_identity", TO_ACTOR, DEV_A2,
	  .in = { FROM_WORKER_IP, .daddr = ID2, .sport = WPORT, .dport = APORT, TCP_SYNACK },
	  TO_IDENT(2) },
	{ "ident_worker_udp_zero_csum_to_identity_stays_zero", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = 53, .dport = APORT_UDP, UDP_DATA,
		  .udp_nocsum = true },
	  .verdict = FX_UNSPEC, .x = { .daddr = FX_ACTOR_IP, .udp = CS_ZERO },
	  .c = { C(1, FROM_WORKER) } },
	{ "ident_worker_udp_csum_0_becomes_ffff", TO_ACTOR, DEV_A1, .prep = prep_ffff_from_worker,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = WPORT, .dport = APORT_UDP,
		  .proto = IPPROTO_UDP, .payload = sizeof(ffff_payload),
		  .payload_data = ffff_payload },
	  .verdict = FX_UNSPEC, .x = { .daddr = FX_ACTOR_IP, .udp = CS_FFFF },
	  .c = { C(1, FROM_WORKER) } },
	{ "ident_worker_udp_first_fragment_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = 53, .dport = APORT_UDP, UDP_DATA,
		  .frag = PB_MF },
	  TO_IDENT(1) },
	{ "ident_worker_udp_later_fragment_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .proto = IPPROTO_UDP, .payload = 40,
		  .frag = 185 },
	  .verdict = FX_UNSPEC, .x = { .daddr = FX_ACTOR_IP, .custom = true },
	  .check = check_ip_only, .c = { C(1, FROM_WORKER) } },
	{ "ident_worker_gre_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .proto = 47, .payload = 24 },
	  .verdict = FX_UNSPEC, .x = { .daddr = FX_ACTOR_IP, .custom = true },
	  .check = check_ip_only, .c = { C(1, FROM_WORKER) } },
	/* The worker refuses the actor's datagram (which came from the
	 * identity): the actor must find its own address in the quote. */
	{ "ident_worker_icmp_error_to_identity", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, PORT_UNREACH(&q_id2w) },
	  .verdict = FX_UNSPEC, .want = &want_unreach_to_actor, .c = { C(1, FROM_WORKER) } },
	{ "ident_worker_icmp_error_other_quote_outer_only", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, PORT_UNREACH(&q_a2w) },
	  .verdict = FX_UNSPEC, .want = &want_unreach_to_actor, .c = { C(1, FROM_WORKER) } },
	/* Only this veth's actor's identity. */
	{ "ident_worker_to_actor2_identity_on_actor1_veth", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID2, .sport = WPORT, .dport = APORT, TCP_SYNACK },
	  PASS_AS_IS },

	/* -- to_actor: the worker's flows to 10.200.0.2 are noted -- */
	{ "ident_worker_tcp_to_actor_addr_noted", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, .sport = WORKER_PORT, .dport = ASRV,
		  TCP_SYN },
	  PASS_AS_IS, .wflow_delta = 1, .check = check_wflow_tcp },
	{ "ident_worker_udp_to_actor_addr_noted", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, .sport = WORKER_PORT, .dport = ASRV,
		  UDP_DATA },
	  PASS_AS_IS, .wflow_delta = 1, .check = check_wflow_udp },
	{ "ident_worker_echo_to_actor_addr_noted", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, ECHO(ICMP_ID) },
	  PASS_AS_IS, .wflow_delta = 1, .check = check_wflow_echo },
	{ "ident_worker_to_actor_addr_noted_per_veth", TO_ACTOR, DEV_A2,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, .sport = WORKER_PORT, .dport = ASRV,
		  TCP_SYN },
	  PASS_AS_IS, .wflow_delta = 1, .check = check_wflow_a2 },
	{ "ident_worker_flow_refreshed", TO_ACTOR, DEV_A1, .prep = prep_wflow_tcp,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, .sport = WORKER_PORT, .dport = ASRV,
		  TCP_DATA },
	  PASS_AS_IS, .check = check_wflow_tcp },
	{ "ident_worker_flow_fresh_not_rewritten", TO_ACTOR, DEV_A1, .prep = prep_wflow_fresh,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, .sport = WORKER_PORT, .dport = ASRV,
		  TCP_DATA },
	  PASS_AS_IS, .check = check_wflow_kept },
	/* An ICMP error has no flow to note. */
	{ "ident_worker_icmp_error_to_actor_addr_notes_nothing", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, PORT_UNREACH(&q_a2w) }, PASS_AS_IS },

	/* -- to_actor: everything else passes untouched, nothing noted -- */
	{ "ident_delivered_snat_reply_passes", TO_ACTOR, DEV_A1,
	  .in = { WORKER_WIRE, .saddr = FX_REMOTE_IP,
		  .daddr = FX_ACTOR_IP, .sport = 443, .dport = APORT, .ttl = 63, TCP_DATA },
	  PASS_AS_IS },
	{ "ident_delivered_dnat_passes", TO_ACTOR, DEV_A1,
	  .in = { WORKER_WIRE, .saddr = FX_CLIENT_IP,
		  .daddr = FX_ACTOR_IP, .sport = CPORT, .dport = 80, .ttl = 63, TCP_SYN },
	  PASS_AS_IS },
	{ "ident_worker_arp_passes", TO_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_GW_MAC, .dmac = BCAST, .op = 1, .sha = FX_GW_MAC,
		   .spa = FX_WORKER_IP, .tpa = FX_ACTOR_IP },
	  PASS_AS_IS },
	{ "ident_worker_arp_for_identity_passes", TO_ACTOR, DEV_A1, .kind = K_ARP,
	  .arp = { .smac = FX_GW_MAC, .dmac = BCAST, .op = 1, .sha = FX_GW_MAC,
		   .spa = FX_WORKER_IP, .tpa = ID1 },
	  PASS_AS_IS },
	{ "ident_worker_ipv6_passes", TO_ACTOR, DEV_A1, .kind = K_IPV6, PASS_AS_IS },
	{ "ident_worker_to_link_broadcast_passes", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = FX_IP(10, 200, 0, 3), .sport = 67, .dport = 68,
		  UDP_DATA },
	  PASS_AS_IS },
	{ "ident_worker_to_multicast_passes", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = FX_IP(224, 0, 0, 251), .sport = 5353, .dport = 5353,
		  UDP_DATA },
	  PASS_AS_IS },
	{ "ident_worker_truncated_to_identity_passes", TO_ACTOR, DEV_A1,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = WPORT, .dport = APORT, TCP_SYN,
		  .ihl = 4 },
	  PASS_AS_IS },
	{ "ident_to_actor_no_actor_entry", TO_ACTOR, DEV_POD,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = WPORT, .dport = APORT, TCP_SYNACK },
	  PASS_AS_IS },
	{ "ident_to_actor_no_actor_entry_notes_nothing", TO_ACTOR, DEV_POD,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, .sport = WORKER_PORT, .dport = ASRV,
		  TCP_SYN },
	  PASS_AS_IS },

	/* -- an actor entry without an identity: nothing is translated -- */
	{ "ident_none_actor_to_worker_as_is", FROM_ACTOR, DEV_A1, .prep = prep_no_ident,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = APORT, .dport = WPORT, TCP_SYN },
	  TO_WORKER_AS_IS },
	{ "ident_none_icmp_error_to_worker_as_is", FROM_ACTOR, DEV_A1, .prep = prep_no_ident,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, PORT_UNREACH(&q_w2a) }, TO_WORKER_AS_IS },
	{ "ident_none_answer_in_worker_flow_as_is", FROM_ACTOR, DEV_A1,
	  .prep = prep_no_ident_wflow,
	  .in = { FROM_ACTOR_IP, .daddr = FX_WORKER_IP, .sport = ASRV, .dport = WORKER_PORT,
		  TCP_SYNACK },
	  TO_WORKER_AS_IS },
	{ "ident_none_worker_to_identity_passes", TO_ACTOR, DEV_A1, .prep = prep_no_ident,
	  .in = { FROM_WORKER_IP, .daddr = ID1, .sport = WPORT, .dport = APORT, TCP_SYNACK },
	  PASS_AS_IS },
	{ "ident_none_worker_to_actor_addr_notes_nothing", TO_ACTOR, DEV_A1,
	  .prep = prep_no_ident,
	  .in = { FROM_WORKER_IP, .daddr = FX_ACTOR_IP, .sport = WORKER_PORT, .dport = ASRV,
		  TCP_SYN },
	  PASS_AS_IS },
};
ROW_AREA_END(ident);
