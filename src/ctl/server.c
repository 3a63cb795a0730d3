// SPDX-License-Identifier: MIT
/* server.c - control socket server: one thread, epoll, bounded per-client state
 *
 * Security model: anyone who can connect() is checked with SO_PEERCRED and
 * must be root, the daemon's own uid, or a member of the socket file's
 * group; everyone else gets one EACCES reply, a log line, and a close.
 * Past that check a client is still outside input (proto.h). Descriptors
 * it sends (SCM_RIGHTS, fdpass.h) cost at most one held per client: the
 * next request it runs gets it, and it is closed after that request.
 *
 * The datapath never waits for the control plane: this thread only shares
 * the switch's control lock with the workers' port list updates, and every
 * client socket is non-blocking. A client costs at most one input line
 * buffer (VN_CTL_LINE_MAX) and one queued reply (VN_CTL_OUT_MAX): while a
 * reply is unsent the server reads nothing more from that client. There are
 * at most max_clients clients; a client silent for VN_CTL_IDLE_SEC is
 * closed, and a line longer than VN_CTL_LINE_MAX gets an error and a close.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/clock.h"
#include "core/log.h"
#include "fdpass.h"
#include "server.h"

#ifndef VN_VERSION
#define VN_VERSION "unknown"
#endif

#define EVENTS_MAX	32
#define PEER_GROUPS_MAX	256

struct client {
	int fd;
	pid_t pid;
	uid_t uid;
	char *in;		/* VN_CTL_LINE_MAX + 1 bytes */
	size_t in_len;
	char *out;		/* queued reply bytes */
	size_t out_len;
	size_t out_off;
	bool eof;		/* peer shut down its write side */
	bool closing;		/* close once @out is sent */
	bool handed_off;	/* a streaming command owns the socket now */
	int pass_fd;		/* descriptor sent with a request (fdpass.h), or -1 */
	time_t last_active;
};

struct vn_ctl_server {
	struct vn_ctl_server_conf conf;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t sock_gid;
	bool bound;		/* the socket file is ours to unlink */
	int lfd;
	int epfd;
	int stopfd;
	int timerfd;
	pthread_t thread;
	unsigned int nclients;
	struct client **clients;	/* max_clients slots */
};

/* Sentinels for epoll data: the non-client fds */
static char tag_listen, tag_stop, tag_timer, tag_watch;

/*
 * Discard what the peer sent and we will not read (the rest of an oversized
 * line): closing a unix socket with unread input resets the peer, which
 * then may not see our error reply. Bounded: at most 1 MiB, never blocks.
 */
static void drain(int fd)
{
	char buf[4096];
	unsigned int i;

	for (i = 0; i < 256; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			return;
}

static void client_free(struct vn_ctl_server *srv, struct client *c)
{
	unsigned int i;

	for (i = 0; i < srv->conf.max_clients; i++)
		if (srv->clients[i] == c)
			srv->clients[i] = NULL;
	srv->nclients--;
	/* close() alone keeps the registration if a forked child shares the fd */
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->pass_fd >= 0)
		close(c->pass_fd);
	free(c->in);
	free(c->out);
	free(c);
}

