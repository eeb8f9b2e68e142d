/* SPDX-License-Identifier: Apache-2.0 */
/* A host (/32) reached through one interface with a fixed MAC: what the
 * worker needs to send to an actor identity (bpf/ident.h). Returns follow
 * netlink.h: 0 or -errno, with nl_error() holding the kernel's message. */
#ifndef ATEOMNET_NL_HOST_H
#define ATEOMNET_NL_HOST_H

#include <stdint.h>
#include "netlink.h"

/* addr/32 dev ifindex scope link, plus a permanent neighbour entry
 * addr -> mac on ifindex (the actor never answers ARP for its identity). */
int nl_host_add(struct nl *nl, int ifindex, uint32_t addr_be, const unsigned char mac[6]);

#endif
