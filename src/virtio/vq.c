// SPDX-License-Identifier: MIT
/* vq.c - virtqueue, device side: the split ring's chain walk and used ring,
 *        notifications, and the entry points that pick split or packed
 *
 * The chain walk follows the checks DPDK's fill_vec_buf_split() makes, with
 * one difference: a violation breaks the queue (a real device would set
 * DEVICE_NEEDS_RESET) instead of only cutting the burst short.
 *
 * Eventfds never block us. The kick, call and error fds come from the
 * front-end, which shares their open file description and can clear
 * O_NONBLOCK on it whenever it likes, or leave a counter at its maximum.
 * So no file flag is trusted: kicks are read with preadv2(RWF_NOWAIT),
 * which eventfd honours whatever the file's flags; calls and errors are
 * written only when poll() with a zero timeout says the counter has room.
 * A full counter means the driver has a notification pending already, so
 * skipping the write loses nothing (counted: calls_skipped). A front-end
 * that fills the counter between that poll() and the write() would hold
 * the write; the write goes through efd_guard.c, whose watchdog breaks it
 * off within two ticks (VN_EFD_GUARD_TICK_MS). Such a front-end is
 * hostile: its queue is broken (calls_stuck) and is not signalled again
 * until the front-end resets it.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/compiler.h"
#include "core/log.h"
#include "efd_guard.h"
#include "vq.h"
#include "vq_internal.h"

#define VN_COUNTER_T struct vn_vq_stats
const struct vn_counter_desc vn_vq_counter_descs[VN_VQ_NCOUNTERS] = {
	VN_VQ_COUNTERS(VN_COUNTER_DESC_OF)
};
#undef VN_COUNTER_T

void vn_vq_init(struct vn_vq *vq, unsigned int index, bool device_writes)
{
	memset(vq, 0, sizeof(*vq));
	vq->index = index;
	vq->device_writes = device_writes;
	vq->kickfd = -1;
	vq->callfd = -1;
	vq->errfd = -1;
	vq->armed = true;	/* kicks are on until we first turn them off */
	vq->avail_wrap = true;	/* §2.8.1: both wrap counters start at 1 */
	vq->used_wrap = true;
}

static void *map_area(const struct vn_vu_mem *mem, uint64_t uva, uint64_t bytes,
		      uint64_t align)
{
	uint64_t len = bytes;
	void *p;

	/* Misaligned ring: the driver did not follow §2.7 */
	if (uva & (align - 1))
		return NULL;
	p = vn_vu_uva_to_va(mem, uva, &len);
	/* Ring outside guest memory, or running off the end of its region */
	if (!p || len < bytes)
		return NULL;
	return p;
}

void vn_vq_unmap(struct vn_vq *vq)
{
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->pdesc = NULL;
	vq->drv_ev = NULL;
	vq->dev_ev = NULL;
}

static int map_packed(struct vn_vq *vq, const struct vn_vu_mem *mem)
{
	/* A base set before a smaller size: positions must lie in the ring */
	if (vq->last_avail >= vq->size || vq->used_idx >= vq->size)
		return -EINVAL;
	vq->pdesc = map_area(mem, vq->desc_uva, 16ull * vq->size, 16);
	vq->drv_ev = map_area(mem, vq->avail_uva, sizeof(*vq->drv_ev), 4);
	vq->dev_ev = map_area(mem, vq->used_uva, sizeof(*vq->dev_ev), 4);
	if (!vq->pdesc || !vq->drv_ev || !vq->dev_ev) {
		vn_vq_unmap(vq);
		return -EINVAL;
	}
	return 0;
}

int vn_vq_map(struct vn_vq *vq, const struct vn_vu_mem *mem)
{
	vn_vq_unmap(vq);
	if (!vq->size || !vq->desc_uva || !vq->avail_uva || !vq->used_uva)
		return -EINVAL;
	if (vq->packed)
		return map_packed(vq, mem);
	vq->desc = map_area(mem, vq->desc_uva, vn_vring_desc_bytes(vq->size), 16);
	vq->avail = map_area(mem, vq->avail_uva, vn_vring_avail_bytes(vq->size), 2);
	vq->used = map_area(mem, vq->used_uva, vn_vring_used_bytes(vq->size), 4);
	if (!vq->desc || !vq->avail || !vq->used) {
		vn_vq_unmap(vq);
		return -EINVAL;
	}
	return 0;
}

