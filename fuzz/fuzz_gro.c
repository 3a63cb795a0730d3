// SPDX-License-Identifier: MIT
/* fuzz_gro.c - libFuzzer target: random frames through vn_gro_burst, invariants checked
 *
 * Input: a sequence of records, each
 *   ctl (1 byte): bits 0-1 checksum state (none, DATA_VALID, NEEDS_CSUM at
 *                 the TCP field, NEEDS_CSUM elsewhere), bit 2 in_port 1,
 *                 bit 3 "continue": build this frame from the previous one's
 *                 headers with the sequence number and IPv4 ID advanced (so
 *                 merges are reachable; checksums recomputed), bit 4 share
 *                 the frame (an extra reference held by the harness)
 *   len (2 bytes, little-endian), then len bytes: the frame, or with bit 3
 *                 the new payload.
 * Up to 64 frames. Checked: at most n frames out; every input is either in
 * the output once or merged and released (the pool gets every buffer back);
 * unmerged frames are byte for byte what went in; merged frames parse, are
 * TCP, at most 64 KiB of IP, pass vn_vhdr_validate(), carry the pseudo-header
 * sum and a correct IPv4 header checksum, and gso_size < payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csum.h"
#include "core/gro.h"
#include "core/parse.h"
#include "core/pool.h"
#include "core/vhdr.h"

#define MAX_FRAMES	64

static struct vn_pool *pool;
static struct vn_gro gro;
static uint8_t orig[MAX_FRAMES][VN_PKT_FRAME_MAX];
static uint32_t orig_len[MAX_FRAMES];

static void check(int cond)
{
	if (!cond)
		abort();
}

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Next segment of the previous frame's flow carrying @pay */
static uint32_t continue_frame(uint8_t *dst, unsigned int prev, const uint8_t *pay,
			       uint32_t plen)
{
	struct vn_pkt tmp = { .buf = orig[prev], .off = 0, .len = orig_len[prev] };
	struct vn_hdrs h;
	uint8_t *ip, *th;
	uint32_t seq, prev_plen, len, sum;
	uint16_t c;

	if (vn_parse_hdrs(&tmp, &h) || h.l4_proto != VN_IPPROTO_TCP || !(h.flags & VN_HDRS_F_L4))
		return 0;
	prev_plen = h.l3_end - h.payload_off;
	len = h.payload_off + plen;
	if (len > VN_PKT_FRAME_MAX || h.l3_end < h.payload_off)
		return 0;
	memcpy(dst, orig[prev], h.payload_off);
	memcpy(dst + h.payload_off, pay, plen);
	ip = dst + h.l3_off;
	th = dst + h.l4_off;
	if (h.ip_version == 4) {
		ip[2] = (uint8_t)((len - h.l3_off) >> 8);
		ip[3] = (uint8_t)(len - h.l3_off);
		c = (uint16_t)(ld16(ip + 4) + 1);
		ip[4] = (uint8_t)(c >> 8);
		ip[5] = (uint8_t)c;
		memset(ip + 10, 0, 2);
		c = vn_csum_fold(vn_csum_partial(ip, h.l3_hlen, 0));
		memcpy(ip + 10, &c, 2);
	} else {
		ip[4] = (uint8_t)((len - h.l3_off - 40) >> 8);
		ip[5] = (uint8_t)(len - h.l3_off - 40);
	}
	seq = ((uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7]) +
	      prev_plen;
	th[4] = (uint8_t)(seq >> 24);
	th[5] = (uint8_t)(seq >> 16);
	th[6] = (uint8_t)(seq >> 8);
	th[7] = (uint8_t)seq;
	/* A correct full TCP checksum, so software verification lets it merge */
	if (h.ip_version == 4)
		sum = vn_csum_pseudo_v4(ip + 12, ip + 16, VN_IPPROTO_TCP, len - h.l4_off);
	else
		sum = vn_csum_pseudo_v6(ip + 8, ip + 24, VN_IPPROTO_TCP, len - h.l4_off);
	memset(th + 16, 0, 2);
	c = vn_csum_fold(vn_csum_partial(th, len - h.l4_off, sum));
	memcpy(th + 16, &c, 2);
	return len;
}

