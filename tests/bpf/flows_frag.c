// SPDX-License-Identifier: Apache-2.0
/* Flows: IPv4 fragments (bpf/frag.h) and IPv4 BIG TCP. Real datagrams are
 * cut into real fragments (the whole datagram's UDP checksum in the first),
 * sent through the programs one by one, and what comes out is reassembled
 * the way the receiver would: by (source, destination, protocol, IP id).
 * The reassembled datagram must be the translated original, checksums
 * included; two actors' datagrams with one IP id must come out as two
 * datagrams. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "rows.h"

#define CHUNK 512  /* fragment payload, a multiple of 8 */
#define BIG 1200   /* UDP payload: 3 fragments of CHUNK */
#define MAXF 8
#define AID 0x4242 /* the IP id the actors' stacks chose */

struct frame {
	uint8_t b[PB_FRAME_MAX];
	size_t len;
};

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

static void ip_csum_fix(uint8_t *ip)
{
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~pb_fold(pb_sum(ip, 20, 0)));
}

static bool ip_csum_ok(const uint8_t *frame)
{
	return pb_fold(pb_sum(frame + PB_ETH_HLEN, 20, 0)) == 0xffff;
}

/* The whole datagram s (DF clear), cut into fragments of `chunk` bytes of
 * IP payload each. Returns how many. */
static int split(const struct pb_spec *s, size_t chunk, struct frame *out)
{
	struct pb_spec t = *s;
	uint8_t whole[PB_FRAME_MAX];
	size_t n, hl = PB_ETH_HLEN + 20, payload;
	int k = 0;

	t.frag = 0;
	t.no_df = true;
	n = pb_build(whole, sizeof(whole), &t);
	assert_true(n > hl);
	payload = n - hl;
	for (size_t off = 0; off < payload; off += chunk, k++) {
		size_t len = payload - off < chunk ? payload - off : chunk;
		uint8_t *ip = out[k].b + PB_ETH_HLEN;

		assert_true(k < MAXF);
		memcpy(out[k].b, whole, hl);
		memcpy(out[k].b + hl, whole + hl + off, len);
		put16(ip + 2, (uint16_t)(20 + len));
		put16(ip + 6, (uint16_t)(off / 8) | (off + len < payload ? PB_MF : 0));
		ip_csum_fix(ip);
		out[k].len = hl + len;
	}
	return k;
}

/* One fragment through prog from ifindex: the verdict, the size, and for a
 * packet sent on, its IPv4 checksum. The output is kept in *got. */
static void send1(int prog, int ifindex, const struct frame *f, int verdict, struct frame *got)
{
	struct fx_result res;

	assert_int_equal(fx_run(&fx, prog, ifindex, f->b, f->len, NULL, 1, &res), 0);
	assert_int_equal((int32_t)res.retval, verdict);
	assert_int_equal(res.out_len, f->len);
	if (verdict == FX_REDIRECT || verdict == FX_OK)
		assert_true(ip_csum_ok(res.out));
	if (got) {
		memcpy(got->b, res.out, res.out_len);
		got->len = res.out_len;
	}
}

/* The receiver: the n fragments (any order) of one datagram, which must
 * share source, destination, protocol and IP id and cover it exactly,
 * joined into a whole frame; its checksums must verify. */
static struct pb_view join(const struct frame *f, int n, struct frame *whole)
{
	const size_t hl = PB_ETH_HLEN + 20;
	size_t total = 0, covered = 0;
	struct pb_view v;

	memcpy(whole->b, f[0].b, hl);
	for (int i = 0; i < n; i++) {
		const uint8_t *ip = f[i].b + PB_ETH_HLEN, *ip0 = f[0].b + PB_ETH_HLEN;
		size_t off = (size_t)(get16(ip + 6) & 0x1fff) * 8, len = f[i].len - hl;

		assert_memory_equal(ip + 4, ip0 + 4, 2);    /* IP id */
		assert_int_equal(ip[9], ip0[9]);            /* protocol */
		assert_memory_equal(ip + 12, ip0 + 12, 8);  /* addresses */
		assert_true(hl + off + len <= sizeof(whole->b));
		memcpy(whole->b + hl + off, f[i].b + hl, len);
		covered += len;
		if (!(get16(ip + 6) & PB_MF))
			total = off + len;
	}
	assert_true(total > 0);
	assert_int_equal(covered, total);
	whole->len = hl + total;
	put16(whole->b + PB_ETH_HLEN + 2, (uint16_t)(20 + total));
	put16(whole->b + PB_ETH_HLEN + 6, 0);
	ip_csum_fix(whole->b + PB_ETH_HLEN);
	assert_int_equal(pb_parse(whole->b, whole->len, &v), 0);
	assert_true(pb_ip_csum_ok(&v));
	assert_true(pb_l4_csum_ok(&v));
	return v;
}

