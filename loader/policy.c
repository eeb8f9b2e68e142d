// SPDX-License-Identifier: Apache-2.0
/* The egress policy object and the per-actor policy maps (policy.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>

#include "capture.h"
#include "errmsg.h"
#include "policy.h"
#include "policy.skel.h"

/* Pin names under DIR/policy; pol_gen last (its presence = complete). */
static const char *const names[] = { "prog_policy", "prog_orig_dst", "pol_conf", "pol_rules",
				     "pol_events", "pol_seen", "pol_budget", "pol_rules6",
				     "pol_gen" };
#define N_PINS (sizeof(names) / sizeof(names[0]))
#define CGROUP_LINK "cgroup_link"

static int *fd_of(struct pol *p, size_t i)
{
	int *fds[N_PINS] = { &p->prog, &p->orig_dst, &p->conf, &p->rules, &p->events,
			     &p->seen, &p->budget, &p->rules6, &p->gen };
	return fds[i];
}

static void path_of(const char *dir, const char *name, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/policy%s%s", dir, name ? "/" : "", name ? name : "") >=
	    len)
		out[0] = '\0';
}

void pol_close(struct pol *p)
{
	for (size_t i = 0; i < N_PINS; i++) {
		if (*fd_of(p, i) >= 0)
			close(*fd_of(p, i));
		*fd_of(p, i) = -1;
	}
}

void pol_unpin(const char *dir)
{
	char path[PATH_MAX];

	/* pol_gen, pinned last, goes first: without it the dir is incomplete. */
	for (size_t i = N_PINS; i-- > 0;) {
		path_of(dir, names[i], path, sizeof(path));
		unlink(path);
	}
	path_of(dir, CGROUP_LINK, path, sizeof(path));
	unlink(path);
	path_of(dir, NULL, path, sizeof(path));
	rmdir(path);
}

static int pol_load(const struct dp *dp)
{
	struct policy_bpf *skel;
	char path[PATH_MAX];
	int err;

	pol_unpin(dp->dir); /* what a crashed load left */
	skel = policy_bpf__open();
	if (!skel)
		return ateom_fail("cannot open the policy BPF object: %s", strerror(errno));
	if (bpf_map__reuse_fd(skel->maps.egress_hooks, dp->hooks) ||
	    bpf_map__reuse_fd(skel->maps.stats, dp->stats) ||
	    bpf_map__reuse_fd(skel->maps.capture_orig, dp->capture_orig)) {
		ateom_fail("cannot share the datapath maps with the policy object: %s",
			   strerror(errno));
		goto err;
	}
	err = policy_bpf__load(skel);
	if (err) {
		ateom_fail("the policy BPF programs failed to load (run with LIBBPF_LOG=debug): %s",
			   strerror(-err));
		goto err;
	}
	path_of(dp->dir, NULL, path, sizeof(path));
	if (mkdir(path, 0700) && errno != EEXIST) {
		ateom_fail("cannot create %s: %s", path, strerror(errno));
		goto err;
	}
	int fds[N_PINS] = { bpf_program__fd(skel->progs.policy), bpf_program__fd(skel->progs.orig_dst),
			    bpf_map__fd(skel->maps.pol_conf), bpf_map__fd(skel->maps.pol_rules),
			    bpf_map__fd(skel->maps.pol_events), bpf_map__fd(skel->maps.pol_seen),
			    bpf_map__fd(skel->maps.pol_budget), bpf_map__fd(skel->maps.pol_rules6),
			    bpf_map__fd(skel->maps.pol_gen) };
	for (size_t i = 0; i < N_PINS; i++) {
		path_of(dp->dir, names[i], path, sizeof(path));
		if (bpf_obj_pin(fds[i], path)) {
			ateom_fail("cannot pin %s: %s", path, strerror(errno));
			goto err;
		}
	}
	policy_bpf__destroy(skel);
	return 0;
err:
	policy_bpf__destroy(skel);
	pol_unpin(dp->dir);
	return -1;
}

int pol_open(const struct dp *dp, struct pol *p, bool load)
{
	char path[PATH_MAX];

	*p = (struct pol)POL_CLOSED;
	path_of(dp->dir, "pol_gen", path, sizeof(path));
	if (access(path, F_OK)) {
		if (!load)
			return 1;
		if (pol_load(dp))
			return -1;
	}
	for (size_t i = 0; i < N_PINS; i++) {
		path_of(dp->dir, names[i], path, sizeof(path));
		*fd_of(p, i) = bpf_obj_get(path);
		if (*fd_of(p, i) < 0) {
			pol_close(p);
			return ateom_fail("policy pins in %s/policy are incomplete (%s); "
					  "run `ateomnet purge`", dp->dir, names[i]);
		}
	}
	return 0;
}

