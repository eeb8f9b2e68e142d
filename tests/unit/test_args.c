// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for loader/args.c: every accept/refuse rule of the CLI.
 * Table-driven; each table row runs as its own cmocka test (named after
 * the row), so a failure points at the exact input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "args.h"

#define ERRLEN 512
#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A64 A63 "a"

static uint32_t ip(const char *s)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

/* Every error is one line, non-empty, NUL-terminated inside the buffer. */
static void assert_one_line(const char *err)
{
	assert_true(err[0] != '\0');
	assert_true(strlen(err) < ERRLEN);
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\r'));
}

static void assert_err_has(const char *err, const char *want)
{
	assert_one_line(err);
	if (!strstr(err, want))
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

/* ======================= ateom_parse_args table ========================= */

struct parse_case {
	const char *name;
	const char *argv[40];        /* after argv[0]; NULL-terminated */
	const char *err;             /* NULL: must parse; else in the error */
	int exact;                   /* err must match exactly */
	void (*check)(const struct ateom_args *a);
};

static void check_defaults_up(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_UP);
	assert_string_equal(a->actor, "a1");
	assert_string_equal(a->netns, "/run/netns/x");
	assert_string_equal(a->veth, "ateom0");
	assert_string_equal(a->pod_if, "eth0");
	assert_int_equal(a->worker_ip_be, ip("10.200.0.1"));
	assert_int_equal(a->actor_ip_be, ip("10.200.0.2"));
	assert_int_equal(a->prefixlen, 30);
	assert_int_equal(a->n_expose, 1);
	assert_int_equal(a->expose[0].port, 80);
	assert_int_equal(a->expose[0].actor_port, 80);
	assert_int_equal(a->expose[0].proto, IPPROTO_TCP);
	assert_string_equal(a->pin_dir, "");
	assert_int_equal(a->attach, ATTACH_AUTO);
	assert_int_equal(a->snat_min, ATEOM_SNAT_PORT_MIN);
	assert_int_equal(a->snat_max, ATEOM_SNAT_PORT_MAX);
	assert_int_equal(a->nat_entries, 0);
	assert_false(a->json);
	assert_false(a->force);
}

static void check_all_flags(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_UP);
	assert_string_equal(a->actor, "web-7");
	assert_string_equal(a->netns, "/proc/123/ns/net");
	assert_string_equal(a->veth, "ateom3");
	assert_string_equal(a->pod_if, "net1");
	assert_int_equal(a->worker_ip_be, ip("192.168.7.1"));
	assert_int_equal(a->actor_ip_be, ip("192.168.7.200"));
	assert_int_equal(a->prefixlen, 24);
	assert_int_equal(a->n_expose, 2);
	assert_int_equal(a->expose[0].port, 8080);
	assert_int_equal(a->expose[0].actor_port, 80);
	assert_int_equal(a->expose[0].proto, IPPROTO_TCP);
	assert_int_equal(a->expose[1].port, 53);
	assert_int_equal(a->expose[1].actor_port, 5353);
	assert_int_equal(a->expose[1].proto, IPPROTO_UDP);
	assert_string_equal(a->pin_dir, "/sys/fs/bpf/t1");
	assert_int_equal(a->attach, ATTACH_TC);
	assert_int_equal(a->snat_min, 40000);
	assert_int_equal(a->snat_max, 50000);
	assert_int_equal(a->nat_entries, 4096);
	assert_true(a->json);
}

static void check_expose_mix(const struct ateom_args *a)
{
	assert_int_equal(a->n_expose, 3);
	assert_int_equal(a->expose[0].port, 80);
	assert_int_equal(a->expose[0].proto, IPPROTO_TCP);
	assert_int_equal(a->expose[1].port, 80);
	assert_int_equal(a->expose[1].proto, IPPROTO_UDP);
	assert_int_equal(a->expose[2].port, 443);
	assert_int_equal(a->expose[2].actor_port, 8443);
}

static void check_expose_no_default(const struct ateom_args *a)
{
	assert_int_equal(a->n_expose, 1);
	assert_int_equal(a->expose[0].port, 8080);
	assert_int_equal(a->expose[0].actor_port, 8080);
}

static void check_expose_16(const struct ateom_args *a)
{
	int i;

	assert_int_equal(a->n_expose, ATEOM_MAX_EXPOSE);
	for (i = 0; i < ATEOM_MAX_EXPOSE; i++)
		assert_int_equal(a->expose[i].port, 1001 + i);
}

static void check_down(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_DOWN);
	assert_string_equal(a->actor, "a1");
	assert_string_equal(a->pin_dir, "/sys/fs/bpf/w1");
	assert_true(a->json);
}

static void check_status(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_STATUS);
	assert_string_equal(a->pin_dir, "/sys/fs/bpf/x");
	assert_true(a->json);
}

static void check_status_plain(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_STATUS);
	assert_string_equal(a->pin_dir, "");
	assert_false(a->json);
}

static void check_nat(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_NAT);
	assert_true(a->json);
}

static void check_purge(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_PURGE);
	assert_true(a->force);
	assert_true(a->json);
	assert_string_equal(a->pin_dir, "/p");
}

static void check_gc(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_GC);
	assert_true(a->dry_run);
	assert_true(a->json);
	assert_string_equal(a->pin_root, "/sys/fs/bpf/r");
}

static void check_gc_plain(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_GC);
	assert_false(a->dry_run);
	assert_false(a->json);
	assert_string_equal(a->pin_root, "");
}

static void check_prepare(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_PREPARE);
	assert_string_equal(a->pin_dir, "/sys/fs/bpf/w1");
	assert_int_equal(a->nat_entries, 8192);
	assert_true(a->json);
}

static void check_prepare_plain(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_PREPARE);
	assert_string_equal(a->pin_dir, "");
	assert_int_equal(a->nat_entries, 0); /* the BPF object's default */
	assert_false(a->json);
}

static void check_help(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_HELP);
}

static void check_version(const struct ateom_args *a)
{
	assert_int_equal(a->verb, VERB_VERSION);
}

static void check_plen29(const struct ateom_args *a)
{
	assert_int_equal(a->prefixlen, 29);
	assert_int_equal(a->worker_ip_be, ip("10.0.0.9"));
	assert_int_equal(a->actor_ip_be, ip("10.0.0.14"));
}

static void check_plen8(const struct ateom_args *a)
{
	assert_int_equal(a->prefixlen, 8);
}

static void check_dash_netns(const struct ateom_args *a)
{
	assert_string_equal(a->netns, "-odd");
}

static void check_attach_tcx(const struct ateom_args *a)
{
	assert_int_equal(a->attach, ATTACH_TCX);
}

static void check_attach_auto(const struct ateom_args *a)
{
	assert_int_equal(a->attach, ATTACH_AUTO);
}

static void check_snat_edge(const struct ateom_args *a)
{
	assert_int_equal(a->snat_min, 1024);
	assert_int_equal(a->snat_max, 1024);
}

