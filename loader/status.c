// SPDX-License-Identifier: Apache-2.0
/* `ateomnet status` and `ateomnet nat`: read-only views of the pinned maps,
 * as text for people and as JSON for the controller. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "errmsg.h"
#include "pin.h"
#include "state.h"
#include "sys.h"
#include "verbs.h"

static const char *ip4(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : p == IPPROTO_ICMP ? "icmp" : "?";
}

static void print_counters_json(const struct ateom_counter *c)
{
	printf("{");
	for (int s = 0; s < ATEOM_STAT_MAX; s++)
		printf("%s\"%s\":{\"packets\":%llu,\"bytes\":%llu}", s ? "," : "", ateom_stat_names[s],
		       (unsigned long long)c[s].packets, (unsigned long long)c[s].bytes);
	printf("}");
}

static void print_counters_text(const char *indent, const struct ateom_counter *c)
{
	int shown = 0;

	for (int s = 0; s < ATEOM_STAT_MAX; s++) {
		if (!c[s].packets)
			continue;
		if (shown % 6 == 0)
			printf("%s%s", shown ? "\n" : "", indent);
		else
			putchar(' ');
		printf("%s=%llu", ateom_stat_names[s], (unsigned long long)c[s].packets);
		shown++;
	}
	printf(shown ? "\n" : "%s(no packets yet)\n", indent);
}

static void print_expose(const struct svc_ref *s, int n, bool json)
{
	for (int i = 0; i < n; i++) {
		if (json)
			printf("%s{\"port\":%u,\"actor_port\":%u,\"proto\":\"%s\"}", i ? "," : "",
			       ntohs(s[i].k.port_be), ntohs(s[i].v.actor_port_be),
			       proto_name(s[i].k.proto));
		else
			printf("%s%u->%u/%s", i ? "," : "", ntohs(s[i].k.port_be),
			       ntohs(s[i].v.actor_port_be), proto_name(s[i].k.proto));
	}
}

static int prefix_of(uint32_t mask_be) { return __builtin_popcount(mask_be); }

static int print_actor(struct dp *dp, const struct actor_ref *r, bool json, bool first)
{
	struct ateom_counter c[ATEOM_STAT_MAX];
	char ifname[IF_NAMESIZE] = "?", w[INET_ADDRSTRLEN], ac[INET_ADDRSTRLEN];
	const char *mode = attach_mode_name(attach_actor_mode(&r->a));
	int plen = prefix_of(r->a.netmask_be), nsvc;
	struct svc_ref *svc;
	long nat;

	if_indextoname(r->ifindex, ifname);
	if (state_services(dp, r->ifindex, &svc, &nsvc) || state_counters(dp, r->a.id, c))
		return -1;
	nat = state_nat_count(dp, r->ifindex);
	if (json) {
		printf("%s{\"name\":\"%s\",\"id\":%u,\"veth\":\"%s\",\"ifindex\":%u,\"attach\":\"%s\","
		       "\"worker_addr\":\"%s/%d\",\"actor_addr\":\"%s/%d\",\"expose\":[",
		       first ? "" : ",", r->a.name, r->a.id, ifname, r->ifindex, mode,
		       ip4(r->a.worker_ip_be, w), plen, ip4(r->a.actor_ip_be, ac), plen);
		print_expose(svc, nsvc, true);
		printf("],\"nat_entries\":%ld,\"counters\":", nat);
		print_counters_json(c);
		printf("}");
	} else {
		printf("actor %s (id %u): %s ifindex %u (%s), %s/%d <-> %s/%d, exposes ", r->a.name,
		       r->a.id, ifname, r->ifindex, mode, ip4(r->a.worker_ip_be, w), plen,
		       ip4(r->a.actor_ip_be, ac), plen);
		print_expose(svc, nsvc, false);
		printf(", %ld NAT entries\n", nat);
		print_counters_text("  ", c);
	}
	free(svc);
	return 0;
}

/* Opens the datapath read-only; *none set when nothing is pinned. */
static int open_existing(const struct ateom_args *a, struct dp *dp, bool *none)
{
	char dir[PATH_MAX];

	if (sys_check_caps() || pin_dir_resolve(a->pin_dir, dir, sizeof(dir)))
		return -1;
	dp_init(dp, dir);
	*none = !pin_dir_exists(dir) || !dp_pinned(dp);
	return *none ? 0 : dp_open(dp);
}

