// SPDX-License-Identifier: MIT
/* test_vq_packed.c - packed virtqueue: chain walk checks, wrap counters, used
 * descriptors, event suppression, ring base
 *
 * The queue runs over "guest memory" that is two malloc'd blocks posing as
 * two adjacent guest-physical regions; the driver side is written by hand,
 * one descriptor at a time, with the AVAIL/USED bits a driver would give
 * it (or the wrong ones a hostile driver would).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "virtio/vq.h"
#include "fake_guest.h"

#define REG	0x10000u	/* each region: 64 KiB */
#define QS	16
#define BIGQS	256
#define AV	VN_VRING_PACKED_F_AVAIL
#define US	VN_VRING_PACKED_F_USED
#define NEXT	VN_VRING_DESC_F_NEXT
#define WR	VN_VRING_DESC_F_WRITE
#define IND	VN_VRING_DESC_F_INDIRECT

struct fx {
	struct vn_vu_mem mem;
	uint8_t *r0, *r1;
	struct vn_vq vq;
	struct vn_vring_packed_desc *ring;
	struct vn_vring_packed_event *drv, *dev;
	struct vn_vq_chain c;
};

/* Region 0 = gpa [0, 64K): ring at 0, driver event at 0x1000, device event at
 * 0x2000, indirect tables at 0x3000, buffers from 0x4000; region 1 = [64K, 128K) */
static struct fx *fx_new(uint16_t qsize, bool device_writes)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_int_equal(fake_guest_vq(&f->mem, &f->r0, &f->r1, REG, &f->vq, qsize,
				       device_writes, true), 0);
	f->ring = (void *)f->r0;
	f->drv = (void *)(f->r0 + 0x1000);
	f->dev = (void *)(f->r0 + 0x2000);
	return f;
}

static void fx_free(struct fx *f)
{
	free(f->r0);
	free(f->r1);
	free(f);
}

/* Descriptor @i as the driver writes it on lap @wrap (1: first lap) */
static void put(struct fx *f, uint16_t i, uint64_t addr, uint32_t len, uint16_t id,
		uint16_t flags, bool wrap)
{
	f->ring[i] = (struct vn_vring_packed_desc){ addr, len, id,
		(uint16_t)(flags | (wrap ? AV : US)) };
}

static int pop(struct fx *f)
{
	return vn_vq_pop(&f->vq, &f->mem, &f->c);
}

static void test_vqp_simple_chain(void **state)
{
	struct fx *f = fx_new(QS, false);

	(void)state;
	assert_int_equal(pop(f), -EAGAIN);
	assert_int_equal(vn_vq_avail(&f->vq, QS), 0);
	put(f, 0, 0x4000, 12, 9, NEXT, true);
	put(f, 1, 0x5000, 100, 7, 0, true);
	assert_int_equal(vn_vq_avail(&f->vq, QS), 1);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->c.niov, 2);
	assert_int_equal(f->c.len, 112);
	assert_ptr_equal(f->c.iov[1].iov_base, f->r0 + 0x5000);
	assert_int_equal(f->c.head, 7);		/* the last descriptor's id */
	assert_int_equal(f->c.ndesc, 2);
	assert_int_equal(pop(f), -EAGAIN);
	/* The used descriptor lands at the chain's first slot, the device moves on by 2 */
	vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 0);
	assert_int_equal(f->ring[0].id, 7);
	/* ... and the driver sees it once the burst is flushed */
	assert_int_equal(f->ring[0].flags & (AV | US), AV);
	vn_vq_flush(&f->vq);
	assert_int_equal(f->ring[0].flags & (AV | US), AV | US);
	assert_int_equal(f->vq.used_idx, 2);
	fx_free(f);
}

