// SPDX-License-Identifier: MIT
/* ring.c - bench: ns per pointer through vn_ring vs a mutex-protected array queue
 *
 * Usage: bench_ring [pointers]  (default 4000000 per case)
 *
 * Every case is measured for both queues in the same run and printed with
 * the ratio mutex/ring (above 1: the ring is faster). Cases: one thread
 * enqueueing then dequeueing a burst (the uncontended cost), one producer
 * and one consumer thread, and two producers with one consumer (MPSC), each
 * with bursts of 1 and 32. The mutex queue takes its lock once per burst,
 * as a fair baseline would. Cross-thread figures depend on the scheduler:
 * on a shared 2-core machine they are noisy.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/compiler.h"
#include "core/ring.h"

#define QSIZE	1024

/**
 * struct mq - the baseline: a circular array under one mutex
 * @lock:	taken once per burst
 * @head:	next slot to read
 * @count:	pointers queued
 * @slots:	the pointers
 */
struct mq {
	pthread_mutex_t lock;
	unsigned int head, count;
	void *slots[QSIZE];
};

static unsigned int mq_enqueue(struct mq *q, void *const *objs, unsigned int n)
{
	unsigned int i;

	pthread_mutex_lock(&q->lock);
	n = VN_MIN(n, QSIZE - q->count);
	for (i = 0; i < n; i++)
		q->slots[(q->head + q->count + i) % QSIZE] = objs[i];
	q->count += n;
	pthread_mutex_unlock(&q->lock);
	return n;
}

static unsigned int mq_dequeue(struct mq *q, void **objs, unsigned int n)
{
	unsigned int i;

	pthread_mutex_lock(&q->lock);
	n = VN_MIN(n, q->count);
	for (i = 0; i < n; i++)
		objs[i] = q->slots[(q->head + i) % QSIZE];
	q->head = (q->head + n) % QSIZE;
	q->count -= n;
	pthread_mutex_unlock(&q->lock);
	return n;
}

/**
 * struct queue - either kind, behind one pair of calls
 * @ring:	the vn_ring, or NULL
 * @mq:		the mutex queue, when @ring is NULL
 */
struct queue {
	struct vn_ring *ring;
	struct mq *mq;
};

static unsigned int q_enq(struct queue *q, void *const *objs, unsigned int n)
{
	return q->ring ? vn_ring_enqueue_burst(q->ring, objs, n) : mq_enqueue(q->mq, objs, n);
}

static unsigned int q_deq(struct queue *q, void **objs, unsigned int n)
{
	return q->ring ? vn_ring_dequeue_burst(q->ring, objs, n) : mq_dequeue(q->mq, objs, n);
}

/* Wait a little for the other side: spin first, give the CPU away after */
static void backoff(unsigned int *spins)
{
	if (++*spins < 256) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		return;
	}
	*spins = 0;
	sched_yield();
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct prod_arg {
	struct queue *q;
	uint64_t count;
	unsigned int burst;
};

static void *producer(void *arg)
{
	struct prod_arg *a = arg;
	void *objs[32];
	uint64_t sent = 0;
	unsigned int i, spins = 0;

	for (i = 0; i < 32; i++)
		objs[i] = (void *)(uintptr_t)(i + 1);
	while (sent < a->count) {
		unsigned int want = (unsigned int)VN_MIN((uint64_t)a->burst, a->count - sent);
		unsigned int n = q_enq(a->q, objs, want);

		if (!n)
			backoff(&spins);
		sent += n;
	}
	return NULL;
}

/* @nprod producer threads, the calling thread consumes; ns per pointer */
static double run_threads(struct queue *q, unsigned int nprod, uint64_t count, unsigned int burst)
{
	struct prod_arg args[2];
	pthread_t th[2];
	uint64_t got = 0, total = count * nprod;
	void *objs[32];
	unsigned int i, spins = 0;
	double t0 = now_ns();

	for (i = 0; i < nprod; i++) {
		args[i] = (struct prod_arg){ .q = q, .count = count, .burst = burst };
		if (pthread_create(&th[i], NULL, producer, &args[i]))
			abort();
	}
	while (got < total) {
		unsigned int n = q_deq(q, objs, burst);

		if (!n)
			backoff(&spins);
		got += n;
	}
	for (i = 0; i < nprod; i++)
		pthread_join(th[i], NULL);
	return (now_ns() - t0) / (double)total;
}

/* One thread: enqueue a burst, dequeue it; ns per pointer */
static double run_single(struct queue *q, uint64_t count, unsigned int burst)
{
	void *in[32], *out[32];
	uint64_t moved = 0;
	unsigned int i;
	double t0;

	for (i = 0; i < 32; i++)
		in[i] = (void *)(uintptr_t)(i + 1);
	t0 = now_ns();
	while (moved < count) {
		unsigned int n = q_enq(q, in, burst);

		if (q_deq(q, out, burst) != n)
			abort();
		moved += n;
	}
	return (now_ns() - t0) / (double)count;
}

static void report(const char *name, unsigned int burst, double ring, double mutex)
{
	printf("%-28s burst=%-2u  ring %7.2f ns/ptr  mutex %7.2f ns/ptr  mutex/ring %5.2fx\n",
	       name, burst, ring, mutex, mutex / ring);
}

int main(int argc, char **argv)
{
	static const unsigned int bursts[] = { 1, 32 };
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 0) : 4000000;
	static struct mq mq = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct vn_ring *sp, *mp;
	unsigned int b;

	if (vn_ring_create(QSIZE, 0, &sp) || vn_ring_create(QSIZE, VN_RING_MP, &mp))
		return 1;
	printf("bench_ring: %llu pointers per case, queue size %u\n",
	       (unsigned long long)count, QSIZE);
	for (b = 0; b < VN_ARRAY_SIZE(bursts); b++) {
		struct queue rs = { .ring = sp }, rm = { .ring = mp }, m = { .mq = &mq };
		unsigned int burst = bursts[b];
		double r, x;

		r = run_single(&rs, count, burst);
		x = run_single(&m, count, burst);
		report("1 thread enq+deq (spsc)", burst, r, x);
		r = run_single(&rm, count, burst);
		report("1 thread enq+deq (mpsc)", burst, r, x);
		r = run_threads(&rs, 1, count, burst);
		x = run_threads(&m, 1, count, burst);
		report("1 producer -> 1 consumer", burst, r, x);
		r = run_threads(&rm, 2, count / 2, burst);
		x = run_threads(&m, 2, count / 2, burst);
		report("2 producers -> 1 consumer", burst, r, x);
	}
	vn_ring_destroy(sp);
	vn_ring_destroy(mp);
	return 0;
}
