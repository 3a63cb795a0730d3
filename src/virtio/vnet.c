// SPDX-License-Identifier: MIT
/* vnet.c - virtio-net device datapath: guest transmitq to packets, packets to receiveq */
#include <errno.h>
#include <string.h>

#include "core/be.h"
#include "core/compiler.h"
#include "core/parse.h"
#include "core/log.h"
#include "vnet.h"

/* Copy @len bytes between @buf and a chain's segments at offset @off: into the chain if @to_chain */
static inline void iov_copy(const struct vn_vq_chain *c, size_t off, uint8_t *buf, size_t len,
			    bool to_chain)
{
	for (unsigned int i = 0; i < c->niov && len; i++) {
		size_t seg = c->iov[i].iov_len, n;
		uint8_t *p = c->iov[i].iov_base;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		n = VN_MIN(seg - off, len);
		if (to_chain)
			memcpy(p + off, buf, n);
		else
			memcpy(buf, p + off, n);
		buf += n;
		len -= n;
		off = 0;
	}
}

/* Copy @len bytes at offset @off of a chain's segments into @dst */
static void iov_read(const struct vn_vq_chain *c, size_t off, void *dst, size_t len)
{
	iov_copy(c, off, dst, len, false);
}

/* Copy @len bytes from @src into a chain at offset @off; the caller checked room */
static void iov_write(const struct vn_vq_chain *c, size_t off, const void *src, size_t len)
{
	iov_copy(c, off, (uint8_t *)(uintptr_t)src, len, true);
}

static enum vn_drop_reason gso_check(const struct vn_vhdr *vh, uint32_t frame_len,
				     uint64_t allowed)
{
	uint8_t type = vh->gso_type & ~VN_VHDR_GSO_ECN;
	uint64_t need;

	switch (type) {
	case VN_VHDR_GSO_NONE:
		/* ECN bit on a frame that is not segmented */
		return (vh->gso_type & VN_VHDR_GSO_ECN) ? VN_DROP_VHDR_GSO_TYPE : VN_DROP_NONE;
	case VN_VHDR_GSO_TCPV4:
		need = VN_BIT(VN_NET_F_HOST_TSO4);
		break;
	case VN_VHDR_GSO_TCPV6:
		need = VN_BIT(VN_NET_F_HOST_TSO6);
		break;
	case VN_VHDR_GSO_UDP_L4:
		need = VN_BIT(VN_NET_F_HOST_USO);
		break;
	default:
		/* UFO and unknown types: never offered */
		return VN_DROP_VHDR_GSO_TYPE;
	}
	if ((vh->gso_type & VN_VHDR_GSO_ECN))
		need |= VN_BIT(VN_NET_F_HOST_ECN);
	/* GSO type the guest did not negotiate */
	if ((allowed & need) != need)
		return VN_DROP_VHDR_GSO_TYPE;
	/* Segment size zero: segmenting would never end */
	if (vh->gso_size == 0)
		return VN_DROP_VHDR_GSO_SIZE;
	/* §5.1.6.2: GSO frames come with NEEDS_CSUM */
	if (!(vh->flags & VN_VHDR_F_NEEDS_CSUM))
		return VN_DROP_VHDR_GSO_NO_CSUM;
	/* Header length past the end of the frame */
	if (vh->hdr_len > frame_len)
		return VN_DROP_VHDR_HDR_LEN;
	return VN_DROP_NONE;
}

enum vn_drop_reason vn_vnet_hdr_check(const struct vn_vhdr *vh, uint32_t frame_len,
				      uint64_t allowed)
{
	/* §5.1.6.2.1: the driver sets no flag but NEEDS_CSUM */
	if (vh->flags & ~VN_VHDR_F_NEEDS_CSUM)
		return VN_DROP_VHDR_FLAGS;
	if (vh->flags & VN_VHDR_F_NEEDS_CSUM) {
		/* Checksum offload the guest did not negotiate */
		if (!(allowed & VN_BIT(VN_NET_F_CSUM)))
			return VN_DROP_VHDR_FLAGS;
		/* Checksum starts inside the Ethernet header */
		if (vh->csum_start < VN_ETH_HLEN)
			return VN_DROP_VHDR_CSUM_RANGE;
		/* The 16-bit field at csum_start + csum_offset is past the end */
		if ((uint32_t)vh->csum_start + vh->csum_offset + 2 > frame_len)
			return VN_DROP_VHDR_CSUM_RANGE;
	}
	return gso_check(vh, frame_len, allowed);
}

