// SPDX-License-Identifier: MIT
/* xo.c - guest XDP offload, the RFC's case 1: a guest that drops or bounces every frame
 *
 * "bench_xo A.sock G.sock MODE SECONDS WARMUP [PRE [POST]]": two vhost-user
 * front-ends (tests/virtio/vu_frontend.c). A is the traffic source: its
 * transmit queue is kept full of 64-byte frames (60 + FCS; Ethernet/IPv4/TCP)
 * addressed to G, busy-polled, no interrupts. G plays the guest:
 *
 *   drop	G receives every frame and drops it itself: vnetd copies it into
 *		G's memory, fills the used ring and notifies (G asks for an
 *		interrupt after each batch, as virtio_net does, and G reads its
 *		call eventfd: one system call on each side per batch); G gives the
 *		buffer back. This is the least an in-guest XDP_DROP costs.
 *   tx		G receives, swaps the MAC addresses and transmits the frame back
 *		from the same buffer (the in-guest XDP_TX, no copy), then gives
 *		the buffer back to its receive queue when vnetd has sent it.
 *   drop-off, tx-off
 *		the same G with the drop or the swap offloaded: PRE, run with
 *		system(3) once both front-ends are set up (a guest program lives
 *		as long as the front-end's connection), loads it with vnet-offload;
 *		G posts receive buffers and sees nothing.
 *
 * Printed figure: frames per second through the guest's program: drop
 * modes, frames A sent (all of them dropped by vnetd or by G; G's own
 * count and the drops vnetd reports are printed too); tx modes, the frames
 * A got back. POST runs before the connections close (vnet-offload status).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "port/port.h"
#include "vu_frontend.h"

#define QS		VU_FE_QSIZE
#define BUF_BASE	(1u << 20)		/* buffers after the rings */
#define BUF_LEN		2048
#define FRAME_LEN	60

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A -> G: 52:54:00:88:00:02 -> 52:54:00:88:00:03, TCP 10.0.0.2 -> 10.0.0.3 */
static void tcp4_frame(uint8_t *f, uint32_t len)
{
	memset(f, 0x5a, len);
	memcpy(f, "\x52\x54\x00\x88\x00\x03\x52\x54\x00\x88\x00\x02\x08\x00", 14);
	memset(f + 14, 0, 40);
	f[14] = 0x45;
	f[16] = 0;
	f[17] = (uint8_t)(len - 14);
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\x0a\x00\x00\x02\x0a\x00\x00\x03", 8);
	f[34] = 0x9c, f[35] = 0x40, f[36] = 0x14, f[37] = 0x51;
	f[46] = 0x50, f[47] = 0x10;
}

static bool event_idx;
static uint64_t kicks;

/* Kick as a Linux driver does: only when the device asked (§2.7.10) */
static void kick(struct vu_fe_vq *v, uint16_t old)
{
	uint64_t one = 1;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (event_idx) {
		uint16_t ev = __atomic_load_n((uint16_t *)&v->used->ring[QS], __ATOMIC_RELAXED);

		if (!vn_vring_need_event(ev, v->avail_idx, old))
			return;
	} else if (__atomic_load_n(&v->used->flags, __ATOMIC_RELAXED) & VN_VRING_USED_F_NO_NOTIFY) {
		return;
	}
	if (write(v->kick, &one, sizeof(one)) < 0)
		perror("kick");
	kicks++;
}

static void publish(struct vu_fe_vq *v, uint16_t head)
{
	v->avail->ring[v->avail_idx % QS] = head;
	v->avail_idx++;
}

static void flush(struct vu_fe_vq *v, uint16_t old)
{
	if (v->avail_idx == old)
		return;
	__atomic_store_n(&v->avail->idx, v->avail_idx, __ATOMIC_RELEASE);
	kick(v, old);
}

