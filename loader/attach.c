// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
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
#define BPF_TCX_EGRESS 47
#endif
#define LINK_TYPE_TCX 11 /* BPF_LINK_TYPE_TCX */

/* struct bpf_link_info as the kernel fills it for a tcx link. libbpf 1.1's
 * copy predates the tcx member of its union (which, holding u64s, starts
 * 8-aligned after type, id and prog_id). */
struct tcx_link_info {
	__u32 type, id, prog_id, pad;
	struct {
		__u32 ifindex;     /* 0 once the device is gone */
		__u32 attach_type;
	} tcx;
};
_Static_assert(offsetof(struct tcx_link_info, tcx) == offsetof(struct bpf_link_info, netns),
	       "the tcx member starts where the union does");

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

/* What a pin under links/ is to an attachment we look for. */
enum pin_verdict {
	PIN_NONE,  /* nothing pinned there */
	PIN_OURS,  /* a live tcx link of prog at attach_type on ifindex */
	PIN_OTHER, /* a live tcx link, but of another program or device */
	PIN_DEAD,  /* a link whose device is gone, or not a tcx link at all */
};

/* Judges the pin at path; with PIN_OURS and fd_out, hands over its fd. */
static enum pin_verdict tcx_pin_check(const char *path, int ifindex, __u32 attach_type,
				      const struct dp_prog *prog, int *fd_out)
{
	struct tcx_link_info info = {};
	__u32 len = sizeof(info);
	enum pin_verdict v;
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return errno == ENOENT ? PIN_NONE : PIN_DEAD;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != LINK_TYPE_TCX ||
	    !info.tcx.ifindex)
		v = PIN_DEAD;
	else if (info.tcx.ifindex != (__u32)ifindex || info.tcx.attach_type != attach_type ||
		 info.prog_id != prog->id)
		v = PIN_OTHER;
	else
		v = PIN_OURS;
	if (v == PIN_OURS && fd_out)
		*fd_out = fd;
	else
		close(fd);
	return v;
}

/* Calls fn(path, arg) for each pin under DIR/links; stops at fn's non-zero. */
static int each_link_pin(const struct dp *dp, int (*fn)(const char *path, void *arg), void *arg)
{
	char dir[PATH_MAX + 16], path[PATH_MAX + 16 + 256];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s/links", dp->dir);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : ateom_fail("cannot read %s: %s", dir, strerror(errno));
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		rc = fn(path, arg);
	}
	closedir(d);
	return rc;
}

static __u32 tcx_type(enum nl_tc_hook hook)
{
	return hook == NL_TC_EGRESS ? BPF_TCX_EGRESS : BPF_TCX_INGRESS;
}

/* Pin path of our tcx link on an interface's hook: links/IFNAME for
 * ingress, links/IFNAME-egress for egress (bpffs names take no dot). */
static void link_path(const struct dp *dp, const char *ifname, enum nl_tc_hook hook,
		      char *out, size_t len)
{
	snprintf(out, len, "%s/links/%s%s", dp->dir, ifname, hook == NL_TC_EGRESS ? "-egress" : "");
}

struct find_ours {
	int ifindex;
	enum nl_tc_hook hook;
	const struct dp_prog *prog;
	char *path;   /* out: where it is pinned */
	size_t len;
};

static int find_ours_in(const char *path, void *arg)
{
	struct find_ours *f = arg;

	if (tcx_pin_check(path, f->ifindex, tcx_type(f->hook), f->prog, NULL) != PIN_OURS)
		return 0;
	snprintf(f->path, f->len, "%s", path);
	return 1;
}

/* Where our live tcx link of prog on ifindex is pinned: links/IFNAME, or
 * (the interface was renamed since) another name. 1 found, 0 none. A dead
 * or foreign pin at links/IFNAME is unlinked on the way: the next attach
 * pins a fresh link there. */
static int find_pinned_link(const struct dp *dp, const char *ifname, int ifindex,
			    enum nl_tc_hook hook, const struct dp_prog *prog, char *path,
			    size_t len)
{
	struct find_ours f = { .ifindex = ifindex, .hook = hook, .prog = prog, .path = path,
			       .len = len };

	link_path(dp, ifname, hook, path, len);
	switch (tcx_pin_check(path, ifindex, tcx_type(hook), prog, NULL)) {
	case PIN_OURS:
		return 1;
	case PIN_OTHER:
	case PIN_DEAD:
		unlink(path);
		break;
	case PIN_NONE:
		break;
	}
	return each_link_pin(dp, find_ours_in, &f);
}

/* 0 attached; 1 the kernel has no tcx and the caller may fall back to tc
 * (only when may_fall_back); -1 failed. */
static int tcx_attach(const struct dp *dp, const char *ifname, int ifindex,
		      enum nl_tc_hook hook, const struct dp_prog *prog, bool may_fall_back)
{
	char path[PATH_MAX + 32], dir[PATH_MAX + 16];
	int fd, err;