static void check_nat_min(const struct ateom_args *a)
{
	assert_int_equal(a->nat_entries, 1024);
}

static void check_max_actors(const struct ateom_args *a)
{
	assert_int_equal(a->max_actors, 255);
}

static void check_nat_max(const struct ateom_args *a)
{
	assert_int_equal(a->nat_entries, 4194304);
}

static void check_vlan_ifs(const struct ateom_args *a)
{
	assert_string_equal(a->veth, "ateom_x-1");
	assert_string_equal(a->pod_if, "eth0.100");
}

static void check_actor63(const struct ateom_args *a)
{
	assert_string_equal(a->actor, A63);
}

static void check_timeouts(const struct ateom_args *a)
{
	assert_int_equal(a->timeouts_set, (1u << ATEOM_TO_UDP) | (1u << ATEOM_TO_TCP_EST));
	assert_int_equal(a->timeout_s[ATEOM_TO_UDP], 120);
	assert_int_equal(a->timeout_s[ATEOM_TO_TCP_EST], 7440);
}

static void check_no_timeouts(const struct ateom_args *a)
{
	assert_int_equal(a->timeouts_set, 0);
}

#define UP "up", "--actor", "a1", "--netns", "/run/netns/x"

static const struct parse_case parse_cases[] = {
	/* ---- accepted ---- */
	{ "up minimal fills every default", { UP }, NULL, 0, check_defaults_up },
	{ "up all flags, separate values",
	  { "up", "--actor", "web-7", "--netns", "/proc/123/ns/net",
	    "--veth", "ateom3", "--pod-if", "net1",
	    "--worker-addr", "192.168.7.1/24", "--actor-addr", "192.168.7.200/24",
	    "--expose", "8080:80", "--expose", "53:5353/udp",
	    "--pin-dir", "/sys/fs/bpf/t1", "--attach", "tc",
	    "--snat-ports", "40000-50000", "--nat-entries", "4096", "--json" },
	  NULL, 0, check_all_flags },
	{ "up all flags, --flag=value",
	  { "up", "--actor=web-7", "--netns=/proc/123/ns/net", "--veth=ateom3",
	    "--pod-if=net1", "--worker-addr=192.168.7.1/24",
	    "--actor-addr=192.168.7.200/24", "--expose=8080:80",
	    "--expose=53:5353/udp", "--pin-dir=/sys/fs/bpf/t1", "--attach=tc",
	    "--snat-ports=40000-50000", "--nat-entries=4096", "--json" },
	  NULL, 0, check_all_flags },
	{ "flags in any order",
	  { "up", "--json", "--nat-entries", "4096", "--expose", "8080:80",
	    "--attach=tc", "--pod-if", "net1", "--netns", "/proc/123/ns/net",
	    "--snat-ports", "40000-50000", "--expose", "53:5353/udp",
	    "--actor-addr", "192.168.7.200/24", "--veth", "ateom3",
	    "--pin-dir", "/sys/fs/bpf/t1", "--worker-addr", "192.168.7.1/24",
	    "--actor", "web-7" },
	  NULL, 0, check_all_flags },
	{ "80/tcp and 80/udp are distinct",
	  { UP, "--expose", "80", "--expose", "80/udp", "--expose", "443:8443/tcp" },
	  NULL, 0, check_expose_mix },
	{ "an --expose replaces the default 80",
	  { UP, "--expose", "8080" }, NULL, 0, check_expose_no_default },
	{ "16 exposes accepted",
	  { UP, "--expose=1001", "--expose=1002", "--expose=1003", "--expose=1004",
	    "--expose=1005", "--expose=1006", "--expose=1007", "--expose=1008",
	    "--expose=1009", "--expose=1010", "--expose=1011", "--expose=1012",
	    "--expose=1013", "--expose=1014", "--expose=1015", "--expose=1016" },
	  NULL, 0, check_expose_16 },
	{ "down with pin dir and json",
	  { "down", "--actor", "a1", "--pin-dir", "/sys/fs/bpf/w1", "--json" },
	  NULL, 0, check_down },
	{ "status --json --pin-dir=", { "status", "--json", "--pin-dir=/sys/fs/bpf/x" },
	  NULL, 0, check_status },
	{ "status alone", { "status" }, NULL, 0, check_status_plain },
	{ "nat --json", { "nat", "--json" }, NULL, 0, check_nat },
	{ "purge --force --json --pin-dir",
	  { "purge", "--force", "--json", "--pin-dir", "/p" }, NULL, 0, check_purge },
	{ "gc --dry-run --json --pin-root",
	  { "gc", "--dry-run", "--json", "--pin-root", "/sys/fs/bpf/r" }, NULL, 0, check_gc },
	{ "gc --pin-root= --json --dry-run",
	  { "gc", "--pin-root=/sys/fs/bpf/r", "--json", "--dry-run" }, NULL, 0, check_gc },
	{ "gc alone", { "gc" }, NULL, 0, check_gc_plain },
	{ "prepare --pin-dir --nat-entries --json",
	  { "prepare", "--pin-dir", "/sys/fs/bpf/w1", "--nat-entries", "8192", "--json" },
	  NULL, 0, check_prepare },
	{ "prepare with =values",
	  { "prepare", "--json", "--nat-entries=8192", "--pin-dir=/sys/fs/bpf/w1" },
	  NULL, 0, check_prepare },
	{ "prepare alone", { "prepare" }, NULL, 0, check_prepare_plain },
	{ "prepare --help", { "prepare", "--help" }, NULL, 0, check_help },
	{ "gc --help", { "gc", "--help" }, NULL, 0, check_help },
	{ "help", { "help" }, NULL, 0, check_help },
	{ "-h", { "-h" }, NULL, 0, check_help },
	{ "--help", { "--help" }, NULL, 0, check_help },
	{ "up --help needs no required flag", { "up", "--help" }, NULL, 0, check_help },
	{ "down -h", { "down", "-h" }, NULL, 0, check_help },
	{ "version", { "version" }, NULL, 0, check_version },
	{ "--version", { "--version" }, NULL, 0, check_version },
	{ "/29 pair", { UP, "--worker-addr", "10.0.0.9/29", "--actor-addr",
			"10.0.0.14/29" }, NULL, 0, check_plen29 },
	{ "/8 pair", { UP, "--worker-addr", "10.1.2.3/8", "--actor-addr",
		       "10.200.0.9/8" }, NULL, 0, check_plen8 },
	{ "=value may start with '-'", { "up", "--actor", "a1", "--netns=-odd" },
	  NULL, 0, check_dash_netns },
	{ "--attach tcx", { UP, "--attach", "tcx" }, NULL, 0, check_attach_tcx },
	{ "--attach auto", { UP, "--attach", "auto" }, NULL, 0, check_attach_auto },
	{ "--snat-ports 1024-1024", { UP, "--snat-ports", "1024-1024" },
	  NULL, 0, check_snat_edge },
	{ "--nat-entries 1024", { UP, "--nat-entries", "1024" }, NULL, 0, check_nat_min },
	{ "--max-actors 255", { "prepare", "--max-actors", "255" }, NULL, 0, check_max_actors },
	{ "--nat-entries 4194304", { UP, "--nat-entries", "4194304" },
	  NULL, 0, check_nat_max },
	{ "VLAN-style and underscore names",
	  { UP, "--veth", "ateom_x-1", "--pod-if", "eth0.100" }, NULL, 0,
	  check_vlan_ifs },
	{ "63-char actor", { "up", "--actor", A63, "--netns", "/n" }, NULL, 0,
	  check_actor63 },
	{ "pin dir with ..x component and trailing slash",
	  { "status", "--pin-dir", "/sys/fs/bpf/..x/a../" }, NULL, 0, NULL },

	/* ---- refused: verbs and argument shape ---- */
	{ "no verb", { NULL }, "no verb given", 0, NULL },
	{ "unknown verb", { "start" }, "unknown verb \"start\"", 0, NULL },
	{ "verbs are lowercase", { "UP" }, "unknown verb \"UP\"", 0, NULL },
	{ "flag before the verb", { "--actor", "a1", "up" },
	  "unknown verb \"--actor\"", 0, NULL },
	{ "unknown flag", { UP, "--bogus" }, "unknown flag \"--bogus\"", 1, NULL },
	{ "unknown flag=value names the flag only", { UP, "--bogus=1" },
	  "unknown flag \"--bogus\"", 1, NULL },
	{ "unknown short flag", { UP, "-x" }, "unknown flag \"-x\"", 0, NULL },
	{ "no abbreviations", { "up", "--act", "a1", "--netns", "/n" },
	  "unknown flag \"--act\"", 0, NULL },
	{ "missing value at end", { "up", "--netns", "/n", "--actor" },
	  "--actor needs a value", 1, NULL },
	{ "flag as value is a missing value", { "up", "--actor", "--netns", "/n" },
	  "--actor needs a value", 0, NULL },
	{ "--expose not valid for down", { "down", "--actor", "a1", "--expose", "80" },
	  "--expose is not valid for \"down\"", 1, NULL },
	{ "--netns not valid for down", { "down", "--actor", "a1", "--netns", "/n" },
	  "--netns is not valid for \"down\"", 0, NULL },
	{ "--actor not valid for status", { "status", "--actor", "a1" },
	  "--actor is not valid for \"status\"", 0, NULL },
	{ "--force only for purge", { "status", "--force" },
	  "--force is not valid for \"status\"", 0, NULL },
	{ "--force not for nat", { "nat", "--force" },
	  "--force is not valid for \"nat\"", 0, NULL },
	{ "--force not for up", { UP, "--force" },
	  "--force is not valid for \"up\"", 0, NULL },
	{ "--attach not for purge", { "purge", "--attach", "tc" },
	  "--attach is not valid for \"purge\"", 0, NULL },
	{ "gc takes no --pin-dir", { "gc", "--pin-dir", "/p" },
	  "--pin-dir is not valid for \"gc\"", 0, NULL },
	{ "gc takes no --force", { "gc", "--force" },
	  "--force is not valid for \"gc\"", 0, NULL },
	{ "gc takes no --actor", { "gc", "--actor", "a1" },
	  "--actor is not valid for \"gc\"", 0, NULL },
	{ "--dry-run only for gc", { "purge", "--dry-run" },
	  "--dry-run is not valid for \"purge\"", 0, NULL },
	{ "--pin-root only for gc", { "status", "--pin-root", "/p" },
	  "--pin-root is not valid for \"status\"", 0, NULL },
	{ "--dry-run takes no value", { "gc", "--dry-run=yes" },
	  "--dry-run takes no value", 0, NULL },
	{ "--pin-root needs a value", { "gc", "--pin-root" },
	  "--pin-root needs a value", 0, NULL },
	{ "relative pin root", { "gc", "--pin-root", "bpf" },
	  "--pin-root \"bpf\": must be an absolute path", 1, NULL },
	{ "pin root with ..", { "gc", "--pin-root=/sys/fs/bpf/../x" },
	  "--pin-root \"/sys/fs/bpf/../x\": must not contain \"..\" components", 1, NULL },
	{ "gc twice --dry-run", { "gc", "--dry-run", "--dry-run" },
	  "--dry-run given twice", 0, NULL },
	{ "gc takes no argument", { "gc", "now" }, "unexpected argument \"now\"", 0, NULL },
	{ "prepare takes no --actor", { "prepare", "--actor", "a1" },
	  "--actor is not valid for \"prepare\"", 1, NULL },
	{ "prepare takes no --netns", { "prepare", "--netns", "/n" },
	  "--netns is not valid for \"prepare\"", 1, NULL },
	{ "prepare takes no --veth", { "prepare", "--veth", "ateom0" },
	  "--veth is not valid for \"prepare\"", 0, NULL },
	/* ---- NAT timeouts (timeouts.h) ---- */
	{ "up without timeouts keeps the datapath's", { UP }, NULL, 0, check_no_timeouts },
	{ "up timeouts", { UP, "--timeout-udp", "120", "--timeout-tcp-est=7440" },
	  NULL, 0, check_timeouts },
	{ "prepare timeouts", { "prepare", "--timeout-tcp-est", "7440", "--timeout-udp", "120" },
	  NULL, 0, check_timeouts },
	{ "timeout 0", { UP, "--timeout-udp", "0" },
	  "--timeout-udp \"0\": must be 1..315360000 seconds", 1, NULL },
	{ "timeout not a number", { UP, "--timeout-icmp", "5m" },
	  "--timeout-icmp \"5m\": must be a decimal number of seconds (digits only, no "
	  "leading zeros)", 1, NULL },
	{ "timeout twice", { UP, "--timeout-udp", "120", "--timeout-udp", "130" },
	  "--timeout-udp given twice", 0, NULL },
	{ "unknown timeout", { UP, "--timeout-sctp", "5" }, "unknown flag \"--timeout-sctp\"",
	  0, NULL },
	{ "down takes no timeout", { "down", "--actor", "a1", "--timeout-udp", "5" },
	  "--timeout-udp is not valid for \"down\"", 0, NULL },
	{ "prepare takes no --nat-quota", { "prepare", "--nat-quota", "64" },
	  "--nat-quota is not valid for \"prepare\"", 0, NULL },
	{ "prepare takes no --force", { "prepare", "--force" },
	  "--force is not valid for \"prepare\"", 0, NULL },
	{ "prepare takes no --pin-root", { "prepare", "--pin-root", "/p" },
	  "--pin-root is not valid for \"prepare\"", 0, NULL },
	{ "prepare takes no argument", { "prepare", "now" },
	  "unexpected argument \"now\"", 0, NULL },
	{ "prepare twice --nat-entries", { "prepare", "--nat-entries", "4096",
					   "--nat-entries=8192" },
	  "--nat-entries given twice", 1, NULL },
	{ "prepare nat entries too small", { "prepare", "--nat-entries", "1023" },
	  "--nat-entries \"1023\": must be 1024..4194304", 1, NULL },
	{ "prepare nat entries not a number", { "prepare", "--nat-entries", "1k" },
	  "--nat-entries \"1k\": must be a decimal number", 0, NULL },
	{ "prepare relative pin dir", { "prepare", "--pin-dir", "bpf" },
	  "--pin-dir \"bpf\": must be an absolute path", 1, NULL },
	{ "--nat-entries not for status", { "status", "--nat-entries", "4096" },
	  "--nat-entries is not valid for \"status\"", 0, NULL },
	{ "help takes no flags", { "help", "--json" },
	  "--json is not valid for \"help\"", 0, NULL },
	{ "version takes no flags", { "version", "--pin-dir", "/x" },
	  "--pin-dir is not valid for \"version\"", 0, NULL },
	{ "repeated --actor", { UP, "--actor", "b" }, "--actor given twice", 1, NULL },
	{ "repeated --netns", { UP, "--netns=/y" }, "--netns given twice", 0, NULL },
	{ "repeated --veth", { UP, "--veth", "a", "--veth", "b" },
	  "--veth given twice", 0, NULL },
	{ "repeated --worker-addr",
	  { UP, "--worker-addr", "10.200.0.1/30", "--worker-addr", "10.200.0.1/30" },
	  "--worker-addr given twice", 0, NULL },
	{ "repeated --pin-dir", { "status", "--pin-dir", "/a", "--pin-dir", "/b" },
	  "--pin-dir given twice", 0, NULL },
	{ "repeated --json", { "nat", "--json", "--json" }, "--json given twice", 0, NULL },
	{ "repeated --snat-ports",
	  { UP, "--snat-ports", "40000-50000", "--snat-ports=40000-50000" },
	  "--snat-ports given twice", 0, NULL },
	{ "stray positional", { UP, "extra" }, "unexpected argument \"extra\"", 1, NULL },
	{ "stray positional on status", { "status", "now" },
	  "unexpected argument \"now\"", 0, NULL },
	{ "help takes no argument", { "help", "up" }, "unexpected argument \"up\"", 0, NULL },
	{ "lone dash", { UP, "-" }, "unexpected argument \"-\"", 0, NULL },
	{ "--json takes no value", { "status", "--json=1" }, "--json takes no value", 1, NULL },
	{ "--force takes no value", { "purge", "--force=yes" },
	  "--force takes no value", 0, NULL },
	{ "up needs --actor", { "up", "--netns", "/n" }, "up needs --actor", 0, NULL },
	{ "up needs --netns", { "up", "--actor", "a1" }, "up needs --netns", 0, NULL },
	{ "down needs --actor", { "down" }, "down needs --actor", 0, NULL },
	{ "empty --netns", { "up", "--actor", "a1", "--netns=" },
	  "--netns \"\": must not be empty", 0, NULL },

	/* ---- refused: values, through the parser ---- */
	{ "actor Foo (exact message)", { "up", "--actor", "Foo", "--netns", "/n" },
	  "--actor \"Foo\": must be a DNS-1123 label (lowercase letters, digits, "
	  "'-', at most 63, start and end alphanumeric)", 1, NULL },
	{ "actor on down validated", { "down", "--actor", "a_b" },
	  "--actor \"a_b\": must be a DNS-1123 label", 0, NULL },
	{ "newline in a value is escaped", { "down", "--actor", "a\nb" },
	  "--actor \"a\\x0ab\"", 0, NULL },
	{ "quote in a value is escaped", { "down", "--actor", "a\"b" },
	  "--actor \"a\\\"b\"", 0, NULL },
	{ "long value is cut", { "down", "--actor", A64 A64 },
	  "aaaa...\": must be", 0, NULL },
	{ "expose 0 (exact message)", { UP, "--expose", "0" },
	  "--expose \"0\": port must be 1..65535", 1, NULL },
	{ "duplicate expose", { UP, "--expose", "80", "--expose", "80/tcp" },
	  "--expose \"80/tcp\": port 80/tcp is already exposed", 1, NULL },
	{ "duplicate udp expose, other actor port",
	  { UP, "--expose", "53/udp", "--expose", "53:5353/udp" },
	  "port 53/udp is already exposed", 0, NULL },
	{ "17 exposes refused",
	  { UP, "--expose=1001", "--expose=1002", "--expose=1003", "--expose=1004",
	    "--expose=1005", "--expose=1006", "--expose=1007", "--expose=1008",
	    "--expose=1009", "--expose=1010", "--expose=1011", "--expose=1012",
	    "--expose=1013", "--expose=1014", "--expose=1015", "--expose=1016",
	    "--expose=1017" },
	  "--expose \"1017\": at most 16 ports", 1, NULL },
	{ "veth equals pod-if", { UP, "--veth", "eth0" },
	  "--veth \"eth0\": must differ from --pod-if", 1, NULL },
	{ "veth equals changed pod-if", { UP, "--pod-if", "ateom0" },
	  "must differ from --pod-if", 0, NULL },
	{ "veth too long", { UP, "--veth", "abcdefghijklmnop" },
	  "--veth \"abcdefghijklmnop\": at most 15 bytes", 0, NULL },
	{ "pod-if with slash", { UP, "--pod-if", "a/b" },
	  "--pod-if \"a/b\": must not contain '/' or ':'", 0, NULL },
	{ "worker-addr inet_aton shortcut", { UP, "--worker-addr", "10.1/30" },
	  "--worker-addr \"10.1/30\": expected A.B.C.D/N", 0, NULL },
	{ "actor-addr without prefix", { UP, "--actor-addr", "10.200.0.2" },
	  "--actor-addr \"10.200.0.2\": needs a prefix length", 0, NULL },
	{ "prefix lengths differ", { UP, "--actor-addr", "10.200.0.2/29" },
	  "--worker-addr \"10.200.0.1/30\" and --actor-addr \"10.200.0.2/29\" "
	  "must have the same prefix length", 1, NULL },
	{ "only worker-addr moved: prefix differs from default actor",
	  { UP, "--worker-addr", "192.168.1.1/24" },
	  "must have the same prefix length", 0, NULL },
	{ "only worker-addr moved: other /30",
	  { UP, "--worker-addr", "10.200.0.5/30" },
	  "--worker-addr \"10.200.0.5/30\" and --actor-addr \"10.200.0.2/30\" are "
	  "not in the same /30 subnet", 1, NULL },
	{ "/31 refused with reason",
	  { UP, "--worker-addr", "10.200.0.0/31", "--actor-addr", "10.200.0.1/31" },
	  "--worker-addr \"10.200.0.0/31\": prefix must be /30 or shorter (a /31 "
	  "or /32 has no room", 0, NULL },
	{ "/32 refused with reason",
	  { UP, "--worker-addr", "10.200.0.1/32", "--actor-addr", "10.200.0.2/32" },
	  "prefix must be /30 or shorter", 0, NULL },
	{ "/31 on actor only",
	  { UP, "--actor-addr", "10.200.0.2/31" },
	  "--actor-addr \"10.200.0.2/31\": prefix must be /30 or shorter", 0, NULL },
	{ "same address twice",
	  { UP, "--worker-addr", "10.200.0.2/30" },
	  "--worker-addr and --actor-addr are both \"10.200.0.2\": they must differ",
	  1, NULL },
	{ "network address",
	  { UP, "--worker-addr", "10.200.0.0/30" },
	  "--worker-addr \"10.200.0.0/30\": is the network address of 10.200.0.0/30",
	  1, NULL },
	{ "broadcast address",
	  { UP, "--actor-addr", "10.200.0.3/30" },
	  "--actor-addr \"10.200.0.3/30\": is the broadcast address of 10.200.0.0/30",
	  1, NULL },
	{ "broadcast of a /24",
	  { UP, "--worker-addr", "192.168.1.1/24", "--actor-addr", "192.168.1.255/24" },
	  "is the broadcast address of 192.168.1.0/24", 0, NULL },
	{ "loopback refused",
	  { UP, "--worker-addr", "127.0.0.1/8", "--actor-addr", "127.0.0.2/8" },
	  "--worker-addr \"127.0.0.1/8\": not a unicast host address", 0, NULL },
	{ "multicast refused",
	  { UP, "--worker-addr", "224.0.0.1/24", "--actor-addr", "224.0.0.2/24" },
	  "not a unicast host address", 0, NULL },
	{ "0/8 refused",
	  { UP, "--worker-addr", "0.1.2.1/30", "--actor-addr", "0.1.2.2/30" },
	  "not a unicast host address", 0, NULL },
	{ "relative pin dir", { "status", "--pin-dir", "bpf/x" },
	  "--pin-dir \"bpf/x\": must be an absolute path", 1, NULL },
	{ "pin dir with ..", { "status", "--pin-dir", "/sys/fs/bpf/../etc" },
	  "--pin-dir \"/sys/fs/bpf/../etc\": must not contain \"..\" components",
	  1, NULL },
	{ "pin dir ending in ..", { UP, "--pin-dir", "/sys/fs/bpf/.." },
	  "must not contain \"..\"", 0, NULL },
	{ "empty pin dir", { "purge", "--pin-dir=" }, "must be an absolute path", 0, NULL },
	{ "attach xdp", { UP, "--attach", "xdp" },
	  "--attach \"xdp\": must be auto, tcx or tc", 1, NULL },
	{ "attach is case sensitive", { UP, "--attach", "TCX" },
	  "must be auto, tcx or tc", 0, NULL },
	{ "snat below 1024", { UP, "--snat-ports", "1000-2000" },
	  "--snat-ports \"1000-2000\": ports must be 1024..65535", 1, NULL },
	{ "snat min > max", { UP, "--snat-ports", "3000-2000" },
	  "--snat-ports \"3000-2000\": MIN must not exceed MAX", 1, NULL },
	{ "max actors 0", { UP, "--max-actors", "0" },
	  "--max-actors \"0\": must be 1..255", 1, NULL },
	{ "max actors 256", { UP, "--max-actors", "256" },
	  "--max-actors \"256\": must be 1..255", 1, NULL },
	{ "max actors not a number", { "prepare", "--max-actors", "4x" },
	  "--max-actors \"4x\": must be a decimal number", 0, NULL },
	{ "max actors not for status", { "status", "--max-actors", "4" },
	  "--max-actors is not valid for \"status\"", 0, NULL },
	{ "nat entries too small", { UP, "--nat-entries", "1023" },
	  "--nat-entries \"1023\": must be 1024..4194304", 1, NULL },
	{ "nat entries too big", { UP, "--nat-entries", "4194305" },
	  "must be 1024..4194304", 0, NULL },
	{ "nat entries huge, no overflow", { UP, "--nat-entries", "18446744073709551617" },
	  "must be 1024..4194304", 0, NULL },
	{ "nat entries 1e6", { UP, "--nat-entries", "1e6" },
	  "--nat-entries \"1e6\": must be a decimal number", 0, NULL },
	{ "nat entries hex", { UP, "--nat-entries", "0x400" },
	  "must be a decimal number", 0, NULL },
	{ "nat entries negative via =", { UP, "--nat-entries=-4096" },
	  "must be a decimal number", 0, NULL },
	{ "nat entries empty", { UP, "--nat-entries=" },
	  "must be a decimal number", 0, NULL },
};

