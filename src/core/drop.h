/* SPDX-License-Identifier: MIT */
/* drop.h - why a frame was dropped: one list, an enum and its strings
 *
 * A drop is not a failed call. Validators return an enum vn_drop_reason,
 * with VN_DROP_NONE (0) meaning "keep the frame"; the datapath counts every
 * drop by reason in the port's counters. Add a reason with one line here.
 */
#ifndef VN_CORE_DROP_H
#define VN_CORE_DROP_H

#define VN_DROP_REASONS(X)						\
	X(NONE,			"not dropped")				\
	X(RUNT,			"frame shorter than an Ethernet header") \
	X(OVERSIZE,		"frame longer than the buffer")		\
	X(VHDR_TRUNCATED,	"virtio-net header truncated")		\
	X(VHDR_FLAGS,		"unknown virtio-net header flags")	\
	X(VHDR_GSO_TYPE,	"unknown or unsupported gso_type")	\
	X(VHDR_GSO_SIZE,	"gso_size zero or larger than the frame") \
	X(VHDR_CSUM_RANGE,	"csum_start/csum_offset outside the frame") \
	X(VHDR_HDR_LEN,		"hdr_len inconsistent with the frame")	\
	X(VHDR_GSO_NO_CSUM,	"GSO frame without NEEDS_CSUM")		\
	X(VHDR_GSO_PROTO,	"GSO type does not match the L3/L4 headers") \
	X(L3_TRUNCATED,		"IP header truncated")			\
	X(L3_BAD,		"malformed IP header")			\
	X(L3_EXTHDR,		"unsupported IPv6 extension header")	\
	X(L4_TRUNCATED,		"TCP/UDP header truncated")		\
	X(L4_BAD,		"malformed TCP/UDP header")		\
	X(GSO_FAILED,		"software segmentation failed")		\
	X(NO_BUFFER,		"packet pool empty")			\
	X(TX_FULL,		"destination full (drop policy)")	\
	X(TX_ERROR,		"transmit error")			\
	X(HAIRPIN,		"destination is the ingress port")	\
	X(VLAN,			"VLAN not allowed on port")		\
	X(MTU,			"frame larger than the port MTU")	\
	X(XDP_ABORTED,		"XDP program aborted")			\
	X(XDP_DROP,		"XDP program dropped")			\
	X(XDP_REDIRECT,		"XDP redirect target invalid")		\
	X(VQ_DESC,		"bad virtqueue descriptor chain")	\
	X(VQ_BROKEN,		"virtqueue marked broken")		\
	X(PORT_DOWN,		"port down or rx disabled")		\
	X(VHDR_CSUM_L4,		"csum_start/csum_offset not at the L4 checksum of a GSO frame") \
	X(VHDR_GSO_SEGS,	"GSO frame would cut into too many segments") \
	X(SRC_MAC,		"multicast source MAC address")		\
	X(XDP_REDIRECT_DENIED,	"XDP redirect target not on the attachment's list") \
	X(PCAP_RECORD,		"capture record cut short or lying (caplen differs from len)") \
	X(TUNNEL_HDR,		"tunnel header malformed, truncated or not data")	\
	X(TUNNEL_CRITICAL,	"Geneve critical option not understood")	\
	X(TUNNEL_VNI,		"tunnel datagram of another VNI")		\
	X(TUNNEL_REMOTE,	"tunnel datagram from an address that is not a remote") \
	X(POOL_SHARE,		"destination full and its share of the worker pool used up") \
	X(XDP_GUEST_TX_FULL,	"guest XDP program's TX frames past the reinjection queue") \
	X(KERNEL_RING,		"the kernel found the receive ring or queue full (afpacket: PACKET_STATISTICS)")

enum vn_drop_reason {
#define VN_DROP_ENUM(name, str)	VN_DROP_##name,
	VN_DROP_REASONS(VN_DROP_ENUM)
#undef VN_DROP_ENUM
	VN_DROP__MAX
};

/**
 * vn_drop_name() - Short lower-case name of a drop reason ("vhdr_gso_size")
 * @reason:	drop reason
 *
 * Return: static string, "unknown" for out-of-range values
 */
const char *vn_drop_name(enum vn_drop_reason reason);

/**
 * vn_drop_str() - Human description of a drop reason
 * @reason:	drop reason
 *
 * Return: static string
 */
const char *vn_drop_str(enum vn_drop_reason reason);

#endif /* VN_CORE_DROP_H */
