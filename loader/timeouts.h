/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NAT pair idle timeouts: their defaults (RFC 4787, 5382, 5508, or
 * conntrack's where longer; docs/NOTES.md "Timeouts"), the flags that set
 * them (`--timeout-NAME SECONDS` on up and prepare) and where they live in
 * `config` (datapath-wide: the garbage collector reads them per pair).
 */
#ifndef ATEOMNET_TIMEOUTS_H
#define ATEOMNET_TIMEOUTS_H

#include <stdint.h>
#include "ateomnet.h"

enum ateom_timeout {
	ATEOM_TO_TCP_EST,   /* TCP, a reply seen */
	ATEOM_TO_TCP_SYN,   /* TCP, no reply yet (transitory) */
	ATEOM_TO_TCP_CLOSE, /* TCP, FIN both ways or RST */
	ATEOM_TO_UDP,
	ATEOM_TO_UDP_QUERY, /* UDP to DNS (53) or NTP (123) */
	ATEOM_TO_ICMP,      /* echo (query) */
	ATEOM_TO_N
};

#define ATEOM_TIMEOUT_MAX_S 315360000 /* ten years */

/* "tcp-est" ...: the flag is --timeout-NAME, the JSON key NAME with '_'. */
const char *ateom_timeout_name(enum ateom_timeout t);
/* Seconds from config (rounded down). */
uint32_t ateom_timeout_get(const struct ateom_config *c, enum ateom_timeout t);
void ateom_timeout_set(struct ateom_config *c, enum ateom_timeout t, uint32_t secs);
/* The flag's timeout ("--timeout-udp" -> ATEOM_TO_UDP); -1 if none. */
int ateom_timeout_by_flag(const char *flag);
/* Sets the timeouts whose bit is in `set` to secs[t]; the defaults. */
void ateom_timeouts_apply(struct ateom_config *c, const uint32_t *secs, uint32_t set);
void ateom_timeouts_default(struct ateom_config *c);

#endif /* ATEOMNET_TIMEOUTS_H */
