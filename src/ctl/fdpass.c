// SPDX-License-Identifier: MIT
/* fdpass.c - file descriptors passed with a control request (see fdpass.h) */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"

#define FDS_MAX		4	/* taken per recvmsg(); the kernel closes what does not fit */

int vn_ctl_fdpass_send(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t off = 0;
	ssize_t n;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.b;
		m.msg_controllen = sizeof(ctl.b);
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_RIGHTS;
		ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&ctl.h), &fd, sizeof(int));
	}
	while (off < len) {
		iov.iov_base = (char *)buf + off;
		iov.iov_len = len - off;
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
		/* the descriptor went with the first byte */
		m.msg_control = NULL;
		m.msg_controllen = 0;
	}
	return 0;
}

ssize_t vn_ctl_fdpass_recv(int sock, void *buf, size_t len, int *fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(FDS_MAX * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return n;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		size_t k, nfds;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfds; k++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	return n;
}

int vn_ctl_xdp_spec_file(const char *spec, size_t *off, size_t *len)
{
	const char *a, *b;

	a = spec ? strchr(spec, ':') : NULL;
	a = a ? strchr(a + 1, ':') : NULL;
	/* fewer than three fields */
	if (!a)
		return -EINVAL;
	a++;
	b = strchr(a, ':');
	if (!b)
		b = a + strlen(a);
	/* an empty FILE ("port:ingress::sec") */
	if (b == a)
		return -EINVAL;
	*off = (size_t)(a - spec);
	*len = (size_t)(b - a);
	return 0;
}
