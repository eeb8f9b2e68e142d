// SPDX-License-Identifier: Apache-2.0
/*
 * rtnetlink sockets and the request/reply plumbing every nl_*.c file uses
 * (see nl_priv.h).
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
#include <linux/netlink.h>

#include "errmsg.h"
#include "nl_priv.h"

/* Large enough for a link dump batch: the kernel sizes dump skbs after the
 * biggest buffer we ever offered, and truncates if we then offer less. */
#define NL_BUF_SIZE 32768

void nl_seterr(struct nl *nl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->err, sizeof(nl->err), fmt, ap);
	va_end(ap);
}

/* ---- socket ------------------------------------------------------------- */

int nl_open(struct nl *nl)
{
	return nl_open_bus(nl, NETLINK_ROUTE);
}

int nl_open_bus(struct nl *nl, int bus)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(bus);
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

int nl_fail(const struct nl *nl, int err, const char *what)
{
	return ateom_fail("%s: %s%s%s", what, strerror(-err), nl->err[0] ? ": " : "", nl->err);
}

/* ---- request / reply plumbing -------------------------------------------- */

struct nlmsghdr *nl_req_start(struct nl *nl, char *buf, uint16_t type,
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
int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
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

/* ---- attribute helpers ---------------------------------------------------- */

void nl_copy_str(char *dst, size_t size, const struct nlattr *attr)
{
	size_t n = mnl_attr_get_payload_len(attr);
	const char *s = mnl_attr_get_payload(attr);

	n = strnlen(s, n);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}
