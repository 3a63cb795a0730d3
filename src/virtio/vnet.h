/* SPDX-License-Identifier: MIT */
/* vnet.h - virtio-net device datapath over split virtqueues (virtio 1.2, §5.1)
 *
 * vn_vnet_rx() takes frames the guest transmitted (its transmitq) into
 * packets; vn_vnet_tx() places packets into the guest's receiveq buffers,
 * over several buffers per frame with MRG_RXBUF (num_buffers in the first
 * header: the receive side never assumes one buffer per frame).
 *
 * Offload state crosses as the virtio-net header, unchanged in meaning. A
 * header from the guest is copied out of guest memory once and validated
 * against the frame and against the features the guest negotiated; a
 * checksum location or header length outside the frame breaks the queue
 * (that lie is the memory-safety CVE class of other vhost libraries).
 */
#ifndef VN_VIRTIO_VNET_H
#define VN_VIRTIO_VNET_H

#include <stdbool.h>
#include <stdint.h>

#include "core/drop.h"
#include "core/pkt.h"
#include "core/pool.h"
#include "core/vnet_feat.h"
#include "mem.h"
#include "vq.h"

#define VN_VNET_MRG_MAX		128	/* receive buffers one frame may use */
#define VN_VNET_BURST_MAX	256	/* frames per vn_vnet_rx() call */

/**
 * struct vn_vnet - what the datapath needs to know about one device
 * @mem:	guest memory
 * @pool:	where received frames are allocated
 * @hdr_len:	virtio-net header bytes (12 with VERSION_1 or MRG_RXBUF, else 10)
 * @mrg_rxbuf:	MRG_RXBUF negotiated
 * @guest_sends: the negotiated features of VN_NET_HOST_OFFLOADS: what the
 *		guest may put in frames it transmits (CSUM, HOST_TSO4/6, ...)
 * @guest_takes: the negotiated features of VN_NET_GUEST_OFFLOADS: what the
 *		guest accepts (GUEST_CSUM, GUEST_TSO4/6, GUEST_USO4/6, ...),
 *		against vn_vhdr_needs() of each frame
 * @drops:	per-reason drop counters (VN_DROP__MAX entries)
 * @mtu:	the port's MTU, read per frame (NET_SET_MTU may change it), or
 *		NULL: non-GSO frames from the guest longer than it (plus the
 *		Ethernet header and one VLAN tag) are dropped (VN_DROP_MTU)
 */
struct vn_vnet {
	const struct vn_vu_mem *mem;
	struct vn_pool *pool;
	uint16_t hdr_len;
	bool mrg_rxbuf;
	uint64_t guest_sends;
	uint64_t guest_takes;
	uint64_t *drops;
	const uint32_t *mtu;
};

/**
 * vn_vnet_hdr_check() - Validate a guest's header against its frame
 * @vh:		decoded header (a copy: the guest cannot change it any more)
 * @frame_len:	frame bytes after the header
 * @allowed:	the guest's negotiated features (only VN_NET_HOST_OFFLOADS
 *		bits are read)
 *
 * Return: VN_DROP_NONE to keep the frame, else why it is dropped
 */
enum vn_drop_reason vn_vnet_hdr_check(const struct vn_vhdr *vh, uint32_t frame_len,
				      uint64_t allowed);

/**
 * vn_vnet_rx() - Receive up to @n frames from a guest transmit queue
 * @v:		device
 * @vq:		the guest's transmitq (device-readable)
 * @pkts:	output, each with one reference
 * @n:		burst size
 *
 * Completes the consumed chains and calls the driver once.
 *
 * Return: frames delivered
 */
unsigned int vn_vnet_rx(const struct vn_vnet *v, struct vn_vq *vq, struct vn_pkt **pkts,
			unsigned int n);

/**
 * vn_vnet_tx() - Place frames into a guest receive queue
 * @v:		device
 * @vq:		the guest's receiveq (device-writable)
 * @pkts:	frames; the accepted prefix's references are taken
 * @n:		count
 * @bytes:	output: frame bytes delivered to the guest
 * @delivered:	output: frames delivered (accepted minus dropped)
 *
 * Frames the guest cannot take (an offload it did not negotiate, larger
 * than its buffers) are dropped and counted, and count as accepted.
 *
 * Return: frames accepted; fewer than @n when the guest ran out of buffers
 */
unsigned int vn_vnet_tx(const struct vn_vnet *v, struct vn_vq *vq, struct vn_pkt **pkts,
			unsigned int n, uint64_t *bytes, uint64_t *delivered);

/**
 * vn_vnet_tx_mq() - Place frames into several receive queues, one per frame
 * @v:		device
 * @vqs:	@vqs[i] is the receiveq for @pkts[i]
 * @pkts:	frames; the accepted prefix's references are taken
 * @n:		count
 * @bytes:	output: frame bytes delivered to the guest
 * @delivered:	output: frames delivered (accepted minus dropped)
 *
 * As vn_vnet_tx(), but stops at the first frame whose queue is out of
 * buffers (so frames keep their order), and does not publish: the caller
 * calls vn_vq_flush() once on each queue it named. A frame for a queue that
 * is (or just became) broken is dropped and counted.
 *
 * Return: frames accepted
 */
unsigned int vn_vnet_tx_mq(const struct vn_vnet *v, struct vn_vq *const *vqs,
			   struct vn_pkt **pkts, unsigned int n, uint64_t *bytes,
			   uint64_t *delivered);

#endif /* VN_VIRTIO_VNET_H */
