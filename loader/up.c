// SPDX-License-Identifier: Apache-2.0
/*
 * `ateomnet up`: one transaction. Everything that can be checked is checked
 * before anything is made; each step that makes something records it, and
 * any failure undoes the recorded steps in reverse.
 *
 * A crash (no rollback) at any step must not stop the next `up` or `down`
 * of the actor (teardown.h): the veth carries a mark from birth (veth.h),
 * the actor entry is written last, and what a crash left is cleared before
 * anything is made. sys_fault_point() marks the steps for the tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "nl_host.h"
#include "errmsg.h"
#include "ipv6_conf.h"
#include "out.h"
#include "pin.h"
#include "policy.h"
#include "routes.h"
#include "sockdiag.h"
#include "state.h"
#include "sys.h"
#include "teardown.h"
#include "verbs.h"
#include "veth.h"

struct up_txn {
	const struct ateom_args *a;
	struct nl wnl, anl;        /* worker and actor netns sockets */
	int netns_fd, lock_fd;
	struct nl_link pod;
	uint32_t pod_ip_be;        /* 0: an IPv6-only pod */
	union ateom_in6 pod_ip6;   /* zero: the pod has no IPv6 */
	bool v6;                   /* the actor gets IPv6 (pod has it, no --no-ipv6) */
	struct dp dp;
	bool pin_dir_created;
	/* Found before anything is made: a veth of this actor (a crash's
	 * leftover, or the veth of the actor when it is up), its peer when that
	 * is the actor netns's eth0, and an actor entry of this actor whose
	 * datapath is incomplete (`broken`). The first and last are removed
	 * before the new veth is made. */
	struct nl_link left;
	bool has_left;
	int left_peer;
	struct actor_ref broken;
	bool has_broken;
	struct actor_ref *acts;    /* the actors up, read under the lock */
	int n_acts;
	int veth_ifindex;          /* > 0 once the veth pair exists */
	enum attach_mode veth_mode, pod_mode; /* ATTACH_TCX or ATTACH_TC once attached */
	bool pod_attached_now, actor_added, gc_started;
	int n_svc_added;
	uint32_t id;
	struct ateom_config old_cfg;
	bool cfg_written;
	int hook_fd;               /* --egress-hook, or -1 */
	uint32_t ident_be;         /* the actor's identity toward the worker */
	bool hook_set;
	bool pol_set;              /* the actor's egress policy written */
	int cg_link;               /* --capture-cgroup's new link, pinned last */
};


/* Is the actor netns's eth0 the peer of the veth of this actor already
 * there? Both ends name each other, and the worker side's peer netns is the
 * one of --netns (ifindexes alone repeat across namespaces). */
/* The actor link's netmask (network order) from its prefix length. */
static uint32_t link_netmask_be(int plen)
{
	return htonl(plen ? ~0U << (32 - plen) : 0);
}

static bool is_left_peer(struct up_txn *t, const struct nl_link *eth0)
{
	int nsid;

	if (!t->has_left || t->left.peer_ifindex != eth0->ifindex ||
	    eth0->peer_ifindex != t->left.ifindex)
		return false;
	nsid = nl_netns_id(&t->wnl, t->netns_fd);
	return nsid >= 0 && nsid == t->left.link_netnsid;
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
		t->pod_ip_be = 0;
	/* The pod's IPv6 goes to the config whatever this actor wants: it is
	 * the worker's, and other actors may use it. */
	err = nl_addr_get_v6(&t->wnl, t->pod.ifindex, t->pod_ip6.b);
	if (err && err != -EADDRNOTAVAIL)
		return nl_fail(&t->wnl, err, "cannot read the pod interface's IPv6 addresses");
	t->v6 = !err && !a->no_ipv6;
	if (!t->pod_ip_be && !t->v6)
		return ateom_fail("pod interface %s has no IPv4 address%s", a->pod_if,
				  err ? " and no global or ULA IPv6 address" :
				  " (and --no-ipv6 leaves the actor no IPv6)");

	err = veth_find(&t->wnl, a->actor, &t->left);
	if (err < 0)
		return -1;
	t->has_left = err == 1;
	if (nl_link_get(&t->wnl, a->veth, &l) == 0 &&
	    !veth_is_actors(&l, a->actor))
		return ateom_fail("interface %s already exists", a->veth);
	if (nl_link_get(&t->anl, a->actor_if, &l) == 0) {
		if (!is_left_peer(t, &l))
			return ateom_fail("the actor netns %s already has an %s", a->netns,
					  a->actor_if);
		t->left_peer = l.ifindex;
	}
	if (routes_check_no_default(&t->anl, a->netns, t->left_peer))
		return -1;

	if (a->egress_hook[0]) {
		t->hook_fd = sys_open_hook(a->egress_hook);
		if (t->hook_fd < 0)
			return -1;
	}
	return sys_check_snat_range(a->snat_min, a->snat_max);
}

