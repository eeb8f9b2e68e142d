// SPDX-License-Identifier: Apache-2.0
/* Rows: who owns a pod port (bpf/nat.h, "NAT ownership"). The datapath
 * picks the port with a keyed hash and never one that is exposed or where
 * the worker has a socket; each actor holds at most its quota of pairs;
 * the NAT table evicts nothing (a full table refuses); a pair half that
 * went missing is put back from its partner, on the same port, and halves
 * that disagree deliver nothing. */
#include <stdlib.h>
#include <bpf/bpf.h>

#include "rows.h"

/* The first SNAT candidate of the rows' standard flows. */
static uint16_t first_tcp(void)
{
	return snat_candidate(IPPROTO_TCP, FX_ACTOR_IP, APORT, FX_REMOTE_IP, 443, 0);
}

static uint16_t first_udp(void)
{
	return snat_candidate(IPPROTO_UDP, FX_ACTOR_IP, APORT_UDP, FX_REMOTE_IP, 53, 0);
}

/* -- candidates that are not the datapath's to hand out -------------------- */
/* Actor 2 exposes the first candidate (its actor port 81: 80 is taken by
 * FX_SVC_A2 in svc_rev). */
static void prep_first_exposed(struct fx *f)
{
	assert_int_equal(fx_add_service(f, IPPROTO_TCP, first_tcp(), f->if_a2, 81, 2), 0);
}

static void prep_first_exposed_udp(struct fx *f)
{
	assert_int_equal(fx_add_service(f, IPPROTO_UDP, first_tcp(), f->if_a2, 81, 2), 0);
}

/* The worker has a socket on the first candidate: a TCP listener, or a
 * bound UDP socket (or a TCP listener on a UDP flow's candidate: not in
 * the way). */
static void prep_first_listener(struct fx *f)
{
	(void)f;
	worker_socket(IPPROTO_TCP, first_tcp());
}

static void prep_first_udp_bound(struct fx *f)
{
	(void)f;
	worker_socket(IPPROTO_UDP, first_udp());
}

static void prep_first_udp_listener(struct fx *f)
{
	(void)f;
	worker_socket(IPPROTO_TCP, first_udp());
}

/* The first candidate is held by an expired pair (answered, idle 20 s,
 * row: est timeout 5 s): free ports near it go first; reclaiming is for
 * when none is left. */
static void prep_first_expired(struct fx *f)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, first_tcp(), IPPROTO_TCP);

	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT + 99, FX_REMOTE_IP,
					  443, first_tcp(), ago(20)), 0);
	set_seen(f, &in, ATEOM_SEEN_REPLY);
}

static void check_expired_kept(struct fx *f, const struct run *run)
{
	struct ateom_nat_key out = fx_key_out(f->if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT + 99, 443,
					      IPPROTO_TCP);
	struct ateom_nat_entry e;

	(void)run;
	assert_int_equal(fx_nat_get(f, &out, &e), 0);
	assert_int_equal(ntohs(e.port_be), first_tcp());
}

/* -- quotas ----------------------------------------------------------------- */
static void prep_a1_at_quota(struct fx *f) { set_actor_pairs(f, f->if_a1, 3, 3); }
static void prep_a1_quota_0(struct fx *f) { set_actor_pairs(f, f->if_a1, 0, 0); }
static void prep_a1_one_below(struct fx *f) { set_actor_pairs(f, f->if_a1, 4, 3); }
static void prep_a2_at_quota(struct fx *f) { set_actor_pairs(f, f->if_a2, 1, 1); }
/* Its one pair is established; it may use it whatever its quota. */
static void prep_a1_full_with_pair(struct fx *f)
{
	prep_snat_tcp(f);
	set_actor_pairs(f, f->if_a1, 1, 1);
}
/* Its one pair, on the only port, is closed and expired: reclaiming it
 * frees the quota the new pair needs. */
static void prep_a1_full_with_closed_pair(struct fx *f)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, range_port(FIRST_PORT),
					    IPPROTO_TCP);

	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT + 99, FX_REMOTE_IP,
					  443, range_port(FIRST_PORT), ago(20)), 0);
	set_seen(f, &in, ATEOM_SEEN_REPLY | ATEOM_SEEN_RST);
	set_actor_pairs(f, f->if_a1, 1, 1);
}

