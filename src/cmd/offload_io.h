/* SPDX-License-Identifier: MIT */
/* offload_io.h - vnet-offload's channel to vnetd: a virtio-serial port or a unix socket
 *
 * One request, one reply (docs/xdp-offload.md), over whichever the guest
 * has: the character device of a virtio-serial port
 * (/dev/virtio-ports/org.vnetd.xdp.0) or, in a container, the port's unix
 * socket itself. A virtio-serial port differs from a socket in three ways,
 * all handled here:
 *
 * - the host side may not be connected yet (QEMU's chardev reconnects to
 *   vnetd's socket once a second): poll() reports POLLHUP and read()
 *   returns 0; that is waited out, and bytes written meanwhile may be lost,
 *   so HELLO is sent again until it is answered;
 * - a read returns what has arrived, part of a message or several;
 * - the stream outlives this process (QEMU keeps its connection to vnetd):
 *   a reply to an earlier, interrupted run may still be queued, so replies
 *   whose seq is not the request's are skipped, and on the device a header
 *   that does not parse is skipped byte by byte until one does.
 *
 * Every wait is bounded by one deadline, the tool's --timeout.
 */
#ifndef VN_CMD_OFFLOAD_IO_H
#define VN_CMD_OFFLOAD_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/xo_proto.h"

/**
 * struct vn_offload_chan - an open channel
 * @fd:		the socket or the device
 * @is_sock:	@fd is a unix stream socket (else a character device)
 * @path:	what was opened, for messages
 * @deadline_ms: monotonic time after which every wait fails with -ETIMEDOUT
 * @seq:	last request number used
 * @in:		received bytes not yet consumed
 * @in_len:	bytes at @in
 * @out:	encode buffer for one request
 * @rep:	the last reply, which a decoded reply points into
 * @skipped:	stale or unparsable bytes skipped
 * @caps:	capability bits the server granted in R_HELLO
 */
struct vn_offload_chan {
	int fd;
	bool is_sock;
	const char *path;
	uint64_t deadline_ms;
	uint32_t seq;
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	uint8_t *rep;
	uint64_t skipped;
	uint32_t caps;
};

/**
 * vn_offload_chan_open() - Open @path and say HELLO
 * @c:		channel
 * @path:	a unix socket (connected to) or a character device (opened O_RDWR)
 * @timeout_ms:	how long this call and every later one may wait, in total
 * @err:	output: why it failed
 * @errlen:	size of @err
 *
 * Retries while the path does not exist yet, the socket refuses, or the
 * port's host side is not connected, until the deadline.
 *
 * Return: 0, -ETIMEDOUT, or another negative errno, with @err set
 */
int vn_offload_chan_open(struct vn_offload_chan *c, const char *path, unsigned int timeout_ms,
			 char *err, size_t errlen);

/**
 * vn_offload_chan_call() - Send one request and wait for its reply
 * @c:		channel
 * @req:	the request (its @seq is set here)
 * @reply:	output: the decoded reply; it points into @c's buffer and is
 *		valid until the next call
 * @err:	output: why it failed (a transport failure, not an ERROR reply)
 * @errlen:	size of @err
 *
 * An ERROR reply is a successful call: @reply->type is VN_XO_R_ERROR.
 *
 * Return: 0, -ETIMEDOUT, -ECONNRESET, -EPROTO (a reply that does not
 * decode), -EINVAL (@req could not be encoded), with @err set
 */
int vn_offload_chan_call(struct vn_offload_chan *c, struct vn_xo_msg *req,
			 struct vn_xo_msg *reply, char *err, size_t errlen);

/**
 * vn_offload_reply_scan() - Find the reply to request @seq in received bytes
 * @buf:	bytes received, not yet consumed (outside input)
 * @len:	their count
 * @seq:	the request's number
 * @resync:	skip bytes that do not start a valid header (the device: an
 *		earlier stream's tail), rather than fail (a socket)
 * @hdr:	output: the reply's header
 * @skip:	output: bytes before the reply (or, when none is found, bytes
 *		that can go: whole messages for other requests, unparsable bytes)
 *
 * A reply is a message with a reply type and @seq, or a seq-0 ERROR (vnetd's
 * word on the connection). Whole messages in between are skipped.
 *
 * Return: the reply's length (it starts at @buf + *@skip), 0 when more
 * bytes are needed, -EPROTO for a bad header when !@resync
 */
long vn_offload_reply_scan(const uint8_t *buf, size_t len, uint32_t seq, bool resync,
			   struct vn_xo_hdr *hdr, size_t *skip);

/**
 * vn_offload_chan_close() - Close the channel and free its buffers
 * @c:		channel (may be closed already)
 */
void vn_offload_chan_close(struct vn_offload_chan *c);

#endif /* VN_CMD_OFFLOAD_IO_H */
