// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "errmsg.h"
#include "netns.h"
#include "pin.h"

#define BPFFS_MOUNT "/sys/fs/bpf"

int pin_default_dir(char *out, size_t len)
{
	uint64_t cookie;

	if (netns_self(&cookie, NULL))
		return -1;
	snprintf(out, len, "%s/" PIN_DIR_PREFIX "%" PRIu64, ATEOM_PIN_ROOT, cookie);
	return 0;
}

int pin_dir_resolve(const char *flag, char *out, size_t len)
{
	if (flag && flag[0])
		snprintf(out, len, "%s", flag);
	else if (pin_default_dir(out, len))
		return -1;
	return pin_bpffs_check(out);
}

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

static bool under_bpffs_mount(const char *path)
{
	size_t n = strlen(BPFFS_MOUNT);

	return strncmp(path, BPFFS_MOUNT, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* 1: this process is in the init mount namespace; 0: it is not, or that
 * cannot be told (/proc/1 unreadable). */
static int in_init_mntns(void)
{
	struct stat self, init;

	return stat("/proc/self/ns/mnt", &self) == 0 && stat("/proc/1/ns/mnt", &init) == 0 &&
	       self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

int pin_bpffs_check(const char *path)
{
	if (!under_bpffs_mount(path) || on_bpffs(BPFFS_MOUNT) || in_init_mntns())
		return 0;
	return ateom_fail("%s is not a bpf filesystem in this mount namespace (`ip netns exec` "
			  "remounts /sys): pins made here would vanish when ateomnet exits; enter "
			  "only the worker's netns (nsenter --net=PATH), or mount bpffs on %s in "
			  "the mount namespace that lives as long as the worker",
			  BPFFS_MOUNT, BPFFS_MOUNT);
}

bool pin_dir_exists(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && on_bpffs(dir);
}

/* bpffs is usually mounted by systemd; in a bare VM it may not be. Mount it
 * only at its conventional place, and only where the mount outlives us:
 * pin_bpffs_check refused the other mount namespaces. */
static int ensure_bpffs(const char *dir)
{
	if (!under_bpffs_mount(dir) || on_bpffs(BPFFS_MOUNT))
		return 0;
	if (pin_bpffs_check(dir))
		return -1;
	if (mount("bpf", BPFFS_MOUNT, "bpf", 0, "mode=0700"))
		return ateom_fail("cannot mount bpffs at %s: %s", BPFFS_MOUNT, strerror(errno));
	fprintf(stderr, "ateomnet: note: mounted bpffs at %s (nothing was mounted there)\n",
		BPFFS_MOUNT);
	return 0;
}

static int mkdir_p(const char *dir, bool *created)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return ateom_fail("pin dir path too long");
	memcpy(path, dir, n + 1);
	*created = false;
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char c = *p;

		*p = 0;
		if (mkdir(path, 0700) == 0) {
			if (c == 0)
				*created = true;
		} else if (errno != EEXIST) {
			return ateom_fail("cannot create pin dir %s: %s", path, strerror(errno));
		}
		*p = c;
		if (c == 0)
			break;
	}
	return 0;
}

int pin_dir_prepare(const char *dir, bool *created)
{
	if (ensure_bpffs(dir) || mkdir_p(dir, created))
		return -1;
	if (!on_bpffs(dir)) {
		if (*created)
			rmdir(dir);
		return ateom_fail("pin dir %s is not on a bpf filesystem", dir);
	}
	return 0;
}

/* ---- the owner record --------------------------------------------------------- */

/* A decimal number up to the next '-' or the end. */
static bool decimal(const char **s, uint64_t *v)
{
	char *end;

	if (**s < '0' || **s > '9')
		return false;
	errno = 0;
	*v = strtoull(*s, &end, 10);
	*s = end;
	return errno == 0 && (*end == '\0' || *end == '-');
}

/* "owner-netns-<cookie>-<inode>" -> both. */
static bool owner_name(const char *name, struct pin_owner *o)
{
	size_t n = strlen(PIN_OWNER_PREFIX);
	const char *p = name + n;

	if (strncmp(name, PIN_OWNER_PREFIX, n) || !decimal(&p, &o->cookie) || *p != '-')
		return false;
	p++;
	return decimal(&p, &o->ino) && *p == '\0';
}

/* Reads the directory open at dfd: its owner (1 and *owner, 0 none) and
 * whether it holds anything else (*others, may be NULL). */
static int owner_scan(int dfd, const char *dir, struct pin_owner *owner, bool *others)
{
	int fd = dup(dfd), found = 0;
	struct dirent *e;
	DIR *d;

	if (others)
		*others = false;
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return ateom_fail("cannot read pin dir %s: %s", dir, strerror(errno));
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		struct pin_owner o;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!owner_name(e->d_name, &o)) {
			if (others)
				*others = true;
			continue;
		}
		if (found && (o.cookie != owner->cookie || o.ino != owner->ino)) {
			closedir(d);
			return ateom_fail("pin dir %s records two owners", dir);
		}
		*owner = o;
		found = 1;
	}
	closedir(d);
	return found;
}

