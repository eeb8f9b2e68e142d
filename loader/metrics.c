// SPDX-License-Identifier: Apache-2.0
/*
 * `ateomnet metrics`: the datapath's counters and fill levels in the
 * Prometheus text exposition format (version 0.0.4), on stdout or, with
 * --textfile DIR, in DIR/ateomnet.prom for node_exporter's textfile
 * collector (written to a temp file in DIR and renamed, so the collector
 * never reads half a file).
 *
 * Names follow the Prometheus conventions: ateomnet_ prefix, base units
 * (bytes, ratios), counters end in _total. The only label with more than a
 * handful of values is the actor (at most ATEOM_MAX_ACTORS per worker);
 * reason and direction come from fixed lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "errmsg.h"
#include "memory.h"
#include "pin.h"
#include "state.h"
#include "sys.h"
#include "verbs.h"

/* Packets the actor sends (seen on its veth's ingress) and packets
 * delivered to it: from the pod network (exposed ports, replies to its
 * flows) and from the worker to its identity. */
static const enum ateom_stat egress_stats[] = { ATEOM_STAT_ACTOR_RX };
static const enum ateom_stat ingress_stats[] = { ATEOM_STAT_DNAT, ATEOM_STAT_SNAT_REPLY,
						 ATEOM_STAT_FROM_WORKER };

struct actor_metrics {
	struct actor_ref ref;
	struct ateom_counter c[ATEOM_STAT_MAX];
	long nat_entries;
};

struct metrics {
	bool loaded;
	struct actor_metrics *actors;
	int n;
	struct ateom_counter worker[ATEOM_STAT_MAX];
	long nat_entries;
	uint32_t nat_max;
	struct ateom_gc gc;
	uint64_t memory;
};

/* A label value: backslash, double quote and newline escaped (actor names
 * are DNS-1123 labels today; the format must hold whatever comes). */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP ateomnet_%s %s\n# TYPE ateomnet_%s %s\n", name, help, name, type);
}

static void actor_sample(FILE *f, const char *name, const struct actor_metrics *x)
{
	fprintf(f, "ateomnet_%s{actor=\"", name);
	label(f, x->ref.a.name);
	fputc('"', f);
}

static uint64_t sum(const struct ateom_counter *c, const enum ateom_stat *s, size_t n,
		    bool bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v += bytes ? c[s[i]].bytes : c[s[i]].packets;
	return v;
}

static bool is_drop(int s)
{
	return !strncmp(ateom_stat_names[s], "drop_", 5);
}

static void traffic(FILE *f, const struct metrics *m, const char *name, bool bytes)
{
	for (int i = 0; i < m->n; i++) {
		const struct actor_metrics *x = &m->actors[i];

		actor_sample(f, name, x);
		fprintf(f, ",direction=\"egress\"} %llu\n", (unsigned long long)
			sum(x->c, egress_stats, sizeof(egress_stats) / sizeof(egress_stats[0]), bytes));
		actor_sample(f, name, x);
		fprintf(f, ",direction=\"ingress\"} %llu\n", (unsigned long long)
			sum(x->c, ingress_stats, sizeof(ingress_stats) / sizeof(ingress_stats[0]),
			    bytes));
	}
}

static void write_metrics(FILE *f, const struct metrics *m)
{
	head(f, "datapath_loaded", "gauge", "1 when a datapath is pinned in the pin dir, else 0.");
	fprintf(f, "ateomnet_datapath_loaded %d\n", m->loaded);
	if (!m->loaded)
		return;
	head(f, "datapath_memory_bytes", "gauge",
	     "Kernel memory charged for the datapath's maps and programs.");
	fprintf(f, "ateomnet_datapath_memory_bytes %llu\n", (unsigned long long)m->memory);
	head(f, "actors", "gauge", "Actors up on this worker.");
	fprintf(f, "ateomnet_actors %d\n", m->n);

	head(f, "packets_total", "counter",
	     "Packets by actor and direction (egress: sent by the actor, ingress: delivered to it).");
	traffic(f, m, "packets_total", false);
	head(f, "bytes_total", "counter", "Bytes by actor and direction, as packets_total.");
	traffic(f, m, "bytes_total", true);

	head(f, "drops_total", "counter", "Packets dropped, by actor and reason.");
	for (int i = 0; i < m->n; i++)
		for (int s = 0; s < ATEOM_STAT_MAX; s++) {
			if (!is_drop(s))
				continue;
			actor_sample(f, "drops_total", &m->actors[i]);
			fprintf(f, ",reason=\"%s\"} %llu\n", ateom_stat_names[s] + 5,
				(unsigned long long)m->actors[i].c[s].packets);
		}
	head(f, "worker_drops_total", "counter",
	     "Packets dropped before an actor was known (no actor entry, no config), by reason.");
	for (int s = 0; s < ATEOM_STAT_MAX; s++)
		if (is_drop(s))
			fprintf(f, "ateomnet_worker_drops_total{reason=\"%s\"} %llu\n",
				ateom_stat_names[s] + 5, (unsigned long long)m->worker[s].packets);

	head(f, "policy_verdicts_total", "counter",
	     "Verdicts of the actor's egress hook on its packets.");
	for (int i = 0; i < m->n; i++) {
		actor_sample(f, "policy_verdicts_total", &m->actors[i]);
		fprintf(f, ",verdict=\"allow\"} %llu\n",
			(unsigned long long)m->actors[i].c[ATEOM_STAT_HOOK_ALLOW].packets);
		actor_sample(f, "policy_verdicts_total", &m->actors[i]);
		fprintf(f, ",verdict=\"drop\"} %llu\n",
			(unsigned long long)m->actors[i].c[ATEOM_STAT_DROP_POLICY].packets);
	}

	head(f, "nat_entries", "gauge", "NAT table entries held by the actor (two per pair).");
	for (int i = 0; i < m->n; i++) {
		actor_sample(f, "nat_entries", &m->actors[i]);
		fprintf(f, "} %ld\n", m->actors[i].nat_entries);
	}
	head(f, "nat_pairs", "gauge", "NAT pairs (flows) the actor holds, counted against its quota.");
	for (int i = 0; i < m->n; i++) {
		actor_sample(f, "nat_pairs", &m->actors[i]);
		fprintf(f, "} %u\n", m->actors[i].ref.a.nat_pairs);
	}
	head(f, "nat_quota_pairs", "gauge", "The most NAT pairs the actor may hold (--nat-quota).");
	for (int i = 0; i < m->n; i++) {
		actor_sample(f, "nat_quota_pairs", &m->actors[i]);
		fprintf(f, "} %u\n", m->actors[i].ref.a.nat_quota);
	}
	head(f, "nat_quota_used_ratio", "gauge", "nat_pairs / nat_quota_pairs of the actor.");
	for (int i = 0; i < m->n; i++) {
		const struct ateom_actor *a = &m->actors[i].ref.a;

		actor_sample(f, "nat_quota_used_ratio", &m->actors[i]);
		fprintf(f, "} %.6g\n", a->nat_quota ? (double)a->nat_pairs / a->nat_quota : 0.0);
	}
	head(f, "nat_table_entries", "gauge", "Entries in the worker's NAT table.");
	fprintf(f, "ateomnet_nat_table_entries %ld\n", m->nat_entries);
	head(f, "nat_table_max_entries", "gauge", "Size of the worker's NAT table.");
	fprintf(f, "ateomnet_nat_table_max_entries %u\n", m->nat_max);
	head(f, "nat_table_fill_ratio", "gauge", "nat_table_entries / nat_table_max_entries.");
	fprintf(f, "ateomnet_nat_table_fill_ratio %.6g\n",
		m->nat_max ? (double)m->nat_entries / m->nat_max : 0.0);
	head(f, "nat_gc_sweeps_total", "counter", "Sweeps of the NAT garbage collector.");
	fprintf(f, "ateomnet_nat_gc_sweeps_total %llu\n", (unsigned long long)m->gc.runs);
	head(f, "nat_gc_expired_pairs_total", "counter", "NAT pairs the collector expired.");
	fprintf(f, "ateomnet_nat_gc_expired_pairs_total %llu\n", (unsigned long long)m->gc.expired);
}

