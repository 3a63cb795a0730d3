// SPDX-License-Identifier: MIT
/* tunnel_hdr.c - VXLAN and Geneve headers: parse (hostile input) and build */
#include "core/be.h"
#include "tunnel_hdr.h"

#define VXLAN_F_I	0x08	/* first byte: the VNI is valid */
#define GENEVE_F_O	0x80	/* second byte: control (OAM) packet */
#define GENEVE_F_C	0x40	/* second byte: critical options present */
#define GENEVE_OPT_HDR	4	/* class (2), type (1), R and length (1) */
#define GENEVE_TYPE_CRIT 0x80

static uint32_t get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/**
 * geneve_opts() - Walk Geneve options, refusing a critical one
 * @p:		first option
 * @n:		option bytes (a multiple of 4)
 *
 * Return: VN_DROP_NONE, VN_DROP_TUNNEL_HDR (an option past the end) or
 *	   VN_DROP_TUNNEL_CRITICAL
 */
static enum vn_drop_reason geneve_opts(const uint8_t *p, size_t n)
{
	size_t off = 0, olen;

	while (off < n) {
		if (n - off < GENEVE_OPT_HDR)
			return VN_DROP_TUNNEL_HDR;
		olen = GENEVE_OPT_HDR + (size_t)(p[off + 3] & 0x1f) * 4;
		if (olen > n - off)
			return VN_DROP_TUNNEL_HDR;
		if (p[off + 2] & GENEVE_TYPE_CRIT)
			return VN_DROP_TUNNEL_CRITICAL;	/* we understand no option */
		off += olen;
	}
	return VN_DROP_NONE;
}

enum vn_drop_reason vn_tun_parse(enum vn_tun_kind kind, const uint8_t *buf, size_t len,
				 uint32_t *vni, size_t *inner)
{
	size_t hdr;
	enum vn_drop_reason why;

	if (len < 8)
		return VN_DROP_TUNNEL_HDR;
	if (kind == VN_TUN_VXLAN) {
		if (!(buf[0] & VXLAN_F_I))
			return VN_DROP_TUNNEL_HDR;
		hdr = VN_TUN_VXLAN_HDR;
	} else {
		size_t opts = (size_t)(buf[0] & 0x3f) * 4;

		if (buf[0] >> 6)			/* version 0 only */
			return VN_DROP_TUNNEL_HDR;
		if (buf[1] & GENEVE_F_O)		/* control, not data */
			return VN_DROP_TUNNEL_HDR;
		if (vn_be16(buf + 2) != VN_TUN_ETH_P_TEB)
			return VN_DROP_TUNNEL_HDR;
		if (opts > len - VN_TUN_GENEVE_HDR)
			return VN_DROP_TUNNEL_HDR;
		why = geneve_opts(buf + VN_TUN_GENEVE_HDR, opts);
		if (why != VN_DROP_NONE)
			return why;
		hdr = VN_TUN_GENEVE_HDR + opts;
	}
	if (len - hdr < 14)
		return VN_DROP_RUNT;
	*vni = get24(buf + 4);
	*inner = hdr;
	return VN_DROP_NONE;
}

size_t vn_tun_build(enum vn_tun_kind kind, uint32_t vni, uint8_t *buf)
{
	if (kind == VN_TUN_VXLAN) {
		buf[0] = VXLAN_F_I;
		buf[1] = buf[2] = buf[3] = 0;
	} else {
		buf[0] = 0;	/* version 0, no options */
		buf[1] = 0;
		buf[2] = VN_TUN_ETH_P_TEB >> 8;
		buf[3] = VN_TUN_ETH_P_TEB & 0xff;
	}
	buf[4] = (uint8_t)(vni >> 16);
	buf[5] = (uint8_t)(vni >> 8);
	buf[6] = (uint8_t)vni;
	buf[7] = 0;
	return 8;
}
