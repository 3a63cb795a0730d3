// SPDX-License-Identifier: MIT
/* gso.c - software segmentation of TSO4/TSO6/USO frames at egress
 *
 * One pass per segment: copy the headers, copy the payload share while
 * summing it (the sum is folded into the copy, so the payload is read once),
 * then patch the copied headers. Header checksums are computed from scratch
 * over the patched bytes: they are short, and nothing the guest wrote into
 * a checksum field is ever used.
 */
#include <errno.h>
#include <string.h>

#include "be.h"
#include "csum.h"
#include "gso.h"
#include "parse.h"
#include "pool.h"

/**
 * struct gso_ctx - what every segment of one frame shares
 * @src:	first byte of the original frame
 * @h:		its headers
 * @mss:	payload bytes per segment
 * @payload:	total payload bytes
 * @nseg:	segment count
 * @tcp:	TCP (else UDP)
 * @csum_off:	offset of the L4 checksum field from the L4 header
 * @ip_id:	IPv4 ID of the original, host order
 * @seq:	TCP sequence number of the original, host order
 * @tcp_flags:	TCP flags byte of the original
 * @sw_csum:	compute full checksums
 */
struct gso_ctx {
	const uint8_t *src;
	struct vn_hdrs h;
	uint32_t mss;
	uint32_t payload;
	uint32_t nseg;
	bool tcp;
	uint32_t csum_off;
	uint16_t ip_id;
	uint32_t seq;
	uint8_t tcp_flags;
	bool sw_csum;
};

static inline uint32_t copy_csum(uint8_t *dst, const uint8_t *src, uint32_t len)
{
	return vn_csum_partial_copy(dst, src, len, 0);
}

static void fix_l3(const struct gso_ctx *c, uint8_t *seg, uint32_t seg_len, uint32_t i)
{
	uint8_t *ip = seg + c->h.l3_off;
	uint16_t f;

	if (c->h.ip_version == 4) {
		vn_put_be16(ip + VN_IP4_TOT_LEN, (uint16_t)(seg_len - c->h.l3_off));
		vn_put_be16(ip + VN_IP4_ID, (uint16_t)(c->ip_id + i));
		vn_put_be16(ip + VN_IP4_CSUM, 0);
		f = vn_csum_fold(vn_csum_partial(ip, c->h.l3_hlen, 0));
		memcpy(ip + VN_IP4_CSUM, &f, sizeof(f));
	} else {
		vn_put_be16(ip + VN_IP6_PLEN, (uint16_t)(seg_len - c->h.l3_off - VN_IP6_HLEN));
	}
}

static uint32_t pseudo_sum(const struct gso_ctx *c, const uint8_t *seg, uint32_t l4_len)
{
	const uint8_t *ip = seg + c->h.l3_off;
	uint8_t proto = c->tcp ? VN_IPPROTO_TCP : VN_IPPROTO_UDP;

	if (c->h.ip_version == 4)
		return vn_csum_pseudo_v4(ip + VN_IP4_SADDR, ip + VN_IP4_DADDR, proto, l4_len);
	return vn_csum_pseudo_v6(ip + VN_IP6_SADDR, ip + VN_IP6_DADDR, proto, l4_len);
}

static void fix_l4(const struct gso_ctx *c, struct vn_pkt *seg, uint32_t i, uint32_t pay_sum)
{
	uint8_t *d = vn_pkt_data(seg);
	uint8_t *l4 = d + c->h.l4_off;
	uint32_t l4_len = seg->len - c->h.l4_off;
	uint32_t sum;
	uint16_t f;

	if (c->tcp) {
		uint8_t fl = c->tcp_flags;

		vn_put_be32(l4 + VN_TCP_SEQ, c->seq + i * c->mss);
		if (i != c->nseg - 1)
			fl &= (uint8_t)~(VN_TCP_FIN | VN_TCP_PSH);
		if (i != 0)
			fl &= (uint8_t)~VN_TCP_CWR;
		l4[VN_TCP_FLAGS] = fl;
	} else {
		vn_put_be16(l4 + VN_UDP_LEN, (uint16_t)l4_len);
	}
	vn_put_be16(l4 + c->csum_off, 0);
	sum = pseudo_sum(c, d, l4_len);
	if (!c->sw_csum) {
		f = vn_csum_fold_nocompl(sum);
		seg->vh.flags = VN_VHDR_F_NEEDS_CSUM;
		seg->vh.csum_start = (uint16_t)c->h.l4_off;
		seg->vh.csum_offset = (uint16_t)c->csum_off;
	} else {
		sum = vn_csum_add(sum, vn_csum_partial(l4, c->h.l4_hlen, 0));
		f = vn_csum_fold(vn_csum_add(sum, pay_sum));
		/* UDP: a computed 0 is sent as 0xffff, 0 means "none" (RFC 768) */
		if (!c->tcp && f == 0)
			f = 0xffff;
		/* flags stay 0: sw_csum serves ports without (GUEST_)CSUM, and
		 * virtio 1.x §5.1.6.3.1 says those get flags 0; the kernel
		 * writes 0 to such a tap too (tests/e2e/010).
		 */
	}
	memcpy(l4 + c->csum_off, &f, sizeof(f));
}

