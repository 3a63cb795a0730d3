// SPDX-License-Identifier: MIT
/* fuzz_xo_msg.c - libFuzzer target: the guest XDP offload protocol stream (xdp-offload) */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>
#include <sys/socket.h>

#include "ctl/xo_conn.h"
#include "ctl/xo_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[VN_XO_HDR_LEN + VN_XO_PAYLOAD_MAX];

/**
 * check_msg() - Invariants of one decoded message, and its re-encoding
 * @m:		decoded message
 * @payload:	its payload
 * @len:	payload length
 */
static void check_msg(const struct vn_xo_msg *m, const uint8_t *payload, uint32_t len)
{
	struct vn_xo_map_info info;
	long n;

	/* borrowed ranges lie inside the payload */
	if (m->obj.n && (m->obj.p < payload || m->obj.p + m->obj.n > payload + len))
		abort();
	if (m->key.n && (m->key.p < payload || m->key.p + m->key.n > payload + len))
		abort();
	if (m->value.n && (m->value.p < payload || m->value.p + m->value.n > payload + len))
		abort();
	if (m->entries.n && (m->entries.p < payload || m->entries.p + m->entries.n > payload + len))
		abort();
	if (strlen(m->section) > VN_XO_NAME_MAX || strlen(m->map.name) > VN_XO_NAME_MAX ||
	    strlen(m->text) > VN_XO_MSG_TEXT_MAX || m->nmaps > VN_XO_MAPS_MAX)
		abort();
	for (uint32_t i = 0; i < m->nmaps; i++)
		if (vn_xo_map_info_get(m, i, &info))
			abort();
	/* what decodes re-encodes to the very same bytes */
	n = vn_xo_msg_encode(m, out, sizeof(out));
	if (n != (long)(VN_XO_HDR_LEN + len) || memcmp(out + VN_XO_HDR_LEN, payload, len))
		abort();
}

/**
 * handler() - Answer requests as a server would: a value, or a refusal
 * @ctx:	unused
 * @req:	request
 * @reply:	reply
 * @scratch:	reply data
 *
 * Return: 0 or -ENOENT
 */
static int handler(void *ctx, const struct vn_xo_msg *req, struct vn_xo_msg *reply,
		   uint8_t *scratch)
{
	(void)ctx;
	if (req->type != VN_XO_MAP_LOOKUP)
		return -ENOENT;
	memcpy(scratch, req->key.p, req->key.n);
	reply->type = VN_XO_R_VALUE;
	reply->value.p = scratch;
	reply->value.n = req->key.n;
	return 0;
}

/**
 * through_conn() - Feed the bytes to a connection over a socketpair
 * @data:	stream
 * @size:	its length
 */
static void through_conn(const uint8_t *data, size_t size)
{
	struct vn_xo_conn c;
	uint8_t sink[4096];
	int sv[2];

	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return;
	if (vn_xo_conn_init(&c, sv[0], 1000, 20, 0)) {
		close(sv[1]);
		return;
	}
	if (size && write(sv[1], data, size) != (ssize_t)size)
		abort();
	shutdown(sv[1], SHUT_WR);
	for (int i = 0; i < 8; i++) {
		int in = vn_xo_conn_input(&c, (uint64_t)i * 1000000, handler, NULL);
		int fl = vn_xo_conn_flush(&c);

		while (recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
		if (in < 0 || fl < 0)
			break;
	}
	if (c.rejected > c.requests + 1 || c.bad_input > c.rejected)
		abort();
	vn_xo_conn_close(&c);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	through_conn(data, size);

	/* the input is a stream: take messages one after another, as vnetd does */
	for (int i = 0; i < 64 && off < size; i++) {
		struct vn_xo_hdr hdr;
		struct vn_xo_msg m;
		long n = vn_xo_hdr_parse(data + off, size - off, &hdr);

		if (n <= 0)
			break;
		if (n < VN_XO_HDR_LEN || (size_t)n > size - off || hdr.len > VN_XO_PAYLOAD_MAX)
			abort();
		if (vn_xo_msg_decode(&hdr, data + off + VN_XO_HDR_LEN, &m) == 0)
			check_msg(&m, data + off + VN_XO_HDR_LEN, hdr.len);
		off += (size_t)n;
	}
	return 0;
}
