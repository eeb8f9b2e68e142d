// SPDX-License-Identifier: Apache-2.0
/*
 * loader/netlink.h (nl_*.c) against the real kernel. The process first
 * leaves the root netns (unshare), and every test then gets a fresh pair of
 * namespaces: W (worker, where the test thread lives) and A (actor, held by
 * an fd). Both vanish with their interfaces when the test drops them, so
 * nothing can leak into the machine's own network. Needs root (CAP_NET_ADMIN,
 * CAP_BPF).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <linux/pkt_cls.h>
#include <cmocka.h>

#include "netlink.h"
#include <linux/if.h> /* IFF_LOWER_UP; after net/if.h for libc-compat */

static const unsigned char gw_mac[6] = { 0x02, 0xa7, 0xe0, 0x00, 0x00, 0x01 };
static const unsigned char actor_mac[6] = { 0x02, 0xa7, 0xe0, 0x00, 0x00, 0x02 };

struct ctx {
	int w_fd, a_fd; /* netns fds; the test thread sits in W */
	struct nl w, a; /* sockets in W and A */
};

static int self_netns(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c || unshare(CLONE_NEWNET) || (c->w_fd = self_netns()) < 0 ||
	    unshare(CLONE_NEWNET) || (c->a_fd = self_netns()) < 0 ||
	    setns(c->w_fd, CLONE_NEWNET) || nl_open(&c->w) ||
	    nl_open_in_netns(&c->a, c->a_fd)) {
		perror("setup");
		return -1;
	}
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	nl_close(&c->w);
	nl_close(&c->a);
	close(c->a_fd);
	close(c->w_fd); /* W dies when the next setup moves us out */
	free(c);
	return 0;
}

/* Run a shell command inside netns fd and return its stdout: children
 * inherit the calling thread's netns. */
static const char *sh_in(struct ctx *c, int fd, const char *fmt, ...)
{
	static char out[4096];
	char cmd[512];
	va_list ap;
	size_t n;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	assert_int_equal(setns(c->w_fd, CLONE_NEWNET), 0);
	return out;
}

