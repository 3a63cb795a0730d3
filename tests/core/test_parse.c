// SPDX-License-Identifier: MIT
/* test_parse.c - header walk: offsets of good frames, a numbered table of hostile ones */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/parse.h"
#include "core/pool.h"
#include "frames.h"

static struct vn_pool *pool;
static uint8_t fbuf[VN_PKT_FRAME_MAX];

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

static enum vn_drop_reason parse_bytes(const uint8_t *b, unsigned int len, struct vn_hdrs *h)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	enum vn_drop_reason why;

	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, b, len), 0);
	why = vn_parse_hdrs(pkt, h);
	vn_pkt_put(pkt);
	return why;
}

static void test_parse_good_frames(void **state)
{
	static const struct {
		struct tf_spec s;
		uint8_t flags;
	} t[] = {
		{ { .ipv = 4, .proto = 6, .payload = 100 }, VN_HDRS_F_L4 },
		{ { .ipv = 4, .proto = 6, .payload = 0, .ip_opt_len = 40, .tcp_opt_len = 40 },
		  VN_HDRS_F_L4 | VN_HDRS_F_IP_OPTS },
		{ { .ipv = 4, .proto = 17, .payload = 1, .nvlan = 2 }, VN_HDRS_F_L4 },
		{ { .ipv = 6, .proto = 6, .payload = 1000, .nvlan = 1 }, VN_HDRS_F_L4 },
		{ { .ipv = 6, .proto = 17, .payload = 7, .v6_ext_len = 16 },
		  VN_HDRS_F_L4 | VN_HDRS_F_V6_EXT },
		{ { .ipv = 6, .proto = 6, .payload = 65000, .v6_ext_len = 8, .tcp_opt_len = 12 },
		  VN_HDRS_F_L4 | VN_HDRS_F_V6_EXT },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < VN_ARRAY_SIZE(t); i++) {
		struct tf_layout lay;
		unsigned int len = tf_build(fbuf, &t[i].s, &lay);
		struct vn_hdrs h;

		assert_int_equal(parse_bytes(fbuf, len, &h), VN_DROP_NONE);
		assert_int_equal(h.ip_version, t[i].s.ipv);
		assert_int_equal(h.l4_proto, t[i].s.proto);
		assert_int_equal(h.nvlan, t[i].s.nvlan);
		assert_int_equal(h.l3_off, lay.l3_off);
		assert_int_equal(h.l4_off, lay.l4_off);
		assert_int_equal(h.payload_off, lay.payload_off);
		assert_int_equal(h.l3_end, len);
		assert_int_equal(h.flags, t[i].flags);
		assert_int_equal(vn_parse_l4_payload_len(&h), t[i].s.payload);
		assert_int_equal(h.eth_type, t[i].s.ipv == 4 ? VN_ETH_P_IP : VN_ETH_P_IPV6);
	}
}

static void test_parse_non_ip_and_padding(void **state)
{
	static const struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 2 };
	uint8_t arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06 };
	struct tf_layout lay;
	struct vn_hdrs h;
	unsigned int len;

	(void)state;
	assert_int_equal(parse_bytes(arp, sizeof(arp), &h), VN_DROP_NONE);
	assert_int_equal(h.ip_version, 0);
	assert_int_equal(h.eth_type, 0x0806);
	assert_int_equal(h.l3_off, 14);

	/* 56-byte frame padded to 60: padding stays outside [l3_off, l3_end) */
	len = tf_build(fbuf, &s, &lay);
	memset(fbuf + len, 0xaa, 60 - len);
	assert_int_equal(parse_bytes(fbuf, 60, &h), VN_DROP_NONE);
	assert_int_equal(h.l3_end, len);
	assert_int_equal(vn_parse_l4_payload_len(&h), 2);

	/* Three tags: the third is left as the EtherType of a non-IP frame */
	len = tf_build(fbuf + 4, &(struct tf_spec){ .ipv = 4, .proto = 6, .nvlan = 2 }, &lay);
	memmove(fbuf, fbuf + 4, 12);
	memcpy(fbuf + 12, "\x81\x00\x00\x05", 4);
	assert_int_equal(parse_bytes(fbuf, len + 4, &h), VN_DROP_NONE);
	assert_int_equal(h.ip_version, 0);
	assert_int_equal(h.nvlan, 2);
}

