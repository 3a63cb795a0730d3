// SPDX-License-Identifier: MIT
/* gso_vs_kernel.c - vn_gso_segment() against the Linux kernel's software GSO, byte for byte
 *
 * Run by 010_gso_vs_kernel.sh inside a network namespace it made, where tap
 * A and tap B (IFF_VNET_HDR) are bridged. We write a TSO/USO super-frame
 * with a virtio-net header into tap A; the bridge forwards it to tap B,
 * which we told (TUNSETOFFLOAD with no TSO/USO/CSUM bits) that it takes
 * neither GSO frames nor partial checksums, so the kernel segments the frame
 * and computes every checksum in software before tun hands the segments to
 * us. We read them from tap B and compare each with what vn_gso_segment()
 * (sw_csum = true) makes of the same frame.
 *
 * Frames not sent by us (matched by source MAC and L4 ports) are ignored.
 * Usage: gso_vs_kernel TAP_A TAP_B
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/gso.h"
#include "core/parse.h"
#include "core/pool.h"
#include "../core/frames.h"

/* Kernel uapi values (include/uapi/linux/if_tun.h, Linux 6.2+); older
 * Debian headers lack them.
 */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6	0x40
#endif

#define VHDR_SZ		VN_VHDR_MRG_LEN
#define MAX_SEGS	128
#define READ_TIMEOUT_MS	2000

struct kcase {
	const char *name;
	struct tf_spec s;
	unsigned int mss;
	bool ecn;
};

static struct vn_pool *pool;
static uint8_t kseg[MAX_SEGS][VHDR_SZ + 2048];
static unsigned int kseg_len[MAX_SEGS];

static int tap_open(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), sz = VHDR_SZ;

	if (fd < 0) {
		perror("open /dev/net/tun");
		exit(2);
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
		fprintf(stderr, "tap %s: %s\n", name, strerror(errno));
		exit(2);
	}
	return fd;
}

/* Ours: source MAC 02:76:6e:00:00:01, ports 40000 -> 5201 */
static bool is_ours(const uint8_t *f, unsigned int len)
{
	static const uint8_t smac[6] = { 0x02, 0x76, 0x6e, 0, 0, 1 };
	struct vn_pkt pkt = { .buf = (uint8_t *)f, .len = len };
	struct vn_hdrs h;

	if (len < 14 || memcmp(f + 6, smac, 6) || vn_parse_hdrs(&pkt, &h) ||
	    !(h.flags & VN_HDRS_F_L4))
		return false;
	return f[h.l4_off] == 40000 >> 8 && f[h.l4_off + 1] == (40000 & 0xff) &&
	       f[h.l4_off + 2] == 5201 >> 8 && f[h.l4_off + 3] == (5201 & 0xff);
}

static void drain(int fd)
{
	uint8_t junk[VHDR_SZ + 65536];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

/* Read @want of our segments from tap B; returns how many came */
static unsigned int read_kernel(int fd, unsigned int want)
{
	unsigned int n = 0;

	while (n < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, READ_TIMEOUT_MS) <= 0)
			break;
		r = read(fd, kseg[n], sizeof(kseg[n]));
		if (r < VHDR_SZ)
			continue;
		if (!is_ours(kseg[n] + VHDR_SZ, (unsigned int)r - VHDR_SZ))
			continue;
		kseg_len[n++] = (unsigned int)r;
	}
	return n;
}

static void dump_diff(const uint8_t *k, const uint8_t *o, unsigned int len)
{
	unsigned int i, shown = 0;

	for (i = 0; i < len && shown < 8; i++) {
		if (k[i] != o[i]) {
			fprintf(stderr, "    byte %u: kernel %02x vnetd %02x\n", i, k[i], o[i]);
			shown++;
		}
	}
}

