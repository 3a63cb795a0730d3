/* SPDX-License-Identifier: MIT */
/* xo_conn.h - one guest XDP offload connection: bounded buffers, rate limit, replies
 *
 * The stream side of a port's offload channel (docs/xdp-offload.md), with no
 * knowledge of programs or maps: it reads what the peer sent without
 * blocking, cuts it into messages (vn_xo_hdr_parse()), rate-limits them,
 * answers HELLO itself, hands every other decoded request to a handler and
 * queues the handler's reply, or an ERROR. Input and output buffers are
 * allocated once, when the connection is set up, and never grow: while the
 * output cannot take a largest reply, no more input is read, so a peer
 * that never reads stalls only itself.
 */
#ifndef VN_CTL_XO_CONN_H
#define VN_CTL_XO_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/xo_proto.h"

#define VN_XO_REPLY_MAX		(64u << 10)	/* largest reply payload */
#define VN_XO_RATE_DEFAULT	200		/* requests per second */
#define VN_XO_BURST_DEFAULT	50		/* requests at once */

/**
 * typedef vn_xo_handler_fn - Serve one decoded request
 * @ctx:	the handler's context
 * @req:	the request (not HELLO)
 * @reply:	out: the reply to send (@type, and its fields)
 * @scratch:	VN_XO_REPLY_MAX bytes for reply data (@reply may point into it)
 *
 * Return: 0 to send @reply, or a negative errno to send ERROR with it and
 * the text the handler left in @reply->text ("" for strerror-like default)
 */
typedef int (*vn_xo_handler_fn)(void *ctx, const struct vn_xo_msg *req,
				struct vn_xo_msg *reply, uint8_t *scratch);

/**
 * struct vn_xo_conn - one connection
 * @fd:		the stream socket (non-blocking), -1 when closed
 * @in:		received bytes not yet consumed
 * @in_len:	bytes at @in
 * @out:	reply bytes to send
 * @out_len:	bytes at @out
 * @out_off:	bytes of @out already sent
 * @scratch:	VN_XO_REPLY_MAX bytes for the handler
 * @rate:	requests per second allowed
 * @burst:	bucket size
 * @tokens:	requests allowed now, scaled by 1e9
 * @last_ns:	time of the last refill
 * @closing:	a fatal error was answered: send what is queued, then close
 * @hello:	the peer sent HELLO
 * @requests:	requests received
 * @rejected:	requests answered with ERROR (bad input, rate limit, refusals)
 * @bad_input:	of those, malformed or unknown messages
 * @limited:	of those, refused by the rate limit
 */
struct vn_xo_conn {
	int fd;
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_len;
	size_t out_off;
	uint8_t *scratch;
	uint32_t rate;
	uint32_t burst;
	uint64_t tokens;
	uint64_t last_ns;
	bool closing;
	bool hello;
	uint64_t requests;
	uint64_t rejected;
	uint64_t bad_input;
	uint64_t limited;
};

/**
 * vn_xo_conn_init() - Set up a connection on an accepted socket
 * @c:		connection
 * @fd:		the socket; made non-blocking; owned by @c from now on
 * @rate:	requests per second (1..100000)
 * @burst:	requests at once (1..10000)
 * @now_ns:	current monotonic time
 *
 * Return: 0, -EINVAL, -ENOMEM (@fd is closed on failure)
 */
int vn_xo_conn_init(struct vn_xo_conn *c, int fd, uint32_t rate, uint32_t burst,
		    uint64_t now_ns);

/**
 * vn_xo_conn_close() - Close the socket and free the buffers
 * @c:		connection (may be closed already)
 */
void vn_xo_conn_close(struct vn_xo_conn *c);

/**
 * vn_xo_conn_input() - Read what the peer sent and serve whole requests
 * @c:		connection
 * @now_ns:	current monotonic time (rate limit)
 * @handle:	the request handler
 * @ctx:	its context
 *
 * Never blocks. Stops reading while the output cannot take a largest reply.
 *
 * Return: 0 (call vn_xo_conn_flush() next), -ECONNRESET when the peer
 * closed or the connection must be closed now (the caller closes it)
 */
int vn_xo_conn_input(struct vn_xo_conn *c, uint64_t now_ns, vn_xo_handler_fn handle,
		     void *ctx);

/**
 * vn_xo_conn_flush() - Send queued replies without blocking
 * @c:		connection
 *
 * Return: 0 all sent, 1 some left (wait for the socket to be writable),
 * -ECONNRESET when the connection is to be closed (peer gone, or a fatal
 * error answered and sent)
 */
int vn_xo_conn_flush(struct vn_xo_conn *c);

/**
 * vn_xo_conn_want_input() - Whether vn_xo_conn_input() would read now
 * @c:		connection
 *
 * Return: false while the output is too full for a largest reply or the
 * connection is closing
 */
bool vn_xo_conn_want_input(const struct vn_xo_conn *c);

#endif /* VN_CTL_XO_CONN_H */
