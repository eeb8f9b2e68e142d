// SPDX-License-Identifier: Apache-2.0
/* BPF_PROG_TEST_RUN fixture for the datapath (see fixture.h). */
#include "fixture.h"
#include "datapath.h"
#include "sizing.h"
#include "timeouts.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"
#include "netlink.h"

/* Each device is one end of a veth pair made in the private netns; only
 * their ifindexes matter (test_run never transmits). */
static int make_veth(struct nl *nl, const char *name, const char *peer)
{
	struct nl_veth_spec s = { .name = name, .peer_name = peer, .peer_netns_fd = -1 };
	int ifindex = nl_veth_create(nl, &s);

	if (ifindex < 0)
		fprintf(stderr, "fixture: veth %s: %s %s\n", name, strerror(-ifindex),
			nl_error(nl));
	return ifindex;
}

static int make_links(struct fx *f)
{
	struct nl nl;
	int err = 0;

	if (nl_open(&nl))
		return -1;
	f->if_pod = make_veth(&nl, "eth0", "node0");
	f->if_a1 = make_veth(&nl, "ateom0", "ateom0p");
	f->if_a2 = make_veth(&nl, "ateom1", "ateom1p");
	if (f->if_pod <= 1 || f->if_a1 <= 1 || f->if_a2 <= 1)
		err = -1;
	nl_close(&nl);
	return err;
}

int fx_open(struct fx *f)
{
	return fx_open_sized(f, 0);
}

int fx_open_sized(struct fx *f, uint32_t nat_entries)
{
	memset(f, 0, sizeof(*f));
	f->snat_min = ATEOM_SNAT_PORT_MIN;
	f->snat_max = ATEOM_SNAT_PORT_MAX;
	/* Never touch the machine's own netns: everything below lives in a
	 * namespace that dies with the process. */
	if (unshare(CLONE_NEWNET)) {
		perror("fixture: unshare(CLONE_NEWNET)");
		return -1;
	}
	if (make_links(f))
		return -1;
	f->skel = datapath_bpf__open();
	if (!f->skel) {
		perror("fixture: datapath_bpf__open");
		return -1;
	}
	/* Sized as the loader sizes a worker for the fixture's two actors. */
	dp_sizes_apply(f->skel, (struct dp_sizes){ .max_actors = FX_ACTORS,
						   .nat_entries = nat_entries });
	if (datapath_bpf__load(f->skel)) {
		perror("fixture: datapath_bpf__load");
		return -1;
	}
	if (dp_v6_progs_fill(f->skel))
		return -1;
	f->from_actor = bpf_program__fd(f->skel->progs.from_actor);
	f->from_pod = bpf_program__fd(f->skel->progs.from_pod);
	f->resume = bpf_program__fd(f->skel->progs.actor_resume);
	f->to_actor = bpf_program__fd(f->skel->progs.to_actor);
	f->gc_ctl = bpf_program__fd(f->skel->progs.nat_gc_ctl);
	f->config = bpf_map__fd(f->skel->maps.config);
	f->actors = bpf_map__fd(f->skel->maps.actors);
	f->services = bpf_map__fd(f->skel->maps.services);
	f->svc_rev = bpf_map__fd(f->skel->maps.svc_rev);
	f->snat_full = bpf_map__fd(f->skel->maps.snat_full);
	f->ttl_rl = bpf_map__fd(f->skel->maps.ttl_rl);
	f->remote_pairs = bpf_map__fd(f->skel->maps.remote_pairs);
	f->worker_flows = bpf_map__fd(f->skel->maps.worker_flows);
	f->nat = bpf_map__fd(f->skel->maps.nat);
	f->nat_max = bpf_map__max_entries(f->skel->maps.nat);
	f->n_stats = bpf_map__max_entries(f->skel->maps.stats);
	f->nat_gc = bpf_map__fd(f->skel->maps.nat_gc);
	f->stats = bpf_map__fd(f->skel->maps.stats);
	f->hooks = bpf_map__fd(f->skel->maps.egress_hooks);
	f->svc_flows = bpf_map__fd(f->skel->maps.svc_flows);
	f->frag_out = bpf_map__fd(f->skel->maps.frag_out);
	f->frag_in = bpf_map__fd(f->skel->maps.frag_in);
	f->nat6 = bpf_map__fd(f->skel->maps.nat6);
	f->remote_pairs6 = bpf_map__fd(f->skel->maps.remote_pairs6);
	f->snat_full6 = bpf_map__fd(f->skel->maps.snat_full6);
	f->ncpus = libbpf_num_possible_cpus();
	return f->ncpus > 0 ? 0 : -1;
}