static void check_a1_pairs(uint32_t want)
{
	assert_int_equal(actor_pairs(&fx, fx.if_a1), want);
}
static void check_a1_one_pair(struct fx *f, const struct run *run)
{
	(void)f;
	(void)run;
	check_a1_pairs(1);
}
static void check_a1_four_pairs(struct fx *f, const struct run *run)
{
	(void)f;
	(void)run;
	check_a1_pairs(4);
}
static void check_a1_three_pairs(struct fx *f, const struct run *run)
{
	(void)f;
	(void)run;
	check_a1_pairs(3);
}

/* -- halves ----------------------------------------------------------------- */
/* The port record went (deleted, uncounted, by whoever removed it) while
 * the actor's half stayed; idle 5 s, so the next packet checks. */
static void prep_in_missing(struct fx *f)
{
	struct ateom_nat_key in = snat_tcp_in();

	prep_snat_tcp(f);
	delete_port_record(f, &in);
}

/* The same, but the OUT half was used within the second: not checked yet. */
static void prep_in_missing_recent(struct fx *f)
{
	struct ateom_nat_key out = snat_tcp_out();

	prep_in_missing(f);
	set_last_seen(f, &out, fx_now());
}

/* The port record names someone else: another actor, or another port of
 * actor 1. The count moves with the record. */
static void prep_in_owned_by(struct fx *f, int actor, uint16_t aport)
{
	struct ateom_nat_key in = snat_tcp_in();
	struct ateom_nat_entry e;

	prep_snat_tcp(f);
	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	e.actor_ifindex = actor_ifindex(actor);
	e.actor_id = actor;
	e.port_be = htons(aport);
	assert_int_equal(fx_nat_put(f, &in, &e), 0);
	if (actor != 1) {
		set_actor_pairs(f, f->if_a1, ATEOM_NAT_DEFAULT_QUOTA, 0);
		set_actor_pairs(f, f->if_a2, ATEOM_NAT_DEFAULT_QUOTA, 1);
	}
}
static void prep_in_owned_by_a2(struct fx *f) { prep_in_owned_by(f, 2, APORT); }
static void prep_in_other_port(struct fx *f) { prep_in_owned_by(f, 1, APORT + 1); }

/* The stale OUT half is gone; the port record stays, untouched. */
static void check_bad_pair(struct fx *f, const struct run *run)
{
	struct ateom_nat_key in = snat_tcp_in(), out = snat_tcp_out();
	struct ateom_nat_entry e;

	(void)run;
	assert_int_not_equal(fx_nat_get(f, &out, &e), 0);
	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	assert_true(e.last_seen_ns < run->t0 - 4 * FX_SEC);
}

/* The port record is back, as the OUT half says, counted again. */
static void check_in_repaired(struct fx *f, const struct run *run)
{
	struct ateom_nat_key in = snat_tcp_in();
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	assert_int_equal(e.addr_be, FX_ACTOR_IP);
	assert_int_equal(ntohs(e.port_be), APORT);
	assert_int_equal(e.type, ATEOM_NAT_SNAT_REPLY);
	assert_int_equal(e.seen, 0);
	assert_int_equal(e.actor_ifindex, f->if_a1);
	assert_int_equal(e.actor_id, 1);
	assert_in_range(e.last_seen_ns, run->t0, run->t1);
	check_a1_pairs(1);
}

/* The OUT half went; the port record (on the tuple's first candidate, as
 * the datapath made it) stayed. */
static void prep_out_missing(struct fx *f)
{
	struct ateom_nat_key out = snat_tcp_out();

	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443,
					  first_tcp(), ago(5)), 0);
	assert_int_equal(bpf_map_delete_elem(f->nat, &out), 0);
}

/* The OUT half is back on the port of the record, counted once. */
static void check_out_repaired(struct fx *f, const struct run *run)
{
	struct ateom_nat_key out = snat_tcp_out();
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &out, &e), 0);
	assert_int_equal(e.addr_be, FX_POD_IP);
	assert_int_equal(ntohs(e.port_be), first_tcp());
	assert_int_equal(e.type, ATEOM_NAT_SNAT);
	assert_int_equal(e.seen, 0);
	assert_int_equal(e.actor_ifindex, f->if_a1);
	assert_int_equal(e.actor_id, 1);
	assert_in_range(e.last_seen_ns, run->t0, run->t1);
	check_a1_pairs(1);
}

