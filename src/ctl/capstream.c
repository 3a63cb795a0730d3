// SPDX-License-Identifier: MIT
/* capstream.c - encode and parse the capture stream's records (capstream.h) */
#include <errno.h>
#include <string.h>

#include "capstream.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

size_t vn_cap_frame_encode(uint8_t *buf, size_t room, uint64_t ts_ns, uint32_t origlen,
			   const uint8_t *data, uint32_t caplen)
{
	size_t need = VN_CAP_REC_HDR + VN_CAP_FRAME_HDR + (size_t)caplen;

	if (room < need)
		return 0;
	put32(buf, VN_CAP_REC_FRAME);
	put32(buf + 4, VN_CAP_FRAME_HDR + caplen);
	put64(buf + 8, ts_ns);
	put32(buf + 16, origlen);
	memcpy(buf + VN_CAP_REC_HDR + VN_CAP_FRAME_HDR, data, caplen);
	return need;
}

size_t vn_cap_end_encode(uint8_t *buf, size_t room, uint64_t matched, uint64_t captured,
			 uint64_t dropped, uint32_t reason)
{
	if (room < VN_CAP_REC_HDR + VN_CAP_END_LEN)
		return 0;
	put32(buf, VN_CAP_REC_END);
	put32(buf + 4, VN_CAP_END_LEN);
	put64(buf + 8, matched);
	put64(buf + 16, captured);
	put64(buf + 24, dropped);
	put32(buf + 32, reason);
	return VN_CAP_REC_HDR + VN_CAP_END_LEN;
}

long vn_cap_rec_parse(const uint8_t *buf, size_t len, uint32_t snaplen, struct vn_cap_rec *rec)
{
	uint32_t type, blen;

	memset(rec, 0, sizeof(*rec));
	if (len < VN_CAP_REC_HDR)
		return 0;
	type = get32(buf);
	blen = get32(buf + 4);
	switch (type) {
	case VN_CAP_REC_FRAME:
		/* A body without its fixed part, or more data than the snap length allows */
		if (blen < VN_CAP_FRAME_HDR || blen - VN_CAP_FRAME_HDR > snaplen ||
		    blen - VN_CAP_FRAME_HDR > VN_CAP_ORIGLEN_MAX)
			return -EPROTO;
		break;
	case VN_CAP_REC_END:
		/* The END record has exactly one size */
		if (blen != VN_CAP_END_LEN)
			return -EPROTO;
		break;
	default:
		return -EPROTO;	/* a type this client does not know */
	}
	if (len - VN_CAP_REC_HDR < blen)
		return 0;
	rec->type = type;
	buf += VN_CAP_REC_HDR;
	if (type == VN_CAP_REC_END) {
		rec->matched = get64(buf);
		rec->captured = get64(buf + 8);
		rec->dropped = get64(buf + 16);
		rec->reason = get32(buf + 24);
		/* A reason the daemon never sends */
		if (rec->reason > VN_CAP_END__MAX)
			return -EPROTO;
		return VN_CAP_REC_HDR + VN_CAP_END_LEN;
	}
	rec->ts_ns = get64(buf);
	rec->origlen = get32(buf + 8);
	rec->caplen = blen - VN_CAP_FRAME_HDR;
	rec->data = buf + VN_CAP_FRAME_HDR;
	/* More bytes captured than the frame had, or a frame longer than any */
	if (rec->caplen > rec->origlen || rec->origlen > VN_CAP_ORIGLEN_MAX)
		return -EPROTO;
	return (long)(VN_CAP_REC_HDR + blen);
}
