// SPDX-License-Identifier: MIT
/* gro_kernel.c - compare vn_gro_burst with the Linux kernel's GRO on a veth pair
 *
 * Usage: gro_kernel TX_IF RX_IF TRIALS SEED  (run by 021_gro_vs_kernel.sh in
 * its own namespace, where RX_IF has NAPI GRO on and a long gro_flush_timeout)
 *
 * Each trial builds one random TCP flow of in-order segments (IPv4/IPv6,
 * TCP timestamps or not, PSH on the last, ECE, DF, fixed IPv4 IDs, a short
 * last segment, more than 64 KiB in total) where, in half of the trials, one
 * segment breaks a rule from there on (sequence gap, TTL/hop limit, TOS,
 * ACK number, timestamp value, IPv4 ID jump, PSH in the middle), sends the
 * segments out of TX_IF with a packet socket, reads what the kernel's GRO
 * made of them on RX_IF (a packet socket with PACKET_VNET_HDR gives the
 * frames with their virtio-net header), and runs the same segments through
 * vn_gro_burst. Frame boundaries, every byte (checksums included) and, for
 * merged frames, flags/gso_type/gso_size/csum_start/csum_offset must be the
 * same. hdr_len is not compared: the kernel reports skb_headlen() there.
 *
 * The kernel flushes held segments when its timer fires; if that happens
 * in the middle of a trial the kernel returns more frames than we do,
 * each a prefix-split of ours. Such a trial is retried (at most 5 times);
 * any other difference fails. GRO_KERNEL_DEBUG=1 in the environment prints
 * each trial's flow and the frame sizes of a split.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../core/frames.h"
#include "core/gro.h"
#include "core/pool.h"

#define MAX_SEGS	64
#ifndef PACKET_VNET_HDR
#define PACKET_VNET_HDR	15
#endif

static uint8_t segs[MAX_SEGS][2048];
static unsigned int seglen[MAX_SEGS];
static uint8_t kframe[MAX_SEGS][VN_VHDR_LEN + VN_PKT_FRAME_MAX];
static int klen[MAX_SEGS];

static void die(const char *what)
{
	fprintf(stderr, "gro_kernel: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int open_if(const char *name, int rx)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct timeval tv = { .tv_sec = 2 };
	int fd, one = 1, big = 8 << 20;

	fd = socket(AF_PACKET, SOCK_RAW, rx ? htons(ETH_P_ALL) : 0);
	if (fd < 0)
		die("socket");
	sll.sll_ifindex = (int)if_nametoindex(name);
	sll.sll_protocol = rx ? htons(ETH_P_ALL) : 0;
	if (!sll.sll_ifindex)
		die(name);
	if (rx && (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
		   setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)) ||
		   setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))))
		die("setsockopt");
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");
	return fd;
}

/* Full checksums (what a sender without offloads puts on the wire) */
static void fix_csums(uint8_t *b, const struct tf_layout *lay, int ipv)
{
	uint8_t *ip = b + lay->l3_off;
	uint32_t l4_len = lay->len - lay->l4_off, sum;
	uint16_t c;

	if (ipv == 4) {
		memset(ip + 10, 0, 2);
		c = vn_csum_fold(vn_csum_partial(ip, 20, 0));
		memcpy(ip + 10, &c, 2);
		sum = vn_csum_pseudo_v4(ip + 12, ip + 16, 6, l4_len);
	} else {
		sum = vn_csum_pseudo_v6(ip + 8, ip + 24, 6, l4_len);
	}
	memset(b + lay->l4_off + 16, 0, 2);
	c = vn_csum_fold(vn_csum_partial(b + lay->l4_off, l4_len, sum));
	memcpy(b + lay->l4_off + 16, &c, 2);
}

/* How segment @at differs from the flow so far (both sides must split there) */
enum disturb { D_NONE, D_GAP, D_TTL, D_TOS, D_ACK, D_TSVAL, D_ID, D_PSH, D_MAX };

