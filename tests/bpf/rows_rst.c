// SPDX-License-Identifier: Apache-2.0
/* Rows: which TCP RST closes an SNAT pair (bpf/nat.h remote_rst_valid,
 * nat_touch). The actor's own RST always does. On a pair the remote has
 * answered, a remote's RST does only with the sequence number the actor
 * acknowledged last (RFC 5961's exact match; the OUT half keeps the
 * acknowledgment number of each of the actor's ACKs): any other is
 * delivered to the actor, which judges it, but leaves the pair open (a
 * forged RST must not get an idle flow expired) and counts rst_ignored.
 * A RST as the remote's first answer (a refused connection) closes the
 * pair only if it acknowledges the actor's SYN (its sequence + 1, kept on
 * the OUT half until the actor acks). The collector's side: flows_gc.c. */
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "rows.h"

#define ACT_ACK 0x5eed0001u /* the actor's last acknowledgment number */

static void set_out_ack(struct fx *f, uint32_t ack)
{
	struct ateom_nat_key out = snat_tcp_out();
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &out, &e), 0);
	e.tcp_ack_be = htonl(ack);
	assert_int_equal(fx_nat_put(f, &out, &e), 0);
}

static void check_seen(struct fx *f, struct ateom_nat_key k, uint8_t seen);

/* The remote's next sequence number, as its packets leave it on the IN half. */
static void set_in_nxt(struct fx *f, uint32_t nxt)
{
	struct ateom_nat_key in = snat_tcp_in();
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	e.tcp_nxt_be = htonl(nxt);
	assert_int_equal(fx_nat_put(f, &in, &e), 0);
}

static void check_in_nxt(struct fx *f, uint32_t nxt)
{
	struct ateom_nat_key in = snat_tcp_in();
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &in, &e), 0);
	assert_int_equal(ntohl(e.tcp_nxt_be), nxt);
}

static void check_nxt_moved(struct fx *f, const struct run *run)
{
	(void)run;
	check_in_nxt(f, ACT_ACK + 1 + 100);
	check_seen(f, snat_tcp_in(), ATEOM_SEEN_REPLY);
}

/* prep_snat_tcp, answered by the remote, the actor's ACK recorded. */
static void prep_answered(struct fx *f)
{
	struct ateom_nat_key in = snat_tcp_in();

	prep_snat_tcp(f);
	set_seen(f, &in, ATEOM_SEEN_REPLY);
	set_out_ack(f, ACT_ACK);
	set_in_nxt(f, ACT_ACK); /* nothing in flight toward the actor */
}

/* A spoofer moved the remote's next sequence number far ahead (it can: it
 * comes from the remote's packets). */
static void prep_nxt_forged_far(struct fx *f)
{
	prep_answered(f);
	set_in_nxt(f, ACT_ACK + 100000);
}

/* The remote has sent 1000 bytes the actor has not acked yet. */
static void prep_in_flight(struct fx *f)
{
	prep_answered(f);
	set_in_nxt(f, ACT_ACK + 1000);
}

/* The same, the OUT half gone: nothing vouches for a RST. */
static void prep_answered_out_missing(struct fx *f)
{
	struct ateom_nat_key out = snat_tcp_out();

	prep_answered(f);
	assert_int_equal(bpf_map_delete_elem(f->nat, &out), 0);
}

static void check_seen(struct fx *f, struct ateom_nat_key k, uint8_t seen)
{
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &k, &e), 0);
	assert_int_equal(e.seen, seen);
}

static void check_out_ack(struct fx *f, uint32_t ack)
{
	struct ateom_nat_key out = snat_tcp_out();
	struct ateom_nat_entry e;

	assert_int_equal(fx_nat_get(f, &out, &e), 0);
	assert_int_equal(ntohl(e.tcp_ack_be), ack);
}

#define SYN_SEQ 0x0badf00du /* the actor's SYN: a refusal acknowledges + 1 */

/* prep_snat_tcp, not answered yet: the OUT half holds what a RST refusing
 * the connection must acknowledge. */
static void prep_syn_sent(struct fx *f)
{
	prep_snat_tcp(f);
	set_out_ack(f, SYN_SEQ + 1);
}

static void check_refused(struct fx *f, const struct run *run)
{
	(void)run;
	check_seen(f, snat_tcp_in(), ATEOM_SEEN_REPLY | ATEOM_SEEN_RST);
}

/* Delivered, nothing closed: the first real answer still finds the pair
 * open (it only marks the reply). */
