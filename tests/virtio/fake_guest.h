/* SPDX-License-Identifier: MIT */
/* fake_guest.h - a queue over "guest memory" made of two heap blocks, for test_vq*.c
 *
 * Region 0 is guest-physical [0, @reg), region 1 [@reg, 2 * @reg), adjacent
 * in the guest but not in our address space, so buffers can span a region
 * boundary. The queue's areas are at gpa 0 (descriptors), 0x1000 (split:
 * available ring; packed: the driver's event area) and 0x2000 (used ring;
 * the device's event area); the front-end's addresses are gpa + 0x100000.
 */
#ifndef VN_TESTS_FAKE_GUEST_H
#define VN_TESTS_FAKE_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/vq.h"

#define FAKE_GUEST_UVA	0x100000u

/* Fill @mem with two zeroed regions of @reg bytes and make @vq a started,
 * enabled queue of @qsize entries over them (indirect descriptors on);
 * returns vn_vq_map()'s result */
static inline int fake_guest_vq(struct vn_vu_mem *mem, uint8_t **r0, uint8_t **r1, uint64_t reg,
				struct vn_vq *vq, uint16_t qsize, bool device_writes, bool packed)
{
	int ret;

	*r0 = aligned_alloc(4096, reg);
	*r1 = aligned_alloc(4096, reg);
	memset(*r0, 0, reg);
	memset(*r1, 0, reg);
	mem->n = 2;
	mem->r[0] = (struct vn_vu_region){ 0, reg, FAKE_GUEST_UVA, *r0, NULL, 0 };
	mem->r[1] = (struct vn_vu_region){ reg, reg, FAKE_GUEST_UVA + reg, *r1, NULL, 0 };
	vn_vq_init(vq, 1, device_writes);
	vq->packed = packed;
	vq->size = qsize;
	vq->desc_uva = FAKE_GUEST_UVA;
	vq->avail_uva = FAKE_GUEST_UVA + 0x1000;
	vq->used_uva = FAKE_GUEST_UVA + 0x2000;
	vq->indirect = true;
	ret = vn_vq_map(vq, mem);
	vq->started = vq->enabled = true;
	return ret;
}

#endif /* VN_TESTS_FAKE_GUEST_H */
