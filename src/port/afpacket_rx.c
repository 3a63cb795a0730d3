// SPDX-License-Identifier: MIT
/* afpacket_rx.c - the checks of a frame an afpacket port read (see afpacket_rx.h) */
#include <string.h>
#include <linux/if_ether.h>

#include "afpacket_rx.h"
#include "core/compiler.h"

/* The kernel took a VLAN tag out of the frame into its metadata: put it back at @dst + 12 */
static void tag_put(struct vn_pkt *pkt, uint8_t *dst, uint16_t tpid, uint16_t tci)
{
	dst[12] = (uint8_t)(tpid >> 8);
	dst[13] = (uint8_t)tpid;
	dst[14] = (uint8_t)(tci >> 8);
	dst[15] = (uint8_t)tci;
	/* the header's offsets count from the frame's start: past the tag now */
	if (pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM)
		pkt->vh.csum_start += 4;
	if (pkt->vh.hdr_len)
		pkt->vh.hdr_len += 4;
}

/* The TPID the kernel reports, or 802.1Q when it reports none */
static uint16_t tag_tpid(uint32_t status, uint16_t tpid)
{
	return (status & TP_STATUS_VLAN_TPID_VALID) && tpid ? tpid : ETH_P_8021Q;
}

enum vn_drop_reason vn_afp_ring_frame(const struct tpacket3_hdr *ph, uint32_t room,
				      struct vn_pkt *pkt)
{
	uint32_t mac = ph->tp_mac, snap = ph->tp_snaplen, tag = 0;
	const uint8_t *base = (const uint8_t *)ph;
	uint8_t *dst;

	/* the kernel's offsets, checked against the block before any read */
	if (unlikely(mac < AFP_HDR_LEN || mac > room || snap > room - mac))
		return VN_DROP_VHDR_TRUNCATED;
	if (unlikely(snap != ph->tp_len))
		return VN_DROP_OVERSIZE;	/* cut to fit: never switched cut */
	if (unlikely(snap < 14))
		return VN_DROP_RUNT;
	if (ph->tp_status & TP_STATUS_VLAN_VALID)
		tag = 4;
	if (unlikely(snap + tag > VN_PKT_FRAME_MAX))
		return VN_DROP_OVERSIZE;
	if (vn_vhdr_parse(&pkt->vh, base + mac - AFP_HDR_LEN, AFP_HDR_LEN, AFP_HDR_LEN))
		return VN_DROP_VHDR_TRUNCATED;
	dst = vn_pkt_data(pkt);
	if (tag) {
		/* MACs, TPID, TCI, the rest */
		memcpy(dst, base + mac, 12);
		tag_put(pkt, dst, tag_tpid(ph->tp_status, ph->hv1.tp_vlan_tpid),
			(uint16_t)ph->hv1.tp_vlan_tci);
		memcpy(dst + 16, base + mac + 12, snap - 12);
	} else {
		memcpy(dst, base + mac, snap);
	}
	pkt->vh.num_buffers = 0;
	pkt->len = snap + tag;
	return VN_DROP_NONE;	/* the header is validated by vn_port_rx_burst() */
}

/*
 * The PACKET_AUXDATA of @m into @aux: 1 found, 0 none, -1 the control
 * messages lie about their lengths. Walked by offsets, each length checked
 * against what is left, so no pointer ever leaves the buffer.
 */
static int find_aux(const struct msghdr *m, struct tpacket_auxdata *aux)
{
	const uint8_t *ctl = m->msg_control;
	size_t len = ctl ? m->msg_controllen : 0, off = 0, step;
	struct cmsghdr h;
	int found = 0;

	while (len - off >= sizeof(h)) {
		memcpy(&h, ctl + off, sizeof(h));
		/* shorter than its own header, or past the buffer */
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			return -1;
		if (h.cmsg_level == SOL_PACKET && h.cmsg_type == PACKET_AUXDATA) {
			if (h.cmsg_len < CMSG_LEN(sizeof(*aux)))
				return -1;
			memcpy(aux, ctl + off + CMSG_LEN(0), sizeof(*aux));
			found = 1;
		}
		step = CMSG_ALIGN(h.cmsg_len);
		if (step >= len - off)
			break;
		off += step;
	}
	return found;
}

enum vn_drop_reason vn_afp_mmsg_frame(const struct msghdr *m, uint32_t got, struct vn_pkt *pkt)
{
	uint8_t *dst = vn_pkt_data(pkt);
	struct tpacket_auxdata aux;
	uint32_t snap;
	int have_aux;

	/* bigger than the buffer we offered (MSG_TRUNC), or a length past it */
	if (unlikely((m->msg_flags & MSG_TRUNC) || got > AFP_MMSG_READ_MAX))
		return VN_DROP_OVERSIZE;
	/* the kernel could not hand us the tag: the frame's VLAN is unknown */
	if (unlikely(m->msg_flags & MSG_CTRUNC))
		return VN_DROP_VHDR_TRUNCATED;
	if (unlikely(got < AFP_HDR_LEN))
		return VN_DROP_VHDR_TRUNCATED;
	snap = got - AFP_HDR_LEN;
	if (unlikely(snap < 14))
		return VN_DROP_RUNT;
	have_aux = find_aux(m, &aux);
	if (unlikely(have_aux < 0))
		return VN_DROP_VHDR_TRUNCATED;
	if (vn_vhdr_parse(&pkt->vh, dst - AFP_HDR_LEN, AFP_HDR_LEN, AFP_HDR_LEN))
		return VN_DROP_VHDR_TRUNCATED;
	pkt->vh.num_buffers = 0;
	pkt->len = snap;
	if (have_aux && (aux.tp_status & TP_STATUS_VLAN_VALID)) {
		if (unlikely(snap + 4 > VN_PKT_FRAME_MAX))
			return VN_DROP_OVERSIZE;
		/* 4 bytes of headroom for the tag: the MACs move, the rest stays */
		pkt->off -= 4;
		pkt->len += 4;
		memmove(vn_pkt_data(pkt), dst, 12);
		tag_put(pkt, vn_pkt_data(pkt), tag_tpid(aux.tp_status, aux.tp_vlan_tpid),
			(uint16_t)aux.tp_vlan_tci);
	}
	return VN_DROP_NONE;	/* the header is validated by vn_port_rx_burst() */
}
