/* SPDX-License-Identifier: MIT */
/* gro.h - software GRO: coalesce a receive burst's in-order TCP segments into TSO frames
 *
 * Where it sits: the switch receives MTU-sized frames from a port without
 * offloads (a tap without TSO, a guest that sent small segments) and is
 * about to hand them to a port that accepts TSO (GUEST_TSO4/6). Merging
 * them first turns N frames into one, so everything downstream (FDB, XDP,
 * the destination's vring) is paid once per 64 KiB instead of per segment.
 *
 * Model: one call takes one receive burst and returns the coalesced burst.
 * Flows never stay open across calls (like the kernel flushing GRO at the
 * end of each NAPI poll), so GRO adds no latency and holds no frames. A
 * merged frame takes the place of its flow's first segment in the output;
 * every other frame keeps its relative order, so order is preserved within
 * each flow and for all non-TCP frames. A frame of an open flow that cannot
 * join it closes the flow first, so it is never overtaken by later segments.
 *
 * A segment joins the open flow if (the kernel's tcp_gro_receive() and
 * inet/ipv6_gro_receive() rules, slightly stricter):
 *  - same ingress port and VLAN classification, identical L2 header (MACs,
 *    VLAN tags, EtherType), same IP version, addresses and TCP ports;
 *  - IPv4: no options, not a fragment, same TOS, TTL and DF; header checksum
 *    valid; IDs incrementing by one per segment, or (DF set only) all equal
 *    ("fixed ID", RFC 6864 atomic datagrams; GSO will renumber them);
 *  - IPv6: no extension headers, same version/traffic class/flow label word,
 *    same hop limit;
 *  - IP length field equal to the bytes received (no Ethernet padding);
 *  - TCP: sequence number continues the flow, same ACK number, window,
 *    urgent pointer, data offset and option bytes (timestamps included),
 *    same flags except PSH; no SYN/FIN/RST/URG on any segment; CWR only on
 *    the first (it sets VN_VHDR_GSO_ECN, as tcp_gro_complete() does); ECE
 *    must be the same on all;
 *  - payload not empty and at most the first segment's payload (gso_size);
 *    a shorter one or one with PSH is the last of its frame;
 *  - not already a GSO frame; merged IP total length at most 65535 and at
 *    most VN_VHDR_GSO_SEGS_MAX segments (so the result passes
 *    vn_vhdr_validate());
 *  - a valid TCP checksum: DATA_VALID is trusted, NEEDS_CSUM (pointing at the
 *    TCP checksum field) is fine as is, anything else is verified in
 *    software (counted in @csum_sw). A bad one is passed through untouched
 *    and counted (@csum_bad): the receiver's problem, never hidden by us.
 *    The first segment of a flow is verified only when a second one joins.
 *
 * The merged frame is built in place in the first segment's buffer (which
 * has room for 64 KiB, pkt.h): later segments' payloads are appended and
 * their buffers released. A shared first segment is copied from @pool
 * first (vn_pkt_unshare); if the pool is empty the flow is not merged. The
 * result looks exactly like a TSO frame a virtio driver would send: IP
 * length fields and IPv4 header checksum updated, PSH of the last segment,
 * gso_type TCPV4/TCPV6 (+ECN), gso_size = first payload, hdr_len = headers,
 * NEEDS_CSUM with csum_start/csum_offset at the TCP checksum, which holds
 * the pseudo-header sum. A flow of one segment is passed through untouched.
 */
#ifndef VN_CORE_GRO_H
#define VN_CORE_GRO_H

#include <stdint.h>

#include "parse.h"
#include "pkt.h"

#define VN_GRO_FLOWS		16	/* flows open at once within a burst */
#define VN_GRO_IP_MAX		65535	/* largest merged IP datagram */

struct vn_pool;

/**
 * struct vn_gro_flow - one flow being merged within a burst
 * @pkt:	first segment, grown in place; NULL when the entry is free
 * @h:		headers of @pkt
 * @hash:	hash of addresses and ports, to skip most key compares
 * @slot:	index of @pkt in the output array
 * @next_seq:	sequence number the next segment must carry, host order
 * @first_id:	IPv4 ID of the first segment, host order
 * @gso_size:	payload of the first segment
 * @segs:	segments in @pkt
 * @id_mode:	IPv4 ID rule: 0 undecided, 1 incrementing, 2 fixed
 * @csum_ok:	@pkt's TCP checksum was checked (lazily, on the first join)
 * @psh:	the last merged segment carried PSH
 */
struct vn_gro_flow {
	struct vn_pkt *pkt;
	struct vn_hdrs h;
	uint32_t hash;
	uint32_t slot;
	uint32_t next_seq;
	uint16_t first_id;
	uint16_t gso_size;
	uint32_t segs;
	uint8_t id_mode;
	uint8_t csum_ok;
	uint8_t psh;
};

/**
 * struct vn_gro - GRO state of one receiving thread (not shared)
 * @flows:	open flows; scratch, empty between calls
 * @merged:	segments merged into an earlier one (frames saved)
 * @frames:	merged frames produced (two or more segments)
 * @csum_sw:	TCP checksums verified in software
 * @csum_bad:	segments with a bad checksum, passed through unmerged
 * @no_buffer:	merges skipped because a shared first segment could not be copied
 */
struct vn_gro {
	struct vn_gro_flow flows[VN_GRO_FLOWS];
	uint64_t merged;
	uint64_t frames;
	uint64_t csum_sw;
	uint64_t csum_bad;
	uint64_t no_buffer;
};

/**
 * vn_gro_init() - Reset GRO state and counters
 * @g:		state to initialise
 */
void vn_gro_init(struct vn_gro *g);

/**
 * vn_gro_burst() - Coalesce one receive burst
 * @g:		GRO state of the calling thread
 * @pool:	pool to copy a shared first segment from (may be NULL: then
 *		shared first segments are not merged)
 * @pkts:	received frames; the caller's references move to the output
 * @n:		number of frames
 * @out:	output array; may be @pkts itself (in place)
 * @max_out:	entries in @out; only the first min(@n, @max_out) frames are
 *		processed, the caller keeps the rest
 *
 * Frames merged into another are released (vn_pkt_put). Every other frame,
 * merged or not, is in @out exactly once.
 *
 * Return: frames in @out, at most min(@n, @max_out)
 */
unsigned int vn_gro_burst(struct vn_gro *g, struct vn_pool *pool, struct vn_pkt **pkts,
			  unsigned int n, struct vn_pkt **out, unsigned int max_out);

#endif /* VN_CORE_GRO_H */