int pin_dir_owner(const char *dir, struct pin_owner *owner)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return ateom_fail("cannot open pin dir %s: %s", dir, strerror(errno));
	rc = owner_scan(fd, dir, owner, NULL);
	close(fd);
	return rc;
}

static void owner_path(const char *dir, const struct pin_owner *o, char *out, size_t len)
{
	snprintf(out, len, "%s/" PIN_OWNER_PREFIX "%" PRIu64 "-%" PRIu64, dir, o->cookie, o->ino);
}

/* With the lock held on fd: the dir is this netns's, or becomes it. */
static int claim(int fd, const char *dir)
{
	char path[PATH_MAX + 64];
	struct pin_owner self, owner;
	struct stat st;
	int rc;

	/* A rollback or purge removed it while we waited for the lock. */
	if (fstat(fd, &st) == 0 && st.st_nlink == 0)
		return ateom_fail("pin dir %s was removed while this call waited for its lock; "
				  "try again", dir);
	if (netns_self(&self.cookie, &self.ino))
		return -1;
	rc = owner_scan(fd, dir, &owner, NULL);
	if (rc < 0)
		return -1;
	if (rc == 1 && owner.cookie != self.cookie)
		return ateom_fail("pin dir %s belongs to another network namespace (netns cookie "
				  "%" PRIu64 ", this one is %" PRIu64 "): another worker's, or a dead "
				  "worker's that `ateomnet gc` reclaims", dir, owner.cookie,
				  self.cookie);
	if (rc == 1)
		return 0;
	owner_path(dir, &self, path, sizeof(path));
	if (mkdir(path, 0700) && errno != EEXIST)
		return ateom_fail("cannot record the owner of pin dir %s: %s", dir, strerror(errno));
	return 0;
}

/* ---- the lock ------------------------------------------------------------------ */

static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ateom_fail("cannot open pin dir %s: %s", dir, strerror(errno));
	return fd;
}

int pin_lock(const char *dir)
{
	int fd = open_dir(dir);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX)) {
		close(fd);
		return ateom_fail("cannot lock pin dir %s: %s", dir, strerror(errno));
	}
	if (claim(fd, dir)) {
		close(fd);
		return -1;
	}
	return fd;
}

int pin_trylock(const char *dir, int *fd_out)
{
	int fd = open_dir(dir);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno;

		close(fd);
		if (err == EWOULDBLOCK)
			return 0;
		return ateom_fail("cannot lock pin dir %s: %s", dir, strerror(err));
	}
	*fd_out = fd;
	return 1;
}

void pin_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* ---- removal -------------------------------------------------------------------- */

int pin_dir_remove(const char *dir)
{
	char path[PATH_MAX + 64];
	struct pin_owner owner;
	bool others;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : ateom_fail("cannot open pin dir %s: %s", dir,
							 strerror(errno));
	rc = owner_scan(fd, dir, &owner, &others);
	close(fd);
	if (rc < 0)
		return -1;
	if (others)
		return 1;
	if (rc == 1) {
		owner_path(dir, &owner, path, sizeof(path));
		rmdir(path);
	}
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno == ENOTEMPTY || errno == EEXIST)
		return 1; /* something appeared meanwhile */
	return ateom_fail("cannot remove pin dir %s: %s", dir, strerror(errno));
}

void pin_dir_remove_if_empty(const char *dir)
{
	if (pin_dir_remove(dir) < 0)
		ateom_errmsg_clear(); /* a rollback: the first failure is the message */
}

/* Unlinks every entry under the directory open at dfd; depth keeps a
 * pathological tree from recursing without end. */
static int clear_at(int dfd, const char *dir, int depth)
{
	int fd = dup(dfd), rc = 0;
	struct dirent *e;
	DIR *d;

	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return ateom_fail("cannot read %s: %s", dir, strerror(errno));
	}
	while (rc == 0 && (e = readdir(d))) {
		char sub[PATH_MAX];
		int sfd;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (e->d_type != DT_DIR) {
			if (unlinkat(dfd, e->d_name, 0) && errno != ENOENT)
				rc = ateom_fail("cannot unpin %s: %s", sub, strerror(errno));
			continue;
		}
		if (depth >= 8) {
			rc = ateom_fail("%s: too deep", sub);
			break;
		}
		sfd = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd < 0) {
			rc = errno == ENOENT ? 0 : ateom_fail("cannot open %s: %s", sub, strerror(errno));
			continue;
		}
		rc = clear_at(sfd, sub, depth + 1);
		close(sfd);
		if (rc == 0 && unlinkat(dfd, e->d_name, AT_REMOVEDIR) && errno != ENOENT)
			rc = ateom_fail("cannot remove %s: %s", sub, strerror(errno));
	}
	closedir(d);
	return rc;
}

int pin_dir_clear(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : ateom_fail("cannot open %s: %s", dir, strerror(errno));
	rc = clear_at(fd, dir, 0);
	close(fd);
	if (rc == 0 && rmdir(dir) && errno != ENOENT)
		rc = ateom_fail("cannot remove %s: %s", dir, strerror(errno));
	return rc;
}
