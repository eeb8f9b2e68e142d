/* SPDX-License-Identifier: Apache-2.0 */
/* How an actor's veth is recognised: its worker side carries the alias
 * "ateomnet:NAME", which survives a crash that left no map entry. */
#ifndef ATEOMNET_VETH_H
#define ATEOMNET_VETH_H

#include <stdbool.h>
#include <stddef.h>
#include "netlink.h"

void veth_alias(const char *actor, char *out, size_t len);
bool veth_is_actors(const struct nl_link *l, const char *actor);
/* The actor's veth in the socket's netns: 1 and *out, 0 if none, -1. */
int veth_find(struct nl *nl, const char *actor, struct nl_link *out);
/* Deletes every veth carrying the actor's alias; returns how many, or -1. */
int veth_remove_all(struct nl *nl, const char *actor);

#endif
