/* SPDX-License-Identifier: MIT */
/* server.h - the control socket: a unix socket server on its own thread
 *
 * The daemon calls vn_ctl_server_start() (ctl.h) with its switch; this
 * header is the transport underneath, which knows nothing about the switch:
 * it accepts, checks the peer, frames and validates requests (proto.h),
 * answers "version" and "help" itself and hands every other request to a
 * dispatch function.
 */
#ifndef VN_CTL_SERVER_H
#define VN_CTL_SERVER_H

#include <stddef.h>

#include "proto.h"

struct json_object;
struct vn_ctl_server;

#define VN_CTL_SOCK_DEFAULT	"/run/vnetd/vnetd.sock"
#define VN_CTL_CLIENTS_MAX	64		/* concurrent clients */
#define VN_CTL_OUT_MAX		(16 * 1024 * 1024) /* one reply, queued */
#define VN_CTL_IDLE_SEC		120		/* a client silent this long is closed */

/**
 * typedef vn_ctl_dispatch_fn - run one validated request
 * @ctx:	vn_ctl_server_conf.ctx
 * @req:	the request (args validated against req->cmd)
 * @result:	result value, output (NULL: JSON null)
 * @msg:	error message for a failure
 * @msglen:	its size
 *
 * Return: 0, or a negative errno with @msg set
 */
typedef int (*vn_ctl_dispatch_fn)(void *ctx, const struct vn_ctl_request *req,
				  struct json_object **result, char *msg, size_t msglen);

/**
 * typedef vn_ctl_stream_fn - start a streaming command (cmd->stream)
 * @ctx:	vn_ctl_server_conf.ctx
 * @req:	the request (args validated)
 * @fd:		the client's socket; on success the callee owns it and writes
 *		the reply line itself, then the stream (capstream.h)
 * @msg:	error message for a failure
 * @msglen:	its size
 *
 * On failure the server still owns @fd and sends the error reply.
 *
 * Return: 0, or a negative errno with @msg set
 */
typedef int (*vn_ctl_stream_fn)(void *ctx, const struct vn_ctl_request *req, int fd, char *msg,
				size_t msglen);

/**
 * struct vn_ctl_server_conf - what the transport needs
 * @path:	socket path (its directory is created)
 * @dispatch:	runs requests, on the control thread
 * @stream:	starts streaming commands (NULL: they fail with EOPNOTSUPP)
 * @tick:	called about once a second on the control thread (may be NULL)
 * @ctx:	passed to @dispatch and @tick
 * @max_clients: concurrent clients (0: VN_CTL_CLIENTS_MAX)
 * @watch:	called on the control thread when @watch_fd is readable (may
 *		be NULL: no such fd); it must not block (the guest offload
 *		service's epoll fd, ctl/xo_srv.h)
 * @watch_fd:	the fd, when @watch is set
 */
struct vn_ctl_server_conf {
	const char *path;
	vn_ctl_dispatch_fn dispatch;
	vn_ctl_stream_fn stream;
	void (*tick)(void *ctx);
	void *ctx;
	unsigned int max_clients;
	void (*watch)(void *ctx);
	int watch_fd;
};

/**
 * vn_ctl_server_open() - Bind the socket and start the control thread
 * @conf:	configuration (copied; @conf->path too)
 * @out:	the server
 *
 * Return: 0, -EADDRINUSE if a live daemon answers on @path, -EEXIST if
 *	   @path is not a socket, -ENAMETOOLONG, or another negative errno
 */
int vn_ctl_server_open(const struct vn_ctl_server_conf *conf, struct vn_ctl_server **out);

/**
 * vn_ctl_server_close() - Stop the thread, close every client, unlink the socket
 * @srv:	server, may be NULL
 */
void vn_ctl_server_close(struct vn_ctl_server *srv);

/**
 * vn_ctl_server_ctx() - The context given in vn_ctl_server_conf.ctx
 * @srv:	server
 *
 * Return: the context
 */
void *vn_ctl_server_ctx(struct vn_ctl_server *srv);

struct sockaddr_un;

/**
 * vn_ctl_sock_stale_remove() - Clear the way to bind a unix socket at @sa
 * @sa:		the address (a path)
 * @step:	output: on failure, the call that failed ("lstat", "socket" or
 *		"unlink")
 *
 * A socket file left by a daemon that died is removed; a live one (something
 * accepts a connection on it) is not, nor is a path that is not a socket.
 *
 * Return: 0 (nothing there, or removed), -EEXIST (not a socket), -EADDRINUSE
 *	   (live), or the failed call's negative errno
 */
int vn_ctl_sock_stale_remove(const struct sockaddr_un *sa, const char **step);

#endif /* VN_CTL_SERVER_H */
