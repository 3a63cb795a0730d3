// SPDX-License-Identifier: MIT
/* offload_io.c - vnet-offload's channel to vnetd: a virtio-serial port or a unix socket */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmd/offload_io.h"

#define BUF_CAP		(VN_XO_HDR_LEN + VN_XO_PAYLOAD_MAX)
#define RETRY_MS	100	/* between attempts while the other side is not there */
#define HELLO_WAIT_MS	1000	/* HELLO is sent again after this long unanswered */

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds left before @until (0 when passed), as poll() takes them */
static int left_ms(uint64_t until)
{
	uint64_t now = now_ms();

	if (now >= until)
		return 0;
	return until - now > 60000 ? 60000 : (int)(until - now);
}

static void nap(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/**
 * open_once() - One attempt at opening @path
 * @c:		channel (@fd, @is_sock set on success)
 * @path:	socket or device
 * @err:	output
 * @errlen:	its size
 *
 * Return: 0, -EAGAIN to try again (not there yet, refused), or a
 * negative errno that retrying will not change, with @err set
 */
static int open_once(struct vn_offload_chan *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (stat(path, &st)) {
		if (errno == ENOENT)
			return fail(err, errlen, -EAGAIN, "%s: no such socket or device "
				    "(is the virtio-serial port, or the socket, there?)", path);
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	}
	if (S_ISSOCK(st.st_mode)) {
		if (strlen(path) >= sizeof(sa.sun_path))
			return fail(err, errlen, -ENAMETOOLONG, "%s: socket path longer than %zu "
				    "bytes", path, sizeof(sa.sun_path) - 1);
		memcpy(sa.sun_path, path, strlen(path) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return fail(err, errlen, -errno, "socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			int e = errno;

			close(fd);
			if (e == ECONNREFUSED || e == ENOENT || e == EAGAIN)
				return fail(err, errlen, -EAGAIN, "%s: %s (is vnetd serving it?)",
					    path, strerror(e));
			return fail(err, errlen, -e, "%s: %s", path, strerror(e));
		}
		c->is_sock = true;
	} else if (S_ISCHR(st.st_mode)) {
		fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			/* EBUSY: another process has the port open (one opener at a time) */
			return fail(err, errlen, errno == EBUSY ? -EAGAIN : -errno, "%s: %s%s",
				    path, strerror(errno), errno == EBUSY ?
				    " (another vnet-offload has it open?)" : "");
		}
		c->is_sock = false;
	} else {
		return fail(err, errlen, -ENOTSUP, "%s: neither a unix socket nor a character "
			    "device", path);
	}
	c->fd = fd;
	return 0;
}

/**
 * send_all() - Write @n bytes, waiting for room, until the deadline
 * @c:		channel
 * @p:		bytes
 * @n:		count
 * @err:	output
 * @errlen:	its size
 *
 * Return: 0, -ETIMEDOUT, -ECONNRESET
 */
static int send_all(struct vn_offload_chan *c, const uint8_t *p, size_t n, char *err,
		    size_t errlen)
{
	bool hup = false;

	while (n) {
		ssize_t w = c->is_sock ? send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT) :
					 write(c->fd, p, n);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(err, errlen, -ECONNRESET, "%s: write: %s", c->path,
				    strerror(errno));
		{
			struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
			int ms = left_ms(c->deadline_ms);

			if (!ms && hup)
				return fail(err, errlen, -ETIMEDOUT, "%s: the port's host side never "
					    "connected (is QEMU's chardev for it connected to vnetd's "
					    "xdp-offload socket?)", c->path);
			if (!ms)
				return fail(err, errlen, -ETIMEDOUT, "%s: timed out sending a "
					    "request", c->path);
			/* the device says POLLHUP, not POLLOUT, while no host side is there */
			if (poll(&pfd, 1, ms) >= 0 && !(pfd.revents & POLLOUT)) {
				hup = !c->is_sock && (pfd.revents & POLLHUP);
				nap(RETRY_MS);
			}
		}
	}
	return 0;
}

