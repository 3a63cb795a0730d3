// SPDX-License-Identifier: MIT
/* parser.bpf.c - a realistic XDP parser: Ethernet, up to two VLAN tags, IPv4
 * or IPv6, TCP or UDP; a hash-map lookup on the 5-tuple; on a hit the frame
 * is counted, its IPv4 destination rewritten to the entry's and both the IP
 * and the L4 checksum fixed incrementally (RFC 1624), then passed. Frames it
 * cannot parse pass untouched; a miss is counted in a per-CPU array.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct flow_key {
	__u32 src[4];
	__u32 dst[4];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_val {
	__u64 packets;
	__u64 bytes;
	__be32 new_dst;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} misses SEC(".maps");

/* csum_replace4() - RFC 1624 update of a 16-bit one's complement sum */
static __always_inline __u16 csum_replace4(__u16 check, __be32 from, __be32 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~(from & 0xffff);
	sum += (__u16)~(from >> 16);
	sum += to & 0xffff;
	sum += to >> 16;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int xdp_parser(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct flow_key key = {};
	struct flow_val *v;
	struct iphdr *ip4 = NULL;
	__u16 *l4check = NULL;
	void *l4;
	__u16 proto;
	__u32 idx;
	__u64 *miss;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	proto = eth->h_proto;
	l4 = eth + 1;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh = l4;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > data_end)
			return XDP_PASS;
		proto = vh->proto;
		l4 = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		ip4 = l4;
		if ((void *)(ip4 + 1) > data_end || ip4->ihl != 5)
			return XDP_PASS;
		key.src[0] = ip4->saddr;
		key.dst[0] = ip4->daddr;
		key.proto = ip4->protocol;
		l4 = ip4 + 1;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l4;

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		__builtin_memcpy(key.src, &ip6->saddr, 16);
		__builtin_memcpy(key.dst, &ip6->daddr, 16);
		key.proto = ip6->nexthdr;
		l4 = ip6 + 1;
	} else {
		return XDP_PASS;
	}
	if (key.proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return XDP_PASS;
		key.sport = th->source;
		key.dport = th->dest;
		l4check = &th->check;
	} else if (key.proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return XDP_PASS;
		key.sport = uh->source;
		key.dport = uh->dest;
		l4check = &uh->check;
	} else {
		return XDP_PASS;
	}
	v = bpf_map_lookup_elem(&flows, &key);
	if (!v) {
		idx = key.proto == IPPROTO_TCP ? 0 : 1;
		miss = bpf_map_lookup_elem(&misses, &idx);
		if (miss)
			*miss += 1;
		return XDP_PASS;
	}
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, (__u64)(data_end - data));
	if (ip4 && v->new_dst) {
		__be32 old = ip4->daddr;

		ip4->daddr = v->new_dst;
		ip4->check = csum_replace4(ip4->check, old, v->new_dst);
		/* a UDP checksum of 0 means none (RFC 768) */
		if (l4check && (key.proto == IPPROTO_TCP || *l4check))
			*l4check = csum_replace4(*l4check, old, v->new_dst);
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
