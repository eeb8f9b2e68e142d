// SPDX-License-Identifier: Apache-2.0
/*
 * IPv6 on the actor link and the pod interface: the pod's address (the
 * SNAT66 source), the actor's address and default route.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"

int nl_addr6_rank(const unsigned char addr[16], uint32_t flags, uint8_t scope)
{
	int rank = 1;

	/* Unusable, or not an address others can answer: link-local and
	 * host scope, still in (or failed) duplicate address detection,
	 * deprecated (its lifetime is running out). */
	if (scope != RT_SCOPE_UNIVERSE ||
	    (flags & (IFA_F_TENTATIVE | IFA_F_OPTIMISTIC | IFA_F_DADFAILED |
		      IFA_F_DEPRECATED)))
		return 0;
	if (addr[0] == 0xff || (addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80))
		return 0;
	if (!(flags & IFA_F_TEMPORARY)) /* privacy addresses change: least */
		rank += 4;
	if ((addr[0] & 0xfe) != 0xfc)   /* global before ULA (fc00::/7) */
		rank += 2;
	if (flags & IFA_F_PERMANENT)    /* configured, not autoconfigured */
		rank += 1;
	return rank;
}

struct addr6_pick {
	int ifindex;
	int rank;
	unsigned char addr[16];
};

static int addr6_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if ((type == IFA_LOCAL || type == IFA_ADDRESS) &&
	    mnl_attr_get_payload_len(attr) == 16)
		tb[type] = attr;
	else if (type == IFA_FLAGS && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int addr6_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct addr6_pick *p = data;
	const struct nlattr *a;
	const unsigned char *addr;
	uint32_t flags;
	int rank;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET6 ||
	    (int)ifa->ifa_index != p->ifindex)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr6_attr_cb, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	addr = mnl_attr_get_payload(a);
	/* IFA_FLAGS holds the flags past the 8 bits of ifa_flags. */
	flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	rank = nl_addr6_rank(addr, flags, ifa->ifa_scope);
	/* Ties: the lowest address, so the choice does not follow the
	 * kernel's list order (newest first). */
	if (rank > p->rank || (rank && rank == p->rank && memcmp(addr, p->addr, 16) < 0)) {
		p->rank = rank;
		memcpy(p->addr, addr, 16);
	}
	return MNL_CB_OK;
}

int nl_addr_get_v6(struct nl *nl, int ifindex, unsigned char addr[16])
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr6_pick p = { .ifindex = ifindex };
	int err;

	ifa->ifa_family = AF_INET6;
	ifa->ifa_index = ifindex;
	err = nl_talk(nl, nlh, addr6_cb, &p);
	if (err == -EAFNOSUPPORT) /* a kernel without IPv6 */
		return -EADDRNOTAVAIL;
	if (err)
		return err;
	if (!p.rank)
		return -EADDRNOTAVAIL;
	memcpy(addr, p.addr, 16);
	return 0;
}

int nl_addr_add_v6(struct nl *nl, int ifindex, const unsigned char addr[16], int prefixlen)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (prefixlen < 0 || prefixlen > 128)
		return -EINVAL;
	nlh = nl_req_start(nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	/* No DAD: the link has exactly two ends, both ours, and DAD would
	 * keep the address tentative (unusable) for a second. */
	ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, 16, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, addr);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_route_add_default_v6(struct nl *nl, int ifindex, const unsigned char gw[16])
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = nl_req_start(nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, 16, gw);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_talk(nl, nlh, NULL, NULL);
}