static uint16_t ip_id(const struct frame *f) { return get16(f->b + PB_ETH_HLEN + 4); }
static uint8_t ttl(const struct frame *f) { return f->b[PB_ETH_HLEN + 8]; }

#define UDP_OUT(a) { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP, .dport = 53, \
		     .proto = IPPROTO_UDP, .payload = BIG, .ip_id = (a) }

/* Actor 1 sends a 3-fragment datagram to R:53: every fragment leaves from
 * the pod IP with one new IP id, the first with the pair's port; the
 * remote reassembles the translated datagram, checksum and all. The entry
 * goes with the last fragment. */
static void flow_frag_out_udp(void **state)
{
	struct pb_spec s = UDP_OUT(AID);
	struct frame in[MAXF], out[MAXF], whole;
	struct pb_view v;
	int n = split(&s, CHUNK, in);

	(void)state;
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++) {
		send1(fx.from_actor, fx.if_a1, &in[i], FX_REDIRECT, &out[i]);
		assert_int_equal(ttl(&out[i]), 63);
		assert_int_equal(ip_id(&out[i]), ip_id(&out[0]));
		assert_int_equal(fx_frag_count(&fx, false), i < n - 1 ? 1 : 0);
	}
	v = join(out, n, &whole);
	assert_int_equal(v.saddr, FX_POD_IP);
	assert_int_equal(v.daddr, FX_REMOTE_IP);
	assert_int_equal(v.sport, snat_candidate(IPPROTO_UDP, FX_ACTOR_IP, APORT_UDP,
						 FX_REMOTE_IP, 53, 0));
	assert_int_equal(v.l4_len, 8 + BIG);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_FIRST, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_OUT, NULL), 2);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_NEW, NULL), 1);
	assert_int_equal(fx_nat_count(&fx), 2);
}

/* Two actors restored from one snapshot send the same datagram, same IP
 * id, to one remote, fragments interleaved: they leave behind the one pod
 * IP with two different ids, and the remote, reassembling by id, gets two
 * whole datagrams, each the right one (their ports differ). */
static void flow_frag_out_two_actors_same_id(void **state)
{
	struct pb_spec s = UDP_OUT(AID);
	struct frame in[MAXF], o1[MAXF], o2[MAXF], whole;
	struct pb_view v1, v2;
	int n = split(&s, CHUNK, in);

	(void)state;
	for (int i = 0; i < n; i++) {
		send1(fx.from_actor, fx.if_a1, &in[i], FX_REDIRECT, &o1[i]);
		send1(fx.from_actor, fx.if_a2, &in[i], FX_REDIRECT, &o2[i]);
	}
	assert_int_not_equal(ip_id(&o1[0]), ip_id(&o2[0]));
	/* What the remote holds: fragments from one source to it, sorted by
	 * IP id into datagrams. */
	for (int i = 0; i < n; i++) {
		assert_int_equal(ip_id(&o1[i]), ip_id(&o1[0]));
		assert_int_equal(ip_id(&o2[i]), ip_id(&o2[0]));
	}
	v1 = join(o1, n, &whole);
	v2 = join(o2, n, &whole);
	assert_int_equal(v1.saddr, FX_POD_IP);
	assert_int_equal(v2.saddr, FX_POD_IP);
	assert_int_not_equal(v1.sport, v2.sport);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_OUT, NULL), 2);
	assert_int_equal(fx_counter(&fx, 2, ATEOM_STAT_FRAG_OUT, NULL), 2);
	/* Many datagrams from both: never an id twice. */
	{
		uint8_t seen[65536 / 8] = { 0 };

		for (int k = 0; k < 200; k++) {
			struct frame o;

			s.ip_id = (uint16_t)(AID + k);
			split(&s, CHUNK, in);
			send1(fx.from_actor, k % 2 ? fx.if_a2 : fx.if_a1, &in[0], FX_REDIRECT, &o);
			assert_false(seen[ip_id(&o) / 8] & (1 << ip_id(&o) % 8));
			seen[ip_id(&o) / 8] |= 1 << ip_id(&o) % 8;
		}
	}
}

