// SPDX-License-Identifier: MIT
/* fuzz_pcap_read.c - libFuzzer target: capture files replayed by a pcap port
 *
 * The input is a whole file (pcap or pcapng) handed to a read= port through a
 * memfd; the port replays it as fast as it can, twice when the first byte
 * is odd, and every frame it delivers must fit a frame buffer and be at
 * least an Ethernet header. A file libpcap refuses must fail the open with
 * an errno, never crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "core/pool.h"
#include "port/port.h"

static void mute(enum vn_log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_pkt *pkts[32];
	struct vn_port *port;
	char spec[96];
	unsigned int n, idle = 0;
	int fd, ret;

	vn_log_set_sink(mute);
	fd = memfd_create("fuzz-pcap", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(spec, sizeof(spec), "pcap:name=fz,read=/proc/self/fd/%d,rate=max,loop=%d,pool=64",
		 fd, size && (data[0] & 1) ? 2 : 1);
	ret = vn_port_open(spec, 3, &port);
	close(fd);	/* libpcap holds its own open of the file */
	if (ret) {
		if (ret >= 0)
			abort();
		return 0;
	}
	/* bounded: a replay ends, and each pass returns */
	for (int pass = 0; pass < 4096 && idle < 3; pass++) {
		n = vn_port_rx_burst(port, pkts, 32);
		idle = n ? 0 : idle + 1;
		for (unsigned int i = 0; i < n; i++) {
			if (vn_pkt_len(pkts[i]) < 14 || vn_pkt_len(pkts[i]) > VN_PKT_FRAME_MAX ||
			    pkts[i]->in_port != 3)
				abort();
		}
		vn_pkt_put_bulk(pkts, n);
	}
	if (vn_pool_avail(port->pool) != port->pool->size)
		abort();
	vn_port_close(port);
	return 0;
}
