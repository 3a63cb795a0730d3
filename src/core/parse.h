/* SPDX-License-Identifier: MIT */
/* parse.h - frame header walk: Ethernet, VLAN tags, IPv4/IPv6, TCP/UDP offsets
 *
 * vn_parse_hdrs() walks the headers of one frame through vn_pkt_ptr() and
 * records where each layer starts, checking every length field against the
 * frame. It does not look at the virtio-net header: vn_vhdr_validate() does,
 * using this walk.
 *
 * What is understood:
 *  - Ethernet II, then up to two 802.1Q (0x8100) / 802.1ad (0x88a8) tags.
 *    A third tag leaves the frame as non-IP (eth_type 0x8100/0x88a8).
 *  - IPv4 with options (ihl 5..15, total length >= ihl * 4 and within the
 *    frame). Fragments get VN_HDRS_F_FRAG; only a first fragment has its L4
 *    header parsed.
 *  - IPv6 with the extension headers Hop-by-Hop (only first), Routing,
 *    Destination Options, Fragment and AH, at most VN_PARSE_EXTHDR_MAX of
 *    them. ESP and No Next Header end the walk (no L4 header). Mobility,
 *    HIP, Shim6 and the experimental values 253/254 are extension headers
 *    we cannot walk safely: VN_DROP_L3_EXTHDR. Jumbograms (payload length
 *    0 with Hop-by-Hop, RFC 2675) are rejected.
 *  - TCP (data offset 5..15, within the IP datagram) and UDP (8 bytes, length
 *    field 8..datagram). Other L4 protocols are left unparsed
 *    (payload_off == l4_off).
 *
 * Bytes after the IP datagram (Ethernet padding) are outside [l3_off, l3_end).
 */
#ifndef VN_CORE_PARSE_H
#define VN_CORE_PARSE_H

#include <stdint.h>

#include "drop.h"
#include "pkt.h"
#include "wire.h"

#define VN_PARSE_VLAN_MAX	2
#define VN_PARSE_EXTHDR_MAX	8

/* struct vn_hdrs.flags */
#define VN_HDRS_F_FRAG		0x01	/* IPv4 or IPv6 fragment */
#define VN_HDRS_F_LATER_FRAG	0x02	/* not the first fragment: no L4 header */
#define VN_HDRS_F_IP_OPTS	0x04	/* IPv4 options present (ihl > 5) */
#define VN_HDRS_F_V6_EXT	0x08	/* IPv6 extension headers present */
#define VN_HDRS_F_V6_RTHDR	0x10	/* IPv6 Routing header present */
#define VN_HDRS_F_AH		0x20	/* IPsec AH present */
#define VN_HDRS_F_L4		0x40	/* TCP or UDP header parsed */

/**
 * struct vn_hdrs - where each header of a frame starts (offsets from the frame start)
 * @eth_type:	   EtherType after the VLAN tags, host order
 * @nvlan:	   VLAN tags skipped (0..VN_PARSE_VLAN_MAX)
 * @ip_version:	   4 or 6; 0 for non-IP frames (then only @eth_type, @l3_off mean anything)
 * @l4_proto:	   IPPROTO_* of the upper layer (after IPv6 extension headers)
 * @flags:	   VN_HDRS_F_* bits
 * @vlan_tci:	   TCI of each tag, outer first, host order
 * @l3_off:	   first byte of the IP header (after Ethernet and VLAN tags)
 * @l3_hlen:	   IPv4: ihl * 4; IPv6: 40 (extension headers are in l4_off - l3_off)
 * @l3_end:	   @l3_off + IP total length (IPv4 tot_len, IPv6 40 + payload_len);
 *		   never past the frame
 * @l4_off:	   first byte of the L4 header
 * @l4_hlen:	   TCP: data offset * 4; UDP: 8; 0 if no L4 header was parsed
 * @payload_off:   first byte after the L4 header (@l4_off + @l4_hlen)
 */
struct vn_hdrs {
	uint16_t eth_type;
	uint8_t nvlan;
	uint8_t ip_version;
	uint8_t l4_proto;
	uint8_t flags;
	uint16_t vlan_tci[VN_PARSE_VLAN_MAX];
	uint32_t l3_off;
	uint32_t l3_hlen;
	uint32_t l3_end;
	uint32_t l4_off;
	uint32_t l4_hlen;
	uint32_t payload_off;
};

/**
 * vn_parse_hdrs() - Walk a frame's headers and record their offsets
 * @pkt:	packet (not modified)
 * @h:		output, zeroed first
 *
 * Non-IP frames are not an error: they return VN_DROP_NONE with
 * @h->ip_version 0. An IP frame whose headers do not fit is.
 *
 * Return: VN_DROP_NONE, or VN_DROP_RUNT, VN_DROP_L3_TRUNCATED,
 *	   VN_DROP_L3_BAD, VN_DROP_L3_EXTHDR, VN_DROP_L4_TRUNCATED, VN_DROP_L4_BAD
 */
enum vn_drop_reason vn_parse_hdrs(const struct vn_pkt *pkt, struct vn_hdrs *h);

/**
 * vn_parse_l4_payload_len() - L4 payload bytes of a parsed TCP/UDP frame
 * @h:		headers parsed by vn_parse_hdrs() with VN_HDRS_F_L4 set
 *
 * Return: bytes from payload_off to the end of the IP datagram
 */
static inline uint32_t vn_parse_l4_payload_len(const struct vn_hdrs *h)
{
	return h->l3_end - h->payload_off;
}

#endif /* VN_CORE_PARSE_H */
