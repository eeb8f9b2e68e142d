// SPDX-License-Identifier: Apache-2.0
/*
 * gc-cost: what one sweep of the NAT garbage collector (bpf/gc.h gc_tick)
 * costs, by NAT table fill, on the production-sized table (131072 entries,
 * so 131072 buckets). A standalone tool, not run by `make bench`:
 *
 *   make BUILD=/tmp/b /tmp/b/bench/gc-cost && /tmp/b/bench/gc-cost [ms]
 *
 * needs root; `ms` is how long the timer runs per size (default 2000).
 * Three measurements, each per fill (0, 10k, 65536 and 131072 entries of
 * live pairs, and a full table half of whose pairs have expired):
 *
 *  - sweep: the real timer callback, in softirq, timed by the tracepoints
 *    timer:hrtimer_expire_entry/exit around bpf_timer_cb (tracefs mounted
 *    in a private mount namespace, events in a private trace instance,
 *    timestamps in µs; other bpf_timers, e.g. of a test suite running
 *    meanwhile, are told apart by the sweep starts polled from nat_gc).
 *    gc_interval_ns is 50 ms. The expired case is the first sweep only (it
 *    deletes them; later ones see a half table).
 *  - walk: nat_gc_ctl's release walk through BPF_PROG_TEST_RUN with a
 *    protocol no entry has: the same bpf_for_each_map_elem over the same
 *    table, with a callback that returns at once. The floor of a sweep
 *    (bucket walk + callback dispatch); a sweep adds one hash lookup of the
 *    partner per entry and the expiry arithmetic.
 *  - accounted: whether bpf_stats (BPF_ENABLE_STATS, released on exit)
 *    charges the timer callback to nat_gc_ctl (run_cnt growing without a
 *    test_run). It does not on 6.x: bpf_timer_cb calls the callback
 *    directly, so bpf_stats and `bpftool prog show` never see the sweeps.
 *
 * On the 2-vCPU dev VM (kernel 6.18, other tests running): a sweep took
 * ~1.6 ms empty (the 131072-bucket walk alone), ~4 ms at 10k entries,
 * 16-27 ms at 65536, 44-61 ms full, ~72 ms full with half the pairs
 * expired: ~300 ns per entry on top of the bucket walk, one softirq.
 *
 * Output: "METRIC VALUE" lines (metric names end in their unit) and "#"
 * comments.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "fixture.h"

#define TRACEFS "/sys/kernel/tracing"
#define INST TRACEFS "/instances/ateom_gc_cost"
#define GC_INTERVAL_NS (50 * FX_MSEC)
#define MAX_SWEEPS 4096

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* tracefs in a mount namespace of our own (private propagation, so the
 * machine's mount table never sees it), and a trace instance of our own. */
static int trace_open(void)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	if (access(TRACEFS "/instances", F_OK) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -1;
	if (mkdir(INST, 0700) && errno != EEXIST)
		return -1;
	return write_file(INST "/buffer_size_kb", "8192");
}

/* Only bpf_timer_cb's entries; exits have no function field, so all of
 * them are kept and paired by hrtimer address. */
static int trace_filter(void)
{
	char line[256], filt[64];
	FILE *k = fopen("/proc/kallsyms", "r");
	unsigned long long addr = 0;

	if (!k)
		return -1;
	while (fgets(line, sizeof(line), k)) {
		char sym[128], t;
		unsigned long long a;

		if (sscanf(line, "%llx %c %127s", &a, &t, sym) == 3 && !strcmp(sym, "bpf_timer_cb")) {
			addr = a;
			break;
		}
	}
	fclose(k);
	if (!addr)
		return -1;
	snprintf(filt, sizeof(filt), "function == 0x%llx", addr);
	return write_file(INST "/events/timer/hrtimer_expire_entry/filter", filt);
}

static int trace_on(bool on)
{
	const char *v = on ? "1" : "0";

	if (on && write_file(INST "/trace", ""))
		return -1;
	return write_file(INST "/events/timer/hrtimer_expire_entry/enable", v) ||
	       write_file(INST "/events/timer/hrtimer_expire_exit/enable", v) ||
	       write_file(INST "/tracing_on", v);
}

static void trace_close(void)
{
	trace_on(false);
	rmdir(INST);
}

/* Starts of our sweeps: last_run_ns polled while the timer runs (it is
 * bpf_ktime_get_coarse_ns(), up to a tick behind the hrtimer's `now`). */
static uint64_t starts[MAX_SWEEPS];
static int nstarts;

