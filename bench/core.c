// SPDX-License-Identifier: MIT
/* core.c - bench: checksum and software GSO throughput as ratios to memcpy()
 *
 * Over one 64 KiB TSO4 frame (65535-byte IP datagram, 1448-byte segments):
 *  - memcpy:  copy the frame's bytes into another buffer (the peer);
 *  - csum:    vn_csum_partial() over the same bytes;
 *  - gso:     vn_gso_segment(sw_csum = true): 46 segments with full
 *             checksums, bytes counted as the input frame's length.
 * Each figure is a median of RUNS runs, each run timing enough repetitions
 * to last ~50 ms; all three are measured in the same process, interleaved
 * per run, so the ratios compare like with like on a shared machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csum.h"
#include "core/gso.h"
#include "core/pool.h"
#include "../tests/core/frames.h"

#define RUNS	9
#define MSS	1448

static uint8_t frame[VN_PKT_FRAME_MAX];
static uint8_t dst[VN_PKT_FRAME_MAX];
static volatile uint32_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct ctx {
	struct vn_pool *pool;
	struct vn_pkt *pkt;
	struct vn_pkt *segs[VN_GSO_SEGS_MAX];
	unsigned int len;
};

static void do_memcpy(struct ctx *c)
{
	memcpy(dst, frame, c->len);
	__asm__ volatile("" : : "r"(dst) : "memory");
}

static void do_csum(struct ctx *c)
{
	sink = vn_csum_partial(frame, c->len, 0);
}

static void do_gso(struct ctx *c)
{
	enum vn_drop_reason why;
	int n = vn_gso_segment(c->pool, c->pkt, true, c->segs, VN_GSO_SEGS_MAX, &why);

	if (n < 0) {
		fprintf(stderr, "bench: vn_gso_segment: %d (%s)\n", n, vn_drop_name(why));
		exit(1);
	}
	vn_pkt_put_bulk(c->segs, (unsigned int)n);
}

/* GB/s of @fn over @c->len bytes, repeated for ~50 ms */
static double rate(void (*fn)(struct ctx *), struct ctx *c)
{
	unsigned long reps = 0, i, batch = 64;
	double t0 = now(), t;

	do {
		for (i = 0; i < batch; i++)
			fn(c);
		reps += batch;
		t = now() - t0;
	} while (t < 0.05);
	return (double)reps * c->len / t / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

int main(void)
{
	static const struct tf_spec s = { .ipv = 4, .proto = 6, .payload = 65535 - 40,
					  .tcp_flags = 0x18, .df = true, .seed = 3 };
	double mc[RUNS], cs[RUNS], gs[RUNS], m, c_, g;
	struct tf_layout lay;
	struct ctx c;
	int r;

	if (vn_pool_create("bench", 128, &c.pool))
		return 1;
	c.len = tf_build(frame, &s, &lay);
	c.pkt = vn_pool_alloc(c.pool);
	vn_pkt_set(c.pkt, frame, c.len);
	c.pkt->vh = tf_gso_vhdr(&s, &lay, MSS, false);
	/* Warm caches and page in the pool buffers */
	rate(do_memcpy, &c);
	rate(do_gso, &c);
	for (r = 0; r < RUNS; r++) {
		mc[r] = rate(do_memcpy, &c);
		cs[r] = rate(do_csum, &c);
		gs[r] = rate(do_gso, &c);
	}
	m = median(mc);
	c_ = median(cs);
	g = median(gs);
	printf("bench/core: %u-byte TSO4 frame, %u-byte segments, median of %d runs\n",
	       c.len, MSS, RUNS);
	printf("memcpy   %7.2f GB/s\n", m);
	printf("csum     %7.2f GB/s  %.2fx memcpy (target >= 0.50)\n", c_, c_ / m);
	printf("gso      %7.2f GB/s  %.2fx memcpy (target >= 0.30)\n", g, g / m);
	vn_pkt_put(c.pkt);
	vn_pool_destroy(c.pool);
	return 0;
}