static void run_parse_case(void **state)
{
	const struct parse_case *c = *state;
	char *argv[42] = { "ateomnet" };
	char err[ERRLEN];
	struct ateom_args a;
	int argc = 1, rc;

	while (c->argv[argc - 1])
		argv[argc] = (char *)c->argv[argc - 1], argc++;
	/* Garbage in, so a missing default or a missing NUL would show. */
	memset(&a, 0xa5, sizeof(a));
	memset(err, 'x', sizeof(err));
	rc = ateom_parse_args(argc, argv, &a, err, sizeof(err));
	if (!c->err) {
		if (rc != 0)
			fail_msg("refused: %s", err);
		assert_string_equal(err, "");
		if (c->check)
			c->check(&a);
		return;
	}
	assert_int_equal(rc, -1);
	if (c->exact) {
		assert_one_line(err);
		assert_string_equal(err, c->err);
	} else {
		assert_err_has(err, c->err);
	}
}

/* ======================= validator tables =============================== */

struct name_case {
	const char *in;
	int ok;
	const char *err; /* substring, when refused */
};

static const struct name_case actor_cases[] = {
	{ "a", 1, NULL },
	{ "0", 1, NULL },
	{ "a-b", 1, NULL },
	{ "a--b", 1, NULL },
	{ "1a", 1, NULL },
	{ "web-7x9", 1, NULL },
	{ A63, 1, NULL },
	{ "", 0, "--actor \"\": must be a DNS-1123 label" },
	{ A64, 0, "at most 63" },
	{ "-a", 0, "start and end alphanumeric" },
	{ "a-", 0, "start and end alphanumeric" },
	{ "-", 0, "DNS-1123" },
	{ "Foo", 0, "lowercase" },
	{ "a_b", 0, "DNS-1123" },
	{ "a.b", 0, "DNS-1123" },
	{ "a b", 0, "DNS-1123" },
	{ "caf\xc3\xa9", 0, "DNS-1123" },
	{ "a\tb", 0, "\"a\\x09b\"" },
};