void fx_close(struct fx *f)
{
	datapath_bpf__destroy(f->skel);
	f->skel = NULL;
}

/* Every key first, then one batch delete: deleting while walking would
 * restart the walk (quadratic on a full NAT table). */
static int map_clear(int fd, size_t key_size)
{
	size_t cap = 1024, n = 0;
	uint8_t *keys = malloc(cap * key_size), *grown;
	uint32_t count;
	int err;

	if (!keys)
		return -1;
	for (err = bpf_map_get_next_key(fd, NULL, keys); !err;
	     err = bpf_map_get_next_key(fd, keys + (n - 1) * key_size, keys + n * key_size)) {
		if (++n == cap) {
			grown = realloc(keys, 2 * cap * key_size);
			if (!grown) {
				free(keys);
				return -1;
			}
			keys = grown;
			cap *= 2;
		}
	}
	count = n;
	err = n ? bpf_map_delete_batch(fd, keys, &count, NULL) : 0;
	free(keys);
	return err || count != n ? -1 : 0;
}

/* The IPv6 pairs' tables (nat6, remote_pairs6, snat_full6), emptied. */
static int fx_nat6_clear(struct fx *f)
{
	if (map_clear(f->nat6, sizeof(struct ateom_nat6_key)) ||
	    map_clear(f->snat_full6, sizeof(struct ateom_remote6_key)) ||
	    map_clear(f->remote_pairs6, sizeof(struct ateom_remote_pairs6_key)))
		return -1;
	return 0;
}

int fx_nat_clear(struct fx *f)
{
	return fx_nat6_clear(f) || fx_nat4_clear(f) ? -1 : 0;
}

