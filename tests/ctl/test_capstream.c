// SPDX-License-Identifier: MIT
/* test_capstream.c - capture stream records: round trips and hostile input */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/capstream.h"

static uint8_t buf[2 * (VN_CAP_REC_HDR + VN_CAP_FRAME_HDR + VN_CAP_ORIGLEN_MAX)];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void test_round_trip(void **state)
{
	uint8_t frame[100];
	struct vn_cap_rec rec;
	size_t a, b;

	(void)state;
	for (unsigned int i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	a = vn_cap_frame_encode(buf, sizeof(buf), 123456789012345ull, 1500, frame, 100);
	assert_int_equal(a, VN_CAP_REC_HDR + VN_CAP_FRAME_HDR + 100);
	b = vn_cap_end_encode(buf + a, sizeof(buf) - a, 10, 9, 1, VN_CAP_END_CLIENT);
	assert_int_equal(b, VN_CAP_REC_HDR + VN_CAP_END_LEN);
	/* every prefix of a record is "need more", never an error */
	for (size_t k = 0; k < a; k++)
		assert_int_equal(vn_cap_rec_parse(buf, k, 100, &rec), 0);
	assert_int_equal(vn_cap_rec_parse(buf, a + b, 100, &rec), (long)a);
	assert_int_equal(rec.type, VN_CAP_REC_FRAME);
	assert_int_equal(rec.ts_ns, 123456789012345ull);
	assert_int_equal(rec.origlen, 1500);
	assert_int_equal(rec.caplen, 100);
	assert_memory_equal(rec.data, frame, 100);
	assert_int_equal(vn_cap_rec_parse(buf + a, b, 100, &rec), (long)b);
	assert_int_equal(rec.type, VN_CAP_REC_END);
	assert_int_equal(rec.matched, 10);
	assert_int_equal(rec.captured, 9);
	assert_int_equal(rec.dropped, 1);
	assert_int_equal(rec.reason, VN_CAP_END_CLIENT);
	/* no room: nothing written */
	assert_int_equal(vn_cap_frame_encode(buf, a - 1, 0, 100, frame, 100), 0);
	assert_int_equal(vn_cap_end_encode(buf, b - 1, 0, 0, 0, 0), 0);
}

static void test_hostile(void **state)
{
	uint8_t frame[64] = { 0 };
	struct vn_cap_rec rec;
	size_t a;

	(void)state;
	a = vn_cap_frame_encode(buf, sizeof(buf), 1, 64, frame, 64);
	/* caplen above the announced snap length */
	assert_int_equal(vn_cap_rec_parse(buf, a, 63, &rec), -EPROTO);
	/* caplen above origlen */
	put32(buf + 16, 63);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), -EPROTO);
	/* origlen above any frame */
	put32(buf + 16, VN_CAP_ORIGLEN_MAX + 1);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), -EPROTO);
	/* body shorter than the fixed part */
	put32(buf + 4, 11);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), -EPROTO);
	/* a huge length is refused from the header alone, not awaited */
	put32(buf + 4, 0xffffffffu);
	assert_int_equal(vn_cap_rec_parse(buf, 8, VN_CAP_ORIGLEN_MAX, &rec), -EPROTO);
	/* unknown type */
	put32(buf, 3);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), -EPROTO);
	put32(buf, 0);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), -EPROTO);
	/* END of the wrong size, or an unknown reason */
	a = vn_cap_end_encode(buf, sizeof(buf), 1, 1, 0, VN_CAP_END_COUNT);
	put32(buf + 4, 27);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), -EPROTO);
	put32(buf + 4, 28);
	put32(buf + 32, 9);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), -EPROTO);
	/* the last reason there is (port deleted) parses, the next does not */
	put32(buf + 32, VN_CAP_END_PORT);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), (long)a);
	assert_int_equal(rec.reason, VN_CAP_END_PORT);
	put32(buf + 32, VN_CAP_END__MAX + 1);
	assert_int_equal(vn_cap_rec_parse(buf, a, 100, &rec), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
