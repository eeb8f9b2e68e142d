// SPDX-License-Identifier: Apache-2.0
/*
 * rtnetlink through libmnl. Structure: every operation builds one request
 * (nl_req_start + mnl_attr_put*), then hands it to nl_talk(), which sends it
 * and reads until the kernel's ACK/error (plain requests) or NLMSG_DONE
 * (dumps), passing each reply to an optional callback and collecting the
 * extended-ack message into nl->err.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "netlink.h"

/* Large enough for a link dump batch: the kernel sizes dump skbs after the
 * biggest buffer we ever offered, and truncates if we then offer less. */
#define NL_BUF_SIZE 32768
/* Requests are small; strings from callers are length-checked below. */
#define NL_REQ_SIZE 4096
#define NL_STR_MAX 256

/* tc slot of our cls_bpf filters: ingress hook of the clsact qdisc. */
#define CLSACT_INGRESS TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)

static void nl_seterr(struct nl *nl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->err, sizeof(nl->err), fmt, ap);
	va_end(ap);
}

/* ---- socket ------------------------------------------------------------- */

int nl_open(struct nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		nl_close(nl);
		return err;
	}
	/* Extended acks give the human reason for EINVAL & co; capped acks
	 * keep error replies small (no copy of our request). Both are
	 * best-effort: old kernels just lack the message. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	/* A request the kernel never answers must fail, not hang `up`. */
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

int nl_open_in_netns(struct nl *nl, int netns_fd)
{
	int orig, err;

	/* thread-self: setns() moves only this thread, so save its netns,
	 * not the process leader's. */
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		err = -errno;
		close(orig);
		return err;
	}
	err = nl_open(nl);
	if (setns(orig, CLONE_NEWNET) < 0) {
		/* Carrying on in the wrong netns could reconfigure the wrong
		 * interfaces: stop hard. */
		perror("ateomnet: setns back to the original netns");
		abort();
	}
	close(orig);
	return err;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

const char *nl_error(const struct nl *nl)
{
	return nl->err;
}

/* ---- request / reply plumbing -------------------------------------------- */

