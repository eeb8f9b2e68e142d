// SPDX-License-Identifier: Apache-2.0
/* The timeouts the loader writes (loader/timeouts.c: RFC defaults, and
 * --timeout-*) are the ones the garbage collector applies: pairs idle just
 * under a timeout stay, pairs idle past it go. The config is made by the
 * loader's own functions, the sweep by the datapath's timer (about 150 ms
 * of sleep per test). */
#include <time.h>

#include "rows.h"
#include "timeouts.h"

struct to_pair {
	uint8_t proto;
	uint16_t aport;
	uint8_t seen_in;
	unsigned age;  /* idle seconds */
	bool expired;
	uint16_t rport; /* the remote's port; 0: 443 */
};

#define P(n) ((uint16_t)(fx.snat_min + (n)))

/* Puts the pairs, sweeps once or more, checks who is left. */
static void sweep_and_check(const struct to_pair *ps, size_t n)
{
	struct ateom_nat_entry e;

	for (size_t i = 0; i < n; i++) {
		uint16_t rport = ps[i].rport ? ps[i].rport : 443;
		struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, rport, P(i), ps[i].proto);

		assert_int_equal(fx_snat_pair_put(&fx, fx.if_a1, 1, ps[i].proto, ps[i].aport,
						  FX_REMOTE_IP, rport, P(i), ago(ps[i].age)), 0);
		set_seen(&fx, &in, ps[i].seen_in);
	}
	assert_int_equal(fx_gc(&fx, true), 0);
	assert_int_equal(fx_gc_wait(&fx, 1), 0);
	assert_int_equal(fx_gc(&fx, false), 0);
	for (size_t i = 0; i < n; i++) {
		uint16_t rport = ps[i].rport ? ps[i].rport : 443;
		struct ateom_nat_key in = fx_key_in(FX_REMOTE_IP, FX_POD_IP, rport, P(i), ps[i].proto);
		bool there = !fx_nat_get(&fx, &in, &e);

		if (there == ps[i].expired)
			fail_msg("pair %zu (proto %u, idle %u s): %s, but it is %s", i, ps[i].proto,
				 ps[i].age, there ? "there" : "gone",
				 ps[i].expired ? "expired" : "live");
	}
}

static void config_with(const uint32_t *secs, uint32_t set)
{
	struct ateom_config c;

	assert_int_equal(fx_get_config(&fx, &c), 0);
	ateom_timeouts_default(&c);
	ateom_timeouts_apply(&c, secs, set);
	c.gc_interval_ns = 15 * FX_MSEC;
	assert_int_equal(fx_set_config(&fx, &c), 0);
}

#define TCP_EST ATEOM_SEEN_REPLY

/* RFC 4787 REQ-5 (UDP 300 s), RFC 5382 REQ-5 (established: conntrack's 5
 * days; transitory 240 s), RFC 5508 REQ-1 (ICMP 60 s). The clock counts
 * from boot, so an established pair can be no older than the uptime: it is
 * shown kept past the old 2 h when the machine has been up that long, and
 * the 5 days are read back from the config. */
static void timeouts_rfc_defaults(void **state)
{
	struct to_pair ps[] = {
		{ IPPROTO_UDP, APORT_UDP, 0, 290, false, 0 },
		{ IPPROTO_UDP, APORT_UDP + 1, 0, 310, true, 0 },
		/* DNS and NTP: REQ-5a's shorter timer, 30 s */
		{ IPPROTO_UDP, APORT_UDP + 2, ATEOM_SEEN_REPLY, 25, false, 53 },
		{ IPPROTO_UDP, APORT_UDP + 3, ATEOM_SEEN_REPLY, 35, true, 53 },
		{ IPPROTO_UDP, APORT_UDP + 4, 0, 35, true, 123 },
		{ IPPROTO_UDP, APORT_UDP + 5, 0, 35, false, 54 },
		{ IPPROTO_TCP, APORT, TCP_EST, 0, false, 0 }, /* as old as can be, below */
		{ IPPROTO_TCP, APORT + 2, 0, 230, false, 0 }, /* never answered */
		{ IPPROTO_TCP, APORT + 3, 0, 250, true, 0 },
		{ IPPROTO_ICMP, ICMP_ID, 0, 50, false, 0 },
		{ IPPROTO_ICMP, ICMP_ID + 1, 0, 70, true, 0 },
	};
	unsigned up = (unsigned)(fx_now() / FX_SEC);
	struct ateom_config c;

	(void)state;
	config_with(NULL, 0);
	assert_int_equal(fx_get_config(&fx, &c), 0);
	assert_int_equal(c.tcp_est_timeout_ns, 432000 * FX_SEC);
	assert_int_equal(c.tcp_syn_timeout_ns, 240 * FX_SEC);
	assert_int_equal(c.tcp_closing_timeout_ns, 1 * FX_SEC);
	assert_int_equal(c.udp_timeout_ns, 300 * FX_SEC);
	assert_int_equal(c.udp_query_timeout_ns, 30 * FX_SEC);
	assert_int_equal(c.icmp_timeout_ns, 60 * FX_SEC);
	ps[6].age = up > 3 * 3600 + 2 ? 3 * 3600 : up - 2;
	sweep_and_check(ps, sizeof(ps) / sizeof(ps[0]));
}

/* --timeout-udp 120 --timeout-tcp-est 100, the rest as before. */
static void timeouts_flags(void **state)
{
	static const struct to_pair ps[] = {
		{ IPPROTO_UDP, APORT_UDP, 0, 110, false, 0 },
		{ IPPROTO_UDP, APORT_UDP + 1, 0, 130, true, 0 },
		{ IPPROTO_TCP, APORT, TCP_EST, 90, false, 0 },
		{ IPPROTO_TCP, APORT + 1, TCP_EST, 110, true, 0 },
		{ IPPROTO_TCP, APORT + 2, 0, 230, false, 0 }, /* tcp-syn kept at 240 */
		{ IPPROTO_ICMP, ICMP_ID, 0, 50, false, 0 },
	};
	uint32_t secs[ATEOM_TO_N] = { [ATEOM_TO_UDP] = 120, [ATEOM_TO_TCP_EST] = 100 };

	(void)state;
	config_with(secs, (1u << ATEOM_TO_UDP) | (1u << ATEOM_TO_TCP_EST));
	sweep_and_check(ps, sizeof(ps) / sizeof(ps[0]));
}

const struct CMUnitTest timeouts_flows[] = {
	cmocka_unit_test_setup(timeouts_rfc_defaults, flow_setup),
	cmocka_unit_test_setup(timeouts_flags, flow_setup),
};
FLOW_GROUP_END(timeouts);
