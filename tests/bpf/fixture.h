/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BPF_PROG_TEST_RUN fixture for the datapath: the skeleton loaded without
 * pinning inside a private network namespace that holds real devices (a
 * test_run ctx ifindex must name one), map state helpers, and the standard
 * addresses and scenarios shared by tests/bpf/test_datapath.c and the
 * per-packet cost benchmark.
 *
 * Link with tests/bpf/fixture.c, tests/lib/pktbuild.c and libateom.a
 * (loader/netlink.c makes the devices); needs root. A cost tool:
 *
 *   fx_open(&f); for each s: fx_std_setup(&f); fx_scenario(&f, s, &scn);
 *   fx_cost(&f, &scn, 10000, &ns, &verdict);
 */
#ifndef ATEOM_TEST_FIXTURE_H
#define ATEOM_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "ateomnet.h"
#include "ateomnet_frag.h"
#include "pktbuild.h"

/* tc verdicts as test_run reports them (retval is a __u32). */
#define FX_UNSPEC (-1)
#define FX_OK 0
#define FX_SHOT 2
#define FX_REDIRECT 7

/* IPv4 address in network order, usable in static initializers. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FX_IP(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#else
#define FX_IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#endif

#define FX_WORKER_IP FX_IP(10, 200, 0, 1)
#define FX_ACTOR_IP FX_IP(10, 200, 0, 2)
#define FX_NETMASK FX_IP(255, 255, 255, 252)
#define FX_POD_IP FX_IP(192, 0, 2, 11)
#define FX_REMOTE_IP FX_IP(198, 51, 100, 7)  /* a server the actor calls */
#define FX_CLIENT_IP FX_IP(203, 0, 113, 9)   /* a client of an exposed port */
#define FX_ROUTER_IP FX_IP(198, 51, 100, 1)  /* sends ICMP errors */
/* An actor's identity toward the worker (ATEOM_IDENT_BASE + id), as `up`
 * sets it in the actor entry (fx_add_actor does the same). */
#define FX_IDENT_IP(id) FX_IP(169, 254, 18, id)

#define FX_GW_MAC ATEOM_GW_MAC
#define FX_ACTOR_MAC ATEOM_ACTOR_MAC
#define FX_POD_MAC { 0x02, 0x42, 0xc0, 0x00, 0x02, 0x0b }   /* pod eth0 */
#define FX_NODE_MAC { 0x02, 0x42, 0xc0, 0x00, 0x02, 0x01 }  /* CNI gateway */

/* pb_spec initializer fragments: who sends and on which wire. */
#define FX_ACTOR_WIRE .smac = FX_ACTOR_MAC, .dmac = FX_GW_MAC
#define FX_POD_WIRE .smac = FX_NODE_MAC, .dmac = FX_POD_MAC

/* SNAT ranges. fx_open() starts on production's default,
 * ATEOM_SNAT_PORT_MIN-MAX (below the worker's ip_local_port_range, so
 * exposed ports and worker listeners may sit inside it); the high range,
 * above ip_local_port_range, holds no port of anyone else. */
#define FX_SNAT_HIGH_MIN 61000
#define FX_SNAT_HIGH_MAX 65535
#define FX_SEC 1000000000ULL
#define FX_MSEC 1000000ULL

/* The SNAT port choice's key (config.port_key): fixed, so that the tests
 * know the first candidate of every tuple (production draws it from
 * getrandom). The bytes "ateomnet-portkey". */
#define FX_PORT_KEY0 0x74656e6d6f657461ULL
#define FX_PORT_KEY1 0x79656b74726f702dULL

/* Standard services (fx_std_setup). */
#define FX_SVC_HTTP 80     /* tcp, actor 1, actor port 80 (the default) */
#define FX_SVC_ALT 8080    /* tcp, actor 1, actor port 8000 (--expose 8080:8000) */
#define FX_SVC_ALT_TO 8000
#define FX_SVC_DNS 53      /* udp, actor 1, actor port 5353 */
#define FX_SVC_DNS_TO 5353
#define FX_SVC_A2 9090     /* tcp, actor 2, actor port 80 */

struct datapath_bpf;

/* The fixture's worker is sized for its two actors (ids 1 and 2), as
 * `--max-actors 2` sizes one. */
#define FX_ACTORS 2
#define FX_STATS ((FX_ACTORS + 1) * ATEOM_STAT_MAX)

struct fx {
	struct datapath_bpf *skel;
	int from_actor, from_pod, resume, to_actor, gc_ctl; /* program fds */
	int config, actors, services, svc_rev, nat, nat_gc, remote_pairs, snat_full, worker_flows, stats,
	    hooks, ttl_rl, svc_flows; /* map fds */
	int frag_out, frag_in; /* fragment tracking (bpf/frag.h) */
	int nat6, remote_pairs6, snat_full6; /* the IPv6 pairs (bpf/nat6.h) */
	uint32_t nat_max;         /* the NAT table's max_entries */
	uint32_t n_stats;         /* the stats map's entries: FX_STATS */
	int if_pod, if_a1, if_a2; /* devices in the private netns */
	int ncpus;
	uint16_t snat_min, snat_max; /* the range fx_std_config() writes */
};

