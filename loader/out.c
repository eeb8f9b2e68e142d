// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "errmsg.h"
#include "out.h"

/* Compact, one line, keys in the order they are packed (jansson keeps
 * insertion order). 15 significant digits print a value rounded to a few
 * decimals as that decimal ("3.3", not "3.2999999999999998"). */
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

const char *out_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	default: return "?";
	}
}

static const char *nat_type_name(uint8_t t)
{
	static const char *const names[] = { "?", "snat", "snat_reply" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* ---- JSON values ---------------------------------------------------------- */

/* The JSON string of s, read up to max bytes or its NUL (map strings need
 * not be terminated). JSON strings are Unicode: a byte that does not start
 * a valid UTF-8 sequence becomes U+FFFD rather than losing the whole
 * value. Valid sequences are the ones jansson itself accepts. */
static json_t *jstr_n(const char *s, size_t max)
{
	static const char replacement[] = "\xef\xbf\xbd";
	size_t n = strnlen(s, max), o = 0;
	json_t *j = json_stringn(s, n);
	char *buf;

	if (j)
		return j;
	buf = malloc(n * 3 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
		json_t *seq = len && i + len <= n ? json_stringn(s + i, len) : NULL;

		if (seq) {
			json_decref(seq);
			memcpy(buf + o, s + i, len);
			o += len;
			i += len;
		} else {
			memcpy(buf + o, replacement, 3);
			o += 3;
			i++;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

static json_t *jstr(const char *s)
{
	return jstr_n(s, (size_t)-1);
}

static const char *ip4(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

/* "A.B.C.D/N" */
static json_t *jcidr(uint32_t be, int plen)
{
	char ip[INET_ADDRSTRLEN];

	return json_sprintf("%s/%d", ip4(be, ip), plen);
}

/* "A.B.C.D:PORT" */
static json_t *jendpoint(uint32_t be, uint16_t port_be)
{
	char ip[INET_ADDRSTRLEN];

	return json_sprintf("%s:%u", ip4(be, ip), ntohs(port_be));
}

static json_t *jip(uint32_t be)
{
	char ip[INET_ADDRSTRLEN];

	return json_string(ip4(be, ip));
}

/* IPv4 that may be none (an IPv6-only pod): null. */
static json_t *jip_or_null(uint32_t be)
{
	return be ? jip(be) : json_null();
}

static const char *ip6(const union ateom_in6 *a, char *buf)
{
	return inet_ntop(AF_INET6, a->b, buf, INET6_ADDRSTRLEN);
}

/* "ADDR" or null (none). */
static json_t *jip6(const union ateom_in6 *a)
{
	char b[INET6_ADDRSTRLEN];

	return ateom_in6_zero(a) ? json_null() : json_string(ip6(a, b));
}

/* "ADDR/N" or null (none). */
static json_t *jcidr6(const union ateom_in6 *a, int plen)
{
	char b[INET6_ADDRSTRLEN];

	return ateom_in6_zero(a) ? json_null() : json_sprintf("%s/%d", ip6(a, b), plen);
}

/* Adds key: v to o (stealing v); NULL (and o freed) when it fails. */
static json_t *with(json_t *o, const char *key, json_t *v)
{
	if (o && v && json_object_set_new(o, key, v) == 0)
		return o;
	if (!o)
		json_decref(v);
	json_decref(o);
	return NULL;
}

/* {"port":P,"actor_port":A,"proto":"tcp"} */
static json_t *jexpose(uint16_t port, uint16_t actor_port, uint8_t proto)
{
	return json_pack("{s:I,s:I,s:s}", "port", (json_int_t)port,
			 "actor_port", (json_int_t)actor_port, "proto", out_proto_name(proto));
}

/* {"<stat>":{"packets":N,"bytes":N},...} in ateomnet_stats.h order */
static json_t *jcounters(const struct ateom_counter *c)
{
	json_t *o = json_object();

	for (int s = 0; o && s < ATEOM_STAT_MAX; s++) {
		json_t *v = json_pack("{s:I,s:I}", "packets", (json_int_t)c[s].packets,
				      "bytes", (json_int_t)c[s].bytes);

		if (json_object_set_new(o, ateom_stat_names[s], v)) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* Appends v (stealing it); false when v is NULL or the append failed. */
static bool append(json_t *arr, json_t *v)
{
	return arr && json_array_append_new(arr, v) == 0;
}

static double rounded(double v, double scale)
{
	return v < 0 ? 0 : (double)(long long)(v * scale + 0.5) / scale;
}

/* Flushed now, so a write error is seen by the verb (up undoes itself). */
static int flushed(FILE *f)
{
	return fflush(f) == EOF || ferror(f) ? ateom_fail("cannot write the output") : 0;
}

/* Writes doc (NULL: building it ran out of memory) as one line and frees it. */
static int emit(FILE *f, json_t *doc)
{
	int rc;

	if (!doc)
		return ateom_fail("out of memory while building the JSON output");
	rc = json_dumpf(doc, f, JSON_FLAGS);
	json_decref(doc);
	if (rc || fputc('\n', f) == EOF)
		return ateom_fail("cannot write the output");
	return flushed(f);
}

/* ---- text helpers ---------------------------------------------------------- */

/* Non-zero packet counters, six per line; "(no packets yet)" if none. */
static void counters_text(FILE *f, const char *indent, const struct ateom_counter *c)
{
	int shown = 0;

	for (int s = 0; s < ATEOM_STAT_MAX; s++) {
		if (!c[s].packets)
			continue;
		if (shown % 6 == 0)
			fprintf(f, "%s%s", shown ? "\n" : "", indent);
		else
			fputc(' ', f);
		fprintf(f, "%s=%llu", ateom_stat_names[s], (unsigned long long)c[s].packets);
		shown++;
	}
	if (shown)
		fputc('\n', f);
	else
		fprintf(f, "%s(no packets yet)\n", indent);
}

/* ---- up ---------------------------------------------------------------------- */

static json_t *up_json(const struct out_up *r)
{
	json_t *expose = json_array();

	for (int i = 0; expose && i < r->n_expose; i++) {
		const struct ateom_expose *e = &r->expose[i];

		if (!append(expose, jexpose(e->port, e->actor_port, e->proto))) {
			json_decref(expose);
			expose = NULL;
		}
	}
	json_t *o = json_pack("{s:o,s:I,s:o,s:I,s:s,s:o,s:o,s:s,s:o,s:o,s:b,s:o,s:f}",
			 "actor", jstr(r->actor), "id", (json_int_t)r->id,
			 "veth", jstr(r->veth), "ifindex", (json_int_t)r->ifindex,
			 "attach", attach_mode_name(r->attach), "pod_if", jstr(r->pod_if),
			 "pod_ip", jip_or_null(r->pod_ip_be),
			 "pod_attach", attach_mode_name(r->pod_attach),
			 "actor_addr", jcidr(r->actor_ip_be, r->prefixlen),
			 "pin_dir", jstr(r->pin_dir), "loaded", r->loaded, "expose", expose,
			 "elapsed_ms", rounded(r->elapsed_ms, 1e3));

	o = with(o, "pod_ip6", jip6(&r->pod_ip6));
	return with(o, "actor_addr6", jcidr6(&r->actor_ip6, r->prefix6));
}

int out_up(FILE *f, bool json, const struct out_up *r)
{
	char pod_ip[INET_ADDRSTRLEN], actor_ip[INET_ADDRSTRLEN], b6[INET6_ADDRSTRLEN];

	if (json)
		return emit(f, up_json(r));
	fprintf(f, "actor %s up: %s (%s) -> %s/%d", r->actor, r->veth,
		attach_mode_name(r->attach), ip4(r->actor_ip_be, actor_ip), r->prefixlen);
	if (!ateom_in6_zero(&r->actor_ip6))
		fprintf(f, " %s/%d", ip6(&r->actor_ip6, b6), r->prefix6);
	fprintf(f, ", pod %s", r->pod_ip_be ? ip4(r->pod_ip_be, pod_ip) : "(no IPv4)");
	if (!ateom_in6_zero(&r->pod_ip6))
		fprintf(f, " %s", ip6(&r->pod_ip6, b6));
	fprintf(f, " (%s)", attach_mode_name(r->pod_attach));
	for (int i = 0; i < r->n_expose; i++)
		fprintf(f, "%s%u->%u/%s", i ? "," : ", exposes ", r->expose[i].port,
			r->expose[i].actor_port, out_proto_name(r->expose[i].proto));
	fprintf(f, " [%.1f ms%s]\n", r->elapsed_ms, r->loaded ? ", datapath loaded" : "");
	return flushed(f);
}

/* ---- down -------------------------------------------------------------------- */

int out_down(FILE *f, bool json, const struct out_down *r)
{
	if (json)
		return emit(f, json_pack("{s:o,s:b,s:I,s:f}", "actor", jstr(r->actor),
					 "was_up", r->was_up,
					 "nat_removed", (json_int_t)r->nat_removed,
					 "elapsed_ms", rounded(r->elapsed_ms, 1e3)));
	if (r->was_up)
		fprintf(f, "actor %s down: veth removed, %ld NAT entries removed [%.1f ms]\n",
			r->actor, r->nat_removed, r->elapsed_ms);
	else if (r->stale_veths)
		fprintf(f, "actor %s was not up; removed %d leftover veth(s)\n", r->actor,
			r->stale_veths);
	else
		fprintf(f, "actor %s is not up (nothing to do)\n", r->actor);
	return flushed(f);
}

/* ---- status ------------------------------------------------------------------ */

static int prefix_of(uint32_t mask_be) { return __builtin_popcount(mask_be); }

static json_t *svc_json(const struct svc_ref *s, int n)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < n; i++) {
		if (!append(arr, jexpose(ntohs(s[i].k.port_be), ntohs(s[i].v.actor_port_be),
					 s[i].k.proto))) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

static json_t *actor_json(const struct out_actor *x)
{
	const struct ateom_actor *a = &x->ref.a;
	int plen = prefix_of(a->netmask_be);

	json_t *o = json_pack("{s:o,s:I,s:o,s:I,s:s,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:o,s:{s:s,s:I,s:I}}",
			 "name", jstr_n(a->name, sizeof(a->name)), "id", (json_int_t)a->id,
			 "veth", jstr(x->veth), "ifindex", (json_int_t)x->ref.ifindex,
			 "attach", attach_mode_name(attach_actor_mode(a)),
			 "worker_addr", jcidr(a->worker_ip_be, plen),
			 "actor_addr", jcidr(a->actor_ip_be, plen),
			 "ident_addr", jip(a->ident_ip_be),
			 "expose", svc_json(x->svc, x->n_svc),
			 "nat_entries", (json_int_t)x->nat_entries,
			 "nat_pairs", (json_int_t)a->nat_pairs,
			 "nat_quota", (json_int_t)a->nat_quota,
			 "counters", jcounters(x->counters),
			 "egress", "mode", pol_mode_name(x->egress_mode),
			 "rules", (json_int_t)x->egress_rules,
			 "capture_port", (json_int_t)x->capture_port);

	o = with(o, "worker_addr6", jcidr6(&a->worker_ip6, a->prefix6));
	return with(o, "actor_addr6", jcidr6(&a->actor_ip6, a->prefix6));
}

/* {"tcp_est": seconds, ...}: the flag names with '_'. */
static json_t *timeouts_json(const uint32_t *secs)
{
	json_t *o = json_object();

	for (int t = 0; o && t < ATEOM_TO_N; t++) {
		char key[32];
		char *c;

		snprintf(key, sizeof(key), "%s", ateom_timeout_name(t));
		for (c = key; *c; c++)
			if (*c == '-')
				*c = '_';
		if (json_object_set_new(o, key, json_integer(secs[t]))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *status_json(const struct out_status *r)
{
	json_t *actors = json_array();

	if (!r->loaded)
		return json_pack("{s:o,s:b,s:o}", "pin_dir", jstr(r->pin_dir), "loaded", 0,
				 "actors", actors);
	for (int i = 0; actors && i < r->n_actors; i++) {
		if (!append(actors, actor_json(&r->actors[i]))) {
			json_decref(actors);
			actors = NULL;
		}
	}
	json_t *o = json_pack("{s:o,s:b,s:o,s:I,s:o,s:s,s:o,s:I,s:o,s:I,s:o,s:o}",
			 "pin_dir", jstr(r->pin_dir), "loaded", 1, "pod_if", jstr(r->pod_if),
			 "pod_ifindex", (json_int_t)r->pod_ifindex,
			 "pod_ip", jip_or_null(r->pod_ip_be),
			 "pod_attach", attach_mode_name(r->pod_attach),
			 "snat_ports", json_sprintf("%u-%u", r->snat_min, r->snat_max),
			 "remote_share", (json_int_t)r->remote_share,
			 "timeouts", timeouts_json(r->timeout_s),
			 "nat_entries", (json_int_t)r->nat_entries, "actors", actors,
			 "counters", jcounters(r->counters));

	if (o && json_object_set_new(o, "memory_bytes", json_integer((json_int_t)r->memory_bytes))) {
		json_decref(o);
		o = NULL;
	}
	return with(o, "pod_ip6", jip6(&r->pod_ip6));
}

static void actor_text(FILE *f, const struct out_actor *x)
{
	const struct ateom_actor *a = &x->ref.a;
	char w[INET_ADDRSTRLEN], ac[INET_ADDRSTRLEN], id[INET_ADDRSTRLEN];
	int plen = prefix_of(a->netmask_be);

	fprintf(f, "actor %.*s (id %u): %s ifindex %u (%s), %s/%d <-> %s/%d (as %s to the "
		"worker), ",
		(int)strnlen(a->name, sizeof(a->name)), a->name, a->id, x->veth, x->ref.ifindex,
		attach_mode_name(attach_actor_mode(a)), ip4(a->worker_ip_be, w), plen,
		ip4(a->actor_ip_be, ac), plen, ip4(a->ident_ip_be, id));
	if (!ateom_in6_zero(&a->actor_ip6)) {
		char w6[INET6_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

		fprintf(f, "%s/%u <-> %s/%u, ", ip6(&a->worker_ip6, w6), a->prefix6,
			ip6(&a->actor_ip6, a6), a->prefix6);
	}
	fputs("exposes ", f);
	for (int i = 0; i < x->n_svc; i++)
		fprintf(f, "%s%u->%u/%s", i ? "," : "", ntohs(x->svc[i].k.port_be),
			ntohs(x->svc[i].v.actor_port_be), out_proto_name(x->svc[i].k.proto));
	fprintf(f, ", %ld NAT entries, %u of %u NAT pairs, egress %s (%d rules", x->nat_entries,
		a->nat_pairs, a->nat_quota, pol_mode_name(x->egress_mode), x->egress_rules);
	if (x->egress_mode == ATEOM_EGRESS_CAPTURE)
		fprintf(f, ", proxy port %u", x->capture_port);
	fprintf(f, ")\n");
	counters_text(f, "  ", x->counters);
}

int out_status(FILE *f, bool json, const struct out_status *r)
{
	char pip[INET_ADDRSTRLEN], pip6[INET6_ADDRSTRLEN];

	if (json)
		return emit(f, status_json(r));
	if (!r->loaded) {
		fprintf(f, "no datapath in %s (no actor has been up on this worker)\n", r->pin_dir);
		return flushed(f);
	}
	fprintf(f, "datapath %s: pod %s %s%s%s (%s), SNAT ports %u-%u (%u per actor toward one "
		"remote), %ld NAT entries, %d actor(s)\n",
		r->pin_dir, r->pod_if, r->pod_ip_be ? ip4(r->pod_ip_be, pip) : "(no IPv4)",
		ateom_in6_zero(&r->pod_ip6) ? "" : " ", ateom_in6_zero(&r->pod_ip6) ? "" : ip6(&r->pod_ip6, pip6),
		attach_mode_name(r->pod_attach),
		r->snat_min, r->snat_max, r->remote_share, r->nat_entries, r->n_actors);
	fputs("timeouts:", f);
	for (int t = 0; t < ATEOM_TO_N; t++)
		fprintf(f, "%s %s %us", t ? "," : "", ateom_timeout_name(t), r->timeout_s[t]);
	fputc('\n', f);
	fprintf(f, "kernel memory: %llu bytes (%.1f KiB; its maps and programs)\n",
		(unsigned long long)r->memory_bytes, r->memory_bytes / 1024.0);
	for (int i = 0; i < r->n_actors; i++)
		actor_text(f, &r->actors[i]);
	fputs("worker-wide:\n", f);
	counters_text(f, "  ", r->counters);
	return flushed(f);
}

/* ---- nat --------------------------------------------------------------------- */

int out_nat_begin(struct out_nat *o, FILE *f, bool json)
{
	*o = (struct out_nat){ .f = f, .json = json };
	if (json)
		fputc('[', f);
	return ferror(f) ? ateom_fail("cannot write the output") : 0;
}

int out_nat_entry(struct out_nat *o, const struct ateom_nat_key *k,
		  const struct ateom_nat_entry *e, double idle_s)
{
	const char *dir = k->dir == ATEOM_DIR_OUT ? "out" : "in";
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], t[INET_ADDRSTRLEN];
	json_t *doc;
	int rc;

	if (!o->json) {
		fprintf(o->f, "%-4s %-3s %s:%u -> %s:%u  %s => %s:%u  actor %u  idle %.0fs\n",
			out_proto_name(k->proto), dir, ip4(k->saddr_be, s), ntohs(k->sport_be),
			ip4(k->daddr_be, d), ntohs(k->dport_be), nat_type_name(e->type),
			ip4(e->addr_be, t), ntohs(e->port_be), e->actor_id, idle_s);
		o->n++;
		return ferror(o->f) ? ateom_fail("cannot write the output") : 0;
	}
	doc = json_pack("{s:s,s:s,s:I,s:o,s:o,s:s,s:o,s:I,s:f}",
			"proto", out_proto_name(k->proto), "dir", dir,
			"ifindex", (json_int_t)k->ifindex,
			"src", jendpoint(k->saddr_be, k->sport_be),
			"dst", jendpoint(k->daddr_be, k->dport_be),
			"type", nat_type_name(e->type), "to", jendpoint(e->addr_be, e->port_be),
			"actor_id", (json_int_t)e->actor_id, "idle_s", rounded(idle_s, 10));
	if (!doc)
		return ateom_fail("out of memory while building the JSON output");
	if (o->n++)
		fputc(',', o->f);
	rc = json_dumpf(doc, o->f, JSON_FLAGS);
	json_decref(doc);
	return rc || ferror(o->f) ? ateom_fail("cannot write the output") : 0;
}

/* "[ADDR]:PORT", as in URLs. */
static json_t *jendpoint6(const union ateom_in6 *a, uint16_t port_be)
{
	char b[INET6_ADDRSTRLEN];

	return json_sprintf("[%s]:%u", ip6(a, b), ntohs(port_be));
}

int out_nat6_entry(struct out_nat *o, const struct ateom_nat6_key *k,
		   const struct ateom_nat6_entry *e, double idle_s)
{
	const char *dir = k->dir == ATEOM_DIR_OUT ? "out" : "in";
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	json_t *doc;
	int rc;

	if (!o->json) {
		fprintf(o->f, "%-4s %-3s [%s]:%u -> [%s]:%u  %s => [%s]:%u  actor %u  idle %.0fs\n",
			out_proto_name(k->proto), dir, ip6(&k->saddr_be, s), ntohs(k->sport_be),
			ip6(&k->daddr_be, d), ntohs(k->dport_be), nat_type_name(e->type),
			ip6(&e->addr_be, t), ntohs(e->port_be), e->actor_id, idle_s);
		o->n++;
		return ferror(o->f) ? ateom_fail("cannot write the output") : 0;
	}
	doc = json_pack("{s:s,s:s,s:I,s:o,s:o,s:s,s:o,s:I,s:f}",
			"proto", out_proto_name(k->proto), "dir", dir,
			"ifindex", (json_int_t)k->ifindex,
			"src", jendpoint6(&k->saddr_be, k->sport_be),
			"dst", jendpoint6(&k->daddr_be, k->dport_be),
			"type", nat_type_name(e->type), "to", jendpoint6(&e->addr_be, e->port_be),
			"actor_id", (json_int_t)e->actor_id, "idle_s", rounded(idle_s, 10));
	if (!doc)
		return ateom_fail("out of memory while building the JSON output");
	if (o->n++)
		fputc(',', o->f);
	rc = json_dumpf(doc, o->f, JSON_FLAGS);
	json_decref(doc);
	return rc || ferror(o->f) ? ateom_fail("cannot write the output") : 0;
}

int out_nat_end(struct out_nat *o)
{
	if (o->json)
		fputs("]\n", o->f);
	else
		fprintf(o->f, "%ld NAT entries\n", o->n);
	return flushed(o->f);
}

/* ---- purge ------------------------------------------------------------------- */

int out_purge(FILE *f, bool json, const struct out_purge *r)
{
	if (json) {
		json_t *down = json_array();

		for (int i = 0; down && i < r->n_down; i++) {
			const struct out_purge_actor *x = &r->down[i];

			if (!append(down, json_pack("{s:o,s:I}",
						    "actor", jstr_n(x->name, sizeof(x->name)),
						    "nat_removed", (json_int_t)x->nat_removed))) {
				json_decref(down);
				down = NULL;
			}
		}
		return emit(f, json_pack("{s:o,s:b,s:o}", "pin_dir", jstr(r->pin_dir),
					 "purged", r->purged, "actors_down", down));
	}
	for (int i = 0; i < r->n_down; i++)
		fprintf(f, "actor %.*s down: veth removed, %ld NAT entries removed\n",
			(int)strnlen(r->down[i].name, sizeof(r->down[i].name)), r->down[i].name,
			r->down[i].nat_removed);
	if (r->purged)
		fprintf(f, "purged %s\n", r->pin_dir);
	else
		fprintf(f, "nothing pinned in %s\n", r->pin_dir);
	return flushed(f);
}

/* ---- prepare ----------------------------------------------------------------- */

int out_prepare(FILE *f, bool json, const struct out_prepare *r)
{
	if (json)
		return emit(f, json_pack("{s:o,s:b,s:o,s:b,s:I,s:I,s:f}", "pin_dir",
					 jstr(r->pin_dir), "loaded", r->loaded,
					 "pod_if", r->pod_if ? jstr(r->pod_if) : json_null(),
					 "attached", r->attached,
					 "nat_entries", (json_int_t)r->nat_entries,
					 "max_actors", (json_int_t)r->max_actors,
					 "elapsed_ms", rounded(r->elapsed_ms, 1e3)));
	if (r->loaded)
		fprintf(f, "datapath loaded and pinned in %s (sized for %u actor%s, %u NAT "
			"entries), on %s [%.1f ms]\n", r->pin_dir, r->max_actors,
			r->max_actors == 1 ? "" : "s", r->nat_entries,
			r->pod_if ? r->pod_if : "no pod interface yet", r->elapsed_ms);
	else
		fprintf(f, "datapath already prepared in %s (sized for %u actor%s, %u NAT "
			"entries), on %s [%.1f ms]\n", r->pin_dir, r->max_actors,
			r->max_actors == 1 ? "" : "s", r->nat_entries,
			r->pod_if ? r->pod_if : "no pod interface yet", r->elapsed_ms);
	return flushed(f);
}

/* ---- gc ---------------------------------------------------------------------- */

static const char *gc_netns_name(enum out_gc_netns n)
{
	return n == GC_NETNS_ALIVE ? "alive" : n == GC_NETNS_GONE ? "gone" : "unknown";
}

static const char *gc_action_name(enum out_gc_action a)
{
	static const char *const names[] = { "kept", "reclaimed", "would_reclaim", "busy",
					     "failed" };

	return a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

static int gc_count(const struct out_gc *r, enum out_gc_action a)
{
	int n = 0;

	for (int i = 0; i < r->n_dirs; i++)
		n += r->dirs[i].action == a;
	return n;
}

int out_gc(FILE *f, bool json, const struct out_gc *r)
{
	if (json) {
		json_t *dirs = json_array();

		for (int i = 0; dirs && i < r->n_dirs; i++) {
			const struct out_gc_dir *x = &r->dirs[i];
			json_t *cookie = x->has_cookie ? json_integer((json_int_t)x->cookie)
						       : json_null();

			if (!append(dirs, json_pack("{s:o,s:o,s:s,s:s,s:s}",
						    "dir", jstr(x->dir), "netns_cookie", cookie,
						    "netns", gc_netns_name(x->netns),
						    "action", gc_action_name(x->action),
						    "reason", x->reason))) {
				json_decref(dirs);
				dirs = NULL;
			}
		}
		return emit(f, json_pack("{s:o,s:b,s:o,s:i,s:i,s:i}", "pin_root", jstr(r->pin_root),
					 "dry_run", r->dry_run, "dirs", dirs,
					 "reclaimed", gc_count(r, GC_RECLAIMED),
					 "would_reclaim", gc_count(r, GC_WOULD_RECLAIM),
					 "failed", gc_count(r, GC_FAILED)));
	}
	for (int i = 0; i < r->n_dirs; i++) {
		const struct out_gc_dir *x = &r->dirs[i];

		fprintf(f, "%-13s %s (netns %s%s%s)\n", gc_action_name(x->action), x->dir,
			gc_netns_name(x->netns), x->reason[0] ? ": " : "", x->reason);
	}
	fprintf(f, "%s%d pin dir(s) of dead workers %s, %d kept in %s\n",
		r->dry_run ? "dry run: " : "",
		gc_count(r, r->dry_run ? GC_WOULD_RECLAIM : GC_RECLAIMED),
		r->dry_run ? "would be reclaimed" : "reclaimed",
		r->n_dirs - gc_count(r, r->dry_run ? GC_WOULD_RECLAIM : GC_RECLAIMED), r->pin_root);
	return flushed(f);
}