static struct nlmsghdr *nl_req_start(struct nl *nl, char *buf, uint16_t type,
				     uint16_t flags)
{
	struct nlmsghdr *nlh;

	/* libmnl 1.0.4 leaves attribute padding as it finds it. */
	memset(buf, 0, NL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static int extack_cb(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		nl_seterr(nl, "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* NLMSG_ERROR (error 0 = ACK) or NLMSG_DONE: returns 0 or -errno and copies
 * the extack message, if any, into nl->err. */
static int nl_parse_status(struct nl *nl, const struct nlmsghdr *nlh)
{
	unsigned int off;
	int error;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return 0; /* bare NLMSG_DONE */
	error = *(const int *)mnl_nlmsg_get_payload(nlh);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return error;

	off = sizeof(int);
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		off = sizeof(*e);
		/* Uncapped: our whole request is echoed before the TLVs. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
	}
	if (off < mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, off, extack_cb, nl);
	return error;
}

/* Send req and read replies until the ACK/error (plain requests always ask
 * for one) or NLMSG_DONE (dumps). Each data message goes to cb; a callback
 * never aborts the read, so the socket is drained for the next request. */
static int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	char buf[NL_BUF_SIZE];
	uint32_t seq = req->nlmsg_seq;
	int cb_err = 0;

	nl->err[0] = '\0';
	/* NLM_F_DUMP is two bits that NEW requests reuse (REPLACE, EXCL). */
	if ((req->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		req->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (len = (int)n; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq ||
			    nlh->nlmsg_pid != nl->portid)
				continue; /* left over from an earlier request */
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				int err = nl_parse_status(nl, nlh);

				return err ? err : cb_err;
			}
			if (cb && !cb_err && cb(nlh, data) < MNL_CB_OK)
				cb_err = -EPROTO;
		}
	}
}

/* ---- links --------------------------------------------------------------- */

static void copy_str(char *dst, size_t size, const struct nlattr *attr)
{
	size_t n = mnl_attr_get_payload_len(attr);
	const char *s = mnl_attr_get_payload(attr);

	n = strnlen(s, n);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int linkinfo_cb(const struct nlattr *attr, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND)
		copy_str(l->kind, sizeof(l->kind), attr);
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		copy_str(l->name, sizeof(l->name), attr);
		break;
	case IFLA_IFALIAS:
		copy_str(l->alias, sizeof(l->alias), attr);
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

/* ---- IPv4 addresses and routes -------------------------------------------- */

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

int nl_route_add_default_v4(struct nl *nl, int ifindex, uint32_t gw_be)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	/* REPLACE for the same reason as addresses: idempotent re-runs. */
	nlh = nl_req_start(nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw_be);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_talk(nl, nlh, NULL, NULL);
}

/* ---- tc: clsact + cls_bpf --------------------------------------------------- */

static struct tcmsg *tc_hdr(struct nlmsghdr *nlh, int ifindex, uint32_t parent,
			    uint32_t handle, uint32_t info)
{
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	tcm->tcm_handle = handle;
	tcm->tcm_info = info;
	return tcm;
}

struct qdisc_match {
	int ifindex;
	char kind[16]; /* of the qdisc sitting on the ingress/clsact slot */
};

static int tc_kind_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == TCA_KIND)
		copy_str(data, 16, attr);
	return MNL_CB_OK;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	struct qdisc_match *m = data;

	if (nlh->nlmsg_type == RTM_NEWQDISC && tcm->tcm_ifindex == m->ifindex &&
	    tcm->tcm_parent == TC_H_CLSACT)
		mnl_attr_parse(nlh, sizeof(*tcm), tc_kind_cb, m->kind);
	return MNL_CB_OK;
}

int nl_clsact_ensure(struct nl *nl, int ifindex)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct qdisc_match m = { .ifindex = ifindex };
	int err;

	nlh = nl_req_start(nl, buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL);
	tc_hdr(nlh, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err != -EEXIST)
		return err;

	/* Something holds the slot: fine if it is a clsact, but a plain
	 * "ingress" qdisc has no hook for our filters and is not ours to
	 * replace. */
	nlh = nl_req_start(nl, buf, RTM_GETQDISC, NLM_F_DUMP);
	tc_hdr(nlh, ifindex, 0, 0, 0);
	err = nl_talk(nl, nlh, qdisc_cb, &m);
	if (err)
		return err;
	if (strcmp(m.kind, "clsact") == 0)
		return 0;
	nl_seterr(nl, "ifindex %d already has a \"%s\" qdisc on the ingress slot",
		  ifindex, m.kind);
	return -EEXIST;
}

struct filter_match {
	uint16_t prio;
	uint32_t handle;
	uint32_t prog_id; /* 0: no cls_bpf filter at (prio, handle) */
	char name[NL_STR_MAX]; /* its TCA_BPF_NAME */
	char kind[16];
	uint32_t chain;
};

static int bpf_opt_cb(const struct nlattr *attr, void *data)
{
	struct filter_match *m = data;

	if (mnl_attr_get_type(attr) == TCA_BPF_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		m->prog_id = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == TCA_BPF_NAME)
		copy_str(m->name, sizeof(m->name), attr);
	return MNL_CB_OK;
}

