// SPDX-License-Identifier: MIT
/* spin.bpf.c - loop .data's `rounds` times, then pass: a program that burns its instruction budget */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile __u32 rounds = 1000;
volatile __u64 acc;

SEC("xdp")
int xdp_spin(struct xdp_md *ctx)
{
	(void)ctx;
	for (__u32 i = 0; i < rounds; i++)
		acc += i;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