static void test_parse_fragments(void **state)
{
	static const struct tf_spec s4 = { .ipv = 4, .proto = 6, .payload = 100 };
	struct tf_layout lay;
	struct vn_hdrs h;
	unsigned int len;

	(void)state;
	/* IPv4 first fragment (MF): L4 parsed; later fragment: not */
	len = tf_build(fbuf, &s4, &lay);
	fbuf[lay.l3_off + 6] = 0x20;
	assert_int_equal(parse_bytes(fbuf, len, &h), VN_DROP_NONE);
	assert_int_equal(h.flags & (VN_HDRS_F_FRAG | VN_HDRS_F_LATER_FRAG | VN_HDRS_F_L4),
			 VN_HDRS_F_FRAG | VN_HDRS_F_L4);
	fbuf[lay.l3_off + 7] = 0x10;
	assert_int_equal(parse_bytes(fbuf, len, &h), VN_DROP_NONE);
	assert_int_equal(h.flags & (VN_HDRS_F_FRAG | VN_HDRS_F_LATER_FRAG | VN_HDRS_F_L4),
			 VN_HDRS_F_FRAG | VN_HDRS_F_LATER_FRAG);
	assert_int_equal(h.payload_off, h.l4_off);

	/* IPv6 Fragment header with offset 8: stops there, no L4 */
	len = tf_build(fbuf, &(struct tf_spec){ .ipv = 6, .proto = 6, .payload = 100,
						.v6_ext_len = 8 }, &lay);
	fbuf[lay.l3_off + 6] = 44;
	fbuf[lay.l3_off + 40 + 1] = 0;
	fbuf[lay.l3_off + 40 + 2] = 0;
	fbuf[lay.l3_off + 40 + 3] = 8;
	assert_int_equal(parse_bytes(fbuf, len, &h), VN_DROP_NONE);
	assert_true(h.flags & VN_HDRS_F_LATER_FRAG);
	assert_int_equal(h.l4_proto, 6);
	assert_int_equal(h.l4_off, lay.l3_off + 48);
	assert_false(h.flags & VN_HDRS_F_L4);
}

/*
 * Numbered hostile frames: each starts from a good frame, then sets one
 * byte (at an offset relative to l3/l4) and/or cuts the frame. Cases come in
 * pairs at each bound: one byte inside (accepted), one byte over (rejected).
 */
enum base { B_TCP4, B_TCP4_SMALL, B_UDP4, B_TCP6, B_TCP6_EXT };
enum rel { R_L3, R_L4 };

struct hostile {
	enum base base;
	enum rel rel;		/* what @at is relative to */
	int at;			/* byte to set, -1 for none */
	int val;
	int cut;		/* if > 0: cut the frame to this length */
	enum vn_drop_reason want;
};

/* Bases: TCP4 and UDP4 carry 100 payload bytes (IPv4 tot_len 140 / 128),
 * TCP4_SMALL 39 (room for TCP: 59), TCP6 100 (payload_len 120), TCP6_EXT an
 * 8-byte Destination Options header then TCP with 100 bytes (payload_len 128).
 */
