// SPDX-License-Identifier: MIT
/* helpers.bpf.c - helpers not covered by the differential programs, and hostile helper arguments
 *
 * vnetd-only: the kernel's verifier would refuse the forged programs.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} out SEC(".maps");

static __always_inline void put(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&out, &k);

	if (p)
		*p = v;
}

SEC("xdp")
int xdp_helpers(struct xdp_md *ctx)
{
	__u64 t = bpf_ktime_get_ns();

	put(0, t);
	put(1, bpf_get_prandom_u32());
	put(2, bpf_get_smp_processor_id());
	put(3, bpf_printk("helpers: rxq %u len %d", ctx->rx_queue_index,
			  (int)(ctx->data_end - ctx->data)));
	return bpf_redirect(7, 0);
}

SEC("xdp")
int xdp_redirect_flags(struct xdp_md *ctx)
{
	return bpf_redirect(ctx->ingress_ifindex, 1);
}

SEC("xdp")
int xdp_forged_map(struct xdp_md *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem((void *)(long)ctx->data, &k) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_bad_ptr(struct xdp_md *ctx)
{
	return bpf_csum_diff((__be32 *)(long)(ctx->data_end + 4096), 4, 0, 0, 0) ? XDP_PASS : XDP_DROP;
}

/* Reads past data_end without a bounds check: the kernel's verifier refuses it */
SEC("xdp")
int xdp_oob_read(struct xdp_md *ctx)
{
	return *(volatile __u32 *)((long)ctx->data + 2000) ? XDP_PASS : XDP_DROP;
}

/* Writes a read-only global through a cast pointer */
const volatile __u32 ro_cfg = 5;

SEC("xdp")
int xdp_write_rodata(struct xdp_md *ctx)
{
	*(volatile __u32 *)&ro_cfg = ctx->rx_queue_index;
	return XDP_PASS;
}

/* %s is not in the trace_printk subset vnetd formats: -EINVAL to the program */
SEC("xdp")
int xdp_printk_bad(struct xdp_md *ctx)
{
	char name[] = "x";

	put(0, bpf_printk("bad %s", name));
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
