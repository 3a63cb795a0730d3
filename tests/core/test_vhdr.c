// SPDX-License-Identifier: MIT
/* test_vhdr.c - virtio-net header decode/encode */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/vhdr.h"

static void test_vhdr_roundtrip_12(void **state)
{
	/* flags NEEDS_CSUM, TCPV4|ECN, hdr_len 66, gso_size 1448, start 34, offset 16, 1 buffer */
	static const uint8_t wire[12] = { 0x01, 0x81, 0x42, 0x00, 0xa8, 0x05,
					  0x22, 0x00, 0x10, 0x00, 0x01, 0x00 };
	struct vn_vhdr vh;
	uint8_t out[12];

	(void)state;
	assert_int_equal(vn_vhdr_parse(&vh, wire, sizeof(wire), VN_VHDR_MRG_LEN), 0);
	assert_int_equal(vh.flags, VN_VHDR_F_NEEDS_CSUM);
	assert_int_equal(vh.gso_type, VN_VHDR_GSO_TCPV4 | VN_VHDR_GSO_ECN);
	assert_int_equal(vh.hdr_len, 66);
	assert_int_equal(vh.gso_size, 1448);
	assert_int_equal(vh.csum_start, 34);
	assert_int_equal(vh.csum_offset, 16);
	assert_int_equal(vh.num_buffers, 1);
	assert_true(vn_vhdr_is_gso(&vh));
	memset(out, 0xee, sizeof(out));
	vn_vhdr_build(&vh, out, sizeof(out));
	assert_memory_equal(out, wire, sizeof(wire));
}

static void test_vhdr_short_forms(void **state)
{
	uint8_t wire[12] = { 0 }, out[12];
	struct vn_vhdr vh;

	(void)state;
	wire[10] = 7;
	assert_int_equal(vn_vhdr_parse(&vh, wire, 9, VN_VHDR_LEN), -EMSGSIZE);
	assert_int_equal(vn_vhdr_parse(&vh, wire, 11, VN_VHDR_MRG_LEN), -EMSGSIZE);
	assert_int_equal(vn_vhdr_parse(&vh, wire, 12, 11), -EINVAL);
	/* The 10-byte form has no num_buffers and must not read past 10 */
	assert_int_equal(vn_vhdr_parse(&vh, wire, 10, VN_VHDR_LEN), 0);
	assert_int_equal(vh.num_buffers, 0);
	assert_false(vn_vhdr_is_gso(&vh));
	vh.gso_type = VN_VHDR_GSO_ECN;
	assert_false(vn_vhdr_is_gso(&vh));
	memset(out, 0xee, sizeof(out));
	vn_vhdr_build(&vh, out, VN_VHDR_LEN);
	assert_int_equal(out[10], 0xee);	/* untouched past the 10 bytes */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vhdr_roundtrip_12),
		cmocka_unit_test(test_vhdr_short_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