static void check_forged_refusal_ignored(struct fx *f, const struct run *run)
{
	(void)run;
	check_seen(f, snat_tcp_in(), ATEOM_SEEN_REPLY);
	check_seen(f, snat_tcp_out(), 0);
}

/* A new pair made by a SYN: its OUT half holds the SYN's sequence + 1. */
static void check_syn_recorded(struct fx *f, const struct run *run)
{
	(void)run;
	check_out_ack(f, SYN_SEQ + 1);
}

static void check_ack_recorded(struct fx *f, const struct run *run)
{
	(void)run;
	check_out_ack(f, ACT_ACK);
}

static void check_ack_moved_on(struct fx *f, const struct run *run)
{
	(void)run;
	check_out_ack(f, ACT_ACK + 1000);
}

/* The actor's RST (no ACK flag: no acknowledgment number in it) closes its
 * half; the recorded number stays. */
static void check_actor_rst(struct fx *f, const struct run *run)
{
	(void)run;
	check_out_ack(f, ACT_ACK);
	check_seen(f, snat_tcp_out(), ATEOM_SEEN_RST);
	/* mirrored on the port record */
	check_seen(f, snat_tcp_in(), ATEOM_SEEN_REPLY | ATEOM_SEEN_OUT_RST);
}

/* Delivered, but the pair is as open as it was. */
static void check_rst_ignored(struct fx *f, const struct run *run)
{
	(void)run;
	check_seen(f, snat_tcp_in(), ATEOM_SEEN_REPLY);
	check_seen(f, snat_tcp_out(), 0);
}

static void check_rst_ignored_out_missing(struct fx *f, const struct run *run)
{
	(void)run;
	check_seen(f, snat_tcp_in(), ATEOM_SEEN_REPLY);
}

static void check_rst_closes(struct fx *f, const struct run *run)
{
	(void)run;
	check_seen(f, snat_tcp_in(), ATEOM_SEEN_REPLY | ATEOM_SEEN_RST);
}

#define A1_TCP(flags) FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443, \
		      .proto = IPPROTO_TCP, .tcp_flags = flags
#define REMOTE_TCP(flags) TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .dport = PPORT, \
			  .proto = IPPROTO_TCP, .tcp_flags = flags
#define ON_PAIR_X { .saddr = FX_POD_IP, .sport = PPORT, .ttl_dec = true }
#define SNAT_C { C(1, ACTOR_RX), C(1, SNAT) }

