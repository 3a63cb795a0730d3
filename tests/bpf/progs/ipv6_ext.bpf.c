// SPDX-License-Identifier: MIT
/* ipv6_ext.bpf.c - walk IPv6 extension headers in a bounded loop, count by upper protocol, drop UDP port 9 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_EXT 8

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 256);
} by_proto SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, MAX_EXT + 2);
} by_depth SEC(".maps");

struct opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

SEC("xdp")
int xdp_ipv6_ext(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6;
	__u32 nh, depth = 0, i;
	void *cur;
	__u64 *cnt;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > data_end)
		return XDP_DROP;
	nh = ip6->nexthdr;
	cur = ip6 + 1;
	for (i = 0; i < MAX_EXT; i++) {
		struct opt_hdr *oh = cur;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS &&
		    nh != IPPROTO_FRAGMENT && nh != IPPROTO_AH)
			break;
		if ((void *)(oh + 1) > data_end)
			return XDP_DROP;
		if (nh == IPPROTO_FRAGMENT)
			cur += 8;
		else if (nh == IPPROTO_AH)
			cur += (oh->hdrlen + 2) * 4;
		else
			cur += (oh->hdrlen + 1) * 8;
		nh = oh->nexthdr;
		depth++;
	}
	cnt = bpf_map_lookup_elem(&by_depth, &depth);
	if (cnt)
		*cnt += 1;
	cnt = bpf_map_lookup_elem(&by_proto, &nh);
	if (cnt)
		*cnt += 1;
	if (nh == IPPROTO_UDP) {
		struct udphdr *uh = cur;

		if ((void *)(uh + 1) > data_end)
			return XDP_DROP;
		if (uh->dest == bpf_htons(9))
			return XDP_DROP;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