/* A follower without its first fragment is dropped (counted); another
 * actor cannot ride on actor 1's datagram with a follower of the same name
 * (same destination, protocol and id); a first fragment seen twice keeps
 * its id; out of order, duplicate and overlapping followers are sent on
 * and counted. */
static void flow_frag_out_orphans_dups_order(void **state)
{
	struct pb_spec s = UDP_OUT(AID);
	struct frame in[MAXF], out[MAXF], dup, whole;
	int n = split(&s, CHUNK, in);

	(void)state;
	send1(fx.from_actor, fx.if_a1, &in[1], FX_SHOT, NULL);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DROP_FRAG_ORPHAN, NULL), 1);
	send1(fx.from_actor, fx.if_a1, &in[0], FX_REDIRECT, &out[0]);
	send1(fx.from_actor, fx.if_a2, &in[1], FX_SHOT, NULL);
	assert_int_equal(fx_counter(&fx, 2, ATEOM_STAT_DROP_FRAG_ORPHAN, NULL), 1);
	assert_int_equal(fx_counter(&fx, 2, ATEOM_STAT_FRAG_OUT, NULL), 0);
	send1(fx.from_actor, fx.if_a1, &in[0], FX_REDIRECT, &dup);
	assert_int_equal(ip_id(&dup), ip_id(&out[0]));
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_DUP_FIRST, NULL), 1);
	send1(fx.from_actor, fx.if_a1, &in[2], FX_REDIRECT, &out[2]); /* last, early */
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_REORDER, NULL), 1);
	send1(fx.from_actor, fx.if_a1, &in[1], FX_REDIRECT, &out[1]);
	send1(fx.from_actor, fx.if_a1, &in[1], FX_REDIRECT, &dup);    /* again */
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_OVERLAP, NULL), 1);
	assert_int_equal(ip_id(&out[2]), ip_id(&out[0]));
	assert_int_equal(ip_id(&out[1]), ip_id(&out[0]));
	join(out, n, &whole);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_OUT, NULL), 3);
	/* Out of order: the entry stays until it expires or its slot is
	 * taken by a later datagram of the actor's. */
	assert_int_equal(fx_frag_count(&fx, false), 1);
}

/* The egress hook sees the first fragment like any packet; its verdict is
 * the followers' too: dropped, they go as orphans; allowed, they follow
 * without passing the hook again. */
static void flow_frag_out_hook(void **state)
{
	struct pb_spec s = UDP_OUT(AID);
	struct frame in[MAXF], out;
	int n = split(&s, CHUNK, in), fd;

	(void)state;
	fd = fx_hook_shot();
	assert_true(fd >= 0);
	assert_int_equal(fx_hook_set(&fx, 1, fd), 0);
	close(fd);
	for (int i = 0; i < n; i++)
		send1(fx.from_actor, fx.if_a1, &in[i], FX_SHOT, NULL);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DROP_FRAG_ORPHAN, NULL), 2);
	assert_int_equal(fx_nat_count(&fx), 0);

	fd = fx_hook_verdict(&fx, 1, fx.if_a1, ATEOM_HOOK_ALLOW);
	assert_true(fd >= 0);
	assert_int_equal(fx_hook_set(&fx, 1, fd), 0);
	close(fd);
	for (int i = 0; i < n; i++) {
		send1(fx.from_actor, fx.if_a1, &in[i], FX_REDIRECT, &out);
		assert_memory_equal(out.b + PB_ETH_HLEN + 12, &(uint32_t){ FX_POD_IP }, 4);
	}
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_HOOK_ALLOW, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_FIRST, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_OUT, NULL), 2);
}

/* At its quota the actor's first fragment makes no pair, so its followers
 * go nowhere either. */
