// SPDX-License-Identifier: Apache-2.0
/*
 * The part of libmnl's API the loader uses, for the static build only
 * (`make static`): Debian 12 ships libmnl as a shared library alone
 * (libmnl-dev has no libmnl.a). Written against libmnl's own header and
 * its documented behaviour (same alignment, bounds checks and errno
 * values), so the nl_*.c files build unchanged against either. The
 * dynamic build keeps using the real libmnl.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

struct mnl_socket {
	int fd;
	struct sockaddr_nl addr;
};

/* ---- sockets ---------------------------------------------------------- */

struct mnl_socket *mnl_socket_open(int bus)
{
	struct mnl_socket *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return NULL;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, bus);
	if (nl->fd < 0) {
		free(nl);
		return NULL;
	}
	return nl;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	socklen_t len = sizeof(nl->addr);

	nl->addr = (struct sockaddr_nl){ .nl_family = AF_NETLINK, .nl_groups = groups,
					 .nl_pid = pid };
	if (bind(nl->fd, (struct sockaddr *)&nl->addr, sizeof(nl->addr)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&nl->addr, &len) < 0)
		return -1;
	if (len != sizeof(nl->addr) || nl->addr.nl_family != AF_NETLINK) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	return nl->fd;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	return nl->addr.nl_pid;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	static const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	return sendto(nl->fd, buf, len, 0, (const struct sockaddr *)&kernel, sizeof(kernel));
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t bufsiz)
{
	struct sockaddr_nl addr;
	struct iovec iov = { .iov_base = buf, .iov_len = bufsiz };
	struct msghdr msg = { .msg_name = &addr, .msg_namelen = sizeof(addr),
			      .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t ret = recvmsg(nl->fd, &msg, 0);

	if (ret == -1)
		return ret;
	if (msg.msg_flags & MSG_TRUNC) {
		errno = ENOSPC;
		return -1;
	}
	if (msg.msg_namelen != sizeof(addr)) {
		errno = EINVAL;
		return -1;
	}
	return ret;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t len)
{
	return setsockopt(nl->fd, SOL_NETLINK, type, buf, len);
}

int mnl_socket_close(struct mnl_socket *nl)
{
	int ret = close(nl->fd);

	free(nl);
	return ret;
}

/* ---- messages ----------------------------------------------------------- */

struct nlmsghdr *mnl_nlmsg_put_header(void *buf)
{
	struct nlmsghdr *nlh = buf;

	memset(buf, 0, MNL_NLMSG_HDRLEN);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
	return nlh;
}

void *mnl_nlmsg_put_extra_header(struct nlmsghdr *nlh, size_t size)
{
	char *ptr = (char *)nlh + nlh->nlmsg_len;
	size_t len = MNL_ALIGN(size);

	nlh->nlmsg_len += len;
	memset(ptr, 0, len);
	return ptr;
}

void *mnl_nlmsg_get_payload(const struct nlmsghdr *nlh)
{
	return (char *)nlh + MNL_NLMSG_HDRLEN;
}

size_t mnl_nlmsg_get_payload_len(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
}

bool mnl_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(struct nlmsghdr) &&
	       nlh->nlmsg_len >= sizeof(struct nlmsghdr) && (int)nlh->nlmsg_len <= len;
}

struct nlmsghdr *mnl_nlmsg_next(const struct nlmsghdr *nlh, int *len)
{
	*len -= MNL_ALIGN(nlh->nlmsg_len);
	return (struct nlmsghdr *)((char *)nlh + MNL_ALIGN(nlh->nlmsg_len));
}

/* ---- attributes ------------------------------------------------------------ */

uint16_t mnl_attr_get_type(const struct nlattr *attr)
{
	return attr->nla_type & NLA_TYPE_MASK;
}

uint16_t mnl_attr_get_payload_len(const struct nlattr *attr)
{
	return attr->nla_len - MNL_ATTR_HDRLEN;
}

void *mnl_attr_get_payload(const struct nlattr *attr)
{
	return (char *)attr + MNL_ATTR_HDRLEN;
}