/* ---- writing a policy ---------------------------------------------------- */

static bool contains(const struct ateom_rule *outer, const struct ateom_rule *inner)
{
	uint32_t m = outer->plen ? htonl(0xffffffffu << (32 - outer->plen)) : 0;

	return outer->plen <= inner->plen && (inner->addr_be & m) == outer->addr_be;
}

static struct ateom_pol_lpm_key lpm_key(uint32_t id, uint16_t gen, const struct ateom_rule *r)
{
	return (struct ateom_pol_lpm_key){ .prefixlen = 32 + r->plen, .actor_id = id,
					   .gen = gen, .addr_be = r->addr_be };
}

/* Deletes every pol_rules6 entry of (id, gen), or of every generation of
 * id when gen is 0, as delete_gen does for IPv4. */
static int delete_gen6(const struct pol *p, uint32_t id, uint16_t gen)
{
	struct ateom_pol_lpm6_key k, cur, *dead = NULL;
	size_t n = 0, cap = 0;
	bool first = true;
	int rc = 0;

	while (bpf_map_get_next_key(p->rules6, first ? NULL : &cur, &k) == 0) {
		first = false;
		cur = k;
		if (k.actor_id != id || (gen && k.gen != gen))
			continue;
		if (n == cap) {
			void *m = realloc(dead, (cap = cap ? cap * 2 : 64) * sizeof(*dead));

			if (!m) {
				free(dead);
				return ateom_fail("out of memory");
			}
			dead = m;
		}
		dead[n++] = k;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(p->rules6, &dead[i]) && errno != ENOENT)
			rc = ateom_fail("cannot delete a policy rule: %s", strerror(errno));
	free(dead);
	return rc;
}

/* Deletes every pol_rules, pol_rules6 and pol_conf entry of (id, gen), or
 * of every generation of id when gen is 0. Keys are collected first:
 * deleting while walking would skip some. */
static int delete_gen(const struct pol *p, uint32_t id, uint16_t gen)
{
	struct ateom_pol_lpm_key k, cur, *dead = NULL;
	struct ateom_pol_key ck, ccur, cdead[2 * ATEOM_HOOK_SLOTS];
	size_t n = 0, cap = 0, cn = 0;
	bool first = true;
	int rc = delete_gen6(p, id, gen);

	while (bpf_map_get_next_key(p->rules, first ? NULL : &cur, &k) == 0) {
		first = false;
		cur = k;
		if (k.actor_id != id || (gen && k.gen != gen))
			continue;
		if (n == cap) {
			void *m = realloc(dead, (cap = cap ? cap * 2 : 64) * sizeof(*dead));

			if (!m) {
				free(dead);
				return ateom_fail("out of memory");
			}
			dead = m;
		}
		dead[n++] = k;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(p->rules, &dead[i]) && errno != ENOENT)
			rc = ateom_fail("cannot delete a policy rule: %s", strerror(errno));
	free(dead);
	first = true;
	while (cn < sizeof(cdead) / sizeof(cdead[0]) &&
	       bpf_map_get_next_key(p->conf, first ? NULL : &ccur, &ck) == 0) {
		first = false;
		ccur = ck;
		if (ck.actor_id == id && (!gen || ck.gen == gen))
			cdead[cn++] = ck;
	}
	for (size_t i = 0; i < cn; i++)
		if (bpf_map_delete_elem(p->conf, &cdead[i]) && errno != ENOENT)
			rc = ateom_fail("cannot delete a policy entry: %s", strerror(errno));
	return rc;
}

/* A trie entry that could not be written (errno set): which trie, and why. */
static int rule_write_fail(const char *family)
{
	if (errno == E2BIG || errno == ENOSPC || errno == ENOMEM)
		return ateom_fail("the %spolicy rule table is full (%d prefixes for all "
				  "actors); nothing changed", family, ATEOM_POL_TRIE_ENTRIES);
	return ateom_fail("cannot write a policy rule: %s", strerror(errno));
}

/* Writes the trie entries of one generation: one per distinct prefix,
 * holding every rule whose prefix contains it. */