int verb_status(const struct ateom_args *a)
{
	struct ateom_counter c[ATEOM_STAT_MAX];
	struct ateom_config cfg;
	struct actor_ref *acts = NULL;
	char podname[IF_NAMESIZE] = "?", pip[INET_ADDRSTRLEN];
	struct nl nl = { 0 };
	struct dp dp;
	bool none;
	int n = 0, rc = -1;
	long nat;

	if (open_existing(a, &dp, &none))
		return -1;
	if (none) {
		if (a->json)
			printf("{\"pin_dir\":\"%s\",\"loaded\":false,\"actors\":[]}\n", dp.dir);
		else
			printf("no datapath in %s (no actor has been up on this worker)\n", dp.dir);
		return 0;
	}
	if (dp_config_get(&dp, &cfg) || state_actors(&dp, &acts, &n) || state_counters(&dp, 0, c))
		goto out;
	nat = state_nat_count(&dp, 0);
	if_indextoname(cfg.pod_ifindex, podname);
	enum attach_mode pm = ATTACH_NONE;
	if (nl_open(&nl) == 0)
		pm = attach_query(&nl, &dp, podname, cfg.pod_ifindex, &dp.from_pod);

	if (a->json) {
		printf("{\"pin_dir\":\"%s\",\"loaded\":true,\"pod_if\":\"%s\",\"pod_ifindex\":%u,"
		       "\"pod_ip\":\"%s\",\"pod_attach\":\"%s\",\"snat_ports\":\"%u-%u\","
		       "\"nat_entries\":%ld,\"actors\":[",
		       dp.dir, podname, cfg.pod_ifindex, ip4(cfg.pod_ip_be, pip), attach_mode_name(pm),
		       cfg.snat_port_min, cfg.snat_port_max, nat);
	} else {
		printf("datapath %s: pod %s %s (%s), SNAT ports %u-%u, %ld NAT entries, %d actor(s)\n",
		       dp.dir, podname, ip4(cfg.pod_ip_be, pip), attach_mode_name(pm),
		       cfg.snat_port_min, cfg.snat_port_max, nat, n);
	}
	for (int i = 0; i < n; i++)
		if (print_actor(&dp, &acts[i], a->json, i == 0))
			goto out;
	if (a->json) {
		printf("],\"counters\":");
		print_counters_json(c);
		printf("}\n");
	} else {
		printf("worker-wide:\n");
		print_counters_text("  ", c);
	}
	rc = 0;
out:
	free(acts);
	nl_close(&nl);
	dp_close(&dp);
	return rc;
}

static const char *nat_type_name(uint8_t t)
{
	static const char *const names[] = { "?", "snat", "snat_reply", "dnat", "dnat_reply" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

int verb_nat(const struct ateom_args *a)
{
	struct ateom_nat_key k, *prev = NULL;
	struct ateom_nat_entry e;
	struct timespec ts;
	struct dp dp;
	bool none;
	int n = 0;

	if (open_existing(a, &dp, &none))
		return -1;
	if (a->json)
		printf("[");
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	uint64_t now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	while (!none && bpf_map_get_next_key(dp.nat, prev, &k) == 0) {
		struct ateom_nat_key cur = k;
		char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], t[INET_ADDRSTRLEN];

		prev = &k;
		if (bpf_map_lookup_elem(dp.nat, &cur, &e))
			continue;
		double age = now > e.last_seen_ns ? (now - e.last_seen_ns) / 1e9 : 0;
		ip4(cur.saddr_be, s);
		ip4(cur.daddr_be, d);
		ip4(e.addr_be, t);
		if (a->json)
			printf("%s{\"proto\":\"%s\",\"dir\":\"%s\",\"ifindex\":%u,\"src\":\"%s:%u\","
			       "\"dst\":\"%s:%u\",\"type\":\"%s\",\"to\":\"%s:%u\",\"actor_id\":%u,"
			       "\"idle_s\":%.1f}",
			       n ? "," : "", proto_name(cur.proto), cur.dir == ATEOM_DIR_OUT ? "out" : "in",
			       cur.ifindex, s, ntohs(cur.sport_be), d, ntohs(cur.dport_be),
			       nat_type_name(e.type), t, ntohs(e.port_be), e.actor_id, age);
		else
			printf("%-4s %-3s %s:%u -> %s:%u  %s => %s:%u  actor %u  idle %.0fs\n",
			       proto_name(cur.proto), cur.dir == ATEOM_DIR_OUT ? "out" : "in", s,
			       ntohs(cur.sport_be), d, ntohs(cur.dport_be), nat_type_name(e.type), t,
			       ntohs(e.port_be), e.actor_id, age);
		n++;
	}
	if (a->json)
		printf("]\n");
	else
		printf("%d NAT entries\n", n);
	dp_close(&dp);
	return 0;
}
