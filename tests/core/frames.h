/* SPDX-License-Identifier: MIT */
/* frames.h - test frame builder: Ethernet/VLAN/IPv4/IPv6/TCP/UDP with a vnet header
 *
 * Shared by the unit tests, the kernel comparison test and the fuzz seeds.
 * Builds frames byte by byte (no struct overlays), big-endian fields written
 * explicitly, so what a test frame contains can be read from the spec.
 * The L4 checksum field is filled with the pseudo-header sum, as a guest
 * sending NEEDS_CSUM does (virtio 1.x, §5.1.6.2).
 */
#ifndef VN_TESTS_FRAMES_H
#define VN_TESTS_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/csum.h"
#include "core/vhdr.h"

/**
 * struct tf_spec - what to build
 * @ipv:	4 or 6
 * @proto:	6 (TCP) or 17 (UDP)
 * @nvlan:	VLAN tags, 0..2
 * @ip_opt_len:	IPv4 option bytes (multiple of 4, <= 40), NOPs
 * @tcp_opt_len: TCP option bytes (multiple of 4, <= 40), NOPs
 * @v6_ext_len:	IPv6 Destination Options header bytes (multiple of 8), 0 for none
 * @payload:	L4 payload bytes
 * @tcp_flags:	TCP flags byte (0x10 ACK, 0x08 PSH, 0x01 FIN, 0x80 CWR, 0x40 ECE)
 * @tos:	IPv4 TOS / IPv6 traffic class
 * @df:		IPv4 DF bit
 * @seq:	TCP sequence number
 * @ip_id:	IPv4 ID
 * @seed:	payload byte pattern seed
 * @sport:	L4 source port
 * @dport:	L4 destination port
 * @smac_last:	last byte of the source MAC (02:76:6e:00:00:xx)
 * @dmac_last:	last byte of the destination MAC
 */
struct tf_spec {
	int ipv;
	int proto;
	int nvlan;
	unsigned int ip_opt_len;
	unsigned int tcp_opt_len;
	unsigned int v6_ext_len;
	unsigned int payload;
	uint8_t tcp_flags;
	uint8_t tos;
	bool df;
	uint32_t seq;
	uint16_t ip_id;
	uint8_t seed;
	uint16_t sport;
	uint16_t dport;
	uint8_t smac_last;
	uint8_t dmac_last;
};

/**
 * struct tf_layout - where the builder put things
 * @l3_off:	IP header
 * @l4_off:	TCP/UDP header
 * @payload_off: first payload byte
 * @len:	frame length
 */
struct tf_layout {
	unsigned int l3_off, l4_off, payload_off, len;
};