/* One random flow into segs[]; returns the segment count */
static unsigned int make_flow(unsigned int trial, unsigned int *payload_total)
{
	struct tf_spec s = { .proto = 6, .tcp_flags = 0x10 };
	unsigned int n, k, gso, at, tsopt = rand() % 2;
	bool psh_last = rand() % 2, short_last = rand() % 2, fixed_id;
	enum disturb d = rand() % 2 ? D_NONE : (enum disturb)(1 + rand() % (D_MAX - 1));
	static const uint8_t tos[] = { 0, 0x02, 0xb8 };

	s.ipv = rand() % 2 ? 4 : 6;
	s.tcp_opt_len = tsopt ? 12 : 0;
	s.tos = tos[rand() % 3];
	s.df = s.ipv == 4 && rand() % 2;
	fixed_id = s.df && rand() % 3 == 0;
	s.sport = (uint16_t)(20000 + trial);
	s.seq = (uint32_t)rand() * 2654435761u;
	s.ip_id = (uint16_t)rand();
	if (rand() % 4 == 0)
		s.tcp_flags |= 0x40;	/* ECE on every segment */
	n = 2 + (unsigned int)rand() % 47;
	gso = rand() % 2 ? 1448 - s.tcp_opt_len - (s.ipv == 6 ? 20 : 0) :
			   1 + (unsigned int)rand() % 1200;
	at = 1 + (unsigned int)rand() % (n - 1);
	*payload_total = 0;
	for (k = 0; k < n; k++) {
		struct tf_spec g = s;
		struct tf_layout lay;
		uint8_t *ip, *th;

		g.payload = k == n - 1 && short_last ? 1 + (unsigned int)rand() % gso : gso;
		if (k == n - 1 && psh_last)
			g.tcp_flags |= 0x08;
		if (k == at && d == D_GAP)
			g.seq += 1;
		if (k >= at && d == D_TOS)
			g.tos ^= 0x04;
		if (k == at && d == D_PSH)
			g.tcp_flags |= 0x08;
		if (k >= at && d == D_ID && s.ipv == 4)
			g.ip_id += 7;
		g.seed = (uint8_t)k;
		seglen[k] = tf_build(segs[k], &g, &lay);
		ip = segs[k] + lay.l3_off;
		th = segs[k] + lay.l4_off;
		if (tsopt)
			memcpy(th + 20, "\x01\x01\x08\x0a\x12\x34\x56\x78\0\0\0\x09", 12);
		if (k >= at && d == D_TSVAL && tsopt)
			th[27]++;
		if (k >= at && d == D_ACK)
			th[11]++;
		if (k >= at && d == D_TTL)
			ip[s.ipv == 4 ? 8 : 7]--;
		fix_csums(segs[k], &lay, g.ipv);
		*payload_total += g.payload;
		s.seq = g.seq + g.payload;
		if (!fixed_id)
			s.ip_id++;
	}
	return n;
}

/* Read the kernel's frames of this flow until all payload bytes came */
static unsigned int kernel_frames(int rx, uint16_t sport, unsigned int payload_total)
{
	unsigned int nk = 0, got = 0, tries = 0;

	while (got < payload_total && nk < MAX_SEGS && tries++ < 4 * MAX_SEGS) {
		struct vn_pkt tmp = { 0 };
		struct vn_hdrs h;
		int len = (int)recv(rx, kframe[nk], sizeof(kframe[nk]), 0);

		if (len < 0)
			break;	/* timeout: compare what came */
		tmp.buf = kframe[nk] + VN_VHDR_LEN;
		tmp.len = (uint32_t)(len - VN_VHDR_LEN);
		if (len <= VN_VHDR_LEN || vn_parse_hdrs(&tmp, &h) || h.l4_proto != 6 ||
		    !(h.flags & VN_HDRS_F_L4))
			continue;
		if ((tmp.buf[h.l4_off] << 8 | tmp.buf[h.l4_off + 1]) != sport)
			continue;	/* not ours (neighbour discovery and the like) */
		got += h.l3_end - h.payload_off;
		klen[nk++] = len;
	}
	return nk;
}

