// SPDX-License-Identifier: MIT
/* stale_va.bpf.c - a hostile program keeps a map value pointer across many lookups
 *
 * The first lookup's value pointer is kept in a register while the program
 * makes N more lookups (each maps a value into a fresh slot of the run's
 * lookup ring), then it is dereferenced. With N past the ring, the slot now
 * holds a later lookup's value: the stale pointer must fault (the run is
 * aborted and counted), never read or write the newer value.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
} vals SEC(".maps");

static __always_inline int keep_then_use(int n)
{
	__u32 k0 = 0;
	__u64 *first = bpf_map_lookup_elem(&vals, &k0), *v;

	if (!first)
		return XDP_DROP;
	for (int i = 1; i <= n; i++) {
		__u32 k = i & 31;	/* key 0 among them: the stale pointer's own value */

		v = bpf_map_lookup_elem(&vals, &k);
		if (!v)
			return XDP_DROP;
		*v = 0x1000 + i;	/* a newer value the stale pointer could alias */
	}
	/* keep the compiler from reloading first: it is the stale pointer */
	asm volatile("" : "+r"(first));
	*first += 1;
	return XDP_PASS;
}

SEC("xdp")
int stale_within(struct xdp_md *ctx)
{
	(void)ctx;
	return keep_then_use(20);	/* fewer than VN_BPF_VALUE_SLOTS - 1: still valid */
}

SEC("xdp")
int stale_past(struct xdp_md *ctx)
{
	(void)ctx;
	return keep_then_use(100);	/* past the ring (at most 63 slots): the slot was reused */
}

char _license[] SEC("license") = "GPL";
