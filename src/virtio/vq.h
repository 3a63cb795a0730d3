/* SPDX-License-Identifier: MIT */
/* vq.h - a virtqueue in guest memory, split or packed, seen from the device side
 *
 * The device pops descriptor chains the driver made available, turning each
 * into a bounded iovec of host pointers, and pushes completions to the used
 * ring. Everything read from guest memory is copied once into a local and
 * the copy is validated. A queue that sees a protocol violation (bad index,
 * loop, chain longer than the ring, buffer outside guest memory, nested or
 * malformed indirect table, wrong buffer direction) is marked broken: it is
 * counted, logged once (rate limited), the front-end's error eventfd is
 * signalled, and the queue is not processed again until it is reset. Other
 * queues and ports carry on.
 *
 * A queue is split (vq.c) or packed (vq_packed.c), as the driver
 * negotiated VIRTIO_F_RING_PACKED; the functions below take either and
 * make the same checks on both.
 *
 * Notifications: kicks (driver -> device) are read from @kickfd; calls
 * (device -> driver) are written to @callfd at most once per burst, and
 * only when the driver asked for one (VRING_AVAIL_F_NO_INTERRUPT, or
 * used_event with EVENT_IDX, §2.7.7 and §2.7.10).
 */
#ifndef VN_VIRTIO_VQ_H
#define VN_VIRTIO_VQ_H

#include <stdbool.h>
#include <endian.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/compiler.h"
#include "core/counters.h"
#include "dirty_log.h"
#include "efd_guard.h"
#include "mem.h"
#include "vring.h"

#define VN_VQ_IOV_MAX		128		/* host segments in one chain */
#define VN_VQ_CHAIN_BYTES_MAX	(1u << 20)	/* total bytes in one chain */

/**
 * struct vn_vq_chain - one popped descriptor chain
 * @head:	head index (packed: buffer id), to give back with vn_vq_push()
 * @ndesc:	ring descriptors the chain took (packed: how far its used
 *		descriptor moves the device on; split: 1)
 * @niov:	segments in @iov
 * @len:	total bytes
 * @iov:	host segments, in chain order
 */
struct vn_vq_chain {
	uint16_t head;
	uint16_t ndesc;
	uint16_t niov;
	uint32_t len;
	struct iovec iov[VN_VQ_IOV_MAX];
};

/**
 * struct vn_vq_stats - per-queue counters (owned by the datapath thread)
 * @chains:	chains popped (walked; one given back and popped again counts twice)
 * @used:	chains completed (vn_vq_push())
 * @kicks:	kick eventfd reads that found a kick
 * @calls:	call eventfd writes
 * @calls_suppressed: bursts whose call the driver did not want
 * @calls_skipped: calls not written because the call eventfd was full
 *		(the driver has one pending) or not writable
 * @calls_stuck: call writes that blocked (the front-end filled the counter
 *		between our poll and write) and were broken off; each breaks the queue
 * @broken:	protocol violations (the queue stops at the first)
 * @mrg_cap:	frames dropped because VN_VNET_MRG_MAX receive buffers could
 *		not hold them (a guest posting tiny or empty buffers)
 */
#define VN_VQ_COUNTERS(X)	\
	X(chains) X(used) X(kicks) X(calls) X(calls_suppressed) X(calls_skipped) X(calls_stuck) \
	X(broken) X(mrg_cap)

VN_COUNTERS_DECLARE(struct vn_vq_stats, VN_VQ_COUNTERS, VN_VQ_NCOUNTERS, vn_vq_counter_descs);

/**
 * struct vn_vq_pos - where the next chain is taken from, for vn_vq_seek()
 * @idx:	last_avail
 * @wrap:	packed: the driver's wrap counter there
 */
struct vn_vq_pos {
	uint16_t idx;
	bool wrap;
};