static void test_vqp_chain_crosses_the_ring_end(void **state)
{
	struct fx *f = fx_new(QS, true);

	(void)state;
	assert_int_equal(vn_vq_set_base(&f->vq, (QS - 2) | 0x8000), 0);
	put(f, QS - 2, 0x4000, 10, 3, NEXT | WR, true);
	put(f, QS - 1, 0x4100, 10, 3, NEXT | WR, true);
	put(f, 0, 0x4200, 10, 3, WR, false);	/* next lap: USED set, AVAIL clear */
	put(f, 1, 0x4300, 10, 4, WR, false);
	assert_int_equal(vn_vq_avail(&f->vq, QS), 2);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->c.ndesc, 3);
	assert_int_equal(f->c.niov, 3);
	assert_int_equal(f->vq.last_avail, 1);
	assert_false(f->vq.avail_wrap);
	vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 30);
	vn_vq_flush(&f->vq);
	assert_int_equal(f->ring[QS - 2].len, 30);
	assert_int_equal(f->ring[QS - 2].flags & (AV | US), AV | US);
	assert_int_equal(f->vq.used_idx, 1);
	assert_false(f->vq.used_wrap);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->c.head, 4);
	vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 10);
	vn_vq_flush(&f->vq);
	/* On the second lap a used descriptor has both bits clear */
	assert_int_equal(f->ring[1].flags & (AV | US), 0);
	/* GET_VRING_BASE: position 2, wrap 0, on both halves */
	assert_int_equal(vn_vq_get_base(&f->vq), 2u | 2u << 16);
	fx_free(f);
}

/* A burst's used descriptors become visible together: the first's flags go last */
static void test_vqp_used_burst_published_at_flush(void **state)
{
	struct fx *f = fx_new(QS, false);
	uint16_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		put(f, i, 0x4000, 10, (uint16_t)(10 + i), 0, true);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pop(f), 0);
		vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 0);
	}
	/* The second and third are written, the first still reads as available */
	assert_int_equal(f->ring[0].flags & (AV | US), AV);
	assert_int_equal(f->ring[1].flags & (AV | US), AV | US);
	assert_int_equal(f->ring[2].id, 12);
	vn_vq_flush(&f->vq);
	assert_int_equal(f->ring[0].flags & (AV | US), AV | US);
	assert_int_equal(f->ring[0].id, 10);
	fx_free(f);
}

static void test_vqp_indirect(void **state)
{
	struct fx *f = fx_new(QS, false);
	struct vn_vring_packed_desc *tbl = (void *)(f->r0 + 0x3000);

	(void)state;
	tbl[0] = (struct vn_vring_packed_desc){ 0x4000, 12, 0, NEXT };	/* NEXT: ignored */
	tbl[1] = (struct vn_vring_packed_desc){ REG - 10, 30, 0, 0 };	/* spans both regions */
	put(f, 0, 0x3000, 32, 5, IND, true);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->c.ndesc, 1);
	assert_int_equal(f->c.head, 5);
	assert_int_equal(f->c.niov, 3);
	assert_int_equal(f->c.len, 42);
	fx_free(f);
}

struct bad {
	const char *why;
	void (*make)(struct fx *f);
	bool no_indirect;
};

static void bad_mid_chain(struct fx *f)
{
	put(f, 0, 0x4000, 10, 0, NEXT, true);
	put(f, 1, 0x4000, 10, 0, 0, false);		/* the wrong lap's bits */
}

static void bad_direction(struct fx *f)
{
	put(f, 0, 0x4000, 10, 0, WR, true);		/* writable on a transmit queue */
}

static void bad_outside(struct fx *f)
{
	put(f, 0, 2 * REG - 10, 11, 0, 0, true);
}

static void bad_wraps_address(struct fx *f)
{
	put(f, 0, UINT64_MAX - 10, 100, 0, 0, true);
}

static void bad_every_next(struct fx *f)
{
	uint16_t i;

	/* A whole ring of NEXT: the walk meets its own head on the next lap */
	for (i = 0; i < QS; i++)
		put(f, i, 0x4000, 10, 0, NEXT, true);
}

static void bad_indirect_without_feature(struct fx *f)
{
	put(f, 0, 0x3000, 16, 0, IND, true);
}

static void bad_indirect_next(struct fx *f)
{
	put(f, 0, 0x3000, 16, 0, IND | NEXT, true);
}

static void bad_indirect_not_head(struct fx *f)
{
	put(f, 0, 0x4000, 10, 0, NEXT, true);
	put(f, 1, 0x3000, 16, 0, IND, true);
}

static void bad_indirect_size(struct fx *f)
{
	put(f, 0, 0x3000, 17, 0, IND, true);
}

static void bad_indirect_empty(struct fx *f)
{
	put(f, 0, 0x3000, 0, 0, IND, true);
}

static void bad_indirect_big(struct fx *f)
{
	put(f, 0, 0x3000, (QS + 1) * 16, 0, IND, true);
}

static void bad_indirect_misaligned(struct fx *f)
{
	put(f, 0, 0x3008, 16, 0, IND, true);
}

