// SPDX-License-Identifier: Apache-2.0
/* IPv4 addresses and routes: the default route, a dump of all routes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"

int nl_addr_add_v4(struct nl *nl, int ifindex, uint32_t addr_be, int prefixlen)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (prefixlen < 0 || prefixlen > 32)
		return -EINVAL;
	/* REPLACE: re-adding the same address is a no-op, so a repeated `up`
	 * after a crash does not trip over its own leftovers. */
	nlh = nl_req_start(nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr_be);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr_be);
	/* /31 and /32 have no broadcast address (RFC 3021). */
	if (prefixlen < 31) {
		uint32_t host = prefixlen ? 0xffffffffu >> prefixlen : 0xffffffffu;

		mnl_attr_put_u32(nlh, IFA_BROADCAST, addr_be | htonl(host));
	}
	return nl_talk(nl, nlh, NULL, NULL);
}

struct addr_pick {
	int ifindex;
	int rank; /* 0 none, 1 any, 2 primary, 3 primary + scope global */
	uint32_t addr_be;
	int prefixlen;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if ((type == IFA_LOCAL || type == IFA_ADDRESS) &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *a;
	struct addr_pick *p = data;
	int rank = 1;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != p->ifindex)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	/* IFA_LOCAL is our address; IFA_ADDRESS is the peer on p2p links. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	if (!(ifa->ifa_flags & IFA_F_SECONDARY))
		rank = ifa->ifa_scope == RT_SCOPE_UNIVERSE ? 3 : 2;
	if (rank > p->rank) {
		p->rank = rank;
		p->addr_be = mnl_attr_get_u32(a);
		p->prefixlen = ifa->ifa_prefixlen;
	}
	return MNL_CB_OK;
}

int nl_addr_get_v4(struct nl *nl, int ifindex, uint32_t *addr_be, int *prefixlen)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_pick p = { .ifindex = ifindex };
	int err;

	ifa->ifa_family = AF_INET;
	ifa->ifa_index = ifindex; /* a hint only: addr_cb filters anyway */
	err = nl_talk(nl, nlh, addr_cb, &p);
	if (err)
		return err;
	if (!p.rank)
		return -EADDRNOTAVAIL;
	*addr_be = p.addr_be;
	*prefixlen = p.prefixlen;
	return 0;
}

struct nlmsghdr *nl_route_start(struct nl *nl, char *buf, uint16_t type, uint16_t flags,
				uint8_t dst_len, uint8_t scope)
{
	struct nlmsghdr *nlh = nl_req_start(nl, buf, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = scope;
	rtm->rtm_type = RTN_UNICAST;
	return nlh;
}

int nl_route_add_default_v4(struct nl *nl, int ifindex, uint32_t gw_be)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	/* REPLACE for the same reason as addresses: idempotent re-runs. */
	nlh = nl_route_start(nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, 0,
			     RT_SCOPE_UNIVERSE);
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw_be);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct route_acc {
	struct nl_route *v;
	int n, cap;
	int err;
};

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_route *r = data;

	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(attr)) {
	case RTA_DST:
		r->dst_be = mnl_attr_get_u32(attr);
		break;
	case RTA_GATEWAY:
		r->gw_be = mnl_attr_get_u32(attr);
		break;
	case RTA_OIF:
		r->oif = (int)mnl_attr_get_u32(attr);
		break;
	case RTA_TABLE: /* tables above 255 only fit here */
		r->table = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_acc *acc = data;
	struct nl_route r = { 0 };

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET || acc->err)
		return MNL_CB_OK;
	r.table = rtm->rtm_table;
	r.type = rtm->rtm_type;
	r.dst_len = rtm->rtm_dst_len;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, &r);
	if (acc->n == acc->cap) {
		int cap = acc->cap ? acc->cap * 2 : 32;
		struct nl_route *v = realloc(acc->v, cap * sizeof(*v));

		if (!v) {
			acc->err = -ENOMEM;
			return MNL_CB_OK;
		}
		acc->v = v;
		acc->cap = cap;
	}
	acc->v[acc->n++] = r;
	return MNL_CB_OK;
}

int nl_route_dump_v4(struct nl *nl, struct nl_route **out, int *n)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_acc acc = { 0 };
	int err;

	rtm->rtm_family = AF_INET;
	err = nl_talk(nl, nlh, route_cb, &acc);
	if (!err)
		err = acc.err;
	if (err) {
		free(acc.v);
		return err;
	}
	*out = acc.v;
	*n = acc.n;
	return 0;
}
