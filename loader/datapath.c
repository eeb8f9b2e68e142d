// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <linux/if_ether.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "datapath.skel.h"
#include "timeouts.h"
#include "errmsg.h"
#include "policy.h"

/* Pin names, in pin order; config last (see dp_load). */
static const char *const map_names[] = { "actors", "services", "svc_rev", "nat", "nat_gc",
					 "remote_pairs", "snat_full", "worker_flows", "stats",
					 "egress_hooks", "capture_orig", "nat6", "remote_pairs6",
					 "v6_progs", "config" };
static const char *const prog_names[] = { "prog_from_actor", "prog_from_pod",
					  "prog_actor_resume", "prog_nat_gc_ctl", "prog_to_actor" };
#define N_MAPS (sizeof(map_names) / sizeof(map_names[0]))
#define N_PROGS (sizeof(prog_names) / sizeof(prog_names[0]))

/* Expected key/value sizes: a pin with other sizes is from another ABI. */
static const struct { uint32_t key, value; } map_sizes[N_MAPS] = {
	{ sizeof(__u32), sizeof(struct ateom_actor) },
	{ sizeof(struct ateom_svc_key), sizeof(struct ateom_svc) },
	{ sizeof(struct ateom_svc_rev_key), sizeof(struct ateom_svc_rev) },
	{ sizeof(struct ateom_nat_key), sizeof(struct ateom_nat_entry) },
	{ sizeof(__u32), sizeof(struct ateom_gc) },
	{ sizeof(struct ateom_remote_pairs_key), sizeof(__u32) },
	{ sizeof(struct ateom_remote_key), sizeof(__u64) },
	{ sizeof(struct ateom_wflow_key), sizeof(__u64) },
	{ sizeof(__u32), sizeof(struct ateom_counter) },
	{ sizeof(__u32), sizeof(__u32) },
	{ sizeof(__u32), sizeof(__u32) }, /* capture_orig: actor id -> a table's id */
	{ sizeof(struct ateom_nat6_key), sizeof(struct ateom_nat6_entry) },
	{ sizeof(struct ateom_remote_pairs6_key), sizeof(__u32) },
	{ sizeof(__u32), sizeof(__u32) }, /* v6_progs: the IPv6 programs */
	{ sizeof(__u32), sizeof(struct ateom_config) },
};

static int *map_fd(struct dp *dp, size_t i)
{
	int *fds[N_MAPS] = { &dp->actors, &dp->services, &dp->svc_rev, &dp->nat, &dp->nat_gc,
			     &dp->remote_pairs, &dp->snat_full, &dp->worker_flows, &dp->stats,
			     &dp->hooks, &dp->capture_orig, &dp->nat6, &dp->remote_pairs6,
			     &dp->v6_progs, &dp->config };
	return fds[i];
}

static struct dp_prog *prog(struct dp *dp, size_t i)
{
	struct dp_prog *progs[N_PROGS] = { &dp->from_actor, &dp->from_pod, &dp->actor_resume,
					   &dp->nat_gc_ctl, &dp->to_actor };
	return progs[i];
}

static void dp_reset(struct dp *dp)
{
	for (size_t i = 0; i < N_MAPS; i++)
		*map_fd(dp, i) = -1;
	for (size_t i = 0; i < N_PROGS; i++)
		*prog(dp, i) = (struct dp_prog){ .fd = -1 };
	dp->loaded_now = false;
}

void dp_init(struct dp *dp, const char *dir)
{
	snprintf(dp->dir, sizeof(dp->dir), "%s", dir);
	dp_reset(dp);
}

void dp_close(struct dp *dp)
{
	for (size_t i = 0; i < N_MAPS; i++)
		if (*map_fd(dp, i) >= 0)
			close(*map_fd(dp, i));
	for (size_t i = 0; i < N_PROGS; i++)
		if (prog(dp, i)->fd >= 0)
			close(prog(dp, i)->fd);
	dp_reset(dp);
}

/* args.c keeps --pin-dir short enough for every name; a path that still
 * does not fit becomes "", which no bpf call accepts. */
static void pin_path(const char *dir, const char *name, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		out[0] = '\0';
}