/**
 * struct vn_vq - one virtqueue
 * @size:	entries (power of two), 0 until SET_VRING_NUM
 * @last_avail:	next available entry to take (split: free-running; packed:
 *		ring position, 0..size-1)
 * @used_idx:	next used entry to fill (split: free-running, published on
 *		flush; packed: ring position)
 * @signalled:	used index at the last call decision (split)
 * @packed:	VIRTIO_F_RING_PACKED negotiated: the areas are a packed ring
 * @avail_wrap:	packed: the driver's wrap counter at @last_avail
 * @used_wrap:	packed: our wrap counter at @used_idx
 * @pending:	packed: used descriptors written since the last call decision
 * @batch_open:	packed: used descriptors were written whose first's flags
 *		vn_vq_flush() has still to write
 * @batch_pos:	packed: that first one's position
 * @batch_flags: packed: and its flags
 * @device_writes: chains must be device-writable (receive queues) or
 *		device-readable (transmit queues)
 * @event_idx:	VIRTIO_RING_F_EVENT_IDX negotiated
 * @indirect:	VIRTIO_RING_F_INDIRECT_DESC negotiated
 * @enabled:	SET_VRING_ENABLE (or started without protocol features)
 * @started:	has a kick fd and mapped rings: the device may process it
 * @broken:	saw a protocol violation; not processed again until reset
 * @notify_off:	we told the driver not to kick (VRING_USED_F_NO_NOTIFY)
 * @armed:	kicks were asked for since @kickfd was last read
 * @armed_at:	last_avail when they were (with EVENT_IDX: the avail_event)
 * @desc_uva:	descriptor table, front-end address
 * @avail_uva:	available ring, front-end address
 * @used_uva:	used ring, front-end address
 * @desc:	descriptor table, host address (NULL until mapped; split)
 * @avail:	available ring, host address (split)
 * @used:	used ring, host address (split)
 * @pdesc:	packed: descriptor ring, host address (NULL until mapped)
 * @drv_ev:	packed: the driver's event suppression area (at @avail_uva)
 * @dev_ev:	packed: ours (at @used_uva)
 * @kickfd:	eventfd the driver kicks, or -1
 * @callfd:	eventfd we call, or -1
 * @errfd:	eventfd we signal when the queue breaks, or -1
 * @index:	queue number, for logs
 * @cap_room:	bytes VN_VNET_MRG_MAX buffers held when a frame last did not
 *		fit in them (0: none); valid while @cap_last and @cap_idx hold
 * @cap_at:	where the next chain was taken from then
 * @cap_idx:	vn_vq_avail_stamp() then
 * @why:	first violation seen (for logs and tests)
 * @owner:	name of the port the queue belongs to (for log lines; may be NULL)
 * @log:	dirty log every write into guest memory is recorded in (live
 *		migration), or NULL
 * @log_mem:	the guest memory @log is about
 * @stats:	counters
 */
struct vn_vq {
	uint16_t size;
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t signalled;
	uint16_t pending;
	uint16_t batch_pos;
	uint16_t batch_flags;
	bool batch_open;
	bool packed;
	bool avail_wrap;
	bool used_wrap;
	bool device_writes;
	bool event_idx;
	bool indirect;
	bool enabled;
	bool started;
	bool broken;
	bool notify_off;
	bool armed;
	uint16_t armed_at;
	uint64_t desc_uva;
	uint64_t avail_uva;
	uint64_t used_uva;
	struct vn_vring_desc *desc;
	struct vn_vring_avail *avail;
	struct vn_vring_used *used;
	struct vn_vring_packed_desc *pdesc;
	struct vn_vring_packed_event *drv_ev;
	struct vn_vring_packed_event *dev_ev;
	int kickfd;
	int callfd;
	int errfd;
	unsigned int index;
	uint32_t cap_room;
	struct vn_vq_pos cap_at;
	uint16_t cap_idx;
	const char *why;
	const char *owner;
	struct vn_dlog *log;
	const struct vn_vu_mem *log_mem;
	struct vn_vq_stats stats;
};

/**
 * vn_vq_log() - Record a write into guest memory in the dirty log, if one is on
 * @vq:		queue
 * @p:		what was written (our address)
 * @len:	bytes
 */
static inline void vn_vq_log(const struct vn_vq *vq, const void *p, size_t len)
{
	if (unlikely(vq->log))
		vn_dlog_host(vq->log, vq->log_mem, p, len);
}

/**
 * vn_vq_init() - Reset a queue to "not configured" (fds set to -1, not closed)
 * @vq:		queue
 * @index:	queue number
 * @device_writes: true for a receive queue (device fills guest buffers)
 */
void vn_vq_init(struct vn_vq *vq, unsigned int index, bool device_writes);