static void bad_indirect_split(struct fx *f)
{
	put(f, 0, REG - 16, 32, 0, IND, true);	/* table over two regions */
}

static void bad_indirect_nested(struct fx *f)
{
	struct vn_vring_packed_desc *tbl = (void *)(f->r0 + 0x3000);

	tbl[0] = (struct vn_vring_packed_desc){ 0x3000, 16, 0, IND };
	put(f, 0, 0x3000, 16, 0, IND, true);
}

static void bad_indirect_direction(struct fx *f)
{
	struct vn_vring_packed_desc *tbl = (void *)(f->r0 + 0x3000);

	tbl[0] = (struct vn_vring_packed_desc){ 0x4000, 16, 0, WR };
	put(f, 0, 0x3000, 16, 0, IND, true);
}

static void test_vqp_hostile_chains(void **state)
{
	static const struct bad cases[] = {
		{ "chain runs into a descriptor that is not available", bad_mid_chain, false },
		{ "descriptor direction wrong for the queue", bad_direction, false },
		{ "buffer outside guest memory", bad_outside, false },
		{ "buffer address + length overflows", bad_wraps_address, false },
		{ "chain runs into a descriptor that is not available", bad_every_next, false },
		{ "indirect descriptor without INDIRECT_DESC", bad_indirect_without_feature, true },
		{ "indirect descriptor with NEXT", bad_indirect_next, false },
		{ "indirect descriptor not at the head of the chain", bad_indirect_not_head, false },
		{ "indirect table size not a multiple of 16", bad_indirect_size, false },
		{ "indirect table size not a multiple of 16", bad_indirect_empty, false },
		{ "indirect table bigger than the ring", bad_indirect_big, false },
		{ "indirect table misaligned", bad_indirect_misaligned, false },
		{ "indirect table outside guest memory", bad_indirect_split, false },
		{ "nested indirect table", bad_indirect_nested, false },
		{ "descriptor direction wrong for the queue", bad_indirect_direction, false },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *f = fx_new(QS, false);

		f->vq.indirect = !cases[i].no_indirect;
		cases[i].make(f);
		assert_int_equal(pop(f), -EIO);
		assert_true(f->vq.broken);
		assert_string_equal(f->vq.why, cases[i].why);
		assert_int_equal(f->vq.stats.broken, 1);
		/* Nothing was taken, and a broken queue stays stopped */
		assert_int_equal(f->vq.last_avail, 0);
		assert_int_equal(pop(f), -EIO);
		assert_int_equal(vn_vq_avail(&f->vq, QS), 0);
		fx_free(f);
	}
}

static void test_vqp_empty_descriptors_capped(void **state)
{
	struct fx *f = fx_new(BIGQS, false);
	uint16_t i;

	(void)state;
	for (i = 0; i < BIGQS; i++)
		put(f, i, 0x4000, 0, 0, i + 1 < BIGQS ? NEXT : 0, true);
	assert_int_equal(pop(f), -EIO);
	assert_string_equal(f->vq.why, "chain has too many segments (empty descriptors)");
	fx_free(f);
}

static void test_vqp_avail_counts_chains(void **state)
{
	struct fx *f = fx_new(QS, false);

	(void)state;
	put(f, 0, 0x4000, 10, 0, 0, true);
	put(f, 1, 0x4000, 10, 1, NEXT, true);
	put(f, 2, 0x4000, 10, 1, 0, true);
	put(f, 3, 0x4000, 10, 3, 0, true);
	put(f, 4, 0x4000, 10, 4, 0, false);	/* not this lap's: not available */
	assert_int_equal(vn_vq_avail(&f->vq, QS), 3);
	assert_int_equal(vn_vq_avail(&f->vq, 2), 2);
	fx_free(f);
}

static void test_vqp_seek(void **state)
{
	struct fx *f = fx_new(QS, true);
	struct vn_vq_pos at;

	(void)state;
	assert_int_equal(vn_vq_set_base(&f->vq, (QS - 1) | 0x8000), 0);
	put(f, QS - 1, 0x4000, 10, 0, WR, true);
	put(f, 0, 0x4000, 10, 1, WR, false);
	at = vn_vq_tell(&f->vq);
	assert_int_equal(pop(f), 0);
	assert_int_equal(pop(f), 0);
	assert_false(f->vq.avail_wrap);
	vn_vq_seek(&f->vq, at);
	assert_true(f->vq.avail_wrap);
	assert_int_equal(vn_vq_avail(&f->vq, QS), 2);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->c.head, 0);
	fx_free(f);
}