static void run_actor_case(void **state)
{
	const struct name_case *c = *state;
	char err[ERRLEN] = "";
	int rc = ateom_valid_actor_name(c->in, err, sizeof(err));

	if (c->ok) {
		if (rc != 0)
			fail_msg("refused: %s", err);
		return;
	}
	assert_int_equal(rc, -1);
	assert_err_has(err, "--actor \"");
	assert_err_has(err, c->err);
}

static const struct name_case ifname_cases[] = {
	{ "eth0", 1, NULL },
	{ "ateom0", 1, NULL },
	{ "abcdefghijklmno", 1, NULL },  /* 15 bytes */
	{ "eth0.100", 1, NULL },
	{ "a-b_c", 1, NULL },
	{ "...", 1, NULL },              /* only "." and ".." are special */
	{ "", 0, "must not be empty" },
	{ "abcdefghijklmnop", 0, "at most 15 bytes" },
	{ ".", 0, "not valid interface names" },
	{ "..", 0, "not valid interface names" },
	{ "a/b", 0, "'/' or ':'" },
	{ "eth0:1", 0, "'/' or ':'" },
	{ "a b", 0, "whitespace" },
	{ "a\tb", 0, "whitespace" },
	{ "a\nb", 0, "whitespace" },
	{ "a\x01" "b", 0, "control characters" },
	{ "eth%d", 0, "'%'" },
};

