// SPDX-License-Identifier: MIT
/* vq_packed.c - packed virtqueue (virtio 1.2, §2.8), device side
 *
 * One ring of descriptors that driver and device both write. The driver
 * makes a buffer available by writing its descriptors, the head's flags
 * last, with AVAIL = its wrap counter and USED = the opposite; we take
 * buffers in ring order, and mark each one used by writing one descriptor
 * (buffer id, length, AVAIL = USED = our wrap counter) at our own next
 * position, then moving on by as many descriptors as the buffer took.
 * Since chains are completed in the order they were taken, that position
 * is always the first descriptor of the oldest chain not yet completed:
 * a used write never lands on a descriptor we have not read. A burst's used
 * descriptors are written as they complete, except the flags of the first,
 * which vn_vq_flush() writes last: the driver reads used descriptors in
 * ring order, so it sees the whole burst at once, and does not pull the
 * cache lines we are still writing back and forth while it polls.
 *
 * The checks are the split ring's (vq.c), plus the ones the format adds:
 * every descriptor of a chain must be available with the wrap counter in
 * force where it lies (a chain may cross the end of the ring), an
 * indirect descriptor stands alone, and NEXT inside an indirect table
 * means nothing (§2.8.19: the table is read in order, to its end).
 *
 * Notifications: the driver's event area says ENABLE, DISABLE or, with
 * EVENT_IDX, DESC and the ring position (and wrap) whose used write it
 * wants to hear about. Ours says only ENABLE or DISABLE.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "core/compiler.h"
#include "vq_internal.h"

/* Flags that make a descriptor available to us when the driver's counter is @wrap */
static inline bool is_avail(uint16_t flags, bool wrap)
{
	return !!(flags & VN_VRING_PACKED_F_AVAIL) == wrap &&
	       !!(flags & VN_VRING_PACKED_F_USED) != wrap;
}

static inline uint16_t flags_load(const struct vn_vring_packed_desc *d)
{
	return le16toh(__atomic_load_n(&d->flags, __ATOMIC_ACQUIRE));
}

/* Ring descriptor into a local: the flags first (acquire), then what they publish */
static inline void ring_read(const struct vn_vring_packed_desc *d, struct vn_vring_packed_desc *out)
{
	out->flags = flags_load(d);
	out->addr = le64toh(d->addr);
	out->len = le32toh(d->len);
	out->id = le16toh(d->id);
}

/* The buffer an indirect descriptor points to; NULL on success, else the lie */
static const char *walk_indirect(const struct vn_vq *vq, const struct vn_vu_mem *mem,
				 const struct vn_vring_packed_desc *d, struct vn_vq_chain *c)
{
	const struct vn_vring_packed_desc *tbl;
	struct vn_vring_packed_desc e;
	uint32_t n, i, empty = 0;
	const char *err;

	/* An indirect descriptor is the whole buffer (§2.8.19): no NEXT */
	err = vn_vq_indirect(vq, mem, d->addr, d->len, d->flags, (const void **)&tbl, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		memcpy(&e, &tbl[i], sizeof(e));
		e.addr = le64toh(e.addr);
		e.len = le32toh(e.len);
		e.flags = le16toh(e.flags);
		/* §2.8.19: no indirect inside an indirect table */
		if (e.flags & VN_VRING_DESC_F_INDIRECT)
			return "nested indirect table";
		/* Receive queues take writable buffers only, transmit readable */
		if (!!(e.flags & VN_VRING_DESC_F_WRITE) != vq->device_writes)
			return "descriptor direction wrong for the queue";
		err = vn_vq_seg(mem, c, e.addr, e.len, &empty);
		if (err)
			return err;
	}
	return NULL;
}

int vn_vq_packed_pop(struct vn_vq *vq, const struct vn_vu_mem *mem, struct vn_vq_chain *c)
{
	struct vn_vring_packed_desc d;
	uint16_t pos = vq->last_avail, ndesc = 0;
	uint32_t empty = 0;
	bool wrap = vq->avail_wrap;
	const char *err;

	if (unlikely(vq->broken))
		return -EIO;
	c->niov = 0;
	c->len = 0;
	for (;;) {
		ring_read(&vq->pdesc[pos], &d);
		if (!is_avail(d.flags, wrap)) {
			if (ndesc == 0)
				return -EAGAIN;
			/* The head was published, so its whole chain must be */
			err = "chain runs into a descriptor that is not available";
			break;
		}
		/* A chain as long as the ring would meet its own head: a lie */
		if (++ndesc > vq->size) {
			err = "chain longer than the ring";
			break;
		}
		if (++pos == vq->size) {
			pos = 0;
			wrap = !wrap;
		}
		if (d.flags & VN_VRING_DESC_F_INDIRECT) {
			/* An indirect descriptor is a buffer on its own, never a link */
			err = ndesc == 1 ? walk_indirect(vq, mem, &d, c) :
					   "indirect descriptor not at the head of the chain";
			break;
		}
		/* Receive queues take writable buffers only, transmit readable */
		if (!!(d.flags & VN_VRING_DESC_F_WRITE) != vq->device_writes) {
			err = "descriptor direction wrong for the queue";
			break;
		}
		err = vn_vq_seg(mem, c, d.addr, d.len, &empty);
		if (err || !(d.flags & VN_VRING_DESC_F_NEXT))
			break;
	}
	if (unlikely(err)) {
		vn_vq_break(vq, err);
		return -EIO;
	}
	/* §2.8.6: the buffer id is the last descriptor's */
	c->head = d.id;
	c->ndesc = ndesc;
	vq->last_avail = pos;
	vq->avail_wrap = wrap;
	vq->stats.chains++;
	return 0;
}

