// SPDX-License-Identifier: MIT
/* pool.c - fixed pools of packet buffers with bulk alloc/free */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pool.h"

int vn_pool_create(const char *name, uint32_t n, struct vn_pool **out)
{
	struct vn_pool *pool;
	size_t bytes;
	uint32_t i;

	*out = NULL;
	if (n == 0 || n > VN_POOL_MAX)
		return -EINVAL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	pool->pkts = calloc(n, sizeof(*pool->pkts));
	pool->free = calloc(n, sizeof(*pool->free));
	bytes = (size_t)n * VN_PKT_BUF_SIZE;
	pool->mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!pool->pkts || !pool->free || pool->mem == MAP_FAILED) {
		if (pool->mem != MAP_FAILED)
			pool->mem = NULL;
		pool->size = n;
		vn_pool_destroy(pool);
		return -ENOMEM;
	}
	snprintf(pool->name, sizeof(pool->name), "%s", name ? name : "pool");
	pool->size = n;
	for (i = 0; i < n; i++) {
		struct vn_pkt *pkt = &pool->pkts[i];

		pkt->buf = pool->mem + (size_t)i * VN_PKT_BUF_SIZE;
		pkt->pool = pool;
		/* LIFO: the most recently freed (cache-warm) buffer goes out first */
		pool->free[n - 1 - i] = pkt;
	}
	pool->nfree = n;
	*out = pool;
	return 0;
}

void vn_pool_destroy(struct vn_pool *pool)
{
	if (!pool)
		return;
	if (pool->mem)
		munmap(pool->mem, (size_t)pool->size * VN_PKT_BUF_SIZE);
	pthread_mutex_destroy(&pool->lock);
	free(pool->free);
	free(pool->pkts);
	free(pool);
}

unsigned int vn_pool_alloc_bulk(struct vn_pool *pool, struct vn_pkt **pkts, unsigned int n)
{
	unsigned int i, got;

	pthread_mutex_lock(&pool->lock);
	got = VN_MIN(n, pool->nfree);
	pool->nfree -= got;
	memcpy(pkts, &pool->free[pool->nfree], got * sizeof(*pkts));
	pool->alloc_fail += n - got;
	pthread_mutex_unlock(&pool->lock);

	for (i = 0; i < got; i++) {
		vn_pkt_reset(pkts[i]);
		pkts[i]->refcnt = 1;
	}
	return got;
}

struct vn_pkt *vn_pool_alloc(struct vn_pool *pool)
{
	struct vn_pkt *pkt;

	return vn_pool_alloc_bulk(pool, &pkt, 1) ? pkt : NULL;
}

void vn_pool_free_bulk(struct vn_pool *pool, struct vn_pkt **pkts, unsigned int n)
{
	pthread_mutex_lock(&pool->lock);
	/* More frees than the pool holds: a double free in our own code */
	VN_ASSERT(n <= pool->size - pool->nfree);
	memcpy(&pool->free[pool->nfree], pkts, n * sizeof(*pkts));
	pool->nfree += n;
	pthread_mutex_unlock(&pool->lock);
}

uint32_t vn_pool_avail(struct vn_pool *pool)
{
	return __atomic_load_n(&pool->nfree, __ATOMIC_RELAXED);
}