static void flow_frag_out_quota(void **state)
{
	struct pb_spec s = UDP_OUT(AID);
	struct frame in[MAXF];
	int n = split(&s, CHUNK, in);

	(void)state;
	set_actor_pairs(&fx, fx.if_a1, 0, 0);
	for (int i = 0; i < n; i++)
		send1(fx.from_actor, fx.if_a1, &in[i], FX_SHOT, NULL);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DROP_QUOTA, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DROP_FRAG_ORPHAN, NULL), 2);
	assert_int_equal(fx_frag_count(&fx, false), 0);
}

/* The actor answers from its exposed UDP port (5353, exposed as 53) with a
 * big datagram: it leaves as pod:53, fragments and all. */
static void flow_frag_out_exposed_reply(void **state)
{
	struct pb_spec s = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .sport = FX_SVC_DNS_TO,
			     .dport = CPORT, .proto = IPPROTO_UDP, .payload = BIG, .ip_id = AID };
	struct frame in[MAXF], out[MAXF], whole;
	struct pb_view v;
	int n = split(&s, CHUNK, in);

	(void)state;
	for (int i = 0; i < n; i++)
		send1(fx.from_actor, fx.if_a1, &in[i], FX_REDIRECT, &out[i]);
	v = join(out, n, &whole);
	assert_int_equal(v.saddr, FX_POD_IP);
	assert_int_equal(v.sport, FX_SVC_DNS);
	assert_int_equal(v.dport, CPORT);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DNAT_REPLY, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_OUT, NULL), 2);
	assert_int_equal(fx_nat_count(&fx), 0);
}

/* A ping with 1200 bytes of data, fragmented, and its reply, fragmented
 * too: out with a new IP id, back to the actor's own id. */
static void flow_frag_ping_both_ways(void **state)
{
	struct pb_spec ping = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, ECHO(ICMP_ID),
				.ip_id = AID };
	struct pb_spec reply = { TO_POD_IP, .saddr = FX_REMOTE_IP, .proto = IPPROTO_ICMP,
				 .icmp_type = PB_ICMP_ECHOREPLY, .icmp_seq = 1, .ip_id = 999 };
	struct frame in[MAXF], out[MAXF], whole;
	struct pb_view v;
	int n;

	(void)state;
	ping.payload = BIG;
	n = split(&ping, CHUNK, in);
	for (int i = 0; i < n; i++)
		send1(fx.from_actor, fx.if_a1, &in[i], FX_REDIRECT, &out[i]);
	v = join(out, n, &whole);
	assert_int_equal(v.saddr, FX_POD_IP);
	reply.icmp_id = v.icmp_id;
	reply.payload = BIG;
	n = split(&reply, CHUNK, in);
	for (int i = 0; i < n; i++)
		send1(fx.from_pod, fx.if_pod, &in[i], FX_REDIRECT, &out[i]);
	v = join(out, n, &whole);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(v.icmp_id, ICMP_ID);
	assert_int_equal(ip_id(&out[0]), 999);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_IN, NULL), 2);
	assert_int_equal(fx_frag_count(&fx, true), 1); /* kept: see frag_in_follow */
}

#define UDP_IN(src, dp, id) { TO_POD_IP, .saddr = (src), .sport = CPORT, .dport = (dp), \
			      .proto = IPPROTO_UDP, .payload = BIG, .ip_id = (id) }

/* A client sends a big datagram to the exposed UDP port 53: every
 * fragment reaches actor 1 (5353), which reassembles it. */
static void flow_frag_in_exposed(void **state)
{
	struct pb_spec s = UDP_IN(FX_CLIENT_IP, FX_SVC_DNS, 7);
	struct frame in[MAXF], out[MAXF], whole;
	struct pb_view v;
	int n = split(&s, CHUNK, in);

	(void)state;
	for (int i = 0; i < n; i++) {
		send1(fx.from_pod, fx.if_pod, &in[i], FX_REDIRECT, &out[i]);
		assert_int_equal(ttl(&out[i]), 63);
	}
	v = join(out, n, &whole);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(v.dport, FX_SVC_DNS_TO);
	assert_int_equal(v.saddr, FX_CLIENT_IP);
	assert_int_equal(ip_id(&out[0]), 7);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DNAT, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_FIRST, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_IN, NULL), 2);
	/* Kept until it expires or its slot is taken: a late duplicate of
	 * a follower still goes to the actor, and nowhere else. */
	assert_int_equal(fx_frag_count(&fx, true), 1);
	send1(fx.from_pod, fx.if_pod, &in[1], FX_REDIRECT, NULL);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_OVERLAP, NULL), 1);
}