static void run_ifname_case(void **state)
{
	const struct name_case *c = *state;
	char err[ERRLEN] = "";
	int rc = ateom_valid_ifname(c->in, "--veth", err, sizeof(err));

	if (c->ok) {
		if (rc != 0)
			fail_msg("refused: %s", err);
		return;
	}
	assert_int_equal(rc, -1);
	assert_err_has(err, "--veth \"");
	assert_err_has(err, c->err);
}

struct cidr_case {
	const char *in;
	const char *addr; /* expected when accepted */
	int plen;
	const char *err;
};

static const struct cidr_case cidr_cases[] = {
	{ "10.200.0.1/30", "10.200.0.1", 30, NULL },
	{ "192.168.0.10/24", "192.168.0.10", 24, NULL },
	{ "255.255.255.255/32", "255.255.255.255", 32, NULL },
	{ "0.0.0.0/1", "0.0.0.0", 1, NULL },
	{ "1.2.3.4/9", "1.2.3.4", 9, NULL },
	{ "", NULL, 0, "expected A.B.C.D/N" },
	{ "10.1/30", NULL, 0, "expected A.B.C.D/N" },
	{ "10.0.1/30", NULL, 0, "expected A.B.C.D/N" },
	{ "167772161/30", NULL, 0, "expected A.B.C.D/N" },
	{ "10.0.0.1.5/30", NULL, 0, "expected A.B.C.D/N" },
	{ "10..0.1/30", NULL, 0, "expected A.B.C.D/N" },
	{ "010.0.0.1/30", NULL, 0, "no leading zeros" },
	{ "0x0a.0.0.1/30", NULL, 0, "expected A.B.C.D/N" },
	{ " 10.0.0.1/30", NULL, 0, "expected A.B.C.D/N" },
	{ "10.0.0.1 /30", NULL, 0, "expected A.B.C.D/N" },
	{ "-1.0.0.1/30", NULL, 0, "expected A.B.C.D/N" },
	{ "+1.0.0.1/30", NULL, 0, "expected A.B.C.D/N" },
	{ "256.0.0.1/30", NULL, 0, "octet must be 0..255" },
	{ "1.2.3.99999999999999999999/30", NULL, 0, "octet must be 0..255" },
	{ "10.200.0.1", NULL, 0, "needs a prefix length" },
	{ "10.200.0.1/", NULL, 0, "prefix length must be a decimal number" },
	{ "10.200.0.1/0", NULL, 0, "prefix length must be 1..32" },
	{ "10.200.0.1/33", NULL, 0, "prefix length must be 1..32" },
	{ "10.200.0.1/030", NULL, 0, "prefix length must be a decimal number" },
	{ "10.200.0.1/+3", NULL, 0, "prefix length must be a decimal number" },
	{ "10.200.0.1/30 ", NULL, 0, "prefix length must be a decimal number" },
	{ "10.200.0.1/99999999999999999999", NULL, 0, "prefix length must be 1..32" },
	{ "10.200.0.1/255.255.255.252", NULL, 0, "prefix length must be a decimal" },
};

