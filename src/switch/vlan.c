// SPDX-License-Identifier: MIT
/* vlan.c - per-port 802.1Q: classify, pop at ingress, push at egress */
#include <errno.h>
#include <string.h>

#include "core/be.h"
#include "core/compiler.h"
#include "core/pool.h"
#include "core/wire.h"
#include "vlan.h"

/* An 802.1Q-tagged Ethernet header: MACs, TPID, TCI, inner EtherType */
#define TAGGED_HLEN	(VN_ETH_HLEN + VN_VLAN_HLEN)

int vn_sw_vlan_init(struct vn_sw_vlan *v, const struct vn_port_conf *conf)
{
	unsigned int k;

	memset(v, 0, sizeof(*v));
	if (conf->access_vlan > VN_VLAN_MAX)
		return -EINVAL;
	v->native = conf->access_vlan;
	v->trunk = conf->ntrunk > 0;
	v->plain = !v->native && !v->trunk;
	/* More entries than the array holds */
	if (conf->ntrunk > VN_PORT_TRUNK_MAX)
		return -EINVAL;
	for (k = 0; k < conf->ntrunk; k++) {
		uint16_t vid = conf->trunk[k];

		/* 0 and 4095 are reserved (802.1Q, table 9-2) */
		if (vid < 1 || vid > VN_VLAN_MAX)
			return -EINVAL;
		v->allowed[vid / 64] |= 1ull << (vid % 64);
	}
	return 0;
}

bool vn_sw_vlan_shared(const struct vn_sw_vlan *a, const struct vn_sw_vlan *b, uint16_t *vid)
{
	for (unsigned int v = 0; v <= VN_VLAN_MAX; v++) {
		if (vn_sw_vlan_member(a, (uint16_t)v) && vn_sw_vlan_member(b, (uint16_t)v)) {
			*vid = (uint16_t)v;
			return true;
		}
	}
	return false;
}

/* Move the offload offsets with the L3 header */
static void shift_offloads(struct vn_pkt *pkt, int delta)
{
	if (pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM)
		pkt->vh.csum_start = (uint16_t)(pkt->vh.csum_start + delta);
	if (pkt->vh.hdr_len)
		pkt->vh.hdr_len = (uint16_t)(pkt->vh.hdr_len + delta);
}

enum vn_drop_reason vn_sw_vlan_push(struct vn_pkt *pkt, uint16_t vid)
{
	uint8_t *p;

	/* No room for the MAC addresses we move */
	if (unlikely(!vn_pkt_ptr(pkt, 0, VN_ETH_ADDRS_LEN)))
		return VN_DROP_RUNT;
	/* Offsets the tag would push past 16 bits (they would wrap to the front) */
	if (unlikely(((pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM) &&
		      pkt->vh.csum_start > UINT16_MAX - VN_VLAN_HLEN) ||
		     pkt->vh.hdr_len > UINT16_MAX - VN_VLAN_HLEN))
		return VN_DROP_VHDR_CSUM_RANGE;
	p = vn_pkt_push(pkt, VN_VLAN_HLEN);
	if (unlikely(!p))
		return VN_DROP_NO_BUFFER;
	memmove(p, p + VN_VLAN_HLEN, VN_ETH_ADDRS_LEN);
	vn_put_be16(p + VN_ETH_TYPE, VN_ETH_P_8021Q);
	vn_put_be16(p + VN_ETH_HLEN + VN_VLAN_TCI, vid & VN_VLAN_VID_MASK);
	shift_offloads(pkt, VN_VLAN_HLEN);
	return VN_DROP_NONE;
}

enum vn_drop_reason vn_sw_vlan_pop(struct vn_pkt *pkt)
{
	uint8_t *p = vn_pkt_ptr(pkt, 0, TAGGED_HLEN);

	/* Tagged frame too short to hold its inner EtherType */
	if (unlikely(!p))
		return VN_DROP_RUNT;
	/* Offload offsets pointing into the tag we remove */
	if (unlikely(((pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM) &&
		      pkt->vh.csum_start < TAGGED_HLEN) ||
		     (pkt->vh.hdr_len && pkt->vh.hdr_len < TAGGED_HLEN)))
		return VN_DROP_VHDR_CSUM_RANGE;
	memmove(p + VN_VLAN_HLEN, p, VN_ETH_ADDRS_LEN);
	vn_pkt_pull(pkt, VN_VLAN_HLEN);
	shift_offloads(pkt, -VN_VLAN_HLEN);
	return VN_DROP_NONE;
}

enum vn_drop_reason vn_sw_vlan_ingress(const struct vn_sw_vlan *v, struct vn_pkt *pkt)
{
	const uint8_t *p = vn_pkt_ptr(pkt, 0, VN_ETH_HLEN);
	uint16_t vid;

	/* Shorter than an Ethernet header */
	if (unlikely(!p))
		return VN_DROP_RUNT;
	if (v->plain) {
		pkt->vlan_tci = 0;
		return VN_DROP_NONE;
	}
	if (vn_be16(p + VN_ETH_TYPE) != VN_ETH_P_8021Q) {
		/* Untagged on a trunk without a native VLAN */
		if (unlikely(!v->native))
			return VN_DROP_VLAN;
		pkt->vlan_tci = v->native;
		return VN_DROP_NONE;
	}
	p = vn_pkt_ptr(pkt, 0, VN_ETH_HLEN + VN_VLAN_TYPE);
	/* Tag cut short */
	if (unlikely(!p))
		return VN_DROP_RUNT;
	vid = vn_be16(p + VN_ETH_HLEN + VN_VLAN_TCI) & VN_VLAN_VID_MASK;
	if (vid == 0) {
		vid = v->native;	/* priority tag: the frame is untagged */
		if (unlikely(!vid))
			return VN_DROP_VLAN;
	} else if (unlikely(!v->trunk || !(v->allowed[vid / 64] >> (vid % 64) & 1))) {
		/* A VLAN this port does not carry tagged */
		return VN_DROP_VLAN;
	}
	pkt->vlan_tci = vid;
	return vn_sw_vlan_pop(pkt);
}

enum vn_drop_reason vn_sw_vlan_egress(const struct vn_sw_vlan *v, struct vn_pool *pool,
				      struct vn_pkt **pktp)
{
	uint16_t vid = (*pktp)->vlan_tci;

	if (unlikely(!vn_sw_vlan_member(v, vid)))
		return VN_DROP_VLAN;
	if (v->plain || vid == v->native)
		return VN_DROP_NONE;
	/* The tag is written into the frame: a flooded copy must not see it */
	if (vn_pkt_unshare(pool, pktp))
		return VN_DROP_NO_BUFFER;
	return vn_sw_vlan_push(*pktp, vid);
}
