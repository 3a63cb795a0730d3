/* SPDX-License-Identifier: MIT */
/* vhost_user.h - the vhost-user port kind: vnetd as the virtio-net device of a QEMU guest
 *
 * Spec: "vhost-user:name=vm0,path=/run/vnetd/vm0.sock[,client=on][,queues=N][,offload=off]"
 *       "[,sealed=on][,mode=0660][,group=kvm]"
 *   path	unix socket; vnetd listens on it (QEMU connects), or with
 *		client=on connects to QEMU's server socket and reconnects
 *		whenever the connection goes away
 *   queues	queue pairs offered to the guest (1 to VN_VU_QP_MAX, default 1)
 *   offload	off: offer no checksum/TSO/USO/ECN features
 *   sealed	on: refuse guest memory whose fd is not sealed with F_SEAL_SHRINK
 *		(QEMU memory-backend-memfd with its default seal=on); by default
 *		unsealed memory is accepted and a fault on it breaks only this port
 *   mode	octal mode of the listening socket (default 0600: only its owner,
 *		vnetd's user, may connect; whoever connects is a front-end)
 *   group	group (name or number) of the listening socket, for mode=0660
 */
#ifndef VN_PORT_VHOST_USER_H
#define VN_PORT_VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "port.h"

#define VN_VU_QP_MAX	4
#define VN_VU_VQ_MAX	(2 * VN_VU_QP_MAX)

extern const struct vn_port_ops vn_vu_port_ops;

/**
 * struct vn_vu_queue_info - a queue's state, for tests and vnetctl
 * @size:	entries, 0 if not configured
 * @started:	has a kick fd and mapped rings
 * @enabled:	enabled by the front-end
 * @broken:	stopped after a protocol violation
 * @packed:	a packed ring (VIRTIO_F_RING_PACKED negotiated), else split
 * @why:	the violation ("" if none)
 * @violations:	protocol violations seen since the port opened
 * @chains:	chains walked since the port opened
 * @used:	chains completed (buffers filled, frames taken) since then
 */
struct vn_vu_queue_info {
	uint16_t size;
	bool started;
	bool enabled;
	bool broken;
	bool packed;
	const char *why;
	uint64_t violations;
	uint64_t chains;
	uint64_t used;
};

/**
 * struct vn_vu_info - the device's state, for tests and vnetctl
 * @connected:	a front-end is connected
 * @connections: connections accepted or made since the port opened
 * @messages:	messages handled
 * @bad_messages: messages that closed their connection
 * @features:	negotiated virtio features (0 when not connected)
 * @mem_faults:	guest-memory faults (SIGBUS) recovered from; each broke the queues
 * @unsealed_regions: regions of the current memory table that can shrink
 * @last_error:	why the last connection was closed by vnetd ("" if none)
 */
struct vn_vu_info {
	bool connected;
	uint64_t connections;
	uint64_t messages;
	uint64_t bad_messages;
	uint64_t features;
	uint64_t mem_faults;
	uint32_t unsealed_regions;
	char last_error[128];
};

/**
 * vn_vu_info_get() - Snapshot of a vhost-user port's device state
 * @port:	a vhost-user port
 * @info:	output
 *
 * Return: 0, or -EINVAL if @port is not a vhost-user port
 */
int vn_vu_info_get(struct vn_port *port, struct vn_vu_info *info);

/**
 * vn_vu_queue_get() - Snapshot of one queue
 * @port:	a vhost-user port
 * @index:	queue index (receiveq k is 2k, transmitq k is 2k + 1)
 * @info:	output
 *
 * Return: 0, or -EINVAL for a bad port or index
 */
int vn_vu_queue_get(struct vn_port *port, unsigned int index, struct vn_vu_queue_info *info);

/**
 * vn_vu_serve_fd() - Serve one already connected front-end in the caller's thread
 * @port:	a vhost-user port
 * @fd:		connected socket; closed when the connection ends
 *
 * Handles messages until the front-end hangs up or breaks the protocol,
 * then resets the device, as the port's own control thread does for the
 * connections it accepts (used by the message fuzzer).
 *
 * Return: 0, or -EINVAL if @port is not a vhost-user port
 */
int vn_vu_serve_fd(struct vn_port *port, int fd);

#endif /* VN_PORT_VHOST_USER_H */
