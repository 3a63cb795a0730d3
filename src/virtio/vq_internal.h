/* SPDX-License-Identifier: MIT */
/* vq_internal.h - what the split (vq.c) and packed (vq_packed.c) rings share
 *
 * Both walks end in the same place: a buffer the driver described is
 * turned into bounded host segments by vn_vq_seg(), which makes every
 * check on the buffer itself (overflow, byte cap, outside guest memory,
 * too many segments, empty descriptors), so the two formats cannot drift
 * apart on what a chain may be.
 */
#ifndef VN_VIRTIO_VQ_INTERNAL_H
#define VN_VIRTIO_VQ_INTERNAL_H

#include <stdint.h>

#include "mem.h"
#include "vq.h"

/**
 * vn_vq_seg() - Append one described buffer to a chain
 * @mem:	guest memory
 * @c:		chain being built
 * @addr:	guest-physical address
 * @len:	bytes (0: an empty descriptor)
 * @empty:	empty descriptors seen so far in this chain (updated)
 *
 * Empty descriptors give nothing and cost a walk: they count as segments,
 * so no chain walks more than ~VN_VQ_IOV_MAX descriptors.
 *
 * Return: NULL, or what the driver got wrong (static string)
 */
const char *vn_vq_seg(const struct vn_vu_mem *mem, struct vn_vq_chain *c, uint64_t addr,
		      uint32_t len, uint32_t *empty);

/**
 * vn_vq_indirect() - Check an indirect descriptor and find its table
 * @vq:		queue
 * @mem:	guest memory
 * @addr:	the descriptor's address
 * @len:	its length
 * @flags:	its flags
 * @tbl:	out: the table (16-byte entries in both formats)
 * @n:		out: its entries
 *
 * Return: NULL, or what the driver got wrong (static string)
 */
const char *vn_vq_indirect(const struct vn_vq *vq, const struct vn_vu_mem *mem, uint64_t addr,
			   uint32_t len, uint16_t flags, const void **tbl, uint32_t *n);

/* Packed ring (vq_packed.c), called by the functions of vq.h */
int vn_vq_packed_pop(struct vn_vq *vq, const struct vn_vu_mem *mem, struct vn_vq_chain *c);
uint16_t vn_vq_packed_avail(struct vn_vq *vq, uint16_t max);
void vn_vq_packed_publish(struct vn_vq *vq);
bool vn_vq_packed_need_call(struct vn_vq *vq);
void vn_vq_packed_notify(struct vn_vq *vq, bool on);

#endif /* VN_VIRTIO_VQ_INTERNAL_H */
