// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "nl_host.h"
#include "nl_priv.h"

static int host_route(struct nl *nl, uint16_t type, uint16_t flags, int ifindex,
		      uint32_t addr_be)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_route_start(nl, buf, type, flags, 32, RT_SCOPE_LINK);

	mnl_attr_put_u32(nlh, RTA_DST, addr_be);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_talk(nl, nlh, NULL, NULL);
}

static int host_neigh(struct nl *nl, uint16_t type, uint16_t flags, int ifindex,
		      uint32_t addr_be, const unsigned char *mac)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, type, flags);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	ndm->ndm_type = RTN_UNICAST;
	mnl_attr_put(nlh, NDA_DST, sizeof(addr_be), &addr_be);
	if (mac)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_host_add(struct nl *nl, int ifindex, uint32_t addr_be, const unsigned char mac[6])
{
	/* REPLACE: a re-run after a crash finds them already there. */
	int err = host_neigh(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr_be, mac);

	if (!err)
		err = host_route(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr_be);
	return err;
}