/* The remote answers actor 1's datagram with a big one: to the pair's
 * pod port, all fragments reach the actor. */
static void flow_frag_in_snat_reply(void **state)
{
	struct pb_spec q = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP,
			     .dport = 53, UDP_DATA };
	struct pb_spec s = UDP_IN(FX_REMOTE_IP, 0, 9);
	struct frame in[MAXF], out[MAXF], whole;
	struct fx_result res;
	struct pb_view v;
	int n;

	(void)state;
	v = xmit(fx.from_actor, fx.if_a1, &q, FX_REDIRECT, &res);
	s.sport = 53;
	s.dport = v.sport;
	n = split(&s, CHUNK, in);
	for (int i = 0; i < n; i++)
		send1(fx.from_pod, fx.if_pod, &in[i], FX_REDIRECT, &out[i]);
	v = join(out, n, &whole);
	assert_int_equal(v.daddr, FX_ACTOR_IP);
	assert_int_equal(v.dport, APORT_UDP);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_REPLY, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_IN, NULL), 2);
}

/* To a port of the worker's: every fragment passes untouched, the first
 * noted as the worker's (the entry stays: a spoofed first fragment under
 * the same name later cannot take the datagram's late duplicates); a
 * follower nobody tracks is the worker's too. */
static void flow_frag_in_worker(void **state)
{
	struct pb_spec s = UDP_IN(FX_CLIENT_IP, WORKER_PORT, 11);
	struct frame in[MAXF], out;
	int n = split(&s, CHUNK, in);

	(void)state;
	worker_socket(IPPROTO_UDP, WORKER_PORT);
	for (int i = 0; i < n; i++) {
		send1(fx.from_pod, fx.if_pod, &in[i], FX_UNSPEC, &out);
		assert_memory_equal(out.b, in[i].b, in[i].len);
		assert_int_equal(fx_frag_count(&fx, true), 1);
	}
	s.ip_id = 12;
	split(&s, CHUNK, in);
	send1(fx.from_pod, fx.if_pod, &in[2], FX_UNSPEC, &out);
	assert_memory_equal(out.b, in[2].b, in[2].len);
	assert_int_equal(fx_counter(&fx, 0, ATEOM_STAT_POD_PASS, NULL), 4);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_IN, NULL), 0);
}

/* A host on the pod network spoofs R and sends a first fragment with the
 * IP id R's next datagram to the worker will carry, to actor 1's exposed
 * port: once R's own first fragment has gone to the worker, the followers
 * are the worker's. A follower that arrives before any first fragment is
 * the worker's as well, and one that arrives after the actor's is not
 * delivered after the worker's first came. */
static void flow_frag_in_worker_wins(void **state)
{
	struct pb_spec spoof = UDP_IN(FX_REMOTE_IP, FX_SVC_DNS, 21);
	struct pb_spec real = UDP_IN(FX_REMOTE_IP, WORKER_PORT, 21);
	struct frame sp[MAXF], in[MAXF], out;
	int n;

	(void)state;
	worker_socket(IPPROTO_UDP, WORKER_PORT);
	split(&spoof, CHUNK, sp);
	n = split(&real, CHUNK, in);
	send1(fx.from_pod, fx.if_pod, &sp[0], FX_REDIRECT, NULL);
	send1(fx.from_pod, fx.if_pod, &in[0], FX_UNSPEC, &out);
	assert_int_equal(fx_counter(&fx, 0, ATEOM_STAT_FRAG_CONFLICT, NULL), 1);
	for (int i = 1; i < n; i++) {
		send1(fx.from_pod, fx.if_pod, &in[i], FX_UNSPEC, &out);
		assert_memory_equal(out.b, in[i].b, in[i].len);
	}
	/* Spoofed first fragments after the worker's change nothing. */
	send1(fx.from_pod, fx.if_pod, &sp[0], FX_REDIRECT, NULL);
	send1(fx.from_pod, fx.if_pod, &in[1], FX_UNSPEC, NULL);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_IN, NULL), 0);
}

