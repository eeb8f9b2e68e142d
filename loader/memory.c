// SPDX-License-Identifier: Apache-2.0
/*
 * What the datapath costs the kernel. bpf_obj_get_info_by_fd() names each
 * object (map or program, its id), but neither bpf_map_info nor
 * bpf_prog_info carries the memory charged for it: the kernel reports that
 * only in the fd's fdinfo ("memlock:", since 6.4 the map's own estimate of
 * what it allocated: buckets, per-CPU copies, elements; for a program its
 * image pages). So each fd is asked both: the info call checks that it is
 * a live BPF object of the expected kind, fdinfo gives its size.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "errmsg.h"
#include "memory.h"

/* The "memlock:" of one fd, from /proc/self/fdinfo. */
static int fd_memlock(int fd, uint64_t *out)
{
	char path[64], line[128];
	unsigned long long v;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return ateom_fail("cannot read %s: %s", path, strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "memlock: %llu", &v) == 1;
	fclose(f);
	if (!found)
		return ateom_fail("%s has no memlock line", path);
	*out = v;
	return 0;
}

static int add_map(int fd, uint64_t *sum)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	uint64_t b;

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return ateom_fail("cannot inspect a datapath map: %s", strerror(errno));
	if (fd_memlock(fd, &b))
		return -1;
	*sum += b;
	return 0;
}

static int add_prog(const struct dp_prog *p, uint64_t *sum)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	uint64_t b;

	if (p->fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(p->fd, &info, &len))
		return ateom_fail("cannot inspect a datapath program: %s", strerror(errno));
	if (fd_memlock(p->fd, &b))
		return -1;
	*sum += b;
	return 0;
}

int dp_memory_bytes(const struct dp *dp, uint64_t *bytes)
{
	const int maps[] = { dp->config, dp->actors, dp->services, dp->svc_rev, dp->nat,
			     dp->nat_gc, dp->remote_pairs, dp->snat_full, dp->worker_flows,
			     dp->stats, dp->hooks, dp->capture_orig };
	const struct dp_prog *progs[] = { &dp->from_actor, &dp->from_pod, &dp->actor_resume,
					  &dp->nat_gc_ctl, &dp->to_actor };
	uint64_t sum = 0;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (add_map(maps[i], &sum))
			return -1;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (add_prog(progs[i], &sum))
			return -1;
	*bytes = sum;
	return 0;
}
