/* SPDX-License-Identifier: Apache-2.0 */
/* How our programs sit on a TC ingress hook: what --attach asks for and
 * what attach.c finds or ends up with. One enum for both, so a mode is
 * spelled one way everywhere in the loader. (The actors map records it as
 * the ABI flag ATEOM_ACTOR_ATTACH_TCX; attach.c converts.) */
#ifndef ATEOMNET_ATTACH_MODE_H
#define ATEOMNET_ATTACH_MODE_H

#include <stdint.h>

struct ateom_actor;

enum attach_mode {
	ATTACH_NONE = 0, /* found: not attached */
	ATTACH_AUTO,     /* asked: tcx where the kernel has it, else tc */
	ATTACH_TCX,      /* tcx link, pinned under <pin-dir>/links */
	ATTACH_TC,       /* clsact + cls_bpf in direct-action mode */
};

/* "none", "auto", "tcx", "tc": the words of --attach and of the output. */
const char *attach_mode_name(enum attach_mode m);

/* The actors map records an actor's veth mode as ABI flags. */
uint32_t attach_actor_flags(enum attach_mode m);
enum attach_mode attach_actor_mode(const struct ateom_actor *a);

#endif
