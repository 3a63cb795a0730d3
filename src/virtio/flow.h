/* SPDX-License-Identifier: MIT */
/* flow.h - a per-flow hash of a frame, to spread frames over a guest's receive queues
 *
 * The hash covers the IP addresses, the L4 protocol and, for TCP and UDP,
 * the ports; frames that are not IP (or whose headers do not parse) hash
 * their Ethernet addresses and EtherType. Every frame of one flow, TSO
 * frames included, gets the same value, so a flow stays on one queue and
 * its frames keep their order.
 */
#ifndef VN_VIRTIO_FLOW_H
#define VN_VIRTIO_FLOW_H

#include <stdint.h>

#include "core/pkt.h"

/**
 * vn_flow_hash() - Hash a frame's flow (addresses, protocol, ports)
 * @pkt:	frame (not modified; read through vn_pkt_ptr())
 *
 * Return: the hash; 0 for a frame shorter than an Ethernet header
 */
uint32_t vn_flow_hash(const struct vn_pkt *pkt);

#endif /* VN_VIRTIO_FLOW_H */
