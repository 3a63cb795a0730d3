// SPDX-License-Identifier: MIT
/* test_tunnel.c - vxlan and geneve ports over loopback UDP: what they send, what they take
 *
 * The port binds 127.0.0.1:P and sends to its remote 127.0.0.2:P, where the
 * test's own UDP socket plays the other end of the tunnel (no root: all of
 * 127/8 is loopback). The kernel's UDP stack is the peer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/csum.h"
#include "core/pool.h"
#include "core/vhdr.h"
#include "port/port.h"

static uint16_t udp_port;	/* P: a free port, found at setup */

/* A UDP socket bound to @addr:@port, non-blocking */
static int udp_bound(const char *addr, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, addr, &a.sin_addr), 1);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int setup(void **state)
{
	(void)state;
	/* a port free on both addresses, chosen away from the ephemeral range */
	for (uint16_t p = 20000 + (uint16_t)(getpid() % 9000); p < 65000; p += 7) {
		int a = udp_bound("127.0.0.1", p), b = a >= 0 ? udp_bound("127.0.0.2", p) : -1;

		if (a >= 0)
			close(a);
		if (b >= 0) {
			close(b);
			udp_port = p;
			return 0;
		}
	}
	return -1;
}

static struct vn_port *open_tunnel(const char *kind, const char *extra)
{
	char spec[256];
	struct vn_port *p = NULL;

	snprintf(spec, sizeof(spec), "%s:name=t0,local=127.0.0.1,remote=127.0.0.2,vni=42,dstport=%u%s",
		 kind, udp_port, extra);
	assert_int_equal(vn_port_open(spec, 3, &p), 0);
	return p;
}

/* Broadcast from 02:00:00:00:00:01, ethertype 0x88b5, @len bytes of a pattern */
static struct vn_pkt *frame(struct vn_pool *pool, uint32_t len, uint8_t seed)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	uint8_t *d;

	assert_non_null(pkt);
	d = vn_pkt_append(pkt, len);
	assert_non_null(d);
	memset(d, 0xff, 6);
	memcpy(d + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
	for (uint32_t i = 14; i < len; i++)
		d[i] = (uint8_t)(i * 13 + seed);
	return pkt;
}

/* One datagram at @fd within a second, or -1 */
static ssize_t recv_one(int fd, uint8_t *buf, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 1000) != 1)
		return -1;
	return recv(fd, buf, cap, 0);
}

/*
 * A frame the switch floods to the tunnel and to other ports is shared:
 * the tunnel must send the header and the frame without writing into it
 * (it used to push its header into the shared buffer, so a tap served
 * after it got the frame with 8 bytes of VXLAN in front)
 */
static void test_tunnel_tx_leaves_frame(void **state)
{
	static const char *const kinds[] = { "vxlan", "geneve" };

	(void)state;
	for (unsigned int k = 0; k < 2; k++) {
		int peer = udp_bound("127.0.0.2", udp_port);
		struct vn_port *p = open_tunnel(kinds[k], "");
		struct vn_pkt *pkt = frame(p->pool, 60, (uint8_t)k);
		uint8_t before[60], got[128];
		uint32_t off = pkt->off;
		ssize_t n;

		assert_true(peer >= 0);
		memcpy(before, vn_pkt_data(pkt), 60);
		vn_pkt_get(pkt);	/* a second port holds it too */
		assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
		assert_int_equal(pkt->off, off);
		assert_int_equal(vn_pkt_len(pkt), 60);
		assert_memory_equal(vn_pkt_data(pkt), before, 60);
		vn_pkt_put(pkt);
		n = recv_one(peer, got, sizeof(got));
		assert_int_equal(n, 8 + 60);
		if (k == 0)
			assert_memory_equal(got, "\x08\x00\x00\x00\x00\x00\x2a\x00", 8);
		else
			assert_memory_equal(got, "\x00\x00\x65\x58\x00\x00\x2a\x00", 8);
		assert_memory_equal(got + 8, before, 60);
		assert_int_equal(p->stats.tx_packets, 1);
		assert_int_equal(p->stats.tx_bytes, 60);
		vn_port_close(p);
		close(peer);
	}
}