/* An entry of this actor whose datapath is whole: its veth (still ours)
 * with from_actor, from_pod on the pod interface, and the entry marked
 * ready by the last step of its `up`. An entry without them is what a
 * crash (or someone deleting the veth) left. */
static bool actor_complete(struct up_txn *t, const struct actor_ref *ref)
{
	struct nl_link l, pod;

	if (!(ref->a.flags & ATEOM_ACTOR_READY) ||
	    nl_link_get_by_index(&t->wnl, ref->ifindex, &l) || !veth_is_actors(&l, ref->a.name) ||
	    attach_query(&t->wnl, &t->dp, l.name, l.ifindex, &t->dp.from_actor) == ATTACH_NONE)
		return false;
	if (nl_link_get_by_index(&t->wnl, t->old_cfg.pod_ifindex, &pod))
		return false;
	return attach_query(&t->wnl, &t->dp, pod.name, pod.ifindex, &t->dp.from_pod) != ATTACH_NONE;
}

static bool is_broken(const struct up_txn *t, uint32_t ifindex)
{
	return t->has_broken && t->broken.ifindex == ifindex;
}

/* May a route through oif overlap this actor's subnet? Yes for the links
 * of actors up with the very same subnet (every actor has it by default),
 * and for veths a crash left (this actor's, or another's, which go with
 * that actor's next `up` or `down`). */
static bool route_is_ateomnets(int oif, void *arg)
{
	struct up_txn *t = arg;
	uint32_t mask = link_netmask_be(t->a->prefixlen);
	struct nl_link l;

	if ((t->has_left && oif == t->left.ifindex) || is_broken(t, oif))
		return true;
	for (int i = 0; i < t->n_acts; i++)
		if ((int)t->acts[i].ifindex == oif)
			return t->acts[i].a.netmask_be == mask &&
			       (t->acts[i].a.worker_ip_be & mask) == (t->a->worker_ip_be & mask);
	return nl_link_get_by_index(&t->wnl, oif, &l) == 0 && veth_is_ateomnets(&l);
}

/* The NAT table must hold the quotas of the actors up (a broken entry of
 * this actor aside: it goes) plus this one's: no actor can fill it for the
 * others. Two entries a pair. */
static int quota_room(const struct up_txn *t)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	uint64_t sum = t->a->nat_quota;

	if (bpf_obj_get_info_by_fd(t->dp.nat, &info, &len))
		return ateom_fail("cannot inspect the nat map: %s", strerror(errno));
	for (int i = 0; i < t->n_acts; i++)
		if (!is_broken(t, t->acts[i].ifindex))
			sum += t->acts[i].a.nat_quota;
	if (sum * 2 > info.max_entries)
		return ateom_fail("--nat-quota %u: the quotas of the actors up would hold %llu "
				  "NAT pairs, more than the table's %u entries hold (two a pair); "
				  "use a smaller --nat-quota", t->a->nat_quota,
				  (unsigned long long)sum, info.max_entries);
	return 0;
}

/* One more actor than the datapath is sized for (--max-actors) has no
 * counters, no id: refused before anything else is said about it. */
