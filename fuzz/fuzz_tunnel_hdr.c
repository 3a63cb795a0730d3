// SPDX-License-Identifier: MIT
/* fuzz_tunnel_hdr.c - libFuzzer target: VXLAN and Geneve headers from the network
 *
 * The first byte picks the kind; the rest is a UDP payload. A header that
 * parses must leave an inner Ethernet header inside the datagram, and a
 * header vnetd builds must parse back to its VNI.
 */
#include <stdint.h>
#include <stdlib.h>

#include "port/tunnel_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum vn_tun_kind kind;
	uint8_t hdr[8 + 14] = { 0 };
	uint32_t vni = 0, v2 = 0;
	size_t inner = 0, i2 = 0;

	if (!size)
		return 0;
	kind = data[0] & 1 ? VN_TUN_GENEVE : VN_TUN_VXLAN;
	if (vn_tun_parse(kind, data + 1, size - 1, &vni, &inner) == VN_DROP_NONE &&
	    (inner + 14 > size - 1 || vni > VN_TUN_VNI_MAX))
		abort();
	if (vn_tun_build(kind, vni, hdr) != 8 ||
	    vn_tun_parse(kind, hdr, sizeof(hdr), &v2, &i2) != VN_DROP_NONE || v2 != vni || i2 != 8)
		abort();
	return 0;
}
