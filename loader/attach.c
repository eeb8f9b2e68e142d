// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "errmsg.h"
#include "state.h"

/* Debian 12's uapi headers predate tcx (Linux 6.6). */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#endif

const char *attach_mode_name(enum attach_mode m)
{
	return m == MODE_TCX ? "tcx" : m == MODE_TC ? "tc" : "none";
}

static int tcx_attach(const struct dp *dp, const char *ifname, int ifindex, int prog_fd)
{
	char path[PATH_MAX + 32], dir[PATH_MAX + 16];
	int fd;

	snprintf(dir, sizeof(dir), "%s/links", dp->dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ateom_fail("cannot create %s: %s", dir, strerror(errno));
	dp_link_path(dp, ifname, path, sizeof(path));
	unlink(path); /* a stale pin of a link whose device is gone */
	fd = bpf_link_create(prog_fd, ifindex, BPF_TCX_INGRESS, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path)) {
		int err = errno;

		bpf_link_detach(fd);
		close(fd);
		return ateom_fail("cannot pin tcx link %s: %s", path, strerror(err));
	}
	close(fd);
	return 0;
}

static int tc_attach(struct nl *nl, int ifindex, int prog_fd)
{
	int err = nl_clsact_ensure(nl, ifindex);

	if (!err)
		err = nl_tc_bpf_attach(nl, ifindex, prog_fd, "ateomnet", ATEOM_TC_PRIO,
				       ATEOM_TC_HANDLE);
	if (err)
		return ateom_fail("cannot attach tc filter: %s%s%s", strerror(-err),
				  nl_error(nl)[0] ? ": " : "", nl_error(nl));
	return 0;
}

int attach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, int prog_fd, enum ateom_attach want,
		   enum attach_mode *used)
{
	if (want != ATTACH_TC) {
		int err = tcx_attach(dp, ifname, ifindex, prog_fd);

		if (!err) {
			*used = MODE_TCX;
			return 0;
		}
		if (ateom_failed())
			return -1;
		/* EINVAL: the kernel does not know BPF_TCX_INGRESS (< 6.6). */
		if (want == ATTACH_TCX || err != -EINVAL)
			return ateom_fail("cannot attach tcx link to %s: %s", ifname,
					  strerror(-err));
	}
	if (tc_attach(nl, ifindex, prog_fd))
		return -1;
	*used = MODE_TC;
	return 0;
}

/* A pinned tcx link is ours if it runs our program on this interface. */
static bool tcx_link_is_ours(const char *path, int ifindex, int prog_fd, int *fd_out)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	(void)ifindex; /* libbpf 1.1's bpf_link_info predates tcx fields */
	if (fd < 0)
		return false;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.prog_id != dp_prog_id(prog_fd)) {
		close(fd);
		return false;
	}
	if (fd_out)
		*fd_out = fd;
	else
		close(fd);
	return true;
}

enum attach_mode attach_query(struct nl *nl, const struct dp *dp,
			      const char *ifname, int ifindex, int prog_fd)
{
	char path[PATH_MAX];
	uint32_t id = 0;

	dp_link_path(dp, ifname, path, sizeof(path));
	if (tcx_link_is_ours(path, ifindex, prog_fd, NULL))
		return MODE_TCX;
	if (nl_tc_bpf_query(nl, ifindex, ATEOM_TC_PRIO, ATEOM_TC_HANDLE, &id) == 0 &&
	    id == dp_prog_id(prog_fd))
		return MODE_TC;
	return MODE_NONE;
}

int detach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, int prog_fd)
{
	char path[PATH_MAX];
	int fd, err;

	dp_link_path(dp, ifname, path, sizeof(path));
	if (tcx_link_is_ours(path, ifindex, prog_fd, &fd)) {
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
	err = nl_tc_bpf_detach(nl, ifindex, ATEOM_TC_PRIO, ATEOM_TC_HANDLE,
			       dp_prog_id(prog_fd));
	/* -EBUSY: someone else's filter sits there; it is not ours to remove. */
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL && err != -EBUSY)
		return ateom_fail("cannot detach tc filter from %s: %s", ifname, strerror(-err));
	return 0;
}

/* With no actor left, the pod interface goes back to exactly what it was. */
int detach_pod_if_idle(struct nl *nl, struct dp *dp)
{
	struct ateom_config cfg;
	struct actor_ref *all;
	struct nl_link pod;
	int n;

	if (state_actors(dp, &all, &n))
		return -1;
	free(all);
	if (n > 0 || dp_config_get(dp, &cfg) || !cfg.pod_ifindex)
		return 0;
	if (nl_link_get_by_index(nl, cfg.pod_ifindex, &pod))
		return 0; /* the pod interface is gone: nothing attached to detach */
	return detach_ingress(nl, dp, pod.name, pod.ifindex, dp->from_pod);
}
