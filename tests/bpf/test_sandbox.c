// SPDX-License-Identifier: MIT
/* test_sandbox.c - hostile XDP programs against the program address space
 *
 * Programs (progs/sandbox.bpf.c) store every pointer they can get into a
 * map, reach beside a value, cross regions, read grown headroom, grow a
 * frame past the limit and lie to every helper. The host's own view
 * (/proc/self/maps) is the oracle: no word a program stored may lie in any
 * mapping of this process.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf/xdp.h"
#include "bpf/xdp_internal.h"
#include "core/pool.h"

#define NWORDS		16
#define MAX_MAPPINGS	4096
#define SHADOW_MIN	(1ULL << 40)	/* 1 TiB */
#define NPTRS		11		/* words 0-9 and 13 of xdp_leak are pointers */

static const unsigned int ptr_words[NPTRS] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13 };

static const char *progs_dir;
static struct vn_pool *pool;

/* 64-byte UDP/IPv4 frame (addresses and ports arbitrary, checksums unused) */
static const uint8_t udp4[64] = {
	0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x32, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2, 0x12, 0x34, 0x00, 0x09, 0x00, 0x1e, 0x00, 0x00,
};

/* host_mappings() - this process's mapped ranges, from /proc/self/maps */
static size_t host_mappings(uint64_t (*r)[2], size_t max)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long lo, hi;
	char line[512];
	size_t n = 0;

	assert_non_null(f);
	while (n < max && fgets(line, sizeof(line), f))
		/* sanitizer shadow spans terabytes from low addresses up and holds
		 * no data a program could point at: no real mapping is that big */
		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && hi - lo < SHADOW_MIN) {
			r[n][0] = lo;
			r[n][1] = hi;
			n++;
		}
	fclose(f);
	assert_true(n > 0);
	return n;
}

/* assert_not_host() - no word of @w lies inside any mapping of this process */
static void assert_not_host(const uint64_t *w, size_t n, const char *what)
{
	static uint64_t maps[MAX_MAPPINGS][2];
	size_t nm = host_mappings(maps, MAX_MAPPINGS);

	for (size_t i = 0; i < n; i++)
		for (size_t m = 0; m < nm; m++)
			if (w[i] >= maps[m][0] && w[i] < maps[m][1])
				fail_msg("%s word %zu = 0x%" PRIx64 " is a host address "
					 "(mapping %" PRIx64 "-%" PRIx64 ")", what, i, w[i],
					 maps[m][0], maps[m][1]);
}

static struct vn_xdp_prog *load(const char *prog)
{
	struct vn_xdp_opts o = { .nworkers = 2 };
	struct vn_xdp_prog *xp = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/sandbox.bpf.o", progs_dir);
	assert_int_equal(vn_xdp_prog_open_file(path, prog, &o, &xp), 0);
	return xp;
}

static struct vn_pkt *frame(const uint8_t *bytes, size_t len)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);

	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, bytes, (uint32_t)len), 0);
	return pkt;
}

static void words_get(struct vn_xdp_prog *xp, uint32_t key, uint64_t *w)
{
	struct vn_map *m = vn_bpf_obj_map_find(xp->obj, "words");

	assert_non_null(m);
	assert_int_equal(vn_map_lookup(m, &key, w), 0);
}

