// SPDX-License-Identifier: MIT
/* fuzz_vq_chain.c - descriptor chains from a hostile driver, over fake guest memory
 *
 * Guest memory is two exact-size heap blocks posing as adjacent regions (so
 * ASan sees any access outside them). The input fills the rings and buffers;
 * a control byte picks the queue size, direction and negotiated features,
 * and the input's last byte the ring format (bit 0: packed) and, packed,
 * where the ring starts (bits 1-6: position, bit 7: wrap counter), so
 * chains cross the end of the ring and the wrap counters flip.
 * Chains are popped and every byte of every segment is read or written;
 * or the same memory goes through the virtio-net receive path (readable
 * queues) or transmit path (writable queues, MRG_RXBUF on or off).
 * Invariants: no out-of-region access, a popped chain's segments are all
 * inside the regions, a broken queue never pops again, a receive burst
 * pops no more chains than its size (dropped chains count).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "core/log.h"
#include "core/pool.h"
#include "virtio/vnet.h"
#include "virtio/vq.h"

#define REG	0x8000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *r0, *r1;
static struct vn_pool *pool;
static uint64_t drops[VN_DROP__MAX];

static void quiet(enum vn_log_level level, const char *msg)
{
	(void)level, (void)msg;
}

static int inside(const void *p, size_t len)
{
	const uint8_t *b = p;

	return (b >= r0 && b + len <= r0 + REG) || (b >= r1 && b + len <= r1 + REG);
}

static void setup(void)
{
	vn_log_set_sink(quiet);
	r0 = malloc(REG);
	r1 = malloc(REG);
	if (!r0 || !r1 || vn_pool_create("fuzz", 64, &pool))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_vu_mem mem = { .n = 2 };
	static struct vn_vq_chain c;
	struct vn_pkt *pkts[16];
	struct vn_vnet v;
	struct vn_vq vq;
	uint8_t ctl, fmt;
	unsigned int i, k, got;
	volatile uint8_t sink = 0;

	if (!r0)
		setup();
	if (size < 1)
		return 0;
	ctl = data[0];
	fmt = data[size - 1];
	memset(r0, 0, REG);
	memset(r1, 0, REG);
	size--;
	data++;
	memcpy(r0, data, size < REG ? size : REG);
	if (size > REG)
		memcpy(r1, data + REG, size - REG < REG ? size - REG : REG);
	mem.r[0] = (struct vn_vu_region){ 0, REG, 0x40000, r0, NULL, 0 };
	mem.r[1] = (struct vn_vu_region){ REG, REG, 0x40000 + REG, r1, NULL, 0 };

	vn_vq_init(&vq, 1, ctl & 1);
	vq.size = (uint16_t)(1u << ((ctl >> 1) & 7));	/* 1 .. 128 */
	vq.indirect = ctl & 0x10;
	vq.event_idx = ctl & 0x20;
	vq.packed = size > 1 && (fmt & 1);
	if (vq.packed && vn_vq_set_base(&vq, ((fmt >> 1) & 0x3f) % vq.size | (fmt & 0x80) << 8))
		abort();
	/* Available ring first, the descriptors right after: short inputs reach both */
	vq.avail_uva = 0x40000;
	vq.desc_uva = 0x40000 + VN_ALIGN_UP(vn_vring_avail_bytes(vq.size), 16);
	vq.used_uva = vq.desc_uva + vn_vring_desc_bytes(vq.size);
	if (vn_vq_map(&vq, &mem))
		abort();
	vq.started = vq.enabled = true;

	if (!(ctl & 0x40)) {
		for (i = 0; i < 64; i++) {
			int ret = vn_vq_pop(&vq, &mem, &c);

			if (ret)
				break;
			if (c.niov > VN_VQ_IOV_MAX || c.len > VN_VQ_CHAIN_BYTES_MAX)
				abort();
			for (k = 0; k < c.niov; k++) {
				if (!inside(c.iov[k].iov_base, c.iov[k].iov_len))
					abort();
				if (vq.device_writes)
					memset(c.iov[k].iov_base, 0xa5, c.iov[k].iov_len);
				else if (c.iov[k].iov_len)
					sink ^= ((uint8_t *)c.iov[k].iov_base)[c.iov[k].iov_len - 1];
			}
			vn_vq_push(&vq, c.head, c.ndesc, vq.device_writes ? c.len : 0);
		}
		vn_vq_flush(&vq);
		if (vq.broken && vn_vq_pop(&vq, &mem, &c) != -EIO)
			abort();
		return 0;
	}
	v = (struct vn_vnet){ .mem = &mem, .pool = pool, .hdr_len = ctl & 0x80 ? 12 : 10,
			      .mrg_rxbuf = ctl & 0x80, .guest_sends = VN_NET_HOST_OFFLOADS,
			      .guest_takes = VN_NET_GUEST_OFFLOADS,
			      .drops = drops };
	if (vq.device_writes) {
		/* Our transmit: frames of input-chosen sizes into the guest's buffers */
		uint64_t b, d;

		got = vn_pool_alloc_bulk(pool, pkts, 4);
		for (i = 0; i < got; i++) {
			uint32_t len = 14 + (size > i ? data[size - 1 - i] : 0) * 97u;

			if (!vn_pkt_append(pkts[i], len))
				abort();
			memset(vn_pkt_data(pkts[i]), (int)i, len);
		}
		k = vn_vnet_tx(&v, &vq, pkts, got, &b, &d);
		if (k > got || d > k)
			abort();
		vn_pkt_put_bulk(pkts + k, got - k);
		/* Again on the same ring state: the room remembered after a frame
		 * did not fit in VN_VNET_MRG_MAX buffers must not drop one that fits */
		got = vn_pool_alloc_bulk(pool, pkts, 2);
		for (i = 0; i < got; i++)
			if (!vn_pkt_append(pkts[i], 14 + i * 4000u))
				abort();
		k = vn_vnet_tx(&v, &vq, pkts, got, &b, &d);
		if (k > got || d > k)
			abort();
		vn_pkt_put_bulk(pkts + k, got - k);
		return 0;
	}
	/* The virtio-net transmit path of the guest, i.e. our receive: it never
	 * pops more chains than the burst, dropped chains included */
	k = (unsigned int)vq.stats.chains;
	got = vn_vnet_rx(&v, &vq, pkts, 16);
	if (vq.stats.chains - k > 16)
		abort();
	for (i = 0; i < got; i++) {
		if (pkts[i]->len < 14 || pkts[i]->len > VN_PKT_FRAME_MAX)
			abort();
		/* A kept NEEDS_CSUM frame has its checksum field inside the frame */
		if ((pkts[i]->vh.flags & VN_VHDR_F_NEEDS_CSUM) &&
		    !vn_pkt_ptr(pkts[i], pkts[i]->vh.csum_start + pkts[i]->vh.csum_offset, 2))
			abort();
	}
	vn_pkt_put_bulk(pkts, got);
	(void)sink;
	return 0;
}
