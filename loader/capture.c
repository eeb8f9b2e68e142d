// SPDX-License-Identifier: Apache-2.0
/* Per-actor capture tables (capture.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ateomnet.h"
#include "capture.h"
#include "errmsg.h"

int capture_table_set(int outer, uint32_t id, bool on)
{
	uint32_t inner_id;
	int fd, rc = 0;

	if (!on) {
		if (bpf_map_delete_elem(outer, &id) && errno != ENOENT && errno != E2BIG)
			return ateom_fail("cannot remove actor id %u's capture table: %s", id,
					  strerror(errno));
		return 0;
	}
	if (!bpf_map_lookup_elem(outer, &id, &inner_id))
		return 0;
	/* Same type, sizes and flags as bpf/capture_map.h's template. */
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "capture_conns",
			    sizeof(struct ateom_capture_key), sizeof(struct ateom_capture_orig),
			    ATEOM_CAPTURE_ENTRIES, NULL);
	if (fd < 0)
		return ateom_fail("cannot create a capture table for actor id %u: %s", id,
				  strerror(errno));
	/* BPF_ANY: an fd array takes nothing else; callers hold the pin
	 * dir's lock, so the slot is still empty. */
	if (bpf_map_update_elem(outer, &id, &fd, BPF_ANY))
		rc = ateom_fail("cannot install actor id %u's capture table: %s", id,
				strerror(errno));
	close(fd);
	return rc;
}
