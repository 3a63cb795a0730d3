// SPDX-License-Identifier: MIT
/* cost_lpm.bpf.c - the dearest LPM walk there is: a 256-byte key that matches no prefix, looked up in a loop
 *
 * The test fills `trie` from the control side with one prefix per length
 * (/1, /2, ...) of an all-ones key; the program looks up an all-zero /2048
 * key, so every lookup probes every length in use and finds nothing. `calls`
 * counts the lookups that returned, so the test can compare the work done
 * with what the budget allows.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define DATA	256

struct key {
	__u32 prefixlen;
	__u8 data[DATA];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct key);
	__type(value, __u32);
	__uint(max_entries, 2048);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct key);
	__uint(max_entries, 1);
} scratch SEC(".maps");

volatile __u64 calls;
volatile __u32 rounds = 1000000;

SEC("xdp")
int xdp_cost_lpm(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct key *k = bpf_map_lookup_elem(&scratch, &zero);

	(void)ctx;
	if (!k)
		return XDP_PASS;
	k->prefixlen = DATA * 8;
	for (__u32 i = 0; i < rounds; i++) {
		if (bpf_map_lookup_elem(&trie, k))
			return XDP_DROP;
		calls++;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
