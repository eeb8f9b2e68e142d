// SPDX-License-Identifier: Apache-2.0
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "errmsg.h"
#include "teardown.h"
#include "veth.h"

int teardown_actor(struct nl *nl, const struct dp *dp, const struct actor_ref *ref,
		   long *nat_removed)
{
	uint32_t ifindex = ref->ifindex;
	char ifname[IF_NAMESIZE] = "";
	struct nl_link l;
	int err;

	/* Stop new flows first: no actor entry = the datapath drops its
	 * packets; no service = no new inbound. */
	if (state_delete_services(dp, ifindex) < 0)
		return -1;
	bpf_map_delete_elem(dp->actors, &ifindex);
	/* The next actor with this id must not inherit this one's hook. */
	if (state_hook_set(dp, ref->a.id, -1))
		return -1;
	if (nl_link_get_by_index(nl, ifindex, &l) == 0) {
		snprintf(ifname, sizeof(ifname), "%s", l.name);
		if (detach_ingress(nl, dp, ifname, ifindex, &dp->from_actor))
			return -1;
		/* Only delete the link if it is still the one we made. */
		if (veth_is_actors(&l, ref->a.name) && (err = nl_link_del(nl, ifindex)))
			return ateom_fail("cannot delete %s: %s%s%s", ifname, strerror(-err),
					  nl_error(nl)[0] ? ": " : "", nl_error(nl));
	}
	*nat_removed = state_nat_delete(dp, ifindex);
	if (*nat_removed < 0)
		return -1;
	return state_counters_zero(dp, ref->a.id);
}