int fx_nat4_clear(struct fx *f)
{
	struct ateom_actor a;
	uint32_t keys[FX_ACTORS], k, *prev = NULL, n = 0;

	if (map_clear(f->nat, sizeof(struct ateom_nat_key)) ||
	    map_clear(f->snat_full, sizeof(struct ateom_remote_key)) ||
	    map_clear(f->remote_pairs, sizeof(struct ateom_remote_pairs_key)))
		return -1;
	/* No pairs left: no actor holds any. Keys first: an update replaces
	 * the element at the head of its bucket, so updating while walking
	 * may visit the same keys forever. */
	while (n < FX_ACTORS && !bpf_map_get_next_key(f->actors, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	for (uint32_t i = 0; i < n; i++) {
		k = keys[i];
		if (bpf_map_lookup_elem(f->actors, &k, &a))
			return -1;
		a.nat_pairs = 0;
		if (bpf_map_update_elem(f->actors, &k, &a, BPF_EXIST))
			return -1;
	}
	return 0;
}

/* The whole stats map in one syscall: keys[] and values for every CPU. */
static uint32_t stat_keys[FX_STATS];

static struct ateom_counter *stats_buf(struct fx *f)
{
	for (uint32_t k = 0; k < f->n_stats; k++)
		stat_keys[k] = k;
	return calloc((size_t)f->n_stats * f->ncpus, sizeof(struct ateom_counter));
}

int fx_stats_zero(struct fx *f)
{
	struct ateom_counter *zero = stats_buf(f);
	uint32_t n = f->n_stats;
	int err = zero ? bpf_map_update_batch(f->stats, stat_keys, zero, &n, NULL) : -1;

	free(zero);
	return err || n != f->n_stats ? -1 : 0;
}

/* svc_flows is an array: every bucket zeroed, in one call. */
static int svc_flows_clear(struct fx *f)
{
	static struct ateom_svc_flow_bucket zero[(FX_ACTORS + 1) * ATEOM_SVC_FLOW_BUCKETS];
	static uint32_t keys[(FX_ACTORS + 1) * ATEOM_SVC_FLOW_BUCKETS];
	uint32_t n = sizeof(keys) / sizeof(keys[0]);

	for (uint32_t i = 0; i < n; i++)
		keys[i] = i;
	return bpf_map_update_batch(f->svc_flows, keys, zero, &n, NULL) ? -1 : 0;
}

int fx_reset(struct fx *f)
{
	struct ateom_config none = { 0 };
	struct ateom_gc gc;
	uint32_t zero = 0;

	memset(&gc, 0, sizeof(gc));
	for (uint32_t s = 1; s < ATEOM_HOOK_SLOTS; s++)
		bpf_map_delete_elem(f->hooks, &s); /* empty slots: ENOENT */
	/* The collector stopped (nat_gc_ctl without the START mark), then its
	 * figures zeroed: writing the array entry from user space also frees
	 * the timer. */
	if (fx_gc(f, false) < 0 || bpf_map_update_elem(f->nat_gc, &zero, &gc, BPF_ANY) ||
	    map_clear(f->nat, sizeof(struct ateom_nat_key)) ||
	    map_clear(f->actors, sizeof(uint32_t)) ||
	    map_clear(f->services, sizeof(struct ateom_svc_key)) ||
	    map_clear(f->svc_rev, sizeof(struct ateom_svc_rev_key)) ||
	    map_clear(f->snat_full, sizeof(struct ateom_remote_key)) ||
	    map_clear(f->worker_flows, sizeof(struct ateom_wflow_key)) ||
	    map_clear(f->remote_pairs, sizeof(struct ateom_remote_pairs_key)) ||
	    fx_nat6_clear(f) ||
	    map_clear(f->frag_out, sizeof(struct ateom_frag_key)) ||
	    map_clear(f->frag_in, sizeof(struct ateom_frag_key)) ||
	    bpf_map_update_elem(f->config, &zero, &none, BPF_ANY) ||
	    fx_hook_set(f, ATEOM_HOOK_SLOT_RESUME, f->resume))
		return -1;
	for (uint32_t id = 0; id <= FX_ACTORS; id++)
		if (fx_ttl_rl_set(f, id, 0))
			return -1;
	if (svc_flows_clear(f))
		return -1;
	return fx_stats_zero(f);
}

int fx_hook_gen(struct fx *f, int ifindex, bool hooked)
{
	uint8_t frame[PB_ETH_HLEN] = { 0 };
	struct __sk_buff ctx = { .mark = ATEOM_GC_HOOK_GEN, .cb = { ifindex, hooked } };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(f->gc_ctl, &o))
		return -errno;
	return (int)o.retval;
}

int fx_ttl_rl_set(struct fx *f, uint32_t id, uint64_t tat)
{
	return bpf_map_update_elem(f->ttl_rl, &id, &tat, BPF_ANY) ? -errno : 0;
}

uint64_t fx_ttl_rl_get(struct fx *f, uint32_t id)
{
	uint64_t tat = 0;

	bpf_map_lookup_elem(f->ttl_rl, &id, &tat);
	return tat;
}

void fx_std_config(const struct fx *f, struct ateom_config *c)
{
	memset(c, 0, sizeof(*c));
	c->abi = ATEOM_ABI_VERSION;
	c->pod_ifindex = f->if_pod;
	c->pod_ip_be = FX_POD_IP;
	c->snat_port_min = f->snat_min;
	c->snat_port_max = f->snat_max;
	/* The timeouts the loader writes (production), not convenient ones:
	 * a row that needs others sets them itself. */
	ateom_timeouts_default(c);
	c->gc_interval_ns = 1 * FX_SEC;
	c->port_key[0] = FX_PORT_KEY0;
	c->port_key[1] = FX_PORT_KEY1;
}

int fx_set_config(struct fx *f, const struct ateom_config *c)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(f->config, &zero, c, BPF_ANY);
}

int fx_get_config(struct fx *f, struct ateom_config *c)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(f->config, &zero, c);
}

int fx_add_actor(struct fx *f, int ifindex, uint32_t id)
{
	struct ateom_actor a = {
		.worker_ip_be = FX_WORKER_IP,
		.actor_ip_be = FX_ACTOR_IP,
		.id = id,
		.netmask_be = FX_NETMASK,
		.ident_ip_be = htonl(ATEOM_IDENT_BASE + id),
		.nat_quota = ATEOM_NAT_DEFAULT_QUOTA,
		.hook_gen = 1, /* as `up` starts it */
	};

	snprintf(a.name, sizeof(a.name), "actor-%u", id);
	return fx_put_actor(f, ifindex, &a);
}

