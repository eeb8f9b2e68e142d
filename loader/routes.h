/* SPDX-License-Identifier: Apache-2.0 */
/* What `up` checks in the routes of the worker and actor netns before it
 * adds its own: an actor subnet must not shadow a route of the worker, and
 * an actor netns must not already have a default route (ours would replace
 * it, and `down` would not bring it back). */
#ifndef ATEOMNET_ROUTES_H
#define ATEOMNET_ROUTES_H

#include <stdbool.h>
#include <stdint.h>
#include "netlink.h"

/* Do a/alen and b/blen (network order) share any address? */
bool routes_prefixes_overlap(uint32_t a_be, int alen, uint32_t b_be, int blen);

/* Refuses when the socket's netns has an IPv4 default route in its main
 * table, unless it goes out of own_oif (> 0: an eth0 a crashed `up` of the
 * same actor left, about to go). `where` names the netns in the message. */
int routes_check_no_default(struct nl *nl, const char *where, int own_oif);

/* Refuses when a route of the worker netns (any table, the default route
 * aside) overlaps subnet_be/plen, unless allowed(oif, arg) says the link is
 * ateomnet's own (another actor's veth with the same subnet, a leftover of
 * a crash). `flag` names the option in the message. */
int routes_check_subnet(struct nl *nl, const char *flag, uint32_t addr_be, int plen,
			bool (*allowed)(int oif, void *arg), void *arg);

#endif