static void build_segment(const struct gso_ctx *c, const struct vn_pkt *pkt,
			  struct vn_pkt *seg, uint32_t i)
{
	uint32_t hlen = c->h.payload_off;
	uint32_t from = i * c->mss;
	uint32_t n = VN_MIN(c->mss, c->payload - from);
	uint8_t *d = vn_pkt_data(seg);
	uint32_t pay_sum;

	memcpy(d, c->src, hlen);
	if (c->sw_csum) {
		pay_sum = copy_csum(d + hlen, c->src + hlen + from, n);
	} else {
		memcpy(d + hlen, c->src + hlen + from, n);
		pay_sum = 0;
	}
	seg->len = hlen + n;
	memset(&seg->vh, 0, sizeof(seg->vh));
	seg->in_port = pkt->in_port;
	seg->vlan_tci = pkt->vlan_tci;
	fix_l3(c, d, seg->len, i);
	fix_l4(c, seg, i, pay_sum);
}

unsigned int vn_gso_count(const struct vn_pkt *pkt, uint32_t payload_off)
{
	uint32_t mss = pkt->vh.gso_size;

	if (!vn_vhdr_is_gso(&pkt->vh) || !mss || payload_off >= pkt->len)
		return 0;
	return (pkt->len - payload_off + mss - 1) / mss;
}

int vn_gso_segment(struct vn_pool *pool, const struct vn_pkt *pkt, bool sw_csum,
		   struct vn_pkt **segs, unsigned int max, enum vn_drop_reason *why)
{
	struct gso_ctx c;
	const uint8_t *l4;
	uint32_t i, got;

	*why = vn_vhdr_validate_hdrs(pkt, &c.h);
	if (*why)
		return -EINVAL;
	/* Not a GSO frame: nothing to cut (validation passed it as plain) */
	if (!vn_vhdr_is_gso(&pkt->vh)) {
		*why = VN_DROP_GSO_FAILED;
		return -EINVAL;
	}
	c.src = vn_pkt_data(pkt);
	c.mss = pkt->vh.gso_size;
	c.payload = vn_parse_l4_payload_len(&c.h);
	c.nseg = (c.payload + c.mss - 1) / c.mss;
	c.tcp = c.h.l4_proto == VN_IPPROTO_TCP;
	c.csum_off = c.tcp ? VN_TCP_CSUM : VN_UDP_CSUM;
	c.sw_csum = sw_csum;
	c.ip_id = c.h.ip_version == 4 ? vn_be16(c.src + c.h.l3_off + VN_IP4_ID) : 0;
	l4 = c.src + c.h.l4_off;
	c.seq = c.tcp ? vn_be32(l4 + VN_TCP_SEQ) : 0;
	c.tcp_flags = c.tcp ? l4[VN_TCP_FLAGS] : 0;
	/* Caller's array too small for this frame */
	if (unlikely(c.nseg > max)) {
		*why = VN_DROP_GSO_FAILED;
		return -ENOSPC;
	}
	got = vn_pool_alloc_bulk(pool, segs, c.nseg);
	if (unlikely(got != c.nseg)) {
		/* All or nothing: half a TCP burst is worth less than a retransmit */
		vn_pkt_put_bulk(segs, got);
		*why = VN_DROP_NO_BUFFER;
		return -ENOBUFS;
	}
	for (i = 0; i < c.nseg; i++)
		build_segment(&c, pkt, segs[i], i);
	return (int)c.nseg;
}
