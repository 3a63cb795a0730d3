// SPDX-License-Identifier: MIT
/* test_afp_rx.c - what an afpacket port makes of what the kernel hands it, honest and lying
 *
 * Both receive modes: a TPACKET_V3 frame header in a block (rx=ring) and a
 * recvmmsg() message (rx=mmsg). Honest frames come out whole with their
 * tag back; every length, offset and flag that lies is refused with its
 * reason before a byte past the memory it describes is read (the buffers
 * here end where the lie starts, so ASan would see an overread).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/pool.h"
#include "port/afpacket_rx.h"

static struct vn_pool *pool;

static int setup(void **state)
{
	(void)state;
	return vn_pool_create("afp", 4, &pool);
}

static int teardown(void **state)
{
	(void)state;
	vn_pool_destroy(pool);
	return 0;
}

/* A 60-byte frame: broadcast from 02:..:01, EtherType 0x88b5, bytes 14.. = i */
static void frame60(uint8_t *f)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
	for (unsigned int i = 14; i < 60; i++)
		f[i] = (uint8_t)i;
}

/* --- rx=ring ---------------------------------------------------------- */

/* A block holding one frame: header at 0, virtio-net header, frame at @mac */
struct blk {
	struct tpacket3_hdr h;
	uint8_t pad[64];
	uint8_t data[128];
};

static struct blk *ring_blk(uint32_t snap, uint32_t status)
{
	struct blk *b = calloc(1, sizeof(*b));
	uint32_t mac = offsetof(struct blk, data);

	assert_non_null(b);
	b->h.tp_mac = mac;
	b->h.tp_snaplen = b->h.tp_len = snap;
	b->h.tp_status = status;
	b->h.hv1.tp_vlan_tci = 0x200a;
	frame60(b->data);
	/* NEEDS_CSUM at 34 + 6 so that the tag's shift shows */
	b->pad[sizeof(b->pad) - AFP_HDR_LEN] = VN_VHDR_F_NEEDS_CSUM;
	b->pad[sizeof(b->pad) - AFP_HDR_LEN + 6] = 34;
	b->pad[sizeof(b->pad) - AFP_HDR_LEN + 8] = 6;
	return b;
}

static void test_ring_honest(void **state)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	struct blk *b = ring_blk(60, 0);

	(void)state;
	assert_int_equal(vn_afp_ring_frame(&b->h, sizeof(*b), pkt), VN_DROP_NONE);
	assert_int_equal(pkt->len, 60);
	assert_memory_equal(vn_pkt_data(pkt), b->data, 60);
	assert_int_equal(pkt->vh.csum_start, 34);
	vn_pkt_put(pkt);
	free(b);
}

static void test_ring_tag_back(void **state)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	struct blk *b = ring_blk(60, TP_STATUS_VLAN_VALID);
	const uint8_t *d;

	(void)state;
	assert_int_equal(vn_afp_ring_frame(&b->h, sizeof(*b), pkt), VN_DROP_NONE);
	assert_int_equal(pkt->len, 64);
	d = vn_pkt_data(pkt);
	assert_memory_equal(d, b->data, 12);
	assert_memory_equal(d + 12, "\x81\x00\x20\x0a", 4);
	assert_memory_equal(d + 16, b->data + 12, 48);
	assert_int_equal(pkt->vh.csum_start, 38);	/* moved past the tag */
	vn_pkt_put(pkt);
	/* an 802.1ad TPID the kernel reports */
	pkt = vn_pool_alloc(pool);
	b->h.tp_status |= TP_STATUS_VLAN_TPID_VALID;
	b->h.hv1.tp_vlan_tpid = 0x88a8;
	assert_int_equal(vn_afp_ring_frame(&b->h, sizeof(*b), pkt), VN_DROP_NONE);
	assert_memory_equal(vn_pkt_data(pkt) + 12, "\x88\xa8\x20\x0a", 4);
	vn_pkt_put(pkt);
	free(b);
}

static void test_ring_lies(void **state)
{
	static const struct { uint32_t mac, snap, len; enum vn_drop_reason why; } c[] = {
		{ 0, 60, 60, VN_DROP_VHDR_TRUNCATED },		/* no room for the header */
		{ AFP_HDR_LEN - 1, 60, 60, VN_DROP_VHDR_TRUNCATED },
		{ sizeof(struct blk) + 1, 60, 60, VN_DROP_VHDR_TRUNCATED },	/* past the block */
		{ offsetof(struct blk, data), 129, 129, VN_DROP_VHDR_TRUNCATED },	/* snaplen past it */
		{ offsetof(struct blk, data), UINT32_MAX, UINT32_MAX, VN_DROP_VHDR_TRUNCATED },
		{ offsetof(struct blk, data), 60, 61, VN_DROP_OVERSIZE },	/* cut by the kernel */
		{ offsetof(struct blk, data), 13, 13, VN_DROP_RUNT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct vn_pkt *pkt = vn_pool_alloc(pool);
		struct blk *b = ring_blk(60, 0);

		b->h.tp_mac = c[i].mac;
		b->h.tp_snaplen = c[i].snap;
		b->h.tp_len = c[i].len;
		assert_int_equal(vn_afp_ring_frame(&b->h, sizeof(*b), pkt), c[i].why);
		vn_pkt_put(pkt);
		free(b);
	}
}

/* --- rx=mmsg ---------------------------------------------------------- */

/* A packet as recvmmsg() leaves it: header before the data, 60-byte frame at it */
static struct vn_pkt *mmsg_pkt(void)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	uint8_t *h;

	assert_non_null(pkt);
	h = vn_pkt_data(pkt) - AFP_HDR_LEN;
	memset(h, 0, AFP_HDR_LEN);
	h[0] = VN_VHDR_F_NEEDS_CSUM;
	h[6] = 34;
	h[8] = 6;
	frame60(vn_pkt_data(pkt));
	return pkt;
}