/* Two actors' first fragments under one name (R, protocol, id): neither
 * gets the followers. */
static void flow_frag_in_two_actors_conflict(void **state)
{
	struct pb_spec q = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT_UDP,
			     .dport = 53, UDP_DATA };
	struct pb_spec to2 = UDP_IN(FX_REMOTE_IP, 0, 31);
	struct pb_spec to1 = UDP_IN(FX_REMOTE_IP, FX_SVC_DNS, 31);
	struct frame f1[MAXF], f2[MAXF];
	struct fx_result res;
	struct pb_view v;

	(void)state;
	v = xmit(fx.from_actor, fx.if_a2, &q, FX_REDIRECT, &res);
	to2.sport = 53;
	to2.dport = v.sport;
	split(&to2, CHUNK, f2);
	split(&to1, CHUNK, f1);
	send1(fx.from_pod, fx.if_pod, &f2[0], FX_REDIRECT, NULL);
	send1(fx.from_pod, fx.if_pod, &f1[0], FX_REDIRECT, NULL);
	send1(fx.from_pod, fx.if_pod, &f2[1], FX_SHOT, NULL);
	send1(fx.from_pod, fx.if_pod, &f1[2], FX_SHOT, NULL);
	assert_int_equal(fx_counter(&fx, 0, ATEOM_STAT_FRAG_CONFLICT, NULL), 1);
	assert_int_equal(fx_counter(&fx, 0, ATEOM_STAT_DROP_FRAG_CONFLICT, NULL), 2);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_IN, NULL), 0);
	assert_int_equal(fx_counter(&fx, 2, ATEOM_STAT_FRAG_IN, NULL), 0);
}

/* A follower that beats its first fragment goes to the worker (which
 * cannot reassemble it: it expires there); the rest reach the actor. A
 * follower of an actor that went down since its first fragment is the
 * worker's. */
static void flow_frag_in_early_and_gone(void **state)
{
	struct pb_spec s = UDP_IN(FX_CLIENT_IP, FX_SVC_DNS, 41);
	struct frame in[MAXF];
	struct ateom_actor a;

	(void)state;
	split(&s, CHUNK, in);
	send1(fx.from_pod, fx.if_pod, &in[1], FX_UNSPEC, NULL);
	send1(fx.from_pod, fx.if_pod, &in[0], FX_REDIRECT, NULL);
	send1(fx.from_pod, fx.if_pod, &in[2], FX_REDIRECT, NULL);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_REORDER, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_IN, NULL), 1);
	/* Actor 1's ateomN now serves an actor with another id. */
	assert_int_equal(fx_get_actor(&fx, fx.if_a1, &a), 0);
	a.id = 3;
	assert_int_equal(fx_put_actor(&fx, fx.if_a1, &a), 0);
	send1(fx.from_pod, fx.if_pod, &in[1], FX_UNSPEC, NULL);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_FRAG_IN, NULL), 1);
	assert_int_equal(fx_counter(&fx, 3, ATEOM_STAT_FRAG_IN, NULL), 0);
}

/* ---- IPv4 BIG TCP ---------------------------------------------------------- */

/* A TCP frame of actor 1's established pair whose tot_len says 0, as a
 * GSO packet over 64 KiB says it (the kernel's iph_totlen()), run with a
 * gso_size or without. */
static int run_big(const struct pb_spec *s, uint32_t gso_size, size_t pad_to,
		   struct fx_result *res, int prog, int ifindex)
{
	static uint8_t pkt[70000];
	struct __sk_buff ctx = { .ifindex = ifindex, .gso_size = gso_size,
				 .gso_segs = gso_size ? 2 : 0 };
	size_t n = pb_build(pkt, sizeof(pkt), s);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .data_out = res->out,
		    .data_size_out = sizeof(res->out), .repeat = 1);

	assert_true(n > 0);
	if (pad_to > n) { /* more TCP payload than a pb_spec holds */
		memset(pkt + n, 0x5a, pad_to - n);
		n = pad_to;
	}
	put16(pkt + PB_ETH_HLEN + 2, 0);
	ip_csum_fix(pkt + PB_ETH_HLEN);
	o.data_size_in = n;
	memset(res, 0, sizeof(*res));
	if (bpf_prog_test_run_opts(prog, &o))
		return -errno;
	res->retval = o.retval;
	res->out_len = o.data_size_out;
	return 0;
}