static int gather(const struct dp *dp, struct metrics *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	struct actor_ref *acts = NULL;

	if (state_actors(dp, &acts, &m->n))
		return -1;
	m->actors = calloc(m->n ? m->n : 1, sizeof(*m->actors));
	if (!m->actors) {
		free(acts);
		return ateom_fail("out of memory");
	}
	for (int i = 0; i < m->n; i++) {
		struct actor_metrics *x = &m->actors[i];

		x->ref = acts[i];
		x->nat_entries = state_nat_count(dp, acts[i].ifindex);
		if (x->nat_entries < 0 || state_counters(dp, acts[i].a.id, x->c)) {
			free(acts);
			return -1;
		}
	}
	free(acts);
	if (state_counters(dp, 0, m->worker))
		return -1;
	m->nat_entries = state_nat_count(dp, 0);
	if (m->nat_entries < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(dp->nat, &info, &len))
		return ateom_fail("cannot inspect the nat map: %s", strerror(errno));
	m->nat_max = info.max_entries;
	/* The timer's figures only; bpf_timer itself reads as zeroes. */
	if (bpf_map_lookup_elem(dp->nat_gc, &zero, &m->gc))
		memset(&m->gc, 0, sizeof(m->gc));
	if (dp_memory_bytes(dp, &m->memory))
		return -1;
	m->loaded = true;
	return 0;
}

/* DIR/ateomnet.prom, atomically: a temp file in DIR (same filesystem),
 * flushed and synced, then renamed over the old one. */
static int write_textfile(const char *dir, const struct metrics *m)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s/.ateomnet.prom.XXXXXX", dir) >= (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/ateomnet.prom", dir) >= (int)sizeof(dst))
		return ateom_fail("--textfile %s: path too long", dir);
	fd = mkstemp(tmp);
	if (fd < 0)
		return ateom_fail("--textfile %s: cannot create a file there: %s", dir,
				  strerror(errno));
	fchmod(fd, 0644); /* mkstemp's 0600 would hide it from node_exporter */
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return ateom_fail("out of memory");
	}
	write_metrics(f, m);
	if (fflush(f) || ferror(f) || fsync(fd)) {
		int e = errno;

		fclose(f);
		unlink(tmp);
		return ateom_fail("--textfile %s: cannot write: %s", dir, strerror(e));
	}
	fclose(f);
	if (rename(tmp, dst)) {
		int e = errno;

		unlink(tmp);
		return ateom_fail("--textfile %s: cannot rename into ateomnet.prom: %s", dir,
				  strerror(e));
	}
	return 0;
}

int verb_metrics(const struct ateom_args *a)
{
	struct metrics m = { 0 };
	char dir[PATH_MAX];
	struct dp dp;
	int rc = -1;

	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(&dp, dir);
	if (pin_dir_exists(dir) && dp_pinned(&dp)) {
		if (dp_open(&dp) || gather(&dp, &m))
			goto out;
	}
	if (a->textfile[0]) {
		rc = write_textfile(a->textfile, &m);
	} else {
		write_metrics(stdout, &m);
		rc = fflush(stdout) ? ateom_fail("cannot write: %s", strerror(errno)) : 0;
	}
out:
	free(m.actors);
	dp_close(&dp);
	return rc;
}
