// SPDX-License-Identifier: MIT
/* redirect_port.bpf.c - bpf_redirect() every frame to one vnetd port id (TARGET_PORT, default 2) */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef TARGET_PORT
#define TARGET_PORT 2
#endif

SEC("xdp")
int xdp_redirect_port(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_redirect(TARGET_PORT, 0);
}

char _license[] SEC("license") = "GPL";
