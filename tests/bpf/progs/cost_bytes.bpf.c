// SPDX-License-Identifier: MIT
/* cost_bytes.bpf.c - copy a whole large frame out with bpf_xdp_load_bytes() in a loop
 *
 * `len` (set by the test) is the bytes per copy; `calls` counts the copies
 * that returned 0.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX	65535

struct buf {
	__u8 b[MAX + 1];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct buf);
	__uint(max_entries, 1);
} out SEC(".maps");

volatile __u64 calls;
volatile __u32 len = 1024;
volatile __u32 rounds = 1000000;

SEC("xdp")
int xdp_cost_bytes(struct xdp_md *ctx)
{
	__u32 zero = 0, n = len;
	struct buf *b = bpf_map_lookup_elem(&out, &zero);

	if (!b || n > MAX)
		return XDP_PASS;
	for (__u32 i = 0; i < rounds; i++) {
		if (bpf_xdp_load_bytes(ctx, 0, b->b, n))
			return XDP_DROP;
		calls++;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
