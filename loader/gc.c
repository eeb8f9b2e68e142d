// SPDX-License-Identifier: Apache-2.0
/*
 * `ateomnet gc`: reclaims what dead workers left on bpffs. A worker pod
 * that dies with actors up (or after its last `down`, without a `purge`)
 * leaves its pin dir: programs, maps (the NAT table is the big one) and
 * the pins of tcx links whose devices died with its netns. Nothing is
 * detached (the devices are gone); unpinning drops the last references
 * and the kernel frees the rest.
 *
 * A pin dir's owner is the netns cookie its owner record (or its default
 * name) carries; the owner is dead when no live network namespace has that
 * cookie. Run anywhere on the node, in the host's PID namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "netns.h"
#include "out.h"
#include "pin.h"
#include "sys.h"
#include "verbs.h"

/* "<prefix><decimal>" -> the number. */
static bool name_number(const char *name, const char *prefix, uint64_t *v)
{
	size_t n = strlen(prefix);
	char *end;

	if (strncmp(name, prefix, n) || name[n] < '0' || name[n] > '9')
		return false;
	errno = 0;
	*v = strtoull(name + n, &end, 10);
	return *end == '\0' && errno == 0;
}

/* Whose dir is it: its owner record, else its name (a default dir made
 * before the record, or by ateomnet before cookies: "net<inode>"). */
static void identify(struct out_gc_dir *x, const char *name)
{
	struct pin_owner o;
	int rc = pin_dir_owner(x->dir, &o);

	if (rc < 0) {
		snprintf(x->reason, sizeof(x->reason), "%s", ateom_errmsg());
		ateom_errmsg_clear();
	} else if (rc == 1) {
		x->has_cookie = true;
		x->cookie = o.cookie;
		x->ino = o.ino;
	} else if (name_number(name, PIN_DIR_PREFIX, &x->cookie)) {
		x->has_cookie = true;
	} else if (!name_number(name, "net", &x->legacy_ino)) {
		snprintf(x->reason, sizeof(x->reason), "records no owner");
	}
}

static int list_dirs(const char *root, struct out_gc_dir **out, int *n)
{
	struct out_gc_dir *v = NULL;
	struct dirent *e;
	int cap = 0;
	DIR *d;

	*n = 0;
	d = opendir(root);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return ateom_fail("cannot read %s: %s", root, strerror(errno));
	}
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n == cap) {
			struct out_gc_dir *w = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!w) {
				closedir(d);
				free(v);
				return ateom_fail("out of memory");
			}
			v = w;
		}
		memset(&v[*n], 0, sizeof(v[*n]));
		if ((size_t)snprintf(v[*n].dir, sizeof(v[*n].dir), "%s/%s", root, e->d_name) >=
		    sizeof(v[*n].dir))
			continue; /* no pin dir has such a path */
		identify(&v[*n], e->d_name);
		(*n)++;
	}
	closedir(d);
	*out = v;
	return 0;
}

static bool has_owner(const struct out_gc_dir *x)
{
	return x->has_cookie || x->legacy_ino;
}

/* By the scan: alive when a live netns has its cookie. A legacy dir names
 * an inode, which a new netns may have taken: it is dead only when no live
 * netns has that inode, and kept otherwise. */
static void judge_by_scan(struct out_gc_dir *x, const struct netns_set *live)
{
	bool alive = x->has_cookie ? netns_set_has_cookie(live, x->cookie)
				   : netns_set_has_ino(live, x->legacy_ino);

	x->netns = alive ? GC_NETNS_ALIVE : GC_NETNS_GONE;
	if (alive && !x->has_cookie)
		snprintf(x->reason, sizeof(x->reason), "named by a netns inode that a live "
			 "netns has; purge it from that worker if it is not its own");
}

/* The dirs the kernel cannot judge by handle are judged by a scan of the
 * live namespaces. The dirs were listed first: a dir made meanwhile
 * belongs to a netns that already existed. A dir found dead is checked
 * against a second scan, so a namespace whose last reference moved (a
 * process exiting after bind-mounting it) during the first is not taken
 * for dead. A scan that fails leaves its dirs unknown. */
static void judge_all_by_scan(struct out_gc_dir *v, int n)
{
	struct netns_set live;
	bool need = false;

	for (int i = 0; i < n; i++)
		if (has_owner(&v[i]) && v[i].netns == GC_NETNS_UNKNOWN)
			need = v[i].scanned = true;
	/* Pass 0 judges them all; pass 1 those pass 0 found dead. */
	for (int pass = 0; pass < 2 && need; pass++) {
		int rc = netns_scan(&live);

		need = false;
		for (int i = 0; i < n; i++) {
			if (!v[i].scanned || v[i].netns == GC_NETNS_ALIVE)
				continue;
			if (rc) {
				v[i].netns = GC_NETNS_UNKNOWN;
				snprintf(v[i].reason, sizeof(v[i].reason), "%s", ateom_errmsg());
				continue;
			}
			judge_by_scan(&v[i], &live);
			need |= v[i].netns == GC_NETNS_GONE;
		}
		if (rc)
			ateom_errmsg_clear();
		netns_set_free(&live);
	}
}

static void judge_all(struct out_gc_dir *v, int n)
{
	for (int i = 0; i < n; i++) {
		int alive = v[i].has_cookie && v[i].ino ? netns_alive(v[i].cookie, v[i].ino) : -1;

		if (alive >= 0)
			v[i].netns = alive ? GC_NETNS_ALIVE : GC_NETNS_GONE;
	}
	judge_all_by_scan(v, n);
}

static void reclaim(struct out_gc_dir *x)
{
	int fd = -1, rc = pin_trylock(x->dir, &fd);

	if (rc == 0) {
		x->action = GC_BUSY;
		snprintf(x->reason, sizeof(x->reason), "its lock is held; left for the next run");
		return;
	}
	if (rc == 1)
		rc = pin_dir_clear(x->dir);
	pin_unlock(fd);
	if (rc == 0) {
		x->action = GC_RECLAIMED;
		return;
	}
	x->action = GC_FAILED;
	snprintf(x->reason, sizeof(x->reason), "%s", ateom_errmsg());
	ateom_errmsg_clear();
}

int verb_gc(const struct ateom_args *a)
{
	const char *root = a->pin_root[0] ? a->pin_root : ATEOM_PIN_ROOT;
	struct out_gc r = { .pin_root = root, .dry_run = a->dry_run };
	struct out_gc_dir *v = NULL, *failed = NULL;
	int n = 0, rc = -1;

	if (sys_check_caps() || pin_bpffs_check(root) || list_dirs(root, &v, &n))
		goto out;
	judge_all(v, n);
	for (int i = 0; i < n; i++) {
		if (has_owner(&v[i]) && v[i].netns == GC_NETNS_UNKNOWN)
			v[i].action = GC_FAILED; /* the reason says why it could not be told */
		else if (v[i].netns != GC_NETNS_GONE)
			v[i].action = GC_KEPT;
		else if (a->dry_run)
			v[i].action = GC_WOULD_RECLAIM;
		else
			reclaim(&v[i]);
		if (v[i].action == GC_FAILED && !failed)
			failed = &v[i];
	}
	r.dirs = v;
	r.n_dirs = n;
	rc = out_gc(stdout, a->json, &r);
	if (rc == 0 && failed)
		rc = ateom_fail("could not reclaim %s: %s", failed->dir, failed->reason);
out:
	free(v);
	return rc;
}
