// SPDX-License-Identifier: MIT
/* fuzz_sw_vlan.c - switch ingress/egress VLAN handling of untrusted frames
 *
 * Input: 1 byte of port mode (plain / access / trunk / trunk with native),
 * 10 bytes of virtio-net header, then the frame. Frames that pass header
 * validation go through VLAN ingress and egress on a trunk; invariants: a
 * frame only ever changes by one 4-byte tag, and a NEEDS_CSUM field stays
 * inside the frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "core/vhdr.h"
#include "switch/vlan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vn_pool *pool;

static void check(const struct vn_pkt *p)
{
	if ((p->vh.flags & VN_VHDR_F_NEEDS_CSUM) &&
	    (uint32_t)p->vh.csum_start + p->vh.csum_offset + 2 > p->len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_port_conf conf = { 0 };
	struct vn_sw_vlan in, out;
	struct vn_pkt *p;
	uint32_t len0;

	if (!pool && vn_pool_create("fuzz", 4, &pool))
		abort();
	if (size < 1 + VN_VHDR_LEN || size - 1 - VN_VHDR_LEN > VN_PKT_FRAME_MAX)
		return 0;
	conf.access_vlan = (data[0] & 1) ? 10 : 0;
	if (data[0] & 2) {
		conf.ntrunk = 2;
		conf.trunk[0] = 10;
		conf.trunk[1] = (uint16_t)(1 + (data[0] >> 2) % 4094);
	}
	if (vn_sw_vlan_init(&in, &conf))
		return 0;
	memset(&conf, 0, sizeof(conf));
	conf.ntrunk = 1;
	conf.trunk[0] = 10;
	if (vn_sw_vlan_init(&out, &conf))
		abort();
	p = vn_pool_alloc(pool);
	if (!p || vn_pkt_set(p, data + 1 + VN_VHDR_LEN, (uint32_t)(size - 1 - VN_VHDR_LEN)) ||
	    vn_vhdr_parse(&p->vh, data + 1, VN_VHDR_LEN, VN_VHDR_LEN))
		abort();
	len0 = p->len;
	if (vn_vhdr_validate(p) == VN_DROP_NONE && vn_sw_vlan_ingress(&in, p) == VN_DROP_NONE) {
		if (p->len != len0 && p->len + 4 != len0)
			abort();
		check(p);
		len0 = p->len;
		if (vn_sw_vlan_egress(&out, pool, &p) == VN_DROP_NONE) {
			if (p->len != len0 && p->len != len0 + 4)
				abort();
			check(p);
		}
	}
	vn_pkt_put(p);
	return 0;
}