static int actor_room(const struct up_txn *t, int n_up)
{
	struct dp_sizes sz;

	if (dp_sizes_get(&t->dp, &sz))
		return -1;
	if ((uint32_t)n_up >= sz.max_actors)
		return ateom_fail("this worker's datapath is sized for %u actor%s (--max-actors, "
				  "set when it was loaded by prepare or the first up) and %d %s "
				  "up; take one down, or purge and prepare with a larger "
				  "--max-actors", sz.max_actors, sz.max_actors == 1 ? "" : "s",
				  n_up, n_up == 1 ? "is" : "are");
	return 0;
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

		if (!actor_complete(t, &ref)) {
			t->broken = ref; /* torn down before the new one is made */
			t->has_broken = true;
		} else {
			if_indextoname(ref.ifindex, name);
			return ateom_fail("actor %s is already up (on %s)", a->actor, name);
		}
	}
	if (state_actors(&t->dp, &t->acts, &t->n_acts))
		return -1;
	n = t->n_acts - t->has_broken;
	if (n > 0) {
		struct nl_link old_pod;

		/* One datapath serves one pod interface and one SNAT range. A
		 * pod interface that is gone (re-created under a new ifindex)
		 * is replaced: the config and from_pod move to the new one. */
		if (t->old_cfg.pod_ifindex != (uint32_t)t->pod.ifindex &&
		    nl_link_get_by_index(&t->wnl, t->old_cfg.pod_ifindex, &old_pod) == 0)
			return ateom_fail("this worker's actors use another pod interface "
					  "(%s, ifindex %u), not %s", old_pod.name,
					  t->old_cfg.pod_ifindex, a->pod_if);
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
		struct actor_ref owner = { 0 };

		if (bpf_map_lookup_elem(t->dp.services, &k, &v))
			continue;
		/* Ours from a broken entry, or no actor's (a crash before the
		 * actor entry): cleared before we expose. */
		if (is_broken(t, v.actor_ifindex) ||
		    bpf_map_lookup_elem(t->dp.actors, &v.actor_ifindex, &owner.a))
			continue;
		return ateom_fail("port %u/%s is already exposed by actor %s",
				  a->expose[i].port, out_proto_name(k.proto), owner.a.name);
	}
	if (routes_check_subnet(&t->wnl, "--worker-addr", a->worker_ip_be, a->prefixlen,
				route_is_ateomnets, t) ||
	    actor_room(t, n) || quota_room(t))
		return -1;
	rc = state_free_id(&t->dp, t->has_broken ? t->broken.ifindex : 0);
	if (rc < 0)
		return -1;
	t->id = rc;
	return 0;
}

/* What a crash left: a broken entry of this actor, its veths, and map
 * entries no actor owns. Garbage whatever this call decides, so it is not
 * rolled back. */
static int up_clear_leftovers(struct up_txn *t)
{
	long nat;

	if (t->has_broken && teardown_actor(&t->wnl, &t->dp, &t->broken, &nat))
		return -1;
	if (teardown_stale_veths(&t->wnl, &t->dp, t->a->actor) < 0 || teardown_orphans(&t->dp) < 0)
		return -1;
	sys_fault_point("leftovers");
	return 0;
}

