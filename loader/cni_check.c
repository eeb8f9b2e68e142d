// SPDX-License-Identifier: Apache-2.0
/*
 * CNI CHECK: is the actor's datapath still what ADD made? The actor entry,
 * its veth (ours, by its alias) with from_actor attached, from_pod on the
 * pod interface, the actor-side interface in CNI_NETNS as the veth's peer
 * with the actor address, the exposed ports, and the prevResult the runtime
 * kept. The first difference is the error.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "cni.h"
#include "errmsg.h"
#include "pin.h"
#include "state.h"
#include "sys.h"
#include "veth.h"

struct check {
	struct cni_req *req;
	struct dp dp;
	struct nl wnl, anl;
	int netns_fd;
	struct actor_ref ref;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct check *c, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "CHECK: actor %s: %s", c->req->args.actor, msg);
	return CNI_ERR_RUNTIME;
}

static int check_worker(struct check *c)
{
	const struct ateom_args *a = &c->req->args;
	struct ateom_config cfg;
	struct nl_link l, pod;
	int rc;

	rc = state_find_actor(&c->dp, a->actor, &c->ref);
	if (rc < 0)
		return bad(c, "%s", ateom_errmsg());
	if (rc == 0)
		return bad(c, "not up in %s (ADD did not run, or DEL did)", c->dp.dir);
	if (nl_link_get_by_index(&c->wnl, c->ref.ifindex, &l) || !veth_is_actors(&l, a->actor))
		return bad(c, "its veth (ifindex %u) is gone", c->ref.ifindex);
	if (strcmp(l.name, a->veth))
		return bad(c, "its veth is %s, not %s", l.name, a->veth);
	if (attach_query(&c->wnl, &c->dp, l.name, l.ifindex, &c->dp.from_actor) == ATTACH_NONE)
		return bad(c, "from_actor is not attached to %s", l.name);
	if (dp_config_get(&c->dp, &cfg))
		return bad(c, "%s", ateom_errmsg());
	if (nl_link_get_by_index(&c->wnl, cfg.pod_ifindex, &pod) ||
	    attach_query(&c->wnl, &c->dp, pod.name, pod.ifindex, &c->dp.from_pod) == ATTACH_NONE)
		return bad(c, "from_pod is not attached to the pod interface");
	if (c->ref.a.actor_ip_be != a->actor_ip_be || c->ref.a.worker_ip_be != a->worker_ip_be)
		return bad(c, "its addresses in the datapath differ from the config's");
	/* IPv6: none, or the config's (none when the pod had no IPv6). */
	if (c->ref.a.prefix6 &&
	    (a->no_ipv6 || c->ref.a.prefix6 != (uint32_t)a->prefix6 ||
	     memcmp(&c->ref.a.actor_ip6, &a->actor_ip6, 16) ||
	     memcmp(&c->ref.a.worker_ip6, &a->worker_ip6, 16)))
		return bad(c, "its IPv6 addresses in the datapath differ from the config's");
	return 0;
}

static int check_ports(struct check *c)
{
	const struct ateom_args *a = &c->req->args;
	struct svc_ref *svc = NULL;
	int n, found = 0;

	if (state_services(&c->dp, c->ref.ifindex, &svc, &n))
		return bad(c, "%s", ateom_errmsg());
	for (int i = 0; i < a->n_expose; i++)
		for (int j = 0; j < n; j++)
			found += svc[j].k.proto == a->expose[i].proto &&
				 ntohs(svc[j].k.port_be) == a->expose[i].port &&
				 ntohs(svc[j].v.actor_port_be) == a->expose[i].actor_port;
	free(svc);
	if (found != a->n_expose || n != a->n_expose)
		return bad(c, "it exposes %d ports, %d of them as the portMappings ask (%d)", n,
			   found, a->n_expose);
	return 0;
}

static int check_sandbox(struct check *c)
{
	const struct ateom_args *a = &c->req->args;
	struct nl_link l;
	unsigned char ip6[16];
	uint32_t ip;
	int plen;

	c->netns_fd = sys_open_actor_netns(c->req->netns);
	if (c->netns_fd < 0)
		return bad(c, "%s", ateom_errmsg());
	if (nl_open_in_netns(&c->anl, c->netns_fd))
		return bad(c, "cannot open netlink in %s", c->req->netns);
	if (nl_link_get(&c->anl, a->actor_if, &l))
		return bad(c, "%s is missing in %s", a->actor_if, c->req->netns);
	if (l.peer_ifindex != (int)c->ref.ifindex)
		return bad(c, "%s in %s is not the peer of its veth", a->actor_if, c->req->netns);
	if (nl_addr_get_v4(&c->anl, l.ifindex, &ip, &plen) || ip != a->actor_ip_be ||
	    plen != a->prefixlen)
		return bad(c, "%s in %s lost the actor address", a->actor_if, c->req->netns);
	if (c->ref.a.prefix6 && (nl_addr_get_v6(&c->anl, l.ifindex, ip6) ||
				 memcmp(ip6, &c->ref.a.actor_ip6, 16)))
		return bad(c, "%s in %s lost the actor's IPv6 address", a->actor_if,
			   c->req->netns);
	return 0;
}

/* The prevResult (the runtime's record of ADD) must name the actor's
 * interface in this sandbox and its address. */
static int check_prev(struct check *c)
{
	const struct ateom_args *a = &c->req->args;
	json_t *prev = json_object_get(c->req->conf, "prevResult"), *x;
	char want[32], ip[INET_ADDRSTRLEN];
	bool has_if = false, has_ip = false;
	size_t i;

	if (!json_is_object(prev))
		return bad(c, "the config has no prevResult (the runtime passes ADD's result "
			   "to CHECK)");
	json_array_foreach(json_object_get(prev, "interfaces"), i, x)
		has_if |= json_is_string(json_object_get(x, "name")) &&
			  !strcmp(json_string_value(json_object_get(x, "name")), a->actor_if);
	snprintf(want, sizeof(want), "%s/%d", inet_ntop(AF_INET, &a->actor_ip_be, ip, sizeof(ip)),
		 a->prefixlen);
	json_array_foreach(json_object_get(prev, "ips"), i, x)
		has_ip |= json_is_string(json_object_get(x, "address")) &&
			  !strcmp(json_string_value(json_object_get(x, "address")), want);
	if (!has_if || !has_ip)
		return bad(c, "prevResult does not list %s with %s", a->actor_if, want);
	return 0;
}

int cni_check(struct cni_req *req, char *err, size_t errlen)
{
	struct check c = { .req = req, .netns_fd = -1, .err = err, .errlen = errlen };
	char dir[PATH_MAX];
	int rc;

	if (sys_check_caps() || pin_dir_resolve(req->args.pin_dir, dir, sizeof(dir)))
		return snprintf(err, errlen, "%s", ateom_errmsg()), CNI_ERR_RUNTIME;
	dp_init(&c.dp, dir);
	if (!pin_dir_exists(dir) || !dp_pinned(&c.dp))
		return bad(&c, "no datapath is pinned in %s", dir);
	if (dp_open(&c.dp))
		return bad(&c, "%s", ateom_errmsg());
	if (nl_open(&c.wnl)) {
		rc = bad(&c, "cannot open netlink");
		goto out;
	}
	rc = check_prev(&c);
	if (!rc)
		rc = check_worker(&c);
	if (!rc)
		rc = check_ports(&c);
	if (!rc)
		rc = check_sandbox(&c);
out:
	if (c.netns_fd >= 0)
		close(c.netns_fd);
	nl_close(&c.wnl);
	nl_close(&c.anl);
	dp_close(&c.dp);
	return rc;
}
