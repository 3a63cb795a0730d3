// SPDX-License-Identifier: MIT
/* test_csum.c - checksum against a deliberately naive reference, RFC 1624, completion */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/csum.h"
#include "core/pkt.h"
#include "core/pool.h"

/* RFC 1071 done the slow way: big-endian 16-bit words, carry folded each step */
static uint16_t horrible_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1) {
		sum += (uint32_t)p[len - 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return htons((uint16_t)~sum);
}

static void test_csum_random_vs_reference(void **state)
{
	static uint8_t buf[70000];
	unsigned int iter;

	(void)state;
	srand(1);
	for (iter = 0; iter < 2000; iter++) {
		size_t off = rand() % 8, len = rand() % (iter < 1000 ? 100 : 65536);
		size_t i;

		for (i = 0; i < off + len; i++)
			buf[i] = (uint8_t)rand();
		/* Sprinkle 0xff runs to exercise carries */
		if (iter % 3 == 0)
			memset(buf + off, 0xff, len / 2);
		assert_int_equal(vn_csum_fold(vn_csum_partial(buf + off, len, 0)),
				 horrible_csum(buf + off, len));
	}
}

static void test_csum_rfc1071_example(void **state)
{
	/* RFC 1071 §3 example bytes: sum 0xddf2 -> checksum 0x220d */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(ntohs(vn_csum_fold(vn_csum_partial(b, sizeof(b), 0))), 0x220d);
}

static void test_csum_replace_matches_recompute(void **state)
{
	uint8_t hdr[20];
	unsigned int iter;

	(void)state;
	srand(2);
	for (iter = 0; iter < 1000; iter++) {
		uint16_t csum, old, new;
		uint32_t old32, new32;
		unsigned int i;

		for (i = 0; i < sizeof(hdr); i++)
			hdr[i] = (uint8_t)rand();
		memset(hdr + 10, 0, 2);
		csum = vn_csum_fold(vn_csum_partial(hdr, sizeof(hdr), 0));
		memcpy(&old, hdr + 4, 2);
		new = (uint16_t)rand();
		memcpy(hdr + 4, &new, 2);
		csum = vn_csum_replace16(csum, old, new);
		memcpy(&old32, hdr + 12, 4);
		new32 = (uint32_t)rand() * 7919u;
		memcpy(hdr + 12, &new32, 4);
		csum = vn_csum_replace32(csum, old32, new32);
		/* Compare as ones' complement values: 0 and 0xffff are equal */
		if (csum == 0xffff)
			csum = 0;
		{
			uint16_t ref = vn_csum_fold(vn_csum_partial(hdr, sizeof(hdr), 0));

			if (ref == 0xffff)
				ref = 0;
			assert_int_equal(csum, ref);
		}
	}
}

/* An IPv4/UDP frame with NEEDS_CSUM: after completion the checksum verifies */
static void test_csum_complete_udp4(void **state)
{
	struct vn_pool *pool;
	struct vn_pkt *pkt;
	uint8_t f[14 + 20 + 8 + 13] = { 0 };
	uint16_t ps, zero = 0;

	(void)state;
	f[12] = 0x08; f[14] = 0x45; f[14 + 9] = 17;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[34 + 5] = 8 + 13;
	memset(f + 42, 0x5a, 13);
	ps = vn_csum_fold_nocompl(vn_csum_pseudo_v4(f + 26, f + 30, 17, 21));
	memcpy(f + 34 + 6, &ps, 2);
	assert_int_equal(vn_pool_create("t", 1, &pool), 0);
	pkt = vn_pool_alloc(pool);
	assert_int_equal(vn_pkt_set(pkt, f, sizeof(f)), 0);
	pkt->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	pkt->vh.csum_start = 34;
	pkt->vh.csum_offset = 6;
	assert_int_equal(vn_csum_complete(pkt), VN_DROP_NONE);
	assert_int_equal(pkt->vh.flags, VN_VHDR_F_DATA_VALID);
	/* Verify: pseudo-header + UDP segment sums to 0xffff */
	assert_int_equal(vn_csum_fold(vn_csum_add(vn_csum_pseudo_v4(f + 26, f + 30, 17, 21),
			  vn_csum_partial(vn_pkt_data(pkt) + 34, 21, 0))), zero);

	/* Field one byte past the end, and start past the end */
	pkt->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	pkt->vh.csum_start = sizeof(f) - 1;
	pkt->vh.csum_offset = 0;
	assert_int_equal(vn_csum_complete(pkt), VN_DROP_VHDR_CSUM_RANGE);
	pkt->vh.csum_start = 0xffff;
	pkt->vh.csum_offset = 0xffff;
	assert_int_equal(vn_csum_complete(pkt), VN_DROP_VHDR_CSUM_RANGE);
	vn_pkt_put(pkt);
	vn_pool_destroy(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_random_vs_reference),
		cmocka_unit_test(test_csum_rfc1071_example),
		cmocka_unit_test(test_csum_replace_matches_recompute),
		cmocka_unit_test(test_csum_complete_udp4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
