/* SPDX-License-Identifier: MIT */
/* vu_frontend.h - a small vhost-user front-end and virtio-net driver, acting as QEMU does
 *
 * Guest memory is a memfd shared over the socket as two regions (so ranges
 * can span a region boundary); the rings are split rings in that memory,
 * or packed rings when the test sets @want_packed before setup; kicks and calls are eventfds. Used by the unit tests, the integration
 * tests and bench/vhost.c. Every message is sent with NEED_REPLY once
 * REPLY_ACK is negotiated, so a test knows the device has handled it.
 */
#ifndef VN_TESTS_VU_FRONTEND_H
#define VN_TESTS_VU_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vhdr.h"
#include "port/vhost_user_msg.h"
#include "virtio/vring.h"

#define VU_FE_MEM_SIZE		(16u << 20)	/* guest memory */
#define VU_FE_UVA_BASE		0x7f0000000000ull	/* "QEMU's" address of guest RAM */
#define VU_FE_QSIZE		256
#define VU_FE_VQS		6	/* three queue pairs; vu_fe_setup() starts pair 0 */
/* Features this driver can run: net bits 0-16, MQ (22: queue pairs are set up over
 * vhost-user, as QEMU does), indirect, event idx, vhost-user protocol features,
 * VERSION_1, USO; never IN_ORDER or a control queue (packed rings: @want_packed) */
#define VU_FE_DRIVER_FEATURES	(((1ull << 17) - 1) | 1ull << 22 | 1ull << 28 | 1ull << 29 | \
				 1ull << 30 | 1ull << 32 | 1ull << 54 | 1ull << 55 | 1ull << 56)

/**
 * struct vu_fe_vq - the driver side of one ring
 * @size:	entries
 * @desc_gpa:	descriptor table (guest-physical; uva = VU_FE_UVA_BASE + gpa)
 * @avail_gpa:	available ring
 * @used_gpa:	used ring
 * @desc:	descriptor table, our pointer
 * @avail:	available ring, our pointer
 * @used:	used ring, our pointer
 * @avail_idx:	next available index to publish
 * @last_used:	next used entry to read (packed: descriptors consumed, free-running)
 * @next_desc:	next free descriptor (round robin; packed: descriptors written,
 *		free-running: the wrap counter is !(n / size & 1))
 * @packed:	the ring is packed
 * @pdesc:	packed: the descriptor ring (at @desc_gpa)
 * @drv_ev:	packed: our event suppression area (at @avail_gpa)
 * @dev_ev:	packed: the device's (at @used_gpa)
 * @id_addr:	packed: buffer id (its head's position) -> first buffer's gpa
 * @id_len:	packed: -> its length
 * @id_ndesc:	packed: -> descriptors the buffer took
 * @buf_gpa:	start of this queue's buffer arena
 * @buf_off:	next free byte in the arena (round robin)
 * @kick:	eventfd we kick
 * @call:	eventfd the device calls
 */
struct vu_fe_vq {
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vn_vring_desc *desc;
	struct vn_vring_avail *avail;
	struct vn_vring_used *used;
	uint16_t avail_idx;
	uint16_t last_used;
	uint16_t next_desc;
	bool packed;
	struct vn_vring_packed_desc *pdesc;
	struct vn_vring_packed_event *drv_ev;
	struct vn_vring_packed_event *dev_ev;
	uint64_t id_addr[VU_FE_QSIZE];
	uint32_t id_len[VU_FE_QSIZE];
	uint16_t id_ndesc[VU_FE_QSIZE];
	uint64_t buf_gpa;
	uint64_t buf_off;
	int kick;
	int call;
	uint16_t start_base;	/* split: the base vu_fe_start_ring() sends (default 0) */
};

/**
 * struct vu_fe - one front-end
 * @sock:	connection to the device
 * @memfd:	guest memory
 * @mem:	guest memory, our mapping
 * @features:	negotiated virtio features
 * @protocol:	negotiated protocol features
 * @hdr_len:	virtio-net header bytes
 * @want_packed: negotiate VIRTIO_F_RING_PACKED if the device offers it
 * @packed:	it was negotiated: every ring is packed
 * @vq:		by vhost-user index: receiveq k is 2k, transmitq k is 2k + 1
 */
