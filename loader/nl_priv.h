/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the nl_*.c files behind netlink.h. Every operation
 * builds one request (nl_req_start + mnl_attr_put*), then hands it to
 * nl_talk(), which sends it and reads until the kernel's ACK/error (plain
 * requests) or NLMSG_DONE (dumps), passing each reply to an optional
 * callback and collecting the extended-ack message into nl->err.
 *
 *   nl_sock.c   sockets, the request/reply plumbing, attribute helpers
 *   nl_link.c   links: get, find by alias, veth create, delete, flags
 *   nl_link_id.c  name + alias in one request, a peer's netns id
 *   nl_addr.c   IPv4 addresses, the default route, route dumps
 *   nl_host.c   a /32 host route + permanent neighbour (actor identities)
 *   nl_tc.c     tc: clsact qdisc and our cls_bpf filters (ingress, egress)
 */
#ifndef ATEOMNET_NL_PRIV_H
#define ATEOMNET_NL_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#include "netlink.h"

/* Requests are small; strings from callers are length-checked against
 * NL_STR_MAX before they go in. */
#define NL_REQ_SIZE 4096
#define NL_STR_MAX 256

/* A socket on another netlink bus (NETLINK_SOCK_DIAG: sockdiag.c), with the
 * same options and request/reply plumbing as nl_open's rtnetlink one. */
int nl_open_bus(struct nl *nl, int bus);

/* printf into nl->err (the message nl_error() returns). */
void nl_seterr(struct nl *nl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Starts a request of `type` in buf (NL_REQ_SIZE bytes, zeroed here) with
 * the next sequence number. */
struct nlmsghdr *nl_req_start(struct nl *nl, char *buf, uint16_t type,
			      uint16_t flags);

/* Sends req and reads until its ACK/error or NLMSG_DONE: 0 or -errno. Each
 * data reply goes to cb (may be NULL); a callback error makes the result
 * -EPROTO but the replies are still drained. */
int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);

/* An IPv4 route request in the main table (nl_addr.c): the rtmsg filled,
 * attributes (RTA_DST, RTA_GATEWAY, RTA_OIF) left to the caller. */
struct nlmsghdr *nl_route_start(struct nl *nl, char *buf, uint16_t type, uint16_t flags,
				uint8_t dst_len, uint8_t scope);

/* A string attribute into dst[size], NUL-terminated, truncated if long. */
void nl_copy_str(char *dst, size_t size, const struct nlattr *attr);

#endif /* ATEOMNET_NL_PRIV_H */
