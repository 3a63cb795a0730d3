// SPDX-License-Identifier: MIT
/* val_proof.bpf.c - map value accesses at the edges of what the JIT may prove
 *
 * The JIT reaches a NULL-checked array value straight through the host
 * address its inline lookup kept (jit_x86_flow.c); each program here tries
 * to make that shortcut reach the wrong bytes. Every engine must give the
 * interpreter's verdict and leave the maps as it does.
 *  - val_edge: a store to the value's last word (proved), then a load that
 *    runs 4 bytes past the value's end (never proved: it faults);
 *  - val_copy: the NULL check is on a copy, the access through the other;
 *  - val_loop: one lookup site runs twice, for keys 0 and 1; the pointer kept
 *    from the first run must still reach key 0's value, not the site's last;
 *  - val_call: a helper call between the check and the access;
 *  - glb_edge: global data (.bss, .data) reached at constant offsets, with a
 *    load that runs 4 bytes past .data's end (never proved: it faults).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pair {
	__u64 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pair);
	__uint(max_entries, 4);
} pairs SEC(".maps");

/* the loop bound, kept out of the compiler's reach so the loop stays one */
volatile const __u32 rounds = 2;

SEC("xdp")
int val_edge(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct pair *v = bpf_map_lookup_elem(&pairs, &k);

	(void)ctx;
	if (!v)
		return XDP_DROP;
	v->b = 7;
	/* 8 bytes at offset 12 of a 16-byte value */
	return (int)*(volatile __u64 *)((char *)v + 12);
}

SEC("xdp")
int val_copy(struct xdp_md *ctx)
{
	__u32 k = 1;
	struct pair *v = bpf_map_lookup_elem(&pairs, &k), *w = v;

	(void)ctx;
	asm volatile("" : "+r"(w));	/* two registers, one checked */
	if (!v)
		return XDP_DROP;
	__sync_fetch_and_add(&w->a, 1);
	w->b += 2;
	return XDP_PASS;
}

SEC("xdp")
int val_loop(struct xdp_md *ctx)
{
	struct pair *first = 0;

	(void)ctx;
	for (__u32 i = 0; i < rounds && i < 4; i++) {
		__u32 k = i;
		struct pair *v = bpf_map_lookup_elem(&pairs, &k);

		if (!v)
			return XDP_DROP;
		if (!first)
			first = v;
		v->b += 100;
	}
	if (!first)
		return XDP_DROP;
	first->a += 1;		/* key 0's value, whatever the site mapped last */
	return XDP_PASS;
}

SEC("xdp")
int val_call(struct xdp_md *ctx)
{
	__u32 k = 2;
	struct pair *v = bpf_map_lookup_elem(&pairs, &k);

	(void)ctx;
	if (!v)
		return XDP_DROP;
	v->a += bpf_get_smp_processor_id() + 1;	/* worker 0 */
	v->b += 1;
	return XDP_PASS;
}

__u64 g_hits;			/* .bss */
__u32 g_words[2] = { 1, 2 };	/* .data: 8 bytes */

SEC("xdp")
int glb_edge(struct xdp_md *ctx)
{
	(void)ctx;
	__sync_fetch_and_add(&g_hits, 1);
	g_words[1] += 1;
	/* 8 bytes at offset 4 of the 8-byte .data */
	return (int)*(volatile __u64 *)((char *)g_words + 4);
}

char _license[] SEC("license") = "GPL";