static void prep_out_missing_at_quota(struct fx *f)
{
	prep_out_missing(f);
	set_actor_pairs(f, f->if_a1, 1, 1);
}

/* -- a port exposed since: the loader released its pairs (flows_release.c);
 * whatever half is left is not put back on it -- */
/* Actor 2 exposes pod port `port` (actor port 81: 80 is FX_SVC_A2's). */
static void expose_for_a2(struct fx *f, uint16_t port)
{
	assert_int_equal(fx_add_service(f, IPPROTO_TCP, port, f->if_a2, 81, 2), 0);
}

static void prep_in_missing_port_exposed(struct fx *f)
{
	prep_in_missing(f);
	expose_for_a2(f, range_port(PPORT));
}

/* The OUT half, checked, is deleted; no port record comes back. */
static void check_not_repaired(struct fx *f, const struct run *run)
{
	struct ateom_nat_key in = snat_tcp_in(), out = snat_tcp_out();
	struct ateom_nat_entry e;

	(void)run;
	assert_int_not_equal(fx_nat_get(f, &out, &e), 0);
	assert_int_not_equal(fx_nat_get(f, &in, &e), 0);
	check_a1_pairs(0);
}

/* The flow's own port record survives on its first candidate, which got
 * exposed: the port search skips it instead of taking it back. */
static void prep_own_record_port_exposed(struct fx *f)
{
	prep_out_missing(f);
	expose_for_a2(f, first_tcp());
}

/* The new pair is checked by the row (next candidate); the stale record
 * stays for the loader's release, untouched. */
static void check_stale_record_left(struct fx *f, const struct run *run)
{
	struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, first_tcp(),
					    IPPROTO_TCP);
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	assert_int_equal(ntohs(e.port_be), APORT);
	assert_true(e.last_seen_ns < run->t0 - 4 * FX_SEC);
	check_a1_pairs(2);
}

/* -- each actor's share of the ports toward one remote ---------------------- */
static void set_share(struct fx *f, uint32_t share)
{
	struct ateom_config c;

	assert_int_equal(fx_get_config(f, &c), 0);
	c.remote_share = share;
	assert_int_equal(fx_set_config(f, &c), 0);
}

static struct ateom_remote_pairs_key remote_key(int ifindex, uint16_t port)
{
	return (struct ateom_remote_pairs_key){ .actor_ifindex = ifindex, .addr_be = FX_REMOTE_IP,
						.port_be = htons(port), .proto = IPPROTO_TCP };
}

static void set_remote_count(struct fx *f, int ifindex, uint16_t port, uint32_t n)
{
	struct ateom_remote_pairs_key k = remote_key(ifindex, port);

	assert_int_equal(bpf_map_update_elem(f->remote_pairs, &k, &n, BPF_ANY), 0);
}

static uint32_t remote_count_of(struct fx *f, int ifindex, uint16_t port)
{
	struct ateom_remote_pairs_key k = remote_key(ifindex, port);
	uint32_t n = 0;

	return bpf_map_lookup_elem(f->remote_pairs, &k, &n) ? 0 : n;
}

/* Actor 1 holds its share (2) of the ports toward remote:443. */
static void prep_a1_at_share(struct fx *f)
{
	set_share(f, 2);
	for (uint16_t i = 0; i < 2; i++)
		assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT + 10 + i,
						  FX_REMOTE_IP, 443, range_port(RANGE_PORT(5 + i)),
						  ago(5)), 0);
	set_remote_count(f, f->if_a1, 443, 2);
}

/* The remote is crowded: the SYN's first 8 candidates are held by actor 1's
 * own pairs (its share, 8), the 9th is free. */
static void prep_a1_at_share_crowded(struct fx *f)
{
	set_share(f, 8);
	for (unsigned j = 0; j < 8; j++)
		assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT + 100 + j,
						  FX_REMOTE_IP, 443,
						  snat_candidate(IPPROTO_TCP, FX_ACTOR_IP, APORT,
								 FX_REMOTE_IP, 443, j),
						  ago(5)), 0);
	set_remote_count(f, f->if_a1, 443, 8);
}

static void check_crowded_refused(struct fx *f, const struct run *run)
{
	(void)run;
	assert_int_equal(remote_count_of(f, f->if_a1, 443), 8);
	check_a1_pairs(8);
}

