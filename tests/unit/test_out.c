// SPDX-License-Identifier: Apache-2.0
/*
 * loader/out.c: every report written as JSON parses back (with jansson) to
 * the same strings, whatever bytes the names hold, and keeps the field
 * names and shapes the e2e tests and controllers read. No privileges: the
 * reports are filled by hand and written to memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>

#include "errmsg.h"
#include "out.h"

/* Names no hand-built printf survives: quotes, backslashes, every kind of
 * control byte, a JSON-looking tail, and non-ASCII UTF-8. */
static const char *const nasty[] = {
	"a\"b",
	"back\\slash\\",
	"ctl\x01\x02\x1f\x7f",
	"nl\nret\rtab\tff\fbs\b",
	"\",\"injected\":true,\"x\":\"",
	"/x\"y",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9d",
	"",
};
#define N_NASTY (sizeof(nasty) / sizeof(nasty[0]))

/* Runs call with f open on memory; buf gets the text (caller frees). */
#define CAPTURE(buf, call)                                            \
	do {                                                          \
		size_t len_;                                          \
		FILE *f = open_memstream(&(buf), &len_);              \
		assert_non_null(f);                                   \
		assert_int_equal((call), 0);                          \
		fclose(f);                                            \
	} while (0)

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("not JSON (%s at %d): %s", e.text, e.position, text);
	return j;
}

static void assert_str(json_t *obj, const char *key, const char *want)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	assert_int_equal(json_string_length(v), strlen(want));
	assert_memory_equal(json_string_value(v), want, strlen(want));
}

static void assert_int(json_t *obj, const char *key, json_int_t want)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	assert_int_equal(json_integer_value(v), want);
}

/* The object's keys, in order, separated by spaces. */
static void assert_keys(json_t *obj, const char *want)
{
	char got[512] = "";
	const char *k;
	json_t *v;

	assert_true(json_is_object(obj));
	json_object_foreach(obj, k, v) {
		if (got[0])
			strcat(got, " ");
		strcat(got, k);
	}
	assert_string_equal(got, want);
}

static const struct ateom_expose expose[] = {
	{ .port = 80, .actor_port = 8080, .proto = IPPROTO_TCP },
	{ .port = 9053, .actor_port = 53, .proto = IPPROTO_UDP },
};

static struct out_up up_report(const char *name)
{
	return (struct out_up){
		.actor = name, .veth = name, .pod_if = name, .pin_dir = name, .id = 7,
		.ifindex = 12, .attach = ATTACH_TCX, .pod_attach = ATTACH_TC,
		.pod_ip_be = htonl(0xc000020b), .actor_ip_be = htonl(0x0ac80002),
		.prefixlen = 30, .expose = expose, .n_expose = 2, .loaded = true,
		.elapsed_ms = 12.34567,
	};
}

static void test_up_json_round_trip(void **state)
{
	for (size_t i = 0; i < N_NASTY; i++) {
		struct out_up r = up_report(nasty[i]);
		char *text;
		json_t *j;

		CAPTURE(text, out_up(f, true, &r));
		/* one line: the only newline ends it */
		assert_int_equal(strchr(text, '\n') - text, strlen(text) - 1);
		j = parse(text);
		assert_str(j, "actor", nasty[i]);
		assert_str(j, "veth", nasty[i]);
		assert_str(j, "pod_if", nasty[i]);
		assert_str(j, "pin_dir", nasty[i]);
		json_decref(j);
		free(text);
	}
}