const struct row rst_rows[] = {
	/* -- the actor's acknowledgment number, kept on the OUT half -- */
	{ "rst_actor_ack_recorded", FROM_ACTOR, DEV_A1, .prep = prep_snat_tcp,
	  .in = { A1_TCP(PB_ACK | PB_PSH), .ack = ACT_ACK, .payload = 100 },
	  .verdict = FX_REDIRECT, .x = ON_PAIR_X, .c = SNAT_C, .touch = true,
	  .check = check_ack_recorded },
	{ "rst_actor_ack_follows_the_last", FROM_ACTOR, DEV_A1, .prep = prep_answered,
	  .in = { A1_TCP(PB_ACK), .ack = ACT_ACK + 1000 },
	  .verdict = FX_REDIRECT, .x = ON_PAIR_X, .c = SNAT_C, .touch = true,
	  .check = check_ack_moved_on },
	{ "rst_actor_own_rst_closes", FROM_ACTOR, DEV_A1, .prep = prep_answered,
	  .in = { A1_TCP(PB_RST), .seq = 0x42 },
	  .verdict = FX_REDIRECT, .x = ON_PAIR_X, .c = SNAT_C, .touch = true,
	  .check = check_actor_rst },

	/* -- before any answer: a RST must acknowledge the actor's SYN -- */
	{ "rst_syn_records_what_a_refusal_acks", FROM_ACTOR, DEV_A1,
	  .in = { A1_TCP(PB_SYN), .seq = SYN_SEQ },
	  .verdict = FX_REDIRECT, .x = { .saddr = FX_POD_IP, .sport = SNAT_PORT, .ttl_dec = true },
	  .c = SNAT_NEW_C(1), .nat_delta = 2, .pair = PAIR_SNAT, .actor = 1,
	  .check = check_syn_recorded },
	{ "rst_refusal_acking_the_syn_closes", FROM_POD, DEV_POD, .prep = prep_syn_sent,
	  .in = { REMOTE_TCP(PB_RST | PB_ACK), .ack = SYN_SEQ + 1 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) },
	  .touch = true, .check = check_refused },
	{ "rst_forged_before_the_answer_ignored", FROM_POD, DEV_POD, .prep = prep_syn_sent,
	  .in = { REMOTE_TCP(PB_RST | PB_ACK), .ack = SYN_SEQ + 77 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT),
	  .c = { C(1, SNAT_REPLY), C(1, RST_IGNORED) }, .touch = true,
	  .check = check_forged_refusal_ignored },
	{ "rst_bare_before_the_answer_ignored", FROM_POD, DEV_POD, .prep = prep_syn_sent,
	  .in = { REMOTE_TCP(PB_RST), .seq = 0 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT),
	  .c = { C(1, SNAT_REPLY), C(1, RST_IGNORED) }, .touch = true,
	  .check = check_forged_refusal_ignored },

	/* -- a remote's RST on an answered pair -- */
	{ "rst_remote_forged_ignored", FROM_POD, DEV_POD, .prep = prep_answered,
	  .in = { REMOTE_TCP(PB_RST | PB_ACK), .seq = ACT_ACK + 1 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT),
	  .c = { C(1, SNAT_REPLY), C(1, RST_IGNORED) }, .touch = true,
	  .check = check_rst_ignored },
	{ "rst_remote_forged_bare_rst_ignored", FROM_POD, DEV_POD, .prep = prep_answered,
	  .in = { REMOTE_TCP(PB_RST), .seq = ACT_ACK - 1 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT),
	  .c = { C(1, SNAT_REPLY), C(1, RST_IGNORED) }, .touch = true,
	  .check = check_rst_ignored },
	{ "rst_remote_exact_seq_closes", FROM_POD, DEV_POD, .prep = prep_answered,
	  .in = { REMOTE_TCP(PB_RST | PB_ACK), .seq = ACT_ACK },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) },
	  .touch = true, .check = check_rst_closes },
	{ "rst_remote_exact_seq_bare_rst_closes", FROM_POD, DEV_POD, .prep = prep_answered,
	  .in = { REMOTE_TCP(PB_RST), .seq = ACT_ACK },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) },
	  .touch = true, .check = check_rst_closes },
	{ "rst_remote_without_out_half_ignored", FROM_POD, DEV_POD,
	  .prep = prep_answered_out_missing,
	  .in = { REMOTE_TCP(PB_RST | PB_ACK), .seq = ACT_ACK },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT),
	  .c = { C(1, SNAT_REPLY), C(1, RST_IGNORED) }, .touch = true,
	  .check = check_rst_ignored_out_missing },
	/* Data is no RST: nothing to ignore. */
	{ "rst_remote_data_not_counted", FROM_POD, DEV_POD, .prep = prep_answered,
	  .in = { REMOTE_TCP(PB_ACK | PB_PSH), .seq = ACT_ACK + 1, .payload = 100 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) },
	  .touch = true, .check = check_nxt_moved },
	/* The remote closes with data the actor has not acked yet (delayed
	 * ACK): its RST carries its next sequence number, not the actor's
	 * last ACK, and is still recognised; one past it is not. */
	{ "rst_remote_past_unacked_data_closes", FROM_POD, DEV_POD, .prep = prep_in_flight,
	  .in = { REMOTE_TCP(PB_RST), .seq = ACT_ACK + 1000 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) },
	  .touch = true, .check = check_rst_closes },
	{ "rst_remote_within_unacked_data_closes", FROM_POD, DEV_POD, .prep = prep_in_flight,
	  .in = { REMOTE_TCP(PB_RST), .seq = ACT_ACK + 400 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT), .c = { C(1, SNAT_REPLY) },
	  .touch = true, .check = check_rst_closes },
	/* ...but never more than RST_WINDOW past the actor's ACK: a spoofed
	 * segment that moved the remote's number cannot open the window. */
	{ "rst_remote_window_bounded", FROM_POD, DEV_POD, .prep = prep_nxt_forged_far,
	  .in = { REMOTE_TCP(PB_RST), .seq = ACT_ACK + 100000 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT),
	  .c = { C(1, SNAT_REPLY), C(1, RST_IGNORED) }, .touch = true,
	  .check = check_rst_ignored },
	{ "rst_remote_beyond_the_remote_next_ignored", FROM_POD, DEV_POD, .prep = prep_in_flight,
	  .in = { REMOTE_TCP(PB_RST), .seq = ACT_ACK + 1001 },
	  .verdict = FX_REDIRECT, .x = TO_ACTOR_X(APORT),
	  .c = { C(1, SNAT_REPLY), C(1, RST_IGNORED) }, .touch = true,
	  .check = check_rst_ignored },
};
ROW_AREA_END(rst);
