// SPDX-License-Identifier: Apache-2.0
/* Links: read one or find one by alias, create a veth pair, delete, bring
 * up, turn off IPv6 link-local addressing. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "nl_priv.h"

static int linkinfo_cb(const struct nlattr *attr, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND)
		nl_copy_str(l->kind, sizeof(l->kind), attr);
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		nl_copy_str(l->name, sizeof(l->name), attr);
		break;
	case IFLA_IFALIAS:
		nl_copy_str(l->alias, sizeof(l->alias), attr);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(attr) == sizeof(l->mac))
			memcpy(l->mac, mnl_attr_get_payload(attr), sizeof(l->mac));
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(attr);
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->peer_ifindex = (int)mnl_attr_get_u32(attr);
		break;
	case IFLA_LINK_NETNSID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->link_netnsid = (int)mnl_attr_get_u32(attr);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(attr, linkinfo_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_parse(const struct nlmsghdr *nlh, struct nl_link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->link_netnsid = -1;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
}

static int link_one_cb(const struct nlmsghdr *nlh, void *data)
{
	return link_parse(nlh, data);
}

static int link_get(struct nl *nl, const char *ifname, int ifindex,
		    struct nl_link *out)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ifname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	memset(out, 0, sizeof(*out));
	return nl_talk(nl, nlh, link_one_cb, out);
}

int nl_link_get(struct nl *nl, const char *ifname, struct nl_link *out)
{
	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE)
		return -ENODEV;
	return link_get(nl, ifname, 0, out);
}

int nl_link_get_by_index(struct nl *nl, int ifindex, struct nl_link *out)
{
	if (ifindex <= 0)
		return -ENODEV;
	return link_get(nl, NULL, ifindex, out);
}

struct alias_match {
	const char *alias;
	struct nl_link *out;
	int found;
};

static int alias_cb(const struct nlmsghdr *nlh, void *data)
{
	struct alias_match *m = data;
	struct nl_link l = { 0 };

	if (m->found || link_parse(nlh, &l) < MNL_CB_OK)
		return MNL_CB_OK;
	if (l.ifindex && strcmp(l.alias, m->alias) == 0) {
		*m->out = l;
		m->found = 1;
	}
	return MNL_CB_OK;
}

int nl_link_find_by_alias(struct nl *nl, const char *alias, struct nl_link *out)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct alias_match m = { .alias = alias, .out = out };
	int err;

	ifi->ifi_family = AF_UNSPEC;
	if (!alias || !*alias)
		return -ENOENT; /* "" would match every unaliased link */
	err = nl_talk(nl, nlh, alias_cb, &m);
	if (err)
		return err;
	return m.found ? 0 : -ENOENT;
}

/* RTM_NEWLINK on an existing link: flags and/or alias. */
static int link_set(struct nl *nl, int ifindex, unsigned int flags,
		    unsigned int change, const char *alias)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_veth_create(struct nl *nl, const struct nl_veth_spec *spec)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi, *peer;
	struct nlattr *linkinfo, *data, *pattr;
	struct nl_link l;
	int err;

	if (!spec->name || !spec->peer_name)
		return -EINVAL;
	if (spec->alias && strlen(spec->alias) >= NL_STR_MAX)
		return -ENAMETOOLONG;
	nlh = nl_req_start(nl, buf, RTM_NEWLINK,
			   NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->name);
	if (spec->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, spec->mac);
	if (spec->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);

	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pattr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes are a full link request: ifinfomsg first. */
	peer = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer));
	peer->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->peer_name);
	if (spec->peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, spec->peer_mac);
	if (spec->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);
	if (spec->peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, spec->peer_netns_fd);
	mnl_attr_nest_end(nlh, pattr);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);

	err = nl_talk(nl, nlh, NULL, NULL);
	if (err)
		return err;

	err = nl_link_get(nl, spec->name, &l);
	if (err)
		return err;
	/* The kernel ignores IFLA_IFALIAS when creating a link (checked on
	 * 6.18), so the alias is a second request; undo the pair if it fails
	 * to keep "both ends or nothing". */
	if (spec->alias) {
		err = link_set(nl, l.ifindex, 0, 0, spec->alias);
		if (err) {
			char msg[sizeof(nl->err)];

			memcpy(msg, nl->err, sizeof(msg));
			nl_link_del(nl, l.ifindex);
			memcpy(nl->err, msg, sizeof(msg));
			return err;
		}
	}
	return l.ifindex;
}

int nl_link_del(struct nl *nl, int ifindex)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	if (ifindex <= 0)
		return -ENODEV;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_link_set_up(struct nl *nl, int ifindex)
{
	return link_set(nl, ifindex, IFF_UP, IFF_UP, NULL);
}

int nl_link_no_ipv6_ll(struct nl *nl, int ifindex)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *spec, *inet6;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, inet6);
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nl, nlh, NULL, NULL);
}