int vn_vq_set_base(struct vn_vq *vq, uint32_t num)
{
	uint32_t pos = num & ~VN_VRING_PACKED_EV_WRAP & 0xffff;

	vq->pending = 0;
	vq->batch_open = false;
	if (!vq->packed) {
		/* Split-ring indices are 16 bits */
		if (num > 0xffff)
			return -EINVAL;
		vq->last_avail = vq->used_idx = vq->signalled = (uint16_t)num;
		return 0;
	}
	/* Position past the ring */
	if (pos >= vq->size)
		return -EINVAL;
	/* Every chain was completed when the ring stopped: used = avail */
	vq->last_avail = vq->used_idx = (uint16_t)pos;
	vq->avail_wrap = vq->used_wrap = num & VN_VRING_PACKED_EV_WRAP;
	return 0;
}

uint32_t vn_vq_get_base(const struct vn_vq *vq)
{
	uint32_t avail, used;

	if (!vq->packed)
		return vq->last_avail;
	avail = vq->last_avail | (vq->avail_wrap ? VN_VRING_PACKED_EV_WRAP : 0);
	used = vq->used_idx | (vq->used_wrap ? VN_VRING_PACKED_EV_WRAP : 0);
	return avail | used << 16;
}

enum vn_efd_result vn_vq_efd_signal(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (fd < 0)
		return VN_EFD_ERROR;
	/* Counter at its maximum (or not writable at all): write() would block */
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT))
		return VN_EFD_FULL;
	/* Filled since the poll(): the guard breaks the write off */
	return vn_efd_guard_write(fd);
}

bool vn_vq_efd_consume(int fd)
{
	uint64_t v;
	struct iovec io = { .iov_base = &v, .iov_len = sizeof(v) };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t r;

	if (fd < 0)
		return false;
	r = preadv2(fd, &io, 1, -1, RWF_NOWAIT);
	if (r == sizeof(v))
		return true;
	if (r >= 0 || errno != EOPNOTSUPP)
		return false;
	/* Kernel without NOWAIT reads on eventfds: poll first (narrower, not closed) */
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
		return false;
	return read(fd, &v, sizeof(v)) == sizeof(v);
}

void vn_vq_break(struct vn_vq *vq, const char *why)
{
	if (vq->broken)
		return;
	vq->broken = true;
	vq->why = why;
	vq->stats.broken++;
	vn_log_rl(VN_LOG_WARN, "%s: vq %u: broken: %s", vq->owner ? vq->owner : "-",
		  vq->index, why);
	/* Tell the front-end (QEMU logs "vhost vring error") */
	if (vq->errfd >= 0 && vn_vq_efd_signal(vq->errfd) != VN_EFD_SENT)
		vn_dbg("%s: vq %u: error eventfd not signalled (full or failed)",
		       vq->owner ? vq->owner : "-", vq->index);
}

uint16_t vn_vq_avail(struct vn_vq *vq, uint16_t max)
{
	uint16_t idx, n;

	if (!vn_vq_ready(vq))
		return 0;
	if (vq->packed)
		return vn_vq_packed_avail(vq, max);
	idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	n = (uint16_t)(idx - vq->last_avail);
	/* Driver claims more new entries than the ring holds */
	if (unlikely(n > vq->size)) {
		vn_vq_break(vq, "available index moved past the ring size");
		return 0;
	}
	return VN_MIN(n, max);
}

