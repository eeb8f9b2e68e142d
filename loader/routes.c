// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "errmsg.h"
#include "routes.h"

static uint32_t mask_be(int plen)
{
	return htonl(plen <= 0 ? 0 : plen >= 32 ? ~0U : ~0U << (32 - plen));
}

bool routes_prefixes_overlap(uint32_t a_be, int alen, uint32_t b_be, int blen)
{
	uint32_t m = mask_be(alen < blen ? alen : blen);

	return (a_be & m) == (b_be & m);
}

static int dump(struct nl *nl, struct nl_route **v, int *n)
{
	int err = nl_route_dump_v4(nl, v, n);

	if (err)
		return ateom_fail("cannot list routes: %s", strerror(-err));
	return 0;
}

/* "via GW dev NAME" or "dev NAME" or "" (no next hop). */
static void describe_hop(struct nl *nl, const struct nl_route *r, char *out, size_t len)
{
	char gw[INET_ADDRSTRLEN] = "";
	struct nl_link l;
	int off = 0;

	out[0] = '\0';
	if (r->gw_be) {
		inet_ntop(AF_INET, &r->gw_be, gw, sizeof(gw));
		off = snprintf(out, len, " via %s", gw);
	}
	if (r->oif && (size_t)off < len) {
		if (nl_link_get_by_index(nl, r->oif, &l) == 0)
			snprintf(out + off, len - off, " dev %s", l.name);
		else
			snprintf(out + off, len - off, " dev #%d", r->oif);
	}
}

int routes_check_no_default(struct nl *nl, const char *where, int own_oif)
{
	struct nl_route *v;
	int n, rc = 0;

	if (dump(nl, &v, &n))
		return -1;
	for (int i = 0; i < n && !rc; i++) {
		char hop[64];

		if (v[i].table != RT_TABLE_MAIN || v[i].dst_len != 0 ||
		    (own_oif > 0 && v[i].oif == own_oif))
			continue;
		describe_hop(nl, &v[i], hop, sizeof(hop));
		rc = ateom_fail("the actor netns %s already has a default route (default%s); "
				"ateomnet would replace it", where, hop);
	}
	free(v);
	return rc;
}

int routes_check_subnet(struct nl *nl, const char *flag, uint32_t addr_be, int plen,
			bool (*allowed)(int oif, void *arg), void *arg)
{
	struct nl_route *v;
	int n, rc = 0;

	if (dump(nl, &v, &n))
		return -1;
	for (int i = 0; i < n && !rc; i++) {
		const struct nl_route *r = &v[i];
		char a[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], hop[64];

		/* The default route overlaps everything: it only says where the
		 * rest goes, and a more specific route is what we add. */
		if (r->dst_len == 0 || !routes_prefixes_overlap(r->dst_be, r->dst_len, addr_be, plen))
			continue;
		if (r->oif > 0 && allowed(r->oif, arg))
			continue;
		inet_ntop(AF_INET, &addr_be, a, sizeof(a));
		inet_ntop(AF_INET, &r->dst_be, d, sizeof(d));
		describe_hop(nl, r, hop, sizeof(hop));
		rc = ateom_fail("%s %s/%d overlaps the worker's route %s/%d%s%s; "
				"choose addresses outside the worker's subnets", flag, a, plen, d,
				r->dst_len, hop, r->table == RT_TABLE_LOCAL ? " (table local)" : "");
	}
	free(v);
	return rc;
}
