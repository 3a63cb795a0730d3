// SPDX-License-Identifier: MIT
/* test_vhdr_validate.c - virtio-net header validation: a numbered table of hostile headers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/parse.h"
#include "core/pool.h"
#include "core/vhdr.h"
#include "core/vnet_feat.h"
#include "frames.h"

static struct vn_pool *pool;
static uint8_t fbuf[VN_PKT_FRAME_MAX + 64];

static int setup(void **state)
{
	(void)state;
	return vn_pool_create("test", 4, &pool);
}

static int teardown(void **state)
{
	(void)state;
	vn_pool_destroy(pool);
	return 0;
}

/* Bases: each a frame a well-behaved guest sends, with its header */
enum base { TSO4, TSO6, USO4, USO6, CSUM4, TSO4_OPTS, TSO6_EXT, ARP };

static const struct tf_spec bases[] = {
	/* TSO4: 3000 bytes of payload, gso_size 1448: 3 segments; l3 14, l4 34, payload 54 */
	/* The sequence number's top half reads as UDP length 3020 if the IP
	 * protocol is flipped to UDP, so that case gets past the UDP walk.
	 */
	[TSO4] = { .ipv = 4, .proto = 6, .payload = 3000, .tcp_flags = 0x18, .seq = 0x0bcc0000 },
	/* TSO6: l4 54, payload 74 */
	[TSO6] = { .ipv = 6, .proto = 6, .payload = 3000, .tcp_flags = 0x10, .seq = 0x0bcc0000 },
	[USO4] = { .ipv = 4, .proto = 17, .payload = 3000 },
	[USO6] = { .ipv = 6, .proto = 17, .payload = 3000 },
	/* CSUM4: plain NEEDS_CSUM frame, 100 bytes of TCP payload, 154 bytes */
	[CSUM4] = { .ipv = 4, .proto = 6, .payload = 100 },
	/* TSO4 with 8 bytes of IP options, 12 of TCP options, VLAN: l4 46, payload 78 */
	[TSO4_OPTS] = { .ipv = 4, .proto = 6, .payload = 3000, .ip_opt_len = 8,
			.tcp_opt_len = 12, .nvlan = 1 },
	/* TSO6 with an 8-byte Destination Options header (next header byte at l3 + 6) */
	[TSO6_EXT] = { .ipv = 6, .proto = 6, .payload = 3000, .v6_ext_len = 8 },
};

enum field {
	F_NONE, F_FLAGS, F_GSO_TYPE, F_HDR_LEN, F_GSO_SIZE, F_CSUM_START, F_CSUM_OFFSET,
	F_L3_BYTE, F_L4_BYTE, F_CUT, F_EXTEND,
};

struct vcase {
	enum base base;
	enum field field;
	int val;
	enum vn_drop_reason want;
};

/* Relative values: frame length / payload bounds written as expressions */
#define LEN_TSO4	(54 + 3000)
#define LEN_CSUM4	(54 + 100)

