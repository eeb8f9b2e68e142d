// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ateomnet.h"
#include "errmsg.h"
#include "veth.h"

#define ALIAS_PREFIX "ateomnet:"

void veth_alias(const char *actor, char *out, size_t len)
{
	snprintf(out, len, ALIAS_PREFIX "%s", actor);
}

void veth_temp_name(const char *actor, char out[IF_NAMESIZE])
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)actor; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	snprintf(out, IF_NAMESIZE, "atn%012llx", (unsigned long long)(h >> 16));
}

/* Born a moment ago and not renamed yet: no alias, a name of the temp
 * form, and the kind and MAC that make sure it is not someone else's. */
static bool looks_temp(const struct nl_link *l)
{
	static const unsigned char gw_mac[6] = ATEOM_GW_MAC;

	return !l->alias[0] && strlen(l->name) == 15 && strncmp(l->name, "atn", 3) == 0 &&
	       strcmp(l->kind, "veth") == 0 && memcmp(l->mac, gw_mac, sizeof(gw_mac)) == 0;
}

bool veth_is_actors(const struct nl_link *l, const char *actor)
{
	size_t n = strlen(ALIAS_PREFIX);
	char tmp[IF_NAMESIZE];

	if (strncmp(l->alias, ALIAS_PREFIX, n) == 0)
		return strcmp(l->alias + n, actor) == 0;
	veth_temp_name(actor, tmp);
	return looks_temp(l) && strcmp(l->name, tmp) == 0;
}

bool veth_is_ateomnets(const struct nl_link *l)
{
	return strncmp(l->alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) == 0 || looks_temp(l);
}

int veth_find(struct nl *nl, const char *actor, struct nl_link *out)
{
	char alias[128], tmp[IF_NAMESIZE];
	int err;

	veth_alias(actor, alias, sizeof(alias));
	err = nl_link_find_by_alias(nl, alias, out);
	if (err == 0)
		return 1;
	if (err != -ENOENT)
		return ateom_fail("cannot list interfaces: %s", strerror(-err));
	veth_temp_name(actor, tmp);
	err = nl_link_get(nl, tmp, out);
	if (err == 0)
		return veth_is_actors(out, actor);
	if (err != -ENODEV)
		return ateom_fail("cannot read interface %s: %s", tmp, strerror(-err));
	return 0;
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
