/* SPDX-License-Identifier: MIT */
/* dirty_log.h - the front-end's dirty page log, for live migration
 *
 * While QEMU migrates a guest it must know every page of guest RAM the
 * device wrote, because it copies RAM while the device keeps writing into
 * it. It hands over a bitmap in shared memory (SET_LOG_BASE, with
 * VHOST_USER_PROTOCOL_F_LOG_SHMFD), one bit per 4 KiB guest-physical page,
 * and turns logging on with VHOST_F_LOG_ALL. From then on every device
 * write into guest memory (frame data into receive buffers, used ring
 * entries and indexes, packed used descriptors, event areas) sets the bits
 * of the pages it touched, with an atomic OR: QEMU reads and clears the
 * bitmap concurrently.
 *
 * The bitmap is the front-end's memory. It must be a memfd sealed against
 * shrinking (QEMU's vhost log is), so it cannot be cut under us (a SIGBUS
 * would take vnetd down); a page past its end is not logged and is counted.
 */
#ifndef VN_VIRTIO_DIRTY_LOG_H
#define VN_VIRTIO_DIRTY_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"

#define VN_DLOG_PAGE_SHIFT	12		/* VHOST_LOG_PAGE: 4 KiB per bit */
#define VN_DLOG_SIZE_MAX	(VN_VU_MEM_SPAN_MAX >> VN_DLOG_PAGE_SHIFT >> 3)

/**
 * struct vn_dlog - a mapped dirty log
 * @bits:	the bitmap (NULL when none is mapped)
 * @size:	its bytes: pages [0, @size * 8) can be logged
 * @map:	what mmap returned
 * @map_len:	bytes mapped
 * @past_end:	writes to pages the bitmap does not cover (not logged)
 * @pages:	bits set (a page written twice counts twice)
 */
struct vn_dlog {
	uint8_t *bits;
	uint64_t size;
	void *map;
	size_t map_len;
	uint64_t past_end;
	uint64_t pages;
};

/**
 * vn_dlog_map() - Map the front-end's bitmap (SET_LOG_BASE)
 * @l:		log (unmapped first if mapped)
 * @fd:		memfd; kept by the caller
 * @size:	mmap_size, bytes of bitmap
 * @offset:	mmap_offset into @fd
 *
 * Return: 0; -EINVAL for a zero, oversized or overflowing range, or one
 *	   past the end of the file; -EPERM if the file can shrink (no
 *	   F_SEAL_SHRINK); or mmap's errno
 */
int vn_dlog_map(struct vn_dlog *l, int fd, uint64_t size, uint64_t offset);

/**
 * vn_dlog_unmap() - Drop the bitmap
 * @l:		log
 */
void vn_dlog_unmap(struct vn_dlog *l);

/**
 * vn_dlog_gpa() - Log a guest-physical range as written
 * @l:		mapped log
 * @gpa:	start
 * @len:	bytes (0: nothing)
 */
void vn_dlog_gpa(struct vn_dlog *l, uint64_t gpa, uint64_t len);

/**
 * vn_dlog_host() - Log a range of guest memory given by our own address
 * @l:		mapped log
 * @mem:	guest memory the range lies in
 * @p:		our pointer into a region
 * @len:	bytes (may span regions that are adjacent in our mappings)
 *
 * Pointers into no region are not logged (counted in @l->past_end).
 */
void vn_dlog_host(struct vn_dlog *l, const struct vn_vu_mem *mem, const void *p, size_t len);

#endif /* VN_VIRTIO_DIRTY_LOG_H */