static const struct vcase cases[] = {
	/*  0 */ { TSO4, F_NONE, 0, VN_DROP_NONE },
	/*  1 */ { TSO6, F_NONE, 0, VN_DROP_NONE },
	/*  2 */ { USO4, F_NONE, 0, VN_DROP_NONE },
	/*  3 */ { USO6, F_NONE, 0, VN_DROP_NONE },
	/*  4 */ { CSUM4, F_NONE, 0, VN_DROP_NONE },
	/*  5 */ { TSO4_OPTS, F_NONE, 0, VN_DROP_NONE },
	/*  6 */ { ARP, F_NONE, 0, VN_DROP_NONE },
	/* flags */
	/*  7 */ { CSUM4, F_FLAGS, VN_VHDR_F_RSC_INFO | VN_VHDR_F_NEEDS_CSUM, VN_DROP_VHDR_FLAGS },
	/*  8 */ { CSUM4, F_FLAGS, 0x80 | VN_VHDR_F_NEEDS_CSUM, VN_DROP_VHDR_FLAGS },
	/*  9 */ { CSUM4, F_FLAGS, 0xff, VN_DROP_VHDR_FLAGS },
	/* 10 */ { CSUM4, F_FLAGS, VN_VHDR_F_DATA_VALID, VN_DROP_NONE },
	/* 11 */ { CSUM4, F_FLAGS, VN_VHDR_F_DATA_VALID | VN_VHDR_F_NEEDS_CSUM, VN_DROP_NONE },
	/* 12 */ { TSO4, F_FLAGS, 0, VN_DROP_VHDR_GSO_NO_CSUM },
	/* 13 */ { TSO4, F_FLAGS, VN_VHDR_F_DATA_VALID, VN_DROP_VHDR_GSO_NO_CSUM },
	/* 14 */ { USO4, F_FLAGS, 0, VN_DROP_VHDR_GSO_NO_CSUM },
	/* gso_type */
	/* 15 */ { TSO4, F_GSO_TYPE, VN_VHDR_GSO_UDP, VN_DROP_VHDR_GSO_TYPE },	/* UFO */
	/* 16 */ { TSO4, F_GSO_TYPE, 2, VN_DROP_VHDR_GSO_TYPE },
	/* 17 */ { TSO4, F_GSO_TYPE, 6, VN_DROP_VHDR_GSO_TYPE },
	/* 18 */ { TSO4, F_GSO_TYPE, 0x7f, VN_DROP_VHDR_GSO_TYPE },
	/* 19 */ { TSO4, F_GSO_TYPE, 0xff, VN_DROP_VHDR_GSO_TYPE },
	/* 20 */ { CSUM4, F_GSO_TYPE, VN_VHDR_GSO_ECN, VN_DROP_VHDR_GSO_TYPE },	/* ECN alone */
	/* 21 */ { USO4, F_GSO_TYPE, VN_VHDR_GSO_UDP_L4 | VN_VHDR_GSO_ECN, VN_DROP_VHDR_GSO_TYPE },
	/* 22 */ { TSO4, F_GSO_TYPE, VN_VHDR_GSO_TCPV4 | VN_VHDR_GSO_ECN, VN_DROP_NONE },
	/* 23 */ { TSO4, F_GSO_TYPE, VN_VHDR_GSO_TCPV6, VN_DROP_VHDR_GSO_PROTO },	/* TCPV6 on v4 */
	/* 24 */ { TSO6, F_GSO_TYPE, VN_VHDR_GSO_TCPV4, VN_DROP_VHDR_GSO_PROTO },	/* TCPV4 on v6 */
	/* 25 */ { TSO4, F_GSO_TYPE, VN_VHDR_GSO_UDP_L4, VN_DROP_VHDR_GSO_PROTO },	/* USO on TCP */
	/* 26 */ { USO4, F_GSO_TYPE, VN_VHDR_GSO_TCPV4, VN_DROP_VHDR_GSO_PROTO },	/* TSO on UDP */
	/* 27 */ { TSO4, F_L3_BYTE, 9 * 256 + 17, VN_DROP_VHDR_GSO_PROTO },	/* IP proto UDP */
	/* 28 */ { ARP, F_GSO_TYPE, VN_VHDR_GSO_TCPV4, VN_DROP_VHDR_GSO_PROTO },	/* not IP */
	/* gso_size */
	/* 29 */ { TSO4, F_GSO_SIZE, 0, VN_DROP_VHDR_GSO_SIZE },
	/* 30 */ { TSO4, F_GSO_SIZE, 3000, VN_DROP_VHDR_GSO_SIZE },	/* == payload */
	/* 31 */ { TSO4, F_GSO_SIZE, 2999, VN_DROP_NONE },		/* payload - 1 */
	/* 32 */ { TSO4, F_GSO_SIZE, 3001, VN_DROP_VHDR_GSO_SIZE },
	/* 33 */ { TSO4, F_GSO_SIZE, 0xffff, VN_DROP_VHDR_GSO_SIZE },
	/* 34 */ { TSO4, F_GSO_SIZE, 1, VN_DROP_VHDR_GSO_SEGS },	/* 3000 segments */
	/* 35 */ { TSO4, F_GSO_SIZE, 2, VN_DROP_NONE },		/* 1500: under 2048 */
	/* 36 */ { USO4, F_GSO_SIZE, 23, VN_DROP_VHDR_GSO_SEGS },	/* 131 > 128 */
	/* 37 */ { USO4, F_GSO_SIZE, 24, VN_DROP_NONE },		/* 125 segments */
	/* csum_start / csum_offset */
	/* 38 */ { CSUM4, F_CSUM_START, LEN_CSUM4 - 2, VN_DROP_VHDR_CSUM_RANGE },	/* +16+2 past */
	/* 39 */ { CSUM4, F_CSUM_OFFSET, LEN_CSUM4 - 34 - 2, VN_DROP_NONE },	/* last 2 bytes */
	/* 40 */ { CSUM4, F_CSUM_OFFSET, LEN_CSUM4 - 34 - 1, VN_DROP_VHDR_CSUM_RANGE },
	/* 41 */ { CSUM4, F_CSUM_OFFSET, 0xffff, VN_DROP_VHDR_CSUM_RANGE },
	/* 42 */ { CSUM4, F_CSUM_START, 0xffff, VN_DROP_VHDR_CSUM_RANGE },
	/* 43 */ { CSUM4, F_CSUM_START, 13, VN_DROP_VHDR_CSUM_RANGE },	/* inside Ethernet */
	/* 44 */ { CSUM4, F_CSUM_START, 14, VN_DROP_NONE },
	/* 45 */ { TSO4, F_CSUM_START, 33, VN_DROP_VHDR_CSUM_L4 },	/* l4 - 1 */
	/* 46 */ { TSO4, F_CSUM_START, 35, VN_DROP_VHDR_CSUM_L4 },	/* l4 + 1 */
	/* 47 */ { TSO4, F_CSUM_OFFSET, 6, VN_DROP_VHDR_CSUM_L4 },	/* UDP's offset on TCP */
	/* 48 */ { USO4, F_CSUM_OFFSET, 16, VN_DROP_VHDR_CSUM_L4 },	/* TCP's offset on UDP */
	/* 49 */ { TSO6, F_CSUM_START, 34, VN_DROP_VHDR_CSUM_L4 },	/* IPv4's l4 on IPv6 */
	/* hdr_len: a hint, but never past the frame */
	/* 50 */ { TSO4, F_HDR_LEN, LEN_TSO4, VN_DROP_NONE },
	/* 51 */ { TSO4, F_HDR_LEN, LEN_TSO4 + 1, VN_DROP_VHDR_HDR_LEN },
	/* 52 */ { TSO4, F_HDR_LEN, 0xffff, VN_DROP_VHDR_HDR_LEN },
	/* 53 */ { TSO4, F_HDR_LEN, 0, VN_DROP_NONE },
	/* 54 */ { CSUM4, F_HDR_LEN, LEN_CSUM4 + 1, VN_DROP_VHDR_HDR_LEN },
	/* truncated and lying frames */
	/* 55 */ { TSO4, F_CUT, 13, VN_DROP_RUNT },
	/* 56 */ { TSO4, F_CUT, 53, VN_DROP_VHDR_HDR_LEN },		/* cut inside hdr_len */
	/* 57 */ { TSO4, F_CUT, 54, VN_DROP_L3_TRUNCATED },		/* headers only, IP lies */
	/* 58 */ { TSO4, F_L3_BYTE, 3 * 256 + 0x00, VN_DROP_L3_BAD },	/* tot_len 0x0b00 < frame */
	/* 59 */ { TSO4, F_L3_BYTE, 2 * 256 + 0xff, VN_DROP_L3_TRUNCATED },	/* tot_len 0xffe6 */
	/* 60 */ { TSO4, F_EXTEND, 1, VN_DROP_L3_BAD },		/* one byte past tot_len */
	/* 61 */ { TSO4, F_L4_BYTE, 12 * 256 + 0x40, VN_DROP_L4_BAD },	/* doff 4 */
	/* 62 */ { TSO4, F_L3_BYTE, 0 * 256 + 0x44, VN_DROP_L3_BAD },	/* ihl 4 */
	/* 63 */ { TSO4, F_L3_BYTE, 6 * 256 + 0x20, VN_DROP_VHDR_GSO_PROTO },	/* MF: fragment */
	/* 64 */ { TSO4, F_L3_BYTE, 6 * 256 + 0x40, VN_DROP_NONE },	/* DF: fine */
	/* 65 */ { TSO6, F_L3_BYTE, 6 * 256 + 135, VN_DROP_L3_EXTHDR },	/* Mobility */
	/* 66 */ { TSO6, F_L3_BYTE, 6 * 256 + 43, VN_DROP_VHDR_GSO_PROTO },	/* TCP read as rthdr */
	/* 67 */ { TSO6, F_L3_BYTE, 6 * 256 + 17, VN_DROP_VHDR_GSO_PROTO },	/* TCPV6, IP says UDP */
	/* 68 */ { USO4, F_L4_BYTE, 4 * 256 + 0xff, VN_DROP_L4_BAD },	/* UDP len 0xffc0 */
	/* 69 */ { USO6, F_L4_BYTE, 5 * 256 + 7, VN_DROP_L4_BAD },	/* UDP len < datagram */
	/* 70 */ { TSO4, F_L3_BYTE, 0 * 256 + 0x65, VN_DROP_L3_BAD },	/* version 6 */
	/* 71 */ { TSO6_EXT, F_NONE, 0, VN_DROP_NONE },
	/* 72 */ { TSO6_EXT, F_L3_BYTE, 6 * 256 + 43, VN_DROP_L3_EXTHDR },	/* Routing */
	/* 73 */ { TSO6_EXT, F_L3_BYTE, 6 * 256 + 51, VN_DROP_L3_EXTHDR },	/* AH */
	/* 74 */ { TSO6_EXT, F_L3_BYTE, 6 * 256 + 0, VN_DROP_NONE },	/* Hop-by-Hop */
	/* 75 */ { TSO6_EXT, F_L3_BYTE, 6 * 256 + 44, VN_DROP_VHDR_GSO_PROTO },	/* Fragment */
	/* 76 */ { CSUM4, F_CUT, 51, VN_DROP_VHDR_CSUM_RANGE },	/* field's 2nd byte cut */
	/* 77 */ { CSUM4, F_CUT, 52, VN_DROP_NONE },		/* non-GSO: range only */
	/* 78 */ { USO4, F_L4_BYTE, 5 * 256 + 0xc1, VN_DROP_L4_BAD },	/* UDP len datagram + 1 */
};

