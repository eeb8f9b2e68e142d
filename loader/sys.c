// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include <bpf/bpf.h>

#include "errmsg.h"
#include "sys.h"

int sys_check_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	static const struct { int cap; const char *name; const char *why; } need[] = {
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN", "netlink and tc" },
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "setns, bpffs and BPF" },
	};

	if (syscall(SYS_capget, &hdr, data))
		return ateom_fail("capget: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int c = need[i].cap;

		if (!(data[c / 32].effective & (1U << (c % 32))))
			return ateom_fail("missing capability %s (needed for %s); run as root",
					  need[i].name, need[i].why);
	}
	return 0;
}

int sys_open_actor_netns(const char *path)
{
	struct stat a, self;
	struct statfs sfs;
	int fd;

	/* A namespace file is a regular file on nsfs. Anything else is refused
	 * before it is opened: opening a FIFO would block until a writer came,
	 * a device could react to being opened. O_NONBLOCK covers a file
	 * swapped for a FIFO between the stat and the open. */
	if (stat(path, &a))
		return ateom_fail("--netns %s: %s", path, strerror(errno));
	if (!S_ISREG(a.st_mode))
		return ateom_fail("--netns %s: not a network namespace (%s)", path,
				  S_ISDIR(a.st_mode) ? "a directory" : S_ISFIFO(a.st_mode) ? "a FIFO" :
				  S_ISSOCK(a.st_mode) ? "a socket" : "a device");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return ateom_fail("--netns %s: %s", path, strerror(errno));
	if (fstatfs(fd, &sfs) || sfs.f_type != NSFS_MAGIC ||
	    ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return ateom_fail("--netns %s: not a network namespace", path);
	}
	if (fstat(fd, &a) == 0 && stat("/proc/thread-self/ns/net", &self) == 0 &&
	    a.st_ino == self.st_ino && a.st_dev == self.st_dev) {
		close(fd);
		return ateom_fail("--netns %s is the worker's own network namespace", path);
	}
	return fd;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	return 0;
}

/* Is every port of [min,max] listed in ip_local_reserved_ports ("a,b-c")? */
static int reserved_covers(uint16_t min, uint16_t max)
{
	char buf[4096], *save = NULL;
	unsigned int next = min;

	if (read_line("/proc/sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf)))
		return 0;
	/* The kernel prints the list sorted and merged. */
	for (char *tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
		unsigned int lo, hi;

		if (sscanf(tok, "%u-%u", &lo, &hi) != 2)
			hi = lo = (unsigned int)strtoul(tok, NULL, 10);
		if (lo <= next && hi >= next)
			next = hi + 1;
		if (next > max)
			return 1;
	}
	return 0;
}

int sys_check_snat_range(uint16_t min, uint16_t max)
{
	char buf[64];
	unsigned int lo, hi;

	if (read_line("/proc/sys/net/ipv4/ip_local_port_range", buf, sizeof(buf)) ||
	    sscanf(buf, "%u %u", &lo, &hi) != 2)
		return 0; /* cannot tell: nothing to compare against */
	if (max < lo || min > hi || reserved_covers(min, max))
		return 0;
	return ateom_fail("SNAT ports %u-%u overlap the worker's ip_local_port_range %u-%u; "
			  "use --snat-ports outside it or add them to ip_local_reserved_ports",
			  min, max, lo, hi);
}

double sys_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int sys_open_hook(const char *path)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return ateom_fail("--egress-hook %s: %s (a program pinned on bpffs)", path,
				  strerror(errno));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_PROG_TYPE_SCHED_CLS) {
		close(fd);
		return ateom_fail("--egress-hook %s: not a pinned SCHED_CLS (tc) program", path);
	}
	return fd;
}

void sys_fault_point(const char *step)
{
	const char *want = getenv("ATEOMNET_FAULT");

	if (want && strcmp(want, step) == 0)
		_exit(137); /* no atexit, no flush: like a kill */
}