static void run_cidr_case(void **state)
{
	const struct cidr_case *c = *state;
	char err[ERRLEN] = "";
	uint32_t addr = 0x12345678;
	int plen = -7;
	int rc = ateom_parse_cidr4(c->in, &addr, &plen, err, sizeof(err));

	if (c->addr) {
		if (rc != 0)
			fail_msg("refused: %s", err);
		assert_int_equal(addr, ip(c->addr));
		assert_int_equal(plen, c->plen);
		return;
	}
	assert_int_equal(rc, -1);
	assert_err_has(err, c->err);
}

struct expose_case {
	const char *in;
	int port, actor_port, proto; /* port 0: refused */
	const char *err;
};

static const struct expose_case expose_cases[] = {
	{ "80", 80, 80, IPPROTO_TCP, NULL },
	{ "80/tcp", 80, 80, IPPROTO_TCP, NULL },
	{ "80/udp", 80, 80, IPPROTO_UDP, NULL },
	{ "8080:80", 8080, 80, IPPROTO_TCP, NULL },
	{ "53:5353/udp", 53, 5353, IPPROTO_UDP, NULL },
	{ "1:65535/tcp", 1, 65535, IPPROTO_TCP, NULL },
	{ "65535", 65535, 65535, IPPROTO_TCP, NULL },
	{ "0", 0, 0, 0, "port must be 1..65535" },
	{ "65536", 0, 0, 0, "port must be 1..65535" },
	{ "99999999999999999999", 0, 0, 0, "port must be 1..65535" },
	{ "18446744073709551696", 0, 0, 0, "port must be 1..65535" }, /* 2^64+80 */
	{ "-1", 0, 0, 0, "port must be a decimal number" },
	{ "+80", 0, 0, 0, "port must be a decimal number" },
	{ " 80", 0, 0, 0, "port must be a decimal number" },
	{ "80 ", 0, 0, 0, "port must be a decimal number" },
	{ "080", 0, 0, 0, "no leading zeros" },
	{ "0x50", 0, 0, 0, "port must be a decimal number" },
	{ "http", 0, 0, 0, "port must be a decimal number" },
	{ "80x", 0, 0, 0, "port must be a decimal number" },
	{ "", 0, 0, 0, "expected PORT[:ACTORPORT][/tcp|/udp]" },
	{ ":80", 0, 0, 0, "expected PORT[:ACTORPORT][/tcp|/udp]" },
	{ "80:", 0, 0, 0, "expected PORT[:ACTORPORT][/tcp|/udp]" },
	{ "80/", 0, 0, 0, "expected PORT[:ACTORPORT][/tcp|/udp]" },
	{ "/tcp", 0, 0, 0, "expected PORT[:ACTORPORT][/tcp|/udp]" },
	{ "80:/tcp", 0, 0, 0, "expected PORT[:ACTORPORT][/tcp|/udp]" },
	{ "80:0", 0, 0, 0, "actor port must be 1..65535" },
	{ "80:65536/udp", 0, 0, 0, "actor port must be 1..65535" },
	{ "80:81:82", 0, 0, 0, "actor port must be a decimal number" },
	{ "80:-1", 0, 0, 0, "actor port must be a decimal number" },
	{ "80/sctp", 0, 0, 0, "protocol must be tcp or udp" },
	{ "80/TCP", 0, 0, 0, "protocol must be tcp or udp" },
	{ "80/tcp/udp", 0, 0, 0, "protocol must be tcp or udp" },
	{ "80/tcp:81", 0, 0, 0, "protocol must be tcp or udp" },
};