static int write_rules(const struct pol *p, uint32_t id, uint16_t gen,
		       const struct ateom_rule *all, int n)
{
	char txt[80];

	for (int i = 0; i < n; i++) {
		struct ateom_pol_rules v = { 0 };
		struct ateom_pol_lpm_key k = lpm_key(id, gen, &all[i]);
		bool first = true;

		for (int j = 0; j < i && first; j++)
			if (all[j].plen == all[i].plen && all[j].addr_be == all[i].addr_be)
				first = false;
		if (!first)
			continue;
		for (int j = 0; j < n; j++) {
			if (!contains(&all[j], &all[i]))
				continue;
			if (v.n == ATEOM_POL_RULES_PER_PREFIX) {
				pol_rule_text(&all[i], txt, sizeof(txt));
				return ateom_fail("more than %d rules apply to %s (the always-deny "
						  "set included); nothing changed",
						  ATEOM_POL_RULES_PER_PREFIX, strchr(txt, ' ') + 1);
			}
			v.r[v.n++] = all[j];
		}
		if (bpf_map_update_elem(p->rules, &k, &v, BPF_NOEXIST))
			return rule_write_fail("");
	}
	return 0;
}

/* The same for IPv6 rules (pol_rules6). */
static int write_rules6(const struct pol *p, uint32_t id, uint16_t gen,
			const struct ateom_rule6 *all, int n)
{
	char txt[80];

	for (int i = 0; i < n; i++) {
		struct ateom_pol_rules6 v = { 0 };
		struct ateom_pol_lpm6_key k = { .prefixlen = 32 + all[i].plen, .actor_id = id,
						.gen = gen, .addr = all[i].addr };
		bool first = true;

		for (int j = 0; j < i && first; j++)
			if (all[j].plen == all[i].plen &&
			    !memcmp(&all[j].addr, &all[i].addr, sizeof(all[i].addr)))
				first = false;
		if (!first)
			continue;
		for (int j = 0; j < n; j++) {
			if (!pol_rule6_contains(&all[j], &all[i]))
				continue;
			if (v.n == ATEOM_POL_RULES_PER_PREFIX) {
				pol_rule6_text(&all[i], txt, sizeof(txt));
				return ateom_fail("more than %d rules apply to %s (the always-deny "
						  "set included); nothing changed",
						  ATEOM_POL_RULES_PER_PREFIX, strchr(txt, ' ') + 1);
			}
			v.r[v.n++] = all[j];
		}
		if (bpf_map_update_elem(p->rules6, &k, &v, BPF_NOEXIST))
			return rule_write_fail("IPv6 ");
	}
	return 0;
}

int pol_apply(const struct pol *p, uint32_t id, const struct pol_spec *spec)
{
	struct ateom_rule6 all6[POL_ALL_RULES6];
	int n6 = pol_all_rules6(spec, all6);
	struct ateom_rule all[POL_ALL_RULES];
	struct ateom_pol_conf c = { .mode = spec->mode, .capture_port = spec->capture_port,
				    .n_rules = spec->n_rules + spec->n_rules6,
				    .n_resolvers = spec->n_resolvers,
				    .n_resolvers6 = spec->n_resolvers6,
				    .flags = spec->icmp_echo ? ATEOM_POL_ICMP_ECHO : 0 };
	uint32_t old = 0, gen;
	int n = pol_all_rules(spec, all);

	memcpy(c.resolvers_be, spec->resolvers_be, sizeof(c.resolvers_be));
	memcpy(c.resolvers6, spec->resolvers6, sizeof(c.resolvers6));
	if (bpf_map_lookup_elem(p->gen, &id, &old))
		return ateom_fail("cannot read the policy generation: %s", strerror(errno));
	gen = old % 0xffff + 1; /* 1..65535, never 0 (= no policy) */
	/* Leftovers of a crashed change under this generation go first. */
	if (delete_gen(p, id, (uint16_t)gen))
		return -1;
	struct ateom_pol_key ck = { .actor_id = id, .gen = gen };
	/* Both families under the one generation: the flip below switches
	 * both at once. */
	if (write_rules(p, id, gen, all, n) || write_rules6(p, id, gen, all6, n6) ||
	    (bpf_map_update_elem(p->conf, &ck, &c, BPF_ANY) &&
	     ateom_fail("cannot write the policy: %s", strerror(errno)))) {
		delete_gen(p, id, (uint16_t)gen);
		return -1;
	}
	/* The flip: one 4-byte value, read once per packet. */
	if (bpf_map_update_elem(p->gen, &id, &gen, BPF_ANY)) {
		ateom_fail("cannot switch to the new policy: %s", strerror(errno));
		delete_gen(p, id, (uint16_t)gen);
		return -1;
	}
	/* Packets that read the old generation a moment ago finish first
	 * (a program run is microseconds; this is generous). */
	usleep(2000);
	return old ? delete_gen(p, id, (uint16_t)old) : 0;
}