int fx_get_actor(struct fx *f, int ifindex, struct ateom_actor *a)
{
	uint32_t key = ifindex;

	return bpf_map_lookup_elem(f->actors, &key, a) ? -errno : 0;
}

int fx_put_actor(struct fx *f, int ifindex, const struct ateom_actor *a)
{
	uint32_t key = ifindex;

	return bpf_map_update_elem(f->actors, &key, a, BPF_ANY) ? -errno : 0;
}

int fx_add_service(struct fx *f, uint8_t proto, uint16_t port, int ifindex,
		   uint16_t actor_port, uint16_t actor_id)
{
	struct ateom_svc_key k = { .port_be = htons(port), .proto = proto };
	struct ateom_svc v = {
		.actor_ifindex = ifindex,
		.actor_ip_be = FX_ACTOR_IP,
		.actor_port_be = htons(actor_port),
		.actor_id = actor_id,
		.netmask_be = FX_NETMASK,
	};
	struct ateom_svc_rev_key rk = {
		.actor_ifindex = ifindex, .actor_port_be = htons(actor_port), .proto = proto,
	};
	struct ateom_svc_rev rv = { .port_be = htons(port) };

	return bpf_map_update_elem(f->services, &k, &v, BPF_ANY) ||
	       bpf_map_update_elem(f->svc_rev, &rk, &rv, BPF_ANY) ? -1 : 0;
}

int fx_gc(struct fx *f, bool start)
{
	uint8_t frame[PB_ETH_HLEN] = { 0 };
	struct __sk_buff ctx = { .mark = start ? ATEOM_GC_START : 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(f->gc_ctl, &o))
		return -errno;
	return (int)o.retval;
}

int fx_gc_release(struct fx *f, uint8_t proto, uint16_t port)
{
	uint8_t frame[PB_ETH_HLEN] = { 0 };
	struct __sk_buff ctx = { .mark = ATEOM_GC_RELEASE, .cb = { port, proto } };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(f->gc_ctl, &o))
		return -errno;
	return (int)o.retval;
}

int fx_gc_get(struct fx *f, struct ateom_gc *g)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(f->nat_gc, &zero, g) ? -errno : 0;
}

int fx_gc_wait(struct fx *f, uint64_t runs)
{
	struct timespec ms5 = { .tv_nsec = 5 * 1000000L };
	struct ateom_gc g;

	for (int i = 0; i < 1000; i++) { /* 5 s: a loaded machine's timer */
		if (fx_gc_get(f, &g))
			return -1;
		if (g.runs >= runs)
			return 0;
		nanosleep(&ms5, NULL);
	}
	return -1;
}

int fx_std_setup(struct fx *f)
{
	struct ateom_config c;

	fx_std_config(f, &c);
	if (fx_reset(f) || fx_set_config(f, &c) || fx_add_actor(f, f->if_a1, 1) ||
	    fx_add_actor(f, f->if_a2, 2) ||
	    fx_add_service(f, IPPROTO_TCP, FX_SVC_HTTP, f->if_a1, 80, 1) ||
	    fx_add_service(f, IPPROTO_TCP, FX_SVC_ALT, f->if_a1, FX_SVC_ALT_TO, 1) ||
	    fx_add_service(f, IPPROTO_UDP, FX_SVC_DNS, f->if_a1, FX_SVC_DNS_TO, 1) ||
	    fx_add_service(f, IPPROTO_TCP, FX_SVC_A2, f->if_a2, 80, 2))
		return -1;
	return 0;
}

int fx_run(struct fx *f, int prog_fd, int ifindex, const void *pkt, size_t len,
	   const uint32_t *cb, int repeat, struct fx_result *r)
{
	return fx_run_iif(f, prog_fd, ifindex, 0, pkt, len, cb, repeat, r);
}

