// SPDX-License-Identifier: MIT
/* fuzz_vu_msg.c - vhost-user messages from a hostile front-end into a vhost-user port
 *
 * The input is cut into messages at the header's size field; each is sent
 * over a socketpair with the fds its request would carry (memfds for
 * SET_MEM_TABLE, eventfds for the vring fd messages), so the handlers get
 * as far as mapping memory and starting rings. Which kind of fd goes with
 * a message turns with the message's position: vring fds are in turn a
 * non-blocking eventfd, a blocking one, one whose counter is at its
 * maximum, a semaphore eventfd and a pipe (both refused as kick fds, the
 * pipe for every ring fd); memory is an unsealed or a
 * sealed memfd. The port serves the stream in this thread; invariants: no
 * crash, no hang, no fd leak.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/pool.h"
#include "port/vhost_user.h"
#include "port/vhost_user_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vn_port *port;
static int memfd = -1, sealed_memfd = -1;

static void quiet(enum vn_log_level level, const char *msg)
{
	(void)level, (void)msg;
}

static void setup(void)
{
	struct vn_port_args a = { .kind = "vhost-user", .n = 1 };

	vn_log_set_sink(quiet);
	snprintf(a.kv[0].key, sizeof(a.kv[0].key), "path");
	snprintf(a.kv[0].val, sizeof(a.kv[0].val), "/tmp/fuzz-vu-msg-%d.sock", (int)getpid());
	port = calloc(1, sizeof(*port));
	port->ops = &vn_vu_port_ops;
	snprintf(port->name, sizeof(port->name), "fuzz");
	if (vn_pool_create("fuzz", 64, &port->pool))
		abort();
	port->priv = calloc(1, port->ops->priv_size);
	if (port->ops->open(port, &a))
		abort();
	memfd = memfd_create("fuzz-guest", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 1 << 20))
		abort();
	sealed_memfd = memfd_create("fuzz-guest-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (sealed_memfd < 0 || ftruncate(sealed_memfd, 1 << 20) ||
	    fcntl(sealed_memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		abort();
}

/* A vring fd of kind @k: the front-end chooses what it hands over */
static int vring_fd(unsigned int k)
{
	uint64_t max = 0xfffffffffffffffeull;
	int fd, p[2];

	switch (k % 5) {
	case 0:
		return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	case 3:
		return eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	case 1:
		return eventfd(0, EFD_CLOEXEC);
	case 2:
		fd = eventfd(0, EFD_CLOEXEC);
		if (fd >= 0 && write(fd, &max, sizeof(max)) != sizeof(max)) {
			close(fd);
			return -1;
		}
		return fd;
	default:
		if (pipe2(p, O_CLOEXEC))
			return -1;
		close(p[1]);
		return p[0];
	}
}

/* The fds a well-formed message of this request would carry */
static unsigned int fds_for(uint32_t req, const uint8_t *payload, uint32_t len, int *fds,
			    unsigned int k)
{
	uint64_t u64 = 0;
	uint32_t n = 0, i;

	if (req == VN_VU_SET_MEM_TABLE && len >= 4) {
		memcpy(&n, payload, 4);
		n = n > VN_VU_FDS_MAX ? VN_VU_FDS_MAX : n;
		for (i = 0; i < n; i++)
			fds[i] = dup(k & 1 ? sealed_memfd : memfd);
		return n;
	}
	if ((req == VN_VU_SET_VRING_KICK || req == VN_VU_SET_VRING_CALL ||
	     req == VN_VU_SET_VRING_ERR) && len >= 8) {
		memcpy(&u64, payload, 8);
		if (u64 & VN_VU_VRING_NOFD)
			return 0;
		fds[0] = vring_fd(k);
		return fds[0] >= 0;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_vu_msg m;
	int sv[2], fds[VN_VU_FDS_MAX];
	size_t off = 0;
	unsigned int nfds, i, k = 0;

	if (!port)
		setup();
	if (size > 16384)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 0;
	/*
	 * Everything is written before the device reads: a long input would fill
	 * the socket and block for ever. Non-blocking, the writing stops at the
	 * first EAGAIN and the device gets what fit.
	 */
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK)) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	while (size - off >= VN_VU_HDR_SIZE) {
		uint32_t hdr[3], len;

		memcpy(hdr, data + off, sizeof(hdr));
		off += sizeof(hdr);
		len = hdr[2] < size - off ? hdr[2] : (uint32_t)(size - off);
		if (len > VN_VU_PAYLOAD_MAX) {
			/* Oversized: send as raw bytes, the device must refuse it */
			if (send(sv[1], hdr, sizeof(hdr), MSG_NOSIGNAL) < 0 ||
			    send(sv[1], data + off, len, MSG_NOSIGNAL) < 0)
				break;
			off += len;
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.request = hdr[0];
		m.flags = hdr[1];
		m.size = hdr[2] > VN_VU_PAYLOAD_MAX ? len : hdr[2];
		memcpy(m.raw, data + off, len);
		nfds = fds_for(m.request, data + off, len, fds, k++);
		off += len;
		/* A size field larger than what follows: the device sees a short message */
		m.size = len;
		if (vn_vu_msg_send(sv[1], &m, fds, nfds) < 0) {
			for (i = 0; i < nfds; i++)
				close(fds[i]);
			break;
		}
		for (i = 0; i < nfds; i++)
			close(fds[i]);
	}
	shutdown(sv[1], SHUT_WR);
	vn_vu_serve_fd(port, sv[0]);	/* closes sv[0] */
	close(sv[1]);
	return 0;
}