/* Leaves the caller's netns for a fresh one (unshare), makes the devices
 * there and loads the skeleton. fx_close() unloads; the netns and its
 * devices vanish when the process exits. */
int fx_open(struct fx *f);
/* The same with the NAT table sized to nat_entries (0: the default). */
int fx_open_sized(struct fx *f, uint32_t nat_entries);
void fx_close(struct fx *f);

/* Stops the NAT garbage collector, empties every map (slot 0 of
 * egress_hooks keeps actor_resume), zeroes the counters and leaves the
 * datapath unconfigured. */
int fx_reset(struct fx *f);
int fx_stats_zero(struct fx *f);
/* reset + std config + actor 1 on if_a1, actor 2 on if_a2 + services. */
int fx_std_setup(struct fx *f);

void fx_std_config(const struct fx *f, struct ateom_config *c);
int fx_set_config(struct fx *f, const struct ateom_config *c);
int fx_get_config(struct fx *f, struct ateom_config *c);
/* An actor with the default NAT quota, no pairs, and its identity
 * FX_IDENT_IP(id) (production: the loader always sets one). */
int fx_add_actor(struct fx *f, int ifindex, uint32_t id);
int fx_get_actor(struct fx *f, int ifindex, struct ateom_actor *a);
int fx_put_actor(struct fx *f, int ifindex, const struct ateom_actor *a);
/* An exposed port: services and its reverse, svc_rev, as `up` writes them. */
int fx_add_service(struct fx *f, uint8_t proto, uint16_t port, int ifindex,
		   uint16_t actor_port, uint16_t actor_id);

/* The TTL expiry rate limiter of actor id (bpf/ttl.h): its clock (0: a
 * full bucket); fx_reset() fills every bucket. */
int fx_ttl_rl_set(struct fx *f, uint32_t id, uint64_t tat);
uint64_t fx_ttl_rl_get(struct fx *f, uint32_t id);

/* The NAT garbage collector: runs nat_gc_ctl as the loader does (dp_gc);
 * returns the program's retval (0: done) or -errno. */
int fx_gc(struct fx *f, bool start);
int fx_gc_get(struct fx *f, struct ateom_gc *g);
/* Waits (up to 5 s) until the collector has swept `runs` times in all;
 * tests wait for sweeps, never for a fixed time. */
int fx_gc_wait(struct fx *f, uint64_t runs);
/* Releases a pod port about to be exposed (port host order): nat_gc_ctl
 * with ATEOM_GC_RELEASE, as the loader's dp_nat_release runs it; returns
 * the program's retval (0) or -errno. */
int fx_gc_release(struct fx *f, uint8_t proto, uint16_t port);
/* The actor's hook slot or policy changed: nat_gc_ctl with
 * ATEOM_GC_HOOK_GEN, as the loader's dp_hook_changed runs it (its hook_gen
 * bumped, ATEOM_ACTOR_HOOKED set or cleared); the program's retval or -errno. */
int fx_hook_gen(struct fx *f, int ifindex, bool hooked);

struct fx_result {
	uint32_t retval;
	uint32_t duration;  /* ns per run */
	uint32_t out_len;
	uint8_t out[PB_FRAME_MAX];
	struct __sk_buff ctx;
};

/* Runs prog_fd on the frame as if it arrived on ifindex (or, for to_actor,
 * left through it: test_run makes ifindex the skb's device, which is what
 * skb->ifindex reads on egress too); cb (5 words) may be NULL. Returns 0
 * or -errno. Beware repeat > 1: every repetition sees
 * the packet as the previous one left it (test_run does not restore it),
 * so only the first translates and the rest take another path (a SNATed
 * packet comes back as spoofed). fx_cost() measures translation paths. */
int fx_run(struct fx *f, int prog_fd, int ifindex, const void *pkt, size_t len,
	   const uint32_t *cb, int repeat, struct fx_result *r);
/* The same with skb->ingress_ifindex (the device the worker's stack got
 * the packet from; 0: generated by the worker itself), which to_actor
 * checks. */
int fx_run_iif(struct fx *f, int prog_fd, int ifindex, int ingress_ifindex, const void *pkt,
	       size_t len, const uint32_t *cb, int repeat, struct fx_result *r);

/* Packets counted for (block, stat); bytes into *bytes if not NULL. */
uint64_t fx_counter(struct fx *f, uint32_t block, uint32_t stat, uint64_t *bytes);
/* All counters summed over CPUs: out[block * ATEOM_STAT_MAX + stat]. */
int fx_counters_all(struct fx *f, struct ateom_counter *out /* [FX_STATS] */);