static bool ours(uint64_t now)
{
	for (int i = 0; i < nstarts; i++)
		if (starts[i] <= now && now - starts[i] < 5 * FX_MSEC)
			return true;
	return false;
}

/* Sweep durations (µs) of one hrtimer, in order. Every bpf_timer runs
 * bpf_timer_cb (another process's collector too, e.g. a BPF test suite
 * running meanwhile), so the sweeps are grouped by hrtimer and ours is the
 * group whose expiry times best match the polled sweep starts. */
#define MAX_TIMERS 16
static int trace_sweeps(double *us, int max, int *others)
{
	static double d[MAX_TIMERS][MAX_SWEEPS];
	int score[MAX_TIMERS] = { 0 };
	unsigned long long open_now = 0;
	char timers[MAX_TIMERS][64], open_timer[64] = "", line[512];
	int cnt[MAX_TIMERS] = { 0 }, nt = 0, best = -1;
	FILE *t = fopen(INST "/trace", "r");
	double open_ts = 0;

	if (!t)
		return -1;
	while (fgets(line, sizeof(line), t)) {
		char *ev, *hr, timer[64];
		double ts;
		int i;

		if (line[0] == '#' || !(ev = strstr(line, ": hrtimer_expire_")))
			continue;
		/* the timestamp is the field just before ": hrtimer_expire_" */
		*ev = 0;
		ts = strtod(strrchr(line, ' ') + 1, NULL);
		*ev = ':';
		if (!(hr = strstr(ev, "hrtimer=")) || sscanf(hr, "hrtimer=%63s", timer) != 1)
			continue;
		if (strstr(ev, "expire_entry")) {
			char *nw = strstr(ev, "now=");

			snprintf(open_timer, sizeof(open_timer), "%s", timer);
			open_ts = ts;
			open_now = nw ? strtoull(nw + 4, NULL, 10) : 0;
			continue;
		}
		if (!open_timer[0] || strcmp(timer, open_timer))
			continue;
		open_timer[0] = 0;
		for (i = 0; i < nt && strcmp(timers[i], timer); i++)
			;
		if (i == nt) {
			if (nt == MAX_TIMERS)
				continue;
			snprintf(timers[nt++], sizeof(timers[0]), "%s", timer);
		}
		if (cnt[i] < MAX_SWEEPS)
			d[i][cnt[i]++] = (ts - open_ts) * 1e6;
		score[i] += ours(open_now) ? 1 : -1;
	}
	fclose(t);
	for (int i = 0; i < nt; i++)
		if (best < 0 || score[i] > score[best])
			best = i;
	*others = nt - 1;
	if (best < 0 || score[best] <= 0)
		return 0;
	if (cnt[best] > max)
		cnt[best] = max;
	memcpy(us, d[best], cnt[best] * sizeof(us[0]));
	return cnt[best];
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits ms, recording each new last_run_ns (polled every 2 ms; sweeps are
 * 50 ms apart). */
static void poll_starts(struct fx *f, long ms)
{
	struct timespec tick = { 0, 2000000L };
	double end = mono_ms() + ms;
	struct ateom_gc g;

	nstarts = 0;
	while (mono_ms() < end) {
		nanosleep(&tick, NULL);
		if (fx_gc_get(f, &g) == 0 && g.last_run_ns && nstarts < MAX_SWEEPS &&
		    (!nstarts || starts[nstarts - 1] != g.last_run_ns))
			starts[nstarts++] = g.last_run_ns;
	}
}

/* Pairs made idle this long (s) by fill(): past the shortest timeout (the
 * closing one, 1 s), not past their own (unanswered TCP: 120 s). */
static unsigned fill_idle_s;

/* npairs SNAT pairs of actor 2 (both halves), every other one of them
 * idle for long when `half_expired`. */
static int fill(struct fx *f, int npairs, bool half_expired)
{
	uint64_t now = fx_now() - fill_idle_s * FX_SEC, old = now - 3600 * FX_SEC;
	int range = f->snat_max - f->snat_min + 1;

	for (int i = 0; i < npairs; i++) {
		uint32_t remote = htonl(0x0a000000u | (uint32_t)(i / range));

		if (fx_snat_pair_put(f, f->if_a2, 2, IPPROTO_TCP, 1024 + i % range, remote, 443,
				     f->snat_min + i % range, half_expired && i % 2 ? old : now))
			return -1;
	}
	return 0;
}

static uint64_t prog_run_cnt(int fd, uint64_t *run_ns)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	*run_ns = info.run_time_ns;
	return info.run_cnt;
}

