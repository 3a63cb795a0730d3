/* SPDX-License-Identifier: MIT */
/* capture_filter.h - pcap filter expressions compiled to classic BPF (libpcap)
 *
 * Kept apart from the rest of the switch: libpcap's <pcap/bpf.h> and the
 * kernel's <linux/bpf.h> (used by the XDP hook) define the same names.
 */
#ifndef VN_SWITCH_CAPTURE_FILTER_H
#define VN_SWITCH_CAPTURE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sw_cap_filter;

/**
 * sw_cap_filter_compile() - Compile a filter for Ethernet frames
 * @expr:	pcap-filter(7) expression (outside input: libpcap parses it)
 * @snaplen:	snap length the filter is compiled for
 * @out:	the compiled filter
 * @err:	"bad filter 'EXPR': <libpcap's message>" on failure
 * @err_sz:	size of @err
 *
 * Return: 0, -EINVAL (libpcap refused it), -ENOMEM
 */
int sw_cap_filter_compile(const char *expr, uint32_t snaplen, struct sw_cap_filter **out,
			  char *err, size_t err_sz);

/**
 * sw_cap_filter_match() - Run the filter on one frame (thread-safe, no allocation)
 * @f:		filter
 * @data:	frame, from its Ethernet header
 * @len:	frame length
 *
 * Return: true if the frame matches
 */
bool sw_cap_filter_match(const struct sw_cap_filter *f, const uint8_t *data, uint32_t len);

/**
 * sw_cap_filter_free() - Free a filter
 * @f:		filter, may be NULL
 */
void sw_cap_filter_free(struct sw_cap_filter *f);

#endif /* VN_SWITCH_CAPTURE_FILTER_H */
