/* SPDX-License-Identifier: MIT */
/* capstream.h - the capture stream: binary records after a capture.start reply
 *
 * "capture.start" (cmd.h) is the one streaming command. Its reply is the
 * usual JSON line, {"ok":true,"result":{"stream":"vnetd-capture-1",
 * "linktype":1,"snaplen":S}}; from the byte after its '\n' the connection
 * carries records only, daemon to client, until the daemon closes it:
 *
 *   record := type:u32 len:u32 body[len]          (all integers big-endian)
 *   FRAME (1): ts_ns:u64 origlen:u32 data[len - 12]
 *              (CLOCK_REALTIME nanoseconds; data is the frame cut at the
 *              snap length: len - 12 <= snaplen, len - 12 <= origlen)
 *   END   (2): matched:u64 captured:u64 dropped:u64 reason:u32  (len 28)
 *              (the capture's counters and why it ended, VN_CAP_END_*;
 *              the last record)
 *
 * The client sends nothing after its request; shutting down its write side
 * (or closing) asks the daemon to stop: it sends what it has queued, the
 * END record, and closes. A client that just disconnects detaches the
 * capture too. Records are outside input to the client: every field is
 * checked by vn_cap_rec_parse() (fuzz/fuzz_cap_stream.c).
 */
#ifndef VN_CTL_CAPSTREAM_H
#define VN_CTL_CAPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#define VN_CAP_STREAM_NAME	"vnetd-capture-1"
#define VN_CAP_REC_HDR		8
#define VN_CAP_FRAME_HDR	12		/* ts_ns, origlen */
#define VN_CAP_END_LEN		28
#define VN_CAP_ORIGLEN_MAX	(65535 + 14 + 8)	/* VN_PKT_FRAME_MAX */

enum vn_cap_rec_type {
	VN_CAP_REC_FRAME = 1,
	VN_CAP_REC_END = 2,
};

enum vn_cap_end_reason {
	VN_CAP_END_COUNT = 0,		/* -c COUNT frames sent */
	VN_CAP_END_CLIENT = 1,		/* the client shut down its side */
	VN_CAP_END_DAEMON = 2,		/* vnetd is stopping */
	VN_CAP_END_PORT = 3,		/* the port was deleted */
	VN_CAP_END__MAX = VN_CAP_END_PORT,
};

/**
 * struct vn_cap_rec - one parsed record
 * @type:	VN_CAP_REC_*
 * @ts_ns:	FRAME: timestamp
 * @origlen:	FRAME: length on the wire
 * @caplen:	FRAME: bytes at @data
 * @data:	FRAME: frame bytes (points into the parsed buffer)
 * @matched:	END: frames that passed the filter
 * @captured:	END: frames queued
 * @dropped:	END: frames dropped because the queue was full
 * @reason:	END: VN_CAP_END_*
 */
struct vn_cap_rec {
	uint32_t type;
	uint64_t ts_ns;
	uint32_t origlen;
	uint32_t caplen;
	const uint8_t *data;
	uint64_t matched;
	uint64_t captured;
	uint64_t dropped;
	uint32_t reason;
};

/**
 * vn_cap_frame_encode() - Write a FRAME record
 * @buf:	output
 * @room:	bytes free at @buf
 * @ts_ns:	timestamp
 * @origlen:	length on the wire
 * @data:	frame bytes
 * @caplen:	bytes of @data to send
 *
 * Return: bytes written, 0 if they do not fit @room
 */
size_t vn_cap_frame_encode(uint8_t *buf, size_t room, uint64_t ts_ns, uint32_t origlen,
			   const uint8_t *data, uint32_t caplen);

/**
 * vn_cap_end_encode() - Write the END record
 * @buf:	output
 * @room:	bytes free at @buf
 * @matched:	counter
 * @captured:	counter
 * @dropped:	counter
 * @reason:	VN_CAP_END_*
 *
 * Return: bytes written, 0 if they do not fit @room
 */
size_t vn_cap_end_encode(uint8_t *buf, size_t room, uint64_t matched, uint64_t captured,
			 uint64_t dropped, uint32_t reason);

/**
 * vn_cap_rec_parse() - Parse the record at the start of @buf
 * @buf:	received bytes (outside input)
 * @len:	bytes at @buf
 * @snaplen:	snap length the reply announced (caplen must not exceed it)
 * @rec:	output
 *
 * Return: bytes the record takes (> 0), 0 if @buf holds only part of it,
 *	   -EPROTO for a record that breaks the format
 */
long vn_cap_rec_parse(const uint8_t *buf, size_t len, uint32_t snaplen, struct vn_cap_rec *rec);

#endif /* VN_CTL_CAPSTREAM_H */
