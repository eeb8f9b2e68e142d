// SPDX-License-Identifier: Apache-2.0
/*
 * sock_diag: dump the TCP/UDP sockets toward one address (the kernel
 * filters them with an inet_diag bytecode condition, as `ss dst ADDR`
 * does), then SOCK_DESTROY each one (`ss -K`). The request/reply plumbing
 * is nl_sock.c's, over a NETLINK_SOCK_DIAG socket.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "nl_priv.h"
#include "sockdiag.h"

/* TCP: everything that can still carry data. LISTEN has no remote; a
 * TIME_WAIT or CLOSE socket sends none (and TIME_WAIT would otherwise keep
 * an id busy for a minute). UDP: connected sockets are ESTABLISHED, the
 * rest have no remote, so every state. */
#define TCP_STATES (~((1U << TCP_LISTEN) | (1U << TCP_TIME_WAIT) | (1U << TCP_CLOSE)))
#define UDP_STATES (~0U)

struct sd_sock {
	uint8_t family;
	uint8_t protocol;
	struct inet_diag_sockid id;
};

struct sd_found {
	struct sd_sock *v;
	int n, cap;
	bool first_only; /* sockdiag_in_use: one is enough */
};

static int sd_open(struct nl *nl)
{
	return nl_open_bus(nl, NETLINK_SOCK_DIAG);
}

/* A v2 request for (family, protocol) sockets in `states`, id as given:
 * a UDP dump, or SOCK_DESTROY of one socket. */
static struct nlmsghdr *sd_req(struct nl *nl, char *buf, uint16_t type, uint16_t flags,
			       const struct sd_sock *s, uint32_t states)
{
	struct nlmsghdr *nlh = nl_req_start(nl, buf, type, flags);
	struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

	r->sdiag_family = s->family;
	r->sdiag_protocol = s->protocol;
	r->idiag_states = states;
	r->id = s->id;
	return nlh;
}

/* The TCP dump, IPv4 and IPv6 at once. A TCP dump walks the whole
 * established hash, which a netns shares with every other unless
 * tcp_child_ehash_entries was set when it was made: ~12 ms per walk here.
 * A v2 request walks it once per family; the original TCPDIAG_GETSOCK
 * request (still what `ss -t` sends) asks for both families in one walk. */
static struct nlmsghdr *sd_req_tcp(struct nl *nl, char *buf)
{
	struct nlmsghdr *nlh = nl_req_start(nl, buf, TCPDIAG_GETSOCK, NLM_F_DUMP);
	struct inet_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

	r->idiag_family = AF_INET; /* ignored: both are dumped */
	r->idiag_states = TCP_STATES;
	r->id.idiag_cookie[0] = r->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	return nlh;
}

/* One condition, "remote address is addr/32, any port": on a match the
 * program jumps exactly to its end (accept), otherwise 4 bytes past it
 * (reject). The kernel also matches an AF_INET6 socket's v4-mapped remote. */
static void put_dst_filter(struct nlmsghdr *nlh, uint32_t addr_be)
{
	struct {
		struct inet_diag_bc_op op;
		struct inet_diag_hostcond cond;
		uint32_t addr;
	} bc = {
		.op = { .code = INET_DIAG_BC_D_COND, .yes = sizeof(bc), .no = sizeof(bc) + 4 },
		.cond = { .family = AF_INET, .prefix_len = 32, .port = -1 },
		.addr = addr_be,
	};

	mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, sizeof(bc), &bc);
}

static int found_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct sd_found *f = data;
	struct sd_sock *s;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	if (f->first_only && f->n)
		return MNL_CB_OK;
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 16;
		struct sd_sock *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return MNL_CB_ERROR;
		f->v = v;
		f->cap = cap;
	}
	s = &f->v[f->n++];
	s->family = m->idiag_family;
	s->protocol = 0; /* the caller's, set after the dump */
	s->id = m->id;
	return MNL_CB_OK;
}

/* Every socket toward addr_be into f: TCP (both families), then UDP per
 * family (a UDP dump walks only the netns's own sockets: cheap). */
static int sd_find(struct nl *nl, uint32_t addr_be, struct sd_found *f)
{
	static const uint8_t udp_families[] = { AF_INET, AF_INET6 };
	char buf[NL_REQ_SIZE];

	for (int k = -1; k < (int)sizeof(udp_families); k++) {
		struct sd_sock s = { .protocol = IPPROTO_TCP };
		struct nlmsghdr *nlh;
		int from = f->n, err;

		s.id.idiag_cookie[0] = s.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
		if (k < 0) {
			nlh = sd_req_tcp(nl, buf);
		} else {
			s.family = udp_families[k];
			s.protocol = IPPROTO_UDP;
			nlh = sd_req(nl, buf, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &s, UDP_STATES);
		}
		put_dst_filter(nlh, addr_be);
		err = nl_talk(nl, nlh, found_cb, f);
		if (err)
			return err == -EPROTO ? -ENOMEM : err;
		for (int i = from; i < f->n; i++)
			f->v[i].protocol = s.protocol;
		if (f->first_only && f->n)
			return 0;
	}
	return 0;
}

int sockdiag_destroy(uint32_t addr_be)
{
	struct sd_found f = { 0 };
	struct nl nl;
	char buf[NL_REQ_SIZE];
	int err, first_err, n = 0;

	if ((err = sd_open(&nl)))
		return err;
	first_err = sd_find(&nl, addr_be, &f);
	/* One that fails does not spare the others (the dump's cookie: exactly
	 * that socket, not a newer one with the same addresses). */
	for (int i = 0; i < f.n; i++) {
		err = nl_talk(&nl, sd_req(&nl, buf, SOCK_DESTROY, 0, &f.v[i], ~0U), NULL, NULL);
		if (!err)
			n++;
		else if (err != -ENOENT && !first_err) /* ENOENT: closed meanwhile */
			first_err = err;
		if (err == -EOPNOTSUPP)
			break; /* none can go */
	}
	free(f.v);
	nl_close(&nl);
	return first_err ? first_err : n;
}

int sockdiag_in_use(uint32_t addr_be)
{
	struct sd_found f = { .first_only = true };
	struct nl nl;
	int err;

	if ((err = sd_open(&nl)))
		return err;
	err = sd_find(&nl, addr_be, &f);
	free(f.v);
	nl_close(&nl);
	return err ? err : f.n > 0;
}

int sockdiag_can_destroy(void)
{
	struct sd_sock s = { .family = AF_INET, .protocol = IPPROTO_TCP };
	char buf[NL_REQ_SIZE];
	struct nl nl;
	int err;

	if ((err = sd_open(&nl)))
		return err;
	/* A socket no one has: the lookup answers ENOENT, unless the kernel
	 * has no destroy at all (EOPNOTSUPP before any lookup). */
	s.id.idiag_cookie[0] = s.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	err = nl_talk(&nl, sd_req(&nl, buf, SOCK_DESTROY, 0, &s, ~0U), NULL, NULL);
	nl_close(&nl);
	if (err == -ENOENT)
		return 1;
	return err == -EOPNOTSUPP ? 0 : err < 0 ? err : 1;
}
