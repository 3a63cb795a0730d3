// SPDX-License-Identifier: MIT
/* bpf_vm_prog.c - benchmark programs for the VM, built twice: -target bpf and native
 *
 * prog(data, len) gets a frame in plain memory (vnet-bpf-run passes r1 = data,
 * r2 = len). -DXDP1: parse Ethernet (+VLAN), IPv4/IPv6 and count by IP
 * protocol into a table after the frame, drop UDP (like the kernel's xdp1).
 * -DXDP2: the same parse, then swap the MAC addresses and return TX (xdp2).
 * Return values use the XDP action numbers (1 drop, 2 pass, 3 tx).
 */
#include <stdint.h>

#define ETH_HLEN 14

__attribute__((noinline)) uint64_t prog(uint8_t *data, uint64_t len);

__attribute__((noinline)) uint64_t prog(uint8_t *data, uint64_t len)
{
	uint8_t *end = data + len, *l3 = data + ETH_HLEN;
	uint64_t *counters;
	uint16_t proto;
	uint8_t ipproto;

	/* the counters live after the 64-byte frame in the same buffer */
	if (len < 64 + 256 * 8)
		return 0;
	counters = (uint64_t *)(void *)(data + 64);
	end = data + 64;
	if (l3 > end)
		return 1;
	proto = (uint16_t)(data[12] << 8 | data[13]);
	if (proto == 0x8100 || proto == 0x88a8) {
		if (l3 + 4 > end)
			return 1;
		proto = (uint16_t)(l3[2] << 8 | l3[3]);
		l3 += 4;
	}
	if (proto == 0x0800) {
		if (l3 + 20 > end)
			return 1;
		ipproto = l3[9];
	} else if (proto == 0x86dd) {
		if (l3 + 40 > end)
			return 1;
		ipproto = l3[6];
	} else {
		return 2;
	}
	counters[ipproto]++;
#ifdef XDP2
	for (int i = 0; i < 6; i++) {
		uint8_t t = data[i];

		data[i] = data[6 + i];
		data[6 + i] = t;
	}
	return 3;
#else
	return ipproto == 17 ? 1 : 2;
#endif
}
