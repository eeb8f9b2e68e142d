// SPDX-License-Identifier: Apache-2.0
/*
 * `ateomnet policy`: replaces an actor's egress policy at runtime (one
 * flip, policy.h), and `ateomnet events`: the denied flows the policy
 * program reported (ring buffer pol_events), one line each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "errmsg.h"
#include "out.h"
#include "pin.h"
#include "policy.h"
#include "state.h"
#include "sys.h"
#include "verbs.h"

static int policy_report(const struct ateom_args *a, uint32_t id, const struct pol_spec *s)
{
	int rc;

	if (a->json) {
		json_t *o = json_pack("{s:s,s:I,s:s,s:I,s:I}", "actor", a->actor, "id",
				      (json_int_t)id, "mode", pol_mode_name(s->mode), "rules",
				      (json_int_t)(s->n_rules + s->n_rules6), "capture_port",
				      (json_int_t)(s->mode == ATEOM_EGRESS_CAPTURE ? s->capture_port
										 : 0));

		if (!o)
			return ateom_fail("out of memory");
		rc = json_dumpf(o, stdout, JSON_COMPACT);
		json_decref(o);
		if (rc || fputc('\n', stdout) == EOF)
			return ateom_fail("cannot write the report");
	} else {
		printf("actor %s: egress %s, %d rule(s)", a->actor, pol_mode_name(s->mode),
		       s->n_rules + s->n_rules6);
		if (s->mode == ATEOM_EGRESS_CAPTURE)
			printf(", TCP to the worker's port %u", s->capture_port);
		printf("\n");
	}
	return fflush(stdout) ? ateom_fail("cannot write the report") : 0;
}

int verb_policy(const struct ateom_args *a)
{
	char dir[PATH_MAX];
	struct actor_ref ref;
	struct dp dp;
	int lock = -1, rc = -1, hook = -1, found;

	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(&dp, dir);
	if (!pin_dir_exists(dir) || !dp_pinned(&dp))
		return ateom_fail("actor %s is not up (no datapath in %s)", a->actor, dir);
	lock = pin_lock(dir);
	if (lock < 0 || dp_open(&dp))
		goto out;
	found = state_find_actor(&dp, a->actor, &ref);
	if (found <= 0) {
		if (found == 0)
			ateom_fail("actor %s is not up", a->actor);
		goto out;
	}
	if (pol_active(&a->pol)) {
		/* Written and flipped first, then put in the slot: until then
		 * the actor's old policy (or none) holds. */
		if (pol_setup(&dp, ref.a.id, &a->pol, a->capture_cgroup, &hook, NULL) ||
		    state_hook_set(&dp, ref.a.id, hook))
			goto out;
	} else if (state_hook_set(&dp, ref.a.id, -1) || pol_forget_actor(&dp, ref.a.id)) {
		goto out;
	}
	/* After the flip and the slot: open flows ask the new policy at
	 * their next packet (bpf/hook_cache.h). */
	if (dp_hook_changed(&dp, ref.ifindex, pol_active(&a->pol)))
		goto out;
	rc = policy_report(a, ref.a.id, &a->pol);
out:
	if (hook >= 0)
		close(hook);
	dp_close(&dp);
	pin_unlock(lock);
	return rc;
}

/* ---- events ------------------------------------------------------------ */

struct ev_ctx {
	const struct dp *dp;
	bool json;
	int64_t mono_to_real_ns; /* add to bpf_ktime_get_ns() for wall time */
	int err;
};