/* Every pointer a program can hold, stored into a map: none is a host address */
static void test_sandbox_no_address_leaks(void **state)
{
	struct vn_xdp_prog *xp = load("xdp_leak");
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	uint64_t w[NWORDS], ptrs[NPTRS];

	(void)state;
	for (unsigned int worker = 0; worker < 2; worker++) {
		assert_int_equal(vn_xdp_run(xp, pkt, worker, NULL), XDP_PASS);
		words_get(xp, 0, w);
		/* the pointer words only: words 10-12 are bpf_get_prandom_u32()
		 * outputs, random 32-bit numbers that land in a low mapping (ASan's
		 * 256 MiB at 0x7fff7000) about one time in sixteen without being
		 * anyone's address; their seeding is test_sandbox_prng_seed's */
		for (unsigned int i = 0; i < NPTRS; i++)
			ptrs[i] = w[ptr_words[i]];
		assert_not_host(ptrs, NPTRS, "xdp_leak pointer");
		/* the pointers still behave: data_end - data is the length */
		assert_int_equal(w[2] - w[1], sizeof(udp4));
		assert_int_equal(w[1], w[3]);			/* no metadata */
		assert_true(w[1] != 0 && w[4] != 0 && w[5] != 0 && w[7] != 0 && w[8] != 0);
		/* the host bytes behind them are elsewhere */
		assert_true(w[1] != (uintptr_t)vn_pkt_data(pkt));
		assert_true(w[6] != (uintptr_t)vn_bpf_obj_map_find(xp->obj, "words"));
		assert_true(w[4] >> 32 == 1);			/* the stack's slot */
	}
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

/* The pointers a program sees do not depend on where the host put anything */
static void test_sandbox_pointers_layout_free(void **state)
{
	struct vn_xdp_prog *a = load("xdp_leak"), *b;
	struct vn_pkt *pa = frame(udp4, sizeof(udp4)), *pb;
	uint64_t wa[NWORDS], wb[NWORDS];
	void *spacer = malloc(12345);	/* moves the second instance's heap objects */

	(void)state;
	b = load("xdp_leak");
	pb = frame(udp4, sizeof(udp4));
	assert_true(pa->buf != pb->buf && a->runs != b->runs);
	assert_int_equal(vn_xdp_run(a, pa, 1, NULL), XDP_PASS);
	assert_int_equal(vn_xdp_run(b, pb, 1, NULL), XDP_PASS);
	words_get(a, 0, wa);
	words_get(b, 0, wb);
	/* different host buffers, contexts and maps; the same addresses */
	for (unsigned int i = 0; i < NPTRS; i++)
		if (wa[ptr_words[i]] != wb[ptr_words[i]])
			fail_msg("word %u differs: 0x%" PRIx64 " vs 0x%" PRIx64, ptr_words[i],
				 wa[ptr_words[i]], wb[ptr_words[i]]);
	free(spacer);
	vn_pkt_put(pa);
	vn_pkt_put(pb);
	vn_xdp_prog_close(a);
	vn_xdp_prog_close(b);
}

/* The PRNG is seeded by getrandom(): two run contexts, two streams */
static void test_sandbox_prng_seed(void **state)
{
	struct vn_xdp_prog *a = load("xdp_leak"), *b = load("xdp_leak");
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	uint64_t s1 = 0, s2 = 0, wa[NWORDS], wb[NWORDS];

	(void)state;
	assert_int_equal(xdp_prng_seed(&s1), 0);
	assert_int_equal(xdp_prng_seed(&s2), 0);
	assert_true(s1 != 0 && s2 != 0 && s1 != s2);
	assert_int_equal(vn_xdp_run(a, pkt, 0, NULL), XDP_PASS);
	assert_int_equal(vn_xdp_run(b, pkt, 0, NULL), XDP_PASS);
	words_get(a, 0, wa);
	words_get(b, 0, wb);
	/* three outputs each; equal streams would mean a shared, guessable seed */
	assert_false(wa[10] == wb[10] && wa[11] == wb[11] && wa[12] == wb[12]);
	/* and the first output is not the one the old address-derived seed gave */
	{
		uint64_t old = 0x9e3779b97f4a7c15ULL ^ (uintptr_t)&a->runs[0];

		old ^= old << 13;
		old ^= old >> 7;
		old ^= old << 17;
		assert_true((uint32_t)(old >> 16) != wa[10]);
	}
	vn_pkt_put(pkt);
	vn_xdp_prog_close(a);
	vn_xdp_prog_close(b);
}

/* Values, the region beside a value and the next slot are out of reach */
static void test_sandbox_containment(void **state)
{
	static const char *const progs[] = { "xdp_neighbour", "xdp_neighbour_hash",
					     "xdp_cross_region" };
	struct vn_xdp_stats st;

	(void)state;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct vn_xdp_prog *xp = load(progs[i]);
		struct vn_pkt *pkt = frame(udp4, sizeof(udp4));

		if (vn_xdp_run(xp, pkt, 0, NULL) != XDP_ABORTED)
			fail_msg("%s: not stopped", progs[i]);
		vn_xdp_stats_sum(xp, &st);
		assert_int_equal(st.fault, 1);
		vn_pkt_put(pkt);
		vn_xdp_prog_close(xp);
	}
}