static int client_events(struct vn_ctl_server *srv, struct client *c)
{
	struct epoll_event ev = { .data.ptr = c };

	/* a queued reply blocks reading: one reply per client in memory */
	ev.events = c->out_off < c->out_len ? EPOLLOUT : (c->eof ? 0 : EPOLLIN);
	return epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Send what we can; 0 when all is sent, -EAGAIN when the rest must wait. */
static int client_flush(struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -EAGAIN : -errno;
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return 0;
}

static void client_queue(struct client *c, char *line, size_t len)
{
	char msg[96];

	/* a reply too large to hold (a huge FDB): send an error instead */
	if (line && len > VN_CTL_OUT_MAX) {
		free(line);
		snprintf(msg, sizeof(msg), "reply larger than %d bytes", VN_CTL_OUT_MAX);
		line = vn_ctl_reply_error(-1, -E2BIG, msg, &len);
	}
	if (!line) {
		c->closing = true;
		return;
	}
	/* only called with an empty queue: see client_events() */
	free(c->out);
	c->out = line;
	c->out_len = len;
	c->out_off = 0;
}

static struct json_object *help_result(void)
{
	struct json_object *arr = json_object_new_array();
	char usage[160];
	unsigned int i;

	for (i = 0; i < VN_CTL_CMD__MAX; i++) {
		const struct vn_ctl_cmd *cmd = vn_ctl_cmd_get(i);
		struct json_object *o = json_object_new_object();

		vn_ctl_cmd_usage(cmd, usage, sizeof(usage));
		json_object_object_add(o, "name", json_object_new_string(cmd->name));
		json_object_object_add(o, "usage", json_object_new_string(usage));
		json_object_object_add(o, "help", json_object_new_string(cmd->help));
		json_object_object_add(o, "config", json_object_new_boolean(cmd->config));
		json_object_array_add(arr, o);
	}
	return arr;
}

static char *run_request(struct vn_ctl_server *srv, struct client *c, const char *line,
			 size_t len, size_t *outlen)
{
	struct json_object *result = NULL;
	struct vn_ctl_request req;
	char msg[VN_CTL_MSG_MAX];
	int64_t id;
	int ret;

	msg[0] = '\0';
	ret = vn_ctl_request_parse(line, len, &req, msg, sizeof(msg));
	/* a descriptor sent along belongs to this request only */
	req.fd = c->pass_fd;
	c->pass_fd = -1;
	if (ret) {
		if (req.fd >= 0)
			close(req.fd);
		return vn_ctl_reply_error(req.id, ret, msg, outlen);
	}
	if (req.cmd->id == VN_CTL_CMD_VERSION) {
		result = json_object_new_object();
		json_object_object_add(result, "version", json_object_new_string(VN_VERSION));
		json_object_object_add(result, "proto", json_object_new_int(VN_CTL_PROTO_VERSION));
	} else if (req.cmd->id == VN_CTL_CMD_HELP) {
		result = help_result();
	} else if (req.cmd->stream) {
		ret = -EOPNOTSUPP;
		snprintf(msg, sizeof(msg), "command \"%s\" is not served here", req.cmd->name);
		/* the stream gets its own descriptor of the socket; ours is closed
		 * (and out of the epoll set) when the client is freed */
		int sfd = srv->conf.stream ? fcntl(c->fd, F_DUPFD_CLOEXEC, 0) : -1;

		if (srv->conf.stream && sfd < 0) {
			ret = -errno;
			snprintf(msg, sizeof(msg), "dup: %s", strerror(errno));
		} else if (sfd >= 0) {
			ret = srv->conf.stream(srv->conf.ctx, &req, sfd, msg, sizeof(msg));
			if (ret)
				close(sfd);
		}
		if (!ret) {
			/* the stream owns the connection: no reply from us, nothing more read */
			if (req.fd >= 0)
				close(req.fd);
			vn_ctl_request_fini(&req);
			c->handed_off = true;
			return NULL;
		}
	} else {
		ret = srv->conf.dispatch(srv->conf.ctx, &req, &result, msg, sizeof(msg));
	}
	id = req.id;
	if (req.fd >= 0)
		close(req.fd);
	vn_ctl_request_fini(&req);
	if (ret) {
		json_object_put(result);
		return vn_ctl_reply_error(id, ret < 0 ? ret : -EIO, msg, outlen);
	}
	return vn_ctl_reply_ok(id, result, outlen);
}

/* Answer complete lines until one reply cannot be sent at once. */
static void client_process(struct vn_ctl_server *srv, struct client *c)
{
	size_t len, rlen = 0, used = 0;
	char *nl, *line, *reply;

	while (!c->closing && c->out_off >= c->out_len) {
		nl = memchr(c->in + used, '\n', c->in_len - used);
		if (!nl && !(c->eof && c->in_len > used))
			break;
		len = nl ? (size_t)(nl - (c->in + used)) : c->in_len - used;
		line = c->in + used;
		used += len + (nl ? 1 : 0);
		/* blank lines between requests are allowed (typed by hand) */
		if (len == 0 || (len == 1 && line[0] == '\r'))
			continue;
		reply = run_request(srv, c, line, len, &rlen);
		if (c->handed_off) {
			c->closing = true;
			break;
		}
		client_queue(c, reply, rlen);
		if (client_flush(c) == -EAGAIN)
			break;
		if (c->out_off < c->out_len)	/* send error: give up on the client */
			c->closing = true;
	}
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	/* a full buffer without a newline: the line is longer than any request */
	if (c->in_len > VN_CTL_LINE_MAX && c->out_off >= c->out_len && !c->closing) {
		char msg[64];

		snprintf(msg, sizeof(msg), "request longer than %d bytes", VN_CTL_LINE_MAX);
		reply = vn_ctl_reply_error(-1, -EMSGSIZE, msg, &rlen);
		client_queue(c, reply, rlen);
		c->closing = true;
		c->in_len = 0;
		vn_log_rl(VN_LOG_WARN, "ctl: client pid %d: oversized request, closing",
			  (int)c->pid);
	}
}

static void client_read(struct client *c)
{
	ssize_t n;

	/* room for one line of VN_CTL_LINE_MAX plus its newline, no more */
	while (!c->eof && c->in_len <= VN_CTL_LINE_MAX) {
		n = vn_ctl_fdpass_recv(c->fd, c->in + c->in_len, VN_CTL_LINE_MAX + 1 - c->in_len,
				       &c->pass_fd);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN)
				c->closing = true;
			return;
		}
		if (n == 0) {
			c->eof = true;
			return;
		}
		c->in_len += (size_t)n;
		if (memchr(c->in + c->in_len - n, '\n', (size_t)n))
			return;
	}
}

