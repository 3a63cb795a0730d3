/* SPDX-License-Identifier: MIT */
/* gso.h - software segmentation of TSO4/TSO6/USO frames at egress
 *
 * A frame with gso_type TCPV4, TCPV6 or UDP_L4 going to a port that did not
 * negotiate the matching offload is cut here into frames of at most
 * gso_size L4 payload bytes each, with the headers fixed up the way the
 * Linux kernel's software GSO (tcp_gso_segment(), __udp_gso_segment(),
 * inet_gso_segment(), ipv6_gso_segment()) fixes them, so a port sees the
 * same bytes whether the kernel or vnetd segmented:
 *
 *  - IPv4: total length, ID incremented per segment from the frame's ID,
 *    header checksum recomputed (options copied to every segment);
 *  - IPv6: payload length (extension headers copied);
 *  - TCP: sequence number advanced by gso_size per segment, FIN and PSH
 *    only on the last segment, CWR only on the first;
 *  - UDP: length per segment;
 *  - L4 checksum: computed in full (sw_csum) or left as NEEDS_CSUM with the
 *    segment's pseudo-header sum in the field.
 *
 * The pseudo-header sum is computed from the addresses in the frame, never
 * taken from the guest's checksum field.
 */
#ifndef VN_CORE_GSO_H
#define VN_CORE_GSO_H

#include <stdbool.h>

#include "drop.h"
#include "pkt.h"
#include "vhdr.h"

struct vn_pool;

/* Most segments vn_gso_segment() makes from one frame: size @segs to this */
#define VN_GSO_SEGS_MAX		VN_VHDR_GSO_SEGS_MAX

/**
 * vn_gso_segment() - Cut a TSO/USO frame into segments of gso_size payload bytes
 * @pool:	pool the segments are allocated from
 * @pkt:	the GSO frame; not modified (it may be shared); its header is
 *		validated here again (vn_vhdr_validate()), hdr_len ignored
 * @sw_csum:	true: compute each segment's L4 checksum (destination lacks
 *		CSUM), segment flags 0 as virtio wants for a driver without
 *		GUEST_CSUM and as the kernel writes to such a tap; false:
 *		segments get NEEDS_CSUM
 *		with the pseudo-header sum in the field (destination does CSUM)
 * @segs:	output, the segments in order, each with one reference
 * @max:	room in @segs (VN_GSO_SEGS_MAX always suffices)
 * @why:	drop reason when the call fails
 *
 * Each segment is a fresh frame: the original Ethernet/VLAN/IP/L4 headers
 * (re-derived from the frame) plus its share of the payload, with gso_type
 * NONE, hdr_len 0, and @pkt's in_port and vlan_tci. No allocation besides
 * the pool buffers.
 *
 * Return: number of segments (>= 2), or -EINVAL (not a valid GSO frame,
 *	   *@why from validation), -ENOSPC (more segments than @max,
 *	   VN_DROP_GSO_FAILED), -ENOBUFS (pool empty, VN_DROP_NO_BUFFER;
 *	   nothing is kept)
 */
int vn_gso_segment(struct vn_pool *pool, const struct vn_pkt *pkt, bool sw_csum,
		   struct vn_pkt **segs, unsigned int max, enum vn_drop_reason *why);

/**
 * vn_gso_count() - How many segments a validated GSO frame makes
 * @pkt:	GSO frame that passed vn_vhdr_validate()
 * @payload_off: first L4 payload byte (struct vn_hdrs.payload_off)
 *
 * Return: segment count, 0 if @pkt is not a GSO frame
 */
unsigned int vn_gso_count(const struct vn_pkt *pkt, uint32_t payload_off);

#endif /* VN_CORE_GSO_H */
