// SPDX-License-Identifier: Apache-2.0
/*
 * What the datapath costs the kernel: every BPF object pinned under the pin
 * dir (policy/ included), every map the pinned programs use (the fragment
 * tables are not pinned), every program in a prog array (the IPv6
 * programs in v6_progs, the hooks in egress_hooks) with its maps, and
 * every map held in a map-in-map (the capture tables), each counted once
 * by its id. Neither bpf_map_info nor
 * bpf_prog_info carries the memory charged for an object: the kernel
 * reports it only in the fd's fdinfo ("memlock:", since 6.4 the map's own
 * estimate of what it allocated: buckets, per-CPU copies, elements; for a
 * program its image pages), so each fd's fdinfo is read. Links (tcx, the
 * capture cgroup) are skipped: their programs are pinned themselves.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "errmsg.h"
#include "memory.h"

enum obj_kind { OBJ_OTHER, OBJ_MAP, OBJ_PROG };

struct fdinfo {
	enum obj_kind kind;
	uint32_t id, map_type;
	uint64_t memlock;
};

/* The ids counted so far (maps and programs have separate id spaces). */
struct seen {
	uint32_t *ids[3];
	size_t n[3], cap[3];
	uint64_t sum;
};

static int fd_info(int fd, struct fdinfo *o)
{
	char path[64], line[128];
	unsigned long long v;
	bool mem = false;
	FILE *f;

	memset(o, 0, sizeof(*o));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return ateom_fail("cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "map_type: %llu", &v) == 1) {
			o->kind = OBJ_MAP;
			o->map_type = v;
		} else if (sscanf(line, "prog_type: %llu", &v) == 1) {
			o->kind = OBJ_PROG;
		} else if (sscanf(line, "memlock: %llu", &v) == 1) {
			o->memlock = v;
			mem = true;
		} else if (sscanf(line, "map_id: %llu", &v) == 1 ||
			   sscanf(line, "prog_id: %llu", &v) == 1) {
			o->id = v;
		}
	}
	fclose(f);
	/* A link (link_type:, prog_id:) stays OBJ_OTHER. */
	if (o->kind != OBJ_OTHER && (!mem || !o->id))
		return ateom_fail("%s has no memlock or id line", path);
	return 0;
}

/* 1 when id was new (and is now seen), 0 when counted already, -1. */
static int see(struct seen *s, enum obj_kind k, uint32_t id)
{
	for (size_t i = 0; i < s->n[k]; i++)
		if (s->ids[k][i] == id)
			return 0;
	if (s->n[k] == s->cap[k]) {
		size_t cap = s->cap[k] ? s->cap[k] * 2 : 32;
		uint32_t *m = realloc(s->ids[k], cap * sizeof(*m));

		if (!m)
			return ateom_fail("out of memory");
		s->ids[k] = m;
		s->cap[k] = cap;
	}
	s->ids[k][s->n[k]++] = id;
	return 1;
}

static int add_fd(struct seen *s, int fd);
static int add_prog_id(struct seen *s, uint32_t id);

static int add_map_id(struct seen *s, uint32_t id)
{
	int fd = bpf_map_get_fd_by_id(id), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : ateom_fail("cannot open map id %u: %s", id,
							strerror(errno));
	rc = add_fd(s, fd);
	close(fd);
	return rc;
}

/* The maps held in a map-in-map, or the programs in a prog array (a lookup
 * from user space gives an id). */
static int add_inner(struct seen *s, int fd, bool progs)
{
	uint32_t key[16], next[16], inner;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	bool first = true;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size > sizeof(key))
		return ateom_fail("cannot inspect a map-in-map: %s", strerror(errno));
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, info.key_size);
		if (bpf_map_lookup_elem(fd, key, &inner))
			continue; /* an empty slot */
		if (progs ? add_prog_id(s, inner) : add_map_id(s, inner))
			return -1;
	}
	return 0;
}

static int add_prog_id(struct seen *s, uint32_t id)
{
	int fd = bpf_prog_get_fd_by_id(id), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : ateom_fail("cannot open program id %u: %s", id,
							strerror(errno));
	rc = add_fd(s, fd);
	close(fd);
	return rc;
}

static int add_prog_maps(struct seen *s, int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64];

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return ateom_fail("cannot inspect a datapath program: %s", strerror(errno));
	if (info.nr_map_ids > sizeof(ids) / sizeof(ids[0]))
		return ateom_fail("a datapath program uses %u maps", info.nr_map_ids);
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return ateom_fail("cannot inspect a datapath program: %s", strerror(errno));
	for (__u32 i = 0; i < info.nr_map_ids; i++)
		if (add_map_id(s, ids[i]))
			return -1;
	return 0;
}

static int add_fd(struct seen *s, int fd)
{
	struct fdinfo o;
	int r;

	if (fd_info(fd, &o))
		return -1;
	if (o.kind == OBJ_OTHER)
		return 0;
	r = see(s, o.kind, o.id);
	if (r <= 0)
		return r;
	s->sum += o.memlock;
	if (o.kind == OBJ_PROG)
		return add_prog_maps(s, fd);
	if (o.map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS || o.map_type == BPF_MAP_TYPE_HASH_OF_MAPS)
		return add_inner(s, fd, false);
	if (o.map_type == BPF_MAP_TYPE_PROG_ARRAY)
		return add_inner(s, fd, true);
	return 0;
}

/* Every pin under dir, subdirectories included. */
static int add_dir(struct seen *s, const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : ateom_fail("cannot read %s: %s", dir, strerror(errno));
	while (!rc && (e = readdir(d))) {
		int fd;

		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (e->d_type == DT_DIR) {
			rc = add_dir(s, path);
			continue;
		}
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue; /* unpinned meanwhile, or not a BPF object */
		rc = add_fd(s, fd);
		close(fd);
	}
	closedir(d);
	return rc;
}

int dp_memory_bytes(const struct dp *dp, uint64_t *bytes)
{
	struct seen s = { 0 };
	int rc = add_dir(&s, dp->dir);

	for (size_t i = 0; i < 3; i++)
		free(s.ids[i]);
	if (!rc)
		*bytes = s.sum;
	return rc;
}