int fx_run_iif(struct fx *f, int prog_fd, int ifindex, int ingress_ifindex, const void *pkt,
	       size_t len, const uint32_t *cb, int repeat, struct fx_result *r)
{
	/* test_run copies ingress_ifindex into skb->skb_iif (net/bpf/test_run.c,
	 * convert___skb_to_skb), which is what the program reads back. */
	struct __sk_buff ctx = { .ifindex = ifindex, .ingress_ifindex = ingress_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = pkt, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .ctx_out = &r->ctx, .ctx_size_out = sizeof(r->ctx),
		    .repeat = repeat);

	(void)f;
	if (cb)
		memcpy(ctx.cb, cb, sizeof(ctx.cb));
	memset(r, 0, sizeof(*r));
	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	r->retval = o.retval;
	r->duration = o.duration;
	r->out_len = o.data_size_out;
	return 0;
}

int fx_counters_all(struct fx *f, struct ateom_counter *out)
{
	struct ateom_counter *pc = stats_buf(f);
	uint32_t n = f->n_stats, batch;
	int err;

	if (!pc)
		return -1;
	err = bpf_map_lookup_batch(f->stats, NULL, &batch, stat_keys, pc, &n, NULL);
	if (err && errno == ENOENT) /* the last batch ends the map */
		err = 0;
	for (uint32_t i = 0; !err && i < n; i++) {
		struct ateom_counter *o = &out[stat_keys[i]];

		*o = (struct ateom_counter){ 0 };
		for (int c = 0; c < f->ncpus; c++) {
			o->packets += pc[(size_t)i * f->ncpus + c].packets;
			o->bytes += pc[(size_t)i * f->ncpus + c].bytes;
		}
	}
	free(pc);
	return err || n != f->n_stats ? -1 : 0;
}

uint64_t fx_counter(struct fx *f, uint32_t block, uint32_t stat, uint64_t *bytes)
{
	struct ateom_counter *pc = calloc(f->ncpus, sizeof(*pc));
	uint32_t k = block * ATEOM_STAT_MAX + stat;
	uint64_t p = 0, b = 0;

	if (pc && !bpf_map_lookup_elem(f->stats, &k, pc))
		for (int c = 0; c < f->ncpus; c++) {
			p += pc[c].packets;
			b += pc[c].bytes;
		}
	free(pc);
	if (bytes)
		*bytes = b;
	return p;
}

int fx_nat_get(struct fx *f, const struct ateom_nat_key *k, struct ateom_nat_entry *e)
{
	return bpf_map_lookup_elem(f->nat, k, e) ? -errno : 0;
}

int fx_nat_put(struct fx *f, const struct ateom_nat_key *k, const struct ateom_nat_entry *e)
{
	return bpf_map_update_elem(f->nat, k, e, BPF_ANY) ? -errno : 0;
}

int fx_nat_count(struct fx *f)
{
	struct ateom_nat_key k;
	int n = 0;

	/* The kernel reads the key before writing the next one: one buffer. */
	for (int err = bpf_map_get_next_key(f->nat, NULL, &k); !err;
	     err = bpf_map_get_next_key(f->nat, &k, &k))
		n++;
	return n;
}

struct ateom_wflow_key fx_wflow_key(int ifindex, uint8_t proto, uint16_t worker_port,
				    uint16_t actor_port)
{
	return (struct ateom_wflow_key){
		.ifindex = ifindex, .worker_port_be = htons(worker_port),
		.actor_port_be = htons(actor_port), .proto = proto,
	};
}

int fx_wflow_put(struct fx *f, int ifindex, uint8_t proto, uint16_t worker_port,
		 uint16_t actor_port, uint64_t seen)
{
	struct ateom_wflow_key k = fx_wflow_key(ifindex, proto, worker_port, actor_port);

	return bpf_map_update_elem(f->worker_flows, &k, &seen, BPF_ANY) ? -errno : 0;
}

int fx_wflow_get(struct fx *f, int ifindex, uint8_t proto, uint16_t worker_port,
		 uint16_t actor_port, uint64_t *seen)
{
	struct ateom_wflow_key k = fx_wflow_key(ifindex, proto, worker_port, actor_port);

	return bpf_map_lookup_elem(f->worker_flows, &k, seen) ? -errno : 0;
}

