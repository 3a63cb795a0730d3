// SPDX-License-Identifier: MIT
/* fuzz_afp_rx.c - libFuzzer target: what an afpacket port reads beside a frame, lying
 *
 * The first byte picks the mode. rx=ring: the rest is a TPACKET_V3 frame
 * header and the block after it (lengths, offsets, status, tag as the
 * input says). rx=mmsg: a flags byte (MSG_TRUNC, MSG_CTRUNC, a length past
 * the buffer), a control-buffer length byte and that many bytes of control
 * messages, then the header and frame as recvmmsg() would leave them. A
 * frame either side accepts must fit the packet and pass or fail
 * vn_vhdr_validate() without harm; ASan sees any read past the memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "port/afpacket_rx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vn_pool *pool;

static void accepted(const struct vn_pkt *pkt)
{
	if (pkt->len < 14 || pkt->len > VN_PKT_FRAME_MAX ||
	    pkt->off + pkt->len > VN_PKT_BUF_SIZE)
		abort();
	(void)vn_vhdr_validate(pkt);
}

static void ring(const uint8_t *data, size_t size)
{
	size_t room = size > sizeof(struct tpacket3_hdr) ? size : sizeof(struct tpacket3_hdr);
	struct tpacket3_hdr *ph = calloc(1, room);
	struct vn_pkt *pkt = vn_pool_alloc(pool);

	if (!ph || !pkt)
		abort();
	memcpy(ph, data, size);
	if (vn_afp_ring_frame(ph, (uint32_t)room, pkt) == VN_DROP_NONE)
		accepted(pkt);
	vn_pkt_put(pkt);
	free(ph);
}

static void mmsg(const uint8_t *data, size_t size)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	struct msghdr m = { 0 };
	size_t clen, n;
	uint8_t *ctl = NULL;
	uint32_t got;
	bool lie;

	if (!pkt || size < 2)
		goto out;
	m.msg_flags = (data[0] & 1 ? MSG_TRUNC : 0) | (data[0] & 2 ? MSG_CTRUNC : 0);
	lie = data[0] & 4;
	clen = data[1];
	data += 2;
	size -= 2;
	if (clen > size)
		clen = size;
	if (clen) {
		/* exactly as long as it says: ASan sees a read past it */
		ctl = malloc(clen);
		if (!ctl)
			abort();
		memcpy(ctl, data, clen);
		m.msg_control = ctl;
		m.msg_controllen = clen;
	}
	data += clen;
	size -= clen;
	n = size < AFP_MMSG_READ_MAX ? size : AFP_MMSG_READ_MAX;
	memcpy(vn_pkt_data(pkt) - AFP_HDR_LEN, data, n);
	got = (uint32_t)n;
	if (lie)
		got = AFP_MMSG_READ_MAX + (uint32_t)n + 1;	/* a length past the buffer */
	if (vn_afp_mmsg_frame(&m, got, pkt) == VN_DROP_NONE)
		accepted(pkt);
out:
	if (pkt)
		vn_pkt_put(pkt);
	free(ctl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!pool && vn_pool_create("fuzz", 2, &pool))
		abort();
	if (!size)
		return 0;
	if (data[0] & 1)
		mmsg(data + 1, size - 1);
	else
		ring(data + 1, size - 1);
	return 0;
}