static int filter_attr_cb(const struct nlattr *attr, void *data)
{
	struct filter_match *m = data;

	switch (mnl_attr_get_type(attr)) {
	case TCA_KIND:
		copy_str(m->kind, sizeof(m->kind), attr);
		break;
	case TCA_CHAIN:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			m->chain = mnl_attr_get_u32(attr);
		break;
	case TCA_OPTIONS:
		/* Only meaningful for "bpf"; TCA_KIND always comes first. */
		if (strcmp(m->kind, "bpf") == 0)
			mnl_attr_parse_nested(attr, bpf_opt_cb, m);
		break;
	}
	return MNL_CB_OK;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	struct filter_match *m = data;
	struct filter_match f = { .prio = m->prio, .handle = m->handle };

	if (nlh->nlmsg_type != RTM_NEWTFILTER || m->prog_id ||
	    TC_H_MAJ(tcm->tcm_info) >> 16 != m->prio ||
	    tcm->tcm_handle != m->handle)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*tcm), filter_attr_cb, &f);
	if (f.chain == 0 && f.prog_id)
		*m = f;
	return MNL_CB_OK;
}

/* Dump our hook's filters and find the cls_bpf one at (prio, handle). */
static int tc_bpf_find(struct nl *nl, int ifindex, struct filter_match *m)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_GETTFILTER, NLM_F_DUMP);
	int err;

	tc_hdr(nlh, ifindex, CLSACT_INGRESS, 0, 0);
	err = nl_talk(nl, nlh, filter_cb, m);
	if (err)
		return err;
	return m->prog_id ? 0 : -ENOENT;
}

int nl_tc_bpf_attach(struct nl *nl, int ifindex, int prog_fd,
		     const char *name, uint16_t prio, uint32_t handle)
{
	char buf[NL_REQ_SIZE];
	struct filter_match m = { .prio = prio, .handle = handle };
	struct nlmsghdr *nlh;
	struct nlattr *opts;
	int err;

	if (!name || strlen(name) >= sizeof(m.name))
		return -ENAMETOOLONG;
	/* REPLACE lets us swap our own program in place, but the slot may be
	 * someone else's: refuse when a differently named program sits there. */
	err = tc_bpf_find(nl, ifindex, &m);
	if (err && err != -ENOENT)
		return err;
	if (!err && strcmp(m.name, name) != 0) {
		nl_seterr(nl, "tc prio %u handle %#x holds \"%s\" (prog %u), not \"%s\"",
			  prio, handle, m.name, m.prog_id, name);
		return -EBUSY;
	}

	nlh = nl_req_start(nl, buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE);
	tc_hdr(nlh, ifindex, CLSACT_INGRESS, handle,
	       TC_H_MAKE((uint32_t)prio << 16, htons(ETH_P_ALL)));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_BPF_FD, prog_fd);
	mnl_attr_put_strz(nlh, TCA_BPF_NAME, name);
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(nlh, opts);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_tc_bpf_query(struct nl *nl, int ifindex, uint16_t prio, uint32_t handle,
		    uint32_t *prog_id)
{
	struct filter_match m = { .prio = prio, .handle = handle };
	int err = tc_bpf_find(nl, ifindex, &m);

	if (err)
		return err;
	*prog_id = m.prog_id;
	return 0;
}

int nl_tc_bpf_detach(struct nl *nl, int ifindex, uint16_t prio,
		     uint32_t handle, uint32_t expect_prog_id)
{
	char buf[NL_REQ_SIZE];
	struct filter_match m = { .prio = prio, .handle = handle };
	struct nlmsghdr *nlh;
	int err;

	err = tc_bpf_find(nl, ifindex, &m);
	if (err)
		return err;
	if (m.prog_id != expect_prog_id) {
		nl_seterr(nl, "tc prio %u handle %#x runs prog %u, not %u",
			  prio, handle, m.prog_id, expect_prog_id);
		return -EBUSY;
	}
	/* tc has no compare-and-delete: a replace between the dump and this
	 * request could slip through, which only our own loader (serialised
	 * by its lock) would do. */
	nlh = nl_req_start(nl, buf, RTM_DELTFILTER, 0);
	tc_hdr(nlh, ifindex, CLSACT_INGRESS, handle,
	       TC_H_MAKE((uint32_t)prio << 16, htons(ETH_P_ALL)));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	return nl_talk(nl, nlh, NULL, NULL);
}