static uint32_t prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

int dp_config_get(const struct dp *dp, struct ateom_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(dp->config, &zero, cfg))
		return ateom_fail("cannot read the config map: %s", strerror(errno));
	return 0;
}

int dp_config_set(const struct dp *dp, const struct ateom_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(dp->config, &zero, cfg, BPF_ANY))
		return ateom_fail("cannot write the config map: %s", strerror(errno));
	return 0;
}

static int check_map(int fd, const char *name, size_t i)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return ateom_fail("cannot inspect pinned map %s: %s", name, strerror(errno));
	if (info.key_size != map_sizes[i].key || info.value_size != map_sizes[i].value)
		return ateom_fail("pinned map %s has another layout (another ateomnet "
				  "version); take all actors down and run `ateomnet purge`", name);
	return 0;
}

/* The IPv6 programs' slots (filled by libbpf at load, kept by the pin):
 * an empty one would drop every IPv6 packet of the actors. */
/* Every IPv6 program in its slot, or none in a datapath loaded for a pod
 * without IPv6 (sizing.c). */
static int v6_progs_check(const struct dp *dp)
{
	struct dp_sizes sz;

	if (dp_sizes_get(dp, &sz))
		return -1;
	for (__u32 slot = 0; slot < ATEOM_V6_PROGS; slot++) {
		__u32 id;
		bool empty = bpf_map_lookup_elem(dp->v6_progs, &slot, &id) != 0;

		if (empty != sz.no_ipv6)
			return ateom_fail("datapath pins in %s have %s IPv6 program in slot %u; "
					  "take all actors down and run `ateomnet purge`",
					  dp->dir, empty ? "no" : "an unexpected", slot);
	}
	return 0;
}

/* The IPv6 programs into their slots (tail calls from the IPv4 ones). */
int dp_v6_progs_fill(struct datapath_bpf *skel)
{
	struct bpf_program *p[ATEOM_V6_PROGS] = {
		[ATEOM_V6_FROM_ACTOR] = skel->progs.from_actor6,
		[ATEOM_V6_RESUME] = skel->progs.actor_resume6,
		[ATEOM_V6_FROM_POD] = skel->progs.from_pod6,
	};

	for (__u32 slot = 0; slot < ATEOM_V6_PROGS; slot++) {
		int fd = bpf_program__fd(p[slot]);

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.v6_progs), &slot, &fd, BPF_ANY))
			return ateom_fail("cannot fill the IPv6 program slots: %s", strerror(errno));
	}
	return 0;
}

bool dp_pinned(const struct dp *dp)
{
	char path[PATH_MAX];

	pin_path(dp->dir, "config", path, sizeof(path));
	return access(path, F_OK) == 0;
}

int dp_open(struct dp *dp)
{
	const char *dir = dp->dir;
	char path[PATH_MAX];
	struct ateom_config cfg;

	dp_close(dp);
	if (!dp_pinned(dp))
		return ateom_fail("no datapath pinned in %s", dir);
	for (size_t i = 0; i < N_MAPS; i++) {
		pin_path(dir, map_names[i], path, sizeof(path));
		*map_fd(dp, i) = bpf_obj_get(path);
		if (*map_fd(dp, i) < 0 || check_map(*map_fd(dp, i), map_names[i], i)) {
			ateom_fail("datapath pins in %s are incomplete (%s); "
				   "run `ateomnet purge`", dir, map_names[i]);
			goto err;
		}
	}
	for (size_t i = 0; i < N_PROGS; i++) {
		struct dp_prog *p = prog(dp, i);

		pin_path(dir, prog_names[i], path, sizeof(path));
		p->fd = bpf_obj_get(path);
		p->id = p->fd < 0 ? 0 : prog_id(p->fd);
		if (!p->id) {
			ateom_fail("datapath pins in %s are incomplete (%s); "
				   "run `ateomnet purge`", dir, prog_names[i]);
			goto err;
		}
	}
	if (v6_progs_check(dp))
		goto err;
	if (dp_config_get(dp, &cfg))
		goto err;
	if (cfg.abi != ATEOM_ABI_VERSION) {
		ateom_fail("datapath in %s has ABI %u, this ateomnet has %u; take all "
			   "actors down and run `ateomnet purge`", dir, cfg.abi, ATEOM_ABI_VERSION);
		goto err;
	}
	return 0;
err:
	dp_close(dp);
	return -1;
}

