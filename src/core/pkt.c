// SPDX-License-Identifier: MIT
/* pkt.c - packet buffer: headroom, bounded growth, references, copies */
#include <errno.h>
#include <string.h>

#include "pkt.h"
#include "pool.h"

void vn_pkt_reset(struct vn_pkt *pkt)
{
	pkt->off = VN_PKT_HEADROOM;
	pkt->len = 0;
	memset(&pkt->vh, 0, sizeof(pkt->vh));
	pkt->in_port = 0;
	pkt->vlan_tci = 0;
	pkt->user = 0;
}

void *vn_pkt_push(struct vn_pkt *pkt, uint32_t n)
{
	/* Not enough headroom in front of the frame */
	if (unlikely(n > pkt->off))
		return NULL;
	pkt->off -= n;
	pkt->len += n;
	return vn_pkt_data(pkt);
}

void *vn_pkt_pull(struct vn_pkt *pkt, uint32_t n)
{
	/* Stripping more than the frame holds */
	if (unlikely(n > pkt->len))
		return NULL;
	pkt->off += n;
	pkt->len -= n;
	return vn_pkt_data(pkt);
}

void *vn_pkt_append(struct vn_pkt *pkt, uint32_t n)
{
	uint8_t *tail;

	/* Not enough room behind the frame */
	if (unlikely(n > vn_pkt_tailroom(pkt)))
		return NULL;
	tail = vn_pkt_data(pkt) + pkt->len;
	pkt->len += n;
	return tail;
}

int vn_pkt_trim(struct vn_pkt *pkt, uint32_t len)
{
	if (unlikely(len > pkt->len))
		return -EINVAL;
	pkt->len = len;
	return 0;
}

int vn_pkt_set(struct vn_pkt *pkt, const void *data, uint32_t len)
{
	vn_pkt_reset(pkt);
	/* Frame larger than the buffer past the headroom */
	if (unlikely(len > VN_PKT_BUF_SIZE - VN_PKT_HEADROOM))
		return -EMSGSIZE;
	memcpy(vn_pkt_data(pkt), data, len);
	pkt->len = len;
	return 0;
}

void vn_pkt_put(struct vn_pkt *pkt)
{
	vn_pkt_put_bulk(&pkt, 1);
}

void vn_pkt_put_bulk(struct vn_pkt **pkts, unsigned int n)
{
	struct vn_pkt *run[64];
	struct vn_pool *run_pool = NULL;
	unsigned int i, nrun = 0;

	for (i = 0; i < n; i++) {
		struct vn_pkt *pkt = pkts[i];

		VN_ASSERT(pkt->refcnt > 0);
		if (__atomic_sub_fetch(&pkt->refcnt, 1, __ATOMIC_ACQ_REL))
			continue;
		if (nrun && (pkt->pool != run_pool || nrun == VN_ARRAY_SIZE(run))) {
			vn_pool_free_bulk(run_pool, run, nrun);
			nrun = 0;
		}
		run_pool = pkt->pool;
		run[nrun++] = pkt;
	}
	if (nrun)
		vn_pool_free_bulk(run_pool, run, nrun);
}

int vn_pkt_clone(struct vn_pool *pool, const struct vn_pkt *src, struct vn_pkt **out)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);

	if (!pkt)
		return -ENOBUFS;
	/* Keep the same headroom so pushes behave the same on the copy */
	pkt->off = src->off;
	pkt->len = src->len;
	memcpy(vn_pkt_data(pkt), vn_pkt_data(src), src->len);
	pkt->vh = src->vh;
	pkt->in_port = src->in_port;
	pkt->vlan_tci = src->vlan_tci;
	pkt->user = src->user;
	*out = pkt;
	return 0;
}

int vn_pkt_unshare(struct vn_pool *pool, struct vn_pkt **pktp)
{
	struct vn_pkt *copy;
	int rc;

	if (!vn_pkt_shared(*pktp))
		return 0;
	rc = vn_pkt_clone(pool, *pktp, &copy);
	if (rc)
		return rc;
	vn_pkt_put(*pktp);
	*pktp = copy;
	return 0;
}