int pol_clear(const struct pol *p, uint32_t id)
{
	uint32_t zero = 0;
	struct ateom_pol_budget b = { 0 };

	if (bpf_map_update_elem(p->gen, &id, &zero, BPF_ANY))
		return ateom_fail("cannot clear the policy of actor id %u: %s", id,
				  strerror(errno));
	bpf_map_update_elem(p->budget, &id, &b, BPF_ANY);
	usleep(2000);
	return delete_gen(p, id, 0);
}

int pol_get(const struct pol *p, uint32_t id, struct ateom_pol_conf *c)
{
	uint32_t gen = 0;
	struct ateom_pol_key ck = { .actor_id = id };

	if (bpf_map_lookup_elem(p->gen, &id, &gen))
		return ateom_fail("cannot read the policy generation: %s", strerror(errno));
	if (!gen)
		return 0;
	ck.gen = gen;
	if (bpf_map_lookup_elem(p->conf, &ck, c))
		return 0;
	return 1;
}

int pol_forget_actor(const struct dp *dp, uint32_t id)
{
	struct pol p;
	int rc = pol_open(dp, &p, false);

	if (rc)
		return rc < 0 ? -1 : 0;
	rc = pol_clear(&p, id);
	pol_close(&p);
	return rc;
}

bool pol_cgroup_attached(const struct dp *dp)
{
	char path[PATH_MAX];

	path_of(dp->dir, CGROUP_LINK, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* A new link of the SO_ORIGINAL_DST program to cgroup (the worker's
 * pinned one, if any, stays attached until cgroup_commit): its fd, or -1. */
static int cgroup_link(const struct pol *p, const char *cgroup)
{
	int cg, link;

	cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return ateom_fail("--capture-cgroup %s: %s", cgroup, strerror(errno));
	link = bpf_link_create(p->orig_dst, cg, BPF_CGROUP_GETSOCKOPT, NULL);
	close(cg);
	if (link < 0)
		return ateom_fail("--capture-cgroup %s: cannot attach the SO_ORIGINAL_DST program "
				  "(a cgroup v2 directory?): %s", cgroup, strerror(errno));
	return link;
}

int pol_cgroup_commit(const struct dp *dp, int link)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	/* Pinned aside, then renamed over the old pin in one step: a failure
	 * leaves the worker's link as it was. */
	path_of(dp->dir, CGROUP_LINK, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s_new", path); /* bpffs names take no dot */
	unlink(tmp);
	if (bpf_obj_pin(link, tmp))
		return ateom_fail("cannot pin %s: %s", tmp, strerror(errno));
	if (rename(tmp, path)) {
		unlink(tmp);
		return ateom_fail("cannot pin %s: %s", path, strerror(errno));
	}
	return 0;
}


int pol_setup(const struct dp *dp, uint32_t id, const struct pol_spec *spec,
	      const char *cgroup, int *hook_fd, int *cg_link)
{
	bool capture = spec->mode == ATEOM_EGRESS_CAPTURE, had_table;
	uint32_t inner_id;
	int rc = -1, link = -1;
	struct pol p;

	if (pol_open(dp, &p, true))
		return -1;
	/* Refusals change nothing: the new cgroup link stays unpinned (the
	 * worker's current one in place) and a table made for this call goes,
	 * until the policy itself is in. */
	if (cgroup && cgroup[0]) {
		link = cgroup_link(&p, cgroup);
		if (link < 0)
			goto out;
	} else if (capture && !pol_cgroup_attached(dp)) {
		ateom_fail("--egress-mode capture: give --capture-cgroup DIR (the cgroup v2 "
			   "directory the proxy runs in) once per worker, for SO_ORIGINAL_DST");
		goto out;
	}
	/* The table is there before the policy that captures into it, and
	 * goes once no policy of this actor captures any more. */
	had_table = !bpf_map_lookup_elem(dp->capture_orig, &id, &inner_id);
	if (capture && capture_table_set(dp->capture_orig, id, true))
		goto out;
	if (pol_apply(&p, id, spec)) {
		if (capture && !had_table)
			capture_table_set(dp->capture_orig, id, false);
		goto out;
	}
	if (spec->mode != ATEOM_EGRESS_CAPTURE && capture_table_set(dp->capture_orig, id, false))
		goto out;
	*hook_fd = dup(p.prog);
	rc = *hook_fd < 0 ? ateom_fail("dup: %s", strerror(errno)) : 0;
	if (!rc && link >= 0) {
		if (cg_link) { /* the caller pins it at its own last step */
			*cg_link = link;
			link = -1;
		} else if (pol_cgroup_commit(dp, link)) {
			rc = -1;
		}
	}
out:
	if (link >= 0)
		close(link);
	pol_close(&p);
	return rc;
}