void dp_unpin(const struct dp *dp)
{
	char path[PATH_MAX];

	/* config first: once it is gone nobody trusts the rest. */
	for (size_t i = N_MAPS; i-- > 0;) {
		pin_path(dp->dir, map_names[i], path, sizeof(path));
		unlink(path);
	}
	for (size_t i = 0; i < N_PROGS; i++) {
		pin_path(dp->dir, prog_names[i], path, sizeof(path));
		unlink(path);
	}
	pin_path(dp->dir, "links", path, sizeof(path));
	rmdir(path);
	pol_unpin(dp->dir); /* the egress policy object (policy.h) */
}

#define NSEC_PER_SEC 1000000000ULL

static int config_defaults(struct ateom_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->abi = ATEOM_ABI_VERSION;
	cfg->snat_port_min = ATEOM_SNAT_PORT_MIN;
	cfg->snat_port_max = ATEOM_SNAT_PORT_MAX;
	cfg->flags = ATEOM_CFG_REDIRECT_PEER;
	ateom_timeouts_default(cfg); /* timeouts.c: RFC 4787, 5382, 5508 */
	cfg->gc_interval_ns = 1 * NSEC_PER_SEC;
	/* The port choice's secret: once per datapath, never shown. */
	if (getrandom(cfg->port_key, sizeof(cfg->port_key), 0) != sizeof(cfg->port_key))
		return ateom_fail("getrandom: %s", strerror(errno));
	return 0;
}

/* Runs nat_gc_ctl once (BPF_PROG_TEST_RUN) with the given mark and cb. */
static int gc_ctl(const struct dp *dp, uint32_t mark, uint32_t cb0, uint32_t cb1,
		  const char *what)
{
	unsigned char frame[ETH_HLEN] = { 0 };
	struct __sk_buff ctx = { .mark = mark, .cb = { cb0, cb1 } };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(dp->nat_gc_ctl.fd, &opts) || opts.retval)
		return ateom_fail("cannot %s: %s", what, strerror(errno ? errno : EINVAL));
	return 0;
}

int dp_gc(const struct dp *dp, bool start)
{
	return gc_ctl(dp, start ? ATEOM_GC_START : ATEOM_GC_STOP, 0, 0,
		      start ? "start the NAT garbage collector" : "stop the NAT garbage collector");
}

int dp_actor_ready(const struct dp *dp, uint32_t ifindex)
{
	return gc_ctl(dp, ATEOM_GC_READY, ifindex, 0, "mark the actor ready");
}

int dp_hook_changed(const struct dp *dp, uint32_t ifindex, bool hooked)
{
	/* In the datapath, as dp_actor_ready: the entry is live. */
	return gc_ctl(dp, ATEOM_GC_HOOK_GEN, ifindex, hooked, "renew the actor's hook generation");
}

int dp_nat_release(const struct dp *dp, uint8_t proto, uint16_t port)
{
	/* In the datapath, so each pair is counted off its actor's quota
	 * with the same atomics the datapath uses. */
	return gc_ctl(dp, ATEOM_GC_RELEASE, port, proto, "release the port's NAT pairs");
}

