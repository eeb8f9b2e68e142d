/* SPDX-License-Identifier: Apache-2.0 */
/* How an actor's veth is recognised, also after a crash of `up` at any
 * step. The kernel ignores an alias on create, so the pair is born under a
 * name derived from the actor (veth_temp_name), then renamed to --veth and
 * given the alias "ateomnet:NAME" in one request: at every moment the
 * worker side carries one of the two marks, and both survive a crash that
 * left no map entry. */
#ifndef ATEOMNET_VETH_H
#define ATEOMNET_VETH_H

#include <stdbool.h>
#include <stddef.h>
#include "netlink.h"

void veth_alias(const char *actor, char *out, size_t len);
/* "atn" + 12 hex digits of a hash of the actor name: 15 bytes, the most an
 * interface name holds. */
void veth_temp_name(const char *actor, char out[IF_NAMESIZE]);
/* The actor's veth by alias, or by temp name with our gateway MAC. */
bool veth_is_actors(const struct nl_link *l, const char *actor);
/* Any actor's veth (an "ateomnet:" alias, or a temp name with our MAC). */
bool veth_is_ateomnets(const struct nl_link *l);
/* The actor's veth in the socket's netns: 1 and *out, 0 if none, -1. */
int veth_find(struct nl *nl, const char *actor, struct nl_link *out);
/* Deletes every veth veth_find finds; returns how many, or -1. */
int veth_remove_all(struct nl *nl, const char *actor);

#endif
