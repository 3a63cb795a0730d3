// SPDX-License-Identifier: MIT
/* xo_conn.c - one guest XDP offload connection: bounded buffers, rate limit, replies */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "ctl/xo_conn.h"

#define IN_CAP		(VN_XO_HDR_LEN + VN_XO_PAYLOAD_MAX)
#define REPLY_ROOM	(VN_XO_HDR_LEN + VN_XO_REPLY_MAX)
#define OUT_CAP		(2 * REPLY_ROOM)
#define TOKEN		1000000000ull

int vn_xo_conn_init(struct vn_xo_conn *c, int fd, uint32_t rate, uint32_t burst,
		    uint64_t now_ns)
{
	int fl;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (fd < 0 || rate == 0 || rate > 100000 || burst == 0 || burst > 10000) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return -EINVAL;
	}
	c->in = malloc(IN_CAP);
	c->out = malloc(OUT_CAP);
	c->scratch = malloc(VN_XO_REPLY_MAX);
	if (!c->in || !c->out || !c->scratch) {
		close(fd);
		vn_xo_conn_close(c);
		return -ENOMEM;
	}
	c->fd = fd;
	c->rate = rate;
	c->burst = burst;
	c->tokens = (uint64_t)burst * TOKEN;
	c->last_ns = now_ns;
	return 0;
}

void vn_xo_conn_close(struct vn_xo_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->in);
	free(c->out);
	free(c->scratch);
	c->in = c->out = c->scratch = NULL;
	c->in_len = c->out_len = c->out_off = 0;
}

bool vn_xo_conn_want_input(const struct vn_xo_conn *c)
{
	return c->fd >= 0 && !c->closing && OUT_CAP - c->out_len >= REPLY_ROOM;
}

/**
 * queue() - Encode @m at the end of the output buffer
 * @c:		connection (vn_xo_conn_want_input() held: a largest reply fits)
 * @m:		reply
 *
 * Return: 0, or -EINVAL if @m could not be encoded (a handler's bug; an
 * ERROR EIO is queued instead)
 */
static int queue(struct vn_xo_conn *c, const struct vn_xo_msg *m)
{
	long n = vn_xo_msg_encode(m, c->out + c->out_len, REPLY_ROOM);

	if (n < 0) {
		struct vn_xo_msg e = { .type = VN_XO_R_ERROR, .seq = m->seq, .err = EIO };

		snprintf(e.text, sizeof(e.text), "reply to request could not be encoded");
		n = vn_xo_msg_encode(&e, c->out + c->out_len, REPLY_ROOM);
		if (n < 0)
			return -EINVAL;
		c->out_len += (size_t)n;
		return -EINVAL;
	}
	c->out_len += (size_t)n;
	return 0;
}

/**
 * reply_error() - Queue an ERROR reply and count the rejection
 * @c:		connection
 * @seq:	the request's number
 * @err:	positive errno
 * @text:	message ("" to use strerror(@err))
 */
static void reply_error(struct vn_xo_conn *c, uint32_t seq, int err, const char *text)
{
	struct vn_xo_msg e = { .type = VN_XO_R_ERROR, .seq = seq, .err = err };
	size_t i;

	snprintf(e.text, sizeof(e.text), "%s", text[0] ? text : strerror(err));
	for (i = 0; e.text[i]; i++)	/* the text goes to a peer: printable only */
		if ((unsigned char)e.text[i] < 0x20 || (unsigned char)e.text[i] > 0x7e)
			e.text[i] = '?';
	c->rejected++;
	queue(c, &e);
}

/**
 * rate_take() - Take one request's token
 * @c:		connection
 * @now_ns:	current time
 *
 * Return: true if the request may be served
 */
static bool rate_take(struct vn_xo_conn *c, uint64_t now_ns)
{
	uint64_t cap = (uint64_t)c->burst * TOKEN;

	if (now_ns > c->last_ns) {
		uint64_t dt = now_ns - c->last_ns;

		/* dt * rate overflows only after ~5 years at the largest rate */
		c->tokens = (dt > cap / c->rate || c->tokens + dt * c->rate > cap) ?
			    cap : c->tokens + dt * c->rate;
		c->last_ns = now_ns;
	}
	if (c->tokens < TOKEN)
		return false;
	c->tokens -= TOKEN;
	return true;
}

