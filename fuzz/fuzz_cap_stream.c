// SPDX-License-Identifier: MIT
/* fuzz_cap_stream.c - libFuzzer target for the capture stream vnetctl parses (capstream.h)
 *
 * The first two bytes pick the snap length; the rest is a stream parsed
 * record by record as vnetctl does. Invariants: no crash; a parsed record
 * lies inside the input, its caplen fits the snap length and its origlen;
 * re-encoding it gives back exactly the bytes it was parsed from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/capstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[VN_CAP_REC_HDR + VN_CAP_FRAME_HDR + VN_CAP_ORIGLEN_MAX];
	struct vn_cap_rec rec;
	uint32_t snaplen;
	size_t off = 2, w;
	long n;

	if (size < 2)
		return 0;
	snaplen = (uint32_t)(data[0] << 8 | data[1]) + 1;
	while (off < size) {
		n = vn_cap_rec_parse(data + off, size - off, snaplen, &rec);
		if (n <= 0)
			break;
		if ((size_t)n > size - off)
			abort();
		if (rec.type == VN_CAP_REC_FRAME) {
			if (rec.caplen > snaplen || rec.caplen > rec.origlen ||
			    rec.data != data + off + VN_CAP_REC_HDR + VN_CAP_FRAME_HDR)
				abort();
			w = vn_cap_frame_encode(out, sizeof(out), rec.ts_ns, rec.origlen, rec.data,
						rec.caplen);
		} else if (rec.type == VN_CAP_REC_END) {
			w = vn_cap_end_encode(out, sizeof(out), rec.matched, rec.captured,
					      rec.dropped, rec.reason);
		} else {
			abort();
		}
		if (w != (size_t)n || memcmp(out, data + off, w))
			abort();
		off += (size_t)n;
	}
	return 0;
}