/* Grown headroom and metadata read as zeros, whatever the buffer held */
static void test_sandbox_headroom_zeroed(void **state)
{
	struct vn_xdp_prog *xp = load("xdp_headroom");
	struct vn_map *m = vn_bpf_obj_map_find(xp->obj, "bytes");
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	uint8_t got[256], zero[224] = { 0 };
	uint32_t k = 0;

	(void)state;
	/* what an earlier user of the buffer (another port's frame) left */
	memset(pkt->buf, 0xa5, pkt->off);
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_PASS);
	assert_int_equal(vn_map_lookup(m, &k, got), 0);
	assert_memory_equal(got, zero, sizeof(zero));
	/* the frame itself moved, not its bytes */
	assert_memory_equal(vn_pkt_data(pkt) + 192, udp4, sizeof(udp4));
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

/* adjust_head never grows a frame past VN_PKT_FRAME_MAX */
static void test_sandbox_frame_max(void **state)
{
	struct vn_xdp_prog *xp = load("xdp_oversize");
	static uint8_t big[VN_PKT_FRAME_MAX];
	struct vn_pkt *pkt;
	uint64_t w[NWORDS];

	(void)state;
	memcpy(big, udp4, sizeof(udp4));
	pkt = frame(big, sizeof(big));
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_PASS);
	words_get(xp, 1, w);
	assert_int_equal((int64_t)w[0], -EINVAL);
	assert_int_equal(pkt->len, VN_PKT_FRAME_MAX);
	vn_pkt_put(pkt);
	/* a small frame grows as before */
	pkt = frame(udp4, sizeof(udp4));
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_PASS);
	words_get(xp, 1, w);
	assert_int_equal(w[0], 0);
	assert_int_equal(pkt->len, sizeof(udp4) + 192);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

/* Every helper with a lying pointer, length or map argument stops the run */
static void test_sandbox_lying_helpers(void **state)
{
	static const char *const progs[] = {
		"xdp_lie_lookup_key", "xdp_lie_update_value", "xdp_lie_delete_key",
		"xdp_lie_map", "xdp_lie_csum_len", "xdp_lie_load_bytes",
		"xdp_lie_store_bytes", "xdp_lie_printk", "xdp_lie_ctx_as_key",
	};
	struct vn_xdp_stats st;

	(void)state;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct vn_xdp_prog *xp = load(progs[i]);
		struct vn_pkt *pkt = frame(udp4, sizeof(udp4));

		if (vn_xdp_run(xp, pkt, 0, NULL) != XDP_ABORTED)
			fail_msg("%s: not stopped", progs[i]);
		vn_xdp_stats_sum(xp, &st);
		if (st.fault != 1)
			fail_msg("%s: no fault counted", progs[i]);
		/* the frame is untouched */
		assert_memory_equal(vn_pkt_data(pkt), udp4, sizeof(udp4));
		vn_pkt_put(pkt);
		vn_xdp_prog_close(xp);
	}
}

/* An update whose value is the element itself (ASan: no overlapping memcpy) */
static void test_sandbox_update_alias(void **state)
{
	struct vn_xdp_prog *xp = load("xdp_overlap");
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	uint64_t w[NWORDS];

	(void)state;
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_PASS);
	for (uint32_t k = 0; k < 2; k++) {
		words_get(xp, k, w);
		assert_int_equal(w[0], 42);
		assert_int_equal(w[NWORDS - 1], 43);
	}
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

/* BPF_F_WRONLY_PROG cannot be honoured: a program using such a map is refused */
static void test_sandbox_wronly_refused(void **state)
{
	struct vn_xdp_opts o = { .nworkers = 1 };
	struct vn_xdp_prog *xp = NULL;
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/sandbox.bpf.o", progs_dir);
	assert_int_equal(vn_xdp_prog_open_file(path, "xdp_wronly", &o, &xp), -EOPNOTSUPP);
	assert_null(xp);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sandbox_no_address_leaks),
		cmocka_unit_test(test_sandbox_pointers_layout_free),
		cmocka_unit_test(test_sandbox_prng_seed),
		cmocka_unit_test(test_sandbox_containment),
		cmocka_unit_test(test_sandbox_headroom_zeroed),
		cmocka_unit_test(test_sandbox_frame_max),
		cmocka_unit_test(test_sandbox_lying_helpers),
		cmocka_unit_test(test_sandbox_update_alias),
		cmocka_unit_test(test_sandbox_wronly_refused),
	};
	int ret;

	progs_dir = argc > 1 ? argv[1] : "tests/bpf/progs";
	if (vn_pool_create("sandbox-test", 16, &pool))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	vn_pool_destroy(pool);
	return ret;
}