static void test_vqp_base(void **state)
{
	struct fx *f = fx_new(QS, false);

	(void)state;
	/* Position past the ring */
	assert_int_equal(vn_vq_set_base(&f->vq, QS), -EINVAL);
	assert_int_equal(vn_vq_set_base(&f->vq, 5 | 0x8000 | (5u | 0x8000) << 16), 0);
	assert_int_equal(vn_vq_get_base(&f->vq), (5u | 0x8000) | (5u | 0x8000) << 16);
	/* A base set, then the ring made smaller than it: not mapped */
	f->vq.size = 4;
	assert_int_equal(vn_vq_map(&f->vq, &f->mem), -EINVAL);
	assert_false(vn_vq_ready(&f->vq));
	fx_free(f);
}

static void push_one(struct fx *f, uint16_t i, bool wrap)
{
	put(f, i, 0x4000, 10, i, 0, wrap);
	assert_int_equal(pop(f), 0);
	vn_vq_push(&f->vq, f->c.head, f->c.ndesc, 0);
}

static void test_vqp_calls(void **state)
{
	struct fx *f = fx_new(QS, false);
	int call = eventfd(0, EFD_NONBLOCK);
	uint64_t v;
	uint16_t i;

	(void)state;
	f->vq.callfd = call;
	f->vq.event_idx = true;
	/* ENABLE (0): one call per burst */
	push_one(f, 0, true);
	push_one(f, 1, true);
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	/* Nothing pushed since: no call */
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), -1);
	/* DISABLE */
	f->drv->flags = VN_VRING_PACKED_EV_DISABLE;
	push_one(f, 2, true);
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), -1);
	assert_int_equal(f->vq.stats.calls_suppressed, 1);
	/* DESC at position 5 of this lap: not for 3 and 4, then for 5 */
	f->drv->flags = VN_VRING_PACKED_EV_DESC;
	f->drv->off_wrap = 5 | VN_VRING_PACKED_EV_WRAP;
	push_one(f, 3, true);
	push_one(f, 4, true);
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), -1);
	push_one(f, 5, true);
	push_one(f, 6, true);
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), sizeof(v));
	/* DESC at position 1 of the next lap: the rest of this lap says nothing */
	f->drv->off_wrap = 1;
	for (i = 7; i < QS; i++)
		push_one(f, i, true);
	push_one(f, 0, false);
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), -1);
	push_one(f, 1, false);
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), sizeof(v));
	/* DESC without EVENT_IDX is not the driver's to use: treated as ENABLE */
	f->vq.event_idx = false;
	f->drv->off_wrap = 9;
	push_one(f, 2, false);
	vn_vq_flush(&f->vq);
	assert_int_equal(read(call, &v, sizeof(v)), sizeof(v));
	close(call);
	fx_free(f);
}

static void test_vqp_notify(void **state)
{
	struct fx *f = fx_new(QS, false);

	(void)state;
	vn_vq_notify_disable(&f->vq);
	assert_int_equal(f->dev->flags, VN_VRING_PACKED_EV_DISABLE);
	assert_false(vn_vq_notify_enable(&f->vq));
	assert_int_equal(f->dev->flags, VN_VRING_PACKED_EV_ENABLE);
	assert_true(vn_vq_kick_maybe(&f->vq));
	/* A buffer that arrived meanwhile: process again, no kick will come */
	vn_vq_notify_disable(&f->vq);
	put(f, 0, 0x4000, 10, 0, 0, true);
	assert_true(vn_vq_notify_enable(&f->vq));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vqp_simple_chain),
		cmocka_unit_test(test_vqp_chain_crosses_the_ring_end),
		cmocka_unit_test(test_vqp_used_burst_published_at_flush),
		cmocka_unit_test(test_vqp_indirect),
		cmocka_unit_test(test_vqp_hostile_chains),
		cmocka_unit_test(test_vqp_empty_descriptors_capped),
		cmocka_unit_test(test_vqp_avail_counts_chains),
		cmocka_unit_test(test_vqp_seek),
		cmocka_unit_test(test_vqp_base),
		cmocka_unit_test(test_vqp_calls),
		cmocka_unit_test(test_vqp_notify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
