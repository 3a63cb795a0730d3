/* SPDX-License-Identifier: MIT */
/* vlan.h - per-port 802.1Q: access and trunk ports, tag pop at ingress, push at egress
 *
 * Inside the switch a frame is untagged and its VLAN id is in
 * pkt->vlan_tci (like the kernel's skb->vlan_tci). A port is one of:
 *  - plain (no vlan=, no trunk=): VLAN-unaware, everything is VLAN 0 and
 *    tags a guest puts on its frames are carried untouched as payload;
 *  - access (vlan=N): untagged frames (and priority-tagged, VID 0) belong
 *    to VLAN N and leave untagged; tagged frames are dropped (VN_DROP_VLAN);
 *  - trunk (trunk=A:B:...): tagged frames of an allowed VLAN are popped at
 *    ingress and pushed again at egress; an untagged frame belongs to the
 *    native VLAN given by vlan=N, or is dropped when there is none.
 * Pushing and popping a tag moves the L3 header by 4 bytes, so csum_start
 * and hdr_len of the offload metadata move with it.
 */
#ifndef VN_SWITCH_VLAN_H
#define VN_SWITCH_VLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/drop.h"
#include "core/pkt.h"
#include "core/wire.h"
#include "port/port.h"

#define VN_VLAN_MAX		4094

/**
 * struct vn_sw_vlan - a port's VLAN configuration, compiled for the datapath
 * @native:	VLAN of untagged frames (access VLAN or trunk native), 0 if none
 * @trunk:	the port carries tagged frames
 * @plain:	VLAN-unaware port (VLAN 0 only, tags untouched)
 * @allowed:	bitmap of VLAN ids tagged on this trunk
 */
struct vn_sw_vlan {
	uint16_t native;
	bool trunk;
	bool plain;
	uint64_t allowed[4096 / 64];
};

/**
 * vn_sw_vlan_init() - Compile a port's VLAN options
 * @v:		output
 * @conf:	the port's switch-level options (vlan=, trunk=)
 *
 * Return: 0, or -EINVAL for a VLAN id outside 1-4094
 */
int vn_sw_vlan_init(struct vn_sw_vlan *v, const struct vn_port_conf *conf);

/**
 * vn_sw_vlan_member() - Whether frames of VLAN @vid may leave through the port
 * @v:		port VLAN configuration
 * @vid:	VLAN id
 *
 * Return: true if the port is a member of @vid
 */
static inline bool vn_sw_vlan_member(const struct vn_sw_vlan *v, uint16_t vid)
{
	if (v->plain)
		return vid == 0;
	if (vid && vid == v->native)
		return true;
	return v->trunk && vid <= 4095 && (v->allowed[vid / 64] >> (vid % 64) & 1);
}

/**
 * vn_sw_vlan_shared() - A VLAN two ports both carry
 * @a:		one port's VLAN configuration
 * @b:		the other's
 * @vid:	output: the lowest such VLAN (0: both VLAN-unaware)
 *
 * Return: true if a frame flooded in some VLAN could leave through both
 */
bool vn_sw_vlan_shared(const struct vn_sw_vlan *a, const struct vn_sw_vlan *b, uint16_t *vid);

/**
 * vn_sw_vlan_ingress() - Classify a received frame into a VLAN, popping its tag
 * @v:		ingress port VLAN configuration
 * @pkt:	frame, owned alone (just received); pkt->vlan_tci is set
 *
 * Return: VN_DROP_NONE, VN_DROP_VLAN (not allowed here) or VN_DROP_RUNT
 */
enum vn_drop_reason vn_sw_vlan_ingress(const struct vn_sw_vlan *v, struct vn_pkt *pkt);

/**
 * vn_sw_vlan_egress() - Prepare a frame of VLAN pkt->vlan_tci for a port
 * @v:		egress port VLAN configuration
 * @pool:	pool for a private copy, if the frame is shared and needs a tag
 * @pktp:	in/out: the frame; replaced by a private copy when a tag is
 *		pushed onto a shared frame (the caller's reference moves to it)
 *
 * Return: VN_DROP_NONE, VN_DROP_VLAN (port not a member) or VN_DROP_NO_BUFFER
 */
enum vn_drop_reason vn_sw_vlan_egress(const struct vn_sw_vlan *v, struct vn_pool *pool,
				      struct vn_pkt **pktp);

/**
 * vn_sw_vlan_push() - Insert an 802.1Q tag after the MAC addresses
 * @pkt:	frame, owned alone
 * @vid:	VLAN id
 *
 * Return: VN_DROP_NONE, VN_DROP_RUNT or VN_DROP_NO_BUFFER (no headroom)
 */
enum vn_drop_reason vn_sw_vlan_push(struct vn_pkt *pkt, uint16_t vid);

/**
 * vn_sw_vlan_pop() - Remove the 802.1Q tag after the MAC addresses
 * @pkt:	frame with a tag, owned alone
 *
 * Return: VN_DROP_NONE or VN_DROP_RUNT
 */
enum vn_drop_reason vn_sw_vlan_pop(struct vn_pkt *pkt);

#endif /* VN_SWITCH_VLAN_H */
