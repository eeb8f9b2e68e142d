// SPDX-License-Identifier: Apache-2.0
/*
 * loader/pin.c and loader/netns.c: the pin dir a command resolves to, the
 * netns cookie by each of its ways, whether a namespace lives, and the
 * pin dir's owner record, lock and removal. The tests that need root and
 * bpffs skip without them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "errmsg.h"
#include "netns.h"
#include "pin.h"

static char bpfdir[64]; /* a scratch dir on bpffs, "" when there is none */

static bool privileged(void)
{
	struct statfs sfs;

	return geteuid() == 0 && statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

/* Root (which `make test` is) always has a bpffs scratch dir: without one
 * the test fails rather than passing by skipping. */
static void need_bpfdir(void)
{
	if (geteuid() != 0)
		skip();
	if (!bpfdir[0])
		fail_msg("no scratch dir on bpffs under /sys/fs/bpf as root");
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	return uname(&u) == 0 && sscanf(u.release, "%d.%d", &ma, &mi) == 2 &&
	       (ma > major || (ma == major && mi >= minor));
}

static int setup(void **state)
{
	if (privileged()) {
		snprintf(bpfdir, sizeof(bpfdir), "/sys/fs/bpf/ateom-test-pin-%d", (int)getpid());
		if (mkdir(bpfdir, 0700))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	if (bpfdir[0] && pin_dir_clear(bpfdir))
		return -1;
	return 0;
}

static uint64_t socket_cookie(void)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &c, &len), 0);
	close(fd);
	return c;
}

static void test_default_dir_is_the_cookie(void **state)
{
	char out[4096], want[128];

	ateom_errmsg_clear();
	snprintf(want, sizeof(want), ATEOM_PIN_ROOT "/netns-%" PRIu64, socket_cookie());
	assert_int_equal(pin_default_dir(out, sizeof(out)), 0);
	assert_string_equal(out, want);
	assert_int_equal(pin_dir_resolve("", out, sizeof(out)), 0);
	assert_string_equal(out, want);
	assert_int_equal(pin_dir_resolve(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, want);
	assert_int_equal(pin_dir_resolve("/x/y", out, sizeof(out)), 0);
	assert_string_equal(out, "/x/y");
}

static void test_cookie_of_own_netns(void **state)
{
	uint64_t self, ino, by_fd, by_setns;
	struct stat st;
	int fd = open("/proc/self/ns/net", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(netns_self(&self, &ino), 0);
	assert_int_equal(self, socket_cookie());
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ino, st.st_ino);
	if (geteuid() == 0) { /* setns needs CAP_SYS_ADMIN */
		assert_int_equal(netns_cookie_by_setns(fd, &by_setns), 0);
		assert_int_equal(by_setns, self);
	}
	assert_int_equal(netns_cookie_of_fd(fd, &by_fd), 0);
	assert_int_equal(by_fd, self);
	close(fd);
}

/* A thread makes a namespace and hands out an fd of it; the namespace dies
 * when the thread and the fd are gone. */
static void *new_netns(void *arg)
{
	int *fd = arg;

	*fd = unshare(CLONE_NEWNET) ? -1 : open("/proc/thread-self/ns/net", O_RDONLY);
	return NULL;
}

static void test_alive_and_gone(void **state)
{
	uint64_t cookie, by_setns, self, self_ino;
	struct stat st;
	pthread_t t;
	int fd = -1, alive = -1;

	if (geteuid() != 0)
		skip();
	assert_int_equal(pthread_create(&t, NULL, new_netns, &fd), 0);
	pthread_join(t, NULL);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(netns_cookie_of_fd(fd, &cookie), 0);
	assert_int_equal(netns_cookie_by_setns(fd, &by_setns), 0);
	assert_int_equal(cookie, by_setns);
	assert_int_equal(netns_self(&self, &self_ino), 0);
	assert_true(cookie != self);

	if (netns_alive(self, self_ino) < 0) {
		close(fd);
		/* Only a kernel without nsfs file handles (< 6.18) may fail it. */
		if (kernel_at_least(6, 18))
			fail_msg("netns_alive failed on a kernel that has nsfs file handles");
		skip();
	}
	assert_int_equal(netns_alive(self, self_ino), 1);
	assert_int_equal(netns_alive(cookie, st.st_ino), 1);
	/* The right cookie with another inode is no namespace. */
	assert_int_equal(netns_alive(cookie, self_ino), 0);
	close(fd);
	/* The namespace is freed asynchronously. */
	for (int i = 0; i < 200 && (alive = netns_alive(cookie, st.st_ino)) == 1; i++)
		usleep(10000);
	assert_int_equal(alive, 0);
}

static void test_scan_finds_own_netns(void **state)
{
	struct netns_set s;
	uint64_t self, ino;

	if (geteuid() != 0)
		skip();
	assert_int_equal(netns_self(&self, &ino), 0);
	ateom_errmsg_clear();
	if (netns_scan(&s)) {
		/* Some sandboxes keep even root from a process's namespaces
		 * (this dev VM's container from PID 1's): the scan must then
		 * fail and say which, never return a partial set. */
		assert_non_null(strstr(ateom_errmsg(), "cannot read /proc/"));
		netns_set_free(&s);
		ateom_errmsg_clear();
		return;
	}
	assert_true(netns_set_has_cookie(&s, self));
	assert_true(netns_set_has_ino(&s, ino));
	assert_false(netns_set_has_cookie(&s, 0));
	netns_set_free(&s);
}

static void path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", bpfdir, name);
}

