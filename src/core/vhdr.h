/* SPDX-License-Identifier: MIT */
/* vhdr.h - the virtio-net header: vnetd's one offload metadata format
 *
 * Every layer describes a frame's pending offload work with these fields and
 * gives them one meaning (virtio 1.x, §5.1.6 "Device Operation"):
 *
 *  - flags NEEDS_CSUM: the L4 checksum is not done; the 16-bit field at
 *    csum_start + csum_offset holds the pseudo-header sum, and the ones'
 *    complement sum from csum_start to the end of the frame must be folded
 *    into it.
 *  - flags DATA_VALID: the L4 checksum has been verified (receive side).
 *  - gso_type/gso_size: the frame is a TSO/USO super-frame to be cut into
 *    segments carrying at most gso_size bytes of L4 payload each.
 *  - hdr_len: length of the Ethernet + L3 + L4 headers (a hint: guests lie,
 *    so it is re-derived from the frame before segmenting).
 *  - num_buffers: MRG_RXBUF only, buffers used by one received frame.
 *
 * On the wire the header is 10 bytes, or 12 with MRG_RXBUF or VERSION_1,
 * little-endian. struct vn_vhdr holds it decoded in host order.
 */
#ifndef VN_CORE_VHDR_H
#define VN_CORE_VHDR_H

#include <stddef.h>
#include <stdint.h>

#include "drop.h"

struct vn_pkt;
struct vn_hdrs;

#define VN_VHDR_F_NEEDS_CSUM	1
#define VN_VHDR_F_DATA_VALID	2
#define VN_VHDR_F_RSC_INFO	4

#define VN_VHDR_GSO_NONE	0
#define VN_VHDR_GSO_TCPV4	1
#define VN_VHDR_GSO_UDP		3	/* UFO, obsolete: rejected */
#define VN_VHDR_GSO_TCPV6	4
#define VN_VHDR_GSO_UDP_L4	5
#define VN_VHDR_GSO_ECN		0x80

#define VN_VHDR_LEN		10	/* struct virtio_net_hdr */
#define VN_VHDR_MRG_LEN		12	/* struct virtio_net_hdr_mrg_rxbuf */

/**
 * struct vn_vhdr - decoded virtio-net header, host byte order
 * @flags:	VN_VHDR_F_* bits
 * @gso_type:	VN_VHDR_GSO_* value, possibly with VN_VHDR_GSO_ECN
 * @hdr_len:	Ethernet + L3 + L4 header length
 * @gso_size:	L4 payload bytes per segment
 * @csum_start:	offset from the start of the frame where checksumming starts
 * @csum_offset: offset from csum_start of the 16-bit checksum field
 * @num_buffers: buffers merged for this frame (MRG_RXBUF), else 0
 */
struct vn_vhdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

/**
 * vn_vhdr_parse() - Decode a wire header
 * @vh:		decoded header, output (zeroed first)
 * @buf:	wire bytes, little-endian
 * @len:	bytes available at @buf
 * @hdr_sz:	VN_VHDR_LEN or VN_VHDR_MRG_LEN
 *
 * Only decodes; vn_vhdr_validate() checks the fields against the frame.
 *
 * Return: 0, -EINVAL for a bad @hdr_sz, -EMSGSIZE if @len < @hdr_sz
 */
int vn_vhdr_parse(struct vn_vhdr *vh, const void *buf, size_t len, size_t hdr_sz);

/**
 * vn_vhdr_build() - Encode a header into wire form
 * @vh:		header to encode
 * @buf:	output, at least @hdr_sz bytes; fully written (no info leak)
 * @hdr_sz:	VN_VHDR_LEN or VN_VHDR_MRG_LEN (num_buffers only in the latter)
 */
void vn_vhdr_build(const struct vn_vhdr *vh, void *buf, size_t hdr_sz);

/**
 * vn_vhdr_is_gso() - Whether the frame still needs segmentation
 * @vh:		header
 *
 * Return: true if gso_type is not NONE
 */
