// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "errmsg.h"
#include "nat6_view.h"

int nat6_view_open(const struct dp *dp)
{
	char path[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/nat6", dp->dir);
	return bpf_obj_get(path);
}

long nat6_view_count(int fd, uint32_t ifindex)
{
	struct ateom_nat6_key k, *prev = NULL;
	struct ateom_nat6_entry e;
	long n = 0;

	if (fd < 0)
		return 0;
	while (bpf_map_get_next_key(fd, prev, &k) == 0) {
		struct ateom_nat6_key cur = k;

		prev = &k;
		if (bpf_map_lookup_elem(fd, &cur, &e))
			continue; /* deleted under us */
		if (!ifindex || e.actor_ifindex == ifindex)
			n++;
	}
	if (errno != ENOENT)
		return ateom_fail("cannot read the nat6 map: %s", strerror(errno));
	return n;
}

int nat6_view_dump(int fd, struct out_nat *o, uint64_t now)
{
	struct ateom_nat6_key k, *prev = NULL;
	struct ateom_nat6_entry e;
	int rc = 0;

	while (fd >= 0 && !rc && bpf_map_get_next_key(fd, prev, &k) == 0) {
		struct ateom_nat6_key cur = k;

		prev = &k;
		if (bpf_map_lookup_elem(fd, &cur, &e))
			continue;
		rc = out_nat6_entry(o, &cur, &e,
				    now > e.last_seen_ns ? (now - e.last_seen_ns) / 1e9 : 0);
	}
	return rc;
}
