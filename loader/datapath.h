/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath objects of one worker: loaded and pinned once, then reopened
 * by path on every later call (an activation is netlink + map updates). */
#ifndef ATEOMNET_DATAPATH_H
#define ATEOMNET_DATAPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "ateomnet.h"
#include "sizing.h"

/* A loaded program: its fd, and its id as the kernel reports it (what tc
 * and tcx queries return), fetched once when the datapath is opened. */
struct dp_prog {
	int fd;
	uint32_t id;
};

struct dp {
	char dir[PATH_MAX];   /* set by dp_init, never changed by open/close */
	int config, actors, services, svc_rev, nat, nat_gc, remote_pairs, snat_full, worker_flows, stats,
	    hooks, capture_orig, nat6, remote_pairs6, v6_progs; /* map fds */
	struct dp_prog from_actor, from_pod, actor_resume, nat_gc_ctl, to_actor;
	bool loaded_now; /* this process loaded and pinned it */
};

/* A handle on the datapath pinned (or to be pinned) in dir, nothing open. */
void dp_init(struct dp *dp, const char *dir);
/* True when dp->dir holds a datapath (its config map, pinned last). */
bool dp_pinned(const struct dp *dp);
/* Opens the pinned datapath in dp->dir; fails when nothing is pinned, when
 * pins are incomplete or from another ABI. */
int dp_open(struct dp *dp);
/* Loads the BPF object through the verifier and pins it in dp->dir; the
 * config map is pinned last, so its presence means the rest is there. */
int dp_load(struct dp *dp, struct dp_sizes sizes);
/* Opens, or loads when nothing is pinned yet. */
int dp_open_or_load(struct dp *dp, struct dp_sizes sizes);
/* Sets ATEOM_ACTOR_READY on the actor's entry, in place (by nat_gc_ctl). */
int dp_actor_ready(const struct dp *dp, uint32_t ifindex);
/* The actor's hook slot or policy changed: its open flows ask the hook
 * again at their next packet (bpf/hook_cache.h). */
int dp_hook_changed(const struct dp *dp, uint32_t ifindex, bool hooked);
/* The sizes the opened datapath was loaded with (from its maps). */
int dp_sizes_get(const struct dp *dp, struct dp_sizes *out);
/* Loaded with IPv6 (sizing.c): its programs into v6_progs. */
struct datapath_bpf;
int dp_v6_progs_fill(struct datapath_bpf *skel);
/* A datapath already pinned keeps its sizes: a request for other ones
 * (flags given, values differ) is refused with a line saying so. */
int dp_sizes_check(const struct dp *dp, struct dp_sizes want);
/* Removes every pin of the datapath (programs stay loaded while attached).
 * Works on a handle that is not open. */
void dp_unpin(const struct dp *dp);
/* Closes what is open; dp->dir stays, so the handle can be opened again. */
void dp_close(struct dp *dp);

int dp_config_get(const struct dp *dp, struct ateom_config *cfg);
int dp_config_set(const struct dp *dp, const struct ateom_config *cfg);

/* Starts (start = true) or stops the NAT garbage collector's timer (it
 * runs while actors are up; see bpf/gc.h). */
int dp_gc(const struct dp *dp, bool start);
/* Deletes every NAT pair on pod port `port` (about to be exposed: no pair
 * may hold it), counting each off its actor's quota. */
int dp_nat_release(const struct dp *dp, uint8_t proto, uint16_t port);


#endif
