/* SPDX-License-Identifier: MIT */
/* ctl.h - the control plane as the daemon sees it: start, config, stop
 *
 *	vn_ctl_server_start(sw, "/run/vnetd/vnetd.sock", &srv);
 *	vn_ctl_server_config(srv, "/etc/vnetd.conf", err, sizeof(err));
 *	...
 *	vn_ctl_server_stop(srv);
 *
 * Requests run on the control thread (server.c) or, for a config file, on
 * the caller's; one lock serialises them, so the switch's control calls
 * never race each other.
 */
#ifndef VN_CTL_CTL_H
#define VN_CTL_CTL_H

#include <stddef.h>

#include "server.h"

struct vn_sw;

/**
 * vn_ctl_server_start() - Serve the switch on a control socket
 * @sw:		the switch, running or not; outlives the server
 * @path:	socket path, NULL for VN_CTL_SOCK_DEFAULT
 * @out:	the server
 *
 * Return: 0 or a negative errno (see vn_ctl_server_open())
 */
int vn_ctl_server_start(struct vn_sw *sw, const char *path, struct vn_ctl_server **out);

/**
 * vn_ctl_server_config() - Run a config file's commands against the switch
 * @srv:	server from vn_ctl_server_start()
 * @path:	config file
 * @err:	"FILE:LINE: message" on failure
 * @errlen:	its size
 *
 * The file is checked whole before its first command runs; the first
 * failing command stops it (earlier ones stay applied: the daemon exits).
 *
 * Return: number of commands run, or a negative errno with @err set
 */
int vn_ctl_server_config(struct vn_ctl_server *srv, const char *path, char *err, size_t errlen);

/**
 * vn_ctl_server_port_spec() - Remember the spec of a port opened without the server
 * @srv:	server from vn_ctl_server_start()
 * @spec:	the spec the port was opened with (vnetd --port); its name= names
 *		the port
 * @err:	the reason on failure
 * @err_sz:	its size
 *
 * "port list" shows a port's spec; ports added through the server have
 * theirs, this gives the same to ports the daemon opened before it. A spec
 * naming no port on the switch is ignored. A port with xdp-offload=PATH
 * gets its guest offload channel here (xo_srv.h).
 *
 * Return: 0, or the negative errno of opening the channel (@err says why)
 */
int vn_ctl_server_port_spec(struct vn_ctl_server *srv, const char *spec, char *err,
			    size_t err_sz);

/**
 * vn_ctl_server_stop() - Stop serving, close clients, remove the socket
 * @srv:	server, may be NULL
 */
void vn_ctl_server_stop(struct vn_ctl_server *srv);

#endif /* VN_CTL_CTL_H */