/* Compare our segments with the kernel's; returns 0 when all match */
static int compare(const struct kcase *c, struct vn_pkt **segs, int n, unsigned int got)
{
	unsigned int i;
	int bad = 0;

	if ((unsigned int)n != got) {
		fprintf(stderr, "FAIL %s: kernel gave %u segments, vnetd %d\n", c->name, got, n);
		return 1;
	}
	for (i = 0; i < got; i++) {
		uint8_t ours[VHDR_SZ];
		struct vn_vhdr kvh;
		const uint8_t *kf = kseg[i] + VHDR_SZ;
		unsigned int klen = kseg_len[i] - VHDR_SZ;

		vn_vhdr_parse(&kvh, kseg[i], VHDR_SZ, VHDR_SZ);
		if (kvh.gso_type != VN_VHDR_GSO_NONE || (kvh.flags & VN_VHDR_F_NEEDS_CSUM)) {
			fprintf(stderr, "FAIL %s seg %u: kernel header gso_type %u flags %u\n",
				c->name, i, kvh.gso_type, kvh.flags);
			bad = 1;
		}
		/* tun writes the 10-byte header and skips num_buffers */
		vn_vhdr_build(&segs[i]->vh, ours, VHDR_SZ);
		if (memcmp(ours, kseg[i], VN_VHDR_LEN)) {
			fprintf(stderr, "FAIL %s seg %u: virtio-net header differs\n", c->name, i);
			dump_diff(kseg[i], ours, VN_VHDR_LEN);
			bad = 1;
		}
		if (klen != segs[i]->len || memcmp(kf, vn_pkt_data(segs[i]), klen)) {
			fprintf(stderr, "FAIL %s seg %u: kernel %u bytes, vnetd %u bytes differ\n",
				c->name, i, klen, segs[i]->len);
			dump_diff(kf, vn_pkt_data(segs[i]), VN_MIN(klen, segs[i]->len));
			bad = 1;
		}
	}
	if (!bad)
		printf("PASS %s: %u segments and virtio-net headers identical to the kernel's\n",
		       c->name, got);
	return bad;
}

/* Without a kernel peer (USO unsupported): reassemble and verify checksums ourselves */
static int verify_alone(const struct kcase *c, const struct tf_layout *lay,
			const uint8_t *orig, struct vn_pkt **segs, int n, bool quiet)
{
	unsigned int off = lay->payload_off, hl = lay->payload_off;
	int i;

	for (i = 0; i < n; i++) {
		const uint8_t *f = vn_pkt_data(segs[i]);
		unsigned int plen = segs[i]->len - hl;

		if (plen > c->mss || memcmp(f + hl, orig + off, plen) ||
		    !tf_l4_csum_ok(f, lay->l3_off, c->s.ipv, lay->l4_off, segs[i]->len, c->s.proto) ||
		    (c->s.ipv == 4 &&
		     tf_horrible_sum(f + lay->l3_off, lay->l4_off - lay->l3_off, 0) != 0xffff)) {
			fprintf(stderr, "FAIL %s seg %d: independent verification\n", c->name, i);
			return 1;
		}
		off += plen;
	}
	if (off != lay->len) {
		fprintf(stderr, "FAIL %s: payload does not reassemble\n", c->name);
		return 1;
	}
	if (quiet)
		return 0;
	printf("CHECKED-WITHOUT-KERNEL %s: kernel lacks USO on tap (TUNSETOFFLOAD EINVAL); "
	       "%d segments verified by reassembly and slow checksums instead\n", c->name, n);
	return 0;
}

static int run_case(int fa, int fb, const struct kcase *c, bool kernel_ok)
{
	static uint8_t wire[VHDR_SZ + VN_PKT_FRAME_MAX];
	struct vn_pkt *segs[VN_GSO_SEGS_MAX];
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	enum vn_drop_reason why;
	struct tf_layout lay;
	unsigned int len, got;
	int n, rc;

	len = tf_build(wire + VHDR_SZ, &c->s, &lay);
	vn_pkt_set(pkt, wire + VHDR_SZ, len);
	pkt->vh = tf_gso_vhdr(&c->s, &lay, (uint16_t)c->mss, c->ecn);
	vn_vhdr_build(&pkt->vh, wire, VHDR_SZ);
	n = vn_gso_segment(pool, pkt, true, segs, VN_GSO_SEGS_MAX, &why);
	if (n < 0 || n > MAX_SEGS) {
		fprintf(stderr, "FAIL %s: vn_gso_segment %d (%s)\n", c->name, n, vn_drop_name(why));
		return 1;
	}
	/* Independent check always; the kernel comparison on top when it can */
	rc = verify_alone(c, &lay, wire + VHDR_SZ, segs, n, kernel_ok);
	if (rc == 0 && kernel_ok) {
		drain(fb);
		if (write(fa, wire, VHDR_SZ + len) != (ssize_t)(VHDR_SZ + len)) {
			fprintf(stderr, "FAIL %s: write to tap A: %s\n", c->name, strerror(errno));
			rc = 1;
		} else {
			got = read_kernel(fb, (unsigned int)n);
			rc = compare(c, segs, n, got);
		}
	}
	vn_pkt_put_bulk(segs, (unsigned int)n);
	vn_pkt_put(pkt);
	return rc;
}

/* Bridge ports forward once both taps have carrier: probe with a small
 * frame (source port 40001, not ours) until one comes through, 50 tries.
 */
