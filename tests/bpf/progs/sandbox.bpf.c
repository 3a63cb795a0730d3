// SPDX-License-Identifier: MIT
/* sandbox.bpf.c - hostile programs against the program address space
 *
 * Each tries to learn a host address, reach memory beside what it was
 * given, or read bytes it never wrote. vnetd-only: the kernel's verifier
 * refuses most of them (pointer leaks, unchecked arithmetic).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NWORDS	16

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64[NWORDS]);
	__uint(max_entries, 2);
} words SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} hmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u8[256]);
	__uint(max_entries, 1);
} bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_WRONLY_PROG);
} wronly SEC(".maps");

__u64 global_counter;

static __always_inline __u64 *slot(__u32 k)
{
	return bpf_map_lookup_elem(&words, &k);
}

/* Every pointer it can get, stored where the operator (or guest) reads maps */
SEC("xdp")
int xdp_leak(struct xdp_md *ctx)
{
	volatile __u64 on_stack = 1;
	__u32 k = 0, hk = 1;
	__u64 one = 1, *v = slot(0), *h, *pc;

	if (!v)
		return XDP_ABORTED;
	bpf_map_update_elem(&hmap, &hk, &one, BPF_ANY);
	h = bpf_map_lookup_elem(&hmap, &hk);
	pc = bpf_map_lookup_elem(&pcpu, &k);
	v[0] = (__u64)(long)ctx;
	v[1] = (__u64)(long)ctx->data;
	v[2] = (__u64)(long)ctx->data_end;
	v[3] = (__u64)(long)ctx->data_meta;
	v[4] = (__u64)(long)&on_stack;
	v[5] = (__u64)(long)v;
	v[6] = (__u64)(long)&words;
	v[7] = (__u64)(long)h;
	v[8] = (__u64)(long)pc;
	v[9] = (__u64)(long)&global_counter;
	v[10] = bpf_get_prandom_u32();
	v[11] = bpf_get_prandom_u32();
	v[12] = bpf_get_prandom_u32();
	v[13] = (__u64)(long)&hmap;
	global_counter++;
	return XDP_PASS;
}

/* From a value pointer, the next value in the arena (and the bytes between) */
SEC("xdp")
int xdp_neighbour(struct xdp_md *ctx)
{
	__u64 *v = slot(0);

	(void)ctx;
	if (!v)
		return XDP_PASS;
	return ((volatile __u64 *)v)[NWORDS] ? XDP_DROP : XDP_TX;
}

/* The same through a hash value: the key and the next element's header */
SEC("xdp")
int xdp_neighbour_hash(struct xdp_md *ctx)
{
	__u32 hk = 2;
	__u64 one = 1, *h;

	(void)ctx;
	bpf_map_update_elem(&hmap, &hk, &one, BPF_ANY);
	h = bpf_map_lookup_elem(&hmap, &hk);
	if (!h)
		return XDP_PASS;
	return ((volatile __u64 *)h)[-1] ? XDP_DROP : XDP_TX;
}

/* From the packet, 4 GiB on: the next slot of the address space */
SEC("xdp")
int xdp_cross_region(struct xdp_md *ctx)
{
	volatile __u64 up = 1ULL << 32;
	long p = (long)ctx->data;

	return *(volatile __u8 *)(p + up) ? XDP_DROP : XDP_TX;
}

/* Grows the head and the metadata and copies what became visible into a map */
SEC("xdp")
int xdp_headroom(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u8 *b = bpf_map_lookup_elem(&bytes, &k);
	long err;

	if (!b)
		return XDP_ABORTED;
	err = bpf_xdp_adjust_head(ctx, -192);
	if (err)
		return XDP_DROP;
	if (bpf_xdp_load_bytes(ctx, 0, b, 192))
		return XDP_DROP;
	if (bpf_xdp_adjust_meta(ctx, -32))
		return XDP_DROP;
	{
		void *meta = (void *)(long)ctx->data_meta, *data = (void *)(long)ctx->data;

		if (meta + 32 > data)
			return XDP_DROP;
		__builtin_memcpy(b + 192, meta, 32);
	}
	return XDP_PASS;
}

