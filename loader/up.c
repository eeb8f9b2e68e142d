// SPDX-License-Identifier: Apache-2.0
/*
 * `ateomnet up`: one transaction. Everything that can be checked is checked
 * before anything is made; each step that makes something records it, and
 * any failure undoes the recorded steps in reverse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "errmsg.h"
#include "out.h"
#include "pin.h"
#include "state.h"
#include "sys.h"
#include "verbs.h"
#include "veth.h"

struct up_txn {
	const struct ateom_args *a;
	struct nl wnl, anl;        /* worker and actor netns sockets */
	int netns_fd, lock_fd;
	struct nl_link pod;
	uint32_t pod_ip_be;
	struct dp dp;
	bool pin_dir_created;
	int veth_ifindex;          /* > 0 once the veth pair exists */
	enum attach_mode veth_mode, pod_mode; /* ATTACH_TCX or ATTACH_TC once attached */
	bool pod_attached_now, actor_added;
	int n_svc_added;
	uint32_t id;
	struct ateom_config old_cfg;
	bool cfg_written;
};

static int nl_fail(struct nl *nl, int err, const char *what)
{
	return ateom_fail("%s: %s%s%s", what, strerror(-err), nl_error(nl)[0] ? ": " : "",
			  nl_error(nl));
}

/* Is actor-side ifindex the peer of a veth a crashed `up` of this same actor
 * left behind? `up` removes such pairs before making its own. */
static bool stale_pair_of(struct up_txn *t, int peer_ifindex)
{
	struct nl_link l;

	return veth_find(&t->wnl, t->a->actor, &l) == 1 && l.peer_ifindex == peer_ifindex;
}

/* Checks that need the system but change nothing. */
static int up_check(struct up_txn *t)
{
	const struct ateom_args *a = t->a;
	struct nl_link l;
	int err;

	if (sys_check_caps())
		return -1;
	t->netns_fd = sys_open_actor_netns(a->netns);
	if (t->netns_fd < 0)
		return -1;
	if ((err = nl_open(&t->wnl)))
		return ateom_fail("cannot open netlink: %s", strerror(-err));
	if ((err = nl_open_in_netns(&t->anl, t->netns_fd)))
		return ateom_fail("cannot open netlink in %s: %s", a->netns, strerror(-err));

	err = nl_link_get(&t->wnl, a->pod_if, &t->pod);
	if (err == -ENODEV)
		return ateom_fail("pod interface %s does not exist in this network namespace",
				  a->pod_if);
	if (err)
		return nl_fail(&t->wnl, err, "cannot read the pod interface");
	int plen;
	if (nl_addr_get_v4(&t->wnl, t->pod.ifindex, &t->pod_ip_be, &plen))
		return ateom_fail("pod interface %s has no IPv4 address", a->pod_if);

	if (nl_link_get(&t->wnl, a->veth, &l) == 0 &&
	    !veth_is_actors(&l, a->actor))
		return ateom_fail("interface %s already exists", a->veth);
	if (nl_link_get(&t->anl, "eth0", &l) == 0 && !stale_pair_of(t, l.ifindex))
		return ateom_fail("the actor netns %s already has an eth0", a->netns);

	return sys_check_snat_range(a->snat_min, a->snat_max);
}

/* Checks against the datapath's state (under the lock). */
static int up_check_state(struct up_txn *t)
{
	const struct ateom_args *a = t->a;
	struct actor_ref ref;
	int n, rc;

	if (dp_config_get(&t->dp, &t->old_cfg))
		return -1;
	rc = state_find_actor(&t->dp, a->actor, &ref);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		char name[IF_NAMESIZE] = "?";

		if_indextoname(ref.ifindex, name);
		return ateom_fail("actor %s is already up (on %s)", a->actor, name);
	}
	n = state_actor_count(&t->dp);
	if (n < 0)
		return -1;
	if (n > 0) {
		/* One datapath serves one pod interface and one SNAT range. */
		if (t->old_cfg.pod_ifindex != (uint32_t)t->pod.ifindex)
			return ateom_fail("this worker's actors use another pod interface "
					  "(ifindex %u), not %s", t->old_cfg.pod_ifindex, a->pod_if);
		if (t->old_cfg.snat_port_min != a->snat_min ||
		    t->old_cfg.snat_port_max != a->snat_max)
			return ateom_fail("--snat-ports %u-%u differs from the %u-%u in use",
					  a->snat_min, a->snat_max, t->old_cfg.snat_port_min,
					  t->old_cfg.snat_port_max);
	}
	for (int i = 0; i < a->n_expose; i++) {
		struct ateom_svc_key k = { .port_be = htons(a->expose[i].port),
					   .proto = a->expose[i].proto };
		struct ateom_svc v;

		if (bpf_map_lookup_elem(t->dp.services, &k, &v) == 0) {
			struct actor_ref owner = { 0 };

			bpf_map_lookup_elem(t->dp.actors, &v.actor_ifindex, &owner.a);
			return ateom_fail("port %u/%s is already exposed by actor %s",
					  a->expose[i].port, out_proto_name(k.proto), owner.a.name);
		}
	}
	rc = state_free_id(&t->dp);
	if (rc < 0)
		return -1;
	t->id = rc;
	return 0;
}

