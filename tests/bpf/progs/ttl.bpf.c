// SPDX-License-Identifier: MIT
/* ttl.bpf.c - decrement the IPv4 TTL (header checksum updated, RFC 1624) and pass: an L3 rewrite */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int xdp_ttl(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 sum;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->ttl <= 1)
		return XDP_DROP;
	ip->ttl--;
	/* TTL is the high byte of its 16-bit word: the sum grows by 0x0100 */
	sum = (__u32)ip->check + bpf_htons(0x0100);
	ip->check = (__u16)(sum + (sum >> 16));
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