/*
 * A frame that is not GSO must fit the port's MTU (H9): the guest was told
 * the MTU (NET_F_MTU) or set it, and nothing larger may reach other ports
 * (a 64 KiB non-GSO frame is also what a VLAN push would wrap, see vlan.c).
 * One VLAN tag is allowed on top of the Ethernet header, as on a trunk.
 */
static enum vn_drop_reason mtu_check(const struct vn_vnet *v, const struct vn_pkt *pkt)
{
	uint32_t mtu = v->mtu ? __atomic_load_n(v->mtu, __ATOMIC_RELAXED) : 0, l2 = VN_ETH_HLEN;
	const uint8_t *p;

	if (!mtu || vn_vhdr_is_gso(&pkt->vh) || pkt->len <= mtu + VN_ETH_HLEN)
		return VN_DROP_NONE;
	p = vn_pkt_ptr(pkt, VN_ETH_TYPE, 2);
	if (p && (vn_be16(p) == VN_ETH_P_8021Q || vn_be16(p) == VN_ETH_P_8021AD))
		l2 += VN_VLAN_HLEN;
	return pkt->len > mtu + l2 ? VN_DROP_MTU : VN_DROP_NONE;
}

/* One chain from the transmitq into @pkt; returns the drop reason */
static enum vn_drop_reason rx_one(const struct vn_vnet *v, const struct vn_vq_chain *c,
				  struct vn_pkt *pkt)
{
	uint8_t hdr[VN_VHDR_MRG_LEN];
	uint32_t frame_len;
	enum vn_drop_reason why;
	void *data;

	/* Chain shorter than the virtio-net header */
	if (c->len < v->hdr_len)
		return VN_DROP_VHDR_TRUNCATED;
	frame_len = c->len - v->hdr_len;
	/* Less than an Ethernet header */
	if (frame_len < 14)
		return VN_DROP_RUNT;
	/* Larger than any buffer we hold */
	if (frame_len > VN_PKT_FRAME_MAX)
		return VN_DROP_OVERSIZE;
	/* Copy the header out of guest memory once; validate only the copy */
	iov_read(c, 0, hdr, v->hdr_len);
	vn_vhdr_parse(&pkt->vh, hdr, sizeof(hdr), v->hdr_len);
	pkt->vh.num_buffers = 0;
	why = vn_vnet_hdr_check(&pkt->vh, frame_len, v->guest_sends);
	if (why)
		return why;
	data = vn_pkt_append(pkt, frame_len);
	if (!data)
		return VN_DROP_OVERSIZE;
	iov_read(c, v->hdr_len, data, frame_len);
	/* core's full check of the header against the frame's own headers is
	 * the port layer's, for every kind (vn_port_rx_burst()) */
	return mtu_check(v, pkt);
}

unsigned int vn_vnet_rx(const struct vn_vnet *v, struct vn_vq *vq, struct vn_pkt **pkts,
			unsigned int n)
{
	struct vn_pkt *fresh[VN_VNET_BURST_MAX];
	struct vn_vq_chain c;
	unsigned int got = 0, nfresh, used = 0, popped = 0, avail;
	enum vn_drop_reason why;
	bool was_broken;

	if (!vn_vq_ready(vq) || n == 0)
		return 0;
	was_broken = vq->broken;
	/* One read of the guest's index: VN_MIN() would evaluate it twice */
	n = VN_MIN(n, VN_VNET_BURST_MAX);
	avail = vn_vq_avail(vq, n);
	n = VN_MIN(n, avail);
	if (n == 0)
		return 0;
	nfresh = vn_pool_alloc_bulk(v->pool, fresh, n);
	if (nfresh < n)
		v->drops[VN_DROP_NO_BUFFER]++;	/* the rest waits in the ring */
	/*
	 * Every chain popped counts against the burst, dropped ones too, and
	 * never more than the one avail->idx read above allowed: a guest that
	 * keeps refilling its ring with chains we drop must not keep us here.
	 */
	while (used < nfresh && popped < n && vn_vq_pop(vq, v->mem, &c) == 0) {
		struct vn_pkt *pkt = fresh[used];

		popped++;

		why = rx_one(v, &c, pkt);
		vn_vq_push(vq, c.head, c.ndesc, 0);
		if (unlikely(why)) {
			v->drops[why]++;
			VN_DATA_LOG("vq %u: dropped: %s", vq->index, vn_drop_str(why));
			/* A checksum or header range outside the frame is a hostile guest */
			if (why == VN_DROP_VHDR_CSUM_RANGE || why == VN_DROP_VHDR_HDR_LEN)
				vn_vq_break(vq, "virtio-net header points outside the frame");
			vn_pkt_reset(pkt);
			if (vq->broken)
				break;
			continue;
		}
		pkts[got++] = pkt;
		used++;
	}
	if (used < nfresh)
		vn_pkt_put_bulk(fresh + used, nfresh - used);
	/* The chain that broke the queue is a drop too (the queue counts the violation) */
	if (unlikely(vq->broken && !was_broken))
		v->drops[VN_DROP_VQ_DESC]++;
	vn_vq_flush(vq);
	return got;
}