static unsigned int build_case(const struct vcase *c, struct vn_vhdr *vh)
{
	struct tf_layout lay;
	unsigned int len;

	if (c->base == ARP) {
		static const uint8_t arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 2, 0, 0, 0, 0, 1, 0x08, 0x06 };

		memcpy(fbuf, arp, sizeof(arp));
		memset(vh, 0, sizeof(*vh));
		vh->flags = VN_VHDR_F_NEEDS_CSUM;
		vh->csum_start = 34;
		vh->csum_offset = 16;
		len = sizeof(arp);
		lay.l3_off = 14;
		lay.l4_off = 34;
	} else {
		const struct tf_spec *s = &bases[c->base];

		len = tf_build(fbuf, s, &lay);
		*vh = tf_gso_vhdr(s, &lay, c->base == CSUM4 ? 0 : 1448, false);
	}
	switch (c->field) {
	case F_NONE:
		break;
	case F_FLAGS:
		vh->flags = (uint8_t)c->val;
		break;
	case F_GSO_TYPE:
		vh->gso_type = (uint8_t)c->val;
		if (!vh->gso_size)
			vh->gso_size = 1448;
		break;
	case F_HDR_LEN:
		vh->hdr_len = (uint16_t)c->val;
		break;
	case F_GSO_SIZE:
		vh->gso_size = (uint16_t)c->val;
		break;
	case F_CSUM_START:
		vh->csum_start = (uint16_t)c->val;
		break;
	case F_CSUM_OFFSET:
		vh->csum_offset = (uint16_t)c->val;
		break;
	case F_L3_BYTE:
		fbuf[lay.l3_off + c->val / 256] = (uint8_t)(c->val % 256);
		break;
	case F_L4_BYTE:
		fbuf[lay.l4_off + c->val / 256] = (uint8_t)(c->val % 256);
		break;
	case F_CUT:
		len = (unsigned int)c->val;
		break;
	case F_EXTEND:
		memset(fbuf + len, 0, (size_t)c->val);
		len += (unsigned int)c->val;
		break;
	}
	return len;
}

