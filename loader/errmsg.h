/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One error message per command: the first failure records why, callers
 * unwind, and main prints it as the single line on stderr.
 *
 * Return convention of the loader's functions (all of loader/ except the
 * netlink layer, netlink.h, which returns -errno like the syscalls it wraps
 * and keeps the kernel's extack in nl_error()):
 *
 *   -1   failed, and ateom_fail() has recorded the message. The caller adds
 *        nothing (the first message wins) and returns -1 itself, or, when
 *        it recovers, calls ateom_errmsg_clear().
 *   0    done.
 *   > 0  only where the function says so: a count, an fd, an id, or 1 for
 *        "found" from a lookup (which returns 0 for "not there": absence is
 *        an answer, not a failure).
 *
 * A negative errno never leaves a loader function: whoever calls libbpf,
 * libc or netlink turns the error into a message there, where it knows
 * what was being attempted. (A static helper may hand -errno to its one
 * caller in the same file.) Functions that cannot fail return void, bool
 * or a value with its own documented "none".
 */
#ifndef ATEOMNET_ERRMSG_H
#define ATEOMNET_ERRMSG_H

#include <stdbool.h>

/* Records the message unless one is already recorded; returns -1. */
int ateom_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *ateom_errmsg(void);
bool ateom_failed(void);
void ateom_errmsg_clear(void);

#endif