static int up_make_veth(struct up_txn *t)
{
	const struct ateom_args *a = t->a;
	static const unsigned char gw_mac[6] = ATEOM_GW_MAC, actor_mac[6] = ATEOM_ACTOR_MAC;
	char alias[128], tmp[IF_NAMESIZE];
	/* Born under the actor's temp name: a crash before the rename still
	 * leaves a veth the actor's next `up` or `down` recognises. */
	struct nl_veth_spec spec = {
		.name = tmp, .mac = gw_mac, .mtu = t->pod.mtu,
		.peer_name = a->actor_if, .peer_mac = actor_mac, .peer_netns_fd = t->netns_fd,
	};
	struct nl_link peer;
	int rc;

	veth_temp_name(a->actor, tmp);
	veth_alias(a->actor, alias, sizeof(alias));
	rc = nl_veth_create(&t->wnl, &spec);
	if (rc < 0)
		return nl_fail(&t->wnl, rc, "cannot create the veth pair");
	t->veth_ifindex = rc;
	sys_fault_point("veth");
	rc = nl_link_set_name_alias(&t->wnl, t->veth_ifindex, a->veth, alias);
	if (rc)
		return nl_fail(&t->wnl, rc, "cannot name the veth");
	sys_fault_point("named");

	/* No IPv6 on the worker side at all (no RS, MLD or DAD): the datapath
	 * answers for the IPv6 gateway itself. */
	rc = nl_link_no_ipv6_ll(&t->wnl, t->veth_ifindex);
	if (rc && rc != -EAFNOSUPPORT)
		return nl_fail(&t->wnl, rc, "cannot disable IPv6 link-local on the veth");
	if (ipv6_conf_disable(-1, a->veth, true) < 0)
		return -1;
	if ((rc = nl_addr_add_v4(&t->wnl, t->veth_ifindex, a->worker_ip_be, a->prefixlen)) ||
	    (rc = nl_link_set_up(&t->wnl, t->veth_ifindex)))
		return nl_fail(&t->wnl, rc, "cannot configure the worker side of the veth");

	if ((rc = nl_link_get(&t->anl, a->actor_if, &peer)))
		return nl_fail(&t->anl, rc, "cannot find the actor's interface in its netns");
	/* Before the link goes up: no link-local address, and IPv6 on only
	 * where the actor gets an address (else no IPv6 noise at all). */
	rc = nl_link_no_ipv6_ll(&t->anl, peer.ifindex);
	if (rc && rc != -EAFNOSUPPORT)
		return nl_fail(&t->anl, rc, "cannot disable IPv6 link-local on the actor eth0");
	rc = ipv6_conf_disable(t->netns_fd, a->actor_if, !t->v6);
	if (rc < 0 || (rc == 1 && t->v6))
		return rc < 0 ? -1 : ateom_fail("the actor netns has no IPv6 (no "
						"net.ipv6.conf.%s); use --no-ipv6", a->actor_if);
	if (t->v6 && (rc = nl_addr_add_v6(&t->anl, peer.ifindex, a->actor_ip6.b, a->prefix6)))
		return nl_fail(&t->anl, rc, "cannot give the actor its IPv6 address");
	/* An IPv6-only pod: the IPv4 link stays (worker-local services), no
	 * IPv4 default route, so the actor's IPv4 connect fails at once. */
	if ((rc = nl_addr_add_v4(&t->anl, peer.ifindex, a->actor_ip_be, a->prefixlen)) ||
	    (rc = nl_link_set_up(&t->anl, peer.ifindex)) ||
	    (rc = nl_link_set_up(&t->anl, 1 /* lo */)) ||
	    (t->pod_ip_be &&
	     (rc = nl_route_add_default_v4(&t->anl, peer.ifindex, a->worker_ip_be))) ||
	    (t->v6 && (rc = nl_route_add_default_v6(&t->anl, peer.ifindex, a->worker_ip6.b))))
		return nl_fail(&t->anl, rc, "cannot configure eth0 in the actor netns");
	sys_fault_point("configured");
	return 0;
}

/* The actor entry last: it is the commit record (teardown.h). Until it
 * exists from_actor drops the actor's packets, and a crash leaves nothing
 * an entry owns. */
static int up_write_maps(struct up_txn *t)
{
	const struct ateom_args *a = t->a;
	struct ateom_config cfg = t->old_cfg;
	uint32_t ifindex = t->veth_ifindex;
	struct ateom_actor act = { 0 };

	cfg.pod_ifindex = t->pod.ifindex;
	cfg.pod_ip_be = t->pod_ip_be;
	cfg.pod_ip6 = t->pod_ip6;
	cfg.snat_port_min = a->snat_min;
	cfg.snat_port_max = a->snat_max;
	ateom_timeouts_apply(&cfg, a->timeout_s, a->timeouts_set); /* worker-wide */
	if (dp_config_set(&t->dp, &cfg))
		return -1;
	t->cfg_written = true;
	sys_fault_point("config");

	if (state_counters_zero(&t->dp, t->id))
		return -1;
	/* An egress policy is the hook of this actor (policy.h). */
	if (pol_active(&a->pol)) {
		t->pol_set = true;
		if (pol_setup(&t->dp, t->id, &a->pol, a->capture_cgroup, &t->hook_fd,
			      &t->cg_link))
			return -1;
	}
	/* The hook slot is filled (or emptied) before the actor entry makes
	 * from_actor forward anything: no packet passes unfiltered, and no
	 * hook of an earlier actor with this id survives. */
	if (state_hook_set(&t->dp, t->id, t->hook_fd))
		return -1;
	t->hook_set = true;
	sys_fault_point("hook");

	/* Inbound reaches the actor from here; its replies wait for the entry. */
	for (int i = 0; i < a->n_expose; i++) {
		const struct ateom_expose *e = &a->expose[i];

		if (state_expose(&t->dp, ifindex, t->id, a->actor_ip_be,
				 link_netmask_be(a->prefixlen), e->proto, e->port, e->actor_port))
			return -1;
		t->n_svc_added++;
		/* An exposed port inside the SNAT range may still hold pairs
		 * made before: they go, or their remotes would reach this actor. */
		if (e->port >= a->snat_min && e->port <= a->snat_max &&
		    dp_nat_release(&t->dp, e->proto, e->port))
			return -1;
	}
	sys_fault_point("services");
	/* Expired pairs leave on time while actors are up (bpf/gc.h). */
	if (dp_gc(&t->dp, true))
		return -1;
	t->gc_started = true;
	sys_fault_point("gc");

	snprintf(act.name, sizeof(act.name), "%s", a->actor);
	act.worker_ip_be = a->worker_ip_be;
	act.actor_ip_be = a->actor_ip_be;
	act.netmask_be = link_netmask_be(a->prefixlen);
	act.id = t->id;
	act.flags = attach_actor_flags(t->veth_mode);
	if (t->hook_fd >= 0) /* its exposed ports answer clients past the hook */
		act.flags |= ATEOM_ACTOR_HOOKED;
	act.hook_gen = 1; /* pairs stamped 0 were never let through a hook */
	act.nat_quota = a->nat_quota;
	act.ident_ip_be = t->ident_be;
	if (t->v6) {
		act.worker_ip6 = a->worker_ip6;
		act.actor_ip6 = a->actor_ip6;
		act.prefix6 = a->prefix6;
	}
	if (bpf_map_update_elem(t->dp.actors, &ifindex, &act, BPF_NOEXIST))
		return ateom_fail("cannot add the actor to the actors map: %s", strerror(errno));
	t->actor_added = true;
	sys_fault_point("actor");
	/* One more actor shares the ports toward each remote. */
	if (state_remote_share_update(&t->dp))
		return -1;
	return 0;
}

