// SPDX-License-Identifier: MIT
/* encap.bpf.c - IPv4-in-IPv4 encapsulation with bpf_xdp_adjust_head; a second program trims or pads with adjust_tail and uses metadata */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* .rodata: set before load (the tests keep the defaults) */
const volatile __u32 outer_saddr = 0x0a000001;	/* 10.0.0.1 */
const volatile __u32 outer_daddr = 0x0a000002;	/* 10.0.0.2 */
const volatile __u8 outer_ttl = 64;

/* .data and .bss */
__u64 encapped = 0;
__u64 bytes_in;
__u32 last_csum = 7;

static __always_inline __u16 fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp/encap")
int xdp_encap(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data, *neth;
	struct iphdr *inner, *outer;
	__u32 csum;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	inner = (void *)(eth + 1);
	if ((void *)(inner + 1) > data_end)
		return XDP_DROP;
	bytes_in += data_end - data;
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data_end = (void *)(long)ctx->data_end;
	data = (void *)(long)ctx->data;
	neth = data;
	eth = data + sizeof(struct iphdr);
	outer = data + sizeof(*neth);
	inner = (void *)(outer + 1);
	if ((void *)(inner + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(neth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(neth->h_source, eth->h_dest, ETH_ALEN);
	neth->h_proto = bpf_htons(ETH_P_IP);
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = inner->tos;
	outer->tot_len = bpf_htons(bpf_ntohs(inner->tot_len) + sizeof(*outer));
	outer->id = 0;
	outer->frag_off = bpf_htons(0x4000);
	outer->ttl = outer_ttl;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = bpf_htonl(outer_saddr);
	outer->daddr = bpf_htonl(outer_daddr);
	csum = bpf_csum_diff(0, 0, (__be32 *)outer, sizeof(*outer), 0);
	last_csum = csum;
	outer->check = fold(csum);
	encapped++;
	return XDP_TX;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 4);
} trim_stats SEC(".maps");

/* Cut or zero-pad the frame to 60 bytes, pass the old length through metadata */
SEC("xdp/trim")
int xdp_trim(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u32 len = data_end - data, *meta, k0 = 0, k1 = 1, *v;

	if (bpf_xdp_adjust_meta(ctx, -4))
		return XDP_ABORTED;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(meta + 1) > data)
		return XDP_ABORTED;
	*meta = len;
	if (len != 60 && bpf_xdp_adjust_tail(ctx, 60 - (int)len))
		return XDP_ABORTED;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(meta + 1) > data)
		return XDP_ABORTED;
	v = bpf_map_lookup_elem(&trim_stats, &k0);
	if (v)
		*v = *meta;
	v = bpf_map_lookup_elem(&trim_stats, &k1);
	if (v)
		*v = (long)ctx->data_end - (long)ctx->data;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