static const struct hostile hostile[] = {
	/*  0 */ { B_TCP4, R_L3, -1, 0, 13, VN_DROP_RUNT },
	/*  1 */ { B_TCP4, R_L3, -1, 0, 14, VN_DROP_L3_TRUNCATED },
	/*  2 */ { B_TCP4, R_L3, -1, 0, 14 + 19, VN_DROP_L3_TRUNCATED },
	/*  3 */ { B_TCP4, R_L3, 0, 0x65, 0, VN_DROP_L3_BAD },		/* version 6 in IPv4 */
	/*  4 */ { B_TCP4, R_L3, 0, 0x44, 0, VN_DROP_L3_BAD },		/* ihl 16 bytes */
	/*  5 */ { B_TCP4, R_L3, 0, 0x4f, 14 + 59, VN_DROP_L3_TRUNCATED },	/* ihl 60, 59 there */
	/*  6 */ { B_TCP4, R_L3, 2, 0xff, 0, VN_DROP_L3_TRUNCATED },	/* tot_len 0xff8c */
	/*  7 */ { B_TCP4, R_L3, 3, 19, 0, VN_DROP_L3_BAD },		/* tot_len 19 < ihl */
	/*  8 */ { B_TCP4, R_L3, 3, 0, 0, VN_DROP_L3_BAD },		/* tot_len 0 */
	/*  9 */ { B_TCP4, R_L3, 3, 20, 0, VN_DROP_L4_TRUNCATED },	/* tot_len 20: no TCP */
	/* 10 */ { B_TCP4, R_L3, 3, 39, 0, VN_DROP_L4_TRUNCATED },	/* one byte short of TCP */
	/* 11 */ { B_TCP4, R_L3, 3, 40, 0, VN_DROP_NONE },		/* TCP header, rest padding */
	/* 12 */ { B_TCP4, R_L3, 3, 141, 0, VN_DROP_L3_TRUNCATED },	/* one past the frame */
	/* 13 */ { B_TCP4, R_L4, 12, 0x40, 0, VN_DROP_L4_BAD },		/* doff 4 */
	/* 14 */ { B_TCP4, R_L4, 12, 0x00, 0, VN_DROP_L4_BAD },		/* doff 0 */
	/* 15 */ { B_TCP4_SMALL, R_L4, 12, 0xe0, 0, VN_DROP_NONE },	/* doff 56 of 59 */
	/* 16 */ { B_TCP4_SMALL, R_L4, 12, 0xf0, 0, VN_DROP_L4_TRUNCATED },	/* doff 60 > 59 */
	/* 17 */ { B_TCP4, R_L4, -1, 0, 14 + 20 + 19, VN_DROP_L3_TRUNCATED },	/* frame cut in TCP */
	/* 18 */ { B_UDP4, R_L4, 5, 7, 0, VN_DROP_L4_BAD },		/* udp len 7 */
	/* 19 */ { B_UDP4, R_L4, 5, 8, 0, VN_DROP_NONE },		/* udp len 8 */
	/* 20 */ { B_UDP4, R_L4, 5, 109, 0, VN_DROP_L4_BAD },		/* udp len datagram + 1 */
	/* 21 */ { B_UDP4, R_L4, 5, 108, 0, VN_DROP_NONE },		/* udp len == datagram */
	/* 22 */ { B_UDP4, R_L4, 4, 0xff, 0, VN_DROP_L4_BAD },		/* udp len 0xff6c */
	/* 23 */ { B_UDP4, R_L3, 3, 27, 0, VN_DROP_L4_TRUNCATED },	/* 7 bytes of UDP */
	/* 24 */ { B_TCP6, R_L3, -1, 0, 14 + 39, VN_DROP_L3_TRUNCATED },
	/* 25 */ { B_TCP6, R_L3, 0, 0x40, 0, VN_DROP_L3_BAD },		/* version 4 in IPv6 */
	/* 26 */ { B_TCP6, R_L3, 4, 0xff, 0, VN_DROP_L3_TRUNCATED },	/* payload_len 0xff78 */
	/* 27 */ { B_TCP6, R_L3, 5, 121, 0, VN_DROP_L3_TRUNCATED },	/* one past the frame */
	/* 28 */ { B_TCP6, R_L3, 5, 120, 0, VN_DROP_NONE },		/* exactly the frame */
	/* 29 */ { B_TCP6, R_L3, 5, 19, 0, VN_DROP_L4_TRUNCATED },	/* 19 bytes of TCP */
	/* 30 */ { B_TCP6, R_L3, 6, 135, 0, VN_DROP_L3_EXTHDR },	/* Mobility header */
	/* 31 */ { B_TCP6, R_L3, 6, 253, 0, VN_DROP_L3_EXTHDR },	/* experimental */
	/* 32 */ { B_TCP6, R_L3, 6, 139, 0, VN_DROP_L3_EXTHDR },	/* HIP */
	/* 33 */ { B_TCP6, R_L3, 6, 58, 0, VN_DROP_NONE },		/* ICMPv6: not parsed */
	/* 34 */ { B_TCP6, R_L3, 6, 59, 0, VN_DROP_NONE },		/* No Next Header */
	/* 35 */ { B_TCP6_EXT, R_L3, 41, 1, 0, VN_DROP_L4_BAD },	/* 16-byte dstopts: TCP shifted */
	/* 36 */ { B_TCP6_EXT, R_L3, 41, 15, 0, VN_DROP_L4_TRUNCATED },	/* 128 bytes == datagram */
	/* 37 */ { B_TCP6_EXT, R_L3, 41, 16, 0, VN_DROP_L3_TRUNCATED },	/* 136 bytes > datagram */
	/* 38 */ { B_TCP6_EXT, R_L3, 41, 0xff, 0, VN_DROP_L3_TRUNCATED },	/* 2048 bytes */
	/* 39 */ { B_TCP6_EXT, R_L3, 40, 0, 0, VN_DROP_L3_EXTHDR },	/* HBH after dstopts */
	/* 40 */ { B_TCP6_EXT, R_L3, 40, 60, 0, VN_DROP_L3_TRUNCATED },	/* chains into TCP bytes */
	/* 41 */ { B_TCP6_EXT, R_L3, 5, 0, 0, VN_DROP_L3_TRUNCATED },	/* payload_len 0 w/ ext */
	/* 42 */ { B_TCP6_EXT, R_L3, 5, 7, 0, VN_DROP_L3_TRUNCATED },	/* ext hdr cut by plen */
	/* 43 */ { B_TCP6_EXT, R_L3, -1, 0, 14 + 40 + 7, VN_DROP_L3_TRUNCATED },
	/* 44 */ { B_TCP4, R_L3, 9, 47, 0, VN_DROP_NONE },		/* GRE: not parsed */
	/* 45 */ { B_TCP6_EXT, R_L3, 6, 0, 0, VN_DROP_NONE },		/* dstopts read as HBH */
};

