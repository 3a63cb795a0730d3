/* SPDX-License-Identifier: MIT */
/* xo_srv.h - the guest XDP offload service: one channel per port, on the control thread
 *
 * A port opened with xdp-offload=PATH (port.h struct vn_port_xo) gets a
 * channel: a unix socket PATH (mode 0600) vnetd listens on, at most one
 * connection at a time (a second one is answered ERROR EBUSY and closed),
 * each served by a struct vn_xo_conn (bounded buffers, rate limit) and the
 * request handlers here, which drive the port's guest slot in the switch
 * (switch/xdp_hook.h vn_sw_xdp_guest_*). docs/xdp-offload.md is the
 * protocol. Maps are named by name or by their index in the loaded object
 * (the per-port handle); nothing a reply carries is a host address, fd or
 * pointer.
 *
 * Every descriptor of the service is in one epoll set (vn_xo_srv_fd()),
 * which the control server watches: vn_xo_srv_events() serves what is
 * ready and never blocks, so a stuck or flooding guest costs the control
 * thread one bounded request at a time and the datapath nothing.
 *
 * Not thread-safe: the caller serialises every call (handlers.c holds its
 * control lock).
 */
#ifndef VN_CTL_XO_SRV_H
#define VN_CTL_XO_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vn_sw;
struct vn_port;
struct vn_xo_srv;

/**
 * struct vn_xo_chan_stats - one port's channel counters (since the port was added)
 * @connections: connections accepted and served
 * @busy:	connections refused because one was being served (EBUSY)
 * @requests:	requests received
 * @rejected:	requests answered with ERROR (bad input, rate limit, refusals)
 * @loads:	LOADs that replaced the guest slot's program
 * @loads_refused: LOADs refused (the old program, if any, kept running)
 * @unloads:	guest programs freed by UNLOAD
 * @resets:	guest programs freed by a device reset or front-end disconnect
 * @handoffs_out: programs written to the xdp-offload-state file at a live
 *		migration's stop
 * @handoffs_in: programs taken up from it when the device started
 * @handoffs_failed: a write or a take-up that failed (logged with the reason)
 * @connected:	a peer is connected now
 */
struct vn_xo_chan_stats {
	uint64_t connections;
	uint64_t busy;
	uint64_t requests;
	uint64_t rejected;
	uint64_t loads;
	uint64_t loads_refused;
	uint64_t unloads;
	uint64_t resets;
	uint64_t handoffs_out;
	uint64_t handoffs_in;
	uint64_t handoffs_failed;
	bool connected;
};

/**
 * vn_xo_srv_new() - Create the service (no channel yet)
 * @sw:		the switch; outlives the service
 *
 * Return: the service, or NULL (no memory, no epoll fd)
 */
struct vn_xo_srv *vn_xo_srv_new(struct vn_sw *sw);

/**
 * vn_xo_srv_free() - Close every channel (unlinking their sockets) and free the service
 * @s:		service, may be NULL
 *
 * Guest programs stay in their ports' slots: they go with the ports.
 */
void vn_xo_srv_free(struct vn_xo_srv *s);

/**
 * vn_xo_srv_fd() - The epoll fd that becomes readable when a channel has work
 * @s:		service
 *
 * Return: the fd (owned by the service)
 */
int vn_xo_srv_fd(const struct vn_xo_srv *s);

/**
 * vn_xo_srv_port_add() - Open the channel of a port that has xdp-offload=PATH
 * @s:		service
 * @port:	the port, already on the switch; it must stay until
 *		vn_xo_srv_port_del()
 * @err:	the reason on failure
 * @err_sz:	its size
 *
 * A PATH that exists is refused unless it is a socket nobody listens on
 * (a stale one is removed). A port without xdp-offload= is left alone.
 *
 * Return: 0; -EEXIST (PATH exists and is not a socket), -EADDRINUSE
 *	   (something listens on it), -EBUSY (the port has a channel), or
 *	   the errno of socket/bind/listen
 */
int vn_xo_srv_port_add(struct vn_xo_srv *s, struct vn_port *port, char *err, size_t err_sz);

/**
 * vn_xo_srv_port_del() - Close a port's channel and unlink its socket (before the port goes)
 * @s:		service
 * @name:	port name; nothing happens if it has no channel
 */
void vn_xo_srv_port_del(struct vn_xo_srv *s, const char *name);

/**
 * vn_xo_srv_events() - Serve what is ready on every channel, without blocking
 * @s:		service
 */
void vn_xo_srv_events(struct vn_xo_srv *s);

/**
 * vn_xo_srv_tick() - Periodic work (about once a second): free guest programs of reset devices
 * @s:		service
 */
void vn_xo_srv_tick(struct vn_xo_srv *s);

/**
 * vn_xo_srv_port_stats() - A port's channel counters
 * @s:		service
 * @name:	port name
 * @out:	output
 * @path:	output: its socket path (may be NULL)
 *
 * Return: 0, -ENOENT if the port has no channel
 */
int vn_xo_srv_port_stats(const struct vn_xo_srv *s, const char *name,
			 struct vn_xo_chan_stats *out, const char **path);

#endif /* VN_CTL_XO_SRV_H */
