/* SPDX-License-Identifier: MIT */
/* port_internal.h - helpers port.c shares with the port kinds */
#ifndef VN_PORT_INTERNAL_H
#define VN_PORT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pkt.h"
#include "port.h"

/**
 * vn_port_tx_done() - End a kind's tx burst: count what left, free what was taken
 * @port:	port
 * @pkts:	the burst
 * @done:	frames the kind took (sent, or dropped and counted by reason)
 * @sent:	of those, frames that left the port
 * @bytes:	their bytes
 *
 * Return: @done, what the kind's tx_burst op returns
 */
static inline unsigned int vn_port_tx_done(struct vn_port *port, struct vn_pkt **pkts,
					   unsigned int done, unsigned int sent, uint64_t bytes)
{
	port->stats.tx_packets += sent;
	port->stats.tx_bytes += bytes;
	if (done)
		vn_pkt_put_bulk(pkts, done);
	return done;
}

/**
 * vn_port_arg_u32() - Parse a plain decimal number in [@min, @max]
 * @val:	string (no sign, no spaces, no hex)
 * @min:	smallest accepted
 * @max:	largest accepted
 * @out:	result
 *
 * Return: 0, or -EINVAL
 */
int vn_port_arg_u32(const char *val, uint32_t min, uint32_t max, uint32_t *out);

/**
 * vn_port_arg_bool() - Parse on|off, yes|no, 1|0, true|false
 * @val:	string
 * @out:	result
 *
 * Return: 0, or -EINVAL
 */
int vn_port_arg_bool(const char *val, bool *out);

/**
 * vn_port_kind_find() - Look up a kind by its spec name
 * @kind:	"tap", "pair", ...
 *
 * Return: the ops, or NULL
 */
const struct vn_port_ops *vn_port_kind_find(const char *kind);

/**
 * vn_port_args_check() - Reject keys a kind does not know
 * @port:	port, for the message
 * @args:	keys left after the generic ones
 * @known:	NULL-terminated list of the kind's keys
 *
 * Return: 0, or -EINVAL naming the first unknown key (logged)
 */
int vn_port_args_check(const struct vn_port *port, const struct vn_port_args *args,
		       const char *const *known);

/**
 * vn_port_if_running() - Is the host interface @ifname still @ifindex, up and running?
 * @ctl:	a socket for interface ioctls (AF_INET datagram)
 * @ifname:	interface name
 * @ifindex:	the index it had when the port attached it
 *
 * For the kinds that attach an existing interface (afpacket, afxdp); asked
 * on the control path (two ioctls).
 *
 * Return: true if IFF_UP and IFF_RUNNING and the index is unchanged
 */
bool vn_port_if_running(int ctl, const char *ifname, int ifindex);

/**
 * vn_port_sock_buf() - Raise a socket's receive or send buffer to @size bytes
 * @port:	port, for the warning
 * @fd:		socket
 * @send:	the send buffer (SO_SNDBUF) instead of the receive buffer
 * @size:	bytes asked for
 *
 * SO_RCVBUFFORCE / SO_SNDBUFFORCE, else SO_RCVBUF / SO_SNDBUF (as far as
 * net.core.rmem_max or wmem_max lets an unprivileged vnetd); a refusal
 * leaves the default and is logged, not fatal.
 */
void vn_port_sock_buf(const struct vn_port *port, int fd, bool send, int size);

/**
 * vn_port_netns_path() - Resolve netns= to a path: a name under /run/netns, or a path
 * @port:	port, for messages
 * @val:	the value
 * @path:	output
 * @len:	its size
 *
 * Return: 0 or -EINVAL (logged)
 */
int vn_port_netns_path(const struct vn_port *port, const char *val, char *path, size_t len);

/**
 * vn_port_netns_enter() - Move the calling thread into the namespace netns= names (port_netns.c)
 * @port:	port, for messages
 * @val:	netns= value: a name in /run/netns or a path (/proc/PID/ns/net)
 * @self:	output: the thread's own namespace, for vn_port_netns_leave()
 *
 * Return: 0 or a negative errno (logged); on error the thread has not moved
 */
int vn_port_netns_enter(const struct vn_port *port, const char *val, int *self);

/**
 * vn_port_netns_leave() - Back to the namespace vn_port_netns_enter() left
 * @self:	what vn_port_netns_enter() gave
 */
void vn_port_netns_leave(int self);

/*
 * VN_PORT_KIND() - A kind's ops table, saying only what differs from kind to kind
 * @kind_:	the spec's kind ("tap")
 * @priv_t:	the type of its private state
 * @open_:	its open op
 * @close_:	its close op
 * @pfx:	prefix of its burst ops, named by convention <pfx>_rx_burst,
 *		<pfx>_tx_burst and <pfx>_poll_fd
 * @...:	the optional ops it has, as designated initialisers
 *		(.tx_poll_fd = ..., .info = ...)
 */
#define VN_PORT_KIND(kind_, priv_t, open_, close_, pfx, ...)				\
	{ .kind = (kind_), .priv_size = sizeof(priv_t), .open = (open_), .close = (close_), \
	  .rx_burst = pfx##_rx_burst, .tx_burst = pfx##_tx_burst,			\
	  .poll_fd = pfx##_poll_fd, __VA_ARGS__ }

#endif /* VN_PORT_INTERNAL_H */