/* Read one descriptor from a table into a local: the guest may change it */
static inline void desc_read(const struct vn_vring_desc *tbl, uint32_t i, struct vn_vring_desc *d)
{
	memcpy(d, &tbl[i], sizeof(*d));
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

/* Append [addr, addr + len) as host segments; NULL on success, else the lie */
static const char *chain_add(const struct vn_vu_mem *mem, struct vn_vq_chain *c,
			     uint64_t addr, uint32_t len)
{
	/* Buffer wraps the guest-physical address space */
	if (addr + len < addr)
		return "buffer address + length overflows";
	/* Chain adds up to more than any frame could need */
	if (len > VN_VQ_CHAIN_BYTES_MAX - c->len)
		return "chain longer than the byte cap";
	while (len) {
		uint64_t seg = len;
		void *p = vn_vu_gpa_to_va(mem, addr, &seg);

		/* Buffer (or its tail) outside guest memory */
		if (!p)
			return "buffer outside guest memory";
		/* More host segments than the bounded iovec holds */
		if (c->niov == VN_VQ_IOV_MAX)
			return "chain has too many segments";
		c->iov[c->niov].iov_base = p;
		c->iov[c->niov].iov_len = seg;
		c->niov++;
		c->len += seg;
		addr += seg;
		len -= seg;
	}
	return NULL;
}

const char *vn_vq_seg(const struct vn_vu_mem *mem, struct vn_vq_chain *c, uint64_t addr,
		      uint32_t len, uint32_t *empty)
{
	if (len)
		return chain_add(mem, c, addr, len);
	/* Empty descriptors cost a walk and give nothing: they count as
	 * segments, so no chain walks more than ~VN_VQ_IOV_MAX */
	if (++*empty + c->niov > VN_VQ_IOV_MAX)
		return "chain has too many segments (empty descriptors)";
	return NULL;
}

const char *vn_vq_indirect(const struct vn_vq *vq, const struct vn_vu_mem *mem, uint64_t addr,
			   uint32_t len, uint16_t flags, const void **tbl, uint32_t *n)
{
	uint64_t got = len;
	void *p;

	if (!vq->indirect)
		return "indirect descriptor without INDIRECT_DESC";
	/* §2.7.5.3.1, §2.8.19: INDIRECT and NEXT are exclusive */
	if (flags & VN_VRING_DESC_F_NEXT)
		return "indirect descriptor with NEXT";
	/* Table size not a whole number of descriptors, or empty (both formats: 16 bytes) */
	if (len == 0 || len % sizeof(struct vn_vring_desc))
		return "indirect table size not a multiple of 16";
	/* Table bigger than the ring: no valid chain needs it */
	if (len / sizeof(struct vn_vring_desc) > vq->size)
		return "indirect table bigger than the ring";
	/* Misaligned table */
	if (addr & 0xf)
		return "indirect table misaligned";
	p = vn_vu_gpa_to_va(mem, addr, &got);
	/* Table outside guest memory, or split over two regions */
	if (!p || got < len)
		return "indirect table outside guest memory";
	*tbl = p;
	*n = len / sizeof(struct vn_vring_desc);
	return NULL;
}

/* The walk itself; NULL on success, else what the driver got wrong */
static const char *walk(const struct vn_vq *vq, const struct vn_vu_mem *mem, uint16_t head,
			struct vn_vq_chain *c)
{
	const struct vn_vring_desc *tbl = vq->desc;
	uint32_t tbl_size = vq->size, idx = head, hops = 0, empty = 0;
	bool in_indirect = false;
	struct vn_vring_desc d;
	const char *err;

	/* Head index outside the descriptor table */
	if (head >= vq->size)
		return "head index past the ring";
	for (;;) {
		/* §2.7.4.1: a chain is never longer than the queue: a loop */
		if (++hops > vq->size)
			return "chain longer than the ring (loop)";
		desc_read(tbl, idx, &d);
		if (d.flags & VN_VRING_DESC_F_INDIRECT) {
			/* §2.7.5.3.1: no indirect inside an indirect table */
			if (in_indirect)
				return "nested indirect table";
			/* Only the head may point to a table (as the Linux driver,
			 * QEMU and DPDK have it): a mid-chain one would double the
			 * walk, since the table's own hops start again from zero */
			if (hops != 1)
				return "indirect descriptor not at the head of the chain";
			err = vn_vq_indirect(vq, mem, d.addr, d.len, d.flags,
					     (const void **)&tbl, &tbl_size);
			if (err)
				return err;
			in_indirect = true;
			idx = 0;
			hops = 0;
			continue;
		}
		/* Receive queues take writable buffers only, transmit readable */
		if (!!(d.flags & VN_VRING_DESC_F_WRITE) != vq->device_writes)
			return "descriptor direction wrong for the queue";
		err = vn_vq_seg(mem, c, d.addr, d.len, &empty);
		if (err)
			return err;
		if (!(d.flags & VN_VRING_DESC_F_NEXT))
			return NULL;
		idx = d.next;
		/* Next index outside the table it lives in */
		if (idx >= tbl_size)
			return "next index past the table";
	}
}

int vn_vq_pop(struct vn_vq *vq, const struct vn_vu_mem *mem, struct vn_vq_chain *c)
{
	const char *err;
	uint16_t head;

	if (unlikely(vq->broken))
		return -EIO;
	if (vq->packed)
		return vn_vq_packed_pop(vq, mem, c);
	if (vn_vq_avail(vq, 1) == 0)
		return vq->broken ? -EIO : -EAGAIN;
	head = le16toh(__atomic_load_n(&vq->avail->ring[vq->last_avail & (vq->size - 1)],
				       __ATOMIC_RELAXED));
	c->head = head;
	c->ndesc = 1;
	c->niov = 0;
	c->len = 0;
	err = walk(vq, mem, head, c);
	if (unlikely(err)) {
		vn_vq_break(vq, err);
		return -EIO;
	}
	vq->last_avail++;
	vq->stats.chains++;
	return 0;
}

/* Split: publish the used index; whether the driver wants a call for it */
static bool split_need_call(struct vn_vq *vq, uint16_t old, uint16_t now)
{
	bool need;

	__atomic_store_n(&vq->used->idx, htole16(now), __ATOMIC_RELEASE);
	vn_vq_log(vq, &vq->used->idx, sizeof(vq->used->idx));
	/* Order the index store before reading the driver's suppression state */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		uint16_t ev = le16toh(__atomic_load_n(&vq->avail->ring[vq->size], __ATOMIC_RELAXED));

		need = vn_vring_need_event(ev, now, old);
	} else {
		need = !(le16toh(__atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED)) &
			 VN_VRING_AVAIL_F_NO_INTERRUPT);
	}
	vq->signalled = now;
	return need;
}