uint16_t vn_vq_packed_avail(struct vn_vq *vq, uint16_t max)
{
	uint16_t pos = vq->last_avail, n = 0, seen = 0, f;
	bool wrap = vq->avail_wrap;

	/* Each chain ends in a descriptor without NEXT; never look past one ring */
	while (n < max && seen < vq->size) {
		f = flags_load(&vq->pdesc[pos]);
		if (!is_avail(f, wrap))
			break;
		if (!(f & VN_VRING_DESC_F_NEXT))
			n++;
		seen++;
		if (++pos == vq->size) {
			pos = 0;
			wrap = !wrap;
		}
	}
	return n;
}

void vn_vq_packed_push(struct vn_vq *vq, uint16_t id, uint16_t ndesc, uint32_t len)
{
	struct vn_vring_packed_desc *d = &vq->pdesc[vq->used_idx];
	uint16_t flags = vq->used_wrap ? VN_VRING_PACKED_F_AVAIL | VN_VRING_PACKED_F_USED : 0;

	d->id = htole16(id);
	d->len = htole32(len);
	if (!vq->batch_open) {
		/* The burst's first: its flags publish the burst (vn_vq_packed_publish()) */
		vq->batch_open = true;
		vq->batch_pos = vq->used_idx;
		vq->batch_flags = flags;
	} else {
		__atomic_store_n(&d->flags, htole16(flags), __ATOMIC_RELAXED);
	}
	vn_vq_log(vq, d, sizeof(*d));
	/* ndesc <= size (vn_vq_packed_pop() saw to it): one wrap at most */
	vq->used_idx += ndesc;
	if (vq->used_idx >= vq->size) {
		vq->used_idx -= vq->size;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->pending = (uint16_t)VN_MIN((uint32_t)vq->pending + ndesc, UINT16_MAX);
}

void vn_vq_packed_publish(struct vn_vq *vq)
{
	if (!vq->batch_open)
		return;
	vq->batch_open = false;
	/* Release: every used descriptor of the burst before the first's flags */
	__atomic_store_n(&vq->pdesc[vq->batch_pos].flags, htole16(vq->batch_flags),
			 __ATOMIC_RELEASE);
	vn_vq_log(vq, &vq->pdesc[vq->batch_pos].flags, sizeof(uint16_t));
}

/* A ring position and wrap counter as one count modulo twice the ring */
static inline uint32_t ext_pos(const struct vn_vq *vq, uint32_t pos, bool wrap)
{
	return wrap ? pos : pos + vq->size;
}

bool vn_vq_packed_need_call(struct vn_vq *vq)
{
	uint32_t m = 2u * vq->size, pend = vq->pending, now, ev;
	uint16_t flags, off_wrap;

	vq->pending = 0;
	flags = le16toh(__atomic_load_n(&vq->drv_ev->flags, __ATOMIC_RELAXED));
	if (flags == VN_VRING_PACKED_EV_DISABLE)
		return false;
	/* ENABLE, or DESC without EVENT_IDX (which the driver may not use), or junk */
	if (flags != VN_VRING_PACKED_EV_DESC || !vq->event_idx || pend >= m)
		return true;
	off_wrap = le16toh(__atomic_load_n(&vq->drv_ev->off_wrap, __ATOMIC_RELAXED));
	/* A position past the ring: the driver asked for nothing we can match */
	if ((off_wrap & ~VN_VRING_PACKED_EV_WRAP) >= vq->size)
		return true;
	ev = ext_pos(vq, off_wrap & ~VN_VRING_PACKED_EV_WRAP, off_wrap & VN_VRING_PACKED_EV_WRAP);
	now = ext_pos(vq, vq->used_idx, vq->used_wrap);
	/* Did this burst's used writes, [now - pend, now), cover ev? (§2.8.10.1) */
	return (now + m - ev - 1) % m < pend;
}

void vn_vq_packed_notify(struct vn_vq *vq, bool on)
{
	__atomic_store_n(&vq->dev_ev->flags,
			 htole16(on ? VN_VRING_PACKED_EV_ENABLE : VN_VRING_PACKED_EV_DISABLE),
			 __ATOMIC_RELAXED);
	vn_vq_log(vq, &vq->dev_ev->flags, sizeof(vq->dev_ev->flags));
}