static void test_up_json_shape(void **state)
{
	struct out_up r = up_report("a1");
	json_t *j, *e;
	char *text;

	CAPTURE(text, out_up(f, true, &r));
	j = parse(text);
	assert_keys(j, "actor id veth ifindex attach pod_if pod_ip pod_attach actor_addr "
		       "pin_dir loaded expose elapsed_ms pod_ip6 actor_addr6");
	assert_true(json_is_null(json_object_get(j, "pod_ip6")));
	assert_true(json_is_null(json_object_get(j, "actor_addr6")));
	assert_int(j, "id", 7);
	assert_int(j, "ifindex", 12);
	assert_str(j, "attach", "tcx");
	assert_str(j, "pod_attach", "tc");
	assert_str(j, "pod_ip", "192.0.2.11");
	assert_str(j, "actor_addr", "10.200.0.2/30");
	assert_true(json_is_true(json_object_get(j, "loaded")));
	assert_true(json_real_value(json_object_get(j, "elapsed_ms")) == 12.346);
	e = json_object_get(j, "expose");
	assert_int_equal(json_array_size(e), 2);
	assert_keys(json_array_get(e, 1), "port actor_port proto");
	assert_int(json_array_get(e, 1), "port", 9053);
	assert_int(json_array_get(e, 1), "actor_port", 53);
	assert_str(json_array_get(e, 1), "proto", "udp");
	json_decref(j);
	free(text);
}

static void nat_pair(struct ateom_nat_key *k, struct ateom_nat_entry *e);

static void in6_set(union ateom_in6 *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a->b), 1);
}

/* An IPv6-only pod: pod_ip null, the IPv6 addresses as strings. */
static void test_up_ipv6(void **state)
{
	struct out_up r = up_report("a1");
	json_t *j;
	char *text;

	r.pod_ip_be = 0;
	in6_set(&r.pod_ip6, "2001:db8:1::11");
	in6_set(&r.actor_ip6, "fd00:169:254::2");
	r.prefix6 = 126;
	CAPTURE(text, out_up(f, true, &r));
	j = parse(text);
	assert_true(json_is_null(json_object_get(j, "pod_ip")));
	assert_str(j, "pod_ip6", "2001:db8:1::11");
	assert_str(j, "actor_addr6", "fd00:169:254::2/126");
	json_decref(j);
	free(text);
	r.loaded = false;
	CAPTURE(text, out_up(f, false, &r));
	assert_string_equal(text, "actor a1 up: a1 (tcx) -> 10.200.0.2/30 fd00:169:254::2/126, pod "
				  "(no IPv4) 2001:db8:1::11 (tc), exposes 80->8080/tcp,9053->53/udp "
				  "[12.3 ms]\n");
	free(text);
}

/* IPv6 pairs (nat6) in the same stream as IPv4 ones: [ADDR]:PORT. */
static void test_nat6_stream(void **state)
{
	struct ateom_nat6_key k = { .ifindex = 4, .sport_be = htons(51570), .dport_be = htons(443),
				    .proto = IPPROTO_TCP, .dir = ATEOM_DIR_OUT };
	struct ateom_nat6_entry e = { .port_be = htons(23881), .type = ATEOM_NAT_SNAT,
				      .actor_id = 1 };
	struct ateom_nat_key k4;
	struct ateom_nat_entry e4;
	struct out_nat o;
	char *text;
	json_t *j, *x;
	size_t len;
	FILE *f;

	in6_set(&k.saddr_be, "fd00:169:254::2");
	in6_set(&k.daddr_be, "2001:db8:2::10");
	in6_set(&e.addr_be, "2001:db8:1::11");
	nat_pair(&k4, &e4);
	f = open_memstream(&text, &len);
	assert_int_equal(out_nat_begin(&o, f, true), 0);
	assert_int_equal(out_nat_entry(&o, &k4, &e4, 1), 0);
	assert_int_equal(out_nat6_entry(&o, &k, &e, 2.25), 0);
	assert_int_equal(out_nat_end(&o), 0);
	fclose(f);
	j = parse(text);
	assert_int_equal(json_array_size(j), 2);
	x = json_array_get(j, 1);
	assert_keys(x, "proto dir ifindex src dst type to actor_id idle_s");
	assert_str(x, "proto", "tcp");
	assert_str(x, "src", "[fd00:169:254::2]:51570");
	assert_str(x, "dst", "[2001:db8:2::10]:443");
	assert_str(x, "to", "[2001:db8:1::11]:23881");
	assert_int(x, "ifindex", 4);
	json_decref(j);
	free(text);

	k.proto = IPPROTO_ICMPV6;
	k.dir = ATEOM_DIR_IN;
	e.type = ATEOM_NAT_SNAT_REPLY;
	f = open_memstream(&text, &len);
	assert_int_equal(out_nat_begin(&o, f, false), 0);
	assert_int_equal(out_nat6_entry(&o, &k, &e, 7), 0);
	assert_int_equal(out_nat_end(&o), 0);
	fclose(f);
	assert_string_equal(text, "icmpv6 in  [fd00:169:254::2]:51570 -> [2001:db8:2::10]:443  "
				  "snat_reply => [2001:db8:1::11]:23881  actor 1  idle 7s\n"
				  "1 NAT entries\n");
	free(text);
}

