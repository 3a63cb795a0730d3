// SPDX-License-Identifier: MIT
/* bytes.bpf.c - bpf_xdp_get_buff_len / load_bytes / store_bytes: copy the IPv4 source address over the destination MAC */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __s64);
	__uint(max_entries, 4);
} res SEC(".maps");

static __always_inline void put(__u32 k, __s64 v)
{
	__s64 *p = bpf_map_lookup_elem(&res, &k);

	if (p)
		*p += v;
}

SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
	__u8 buf[4] = {};
	__u64 len = bpf_xdp_get_buff_len(ctx);
	long err;

	put(0, len);
	err = bpf_xdp_load_bytes(ctx, 26, buf, sizeof(buf));
	put(1, err);
	if (err)
		return XDP_PASS;
	err = bpf_xdp_store_bytes(ctx, 0, buf, sizeof(buf));
	put(2, err);
	/* past the end: the kernel says -EINVAL */
	put(3, bpf_xdp_load_bytes(ctx, len - 2, buf, sizeof(buf)));
	return err ? XDP_ABORTED : XDP_TX;
}

char _license[] SEC("license") = "GPL";
