// SPDX-License-Identifier: MIT
/* vhdr_validate.c - virtio-net header: check the offload metadata against the frame
 *
 * Security model: the header was written by a guest (or copied from a tap or
 * a pcap file) and says what work the frame still needs. Nothing in it is
 * trusted: a checksum location outside the frame would make vn_csum_complete()
 * write out of bounds, a GSO type that does not match the headers would make
 * segmentation patch the wrong bytes, and a tiny gso_size would empty our
 * pool. The checks follow Linux's virtio_net_hdr_to_skb() and add the ones it
 * leaves to its later GSO stage (SKB_GSO_DODGY): we validate once, at ingress.
 */
#include <string.h>

#include "be.h"
#include "parse.h"
#include "pkt.h"
#include "vhdr.h"
#include "vnet_feat.h"

#define KNOWN_FLAGS	(VN_VHDR_F_NEEDS_CSUM | VN_VHDR_F_DATA_VALID)

static enum vn_drop_reason check_type_and_flags(const struct vn_vhdr *vh)
{
	uint8_t base = vh->gso_type & ~VN_VHDR_GSO_ECN;

	/* RSC_INFO is device-to-driver only; other bits are not defined */
	if (unlikely(vh->flags & ~KNOWN_FLAGS))
		return VN_DROP_VHDR_FLAGS;
	switch (base) {
	case VN_VHDR_GSO_NONE:
	case VN_VHDR_GSO_UDP_L4:
		/* ECN is a TCP segmentation flag: alone or on USO it is a lie */
		if (unlikely(vh->gso_type & VN_VHDR_GSO_ECN))
			return VN_DROP_VHDR_GSO_TYPE;
		return VN_DROP_NONE;
	case VN_VHDR_GSO_TCPV4:
	case VN_VHDR_GSO_TCPV6:
		return VN_DROP_NONE;
	default:
		/* Unknown value, or UFO (GSO_UDP), which nobody may send any more */
		return VN_DROP_VHDR_GSO_TYPE;
	}
}

static enum vn_drop_reason check_csum_range(const struct vn_pkt *pkt)
{
	const struct vn_vhdr *vh = &pkt->vh;
	uint32_t end = (uint32_t)vh->csum_start + vh->csum_offset + 2;

	if (!(vh->flags & VN_VHDR_F_NEEDS_CSUM))
		return VN_DROP_NONE;
	/* Checksum over the Ethernet header: no protocol does that */
	if (unlikely(vh->csum_start < VN_ETH_HLEN))
		return VN_DROP_VHDR_CSUM_RANGE;
	/* Checksum field (2 bytes at csum_start + csum_offset) past the frame */
	if (unlikely(end > pkt->len))
		return VN_DROP_VHDR_CSUM_RANGE;
	return VN_DROP_NONE;
}

/* The GSO type promises L3/L4 headers: check the frame has exactly those */
static enum vn_drop_reason check_gso_headers(const struct vn_pkt *pkt, const struct vn_hdrs *h)
{
	uint8_t base = pkt->vh.gso_type & ~VN_VHDR_GSO_ECN;
	uint8_t proto = base == VN_VHDR_GSO_UDP_L4 ? VN_IPPROTO_UDP : VN_IPPROTO_TCP;

	/* TCPV4 on IPv6 and the like, or a non-IP frame */
	if (unlikely((base == VN_VHDR_GSO_TCPV4 && h->ip_version != 4) ||
		     (base == VN_VHDR_GSO_TCPV6 && h->ip_version != 6) ||
		     (base == VN_VHDR_GSO_UDP_L4 && !h->ip_version)))
		return VN_DROP_VHDR_GSO_PROTO;
	/* TCP GSO whose IP header says UDP, or the reverse */
	if (unlikely(h->l4_proto != proto || !(h->flags & VN_HDRS_F_L4)))
		return VN_DROP_VHDR_GSO_PROTO;
	/* A fragment cannot be segmented again */
	if (unlikely(h->flags & VN_HDRS_F_FRAG))
		return VN_DROP_VHDR_GSO_PROTO;
	/* Routing header changes the pseudo-header address; AH covers the payload */
	if (unlikely(h->flags & (VN_HDRS_F_V6_RTHDR | VN_HDRS_F_AH)))
		return VN_DROP_L3_EXTHDR;
	/* Checksum not at the L4 header we will patch */
	if (unlikely(pkt->vh.csum_start != h->l4_off ||
		     pkt->vh.csum_offset != (proto == VN_IPPROTO_TCP ? VN_TCP_CSUM : VN_UDP_CSUM)))
		return VN_DROP_VHDR_CSUM_L4;
	if (proto == VN_IPPROTO_UDP) {
		const uint8_t *uh = vn_pkt_ptr(pkt, h->l4_off, VN_UDP_HLEN);

		/* USO: the UDP length must describe the whole datagram it heads */
		if (unlikely(!uh || vn_be16(uh + VN_UDP_LEN) != h->l3_end - h->l4_off))
			return VN_DROP_L4_BAD;
	}
	/* Headers longer than hdr_len can say: nothing a sender would build */
	if (unlikely(h->payload_off > UINT16_MAX))
		return VN_DROP_VHDR_HDR_LEN;
	/* Bytes after the IP datagram would be cut into segments as payload */
	if (unlikely(h->l3_end != pkt->len))
		return VN_DROP_L3_BAD;
	return VN_DROP_NONE;
}