/**
 * recv_some() - Wait until @until for bytes and append them to @c->in
 * @c:		channel
 * @until:	monotonic ms
 * @err:	output
 * @errlen:	its size
 *
 * On the device, "host side not connected" (POLLHUP, read() of 0) is
 * waited out in RETRY_MS naps; on a socket it is the end of the stream.
 *
 * Return: 1 bytes were added, 0 @until passed, -ECONNRESET
 */
static int recv_some(struct vn_offload_chan *c, uint64_t until, char *err, size_t errlen)
{
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int ms = left_ms(until), r;
		ssize_t n;

		if (!ms)
			return 0;
		r = poll(&pfd, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;	/* the deadline check above ends it */
		n = read(c->fd, c->in + c->in_len, BUF_CAP - c->in_len);
		if (n > 0) {
			c->in_len += (size_t)n;
			return 1;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!(pfd.revents & POLLIN))
				nap(RETRY_MS);
			continue;
		}
		if (c->is_sock)
			return fail(err, errlen, -ECONNRESET, "%s: vnetd closed the connection%s%s",
				    c->path, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		/* the device: no host side now; QEMU reconnects, wait for it */
		nap(RETRY_MS);
	}
}

long vn_offload_reply_scan(const uint8_t *buf, size_t len, uint32_t seq, bool resync,
			  struct vn_xo_hdr *hdr, size_t *skip)
{
	size_t off = 0;

	*skip = 0;
	while (off < len) {
		long n = vn_xo_hdr_parse(buf + off, len - off, hdr);

		if (n == 0)
			break;
		if (n < 0) {
			if (!resync)
				return -EPROTO;
			off++;		/* stale bytes of another stream: find a header */
			continue;
		}
		/* seq 0 ERROR: vnetd's word on the connection itself (EBUSY: another
		 * peer has the channel; a stream it could not follow): ours too */
		if ((hdr->type & 0x80) && (hdr->seq == seq ||
					   (hdr->seq == 0 && hdr->type == VN_XO_R_ERROR))) {
			*skip = off;
			return n;
		}
		off += (size_t)n;	/* a reply to an earlier run's request */
	}
	*skip = off;
	return 0;
}

static void consume(struct vn_offload_chan *c, size_t len)
{
	memmove(c->in, c->in + len, c->in_len - len);
	c->in_len -= len;
}

/**
 * exchange() - Send @req and wait until @until for the reply with its seq
 * @c:		channel
 * @req:	request (@seq set here)
 * @reply:	output
 * @until:	monotonic ms (at most the deadline)
 * @err:	output
 * @errlen:	its size
 *
 * Return: 1 answered, 0 no answer by @until, negative errno
 */
static int exchange(struct vn_offload_chan *c, struct vn_xo_msg *req, struct vn_xo_msg *reply,
		    uint64_t until, char *err, size_t errlen)
{
	long n;
	int ret;

	req->seq = ++c->seq;
	n = vn_xo_msg_encode(req, c->out, BUF_CAP);
	if (n < 0)
		return fail(err, errlen, -EINVAL, "%s request could not be encoded: %s",
			    vn_xo_type_name(req->type), strerror((int)-n));
	ret = send_all(c, c->out, (size_t)n, err, errlen);
	if (ret)
		return ret;
	for (;;) {
		struct vn_xo_hdr hdr;
		size_t skip;
		long len = vn_offload_reply_scan(c->in, c->in_len, req->seq, !c->is_sock, &hdr,
						 &skip);

		if (len < 0)
			return fail(err, errlen, -EPROTO, "%s: vnetd sent bytes that are not a "
				    "protocol message", c->path);
		c->skipped += skip;
		consume(c, skip);
		if (len == 0) {
			/* cannot be full: vn_xo_hdr_parse() caps a message at BUF_CAP */
			ret = recv_some(c, until, err, errlen);
			if (ret <= 0)
				return ret;
			continue;
		}
		/* a copy outlives @in's reuse: @reply points into it until the next call */
		memcpy(c->rep, c->in, (size_t)len);
		consume(c, (size_t)len);
		ret = vn_xo_msg_decode(&hdr, c->rep + VN_XO_HDR_LEN, reply);
		if (ret)
			return fail(err, errlen, -EPROTO, "%s: vnetd's reply to %s does not decode "
				    "(%s)", c->path, vn_xo_type_name(req->type), strerror(-ret));
		return 1;
	}
}