static void test_owner_record(void **state)
{
	char dir[128], rec[256], other[256];
	struct pin_owner o;
	uint64_t self, ino;
	bool created;
	int fd;

	need_bpfdir();
	path_in(dir, sizeof(dir), "w");
	assert_int_equal(pin_dir_prepare(dir, &created), 0);
	assert_true(created);
	assert_int_equal(pin_dir_owner(dir, &o), 0);

	/* The first lock claims the dir for this netns. */
	fd = pin_lock(dir);
	assert_true(fd >= 0);
	assert_int_equal(netns_self(&self, &ino), 0);
	snprintf(rec, sizeof(rec), "%s/owner-netns-%" PRIu64 "-%" PRIu64, dir, self, ino);
	assert_int_equal(access(rec, F_OK), 0);
	assert_int_equal(pin_dir_owner(dir, &o), 1);
	assert_int_equal(o.cookie, self);
	assert_int_equal(o.ino, ino);
	/* gc's lock does not wait. */
	{
		int fd2 = -1;

		assert_int_equal(pin_trylock(dir, &fd2), 0);
		pin_unlock(fd);
		assert_int_equal(pin_trylock(dir, &fd2), 1);
		pin_unlock(fd2);
	}
	/* Again: still ours. */
	fd = pin_lock(dir);
	assert_true(fd >= 0);
	pin_unlock(fd);

	/* Only the record left: removed with it. Anything else: kept. */
	snprintf(other, sizeof(other), "%s/links", dir);
	assert_int_equal(mkdir(other, 0700), 0);
	assert_int_equal(pin_dir_remove(dir), 1);
	assert_int_equal(access(rec, F_OK), 0);
	assert_int_equal(rmdir(other), 0);
	assert_int_equal(pin_dir_remove(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(pin_dir_remove(dir), 0); /* not there: fine */
}

static void test_foreign_owner_refused(void **state)
{
	char dir[128], rec[256];
	bool created;

	need_bpfdir();
	path_in(dir, sizeof(dir), "foreign");
	assert_int_equal(pin_dir_prepare(dir, &created), 0);
	snprintf(rec, sizeof(rec), "%s/owner-netns-1-4026531000", dir);
	assert_int_equal(mkdir(rec, 0700), 0);
	ateom_errmsg_clear();
	assert_int_equal(pin_lock(dir), -1);
	assert_non_null(strstr(ateom_errmsg(), "belongs to another network namespace"));
	assert_non_null(strstr(ateom_errmsg(), "ateomnet gc"));
	/* Two different records: refused too. */
	snprintf(rec, sizeof(rec), "%s/owner-netns-2-4026531001", dir);
	assert_int_equal(mkdir(rec, 0700), 0);
	ateom_errmsg_clear();
	assert_int_equal(pin_lock(dir), -1);
	assert_non_null(strstr(ateom_errmsg(), "two owners"));
	ateom_errmsg_clear();
	assert_int_equal(pin_dir_clear(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
}

static void test_clear_unpins_everything(void **state)
{
	char dir[128], sub[256], pin[256];
	int fd;

	need_bpfdir();
	path_in(dir, sizeof(dir), "dead");
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/links", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t", 4, 8, 1, NULL);
	assert_true(fd >= 0);
	snprintf(pin, sizeof(pin), "%s/some_map", dir);
	assert_int_equal(bpf_obj_pin(fd, pin), 0);
	snprintf(pin, sizeof(pin), "%s/links/eth0", dir);
	assert_int_equal(bpf_obj_pin(fd, pin), 0);
	close(fd);
	assert_int_equal(pin_dir_clear(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(pin_dir_clear(dir), 0); /* not there: fine */
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_dir_is_the_cookie),
		cmocka_unit_test(test_cookie_of_own_netns),
		cmocka_unit_test(test_alive_and_gone),
		cmocka_unit_test(test_scan_finds_own_netns),
		cmocka_unit_test(test_owner_record),
		cmocka_unit_test(test_foreign_owner_refused),
		cmocka_unit_test(test_clear_unpins_everything),
	};

	return cmocka_run_group_tests_name("pin", tests, setup, teardown);
}
