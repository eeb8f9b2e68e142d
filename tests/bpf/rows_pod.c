// SPDX-License-Identifier: Apache-2.0
/* Rows: from_pod leaves the worker's own traffic alone (pass-through). */
#include "rows.h"

/* The worker listens on WORKER_LISTENER (inside production's SNAT range);
 * actor 1 talks to C:CPORT from the port whose first candidate it is. */
static uint16_t claimed;

static void prep_a1_claims_listener(struct fx *f)
{
	worker_socket(IPPROTO_TCP, WORKER_LISTENER);
	claimed = prep_actor1_claims(f, WORKER_LISTENER);
}

static void check_a1_not_on_listener(struct fx *f, const struct run *run)
{
	(void)f;
	(void)run;
	assert_int_not_equal(claimed, WORKER_LISTENER);
	if (on_production_range()) /* the next candidate, then */
		assert_int_equal(claimed, WORKER_LISTENER + 1);
}

/* the worker's own datagram, quoted by an ICMP error */
static const struct pb_spec q_worker = QUOTE_UDP(FX_POD_IP, WORKER_PORT, FX_REMOTE_IP, 53);

const struct row pod_rows[] = {
	/* -- from_pod leaves the worker's own traffic alone -- */
	{ "pod_unexposed_port", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = WORKER_LISTENER,
		  TCP_SYN },
	  POD_PASS },
	/* Actor 1 talks to C:CPORT; C connects from there to a worker server
	 * (and goes on: not a SYN, so a pair on 8081 would have taken it). */
	{ "pod_listener_not_claimed_by_snat", FROM_POD, DEV_POD, .prep = prep_a1_claims_listener,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = WORKER_LISTENER,
		  TCP_DATA },
	  POD_PASS, .check = check_a1_not_on_listener },
	{ "pod_tcp_to_udp_only_service", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_DNS, TCP_SYN },
	  POD_PASS },
	{ "pod_worker_own_connection", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = WORKER_PORT, TCP_DATA },
	  POD_PASS },
	{ "pod_snat_range_without_entry", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = FREE_PORT, TCP_DATA },
	  POD_PASS },
	/* Flood-shaped packets into the SNAT range: the worker's, no state. */
	{ "pod_snat_range_rst_without_entry", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = 7777, .dport = FREE_PORT,
		  .proto = IPPROTO_TCP, .tcp_flags = PB_RST | PB_ACK },
	  POD_PASS },
	{ "pod_snat_range_syn_without_entry", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = 7777, .dport = FREE_PORT, TCP_SYN },
	  POD_PASS },
	{ "pod_snat_range_udp_without_entry", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = 7777, .dport = FREE_PORT, UDP_DATA },
	  POD_PASS },
	{ "pod_reply_from_other_remote", FROM_POD, DEV_POD, .prep = prep_snat_tcp,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = 443, .dport = PPORT, TCP_DATA },
	  POD_PASS },
	{ "pod_not_to_pod_ip", FROM_POD, DEV_POD,
	  .in = { FX_POD_WIRE, .saddr = FX_CLIENT_IP, .daddr = OTHER_IP, .sport = CPORT,
		  .dport = FX_SVC_HTTP, TCP_SYN },
	  POD_PASS },
	{ "pod_icmp_echo_request", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, ECHO(WORKER_PING_ID) }, POD_PASS },
	{ "pod_icmp_echo_reply_worker", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_REMOTE_IP, ECHO_REPLY(WORKER_PING_ID) }, POD_PASS },
	{ "pod_icmp_error_worker_flow", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_ROUTER_IP, FRAG_NEEDED(&q_worker) }, POD_PASS },
	{ "pod_ipv6", FROM_POD, DEV_POD, .kind = K_IPV6, POD_PASS },
	{ "pod_arp", FROM_POD, DEV_POD, .kind = K_ARP,
	  .arp = { .smac = FX_NODE_MAC, .dmac = BCAST, .op = 1, .sha = FX_NODE_MAC,
		   .spa = FX_IP(192, 0, 2, 1), .tpa = FX_POD_IP },
	  POD_PASS },
	{ "pod_gre", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .proto = 47, .payload = 24 }, POD_PASS },
	{ "pod_ip_ihl_too_small", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN,
		  .ihl = 4 },
	  POD_PASS },
	{ "pod_ip_options_cut", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN,
		  .ihl = 15 },
	  POD_PASS },
	{ "pod_trunc_tcp_header", FROM_POD, DEV_POD,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN,
		  .truncate = PB_ETH_HLEN + 30, .truncate_fix_len = true },
	  POD_PASS },
	/* Fragments: rows_frag.c. */
	{ "pod_unconfigured", FROM_POD, DEV_POD, .unconfigured = true,
	  .in = { TO_POD_IP, .saddr = FX_CLIENT_IP, .sport = CPORT, .dport = FX_SVC_HTTP, TCP_SYN },
	  .verdict = FX_UNSPEC, .same = true },
};
ROW_AREA_END(pod);
