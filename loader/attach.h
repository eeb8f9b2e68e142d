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

/* Attaches prog to ifname's ingress. ATTACH_AUTO tries tcx first.
 * *used tells which mode it ended up with (ATTACH_TCX or ATTACH_TC). */
int attach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, const struct dp_prog *prog, enum attach_mode want,
		   enum attach_mode *used);

/* Which mode (ATTACH_NONE if none) prog is attached with on ifname's ingress. */
enum attach_mode attach_query(struct nl *nl, const struct dp *dp,
			      const char *ifname, int ifindex, const struct dp_prog *prog);

/* Detaches prog from ifname's ingress in whatever mode it is attached.
 * Missing attachments are fine; someone else's program is left alone. */
int detach_ingress(struct nl *nl, const struct dp *dp, const char *ifname,
		   int ifindex, const struct dp_prog *prog);

/* With no actor left, detaches from_pod so the pod interface is exactly
 * what it was; with actors up it does nothing. */
int detach_pod_if_idle(struct nl *nl, const struct dp *dp);

#endif
