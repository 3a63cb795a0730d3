/* SPDX-License-Identifier: MIT */
/* afpacket_rx.h - the checks of a frame an afpacket port read, from its ring or by recvmmsg()
 *
 * What the kernel hands a packet socket comes with lengths, offsets, flags
 * and a VLAN tag beside the frame. These functions check every one of
 * them against the memory they describe before a byte is read, put back
 * the tag the kernel took out of the frame, and leave the frame in a
 * packet with its decoded virtio-net header; the header itself is then
 * validated like every port's (vn_vhdr_validate(), in vn_port_rx_burst()).
 * Separate from afpacket.c so that tests and a fuzz target can feed them
 * what no kernel would.
 */
#ifndef VN_PORT_AFPACKET_RX_H
#define VN_PORT_AFPACKET_RX_H

#include <stdint.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

#include "core/drop.h"
#include "core/pkt.h"
#include "core/vhdr.h"

#define AFP_HDR_LEN		VN_VHDR_LEN	/* PACKET_VNET_HDR: struct virtio_net_hdr */
/* rx=mmsg reads header + frame into a packet: the most it offers */
#define AFP_MMSG_READ_MAX	(AFP_HDR_LEN + VN_PKT_FRAME_MAX)
/* and the headroom it needs: the header, then 4 bytes to put a tag back */
#define AFP_MMSG_HEADROOM	(AFP_HDR_LEN + 4)

/**
 * vn_afp_ring_frame() - Copy one frame of a TPACKET_V3 block into @pkt and check it
 * @ph:		the frame's header in the block
 * @room:	bytes of the block from @ph on, at least sizeof(*@ph)
 * @pkt:	reset packet
 *
 * Return: VN_DROP_NONE (@pkt holds the frame, its tag back in place), or
 *	   why the frame is dropped (@pkt then holds nothing of use)
 */
enum vn_drop_reason vn_afp_ring_frame(const struct tpacket3_hdr *ph, uint32_t room,
				      struct vn_pkt *pkt);

/**
 * vn_afp_mmsg_frame() - Check one frame recvmmsg() read into @pkt
 * @m:		its message: flags and control messages (PACKET_AUXDATA)
 * @got:	bytes read (msg_len): header, then frame
 * @pkt:	packet whose header lies in the AFP_HDR_LEN bytes before its
 *		data and whose frame starts at its data; at least
 *		AFP_MMSG_HEADROOM bytes of headroom
 *
 * Return: VN_DROP_NONE (@pkt's length and header set, its tag back in
 *	   place), or why the frame is dropped
 */
enum vn_drop_reason vn_afp_mmsg_frame(const struct msghdr *m, uint32_t got, struct vn_pkt *pkt);

#endif /* VN_PORT_AFPACKET_RX_H */