/**
 * vn_vq_map() - Translate the ring addresses through @mem
 * @vq:		queue with size and ring addresses set
 * @mem:	guest memory
 *
 * Each area must be aligned (split, §2.7: 16, 2, 4; packed, §2.8: 16, 4, 4)
 * and lie whole inside one region.
 *
 * Return: 0, -EINVAL if not configured, misaligned or not fully mapped
 */
int vn_vq_map(struct vn_vq *vq, const struct vn_vu_mem *mem);

/**
 * vn_vq_unmap() - Forget the ring pointers (the memory may be unmapped next)
 * @vq:		queue
 */
void vn_vq_unmap(struct vn_vq *vq);

/**
 * vn_vq_set_base() - Where the driver's ring starts (SET_VRING_BASE)
 * @vq:		stopped queue, size set
 * @num:	split: the 16-bit index; packed: position in bits 0-14 and the
 *		wrap counter in bit 15 (the used half in bits 16-31 is QEMU's
 *		own copy: with every chain completed it is the same)
 *
 * Return: 0, -EINVAL if the value does not fit the ring
 */
int vn_vq_set_base(struct vn_vq *vq, uint32_t num);

/**
 * vn_vq_get_base() - The value for GET_VRING_BASE (the format of vn_vq_set_base(),
 *		      packed: with the used half)
 * @vq:		queue
 *
 * Return: the base
 */
uint32_t vn_vq_get_base(const struct vn_vq *vq);
/**
 * vn_vq_ready() - Whether the datapath may touch the queue
 * @vq:		queue
 *
 * Return: true if started, enabled, mapped and not broken
 */
static inline bool vn_vq_ready(const struct vn_vq *vq)
{
	return vq->started && vq->enabled && (vq->desc || vq->pdesc) && !vq->broken;
}

/**
 * vn_vq_efd_signal() - Add one to a front-end's eventfd without ever blocking
 * @fd:		call or error eventfd, or -1
 *
 * Does not trust O_NONBLOCK (the front-end shares the file description):
 * writes only when poll() with a zero timeout reports room in the counter,
 * and through vn_efd_guard_write(), which breaks off a write the front-end
 * made block by filling the counter after that poll().
 *
 * Return: VN_EFD_SENT if written; VN_EFD_FULL if the counter was full or
 * the fd not writable; VN_EFD_STUCK if the write blocked and was broken
 * off; VN_EFD_ERROR for -1 or a failed write
 */
enum vn_efd_result vn_vq_efd_signal(int fd);

/**
 * vn_vq_efd_consume() - Read and reset a front-end's eventfd without ever blocking
 * @fd:		kick eventfd, or -1
 *
 * preadv2(RWF_NOWAIT): returns at once whatever the file's flags say.
 *
 * Return: true if the counter was non-zero
 */
bool vn_vq_efd_consume(int fd);

/**
 * vn_vq_break() - Mark the queue broken after a protocol violation
 * @vq:		queue
 * @why:	what the driver got wrong (static string)
 */
void vn_vq_break(struct vn_vq *vq, const char *why);

/**
 * vn_vq_pop() - Take the next available chain
 * @vq:		ready queue
 * @mem:	guest memory
 * @c:		output chain
 *
 * Return: 0, -EAGAIN if the ring is empty, -EIO if the queue is (now) broken
 */
int vn_vq_pop(struct vn_vq *vq, const struct vn_vu_mem *mem, struct vn_vq_chain *c);

/**
 * vn_vq_tell() - Where the next chain will be taken from
 * @vq:		queue
 *
 * Return: the position, for vn_vq_seek()
 */
static inline struct vn_vq_pos vn_vq_tell(const struct vn_vq *vq)
{
	return (struct vn_vq_pos){ vq->last_avail, vq->avail_wrap };
}

/**
 * vn_vq_seek() - Give back the chains popped since vn_vq_tell() (none pushed)
 * @vq:		queue
 * @pos:	what vn_vq_tell() said
 */
static inline void vn_vq_seek(struct vn_vq *vq, struct vn_vq_pos pos)
{
	vq->last_avail = pos.idx;
	vq->avail_wrap = pos.wrap;
}