static enum vn_drop_reason validate_bytes(const uint8_t *b, unsigned int len,
					  const struct vn_vhdr *vh)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	enum vn_drop_reason why;

	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, b, len), 0);
	pkt->vh = *vh;
	why = vn_vhdr_validate(pkt);
	vn_pkt_put(pkt);
	return why;
}

static void test_vhdr_validate_table(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < VN_ARRAY_SIZE(cases); i++) {
		struct vn_vhdr vh;
		unsigned int len = build_case(&cases[i], &vh);
		enum vn_drop_reason got = validate_bytes(fbuf, len, &vh);

		if (got != cases[i].want)
			print_error("case %u: got %s, want %s\n", i, vn_drop_name(got),
				    vn_drop_name(cases[i].want));
		assert_int_equal(got, cases[i].want);
	}
}

static void test_vhdr_validate_oversize_and_runt(void **state)
{
	struct vn_vhdr vh = { 0 };

	(void)state;
	memset(fbuf, 0, sizeof(fbuf));
	assert_int_equal(validate_bytes(fbuf, VN_PKT_FRAME_MAX + 1, &vh), VN_DROP_OVERSIZE);
	assert_int_equal(validate_bytes(fbuf, VN_PKT_FRAME_MAX, &vh), VN_DROP_NONE);
	assert_int_equal(validate_bytes(fbuf, 0, &vh), VN_DROP_RUNT);
}