uint32_t mnl_attr_get_u32(const struct nlattr *attr)
{
	uint32_t v;

	memcpy(&v, mnl_attr_get_payload(attr), sizeof(v));
	return v;
}

const char *mnl_attr_get_str(const struct nlattr *attr)
{
	return mnl_attr_get_payload(attr);
}

static bool attr_ok(const struct nlattr *attr, int len)
{
	return len >= (int)sizeof(struct nlattr) && attr->nla_len >= sizeof(struct nlattr) &&
	       (int)attr->nla_len <= len;
}

static const struct nlattr *attr_next(const struct nlattr *attr)
{
	return (const struct nlattr *)((const char *)attr + MNL_ALIGN(attr->nla_len));
}

/* The payload size each fixed-size type must have exactly. */
static size_t type_len(enum mnl_attr_data_type type)
{
	switch (type) {
	case MNL_TYPE_U8: return 1;
	case MNL_TYPE_U16: return 2;
	case MNL_TYPE_U32: return 4;
	case MNL_TYPE_U64:
	case MNL_TYPE_MSECS: return 8;
	default: return 0;
	}
}

int mnl_attr_validate(const struct nlattr *attr, enum mnl_attr_data_type type)
{
	uint16_t len = mnl_attr_get_payload_len(attr);
	const char *data = mnl_attr_get_payload(attr);
	size_t exp = type_len(type);

	if (type >= MNL_TYPE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (len < exp) {
		errno = ERANGE;
		return -1;
	}
	switch (type) {
	case MNL_TYPE_FLAG:
		if (len > 0)
			goto range;
		break;
	case MNL_TYPE_NUL_STRING:
		if (len == 0)
			goto range;
		if (data[len - 1] != '\0') {
			errno = EINVAL;
			return -1;
		}
		break;
	case MNL_TYPE_STRING:
		if (len == 0)
			goto range;
		break;
	case MNL_TYPE_NESTED:
		if (len != 0 && len < MNL_ATTR_HDRLEN)
			goto range;
		break;
	default:
		break;
	}
	if (exp && len > exp)
		goto range;
	return 0;
range:
	errno = ERANGE;
	return -1;
}

static int parse(const struct nlattr *attr, int len, mnl_attr_cb_t cb, void *data)
{
	int ret;

	for (; attr_ok(attr, len); len -= MNL_ALIGN(attr->nla_len), attr = attr_next(attr))
		if ((ret = cb(attr, data)) <= MNL_CB_STOP)
			return ret;
	return MNL_CB_OK;
}

int mnl_attr_parse(const struct nlmsghdr *nlh, unsigned int offset, mnl_attr_cb_t cb,
		   void *data)
{
	const char *start = (const char *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(offset);
	const char *tail = (const char *)nlh + MNL_ALIGN(nlh->nlmsg_len);

	return parse((const struct nlattr *)start, (int)(tail - start), cb, data);
}

int mnl_attr_parse_nested(const struct nlattr *nested, mnl_attr_cb_t cb, void *data)
{
	return parse(mnl_attr_get_payload(nested), mnl_attr_get_payload_len(nested), cb, data);
}

void mnl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	struct nlattr *attr = (struct nlattr *)((char *)nlh + MNL_ALIGN(nlh->nlmsg_len));
	uint16_t payload_len = MNL_ALIGN(sizeof(struct nlattr)) + len;

	attr->nla_type = type;
	attr->nla_len = payload_len;
	memcpy(mnl_attr_get_payload(attr), data, len);
	memset((char *)mnl_attr_get_payload(attr) + len, 0, MNL_ALIGN(len) - len);
	nlh->nlmsg_len += MNL_ALIGN(payload_len);
}

void mnl_attr_put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

void mnl_attr_put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

void mnl_attr_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *data)
{
	mnl_attr_put(nlh, type, strlen(data) + 1, data);
}

struct nlattr *mnl_attr_nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *start = (struct nlattr *)((char *)nlh + MNL_ALIGN(nlh->nlmsg_len));

	start->nla_type = NLA_F_NESTED | type;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(struct nlattr));
	return start;
}

void mnl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *start)
{
	start->nla_len = (char *)nlh + MNL_ALIGN(nlh->nlmsg_len) - (char *)start;
}
