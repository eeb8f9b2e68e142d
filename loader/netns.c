// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "errmsg.h"
#include "netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
/* Linux 6.18's nsfs: the namespace id, which for a netns is its cookie.
 * Debian 12's headers predate it. */
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 13, __u64)
#endif

/* 0 or an errno: the cookie of a socket made in the calling thread's netns
 * (any family works; AF_UNIX exists everywhere). */
static int socket_cookie(uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = errno;
	close(fd);
	return err;
}

int netns_self(uint64_t *cookie, uint64_t *ino)
{
	struct stat st;
	int err = socket_cookie(cookie);

	if (err == ENOPROTOOPT)
		return ateom_fail("this kernel has no network namespace cookies "
				  "(SO_NETNS_COOKIE, Linux 5.14)");
	if (err)
		return ateom_fail("cannot read the netns cookie: %s", strerror(err));
	if (!ino)
		return 0;
	if (stat("/proc/thread-self/ns/net", &st))
		return ateom_fail("cannot stat /proc/thread-self/ns/net: %s", strerror(errno));
	*ino = st.st_ino;
	return 0;
}

/* ---- liveness by file handle ------------------------------------------------ */

/* Linux 6.18's nsfs file handles; Debian 12's headers predate them. */
#ifndef FD_NSFS_ROOT
#define FD_NSFS_ROOT -10003
#endif
#define FILEID_NSFS 0xf1
struct nsfs_handle {
	__u64 ns_id;   /* for a netns, its cookie */
	__u32 ns_type; /* CLONE_NEWNET */
	__u32 ns_inum;
};

/* 0 opened (the namespace lives), else an errno. */
static int open_by_nsfs_handle(uint64_t cookie, uint64_t ino)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(struct nsfs_handle)];
	} u;
	struct nsfs_handle h = { .ns_id = cookie, .ns_type = CLONE_NEWNET,
				 .ns_inum = (__u32)ino };
	int fd;

	if (ino > UINT32_MAX)
		return EINVAL;
	u.fh.handle_bytes = sizeof(h);
	u.fh.handle_type = FILEID_NSFS;
	memcpy(u.fh.f_handle, &h, sizeof(h));
	fd = open_by_handle_at(FD_NSFS_ROOT, &u.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* A stale handle means "dead" only where handles work: checked once by
 * opening our own namespace. */
static bool handles_work(void)
{
	static int known = -1;

	if (known < 0) {
		bool had_msg = ateom_failed();
		uint64_t cookie, ino;

		known = netns_self(&cookie, &ino) == 0 && open_by_nsfs_handle(cookie, ino) == 0;
		if (!had_msg)
			ateom_errmsg_clear();
	}
	return known;
}

int netns_alive(uint64_t cookie, uint64_t ino)
{
	int err;

	if (!handles_work())
		return -1;
	err = open_by_nsfs_handle(cookie, ino);
	return err == 0 ? 1 : err == ESTALE ? 0 : -1;
}

struct cookie_job {
	int fd;
	uint64_t cookie;
	int err;
};

/* The thread enters the namespace and ends: the process stays where it is. */
static void *cookie_thread(void *arg)
{
	struct cookie_job *j = arg;

	j->err = setns(j->fd, CLONE_NEWNET) ? errno : socket_cookie(&j->cookie);
	return NULL;
}

int netns_cookie_by_setns(int fd, uint64_t *cookie)
{
	struct cookie_job j = { .fd = fd };
	pthread_t t;
	int err = pthread_create(&t, NULL, cookie_thread, &j);

	if (err)
		return ateom_fail("cannot start a thread: %s", strerror(err));
	pthread_join(t, NULL);
	if (j.err)
		return ateom_fail("cannot read the cookie of a network namespace: %s",
				  strerror(j.err));
	*cookie = j.cookie;
	return 0;
}

/* Does NS_GET_ID give the netns cookie here? Checked once, on our own
 * namespace: a kernel without it says ENOTTY. */
static bool ns_get_id_is_cookie(void)
{
	static int known = -1;

	if (known < 0) {
		int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		uint64_t id = 0, cookie = 0;

		known = fd >= 0 && ioctl(fd, NS_GET_ID, &id) == 0 &&
			socket_cookie(&cookie) == 0 && id == cookie;
		if (fd >= 0)
			close(fd);
	}
	return known;
}

int netns_cookie_of_fd(int fd, uint64_t *cookie)
{
	uint64_t id;

	if (ns_get_id_is_cookie() && ioctl(fd, NS_GET_ID, &id) == 0) {
		*cookie = id;
		return 0;
	}
	return netns_cookie_by_setns(fd, cookie);
}

/* ---- the set ---------------------------------------------------------------- */

/* A growable list of u64. */
struct u64s {
	uint64_t *v;
	size_t n, cap;
};

static bool has(const uint64_t *v, size_t n, uint64_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static int grow(uint64_t **v, size_t cap)
{
	uint64_t *p = realloc(*v, cap * sizeof(**v));

	if (!p)
		return ateom_fail("out of memory");
	*v = p;
	return 0;
}

static int u64s_add(struct u64s *l, uint64_t x)
{
	if (l->n == l->cap && grow(&l->v, l->cap = l->cap ? l->cap * 2 : 16))
		return -1;
	l->v[l->n++] = x;
	return 0;
}

bool netns_set_has_cookie(const struct netns_set *s, uint64_t cookie)
{
	return has(s->cookies, s->n, cookie);
}

bool netns_set_has_ino(const struct netns_set *s, uint64_t ino)
{
	return has(s->inos, s->n, ino);
}

void netns_set_free(struct netns_set *s)
{
	free(s->cookies);
	free(s->inos);
	*s = (struct netns_set){ 0 };
}

static int set_add(struct netns_set *s, uint64_t ino, uint64_t cookie)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		if (grow(&s->cookies, s->cap) || grow(&s->inos, s->cap))
			return -1;
	}
	s->cookies[s->n] = cookie;
	s->inos[s->n++] = ino;
	return 0;
}