static void test_vhdr_validate_hdrs_returns_walk(void **state)
{
	const struct tf_spec *s = &bases[TSO4_OPTS];
	struct tf_layout lay;
	unsigned int len = tf_build(fbuf, s, &lay);
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	struct vn_hdrs h;

	(void)state;
	assert_int_equal(vn_pkt_set(pkt, fbuf, len), 0);
	pkt->vh = tf_gso_vhdr(s, &lay, 1000, false);
	assert_int_equal(vn_vhdr_validate_hdrs(pkt, &h), VN_DROP_NONE);
	assert_int_equal(h.l4_off, lay.l4_off);
	assert_int_equal(h.payload_off, lay.payload_off);
	assert_int_equal(h.nvlan, 1);
	vn_pkt_put(pkt);
}

static void test_vhdr_fix_hdr_len(void **state)
{
	const struct tf_spec *s = &bases[TSO6];
	struct tf_layout lay;
	unsigned int len = tf_build(fbuf, s, &lay);
	struct vn_pkt *pkt = vn_pool_alloc(pool);

	(void)state;
	assert_int_equal(vn_pkt_set(pkt, fbuf, len), 0);
	pkt->vh = tf_gso_vhdr(s, &lay, 1440, false);
	/* Linux guests may put skb_headlen() here: more than the headers */
	pkt->vh.hdr_len = 200;
	assert_int_equal(vn_vhdr_validate(pkt), VN_DROP_NONE);
	assert_int_equal(vn_vhdr_fix_hdr_len(pkt), VN_DROP_NONE);
	assert_int_equal(pkt->vh.hdr_len, lay.payload_off);
	/* Non-IP frame: hdr_len left alone */
	memset(vn_pkt_data(pkt) + 12, 0x08, 1);
	vn_pkt_data(pkt)[13] = 0x06;
	pkt->vh.hdr_len = 7;
	assert_int_equal(vn_vhdr_fix_hdr_len(pkt), VN_DROP_NONE);
	assert_int_equal(pkt->vh.hdr_len, 7);
	vn_pkt_put(pkt);
}

/* Random headers on random good frames: a header is accepted only if the
 * checksum field and GSO promises hold, checked here the slow way.
 */
