/* SPDX-License-Identifier: MIT */
/* pair.h - in-process port pairs: what one end transmits, the other receives
 *
 * For tests of the switch: a pair is two ports joined by two bounded queues
 * of packet pointers (no copy: tx_burst hands the references over, rx_burst
 * hands them out). Each end has its own offload features, so a test can make
 * one end offload-capable and the other not, and a capacity, so a test can
 * make an end full.
 *
 * Spec form: "pair:name=a,peer=b[,capacity=N][,offload=on|off][,features=0xHEX]".
 * The first of a and b to be opened creates the link and waits for the
 * other; the second joins it. Frames sent before the peer joins wait in
 * the queue (bounded by its capacity).
 *
 * fds: poll_fd is an eventfd readable while the end has frames to receive;
 * tx_poll_fd is an eventfd that is *not writable* (POLLOUT clear) while the
 * queue towards the peer is full and becomes writable when the peer
 * receives, the way a full tap behaves.
 */
#ifndef VN_PORT_PAIR_H
#define VN_PORT_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "port.h"

#define VN_PAIR_CAPACITY_DEFAULT	256
#define VN_PAIR_CAPACITY_MAX		65536

/**
 * struct vn_pair_opts - options of vn_pair_create()
 * @capacity:	frames each direction's queue holds (0: default 256)
 * @features_a:	virtio-net feature bits of end a
 * @features_b:	virtio-net feature bits of end b
 * @id_a:	port id of end a
 * @id_b:	port id of end b
 */
struct vn_pair_opts {
	uint32_t capacity;
	uint64_t features_a;
	uint64_t features_b;
	uint16_t id_a;
	uint16_t id_b;
};

/**
 * vn_pair_create() - Open both ends of a pair
 * @name_a:	name of end a
 * @name_b:	name of end b
 * @opts:	options, or NULL: capacity 256, every offload on both ends,
 *		ids 0 and 1
 * @a:		end a
 * @b:		end b
 *
 * Return: 0 or a negative errno (logged)
 */
int vn_pair_create(const char *name_a, const char *name_b, const struct vn_pair_opts *opts,
		   struct vn_port **a, struct vn_port **b);

/**
 * vn_pair_peek_len() - Length of the next frame waiting for @port (tests)
 * @port:	a pair end
 *
 * Return: bytes, 0 if none or if @port is not a pair end
 */
uint32_t vn_pair_peek_len(struct vn_port *port);

/**
 * vn_pair_set_features() - Set the offload features of one end
 * @port:	a pair end
 * @features:	virtio-net feature bits (only the VN_PORT_TX/RX_OFFLOADS are kept)
 *
 * Return: 0, or -EINVAL if @port is not a pair end
 */
int vn_pair_set_features(struct vn_port *port, uint64_t features);

/**
 * vn_pair_peer() - The other end's name, for the switch's loop check
 * @port:	any port
 * @loop_ok:	output: loop=on was given on this end (may be NULL)
 *
 * Return: the peer's name if @port is a pair end, else NULL
 */
const char *vn_pair_peer(const struct vn_port *port, bool *loop_ok);

/**
 * vn_pair_pending() - Frames waiting in the queue towards @port (racy)
 * @port:	a pair end
 *
 * Return: number of frames @port would receive now
 */
unsigned int vn_pair_pending(struct vn_port *port);

#endif /* VN_PORT_PAIR_H */
