// SPDX-License-Identifier: MIT
/* guest_big.bpf.c - a guest program whose map alone is 256 KiB (xdp-offload-mem tests) */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct blob {
	__u8 b[1024];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct blob);
	__uint(max_entries, 256);
} big SEC(".maps");

SEC("xdp")
int xdp_guest_big(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct blob *v = bpf_map_lookup_elem(&big, &k);

	(void)ctx;
	return v && v->b[0] ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