static void run_expose_case(void **state)
{
	const struct expose_case *c = *state;
	struct ateom_expose e = { 1, 2, 3 };
	char err[ERRLEN] = "";
	int rc = ateom_parse_expose(c->in, &e, err, sizeof(err));

	if (c->port) {
		if (rc != 0)
			fail_msg("refused: %s", err);
		assert_int_equal(e.port, c->port);
		assert_int_equal(e.actor_port, c->actor_port);
		assert_int_equal(e.proto, c->proto);
		return;
	}
	assert_int_equal(rc, -1);
	assert_err_has(err, "--expose \"");
	assert_err_has(err, c->err);
}

struct range_case {
	const char *in;
	int min, max; /* min 0: refused */
	const char *err;
};

static const struct range_case range_cases[] = {
	{ "61000-65535", 61000, 65535, NULL },
	{ "1024-1024", 1024, 1024, NULL },
	{ "1024-65535", 1024, 65535, NULL },
	{ "30000-40000", 30000, 40000, NULL },
	{ "", 0, 0, "expected MIN-MAX" },
	{ "61000", 0, 0, "expected MIN-MAX" },
	{ "-", 0, 0, "expected MIN-MAX" },
	{ "61000-", 0, 0, "expected MIN-MAX" },
	{ "-65535", 0, 0, "expected MIN-MAX" },
	{ "61000-65535-", 0, 0, "expected MIN-MAX" },
	{ "1024 - 2000", 0, 0, "expected MIN-MAX" },
	{ "+1024-2000", 0, 0, "expected MIN-MAX" },
	{ "01024-2000", 0, 0, "expected MIN-MAX" },
	{ "61000:65535", 0, 0, "expected MIN-MAX" },
	{ "1023-2000", 0, 0, "ports must be 1024..65535" },
	{ "0-65535", 0, 0, "ports must be 1024..65535" },
	{ "61000-65536", 0, 0, "ports must be 1024..65535" },
	{ "61000-99999999999999999999", 0, 0, "ports must be 1024..65535" },
	{ "3000-2000", 0, 0, "MIN must not exceed MAX" },
};

static void run_range_case(void **state)
{
	const struct range_case *c = *state;
	uint16_t lo = 1, hi = 2;
	char err[ERRLEN] = "";
	int rc = ateom_parse_port_range(c->in, &lo, &hi, err, sizeof(err));

	if (c->min) {
		if (rc != 0)
			fail_msg("refused: %s", err);
		assert_int_equal(lo, c->min);
		assert_int_equal(hi, c->max);
		return;
	}
	assert_int_equal(rc, -1);
	assert_err_has(err, "--snat-ports \"");
	assert_err_has(err, c->err);
}

/* ======================= single tests =================================== */

/* Parsing keeps no state between calls: a full parse followed by a minimal
 * one (and one after a failure) gives exactly the defaults again. */
static void test_reentrant(void **state)
{
	char *full[] = { "ateomnet", "up", "--actor", "a1", "--netns", "/run/netns/x",
			 "--expose", "1", "--expose", "2", "--veth", "v9",
			 "--json", "--attach", "tc", NULL };
	char *bad[] = { "ateomnet", "up", "--expose", "0", NULL };
	char *min[] = { "ateomnet", "up", "--actor", "a1", "--netns",
			"/run/netns/x", NULL };
	struct ateom_args a;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(ateom_parse_args(15, full, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n_expose, 2);
	assert_int_equal(ateom_parse_args(4, bad, &a, err, sizeof(err)), -1);
	assert_int_equal(ateom_parse_args(6, min, &a, err, sizeof(err)), 0);
	check_defaults_up(&a);
}

/* argv is only read: the same vector parses the same way twice, and the
 * "--flag=value" split does not write a NUL into it. */
static void test_argv_untouched(void **state)
{
	char b0[] = "ateomnet", b1[] = "up", b2[] = "--actor=a1",
	     b3[] = "--netns=/n", b4[] = "--expose=81/udp";
	char *argv[] = { b0, b1, b2, b3, b4, NULL };
	struct ateom_args a;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(ateom_parse_args(5, argv, &a, err, sizeof(err)), 0);
	assert_string_equal(b2, "--actor=a1");
	assert_string_equal(b4, "--expose=81/udp");
	assert_int_equal(ateom_parse_args(5, argv, &a, err, sizeof(err)), 0);
	assert_int_equal(a.expose[0].port, 81);
	assert_int_equal(a.expose[0].proto, IPPROTO_UDP);
}

/* A short buffer truncates (NUL-terminated, no overflow); no buffer at all
 * is allowed. */
static void test_small_err_buffer(void **state)
{
	char *argv[] = { "ateomnet", "up", "--actor", "Foo", "--netns", "/n", NULL };
	char buf[16];
	struct ateom_args a;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ateom_parse_args(6, argv, &a, buf, 8), -1);
	assert_string_equal(buf, "--actor");
	assert_int_equal(buf[8], 'x');
	assert_int_equal(ateom_parse_args(6, argv, &a, NULL, 0), -1);
	assert_int_equal(ateom_parse_args(6, argv, &a, buf, 0), -1);
	assert_int_equal(buf[0], '-');
}

/* Direct use of the pair validator, including the prefix bounds the parser
 * never passes. */
static void test_addr_pair(void **state)
{
	char err[ERRLEN];

	(void)state;
	assert_int_equal(ateom_valid_addr_pair(ip("10.200.0.1"), 30,
					       ip("10.200.0.2"), 30, err, sizeof(err)), 0);
	assert_int_equal(ateom_valid_addr_pair(ip("10.200.0.2"), 30,
					       ip("10.200.0.1"), 30, err, sizeof(err)), 0);
	assert_int_equal(ateom_valid_addr_pair(ip("172.16.0.1"), 12,
					       ip("172.31.255.254"), 12, err, sizeof(err)), 0);
	assert_int_equal(ateom_valid_addr_pair(ip("172.16.0.1"), 12,
					       ip("172.32.0.1"), 12, err, sizeof(err)), -1);
	assert_err_has(err, "not in the same /12 subnet");
	assert_int_equal(ateom_valid_addr_pair(ip("10.0.0.1"), 0,
					       ip("10.0.0.2"), 0, err, sizeof(err)), -1);
	assert_err_has(err, "prefix must be /30 or shorter");
	assert_int_equal(ateom_valid_addr_pair(ip("10.0.0.1"), 30,
					       ip("240.0.0.2"), 30, err, sizeof(err)), -1);
	assert_err_has(err, "--actor-addr \"240.0.0.2/30\": not a unicast");
}