/* How the veth's programs attach. `auto` means cls_bpf there: the veth is
 * ours alone (no one to share a hook with, which is what tcx is for), and
 * a tcx attach or detach waits for an RCU grace period (measured 17-23 ms
 * each on a busy 2-core VM), twice per `up` and per `down`. The pod
 * interface, shared with whoever else runs there, gets tcx under auto. */
static enum attach_mode veth_attach(const struct ateom_args *a)
{
	return a->attach == ATTACH_AUTO ? ATTACH_TC : a->attach;
}

/* from_actor goes on the veth before the actor entry exists: until then it
 * drops the actor's packets (drop_no_actor), and the entry records the mode. */
static int up_attach_veth(struct up_txn *t)
{
	return attach_ingress(&t->wnl, &t->dp, t->a->veth, t->veth_ifindex, &t->dp.from_actor,
			      veth_attach(t->a), &t->veth_mode);
}

/* The actor's identity toward the worker (bpf/ident.h): to_actor on the
 * veth's egress, and the identity's /32 routed out of the veth to the
 * actor's MAC. Before the actor entry: its packets to the worker get the
 * identity only once the worker can answer it. */
static int up_identity(struct up_txn *t)
{
	static const unsigned char actor_mac[6] = ATEOM_ACTOR_MAC;
	enum attach_mode mode;
	int rc;

	t->ident_be = htonl(ATEOM_IDENT_BASE + t->id);
	if (attach_hook(&t->wnl, &t->dp, t->a->veth, t->veth_ifindex, NL_TC_EGRESS,
			&t->dp.to_actor, veth_attach(t->a), &mode))
		return -1;
	rc = nl_host_add(&t->wnl, t->veth_ifindex, t->ident_be, actor_mac);
	if (rc)
		return nl_fail(&t->wnl, rc, "cannot route the actor's identity");
	sys_fault_point("identity");
	return 0;
}

