/* SPDX-License-Identifier: Apache-2.0 */
/* How our programs sit on a TC ingress hook: what --attach asks for and
 * what attach.c finds or ends up with. One enum for both, so a mode is
 * spelled one way everywhere in the loader. (The actors map records it as
 * the ABI flag ATEOM_ACTOR_ATTACH_TCX; attach.c converts.) */
#ifndef ATEOMNET_ATTACH_MODE_H
#define ATEOMNET_ATTACH_MODE_H

enum attach_mode {
	ATTACH_NONE = 0, /* found: not attached */
	ATTACH_AUTO,     /* asked: tcx where the kernel has it, else tc */
	ATTACH_TCX,      /* tcx link, pinned under <pin-dir>/links */
	ATTACH_TC,       /* clsact + cls_bpf in direct-action mode */
};

/* "none", "auto", "tcx", "tc": the words of --attach and of the output. */
const char *attach_mode_name(enum attach_mode m);

#endif
