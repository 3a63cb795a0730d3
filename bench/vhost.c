// SPDX-License-Identifier: MIT
/* vhost.c - drive two vhost-user ports as QEMU would and count what comes out of the other
 *
 * "bench_vhost [--packed] A.sock B.sock SIZE SECONDS [WARMUP]": connects to both
 * sockets with the test front-end (tests/virtio/vu_frontend.c: memfd guest
 * memory, split rings or with --packed packed ones, eventfd kicks), keeps A's transmit queue full of SIZE-byte
 * frames (Ethernet/IPv4/TCP; above 1514 bytes they are TSO4 frames with
 * gso_size 1448) and B's receive queue full of buffers, busy-polling both,
 * and prints what B received in SECONDS after WARMUP seconds (default 0.5)
 * of the same traffic: frames, bytes, Mpps, Gbit/s, and the kicks it made
 * (eventfd writes, each a system call of the front-end).
 * The device under test (vnetd, DPDK testpmd) forwards A -> B.
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void tcp4_frame(uint8_t *f, uint32_t len)
{
	uint16_t ip_len = (uint16_t)(len - 14);

	memset(f, 0x5a, len);
	memcpy(f, "\x52\x54\x00\x88\x00\x03\x52\x54\x00\x88\x00\x02\x08\x00", 14);
	memset(f + 14, 0, 40);
	f[14] = 0x45;
	f[16] = ip_len >> 8;
	f[17] = ip_len & 0xff;
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

/* Packed: kick unless the device's event area says DISABLE */
static void kick_packed(struct vu_fe_vq *v)
{
	uint64_t one = 1;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->dev_ev->flags, __ATOMIC_RELAXED) == VN_VRING_PACKED_EV_DISABLE)
		return;
	if (write(v->kick, &one, sizeof(one)) < 0)
		perror("kick");
	kicks++;
}

/* Packed: make buffer @id (one descriptor) available again at the next position */
static void add_packed(struct vu_fe_vq *v, uint16_t id, uint16_t flags)
{
	uint16_t n = v->next_desc++;
	struct vn_vring_packed_desc *d = &v->pdesc[n % QS];
	bool wrap = !((n / QS) & 1);

	d->addr = v->id_addr[id];
	d->len = v->id_len[id];
	d->id = id;
	__atomic_store_n(&d->flags, (uint16_t)(flags | (wrap ? VN_VRING_PACKED_F_AVAIL :
							       VN_VRING_PACKED_F_USED)),
			 __ATOMIC_RELEASE);
}

/* Packed: the next used descriptor's id and length, or false */
static bool used_packed(struct vu_fe_vq *v, uint16_t *id, uint32_t *len)
{
	const struct vn_vring_packed_desc *d = &v->pdesc[v->last_used % QS];
	uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
	bool wrap = !((v->last_used / QS) & 1);

	if (!!(f & VN_VRING_PACKED_F_AVAIL) != wrap || !!(f & VN_VRING_PACKED_F_USED) != wrap)
		return false;
	*id = d->id;
	*len = d->len;
	v->last_used++;
	return true;
}

/* The main loop over packed rings: the split loop's work, in the packed format */
static void loop_packed(struct vu_fe_vq *tx, struct vu_fe_vq *rx, uint16_t hdr_len,
			uint64_t *sent, uint64_t *frames, uint64_t *bytes)
{
	unsigned int k;
	uint16_t id;
	uint32_t len;

	for (k = 0; k < 64; k++) {
		bool tx_more = false, rx_more = false;

		while (used_packed(tx, &id, &len)) {
			add_packed(tx, id, 0);
			(*sent)++;
			tx_more = true;
		}
		while (used_packed(rx, &id, &len)) {
			(*frames)++;
			*bytes += len - hdr_len;
			add_packed(rx, id, VN_VRING_DESC_F_WRITE);
			rx_more = true;
		}
		if (tx_more)
			kick_packed(tx);
		if (rx_more)
			kick_packed(rx);
	}
}

