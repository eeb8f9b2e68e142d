/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker's own TCP and UDP sockets toward one address, through
 * sock_diag (NETLINK_SOCK_DIAG), in the caller's netns.
 *
 * Why: actor ids, and so identity addresses (ATEOM_IDENT_BASE + id), are
 * reused. A worker-local socket still connected to the identity of an
 * actor that went `down` would, once the next actor gets that id and the
 * /32 points at its veth, send the old actor's data (a push, a late UDP
 * reply) to the new one. `down` destroys those sockets (the kernel's
 * `ss -K dst ADDR`); where the kernel cannot (no CONFIG_INET_DIAG_DESTROY),
 * `up` must not hand out an id whose identity still has sockets.
 *
 * Like the netlink layer (netlink.h), these return -errno, not -1.
 */
#ifndef ATEOMNET_SOCKDIAG_H
#define ATEOMNET_SOCKDIAG_H

#include <stdint.h>

/* Aborts every TCP socket (any state but LISTEN, TIME_WAIT and CLOSE) and
 * disconnects every UDP socket, IPv4 or v4-mapped IPv6, whose remote
 * address is addr_be: their owners see ECONNABORTED. Returns how many, or
 * -errno: -EOPNOTSUPP when the kernel has no SOCK_DESTROY
 * (CONFIG_INET_DIAG_DESTROY), -ENOENT when it has no inet_diag at all. */
int sockdiag_destroy(uint32_t addr_be);

/* 1 if a socket sockdiag_destroy would take exists, 0 if none, -errno.
 * Costs a walk of the TCP established hash (see sockdiag.c). */
int sockdiag_in_use(uint32_t addr_be);

/* 1 if the kernel destroys sockets (CONFIG_INET_DIAG_DESTROY), 0 if not,
 * -errno. Cheap: one lookup of a socket that does not exist. */
int sockdiag_can_destroy(void);

#endif
