// SPDX-License-Identifier: MIT
/* test_pkt.c - packet buffer bounds, pool bulk alloc/free, references */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/pkt.h"
#include "core/pool.h"

static void test_pkt_ptr_bounds(void **state)
{
	struct vn_pool *pool;
	struct vn_pkt *pkt;
	uint8_t frame[60] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(vn_pool_create("t", 4, &pool), 0);
	pkt = vn_pool_alloc(pool);
	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, frame, sizeof(frame)), 0);
	assert_non_null(vn_pkt_ptr(pkt, 0, 60));
	assert_non_null(vn_pkt_ptr(pkt, 59, 1));
	assert_non_null(vn_pkt_ptr(pkt, 60, 0));
	assert_null(vn_pkt_ptr(pkt, 59, 2));	/* one past the end */
	assert_null(vn_pkt_ptr(pkt, 61, 0));	/* start past the end */
	assert_null(vn_pkt_ptr(pkt, 1, SIZE_MAX));	/* wrapping length */
	assert_null(vn_pkt_ptr(pkt, SIZE_MAX, 2));
	vn_pkt_put(pkt);
	vn_pool_destroy(pool);
}

static void test_pkt_push_pull_append(void **state)
{
	struct vn_pool *pool;
	struct vn_pkt *pkt;

	(void)state;
	assert_int_equal(vn_pool_create("t", 1, &pool), 0);
	pkt = vn_pool_alloc(pool);
	assert_int_equal(vn_pkt_headroom(pkt), VN_PKT_HEADROOM);
	assert_non_null(vn_pkt_push(pkt, VN_PKT_HEADROOM));
	assert_null(vn_pkt_push(pkt, 1));
	assert_non_null(vn_pkt_pull(pkt, VN_PKT_HEADROOM));
	assert_null(vn_pkt_pull(pkt, 1));
	assert_non_null(vn_pkt_append(pkt, VN_PKT_FRAME_MAX));
	assert_true(vn_pkt_tailroom(pkt) >= VN_PKT_TAILROOM_MIN);
	assert_null(vn_pkt_append(pkt, vn_pkt_tailroom(pkt) + 1));
	assert_int_equal(vn_pkt_trim(pkt, 10), 0);
	assert_int_equal(vn_pkt_trim(pkt, 11), -EINVAL);
	assert_int_equal(vn_pkt_set(pkt, "x", VN_PKT_BUF_SIZE), -EMSGSIZE);
	vn_pkt_put(pkt);
	vn_pool_destroy(pool);
}

static void test_pool_bulk_and_refs(void **state)
{
	struct vn_pkt *pkts[8], *copy;
	struct vn_pool *pool;

	(void)state;
	assert_int_equal(vn_pool_create("t", 0, &pool), -EINVAL);
	assert_int_equal(vn_pool_create("t", 5, &pool), 0);
	assert_int_equal(vn_pool_alloc_bulk(pool, pkts, 8), 5);
	assert_int_equal(pool->alloc_fail, 3);
	assert_null(vn_pool_alloc(pool));
	assert_int_equal(vn_pool_avail(pool), 0);

	/* A shared packet survives one put; unshare needs a free buffer */
	vn_pkt_get(pkts[0]);
	assert_true(vn_pkt_shared(pkts[0]));
	copy = pkts[0];
	assert_int_equal(vn_pkt_unshare(pool, &copy), -ENOBUFS);
	vn_pkt_put_bulk(pkts + 1, 4);
	assert_int_equal(vn_pool_avail(pool), 4);
	memcpy(vn_pkt_append(pkts[0], 3), "abc", 3);
	assert_int_equal(vn_pkt_unshare(pool, &copy), 0);
	assert_ptr_not_equal(copy, pkts[0]);
	assert_memory_equal(vn_pkt_data(copy), "abc", 3);
	assert_false(vn_pkt_shared(pkts[0]));
	vn_pkt_put(pkts[0]);
	vn_pkt_put(copy);
	assert_int_equal(vn_pool_avail(pool), 5);
	vn_pool_destroy(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkt_ptr_bounds),
		cmocka_unit_test(test_pkt_push_pull_append),
		cmocka_unit_test(test_pool_bulk_and_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