int fx_frag_count(struct fx *f, bool in)
{
	struct ateom_frag_key k;
	int n = 0;

	for (int err = bpf_map_get_next_key(in ? f->frag_in : f->frag_out, NULL, &k); !err;
	     err = bpf_map_get_next_key(in ? f->frag_in : f->frag_out, &k, &k))
		n++;
	return n;
}

int fx_wflow_count(struct fx *f)
{
	struct ateom_wflow_key k;
	int n = 0;

	for (int err = bpf_map_get_next_key(f->worker_flows, NULL, &k); !err;
	     err = bpf_map_get_next_key(f->worker_flows, &k, &k))
		n++;
	return n;
}

uint64_t fx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * FX_SEC + ts.tv_nsec;
}

struct ateom_nat_key fx_key_out(int ifindex, uint32_t saddr, uint32_t daddr,
				uint16_t sport, uint16_t dport, uint8_t proto)
{
	return (struct ateom_nat_key){
		.ifindex = ifindex, .saddr_be = saddr, .daddr_be = daddr,
		.sport_be = htons(sport), .dport_be = htons(dport),
		.proto = proto, .dir = ATEOM_DIR_OUT,
	};
}

struct ateom_nat_key fx_key_in(uint32_t saddr, uint32_t daddr, uint16_t sport,
			       uint16_t dport, uint8_t proto)
{
	struct ateom_nat_key k = fx_key_out(0, saddr, daddr, sport, dport, proto);

	k.dir = ATEOM_DIR_IN;
	return k;
}

static struct ateom_nat_entry entry(uint32_t addr, uint16_t port, uint8_t type,
				    int ifindex, uint16_t id, uint64_t last_seen)
{
	return (struct ateom_nat_entry){
		.addr_be = addr, .port_be = htons(port), .type = type,
		.actor_ifindex = ifindex, .actor_id = id, .last_seen_ns = last_seen,
	};
}

/* The datapath counts a pair when it inserts its port record. */
static int count_pair(struct fx *f, int ifindex)
{
	struct ateom_actor a;

	if (fx_get_actor(f, ifindex, &a))
		return 0; /* no actor entry: nothing to count in */
	a.nat_pairs++;
	return fx_put_actor(f, ifindex, &a);
}

int fx_snat_pair_put(struct fx *f, int ifindex, uint16_t id, uint8_t proto,
		     uint16_t aport, uint32_t rip, uint16_t rport, uint16_t pod_port,
		     uint64_t last_seen)
{
	struct ateom_nat_key out = fx_key_out(ifindex, FX_ACTOR_IP, rip, aport, rport, proto);
	struct ateom_nat_key in = fx_key_in(rip, FX_POD_IP, rport, pod_port, proto);
	struct ateom_nat_entry eo = entry(FX_POD_IP, pod_port, ATEOM_NAT_SNAT, ifindex, id, last_seen);
	struct ateom_nat_entry ei = entry(FX_ACTOR_IP, aport, ATEOM_NAT_SNAT_REPLY, ifindex, id,
					  last_seen);

	return fx_nat_put(f, &in, &ei) ?: fx_nat_put(f, &out, &eo) ?: count_pair(f, ifindex);
}

int fx_hook_set(struct fx *f, uint32_t slot, int prog_fd)
{
	return bpf_map_update_elem(f->hooks, &slot, &prog_fd, BPF_ANY) ? -errno : 0;
}

/* ---- egress hooks, assembled from raw instructions so the tests need no
 * second BPF object (ateomnet_hook.h) ---------------------------------- */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
				  .off = off, .imm = imm };
}

#define CB_OFF(i) ((int16_t)(offsetof(struct __sk_buff, cb) + 4 * (i)))
#define R0 0
#define R1 1
#define R2 2
#define R3 3

static int hook_load(const struct bpf_insn *insns, size_t n)
{
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "fx_hook", "GPL", insns, n, NULL);

	return fd < 0 ? -errno : fd;
}

int fx_hook_shot(void)
{
	const struct bpf_insn p[] = {
		insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 2 /* TC_ACT_SHOT */),
		insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return hook_load(p, sizeof(p) / sizeof(p[0]));
}