/* Frame the guest cannot take at all; VN_DROP_NONE if it can */
static enum vn_drop_reason tx_check(const struct vn_vnet *v, const struct vn_pkt *pkt)
{
	uint64_t need = vn_vhdr_needs(pkt);

	/* The switch should have resolved this at egress: never hand it over */
	if (unlikely((v->guest_takes & need) != need))
		return vn_vhdr_is_gso(&pkt->vh) ? VN_DROP_VHDR_GSO_TYPE : VN_DROP_VHDR_FLAGS;
	return VN_DROP_NONE;
}

/*
 * F4 of the guest-surfaces review: a guest whose receive ring holds only
 * tiny (or empty) buffers makes every frame walk VN_VNET_MRG_MAX chains
 * and then give them back. The room those chains held is remembered, and
 * while the ring is exactly as it was (nothing taken, nothing added) a
 * frame that needs more is dropped without walking it again.
 */
static inline bool cap_known_short(struct vn_vq *vq, uint32_t need)
{
	struct vn_vq_pos at = vn_vq_tell(vq);

	if (likely(!vq->cap_room) || vq->cap_at.idx != at.idx || vq->cap_at.wrap != at.wrap)
		return false;
	if (vn_vq_avail_stamp(vq) != vq->cap_idx || need <= vq->cap_room)
		return false;
	vq->stats.mrg_cap++;
	return true;
}

static inline void cap_note(struct vn_vq *vq, uint32_t room)
{
	vq->cap_room = room ? room : 1;
	vq->cap_at = vn_vq_tell(vq);
	vq->cap_idx = vn_vq_avail_stamp(vq);
	vq->stats.mrg_cap++;
}

/* Dirty log (live migration): bytes [@off, @off + @len) of chain @c were written */
static void log_written(const struct vn_vq *vq, const struct vn_vq_chain *c, size_t off,
			size_t len)
{
	unsigned int i;
	size_t in;

	for (i = 0; i < c->niov && len; i++) {
		if (off >= c->iov[i].iov_len) {
			off -= c->iov[i].iov_len;
			continue;
		}
		in = VN_MIN(len, c->iov[i].iov_len - off);
		vn_vq_log(vq, (const uint8_t *)c->iov[i].iov_base + off, in);
		off = 0;
		len -= in;
	}
}

/*
 * Place one frame into receive buffers. Returns 0 (placed), -EAGAIN (not
 * enough buffers: nothing consumed), -EMSGSIZE (frame larger than what the
 * guest can ever take: dropped), -EIO (queue broken).
 */
