/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath objects of one worker: loaded and pinned once, then reopened
 * by path on every later call (an activation is netlink + map updates). */
#ifndef ATEOMNET_DATAPATH_H
#define ATEOMNET_DATAPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "ateomnet.h"

struct dp {
	char dir[PATH_MAX];
	int config, actors, services, nat, stats, hooks;   /* map fds */
	int from_actor, from_pod, actor_resume;            /* prog fds */
	bool loaded_now; /* this process loaded and pinned it */
};

void dp_init(struct dp *dp);
/* Opens the pinned datapath in dir. -ENOENT when nothing is pinned there;
 * fails (with a message) when pins are incomplete or from another ABI. */
int dp_open(struct dp *dp, const char *dir);
/* Loads the BPF object through the verifier and pins it in dir; the config
 * map is pinned last, so its presence means the rest is there. */
int dp_load(struct dp *dp, const char *dir, uint32_t nat_entries);
/* Opens, or loads when nothing is pinned yet. */
int dp_open_or_load(struct dp *dp, const char *dir, uint32_t nat_entries);
/* Removes every pin of the datapath (programs stay loaded while attached). */
void dp_unpin(const char *dir);
void dp_close(struct dp *dp);

int dp_config_get(const struct dp *dp, struct ateom_config *cfg);
int dp_config_set(const struct dp *dp, const struct ateom_config *cfg);

/* Pin path of a tcx link for an interface: DIR/links/IFNAME. */
void dp_link_path(const struct dp *dp, const char *ifname, char *out, size_t len);
uint32_t dp_prog_id(int prog_fd);

#endif
