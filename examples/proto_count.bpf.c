// SPDX-License-Identifier: MIT
/* proto_count.bpf.c - count frames and bytes per IP protocol, let every frame pass
 *
 * The demo's XDP program: an ordinary XDP object, built with
 *   vnetd-bpf-cc proto_count.bpf.c            (writes proto_count.bpf.o)
 * or by hand (Debian keeps <asm/types.h> under the multiarch directory)
 *   clang -O2 -g -target bpf -I/usr/include/$(gcc -dumpmachine) \
 *         -c proto_count.bpf.c -o proto_count.bpf.o
 * that runs unchanged in the kernel and in vnetd. The hash map "proto_count"
 * is keyed by the IP protocol number (IPv4 protocol or IPv6 next header;
 * 0 for frames that are not IP) and holds {packets, bytes}. Read it with
 *   vnetctl map dump PORT ingress proto_count
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct counts {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct counts);
	__uint(max_entries, 256);
} proto_count SEC(".maps");

static __always_inline __u32 ip_proto(void *data, void *data_end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return 0;
		return ip->protocol;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		return ip6->nexthdr;
	}
	return 0;
}

SEC("xdp")
int xdp_proto_count(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u32 key = ip_proto(data, data_end);
	struct counts zero = {}, *c;

	c = bpf_map_lookup_elem(&proto_count, &key);
	if (!c) {
		bpf_map_update_elem(&proto_count, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&proto_count, &key);
		if (!c)
			return XDP_PASS;
	}
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, (__u64)(data_end - data));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
