/* SPDX-License-Identifier: MIT */
/* tunnel_hdr.h - VXLAN (RFC 7348) and Geneve (RFC 8926) headers: parse and build
 *
 * Pure functions over bytes, no state: the tunnel port (tunnel.c) calls
 * them on every datagram from the network, and fuzz/fuzz_tunnel_hdr.c on
 * anything. Parsing returns a drop reason, never trusts a length it has
 * not checked against the datagram.
 */
#ifndef VN_PORT_TUNNEL_HDR_H
#define VN_PORT_TUNNEL_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "core/drop.h"

enum vn_tun_kind {
	VN_TUN_VXLAN = 0,
	VN_TUN_GENEVE = 1,
};

#define VN_TUN_VXLAN_HDR	8	/* flags, reserved, VNI, reserved */
#define VN_TUN_GENEVE_HDR	8	/* without options */
#define VN_TUN_GENEVE_OPTS_MAX	252	/* opt_len is 6 bits of 4-byte words */
#define VN_TUN_VNI_MAX		0xffffffu
#define VN_TUN_ETH_P_TEB	0x6558	/* Transparent Ethernet Bridging: Geneve's inner Ethernet */
#define VN_TUN_VXLAN_PORT	4789
#define VN_TUN_GENEVE_PORT	6081

/**
 * vn_tun_parse() - Check a tunnel header and find the inner Ethernet frame
 * @kind:	VXLAN or Geneve
 * @buf:	UDP payload
 * @len:	its length
 * @vni:	output: the VNI
 * @inner:	output: offset of the inner frame in @buf
 *
 * VXLAN: the I flag must be set (the VNI is valid); the reserved bits are
 * ignored, as RFC 7348 asks. Geneve: version 0; the O (control) bit is
 * not data for the switch; protocol Transparent Ethernet Bridging; options
 * walked and length-checked, and one whose critical bit (the high bit of
 * its type) is set is not understood by vnetd, so the datagram is dropped
 * (RFC 8926 3.5); other options are skipped.
 *
 * Return: VN_DROP_NONE, or VN_DROP_TUNNEL_HDR, VN_DROP_TUNNEL_CRITICAL,
 *	   VN_DROP_RUNT (no room for an inner Ethernet header)
 */
enum vn_drop_reason vn_tun_parse(enum vn_tun_kind kind, const uint8_t *buf, size_t len,
				 uint32_t *vni, size_t *inner);

/**
 * vn_tun_build() - Write the header of a data datagram (no Geneve options)
 * @kind:	VXLAN or Geneve
 * @vni:	VNI (24 bits)
 * @buf:	output, at least 8 bytes
 *
 * Return: bytes written (8)
 */
size_t vn_tun_build(enum vn_tun_kind kind, uint32_t vni, uint8_t *buf);

#endif /* VN_PORT_TUNNEL_HDR_H */