static void drain(int rx)
{
	uint8_t b[2048];

	while (recv(rx, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

/* 0: same; 1: kernel split a frame (timer flush), retry; -1: differs */
static int compare(struct vn_pkt **ours, unsigned int n, unsigned int nk, unsigned int trial,
		   unsigned int *merged)
{
	unsigned int i;

	if (nk > n) {
		fprintf(stderr, "trial %u: kernel %u frames, vn_gro %u: retry\n", trial, nk, n);
		for (i = 0; i < nk && getenv("GRO_KERNEL_DEBUG"); i++)
			fprintf(stderr, "  kernel frame %u: %d bytes\n", i, klen[i] - VN_VHDR_LEN);
		for (i = 0; i < n && getenv("GRO_KERNEL_DEBUG"); i++)
			fprintf(stderr, "  vn_gro frame %u: %u bytes\n", i, ours[i]->len);
		return 1;
	}
	if (nk != n) {
		fprintf(stderr, "trial %u: kernel made %u frames, vn_gro %u\n", trial, nk, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct vn_vhdr kv;
		const uint8_t *kf = kframe[i] + VN_VHDR_LEN;
		unsigned int kl = (unsigned int)klen[i] - VN_VHDR_LEN;

		vn_vhdr_parse(&kv, kframe[i], VN_VHDR_LEN, VN_VHDR_LEN);
		if (kl != ours[i]->len) {
			if (vn_vhdr_is_gso(&ours[i]->vh) && kl < ours[i]->len)
				return 1;
			fprintf(stderr, "trial %u frame %u: kernel %u bytes, vn_gro %u\n", trial, i,
				kl, ours[i]->len);
			return -1;
		}
		if (memcmp(kf, vn_pkt_data(ours[i]), kl)) {
			unsigned int b = 0;

			while (kf[b] == vn_pkt_data(ours[i])[b])
				b++;
			fprintf(stderr, "trial %u frame %u: first different byte %u\n", trial, i, b);
			return -1;
		}
		if (!vn_vhdr_is_gso(&ours[i]->vh)) {
			if (vn_vhdr_is_gso(&kv)) {
				fprintf(stderr, "trial %u frame %u: kernel says GSO\n", trial, i);
				return -1;
			}
			continue;
		}
		if (kv.flags != ours[i]->vh.flags || kv.gso_type != ours[i]->vh.gso_type ||
		    kv.gso_size != ours[i]->vh.gso_size || kv.csum_start != ours[i]->vh.csum_start ||
		    kv.csum_offset != ours[i]->vh.csum_offset) {
			fprintf(stderr, "trial %u frame %u: vnet header kernel %u/%u/%u/%u/%u "
				"vn_gro %u/%u/%u/%u/%u\n", trial, i, kv.flags, kv.gso_type,
				kv.gso_size, kv.csum_start, kv.csum_offset, ours[i]->vh.flags,
				ours[i]->vh.gso_type, ours[i]->vh.gso_size, ours[i]->vh.csum_start,
				ours[i]->vh.csum_offset);
			return -1;
		}
		(*merged)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int trials, trial, frames = 0, merged = 0, retries = 0;
	struct vn_pool *pool;
	struct vn_gro gro;
	int tx, rx;

	if (argc != 5) {
		fprintf(stderr, "usage: gro_kernel TX_IF RX_IF TRIALS SEED\n");
		return 2;
	}
	trials = (unsigned int)atoi(argv[3]);
	srand((unsigned int)atoi(argv[4]));
	tx = open_if(argv[1], 0);
	rx = open_if(argv[2], 1);
	if (vn_pool_create("gro_kernel", 2 * MAX_SEGS, &pool))
		return 2;
	vn_gro_init(&gro);
	for (trial = 0; trial < trials; trial++) {
		struct vn_pkt *in[MAX_SEGS], *out[MAX_SEGS];
		unsigned int n, k, nout, nk, total, attempt;
		int rc = 1;

		n = make_flow(trial, &total);
		if (getenv("GRO_KERNEL_DEBUG")) {
			struct vn_pkt t = { .buf = segs[0], .len = seglen[0] };
			struct vn_hdrs h;

			vn_parse_hdrs(&t, &h);
			fprintf(stderr, "trial %u: IPv%u, %u segments, first %u bytes, "
				"tcp flags 0x%02x, last 0x%02x\n", trial, h.ip_version, n,
				seglen[0], segs[0][h.l4_off + 13],
				segs[n - 1][h.l4_off + 13]);
		}
		for (attempt = 0; attempt < 5 && rc == 1; attempt++) {
			drain(rx);
			for (k = 0; k < n; k++)
				if (send(tx, segs[k], seglen[k], 0) != (ssize_t)seglen[k])
					die("send");
			nk = kernel_frames(rx, (uint16_t)(20000 + trial), total);
			for (k = 0; k < n; k++) {
				in[k] = vn_pool_alloc(pool);
				vn_pkt_set(in[k], segs[k], seglen[k]);
			}
			nout = vn_gro_burst(&gro, pool, in, n, out, MAX_SEGS);
			rc = compare(out, nout, nk, trial, &merged);
			if (rc == 0)
				frames += nout;
			retries += rc == 1;
			vn_pkt_put_bulk(out, nout);
		}
		if (rc) {
			fprintf(stderr, "gro_kernel: trial %u differs from the kernel\n", trial);
			return 1;
		}
	}
	printf("gro_kernel: %u trials, %u frames identical to the kernel's (%u merged), "
	       "%u retries after kernel timer flushes\n", trials, frames, merged, retries);
	vn_pool_destroy(pool);
	return 0;
}