/* The last step: the entry says its `up` finished (actor_complete). */
static int up_mark_ready(struct up_txn *t)
{
	return dp_actor_ready(&t->dp, t->veth_ifindex);
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

/* Undoes in the order teardown_actor uses: the veth first, the actor
 * entry last. */
static void up_rollback(struct up_txn *t)
{
	const struct ateom_args *a = t->a;
	uint32_t ifindex = t->veth_ifindex;

	if (t->veth_ifindex > 0) {
		detach_ingress(&t->wnl, &t->dp, a->veth, t->veth_ifindex, &t->dp.from_actor);
		detach_hook(&t->wnl, &t->dp, a->veth, t->veth_ifindex, NL_TC_EGRESS,
			    &t->dp.to_actor);
		nl_link_del(&t->wnl, t->veth_ifindex); /* takes the peer with it */
	}
	if (t->ident_be)
		sockdiag_destroy(t->ident_be); /* as teardown_actor */
	if (t->n_svc_added)
		state_delete_services(&t->dp, ifindex);
	if (t->actor_added) {
		state_nat_delete(&t->dp, ifindex);
		bpf_map_delete_elem(t->dp.actors, &ifindex);
		state_remote_share_update(&t->dp);
	}
	/* (A policy may have made a capture table before the slot was set.) */
	if (t->hook_set || t->pol_set)
		state_hook_set(&t->dp, t->id, -1);
	if (t->pol_set)
		pol_forget_actor(&t->dp, t->id);
	/* An attach this call made goes (with no actor up); one that was
	 * there stays, as `down` leaves it, until `purge`. */
	if (t->pod_attached_now)
		detach_pod_if_idle(&t->wnl, &t->dp);
	if (t->cfg_written)
		dp_config_set(&t->dp, &t->old_cfg);
	if (t->gc_started && state_actor_count(&t->dp) == 0)
		dp_gc(&t->dp, false);
	if (t->dp.loaded_now)
		dp_unpin(&t->dp);
	if (t->pin_dir_created)
		pin_dir_remove_if_empty(t->dp.dir);
}

static int up_report(const struct up_txn *t, double ms, up_report_fn report, void *ctx)
{
	const struct ateom_args *a = t->a;
	struct out_up r = {
		.actor = a->actor, .veth = a->veth, .pod_if = a->pod_if, .pin_dir = t->dp.dir,
		.id = t->id, .ifindex = t->veth_ifindex, .attach = t->veth_mode,
		.pod_attach = t->pod_mode, .pod_ip_be = t->pod_ip_be,
		.actor_ip_be = a->actor_ip_be, .prefixlen = a->prefixlen,
		.pod_ip6 = t->pod_ip6, .actor_ip6 = t->v6 ? a->actor_ip6 : (union ateom_in6){ .b = { 0 } },
		.prefix6 = a->prefix6,
		.expose = a->expose, .n_expose = a->n_expose, .loaded = t->dp.loaded_now,
		.elapsed_ms = ms,
	};

	return report(&r, ctx);
}

static int print_report(const struct out_up *r, void *ctx)
{
	const struct ateom_args *a = ctx;

	return out_up(stdout, a->json, r);
}

int verb_up(const struct ateom_args *a)
{
	return ateom_up(a, print_report, (void *)a);
}

int ateom_up(const struct ateom_args *a, up_report_fn report, void *ctx)
{
	struct up_txn t = { .a = a, .netns_fd = -1, .lock_fd = -1, .hook_fd = -1, .cg_link = -1 };
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
	sys_fault_point("pin_dir");
	t.lock_fd = pin_lock(dir);
	if (t.lock_fd < 0)
		goto out_undo;
	struct dp_sizes want = { .max_actors = a->max_actors, .nat_entries = a->nat_entries,
				 .no_ipv6 = ateom_in6_zero(&t.pod_ip6) };

	if (dp_open_or_load(&t.dp, want) || dp_sizes_check(&t.dp, want))
		goto out_undo;
	sys_fault_point("loaded");
	if (up_check_state(&t) || up_clear_leftovers(&t) || up_make_veth(&t))
		goto out_undo;
	if (up_attach_veth(&t))
		goto out_undo;
	sys_fault_point("attached");
	if (up_identity(&t))
		goto out_undo;
	if (up_write_maps(&t) || up_attach_pod(&t) || up_mark_ready(&t))
		goto out_undo;
	/* The worker's SO_ORIGINAL_DST link moves to --capture-cgroup last:
	 * everything before can still be undone without it. */
	if (t.cg_link >= 0 && pol_cgroup_commit(&t.dp, t.cg_link))
		goto out_undo;
	/* The report is part of the transaction: exit 1 always means nothing
	 * changed, so a report that cannot be written undoes the rest. */
	if (up_report(&t, sys_now_ms() - t0, report, ctx))
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
	if (t.hook_fd >= 0)
		close(t.hook_fd);
	if (t.cg_link >= 0)
		close(t.cg_link);
	nl_close(&t.wnl);
	nl_close(&t.anl);
	free(t.acts);
	return rc;
}
