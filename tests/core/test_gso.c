// SPDX-License-Identifier: MIT
/* test_gso.c - software GSO against a naive reference: reassemble, re-derive, re-verify
 *
 * The reference never looks at how gso.c works: it takes the original frame
 * and the segments and checks, byte by byte, that every header byte is the
 * original's except the fields segmentation must change, that those hold the
 * values computed here with plain arithmetic, that the payloads concatenate
 * back to the original payload, and that every checksum verifies with the
 * slow RFC 1071 sum (tf_horrible_sum()).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/gso.h"
#include "core/parse.h"
#include "core/pool.h"
#include "frames.h"

static struct vn_pool *pool;
static uint8_t fbuf[VN_PKT_FRAME_MAX];
static uint8_t orig_copy[VN_PKT_FRAME_MAX];
static uint8_t joined[VN_PKT_FRAME_MAX];
static struct vn_pkt *segs[VN_GSO_SEGS_MAX];

static int setup(void **state)
{
	(void)state;
	return vn_pool_create("test", VN_GSO_SEGS_MAX + 8, &pool);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(vn_pool_avail(pool), VN_GSO_SEGS_MAX + 8);
	vn_pool_destroy(pool);
	return 0;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Is byte @i of the headers one that segmentation is allowed to change? */
static bool mutable_byte(const struct tf_spec *s, const struct tf_layout *lay, unsigned int i)
{
	unsigned int r;

	if (i >= lay->l3_off && i < lay->l4_off) {
		r = i - lay->l3_off;
		if (s->ipv == 4)
			return (r >= 2 && r <= 5) || r == 10 || r == 11;
		return r == 4 || r == 5;
	}
	if (i >= lay->l4_off) {
		r = i - lay->l4_off;
		if (s->proto == 6)
			return (r >= 4 && r <= 7) || r == 13 || r == 16 || r == 17;
		return r >= 4 && r <= 7;
	}
	return false;
}

/* NEEDS_CSUM segment: finish it the slow way, as a receiving NIC would */
static void horrible_complete(uint8_t *f, unsigned int len, const struct vn_vhdr *vh)
{
	uint16_t c = (uint16_t)~tf_horrible_sum(f + vh->csum_start, len - vh->csum_start, 0);

	tf_put16(f + vh->csum_start + vh->csum_offset, c);
}

static void check_segments(const struct tf_spec *s, const struct tf_layout *lay,
			   const uint8_t *orig, unsigned int mss, int n, bool sw_csum)
{
	unsigned int hlen = lay->payload_off, total = 0, i;
	uint8_t flags0 = orig[lay->l4_off + 13];
	int k;

	assert_int_equal(n, (int)((s->payload + mss - 1) / mss));
	for (k = 0; k < n; k++) {
		struct vn_pkt *seg = segs[k];
		uint8_t *f = vn_pkt_data(seg);
		unsigned int len = seg->len, plen = len - hlen;
		uint8_t tmp[VN_PKT_FRAME_MAX];

		/* Shape: headers + at most mss; all but the last exactly mss */
		assert_true(len > hlen && plen <= mss);
		if (k != n - 1)
			assert_int_equal(plen, mss);
		assert_int_equal(seg->vh.gso_type, VN_VHDR_GSO_NONE);
		assert_int_equal(seg->vh.gso_size, 0);
		assert_int_equal(seg->refcnt, 1);
		for (i = 0; i < hlen; i++)
			if (!mutable_byte(s, lay, i) && f[i] != orig[i])
				fail_msg("seg %d byte %u changed: %02x -> %02x", k, i, orig[i], f[i]);
		memcpy(joined + total, f + hlen, plen);
		total += plen;

		/* The fields segmentation must change, computed here */
		if (s->ipv == 4) {
			assert_int_equal(rd16(f + lay->l3_off + 2), len - lay->l3_off);
			assert_int_equal(rd16(f + lay->l3_off + 4), (uint16_t)(s->ip_id + k));
			assert_int_equal(tf_horrible_sum(f + lay->l3_off, lay->l4_off - lay->l3_off, 0),
					 0xffff);
		} else {
			assert_int_equal(rd16(f + lay->l3_off + 4), len - lay->l3_off - 40);
		}
		if (s->proto == 6) {
			uint8_t want = flags0;

			assert_int_equal(rd32(f + lay->l4_off + 4), (uint32_t)(s->seq + k * mss));
			if (k != n - 1)
				want &= (uint8_t)~0x09;
			if (k != 0)
				want &= (uint8_t)~0x80;
			assert_int_equal(f[lay->l4_off + 13], want);
		} else {
			assert_int_equal(rd16(f + lay->l4_off + 4), len - lay->l4_off);
		}

		/* Checksums verify on their own */
		memcpy(tmp, f, len);
		if (sw_csum) {
			assert_int_equal(seg->vh.flags, 0);
			if (s->proto == 17)
				assert_int_not_equal(rd16(f + lay->l4_off + 6), 0);
		} else {
			assert_int_equal(seg->vh.flags, VN_VHDR_F_NEEDS_CSUM);
			assert_int_equal(seg->vh.csum_start, lay->l4_off);
			assert_int_equal(seg->vh.csum_offset, s->proto == 6 ? 16 : 6);
			horrible_complete(tmp, len, &seg->vh);
		}
		assert_true(tf_l4_csum_ok(tmp, lay->l3_off, s->ipv, lay->l4_off, len, s->proto));
	}
	assert_int_equal(total, s->payload);
	assert_memory_equal(joined, orig + hlen, s->payload);
}

