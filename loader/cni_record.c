// SPDX-License-Identifier: Apache-2.0
/*
 * The attachments the CNI plugin made, one small JSON file per actor in
 * STATEDIR/NETWORK/ (by default /var/lib/cni/ateomnet/NETWORK/, next to
 * where the reference plugins keep theirs). GC reads them: only an actor
 * with a record is CNI's to collect, never one made with `ateomnet up`.
 * bpffs cannot hold them: it takes no regular files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"
#include "errmsg.h"

static int mkdirs(const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -1 : 0;
}

int cni_record_add(const struct cni_req *req)
{
	char path[2048], tmp[2100];
	json_t *rec;
	int rc;

	if (mkdirs(req->state_dir))
		return ateom_fail("cannot create %s: %s", req->state_dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", req->state_dir, req->args.actor);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	rec = json_pack("{s:s,s:s,s:s}", "containerID", req->container_id, "ifname", req->ifname,
			"actor", req->args.actor);
	rc = rec ? json_dump_file(rec, tmp, JSON_COMPACT) : -1;
	json_decref(rec);
	if (rc || rename(tmp, path)) {
		unlink(tmp);
		return ateom_fail("cannot write %s", path);
	}
	return 0;
}

int cni_record_del(const struct cni_req *req)
{
	char path[2048];

	snprintf(path, sizeof(path), "%s/%s", req->state_dir, req->args.actor);
	return unlink(path) && errno != ENOENT ? -1 : 0;
}
