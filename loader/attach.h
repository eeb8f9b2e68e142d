/* SPDX-License-Identifier: Apache-2.0 */
/* Attaching our programs to TC ingress: tcx links (pinned, so they outlive
 * the loader) where the kernel has them, else clsact + cls_bpf in
 * direct-action mode. Other people's programs are never touched. */
#ifndef ATEOMNET_ATTACH_H
#define ATEOMNET_ATTACH_H

#include "attach_mode.h"
#include "datapath.h"
#include "netlink.h"

/* Our cls_bpf filter's place on clsact ingress. */
#define ATEOM_TC_PRIO 0xa7e0
#define ATEOM_TC_HANDLE 1

/* Attaches prog to ifname's hook (ingress or egress). ATTACH_AUTO tries
 * tcx first. *used tells which mode it ended up with (ATTACH_TCX or
 * ATTACH_TC). */
int attach_hook(struct nl *nl, const struct dp *dp, const char *ifname, int ifindex,
		enum nl_tc_hook hook, const struct dp_prog *prog, enum attach_mode want,
		enum attach_mode *used);
/* Detaches prog from ifname's hook in whatever mode it is attached. */
int detach_hook(struct nl *nl, const struct dp *dp, const char *ifname, int ifindex,
		enum nl_tc_hook hook, const struct dp_prog *prog);

/* Attaches prog to ifname's ingress. ATTACH_AUTO tries tcx first.
 * *used tells which mode it ended up with (ATTACH_TCX or ATTACH_TC). */
int attach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, const struct dp_prog *prog, enum attach_mode want,
		   enum attach_mode *used);

/* Which mode (ATTACH_NONE if none) prog is attached with on ifname's
 * ingress. A tcx link counts only if it is alive and on this ifindex: a
 * pin at links/IFNAME of a link whose device is gone (or of another
 * device or program) is unlinked, so the next attach makes a fresh one. */
enum attach_mode attach_query(struct nl *nl, const struct dp *dp,
			      const char *ifname, int ifindex, const struct dp_prog *prog);

/* Detaches prog from ifname's ingress in whatever mode it is attached.
 * Missing attachments are fine; someone else's program is left alone. */
int detach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, const struct dp_prog *prog);

/* With no actor left, detaches from_pod so the pod interface is exactly
 * what it was; with actors up it leaves it. Either way it unlinks the pins
 * of links whose device is gone (attach_sweep_links). */
int detach_pod_if_idle(struct nl *nl, const struct dp *dp);

/* Unlinks the pins under links/ of links whose device is gone (all: every
 * pin, detaching live links first, as purge does). A dead link's pin is
 * the last thing keeping it, and so its program, alive. */
int attach_sweep_links(const struct dp *dp, bool all);

#endif