/* ---- the scan ---------------------------------------------------------------- */

struct scan {
	struct netns_set *set;
	struct u64s mntns; /* mount namespaces whose mounts were read */
	dev_t nsfs_dev;    /* the device every namespace file is on */
};

/* An entry of /proc that vanished while we looked: its process exited. */
static bool gone(int err)
{
	return err == ENOENT || err == ESRCH;
}

static int scan_fail(const char *path, int err)
{
	return ateom_fail("cannot read %s: %s; gc must see every process of the node "
			  "(root, the host's PID namespace)", path, strerror(err));
}

/* "net:[4026531840]" (an nsfs link or an nsfs mount's root) -> inode. */
static bool net_ino(const char *s, uint64_t *ino)
{
	char *end;

	if (strncmp(s, "net:[", 5))
		return false;
	*ino = strtoull(s + 5, &end, 10);
	return *end == ']';
}

/* A network namespace named "net:[ino]" reachable at path: opened and
 * asked for its cookie, unless already in the set. */
static int add_ns(struct scan *sc, uint64_t ino, const char *path)
{
	struct netns_set *s = sc->set;
	struct stat st;
	uint64_t cookie;
	int fd, rc;

	if (netns_set_has_ino(s, ino))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return gone(errno) ? 0 : scan_fail(path, errno);
	/* The pid may have been reused since the readlink: trust what was
	 * opened, if it is still a network namespace. */
	if (fstat(fd, &st) || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET ||
	    netns_set_has_ino(s, st.st_ino)) {
		close(fd);
		return 0;
	}
	rc = netns_cookie_of_fd(fd, &cookie);
	close(fd);
	return rc ? rc : set_add(s, st.st_ino, cookie);
}

/* path is a namespace link or an fd link: added when it names a netns.
 * An fd opened through a bind mount (/run/netns/x) reads as that path, or
 * as "/" once it is unmounted: its inode tells (statx that never waits for
 * a remote filesystem, for the fds that are files). */
static int add_link(struct scan *sc, const char *path)
{
	char target[64];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	struct statx stx;
	uint64_t ino;

	if (n < 0)
		return gone(errno) ? 0 : scan_fail(path, errno);
	target[n] = '\0';
	if (net_ino(target, &ino))
		return add_ns(sc, ino, path);
	if (target[0] != '/')
		return 0; /* socket:[..], pipe:[..], anon_inode:..., another namespace kind */
	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_INO, &stx))
		return gone(errno) ? 0 : scan_fail(path, errno);
	if (makedev(stx.stx_dev_major, stx.stx_dev_minor) != sc->nsfs_dev)
		return 0;
	return add_ns(sc, stx.stx_ino, path);
}

