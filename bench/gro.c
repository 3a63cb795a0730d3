// SPDX-License-Identifier: MIT
/* gro.c - bench: vn_gro_burst GB/s merging 1448-byte segments into 64 KiB frames, vs memcpy
 *
 * Usage: bench_gro [iterations]  (default 20000)
 *
 * One burst = 45 in-order IPv4 segments of 1448 payload bytes, which GRO
 * turns into one 65200-byte TSO frame. Measured in the same run:
 *  - memcpy of the 45 * 1448 payload bytes between two buffers;
 *  - GRO of the burst with DATA_VALID segments (headers checks + copy);
 *  - GRO of the burst with no checksum state (adds a software checksum of
 *    every segment, counted in csum_sw).
 * Printed as GB/s of TCP payload and as a ratio to memcpy.
 *
 * The segments are reused: the harness holds a second reference on each,
 * so GRO copies the (shared) first segment from the pool and only reads
 * the others; that copy (one 1.5 KB frame per burst) is included in the
 * GRO figures. The machine is shared: figures are noisy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csum.h"
#include "core/gro.h"
#include "core/pool.h"

#define SEGS	45
#define MSS	1448

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Segment @k of one flow: Ethernet + IPv4 + TCP, full checksums */
static unsigned int build_seg(uint8_t *f, unsigned int k)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint8_t *ip = f + 14, *th = f + 34;
	uint32_t sum;
	uint16_t c;
	unsigned int i;

	memset(f, 0, 54);
	memcpy(f, mac, 12);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 40 + MSS);
	put16(ip + 4, (uint16_t)k);
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, 0x0a000001);
	put32(ip + 16, 0x0a000002);
	c = vn_csum_fold(vn_csum_partial(ip, 20, 0));
	memcpy(ip + 10, &c, 2);
	put16(th, 40000);
	put16(th + 2, 5201);
	put32(th + 4, k * MSS);
	put32(th + 8, 1);
	th[12] = 0x50;
	th[13] = 0x10;
	put16(th + 14, 500);
	for (i = 0; i < MSS; i++)
		f[54 + i] = (uint8_t)(i * 7 + k);
	sum = vn_csum_pseudo_v4(ip + 12, ip + 16, 6, 20 + MSS);
	c = vn_csum_fold(vn_csum_partial(th, 20 + MSS, sum));
	memcpy(th + 16, &c, 2);
	return 54 + MSS;
}

/* ns per burst of GRO over segments with checksum state @flags */
static double run_gro(struct vn_pool *pool, struct vn_pkt **segs, uint8_t flags,
		      unsigned int iters)
{
	struct vn_pkt *in[SEGS], *out[SEGS];
	struct vn_gro gro;
	unsigned int it, k;
	double t0;

	vn_gro_init(&gro);
	for (k = 0; k < SEGS; k++)
		segs[k]->vh.flags = flags;
	t0 = now_ns();
	for (it = 0; it < iters; it++) {
		for (k = 0; k < SEGS; k++) {
			vn_pkt_get(segs[k]);
			in[k] = segs[k];
		}
		if (vn_gro_burst(&gro, pool, in, SEGS, out, SEGS) != 1)
			abort();
		vn_pkt_put(out[0]);
	}
	t0 = now_ns() - t0;
	if (gro.frames != iters || gro.merged != (uint64_t)iters * (SEGS - 1))
		abort();
	return t0 / iters;
}

int main(int argc, char **argv)
{
	unsigned int iters = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 20000;
	static uint8_t src[SEGS * MSS], dst[SEGS * MSS];
	struct vn_pkt *segs[SEGS];
	struct vn_pool *pool;
	uint8_t f[2048];
	double t0, mc, dv, sw, bytes = (double)SEGS * MSS;
	unsigned int it, k;

	if (vn_pool_create("bench_gro", 2 * SEGS, &pool))
		return 1;
	for (k = 0; k < SEGS; k++) {
		unsigned int len = build_seg(f, k);

		segs[k] = vn_pool_alloc(pool);
		if (vn_pkt_set(segs[k], f, len))
			return 1;
	}
	memset(src, 0x5a, sizeof(src));
	t0 = now_ns();
	for (it = 0; it < iters; it++) {
		memcpy(dst, src, sizeof(src));
		__asm__ __volatile__("" : : "r"(dst) : "memory");
	}
	mc = (now_ns() - t0) / iters;
	dv = run_gro(pool, segs, VN_VHDR_F_DATA_VALID, iters);
	sw = run_gro(pool, segs, 0, iters);
	printf("bench_gro: %u bursts of %u x %u-byte segments -> one %u-byte frame\n", iters, SEGS,
	       MSS, 54 + SEGS * MSS);
	printf("memcpy of the payload      %7.2f GB/s\n", bytes / mc);
	printf("GRO, DATA_VALID segments   %7.2f GB/s  %5.2fx memcpy  %6.1f ns/segment\n",
	       bytes / dv, mc / dv, dv / SEGS);
	printf("GRO, software checksums    %7.2f GB/s  %5.2fx memcpy  %6.1f ns/segment\n",
	       bytes / sw, mc / sw, sw / SEGS);
	vn_pkt_put_bulk(segs, SEGS);
	vn_pool_destroy(pool);
	return 0;
}
