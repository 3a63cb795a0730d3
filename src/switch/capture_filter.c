// SPDX-License-Identifier: MIT
/* capture_filter.c - pcap filter expressions: pcap_compile() on a dead handle, bpf_filter() per frame */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "capture_filter.h"

/**
 * struct sw_cap_filter - a compiled filter
 * @prog:	classic BPF program (libpcap owns its instructions)
 */
struct sw_cap_filter {
	struct bpf_program prog;
};

int sw_cap_filter_compile(const char *expr, uint32_t snaplen, struct sw_cap_filter **out,
			  char *err, size_t err_sz)
{
	struct sw_cap_filter *f;
	pcap_t *p;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	p = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (!p) {
		free(f);
		return -ENOMEM;
	}
	if (pcap_compile(p, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		snprintf(err, err_sz, "bad filter '%s': %s", expr, pcap_geterr(p));
		pcap_close(p);
		free(f);
		return -EINVAL;
	}
	pcap_close(p);
	*out = f;
	return 0;
}

bool sw_cap_filter_match(const struct sw_cap_filter *f, const uint8_t *data, uint32_t len)
{
	return bpf_filter(f->prog.bf_insns, data, len, len) != 0;
}

void sw_cap_filter_free(struct sw_cap_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}