static void test_vhdr_validate_random_headers(void **state)
{
	unsigned int iter, accepted = 0;

	(void)state;
	srand(11);
	for (iter = 0; iter < 20000; iter++) {
		struct tf_spec s = { .ipv = rand() & 1 ? 4 : 6, .proto = rand() & 1 ? 6 : 17,
				     .payload = (unsigned int)rand() % 5000 };
		struct tf_layout lay;
		unsigned int len = tf_build(fbuf, &s, &lay);
		struct vn_vhdr vh = tf_gso_vhdr(&s, &lay, (uint16_t)(1 + rand() % 2000), rand() & 1);
		unsigned int r = rand() % 6;

		if (r == 0)
			vh.csum_start = (uint16_t)rand();
		else if (r == 1)
			vh.csum_offset = (uint16_t)(rand() % 64);
		else if (r == 2)
			vh.gso_type = (uint8_t)rand();
		else if (r == 3)
			vh.flags = (uint8_t)(rand() % 4);
		if (validate_bytes(fbuf, len, &vh) != VN_DROP_NONE)
			continue;
		accepted++;
		if (vh.flags & VN_VHDR_F_NEEDS_CSUM)
			assert_true((uint32_t)vh.csum_start + vh.csum_offset + 2 <= len);
		if (vn_vhdr_is_gso(&vh)) {
			uint32_t pay = len - lay.payload_off;

			assert_true(vh.flags & VN_VHDR_F_NEEDS_CSUM);
			assert_int_equal(vh.csum_start, lay.l4_off);
			assert_true(vh.gso_size > 0 && vh.gso_size < pay);
			assert_int_equal((vh.gso_type & 0x7f) == VN_VHDR_GSO_UDP_L4, s.proto == 17);
			if (s.proto == 6)
				assert_int_equal(vh.gso_type & 0x7f,
						 s.ipv == 4 ? VN_VHDR_GSO_TCPV4 : VN_VHDR_GSO_TCPV6);
		}
	}
	assert_true(accepted > 1000);
}

/* vn_vhdr_needs(): the receiver features each kind of frame needs, in one table */
static void test_vhdr_needs(void **state)
{
	const uint64_t csum = VN_BIT(VN_NET_F_GUEST_CSUM);
	static const struct {
		enum base base;
		uint16_t gso_size;
		bool ecn;
		int vlan;	/* a tag pushed in front, as a trunk's egress does */
		uint64_t want;
	} needs[] = {
		{ TSO4, 1448, false, 0, VN_BIT(VN_NET_F_GUEST_TSO4) },
		{ TSO4, 1448, true, 0, VN_BIT(VN_NET_F_GUEST_TSO4) | VN_BIT(VN_NET_F_GUEST_ECN) },
		{ TSO6, 1440, false, 0, VN_BIT(VN_NET_F_GUEST_TSO6) },
		{ USO4, 1000, false, 0, VN_BIT(VN_NET_F_GUEST_USO4) },
		{ USO6, 1000, false, 0, VN_BIT(VN_NET_F_GUEST_USO6) },
		{ USO6, 1000, false, 1, VN_BIT(VN_NET_F_GUEST_USO6) },
		{ CSUM4, 0, false, 0, 0 },
	};
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	unsigned int i;

	(void)state;
	assert_non_null(pkt);
	for (i = 0; i < VN_ARRAY_SIZE(needs); i++) {
		const struct tf_spec *sp = &bases[needs[i].base];
		struct tf_layout lay;
		unsigned int len = tf_build(fbuf + 4, sp, &lay);

		if (needs[i].vlan) {	/* MACs, then 0x8100 and a TCI, then the EtherType */
			memmove(fbuf, fbuf + 4, 12);
			tf_put16(fbuf + 12, 0x8100);
			tf_put16(fbuf + 14, 20);
			assert_int_equal(vn_pkt_set(pkt, fbuf, len + 4), 0);
		} else {
			assert_int_equal(vn_pkt_set(pkt, fbuf + 4, len), 0);
		}
		pkt->vh = tf_gso_vhdr(sp, &lay, needs[i].gso_size, needs[i].ecn);
		assert_int_equal(vn_vhdr_needs(pkt), needs[i].want | csum);
	}
	/* Nothing pending: nothing needed */
	memset(&pkt->vh, 0, sizeof(pkt->vh));
	assert_int_equal(vn_vhdr_needs(pkt), 0);
	/* A GSO type nobody accepts (UFO) */
	pkt->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	pkt->vh.gso_type = VN_VHDR_GSO_UDP;
	assert_int_equal(vn_vhdr_needs(pkt), VN_VHDR_NEEDS_NEVER);
	vn_pkt_put(pkt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vhdr_validate_table),
		cmocka_unit_test(test_vhdr_validate_oversize_and_runt),
		cmocka_unit_test(test_vhdr_validate_hdrs_returns_walk),
		cmocka_unit_test(test_vhdr_fix_hdr_len),
		cmocka_unit_test(test_vhdr_validate_random_headers),
		cmocka_unit_test(test_vhdr_needs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