static void check_merged(const struct vn_pkt *pkt)
{
	struct vn_hdrs h;
	const uint8_t *ip, *th;
	uint32_t sum, payload;
	uint16_t field;

	check(vn_parse_hdrs(pkt, &h) == VN_DROP_NONE);
	check(h.l4_proto == VN_IPPROTO_TCP && (h.flags & VN_HDRS_F_L4));
	check(h.l3_end == pkt->len && h.l3_end - h.l3_off <= VN_GRO_IP_MAX);
	check(vn_vhdr_validate(pkt) == VN_DROP_NONE);
	check(pkt->vh.flags == VN_VHDR_F_NEEDS_CSUM);
	check(pkt->vh.csum_start == h.l4_off && pkt->vh.csum_offset == 16);
	check(pkt->vh.csum_start + pkt->vh.csum_offset + 2u <= pkt->len);
	check(pkt->vh.hdr_len == h.payload_off);
	payload = h.l3_end - h.payload_off;
	check(pkt->vh.gso_size > 0 && pkt->vh.gso_size < payload);
	ip = vn_pkt_ptr(pkt, h.l3_off, h.l3_hlen);
	th = vn_pkt_ptr(pkt, h.l4_off, h.l4_hlen);
	check(ip && th);
	if (h.ip_version == 4) {
		check((pkt->vh.gso_type & ~VN_VHDR_GSO_ECN) == VN_VHDR_GSO_TCPV4);
		check(vn_csum_fold(vn_csum_partial(ip, h.l3_hlen, 0)) == 0);
		sum = vn_csum_pseudo_v4(ip + 12, ip + 16, VN_IPPROTO_TCP, h.l3_end - h.l4_off);
	} else {
		check((pkt->vh.gso_type & ~VN_VHDR_GSO_ECN) == VN_VHDR_GSO_TCPV6);
		sum = vn_csum_pseudo_v6(ip + 8, ip + 24, VN_IPPROTO_TCP, h.l3_end - h.l4_off);
	}
	memcpy(&field, th + 16, 2);
	check(field == vn_csum_fold_nocompl(sum));
	/* Never merged: SYN, FIN, RST, URG */
	check(!(th[13] & 0x27));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_pkt *in[MAX_FRAMES], *out[MAX_FRAMES];
	unsigned int n = 0, got, i;
	bool shared[MAX_FRAMES] = { false };

	if (!pool) {
		if (vn_pool_create("fuzz_gro", 2 * MAX_FRAMES, &pool))
			abort();
		vn_gro_init(&gro);
	}
	while (size >= 3 && n < MAX_FRAMES) {
		uint8_t ctl = data[0];
		uint32_t len = (uint32_t)data[1] | (uint32_t)data[2] << 8;
		struct vn_pkt *pkt;

		data += 3;
		size -= 3;
		len = len > size ? (uint32_t)size : len;
		if ((ctl & 8) && n > 0)
			orig_len[n] = continue_frame(orig[n], n - 1, data, len);
		else
			orig_len[n] = len > VN_PKT_FRAME_MAX ? VN_PKT_FRAME_MAX : len;
		if (!((ctl & 8) && n > 0))
			memcpy(orig[n], data, orig_len[n]);
		data += len;
		size -= len;
		pkt = vn_pool_alloc(pool);
		check(pkt != NULL);
		check(vn_pkt_set(pkt, orig[n], orig_len[n]) == 0);
		switch (ctl & 3) {
		case 1: pkt->vh.flags = VN_VHDR_F_DATA_VALID; break;
		case 2: pkt->vh.flags = VN_VHDR_F_NEEDS_CSUM;
			pkt->vh.csum_start = 34;
			pkt->vh.csum_offset = 16;
			break;
		case 3: pkt->vh.flags = VN_VHDR_F_NEEDS_CSUM;
			pkt->vh.csum_start = 14;
			pkt->vh.csum_offset = 10;
			break;
		default: break;
		}
		pkt->in_port = (ctl >> 2) & 1;
		pkt->user = n;
		if (ctl & 16) {
			vn_pkt_get(pkt);
			shared[n] = true;
		}
		in[n++] = pkt;
	}
	if (!n)
		return 0;
	/* Keep our own pointers to the shared ones: GRO may swap them out */
	{
		struct vn_pkt *held[MAX_FRAMES];
		unsigned int nh = 0;

		for (i = 0; i < n; i++)
			if (shared[i])
				held[nh++] = in[i];
		got = vn_gro_burst(&gro, pool, in, n, out, MAX_FRAMES);
		check(got <= n);
		for (i = 0; i < got; i++) {
			const struct vn_pkt *pkt = out[i];

			check(pkt->user < n);
			if (vn_vhdr_is_gso(&pkt->vh)) {
				check_merged(pkt);
				/* The first segment's headers and payload start it */
				check(pkt->len > orig_len[pkt->user]);
			} else {
				check(pkt->len == orig_len[pkt->user]);
				check(!memcmp(vn_pkt_data(pkt), orig[pkt->user], pkt->len));
			}
		}
		/* A frame someone else holds is never modified */
		for (i = 0; i < nh; i++) {
			check(held[i]->len == orig_len[held[i]->user]);
			check(!memcmp(vn_pkt_data(held[i]), orig[held[i]->user], held[i]->len));
		}
		vn_pkt_put_bulk(out, got);
		vn_pkt_put_bulk(held, nh);
	}
	/* Every buffer came back: nothing leaked, nothing freed twice */
	check(vn_pool_avail(pool) == 2 * MAX_FRAMES);
	return 0;
}