static void client_event(struct vn_ctl_server *srv, struct client *c, uint32_t events)
{
	c->last_active = (time_t)vn_mono_sec();
	if (events & EPOLLIN)
		client_read(c);
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN))
		c->closing = true;
	if (client_flush(c) == 0 && !c->closing)
		client_process(srv, c);
	if (c->handed_off) {
		client_free(srv, c);
		return;
	}
	if (c->out_off < c->out_len && client_flush(c) != -EAGAIN)
		c->closing = true;
	/* done: refused, broken, oversized, or the peer said all it had to say */
	if ((c->closing || (c->eof && c->in_len == 0)) && c->out_off >= c->out_len) {
		drain(c->fd);
		client_free(srv, c);
		return;
	}
	if (c->closing && c->out_off < c->out_len) {
		c->eof = true;	/* read nothing more, flush, then close */
		c->in_len = 0;
	}
	if (client_events(srv, c))
		client_free(srv, c);
}

static bool peer_in_group(int fd, gid_t pgid, gid_t want)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t len = sizeof(groups);
	unsigned int i;

	if (pgid == want)
		return true;
	/* supplementary groups of the peer at connect() time */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == want)
			return true;
	return false;
}

static void reply_and_close(int fd, int err, const char *msg)
{
	size_t len;
	char *line = vn_ctl_reply_error(-1, err, msg, &len);

	if (line && send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		vn_dbg("ctl: could not send refusal: %s", strerror(errno));
	free(line);
	drain(fd);
	close(fd);
}

/* Refuse (and log) a peer that is not root, our uid, or in the socket's group. */
static int peer_check(struct vn_ctl_server *srv, int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);
	struct stat st;
	gid_t gid = srv->sock_gid;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len))
		return -errno;
	if (cred->uid == 0 || cred->uid == geteuid())
		return 0;
	/* the operator may chgrp the socket after start: read its group now */
	if (!stat(srv->path, &st))
		gid = st.st_gid;
	if (peer_in_group(fd, cred->gid, gid))
		return 0;
	vn_warn("ctl: refused connection from pid %d uid %u gid %u: not root, uid %u or group %u",
		(int)cred->pid, (unsigned int)cred->uid, (unsigned int)cred->gid,
		(unsigned int)geteuid(), (unsigned int)gid);
	return -EACCES;
}