static void test_up_text(void **state)
{
	struct out_up r = up_report("a1");
	char *text;

	r.loaded = false;
	CAPTURE(text, out_up(f, false, &r));
	assert_string_equal(text, "actor a1 up: a1 (tcx) -> 10.200.0.2/30, pod 192.0.2.11 (tc), "
				  "exposes 80->8080/tcp,9053->53/udp [12.3 ms]\n");
	free(text);
}

/* Bytes that are not UTF-8 cannot be a JSON string: each becomes U+FFFD,
 * the valid parts around it stay. */
static void test_invalid_utf8_replaced(void **state)
{
	struct out_down r = { .actor = "a\xff" "b\xc3" "c\xed\xa0\x80" "d\xc3\xa9" };
	char *text;
	json_t *j;

	CAPTURE(text, out_down(f, true, &r));
	j = parse(text);
	assert_str(j, "actor", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd"
			       "\xef\xbf\xbd" "d\xc3\xa9");
	json_decref(j);
	free(text);
}

static void test_down(void **state)
{
	struct out_down r = { .actor = "a\"1", .was_up = true, .nat_removed = 4,
			      .elapsed_ms = 1.5 };
	char *text;
	json_t *j;

	CAPTURE(text, out_down(f, true, &r));
	j = parse(text);
	assert_keys(j, "actor was_up nat_removed elapsed_ms");
	assert_str(j, "actor", "a\"1");
	assert_true(json_is_true(json_object_get(j, "was_up")));
	assert_int(j, "nat_removed", 4);
	json_decref(j);
	free(text);

	CAPTURE(text, out_down(f, false, &r));
	assert_string_equal(text, "actor a\"1 down: veth removed, 4 NAT entries removed [1.5 ms]\n");
	free(text);
	r.was_up = false;
	r.stale_veths = 2;
	CAPTURE(text, out_down(f, false, &r));
	assert_string_equal(text, "actor a\"1 was not up; removed 2 leftover veth(s)\n");
	free(text);
	r.stale_veths = 0;
	CAPTURE(text, out_down(f, false, &r));
	assert_string_equal(text, "actor a\"1 is not up (nothing to do)\n");
	free(text);
}

static void fill_actor(struct out_actor *x, const char *name, const char *veth)
{
	static struct svc_ref svc;

	svc.k.port_be = htons(80);
	svc.k.proto = IPPROTO_TCP;
	svc.v.actor_port_be = htons(8080);
	memset(x, 0, sizeof(*x));
	memcpy(x->ref.a.name, name, strnlen(name, sizeof(x->ref.a.name)));
	x->ref.a.id = 3;
	x->ref.a.flags = ATEOM_ACTOR_ATTACH_TCX;
	x->ref.a.worker_ip_be = htonl(0x0ac80001);
	x->ref.a.actor_ip_be = htonl(0x0ac80002);
	x->ref.a.netmask_be = htonl(0xfffffffc);
	x->ref.ifindex = 9;
	snprintf(x->veth, sizeof(x->veth), "%s", veth);
	x->svc = &svc;
	x->n_svc = 1;
	x->nat_entries = 5;
	x->counters[0].packets = 10;
	x->counters[0].bytes = 1000;
}

