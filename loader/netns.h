/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespace identity. The netns inode is reused by the kernel as
 * soon as a namespace dies; the netns cookie (SO_NETNS_COOKIE, Linux 5.14)
 * never is during a boot, and bpffs does not outlive a boot. Pin dirs are
 * keyed by the cookie, and `ateomnet gc` tells a dead worker's pins by
 * finding no live namespace with that cookie.
 */
#ifndef ATEOMNET_NETNS_H
#define ATEOMNET_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The calling thread's netns: its cookie, and (ino not NULL) its nsfs
 * inode. */
int netns_self(uint64_t *cookie, uint64_t *ino);

/* Is the network namespace with this cookie and inode alive? 1 yes, 0 it
 * is gone, -1 this kernel cannot tell (then netns_scan can). Asks the
 * kernel directly: an nsfs file handle (Linux 6.18) of a live namespace
 * opens, one of a dead namespace is stale. No setns, no /proc. */
int netns_alive(uint64_t cookie, uint64_t ino);

/* Cookie of the network namespace behind fd (an nsfs file). Without
 * setns where the kernel answers NS_GET_ID with the cookie (6.18); else a
 * short-lived thread enters the namespace and asks a socket made there. */
int netns_cookie_of_fd(int fd, uint64_t *cookie);
/* The second way alone (also what the unit tests compare against). */
int netns_cookie_by_setns(int fd, uint64_t *cookie);

/* The live network namespaces this process can find: those of every task,
 * those bind-mounted in any mount namespace (/run/netns/...), and those
 * held open by an fd. A namespace none of these reach has no process that
 * could run ateomnet in it. */
struct netns_set {
	uint64_t *cookies;
	uint64_t *inos;       /* nsfs inode of each, same order */
	size_t n, cap;
};

/* Fills s (free it with netns_set_free, also after a failure). Fails
 * rather than return a partial view: a namespace it could not see would
 * look dead. Refused outside the host's PID namespace for that reason. */
int netns_scan(struct netns_set *s);
bool netns_set_has_cookie(const struct netns_set *s, uint64_t cookie);
bool netns_set_has_ino(const struct netns_set *s, uint64_t ino);
void netns_set_free(struct netns_set *s);

#endif
