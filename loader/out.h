/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Everything the verbs print on stdout: text for people, or JSON (--json)
 * for the controller. A verb gathers its result into one of the reports
 * below and hands it to out_*(), which writes it in the asked format.
 *
 * JSON is built and written by libjansson, so every value is escaped: a
 * name with quotes, backslashes or control bytes still gives valid JSON,
 * and bytes that are not UTF-8 (JSON strings are Unicode) become U+FFFD.
 * Field names and shapes are an interface (the e2e tests, the gVisor test
 * and controllers read them): change them only with the README.
 *
 * Each out_*() returns 0, or -1 with a message (out of memory, write error).
 */
#ifndef ATEOMNET_OUT_H
#define ATEOMNET_OUT_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "args.h"
#include "state.h"

/* "tcp", "udp", "icmp", or "?". */
const char *out_proto_name(uint8_t proto);

/* `up`: what was made. */
struct out_up {
	const char *actor, *veth, *pod_if, *pin_dir;
	uint32_t id;
	int ifindex;                   /* of the worker-side veth */
	enum attach_mode attach, pod_attach;
	uint32_t pod_ip_be, actor_ip_be; /* pod_ip_be 0: an IPv6-only pod */
	int prefixlen;
	union ateom_in6 pod_ip6, actor_ip6; /* zero: none */
	int prefix6;
	const struct ateom_expose *expose;
	int n_expose;
	bool loaded;                   /* this call loaded the datapath */
	double elapsed_ms;
};
int out_up(FILE *f, bool json, const struct out_up *r);

/* `down`. */
struct out_down {
	const char *actor;
	bool was_up;
	long nat_removed;
	int stale_veths;               /* leftovers of a crashed `up` removed */
	double elapsed_ms;
};
int out_down(FILE *f, bool json, const struct out_down *r);

/* `status`: one actor... */
struct out_actor {
	struct actor_ref ref;
	char veth[IF_NAMESIZE];        /* "?" when the ifindex has no name */
	struct svc_ref *svc;
	int n_svc;
	long nat_entries;
	struct ateom_counter counters[ATEOM_STAT_MAX];
	uint8_t egress_mode;           /* enum ateom_egress_mode (policy.h) */
	int egress_rules;              /* --allow/--deny rules in force */
	uint16_t capture_port;         /* capture mode: the proxy's port */
};

/* ...and the worker. With loaded false only pin_dir is set. */
struct out_status {
	const char *pin_dir;
	bool loaded;
	const char *pod_if;
	uint32_t pod_ifindex, pod_ip_be;
	union ateom_in6 pod_ip6;       /* zero: the pod has no IPv6 */
	enum attach_mode pod_attach;
	uint16_t snat_min, snat_max;
	uint32_t remote_share;         /* each actor's ports toward one remote */
	uint32_t timeout_s[ATEOM_TO_N]; /* NAT pair idle timeouts (timeouts.h) */
	long nat_entries;
	uint64_t memory_bytes;         /* the datapath's kernel memory (memory.h) */
	const struct out_actor *actors;
	int n_actors;
	const struct ateom_counter *counters; /* worker-wide, ATEOM_STAT_MAX */
};
int out_status(FILE *f, bool json, const struct out_status *r);

/* `nat`: streamed, one entry at a time (the table may hold millions). */
struct out_nat {
	FILE *f;
	bool json;
	long n;
};
int out_nat_begin(struct out_nat *o, FILE *f, bool json);
int out_nat_entry(struct out_nat *o, const struct ateom_nat_key *k,
		  const struct ateom_nat_entry *e, double idle_s);
/* An IPv6 pair's half (nat6): endpoints as [ADDR]:PORT. */
int out_nat6_entry(struct out_nat *o, const struct ateom_nat6_key *k,
		   const struct ateom_nat6_entry *e, double idle_s);
int out_nat_end(struct out_nat *o);

/* `purge`. */
struct out_purge_actor {
	char name[ATEOM_ACTOR_NAME_MAX];
	long nat_removed;
};
struct out_purge {
	const char *pin_dir;
	bool purged;                   /* false: nothing was pinned there */
	const struct out_purge_actor *down; /* taken down first (--force) */
	int n_down;
};
int out_purge(FILE *f, bool json, const struct out_purge *r);

/* `prepare`. */
struct out_prepare {
	const char *pin_dir;
	bool loaded;                   /* false: it was already prepared */
	uint32_t nat_entries;          /* the NAT table's size */
	uint32_t max_actors;           /* actors it is sized for */
	const char *pod_if;            /* from_pod attached there; NULL: no such
					* interface yet (the first up attaches) */
	bool attached;                 /* by this call */
	double elapsed_ms;
};
int out_prepare(FILE *f, bool json, const struct out_prepare *r);

/* `gc`: one pin dir under the root... */
enum out_gc_netns { GC_NETNS_UNKNOWN, GC_NETNS_ALIVE, GC_NETNS_GONE };
enum out_gc_action {
	GC_KEPT,          /* its netns lives, or it names none */
	GC_RECLAIMED,
	GC_WOULD_RECLAIM, /* --dry-run */
	GC_BUSY,          /* someone holds its lock: left for the next run */
	GC_FAILED,        /* why: in reason; also a netns that could not be checked */
};
struct out_gc_dir {
	char dir[PATH_MAX];
	bool has_cookie;               /* else legacy (inode) or no owner */
	uint64_t cookie, ino;          /* the owner's (ino 0: not recorded) */
	uint64_t legacy_ino;           /* "net<inode>" of ateomnet before cookies */
	enum out_gc_netns netns;
	bool scanned;                  /* judged by a scan of /proc (not by handle) */
	enum out_gc_action action;
	char reason[256];              /* why, "" if nothing to say */
};
/* ...and the run. */
struct out_gc {
	const char *pin_root;
	bool dry_run;
	const struct out_gc_dir *dirs;
	int n_dirs;
};
int out_gc(FILE *f, bool json, const struct out_gc *r);

#endif