static inline void tf_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void tf_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static const uint8_t tf_v4_src[4] = { 10, 199, 3, 1 };
static const uint8_t tf_v4_dst[4] = { 10, 199, 3, 2 };
static const uint8_t tf_v6_src[16] = { 0xfd, 0x00, 0x76, 0x6e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t tf_v6_dst[16] = { 0xfd, 0x00, 0x76, 0x6e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

/**
 * tf_build() - Build a frame from @s into @buf
 * @buf:	output, big enough (VN_PKT_FRAME_MAX)
 * @s:		spec
 * @lay:	output layout, may be NULL
 *
 * Return: frame length
 */
static inline unsigned int tf_build(uint8_t *buf, const struct tf_spec *s, struct tf_layout *lay)
{
	unsigned int off = 12, l3, l4, pay, l4_hlen, i, l4_len;
	uint8_t *p;
	uint32_t sum;
	uint16_t f;
	int v;

	buf[0] = 0x02; buf[1] = 0x76; buf[2] = 0x6e; buf[3] = 0; buf[4] = 0;
	buf[5] = s->dmac_last ? s->dmac_last : 2;
	buf[6] = 0x02; buf[7] = 0x76; buf[8] = 0x6e; buf[9] = 0; buf[10] = 0;
	buf[11] = s->smac_last ? s->smac_last : 1;
	for (v = 0; v < s->nvlan; v++) {
		tf_put16(buf + off, v == 0 && s->nvlan == 2 ? 0x88a8 : 0x8100);
		tf_put16(buf + off + 2, (uint16_t)(100 + v));
		off += 4;
	}
	tf_put16(buf + off, s->ipv == 4 ? 0x0800 : 0x86dd);
	l3 = off + 2;
	l4_hlen = s->proto == 6 ? 20 + s->tcp_opt_len : 8;
	if (s->ipv == 4)
		l4 = l3 + 20 + s->ip_opt_len;
	else
		l4 = l3 + 40 + s->v6_ext_len;
	pay = l4 + l4_hlen;
	l4_len = l4_hlen + s->payload;

	p = buf + l3;
	if (s->ipv == 4) {
		memset(p, 0, 20 + s->ip_opt_len);
		p[0] = 0x40 | (uint8_t)((20 + s->ip_opt_len) / 4);
		p[1] = s->tos;
		tf_put16(p + 2, (uint16_t)(pay + s->payload - l3));
		tf_put16(p + 4, s->ip_id);
		tf_put16(p + 6, s->df ? 0x4000 : 0);
		p[8] = 64;
		p[9] = (uint8_t)s->proto;
		memcpy(p + 12, tf_v4_src, 4);
		memcpy(p + 16, tf_v4_dst, 4);
		memset(p + 20, 1, s->ip_opt_len);	/* NOP options */
		f = vn_csum_fold(vn_csum_partial(p, 20 + s->ip_opt_len, 0));
		memcpy(p + 10, &f, 2);
	} else {
		memset(p, 0, 40);
		p[0] = 0x60 | (s->tos >> 4);
		p[1] = (uint8_t)(s->tos << 4) | 0x0a;
		p[2] = 0xbc;
		p[3] = 0xde;
		tf_put16(p + 4, (uint16_t)(pay + s->payload - l3 - 40));
		p[6] = s->v6_ext_len ? 60 : (uint8_t)s->proto;
		p[7] = 64;
		memcpy(p + 8, tf_v6_src, 16);
		memcpy(p + 24, tf_v6_dst, 16);
		if (s->v6_ext_len) {
			uint8_t *x = p + 40;

			memset(x, 0, s->v6_ext_len);
			x[0] = (uint8_t)s->proto;
			x[1] = (uint8_t)(s->v6_ext_len / 8 - 1);
			/* PadN option covering the rest */
			x[2] = 1;
			x[3] = (uint8_t)(s->v6_ext_len - 4);
		}
	}

	p = buf + l4;
	memset(p, 0, l4_hlen);
	tf_put16(p, s->sport ? s->sport : 40000);
	tf_put16(p + 2, s->dport ? s->dport : 5201);
	if (s->proto == 6) {
		tf_put32(p + 4, s->seq);
		tf_put32(p + 8, 0x11223344);
		p[12] = (uint8_t)(l4_hlen / 4) << 4;
		p[13] = s->tcp_flags;
		tf_put16(p + 14, 502);
		memset(p + 20, 1, s->tcp_opt_len);
	} else {
		tf_put16(p + 4, (uint16_t)l4_len);
	}
	for (i = 0; i < s->payload; i++)
		buf[pay + i] = (uint8_t)(s->seed + i * 7 + (i >> 8));

	if (s->ipv == 4)
		sum = vn_csum_pseudo_v4(tf_v4_src, tf_v4_dst, (uint8_t)s->proto, l4_len);
	else
		sum = vn_csum_pseudo_v6(tf_v6_src, tf_v6_dst, (uint8_t)s->proto, l4_len);
	f = vn_csum_fold_nocompl(sum);
	memcpy(p + (s->proto == 6 ? 16 : 6), &f, 2);

	if (lay) {
		lay->l3_off = l3;
		lay->l4_off = l4;
		lay->payload_off = pay;
		lay->len = pay + s->payload;
	}
	return pay + s->payload;
}

/**
 * tf_gso_vhdr() - The virtio-net header a guest sends with a tf_build() frame
 * @s:		spec the frame was built from
 * @lay:	its layout
 * @gso_size:	segment payload size, 0 for a plain NEEDS_CSUM frame
 * @ecn:	set VN_VHDR_GSO_ECN
 *
 * Return: the header
 */
static inline struct vn_vhdr tf_gso_vhdr(const struct tf_spec *s, const struct tf_layout *lay,
					 uint16_t gso_size, bool ecn)
{
	struct vn_vhdr vh = { 0 };

	vh.flags = VN_VHDR_F_NEEDS_CSUM;
	vh.csum_start = (uint16_t)lay->l4_off;
	vh.csum_offset = s->proto == 6 ? 16 : 6;
	if (gso_size) {
		vh.gso_size = gso_size;
		vh.hdr_len = (uint16_t)lay->payload_off;
		if (s->proto == 17)
			vh.gso_type = VN_VHDR_GSO_UDP_L4;
		else
			vh.gso_type = s->ipv == 4 ? VN_VHDR_GSO_TCPV4 : VN_VHDR_GSO_TCPV6;
		if (ecn)
			vh.gso_type |= VN_VHDR_GSO_ECN;
	}
	return vh;
}

/**
 * tf_horrible_sum() - RFC 1071 the slow way: big-endian words, carry folded each step
 * @p:		bytes
 * @len:	length (odd: last byte padded with zero)
 * @sum:	16-bit sum to continue from
 *
 * Return: 16-bit ones' complement sum (not complemented), host order
 */
static inline uint16_t tf_horrible_sum(const uint8_t *p, size_t len, uint16_t sum)
{
	uint32_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
		s = (s & 0xffff) + (s >> 16);
	}
	if (len & 1) {
		s += (uint32_t)p[len - 1] << 8;
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)s;
}

/**
 * tf_l4_csum_ok() - Verify a frame's TCP/UDP checksum with its pseudo-header, slowly
 * @f:		frame
 * @l3:		IP header offset
 * @ipv:	4 or 6
 * @l4:		L4 header offset
 * @len:	frame length (L4 runs to the end)
 * @proto:	6 or 17
 *
 * Return: true if the sum over pseudo-header and L4 bytes is 0xffff
 */
static inline bool tf_l4_csum_ok(const uint8_t *f, unsigned int l3, int ipv, unsigned int l4,
				 unsigned int len, int proto)
{
	uint8_t ph[40] = { 0 };
	unsigned int l4_len = len - l4;
	uint16_t s;

	if (ipv == 4) {
		memcpy(ph, f + l3 + 12, 8);
		ph[9] = (uint8_t)proto;
		tf_put16(ph + 10, (uint16_t)l4_len);
		s = tf_horrible_sum(ph, 12, 0);
	} else {
		memcpy(ph, f + l3 + 8, 32);
		s = tf_horrible_sum(ph, 32, 0);
		memset(ph, 0, 8);
		tf_put32(ph, l4_len);
		ph[7] = (uint8_t)proto;
		s = tf_horrible_sum(ph, 8, s);
	}
	return tf_horrible_sum(f + l4, l4_len, s) == 0xffff;
}

#endif /* VN_TESTS_FRAMES_H */