static void test_pin_dir(void **state)
{
	char err[ERRLEN];
	char longdir[5000];

	(void)state;
	assert_int_equal(ateom_valid_pin_dir("/sys/fs/bpf/ateom/w1", err, sizeof(err)), 0);
	assert_int_equal(ateom_valid_pin_dir("/", err, sizeof(err)), 0);
	assert_int_equal(ateom_valid_pin_dir("/a/./b", err, sizeof(err)), 0);
	assert_int_equal(ateom_valid_pin_dir("//a//..", err, sizeof(err)), -1);
	assert_err_has(err, "\"..\" components");
	assert_int_equal(ateom_valid_pin_dir("./x", err, sizeof(err)), -1);
	assert_err_has(err, "absolute");
	longdir[0] = '/';
	memset(longdir + 1, 'd', sizeof(longdir) - 2);
	longdir[sizeof(longdir) - 1] = '\0';
	assert_int_equal(ateom_valid_pin_dir(longdir, err, sizeof(err)), -1);
	assert_err_has(err, "longer than");
}

/* An over-long --netns is refused rather than truncated. */
static void test_netns_too_long(void **state)
{
	static char path[4200];
	char *argv[] = { "ateomnet", "up", "--actor", "a", "--netns", path, NULL };
	struct ateom_args a;
	char err[ERRLEN];

	(void)state;
	path[0] = '/';
	memset(path + 1, 'n', 4096);
	assert_int_equal(ateom_parse_args(6, argv, &a, err, sizeof(err)), -1);
	assert_err_has(err, "--netns \"/nnn");
	assert_err_has(err, "longer than 4095 bytes");
	path[4095] = '\0'; /* 4095 bytes fit */
	assert_int_equal(ateom_parse_args(6, argv, &a, err, sizeof(err)), 0);
	assert_int_equal(strlen(a.netns), 4095);
}

/* main.c dispatches on the canonical verb name: every spelling of a verb
 * parses to the one name its table row carries. */
static void test_verb_names(void **state)
{
	static const struct { const char *arg, *name; } rows[] = {
		{ "status", "status" }, { "nat", "nat" }, { "purge", "purge" },
		{ "prepare", "prepare" },
		{ "help", "help" }, { "-h", "help" }, { "--help", "help" },
		{ "version", "version" }, { "--version", "version" },
	};
	struct ateom_args a;
	char err[ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *argv[] = { "ateomnet", (char *)rows[i].arg, NULL };

		assert_int_equal(ateom_parse_args(2, argv, &a, err, sizeof(err)), 0);
		assert_string_equal(ateom_verb_name(a.verb), rows[i].name);
	}
	{
		char *argv[] = { "ateomnet", "down", "--actor", "a", NULL };

		assert_int_equal(ateom_parse_args(4, argv, &a, err, sizeof(err)), 0);
		assert_string_equal(ateom_verb_name(a.verb), "down");
	}
	assert_string_equal(ateom_verb_name(VERB_UP), "up");
	assert_string_equal(ateom_verb_name(VERB_NONE), "?");
}

/* The usage text names every verb and flag, with the defaults. */
static void test_usage(void **state)
{
	static const char *words[] = {
		"up", "down", "status", "nat", "purge", "gc", "prepare", "help", "version",
		"--actor", "--netns", "--veth", "--pod-if", "--worker-addr",
		"--actor-addr", "--expose", "--pin-dir", "--attach", "--snat-ports",
		"--nat-entries", "--json", "--force", "--dry-run", "--pin-root", "--help",
		"--version", "netns-COOKIE",
		"ateom0", "eth0", "10.200.0.1/30", "10.200.0.2/30", "80:80/tcp",
		"auto|tcx|tc", "1024-32767", "max actors x 16384 x 2", "--max-actors", "/sys/fs/bpf/ateom/",
		"1024..4194304", "at most 16",
	};
	const char *u = ateom_usage();
	size_t i;

	(void)state;
	assert_non_null(u);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strstr(u, words[i]))
			fail_msg("usage lacks \"%s\"", words[i]);
	assert_int_equal(u[strlen(u) - 1], '\n');
}

/* ======================= runner ========================================= */

static char *printable(const char *s)
{
	char *d = strdup(s), *p;

	for (p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	if (strlen(d) > 40)
		strcpy(d + 37, "...");
	return d;
}

static struct CMUnitTest *tests;
static size_t n_tests;

static void add(const char *prefix, const char *what, CMUnitTestFunction fn,
		const void *row)
{
	char *w = printable(what), *name;

	if (asprintf(&name, "%s \"%s\"", prefix, w) < 0)
		abort();
	free(w);
	tests[n_tests++] = (struct CMUnitTest){ .name = name, .test_func = fn,
						.initial_state = (void *)row };
}

#define N(t) (sizeof(t) / sizeof((t)[0]))
#define EACH(t, prefix, fn, field) \
	for (i = 0; i < N(t); i++) add(prefix, t[i].field, fn, &t[i])

int main(void)
{
	static const struct CMUnitTest singles[] = {
		cmocka_unit_test(test_reentrant),
		cmocka_unit_test(test_argv_untouched),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_addr_pair),
		cmocka_unit_test(test_pin_dir),
		cmocka_unit_test(test_netns_too_long),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_verb_names),
	};
	size_t i, total = N(parse_cases) + N(actor_cases) + N(ifname_cases) +
		N(cidr_cases) + N(expose_cases) + N(range_cases) + N(singles);
	int rc;

	tests = calloc(total, sizeof(*tests));
	if (!tests)
		return 1;
	EACH(parse_cases, "parse", run_parse_case, name);
	EACH(actor_cases, "actor", run_actor_case, in);
	EACH(ifname_cases, "ifname", run_ifname_case, in);
	EACH(cidr_cases, "cidr4", run_cidr_case, in);
	EACH(expose_cases, "expose", run_expose_case, in);
	EACH(range_cases, "snat-ports", run_range_case, in);
	for (i = 0; i < N(singles); i++)
		tests[n_tests++] = singles[i];
	rc = _cmocka_run_group_tests("args", tests, n_tests, NULL, NULL);
	for (i = 0; i < n_tests - N(singles); i++)
		free((char *)tests[i].name);
	free(tests);
	return rc;
}
