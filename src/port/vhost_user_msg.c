// SPDX-License-Identifier: MIT
/* vhost_user_msg.c - vhost-user messages: receive with fds, validate against the table, send
 *
 * Security model: the front-end (QEMU) is one step removed from the guest
 * and may be compromised or buggy: no field of a received message is
 * trusted. Sizes, fd counts and indexes are checked here and in the
 * handlers; anything wrong closes that one connection.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/compiler.h"
#include "vhost_user_msg.h"

struct req_desc {
	uint32_t num;
	int size;
	int fds;
	const char *name;
};

static const struct req_desc req_table[] = {
#define VN_VU_REQ_DESC(name, num, size, fds, fn)	{ num, size, fds, #name },
	VN_VU_REQUESTS(VN_VU_REQ_DESC)
#undef VN_VU_REQ_DESC
};

static const struct req_desc *req_lookup(uint32_t request)
{
	unsigned int i;

	for (i = 0; i < VN_ARRAY_SIZE(req_table); i++)
		if (req_table[i].num == request)
			return &req_table[i];
	return NULL;
}

const char *vn_vu_msg_name(uint32_t request)
{
	const struct req_desc *d = req_lookup(request);

	return d ? d->name : "UNKNOWN";
}

static int check_fds(const struct vn_vu_msg *msg, const struct req_desc *d, const char **why)
{
	unsigned int want;

	if (d->fds == -1) {
		want = msg->mem.nregions;
	} else if (d->fds == 1 && d->size == 8) {
		/* KICK/CALL/ERR: an fd follows unless NOFD is set */
		want = (msg->u64 & VN_VU_VRING_NOFD) ? 0 : 1;
	} else {
		want = (unsigned int)d->fds;
	}
	/* Fds missing, or more fds than the request carries */
	if (msg->nfds != want) {
		*why = "wrong number of fds for the request";
		return -EINVAL;
	}
	return 0;
}

int vn_vu_msg_validate(const struct vn_vu_msg *msg, const char **why)
{
	const struct req_desc *d;

	/* Protocol version we do not speak */
	if ((msg->flags & VN_VU_FLAG_VERSION_MASK) != VN_VU_VERSION) {
		*why = "bad protocol version";
		return -EPROTO;
	}
	/* A front-end never sends replies */
	if (msg->flags & VN_VU_FLAG_REPLY) {
		*why = "reply flag on a request";
		return -EPROTO;
	}
	d = req_lookup(msg->request);
	if (!d) {
		*why = "unknown request";
		return -ENOTSUP;
	}
	if (d->size == -1) {
		/* Memory table: header, then exactly nregions regions */
		if (msg->size < 8 || msg->mem.nregions == 0 ||
		    msg->mem.nregions > VN_VU_MEM_REGIONS_MAX ||
		    msg->size != 8 + 32 * msg->mem.nregions) {
			*why = "memory table size does not match its region count";
			return -EINVAL;
		}
	} else if (msg->size != (uint32_t)d->size) {
		/* Payload size other than the request's */
		*why = "payload size wrong for the request";
		return -EINVAL;
	}
	return check_fds(msg, d, why);
}

/**
 * take_cmsg_fds() - Keep up to @max of the fds a message carried, close the rest
 * @mh:		the received message
 * @fds:	where kept fds go (may be NULL when @max is 0)
 * @nfds:	fds in @fds, updated
 * @max:	room in @fds
 */
static void take_cmsg_fds(struct msghdr *mh, int *fds, unsigned int *nfds, unsigned int max)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*nfds < max)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

/* Close every fd a message carried (it is refused) */
static void close_cmsg_fds(struct msghdr *mh)
{
	unsigned int none = 0;

	take_cmsg_fds(mh, NULL, &none, 0);
}

/* Header and fds; returns bytes of header read (12) or a negative errno */
static int recv_hdr(int fd, struct vn_vu_msg *msg, const char **why)
{
	char ctrl[CMSG_SPACE(sizeof(int) * VN_VU_FDS_MAX)];
	uint32_t hdr[3];
	struct iovec iov = { hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctrl, .msg_controllen = sizeof(ctrl) };
	ssize_t r;

	do {
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ECONNRESET;
	if (r < 0) {
		*why = "recvmsg failed";
		return -errno;
	}
	/* Fds were cut: more than any request carries */
	if (mh.msg_flags & MSG_CTRUNC) {
		close_cmsg_fds(&mh);
		*why = "too many fds";
		return -EINVAL;
	}
	/* Connection closed inside a header */
	if (r != sizeof(hdr)) {
		close_cmsg_fds(&mh);
		*why = "short header";
		return -EPROTO;
	}
	msg->request = hdr[0];
	msg->flags = hdr[1];
	msg->size = hdr[2];
	msg->nfds = 0;
	take_cmsg_fds(&mh, msg->fds, &msg->nfds, VN_VU_FDS_MAX);
	return 0;
}

int vn_vu_msg_recv(int fd, struct vn_vu_msg *msg, const char **why)
{
	ssize_t r;
	int ret;

	*why = "";
	ret = recv_hdr(fd, msg, why);
	if (ret)
		return ret;
	/* Payload larger than any request's: do not read it */
	if (msg->size > VN_VU_PAYLOAD_MAX) {
		*why = "payload larger than any request";
		ret = -EMSGSIZE;
		goto fail;
	}
	memset(msg->raw, 0, sizeof(msg->raw));
	if (msg->size) {
		do {
			r = recv(fd, msg->raw, msg->size, MSG_WAITALL);
		} while (r < 0 && errno == EINTR);
		/* Connection closed (or timed out) inside a payload */
		if (r != (ssize_t)msg->size) {
			*why = "short payload";
			ret = r < 0 ? -errno : -EPROTO;
			goto fail;
		}
	}
	ret = vn_vu_msg_validate(msg, why);
	if (ret)
		goto fail;
	return 0;
fail:
	vn_vu_msg_close_fds(msg);
	return ret;
}

int vn_vu_msg_send(int fd, const struct vn_vu_msg *msg, const int *fds, unsigned int nfds)
{
	char ctrl[CMSG_SPACE(sizeof(int) * VN_VU_FDS_MAX)];
	uint32_t hdr[3] = { msg->request, msg->flags, msg->size };
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)msg->raw, msg->size } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = msg->size ? 2 : 1 };
	ssize_t r;

	if (msg->size > VN_VU_PAYLOAD_MAX || nfds > VN_VU_FDS_MAX)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *cm;

		memset(ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do {
		r = sendmsg(fd, &mh, MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == (ssize_t)(sizeof(hdr) + msg->size) ? 0 : -EIO;
}

void vn_vu_msg_close_fds(struct vn_vu_msg *msg)
{
	unsigned int i;

	for (i = 0; i < msg->nfds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nfds = 0;
}

int vn_vu_msg_take_fd(struct vn_vu_msg *msg)
{
	unsigned int i;

	for (i = 0; i < msg->nfds; i++) {
		if (msg->fds[i] >= 0) {
			int fd = msg->fds[i];

			msg->fds[i] = -1;
			return fd;
		}
	}
	return -1;
}
