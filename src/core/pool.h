/* SPDX-License-Identifier: MIT */
/* pool.h - fixed pools of packet buffers, handed out and taken back in bursts
 *
 * A pool is sized once, when its owner (a port, a worker) is set up: packets
 * never cause an allocation. Buffers are one anonymous mapping reserved with
 * MAP_NORESERVE, so a pool of 4096 64 KiB buffers costs memory only for the
 * buffers actually touched. The free list is guarded by one mutex taken once
 * per burst, never per packet.
 */
#ifndef VN_CORE_POOL_H
#define VN_CORE_POOL_H

#include <pthread.h>
#include <stdint.h>

#include "pkt.h"

/**
 * struct vn_pool - a pool of packet buffers
 * @lock:	guards @free and @nfree; taken once per bulk call
 * @free:	stack of free packets
 * @nfree:	entries in @free
 * @size:	packets in the pool
 * @pkts:	the packet descriptors
 * @mem:	the buffers, @size * VN_PKT_BUF_SIZE bytes
 * @alloc_fail:	packets asked for and not given (pool empty)
 * @name:	for logs and stats
 */
struct vn_pool {
	pthread_mutex_t lock;
	struct vn_pkt **free;
	uint32_t nfree;
	uint32_t size;
	struct vn_pkt *pkts;
	uint8_t *mem;
	uint64_t alloc_fail;
	char name[32];
};

/**
 * vn_pool_create() - Create a pool of @n buffers
 * @name:	name for logs
 * @n:		number of buffers, 1 to VN_POOL_MAX
 * @out:	the pool
 *
 * Return: 0, -EINVAL for a bad @n, -ENOMEM
 */
#define VN_POOL_MAX	(1u << 20)
int vn_pool_create(const char *name, uint32_t n, struct vn_pool **out);

/**
 * vn_pool_destroy() - Free a pool; every packet must have been returned
 * @pool:	pool, may be NULL
 */
void vn_pool_destroy(struct vn_pool *pool);

/**
 * vn_pool_alloc_bulk() - Take up to @n reset packets, each with one reference
 * @pool:	pool
 * @pkts:	output array
 * @n:		packets wanted
 *
 * Return: packets given, fewer than @n when the pool runs low
 */
unsigned int vn_pool_alloc_bulk(struct vn_pool *pool, struct vn_pkt **pkts, unsigned int n);

/**
 * vn_pool_alloc() - Take one reset packet
 * @pool:	pool
 *
 * Return: packet with one reference, or NULL if the pool is empty
 */
struct vn_pkt *vn_pool_alloc(struct vn_pool *pool);

/**
 * vn_pool_free_bulk() - Return packets whose references are gone
 * @pool:	the pool they all came from
 * @pkts:	packets
 * @n:		count
 */
void vn_pool_free_bulk(struct vn_pool *pool, struct vn_pkt **pkts, unsigned int n);

/**
 * vn_pool_avail() - Free packets right now (racy, for stats and tests)
 * @pool:	pool
 *
 * Return: number of free packets
 */
uint32_t vn_pool_avail(struct vn_pool *pool);

#endif /* VN_CORE_POOL_H */
