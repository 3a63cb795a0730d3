// SPDX-License-Identifier: MIT
/* parse.c - frame header walk: Ethernet, VLAN tags, IPv4/IPv6, TCP/UDP offsets
 *
 * Security model: every byte here comes from a guest, a tap or a pcap file.
 * Each length field is checked against what is left of the frame (or of the
 * IP datagram) before anything past it is read, and every read goes through
 * vn_pkt_ptr(). A walk is bounded: two VLAN tags, VN_PARSE_EXTHDR_MAX IPv6
 * extension headers.
 */
#include <string.h>

#include "be.h"
#include "parse.h"

static enum vn_drop_reason parse_eth(const struct vn_pkt *pkt, struct vn_hdrs *h)
{
	const uint8_t *p = vn_pkt_ptr(pkt, 0, VN_ETH_HLEN);
	uint32_t off = VN_ETH_HLEN;

	/* Shorter than an Ethernet header */
	if (unlikely(!p))
		return VN_DROP_RUNT;
	h->eth_type = vn_be16(p + VN_ETH_TYPE);
	while ((h->eth_type == VN_ETH_P_8021Q || h->eth_type == VN_ETH_P_8021AD) &&
	       h->nvlan < VN_PARSE_VLAN_MAX) {
		const uint8_t *tag = vn_pkt_ptr(pkt, off, VN_VLAN_HLEN);

		/* Tag announced, frame ends inside it */
		if (unlikely(!tag))
			return VN_DROP_RUNT;
		h->vlan_tci[h->nvlan++] = vn_be16(tag + VN_VLAN_TCI);
		h->eth_type = vn_be16(tag + VN_VLAN_TYPE);
		off += VN_VLAN_HLEN;
	}
	h->l3_off = off;
	return VN_DROP_NONE;
}

static enum vn_drop_reason parse_ipv4(const struct vn_pkt *pkt, struct vn_hdrs *h)
{
	const uint8_t *ip = vn_pkt_ptr(pkt, h->l3_off, VN_IP4_HLEN);
	uint32_t ihl, tot, frag;

	/* Frame ends before a minimal IPv4 header */
	if (unlikely(!ip))
		return VN_DROP_L3_TRUNCATED;
	/* EtherType says IPv4, version nibble says otherwise */
	if (unlikely((ip[VN_IP4_VER_IHL] >> 4) != 4))
		return VN_DROP_L3_BAD;
	ihl = (ip[VN_IP4_VER_IHL] & 0x0f) * 4u;
	tot = vn_be16(ip + VN_IP4_TOT_LEN);
	/* Header length below the 20-byte minimum */
	if (unlikely(ihl < VN_IP4_HLEN))
		return VN_DROP_L3_BAD;
	/* Options announced past the end of the frame */
	if (unlikely(!vn_pkt_ptr(pkt, h->l3_off, ihl)))
		return VN_DROP_L3_TRUNCATED;
	/* Total length shorter than the header it contains */
	if (unlikely(tot < ihl))
		return VN_DROP_L3_BAD;
	/* Total length claims bytes the frame does not have */
	if (unlikely(tot > pkt->len - h->l3_off))
		return VN_DROP_L3_TRUNCATED;

	h->ip_version = 4;
	h->l3_hlen = ihl;
	h->l3_end = h->l3_off + tot;
	h->l4_off = h->l3_off + ihl;
	h->l4_proto = ip[VN_IP4_PROTO];
	if (ihl > VN_IP4_HLEN)
		h->flags |= VN_HDRS_F_IP_OPTS;
	frag = vn_be16(ip + VN_IP4_FRAG);
	if (frag & 0x3fff) {	/* MF or a fragment offset */
		h->flags |= VN_HDRS_F_FRAG;
		if (frag & 0x1fff)
			h->flags |= VN_HDRS_F_LATER_FRAG;
	}
	return VN_DROP_NONE;
}

/* Walk IPv6 extension headers from @nh at @off; stops at the upper layer */
static enum vn_drop_reason parse_ipv6_ext(const struct vn_pkt *pkt, struct vn_hdrs *h,
					  uint8_t nh, uint32_t off)
{
	unsigned int n;

	for (n = 0; n < VN_PARSE_EXTHDR_MAX; n++) {
		const uint8_t *x;
		uint32_t xlen;

		switch (nh) {
		case VN_IPPROTO_HOPOPTS:
			/* Hop-by-Hop is only allowed right after the IPv6 header (RFC 8200, §4.1) */
			if (unlikely(n != 0))
				return VN_DROP_L3_EXTHDR;
			break;
		case VN_IPPROTO_ROUTING:
			h->flags |= VN_HDRS_F_V6_RTHDR;
			break;
		case VN_IPPROTO_DSTOPTS:
		case VN_IPPROTO_FRAGMENT:
		case VN_IPPROTO_AH:
			break;
		case VN_IPPROTO_MOBILITY:
		case VN_IPPROTO_HIP:
		case VN_IPPROTO_SHIM6:
		case VN_IPPROTO_EXP1:
		case VN_IPPROTO_EXP2:
			/* An extension header we do not walk: where L4 starts is unknown */
			return VN_DROP_L3_EXTHDR;
		default:
			/* Upper layer (TCP, UDP, ICMPv6, ESP, No Next Header, ...) */
			h->l4_proto = nh;
			h->l4_off = off;
			return VN_DROP_NONE;
		}
		x = vn_pkt_ptr(pkt, off, VN_IP6_EXT_MIN);
		/* Extension header runs past the datagram */
		if (unlikely(!x || off + VN_IP6_EXT_MIN > h->l3_end))
			return VN_DROP_L3_TRUNCATED;
		h->flags |= VN_HDRS_F_V6_EXT;
		if (nh == VN_IPPROTO_FRAGMENT) {
			xlen = VN_IP6_EXT_MIN;
			h->flags |= VN_HDRS_F_FRAG;
			if (vn_be16(x + VN_IP6_FRAG_OFF) & 0xfff8) {
				/* Later fragment: what follows is payload, not headers */
				h->flags |= VN_HDRS_F_LATER_FRAG;
				h->l4_proto = x[VN_IP6_EXT_NEXT];
				h->l4_off = off + VN_IP6_EXT_MIN;
				return VN_DROP_NONE;
			}
		} else if (nh == VN_IPPROTO_AH) {
			xlen = (x[VN_IP6_EXT_LEN] + 2u) * 4;	/* RFC 4302, §2.2: 4-octet units minus 2 */
			h->flags |= VN_HDRS_F_AH;
		} else {
			xlen = (x[VN_IP6_EXT_LEN] + 1u) * 8;	/* RFC 8200, §4.3: 8-octet units minus 1 */
		}
		/* Extension header length claims bytes past the datagram */
		if (unlikely(xlen > h->l3_end - off))
			return VN_DROP_L3_TRUNCATED;
		nh = x[VN_IP6_EXT_NEXT];
		off += xlen;
	}
	/* Longer chain than any sane sender builds */
	return VN_DROP_L3_EXTHDR;
}