static void accept_one(struct vn_ctl_server *srv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cred;
	struct client *c;
	unsigned int i;
	int fd;

	fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (peer_check(srv, fd, &cred)) {
		reply_and_close(fd, -EACCES, "permission denied: not root, the daemon's user "
				"or in the control socket's group");
		return;
	}
	/* every slot taken: a flood of connections must not grow our memory */
	if (srv->nclients >= srv->conf.max_clients) {
		vn_log_rl(VN_LOG_WARN, "ctl: %u clients already, refusing pid %d",
			  srv->nclients, (int)cred.pid);
		reply_and_close(fd, -EBUSY, "too many control clients");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->in = malloc(VN_CTL_LINE_MAX + 1);
	if (!c || !c->in) {
		if (c)
			free(c);
		reply_and_close(fd, -ENOMEM, "out of memory");
		return;
	}
	c->fd = fd;
	c->pass_fd = -1;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->last_active = (time_t)vn_mono_sec();
	ev.data.ptr = c;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(c->in);
		free(c);
		close(fd);
		return;
	}
	for (i = 0; i < srv->conf.max_clients; i++) {
		if (!srv->clients[i]) {
			srv->clients[i] = c;
			break;
		}
	}
	srv->nclients++;
}

static void tick(struct vn_ctl_server *srv)
{
	uint64_t expirations;
	time_t now = (time_t)vn_mono_sec();
	unsigned int i;

	if (read(srv->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
	for (i = 0; i < srv->conf.max_clients; i++) {
		struct client *c = srv->clients[i];

		/* shut down, not freed: an event for it may follow in this batch */
		if (c && now - c->last_active > VN_CTL_IDLE_SEC) {
			vn_info("ctl: client pid %d idle for %d s, closing", (int)c->pid,
				VN_CTL_IDLE_SEC);
			shutdown(c->fd, SHUT_RDWR);
			c->last_active = now;
		}
	}
	if (srv->conf.tick)
		srv->conf.tick(srv->conf.ctx);
}

static void *server_thread(void *arg)
{
	struct vn_ctl_server *srv = arg;
	struct epoll_event evs[EVENTS_MAX];
	int i, n;

	for (;;) {
		n = epoll_wait(srv->epfd, evs, EVENTS_MAX, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vn_err("ctl: epoll_wait: %s", strerror(errno));
			return NULL;
		}
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &tag_stop)
				return NULL;
			if (p == &tag_listen)
				accept_one(srv);
			else if (p == &tag_timer)
				tick(srv);
			else if (p == &tag_watch)
				srv->conf.watch(srv->conf.ctx);
			else
				client_event(srv, p, evs[i].events);
		}
	}
}

/* mkdir -p the socket's directory (mode 0755: the socket's own mode guards it) */
static int dir_create(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	memcpy(dir, path, sizeof(dir));
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int vn_ctl_sock_stale_remove(const struct sockaddr_un *sa, const char **step)
{
	struct stat st;
	int fd, ret;

	*step = "lstat";
	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	*step = "socket";
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!ret)
		return -EADDRINUSE;
	*step = "unlink";
	return unlink(sa->sun_path) ? -errno : 0;
}

