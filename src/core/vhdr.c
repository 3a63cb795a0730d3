// SPDX-License-Identifier: MIT
/* vhdr.c - virtio-net header: decode and encode (validation in vhdr_validate.c) */
#include <errno.h>
#include <string.h>

#include "vhdr.h"

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

int vn_vhdr_parse(struct vn_vhdr *vh, const void *buf, size_t len, size_t hdr_sz)
{
	const uint8_t *p = buf;

	memset(vh, 0, sizeof(*vh));
	if (hdr_sz != VN_VHDR_LEN && hdr_sz != VN_VHDR_MRG_LEN)
		return -EINVAL;
	/* Caller handed us fewer bytes than a header */
	if (len < hdr_sz)
		return -EMSGSIZE;

	vh->flags = p[0];
	vh->gso_type = p[1];
	vh->hdr_len = get_le16(p + 2);
	vh->gso_size = get_le16(p + 4);
	vh->csum_start = get_le16(p + 6);
	vh->csum_offset = get_le16(p + 8);
	if (hdr_sz == VN_VHDR_MRG_LEN)
		vh->num_buffers = get_le16(p + 10);
	return 0;
}

void vn_vhdr_build(const struct vn_vhdr *vh, void *buf, size_t hdr_sz)
{
	uint8_t *p = buf;

	memset(p, 0, hdr_sz);
	p[0] = vh->flags;
	p[1] = vh->gso_type;
	put_le16(p + 2, vh->hdr_len);
	put_le16(p + 4, vh->gso_size);
	put_le16(p + 6, vh->csum_start);
	put_le16(p + 8, vh->csum_offset);
	if (hdr_sz >= VN_VHDR_MRG_LEN)
		put_le16(p + 10, vh->num_buffers);
}