static int tx_one(const struct vn_vnet *v, struct vn_vq *vq, const struct vn_pkt *pkt)
{
	struct vn_vq_chain first, c;
	struct vn_vq_pos start = vn_vq_tell(vq);
	uint16_t heads[VN_VNET_MRG_MAX], ndescs[VN_VNET_MRG_MAX];
	uint32_t lens[VN_VNET_MRG_MAX];
	uint32_t need = v->hdr_len + pkt->len, done = 0;
	unsigned int nbufs = 0, maxbufs = v->mrg_rxbuf ? VN_VNET_MRG_MAX : 1, i;
	uint8_t hdr[VN_VHDR_MRG_LEN];
	struct vn_vhdr vh;
	int ret;

	if (unlikely(cap_known_short(vq, need)))
		return -EMSGSIZE;
	while (done < need) {
		struct vn_vq_chain *cur = nbufs ? &c : &first;
		uint32_t room, off = 0, take;

		if (nbufs == maxbufs) {
			vn_vq_seek(vq, start);
			cap_note(vq, done);
			return -EMSGSIZE;
		}
		ret = vn_vq_pop(vq, v->mem, cur);
		if (ret) {
			if (ret == -EAGAIN)
				vn_vq_seek(vq, start);
			return ret;
		}
		room = cur->len;
		if (nbufs == 0) {
			/* §5.1.6.3.1: a receive buffer holds at least the header */
			if (room < v->hdr_len) {
				vn_vq_break(vq, "receive buffer smaller than the header");
				return -EIO;
			}
			off = v->hdr_len;
			room -= v->hdr_len;
			done = v->hdr_len;
		}
		take = VN_MIN(room, need - done);
		iov_write(cur, off, vn_pkt_ptr(pkt, done - v->hdr_len, take), take);
		if (unlikely(vq->log))
			log_written(vq, cur, off, take);
		heads[nbufs] = cur->head;
		ndescs[nbufs] = cur->ndesc;
		lens[nbufs] = off + take;
		done += take;
		nbufs++;
	}
	vh = pkt->vh;
	vh.num_buffers = v->mrg_rxbuf ? nbufs : 0;
	vn_vhdr_build(&vh, hdr, v->hdr_len);
	iov_write(&first, 0, hdr, v->hdr_len);
	if (unlikely(vq->log))
		log_written(vq, &first, 0, v->hdr_len);
	for (i = 0; i < nbufs; i++)
		vn_vq_push(vq, heads[i], ndescs[i], lens[i]);
	return 0;
}

unsigned int vn_vnet_tx(const struct vn_vnet *v, struct vn_vq *vq, struct vn_pkt **pkts,
			unsigned int n, uint64_t *bytes, uint64_t *delivered)
{
	enum vn_drop_reason why;
	unsigned int i;
	int ret = 0;

	*bytes = 0;
	*delivered = 0;
	for (i = 0; i < n; i++) {
		why = tx_check(v, pkts[i]);
		if (unlikely(why)) {
			v->drops[why]++;
			continue;
		}
		ret = tx_one(v, vq, pkts[i]);
		if (ret == -EAGAIN || ret == -EIO)
			break;
		if (ret == -EMSGSIZE) {
			v->drops[VN_DROP_MTU]++;
			continue;
		}
		*bytes += pkts[i]->len;
		(*delivered)++;
	}
	/* A broken queue takes everything (dropped), so the sources never block on it */
	if (ret == -EIO) {
		v->drops[VN_DROP_VQ_DESC]++;
		v->drops[VN_DROP_VQ_BROKEN] += n - i - 1;
		i = n;
	}
	vn_vq_flush(vq);
	vn_pkt_put_bulk(pkts, i);
	return i;
}

unsigned int vn_vnet_tx_mq(const struct vn_vnet *v, struct vn_vq *const *vqs,
			   struct vn_pkt **pkts, unsigned int n, uint64_t *bytes,
			   uint64_t *delivered)
{
	enum vn_drop_reason why;
	unsigned int i;
	bool was_broken;
	int ret;

	*bytes = 0;
	*delivered = 0;
	for (i = 0; i < n; i++) {
		why = tx_check(v, pkts[i]);
		if (unlikely(why)) {
			v->drops[why]++;
			continue;
		}
		was_broken = vqs[i]->broken;
		ret = tx_one(v, vqs[i], pkts[i]);
		if (ret == -EAGAIN)
			break;
		/* A broken queue takes its frames (dropped): the others carry on */
		if (ret == -EIO) {
			v->drops[was_broken ? VN_DROP_VQ_BROKEN : VN_DROP_VQ_DESC]++;
			continue;
		}
		if (ret == -EMSGSIZE) {
			v->drops[VN_DROP_MTU]++;
			continue;
		}
		*bytes += pkts[i]->len;
		(*delivered)++;
	}
	vn_pkt_put_bulk(pkts, i);
	return i;
}
