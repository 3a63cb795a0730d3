// SPDX-License-Identifier: MIT
/* test_offload_io.c - vnet-offload's reply scan: stale replies, garbage, cut streams */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/offload_io.h"

static uint8_t buf[4096];
static size_t len;

static void put(uint8_t type, uint32_t seq)
{
	struct vn_xo_msg m = { .type = type, .seq = seq };
	long n;

	if (type == VN_XO_R_ERROR) {
		m.err = EBUSY;
		strcpy(m.text, "busy");
	}
	n = vn_xo_msg_encode(&m, buf + len, sizeof(buf) - len);
	assert_true(n > 0);
	len += (size_t)n;
}

static void put_raw(const char *s, size_t n)
{
	memcpy(buf + len, s, n);
	len += n;
}

static void test_found(void **state)
{
	struct vn_xo_hdr h;
	size_t skip;
	long n;

	(void)state;
	len = 0;
	put(VN_XO_R_OK, 7);
	n = vn_offload_reply_scan(buf, len, 7, false, &h, &skip);
	assert_int_equal(n, (long)len);
	assert_int_equal(skip, 0);
	assert_int_equal(h.seq, 7);
}

/* replies to an earlier run's requests go; the one for us is found after them */
static void test_stale_skipped(void **state)
{
	struct vn_xo_hdr h;
	size_t skip, first;
	long n;

	(void)state;
	len = 0;
	put(VN_XO_R_OK, 3);
	put(VN_XO_R_STATUS, 4);
	first = len;
	put(VN_XO_R_OK, 9);
	n = vn_offload_reply_scan(buf, len, 9, false, &h, &skip);
	assert_int_equal(skip, first);
	assert_int_equal(n, (long)(len - first));
	/* only stale ones: they can go, more is needed */
	n = vn_offload_reply_scan(buf, first, 9, false, &h, &skip);
	assert_int_equal(n, 0);
	assert_int_equal(skip, first);
}

/* a request type echoed with our seq is not a reply */
static void test_request_type_not_reply(void **state)
{
	struct vn_xo_hdr h;
	size_t skip;

	(void)state;
	len = 0;
	put(VN_XO_STATUS, 5);
	assert_int_equal(vn_offload_reply_scan(buf, len, 5, false, &h, &skip), 0);
	assert_int_equal(skip, len);
}

/* vnetd's seq-0 ERROR (EBUSY) answers whatever we asked */
static void test_seq0_error(void **state)
{
	struct vn_xo_hdr h;
	size_t skip;
	long n;

	(void)state;
	len = 0;
	put(VN_XO_R_ERROR, 0);
	n = vn_offload_reply_scan(buf, len, 12, false, &h, &skip);
	assert_int_equal(n, (long)len);
	assert_int_equal(h.type, VN_XO_R_ERROR);
	/* a seq-0 OK is not */
	len = 0;
	put(VN_XO_R_OK, 0);
	assert_int_equal(vn_offload_reply_scan(buf, len, 12, false, &h, &skip), 0);
}

/* garbage: a socket fails, the device resyncs on the next header */
static void test_garbage(void **state)
{
	struct vn_xo_hdr h;
	size_t skip;
	long n;

	(void)state;
	len = 0;
	put_raw("\x00\x58\x4f\x02zz", 6);	/* a stray byte, a header of version 2 */
	put(VN_XO_R_OK, 2);
	assert_int_equal(vn_offload_reply_scan(buf, len, 2, false, &h, &skip), -EPROTO);
	n = vn_offload_reply_scan(buf, len, 2, true, &h, &skip);
	assert_int_equal(skip, 6);
	assert_int_equal(n, VN_XO_HDR_LEN);
}

/* a reply cut mid-way: wait, and keep its bytes */
static void test_cut(void **state)
{
	struct vn_xo_hdr h;
	size_t skip, full;

	(void)state;
	len = 0;
	put(VN_XO_R_ERROR, 1);
	full = len;
	for (size_t cut = 0; cut < full; cut++) {
		assert_int_equal(vn_offload_reply_scan(buf, cut, 1, true, &h, &skip), 0);
		assert_int_equal(skip, 0);
	}
	assert_int_equal(vn_offload_reply_scan(buf, full, 1, true, &h, &skip), (long)full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found),
		cmocka_unit_test(test_stale_skipped),
		cmocka_unit_test(test_request_type_not_reply),
		cmocka_unit_test(test_seq0_error),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