int dp_load(struct dp *dp, struct dp_sizes sizes)
{
	const char *dir = dp->dir;
	struct datapath_bpf *skel;
	struct ateom_config cfg;
	char path[PATH_MAX];
	__u32 slot = ATEOM_HOOK_SLOT_RESUME;
	int err, fd;

	dp_close(dp);
	dp_unpin(dp); /* leftovers of a load that crashed before pinning config */
	skel = datapath_bpf__open();
	if (!skel)
		return ateom_fail("cannot open the BPF object: %s", strerror(errno));
	dp_sizes_apply(skel, sizes);
	err = datapath_bpf__load(skel);
	if (err) {
		datapath_bpf__destroy(skel);
		return ateom_fail("BPF programs failed to load (verifier or kernel "
				  "features; run with LIBBPF_LOG=debug): %s", strerror(-err));
	}

	fd = bpf_program__fd(skel->progs.actor_resume);
	if (config_defaults(&cfg))
		goto err;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.egress_hooks), &slot, &fd, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.config), &(__u32){0}, &cfg, BPF_ANY)) {
		ateom_fail("cannot initialise datapath maps: %s", strerror(errno));
		goto err;
	}
	if (!sizes.no_ipv6 && dp_v6_progs_fill(skel))
		goto err;

	struct bpf_program *progs[N_PROGS] = { skel->progs.from_actor, skel->progs.from_pod,
					       skel->progs.actor_resume, skel->progs.nat_gc_ctl,
					       skel->progs.to_actor };
	for (size_t i = 0; i < N_PROGS; i++) {
		pin_path(dir, prog_names[i], path, sizeof(path));
		if (bpf_obj_pin(bpf_program__fd(progs[i]), path)) {
			ateom_fail("cannot pin %s: %s", path, strerror(errno));
			goto err;
		}
	}
	struct bpf_map *maps[N_MAPS] = { skel->maps.actors, skel->maps.services,
					 skel->maps.svc_rev, skel->maps.nat, skel->maps.nat_gc,
					 skel->maps.remote_pairs, skel->maps.snat_full, skel->maps.worker_flows,
					 skel->maps.stats, skel->maps.egress_hooks,
					 skel->maps.capture_orig, skel->maps.nat6,
					 skel->maps.remote_pairs6, skel->maps.v6_progs,
					 skel->maps.config };
	for (size_t i = 0; i < N_MAPS; i++) {
		pin_path(dir, map_names[i], path, sizeof(path));
		if (bpf_obj_pin(bpf_map__fd(maps[i]), path)) {
			ateom_fail("cannot pin %s: %s", path, strerror(errno));
			goto err;
		}
	}
	datapath_bpf__destroy(skel); /* the pins keep everything alive */
	if (dp_open(dp))
		return -1;
	dp->loaded_now = true;
	return 0;
err:
	datapath_bpf__destroy(skel);
	dp_unpin(dp);
	return -1;
}

int dp_open_or_load(struct dp *dp, struct dp_sizes sizes)
{
	return dp_pinned(dp) ? dp_open(dp) : dp_load(dp, sizes);
}

static int map_size(int fd, const char *name, uint32_t *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return ateom_fail("cannot inspect the %s map: %s", name, strerror(errno));
	*out = info.max_entries;
	return 0;
}

int dp_sizes_get(const struct dp *dp, struct dp_sizes *out)
{
	uint32_t nat6;

	if (map_size(dp->actors, "actors", &out->max_actors) ||
	    map_size(dp->nat, "nat", &out->nat_entries) || map_size(dp->nat6, "nat6", &nat6))
		return -1;
	out->no_ipv6 = nat6 < out->nat_entries;
	return 0;
}

int dp_sizes_check(const struct dp *dp, struct dp_sizes want)
{
	struct dp_sizes have;

	if (dp->loaded_now)
		return 0;
	if (dp_sizes_get(dp, &have))
		return -1;
	if (!want.no_ipv6 && have.no_ipv6)
		return ateom_fail("the pod interface has IPv6, but this worker's datapath was "
				  "loaded without IPv6 pair tables (its pod had none then); "
				  "`ateomnet purge` it, with every actor down, to load it anew");
	if (want.max_actors && want.max_actors != have.max_actors)
		return ateom_fail("--max-actors %u: this worker's datapath is sized for %u "
				  "(set when it was loaded); `ateomnet purge` it, with every "
				  "actor down, to size it anew", want.max_actors, have.max_actors);
	if (want.nat_entries && want.nat_entries != have.nat_entries)
		return ateom_fail("--nat-entries %u: this worker's NAT table has %u entries "
				  "(set when it was loaded); `ateomnet purge` it, with every "
				  "actor down, to size it anew", want.nat_entries, have.nat_entries);
	return 0;
}
