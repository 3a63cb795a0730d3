// SPDX-License-Identifier: MIT
/* fuzz_vhdr_gso.c - libFuzzer: virtio-net header validation, then software GSO
 *
 * Input: one byte of options (bit 0: sw_csum), a 10-byte virtio-net header,
 * then the frame. A header that validates must segment (the pool is large
 * enough for VN_GSO_SEGS_MAX), and every segment must parse as TCP/UDP, be
 * no longer than headers + gso_size, and carry a correct L4 checksum (or,
 * without sw_csum, complete to one) and IPv4 header checksum. A valid
 * NEEDS_CSUM frame must complete without touching bytes outside it.
 *
 * Seeds in corpus/fuzz_vhdr_gso/ are tf_build() frames (tests/core/frames.h):
 * TSO4 with IP and TCP options, TSO4+ECN with a VLAN tag, TSO6 with
 * Destination Options, USO4, USO6 with two tags, a plain NEEDS_CSUM frame.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csum.h"
#include "core/gso.h"
#include "core/parse.h"
#include "core/pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vn_pool *pool;
static struct vn_pkt *segs[VN_GSO_SEGS_MAX];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool l4_csum_ok(struct vn_pkt *seg, const struct vn_hdrs *h)
{
	const uint8_t *f = vn_pkt_data(seg);
	uint32_t l4_len = seg->len - h->l4_off, sum;

	if (h->ip_version == 4)
		sum = vn_csum_pseudo_v4(f + h->l3_off + 12, f + h->l3_off + 16, h->l4_proto, l4_len);
	else
		sum = vn_csum_pseudo_v6(f + h->l3_off + 8, f + h->l3_off + 24, h->l4_proto, l4_len);
	sum = vn_csum_partial(f + h->l4_off, l4_len, sum);
	return vn_csum_fold(sum) == 0;
}

static void check_segment(struct vn_pkt *seg, uint32_t gso_size, uint32_t hlen, bool sw_csum)
{
	struct vn_hdrs h;

	check(vn_parse_hdrs(seg, &h) == VN_DROP_NONE);
	check(h.flags & VN_HDRS_F_L4);
	check(h.payload_off == hlen && h.l3_end == seg->len);
	check(seg->len > hlen && seg->len - hlen <= gso_size);
	check(!vn_vhdr_is_gso(&seg->vh));
	if (h.ip_version == 4)
		check(vn_csum_fold(vn_csum_partial(vn_pkt_data(seg) + h.l3_off, h.l3_hlen, 0)) == 0);
	if (!sw_csum) {
		check(seg->vh.flags == VN_VHDR_F_NEEDS_CSUM);
		check(vn_vhdr_validate(seg) == VN_DROP_NONE);
		check(vn_csum_complete(seg) == VN_DROP_NONE);
	}
	check(l4_csum_ok(seg, &h));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_pkt *pkt;
	struct vn_hdrs h;
	enum vn_drop_reason why;
	bool sw_csum;
	int n, i;

	if (!pool && vn_pool_create("fuzz", VN_GSO_SEGS_MAX + 2, &pool))
		abort();
	if (size < 1 + VN_VHDR_LEN || size - 1 - VN_VHDR_LEN > VN_PKT_BUF_SIZE - VN_PKT_HEADROOM)
		return 0;
	sw_csum = data[0] & 1;
	pkt = vn_pool_alloc(pool);
	vn_pkt_set(pkt, data + 1 + VN_VHDR_LEN, (uint32_t)(size - 1 - VN_VHDR_LEN));
	vn_vhdr_parse(&pkt->vh, data + 1, VN_VHDR_LEN, VN_VHDR_LEN);

	if (vn_vhdr_validate_hdrs(pkt, &h) != VN_DROP_NONE) {
		/* Segmentation must refuse what validation refused */
		check(vn_gso_segment(pool, pkt, sw_csum, segs, VN_GSO_SEGS_MAX, &why) < 0);
		vn_pkt_put(pkt);
		return 0;
	}
	if (!vn_vhdr_is_gso(&pkt->vh)) {
		check(vn_csum_complete(pkt) == VN_DROP_NONE);
		vn_pkt_put(pkt);
		return 0;
	}
	n = vn_gso_segment(pool, pkt, sw_csum, segs, VN_GSO_SEGS_MAX, &why);
	check(n >= 2 && (unsigned int)n == vn_gso_count(pkt, h.payload_off));
	for (i = 0; i < n; i++)
		check_segment(segs[i], pkt->vh.gso_size, h.payload_off, sw_csum);
	vn_pkt_put_bulk(segs, (unsigned int)n);
	vn_pkt_put(pkt);
	check(vn_pool_avail(pool) == VN_GSO_SEGS_MAX + 2);
	return 0;
}