static const char *reason_name(uint8_t r)
{
	static const char *const n[] = { "?", "rule", "default", "always-deny", "dns", "proto" };

	return r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

static void actor_name(const struct dp *dp, uint16_t id, char *out, size_t len)
{
	struct actor_ref *acts;
	int n;

	snprintf(out, len, "id:%u", id);
	if (state_actors(dp, &acts, &n)) {
		ateom_errmsg_clear();
		return;
	}
	for (int i = 0; i < n; i++)
		if (acts[i].a.id == id)
			snprintf(out, len, "%.*s", (int)sizeof(acts[i].a.name), acts[i].a.name);
	free(acts);
}

/* ICMPv6 events say so; the rest as the other outputs name protocols. */
static const char *ev_proto_name(uint8_t proto)
{
	return proto == IPPROTO_ICMPV6 ? "icmp6" : out_proto_name(proto);
}

static int on_event(void *arg, void *data, size_t size)
{
	struct ev_ctx *c = arg;
	const struct ateom_pol_event *e = data;
	char name[ATEOM_ACTOR_NAME_MAX + 8], dst[INET6_ADDRSTRLEN], rule[80] = "", when[40];
	int64_t real = (int64_t)e->ts_ns + c->mono_to_real_ns;
	time_t secs = real / 1000000000LL;
	struct tm tm;

	if (size < sizeof(*e))
		return 0;
	gmtime_r(&secs, &tm);
	snprintf(when + strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm), 16, ".%03dZ",
		 (int)(real / 1000000 % 1000));
	actor_name(c->dp, e->actor_id, name, sizeof(name));
	if (e->family == 6)
		inet_ntop(AF_INET6, &e->daddr6, dst, sizeof(dst));
	else
		inet_ntop(AF_INET, &e->daddr_be, dst, sizeof(dst));
	if (e->family == 6 && e->rule6.action)
		pol_rule6_text(&e->rule6, rule, sizeof(rule));
	else if (e->rule.action)
		pol_rule_text(&e->rule, rule, sizeof(rule));
	else
		snprintf(rule, sizeof(rule), "%s", reason_name(e->reason));
	if (c->json) {
		json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:s,s:I,s:s,s:s,s:s}", "time", when,
				      "actor", name, "actor_id", (json_int_t)e->actor_id,
				      "family", (json_int_t)(e->family == 6 ? 6 : 4), "dst", dst,
				      "port", (json_int_t)ntohs(e->dport_be), "proto",
				      ev_proto_name(e->proto), "reason", reason_name(e->reason),
				      "rule", rule);

		if (!o || json_dumpf(o, stdout, JSON_COMPACT) || fputc('\n', stdout) == EOF)
			c->err = -1;
		json_decref(o);
	} else {
		printf("%s actor=%s dst=%s port=%u proto=%s reason=%s rule=\"%s\"\n", when, name, dst,
		       ntohs(e->dport_be), ev_proto_name(e->proto), reason_name(e->reason), rule);
	}
	if (fflush(stdout))
		c->err = -1;
	return c->err;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int verb_events(const struct ateom_args *a)
{
	struct ev_ctx c = { .json = a->json };
	struct ring_buffer *rb = NULL;
	struct timespec mono, real;
	char dir[PATH_MAX];
	struct pol p;
	struct dp dp;
	int rc = -1, r;

	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(&dp, dir);
	if (!pin_dir_exists(dir) || !dp_pinned(&dp))
		return 0; /* no datapath: no events */
	if (dp_open(&dp))
		return -1;
	c.dp = &dp;
	r = pol_open(&dp, &p, false);
	if (r) {
		dp_close(&dp);
		return r < 0 ? -1 : 0; /* no policy was ever set: no events */
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	c.mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
			    (real.tv_nsec - mono.tv_nsec);
	rb = ring_buffer__new(p.events, on_event, &c, NULL);
	if (!rb) {
		ateom_fail("cannot open the events ring buffer: %s", strerror(errno));
		goto out;
	}
	if (!a->follow) {
		rc = ring_buffer__consume(rb) < 0 || c.err ? ateom_fail("cannot read events") : 0;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop && !c.err) {
		r = ring_buffer__poll(rb, 500);
		if (r < 0 && r != -EINTR) {
			ateom_fail("cannot read events: %s", strerror(-r));
			goto out;
		}
	}
	rc = c.err ? ateom_fail("cannot write events") : 0;
out:
	ring_buffer__free(rb);
	pol_close(&p);
	dp_close(&dp);
	return rc;
}
