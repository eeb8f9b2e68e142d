/* SPDX-License-Identifier: Apache-2.0 */
/* The pin dir: where one worker's datapath lives on bpffs, and the lock that
 * serialises ateomnet calls for that worker. */
#ifndef ATEOMNET_PIN_H
#define ATEOMNET_PIN_H

#include <limits.h>
#include <stdbool.h>

#define ATEOM_PIN_ROOT "/sys/fs/bpf/ateom"

/* Default pin dir of the calling netns: ATEOM_PIN_ROOT/net<inode>. Workers
 * on one node share bpffs; the netns inode tells them apart. */
int pin_default_dir(char *out, size_t len);

/* The pin dir a command works on: `flag` (the --pin-dir value) when it is
 * not empty, else the default pin dir of the calling netns. */
int pin_dir_resolve(const char *flag, char *out, size_t len);

/* Makes sure `dir` is on a bpf filesystem (mounting bpffs at /sys/fs/bpf if
 * nothing is mounted there), creates it (and parents) if needed.
 * *created tells whether this call made the final directory. */
int pin_dir_prepare(const char *dir, bool *created);

/* True when `dir` exists and is on bpffs (nothing is created). */
bool pin_dir_exists(const char *dir);

/* Exclusive flock on the pin dir itself (bpffs holds no regular files).
 * Returns the fd to close to release the lock. */
int pin_lock(const char *dir);
void pin_unlock(int fd);

/* rmdir the pin dir if empty (used to roll back a dir made by this call). */
void pin_dir_remove_if_empty(const char *dir);

#endif
