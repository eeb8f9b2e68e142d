// SPDX-License-Identifier: Apache-2.0
/*
 * loader/sys.c helpers that need no privileges: which --netns paths are
 * refused (and that none of them can hang `up`), the clock, the fault
 * points the crash tests use; and the pure parts of routes.c and veth.c
 * (prefix overlap, the marks a crashed `up` leaves on its veth). (The pin
 * dir a command resolves to: test_pin.c.)
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
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "errmsg.h"
#include "routes.h"
#include "sys.h"
#include "veth.h"

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

/* Exit status of a child that sets ATEOMNET_FAULT=fault (NULL: unset) and
 * passes the fault points "a" then "b"; 0 if it got past both. */
static int run_fault_points(const char *fault)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (fault)
			setenv("ATEOMNET_FAULT", fault, 1);
		else
			unsetenv("ATEOMNET_FAULT");
		sys_fault_point("a");
		sys_fault_point("b");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_fault_point(void **state)
{
	assert_int_equal(run_fault_points(NULL), 0);
	assert_int_equal(run_fault_points(""), 0);
	assert_int_equal(run_fault_points("b"), 137);
	assert_int_equal(run_fault_points("a"), 137);
	assert_int_equal(run_fault_points("c"), 0);
	assert_int_equal(run_fault_points("ab"), 0);
}

static bool overlap(const char *a, int alen, const char *b, int blen)
{
	struct in_addr x, y;

	assert_int_equal(inet_pton(AF_INET, a, &x), 1);
	assert_int_equal(inet_pton(AF_INET, b, &y), 1);
	return routes_prefixes_overlap(x.s_addr, alen, y.s_addr, blen);
}

static void test_prefixes_overlap(void **state)
{
	assert_true(overlap("10.200.0.1", 30, "10.200.0.0", 30));
	assert_true(overlap("10.200.0.1", 30, "10.200.0.0", 29));
	assert_true(overlap("10.200.0.0", 29, "10.200.0.6", 32));
	assert_true(overlap("10.0.0.0", 8, "10.200.0.1", 30));
	assert_true(overlap("0.0.0.0", 0, "10.200.0.1", 30));
	assert_false(overlap("10.200.0.1", 30, "10.200.0.4", 30));
	assert_false(overlap("10.200.0.0", 29, "10.200.0.8", 32));
	assert_false(overlap("192.0.2.0", 24, "10.200.0.1", 30));
}

static void test_veth_temp_name(void **state)
{
	char a[IF_NAMESIZE], b[IF_NAMESIZE], c[IF_NAMESIZE], longest[64];

	memset(longest, 'b', 63);
	longest[63] = '\0';
	veth_temp_name("a1", a);
	veth_temp_name("a1", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 15);
	assert_int_equal(strncmp(a, "atn", 3), 0);
	veth_temp_name("a2", b);
	assert_string_not_equal(a, b);
	veth_temp_name(longest, c);
	assert_int_equal(strlen(c), 15);
}

/* The mark of a crashed `up`: the actor's alias, or its temp name with
 * kind veth, our MAC and no alias. */
static void test_veth_is_actors(void **state)
{
	struct nl_link l = { .kind = "veth", .mac = { 0x02, 0xa7, 0xe0, 0x00, 0x00, 0x01 } };

	snprintf(l.alias, sizeof(l.alias), "ateomnet:a1");
	snprintf(l.name, sizeof(l.name), "ateom0");
	assert_true(veth_is_actors(&l, "a1"));
	assert_false(veth_is_actors(&l, "a2"));
	assert_false(veth_is_actors(&l, "a"));
	assert_true(veth_is_ateomnets(&l));

	l.alias[0] = '\0';
	assert_false(veth_is_actors(&l, "a1"));
	assert_false(veth_is_ateomnets(&l));
	veth_temp_name("a1", l.name);
	assert_true(veth_is_actors(&l, "a1"));
	assert_false(veth_is_actors(&l, "a2"));
	assert_true(veth_is_ateomnets(&l));
	l.mac[5] = 0x02;
	assert_false(veth_is_actors(&l, "a1"));
	l.mac[5] = 0x01;
	snprintf(l.kind, sizeof(l.kind), "dummy");
	assert_false(veth_is_actors(&l, "a1"));
	assert_false(veth_is_ateomnets(&l));
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_refused_without_blocking),
		cmocka_unit_test(test_other_files_refused),
		cmocka_unit_test(test_now_ms_monotonic),
		cmocka_unit_test(test_fault_point),
		cmocka_unit_test(test_prefixes_overlap),
		cmocka_unit_test(test_veth_temp_name),
		cmocka_unit_test(test_veth_is_actors),
	};

	return cmocka_run_group_tests_name("sys", tests, setup, teardown);
}