struct vu_fe {
	int sock;
	int memfd;
	uint8_t *mem;
	uint64_t features;
	uint64_t protocol;
	uint16_t hdr_len;
	bool want_packed;
	bool packed;
	struct vu_fe_vq vq[VU_FE_VQS];
};

/* Connect to a listening device (retries for up to ~2 s); 0 or -errno */
int vu_fe_connect(struct vu_fe *fe, const char *path);
/* Adopt an already connected socket (device in client mode) */
int vu_fe_init(struct vu_fe *fe, int sock);
void vu_fe_close(struct vu_fe *fe);
/* Seal guest memory against resizing, as QEMU's memfd backend does (before setup) */
int vu_fe_seal(struct vu_fe *fe);

/*
 * Send one request; if @reply is non-NULL wait for the reply payload
 * (@reply_size bytes). Adds NEED_REPLY when REPLY_ACK is on and no reply
 * is expected, and waits for the ack. Return: 0, the ack's non-zero value,
 * or -errno (-ECONNRESET when the device closed the connection).
 */
int vu_fe_msg(struct vu_fe *fe, uint32_t req, const void *payload, uint32_t size,
	      const int *fds, unsigned int nfds, void *reply, uint32_t reply_size);

/* Whole handshake as QEMU does it; @features masks what the device offers */
int vu_fe_setup(struct vu_fe *fe, uint64_t features);

/* Start ring @q (num, base, addresses, kick, call, enable); vu_fe_setup() starts 0 and 1 */
int vu_fe_start_ring(struct vu_fe *fe, unsigned int q);

/* Stop a ring (GET_VRING_BASE); returns the base or -errno */
int64_t vu_fe_stop(struct vu_fe *fe, unsigned int q);

/* Guest-physical address to our pointer */
void *vu_fe_ptr(struct vu_fe *fe, uint64_t gpa);

/* Transmit one frame with header @vh on transmitq 0, in @nseg descriptors (1..4) */
int vu_fe_tx(struct vu_fe *fe, const struct vn_vhdr *vh, const void *frame, uint32_t len,
	     unsigned int nseg);
/* Post @n device-writable buffers of @len bytes on receiveq 0 and kick */
int vu_fe_rx_post(struct vu_fe *fe, unsigned int n, uint32_t len);
/* The same on the receive ring with vhost-user index @q (0, 2, 4) */
int vu_fe_rx_post_q(struct vu_fe *fe, unsigned int q, unsigned int n, uint32_t len);
/*
 * Read one received frame (following num_buffers over several used
 * entries); returns its length, 0 if none is pending, -EBADMSG if the
 * used entries are inconsistent
 */
int vu_fe_rx_get(struct vu_fe *fe, struct vn_vhdr *vh, void *frame, uint32_t cap);
/* The same from the receive ring with vhost-user index @q */
int vu_fe_rx_get_q(struct vu_fe *fe, unsigned int q, struct vn_vhdr *vh, void *frame,
		   uint32_t cap);
/* Used entries completed on transmitq 0 since the last call */
unsigned int vu_fe_tx_done(struct vu_fe *fe);

/* Packed: make a buffer of @nseg segments (gpa, len) available on ring @q and kick */
void vu_fe_packed_add(struct vu_fe *fe, unsigned int q, const uint64_t *gpa, const uint32_t *len,
		      unsigned int nseg, bool writable);

/* Low level, for hostile split chains: write descriptor @i of queue @q, publish head @head */
void vu_fe_desc_set(struct vu_fe *fe, unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next);
void vu_fe_publish(struct vu_fe *fe, unsigned int q, uint16_t head);
/* Allocate @len bytes of guest memory from queue @q's arena; returns the gpa */
uint64_t vu_fe_alloc(struct vu_fe *fe, unsigned int q, uint32_t len);

#endif /* VN_TESTS_VU_FRONTEND_H */
