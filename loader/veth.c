// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <string.h>

#include "veth.h"

#define ALIAS_PREFIX "ateomnet:"

void veth_alias(const char *actor, char *out, size_t len)
{
	snprintf(out, len, ALIAS_PREFIX "%s", actor);
}

bool veth_is_actors(const struct nl_link *l, const char *actor)
{
	size_t n = strlen(ALIAS_PREFIX);

	return strncmp(l->alias, ALIAS_PREFIX, n) == 0 && strcmp(l->alias + n, actor) == 0;
}

int veth_find(struct nl *nl, const char *actor, struct nl_link *out)
{
	char alias[128];

	veth_alias(actor, alias, sizeof(alias));
	return nl_link_find_by_alias(nl, alias, out);
}

int veth_remove_all(struct nl *nl, const char *actor)
{
	struct nl_link l;
	int n = 0;

	while (veth_find(nl, actor, &l) == 0 && nl_link_del(nl, l.ifindex) == 0)
		n++;
	return n;
}