/* Datagrams into the port: the inner frame of a good one; drops by reason for the rest */
static void test_tunnel_rx(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = 0 };
	struct vn_port *p = open_tunnel("vxlan", "");
	int good = udp_bound("127.0.0.2", 0), stranger = udp_bound("127.0.0.3", 0);
	uint8_t d[8 + 60];
	struct vn_pkt *pkts[8];
	unsigned int got = 0;

	(void)state;
	assert_true(good >= 0 && stranger >= 0);
	to.sin_port = htons(udp_port);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	memcpy(d, "\x08\x00\x00\x00\x00\x00\x2a\x00", 8);
	memset(d + 8, 0xff, 6);
	memcpy(d + 14, "\x02\x00\x00\x00\x00\x07\x88\xb5", 8);
	memset(d + 22, 0x5a, sizeof(d) - 22);
	/* good, from a stranger, another VNI, no I flag, too short */
	assert_int_equal(sendto(good, d, sizeof(d), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(d));
	assert_int_equal(sendto(stranger, d, sizeof(d), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(d));
	d[6] = 0x2b;
	assert_int_equal(sendto(good, d, sizeof(d), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(d));
	d[6] = 0x2a;
	d[0] = 0;
	assert_int_equal(sendto(good, d, sizeof(d), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(d));
	assert_int_equal(sendto(good, d, 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	usleep(20000);
	for (int i = 0; i < 50 && got < 1; i++) {
		got += vn_port_rx_burst(p, pkts + got, 8 - got);
		if (!got)
			usleep(10000);
	}
	assert_int_equal(got, 1);
	assert_int_equal(vn_pkt_len(pkts[0]), 60);
	assert_memory_equal(vn_pkt_data(pkts[0]), d + 8, 6 + 6);
	vn_pkt_put(pkts[0]);
	got = vn_port_rx_burst(p, pkts, 8);
	assert_int_equal(got, 0);
	assert_int_equal(p->stats.drops[VN_DROP_TUNNEL_REMOTE], 1);
	assert_int_equal(p->stats.drops[VN_DROP_TUNNEL_VNI], 1);
	assert_int_equal(p->stats.drops[VN_DROP_TUNNEL_HDR], 2);
	vn_port_close(p);
	close(good);
	close(stranger);
}

/*
 * A TCP/IPv4 frame 10.0.0.1:1000 -> 10.0.0.2:2000, @payload bytes, seq 1000;
 * with @gso_size, a TSO frame; either way NEEDS_CSUM with the pseudo-header
 * sum in the TCP checksum field, as a Linux guest or tap sends it
 */
static struct vn_pkt *tcp_frame(struct vn_pool *pool, uint32_t payload, uint16_t gso_size)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	uint32_t len = 14 + 20 + 20 + payload;
	uint8_t *d, *ip, *tcp;
	uint16_t v;

	assert_non_null(pkt);
	d = vn_pkt_append(pkt, len);
	assert_non_null(d);
	memset(d, 0, 54);
	memcpy(d, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	ip = d + 14;
	ip[0] = 0x45;
	v = htons((uint16_t)(len - 14));
	memcpy(ip + 2, &v, 2);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	v = vn_csum_fold(vn_csum_partial(ip, 20, 0));
	memcpy(ip + 10, &v, 2);
	tcp = ip + 20;
	memcpy(tcp, "\x03\xe8\x07\xd0\x00\x00\x03\xe8", 8);
	tcp[12] = 0x50;
	tcp[13] = 0x18;	/* PSH ACK */
	tcp[14] = 0xff;
	for (uint32_t i = 0; i < payload; i++)
		tcp[20 + i] = (uint8_t)(i * 7 + 3);
	/* the field holds the pseudo-header sum, not complemented */
	v = vn_csum_fold_nocompl(vn_csum_pseudo_v4(ip + 12, ip + 16, 6, (uint16_t)(20 + payload)));
	memcpy(tcp + 16, &v, 2);
	pkt->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	pkt->vh.csum_start = 34;
	pkt->vh.csum_offset = 16;
	if (gso_size) {
		pkt->vh.gso_type = VN_VHDR_GSO_TCPV4;
		pkt->vh.gso_size = gso_size;
		pkt->vh.hdr_len = 54;
	}
	return pkt;
}

/* Is the TCP checksum of the IPv4 datagram at @ip right? */
static bool tcp_csum_ok(const uint8_t *ip, uint32_t ip_len)
{
	uint32_t sum = vn_csum_pseudo_v4(ip + 12, ip + 16, 6, (uint16_t)(ip_len - 20));

	return vn_csum_fold(vn_csum_partial(ip + 20, ip_len - 20, sum)) == 0;
}

/*
 * gso=on: a shared TSO frame leaves as its segments, each a VXLAN datagram
 * with a whole inner TCP segment and its checksum right, in one send; a
 * partial checksum on a lone frame is completed on the wire only; the frame
 * is never changed. gso=off takes no offloads at all.
 */
static void test_tunnel_tx_gso(void **state)
{
	int peer = udp_bound("127.0.0.2", udp_port);
	struct vn_port *p = open_tunnel("vxlan", ",gso=on");
	struct vn_pkt *pkt = tcp_frame(p->pool, 3000, 1100);
	uint8_t before[3054], got[2048];
	uint32_t seq = 1000, total = 0;
	ssize_t n;

	(void)state;
	assert_true(peer >= 0);
	assert_true(vn_port_has(p, VN_NET_F_GUEST_TSO4));
	assert_true(vn_port_has(p, VN_NET_F_GUEST_CSUM));
	memcpy(before, vn_pkt_data(pkt), sizeof(before));
	vn_pkt_get(pkt);
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(vn_pkt_len(pkt), sizeof(before));
	assert_memory_equal(vn_pkt_data(pkt), before, sizeof(before));
	vn_pkt_put(pkt);
	for (int i = 0; i < 3; i++) {
		uint32_t want = i < 2 ? 1100 : 800, s;

		n = recv_one(peer, got, sizeof(got));
		assert_int_equal(n, 8 + 54 + want);
		assert_memory_equal(got, "\x08\x00\x00\x00\x00\x00\x2a\x00", 8);
		assert_true(tcp_csum_ok(got + 8 + 14, 40 + want));
		memcpy(&s, got + 8 + 34 + 4, 4);
		assert_int_equal(ntohl(s), seq);
		assert_memory_equal(got + 8 + 54, before + 54 + total, want);
		seq += want;
		total += want;
	}
	assert_int_equal(recv_one(peer, got, sizeof(got)), -1);
	assert_int_equal(p->stats.tx_packets, 3);
	assert_int_equal(p->stats.tx_calls, 1);
	assert_int_equal(p->stats.gso_sw_segs, 3);
	/* a lone frame with a partial checksum: summed on the wire, not in the frame */
	pkt = tcp_frame(p->pool, 500, 0);
	memcpy(before, vn_pkt_data(pkt), 554);
	vn_pkt_get(pkt);
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_memory_equal(vn_pkt_data(pkt), before, 554);
	vn_pkt_put(pkt);
	n = recv_one(peer, got, sizeof(got));
	assert_int_equal(n, 8 + 554);
	assert_true(tcp_csum_ok(got + 8 + 14, 540));
	assert_memory_equal(got + 8, before, 50);
	assert_memory_equal(got + 8 + 52, before + 52, 502);
	vn_port_close(p);
	/* gso=off: the switch does it all before the port */
	p = open_tunnel("vxlan", ",gso=off");
	assert_int_equal(p->features, 0);
	vn_port_close(p);
	/* gso=on refused without the outer checksum Linux needs for it */
	assert_int_equal(vn_port_open("vxlan:name=t1,local=127.0.0.1,remote=127.0.0.2,"
				      "csum=off,gso=on", 3, &p), -EINVAL);
	close(peer);
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/*
 * The kernel's UDP GRO hands the port a train of datagrams in one buffer:
 * here the peer sends four VXLAN datagrams in one UDP_SEGMENT send over
 * loopback, which reaches a UDP_GRO socket as one batch (with gro=off, as
 * four datagrams). Either way the port gives four datagrams' worth of
 * checks and frames, in order, one frame per burst slot: the second of
 * another VNI is dropped, the last (shorter) is the buffer itself.
 */
static void test_tunnel_rx_gro(void **state)
{
	static const char *const extra[] = { "", ",gro=off" };
	enum { SEG = 8 + 200, LAST = 8 + 120, TOTAL = 3 * SEG + LAST };
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t d[TOTAL];
	int seg = SEG;

	(void)state;
	to.sin_port = htons(udp_port);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	for (unsigned int i = 0; i < 4; i++) {
		uint8_t *g = d + i * SEG;
		uint32_t len = i < 3 ? SEG : LAST;

		memcpy(g, "\x08\x00\x00\x00\x00\x00\x2a\x00", 8);
		if (i == 1)
			g[6] = 0x2b;	/* VNI 43: not this port's */
		memset(g + 8, 0xff, 6);
		memcpy(g + 14, "\x02\x00\x00\x00\x00\x10\x88\xb5", 8);
		g[19] = (uint8_t)(0x10 + i);
		for (uint32_t j = 22; j < len; j++)
			g[j] = (uint8_t)(j * 7 + i);
	}
	for (unsigned int k = 0; k < 2; k++) {
		struct vn_port *p = open_tunnel("vxlan", extra[k]);
		int peer = udp_bound("127.0.0.2", 0);
		static const unsigned int want[] = { 0, 2, 3 };
		struct vn_pkt *pkt;
		unsigned int got = 0;

		assert_true(peer >= 0);
		assert_int_equal(setsockopt(peer, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)), 0);
		assert_int_equal(sendto(peer, d, sizeof(d), 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)sizeof(d));
		usleep(20000);
		/* one frame per burst: the rest of a batch waits for the next */
		for (int i = 0; i < 100 && got < 3; i++) {
			if (vn_port_rx_burst(p, &pkt, 1) != 1) {
				usleep(10000);
				continue;
			}
			uint32_t len = want[got] < 3 ? SEG - 8 : LAST - 8;

			assert_int_equal(vn_pkt_len(pkt), len);
			assert_memory_equal(vn_pkt_data(pkt), d + want[got] * SEG + 8, len);
			vn_pkt_put(pkt);
			got++;
		}
		assert_int_equal(got, 3);
		assert_int_equal(vn_port_rx_burst(p, &pkt, 1), 0);
		assert_int_equal(p->stats.drops[VN_DROP_TUNNEL_VNI], 1);
		if (k == 0) {
			assert_int_equal(p->stats.rx_calls, 1);
			assert_int_equal(p->stats.rx_gro_dgrams, 4);
		} else {
			assert_int_equal(p->stats.rx_gro_dgrams, 0);
		}
		/* a batch half handed on when the port closes goes back to the pool */
		assert_int_equal(sendto(peer, d, sizeof(d), 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)sizeof(d));
		usleep(20000);
		for (int i = 0; i < 100 && vn_port_rx_burst(p, &pkt, 1) != 1; i++)
			usleep(10000);
		vn_pkt_put(pkt);
		vn_port_close(p);
		close(peer);
	}
	/* gro= is on or off */
	{
		struct vn_port *p = NULL;
		char spec[160];

		snprintf(spec, sizeof(spec), "vxlan:name=t1,local=127.0.0.1,remote=127.0.0.2,"
			 "dstport=%u,gro=maybe", udp_port);
		assert_int_equal(vn_port_open(spec, 3, &p), -EINVAL);
	}
}

/* Unicast to MAC @dst, 60 bytes */
static struct vn_pkt *unicast(struct vn_pool *pool, const uint8_t *dst)
{
	struct vn_pkt *pkt = frame(pool, 60, 9);

	memcpy(vn_pkt_data(pkt), dst, 6);
	return pkt;
}

/*
 * Static entries (vnetctl fdb add MAC PORT dst ADDR): unicast to a pinned
 * MAC goes to that remote only; unpinned, to every remote (no remote has
 * been learned for it); a dst that is not a remote is refused
 */
static void test_tunnel_pin(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x55, 0, 0, 0, 0x07 };
	int p2 = udp_bound("127.0.0.2", udp_port), p3 = udp_bound("127.0.0.3", udp_port);
	char spec[160], err[160], dst[64];
	struct vn_port *p = NULL;
	struct vn_pkt *pkt;
	uint8_t got[128];

	(void)state;
	assert_true(p2 >= 0 && p3 >= 0);
	snprintf(spec, sizeof(spec), "vxlan:name=t0,local=127.0.0.1,remote=127.0.0.2+127.0.0.3,"
		 "dstport=%u", udp_port);
	assert_int_equal(vn_port_open(spec, 3, &p), 0);
	assert_non_null(p->ops->pin);
	pkt = unicast(p->pool, mac);
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(recv_one(p2, got, sizeof(got)), 68);
	assert_int_equal(recv_one(p3, got, sizeof(got)), 68);
	assert_int_equal(p->ops->pinned(p, mac, dst, sizeof(dst)), -ENOENT);
	assert_int_equal(p->ops->pin(p, mac, "127.0.0.4", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a remote"));
	assert_int_equal(p->ops->pin(p, mac, "fd00::3", err, sizeof(err)), -EINVAL);
	assert_int_equal(p->ops->pin(p, mac, "127.0.0.3", err, sizeof(err)), 0);
	assert_int_equal(p->ops->pinned(p, mac, dst, sizeof(dst)), 0);
	assert_string_equal(dst, "127.0.0.3");
	pkt = unicast(p->pool, mac);
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(recv_one(p3, got, sizeof(got)), 68);
	assert_int_equal(recv_one(p2, got, sizeof(got)), -1);
	/* pinned again elsewhere: moved, one entry; unpinned: flooded again */
	assert_int_equal(p->ops->pin(p, mac, "127.0.0.2", err, sizeof(err)), 0);
	pkt = unicast(p->pool, mac);
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(recv_one(p2, got, sizeof(got)), 68);
	assert_int_equal(recv_one(p3, got, sizeof(got)), -1);
	assert_int_equal(p->ops->pin(p, mac, NULL, err, sizeof(err)), 0);
	assert_int_equal(p->ops->pinned(p, mac, dst, sizeof(dst)), -ENOENT);
	pkt = unicast(p->pool, mac);
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(recv_one(p2, got, sizeof(got)), 68);
	assert_int_equal(recv_one(p3, got, sizeof(got)), 68);
	/* the table is bounded: 64 pins, then -ENOSPC */
	for (int i = 0; i < 64; i++) {
		uint8_t m[6] = { 0x02, 0x66, 0, 0, 0, (uint8_t)i };

		assert_int_equal(p->ops->pin(p, m, "127.0.0.2", err, sizeof(err)), 0);
	}
	assert_int_equal(p->ops->pin(p, mac, "127.0.0.2", err, sizeof(err)), -ENOSPC);
	vn_port_close(p);
	close(p2);
	close(p3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tunnel_tx_leaves_frame),
		cmocka_unit_test(test_tunnel_rx),
		cmocka_unit_test(test_tunnel_rx_gro),
		cmocka_unit_test(test_tunnel_tx_gso),
		cmocka_unit_test(test_tunnel_pin),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
