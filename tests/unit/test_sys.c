// SPDX-License-Identifier: Apache-2.0
/*
 * loader/sys.c helpers that need no privileges: which --netns paths are
 * refused (and that none of them can hang `up`), the clock. (The pin dir a
 * command resolves to: test_pin.c.)
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "errmsg.h"
#include "sys.h"

static char tmpdir[] = "/tmp/ateom-test-sys.XXXXXX";

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const files[] = { "fifo", "regular" };
	char path[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("sys_open_actor_netns blocked");
}

/* Refused with -1 and a message that contains want, within a second. */
static void assert_refused(const char *path, const char *want)
{
	int fd;

	ateom_errmsg_clear();
	signal(SIGALRM, on_alarm);
	alarm(2);
	fd = sys_open_actor_netns(path);
	alarm(0);
	assert_int_equal(fd, -1);
	if (!strstr(ateom_errmsg(), want))
		fail_msg("message \"%s\" lacks \"%s\"", ateom_errmsg(), want);
}

static void test_fifo_refused_without_blocking(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_refused(path, "not a network namespace (a FIFO)");
}

static void test_other_files_refused(void **state)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/regular", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_refused(path, "not a network namespace");
	assert_refused(tmpdir, "not a network namespace (a directory)");
	assert_refused("/dev/null", "not a network namespace (a device)");
	assert_refused("/proc/self/ns/mnt", "not a network namespace");
	snprintf(path, sizeof(path), "%s/nosuch", tmpdir);
	assert_refused(path, "No such file or directory");
	assert_refused("/proc/self/ns/net", "is the worker's own network namespace");
}

static void test_now_ms_monotonic(void **state)
{
	double a = sys_now_ms(), b;

	usleep(2000);
	b = sys_now_ms();
	assert_true(b - a >= 1.5);
	assert_true(b - a < 1000);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_refused_without_blocking),
		cmocka_unit_test(test_other_files_refused),
		cmocka_unit_test(test_now_ms_monotonic),
	};

	return cmocka_run_group_tests_name("sys", tests, setup, teardown);
}