static int up_make_veth(struct up_txn *t)
{
	const struct ateom_args *a = t->a;
	static const unsigned char gw_mac[6] = ATEOM_GW_MAC, actor_mac[6] = ATEOM_ACTOR_MAC;
	char alias[128];
	struct nl_veth_spec spec = {
		.name = a->veth, .mac = gw_mac, .alias = alias, .mtu = t->pod.mtu,
		.peer_name = "eth0", .peer_mac = actor_mac, .peer_netns_fd = t->netns_fd,
	};
	struct nl_link peer;
	int rc;

	veth_alias(a->actor, alias, sizeof(alias));
	rc = nl_veth_create(&t->wnl, &spec);
	if (rc < 0)
		return nl_fail(&t->wnl, rc, "cannot create the veth pair");
	t->veth_ifindex = rc;

	/* IPv4 only: no link-local IPv6 chatter the datapath would drop. */
	rc = nl_link_no_ipv6_ll(&t->wnl, t->veth_ifindex);
	if (rc && rc != -EAFNOSUPPORT)
		return nl_fail(&t->wnl, rc, "cannot disable IPv6 link-local on the veth");
	if ((rc = nl_addr_add_v4(&t->wnl, t->veth_ifindex, a->worker_ip_be, a->prefixlen)) ||
	    (rc = nl_link_set_up(&t->wnl, t->veth_ifindex)))
		return nl_fail(&t->wnl, rc, "cannot configure the worker side of the veth");

	if ((rc = nl_link_get(&t->anl, "eth0", &peer)))
		return nl_fail(&t->anl, rc, "cannot find eth0 in the actor netns");
	rc = nl_link_no_ipv6_ll(&t->anl, peer.ifindex);
	if (rc && rc != -EAFNOSUPPORT)
		return nl_fail(&t->anl, rc, "cannot disable IPv6 link-local on the actor eth0");
	if ((rc = nl_addr_add_v4(&t->anl, peer.ifindex, a->actor_ip_be, a->prefixlen)) ||
	    (rc = nl_link_set_up(&t->anl, peer.ifindex)) ||
	    (rc = nl_link_set_up(&t->anl, 1 /* lo */)) ||
	    (rc = nl_route_add_default_v4(&t->anl, peer.ifindex, a->worker_ip_be)))
		return nl_fail(&t->anl, rc, "cannot configure eth0 in the actor netns");
	return 0;
}

static int up_write_maps(struct up_txn *t)
{
	const struct ateom_args *a = t->a;
	struct ateom_config cfg = t->old_cfg;
	uint32_t ifindex = t->veth_ifindex;
	struct ateom_actor act = { 0 };

	cfg.pod_ifindex = t->pod.ifindex;
	cfg.pod_ip_be = t->pod_ip_be;
	cfg.snat_port_min = a->snat_min;
	cfg.snat_port_max = a->snat_max;
	if (dp_config_set(&t->dp, &cfg))
		return -1;
	t->cfg_written = true;

	if (state_counters_zero(&t->dp, t->id))
		return -1;
	snprintf(act.name, sizeof(act.name), "%s", a->actor);
	act.worker_ip_be = a->worker_ip_be;
	act.actor_ip_be = a->actor_ip_be;
	act.netmask_be = htonl(a->prefixlen ? ~0U << (32 - a->prefixlen) : 0);
	act.id = t->id;
	act.flags = attach_actor_flags(t->veth_mode);
	if (bpf_map_update_elem(t->dp.actors, &ifindex, &act, BPF_NOEXIST))
		return ateom_fail("cannot add the actor to the actors map: %s", strerror(errno));
	t->actor_added = true;

	for (int i = 0; i < a->n_expose; i++) {
		struct ateom_svc_key k = { .port_be = htons(a->expose[i].port),
					   .proto = a->expose[i].proto };
		struct ateom_svc v = { .actor_ifindex = ifindex, .actor_ip_be = a->actor_ip_be,
				       .actor_port_be = htons(a->expose[i].actor_port),
				       .actor_id = t->id };

		if (bpf_map_update_elem(t->dp.services, &k, &v, BPF_NOEXIST))
			return ateom_fail("cannot expose %u/%s: %s", a->expose[i].port,
					  out_proto_name(k.proto), strerror(errno));
		t->n_svc_added++;
	}
	return 0;
}

