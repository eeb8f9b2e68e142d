// SPDX-License-Identifier: Apache-2.0
/* NAT state that exists before a row's packet, shared by the areas and the
 * flows (rows.h). */
#include "rows.h"

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

void prep_dnat_tcp(struct fx *f)
{
	assert_int_equal(fx_dnat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, FX_CLIENT_IP, CPORT,
					  FX_SVC_HTTP, 80, ago(5)), 0);
}

void prep_dnat_udp(struct fx *f)
{
	assert_int_equal(fx_dnat_pair_put(f, f->if_a1, 1, IPPROTO_UDP, FX_CLIENT_IP, CPORT + 2,
					  FX_SVC_DNS, FX_SVC_DNS_TO, ago(5)), 0);
}

/* The source port is the one today's first SNAT candidate, min + sport %
 * range (bpf/nat.h), folds onto pod_port: the actor picks its pod port. A
 * port choice the actor cannot steer makes this an ordinary connection. */
void prep_actor1_claims(struct fx *f, uint16_t pod_port)
{
	struct pb_spec syn = { FROM_ACTOR_IP, .daddr = FX_CLIENT_IP, .dport = CPORT, TCP_SYN };
	uint8_t pkt[PB_FRAME_MAX];
	struct ateom_config c;
	struct fx_result res;
	int32_t range;

	assert_int_equal(fx_get_config(f, &c), 0);
	range = (int32_t)c.snat_port_max - c.snat_port_min + 1;
	syn.sport = (((int32_t)pod_port - c.snat_port_min) % range + range) % range;
	assert_int_equal(fx_run(f, f->from_actor, f->if_a1, pkt, pb_build(pkt, sizeof(pkt), &syn),
				NULL, 1, &res), 0);
	assert_int_equal(res.retval, FX_REDIRECT);
}
