// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "errmsg.h"
#include "sockdiag.h"
#include "state.h"

#define ATEOM_STAT_NAME(id, name) name,
const char *const ateom_stat_names[ATEOM_STAT_MAX] = { ATEOM_STATS(ATEOM_STAT_NAME) };
#undef ATEOM_STAT_NAME

/* Calls fn for every key of a hash map. Keys are copied out first so fn may
 * delete entries without upsetting the iteration. */
static int for_each_key(int fd, size_t ksz, int (*fn)(int fd, const void *key, void *arg),
			void *arg)
{
	size_t cap = 256, n = 0;
	char *keys = malloc(cap * ksz), key[64], *prev = NULL;
	int rc = 0;

	if (!keys)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		if (n == cap) {
			char *k = realloc(keys, (cap *= 2) * ksz);

			if (!k) {
				free(keys);
				return -ENOMEM;
			}
			keys = k;
		}
		memcpy(keys + n * ksz, key, ksz);
		prev = keys + n * ksz;
		n++;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fn(fd, keys + i * ksz, arg);
	free(keys);
	return rc;
}

struct actors_acc {
	struct actor_ref *v;
	int n;
};

static int collect_actor(int fd, const void *key, void *arg)
{
	struct actors_acc *acc = arg;
	struct actor_ref r;

	r.ifindex = *(const uint32_t *)key;
	if (bpf_map_lookup_elem(fd, key, &r.a))
		return 0; /* removed meanwhile */
	struct actor_ref *v = realloc(acc->v, (acc->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	acc->v = v;
	acc->v[acc->n++] = r;
	return 0;
}

int state_actors(const struct dp *dp, struct actor_ref **out, int *n)
{
	struct actors_acc acc = { 0 };
	int rc = for_each_key(dp->actors, sizeof(uint32_t), collect_actor, &acc);

	if (rc) {
		free(acc.v);
		return ateom_fail("cannot read the actors map: %s", strerror(-rc));
	}
	*out = acc.v;
	*n = acc.n;
	return 0;
}

int state_actor_count(const struct dp *dp)
{
	struct actor_ref *v;
	int n;

	if (state_actors(dp, &v, &n))
		return -1;
	free(v);
	return n;
}

int state_find_actor(const struct dp *dp, const char *name, struct actor_ref *out)
{
	struct actor_ref *v;
	int n, found = 0;

	if (state_actors(dp, &v, &n))
		return -1;
	for (int i = 0; i < n; i++) {
		if (strncmp(v[i].a.name, name, sizeof(v[i].a.name)) == 0) {
			*out = v[i];
			found = 1;
			break;
		}
	}
	free(v);
	return found;
}

int state_free_id(const struct dp *dp, uint32_t skip_ifindex)
{
	unsigned char used[ATEOM_MAX_ACTORS + 1] = { 0 };
	struct dp_sizes sz;
	struct actor_ref *v;
	int n;

	if (dp_sizes_get(dp, &sz) || state_actors(dp, &v, &n))
		return -1;
	for (int i = 0; i < n; i++)
		if (v[i].a.id <= ATEOM_MAX_ACTORS && v[i].ifindex != skip_ifindex)
			used[v[i].a.id] = 1;
	free(v);
	/* Where the kernel cannot destroy sockets, `down` could not close the
	 * worker's sockets toward an identity: such an id waits until they
	 * are gone, so no actor inherits another's late traffic. */
	bool check_sockets = sockdiag_can_destroy() == 0;

	/* Ids index the per-actor counters, sized for max_actors. */
	for (uint32_t id = 1; id <= sz.max_actors && id <= ATEOM_MAX_ACTORS; id++)
		if (!used[id] && !(check_sockets &&
				   sockdiag_in_use(htonl(ATEOM_IDENT_BASE + id)) == 1))
			return (int)id;
	return ateom_fail("this worker's datapath is sized for %u actor%s (--max-actors, set "
			  "when it was loaded) and has no room for another", sz.max_actors,
			  sz.max_actors == 1 ? "" : "s");
}

struct svc_acc {
	uint32_t ifindex;
	bool del;
	int rev_fd;       /* del: svc_rev, whose entries go with the services */
	struct svc_ref *v;
	int n;
};

static int visit_svc(int fd, const void *key, void *arg)
{
	struct svc_acc *acc = arg;
	struct svc_ref r;

	memcpy(&r.k, key, sizeof(r.k));
	if (bpf_map_lookup_elem(fd, key, &r.v))
		return 0;
	if (acc->ifindex && r.v.actor_ifindex != acc->ifindex)
		return 0;
	if (acc->del) {
		struct ateom_svc_rev_key rk = { .actor_ifindex = r.v.actor_ifindex,
						.actor_port_be = r.v.actor_port_be,
						.proto = r.k.proto };

		/* Inbound first, then the actor's way back. */
		if (bpf_map_delete_elem(fd, key) == 0)
			acc->n++;
		bpf_map_delete_elem(acc->rev_fd, &rk);
		return 0;
	}
	struct svc_ref *v = realloc(acc->v, (acc->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	acc->v = v;
	acc->v[acc->n++] = r;
	return 0;
}

int state_services(const struct dp *dp, uint32_t ifindex, struct svc_ref **out, int *n)
{
	struct svc_acc acc = { .ifindex = ifindex };
	int rc = for_each_key(dp->services, sizeof(struct ateom_svc_key), visit_svc, &acc);

	if (rc) {
		free(acc.v);
		return ateom_fail("cannot read the services map: %s", strerror(-rc));
	}
	*out = acc.v;
	*n = acc.n;
	return 0;
}

int state_delete_services(const struct dp *dp, uint32_t ifindex)
{
	struct svc_acc acc = { .ifindex = ifindex, .del = true, .rev_fd = dp->svc_rev };
	int rc = for_each_key(dp->services, sizeof(struct ateom_svc_key), visit_svc, &acc);

	return rc ? ateom_fail("cannot edit the services map: %s", strerror(-rc)) : acc.n;
}

int state_expose(const struct dp *dp, uint32_t ifindex, uint16_t id, uint32_t actor_ip_be,
		 uint32_t netmask_be, uint8_t proto, uint16_t port, uint16_t actor_port)
{
	struct ateom_svc_key k = { .port_be = htons(port), .proto = proto };
	struct ateom_svc v = { .actor_ifindex = ifindex, .actor_ip_be = actor_ip_be,
			       .actor_port_be = htons(actor_port), .actor_id = id,
			       .netmask_be = netmask_be };
	struct ateom_svc_rev_key rk = { .actor_ifindex = ifindex, .actor_port_be = htons(actor_port),
					.proto = proto };
	struct ateom_svc_rev rv = { .port_be = htons(port) };

	/* The way back first: inbound never reaches an actor whose replies
	 * would leave untranslated. */
	if (bpf_map_update_elem(dp->svc_rev, &rk, &rv, BPF_NOEXIST))
		return ateom_fail("cannot expose pod port %u (svc_rev): %s", port,
				  strerror(errno));
	if (bpf_map_update_elem(dp->services, &k, &v, BPF_NOEXIST)) {
		int err = errno;

		bpf_map_delete_elem(dp->svc_rev, &rk);
		return ateom_fail("cannot expose pod port %u: %s", port, strerror(err));
	}
	return 0;
}

int state_hook_set(const struct dp *dp, uint32_t id, int prog_fd)
{
	if (prog_fd < 0) {
		if (bpf_map_delete_elem(dp->hooks, &id) && errno != ENOENT)
			return ateom_fail("cannot clear egress hook slot %u: %s", id, strerror(errno));
		/* No hook, no capture: its table goes too (capture.h). */
		return capture_table_set(dp->capture_orig, id, false);
	}
	if (bpf_map_update_elem(dp->hooks, &id, &prog_fd, BPF_ANY))
		return ateom_fail("cannot install the egress hook in slot %u: %s", id,
				  strerror(errno));
	return 0;
}

struct nat_acc {
	uint32_t ifindex;
	bool del;
	long n;
};

static int visit_nat(int fd, const void *key, void *arg)
{
	struct nat_acc *acc = arg;
	struct ateom_nat_entry e;

	if (bpf_map_lookup_elem(fd, key, &e))
		return 0;
	if (acc->ifindex && e.actor_ifindex != acc->ifindex)
		return 0;
	if (!acc->del || bpf_map_delete_elem(fd, key) == 0)
		acc->n++;
	return 0;
}

static long nat_walk(const struct dp *dp, uint32_t ifindex, bool del)
{
	struct nat_acc acc = { .ifindex = ifindex, .del = del };
	int rc = for_each_key(dp->nat, sizeof(struct ateom_nat_key), visit_nat, &acc);

	return rc ? ateom_fail("cannot read the nat map: %s", strerror(-rc)) : acc.n;
}

static int visit_remote_count(int fd, const void *key, void *arg)
{
	const struct ateom_remote_pairs_key *k = key;

	if (k->actor_ifindex == *(const uint32_t *)arg)
		bpf_map_delete_elem(fd, key);
	return 0;
}

long state_nat_count(const struct dp *dp, uint32_t ifindex) { return nat_walk(dp, ifindex, false); }

/* The IPv6 pairs (nat6): the same walk over the IPv6 key and entry. */
static int visit_nat6(int fd, const void *key, void *arg)
{
	struct nat_acc *acc = arg;
	struct ateom_nat6_entry e;

	if (bpf_map_lookup_elem(fd, key, &e))
		return 0;
	if (acc->ifindex && e.actor_ifindex != acc->ifindex)
		return 0;
	if (!acc->del || bpf_map_delete_elem(fd, key) == 0)
		acc->n++;
	return 0;
}

static int visit_remote_count6(int fd, const void *key, void *arg)
{
	const struct ateom_remote_pairs6_key *k = key;

	if (k->actor_ifindex == *(const uint32_t *)arg)
		bpf_map_delete_elem(fd, key);
	return 0;
}

long state_nat_delete(const struct dp *dp, uint32_t ifindex)
{
	long n = nat_walk(dp, ifindex, true);
	struct nat_acc acc6 = { .ifindex = ifindex, .del = true };
	/* The actor's per-remote counts go with its pairs. */
	int rc = n < 0 ? 0 : for_each_key(dp->remote_pairs, sizeof(struct ateom_remote_pairs_key),
					   visit_remote_count, &ifindex);

	if (rc)
		return ateom_fail("cannot edit the remote_pairs map: %s", strerror(-rc));
	if (n < 0)
		return n;
	/* Its IPv6 pairs and counts too: they count in the same quota. */
	rc = for_each_key(dp->nat6, sizeof(struct ateom_nat6_key), visit_nat6, &acc6);
	if (!rc)
		rc = for_each_key(dp->remote_pairs6, sizeof(struct ateom_remote_pairs6_key),
				  visit_remote_count6, &ifindex);
	return rc ? ateom_fail("cannot edit the nat6 map: %s", strerror(-rc)) : n + acc6.n;
}

int state_remote_share_update(const struct dp *dp)
{
	struct ateom_config cfg;
	struct dp_sizes sz;
	int n = state_actor_count(dp);

	if (n < 0 || dp_config_get(dp, &cfg) || dp_sizes_get(dp, &sz))
		return -1;
	/* Sized for one actor: nobody to share with, and no room for counts. */
	if (sz.max_actors <= 1)
		n = 0;
	/* The SNAT range toward one remote, shared by the actors up. */
	cfg.remote_share = n ? ((uint32_t)cfg.snat_port_max - cfg.snat_port_min + 1) / n : 0;
	if (n && !cfg.remote_share)
		cfg.remote_share = 1; /* more actors than ports: still a limit */
	return dp_config_set(dp, &cfg);
}

int state_counters(const struct dp *dp, uint32_t id, struct ateom_counter *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ateom_counter *percpu;

	if (ncpu <= 0)
		return ateom_fail("cannot count CPUs");
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return ateom_fail("out of memory");
	for (uint32_t s = 0; s < ATEOM_STAT_MAX; s++) {
		uint32_t key = id * ATEOM_STAT_MAX + s;

		out[s].packets = out[s].bytes = 0;
		if (bpf_map_lookup_elem(dp->stats, &key, percpu))
			continue;
		for (int c = 0; c < ncpu; c++) {
			out[s].packets += percpu[c].packets;
			out[s].bytes += percpu[c].bytes;
		}
	}
	free(percpu);
	return 0;
}

int state_counters_zero(const struct dp *dp, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ateom_counter *zero = calloc(ncpu > 0 ? ncpu : 1, sizeof(*zero));

	if (!zero)
		return ateom_fail("out of memory");
	for (uint32_t s = 0; s < ATEOM_STAT_MAX; s++) {
		uint32_t key = id * ATEOM_STAT_MAX + s;

		bpf_map_update_elem(dp->stats, &key, zero, BPF_ANY);
	}
	free(zero);
	return 0;
}