int fx_nat_get(struct fx *f, const struct ateom_nat_key *k, struct ateom_nat_entry *e);
int fx_nat_put(struct fx *f, const struct ateom_nat_key *k, const struct ateom_nat_entry *e);
int fx_nat_count(struct fx *f);
/* Empties the NAT tables and zeroes every actor's pair count with them. */
int fx_nat_clear(struct fx *f);
/* The same for the IPv4 tables alone: the benches' IPv4 new-flow runs
 * (walking nat6's empty buckets too before each timed run evicted the
 * caches and read as +2 µs a new flow). */
int fx_nat4_clear(struct fx *f);
/* worker_flows: flows the worker opened to the shared actor address
 * through ifindex (ports host order; ICMP echo: the id as worker_port,
 * actor_port 0). get returns 0 or -errno, *seen the entry's time. */
struct ateom_wflow_key fx_wflow_key(int ifindex, uint8_t proto, uint16_t worker_port,
				    uint16_t actor_port);
int fx_wflow_put(struct fx *f, int ifindex, uint8_t proto, uint16_t worker_port,
		 uint16_t actor_port, uint64_t seen);
int fx_wflow_get(struct fx *f, int ifindex, uint8_t proto, uint16_t worker_port,
		 uint16_t actor_port, uint64_t *seen);
int fx_wflow_count(struct fx *f);
/* Entries of frag_out (in false) or frag_in (in true). */
int fx_frag_count(struct fx *f, bool in);
/* The clock of bpf_ktime_get_coarse_ns(). */
uint64_t fx_now(void);

/* NAT keys as the datapath builds them (addresses network order, ports host
 * order here; for ICMP echo pass the id as aport/sport per nat.h). */
struct ateom_nat_key fx_key_out(int ifindex, uint32_t saddr, uint32_t daddr,
				uint16_t sport, uint16_t dport, uint8_t proto);
struct ateom_nat_key fx_key_in(uint32_t saddr, uint32_t daddr, uint16_t sport,
			       uint16_t dport, uint8_t proto);

/* An SNAT pair, as the datapath would have made it: actor aport -> remote
 * rip:rport, translated to pod IP:pod_port, both halves idle since
 * last_seen, no FIN/RST/REPLY seen; counted in the actor's nat_pairs (if
 * the actor has an entry). */
int fx_snat_pair_put(struct fx *f, int ifindex, uint16_t id, uint8_t proto,
		     uint16_t aport, uint32_t rip, uint16_t rport, uint16_t pod_port,
		     uint64_t last_seen);

/* Egress hooks loaded from raw instructions (no object file needed).
 * fx_hook_shot: returns TC_ACT_SHOT. fx_hook_verdict: checks the contract
 * (cb magic, actor id, ifindex; returns TC_ACT_SHOT if any is wrong), sets
 * cb[VERDICT] = verdict and tail-calls the resume slot. Return a prog fd. */
int fx_hook_shot(void);
int fx_hook_verdict(struct fx *f, uint32_t actor_id, int ifindex, uint32_t verdict);
int fx_hook_set(struct fx *f, uint32_t slot, int prog_fd);

/* Standard steady-state scenarios for per-packet cost: fx_scenario sets the
 * map state (on top of fx_std_setup) and builds the packet. */
enum fx_scenario {
	FX_SCN_SNAT_TCP_EST,   /* from_actor: established TCP egress */
	FX_SCN_SNAT_TCP_REPLY, /* from_pod: reply to it */
	FX_SCN_DNAT_TCP_EST,   /* from_pod: inbound to :80 (stateless) */
	FX_SCN_DNAT_TCP_REPLY, /* from_actor: the actor's reply (stateless) */
	FX_SCN_SNAT_UDP_EST,   /* from_actor: established UDP egress */
	FX_SCN_POD_PASS,       /* from_pod: the worker's own traffic */
	FX_SCN_TO_WORKER,      /* from_actor: to 10.200.0.1 */
	FX_SCN_SNAT_NEW,       /* from_actor: TCP SYN, no state (clear NAT between runs) */
	FX_SCN_DNAT_SYN,       /* from_pod: SYN to :80 (stateless like any inbound) */
	FX_SCN_FROM_WORKER,    /* to_actor: the worker to actor 1's identity */
	FX_SCN_TO_ACTOR_PASS,  /* to_actor: an SNAT reply on its way to the actor
				* (bpf_redirect delivers through the veth's
				* egress: every delivered packet pays this) */
	FX_SCN_MAX
};
struct fx_scn {
	const char *name;
	int prog_fd, ifindex;
	size_t len;
	uint8_t pkt[PB_FRAME_MAX];
};
int fx_scenario(struct fx *f, enum fx_scenario s, struct fx_scn *out);
/* Mean program time of `runs` separate test_runs (repeat 1, fresh packet
 * each time), in ns; -EPROTO if the verdict changed between runs. It
 * includes test_run's own timing overhead: measure fx_hook_shot() (an
 * empty program) the same way and subtract it (about 85 ns on the dev VM). */
int fx_cost(struct fx *f, const struct fx_scn *s, int runs, double *ns, uint32_t *retval);

#endif /* ATEOM_TEST_FIXTURE_H */
