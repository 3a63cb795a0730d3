// SPDX-License-Identifier: MIT
/* fuzz_flow_hash.c - libFuzzer: the flow hash that picks a guest's receive queue
 *
 * Input: a frame from any port (another guest's, a tap's), headed for a
 * multiqueue guest. vn_flow_hash() must not read outside the frame (ASan),
 * must give the same value twice, and must give the same value for the
 * frame with its payload (bytes after the L4 header) changed: a flow's
 * frames must all land on one queue.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "core/pool.h"
#include "virtio/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vn_pool *pool;

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_pkt *pkt;
	struct vn_hdrs h;
	uint32_t a, b, i;

	if (!pool && vn_pool_create("fuzz", 4, &pool))
		abort();
	pkt = vn_pool_alloc(pool);
	if (!pkt)
		abort();
	if (vn_pkt_set(pkt, data, size)) {
		vn_pkt_put(pkt);
		return 0;
	}
	a = vn_flow_hash(pkt);
	check(vn_flow_hash(pkt) == a);
	/* Same flow, other payload: the bytes after the L4 header do not count */
	if (vn_parse_hdrs(pkt, &h) == VN_DROP_NONE && h.ip_version && (h.flags & VN_HDRS_F_L4)) {
		for (i = h.payload_off; i < pkt->len; i++)
			vn_pkt_data(pkt)[i] ^= 0xa5;
		b = vn_flow_hash(pkt);
		check(b == a);
	}
	vn_pkt_put(pkt);
	return 0;
}