/* Control messages: one PACKET_AUXDATA with @status and TCI 0x200a */
union ctl {
	struct cmsghdr c;
	uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
};

static void aux_msg(struct msghdr *m, union ctl *u, uint32_t status)
{
	struct tpacket_auxdata a = { .tp_status = status, .tp_vlan_tci = 0x200a };

	memset(u, 0, sizeof(*u));
	u->c.cmsg_level = SOL_PACKET;
	u->c.cmsg_type = PACKET_AUXDATA;
	u->c.cmsg_len = CMSG_LEN(sizeof(a));
	memcpy(CMSG_DATA(&u->c), &a, sizeof(a));
	memset(m, 0, sizeof(*m));
	m->msg_control = u->b;
	m->msg_controllen = sizeof(u->b);
}

static void test_mmsg_honest(void **state)
{
	struct vn_pkt *pkt = mmsg_pkt();
	uint8_t want[60];
	struct msghdr m;
	union ctl u;

	(void)state;
	frame60(want);
	aux_msg(&m, &u, 0);
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_NONE);
	assert_int_equal(pkt->len, 60);
	assert_memory_equal(vn_pkt_data(pkt), want, 60);
	assert_int_equal(pkt->vh.csum_start, 34);
	vn_pkt_put(pkt);
	/* no control message at all: no tag */
	pkt = mmsg_pkt();
	memset(&m, 0, sizeof(m));
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_NONE);
	assert_int_equal(pkt->len, 60);
	vn_pkt_put(pkt);
}

static void test_mmsg_tag_back(void **state)
{
	struct vn_pkt *pkt = mmsg_pkt();
	uint32_t off = pkt->off;
	uint8_t want[60];
	struct msghdr m;
	union ctl u;
	const uint8_t *d;

	(void)state;
	frame60(want);
	aux_msg(&m, &u, TP_STATUS_VLAN_VALID);
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_NONE);
	assert_int_equal(pkt->len, 64);
	assert_int_equal(pkt->off, off - 4);	/* into the headroom, no copy of the rest */
	d = vn_pkt_data(pkt);
	assert_memory_equal(d, want, 12);
	assert_memory_equal(d + 12, "\x81\x00\x20\x0a", 4);
	assert_memory_equal(d + 16, want + 12, 48);
	assert_int_equal(pkt->vh.csum_start, 38);
	vn_pkt_put(pkt);
}

static void test_mmsg_lies(void **state)
{
	struct vn_pkt *pkt;
	struct msghdr m;
	union ctl u;

	(void)state;
	/* cut to the buffer, or a length past it */
	pkt = mmsg_pkt();
	aux_msg(&m, &u, 0);
	m.msg_flags = MSG_TRUNC;
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_OVERSIZE);
	m.msg_flags = 0;
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_MMSG_READ_MAX + 1, pkt), VN_DROP_OVERSIZE);
	assert_int_equal(vn_afp_mmsg_frame(&m, UINT32_MAX, pkt), VN_DROP_OVERSIZE);
	/* the tag may have been lost */
	m.msg_flags = MSG_CTRUNC;
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_VHDR_TRUNCATED);
	m.msg_flags = 0;
	/* shorter than a header, than an Ethernet header */
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN - 1, pkt), VN_DROP_VHDR_TRUNCATED);
	assert_int_equal(vn_afp_mmsg_frame(&m, 0, pkt), VN_DROP_VHDR_TRUNCATED);
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 13, pkt), VN_DROP_RUNT);
	/* a tagged frame that would pass the largest frame with its tag */
	aux_msg(&m, &u, TP_STATUS_VLAN_VALID);
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_MMSG_READ_MAX, pkt), VN_DROP_OVERSIZE);
	/* control messages lying about their length: past the buffer, under a header */
	aux_msg(&m, &u, TP_STATUS_VLAN_VALID);
	u.c.cmsg_len = sizeof(u.b) + 1;
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_VHDR_TRUNCATED);
	u.c.cmsg_len = sizeof(struct cmsghdr) - 1;
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_VHDR_TRUNCATED);
	/* an auxdata too short to hold its structure */
	u.c.cmsg_len = CMSG_LEN(sizeof(struct tpacket_auxdata) - 1);
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_VHDR_TRUNCATED);
	/* a control length shorter than the message in it: nothing read past it */
	aux_msg(&m, &u, TP_STATUS_VLAN_VALID);
	m.msg_controllen = CMSG_LEN(0);
	assert_int_equal(vn_afp_mmsg_frame(&m, AFP_HDR_LEN + 60, pkt), VN_DROP_VHDR_TRUNCATED);
	vn_pkt_put(pkt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_honest),
		cmocka_unit_test(test_ring_tag_back),
		cmocka_unit_test(test_ring_lies),
		cmocka_unit_test(test_mmsg_honest),
		cmocka_unit_test(test_mmsg_tag_back),
		cmocka_unit_test(test_mmsg_lies),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
