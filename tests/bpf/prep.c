// SPDX-License-Identifier: Apache-2.0
/* NAT state that exists before a row's packet, shared by the areas and the
 * flows (rows.h). */
#include "rows.h"

struct ateom_nat_key snat_tcp_in(void)
{
	return fx_key_in(FX_REMOTE_IP, FX_POD_IP, 443, range_port(PPORT), IPPROTO_TCP);
}

struct ateom_nat_key snat_tcp_out(void)
{
	return fx_key_out(fx.if_a1, FX_ACTOR_IP, FX_REMOTE_IP, APORT, 443, IPPROTO_TCP);
}

void prep_snat_tcp(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, APORT, FX_REMOTE_IP, 443,
					  range_port(PPORT), ago(5)), 0);
}

void prep_snat_udp(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_UDP, APORT_UDP, FX_REMOTE_IP,
					  53, range_port(PPORT_UDP), ago(5)), 0);
}

void prep_snat_icmp(struct fx *f)
{
	assert_int_equal(fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_ICMP, ICMP_ID, FX_REMOTE_IP,
					  0, range_port(PPORT_ICMP), ago(5)), 0);
}

uint16_t prep_actor1_claims(struct fx *f, uint16_t pod_port)
{
	struct pb_spec syn = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .dport = CPORT, TCP_SYN,
			       .sport = APORT };
	uint8_t pkt[PB_FRAME_MAX];
	struct ateom_config c;
	struct fx_result res;
	struct pb_view v;

	assert_int_equal(fx_get_config(f, &c), 0);
	if (pod_port >= c.snat_port_min && pod_port <= c.snat_port_max) {
		for (syn.sport = 1; syn.sport; syn.sport++)
			if (snat_candidate(IPPROTO_TCP, FX_ACTOR_IP, syn.sport, FX_CLIENT_IP,
					   CPORT, 0) == pod_port)
				break;
		if (!syn.sport)
			fail_msg("no source port has %u as its first SNAT candidate toward "
				 "C:%u under the fixture's key: pick another FX_PORT_KEY",
				 pod_port, CPORT);
	}
	assert_int_equal(fx_run(f, f->from_actor, f->if_a1, pkt, pb_build(pkt, sizeof(pkt), &syn),
				NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
	assert_int_equal(pb_parse(res.out, res.out_len, &v), 0);
	return v.sport;
}