int fx_hook_verdict(struct fx *f, uint32_t actor_id, int ifindex, uint32_t verdict)
{
	/* if (cb[MAGIC] != MAGIC || cb[ACTOR_ID] != id || cb[IFINDEX] != ifindex)
	 *         return TC_ACT_SHOT;
	 * cb[VERDICT] = verdict; tail_call(egress_hooks, RESUME); return SHOT; */
	enum { FAIL = 11 };
	struct bpf_insn p[] = {
		[0] = insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, CB_OFF(ATEOM_HOOK_CB_MAGIC_IDX), 0),
		[1] = insn(BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, FAIL - 2, (int32_t)ATEOM_HOOK_CB_MAGIC),
		[2] = insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, CB_OFF(ATEOM_HOOK_CB_ACTOR_ID), 0),
		[3] = insn(BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, FAIL - 4, (int32_t)actor_id),
		[4] = insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, CB_OFF(ATEOM_HOOK_CB_IFINDEX), 0),
		[5] = insn(BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, FAIL - 6, ifindex),
		[6] = insn(BPF_ST | BPF_MEM | BPF_W, R1, 0, CB_OFF(ATEOM_HOOK_CB_VERDICT),
			   (int32_t)verdict),
		[7] = insn(BPF_LD | BPF_IMM | BPF_DW, R2, BPF_PSEUDO_MAP_FD, 0, f->hooks),
		[8] = insn(0, 0, 0, 0, 0),
		[9] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R3, 0, 0, ATEOM_HOOK_SLOT_RESUME),
		[10] = insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call),
		[FAIL] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 2 /* TC_ACT_SHOT */),
		[12] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return hook_load(p, sizeof(p) / sizeof(p[0]));
}

/* ---- steady-state scenarios for per-packet cost: a realistic packet plus
 * the NAT state that makes it take its path ----------------------------- */
#define SCN_APORT 40000   /* actor's ephemeral port */
#define SCN_PODPORT(f) ((uint16_t)((f)->snat_min + 1234)) /* its SNAT port */
#define SCN_CPORT 50000   /* client port of inbound flows */
#define SCN_DATA .tcp_flags = PB_ACK | PB_PSH, .payload = 64

enum scn_prog { SCN_FROM_POD, SCN_FROM_ACTOR, SCN_TO_ACTOR };

static const struct {
	const char *name;
	enum scn_prog prog;
	struct pb_spec p;
} scn[FX_SCN_MAX] = {
	[FX_SCN_SNAT_TCP_EST] = { "snat_tcp_est", SCN_FROM_ACTOR,
		{ FX_ACTOR_WIRE, .saddr = FX_ACTOR_IP, .daddr = FX_REMOTE_IP,
		  .proto = IPPROTO_TCP, .sport = SCN_APORT, .dport = 443, SCN_DATA } },
	[FX_SCN_SNAT_TCP_REPLY] = { "snat_tcp_reply", SCN_FROM_POD,
		{ FX_POD_WIRE, .saddr = FX_REMOTE_IP, .daddr = FX_POD_IP,
		  .proto = IPPROTO_TCP, .sport = 443, SCN_DATA } }, /* .dport: SCN_PODPORT */
	[FX_SCN_DNAT_TCP_EST] = { "dnat_tcp_est", SCN_FROM_POD,
		{ FX_POD_WIRE, .saddr = FX_CLIENT_IP, .daddr = FX_POD_IP,
		  .proto = IPPROTO_TCP, .sport = SCN_CPORT, .dport = FX_SVC_HTTP, SCN_DATA } },
	[FX_SCN_DNAT_TCP_REPLY] = { "dnat_tcp_reply", SCN_FROM_ACTOR,
		{ FX_ACTOR_WIRE, .saddr = FX_ACTOR_IP, .daddr = FX_CLIENT_IP,
		  .proto = IPPROTO_TCP, .sport = 80, .dport = SCN_CPORT, SCN_DATA } },
	[FX_SCN_SNAT_UDP_EST] = { "snat_udp_est", SCN_FROM_ACTOR,
		{ FX_ACTOR_WIRE, .saddr = FX_ACTOR_IP, .daddr = FX_REMOTE_IP,
		  .proto = IPPROTO_UDP, .sport = SCN_APORT, .dport = 53, .payload = 64 } },
	[FX_SCN_POD_PASS] = { "pod_pass", SCN_FROM_POD,
		{ FX_POD_WIRE, .saddr = FX_CLIENT_IP, .daddr = FX_POD_IP,
		  .proto = IPPROTO_TCP, .sport = 443, .dport = 45000, SCN_DATA } },
	[FX_SCN_SNAT_NEW] = { "snat_tcp_new", SCN_FROM_ACTOR,
		{ FX_ACTOR_WIRE, .saddr = FX_ACTOR_IP, .daddr = FX_REMOTE_IP,
		  .proto = IPPROTO_TCP, .sport = SCN_APORT, .dport = 443, .tcp_flags = PB_SYN } },
	[FX_SCN_DNAT_SYN] = { "dnat_tcp_syn", SCN_FROM_POD,
		{ FX_POD_WIRE, .saddr = FX_CLIENT_IP, .daddr = FX_POD_IP,
		  .proto = IPPROTO_TCP, .sport = SCN_CPORT, .dport = FX_SVC_HTTP,
		  .tcp_flags = PB_SYN } },
	[FX_SCN_TO_WORKER] = { "to_worker", SCN_FROM_ACTOR,
		{ FX_ACTOR_WIRE, .saddr = FX_ACTOR_IP, .daddr = FX_WORKER_IP,
		  .proto = IPPROTO_TCP, .sport = SCN_APORT, .dport = 9000, SCN_DATA } },
	[FX_SCN_FROM_WORKER] = { "from_worker", SCN_TO_ACTOR,
		{ .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = FX_WORKER_IP,
		  .daddr = FX_IDENT_IP(1), .proto = IPPROTO_TCP, .sport = 9000,
		  .dport = SCN_APORT, SCN_DATA } },
	[FX_SCN_TO_ACTOR_PASS] = { "to_actor_pass", SCN_TO_ACTOR,
		{ .smac = FX_GW_MAC, .dmac = FX_ACTOR_MAC, .saddr = FX_REMOTE_IP,
		  .daddr = FX_ACTOR_IP, .proto = IPPROTO_TCP, .sport = 443, .dport = SCN_APORT,
		  .ttl = 63, SCN_DATA } },
};