static enum vn_drop_reason parse_ipv6(const struct vn_pkt *pkt, struct vn_hdrs *h)
{
	const uint8_t *ip = vn_pkt_ptr(pkt, h->l3_off, VN_IP6_HLEN);
	uint32_t plen;

	/* Frame ends before the 40-byte IPv6 header */
	if (unlikely(!ip))
		return VN_DROP_L3_TRUNCATED;
	/* EtherType says IPv6, version nibble says otherwise */
	if (unlikely((ip[VN_IP6_VER_TC_FLOW] >> 4) != 6))
		return VN_DROP_L3_BAD;
	plen = vn_be16(ip + VN_IP6_PLEN);
	/* Payload length 0 means a jumbogram (RFC 2675): not on our links */
	if (unlikely(plen == 0 && ip[VN_IP6_NEXT] == VN_IPPROTO_HOPOPTS))
		return VN_DROP_L3_BAD;
	/* Payload length claims bytes the frame does not have */
	if (unlikely(plen > pkt->len - h->l3_off - VN_IP6_HLEN))
		return VN_DROP_L3_TRUNCATED;
	h->ip_version = 6;
	h->l3_hlen = VN_IP6_HLEN;
	h->l3_end = h->l3_off + VN_IP6_HLEN + plen;
	return parse_ipv6_ext(pkt, h, ip[VN_IP6_NEXT], h->l3_off + VN_IP6_HLEN);
}

static enum vn_drop_reason parse_l4(const struct vn_pkt *pkt, struct vn_hdrs *h)
{
	const uint8_t *l4;
	uint32_t room = h->l3_end - h->l4_off;

	h->payload_off = h->l4_off;
	/* A later fragment carries no L4 header */
	if (h->flags & VN_HDRS_F_LATER_FRAG)
		return VN_DROP_NONE;
	if (h->l4_proto == VN_IPPROTO_TCP) {
		uint32_t doff;

		l4 = vn_pkt_ptr(pkt, h->l4_off, VN_TCP_HLEN);
		/* Datagram ends before a minimal TCP header */
		if (unlikely(!l4 || room < VN_TCP_HLEN))
			return VN_DROP_L4_TRUNCATED;
		doff = (l4[VN_TCP_DOFF] >> 4) * 4u;
		/* Data offset below the 20-byte minimum */
		if (unlikely(doff < VN_TCP_HLEN))
			return VN_DROP_L4_BAD;
		/* TCP options announced past the end of the datagram */
		if (unlikely(doff > room))
			return VN_DROP_L4_TRUNCATED;
		h->l4_hlen = doff;
	} else if (h->l4_proto == VN_IPPROTO_UDP) {
		uint32_t ulen;

		l4 = vn_pkt_ptr(pkt, h->l4_off, VN_UDP_HLEN);
		/* Datagram ends before the 8-byte UDP header */
		if (unlikely(!l4 || room < VN_UDP_HLEN))
			return VN_DROP_L4_TRUNCATED;
		ulen = vn_be16(l4 + VN_UDP_LEN);
		/* UDP length shorter than its header, or longer than the datagram */
		if (unlikely(ulen < VN_UDP_HLEN || ulen > room))
			return VN_DROP_L4_BAD;
		h->l4_hlen = VN_UDP_HLEN;
	} else {
		return VN_DROP_NONE;
	}
	h->flags |= VN_HDRS_F_L4;
	h->payload_off = h->l4_off + h->l4_hlen;
	return VN_DROP_NONE;
}

enum vn_drop_reason vn_parse_hdrs(const struct vn_pkt *pkt, struct vn_hdrs *h)
{
	enum vn_drop_reason why;

	memset(h, 0, sizeof(*h));
	why = parse_eth(pkt, h);
	if (why)
		return why;
	if (h->eth_type == VN_ETH_P_IP)
		why = parse_ipv4(pkt, h);
	else if (h->eth_type == VN_ETH_P_IPV6)
		why = parse_ipv6(pkt, h);
	else
		return VN_DROP_NONE;
	if (why)
		return why;
	return parse_l4(pkt, h);
}