static int segment(const struct tf_spec *s, struct tf_layout *lay, unsigned int mss, bool ecn,
		   bool sw_csum, enum vn_drop_reason *why)
{
	unsigned int len = tf_build(fbuf, s, lay);
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	int n;

	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, fbuf, len), 0);
	pkt->vh = tf_gso_vhdr(s, lay, (uint16_t)mss, ecn);
	pkt->in_port = 7;
	memcpy(orig_copy, fbuf, len);
	n = vn_gso_segment(pool, pkt, sw_csum, segs, VN_GSO_SEGS_MAX, why);
	/* The original is read-only */
	assert_int_equal(pkt->len, len);
	assert_memory_equal(vn_pkt_data(pkt), orig_copy, len);
	if (n > 0)
		assert_int_equal(segs[0]->in_port, 7);
	vn_pkt_put(pkt);
	return n;
}

static void test_gso_tso4_64k_1448(void **state)
{
	struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 65535 - 40, .tcp_flags = 0x19 | 0x80,
			     .seq = 0xfffff000, .ip_id = 0xfffe, .df = true };
	enum vn_drop_reason why;
	struct tf_layout lay;
	int n;

	(void)state;
	n = segment(&s, &lay, 1448, true, true, &why);
	assert_int_equal(n, 46);
	check_segments(&s, &lay, orig_copy, 1448, n, true);
	vn_pkt_put_bulk(segs, (unsigned int)n);
	n = segment(&s, &lay, 1448, true, false, &why);
	check_segments(&s, &lay, orig_copy, 1448, n, false);
	vn_pkt_put_bulk(segs, (unsigned int)n);
}

static void test_gso_table(void **state)
{
	static const struct {
		struct tf_spec s;
		unsigned int mss;
	} t[] = {
		{ { .ipv = 6, .proto = 6, .payload = 10001, .tcp_flags = 0x18 }, 1440 },
		{ { .ipv = 6, .proto = 6, .payload = 3, .tcp_flags = 0x11 }, 1 },
		{ { .ipv = 4, .proto = 6, .payload = 4097, .ip_opt_len = 40, .tcp_opt_len = 40,
		    .nvlan = 2, .tcp_flags = 0xc2 }, 999 },
		{ { .ipv = 4, .proto = 17, .payload = 8000, .ip_id = 0xffff }, 1472 },
		{ { .ipv = 6, .proto = 17, .payload = 60000, .v6_ext_len = 16 }, 1232 + 300 },
		{ { .ipv = 6, .proto = 6, .payload = 65535 - 40 - 8 - 20, .v6_ext_len = 8,
		    .nvlan = 1 }, 48 },
		{ { .ipv = 4, .proto = 17, .payload = 2, .nvlan = 1 }, 1 },
	};
	unsigned int i, sw;

	(void)state;
	for (i = 0; i < VN_ARRAY_SIZE(t); i++) {
		for (sw = 0; sw < 2; sw++) {
			enum vn_drop_reason why = VN_DROP_NONE;
			struct tf_layout lay;
			int n = segment(&t[i].s, &lay, t[i].mss, false, sw, &why);

			if (n < 0)
				fail_msg("case %u: %d %s", i, n, vn_drop_name(why));
			check_segments(&t[i].s, &lay, orig_copy, t[i].mss, n, sw);
			vn_pkt_put_bulk(segs, (unsigned int)n);
		}
	}
}

static void test_gso_random_frames(void **state)
{
	unsigned int iter;

	(void)state;
	srand(3);
	for (iter = 0; iter < 400; iter++) {
		struct tf_spec s = {
			.ipv = rand() & 1 ? 4 : 6, .proto = rand() % 3 ? 6 : 17,
			.nvlan = rand() % 3, .tcp_flags = (uint8_t)rand(),
			.seq = (uint32_t)rand() * 2654435761u, .ip_id = (uint16_t)rand(),
			.seed = (uint8_t)rand(), .tos = (uint8_t)rand(), .df = rand() & 1,
		};
		enum vn_drop_reason why;
		struct tf_layout lay;
		unsigned int mss, max_pay;
		bool sw;
		int n;

		if (s.ipv == 4)
			s.ip_opt_len = (unsigned int)(rand() % 11) * 4;
		else
			s.v6_ext_len = (unsigned int)(rand() % 3) * 8;
		if (s.proto == 6)
			s.tcp_opt_len = (unsigned int)(rand() % 11) * 4;
		max_pay = 65535 - 60 - 60 - s.v6_ext_len - 40;
		s.payload = 2 + (unsigned int)rand() % (iter % 4 ? 9000 : max_pay);
		mss = 1 + (unsigned int)rand() % (s.payload - 1);
		if (iter % 3 == 0)
			mss = VN_MAX(mss % 1500, (s.payload + 127) / 128 + 1);
		if (mss >= s.payload)
			mss = s.payload - 1;
		sw = rand() & 1;
		n = segment(&s, &lay, mss, s.proto == 6 && (rand() & 1), sw, &why);
		if (n == -EINVAL && why == VN_DROP_VHDR_GSO_SEGS)
			continue;	/* too many segments: validation's business */
		if (n < 0)
			fail_msg("iter %u: %d %s", iter, n, vn_drop_name(why));
		check_segments(&s, &lay, orig_copy, mss, n, sw);
		vn_pkt_put_bulk(segs, (unsigned int)n);
	}
}