static void flow_big_tcp_tot_len_0(void **state)
{
	struct pb_spec s = { FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
			     TCP_DATA };
	struct pb_spec r = { TO_POD_IP, .saddr = FX_REMOTE_IP, .sport = 443, .proto = IPPROTO_TCP,
			     .tcp_flags = PB_ACK | PB_PSH, .payload = 100 };
	struct fx_result res;
	int err;

	(void)state;
	prep_snat_tcp(&fx);
	/* GSO (gso_size set): tot_len 0 means the skb's length. */
	assert_int_equal(run_big(&s, 1448, 0, &res, fx.from_actor, fx.if_a1), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
	assert_memory_equal(res.out + PB_ETH_HLEN + 12, &(uint32_t){ FX_POD_IP }, 4);
	assert_true(ip_csum_ok(res.out));
	r.dport = range_port(PPORT);
	assert_int_equal(run_big(&r, 1448, 0, &res, fx.from_pod, fx.if_pod), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
	assert_memory_equal(res.out + PB_ETH_HLEN + 16, &(uint32_t){ FX_ACTOR_IP }, 4);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT, NULL), 1);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_SNAT_REPLY, NULL), 1);
	/* Not GSO: tot_len 0 is a broken header, as before. */
	assert_int_equal(run_big(&s, 0, 0, &res, fx.from_actor, fx.if_a1), 0);
	assert_int_equal(res.retval, FX_SHOT);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DROP_TRUNC, NULL), 1);
	/* UDP never says 0, GSO or not (only TCP is BIG TCP). */
	s.proto = IPPROTO_UDP;
	s.sport = APORT_UDP;
	s.dport = 53;
	assert_int_equal(run_big(&s, 1448, 0, &res, fx.from_actor, fx.if_a1), 0);
	assert_int_equal(res.retval, FX_SHOT);
	assert_int_equal(fx_counter(&fx, 1, ATEOM_STAT_DROP_TRUNC, NULL), 2);
	/* The >64 KiB skb itself: test_run takes at most a page of data for
	 * an skb program (net/bpf/test_run.c, bpf_test_init); where it takes
	 * more, the packet must go through. tests/e2e/t_frag.sh sends real
	 * ones. */
	s = (struct pb_spec){ FROM_ACTOR_IP, .daddr = FX_REMOTE_IP, .sport = APORT, .dport = 443,
			      TCP_DATA };
	err = run_big(&s, 1448, 66000, &res, fx.from_actor, fx.if_a1);
	if (err) {
		assert_int_equal(err, -EINVAL);
		print_message("    (test_run refuses a 66000-byte skb: EINVAL; covered by "
			      "tests/e2e/t_frag.sh)\n");
	} else {
		assert_int_equal(res.retval, FX_REDIRECT);
	}
}

const struct CMUnitTest frag_flows[] = {
	cmocka_unit_test_setup(flow_frag_out_udp, flow_setup),
	cmocka_unit_test_setup(flow_frag_out_two_actors_same_id, flow_setup),
	cmocka_unit_test_setup(flow_frag_out_orphans_dups_order, flow_setup),
	cmocka_unit_test_setup(flow_frag_out_hook, flow_setup),
	cmocka_unit_test_setup(flow_frag_out_quota, flow_setup),
	cmocka_unit_test_setup(flow_frag_out_exposed_reply, flow_setup),
	cmocka_unit_test_setup(flow_frag_ping_both_ways, flow_setup),
	cmocka_unit_test_setup(flow_frag_in_exposed, flow_setup),
	cmocka_unit_test_setup(flow_frag_in_snat_reply, flow_setup),
	cmocka_unit_test_setup(flow_frag_in_worker, flow_setup),
	cmocka_unit_test_setup(flow_frag_in_worker_wins, flow_setup),
	cmocka_unit_test_setup(flow_frag_in_two_actors_conflict, flow_setup),
	cmocka_unit_test_setup(flow_frag_in_early_and_gone, flow_setup),
	cmocka_unit_test_setup(flow_big_tcp_tot_len_0, flow_setup),
};
FLOW_GROUP_END(frag);
