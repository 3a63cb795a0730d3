// SPDX-License-Identifier: MIT
/* test_ring.c - bulk rings: arguments, full/empty, wraparound, MPSC stress */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/ring.h"

static void *tok(uintptr_t v)
{
	return (void *)(v + 1);	/* never NULL, so a zeroed slot is caught */
}

static void test_ring_create_rejects_bad_args(void **state)
{
	/* Numbered table: size, flags, expected return */
	static const struct { unsigned int size, flags; int rc; } t[] = {
		/* 1 */ { 0, 0, -EINVAL },
		/* 2 */ { 1, 0, -EINVAL },
		/* 3 */ { 3, 0, -EINVAL },
		/* 4 */ { 1000, 0, -EINVAL },
		/* 5 */ { VN_RING_SIZE_MAX * 2, 0, -EINVAL },
		/* 6 */ { 0x80000000u, 0, -EINVAL },
		/* 7 */ { 64, 0x2, -EINVAL },
		/* 8 */ { 2, 0, 0 },
		/* 9 */ { 1024, VN_RING_MP, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vn_ring *r = (void *)1;

		assert_int_equal(vn_ring_create(t[i].size, t[i].flags, &r), t[i].rc);
		if (t[i].rc) {
			assert_null(r);
			continue;
		}
		assert_non_null(r);
		assert_int_equal((uintptr_t)&r->cons % VN_RING_CACHE_LINE, 0);
		assert_int_not_equal((uintptr_t)&r->prod.tail / VN_RING_CACHE_LINE,
				     (uintptr_t)&r->cons.tail / VN_RING_CACHE_LINE);
		assert_int_equal(vn_ring_count(r), 0);
		assert_int_equal(vn_ring_free_count(r), t[i].size);
		vn_ring_destroy(r);
	}
	vn_ring_destroy(NULL);
}

static void full_empty(unsigned int flags)
{
	void *in[20], *out[20];
	struct vn_ring *r;
	unsigned int i;

	for (i = 0; i < 20; i++)
		in[i] = tok(i);
	assert_int_equal(vn_ring_create(16, flags, &r), 0);
	/* Empty: nothing to take */
	assert_int_equal(vn_ring_dequeue_burst(r, out, 4), 0);
	/* Zero-length bursts move nothing */
	assert_int_equal(vn_ring_enqueue_burst(r, in, 0), 0);
	/* Some of a burst that does not fit: 16 of 20 */
	assert_int_equal(vn_ring_enqueue_burst(r, in, 20), 16);
	assert_int_equal(vn_ring_count(r), 16);
	assert_int_equal(vn_ring_free_count(r), 0);
	/* Full: nothing more goes in */
	assert_int_equal(vn_ring_enqueue_burst(r, in + 16, 1), 0);
	assert_int_equal(vn_ring_dequeue_burst(r, out, 5), 5);
	for (i = 0; i < 5; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_int_equal(vn_ring_free_count(r), 5);
	assert_int_equal(vn_ring_enqueue_burst(r, in + 16, 4), 4);
	/* Asking for more than is there returns what is there, in order */
	assert_int_equal(vn_ring_dequeue_burst(r, out, 20), 15);
	for (i = 0; i < 15; i++)
		assert_ptr_equal(out[i], in[5 + i]);
	assert_int_equal(vn_ring_count(r), 0);
	assert_int_equal(vn_ring_dequeue_burst(r, out, 1), 0);
	vn_ring_destroy(r);
}

static void test_ring_full_empty_sp(void **state)
{
	(void)state;
	full_empty(0);
}

static void test_ring_full_empty_mp(void **state)
{
	(void)state;
	full_empty(VN_RING_MP);
}

/* Odd burst sizes walk the slot index across the array end many times, and
 * indices started just below 2^32 cross the 32-bit wrap of the counters.
 */
static void wraparound(unsigned int flags, uint32_t start)
{
	void *in[7], *out[7];
	uintptr_t next_in = 0, next_out = 0;
	struct vn_ring *r;
	unsigned int iter, i, n;

	assert_int_equal(vn_ring_create(8, flags, &r), 0);
	r->prod.head = r->prod.tail = r->cons.head = r->cons.tail = start;
	for (iter = 0; iter < 1000; iter++) {
		unsigned int want = 1 + iter % 7;

		for (i = 0; i < want; i++)
			in[i] = tok(next_in + i);
		n = vn_ring_enqueue_burst(r, in, want);
		next_in += n;
		assert_true(vn_ring_count(r) <= 8);
		n = vn_ring_dequeue_burst(r, out, 1 + (iter * 3) % 7);
		for (i = 0; i < n; i++)
			assert_ptr_equal(out[i], tok(next_out++));
	}
	while ((n = vn_ring_dequeue_burst(r, out, 7)))
		for (i = 0; i < n; i++)
			assert_ptr_equal(out[i], tok(next_out++));
	assert_int_equal(next_in, next_out);
	assert_true(next_in > 2000);
	assert_int_equal(vn_ring_count(r), 0);
	assert_int_equal(vn_ring_free_count(r), 8);
	vn_ring_destroy(r);
}

static void test_ring_wraparound(void **state)
{
	(void)state;
	wraparound(0, 0);
	wraparound(VN_RING_MP, 0);
	wraparound(0, UINT32_MAX - 20);
	wraparound(VN_RING_MP, UINT32_MAX - 20);
}

#define STRESS_PER_PRODUCER	500000u
#define STRESS_MAX_PRODUCERS	4

struct stress {
	struct vn_ring *r;
	unsigned int id;
	unsigned int seed;
};

/* A pointer encodes (producer id, sequence number) */
static void *stress_tok(unsigned int id, uint32_t seq)
{
	return tok(((uintptr_t)id << 24) | seq);
}

static void *stress_producer(void *arg)
{
	struct stress *s = arg;
	uint32_t seq = 0;
	void *burst[32];

	while (seq < STRESS_PER_PRODUCER) {
		unsigned int want = 1 + rand_r(&s->seed) % 32, i, n;

		if (want > STRESS_PER_PRODUCER - seq)
			want = STRESS_PER_PRODUCER - seq;
		for (i = 0; i < want; i++)
			burst[i] = stress_tok(s->id, seq + i);
		/* Retry the rest of a partial burst until all of it went in */
		for (i = 0; i < want; i += n) {
			n = vn_ring_enqueue_burst(s->r, burst + i, want - i);
			if (!n)
				sched_yield();
		}
		seq += want;
	}
	return NULL;
}

static void stress(unsigned int nprod, unsigned int flags, unsigned int size)
{
	struct stress st[STRESS_MAX_PRODUCERS];
	pthread_t th[STRESS_MAX_PRODUCERS];
	uint32_t next[STRESS_MAX_PRODUCERS] = { 0 };
	uint64_t total = 0, want = (uint64_t)nprod * STRESS_PER_PRODUCER;
	unsigned int seed = 7, i;
	struct vn_ring *r;
	void *out[64];

	assert_int_equal(vn_ring_create(size, flags, &r), 0);
	for (i = 0; i < nprod; i++) {
		st[i] = (struct stress){ .r = r, .id = i, .seed = 100 + i };
		assert_int_equal(pthread_create(&th[i], NULL, stress_producer, &st[i]), 0);
	}
	/* Bounded by the count: the loop ends when every pointer arrived */
	while (total < want) {
		unsigned int n = vn_ring_dequeue_burst(r, out, 1 + rand_r(&seed) % 64);

		if (!n)
			sched_yield();
		for (i = 0; i < n; i++) {
			uintptr_t v = (uintptr_t)out[i] - 1;
			unsigned int id = v >> 24;

			/* Unknown producer: a torn or garbage slot */
			assert_true(id < nprod);
			/* Exactly once, in each producer's order */
			assert_int_equal(v & 0xffffff, next[id]);
			next[id]++;
		}
		total += n;
	}
	for (i = 0; i < nprod; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(next[i], STRESS_PER_PRODUCER);
	}
	assert_int_equal(vn_ring_count(r), 0);
	assert_int_equal(vn_ring_dequeue_burst(r, out, 1), 0);
	vn_ring_destroy(r);
}

static void test_ring_stress_spsc(void **state)
{
	(void)state;
	stress(1, 0, 64);
}

static void test_ring_stress_mpsc(void **state)
{
	(void)state;
	stress(2, VN_RING_MP, 64);
	stress(3, VN_RING_MP, 16);
	stress(4, VN_RING_MP, 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_create_rejects_bad_args),
		cmocka_unit_test(test_ring_full_empty_sp),
		cmocka_unit_test(test_ring_full_empty_mp),
		cmocka_unit_test(test_ring_wraparound),
		cmocka_unit_test(test_ring_stress_spsc),
		cmocka_unit_test(test_ring_stress_mpsc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