static int make_veth(struct ctx *c, const char *name, const char *peer,
		     const char *alias)
{
	struct nl_veth_spec s = {
		.name = name, .mac = gw_mac, .alias = alias, .mtu = 1400,
		.peer_name = peer, .peer_mac = actor_mac, .peer_netns_fd = c->a_fd,
	};

	return nl_veth_create(&c->w, &s);
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* ---- links ---------------------------------------------------------------- */

static void test_veth_peer_in_other_netns(void **state)
{
	struct ctx *c = *state;
	struct nl_link w, a, x;
	int idx = make_veth(c, "w0", "eth0", "ateom:a1");

	assert_true(idx > 0);
	assert_string_equal(nl_error(&c->w), "");

	assert_int_equal(nl_link_get(&c->w, "w0", &w), 0);
	assert_int_equal(w.ifindex, idx);
	assert_string_equal(w.name, "w0");
	assert_string_equal(w.kind, "veth");
	assert_string_equal(w.alias, "ateom:a1");
	assert_int_equal(w.mtu, 1400);
	assert_memory_equal(w.mac, gw_mac, 6);
	assert_true(w.link_netnsid >= 0); /* the peer lives elsewhere */
	assert_false(w.flags & IFF_UP);

	/* The peer was born in A under its final name: absent from W. */
	assert_int_equal(nl_link_get(&c->w, "eth0", &x), -ENODEV);
	assert_int_equal(nl_link_get(&c->a, "eth0", &a), 0);
	assert_string_equal(a.kind, "veth");
	assert_string_equal(a.alias, "");
	assert_int_equal(a.mtu, 1400);
	assert_memory_equal(a.mac, actor_mac, 6);
	assert_true(a.link_netnsid >= 0);
	assert_int_equal(a.peer_ifindex, idx);
	assert_int_equal(w.peer_ifindex, a.ifindex);

	assert_int_equal(nl_link_get_by_index(&c->w, idx, &x), 0);
	assert_string_equal(x.name, "w0");

	/* Carrier needs both ends up; each side sees the other's state. */
	assert_int_equal(nl_link_set_up(&c->w, idx), 0);
	assert_int_equal(nl_link_get(&c->w, "w0", &w), 0);
	assert_true(w.flags & IFF_UP);
	assert_false(w.flags & IFF_LOWER_UP);
	assert_int_equal(nl_link_set_up(&c->a, a.ifindex), 0);
	assert_int_equal(nl_link_get(&c->w, "w0", &w), 0);
	assert_int_equal(nl_link_get(&c->a, "eth0", &a), 0);
	assert_true(w.flags & IFF_LOWER_UP);
	assert_true(a.flags & IFF_UP);
	assert_true(a.flags & IFF_LOWER_UP);
}

static void test_veth_random_mac_same_netns(void **state)
{
	struct ctx *c = *state;
	struct nl_veth_spec s = { .name = "w0", .peer_name = "p0",
				  .peer_netns_fd = -1 };
	struct nl_link w, p;
	int idx = nl_veth_create(&c->w, &s);

	assert_true(idx > 0);
	assert_int_equal(nl_link_get(&c->w, "w0", &w), 0);
	assert_int_equal(nl_link_get(&c->w, "p0", &p), 0);
	assert_int_equal(w.mtu, 1500);
	assert_int_equal(w.link_netnsid, -1);
	assert_int_equal(p.peer_ifindex, idx);
	assert_memory_not_equal(w.mac, gw_mac, 6);
}

static void test_veth_name_taken(void **state)
{
	struct ctx *c = *state;
	struct nl_link l;

	assert_true(make_veth(c, "w0", "eth0", NULL) > 0);
	/* Worker name taken: the new peer must not appear in A. */
	assert_int_equal(make_veth(c, "w0", "eth1", NULL), -EEXIST);
	assert_int_equal(nl_link_get(&c->a, "eth1", &l), -ENODEV);
	/* Peer name taken in A: the worker end must not appear in W. */
	assert_int_equal(make_veth(c, "w1", "eth0", NULL), -EEXIST);
	assert_int_equal(nl_link_get(&c->w, "w1", &l), -ENODEV);
	/* The original pair is untouched. */
	assert_int_equal(nl_link_get(&c->w, "w0", &l), 0);
	assert_int_equal(nl_link_get(&c->a, "eth0", &l), 0);
}

static void test_link_del_removes_both_ends(void **state)
{
	struct ctx *c = *state;
	struct nl_link l;
	int idx = make_veth(c, "w0", "eth0", NULL);

	assert_true(idx > 0);
	assert_int_equal(nl_link_del(&c->w, idx), 0);
	assert_int_equal(nl_link_get(&c->w, "w0", &l), -ENODEV);
	assert_int_equal(nl_link_get_by_index(&c->w, idx, &l), -ENODEV);
	assert_int_equal(nl_link_get(&c->a, "eth0", &l), -ENODEV);
	assert_int_equal(nl_link_del(&c->w, idx), -ENODEV);
}

static void test_find_by_alias(void **state)
{
	struct ctx *c = *state;
	struct nl_link l;
	int i1 = make_veth(c, "w1", "eth1", "ateom:a1");
	int i2 = make_veth(c, "w2", "eth2", "ateom:a2");

	assert_true(i1 > 0 && i2 > 0);
	assert_int_equal(nl_link_find_by_alias(&c->w, "ateom:a2", &l), 0);
	assert_int_equal(l.ifindex, i2);
	assert_string_equal(l.name, "w2");
	assert_int_equal(nl_link_find_by_alias(&c->w, "ateom:a1", &l), 0);
	assert_int_equal(l.ifindex, i1);
	assert_int_equal(nl_link_find_by_alias(&c->w, "ateom:a", &l), -ENOENT);
	assert_int_equal(nl_link_find_by_alias(&c->w, "", &l), -ENOENT);
	/* Aliases are per netns: A holds only the unaliased peers. */
	assert_int_equal(nl_link_find_by_alias(&c->a, "ateom:a1", &l), -ENOENT);
}

static void test_open_in_netns_returns_home(void **state)
{
	struct ctx *c = *state;
	struct stat home, now;
	struct nl n;
	int fd;

	assert_int_equal(fstat(c->w_fd, &home), 0);
	/* A regular file is no netns: setns fails, we stay where we were. */
	fd = open("/proc/self/status", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(nl_open_in_netns(&n, fd), -EINVAL);
	close(fd);
	assert_int_equal(stat("/proc/thread-self/ns/net", &now), 0);
	assert_int_equal(now.st_ino, home.st_ino);

	assert_int_equal(nl_open_in_netns(&n, c->a_fd), 0);
	assert_int_equal(stat("/proc/thread-self/ns/net", &now), 0);
	assert_int_equal(now.st_ino, home.st_ino);
	nl_close(&n);
}

/* ---- addresses and routes --------------------------------------------------- */

static void test_addr_add_get(void **state)
{
	struct ctx *c = *state;
	uint32_t addr;
	int plen, idx = make_veth(c, "w0", "eth0", NULL);

	assert_true(idx > 0);
	assert_int_equal(nl_addr_get_v4(&c->w, idx, &addr, &plen), -EADDRNOTAVAIL);
	assert_int_equal(nl_addr_add_v4(&c->w, idx, ip4("10.200.0.1"), 30), 0);
	assert_int_equal(nl_addr_add_v4(&c->w, idx, ip4("10.200.0.1"), 30), 0);
	assert_int_equal(nl_addr_get_v4(&c->w, idx, &addr, &plen), 0);
	assert_int_equal(addr, ip4("10.200.0.1"));
	assert_int_equal(plen, 30);
	assert_non_null(strstr(sh_in(c, c->w_fd, "ip -4 -o addr show dev w0"),
			       "inet 10.200.0.1/30 brd 10.200.0.3 scope global w0"));

	/* Same subnet again = secondary: the primary still wins. */
	assert_int_equal(nl_addr_add_v4(&c->w, idx, ip4("10.200.0.2"), 30), 0);
	assert_int_equal(nl_addr_get_v4(&c->w, idx, &addr, &plen), 0);
	assert_int_equal(addr, ip4("10.200.0.1"));
	/* Another link's address is not ours. */
	assert_int_equal(nl_addr_get_v4(&c->w, 1, &addr, &plen), -EADDRNOTAVAIL);
	assert_int_equal(nl_addr_add_v4(&c->w, idx, ip4("10.200.0.1"), 33), -EINVAL);
}

static const char *ip6s(const unsigned char a[16])
{
	static char s[INET6_ADDRSTRLEN];

	return inet_ntop(AF_INET6, a, s, sizeof(s));
}

/* The pod's IPv6 (nl_addr_get_v6): usable addresses only, global before
 * ULA, ties to the lowest; and the actor's address and default route. */
static void test_addr_v6(void **state)
{
	struct ctx *c = *state;
	unsigned char addr[16], gw[16];
	struct nl_link a;
	int idx = make_veth(c, "w0", "eth0", NULL);

	assert_true(idx > 0);
	/* The peer stays down: no carrier, so an address with DAD stays
	 * tentative. */
	sh_in(c, c->w_fd, "ip link set w0 up");
	assert_int_equal(nl_addr_get_v6(&c->w, idx, addr), -EADDRNOTAVAIL);
	sh_in(c, c->w_fd, "ip -6 addr add fe80::5/64 dev w0 nodad");
	assert_int_equal(nl_addr_get_v6(&c->w, idx, addr), -EADDRNOTAVAIL);
	sh_in(c, c->w_fd, "ip -6 addr add fd00::9/64 dev w0 nodad");
	assert_int_equal(nl_addr_get_v6(&c->w, idx, addr), 0);
	assert_string_equal(ip6s(addr), "fd00::9");
	sh_in(c, c->w_fd, "ip -6 addr add 2001:db8::3/64 dev w0 nodad preferred_lft 0");
	sh_in(c, c->w_fd, "ip -6 addr add 2001:db8::4/64 dev w0");
	assert_non_null(strstr(sh_in(c, c->w_fd, "ip -6 addr show dev w0"), "tentative"));
	assert_int_equal(nl_addr_get_v6(&c->w, idx, addr), 0);
	assert_string_equal(ip6s(addr), "fd00::9"); /* deprecated, tentative: not */
	sh_in(c, c->w_fd, "ip -6 addr add 2001:db8::30/64 dev w0 nodad");
	assert_int_equal(nl_addr_get_v6(&c->w, idx, addr), 0);
	assert_string_equal(ip6s(addr), "2001:db8::30");
	sh_in(c, c->w_fd, "ip -6 addr add 2001:db8::10/64 dev w0 nodad");
	assert_int_equal(nl_addr_get_v6(&c->w, idx, addr), 0);
	assert_string_equal(ip6s(addr), "2001:db8::10"); /* not the newest */
	assert_int_equal(nl_addr_get_v6(&c->w, 1, addr), -EADDRNOTAVAIL);

	assert_int_equal(nl_link_get(&c->a, "eth0", &a), 0);
	assert_int_equal(nl_link_no_ipv6_ll(&c->a, a.ifindex), 0);
	assert_int_equal(inet_pton(AF_INET6, "fd00:169:254::2", addr), 1);
	assert_int_equal(inet_pton(AF_INET6, "fd00:169:254::1", gw), 1);
	assert_int_equal(nl_addr_add_v6(&c->a, a.ifindex, addr, 126), 0);
	assert_int_equal(nl_addr_add_v6(&c->a, a.ifindex, addr, 126), 0); /* replaced */
	assert_int_equal(nl_addr_add_v6(&c->a, a.ifindex, addr, 129), -EINVAL);
	assert_int_equal(nl_link_set_up(&c->a, a.ifindex), 0);
	assert_int_equal(nl_route_add_default_v6(&c->a, a.ifindex, gw), 0);
	assert_int_equal(nl_route_add_default_v6(&c->a, a.ifindex, gw), 0);
	assert_string_equal(sh_in(c, c->a_fd, "ip -6 -o addr show dev eth0 | awk '{print $4, $5, $6, $7}'"),
			    "fd00:169:254::2/126 scope global nodad\n");
	assert_non_null(strstr(sh_in(c, c->a_fd, "ip -6 route show default"),
			       "default via fd00:169:254::1 dev eth0"));
	assert_int_equal(strlen(sh_in(c, c->a_fd, "ip -6 route show default | wc -l")), 2);
}

static void test_default_route_and_extack(void **state)
{
	struct ctx *c = *state;
	struct nl_link a;

	assert_true(make_veth(c, "w0", "eth0", NULL) > 0);
	assert_int_equal(nl_link_get(&c->a, "eth0", &a), 0);
	assert_int_equal(nl_addr_add_v4(&c->a, a.ifindex, ip4("10.200.0.2"), 30), 0);
	assert_int_equal(nl_link_set_up(&c->a, a.ifindex), 0);

	/* A gateway outside every connected subnet: the kernel refuses and
	 * says why in the extended ack. */
	assert_int_equal(nl_route_add_default_v4(&c->a, a.ifindex, ip4("192.0.2.1")),
			 -ENETUNREACH);
	assert_true(strlen(nl_error(&c->a)) > 0);
	fprintf(stderr, "  (extack: \"%s\")\n", nl_error(&c->a));

	assert_int_equal(nl_route_add_default_v4(&c->a, a.ifindex, ip4("10.200.0.1")), 0);
	assert_string_equal(nl_error(&c->a), ""); /* cleared by success */
	assert_int_equal(nl_route_add_default_v4(&c->a, a.ifindex, ip4("10.200.0.1")), 0);
	/* One route (the repeat replaced it), in the main table. The worker
	 * end is down, hence "linkdown". */
	assert_string_equal(sh_in(c, c->a_fd, "ip -d -4 route show table main default"),
			    "unicast default via 10.200.0.1 dev eth0 proto boot "
			    "scope global linkdown \n");
	/* Only in A. */
	assert_string_equal(sh_in(c, c->w_fd, "ip -4 route show default"), "");
}

/* ---- tc ---------------------------------------------------------------------- */

static int load_prog(const char *name, uint32_t *id)
{
	/* r0 = TC_ACT_OK; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = TC_ACT_OK },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", insns, 2, NULL);

	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	*id = info.id;
	return fd;
}

static void test_clsact_ensure(void **state)
{
	struct ctx *c = *state;
	int idx = make_veth(c, "w0", "eth0", NULL);
	int i1 = make_veth(c, "w1", "eth1", NULL);

	assert_true(idx > 0 && i1 > 0);
	assert_int_equal(nl_clsact_ensure(&c->w, idx), 0);
	assert_int_equal(nl_clsact_ensure(&c->w, idx), 0);
	assert_non_null(strstr(sh_in(c, c->w_fd, "tc qdisc show dev w0"),
			       "qdisc clsact ffff: parent ffff:fff1"));
	/* A plain ingress qdisc holds the slot: not ours, not usable. */
	sh_in(c, c->w_fd, "tc qdisc add dev w1 ingress");
	assert_int_equal(nl_clsact_ensure(&c->w, i1), -EEXIST);
	assert_non_null(strstr(nl_error(&c->w), "ingress"));
	assert_int_equal(nl_clsact_ensure(&c->w, 999), -ENODEV);
}

static void test_tc_bpf_attach_query_detach(void **state)
{
	struct ctx *c = *state;
	uint32_t id1, id2, id3, got = 0;
	int fd1 = load_prog("atn_t1", &id1);
	int fd2 = load_prog("atn_t2", &id2);
	int fd3 = load_prog("atn_other", &id3);
	int idx = make_veth(c, "w0", "eth0", NULL);

	assert_true(idx > 0);
	assert_true(id1 != id2);

	/* Without clsact there is no hook: the kernel says so. */
	assert_int_equal(nl_tc_bpf_attach(&c->w, idx, NL_TC_INGRESS, fd1, "ateom", 1, 1), -EINVAL);
	assert_true(strlen(nl_error(&c->w)) > 0);
	fprintf(stderr, "  (extack: \"%s\")\n", nl_error(&c->w));

	assert_int_equal(nl_clsact_ensure(&c->w, idx), 0);
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 1, 1, &got), -ENOENT);
	assert_int_equal(nl_tc_bpf_attach(&c->w, idx, NL_TC_INGRESS, fd1, "ateom", 1, 1), 0);
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 1, 1, &got), 0);
	assert_int_equal(got, id1);
	assert_non_null(strstr(sh_in(c, c->w_fd, "tc filter show dev w0 ingress"),
			       "direct-action"));

	/* Someone else's filter at another prio, and at another handle. */
	assert_int_equal(nl_tc_bpf_attach(&c->w, idx, NL_TC_INGRESS, fd3, "other", 2, 1), 0);
	assert_int_equal(nl_tc_bpf_attach(&c->w, idx, NL_TC_INGRESS, fd3, "other", 1, 2), 0);
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 1, 1, &got), 0);
	assert_int_equal(got, id1);

	/* Re-attaching our own filter replaces it in place... */
	assert_int_equal(nl_tc_bpf_attach(&c->w, idx, NL_TC_INGRESS, fd2, "ateom", 1, 1), 0);
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 1, 1, &got), 0);
	assert_int_equal(got, id2);
	/* ...but a differently named program in the slot is left alone. */
	assert_int_equal(nl_tc_bpf_attach(&c->w, idx, NL_TC_INGRESS, fd1, "ateom", 2, 1), -EBUSY);
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 2, 1, &got), 0);
	assert_int_equal(got, id3);

	/* Detach only what we expect to find. */
	assert_int_equal(nl_tc_bpf_detach(&c->w, idx, NL_TC_INGRESS, 1, 1, id1), -EBUSY);
	assert_true(strlen(nl_error(&c->w)) > 0);
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 1, 1, &got), 0);
	assert_int_equal(got, id2);
	assert_int_equal(nl_tc_bpf_detach(&c->w, idx, NL_TC_INGRESS, 1, 1, id2), 0);
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 1, 1, &got), -ENOENT);
	assert_int_equal(nl_tc_bpf_detach(&c->w, idx, NL_TC_INGRESS, 1, 1, id2), -ENOENT);
	/* The neighbours survived. */
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 2, 1, &got), 0);
	assert_int_equal(got, id3);
	assert_int_equal(nl_tc_bpf_query(&c->w, idx, NL_TC_INGRESS, 1, 2, &got), 0);
	assert_int_equal(got, id3);

	close(fd1);
	close(fd2);
	close(fd3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_veth_peer_in_other_netns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_veth_random_mac_same_netns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_veth_name_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_del_removes_both_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_by_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_in_netns_returns_home, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_add_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_route_and_extack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clsact_ensure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tc_bpf_attach_query_detach, setup, teardown),
	};

	/* Out of the root netns before anything else: a bug here must never
	 * touch the machine's own interfaces. */
	if (unshare(CLONE_NEWNET)) {
		perror("test_netlink: unshare(CLONE_NEWNET) (needs root)");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