/**
 * serve() - Answer one whole message
 * @c:		connection
 * @hdr:	its header
 * @payload:	its payload
 * @now_ns:	current time
 * @handle:	request handler
 * @ctx:	its context
 */
static void serve(struct vn_xo_conn *c, const struct vn_xo_hdr *hdr, const uint8_t *payload,
		  uint64_t now_ns, vn_xo_handler_fn handle, void *ctx)
{
	struct vn_xo_msg req, reply;
	int ret;

	c->requests++;
	if (!rate_take(c, now_ns)) {
		c->limited++;
		reply_error(c, hdr->seq, EBUSY, "request rate limit");
		return;
	}
	ret = vn_xo_msg_decode(hdr, payload, &req);
	if (ret == 0 && (req.type & 0x80))
		ret = -EINVAL;			/* a reply type sent as a request */
	if (ret) {
		c->bad_input++;
		reply_error(c, hdr->seq, -ret, ret == -EOPNOTSUPP ? "unknown message type" :
			    "malformed message");
		return;
	}
	memset(&reply, 0, sizeof(reply));
	reply.seq = hdr->seq;
	if (req.type == VN_XO_HELLO) {
		c->hello = true;
		reply.type = VN_XO_R_HELLO;
		reply.version = VN_XO_VERSION;
		reply.caps = req.caps & VN_XO_CAP_ALL;
		reply.max_payload = VN_XO_PAYLOAD_MAX;
		queue(c, &reply);
		return;
	}
	ret = handle(ctx, &req, &reply, c->scratch);
	reply.seq = hdr->seq;
	if (ret < 0) {
		reply_error(c, hdr->seq, -ret > 4095 ? EIO : -ret, reply.text);
		return;
	}
	if (queue(c, &reply))
		c->rejected++;
}

/**
 * consume() - Serve every whole message in the input buffer
 * @c:		connection
 * @now_ns:	current time
 * @handle:	request handler
 * @ctx:	its context
 */
static void consume(struct vn_xo_conn *c, uint64_t now_ns, vn_xo_handler_fn handle, void *ctx)
{
	size_t off = 0;

	while (vn_xo_conn_want_input(c) && off < c->in_len) {
		struct vn_xo_hdr hdr;
		long n = vn_xo_hdr_parse(c->in + off, c->in_len - off, &hdr);

		if (n == 0)
			break;
		if (n < 0) {
			/* the stream cannot be followed any more: say why, then close */
			c->bad_input++;
			reply_error(c, 0, (int)-n, n == -EMSGSIZE ? "message too large" :
				    n == -EPROTONOSUPPORT ? "protocol version not supported" :
				    "bad magic");
			c->closing = true;
			off = c->in_len;
			break;
		}
		serve(c, &hdr, c->in + off + VN_XO_HDR_LEN, now_ns, handle, ctx);
		off += (size_t)n;
	}
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

/* Did a non-blocking recv()/send() fail only because it would block? */
static bool io_later(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

int vn_xo_conn_input(struct vn_xo_conn *c, uint64_t now_ns, vn_xo_handler_fn handle,
		     void *ctx)
{
	if (c->fd < 0)
		return -ECONNRESET;
	/* serve what is already buffered first (it may have waited for room) */
	consume(c, now_ns, handle, ctx);
	while (vn_xo_conn_want_input(c) && c->in_len < IN_CAP) {
		ssize_t n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, MSG_DONTWAIT);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return io_later() ? 0 : -ECONNRESET;
		}
		c->in_len += (size_t)n;
		consume(c, now_ns, handle, ctx);
	}
	return 0;
}

int vn_xo_conn_flush(struct vn_xo_conn *c)
{
	if (c->fd < 0)
		return -ECONNRESET;
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (io_later())
				break;
			return -ECONNRESET;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		return c->closing ? -ECONNRESET : 0;
	}
	memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
	c->out_len -= c->out_off;
	c->out_off = 0;
	return 1;
}
