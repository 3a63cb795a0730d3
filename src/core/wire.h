/* SPDX-License-Identifier: MIT */
/* wire.h - the header fields of Ethernet, 802.1Q, IPv4, IPv6, TCP and UDP by name
 *
 * One home for the wire vocabulary every layer reads: EtherTypes, protocol
 * numbers, header lengths and the offset of each field from the start of
 * its header (IEEE 802.3 and 802.1Q, RFC 791, RFC 8200, RFC 9293, RFC 768).
 * Offsets are byte counts; read and write multi-byte fields with the
 * accessors of be.h, e.g. vn_be16(ip + VN_IP4_TOT_LEN).
 */
#ifndef VN_CORE_WIRE_H
#define VN_CORE_WIRE_H

/* Ethernet II and 802.1Q/802.1ad tags */
#define VN_ETH_ALEN		6
#define VN_ETH_ADDRS_LEN	12	/* destination + source MAC */
#define VN_ETH_TYPE		12	/* EtherType of an untagged frame */
#define VN_ETH_HLEN		14
#define VN_ETH_P_IP		0x0800
#define VN_ETH_P_IPV6		0x86dd
#define VN_ETH_P_8021Q		0x8100
#define VN_ETH_P_8021AD		0x88a8
#define VN_VLAN_HLEN		4
#define VN_VLAN_TCI		0	/* within a tag: PCP, DEI, VID */
#define VN_VLAN_TYPE		2	/* within a tag: the next EtherType */
#define VN_VLAN_VID_MASK	0x0fff

/* IPv4 (RFC 791) */
#define VN_IP4_VER_IHL		0	/* version << 4 | header length in words */
#define VN_IP4_TOS		1
#define VN_IP4_TOT_LEN		2
#define VN_IP4_ID		4
#define VN_IP4_FRAG		6	/* flags and fragment offset */
#define VN_IP4_TTL		8
#define VN_IP4_PROTO		9
#define VN_IP4_CSUM		10
#define VN_IP4_SADDR		12
#define VN_IP4_DADDR		16
#define VN_IP4_HLEN		20	/* without options */
#define VN_IP4_DF		0x40	/* in byte VN_IP4_FRAG */

/* IPv6 (RFC 8200) */
#define VN_IP6_VER_TC_FLOW	0	/* version, traffic class, flow label */
#define VN_IP6_PLEN		4
#define VN_IP6_NEXT		6
#define VN_IP6_HOPS		7
#define VN_IP6_SADDR		8
#define VN_IP6_DADDR		24
#define VN_IP6_HLEN		40
#define VN_IP6_EXT_NEXT		0	/* within an extension header */
#define VN_IP6_EXT_LEN		1
#define VN_IP6_FRAG_OFF		2	/* within a Fragment header */
#define VN_IP6_EXT_MIN		8	/* an extension header's smallest size */

/* IP protocol numbers, also IPv6 next-header values */
#define VN_IPPROTO_HOPOPTS	0
#define VN_IPPROTO_TCP		6
#define VN_IPPROTO_UDP		17
#define VN_IPPROTO_ROUTING	43
#define VN_IPPROTO_FRAGMENT	44
#define VN_IPPROTO_ESP		50
#define VN_IPPROTO_AH		51
#define VN_IPPROTO_NONE		59
#define VN_IPPROTO_DSTOPTS	60
#define VN_IPPROTO_MOBILITY	135
#define VN_IPPROTO_HIP		139
#define VN_IPPROTO_SHIM6	140
#define VN_IPPROTO_EXP1		253
#define VN_IPPROTO_EXP2		254

/* TCP (RFC 9293) */
#define VN_TCP_SPORT		0
#define VN_TCP_DPORT		2
#define VN_TCP_SEQ		4
#define VN_TCP_ACK		8
#define VN_TCP_DOFF		12	/* data offset << 4 */
#define VN_TCP_FLAGS		13
#define VN_TCP_WIN		14
#define VN_TCP_CSUM		16
#define VN_TCP_URP		18
#define VN_TCP_HLEN		20	/* without options */
#define VN_TCP_FIN		0x01
#define VN_TCP_SYN		0x02
#define VN_TCP_RST		0x04
#define VN_TCP_PSH		0x08
#define VN_TCP_ACK_FLAG		0x10
#define VN_TCP_URG		0x20
#define VN_TCP_ECE		0x40
#define VN_TCP_CWR		0x80

/* UDP (RFC 768) */
#define VN_UDP_SPORT		0
#define VN_UDP_DPORT		2
#define VN_UDP_LEN		4
#define VN_UDP_CSUM		6
#define VN_UDP_HLEN		8

#endif /* VN_CORE_WIRE_H */