static void test_status_round_trip(void **state)
{
	struct ateom_counter c[ATEOM_STAT_MAX] = { 0 };
	struct out_actor xs[N_NASTY];
	struct out_status r = {
		.loaded = true, .pod_if = "eth\"0", .pod_ifindex = 2,
		.pod_ip_be = htonl(0xc000020b), .pod_attach = ATTACH_TCX, .snat_min = 1024,
		.snat_max = 32767, .nat_entries = 11, .memory_bytes = 720384, .actors = xs,
		.n_actors = N_NASTY, .counters = c, .timeout_s = { 432000, 240, 1, 300, 30, 60 },
	};
	json_t *j, *acts, *tos;
	char *text;

	for (size_t i = 0; i < N_NASTY; i++)
		fill_actor(&xs[i], nasty[i], i % 2 ? "ate\\om" : "ateom0");
	r.pin_dir = nasty[5];
	CAPTURE(text, out_status(f, true, &r));
	j = parse(text);
	assert_keys(j, "pin_dir loaded pod_if pod_ifindex pod_ip pod_attach snat_ports remote_share "
		       "timeouts nat_entries actors counters memory_bytes pod_ip6");
	tos = json_object_get(j, "timeouts");
	assert_keys(tos, "tcp_est tcp_syn tcp_close udp udp_query icmp");
	assert_int_equal(json_integer_value(json_object_get(tos, "udp_query")), 30);
	assert_int_equal(json_integer_value(json_object_get(tos, "tcp_est")), 432000);
	assert_int_equal(json_integer_value(json_object_get(tos, "udp")), 300);
	assert_str(j, "pin_dir", nasty[5]);
	assert_str(j, "pod_if", "eth\"0");
	assert_str(j, "snat_ports", "1024-32767");
	assert_int(j, "memory_bytes", 720384);
	acts = json_object_get(j, "actors");
	assert_int_equal(json_array_size(acts), N_NASTY);
	for (size_t i = 0; i < N_NASTY; i++) {
		json_t *a = json_array_get(acts, i), *cs;

		assert_keys(a, "name id veth ifindex attach worker_addr actor_addr ident_addr "
			       "expose nat_entries nat_pairs nat_quota counters egress worker_addr6 "
			       "actor_addr6");
		assert_str(a, "name", nasty[i]);
		assert_str(a, "veth", i % 2 ? "ate\\om" : "ateom0");
		assert_str(a, "attach", "tcx");
		assert_str(a, "worker_addr", "10.200.0.1/30");
		assert_str(a, "actor_addr", "10.200.0.2/30");
		assert_int(a, "nat_entries", 5);
		cs = json_object_get(a, "counters");
		assert_int_equal(json_object_size(cs), ATEOM_STAT_MAX);
		assert_int(json_object_get(cs, ateom_stat_names[0]), "packets", 10);
		assert_int(json_object_get(cs, ateom_stat_names[0]), "bytes", 1000);
	}
	json_decref(j);
	free(text);
}

