/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtnetlink through libmnl: the few link, address, route and tc operations
 * ateomnet needs. No shelling out to ip/tc.
 *
 * Every function returns 0 (or a positive value where documented) on success
 * and a negative errno on failure; nl_error() then holds the kernel's
 * extended-ack message, if it sent one ("" otherwise).
 *
 * Implemented in nl_sock.c, nl_link.c, nl_addr.c and nl_tc.c; nl_priv.h
 * holds what they share.
 */
#ifndef ATEOMNET_NETLINK_H
#define ATEOMNET_NETLINK_H

#include <stdint.h>
#include <net/if.h>

struct mnl_socket;

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char err[256]; /* extack of the last failed request */
};

/* A netlink socket lives in the netns it was created in: open one per
 * namespace. nl_open_in_netns() enters netns_fd just long enough to create
 * the socket, then returns to the caller's netns. */
int nl_open(struct nl *nl);
int nl_open_in_netns(struct nl *nl, int netns_fd);
void nl_close(struct nl *nl);
const char *nl_error(const struct nl *nl);
/* ateom_fail("WHAT: strerror(-err): the kernel's extack message"); -1. */
int nl_fail(const struct nl *nl, int err, const char *what);

struct nl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];          /* "veth", "dummy", ... ("" if none) */
	char alias[128];        /* IFLA_IFALIAS ("" if none) */
	unsigned int mtu;
	unsigned int flags;     /* IFF_* */
	unsigned char mac[6];
	int link_netnsid;       /* IFLA_LINK_NETNSID, -1 if absent */
	int peer_ifindex;       /* IFLA_LINK (veth peer), 0 if absent */
};

/* -ENODEV when absent. */
int nl_link_get(struct nl *nl, const char *ifname, struct nl_link *out);
int nl_link_get_by_index(struct nl *nl, int ifindex, struct nl_link *out);
/* Dump all links; 0 and *out filled for the first whose alias equals
 * `alias`, -ENOENT if none. */
int nl_link_find_by_alias(struct nl *nl, const char *alias, struct nl_link *out);

struct nl_veth_spec {
	const char *name;            /* in the socket's netns */
	const unsigned char *mac;    /* 6 bytes, or NULL for random */
	const char *alias;           /* IFLA_IFALIAS or NULL */
	unsigned int mtu;            /* 0: kernel default */
	const char *peer_name;
	const unsigned char *peer_mac;
	int peer_netns_fd;           /* peer is created directly in this netns
				      * (-1: the socket's own netns) */
};
/* One RTM_NEWLINK (NLM_F_CREATE|NLM_F_EXCL): both ends exist afterwards or
 * neither does. Returns the new worker-side ifindex (> 0). */
int nl_veth_create(struct nl *nl, const struct nl_veth_spec *spec);
int nl_link_del(struct nl *nl, int ifindex);
int nl_link_set_up(struct nl *nl, int ifindex);
/* No IPv6 link-local address (addr_gen_mode none): set before the link goes
 * up, so the kernel sends no DAD/MLD/RS on it. -EAFNOSUPPORT without IPv6. */
int nl_link_no_ipv6_ll(struct nl *nl, int ifindex);

/* Both add and replace (an existing identical address/route is not an
 * error), so a repeated `up` is idempotent. */
int nl_addr_add_v4(struct nl *nl, int ifindex, uint32_t addr_be, int prefixlen);
/* First IPv4 address on ifindex (primary, scope global preferred);
 * -EADDRNOTAVAIL if the interface has none. */
int nl_addr_get_v4(struct nl *nl, int ifindex, uint32_t *addr_be, int *prefixlen);
int nl_route_add_default_v4(struct nl *nl, int ifindex, uint32_t gw_be);

/* Implemented in nl_addr6.c. The pod's IPv6 address: the best by
 * nl_addr6_rank, ties to the lowest address; -EADDRNOTAVAIL if none is
 * usable (or the kernel has no IPv6). */
int nl_addr_get_v6(struct nl *nl, int ifindex, unsigned char addr[16]);
/* 0: not usable (not scope global, link-local, multicast, tentative,
 * optimistic, failed DAD, deprecated). Else higher is better: not a
 * temporary (privacy) address +4, global rather than ULA +2, permanent
 * (configured) +1. */
int nl_addr6_rank(const unsigned char addr[16], uint32_t ifa_flags, uint8_t scope);
/* With IFA_F_NODAD; add or replace. */
int nl_addr_add_v6(struct nl *nl, int ifindex, const unsigned char addr[16], int prefixlen);
int nl_route_add_default_v6(struct nl *nl, int ifindex, const unsigned char gw[16]);

/* One IPv4 route of a dump (any table). */
struct nl_route {
	uint32_t table;         /* RT_TABLE_MAIN, RT_TABLE_LOCAL, ... */
	uint8_t type;           /* RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, ... */
	uint8_t dst_len;        /* 0: a default route */
	uint32_t dst_be;
	uint32_t gw_be;         /* 0 if none */
	int oif;                /* 0 if none (multipath, blackhole, ...) */
};
/* Every IPv4 route of the socket's netns, all tables: *out (caller frees)
 * and *n. */
int nl_route_dump_v4(struct nl *nl, struct nl_route **out, int *n);

/* Implemented in nl_link_id.c: what identifies a link after a crash. */
/* Renames a link and sets its alias in one RTM_NEWLINK (the kernel ignores
 * IFLA_IFALIAS on create, so a link cannot be born with it). The link must
 * be down to be renamed. */
int nl_link_set_name_alias(struct nl *nl, int ifindex, const char *name, const char *alias);
/* The id under which the socket's netns knows the netns of netns_fd (what a
 * veth whose peer lives there reports as link_netnsid): >= 0, or -ENOENT
 * when none is assigned (then no link of ours has its peer there). */
int nl_netns_id(struct nl *nl, int netns_fd);

/* tc: clsact qdisc + cls_bpf in direct-action mode on the ingress hook.
 * A filter is ours when it sits at (prio, handle) and runs prog_id. */
/* Already there: 0. A plain "ingress" qdisc in the slot: -EEXIST. */
int nl_clsact_ensure(struct nl *nl, int ifindex);
/* Creates or replaces the filter at (prio, handle); -EBUSY (nothing
 * changed) if a cls_bpf filter with a different name already sits there. */
enum nl_tc_hook { NL_TC_INGRESS, NL_TC_EGRESS };
int nl_tc_bpf_attach(struct nl *nl, int ifindex, enum nl_tc_hook hook, int prog_fd,
		     const char *name, uint16_t prio, uint32_t handle);
/* Prog id of the cls_bpf filter at (prio, handle) on the hook: 0 with
 * *prog_id (> 0) set, or -ENOENT if there is none. */
int nl_tc_bpf_query(struct nl *nl, int ifindex, enum nl_tc_hook hook, uint16_t prio,
		    uint32_t handle, uint32_t *prog_id);
/* Deletes the filter at (prio, handle) only if it runs expect_prog_id;
 * -ENOENT if there is none, -EBUSY if another program sits there. */
int nl_tc_bpf_detach(struct nl *nl, int ifindex, enum nl_tc_hook hook, uint16_t prio,
		     uint32_t handle, uint32_t expect_prog_id);

#endif /* ATEOMNET_NETLINK_H */