int main(int argc, char **argv)
{
	static struct vu_fe a, b;
	uint32_t size, buf_len, frame_cap;
	struct vu_fe_vq *tx = &a.vq[1], *rx = &b.vq[0];
	uint64_t frames = 0, bytes = 0, sent = 0;
	double secs, warm = 0.5, t0, t;
	uint64_t frames0 = 0, bytes0 = 0, sent0 = 0, kicks0 = 0;
	bool warming = true;
	unsigned int i, inflight;
	static uint8_t frame[70000];
	struct vn_vhdr vh = { 0 };
	bool packed = argc > 1 && !strcmp(argv[1], "--packed");

	if (packed) {
		argv++;
		argc--;
	}
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: bench_vhost [--packed] A.sock B.sock SIZE SECONDS [WARMUP]\n");
		return 2;
	}
	size = (uint32_t)atoi(argv[3]);
	secs = atof(argv[4]);
	if (argc == 6)
		warm = atof(argv[5]);
	if (size < 60 || size > 65000 || secs <= 0 || warm < 0) {
		fprintf(stderr, "SIZE 60..65000, SECONDS > 0, WARMUP >= 0\n");
		return 2;
	}
	if (vu_fe_connect(&a, argv[1]) || vu_fe_connect(&b, argv[2])) {
		fprintf(stderr, "vhost-user connect failed\n");
		return 1;
	}
	a.want_packed = b.want_packed = packed;
	if (vu_fe_setup(&a, ~0ull) || vu_fe_setup(&b, ~0ull)) {
		fprintf(stderr, "vhost-user handshake failed\n");
		return 1;
	}
	if (a.packed != packed || b.packed != packed) {
		fprintf(stderr, "the device did not offer packed rings\n");
		return 1;
	}
	event_idx = a.features & b.features & (1ull << VN_VIRTIO_F_EVENT_IDX);
	/* A busy-polling driver: no interrupts wanted (DPDK's virtio-user does the same) */
	if (packed) {
		tx->drv_ev->flags = VN_VRING_PACKED_EV_DISABLE;
		rx->drv_ev->flags = VN_VRING_PACKED_EV_DISABLE;
	} else {
		tx->avail->flags = VN_VRING_AVAIL_F_NO_INTERRUPT;
		rx->avail->flags = VN_VRING_AVAIL_F_NO_INTERRUPT;
	}
	tcp4_frame(frame, size);
	if (size > 1514)
		vh = (struct vn_vhdr){ .flags = VN_VHDR_F_NEEDS_CSUM, .gso_type = VN_VHDR_GSO_TCPV4,
				       .hdr_len = 54, .gso_size = 1448, .csum_start = 34,
				       .csum_offset = 16 };
	else if (size >= 54)
		vh = (struct vn_vhdr){ .flags = VN_VHDR_F_NEEDS_CSUM, .csum_start = 34,
				       .csum_offset = 16 };
	/* One fixed buffer per descriptor: tx i at BUF_BASE + i * buf_len */
	buf_len = (size + 12 + 4095) & ~4095u;
	frame_cap = (VU_FE_MEM_SIZE - BUF_BASE) / buf_len;
	inflight = frame_cap < QS ? frame_cap : QS;
	for (i = 0; i < inflight; i++) {
		uint64_t gpa = BUF_BASE + (uint64_t)i * buf_len;

		vn_vhdr_build(&vh, vu_fe_ptr(&a, gpa), a.hdr_len);
		memcpy((uint8_t *)vu_fe_ptr(&a, gpa) + a.hdr_len, frame, size);
		if (packed) {
			tx->id_addr[i] = rx->id_addr[i] = gpa;
			tx->id_len[i] = a.hdr_len + size;
			rx->id_len[i] = buf_len;
			add_packed(tx, (uint16_t)i, 0);
			add_packed(rx, (uint16_t)i, VN_VRING_DESC_F_WRITE);
			continue;
		}
		vu_fe_desc_set(&a, 1, i, gpa, a.hdr_len + size, 0, 0);
		vu_fe_desc_set(&b, 0, i, gpa, buf_len, VN_VRING_DESC_F_WRITE, 0);
		publish(rx, i);
		publish(tx, i);
	}
	if (packed) {
		kick_packed(rx);
		kick_packed(tx);
	} else {
		__atomic_store_n(&rx->avail->idx, rx->avail_idx, __ATOMIC_RELEASE);
		__atomic_store_n(&tx->avail->idx, tx->avail_idx, __ATOMIC_RELEASE);
		kick(rx, 0);
		kick(tx, 0);
	}
	sent = inflight;
	t0 = now();
	for (t = t0; warming || t - t0 < secs; t = now()) {
		unsigned int k;

		/* The warm-up ends: count from here */
		if (warming && t - t0 >= warm) {
			warming = false;
			frames0 = frames, bytes0 = bytes, sent0 = sent, kicks0 = kicks;
			t0 = t;
			continue;
		}
		if (packed) {
			loop_packed(tx, rx, b.hdr_len, &sent, &frames, &bytes);
			continue;
		}

		for (k = 0; k < 64; k++) {
			uint16_t tu = __atomic_load_n(&tx->used->idx, __ATOMIC_ACQUIRE);
			uint16_t ru = __atomic_load_n(&rx->used->idx, __ATOMIC_ACQUIRE);
			uint16_t tx_old = tx->avail_idx, rx_old = rx->avail_idx;
			bool tx_more = false, rx_more = false;

			/* Sent frames: their descriptors go straight back */
			while (tx->last_used != tu) {
				struct vn_vring_used_elem e = tx->used->ring[tx->last_used % QS];

				tx->last_used++;
				publish(tx, (uint16_t)e.id);
				sent++;
				tx_more = true;
			}
			/* Received frames: count, and give the buffer back */
			while (rx->last_used != ru) {
				struct vn_vring_used_elem e = rx->used->ring[rx->last_used % QS];

				rx->last_used++;
				frames++;
				bytes += e.len - b.hdr_len;
				publish(rx, (uint16_t)e.id);
				rx_more = true;
			}
			if (tx_more) {
				__atomic_store_n(&tx->avail->idx, tx->avail_idx, __ATOMIC_RELEASE);
				kick(tx, tx_old);
			}
			if (rx_more) {
				__atomic_store_n(&rx->avail->idx, rx->avail_idx, __ATOMIC_RELEASE);
				kick(rx, rx_old);
			}
		}
	}
	t -= t0;
	frames -= frames0, bytes -= bytes0, sent -= sent0, kicks -= kicks0;
	printf("size=%u secs=%.2f sent=%llu frames=%llu bytes=%llu kicks=%llu mpps=%.3f gbps=%.3f\n",
	       size, t, (unsigned long long)sent, (unsigned long long)frames,
	       (unsigned long long)bytes, (unsigned long long)kicks, frames / t / 1e6,
	       bytes * 8 / t / 1e9);
	vu_fe_close(&a);
	vu_fe_close(&b);
	return frames ? 0 : 1;
}