/**
 * hello() - Say HELLO until answered (or the deadline)
 * @c:		channel, open
 * @err:	output
 * @errlen:	its size
 *
 * On the device, what is written while QEMU is not connected to vnetd is
 * dropped, and nothing says when it connects: HELLO goes again each
 * HELLO_WAIT_MS.
 *
 * Return: 0, -EBUSY (vnetd serves another peer on this channel: the
 * caller may try again), or another negative errno, with @err set
 */
static int hello(struct vn_offload_chan *c, char *err, size_t errlen)
{
	struct vn_xo_msg req, reply;
	int ret;

	for (;;) {
		uint64_t until = now_ms() + HELLO_WAIT_MS;

		memset(&req, 0, sizeof(req));
		req.type = VN_XO_HELLO;
		req.version = VN_XO_VERSION;
		req.caps = VN_XO_CAP_ALL;
		ret = exchange(c, &req, &reply, until < c->deadline_ms ? until : c->deadline_ms,
			       err, errlen);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			if (reply.type == VN_XO_R_ERROR)
				return fail(err, errlen, -reply.err, "%s: vnetd refused the connection: "
					    "%s", c->path, reply.text[0] ? reply.text :
					    strerror(reply.err));
			if (reply.type != VN_XO_R_HELLO || reply.version != VN_XO_VERSION)
				return fail(err, errlen, -EPROTO, "%s: unexpected answer to HELLO "
					    "(%s)", c->path, vn_xo_type_name(reply.type));
			c->caps = reply.caps;
			return 0;
		}
		if (!left_ms(c->deadline_ms))
			return fail(err, errlen, -ETIMEDOUT, "%s: no answer from vnetd within the "
				    "timeout (is the port's xdp-offload socket set, and the "
				    "chardev connected?)", c->path);
	}
}

int vn_offload_chan_open(struct vn_offload_chan *c, const char *path, unsigned int timeout_ms,
			 char *err, size_t errlen)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = path;
	c->deadline_ms = now_ms() + timeout_ms;
	c->in = malloc(BUF_CAP);
	c->out = malloc(BUF_CAP);
	c->rep = malloc(BUF_CAP);
	if (!c->in || !c->out || !c->rep) {
		vn_offload_chan_close(c);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	for (;;) {
		ret = open_once(c, path, err, errlen);
		if (ret == 0) {
			ret = hello(c, err, errlen);
			/* another peer has the channel (a run that is closing): again */
			if (ret == -EBUSY && left_ms(c->deadline_ms)) {
				close(c->fd);
				c->fd = -1;
				c->in_len = 0;
				ret = -EAGAIN;
			}
		}
		if (ret != -EAGAIN)
			break;
		if (!left_ms(c->deadline_ms)) {
			size_t n = strlen(err);

			snprintf(err + n, errlen - n, "; gave up after %u s", timeout_ms / 1000);
			ret = -ETIMEDOUT;
			break;
		}
		nap(RETRY_MS);
	}
	if (ret)
		vn_offload_chan_close(c);
	return ret;
}

int vn_offload_chan_call(struct vn_offload_chan *c, struct vn_xo_msg *req,
			 struct vn_xo_msg *reply, char *err, size_t errlen)
{
	int ret = exchange(c, req, reply, c->deadline_ms, err, errlen);

	if (ret == 0)
		return fail(err, errlen, -ETIMEDOUT, "%s: no reply to %s in time (--timeout)",
			    c->path, vn_xo_type_name(req->type));
	return ret < 0 ? ret : 0;
}

void vn_offload_chan_close(struct vn_offload_chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->in);
	free(c->out);
	free(c->rep);
	c->in = c->out = c->rep = NULL;
}