static int wait_forwarding(int fa, int fb)
{
	static const struct tf_spec probe = { .ipv = 4, .proto = 17, .payload = 10, .sport = 40001 };
	uint8_t wire[VHDR_SZ + 128] = { 0 }, in[VHDR_SZ + 2048];
	unsigned int len = tf_build(wire + VHDR_SZ, &probe, NULL), try;

	for (try = 0; try < 50; try++) {
		struct pollfd p = { .fd = fb, .events = POLLIN };
		ssize_t r;

		if (write(fa, wire, VHDR_SZ + len) < 0)
			return -1;
		while (poll(&p, 1, 100) > 0) {
			r = read(fb, in, sizeof(in));
			if (r == (ssize_t)(VHDR_SZ + len) && !memcmp(in + VHDR_SZ + 6, wire + VHDR_SZ + 6, 6))
				return 0;
		}
	}
	return -1;
}

static const struct kcase cases[] = {
	{ "tcp4", { .ipv = 4, .proto = 6, .payload = 20000, .tcp_flags = 0x18, .df = true,
		    .ip_id = 0x1234, .seq = 1000 }, 1448, false },
	{ "tcp4-ecn-cwr", { .ipv = 4, .proto = 6, .payload = 9000, .tcp_flags = 0x80 | 0x40 | 0x18,
			    .tos = 0x02, .df = true, .seq = 0xfffff000 }, 1448, true },
	{ "tcp4-odd-fin", { .ipv = 4, .proto = 6, .payload = 12345, .tcp_flags = 0x19,
			    .tcp_opt_len = 12, .df = true, .ip_id = 0xfffe }, 1001, false },
	{ "tcp4-64k", { .ipv = 4, .proto = 6, .payload = 65000, .tcp_flags = 0x10, .df = true,
			.tcp_opt_len = 12, .seed = 9 }, 1448, false },
	{ "tcp4-no-df-ipopts", { .ipv = 4, .proto = 6, .payload = 5000, .tcp_flags = 0x10,
				 .ip_opt_len = 4, .ip_id = 77 }, 1400, false },
	{ "tcp6", { .ipv = 6, .proto = 6, .payload = 30000, .tcp_flags = 0x18 }, 1440, false },
	{ "tcp6-ecn-cwr", { .ipv = 6, .proto = 6, .payload = 7777, .tcp_flags = 0x80 | 0x10,
			    .tos = 0x01 }, 1333, true },
	{ "tcp6-odd-dstopts", { .ipv = 6, .proto = 6, .payload = 4099, .tcp_flags = 0x11,
				.v6_ext_len = 8 }, 999, false },
	{ "tcp4-vlan", { .ipv = 4, .proto = 6, .payload = 6000, .tcp_flags = 0x18, .nvlan = 1,
			 .df = true }, 1448, false },
	{ "tcp6-qinq", { .ipv = 6, .proto = 6, .payload = 6001, .tcp_flags = 0x18, .nvlan = 2 },
	  1440, false },
	{ "udp4-uso", { .ipv = 4, .proto = 17, .payload = 8000, .df = true, .ip_id = 5 }, 1472, false },
	{ "udp6-uso-odd", { .ipv = 6, .proto = 17, .payload = 5001 }, 1000, false },
};

int main(int argc, char **argv)
{
	unsigned int i, failed = 0;
	bool uso;
	int fa, fb, off;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TAP_A TAP_B\n", argv[0]);
		return 2;
	}
	if (vn_pool_create("gso-vs-kernel", 256, &pool))
		return 2;
	fa = tap_open(argv[1]);
	fb = tap_open(argv[2]);
	/* Tap B takes no GSO and no partial checksums: the kernel must do both */
	if (ioctl(fb, TUNSETOFFLOAD, 0) < 0) {
		perror("TUNSETOFFLOAD tap B");
		return 2;
	}
	/* Probe USO on tap A: kernels without it reject the bits with EINVAL */
	off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6;
	uso = ioctl(fa, TUNSETOFFLOAD, off) == 0;
	if (!uso && errno != EINVAL) {
		perror("TUNSETOFFLOAD tap A");
		return 2;
	}
	printf("kernel USO on tap: %s\n", uso ? "yes" : "no (EINVAL)");
	if (wait_forwarding(fa, fb)) {
		fprintf(stderr, "FAIL: bridge never forwarded a probe frame from tap A to tap B\n");
		return 1;
	}

	for (i = 0; i < VN_ARRAY_SIZE(cases); i++)
		failed += run_case(fa, fb, &cases[i], cases[i].s.proto == 6 || uso) != 0;
	close(fa);
	close(fb);
	vn_pool_destroy(pool);
	printf("%u/%zu cases failed\n", failed, VN_ARRAY_SIZE(cases));
	return failed ? 1 : 0;
}
