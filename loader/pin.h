/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pin dir: where one worker's datapath lives on bpffs, the lock that
 * serialises ateomnet calls for that worker, and the record of which
 * network namespace the dir belongs to.
 *
 * A pin dir names its owner, the worker netns, by its netns cookie (never
 * reused during a boot, unlike the netns inode): the default dir is
 * ATEOM_PIN_ROOT/netns-<cookie>, and every dir, default or --pin-dir, holds
 * an empty subdirectory owner-netns-<cookie>-<netns inode> (bpffs has no
 * regular files to write it in; the inode lets the kernel be asked whether
 * that namespace still lives). `ateomnet gc` reclaims the dirs whose owner
 * is gone.
 */
#ifndef ATEOMNET_PIN_H
#define ATEOMNET_PIN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATEOM_PIN_ROOT "/sys/fs/bpf/ateom"
#define PIN_DIR_PREFIX "netns-"         /* ATEOM_PIN_ROOT/netns-<cookie> */
#define PIN_OWNER_PREFIX "owner-netns-" /* <pin dir>/owner-netns-<cookie>-<ino>/ */

/* The network namespace a pin dir belongs to. */
struct pin_owner {
	uint64_t cookie;
	uint64_t ino;
};

/* Default pin dir of the calling netns: ATEOM_PIN_ROOT/netns-<cookie>. */
int pin_default_dir(char *out, size_t len);

/* The pin dir a command works on: `flag` (the --pin-dir value) when it is
 * not empty, else the default pin dir of the calling netns. Fails when the
 * dir is under /sys/fs/bpf and bpffs cannot be there for good (see
 * pin_bpffs_check). */
int pin_dir_resolve(const char *flag, char *out, size_t len);

/* Fails when path is under /sys/fs/bpf, nothing is mounted there and this
 * process is not in the init mount namespace: `ip netns exec` gives each
 * command a private /sys, and pins made in a bpffs mounted there would
 * vanish (tcx links with them) when the command exits. */
int pin_bpffs_check(const char *path);

/* Makes sure `dir` is on a bpf filesystem (mounting bpffs at /sys/fs/bpf if
 * nothing is mounted there, in the init mount namespace only), creates it
 * (and parents) if needed. *created tells whether this call made the
 * final directory. */
int pin_dir_prepare(const char *dir, bool *created);

/* True when `dir` exists and is on bpffs (nothing is created). */
bool pin_dir_exists(const char *dir);

/* Exclusive flock on the pin dir itself (bpffs holds no regular files),
 * then claims it for the calling netns: a dir that records no owner gets
 * this netns; one owned by another netns is refused (it is another
 * worker's, alive or dead). Returns the fd to close to release the lock. */
int pin_lock(const char *dir);
/* gc: the lock without waiting and without claiming. 1 and *fd: locked;
 * 0: someone holds it. */
int pin_trylock(const char *dir, int *fd);
void pin_unlock(int fd);

/* The owner dir records: 1 (and *owner), 0 when it records none. */
int pin_dir_owner(const char *dir, struct pin_owner *owner);

/* Removes dir when it holds nothing but its owner record. 0 removed (or
 * not there), 1 not empty (left as it was). */
int pin_dir_remove(const char *dir);
/* The same, for rolling back a dir made by this call. */
void pin_dir_remove_if_empty(const char *dir);

/* gc: unpins everything under dir, whatever ateomnet version pinned it,
 * and removes dir. Dropping a pin drops a reference: what nothing else
 * holds (a dead worker's programs, links, maps) is freed by the kernel. */
int pin_dir_clear(const char *dir);

#endif
