// SPDX-License-Identifier: Apache-2.0
/* NAT pair idle timeouts (timeouts.h). */
#include <string.h>

#include "timeouts.h"

#define NSEC_PER_SEC 1000000000ULL

static const struct {
	const char *name;
	uint32_t def; /* seconds */
} tos[ATEOM_TO_N] = {
	/* conntrack's established (5 days): longer than RFC 5382 REQ-5's
	 * 2 h 4 min, and longer than any keepalive */
	[ATEOM_TO_TCP_EST] = { "tcp-est", 432000 },
	/* RFC 5382 REQ-5: transitory >= 4 min (conntrack's SYN_SENT: 2) */
	[ATEOM_TO_TCP_SYN] = { "tcp-syn", 240 },
	/* closed both ways or reset: only the last ACK is left; a pair
	 * leaves the quota fast (docs/NOTES.md, "Timeouts") */
	[ATEOM_TO_TCP_CLOSE] = { "tcp-close", 1 },
	/* RFC 4787 REQ-5: >= 2 min, 5 min recommended */
	[ATEOM_TO_UDP] = { "udp", 300 },
	/* RFC 4787 REQ-5a: shorter for well-known destination ports; DNS
	 * and NTP, one query and one answer. A DNS query per source port is
	 * the common case: at 300 s an actor could make ~55 of them a second
	 * within its quota, at 30 s (conntrack's UDP timeout) ~550 */
	[ATEOM_TO_UDP_QUERY] = { "udp-query", 30 },
	/* RFC 5508 REQ-1: >= 60 s (conntrack's: 30) */
	[ATEOM_TO_ICMP] = { "icmp", 60 },
};

const char *ateom_timeout_name(enum ateom_timeout t)
{
	return tos[t].name;
}

static __u64 *field(struct ateom_config *c, enum ateom_timeout t)
{
	switch (t) {
	case ATEOM_TO_TCP_EST:
		return &c->tcp_est_timeout_ns;
	case ATEOM_TO_TCP_SYN:
		return &c->tcp_syn_timeout_ns;
	case ATEOM_TO_TCP_CLOSE:
		return &c->tcp_closing_timeout_ns;
	case ATEOM_TO_UDP:
		return &c->udp_timeout_ns;
	case ATEOM_TO_UDP_QUERY:
		return &c->udp_query_timeout_ns;
	default:
		return &c->icmp_timeout_ns;
	}
}

uint32_t ateom_timeout_get(const struct ateom_config *c, enum ateom_timeout t)
{
	return (uint32_t)(*field((struct ateom_config *)c, t) / NSEC_PER_SEC);
}

void ateom_timeout_set(struct ateom_config *c, enum ateom_timeout t, uint32_t secs)
{
	*field(c, t) = secs * NSEC_PER_SEC;
}

int ateom_timeout_by_flag(const char *flag)
{
	static const char pre[] = "--timeout-";

	if (strncmp(flag, pre, sizeof(pre) - 1))
		return -1;
	for (int t = 0; t < ATEOM_TO_N; t++)
		if (!strcmp(flag + sizeof(pre) - 1, tos[t].name))
			return t;
	return -1;
}

void ateom_timeouts_apply(struct ateom_config *c, const uint32_t *secs, uint32_t set)
{
	for (int t = 0; t < ATEOM_TO_N; t++)
		if (set & (1u << t))
			ateom_timeout_set(c, t, secs[t]);
}

void ateom_timeouts_default(struct ateom_config *c)
{
	for (int t = 0; t < ATEOM_TO_N; t++)
		ateom_timeout_set(c, t, tos[t].def);
}
