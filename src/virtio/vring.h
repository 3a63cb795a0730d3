/* SPDX-License-Identifier: MIT */
/* vring.h - the split (virtio 1.2, §2.7) and packed (§2.8) virtqueue wire formats
 *
 * Three areas in guest memory, all little-endian:
 *  - the descriptor table: size entries of struct vn_vring_desc (16 bytes);
 *  - the available ring (driver -> device): flags, idx, ring[size], and with
 *    EVENT_IDX a trailing used_event;
 *  - the used ring (device -> driver): flags, idx, ring[size] of
 *    struct vn_vring_used_elem, and with EVENT_IDX a trailing avail_event.
 * A packed ring is one area of size descriptors (struct vn_vring_packed_desc)
 * that both sides write: the driver makes a descriptor available by giving
 * its AVAIL and USED flag bits the values (w, !w), where w is the driver's
 * wrap counter (1 at start, flipped at each pass over the end of the ring);
 * the device marks a buffer used by writing one descriptor at its own next
 * position with both bits equal to its wrap counter. Two 4-byte event
 * suppression areas, one per side, replace the split ring's flags and
 * event indexes.
 * Everything here is shared with the guest: read each field once into a
 * local, then validate the copy.
 */
#ifndef VN_VIRTIO_VRING_H
#define VN_VIRTIO_VRING_H

#include <stdint.h>

#define VN_VRING_DESC_F_NEXT		1	/* chain continues at @next */
#define VN_VRING_DESC_F_WRITE		2	/* device-writable buffer */
#define VN_VRING_DESC_F_INDIRECT	4	/* buffer is a descriptor table */

#define VN_VRING_AVAIL_F_NO_INTERRUPT	1	/* driver: no call needed */
#define VN_VRING_USED_F_NO_NOTIFY	1	/* device: no kick needed */

/* Ring feature bits (virtio 1.2, §6) */
#define VN_VIRTIO_F_INDIRECT_DESC	28
#define VN_VIRTIO_F_EVENT_IDX		29
#define VN_VIRTIO_F_VERSION_1		32
#define VN_VIRTIO_F_ANY_LAYOUT		27
#define VN_VIRTIO_F_NOTIFY_ON_EMPTY	24
#define VN_VIRTIO_F_RING_PACKED		34

/* Packed descriptor flags beyond NEXT, WRITE and INDIRECT (§2.8.1) */
#define VN_VRING_PACKED_F_AVAIL		(1u << 7)
#define VN_VRING_PACKED_F_USED		(1u << 15)

/* Event suppression flags (§2.8.10) and the wrap bit of off_wrap */
#define VN_VRING_PACKED_EV_ENABLE	0	/* notify on every buffer */
#define VN_VRING_PACKED_EV_DISABLE	1	/* do not notify */
#define VN_VRING_PACKED_EV_DESC		2	/* notify at off_wrap (EVENT_IDX) */
#define VN_VRING_PACKED_EV_WRAP		(1u << 15)

/* Largest split queue (§2.7: Queue Size is at most 32768) */
#define VN_VRING_SIZE_MAX		32768

/**
 * struct vn_vring_desc - one descriptor
 * @addr:	guest-physical address of the buffer
 * @len:	buffer length in bytes
 * @flags:	VN_VRING_DESC_F_* bits
 * @next:	next descriptor in the chain when NEXT is set
 */
struct vn_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/**
 * struct vn_vring_avail - the driver's ring of chain heads
 * @flags:	VN_VRING_AVAIL_F_*
 * @idx:	free-running count of heads the driver made available
 * @ring:	heads; followed by used_event (uint16_t) with EVENT_IDX
 */
struct vn_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/**
 * struct vn_vring_used_elem - one completed chain
 * @id:		head index of the chain
 * @len:	bytes the device wrote into it
 */
struct vn_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

/**
 * struct vn_vring_used - the device's ring of completed chains
 * @flags:	VN_VRING_USED_F_*
 * @idx:	free-running count of completed chains
 * @ring:	completions; followed by avail_event (uint16_t) with EVENT_IDX
 */
struct vn_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vn_vring_used_elem ring[];
};

/**
 * struct vn_vring_packed_desc - one packed-ring descriptor (§2.8.13)
 * @addr:	guest-physical address of the buffer (or indirect table)
 * @len:	buffer length; in a used descriptor, bytes the device wrote
 * @id:		buffer id: the driver's, echoed back by the device
 * @flags:	VN_VRING_DESC_F_* and VN_VRING_PACKED_F_* bits
 */
struct vn_vring_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

/**
 * struct vn_vring_packed_event - an event suppression area (§2.8.10)
 * @off_wrap:	with EV_DESC: ring position (bits 0-14) and wrap counter
 *		(bit 15) of the descriptor that should trigger a notification
 * @flags:	VN_VRING_PACKED_EV_*
 */
struct vn_vring_packed_event {
	uint16_t off_wrap;
	uint16_t flags;
};

_Static_assert(sizeof(struct vn_vring_packed_desc) == 16, "packed descriptor is 16 bytes");
_Static_assert(sizeof(struct vn_vring_desc) == 16, "descriptor is 16 bytes");
_Static_assert(sizeof(struct vn_vring_used_elem) == 8, "used element is 8 bytes");

/* Bytes of each area for a ring of @n entries, event fields included */
static inline uint64_t vn_vring_desc_bytes(uint32_t n)
{
	return 16ull * n;
}

static inline uint64_t vn_vring_avail_bytes(uint32_t n)
{
	return 4 + 2ull * n + 2;
}

static inline uint64_t vn_vring_used_bytes(uint32_t n)
{
	return 4 + 8ull * n + 2;
}

/**
 * vn_vring_need_event() - Whether moving an index from @old to @new crossed
 *			   the other side's event index (§2.7.10)
 * @event:	the other side's used_event / avail_event
 * @new:	index after the update
 * @old:	index before the update
 *
 * Return: non-zero if a notification is due
 */
static inline int vn_vring_need_event(uint16_t event, uint16_t new, uint16_t old)
{
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

#endif /* VN_VIRTIO_VRING_H */
