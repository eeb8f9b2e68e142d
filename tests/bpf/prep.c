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