/* Calls fn(sc, "DIR/<entry>SUFFIX") for each entry of a /proc dir. */
static int each_entry(struct scan *sc, const char *dir, const char *suffix,
		      int (*fn)(struct scan *, const char *))
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return gone(errno) ? 0 : scan_fail(dir, errno);
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s%s", dir, e->d_name, suffix);
		rc = fn(sc, path);
	}
	closedir(d);
	return rc;
}

/* mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The nsfs bind mounts of one mount namespace (/run/netns/NAME, or a
 * runtime's own place), reached through a process in it. */
static int scan_mounts(struct scan *sc, const char *pid_dir)
{
	char path[PATH_MAX];
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/mountinfo", pid_dir);
	f = fopen(path, "re");
	if (!f)
		return gone(errno) ? 0 : scan_fail(path, errno);
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		/* "id parent maj:min root mountpoint ...": an nsfs mount's
		 * root is the namespace's name. */
		char *field[5], *save = NULL, *p = line;
		uint64_t ino;
		int n;

		for (n = 0; n < 5 && (field[n] = strtok_r(p, " \n", &save)); n++)
			p = NULL;
		if (n < 5 || !net_ino(field[3], &ino) || netns_set_has_ino(sc->set, ino))
			continue;
		unescape(field[4]);
		if ((size_t)snprintf(path, sizeof(path), "%s/root%s", pid_dir, field[4]) <
		    sizeof(path))
			rc = add_ns(sc, ino, path);
	}
	free(line);
	fclose(f);
	return rc;
}

/* One process: its threads' netns, its mount namespace's nsfs mounts (once
 * per mount namespace), its fds. */
static int scan_pid(struct scan *sc, const char *pid_dir)
{
	char path[PATH_MAX], target[64];
	const char *name = strrchr(pid_dir, '/') + 1;
	uint64_t mnt;
	ssize_t n;
	int rc;

	if (name[strspn(name, "0123456789")] != '\0')
		return 0; /* not a process */
	snprintf(path, sizeof(path), "%s/task", pid_dir);
	if ((rc = each_entry(sc, path, "/ns/net", add_link)))
		return rc;
	snprintf(path, sizeof(path), "%s/ns/mnt", pid_dir);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0 && !gone(errno))
		return scan_fail(path, errno);
	if (n > 0) {
		target[n] = '\0';
		mnt = strtoull(target + strcspn(target, "0123456789"), NULL, 10);
		if (!has(sc->mntns.v, sc->mntns.n, mnt) &&
		    (u64s_add(&sc->mntns, mnt) || scan_mounts(sc, pid_dir)))
			return -1;
	}
	snprintf(path, sizeof(path), "%s/fd", pid_dir);
	return each_entry(sc, path, "", add_link);
}

/* In a child PID namespace, /proc shows part of the node: namespaces of
 * the rest would look dead. NSpid lists one pid per nesting level. */
static int check_host_pidns(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int levels = 1;

	if (!f)
		return scan_fail("/proc/self/status", errno);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		levels = 0;
		for (char *p = line + 6; *(p += strspn(p, " \t")) && *p != '\n';
		     p += strcspn(p, " \t\n"))
			levels++;
	}
	fclose(f);
	if (levels > 1)
		return ateom_fail("gc runs in a child PID namespace and would not see every "
				  "worker; run it in the host's PID namespace (hostPID)");
	return 0;
}

int netns_scan(struct netns_set *s)
{
	struct scan sc = { .set = s };
	struct stat st;
	int rc;

	*s = (struct netns_set){ 0 };
	if (check_host_pidns())
		return -1;
	if (stat("/proc/self/ns/net", &st))
		return scan_fail("/proc/self/ns/net", errno);
	sc.nsfs_dev = st.st_dev;
	rc = each_entry(&sc, "/proc", "", scan_pid);
	free(sc.mntns.v);
	return rc;
}