/* Not crowded (the first candidate is free): the share is not enforced,
 * the pair is made and counted. */
static void check_share_not_enforced(struct fx *f, const struct run *run)
{
	(void)run;
	assert_int_equal(remote_count_of(f, f->if_a1, 443), 3);
	check_a1_pairs(3);
}

/* Actor 2 holds its share: actor 1 is not held back by it. */
static void prep_a2_at_share(struct fx *f)
{
	set_share(f, 2);
	set_remote_count(f, f->if_a2, 443, 2);
}

static void check_share_counted(struct fx *f, const struct run *run)
{
	(void)run;
	assert_int_equal(remote_count_of(f, f->if_a1, 443), 1);
}

static void check_other_remote_counted(struct fx *f, const struct run *run)
{
	(void)run;
	assert_int_equal(remote_count_of(f, f->if_a1, 443), 2);
	assert_int_equal(remote_count_of(f, f->if_a1, 8443), 1);
}

/* No share configured (0): nothing is counted. */
static void check_share_off(struct fx *f, const struct run *run)
{
	(void)run;
	assert_int_equal(remote_count_of(f, f->if_a1, 443), 0);
}

static void prep_share_10(struct fx *f) { set_share(f, 10); }

/* -- a remote with no port left: one search, then a second of fast refusals -- */
static struct ateom_remote_key remote_443(void)
{
	return (struct ateom_remote_key){ .addr_be = FX_REMOTE_IP, .port_be = htons(443),
					  .proto = IPPROTO_TCP };
}

/* The one port of the range (row: .snat_ports = 1) is held by actor 2. */
static void prep_only_port_held(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a2, 2, IPPROTO_TCP, APORT + 7, FX_REMOTE_IP,
					  443, range_port(RANGE_PORT(0)), ago(5)), 0);
}

static void check_remote_marked_full(struct fx *f, const struct run *run)
{
	struct ateom_remote_key rk = remote_443();
	uint64_t until;

	assert_int_equal(bpf_map_lookup_elem(f->snat_full, &rk, &until), 0);
	assert_in_range(until, run->t0 + 900000000ULL, run->t1 + 1100000000ULL);
	check_a1_pairs(0);
}

/* Marked full a moment ago: refused without a search, though the whole
 * range is free now. */
static void prep_remote_marked_full(struct fx *f)
{
	struct ateom_remote_key rk = remote_443();
	uint64_t until = fx_now() + 10 * FX_SEC;

	assert_int_equal(bpf_map_update_elem(f->snat_full, &rk, &until, BPF_ANY), 0);
}

/* Marked full long ago: the mark has run out, the search goes on. */
static void prep_remote_mark_expired(struct fx *f)
{
	struct ateom_remote_key rk = remote_443();
	uint64_t until = fx_now() - FX_SEC;

	assert_int_equal(bpf_map_update_elem(f->snat_full, &rk, &until, BPF_ANY), 0);
}

/* -- a full NAT table --------------------------------------------------------- */
/* Fills the table with port records of nobody's (remotes 10.x.y.z) up to
 * `free` entries short of its size. */
static void fill_nat(struct fx *f, uint32_t room)
{
	uint32_t n = fx.nat_max - room - (uint32_t)fx_nat_count(f), done = n;
	struct ateom_nat_key *k = calloc(n, sizeof(*k));
	struct ateom_nat_entry *e = calloc(n, sizeof(*e));

	assert_non_null(k);
	assert_non_null(e);
	for (uint32_t i = 0; i < n; i++) {
		k[i] = fx_key_in(htonl(0x0a000000u | i), FX_POD_IP, 53, 1, IPPROTO_UDP);
		e[i] = (struct ateom_nat_entry){ .addr_be = FX_ACTOR_IP, .port_be = htons(1),
						 .type = ATEOM_NAT_SNAT_REPLY,
						 .last_seen_ns = fx_now() };
	}
	assert_int_equal(bpf_map_update_batch(f->nat, k, e, &done, NULL), 0);
	assert_int_equal(done, n);
	free(k);
	free(e);
}
static void prep_nat_full(struct fx *f) { fill_nat(f, 0); }
/* Room for the port record, not for the OUT half: the record must go again. */
static void prep_nat_one_short(struct fx *f) { fill_nat(f, 1); }

