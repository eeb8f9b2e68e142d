// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "errmsg.h"
#include "pin.h"

int pin_default_dir(char *out, size_t len)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return ateom_fail("cannot stat /proc/self/ns/net: %s", strerror(errno));
	snprintf(out, len, "%s/net%lu", ATEOM_PIN_ROOT, (unsigned long)st.st_ino);
	return 0;
}

int pin_dir_resolve(const char *flag, char *out, size_t len)
{
	if (flag && flag[0]) {
		snprintf(out, len, "%s", flag);
		return 0;
	}
	return pin_default_dir(out, len);
}

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

bool pin_dir_exists(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && on_bpffs(dir);
}

/* bpffs is usually mounted by systemd; in a bare VM or container it may not
 * be. Mount it only at its conventional place. */
static int ensure_bpffs(const char *dir)
{
	if (strncmp(dir, "/sys/fs/bpf/", 12) != 0)
		return 0;
	if (on_bpffs("/sys/fs/bpf"))
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return ateom_fail("cannot mount bpffs at /sys/fs/bpf: %s", strerror(errno));
	/* Pins live as long as this mount: worth saying once (`ip netns exec`
	 * gives every command a throwaway one). */
	fprintf(stderr, "ateomnet: note: mounted bpffs at /sys/fs/bpf; pins last as long "
		"as this mount namespace keeps it\n");
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

int pin_lock(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ateom_fail("cannot open pin dir %s: %s", dir, strerror(errno));
	if (flock(fd, LOCK_EX)) {
		close(fd);
		return ateom_fail("cannot lock pin dir %s: %s", dir, strerror(errno));
	}
	return fd;
}

void pin_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

void pin_dir_remove_if_empty(const char *dir)
{
	rmdir(dir); /* fails harmlessly when not empty */
}