static int sock_bind(struct vn_ctl_server *srv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *step;
	struct stat st;
	int ret;

	memcpy(sa.sun_path, srv->path, sizeof(sa.sun_path));
	ret = dir_create(sa.sun_path);
	if (!ret)
		ret = vn_ctl_sock_stale_remove(&sa, &step);
	if (ret)
		return ret;
	srv->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->lfd < 0)
		return -errno;
	/* listen() comes after chmod: nobody connects while the mode is the umask's */
	if (bind(srv->lfd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	srv->bound = true;
	if (chmod(sa.sun_path, 0660) || stat(sa.sun_path, &st) ||
	    listen(srv->lfd, SOMAXCONN))
		return -errno;
	srv->sock_gid = st.st_gid;
	return 0;
}

static int epoll_add(struct vn_ctl_server *srv, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int fds_open(struct vn_ctl_server *srv)
{
	struct itimerspec its = { .it_interval.tv_sec = 1, .it_value.tv_sec = 1 };
	int ret;

	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	srv->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	srv->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (srv->epfd < 0 || srv->stopfd < 0 || srv->timerfd < 0)
		return -errno;
	if (timerfd_settime(srv->timerfd, 0, &its, NULL))
		return -errno;
	ret = epoll_add(srv, srv->lfd, &tag_listen);
	if (!ret)
		ret = epoll_add(srv, srv->stopfd, &tag_stop);
	if (!ret)
		ret = epoll_add(srv, srv->timerfd, &tag_timer);
	if (!ret && srv->conf.watch)
		ret = epoll_add(srv, srv->conf.watch_fd, &tag_watch);
	return ret;
}

static void fds_close(struct vn_ctl_server *srv)
{
	int *fds[] = { &srv->lfd, &srv->epfd, &srv->stopfd, &srv->timerfd };
	unsigned int i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/**
 * vn_ctl_server_open() - Bind the socket and start the control thread
 * @conf:	configuration (copied; @conf->path too)
 * @out:	the server
 *
 * Return: 0, -EADDRINUSE if a live daemon answers on @path, -EEXIST if
 *	   @path is not a socket, -ENAMETOOLONG, or another negative errno
 */
int vn_ctl_server_open(const struct vn_ctl_server_conf *conf, struct vn_ctl_server **out)
{
	struct vn_ctl_server *srv;
	int ret;

	if (!conf->path || !conf->dispatch)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->conf = *conf;
	srv->conf.path = srv->path;
	if (!srv->conf.max_clients)
		srv->conf.max_clients = VN_CTL_CLIENTS_MAX;
	srv->lfd = srv->epfd = srv->stopfd = srv->timerfd = -1;
	srv->clients = calloc(srv->conf.max_clients, sizeof(*srv->clients));
	/* a path the kernel would truncate */
	if (strlen(conf->path) >= sizeof(srv->path))
		ret = -ENAMETOOLONG;
	else
		ret = srv->clients ? 0 : -ENOMEM;
	if (!ret)
		memcpy(srv->path, conf->path, strlen(conf->path) + 1);
	if (!ret)
		ret = sock_bind(srv);
	if (!ret)
		ret = fds_open(srv);
	if (!ret)
		ret = -pthread_create(&srv->thread, NULL, server_thread, srv);
	if (ret) {
		vn_err("ctl: socket %s: %s", conf->path, strerror(-ret));
		if (srv->bound)
			unlink(srv->path);
		fds_close(srv);
		free(srv->clients);
		free(srv);
		return ret;
	}
	vn_info("ctl: listening on %s", srv->path);
	*out = srv;
	return 0;
}

/**
 * vn_ctl_server_close() - Stop the thread, close every client, unlink the socket
 * @srv:	server, may be NULL
 */
void vn_ctl_server_close(struct vn_ctl_server *srv)
{
	uint64_t one = 1;
	unsigned int i;

	if (!srv)
		return;
	if (write(srv->stopfd, &one, sizeof(one)) != sizeof(one))
		vn_err("ctl: cannot wake the control thread: %s", strerror(errno));
	pthread_join(srv->thread, NULL);
	for (i = 0; i < srv->conf.max_clients; i++)
		if (srv->clients[i])
			client_free(srv, srv->clients[i]);
	unlink(srv->path);
	fds_close(srv);
	free(srv->clients);
	free(srv);
}

/**
 * vn_ctl_server_ctx() - The context given in vn_ctl_server_conf.ctx
 * @srv:	server
 *
 * Return: the context
 */
void *vn_ctl_server_ctx(struct vn_ctl_server *srv)
{
	return srv->conf.ctx;
}
