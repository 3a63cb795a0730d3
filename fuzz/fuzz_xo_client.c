// SPDX-License-Identifier: MIT
/* fuzz_xo_client.c - libFuzzer target: what vnet-offload reads from its channel
 *
 * The input is the byte stream a guest's vnet-offload receives: its first
 * byte picks the request number waited for and whether the stream is a
 * socket (bad header: fail) or a virtio-serial port (bad header: resync).
 * vn_offload_reply_scan() is run over it as the tool runs it, consuming
 * what it skips and what it returns; each reply found is decoded. Checked:
 * every offset stays inside the bytes, progress is made, a found reply
 * starts with a header that parses to the length returned.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "cmd/offload_io.h"
#include "ctl/xo_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 1;
	uint32_t seq;
	bool resync;

	if (size < 1)
		return 0;
	seq = data[0] >> 1;
	resync = data[0] & 1;
	while (off < size) {
		struct vn_xo_hdr hdr, again;
		struct vn_xo_msg m;
		size_t skip;
		long n = vn_offload_reply_scan(data + off, size - off, seq, resync, &hdr, &skip);

		if (skip > size - off)
			abort();
		if (n < 0)
			break;
		off += skip;
		if (n == 0)
			break;
		if ((size_t)n > size - off || vn_xo_hdr_parse(data + off, size - off, &again) != n ||
		    !(hdr.type & 0x80))
			abort();
		vn_xo_msg_decode(&hdr, data + off + VN_XO_HDR_LEN, &m);
		off += (size_t)n;
		seq++;
	}
	return 0;
}
