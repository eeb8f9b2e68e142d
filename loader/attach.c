// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
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
	switch (m) {
	case ATTACH_AUTO: return "auto";
	case ATTACH_TCX: return "tcx";
	case ATTACH_TC: return "tc";
	default: return "none";
	}
}

uint32_t attach_actor_flags(enum attach_mode m)
{
	return m == ATTACH_TCX ? ATEOM_ACTOR_ATTACH_TCX : 0;
}

enum attach_mode attach_actor_mode(const struct ateom_actor *a)
{
	return a->flags & ATEOM_ACTOR_ATTACH_TCX ? ATTACH_TCX : ATTACH_TC;
}

/* 0 attached; 1 the kernel has no tcx and the caller may fall back to tc
 * (only when may_fall_back); -1 failed. */
static int tcx_attach(const struct dp *dp, const char *ifname, int ifindex,
		      const struct dp_prog *prog, bool may_fall_back)
{
	char path[PATH_MAX + 32], dir[PATH_MAX + 16];
	int fd, err;

	snprintf(dir, sizeof(dir), "%s/links", dp->dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ateom_fail("cannot create %s: %s", dir, strerror(errno));
	dp_link_path(dp, ifname, path, sizeof(path));
	unlink(path); /* a stale pin of a link whose device is gone */
	fd = bpf_link_create(prog->fd, ifindex, BPF_TCX_INGRESS, NULL);
	if (fd < 0) {
		err = errno;
		/* EINVAL: the kernel does not know BPF_TCX_INGRESS (< 6.6). */
		if (err == EINVAL && may_fall_back)
			return 1;
		return ateom_fail("cannot attach tcx link to %s: %s", ifname, strerror(err));
	}
	if (bpf_obj_pin(fd, path)) {
		err = errno;
		bpf_link_detach(fd);
		close(fd);
		return ateom_fail("cannot pin tcx link %s: %s", path, strerror(err));
	}
	close(fd);
	return 0;
}

static int tc_attach(struct nl *nl, int ifindex, const struct dp_prog *prog)
{
	int err = nl_clsact_ensure(nl, ifindex);

	if (!err)
		err = nl_tc_bpf_attach(nl, ifindex, prog->fd, "ateomnet", ATEOM_TC_PRIO,
				       ATEOM_TC_HANDLE);
	if (err)
		return ateom_fail("cannot attach tc filter: %s%s%s", strerror(-err),
				  nl_error(nl)[0] ? ": " : "", nl_error(nl));
	return 0;
}

int attach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, const struct dp_prog *prog, enum attach_mode want,
		   enum attach_mode *used)
{
	if (want != ATTACH_TC) {
		int rc = tcx_attach(dp, ifname, ifindex, prog, want == ATTACH_AUTO);

		if (rc <= 0) {
			*used = ATTACH_TCX;
			return rc;
		}
	}
	if (tc_attach(nl, ifindex, prog))
		return -1;
	*used = ATTACH_TC;
	return 0;
}

/* A pinned tcx link is ours if it runs our program. (libbpf 1.1's
 * bpf_link_info predates the tcx fields: the ifindex cannot be checked, but
 * the pin's name is the interface's.) */
static bool tcx_link_is_ours(const char *path, const struct dp_prog *prog, int *fd_out)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return false;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.prog_id != prog->id) {
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
			      const char *ifname, int ifindex, const struct dp_prog *prog)
{
	char path[PATH_MAX];
	uint32_t id = 0;

	dp_link_path(dp, ifname, path, sizeof(path));
	if (tcx_link_is_ours(path, prog, NULL))
		return ATTACH_TCX;
	if (nl_tc_bpf_query(nl, ifindex, ATEOM_TC_PRIO, ATEOM_TC_HANDLE, &id) == 0 &&
	    id == prog->id)
		return ATTACH_TC;
	return ATTACH_NONE;
}

int detach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, const struct dp_prog *prog)
{
	char path[PATH_MAX];
	int fd, err;

	dp_link_path(dp, ifname, path, sizeof(path));
	if (tcx_link_is_ours(path, prog, &fd)) {
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
	err = nl_tc_bpf_detach(nl, ifindex, ATEOM_TC_PRIO, ATEOM_TC_HANDLE, prog->id);
	/* -EBUSY: someone else's filter sits there; it is not ours to remove. */
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL && err != -EBUSY)
		return ateom_fail("cannot detach tc filter from %s: %s", ifname, strerror(-err));
	return 0;
}

/* With no actor left, the pod interface goes back to exactly what it was. */
int detach_pod_if_idle(struct nl *nl, const struct dp *dp)
{
	struct ateom_config cfg;
	struct nl_link pod;
	int n = state_actor_count(dp);

	if (n < 0 || (n == 0 && dp_config_get(dp, &cfg)))
		return -1;
	if (n > 0 || !cfg.pod_ifindex)
		return 0;
	if (nl_link_get_by_index(nl, cfg.pod_ifindex, &pod))
		return 0; /* the pod interface is gone: nothing attached to detach */
	return detach_ingress(nl, dp, pod.name, pod.ifindex, &dp->from_pod);
}
