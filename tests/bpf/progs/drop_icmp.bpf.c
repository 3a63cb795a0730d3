// SPDX-License-Identifier: MIT
/* drop_icmp.bpf.c - drop IPv4 ICMP, pass everything else, count the drops */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} icmp_drops SEC(".maps");

SEC("xdp")
int xdp_drop_icmp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 zero = 0;
	__u64 *cnt;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->protocol != IPPROTO_ICMP)
		return XDP_PASS;
	cnt = bpf_map_lookup_elem(&icmp_drops, &zero);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