static inline int vn_vhdr_is_gso(const struct vn_vhdr *vh)
{
	return (vh->gso_type & ~VN_VHDR_GSO_ECN) != VN_VHDR_GSO_NONE;
}

/*
 * Most segments one GSO frame may be cut into. 64 KiB at Linux's smallest
 * send MSS (tcp_min_snd_mss, 48) is 1366 segments, so every Linux guest's
 * TSO frames fit; a frame asking for more is a lie or an attack on our pool.
 */
#define VN_VHDR_GSO_SEGS_MAX	2048
/* USO: the kernel's UDP_MAX_SEGMENTS */
#define VN_VHDR_USO_SEGS_MAX	128

/**
 * vn_vhdr_validate() - Check a frame's virtio-net header against the frame
 * @pkt:	packet whose @vh came from outside (guest, tap, pcap)
 *
 * Rejects what the Linux kernel's virtio_net_hdr_to_skb() rejects, and more:
 * unknown flag bits (RSC_INFO included) or gso_type values, UFO, ECN without
 * TCP GSO, a checksum field outside the frame, hdr_len past the frame, and
 * for GSO frames: no NEEDS_CSUM, gso_size 0 or not smaller than the payload,
 * too many segments, L3/L4 headers that do not match the GSO type (or do not
 * parse, or are a fragment, or carry an IPv6 Routing header or AH), csum_start
 * not at the L4 header or csum_offset not at its checksum, an IP datagram
 * that does not end where the frame ends. hdr_len below the real header
 * length is not rejected (Linux guests put skb_headlen() there): it is a
 * hint, re-derived by vn_vhdr_fix_hdr_len() before segmenting.
 *
 * Return: VN_DROP_NONE (keep), or the reason to drop
 */
enum vn_drop_reason vn_vhdr_validate(const struct vn_pkt *pkt);

/**
 * vn_vhdr_validate_hdrs() - vn_vhdr_validate(), also returning the header walk
 * @pkt:	packet
 * @h:		output: the frame's headers (filled for GSO frames, and for
 *		other frames only when @pkt is IP; zeroed otherwise)
 *
 * Return: as vn_vhdr_validate()
 */
enum vn_drop_reason vn_vhdr_validate_hdrs(const struct vn_pkt *pkt, struct vn_hdrs *h);

/* vn_vhdr_needs(): no receiver can take this frame (an unknown GSO type) */
#define VN_VHDR_NEEDS_NEVER	(~0ull)

/**
 * vn_vhdr_needs() - The receiver features a frame needs to be taken as it is
 * @pkt:	packet (its header already validated)
 *
 * In the receiver's terms (core/vnet_feat.h): GUEST_CSUM for a NEEDS_CSUM
 * frame; for a GSO frame also GUEST_TSO4, GUEST_TSO6, or GUEST_USO4/USO6
 * by the frame's IP version (read past one VLAN tag, where a push at egress
 * put it), and GUEST_ECN with the ECN bit. A receiver whose features do not
 * cover them gets the frame resolved in software first (switch/egress.c).
 *
 * Return: the VN_BIT(VN_NET_F_GUEST_*) mask; VN_VHDR_NEEDS_NEVER for a GSO
 * type nobody accepts; 0 for a frame with no pending work
 */
uint64_t vn_vhdr_needs(const struct vn_pkt *pkt);

/**
 * vn_vhdr_fix_hdr_len() - Re-derive hdr_len from the frame's own headers
 * @pkt:	packet, owned by the caller alone
 *
 * Guest GSO is dodgy: before segmenting, hdr_len is set to the real
 * Ethernet + VLAN + IP (+ extension headers) + TCP/UDP header length.
 * Frames without a TCP/UDP header keep their hdr_len.
 *
 * Return: VN_DROP_NONE, or why the headers do not parse
 */
enum vn_drop_reason vn_vhdr_fix_hdr_len(struct vn_pkt *pkt);

#endif /* VN_CORE_VHDR_H */