static void check_a1_no_pairs(struct fx *f, const struct run *run)
{
	(void)f;
	(void)run;
	check_a1_pairs(0);
}

#define A1_SYN { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_SYN }
#define A1_DATA { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, TCP_DATA }
#define A1_UDP { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, UDP_DATA }
#define NEW_PAIR(xl) .verdict = FX_REDIRECT, .x = xl, .c = SNAT_NEW_C(1), .nat_delta = 2, \
		    .pair = PAIR_SNAT, .actor = 1

const struct row owner_rows[] = {
	/* -- the port choice skips ports that are someone else's -- */
	{ "owner_exposed_candidate_skipped", FROM_ACTOR, DEV_A1, .prep = prep_first_exposed,
	  .in = A1_SYN, NEW_PAIR(SNAT_NEXT_X) },
	{ "owner_exposed_other_proto_not_skipped", FROM_ACTOR, DEV_A1,
	  .prep = prep_first_exposed_udp, .in = A1_SYN, NEW_PAIR(SNAT_X) },
	{ "owner_worker_listener_skipped", FROM_ACTOR, DEV_A1, .prep = prep_first_listener,
	  .in = A1_SYN, NEW_PAIR(SNAT_NEXT_X) },
	{ "owner_worker_udp_socket_skipped", FROM_ACTOR, DEV_A1, .prep = prep_first_udp_bound,
	  .in = A1_UDP, NEW_PAIR(SNAT_NEXT_X) },
	{ "owner_worker_tcp_listener_not_udp", FROM_ACTOR, DEV_A1,
	  .prep = prep_first_udp_listener, .in = A1_UDP, NEW_PAIR(SNAT_X) },
	{ "owner_free_port_before_reclaim", FROM_ACTOR, DEV_A1, .est_timeout_s = 5,
	  .prep = prep_first_expired, .in = A1_SYN, NEW_PAIR(SNAT_NEXT_X),
	  .check = check_expired_kept },

	/* -- quotas: pairs per actor -- */
	{ "owner_quota_reached", FROM_ACTOR, DEV_A1, .prep = prep_a1_at_quota, .in = A1_SYN,
	  ACTOR_DROP(DROP_QUOTA), .check = check_a1_three_pairs },
	{ "owner_quota_zero", FROM_ACTOR, DEV_A1, .prep = prep_a1_quota_0, .in = A1_UDP,
	  ACTOR_DROP(DROP_QUOTA) },
	{ "owner_quota_last_pair", FROM_ACTOR, DEV_A1, .prep = prep_a1_one_below, .in = A1_SYN,
	  NEW_PAIR(SNAT_X), .check = check_a1_four_pairs },
	{ "owner_quota_is_per_actor", FROM_ACTOR, DEV_A1, .prep = prep_a2_at_quota, .in = A1_SYN,
	  NEW_PAIR(SNAT_X), .check = check_a1_one_pair },
	{ "owner_quota_established_flow_goes_on", FROM_ACTOR, DEV_A1,
	  .prep = prep_a1_full_with_pair, .in = A1_DATA,
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) }, .touch = true },
	{ "owner_quota_freed_by_own_expired_pair", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_a1_full_with_closed_pair, .in = A1_SYN,
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = FIRST_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .pair = PAIR_SNAT, .actor = 1, .check = check_a1_one_pair },

	/* -- each actor's share of the ports toward one remote -- */
	{ "owner_remote_share_reached_when_crowded", FROM_ACTOR, DEV_A1,
	  .prep = prep_a1_at_share_crowded, .in = A1_SYN, ACTOR_DROP(DROP_REMOTE_SHARE),
	  .check = check_crowded_refused },
	{ "owner_remote_share_not_enforced_when_idle", FROM_ACTOR, DEV_A1,
	  .prep = prep_a1_at_share, .in = A1_SYN, NEW_PAIR(SNAT_X),
	  .check = check_share_not_enforced },
	{ "owner_remote_share_per_remote", FROM_ACTOR, DEV_A1, .prep = prep_a1_at_share,
	  .in = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 8443, TCP_SYN },
	  NEW_PAIR(SNAT_X), .check = check_other_remote_counted },
	{ "owner_remote_share_per_actor", FROM_ACTOR, DEV_A1, .prep = prep_a2_at_share,
	  .in = A1_SYN, NEW_PAIR(SNAT_X), .check = check_share_counted },
	{ "owner_remote_share_counts_new_pairs", FROM_ACTOR, DEV_A1, .prep = prep_share_10,
	  .in = A1_SYN, NEW_PAIR(SNAT_X), .check = check_share_counted },
	{ "owner_remote_share_off", FROM_ACTOR, DEV_A1, .in = A1_SYN, NEW_PAIR(SNAT_X),
	  .check = check_share_off },

	/* -- a remote with no port left -- */
	{ "owner_remote_full_marked", FROM_ACTOR, DEV_A1, .snat_ports = 1,
	  .prep = prep_only_port_held, .in = A1_SYN, ACTOR_DROP(DROP_NO_PORT),
	  .check = check_remote_marked_full },
	{ "owner_remote_marked_full_refused_fast", FROM_ACTOR, DEV_A1,
	  .prep = prep_remote_marked_full, .in = A1_SYN, ACTOR_DROP(DROP_NO_PORT),
	  .check = check_a1_no_pairs },
	{ "owner_remote_mark_runs_out", FROM_ACTOR, DEV_A1, .prep = prep_remote_mark_expired,
	  .in = A1_SYN, NEW_PAIR(SNAT_X) },

	/* -- the NAT table evicts nothing: full is full -- */
	{ "owner_nat_table_full", FROM_ACTOR, DEV_A1, .prep = prep_nat_full, .in = A1_SYN,
	  ACTOR_DROP(DROP_NAT_FULL), .check = check_a1_no_pairs },
	{ "owner_nat_table_full_for_out_half", FROM_ACTOR, DEV_A1, .prep = prep_nat_one_short,
	  .in = A1_SYN, ACTOR_DROP(DROP_NAT_FULL), .check = check_a1_no_pairs },

	/* -- halves: put back from the partner, or refused -- */
	{ "owner_in_missing_repaired", FROM_ACTOR, DEV_A1, .prep = prep_in_missing, .in = A1_DATA,
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT), C(1, NAT_REPAIR) }, .nat_delta = 1, .touch = true,
	  .check = check_in_repaired },
	{ "owner_in_missing_checked_once_a_second", FROM_ACTOR, DEV_A1,
	  .prep = prep_in_missing_recent, .in = A1_DATA,
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true },
	  .c = { C(1, ACTOR_RX), C(1, SNAT) } },
	{ "owner_in_owned_by_other_actor", FROM_ACTOR, DEV_A1, .prep = prep_in_owned_by_a2,
	  .in = A1_DATA, ACTOR_DROP(DROP_BAD_PAIR), .nat_delta = -1, .check = check_bad_pair },
	{ "owner_in_names_other_port", FROM_ACTOR, DEV_A1, .prep = prep_in_other_port,
	  .in = A1_DATA, ACTOR_DROP(DROP_BAD_PAIR), .nat_delta = -1, .check = check_bad_pair },
	{ "owner_out_missing_repaired_same_port", FROM_ACTOR, DEV_A1, .prep = prep_out_missing,
	  .in = A1_DATA, .verdict = FX_REDIRECT, .x = SNAT_X,
	  .c = { C(1, ACTOR_RX), C(1, SNAT), C(1, NAT_REPAIR) }, .nat_delta = 1,
	  .check = check_out_repaired },
	{ "owner_out_missing_repaired_at_quota", FROM_ACTOR, DEV_A1,
	  .prep = prep_out_missing_at_quota, .in = A1_DATA, .verdict = FX_REDIRECT, .x = SNAT_X,
	  .c = { C(1, ACTOR_RX), C(1, SNAT), C(1, NAT_REPAIR) }, .nat_delta = 1,
	  .check = check_out_repaired },

	/* -- a port exposed since is never put back -- */
	{ "owner_in_missing_port_exposed_not_repaired", FROM_ACTOR, DEV_A1,
	  .prep = prep_in_missing_port_exposed, .in = A1_DATA, ACTOR_DROP(DROP_BAD_PAIR),
	  .nat_delta = -1, .check = check_not_repaired },
	{ "owner_own_record_on_exposed_port_skipped", FROM_ACTOR, DEV_A1,
	  .prep = prep_own_record_port_exposed, .in = A1_DATA, NEW_PAIR(SNAT_NEXT_X),
	  .check = check_stale_record_left },
};
ROW_AREA_END(owner);