/* Ask for an interrupt at the next used entry (virtio_net's virtqueue_enable_cb) */
static void want_interrupt(struct vu_fe_vq *v)
{
	if (event_idx)
		__atomic_store_n((uint16_t *)&v->avail->ring[QS], v->last_used, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&v->avail->flags, 0, __ATOMIC_RELEASE);
}

static void swap_macs(uint8_t *f)
{
	uint8_t t[6];

	memcpy(t, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, t, 6);
}

int main(int argc, char **argv)
{
	static struct vu_fe a, g;
	struct vu_fe_vq *atx = &a.vq[1], *arx = &a.vq[0], *grx = &g.vq[0], *gtx = &g.vq[1];
	uint64_t sent = 0, back = 0, got = 0, irqs = 0;
	uint64_t sent0 = 0, back0 = 0, got0 = 0, irqs0 = 0, kicks0 = 0;
	bool drop, offload, warming = true;
	double secs, warm, t0, t;
	static uint8_t frame[FRAME_LEN];
	struct vn_vhdr vh = { 0 };
	const char *mode;
	unsigned int i;

	if (argc < 6 || argc > 8) {
		fprintf(stderr, "usage: bench_xo A.sock G.sock drop|tx|drop-off|tx-off SECONDS "
			"WARMUP [PRE [POST]]\n");
		return 2;
	}
	mode = argv[3];
	drop = !strncmp(mode, "drop", 4);
	offload = strstr(mode, "-off") != NULL;
	secs = atof(argv[4]);
	warm = atof(argv[5]);
	if ((strcmp(mode, "drop") && strcmp(mode, "tx") && strcmp(mode, "drop-off") &&
	     strcmp(mode, "tx-off")) || secs <= 0 || warm < 0) {
		fprintf(stderr, "MODE drop, tx, drop-off or tx-off; SECONDS > 0, WARMUP >= 0\n");
		return 2;
	}
	if (vu_fe_connect(&a, argv[1]) || vu_fe_connect(&g, argv[2]) ||
	    vu_fe_setup(&a, ~0ull) || vu_fe_setup(&g, ~0ull)) {
		fprintf(stderr, "vhost-user handshake failed\n");
		return 1;
	}
	event_idx = a.features & g.features & (1ull << VN_VIRTIO_F_EVENT_IDX);
	/* the source and its return path busy-poll; the guest takes interrupts */
	atx->avail->flags = VN_VRING_AVAIL_F_NO_INTERRUPT;
	arx->avail->flags = VN_VRING_AVAIL_F_NO_INTERRUPT;
	gtx->avail->flags = VN_VRING_AVAIL_F_NO_INTERRUPT;
	tcp4_frame(frame, FRAME_LEN);
	vh = (struct vn_vhdr){ .flags = VN_VHDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16 };
	/* buffer i of each queue: A tx at BUF_BASE + i, A rx and G rx in their own thirds */
	for (i = 0; i < QS; i++) {
		uint64_t ta = BUF_BASE + (uint64_t)i * BUF_LEN;
		uint64_t ra = BUF_BASE + (uint64_t)(QS + i) * BUF_LEN;
		uint64_t gr = BUF_BASE + (uint64_t)i * BUF_LEN;

		vn_vhdr_build(&vh, vu_fe_ptr(&a, ta), a.hdr_len);
		memcpy((uint8_t *)vu_fe_ptr(&a, ta) + a.hdr_len, frame, FRAME_LEN);
		vu_fe_desc_set(&a, 1, i, ta, a.hdr_len + FRAME_LEN, 0, 0);
		vu_fe_desc_set(&a, 0, i, ra, BUF_LEN, VN_VRING_DESC_F_WRITE, 0);
		vu_fe_desc_set(&g, 0, i, gr, BUF_LEN, VN_VRING_DESC_F_WRITE, 0);
		publish(arx, (uint16_t)i);
		publish(grx, (uint16_t)i);
	}
	flush(arx, 0);
	want_interrupt(grx);
	flush(grx, 0);
	/* PRE: the offload is loaded now that G's device is up */
	if (argc > 6 && system(argv[6]) != 0) {
		fprintf(stderr, "PRE command failed: %s\n", argv[6]);
		return 1;
	}
	for (i = 0; i < QS; i++)
		publish(atx, (uint16_t)i);
	flush(atx, 0);
	sent = 0;
	t0 = now();
	for (t = t0; warming || t - t0 < secs; t = now()) {
		if (warming && t - t0 >= warm) {
			warming = false;
			sent0 = sent, back0 = back, got0 = got, irqs0 = irqs, kicks0 = kicks;
			t0 = t;
			continue;
		}
		for (unsigned int k = 0; k < 64; k++) {
			uint16_t u, atx_old = atx->avail_idx, arx_old = arx->avail_idx;
			uint16_t grx_old = grx->avail_idx, gtx_old = gtx->avail_idx;
			bool gbatch = false;

			/* A: sent frames go straight back on the ring */
			u = __atomic_load_n(&atx->used->idx, __ATOMIC_ACQUIRE);
			while (atx->last_used != u) {
				publish(atx, (uint16_t)atx->used->ring[atx->last_used++ % QS].id);
				sent++;
			}
			/* A: frames that came back (tx modes) */
			u = __atomic_load_n(&arx->used->idx, __ATOMIC_ACQUIRE);
			while (arx->last_used != u) {
				publish(arx, (uint16_t)arx->used->ring[arx->last_used++ % QS].id);
				back++;
			}
			/* G: the guest's receive path */
			u = __atomic_load_n(&grx->used->idx, __ATOMIC_ACQUIRE);
			while (grx->last_used != u) {
				struct vn_vring_used_elem e = grx->used->ring[grx->last_used++ % QS];
				uint64_t gpa = BUF_BASE + (uint64_t)e.id * BUF_LEN;
				uint8_t *p = vu_fe_ptr(&g, gpa);

				got++;
				gbatch = true;
				if (drop || e.len <= (uint32_t)g.hdr_len + 12) {
					publish(grx, (uint16_t)e.id);
					continue;
				}
				/* XDP_TX in the guest: the same buffer goes out, MACs swapped */
				memset(p, 0, g.hdr_len);
				swap_macs(p + g.hdr_len);
				vu_fe_desc_set(&g, 1, (uint16_t)e.id, gpa, e.len, 0, 0);
				publish(gtx, (uint16_t)e.id);
			}
			/* G: transmitted buffers return to the receive queue */
			u = __atomic_load_n(&gtx->used->idx, __ATOMIC_ACQUIRE);
			while (gtx->last_used != u)
				publish(grx, (uint16_t)gtx->used->ring[gtx->last_used++ % QS].id);
			if (gbatch) {
				uint64_t n;

				/* the interrupt that brought the batch: read it, ask for the next */
				if (read(grx->call, &n, sizeof(n)) == sizeof(n))
					irqs++;
				want_interrupt(grx);
			}
			flush(atx, atx_old);
			flush(arx, arx_old);
			flush(gtx, gtx_old);
			flush(grx, grx_old);
		}
	}
	t -= t0;
	sent -= sent0, back -= back0, got -= got0, irqs -= irqs0, kicks -= kicks0;
	printf("mode=%s secs=%.2f sent=%llu guest_rx=%llu back=%llu guest_irqs=%llu kicks=%llu "
	       "mpps=%.3f\n", mode, t, (unsigned long long)sent, (unsigned long long)got,
	       (unsigned long long)back, (unsigned long long)irqs, (unsigned long long)kicks,
	       (drop ? (offload ? sent : got) : back) / t / 1e6);
	fflush(stdout);
	if (argc > 7 && system(argv[7]) != 0)
		fprintf(stderr, "POST command failed: %s\n", argv[7]);
	vu_fe_close(&a);
	vu_fe_close(&g);
	return (drop ? (offload ? sent : got) : back) ? 0 : 1;
}
