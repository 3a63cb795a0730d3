// SPDX-License-Identifier: MIT
/* legacy.bpf.c - an old-style object: struct bpf_map_def maps in SEC("maps")
 *
 * vnetd-only: libbpf >= 1.0 refuses legacy map definitions.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") hits = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 2,
};

struct bpf_map_def SEC("maps") seen = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 8,
};

SEC("xdp")
int xdp_legacy(struct xdp_md *ctx)
{
	__u32 k = 1, len = ctx->data_end - ctx->data;
	__u64 *v = bpf_map_lookup_elem(&hits, &k);

	if (v)
		*v += 1;
	bpf_map_update_elem(&seen, &len, &k, BPF_ANY);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