/* Median ns of one release walk (no entry matches proto 255). */
static double walk_ns(struct fx *f)
{
	double d[51];
	uint8_t frame[PB_ETH_HLEN] = { 0 };
	struct __sk_buff ctx = { .mark = ATEOM_GC_RELEASE, .cb = { 1, 255 } };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int n = sizeof(d) / sizeof(d[0]);

	for (int i = 0; i < n; i++) {
		if (bpf_prog_test_run_opts(f->gc_ctl, &o))
			return -1;
		d[i] = o.duration;
	}
	qsort(d, n, sizeof(d[0]), cmp_dbl);
	return d[n / 2];
}

static void measure(struct fx *f, const char *label, int npairs, bool half_expired,
		    long run_ms, bool tracing)
{
	static double us[MAX_SWEEPS];
	struct ateom_config c;
	struct ateom_gc g0, g1;
	uint64_t cnt0, cnt1, ns0, ns1;
	int n, others = 0;

	fx_std_setup(f);
	fx_std_config(f, &c);
	c.gc_interval_ns = GC_INTERVAL_NS;
	if (fx_set_config(f, &c) || fill(f, npairs, half_expired)) {
		printf("# %s: fill failed (%d pairs)\n", label, npairs);
		return;
	}
	printf("# %s: %d entries in a table of %u\n", label, fx_nat_count(f), f->nat_max);
	if (!half_expired)
		printf("gc_walk_%s_us %.1f\n", label, walk_ns(f) / 1000.0);

	if (tracing)
		trace_on(true);
	fx_gc_get(f, &g0);
	cnt0 = prog_run_cnt(f->gc_ctl, &ns0);
	if (fx_gc(f, true)) {
		printf("# %s: gc start failed\n", label);
		return;
	}
	cnt0 += 2; /* the start and the stop below are test_runs */
	/* expired: long enough for the first sweep to end (its exit event) */
	poll_starts(f, half_expired ? 500 : run_ms);
	fx_gc(f, false);
	if (tracing)
		trace_on(false);
	cnt1 = prog_run_cnt(f->gc_ctl, &ns1);
	fx_gc_get(f, &g1);
	printf("# %s: %llu sweeps, %llu pairs expired, %d entries left; nat_gc_ctl run_cnt +%llu besides start and stop (bpf_stats)\n",
	       label, (unsigned long long)(g1.runs - g0.runs),
	       (unsigned long long)(g1.expired - g0.expired), fx_nat_count(f),
	       (unsigned long long)(cnt1 - cnt0));
	if (!tracing)
		return;
	n = trace_sweeps(us, MAX_SWEEPS, &others);
	if (others)
		printf("# %s: %d other bpf_timer(s) fired meanwhile (left out)\n", label, others);
	if (n <= 0) {
		printf("# %s: no sweep traced\n", label);
		return;
	}
	if (half_expired) {
		printf("gc_sweep_%s_first_us %.0f\n", label, us[0]);
		return;
	}
	qsort(us, n, sizeof(us[0]), cmp_dbl);
	printf("# %s: %d sweeps traced\n", label, n);
	printf("gc_sweep_%s_median_us %.0f\n", label, us[n / 2]);
	printf("gc_sweep_%s_min_us %.0f\n", label, us[0]);
	printf("gc_sweep_%s_max_us %.0f\n", label, us[n - 1]);
}

int main(int argc, char **argv)
{
	long run_ms = argc > 1 ? atol(argv[1]) : 2000;
	struct fx f;
	bool tracing;
	int stats;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_open_sized(&f, 0))
		return 1;
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats < 0)
		printf("# bpf_enable_stats: %s\n", strerror(errno));
	tracing = trace_open() == 0 && trace_filter() == 0;
	if (!tracing)
		printf("# tracefs unavailable: no sweep figures\n");
	measure(&f, "empty", 0, false, run_ms, tracing);
	measure(&f, "10k", 5000, false, run_ms, tracing);
	measure(&f, "65k", 32768, false, run_ms, tracing);
	measure(&f, "131k", (int)f.nat_max / 2, false, run_ms, tracing);
	fill_idle_s = 30;
	measure(&f, "131k_idle", (int)f.nat_max / 2, false, run_ms, tracing);
	fill_idle_s = 0;
	measure(&f, "131k_half_expired", (int)f.nat_max / 2, true, run_ms, tracing);
	if (tracing)
		trace_close();
	fx_close(&f);
	if (stats >= 0)
		close(stats);
	return 0;
}
