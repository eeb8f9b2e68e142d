/* SPDX-License-Identifier: Apache-2.0 */
/* Facts about the calling process, its namespaces and its clock. */
#ifndef ATEOMNET_SYS_H
#define ATEOMNET_SYS_H

#include <stdbool.h>
#include <stdint.h>

/* Fails naming the first missing capability ateomnet needs. */
int sys_check_caps(void);

/* Opens a network namespace by path (/run/netns/x, /proc/PID/ns/net);
 * refuses other files, other namespace kinds, and the caller's own netns. */
int sys_open_actor_netns(const char *path);

/* Worker's ephemeral port range and whether [min,max] is safe from it:
 * outside net.ipv4.ip_local_port_range or inside ip_local_reserved_ports. */
int sys_check_snat_range(uint16_t min, uint16_t max);

/* CLOCK_MONOTONIC in milliseconds: what a verb's elapsed time is taken on. */
double sys_now_ms(void);

/* Opens the egress hook program pinned at path (a SCHED_CLS program), or
 * fails with a message. */
int sys_open_hook(const char *path);

/* Test hook: with ATEOMNET_FAULT=<step> in the environment, the process
 * dies (_exit(137), as if SIGKILLed) right after that step, leaving what a
 * crash there leaves; without it, nothing. The steps (loader/up.c and
 * loader/teardown.c name them where they happen):
 *   up:   pin_dir loaded leftovers veth named configured attached config
 *         hook services gc actor
 *   down: down_link down_services down_nat down_hook down_actor down_pod
 * `actor` is up's commit: after it the actor is up. */
void sys_fault_point(const char *step);

#endif
