/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.ipv6.conf.IF.disable_ipv6 of a link in this netns or another one.
 * Netlink cannot set it (IFLA_INET6_CONF is read-only), so it is the
 * sysctl file; /proc/sys/net shows the netns of the thread that opens it,
 * so for another netns a short-lived thread enters it and writes.
 */
#ifndef ATEOMNET_IPV6_CONF_H
#define ATEOMNET_IPV6_CONF_H

#include <stdbool.h>

/* netns_fd -1: the caller's netns. 0; 1 when the kernel has no IPv6 (no
 * such sysctl: nothing to disable, and IPv6 cannot be enabled); -1 with a
 * message. */
int ipv6_conf_disable(int netns_fd, const char *ifname, bool disable);

#endif
