/* SPDX-License-Identifier: MIT */
/* vnet_feat.h - virtio-net feature bits: the one vocabulary of offload capabilities
 *
 * Every layer speaks of offloads in these bits (virtio 1.2, §5.1.3), read as
 * a virtio-net device reads its negotiated features, with a port's peer as
 * the driver:
 *   - VN_NET_F_GUEST_*: the peer accepts this on frames sent to it
 *     (GUEST_CSUM: NEEDS_CSUM frames, GUEST_TSO4: TCPv4 GSO frames, ...);
 *     vn_vhdr_needs() says which of them a frame needs.
 *   - VN_NET_F_CSUM / VN_NET_F_HOST_*: the peer may send frames with this
 *     pending work.
 * A port's features (port.h), a guest's negotiated set (virtio/vnet.h) and
 * the switch's egress resolution all use them as they are; nothing
 * translates them into a second set of flags.
 */
#ifndef VN_CORE_VNET_FEAT_H
#define VN_CORE_VNET_FEAT_H

/* virtio-net feature bits (virtio 1.2, §5.1.3) */
#define VN_NET_F_CSUM		0
#define VN_NET_F_GUEST_CSUM	1
#define VN_NET_F_CTRL_GUEST_OFFLOADS 2
#define VN_NET_F_MTU		3
#define VN_NET_F_MAC		5
#define VN_NET_F_GUEST_TSO4	7
#define VN_NET_F_GUEST_TSO6	8
#define VN_NET_F_GUEST_ECN	9
#define VN_NET_F_GUEST_UFO	10
#define VN_NET_F_HOST_TSO4	11
#define VN_NET_F_HOST_TSO6	12
#define VN_NET_F_HOST_ECN	13
#define VN_NET_F_HOST_UFO	14
#define VN_NET_F_MRG_RXBUF	15
#define VN_NET_F_STATUS		16
#define VN_NET_F_CTRL_VQ	17
#define VN_NET_F_CTRL_RX	18
#define VN_NET_F_CTRL_VLAN	19
#define VN_NET_F_GUEST_ANNOUNCE	21
#define VN_NET_F_MQ		22
#define VN_NET_F_CTRL_MAC_ADDR	23
#define VN_NET_F_GUEST_USO4	54
#define VN_NET_F_GUEST_USO6	55
#define VN_NET_F_HOST_USO	56

#define VN_BIT(n)		(1ULL << (n))

/* The offloads a receiver can accept, and those a sender can use */
#define VN_NET_GUEST_OFFLOADS	(VN_BIT(VN_NET_F_GUEST_CSUM) | VN_BIT(VN_NET_F_GUEST_TSO4) | \
				 VN_BIT(VN_NET_F_GUEST_TSO6) | VN_BIT(VN_NET_F_GUEST_ECN) | \
				 VN_BIT(VN_NET_F_GUEST_USO4) | VN_BIT(VN_NET_F_GUEST_USO6))
#define VN_NET_HOST_OFFLOADS	(VN_BIT(VN_NET_F_CSUM) | VN_BIT(VN_NET_F_HOST_TSO4) | \
				 VN_BIT(VN_NET_F_HOST_TSO6) | VN_BIT(VN_NET_F_HOST_ECN) | \
				 VN_BIT(VN_NET_F_HOST_USO))

#endif /* VN_CORE_VNET_FEAT_H */