static void call(struct vn_vq *vq)
{
	if (vq->callfd < 0)
		return;
	switch (vn_vq_efd_signal(vq->callfd)) {
	case VN_EFD_SENT:
		vq->stats.calls++;
		break;
	case VN_EFD_STUCK:
		/* Only a front-end racing us to fill its own counter gets here */
		vq->stats.calls_stuck++;
		vn_vq_break(vq, "call eventfd write blocked (front-end filled the counter)");
		break;
	default:
		vq->stats.calls_skipped++;
		break;
	}
}

void vn_vq_flush(struct vn_vq *vq)
{
	uint16_t old = vq->signalled, now = vq->used_idx;
	bool need;

	if (vq->packed) {
		if (!vq->pdesc || !vq->pending)
			return;
		vn_vq_packed_publish(vq);
		/* Order the used writes before reading the driver's event area */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		need = vn_vq_packed_need_call(vq);
	} else if (!vq->used || old == now) {
		return;
	} else {
		need = split_need_call(vq, old, now);
	}
	if (!need) {
		vq->stats.calls_suppressed++;
		return;
	}
	call(vq);
}

bool vn_vq_notify_enable(struct vn_vq *vq)
{
	uint16_t *avail_event;

	if (!vn_vq_ready(vq))
		return false;
	if (vq->packed) {
		vn_vq_packed_notify(vq, true);
	} else if (vq->event_idx) {
		avail_event = (uint16_t *)&vq->used->ring[vq->size];
		__atomic_store_n(avail_event, htole16(vq->last_avail), __ATOMIC_RELAXED);
		vn_vq_log(vq, avail_event, sizeof(*avail_event));
	} else if (vq->notify_off) {
		__atomic_store_n(&vq->used->flags, 0, __ATOMIC_RELAXED);
		vn_vq_log(vq, &vq->used->flags, sizeof(vq->used->flags));
	}
	vq->notify_off = false;
	/* Publish before re-reading avail->idx: else a kick can be lost */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->armed = true;
	vq->armed_at = vq->last_avail;
	return vn_vq_avail(vq, 1) != 0;
}

void vn_vq_notify_disable(struct vn_vq *vq)
{
	uint16_t *avail_event;

	if (!vn_vq_ready(vq) || vq->notify_off)
		return;
	if (vq->packed) {
		vn_vq_packed_notify(vq, false);
	} else if (vq->event_idx) {
		/* One behind what we consumed: the driver's index is never behind
		 * last_avail, so it never crosses this (until 2^16 entries later) */
		avail_event = (uint16_t *)&vq->used->ring[vq->size];
		__atomic_store_n(avail_event, htole16((uint16_t)(vq->last_avail - 1)),
				 __ATOMIC_RELAXED);
		vn_vq_log(vq, avail_event, sizeof(*avail_event));
	} else {
		__atomic_store_n(&vq->used->flags, htole16(VN_VRING_USED_F_NO_NOTIFY),
				 __ATOMIC_RELAXED);
		vn_vq_log(vq, &vq->used->flags, sizeof(vq->used->flags));
	}
	vq->notify_off = true;
}

void vn_vq_kick_drain(struct vn_vq *vq)
{
	vq->armed = false;
	if (vn_vq_efd_consume(vq->kickfd))
		vq->stats.kicks++;
}