/* Packed: the used descriptor for one buffer (vq_packed.c) */
void vn_vq_packed_push(struct vn_vq *vq, uint16_t id, uint16_t ndesc, uint32_t len);

/**
 * vn_vq_push() - Complete a chain, in the order chains were popped (published
 *		  by vn_vq_flush(), for both formats)
 * @vq:		queue
 * @head:	chain head (packed: buffer id), as popped
 * @ndesc:	ring descriptors of the chain, as popped
 * @len:	bytes written into the chain (0 for device-readable chains)
 */
static inline void vn_vq_push(struct vn_vq *vq, uint16_t head, uint16_t ndesc, uint32_t len)
{
	struct vn_vring_used_elem *e;

	vq->stats.used++;
	if (vq->packed) {
		vn_vq_packed_push(vq, head, ndesc, len);
		return;
	}
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];

	e->id = htole32(head);
	e->len = htole32(len);
	vn_vq_log(vq, e, sizeof(*e));
	vq->used_idx++;
}

/**
 * vn_vq_flush() - Publish the used index and call the driver if it wants
 * @vq:		queue
 *
 * Once per burst.
 */
void vn_vq_flush(struct vn_vq *vq);

/**
 * vn_vq_notify_enable() - Ask the driver to kick on new buffers, then recheck
 * @vq:		ready queue
 *
 * Return: true if buffers arrived meanwhile (process again, no kick will come)
 */
bool vn_vq_notify_enable(struct vn_vq *vq);

/**
 * vn_vq_notify_disable() - Tell the driver kicks are not needed (we are busy)
 * @vq:		ready queue
 *
 * Without EVENT_IDX sets VRING_USED_F_NO_NOTIFY; with it, sets avail_event
 * one behind the last entry taken, an index the driver has already passed,
 * so it does not kick again. A hint only (§2.7.10): the driver may kick
 * anyway.
 */
void vn_vq_notify_disable(struct vn_vq *vq);

/**
 * vn_vq_kick_drain() - Consume a pending kick (non-blocking)
 * @vq:		queue
 */
void vn_vq_kick_drain(struct vn_vq *vq);

/**
 * vn_vq_kick_maybe() - Whether the driver may have kicked since the last drain
 * @vq:		queue
 *
 * Only if kicks were asked for since; with EVENT_IDX, only if the driver
 * has also published past the avail_event we gave it. So a device that
 * keeps finding the ring empty does not read the kick fd each time.
 * Stray kicks (a driver that kicks anyway) are not predicted: read the
 * fd now and then regardless.
 *
 * Return: true if vn_vq_kick_drain() may find a kick
 */
static inline bool vn_vq_kick_maybe(const struct vn_vq *vq)
{
	/* Packed: our event area says only ENABLE or DISABLE */
	if (vq->packed)
		return vq->armed && vq->pdesc;
	if (!vq->armed || !vq->avail)
		return false;
	if (!vq->event_idx)
		return true;
	return le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE)) != vq->armed_at;
}

/**
 * vn_vq_avail() - Chains available now, up to @max (0 when broken or not ready)
 * @vq:		queue
 * @max:	the caller wants no more than this
 *
 * Split: one read of the driver's index; packed: a look at up to @max
 * chains' worth of descriptors (each one flag word).
 *
 * Return: count; a split count larger than the ring breaks the queue and
 * returns 0
 */
uint16_t vn_vq_avail(struct vn_vq *vq, uint16_t max);

/**
 * vn_vq_avail_stamp() - What the driver last published (split: avail->idx;
 *			 packed: 0, the descriptors themselves say it)
 * @vq:		mapped queue
 *
 * Return: the stamp, equal as long as the driver added nothing (split)
 */
static inline uint16_t vn_vq_avail_stamp(const struct vn_vq *vq)
{
	if (vq->packed)
		return 0;
	return le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
}

/**
 * vn_vq_used_stamp() - The used index as guest memory holds it (split; packed: 0)
 * @vq:		mapped queue
 *
 * For the control path's checks at a ring's start and stop: equal to
 * @used_idx whenever every used entry was published.
 *
 * Return: used->idx
 */
static inline uint16_t vn_vq_used_stamp(const struct vn_vq *vq)
{
	if (vq->packed)
		return 0;
	return le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
}

#endif /* VN_VIRTIO_VQ_H */