/* The actors map's name field need not hold a NUL: all 64 bytes, no more. */
static void test_status_unterminated_name(void **state)
{
	struct ateom_counter c[ATEOM_STAT_MAX] = { 0 };
	struct out_actor x;
	struct out_status r = { .pin_dir = "/p", .loaded = true, .pod_if = "eth0",
				.actors = &x, .n_actors = 1, .counters = c };
	char want[ATEOM_ACTOR_NAME_MAX + 1];
	json_t *j;
	char *text;

	fill_actor(&x, "", "ateom0");
	memset(x.ref.a.name, 'n', sizeof(x.ref.a.name));
	memset(want, 'n', ATEOM_ACTOR_NAME_MAX);
	want[ATEOM_ACTOR_NAME_MAX] = '\0';
	CAPTURE(text, out_status(f, true, &r));
	j = parse(text);
	assert_str(json_array_get(json_object_get(j, "actors"), 0), "name", want);
	json_decref(j);
	free(text);
	CAPTURE(text, out_status(f, false, &r));
	assert_non_null(strstr(text, want));
	assert_null(strstr(text, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"));
	free(text);
}

static void test_status_not_loaded(void **state)
{
	struct out_status r = { .pin_dir = "/sys/fs/bpf/x\"y" };
	char *text;
	json_t *j;

	CAPTURE(text, out_status(f, true, &r));
	j = parse(text);
	assert_keys(j, "pin_dir loaded actors");
	assert_str(j, "pin_dir", "/sys/fs/bpf/x\"y");
	assert_true(json_is_false(json_object_get(j, "loaded")));
	assert_int_equal(json_array_size(json_object_get(j, "actors")), 0);
	json_decref(j);
	free(text);
	CAPTURE(text, out_status(f, false, &r));
	assert_string_equal(text, "no datapath in /sys/fs/bpf/x\"y (no actor has been up on "
				  "this worker)\n");
	free(text);
}

static void nat_pair(struct ateom_nat_key *k, struct ateom_nat_entry *e)
{
	memset(k, 0, sizeof(*k));
	memset(e, 0, sizeof(*e));
	k->proto = IPPROTO_TCP;
	k->dir = ATEOM_DIR_OUT;
	k->ifindex = 9;
	k->saddr_be = htonl(0x0ac80002);
	k->sport_be = htons(51570);
	k->daddr_be = htonl(0xcb00710a);
	k->dport_be = htons(9000);
	e->type = 1; /* snat */
	e->addr_be = htonl(0xc000020b);
	e->port_be = htons(23881);
	e->actor_id = 1;
}

static void test_nat_stream(void **state)
{
	struct ateom_nat_key k;
	struct ateom_nat_entry e;
	struct out_nat o;
	char *text;
	json_t *j, *x;
	size_t len;
	FILE *f;

	nat_pair(&k, &e);
	f = open_memstream(&text, &len);
	assert_int_equal(out_nat_begin(&o, f, true), 0);
	assert_int_equal(out_nat_entry(&o, &k, &e, 3.33), 0);
	assert_int_equal(out_nat_entry(&o, &k, &e, 0), 0);
	assert_int_equal(out_nat_end(&o), 0);
	fclose(f);
	j = parse(text);
	assert_int_equal(json_array_size(j), 2);
	x = json_array_get(j, 0);
	assert_keys(x, "proto dir ifindex src dst type to actor_id idle_s");
	assert_str(x, "proto", "tcp");
	assert_str(x, "dir", "out");
	assert_str(x, "src", "10.200.0.2:51570");
	assert_str(x, "dst", "203.0.113.10:9000");
	assert_str(x, "type", "snat");
	assert_str(x, "to", "192.0.2.11:23881");
	assert_non_null(strstr(text, "\"idle_s\":3.3}"));
	json_decref(j);
	free(text);

	f = open_memstream(&text, &len);
	assert_int_equal(out_nat_begin(&o, f, true), 0);
	assert_int_equal(out_nat_end(&o), 0);
	fclose(f);
	assert_string_equal(text, "[]\n");
	free(text);

	f = open_memstream(&text, &len);
	assert_int_equal(out_nat_begin(&o, f, false), 0);
	assert_int_equal(out_nat_entry(&o, &k, &e, 3.33), 0);
	assert_int_equal(out_nat_end(&o), 0);
	fclose(f);
	assert_string_equal(text, "tcp  out 10.200.0.2:51570 -> 203.0.113.10:9000  snat => "
				  "192.0.2.11:23881  actor 1  idle 3s\n1 NAT entries\n");
	free(text);
}

static void test_purge(void **state)
{
	struct out_purge_actor down[2] = { { .name = "a\"1", .nat_removed = 3 },
					   { .name = "b\\2" } };
	struct out_purge r = { .pin_dir = "/p\"q", .purged = true, .down = down, .n_down = 2 };
	json_t *j, *d;
	char *text;

	CAPTURE(text, out_purge(f, true, &r));
	j = parse(text);
	assert_keys(j, "pin_dir purged actors_down");
	assert_str(j, "pin_dir", "/p\"q");
	assert_true(json_is_true(json_object_get(j, "purged")));
	d = json_object_get(j, "actors_down");
	assert_int_equal(json_array_size(d), 2);
	assert_str(json_array_get(d, 0), "actor", "a\"1");
	assert_int(json_array_get(d, 0), "nat_removed", 3);
	assert_str(json_array_get(d, 1), "actor", "b\\2");
	json_decref(j);
	free(text);

	CAPTURE(text, out_purge(f, false, &r));
	assert_string_equal(text, "actor a\"1 down: veth removed, 3 NAT entries removed\n"
				  "actor b\\2 down: veth removed, 0 NAT entries removed\n"
				  "purged /p\"q\n");
	free(text);
	r = (struct out_purge){ .pin_dir = "/p" };
	CAPTURE(text, out_purge(f, false, &r));
	assert_string_equal(text, "nothing pinned in /p\n");
	free(text);
	CAPTURE(text, out_purge(f, true, &r));
	assert_string_equal(text, "{\"pin_dir\":\"/p\",\"purged\":false,\"actors_down\":[]}\n");
	free(text);
}

static void test_prepare(void **state)
{
	struct out_prepare r = { .pin_dir = "/p\"q", .loaded = true, .nat_entries = 8192,
				 .max_actors = 4, .pod_if = "eth0", .attached = true,
				 .elapsed_ms = 98.76543 };
	json_t *j;
	char *text;

	CAPTURE(text, out_prepare(f, true, &r));
	j = parse(text);
	assert_keys(j, "pin_dir loaded pod_if attached nat_entries max_actors elapsed_ms");
	assert_str(j, "pin_dir", "/p\"q");
	assert_true(json_is_true(json_object_get(j, "loaded")));
	assert_int(j, "nat_entries", 8192);
	assert_int(j, "max_actors", 4);
	json_decref(j);
	free(text);
	CAPTURE(text, out_prepare(f, false, &r));
	assert_string_equal(text, "datapath loaded and pinned in /p\"q (sized for 4 actors, 8192 NAT entries), "
				  "on eth0 "
				  "[98.8 ms]\n");
	free(text);

	r = (struct out_prepare){ .pin_dir = "/p", .nat_entries = 1024, .max_actors = 1,
				      .pod_if = "eth1", .elapsed_ms = 1.5 };
	CAPTURE(text, out_prepare(f, true, &r));
	assert_string_equal(text, "{\"pin_dir\":\"/p\",\"loaded\":false,\"pod_if\":\"eth1\","
				  "\"attached\":false,\"nat_entries\":1024,\"max_actors\":1,"
				  "\"elapsed_ms\":1.5}\n");
	free(text);
	CAPTURE(text, out_prepare(f, false, &r));
	assert_string_equal(text, "datapath already prepared in /p (sized for 1 actor, 1024 NAT entries), on eth1 "
				  "[1.5 ms]\n");
	free(text);
}

static void test_proto_name(void **state)
{
	assert_string_equal(out_proto_name(IPPROTO_TCP), "tcp");
	assert_string_equal(out_proto_name(IPPROTO_UDP), "udp");
	assert_string_equal(out_proto_name(IPPROTO_ICMP), "icmp");
	assert_string_equal(out_proto_name(99), "?");
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_json_round_trip),
		cmocka_unit_test(test_up_json_shape),
		cmocka_unit_test(test_up_text),
		cmocka_unit_test(test_up_ipv6),
		cmocka_unit_test(test_nat6_stream),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_down),
		cmocka_unit_test(test_status_round_trip),
		cmocka_unit_test(test_status_unterminated_name),
		cmocka_unit_test(test_status_not_loaded),
		cmocka_unit_test(test_nat_stream),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_proto_name),
	};

	return cmocka_run_group_tests_name("out", tests, NULL, NULL);
}
