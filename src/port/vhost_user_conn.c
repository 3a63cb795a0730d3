// SPDX-License-Identifier: MIT
/* vhost_user_conn.c - vhost-user device: the control thread and its connections
 *
 * One control thread per port: listen and accept (server mode) or connect
 * and retry every VU_RECONNECT_MS (client mode), then read one message at a
 * time under receive and send timeouts and hand it to its handler
 * (vhost_user_proto.c). When a connection ends, for whatever reason, the
 * device is reset and the guest offload channel told.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/compiler.h"
#include "core/log.h"
#include "vhost_user_internal.h"

/* A message refused, or a reply the front-end would not take (under d->lock):
 * counted, kept as the last error, logged */
static void set_error(struct vu_dev *d, const char *what, uint32_t req, const char *why, int err)
{
	d->info.bad_messages++;
	d->port->stats.bad_messages++;	/* the control thread is its one writer */
	snprintf(d->info.last_error, sizeof(d->info.last_error), "%s %s: %s (%s)", what,
		 vn_vu_msg_name(req), why, strerror(err < 0 ? -err : err));
	/* Rate limited: a front-end in a reconnect loop must not flood the log */
	vn_log_rl(VN_LOG_WARN, "port '%s': vhost-user: closing connection: %s", d->port->name,
		  d->info.last_error);
}

/* Handle one message; a negative return closes the connection */
static int handle(struct vu_dev *d, int fd, struct vn_vu_msg *m)
{
	uint32_t flags = m->flags, req = m->request;
	const char *why = "";
	bool reply = false;
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = vn_vu_handler_of(req)(d, m, &reply, &why);
	d->info.messages++;
	if (ret)
		set_error(d, "request", req, why, ret);
	pthread_mutex_unlock(&d->lock);
	vn_vu_msg_close_fds(m);
	if (!reply && (flags & VN_VU_FLAG_NEED_REPLY) &&
	    (d->protocol & VN_BIT(VN_VU_PROTOCOL_F_REPLY_ACK))) {
		m->u64 = ret ? 1 : 0;
		m->size = 8;
		reply = true;
	}
	if (reply) {
		m->request = req;
		m->flags = VN_VU_VERSION | VN_VU_FLAG_REPLY;
		int err = vn_vu_msg_send(fd, m, NULL, 0);

		/* SO_SNDTIMEO ran out (EAGAIN), or vu_close() shut the socket */
		if (err && !ret) {
			pthread_mutex_lock(&d->lock);
			set_error(d, "reply", req, "front-end not reading its replies", err);
			pthread_mutex_unlock(&d->lock);
			ret = err;
		}
	}
	return ret;
}

/* Serve one connection until it closes, breaks the protocol, or we stop */
static void serve(struct vu_dev *d, int fd)
{
	struct timeval tv = { .tv_sec = VU_RECV_TIMEOUT_SEC };
	struct pollfd pfd[2] = { { .fd = d->stop_fd, .events = POLLIN },
				 { .fd = fd, .events = POLLIN } };
	struct vn_vu_msg *m = malloc(sizeof(*m));
	const char *why;
	int ret;

	if (!m)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* A front-end that never reads its replies must not hold this thread */
	tv.tv_sec = VU_SEND_TIMEOUT_SEC;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (!pfd[1].revents)
			continue;
		ret = vn_vu_msg_recv(fd, m, &why);
		if (ret == -ECONNRESET)
			break;
		if (ret) {
			pthread_mutex_lock(&d->lock);
			set_error(d, "message", m->request, why, ret);
			pthread_mutex_unlock(&d->lock);
			break;
		}
		if (handle(d, fd, m))
			break;
	}
	free(m);
}

static int wait_stop(struct vu_dev *d, int ms)
{
	struct pollfd pfd = { .fd = d->stop_fd, .events = POLLIN };

	return poll(&pfd, 1, ms) > 0;
}

/* Next connection: accept (server) or connect with retries (client); -1 to exit */
static int next_conn(struct vu_dev *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd[2] = { { .fd = d->stop_fd, .events = POLLIN },
				 { .fd = d->listen_fd, .events = POLLIN } };
	int fd;

	memcpy(sa.sun_path, d->path, sizeof(d->path));
	for (;;) {
		if (!d->client) {
			if (poll(pfd, 2, -1) < 0 && errno != EINTR)
				return -1;
			if (pfd[0].revents)
				return -1;
			if (!pfd[1].revents)
				continue;
			fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				return fd;
			continue;
		}
		/* Non-blocking: a server whose backlog is full must not hold us */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return fd;
		}
		if (fd >= 0)
			close(fd);
		if (wait_stop(d, VU_RECONNECT_MS))
			return -1;
	}
}

/* One connection, from its first message to the device reset after it */
static void connection(struct vu_dev *d, int fd)
{
	pthread_mutex_lock(&d->lock);
	d->conn_fd = fd;
	__atomic_store_n(&d->info.connected, true, __ATOMIC_RELAXED);	/* vu_info() */
	d->info.connections++;
	pthread_mutex_unlock(&d->lock);
	vn_log_rl(VN_LOG_INFO, "port '%s': vhost-user: front-end connected", d->port->name);
	serve(d, fd);
	pthread_mutex_lock(&d->lock);
	vn_vu_dev_reset(d);
	vn_vu_guest_gone(d);
	__atomic_store_n(&d->info.connected, false, __ATOMIC_RELAXED);
	vn_vu_close_fd(&d->conn_fd);
	pthread_mutex_unlock(&d->lock);
	vn_log_rl(VN_LOG_INFO, "port '%s': vhost-user: front-end gone", d->port->name);
}

void *vn_vu_control_thread(void *arg)
{
	struct vu_dev *d = arg;
	int fd;

	while ((fd = next_conn(d)) >= 0)
		connection(d, fd);
	return NULL;
}

int vn_vu_serve_fd(struct vn_port *port, int fd)
{
	if (!port || port->ops != &vn_vu_port_ops || fd < 0)
		return -EINVAL;
	connection(port->priv, fd);
	return 0;
}

int vn_vu_make_listener(struct vu_dev *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	memcpy(sa.sun_path, d->path, sizeof(d->path));
	/* A stale socket from an earlier run; never remove anything else */
	if (lstat(d->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(d->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * H7: whoever can connect is a front-end, with all the power over the
	 * port that gives. Linux creates the socket file with the socket
	 * inode's mode less the umask, so fchmod() before bind() means the
	 * file never exists with more than @mode; chmod() after bind() then
	 * gives exactly @mode (the umask may have taken bits away), and
	 * chown() the group, both only ever narrowing what was there.
	 */
	if (fchmod(fd, d->mode) || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if ((d->has_group && chown(d->path, (uid_t)-1, d->group)) || chmod(d->path, d->mode) ||
	    listen(fd, 1)) {
		ret = -errno;
		unlink(d->path);
		close(fd);
		return ret;
	}
	d->listen_fd = fd;
	return 0;
}