static enum vn_drop_reason check_gso_size(const struct vn_pkt *pkt, const struct vn_hdrs *h)
{
	uint32_t payload = vn_parse_l4_payload_len(h);
	uint32_t gso_size = pkt->vh.gso_size;
	uint32_t segs, max;

	/* Not a GSO frame: it would come out as one segment */
	if (unlikely(gso_size >= payload))
		return VN_DROP_VHDR_GSO_SIZE;
	segs = (payload + gso_size - 1) / gso_size;
	max = (pkt->vh.gso_type & ~VN_VHDR_GSO_ECN) == VN_VHDR_GSO_UDP_L4 ?
		VN_VHDR_USO_SEGS_MAX : VN_VHDR_GSO_SEGS_MAX;
	/* Tiny gso_size: more segments than any real sender makes */
	if (unlikely(segs > max))
		return VN_DROP_VHDR_GSO_SEGS;
	return VN_DROP_NONE;
}

/*
 * The checks of vn_vhdr_validate(); @walk: fill @h for a frame that is not GSO
 * (a GSO frame's checks need the walk anyway)
 */
static enum vn_drop_reason validate(const struct vn_pkt *pkt, struct vn_hdrs *h, bool walk)
{
	const struct vn_vhdr *vh = &pkt->vh;
	enum vn_drop_reason why;

	memset(h, 0, sizeof(*h));
	why = check_type_and_flags(vh);
	if (why)
		return why;
	/* Shorter than an Ethernet header */
	if (unlikely(pkt->len < VN_ETH_HLEN))
		return VN_DROP_RUNT;
	/* Longer than any 64 KiB datagram in a frame */
	if (unlikely(pkt->len > VN_PKT_FRAME_MAX))
		return VN_DROP_OVERSIZE;
	/* Header length hint past the frame (tun_vnet_hdr_get() rejects it too) */
	if (unlikely(vh->hdr_len > pkt->len))
		return VN_DROP_VHDR_HDR_LEN;
	why = check_csum_range(pkt);
	if (why)
		return why;
	if (!vn_vhdr_is_gso(vh)) {
		/* Walk IP frames for the caller; a bad walk is not our verdict here */
		if (walk && vn_parse_hdrs(pkt, h))
			memset(h, 0, sizeof(*h));
		return VN_DROP_NONE;
	}

	/* virtio_net_hdr_to_skb() accepts TCP GSO without NEEDS_CSUM (and
	 * guesses the headers); we do not: every GSO sender sets it.
	 */
	if (unlikely(!(vh->flags & VN_VHDR_F_NEEDS_CSUM)))
		return VN_DROP_VHDR_GSO_NO_CSUM;
	/* Zero gso_size: segments of nothing */
	if (unlikely(vh->gso_size == 0))
		return VN_DROP_VHDR_GSO_SIZE;
	why = vn_parse_hdrs(pkt, h);
	if (why)
		return why;
	why = check_gso_headers(pkt, h);
	if (why)
		return why;
	return check_gso_size(pkt, h);
}

enum vn_drop_reason vn_vhdr_validate_hdrs(const struct vn_pkt *pkt, struct vn_hdrs *h)
{
	return validate(pkt, h, true);
}

enum vn_drop_reason vn_vhdr_validate(const struct vn_pkt *pkt)
{
	struct vn_hdrs h;

	/* nobody reads the walk: a frame that is not GSO is not walked */
	return validate(pkt, &h, false);
}

enum vn_drop_reason vn_vhdr_fix_hdr_len(struct vn_pkt *pkt)
{
	struct vn_hdrs h;
	enum vn_drop_reason why = vn_parse_hdrs(pkt, &h);

	if (why)
		return why;
	if (h.flags & VN_HDRS_F_L4)
		pkt->vh.hdr_len = (uint16_t)h.payload_off;
	return VN_DROP_NONE;
}

/* The EtherType past one VLAN tag: the tag a trunk's egress pushed */
static uint16_t l3_type(const struct vn_pkt *pkt)
{
	const uint8_t *p = vn_pkt_ptr(pkt, VN_ETH_TYPE, VN_VLAN_HLEN + 2);
	uint16_t t;

	if (!p)
		return 0;
	t = vn_be16(p);
	if (t == VN_ETH_P_8021Q)
		t = vn_be16(p + VN_VLAN_HLEN);
	return t;
}

uint64_t vn_vhdr_needs(const struct vn_pkt *pkt)
{
	uint64_t f = 0;

	if (pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM)
		f |= VN_BIT(VN_NET_F_GUEST_CSUM);
	switch (pkt->vh.gso_type & ~VN_VHDR_GSO_ECN) {
	case VN_VHDR_GSO_NONE:
		return f;
	case VN_VHDR_GSO_TCPV4:
		f |= VN_BIT(VN_NET_F_GUEST_TSO4);
		break;
	case VN_VHDR_GSO_TCPV6:
		f |= VN_BIT(VN_NET_F_GUEST_TSO6);
		break;
	case VN_VHDR_GSO_UDP_L4:
		f |= l3_type(pkt) == VN_ETH_P_IPV6 ? VN_BIT(VN_NET_F_GUEST_USO6) :
						     VN_BIT(VN_NET_F_GUEST_USO4);
		break;
	default:
		return VN_VHDR_NEEDS_NEVER;
	}
	/* A GSO frame is also a NEEDS_CSUM frame (validated at ingress) */
	f |= VN_BIT(VN_NET_F_GUEST_CSUM);
	if (pkt->vh.gso_type & VN_VHDR_GSO_ECN)
		f |= VN_BIT(VN_NET_F_GUEST_ECN);
	return f;
}
