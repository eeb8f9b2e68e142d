// SPDX-License-Identifier: Apache-2.0
/* What identifies a link after a crash: the name and alias it is given once
 * it exists, and the id of the netns its veth peer lives in. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"

int nl_link_set_name_alias(struct nl *nl, int ifindex, const char *name, const char *alias)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return -ENODEV;
	if (!name || !*name || strlen(name) >= IF_NAMESIZE || !alias || strlen(alias) >= NL_STR_MAX)
		return -EINVAL;
	/* One request: the kernel applies it under one rtnl lock, so no crash
	 * of ours can leave the new name without the alias. */
	nlh = nl_req_start(nl, buf, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_talk(nl, nlh, NULL, NULL);
}

static int nsid_attr_cb(const struct nlattr *attr, void *data)
{
	int *id = data;

	if (mnl_attr_get_type(attr) == NETNSA_NSID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*id = (int)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWNSID)
		mnl_attr_parse(nlh, sizeof(struct rtgenmsg), nsid_attr_cb, data);
	return MNL_CB_OK;
}

int nl_netns_id(struct nl *nl, int netns_fd)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_GETNSID, 0);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	int id = NETNSA_NSID_NOT_ASSIGNED, err;

	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)netns_fd);
	/* GETNSID only reads: it never assigns an id. */
	err = nl_talk(nl, nlh, nsid_cb, &id);
	if (err)
		return err;
	return id < 0 ? -ENOENT : id;
}
