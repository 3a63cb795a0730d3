// SPDX-License-Identifier: MIT
/* guest_icmp.bpf.c - a guest's offloaded program: drop IPv4 ICMP, count the drops
 *
 * icmp_drops: per-CPU drop counter; flows: drops per IPv4 source address;
 * last_ptr: the address of the counter it last bumped, as the program sees
 * it (a program-space address: the channel test checks that no host
 * address comes back).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} icmp_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} last_ptr SEC(".maps");

SEC("xdp")
int xdp_guest_icmp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u64 one = 1, *cnt, *f, *lp;
	__u32 zero = 0, src;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->protocol != IPPROTO_ICMP)
		return XDP_PASS;
	cnt = bpf_map_lookup_elem(&icmp_drops, &zero);
	if (cnt)
		*cnt += 1;
	src = ip->saddr;
	f = bpf_map_lookup_elem(&flows, &src);
	if (f)
		__sync_fetch_and_add(f, 1);
	else
		bpf_map_update_elem(&flows, &src, &one, BPF_NOEXIST);
	lp = bpf_map_lookup_elem(&last_ptr, &zero);
	if (lp && cnt)
		*lp = (__u64)(long)cnt;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
