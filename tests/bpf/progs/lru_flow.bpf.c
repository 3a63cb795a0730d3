// SPDX-License-Identifier: MIT
/* lru_flow.bpf.c - per-flow packet/byte counters in an LRU hash; parsing in BPF-to-BPF subprograms */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_val {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
	__uint(max_entries, 64);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 16);
} blocked SEC(".maps");

/* static subprogram in .text: R_BPF_64_32 against the section symbol */
static __attribute__((noinline)) int parse_l4(void *l4, void *data_end, __u8 proto,
					      struct flow_key *k)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return -1;
		k->sport = th->source;
		k->dport = th->dest;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return -1;
		k->sport = uh->source;
		k->dport = uh->dest;
	}
	return 0;
}

/* global subprogram: called through its own symbol */
__attribute__((noinline)) int parse_flow(struct xdp_md *ctx, struct flow_key *k)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	if (!k)
		return -1;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return -1;
	k->saddr = ip->saddr;
	k->daddr = ip->daddr;
	k->proto = ip->protocol;
	return parse_l4((void *)ip + ip->ihl * 4, data_end, ip->protocol, k);
}

SEC("xdp")
int xdp_flow(struct xdp_md *ctx)
{
	struct flow_key k = {};
	struct flow_val *v, nv = {};
	__u64 len = ctx->data_end - ctx->data;

	if (parse_flow(ctx, &k))
		return XDP_PASS;
	if (bpf_map_lookup_elem(&blocked, &k.saddr))
		return XDP_DROP;
	v = bpf_map_lookup_elem(&flows, &k);
	if (v) {
		__sync_fetch_and_add(&v->packets, 1);
		__sync_fetch_and_add(&v->bytes, len);
	} else {
		nv.packets = 1;
		nv.bytes = len;
		bpf_map_update_elem(&flows, &k, &nv, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