static void test_gso_rejects(void **state)
{
	struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 3000 };
	struct tf_layout lay;
	unsigned int len = tf_build(fbuf, &s, &lay);
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	struct vn_pool *tiny;
	enum vn_drop_reason why;

	(void)state;
	assert_int_equal(vn_pkt_set(pkt, fbuf, len), 0);
	/* Not GSO */
	pkt->vh = tf_gso_vhdr(&s, &lay, 0, false);
	assert_int_equal(vn_gso_segment(pool, pkt, true, segs, VN_GSO_SEGS_MAX, &why), -EINVAL);
	assert_int_equal(why, VN_DROP_GSO_FAILED);
	/* Invalid header: validated again here */
	pkt->vh = tf_gso_vhdr(&s, &lay, 1000, false);
	pkt->vh.csum_start = 33;
	assert_int_equal(vn_gso_segment(pool, pkt, true, segs, VN_GSO_SEGS_MAX, &why), -EINVAL);
	assert_int_equal(why, VN_DROP_VHDR_CSUM_L4);
	/* Array too small */
	pkt->vh = tf_gso_vhdr(&s, &lay, 1000, false);
	assert_int_equal(vn_gso_segment(pool, pkt, true, segs, 2, &why), -ENOSPC);
	assert_int_equal(why, VN_DROP_GSO_FAILED);
	assert_int_equal(vn_gso_segment(pool, pkt, true, segs, 3, &why), 3);
	vn_pkt_put_bulk(segs, 3);
	/* Pool short by one: all or nothing, nothing leaks */
	assert_int_equal(vn_pool_create("tiny", 2, &tiny), 0);
	assert_int_equal(vn_gso_segment(tiny, pkt, true, segs, 3, &why), -ENOBUFS);
	assert_int_equal(why, VN_DROP_NO_BUFFER);
	assert_int_equal(vn_pool_avail(tiny), 2);
	vn_pool_destroy(tiny);
	/* hdr_len lies low: ignored, headers re-derived */
	pkt->vh.hdr_len = 20;
	assert_int_equal(vn_gso_segment(pool, pkt, true, segs, 3, &why), 3);
	assert_int_equal(segs[0]->len, 54 + 1000);
	vn_pkt_put_bulk(segs, 3);
	vn_pkt_put(pkt);
}

/* The fused copy-and-sum that GSO uses: same sum, same bytes, no overrun */
static void test_gso_csum_partial_copy(void **state)
{
	static uint8_t src[70000], dst[70000 + 64];
	unsigned int iter;

	(void)state;
	srand(5);
	for (iter = 0; iter < 3000; iter++) {
		size_t soff = rand() % 64, doff = rand() % 64;
		size_t len = rand() % (iter < 2000 ? 300 : 65536), i;
		uint32_t seed = (uint32_t)rand();

		for (i = 0; i < soff + len; i++)
			src[i] = iter % 5 ? (uint8_t)rand() : 0xff;
		memset(dst, 0xa5, sizeof(dst));
		assert_int_equal(vn_csum_fold(vn_csum_partial_copy(dst + doff, src + soff, len, seed)),
				 vn_csum_fold(vn_csum_partial(src + soff, len, seed)));
		assert_memory_equal(dst + doff, src + soff, len);
		for (i = 0; i < doff; i++)
			assert_int_equal(dst[i], 0xa5);
		for (i = doff + len; i < sizeof(dst); i++)
			assert_int_equal(dst[i], 0xa5);
		{
			uint16_t v = vn_csum_fold_nocompl(vn_csum_partial_copy(dst, src + soff, len, 0));
			uint8_t b[2];

			/* Same ones' complement value as the slow sum (0 == 0xffff) */
			memcpy(b, &v, 2);
			assert_int_equal((b[0] << 8 | b[1]) % 0xffff,
					 tf_horrible_sum(src + soff, len, 0) % 0xffff);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gso_tso4_64k_1448),
		cmocka_unit_test(test_gso_table),
		cmocka_unit_test(test_gso_random_frames),
		cmocka_unit_test(test_gso_rejects),
		cmocka_unit_test(test_gso_csum_partial_copy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
