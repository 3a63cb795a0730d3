// SPDX-License-Identifier: MIT
/* flow.c - per-flow hash of a frame (addresses, protocol, ports) for receive-queue choice */
#include "core/hash.h"
#include "core/parse.h"
#include "flow.h"

/* Final mix, so that queue = hash % n uses every bit */
static uint32_t mix(uint32_t h)
{
	return (uint32_t)vn_mix64(h);
}

uint32_t vn_flow_hash(const struct vn_pkt *pkt)
{
	uint32_t h = VN_FNV_BASIS, alen;
	const uint8_t *p;
	struct vn_hdrs hd;

	if (vn_parse_hdrs(pkt, &hd) == VN_DROP_NONE && hd.ip_version) {
		/* IPv4: addresses at 12..19; IPv6: at 8..39 */
		alen = hd.ip_version == 4 ? 8 : 32;
		p = vn_pkt_ptr(pkt, hd.l3_off + (hd.ip_version == 4 ? 12 : 8), alen);
		if (p)
			h = vn_fnv1a(h, p, alen);
		h = vn_fnv1a(h, &hd.l4_proto, 1);
		p = (hd.flags & VN_HDRS_F_L4) ? vn_pkt_ptr(pkt, hd.l4_off, 4) : NULL;
		if (p)
			h = vn_fnv1a(h, p, 4);
		return mix(h);
	}
	/* Not IP: destination, source and EtherType */
	p = vn_pkt_ptr(pkt, 0, 14);
	if (!p)
		return 0;
	return mix(vn_fnv1a(h, p, 14));
}
