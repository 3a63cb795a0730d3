// SPDX-License-Identifier: MIT
/* redirect.bpf.c - redirect through a DEVMAP keyed by the last byte of the destination MAC */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} tx_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} last_port SEC(".maps");

SEC("xdp/redirect")
int xdp_redirect_map_prog(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	__u32 key, zero = 0, *port, *last;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	key = eth->h_dest[5] & 7;
	/* a program may read a devmap entry */
	port = bpf_map_lookup_elem(&tx_port, &key);
	last = bpf_map_lookup_elem(&last_port, &zero);
	if (last)
		*last = port ? *port : 0xffffffff;
	/* empty slot: XDP_PASS */
	return bpf_redirect_map(&tx_port, key, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
