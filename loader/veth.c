// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"
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
	int err;

	veth_alias(actor, alias, sizeof(alias));
	err = nl_link_find_by_alias(nl, alias, out);
	if (err == -ENOENT)
		return 0;
	if (err)
		return ateom_fail("cannot list interfaces: %s", strerror(-err));
	return 1;
}

int veth_remove_all(struct nl *nl, const char *actor)
{
	struct nl_link l;
	int n = 0, rc, err;

	while ((rc = veth_find(nl, actor, &l)) == 1) {
		if ((err = nl_link_del(nl, l.ifindex)))
			return ateom_fail("cannot delete %s: %s", l.name, strerror(-err));
		n++;
	}
	return rc < 0 ? -1 : n;
}