	snprintf(dir, sizeof(dir), "%s/links", dp->dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ateom_fail("cannot create %s: %s", dir, strerror(errno));
	link_path(dp, ifname, hook, path, sizeof(path));
	unlink(path); /* a stale pin of a link whose device is gone */
	fd = bpf_link_create(prog->fd, ifindex, tcx_type(hook), NULL);
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

static int tc_attach(struct nl *nl, int ifindex, enum nl_tc_hook hook,
		     const struct dp_prog *prog)
{
	int err = nl_clsact_ensure(nl, ifindex);

	if (!err)
		err = nl_tc_bpf_attach(nl, ifindex, hook, prog->fd, "ateomnet", ATEOM_TC_PRIO,
				       ATEOM_TC_HANDLE);
	if (err)
		return nl_fail(nl, err, "cannot attach tc filter");
	return 0;
}

int attach_hook(struct nl *nl, const struct dp *dp, const char *ifname, int ifindex,
		enum nl_tc_hook hook, const struct dp_prog *prog, enum attach_mode want,
		enum attach_mode *used)
{
	if (want != ATTACH_TC) {
		int rc = tcx_attach(dp, ifname, ifindex, hook, prog, want == ATTACH_AUTO);

		if (rc <= 0) {
			*used = ATTACH_TCX;
			return rc;
		}
	}
	if (tc_attach(nl, ifindex, hook, prog))
		return -1;
	*used = ATTACH_TC;
	return 0;
}

int attach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, const struct dp_prog *prog, enum attach_mode want,
		   enum attach_mode *used)
{
	return attach_hook(nl, dp, ifname, ifindex, NL_TC_INGRESS, prog, want, used);
}

enum attach_mode attach_query(struct nl *nl, const struct dp *dp,
			      const char *ifname, int ifindex, const struct dp_prog *prog)
{
	char path[PATH_MAX + 16 + 256];
	uint32_t id = 0;
	int rc = find_pinned_link(dp, ifname, ifindex, NL_TC_INGRESS, prog, path, sizeof(path));

	if (rc < 0)
		ateom_errmsg_clear(); /* an unreadable links/ is no attachment */
	if (rc == 1)
		return ATTACH_TCX;
	if (nl_tc_bpf_query(nl, ifindex, NL_TC_INGRESS, ATEOM_TC_PRIO, ATEOM_TC_HANDLE, &id) == 0 &&
	    id == prog->id)
		return ATTACH_TC;
	return ATTACH_NONE;
}

int detach_hook(struct nl *nl, const struct dp *dp, const char *ifname, int ifindex,
		enum nl_tc_hook hook, const struct dp_prog *prog)
{
	char path[PATH_MAX + 16 + 256];
	int fd, rc, err;

	while ((rc = find_pinned_link(dp, ifname, ifindex, hook, prog, path, sizeof(path))) == 1) {
		if (tcx_pin_check(path, ifindex, tcx_type(hook), prog, &fd) == PIN_OURS) {
			bpf_link_detach(fd);
			close(fd);
		}
		if (unlink(path) && errno != ENOENT)
			return ateom_fail("cannot unpin %s: %s", path, strerror(errno));
	}
	if (rc < 0)
		return -1;
	err = nl_tc_bpf_detach(nl, ifindex, hook, ATEOM_TC_PRIO, ATEOM_TC_HANDLE, prog->id);
	/* -EBUSY: someone else's filter sits there; it is not ours to remove. */
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL && err != -EBUSY)
		return ateom_fail("cannot detach tc filter from %s: %s", ifname, strerror(-err));
	return 0;
}

int detach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, const struct dp_prog *prog)
{
	return detach_hook(nl, dp, ifname, ifindex, NL_TC_INGRESS, prog);
}

/* Unlinks the pin of a tcx link whose device is gone (all: any pin,
 * detaching a live link first). A pin that cannot be opened is dead too. */
static int sweep_one(const char *path, void *arg)
{
	bool all = *(bool *)arg;
	struct tcx_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);
	bool dead = fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) ||
		    (info.type == LINK_TYPE_TCX && !info.tcx.ifindex);

	if (all || dead) {
		if (!dead)
			bpf_link_detach(fd); /* EINVAL for what is not a link: fine */
		if (unlink(path) && errno != ENOENT) {
			if (fd >= 0)
				close(fd);
			return ateom_fail("cannot unpin %s: %s", path, strerror(errno));
		}
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int attach_sweep_links(const struct dp *dp, bool all)
{
	return each_link_pin(dp, sweep_one, &all);
}

/* With no actor left, the pod interface goes back to exactly what it was
 * (purge, and an `up` that attached and then failed). */
int detach_pod_if_idle(struct nl *nl, const struct dp *dp)
{
	struct ateom_config cfg;
	struct nl_link pod;
	int n = state_actor_count(dp);

	/* Links whose device is gone (an actor netns deleted before its
	 * `down`, a re-created pod interface) would pin their programs
	 * forever: they go whatever the actor count. */
	if (n < 0 || attach_sweep_links(dp, false) || (n == 0 && dp_config_get(dp, &cfg)))
		return -1;
	if (n > 0 || !cfg.pod_ifindex)
		return 0;
	if (nl_link_get_by_index(nl, cfg.pod_ifindex, &pod))
		return 0; /* the pod interface is gone: nothing attached to detach */
	return detach_ingress(nl, dp, pod.name, pod.ifindex, &dp->from_pod);
}