/* The NAT pair an established flow of this scenario would have (exposed
 * ports have none: they are a static mapping). */
static int scn_state(struct fx *f, enum fx_scenario s)
{
	uint64_t now = fx_now();

	switch (s) {
	case FX_SCN_SNAT_TCP_EST:
	case FX_SCN_SNAT_TCP_REPLY:
		return fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_TCP, SCN_APORT, FX_REMOTE_IP,
					443, SCN_PODPORT(f), now);
	case FX_SCN_SNAT_UDP_EST:
		return fx_snat_pair_put(f, f->if_a1, 1, IPPROTO_UDP, SCN_APORT, FX_REMOTE_IP,
					53, SCN_PODPORT(f), now);
	default:
		return 0;
	}
}

int fx_scenario(struct fx *f, enum fx_scenario s, struct fx_scn *out)
{
	struct pb_spec p;

	memset(out, 0, sizeof(*out));
	if ((unsigned)s >= FX_SCN_MAX || scn_state(f, s))
		return -1;
	p = scn[s].p;
	if (s == FX_SCN_SNAT_TCP_REPLY)
		p.dport = SCN_PODPORT(f);
	out->name = scn[s].name;
	out->ifindex = scn[s].prog == SCN_FROM_POD ? f->if_pod : f->if_a1;
	out->prog_fd = scn[s].prog == SCN_FROM_POD ? f->from_pod :
		       scn[s].prog == SCN_FROM_ACTOR ? f->from_actor : f->to_actor;
	out->len = pb_build(out->pkt, sizeof(out->pkt), &p);
	return out->len ? 0 : -1;
}

int fx_cost(struct fx *f, const struct fx_scn *s, int runs, double *ns, uint32_t *retval)
{
	struct fx_result r;
	uint64_t sum = 0;

	for (int i = 0; i < runs; i++) {
		int err = fx_run(f, s->prog_fd, s->ifindex, s->pkt, s->len, NULL, 1, &r);

		if (err)
			return err;
		if (i && r.retval != *retval)
			return -EPROTO; /* the path changed under us */
		*retval = r.retval;
		sum += r.duration;
	}
	*ns = runs > 0 ? (double)sum / runs : 0;
	return 0;
}
