// SPDX-License-Identifier: MIT
/* cost_update.bpf.c - hash updates of a 64 KiB value in a loop: each one clears and copies the value
 *
 * `calls` counts the updates that returned.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define VSIZE	65536

struct big {
	__u8 b[VSIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct big);
	__uint(max_entries, 2);
} h SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct big);
	__uint(max_entries, 1);
} src SEC(".maps");

volatile __u64 calls;
volatile __u32 rounds = 1000000;

SEC("xdp")
int xdp_cost_update(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct big *v = bpf_map_lookup_elem(&src, &zero);

	(void)ctx;
	if (!v)
		return XDP_PASS;
	for (__u32 i = 0; i < rounds; i++) {
		bpf_map_update_elem(&h, &zero, v, BPF_ANY);
		calls++;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