static unsigned int build_base(enum base b, struct tf_layout *lay)
{
	struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 100 };

	if (b == B_UDP4)
		s.proto = 17;
	if (b == B_TCP4_SMALL)
		s.payload = 39;
	if (b == B_TCP6 || b == B_TCP6_EXT)
		s.ipv = 6;
	if (b == B_TCP6_EXT)
		s.v6_ext_len = 8;
	return tf_build(fbuf, &s, lay);
}

static void test_parse_hostile_table(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < VN_ARRAY_SIZE(hostile); i++) {
		const struct hostile *c = &hostile[i];
		struct tf_layout lay;
		unsigned int len = build_base(c->base, &lay);
		struct vn_hdrs h;
		enum vn_drop_reason got;

		if (c->at >= 0)
			fbuf[(unsigned int)c->at + (c->rel == R_L3 ? lay.l3_off : lay.l4_off)] =
				(uint8_t)c->val;
		if (c->cut > 0)
			len = (unsigned int)c->cut;
		got = parse_bytes(fbuf, len, &h);
		if (got != c->want)
			print_error("hostile case %u: got %s, want %s\n", i, vn_drop_name(got),
				    vn_drop_name(c->want));
		assert_int_equal(got, c->want);
	}
}

static void test_parse_ipv6_jumbogram_rejected(void **state)
{
	struct tf_layout lay;
	unsigned int len = tf_build(fbuf, &(struct tf_spec){ .ipv = 6, .proto = 6, .payload = 10,
							     .v6_ext_len = 8 }, &lay);
	struct vn_hdrs h;

	(void)state;
	fbuf[lay.l3_off + 4] = 0;
	fbuf[lay.l3_off + 5] = 0;
	fbuf[lay.l3_off + 6] = 0;
	assert_int_equal(parse_bytes(fbuf, len, &h), VN_DROP_L3_BAD);
}

static void test_parse_random_bytes_never_overrun(void **state)
{
	unsigned int iter;

	(void)state;
	srand(7);
	for (iter = 0; iter < 20000; iter++) {
		struct tf_spec s = { .ipv = rand() & 1 ? 4 : 6, .proto = rand() & 1 ? 6 : 17,
				     .payload = (unsigned int)rand() % 300, .nvlan = rand() % 3,
				     .v6_ext_len = (unsigned int)(rand() % 3) * 8 };
		struct tf_layout lay;
		unsigned int len = tf_build(fbuf, &s, &lay), n = rand() % 4, k;
		struct vn_hdrs h;

		for (k = 0; k < n; k++)
			fbuf[rand() % len] = (uint8_t)rand();
		len = (unsigned int)rand() % (len + 1);
		if (parse_bytes(fbuf, len, &h) != VN_DROP_NONE || !h.ip_version)
			continue;
		/* Whatever was accepted lies inside the frame, in order */
		assert_true(h.l3_off < h.l3_end && h.l3_end <= len);
		assert_true(h.l3_off + h.l3_hlen <= h.l4_off || h.flags & VN_HDRS_F_LATER_FRAG);
		assert_true(h.l4_off <= h.payload_off && h.payload_off <= h.l3_end);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good_frames),
		cmocka_unit_test(test_parse_non_ip_and_padding),
		cmocka_unit_test(test_parse_fragments),
		cmocka_unit_test(test_parse_hostile_table),
		cmocka_unit_test(test_parse_ipv6_jumbogram_rejected),
		cmocka_unit_test(test_parse_random_bytes_never_overrun),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