/* from_actor goes on the veth before the actor entry exists: until then it
 * drops the actor's packets (drop_no_actor), and the entry records the mode. */
static int up_attach_veth(struct up_txn *t)
{
	return attach_ingress(&t->wnl, &t->dp, t->a->veth, t->veth_ifindex, &t->dp.from_actor,
			      t->a->attach, &t->veth_mode);
}

/* from_pod goes on last, once the maps describe the actor. */
static int up_attach_pod(struct up_txn *t)
{
	const struct ateom_args *a = t->a;

	t->pod_mode = attach_query(&t->wnl, &t->dp, a->pod_if, t->pod.ifindex, &t->dp.from_pod);
	if (t->pod_mode != ATTACH_NONE)
		return 0;
	if (attach_ingress(&t->wnl, &t->dp, a->pod_if, t->pod.ifindex, &t->dp.from_pod,
			   a->attach, &t->pod_mode))
		return -1;
	t->pod_attached_now = true;
	return 0;
}

static void up_rollback(struct up_txn *t)
{
	const struct ateom_args *a = t->a;
	uint32_t ifindex = t->veth_ifindex;

	if (t->pod_attached_now)
		detach_ingress(&t->wnl, &t->dp, a->pod_if, t->pod.ifindex, &t->dp.from_pod);
	if (t->n_svc_added)
		state_delete_services(&t->dp, ifindex);
	if (t->actor_added)
		bpf_map_delete_elem(t->dp.actors, &ifindex);
	if (t->veth_ifindex > 0) {
		detach_ingress(&t->wnl, &t->dp, a->veth, t->veth_ifindex, &t->dp.from_actor);
		state_nat_delete(&t->dp, ifindex);
		nl_link_del(&t->wnl, t->veth_ifindex); /* takes the peer with it */
	}
	if (t->cfg_written)
		dp_config_set(&t->dp, &t->old_cfg);
	if (t->dp.loaded_now)
		dp_unpin(&t->dp);
	if (t->pin_dir_created)
		pin_dir_remove_if_empty(t->dp.dir);
}

static int up_report(const struct up_txn *t, double ms)
{
	const struct ateom_args *a = t->a;
	struct out_up r = {
		.actor = a->actor, .veth = a->veth, .pod_if = a->pod_if, .pin_dir = t->dp.dir,
		.id = t->id, .ifindex = t->veth_ifindex, .attach = t->veth_mode,
		.pod_attach = t->pod_mode, .pod_ip_be = t->pod_ip_be,
		.actor_ip_be = a->actor_ip_be, .prefixlen = a->prefixlen,
		.expose = a->expose, .n_expose = a->n_expose, .loaded = t->dp.loaded_now,
		.elapsed_ms = ms,
	};

	return out_up(stdout, a->json, &r);
}

int verb_up(const struct ateom_args *a)
{
	struct up_txn t = { .a = a, .netns_fd = -1, .lock_fd = -1 };
	double t0 = sys_now_ms();
	char dir[PATH_MAX];
	int rc = -1;

	dp_init(&t.dp, "");
	if (up_check(&t))
		goto out;
	if (pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		goto out;
	dp_init(&t.dp, dir);
	if (pin_dir_prepare(dir, &t.pin_dir_created))
		goto out;
	t.lock_fd = pin_lock(dir);
	if (t.lock_fd < 0)
		goto out_undo;
	if (dp_open_or_load(&t.dp, a->nat_entries) || up_check_state(&t))
		goto out_undo;

	/* veth_remove_all: what a crashed `up` left (a veth, no map entry) */
	if (veth_remove_all(&t.wnl, a->actor) < 0 || up_make_veth(&t) || up_attach_veth(&t) ||
	    up_write_maps(&t) || up_attach_pod(&t))
		goto out_undo;
	/* The report is part of the transaction: exit 1 always means nothing
	 * changed, so a report that cannot be written undoes the rest. */
	if (up_report(&t, sys_now_ms() - t0))
		goto out_undo;
	rc = 0;
	goto out;

out_undo:
	up_rollback(&t);
out:
	dp_close(&t.dp);
	pin_unlock(t.lock_fd);
	if (t.netns_fd >= 0)
		close(t.netns_fd);
	nl_close(&t.wnl);
	nl_close(&t.anl);
	return rc;
}