/* Grows the head by the most the headroom allows: the frame limit holds */
SEC("xdp")
int xdp_oversize(struct xdp_md *ctx)
{
	__u64 *v = slot(1);
	long err = bpf_xdp_adjust_head(ctx, -192);

	if (v)
		v[0] = (__u64)err;
	return XDP_PASS;
}

/* Helpers with lying pointers and lengths: each must stop the run */
SEC("xdp")
int xdp_lie_lookup_key(struct xdp_md *ctx)
{
	/* key pointer at data_end: no byte of it is in the packet */
	return bpf_map_lookup_elem(&words, (void *)(long)ctx->data_end) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_lie_update_value(struct xdp_md *ctx)
{
	__u32 k = 0, hk = 3;
	__u64 *small = bpf_map_lookup_elem(&hmap, &k);	/* 8-byte value */

	(void)ctx;
	bpf_map_update_elem(&hmap, &hk, &k, BPF_ANY);
	small = bpf_map_lookup_elem(&hmap, &hk);
	if (!small)
		return XDP_PASS;
	/* value_size of words is 128: the 8-byte hash value is too short */
	return bpf_map_update_elem(&words, &k, small, BPF_ANY) ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int xdp_lie_delete_key(struct xdp_md *ctx)
{
	volatile long host = 0x7f0000001000L;

	(void)ctx;
	return bpf_map_delete_elem(&hmap, (void *)host) ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int xdp_lie_map(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = slot(0);

	(void)ctx;
	if (!v)
		return XDP_PASS;
	/* a value pointer where a map is expected */
	return bpf_map_lookup_elem((void *)v, &k) ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int xdp_lie_csum_len(struct xdp_md *ctx)
{
	__u64 *v = slot(0);

	(void)ctx;
	if (!v)
		return XDP_PASS;
	/* 132 bytes from a 128-byte value */
	return bpf_csum_diff((__be32 *)v, 132, 0, 0, 0) ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int xdp_lie_load_bytes(struct xdp_md *ctx)
{
	__u64 buf[2];

	/* 64 bytes into a 16-byte stack buffer near the frame's top: past the stack */
	return bpf_xdp_load_bytes(ctx, 0, buf, 64) ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int xdp_lie_store_bytes(struct xdp_md *ctx)
{
	volatile long forged = 0x100001000L;	/* slot 0 offset 4096: the stack's top */

	return bpf_xdp_store_bytes(ctx, 0, (void *)forged, 8) ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int xdp_lie_printk(struct xdp_md *ctx)
{
	/* the context is computed: no helper reads its bytes */
	return bpf_trace_printk((const char *)ctx, 8) ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int xdp_lie_ctx_as_key(struct xdp_md *ctx)
{
	return bpf_map_lookup_elem(&words, ctx) ? XDP_DROP : XDP_TX;
}

/* Map updates from a value onto itself: the copy may alias the element */
SEC("xdp")
int xdp_overlap(struct xdp_md *ctx)
{
	__u32 k0 = 0, k1 = 1;
	__u64 *v = slot(0);

	(void)ctx;
	if (!v)
		return XDP_ABORTED;
	v[0] = 42;
	v[NWORDS - 1] = 43;
	if (bpf_map_update_elem(&words, &k0, v, BPF_ANY) ||
	    bpf_map_update_elem(&words, &k1, v, BPF_ANY))
		return XDP_DROP;
	return XDP_PASS;
}

/* Uses a write-only map: vnetd refuses the program rather than pretend */
SEC("xdp")
int xdp_wronly(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&wronly, &k);

	(void)ctx;
	if (v)
		*v = 1;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
