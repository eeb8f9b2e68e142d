// SPDX-License-Identifier: Apache-2.0
/*
 * loader/nat6_view.c against a real map: a hash with nat6's key and value
 * pinned as "nat6" in a scratch dir on bpffs, read back by count and dump
 * as `status` and `nat` do; a dir without nat6 (a datapath pinned before
 * IPv6) reads as an empty table. Needs root and /sys/fs/bpf (bpffs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "nat6_view.h"

static char dir[64];

static void in6_set(union ateom_in6 *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a->b), 1);
}

static void put(int fd, uint32_t ifindex, uint16_t sport, uint8_t dir_, uint32_t actor)
{
	struct ateom_nat6_key k = { .ifindex = dir_ == ATEOM_DIR_OUT ? ifindex : 0,
				    .sport_be = htons(sport), .dport_be = htons(443),
				    .proto = IPPROTO_TCP, .dir = dir_ };
	struct ateom_nat6_entry e = { .port_be = htons(sport + 1000), .type = dir_,
				      .actor_ifindex = actor, .actor_id = 1 };

	in6_set(&k.saddr_be, "fd00:169:254::2");
	in6_set(&k.daddr_be, "2001:db8:2::10");
	in6_set(&e.addr_be, "2001:db8:1::11");
	assert_int_equal(bpf_map_update_elem(fd, &k, &e, BPF_NOEXIST), 0);
}

static void test_count_and_dump(void **state)
{
	struct dp dp;
	struct out_nat o;
	char path[128], *text;
	size_t len;
	FILE *f;
	int map, fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/ateom-test-nat6-%d", getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	dp_init(&dp, dir);
	assert_int_equal(nat6_view_open(&dp) < 0, 1); /* not pinned: none */
	assert_int_equal(nat6_view_count(-1, 0), 0);

	map = bpf_map_create(BPF_MAP_TYPE_HASH, "nat6", sizeof(struct ateom_nat6_key),
			     sizeof(struct ateom_nat6_entry), 16, NULL);
	assert_true(map >= 0);
	snprintf(path, sizeof(path), "%s/nat6", dir);
	assert_int_equal(bpf_obj_pin(map, path), 0);
	put(map, 4, 50000, ATEOM_DIR_OUT, 4);
	put(map, 4, 50000, ATEOM_DIR_IN, 4);
	put(map, 5, 50001, ATEOM_DIR_OUT, 5);

	fd = nat6_view_open(&dp);
	assert_true(fd >= 0);
	assert_int_equal(nat6_view_count(fd, 0), 3);
	assert_int_equal(nat6_view_count(fd, 4), 2);
	assert_int_equal(nat6_view_count(fd, 5), 1);
	assert_int_equal(nat6_view_count(fd, 9), 0);

	f = open_memstream(&text, &len);
	assert_int_equal(out_nat_begin(&o, f, false), 0);
	assert_int_equal(nat6_view_dump(fd, &o, 0), 0);
	assert_int_equal(out_nat_end(&o), 0);
	fclose(f);
	assert_int_equal(o.n, 3);
	assert_non_null(strstr(text, "tcp  out [fd00:169:254::2]:50000 -> [2001:db8:2::10]:443  "
				     "snat => [2001:db8:1::11]:51000  actor 1"));
	assert_non_null(strstr(text, "tcp  in  [fd00:169:254::2]:50000 -> [2001:db8:2::10]:443  "
				     "snat_reply => [2001:db8:1::11]:51000  actor 1"));
	assert_non_null(strstr(text, "3 NAT entries\n"));
	free(text);

	close(fd);
	close(map);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_and_dump),
	};

	return cmocka_run_group_tests_name("nat6_view", tests, NULL, NULL);
}
