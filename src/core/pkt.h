/* SPDX-License-Identifier: MIT */
/* pkt.h - packet buffer: one frame of up to 64 KiB plus headroom and offload metadata
 *
 * A buffer is VN_PKT_BUF_SIZE bytes from a pool (pool.h). The frame lives at
 * buf[off, off + len); off starts at VN_PKT_HEADROOM so a virtio-net header,
 * a VLAN tag or a tunnel encapsulation can be pushed in front without a copy.
 * The offload state is the decoded virtio-net header in @vh (see vhdr.h),
 * with one meaning everywhere.
 *
 * All reads of frame bytes go through vn_pkt_ptr(), which returns NULL when
 * the range does not fit the frame: outside core/, no raw arithmetic on
 * frame pointers.
 *
 * References: @refcnt is atomic so a flooded frame may be shared by several
 * destinations (and workers). A shared frame is read-only: a layer that
 * wants to modify it calls vn_pkt_unshare() first.
 */
#ifndef VN_CORE_PKT_H
#define VN_CORE_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "vhdr.h"

#define VN_PKT_BUF_SIZE		(68 * 1024)
#define VN_PKT_HEADROOM		256
/* Largest frame: 64 KiB IP datagram + Ethernet + two VLAN tags, with slack */
#define VN_PKT_FRAME_MAX	(65535 + 14 + 8)
#define VN_PKT_TAILROOM_MIN	(VN_PKT_BUF_SIZE - VN_PKT_HEADROOM - VN_PKT_FRAME_MAX)

struct vn_pool;

/**
 * struct vn_pkt - one frame and its metadata
 * @buf:	start of the buffer, VN_PKT_BUF_SIZE bytes
 * @off:	offset of the first frame byte in @buf
 * @len:	frame length in bytes (Ethernet header onwards, no vnet header)
 * @vh:		offload metadata (decoded virtio-net header)
 * @in_port:	id of the port the frame entered on
 * @vlan_tci:	VLAN tag the switch classified the frame into (0: untagged)
 * @refcnt:	references; the buffer returns to @pool when it drops to 0
 * @pool:	owning pool
 * @user:	scratch word for the layer that currently owns the frame
 */
struct vn_pkt {
	uint8_t *buf;
	uint32_t off;
	uint32_t len;
	struct vn_vhdr vh;
	uint16_t in_port;
	uint16_t vlan_tci;
	uint32_t refcnt;
	struct vn_pool *pool;
	uint64_t user;
};

/**
 * vn_pkt_data() - First byte of the frame
 * @pkt:	packet
 *
 * Return: pointer to the frame; valid for vn_pkt_len() bytes
 */
static inline uint8_t *vn_pkt_data(const struct vn_pkt *pkt)
{
	return pkt->buf + pkt->off;
}

static inline uint32_t vn_pkt_len(const struct vn_pkt *pkt)
{
	return pkt->len;
}

static inline uint32_t vn_pkt_headroom(const struct vn_pkt *pkt)
{
	return pkt->off;
}

static inline uint32_t vn_pkt_tailroom(const struct vn_pkt *pkt)
{
	return VN_PKT_BUF_SIZE - pkt->off - pkt->len;
}

/**
 * vn_pkt_ptr() - Bounded access to frame bytes
 * @pkt:	packet
 * @off:	offset from the start of the frame
 * @len:	bytes the caller will touch
 *
 * Return: pointer to frame byte @off, or NULL if [@off, @off + @len) is not
 *	   inside the frame
 */
static inline void *vn_pkt_ptr(const struct vn_pkt *pkt, size_t off, size_t len)
{
	/* Range starts past the end, or is longer than what is left */
	if (unlikely(off > pkt->len || pkt->len - off < len))
		return NULL;
	return pkt->buf + pkt->off + off;
}

/**
 * vn_pkt_reset() - Make an empty frame at the default headroom, no offloads
 * @pkt:	packet
 */
void vn_pkt_reset(struct vn_pkt *pkt);

/**
 * vn_pkt_push() - Grow the frame at the front (prepend a header)
 * @pkt:	packet
 * @n:		bytes to add
 *
 * Return: pointer to the new first byte, or NULL if the headroom is too small
 */
void *vn_pkt_push(struct vn_pkt *pkt, uint32_t n);

/**
 * vn_pkt_pull() - Shrink the frame at the front (strip a header)
 * @pkt:	packet
 * @n:		bytes to remove
 *
 * Return: pointer to the new first byte, or NULL if the frame is shorter
 */
void *vn_pkt_pull(struct vn_pkt *pkt, uint32_t n);

/**
 * vn_pkt_append() - Grow the frame at the end
 * @pkt:	packet
 * @n:		bytes to add
 *
 * Return: pointer to the first added byte, or NULL if the tailroom is too small
 */
void *vn_pkt_append(struct vn_pkt *pkt, uint32_t n);

/**
 * vn_pkt_trim() - Cut the frame to @len bytes
 * @pkt:	packet
 * @len:	new length, not more than the current one
 *
 * Return: 0, or -EINVAL if @len is longer than the frame
 */
int vn_pkt_trim(struct vn_pkt *pkt, uint32_t len);

/**
 * vn_pkt_set() - Replace the frame with a copy of @len bytes at @data
 * @pkt:	packet (reset first)
 * @data:	frame bytes
 * @len:	length
 *
 * Return: 0, or -EMSGSIZE if @len exceeds the room after the headroom
 */
int vn_pkt_set(struct vn_pkt *pkt, const void *data, uint32_t len);

/**
 * vn_pkt_get() - Take one more reference
 * @pkt:	packet
 */
static inline void vn_pkt_get(struct vn_pkt *pkt)
{
	__atomic_add_fetch(&pkt->refcnt, 1, __ATOMIC_RELAXED);
}

static inline bool vn_pkt_shared(const struct vn_pkt *pkt)
{
	return __atomic_load_n(&pkt->refcnt, __ATOMIC_ACQUIRE) > 1;
}

/**
 * vn_pkt_put() - Drop one reference; the last one returns the buffer
 * @pkt:	packet
 */
void vn_pkt_put(struct vn_pkt *pkt);

/**
 * vn_pkt_put_bulk() - Drop one reference on each of @n packets
 * @pkts:	packets
 * @n:		count
 *
 * Buffers whose last reference goes are returned to their pool in runs, one
 * pool lock per run of the same pool.
 */
void vn_pkt_put_bulk(struct vn_pkt **pkts, unsigned int n);

/**
 * vn_pkt_clone() - Copy a frame and its metadata into a fresh buffer
 * @pool:	pool to allocate from
 * @src:	packet to copy
 * @out:	the copy, with one reference
 *
 * Return: 0, or -ENOBUFS if @pool is empty
 */
int vn_pkt_clone(struct vn_pool *pool, const struct vn_pkt *src, struct vn_pkt **out);

/**
 * vn_pkt_unshare() - Make *@pktp writable: if shared, swap in a private copy
 * @pool:	pool for the copy
 * @pktp:	in: the packet; out: a packet the caller owns alone
 *
 * The caller's reference to the shared original is dropped on success.
 *
 * Return: 0, or -ENOBUFS (then *@pktp is unchanged)
 */
int vn_pkt_unshare(struct vn_pool *pool, struct vn_pkt **pktp);

#endif /* VN_CORE_PKT_H */
