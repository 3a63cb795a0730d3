// SPDX-License-Identifier: MIT
/* hook_action.bpf.c - return the verdict held in .data (REDIRECT: bpf_redirect to .data's target) */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The switch tests set these through the attachment's ".data" map */
struct hook_conf {
	__u32 action;	/* XDP_* to return; 5 and up: an unknown verdict */
	__u32 target;	/* port id for XDP_REDIRECT */
	__u64 seen;	/* frames the program ran on */
	__u64 bytes;	/* their bytes */
} conf = { .action = XDP_PASS };

SEC("xdp")
int xdp_hook_action(struct xdp_md *ctx)
{
	__sync_fetch_and_add(&conf.seen, 1);
	__sync_fetch_and_add(&conf.bytes, ctx->data_end - ctx->data);
	if (conf.action == XDP_REDIRECT)
		return bpf_redirect(conf.target, 0);
	return conf.action;
}

char _license[] SEC("license") = "GPL";
