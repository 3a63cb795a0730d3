/* SPDX-License-Identifier: MIT */
/* vhost_user_internal.h - the vhost-user device's state, shared by its four files
 *
 * vhost_user.c: the port ops (open, close, arguments) and the datapath
 * (rx_burst/tx_burst over the virtqueues); vhost_user_conn.c: the control
 * thread (listen or connect, serve one connection's messages, reconnect);
 * vhost_user_proto.c: queue state and one handler per protocol request;
 * vhost_user_msg.c: message framing and checks. Nothing here is visible
 * outside port/.
 */
#ifndef VN_PORT_VHOST_USER_INTERNAL_H
#define VN_PORT_VHOST_USER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio/mem.h"
#include "virtio/vnet.h"
#include "virtio/vq.h"
#include "port_internal.h"
#include "vhost_user.h"
#include "vhost_user_msg.h"

#define VU_OFFLOADS	(VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS)
#define VU_BASE_FEATURES (VN_BIT(VN_VIRTIO_F_VERSION_1) | VN_BIT(VN_VIRTIO_F_INDIRECT_DESC) | \
			 VN_BIT(VN_VIRTIO_F_EVENT_IDX) | VN_BIT(VN_NET_F_MRG_RXBUF) |	\
			 VN_BIT(VN_NET_F_GUEST_ANNOUNCE) | VN_BIT(VN_VIRTIO_F_RING_PACKED) |	\
			 VN_BIT(VN_VHOST_F_LOG_ALL) | VN_BIT(VN_VHOST_USER_F_PROTOCOL_FEATURES))
#define VU_PROTOCOL_FEATURES (VN_BIT(VN_VU_PROTOCOL_F_MQ) | VN_BIT(VN_VU_PROTOCOL_F_REPLY_ACK) | \
			      VN_BIT(VN_VU_PROTOCOL_F_LOG_SHMFD) | VN_BIT(VN_VU_PROTOCOL_F_RARP) | \
			      VN_BIT(VN_VU_PROTOCOL_F_NET_MTU))
/* Bits of the negotiated set that describe the port to the switch */
#define VU_PORT_BITS	(VU_OFFLOADS | VN_BIT(VN_NET_F_MRG_RXBUF))

#define VU_RECV_TIMEOUT_SEC	5	/* a started message must finish within this */
#define VU_SEND_TIMEOUT_SEC	5	/* a reply must leave within this, or we hang up */
#define VU_SOCK_MODE		0600	/* listening socket: its owner only, unless mode= */
#define VU_RECONNECT_MS		500	/* client mode: wait between connect attempts */

/**
 * struct vu_dev - one vhost-user device (the port's private state)
 * @lock:	guards everything below that the datapath reads
 * @port:	the port
 * @path:	socket path
 * @client:	connect to the front-end instead of listening
 * @sealed:	refuse guest memory whose file is not sealed against shrinking
 * @fault_seen:	the current memory table faulted and that was counted and logged
 * @nqp:	queue pairs offered
 * @offered:	virtio features offered
 * @listen_fd:	listening socket (server mode), or -1
 * @conn_fd:	connection, or -1
 * @stop_fd:	eventfd: the control thread must exit
 * @rx_ep:	epoll over the transmitqs' kick fds and @more_fd (poll_fd)
 * @tx_ep:	epoll over the receiveqs' kick fds (tx_poll_fd: readable when
 *		the guest added receive buffers after we asked for a kick)
 * @more_fd:	eventfd rx_burst sets when it left work behind
 * @more_pending: @more_fd is set
 * @idle_polls:	per transmitq: empty polls since its kick fd was last read
 * @refusals:	tx bursts cut short since every receiveq kick fd was last read
 * @thread:	control thread
 * @features:	negotiated virtio features
 * @protocol:	negotiated protocol features
 * @mem:	guest memory
 * @vq:		queues
 * @vnet:	datapath view of the device
 * @synced:	per queue: the counters already added to the port's (stats_sync())
 * @info:	counters and last error
 */
struct vu_dev {
	pthread_mutex_t lock;
	struct vn_port *port;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool client;
	bool sealed;
	mode_t mode;
	gid_t group;
	bool has_group;
	bool fault_seen;
	unsigned int nqp;
	uint64_t offered;
	int listen_fd;
	int conn_fd;
	int stop_fd;
	int rx_ep;
	int tx_ep;
	int more_fd;
	bool more_pending;
	uint8_t idle_polls[VN_VU_QP_MAX];
	uint8_t refusals;
	pthread_t thread;
	uint64_t features;
	uint64_t protocol;
	struct vn_vu_mem mem;
	struct vn_dlog log;
	uint8_t rarp_mac[6];
	bool rarp_pending;
	struct vn_vq vq[VN_VU_VQ_MAX];
	struct vn_vq_stats synced[VN_VU_VQ_MAX];
	struct vn_vnet vnet;
	struct vn_vu_info info;
};

typedef int (*vu_handler)(struct vu_dev *d, struct vn_vu_msg *m, bool *reply, const char **why);

/**
 * vn_vu_close_fd() - Close *@fd if open and mark it closed
 * @fd:		the descriptor, -1 when closed
 */
static inline void vn_vu_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/**
 * vn_vu_set_more() - Make the port's poll fd readable (work waits) or not
 * @d:		device, locked
 * @more:	whether the datapath should come back without a kick
 */
void vn_vu_set_more(struct vu_dev *d, bool more);

/**
 * vn_vu_apply_features() - Derive the datapath's view from the negotiated features
 * @d:		device, under d->lock
 */
void vn_vu_apply_features(struct vu_dev *d);

/**
 * vn_vu_dev_reset() - Stop every queue and forget the memory table and features
 * @d:		device, under d->lock
 */
void vn_vu_dev_reset(struct vu_dev *d);

/**
 * vn_vu_guest_gone() - Tell the guest offload channel the guest's device went away
 * @d:		device, under d->lock
 */
void vn_vu_guest_gone(struct vu_dev *d);

/**
 * vn_vu_handler_of() - The handler of a request
 * @request:	request number, already checked against the request table
 *
 * Return: its handler (one that refuses it for requests we do not serve)
 */
vu_handler vn_vu_handler_of(uint32_t request);

/**
 * vn_vu_make_listener() - Create the listening socket at d->path (server mode)
 * @d:		device
 *
 * Return: 0 with d->listen_fd set, or a negative errno
 */
int vn_vu_make_listener(struct vu_dev *d);

/**
 * vn_vu_control_thread() - The port's control thread: connections until stopped
 * @arg:	the device
 *
 * Return: NULL
 */
void *vn_vu_control_thread(void *arg);

#endif /* VN_PORT_VHOST_USER_INTERNAL_H */
