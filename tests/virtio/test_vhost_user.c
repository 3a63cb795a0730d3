// SPDX-License-Identifier: MIT
/* test_vhost_user.c - the vhost-user port driven by the test front-end over a real socket
 *
 * Happy paths (handshake, both directions, MRG_RXBUF, 64 KiB TSO frames,
 * two ports forwarding, client mode with reconnect), hostile guests (bad
 * headers, bad chains) and hostile front-ends (a numbered table of
 * malformed messages). Each hostile case must be detected and counted,
 * must break only its own queue or connection, and must leave other ports
 * working.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "virtio/mem_guard.h"
#include "../port/port_info.h"
#include "vu_frontend.h"
#include "vu_testport.h"

#define ALL		(~0ull)
#define NO_MRG		(~VN_BIT(VN_NET_F_MRG_RXBUF))

static char path_a[108], path_b[108];
static int path_n;
/* The "packed" group runs the tests again with packed rings negotiated */
static bool g_packed;

static int packed_on(void **state)
{
	(void)state;
	g_packed = true;
	return 0;
}

/* What GET_VRING_BASE says after @n chains (fewer than a ring) */
static int64_t base_after(uint32_t n)
{
	uint32_t half = n | 0x8000;	/* packed: position, wrap counter still 1 */

	return g_packed ? (int64_t)(half | half << 16) : n;
}

static void quiet(enum vn_log_level level, const char *msg)
{
	(void)level, (void)msg;
}

static const char *new_path(char *buf)
{
	snprintf(buf, 108, "/tmp/vn-vu-test-%d-%d.sock", (int)getpid(), path_n++);
	return buf;
}

static struct vn_port *open_port(const char *name, char *path, const char *extra)
{
	char kv[300];

	snprintf(kv, sizeof(kv), "path=%s%s", new_path(path), extra);
	return vu_test_port_open(name, kv);
}

/* A port plus a front-end that went through the whole handshake */
static struct vn_port *up(const char *name, char *path, struct vu_fe *fe, uint64_t features)
{
	struct vn_port *p = open_port(name, path, "");

	assert_non_null(p);
	assert_int_equal(vu_fe_connect(fe, path), 0);
	fe->want_packed = g_packed;
	assert_int_equal(vu_fe_setup(fe, features), 0);
	assert_int_equal(fe->packed, g_packed);
	return p;
}

static void make_frame(uint8_t *f, uint32_t len, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
	f[12] = 0x08;	/* IPv4 */
	f[13] = 0x00;
}

/* Ethernet + IPv4 + TCP (no options) around a patterned payload: @len bytes in all */
static void make_tcp4_frame(uint8_t *f, uint32_t len, uint8_t seed)
{
	uint16_t ip_len = (uint16_t)(len - 14);

	make_frame(f, len, seed);
	memcpy(f, "\x52\x54\x00\x88\x00\x03\x52\x54\x00\x88\x00\x02\x08\x00", 14);
	memset(f + 14, 0, 40);
	f[14] = 0x45;			/* IPv4, 20-byte header */
	f[16] = ip_len >> 8;
	f[17] = ip_len & 0xff;
	f[22] = 64;			/* TTL */
	f[23] = 6;			/* TCP */
	memcpy(f + 26, "\x0a\x00\x00\x02\x0a\x00\x00\x03", 8);
	f[34] = 0x9c;			/* ports 40000 -> 5201 */
	f[35] = 0x40;
	f[36] = 0x14;
	f[37] = 0x51;
	f[46] = 0x50;			/* data offset 5 */
	f[47] = 0x10;			/* ACK */
}

static unsigned int rx_wait(struct vn_port *p, struct vn_pkt **pkts, unsigned int n)
{
	unsigned int got = 0;
	int i;

	for (i = 0; i < 200 && got < n; i++) {
		got += vn_port_rx_burst(p, pkts + got, n - got);
		if (got < n)
			usleep(5000);
	}
	return got;
}

static bool wait_disconnected(struct vn_port *p)
{
	struct vn_vu_info info;
	int i;

	for (i = 0; i < 400; i++) {
		vn_vu_info_get(p, &info);
		if (!info.connected) {
			assert_false(port_up(p));	/* STATE down */
			return true;
		}
		usleep(5000);
	}
	return false;
}

/* Wait until @n messages were rejected and that connection is gone */
static bool wait_bad(struct vn_port *p, uint64_t n)
{
	struct vn_vu_info info;
	int i;

	for (i = 0; i < 400; i++) {
		vn_vu_info_get(p, &info);
		if (info.bad_messages >= n && !info.connected)
			return true;
		usleep(5000);
	}
	return false;
}

/* Wait until the port has made or accepted @n connections */
static bool wait_connections(struct vn_port *p, uint64_t n)
{
	struct vn_vu_info info;
	int i;

	for (i = 0; i < 400; i++) {
		vn_vu_info_get(p, &info);
		if (info.connections >= n)
			return true;
		usleep(5000);
	}
	return false;
}

static uint64_t drops(struct vn_port *p, enum vn_drop_reason r)
{
	return p->stats.drops[r];
}

static struct vn_pkt *pkt_of(struct vn_port *p, const uint8_t *frame, uint32_t len)
{
	struct vn_pkt *pkt = vn_pool_alloc(p->pool);

	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, frame, len), 0);
	return pkt;
}

static void test_vu_negotiates_features(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vu_info info;
	struct vn_vu_queue_info q;

	(void)state;
	assert_int_equal(vn_vu_info_get(p, &info), 0);
	assert_true(info.connected);
	assert_true(port_up(p));	/* vnetctl port list: STATE up */
	assert_string_equal(port_detail(p, "socket"), path_a);
	assert_string_equal(port_detail(p, "role"), "server");
	assert_int_equal(strtoull(port_detail(p, "features"), NULL, 16), info.features);
	assert_true(info.features & VN_BIT(VN_VIRTIO_F_VERSION_1));
	assert_int_equal(!!(info.features & VN_BIT(VN_VIRTIO_F_RING_PACKED)), g_packed);
	assert_string_equal(port_detail(p, "ring"), g_packed ? "packed" : "split");
	assert_true(p->features & VN_BIT(VN_NET_F_HOST_TSO4));
	assert_true(p->features & VN_BIT(VN_NET_F_GUEST_TSO6));
	assert_true(p->features & VN_BIT(VN_NET_F_MRG_RXBUF));
	assert_int_equal(p->vnet_hdr_len, 12);
	assert_int_equal(vn_vu_queue_get(p, 1, &q), 0);
	assert_true(q.started && q.enabled && !q.broken);
	assert_int_equal(q.size, VU_FE_QSIZE);
	assert_int_equal(q.packed, g_packed);
	vu_fe_close(&fe);
	assert_true(wait_disconnected(p));
	/* Disconnected: the port offers nothing and its rings are gone */
	assert_int_equal(p->features, 0);
	vu_test_port_close(p);
}

static void test_vu_guest_tx_frames(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vhdr vh = { 0 };
	struct vn_pkt *pkts[8];
	uint8_t f[1514];
	unsigned int i;
	uint64_t v;

	(void)state;
	make_frame(f, sizeof(f), 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(vu_fe_tx(&fe, &vh, f, 60 + i * 700, i + 1), 0);
	assert_int_equal(rx_wait(p, pkts, 3), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pkts[i]->len, 60 + i * 700);
		assert_memory_equal(vn_pkt_data(pkts[i]), f, pkts[i]->len);
		assert_int_equal(pkts[i]->vh.flags, 0);
	}
	vn_pkt_put_bulk(pkts, 3);
	assert_int_equal(vu_fe_tx_done(&fe), 3);
	/* The driver got one call for the burst */
	assert_int_equal(read(fe.vq[1].call, &v, sizeof(v)), sizeof(v));
	assert_int_equal(p->stats.rx_packets, 3);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

static void test_vu_tso_frame_crosses_unsegmented(void **state)
{
	struct vu_fe a, b;
	struct vn_port *pa = up("a", path_a, &a, ALL), *pb = up("b", path_b, &b, ALL);
	struct vn_vhdr vh = { .flags = VN_VHDR_F_NEEDS_CSUM, .gso_type = VN_VHDR_GSO_TCPV4,
			      .hdr_len = 54, .gso_size = 1448, .csum_start = 34, .csum_offset = 16 };
	static uint8_t f[65000], out[70000];
	struct vn_pkt *pkt;
	struct vn_vhdr got;
	unsigned int n;

	(void)state;
	make_tcp4_frame(f, sizeof(f), 9);
	/* 4 descriptors, and q1's buffer arena straddles the two memory regions */
	for (n = 0; n < 3; n++)
		assert_int_equal(vu_fe_tx(&a, &vh, f, sizeof(f), 4), 0);
	assert_int_equal(vu_fe_rx_post(&b, 256, 1536), 0);
	for (n = 0; n < 3; n++) {
		assert_int_equal(rx_wait(pa, &pkt, 1), 1);
		assert_int_equal(pkt->len, sizeof(f));
		assert_int_equal(pkt->vh.gso_type, VN_VHDR_GSO_TCPV4);
		assert_int_equal(pkt->vh.gso_size, 1448);
		assert_int_equal(vn_port_tx_burst(pb, &pkt, 1), 1);
		/* Arrives whole, over ~43 merged buffers, header unchanged */
		memset(out, 0, sizeof(out));
		assert_int_equal(vu_fe_rx_get(&b, &got, out, sizeof(out)), sizeof(f));
		assert_memory_equal(out, f, sizeof(f));
		assert_int_equal(got.gso_type, VN_VHDR_GSO_TCPV4);
		assert_int_equal(got.csum_start, 34);
		assert_int_equal(got.num_buffers, (sizeof(f) + 12 + 1535) / 1536);
	}
	assert_int_equal(pb->stats.tx_packets, 3);
	assert_int_equal(pb->stats.tx_bytes, 3 * sizeof(f));
	vu_fe_close(&a);
	vu_fe_close(&b);
	vu_test_port_close(pa);
	vu_test_port_close(pb);
}

static void test_vu_guest_rx_full_then_refill(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_pkt *pkts[4];
	uint8_t f[200], out[300];
	struct pollfd pfd = { .events = POLLIN };
	struct vn_vhdr vh;
	unsigned int i;

	(void)state;
	make_frame(f, sizeof(f), 3);
	for (i = 0; i < 4; i++)
		pkts[i] = pkt_of(p, f, sizeof(f));
	/* No receive buffers: nothing taken, the caller keeps the frames */
	assert_int_equal(vn_port_tx_burst(p, pkts, 4), 0);
	assert_int_equal(p->stats.ring_full, 1);
	/* The worker waits for POLLIN on tx_poll_fd (the receiveq's kick): off until it kicks */
	assert_true(p->ops->tx_poll_readable);
	pfd.fd = vn_port_tx_poll_fd(p);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(vu_fe_rx_post(&fe, 2, 2048), 0);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(vn_port_tx_burst(p, pkts, 4), 2);
	assert_int_equal(vu_fe_rx_post(&fe, 2, 2048), 0);
	assert_int_equal(vn_port_tx_burst(p, pkts + 2, 2), 2);
	for (i = 0; i < 4; i++) {
		assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), sizeof(f));
		assert_int_equal(vh.num_buffers, 1);
	}
	assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), 0);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

static void test_vu_no_mrg_rxbuf_one_buffer_per_frame(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, NO_MRG);
	struct vn_pkt *pkts[2];
	static uint8_t f[3000], out[4000];
	struct vn_vhdr vh;

	(void)state;
	assert_false(p->features & VN_BIT(VN_NET_F_MRG_RXBUF));
	assert_int_equal(p->vnet_hdr_len, 12);	/* VERSION_1 */
	make_frame(f, sizeof(f), 5);
	pkts[0] = pkt_of(p, f, 1000);
	pkts[1] = pkt_of(p, f, 3000);	/* larger than any posted buffer */
	assert_int_equal(vu_fe_rx_post(&fe, 2, 1536), 0);
	assert_int_equal(vn_port_tx_burst(p, pkts, 2), 2);
	assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), 1000);
	assert_int_equal(vh.num_buffers, 0);
	assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), 0);
	assert_int_equal(drops(p, VN_DROP_MTU), 1);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

static void test_vu_offload_frame_to_guest_without_it_dropped(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ~VN_BIT(VN_NET_F_GUEST_TSO4));
	struct vn_pkt *pkt;
	uint8_t f[2000];

	(void)state;
	assert_false(p->features & VN_BIT(VN_NET_F_GUEST_TSO4));
	make_frame(f, sizeof(f), 5);
	pkt = pkt_of(p, f, sizeof(f));
	pkt->vh = (struct vn_vhdr){ .flags = VN_VHDR_F_NEEDS_CSUM, .gso_type = VN_VHDR_GSO_TCPV4,
				    .gso_size = 1000, .csum_start = 34, .csum_offset = 16 };
	assert_int_equal(vu_fe_rx_post(&fe, 4, 4096), 0);
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(drops(p, VN_DROP_VHDR_GSO_TYPE), 1);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/*
 * Hostile headers from the guest: the ones pointing outside the frame break
 * the queue; an offload the guest did not negotiate is only dropped.
 */
struct hdr_case {
	const char *name;
	struct vn_vhdr vh;
	uint64_t features;
	enum vn_drop_reason reason;
	bool breaks;
};

static const struct hdr_case hdr_cases[] = {
	/* 1 */ { "csum_start past the end", { .flags = 1, .csum_start = 1000, .csum_offset = 6 },
		  ALL, VN_DROP_VHDR_CSUM_RANGE, true },
	/* 2 */ { "csum field straddles the end", { .flags = 1, .csum_start = 34, .csum_offset = 65 },
		  ALL, VN_DROP_VHDR_CSUM_RANGE, true },
	/* 3 */ { "csum_start 0xffff + offset 0xffff", { .flags = 1, .csum_start = 0xffff, .csum_offset = 0xffff },
		  ALL, VN_DROP_VHDR_CSUM_RANGE, true },
	/* 4 */ { "hdr_len past the end", { .flags = 1, .gso_type = 1, .gso_size = 50, .hdr_len = 0xffff,
		  .csum_start = 34, .csum_offset = 16 }, ALL, VN_DROP_VHDR_HDR_LEN, true },
	/* 5 */ { "gso_size 0", { .flags = 1, .gso_type = 1, .gso_size = 0, .hdr_len = 54,
		  .csum_start = 34, .csum_offset = 16 }, ALL, VN_DROP_VHDR_GSO_SIZE, false },
	/* 6 */ { "UFO", { .flags = 1, .gso_type = 3, .gso_size = 50, .csum_start = 34, .csum_offset = 6 },
		  ALL, VN_DROP_VHDR_GSO_TYPE, false },
	/* 7 */ { "TSO not negotiated", { .flags = 1, .gso_type = 1, .gso_size = 50, .hdr_len = 54,
		  .csum_start = 34, .csum_offset = 16 }, ~VN_BIT(VN_NET_F_HOST_TSO4), VN_DROP_VHDR_GSO_TYPE, false },
	/* 8 */ { "DATA_VALID from a driver", { .flags = 2 }, ALL, VN_DROP_VHDR_FLAGS, false },
	/* 9 */ { "csum_start in the Ethernet header", { .flags = 1, .csum_start = 4, .csum_offset = 2 },
		  ALL, VN_DROP_VHDR_CSUM_RANGE, true },
	/* 10 */ { "GSO without NEEDS_CSUM", { .gso_type = 4, .gso_size = 50, .hdr_len = 74 },
		  ALL, VN_DROP_VHDR_GSO_NO_CSUM, false },
	/* 11 */ { "TSO+ECN without HOST_ECN", { .flags = 1, .gso_type = 0x81, .gso_size = 50,
		  .hdr_len = 54, .csum_start = 34, .csum_offset = 16 }, ~VN_BIT(VN_NET_F_HOST_ECN),
		  VN_DROP_VHDR_GSO_TYPE, false },
	/* 12 */ { "ECN bit on a frame that is not GSO", { .gso_type = 0x80 }, ALL,
		  VN_DROP_VHDR_GSO_TYPE, false },
	/* 13 */ { "USO not negotiated", { .flags = 1, .gso_type = 5, .gso_size = 50, .hdr_len = 42,
		  .csum_start = 34, .csum_offset = 6 }, ~VN_BIT(VN_NET_F_HOST_USO), VN_DROP_VHDR_GSO_TYPE,
		  false },
};

static void test_vu_hostile_headers(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *h = &hdr_cases[i];
		struct vu_fe a, b;
		struct vn_port *pa = up("a", path_a, &a, h->features), *pb = up("b", path_b, &b, ALL);
		struct vn_vhdr ok = { 0 };
		struct vn_vu_queue_info q;
		struct vn_pkt *pkts[4];
		uint8_t f[100];

		print_message("case %u: %s\n", i + 1, h->name);
		make_frame(f, sizeof(f), 7);
		assert_int_equal(vu_fe_tx(&a, &h->vh, f, sizeof(f), 1), 0);
		assert_int_equal(vn_port_rx_burst(pa, pkts, 4), 0);
		assert_int_equal(drops(pa, h->reason), 1);
		vn_vu_queue_get(pa, 1, &q);
		assert_int_equal(q.broken, h->breaks);
		/* Dropped chains still go back to the guest */
		assert_int_equal(vu_fe_tx_done(&a), 1);
		/* The same port takes good frames unless its queue broke */
		assert_int_equal(vu_fe_tx(&a, &ok, f, sizeof(f), 1), 0);
		assert_int_equal(vn_port_rx_burst(pa, pkts, 4), h->breaks ? 0 : 1);
		if (!h->breaks)
			vn_pkt_put_bulk(pkts, 1);
		/* The other port is untouched */
		assert_int_equal(vu_fe_tx(&b, &ok, f, sizeof(f), 1), 0);
		assert_int_equal(rx_wait(pb, pkts, 1), 1);
		vn_pkt_put_bulk(pkts, 1);
		vu_fe_close(&a);
		vu_fe_close(&b);
		vu_test_port_close(pa);
		vu_test_port_close(pb);
	}
}

static void test_vu_hostile_chain_breaks_one_queue(void **state)
{
	struct vu_fe a, b;
	struct vn_port *pa = up("a", path_a, &a, ALL), *pb = up("b", path_b, &b, ALL);
	struct vn_vu_queue_info q;
	struct vn_vhdr ok = { 0 };
	struct vn_pkt *pkts[4];
	uint8_t f[100], out[200];
	struct vn_vhdr vh;
	uint64_t v;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t idx = 1;

	(void)state;
	/* The error eventfd gets signalled when the queue breaks */
	assert_int_equal(vu_fe_msg(&a, VN_VU_SET_VRING_ERR, &idx, 8, &efd, 1, NULL, 0), 0);
	/* Looping chain of empty descriptors on a's transmitq: on a 256-entry
	 * ring it runs into the segment cap (empty ones count) before the
	 * hop count; test_vq covers the loop check itself on small rings */
	vu_fe_desc_set(&a, 1, 10, vu_fe_alloc(&a, 1, 64), 0, VN_VRING_DESC_F_NEXT, 11);
	vu_fe_desc_set(&a, 1, 11, vu_fe_alloc(&a, 1, 64), 0, VN_VRING_DESC_F_NEXT, 10);
	vu_fe_publish(&a, 1, 10);
	assert_int_equal(vn_port_rx_burst(pa, pkts, 4), 0);
	vn_vu_queue_get(pa, 1, &q);
	assert_true(q.broken);
	assert_string_equal(q.why, "chain has too many segments (empty descriptors)");
	assert_int_equal(q.violations, 1);
	assert_int_equal(pa->stats.vq_violations, 1);	/* vnetctl stats shows it */
	assert_int_equal(drops(pa, VN_DROP_VQ_DESC), 1);
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	/* a's receive side still works */
	assert_int_equal(vu_fe_rx_post(&a, 1, 2048), 0);
	make_frame(f, sizeof(f), 2);
	pkts[0] = pkt_of(pa, f, sizeof(f));
	assert_int_equal(vn_port_tx_burst(pa, pkts, 1), 1);
	assert_int_equal(vu_fe_rx_get(&a, &vh, out, sizeof(out)), sizeof(f));
	/* ... and port b is untouched */
	assert_int_equal(vu_fe_tx(&b, &ok, f, sizeof(f), 2), 0);
	assert_int_equal(rx_wait(pb, pkts, 1), 1);
	vn_pkt_put_bulk(pkts, 1);
	/* A device reset (stop, then start again) brings the queue back */
	assert_true(vu_fe_stop(&a, 1) >= 0);
	vn_vu_queue_get(pa, 1, &q);
	assert_false(q.broken);
	close(efd);
	vu_fe_close(&a);
	vu_fe_close(&b);
	vu_test_port_close(pa);
	vu_test_port_close(pb);
}

static void test_vu_guest_rx_buffer_outside_memory(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vu_queue_info q;
	struct vn_pkt *pkt;
	uint8_t f[100];

	(void)state;
	/* A receive buffer that ends past guest memory: the device must not write there */
	vu_fe_desc_set(&fe, 0, 0, VU_FE_MEM_SIZE - 50, 2048, VN_VRING_DESC_F_WRITE, 0);
	vu_fe_publish(&fe, 0, 0);
	make_frame(f, sizeof(f), 2);
	pkt = pkt_of(p, f, sizeof(f));
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);	/* taken: queue broken */
	vn_vu_queue_get(p, 0, &q);
	assert_true(q.broken);
	assert_string_equal(q.why, "buffer outside guest memory");
	assert_int_equal(drops(p, VN_DROP_VQ_DESC), 1);
	/* Later frames are taken and counted, so the switch never blocks on it */
	pkt = pkt_of(p, f, sizeof(f));
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(drops(p, VN_DROP_VQ_BROKEN), 1);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/* ---- malformed messages: one connection each, the port survives them all ---- */

struct msg_case {
	const char *name;
	uint32_t req;
	uint32_t flags;		/* 0: VN_VU_VERSION */
	uint32_t size;
	uint64_t payload[34];
	int nfds;		/* memfds / eventfds to attach */
	bool small_file;	/* attach a 4 KiB memfd instead */
	bool mem_first;		/* send a valid SET_MEM_TABLE first */
};

#define RGN(gpa, size)	(gpa), (size), 0x1000000 + (gpa), 0

static const struct msg_case msg_cases[] = {
	/*  1 */ { "unknown request", 99, 0, 0, { 0 }, 0, false, false },
	/*  2 */ { "bad version", VN_VU_GET_FEATURES, 2, 0, { 0 }, 0, false, false },
	/*  3 */ { "reply flag on a request", VN_VU_GET_FEATURES, 1 | 4, 0, { 0 }, 0, false, false },
	/*  4 */ { "SET_FEATURES short payload", VN_VU_SET_FEATURES, 0, 4, { 0 }, 0, false, false },
	/*  5 */ { "SET_FEATURES long payload", VN_VU_SET_FEATURES, 0, 16, { 0 }, 0, false, false },
	/*  6 */ { "SET_FEATURES not offered", VN_VU_SET_FEATURES, 0, 8, { 1ull << 63 }, 0, false, false },
	/*  7 */ { "GET_FEATURES with an fd", VN_VU_GET_FEATURES, 0, 0, { 0 }, 1, false, false },
	/*  8 */ { "SET_VRING_NUM index 99", VN_VU_SET_VRING_NUM, 0, 8, { 99ull | (256ull << 32) }, 0, false, false },
	/*  9 */ { "SET_VRING_NUM size 3", VN_VU_SET_VRING_NUM, 0, 8, { 0 | (3ull << 32) }, 0, false, false },
	/* 10 */ { "SET_VRING_NUM size 65536", VN_VU_SET_VRING_NUM, 0, 8, { 0 | (65536ull << 32) }, 0, false, false },
	/* 11 */ { "SET_VRING_BASE past 16 bits", VN_VU_SET_VRING_BASE, 0, 8, { 1 | (70000ull << 32) }, 0, false, false },
	/* 12 */ { "SET_VRING_KICK without its fd", VN_VU_SET_VRING_KICK, 0, 8, { 1 }, 0, false, false },
	/* 13 */ { "SET_VRING_CALL with two fds", VN_VU_SET_VRING_CALL, 0, 8, { 1 }, 2, false, false },
	/* 14 */ { "SET_VRING_CALL NOFD plus an fd", VN_VU_SET_VRING_CALL, 0, 8, { 1 | (1 << 8) }, 1, false, false },
	/* 15 */ { "SET_VRING_CALL index 200", VN_VU_SET_VRING_CALL, 0, 8, { 200 }, 1, false, false },
	/* 16 */ { "SET_VRING_KICK unknown bits", VN_VU_SET_VRING_KICK, 0, 8, { 1 | (1 << 12) }, 1, false, false },
	/* 17 */ { "SET_VRING_KICK before memory", VN_VU_SET_VRING_KICK, 0, 8, { 1 }, 1, false, false },
	/* 18 */ { "SET_MEM_TABLE 2 regions 1 fd", VN_VU_SET_MEM_TABLE, 0, 72,
		   { 2, RGN(0, 4096), RGN(4096, 4096) }, 1, false, false },
	/* 19 */ { "SET_MEM_TABLE 9 regions", VN_VU_SET_MEM_TABLE, 0, 8 + 9 * 32, { 9 }, 0, false, false },
	/* 20 */ { "SET_MEM_TABLE 0 regions", VN_VU_SET_MEM_TABLE, 0, 8, { 0 }, 0, false, false },
	/* 21 */ { "SET_MEM_TABLE size mismatch", VN_VU_SET_MEM_TABLE, 0, 72, { 1, RGN(0, 4096) }, 1, false, false },
	/* 22 */ { "SET_MEM_TABLE region past its file", VN_VU_SET_MEM_TABLE, 0, 40,
		   { 1, RGN(0, 1 << 20) }, 1, true, false },
	/* 23 */ { "SET_MEM_TABLE overlapping regions", VN_VU_SET_MEM_TABLE, 0, 72,
		   { 2, RGN(0, 8192), RGN(4096, 4096) }, 2, false, false },
	/* 24 */ { "SET_MEM_TABLE wrapping region", VN_VU_SET_MEM_TABLE, 0, 40,
		   { 1, ~0ull - 10, 4096, 0, 0 }, 1, false, false },
	/* 25 */ { "SET_MEM_TABLE zero-size region", VN_VU_SET_MEM_TABLE, 0, 40, { 1, RGN(0, 0) }, 1, false, false },
	/* 26 */ { "SET_LOG_BASE without LOG_SHMFD", VN_VU_SET_LOG_BASE, 0, 16, { 4096, 0 }, 1, false, false },
	/* 27 */ { "SET_VRING_ADDR unknown flag", VN_VU_SET_VRING_ADDR, 0, 40, { 1 | (2ull << 32), 0, 0, 0, 0 }, 0, false, false },
	/* 28 */ { "SET_VRING_ENABLE value 2", VN_VU_SET_VRING_ENABLE, 0, 8, { 1 | (2ull << 32) }, 0, false, false },
	/* 29 */ { "SET_PROTOCOL_FEATURES not offered", VN_VU_SET_PROTOCOL_FEATURES, 0, 8, { 1ull << 40 }, 0, false, false },
	/* 30 */ { "NET_SET_MTU 10", VN_VU_NET_SET_MTU, 0, 8, { 10 }, 0, false, false },
	/* 31 */ { "payload bigger than any request", VN_VU_SET_FEATURES, 0, 4096, { 0 }, 0, false, false },
	/* 32 */ { "kick with ring outside memory", VN_VU_SET_VRING_KICK, 0, 8, { 0 }, 1, false, true },
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void send_case(struct vu_fe *fe, const struct msg_case *c)
{
	struct vn_vu_msg m;
	int fds[2] = { -1, -1 }, k;

	memset(&m, 0, sizeof(m));
	m.request = c->req;
	m.flags = c->flags ? c->flags : VN_VU_VERSION;
	m.size = c->size;
	memcpy(m.raw, c->payload, VN_MIN(sizeof(c->payload), sizeof(m.raw)));
	for (k = 0; k < c->nfds; k++) {
		fds[k] = c->small_file ? memfd_create("small", MFD_CLOEXEC) : dup(fe->memfd);
		if (c->small_file)
			assert_int_equal(ftruncate(fds[k], 4096), 0);
	}
	if (c->size > sizeof(m.raw)) {
		/* Header announcing a huge payload, then garbage */
		uint32_t hdr[3] = { m.request, m.flags, m.size };
		static uint8_t junk[4096];

		assert_int_equal(send(fe->sock, hdr, sizeof(hdr), 0), sizeof(hdr));
		/* vnetd may hang up before reading it all */
		if (send(fe->sock, junk, c->size, MSG_NOSIGNAL) < 0)
			print_message("  (junk not all sent: %s)\n", strerror(errno));
	} else {
		assert_int_equal(vn_vu_msg_send(fe->sock, &m, fds, c->nfds), 0);
	}
	for (k = 0; k < c->nfds; k++)
		close(fds[k]);
}

static void test_vu_malformed_messages(void **state)
{
	struct vn_port *p = open_port("a", path_a, ""), *pb;
	struct vu_fe fe, b;
	struct vn_vu_info info;
	struct vn_pkt *pkt;
	struct vn_vhdr ok = { 0 };
	uint8_t f[100];
	unsigned int i;
	int fds_before;

	(void)state;
	assert_non_null(p);
	pb = up("b", path_b, &b, ALL);
	fds_before = count_fds();
	for (i = 0; i < sizeof(msg_cases) / sizeof(msg_cases[0]); i++) {
		const struct msg_case *c = &msg_cases[i];
		struct vn_vu_vring_addr addr = { 0, 0, 0x1, 0x2, 0x3, 0 };
		uint64_t dummy;

		print_message("case %u: %s\n", i + 1, c->name);
		assert_int_equal(vu_fe_connect(&fe, path_a), 0);
		if (c->mem_first) {
			/* Memory, then ring addresses that are in none of it */
			assert_int_equal(vu_fe_setup(&fe, ALL), 0);
			assert_int_equal(vu_fe_stop(&fe, 0), 0);
			assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_VRING_ADDR, &addr, sizeof(addr),
						   NULL, 0, NULL, 0), 0);
		}
		assert_true(wait_connections(p, i + 1));
		vn_vu_info_get(p, &info);
		send_case(&fe, c);
		/* vnetd hangs up: the next request gets no answer */
		assert_true(wait_bad(p, info.bad_messages + 1));
		assert_int_not_equal(vu_fe_msg(&fe, VN_VU_GET_FEATURES, NULL, 0, NULL, 0, &dummy, 8), 0);
		{
			struct vn_vu_info after;

			vn_vu_info_get(p, &after);
			assert_int_equal(after.bad_messages, info.bad_messages + 1);
			assert_true(after.last_error[0]);
			print_message("  -> %s\n", after.last_error);
		}
		vu_fe_close(&fe);
		/* The other port never noticed */
		make_frame(f, sizeof(f), (uint8_t)i);
		assert_int_equal(vu_fe_tx(&b, &ok, f, sizeof(f), 1), 0);
		assert_int_equal(rx_wait(pb, &pkt, 1), 1);
		vn_pkt_put(pkt);
	}
	/* Every fd that came with a bad message was closed */
	assert_int_equal(count_fds(), fds_before);
	/* And the port still serves a well-behaved front-end */
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	assert_int_equal(vu_fe_setup(&fe, ALL), 0);
	make_frame(f, sizeof(f), 1);
	assert_int_equal(vu_fe_tx(&fe, &ok, f, sizeof(f), 1), 0);
	assert_int_equal(rx_wait(p, &pkt, 1), 1);
	vn_pkt_put(pkt);
	vu_fe_close(&fe);
	vu_fe_close(&b);
	vu_test_port_close(p);
	vu_test_port_close(pb);
}

static void test_vu_truncated_message_then_close(void **state)
{
	struct vn_port *p = open_port("a", path_a, "");
	struct vn_vu_info info;
	struct vu_fe fe;
	uint32_t half[2] = { VN_VU_SET_FEATURES, VN_VU_VERSION };
	uint32_t hdr[3] = { VN_VU_SET_FEATURES, VN_VU_VERSION, 8 };

	(void)state;
	/* Half a header, then hang up */
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	assert_int_equal(send(fe.sock, half, sizeof(half), 0), sizeof(half));
	vu_fe_close(&fe);
	assert_true(wait_bad(p, 1));
	/* A header promising a payload that never comes */
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	assert_int_equal(send(fe.sock, hdr, sizeof(hdr), 0), sizeof(hdr));
	vu_fe_close(&fe);
	assert_true(wait_bad(p, 2));
	vn_vu_info_get(p, &info);
	assert_int_equal(info.connections, 2);
	assert_int_equal(info.bad_messages, 2);
	assert_int_equal(p->stats.bad_messages, 2);	/* vnetctl stats shows it */
	vu_test_port_close(p);
}

static void test_vu_client_mode_reconnects(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vn_pkt *pkt;
	struct vn_vhdr ok = { 0 };
	struct vn_vu_info info;
	struct vn_port *p;
	struct vu_fe fe;
	uint8_t f[100];
	int lfd, round;
	char kv[200];

	(void)state;
	/* We play QEMU with server=on: listen, vnetd connects */
	new_path(path_a);
	strcpy(sa.sun_path, path_a);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	snprintf(kv, sizeof(kv), "path=%s,client=on", path_a);
	p = vu_test_port_open("c", kv);
	assert_non_null(p);
	for (round = 0; round < 2; round++) {
		int fd = accept(lfd, NULL, NULL);

		assert_true(fd >= 0);
		assert_int_equal(vu_fe_init(&fe, fd), 0);
		assert_int_equal(vu_fe_setup(&fe, ALL), 0);
		make_frame(f, sizeof(f), 4);
		assert_int_equal(vu_fe_tx(&fe, &ok, f, sizeof(f), 1), 0);
		assert_int_equal(rx_wait(p, &pkt, 1), 1);
		vn_pkt_put(pkt);
		/* "QEMU restarts": vnetd must come back by itself */
		vu_fe_close(&fe);
		assert_true(wait_connections(p, round + 2));
	}
	vn_vu_info_get(p, &info);
	assert_int_equal(info.connections, 3);
	vu_test_port_close(p);
	close(lfd);
	unlink(path_a);
}

static void test_vu_stop_returns_base(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vhdr ok = { 0 };
	struct vn_pkt *pkts[8];
	uint8_t f[100];
	int i;

	(void)state;
	make_frame(f, sizeof(f), 4);
	for (i = 0; i < 5; i++)
		assert_int_equal(vu_fe_tx(&fe, &ok, f, sizeof(f), 1), 0);
	assert_int_equal(rx_wait(p, pkts, 5), 5);
	vn_pkt_put_bulk(pkts, 5);
	assert_int_equal(vu_fe_stop(&fe, 1), base_after(5));
	/* Stopped: new frames stay in the ring */
	assert_int_equal(vu_fe_tx(&fe, &ok, f, sizeof(f), 1), 0);
	assert_int_equal(vn_port_rx_burst(p, pkts, 8), 0);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}


/* Device stop (GET_VRING_BASE on receiveq 0), RESET_OWNER-like ends and a
 * front-end disconnect are counted in port->resets: the guest offload
 * channel frees the guest's XDP program on them (ctl/xo_srv.c) */
static void test_vu_resets_counted(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	uint64_t r0 = __atomic_load_n(&p->resets, __ATOMIC_ACQUIRE);
	int i;

	(void)state;
	assert_int_equal(vu_fe_stop(&fe, 1), base_after(0));	/* a transmitq: not the device */
	assert_int_equal(__atomic_load_n(&p->resets, __ATOMIC_ACQUIRE), r0);
	vu_fe_stop(&fe, 0);				/* receiveq 0 while it ran */
	assert_int_equal(__atomic_load_n(&p->resets, __ATOMIC_ACQUIRE), r0 + 1);
	vu_fe_stop(&fe, 0);				/* stopped already */
	assert_int_equal(__atomic_load_n(&p->resets, __ATOMIC_ACQUIRE), r0 + 1);
	vu_fe_close(&fe);
	/* the port's thread sees the close (bounded wait, outcome asserted) */
	for (i = 0; i < 500 && __atomic_load_n(&p->resets, __ATOMIC_ACQUIRE) == r0 + 1; i++)
		usleep(10000);
	assert_int_equal(__atomic_load_n(&p->resets, __ATOMIC_ACQUIRE), r0 + 2);
	vu_test_port_close(p);
}

static void test_vu_multiqueue_second_pair(void **state)
{
	struct vn_port *p = open_port("mq", path_a, ",queues=2");
	struct vn_vu_vring_state st;
	struct vn_vu_queue_info q;
	struct vn_vhdr ok = { 0 };
	struct vn_pkt *pkt;
	struct vu_fe fe;
	uint64_t n = 0, idx;
	uint8_t f[100];

	(void)state;
	assert_non_null(p);
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	assert_int_equal(vu_fe_msg(&fe, VN_VU_GET_QUEUE_NUM, NULL, 0, NULL, 0, &n, 8), 0);
	assert_int_equal(n, 2);
	fe.want_packed = g_packed;
	assert_int_equal(vu_fe_setup(&fe, ALL), 0);
	/* Move the transmit ring from pair 0 (vq 1) to pair 1 (vq 3) */
	assert_int_equal(vu_fe_stop(&fe, 1), base_after(0));
	st = (struct vn_vu_vring_state){ 3, VU_FE_QSIZE };
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_VRING_NUM, &st, 8, NULL, 0, NULL, 0), 0);
	{
		struct vn_vu_vring_addr a = { 3, 0, VU_FE_UVA_BASE + fe.vq[1].desc_gpa,
					      VU_FE_UVA_BASE + fe.vq[1].used_gpa,
					      VU_FE_UVA_BASE + fe.vq[1].avail_gpa, 0 };

		assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0,
					   NULL, 0), 0);
	}
	idx = 3;
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_VRING_KICK, &idx, 8, &fe.vq[1].kick, 1,
				   NULL, 0), 0);
	st = (struct vn_vu_vring_state){ 3, 1 };
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_VRING_ENABLE, &st, 8, NULL, 0, NULL, 0), 0);
	vn_vu_queue_get(p, 3, &q);
	assert_true(q.started && q.enabled);
	make_frame(f, sizeof(f), 6);
	assert_int_equal(vu_fe_tx(&fe, &ok, f, sizeof(f), 1), 0);
	assert_int_equal(rx_wait(p, &pkt, 1), 1);
	vn_pkt_put(pkt);
	vn_vu_queue_get(p, 3, &q);
	assert_int_equal(q.chains, 1);
	/* Queue 4 does not exist with two pairs */
	st = (struct vn_vu_vring_state){ 4, 256 };
	assert_int_not_equal(vu_fe_msg(&fe, VN_VU_SET_VRING_NUM, &st, 8, NULL, 0, NULL, 0), 0);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/* Frames of @nflows TCP flows (source port 40000 + k), @rounds frames each, round-major */
static unsigned int flow_frames(struct vn_port *p, struct vn_pkt **pkts, unsigned int nflows,
				unsigned int rounds)
{
	unsigned int r, k, n = 0;
	uint8_t f[120];

	for (r = 0; r < rounds; r++)
		for (k = 0; k < nflows; k++) {
			make_tcp4_frame(f, sizeof(f), 1);
			f[34] = (uint8_t)((40000 + k) >> 8);
			f[35] = (uint8_t)(40000 + k);
			f[60] = (uint8_t)r;	/* which round: order within the flow */
			pkts[n++] = pkt_of(p, f, sizeof(f));
		}
	return n;
}

/*
 * Drain receiveq @q: for each frame, record the queue its flow landed on
 * (@queue_of, -1 = not seen yet; a flow seen on two queues fails) and check
 * the flow's rounds come in order. Returns frames read.
 */
static unsigned int drain_flows(struct vu_fe *fe, unsigned int q, int *queue_of, int *next_round)
{
	struct vn_vhdr vh;
	uint8_t out[200];
	unsigned int n = 0, k;
	int len;

	while ((len = vu_fe_rx_get_q(fe, q, &vh, out, sizeof(out))) > 0) {
		assert_int_equal(len, 120);
		k = (unsigned int)((out[34] << 8 | out[35]) - 40000);
		assert_true(k < 32);
		if (queue_of[k] < 0)
			queue_of[k] = (int)q;
		assert_int_equal(queue_of[k], (int)q);	/* one flow, one queue */
		assert_int_equal(out[60], next_round[k]);	/* in order */
		next_round[k]++;
		n++;
	}
	assert_int_equal(len, 0);
	return n;
}

static void test_vu_multiqueue_flows_spread(void **state)
{
	struct vn_port *p = open_port("mqf", path_a, ",queues=3");
	struct vn_vu_vring_state st = { 4, 0 };
	int queue_of[32], next_round[32];
	unsigned int n, k, q, got, used[6] = { 0 };
	struct vn_pkt *pkts[96];
	struct vu_fe fe;

	(void)state;
	assert_non_null(p);
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	fe.want_packed = g_packed;
	assert_int_equal(vu_fe_setup(&fe, ALL), 0);
	assert_true(fe.features & VN_BIT(VN_NET_F_MQ));
	/* Receive queues of pairs 1 and 2 as well */
	assert_int_equal(vu_fe_start_ring(&fe, 2), 0);
	assert_int_equal(vu_fe_start_ring(&fe, 4), 0);
	for (q = 0; q < 6; q += 2)
		assert_int_equal(vu_fe_rx_post_q(&fe, q, 100, 2048), 0);
	/* 32 flows, 3 frames each, interleaved: every flow on one queue, in order */
	memset(queue_of, -1, sizeof(queue_of));
	memset(next_round, 0, sizeof(next_round));
	n = flow_frames(p, pkts, 32, 3);
	assert_int_equal(vn_port_tx_burst(p, pkts, n), n);
	got = 0;
	for (q = 0; q < 6; q += 2) {
		used[q] = drain_flows(&fe, q, queue_of, next_round);
		got += used[q];
	}
	assert_int_equal(got, 96);
	for (k = 0; k < 32; k++)
		assert_int_equal(next_round[k], 3);
	/* The flows are spread: every queue has some (32 flows over 3 queues) */
	assert_true(used[0] > 0 && used[2] > 0 && used[4] > 0);
	/* A second burst puts each flow on the queue it used before */
	memset(next_round, 0, sizeof(next_round));
	n = flow_frames(p, pkts, 32, 1);
	assert_int_equal(vn_port_tx_burst(p, pkts, n), n);
	for (q = 0; q < 6; q += 2)
		drain_flows(&fe, q, queue_of, next_round);
	for (k = 0; k < 32; k++)
		assert_int_equal(next_round[k], 1);
	/* The guest disables receiveq 2 (vq 4): nothing goes there any more */
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_VRING_ENABLE, &st, 8, NULL, 0, NULL, 0), 0);
	memset(queue_of, -1, sizeof(queue_of));
	memset(next_round, 0, sizeof(next_round));
	n = flow_frames(p, pkts, 32, 2);
	assert_int_equal(vn_port_tx_burst(p, pkts, n), n);
	assert_int_equal(drain_flows(&fe, 4, queue_of, next_round), 0);
	got = drain_flows(&fe, 0, queue_of, next_round) + drain_flows(&fe, 2, queue_of, next_round);
	assert_int_equal(got, 64);
	assert_int_equal(p->stats.tx_packets, 96 + 32 + 64);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/* One full receiveq blocks the burst at its first frame, and only that queue is waited on */
static void test_vu_multiqueue_full_queue_keeps_order(void **state)
{
	struct vn_port *p = open_port("mqb", path_a, ",queues=2");
	int queue_of[32], next_round[32];
	struct pollfd pfd = { .events = POLLIN };
	struct vn_pkt *pkts[64];
	unsigned int n, done, got;
	struct vu_fe fe;

	(void)state;
	assert_non_null(p);
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	fe.want_packed = g_packed;
	assert_int_equal(vu_fe_setup(&fe, ALL), 0);
	assert_int_equal(vu_fe_start_ring(&fe, 2), 0);
	/* Buffers only on receiveq 0: the first frame of a flow on queue 1 stops the burst */
	assert_int_equal(vu_fe_rx_post_q(&fe, 0, 100, 2048), 0);
	memset(queue_of, -1, sizeof(queue_of));
	memset(next_round, 0, sizeof(next_round));
	n = flow_frames(p, pkts, 32, 2);
	done = vn_port_tx_burst(p, pkts, n);
	assert_true(done < n);
	assert_int_equal(p->stats.ring_full, 1);
	pfd.fd = vn_port_tx_poll_fd(p);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	/* The guest gives queue 1 buffers: tx_poll_fd wakes, the rest goes out, in order */
	assert_int_equal(vu_fe_rx_post_q(&fe, 2, 100, 2048), 0);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(vn_port_tx_burst(p, pkts + done, n - done), n - done);
	got = drain_flows(&fe, 0, queue_of, next_round) + drain_flows(&fe, 2, queue_of, next_round);
	assert_int_equal(got, 64);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/*
 * F7: the front-end truncates its (unsealed) memfd after SET_MEM_TABLE. The
 * next access to guest memory faults; the fault guard must turn that into
 * a broken port (counted, logged) instead of killing the process, and port
 * b must keep working.
 */
static void test_vu_memfd_truncated_breaks_only_its_port(void **state)
{
	struct vu_fe a, b;
	struct vn_port *pa = up("a", path_a, &a, ALL), *pb = up("b", path_b, &b, ALL);
	struct vn_vu_queue_info q;
	struct vn_vu_info info;
	struct vn_vhdr ok = { 0 }, vh;
	struct vn_pkt *pkts[4];
	uint8_t f[100], out[200];
	unsigned int i;

	(void)state;
	vn_vu_info_get(pa, &info);
	assert_int_equal(info.unsealed_regions, 2);	/* the test memfd is not sealed */
	assert_int_equal(pa->stats.unsealed_regions, 2);	/* and in vnetctl stats */
	make_frame(f, sizeof(f), 3);
	assert_int_equal(vu_fe_tx(&a, &ok, f, sizeof(f), 1), 0);
	assert_int_equal(rx_wait(pa, pkts, 1), 1);
	vn_pkt_put_bulk(pkts, 1);
	/* The front-end takes the memory away; from here on it never touches its mapping */
	assert_int_equal(ftruncate(a.memfd, 0), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(vn_port_rx_burst(pa, pkts, 4), 0);
	vn_vu_info_get(pa, &info);
	assert_int_equal(info.mem_faults, 1);
	assert_int_equal(pa->stats.mem_faults, 1);
	assert_int_equal(pb->stats.mem_faults, 0);
	assert_true(vn_vu_mem_guard_faults() >= 1);
	vn_vu_queue_get(pa, 1, &q);
	assert_true(q.broken);
	assert_string_equal(q.why, "guest memory fault (file shrunk)");
	/* Frames towards it are taken and counted, not left to block their sources */
	pkts[0] = pkt_of(pa, f, sizeof(f));
	assert_int_equal(vn_port_tx_burst(pa, pkts, 1), 1);
	assert_int_equal(drops(pa, VN_DROP_VQ_BROKEN), 1);
	/* Port b carries on in both directions */
	assert_int_equal(vu_fe_tx(&b, &ok, f, sizeof(f), 2), 0);
	assert_int_equal(rx_wait(pb, pkts, 1), 1);
	vn_pkt_put_bulk(pkts, 1);
	assert_int_equal(vu_fe_rx_post(&b, 1, 2048), 0);
	pkts[0] = pkt_of(pb, f, sizeof(f));
	assert_int_equal(vn_port_tx_burst(pb, pkts, 1), 1);
	assert_int_equal(vu_fe_rx_get(&b, &vh, out, sizeof(out)), sizeof(f));
	vu_fe_close(&a);
	vu_fe_close(&b);
	vu_test_port_close(pa);
	vu_test_port_close(pb);
}

/* F7 policy: sealed=on refuses memory that can shrink, takes sealed memory */
static void test_vu_sealed_on_requires_sealed_memfd(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = open_port("a", path_a, ",sealed=on");
	struct vn_vu_info info;

	(void)state;
	assert_non_null(p);
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	assert_int_not_equal(vu_fe_setup(&fe, ALL), 0);
	assert_true(wait_bad(p, 1));
	vn_vu_info_get(p, &info);
	assert_non_null(strstr(info.last_error, "not sealed"));
	vu_fe_close(&fe);
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	assert_int_equal(vu_fe_seal(&fe), 0);
	assert_int_equal(vu_fe_setup(&fe, ALL), 0);
	vn_vu_info_get(p, &info);
	assert_true(info.connected);
	assert_int_equal(info.unsealed_regions, 0);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/*
 * F9: eight regions over one sparse 16 TiB memfd would take 128 TiB of our
 * address space for nothing; the table is refused whole (cap 1 TiB).
 */
static void test_vu_mem_table_over_the_span_cap_refused(void **state)
{
	struct vn_port *p = open_port("a", path_a, "");
	struct vn_vu_mem_table t;
	struct vn_vu_info info;
	uint64_t big = 16ull << 40;
	struct vu_fe fe;
	int fds[8], mfd, i;

	(void)state;
	assert_non_null(p);
	mfd = memfd_create("vu-sparse", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, (off_t)big), 0);
	memset(&t, 0, sizeof(t));
	t.nregions = 8;
	for (i = 0; i < 8; i++) {
		t.r[i] = (struct vn_vu_region_desc){ (uint64_t)i * big, big,
						     VU_FE_UVA_BASE + (uint64_t)i * big, 0 };
		fds[i] = mfd;
	}
	assert_int_equal(vn_vu_mem_span(t.r, 8), 8 * big);
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	vu_fe_msg(&fe, VN_VU_SET_MEM_TABLE, &t, 8 + 8 * 32, fds, 8, NULL, 0);
	assert_true(wait_bad(p, 1));
	vn_vu_info_get(p, &info);
	assert_non_null(strstr(info.last_error, "address-space cap"));
	vu_fe_close(&fe);
	/* One region just under the cap is fine; one page over it is not */
	t.nregions = 1;
	t.r[0].size = VN_VU_MEM_SPAN_MAX;
	assert_int_equal(vn_vu_mem_span(t.r, 1), VN_VU_MEM_SPAN_MAX);
	t.r[0].offset = 1;
	assert_true(vn_vu_mem_span(t.r, 1) > VN_VU_MEM_SPAN_MAX);
	close(mfd);
	vu_test_port_close(p);
}


/*
 * H8: a hugetlbfs region is mapped in whole huge pages: its offset rounded
 * down and its length rounded up to st_blksize, else mmap() refuses an
 * offset that is only 4 KiB aligned. The memory is never touched (the
 * machine may have no huge pages: MAP_NORESERVE maps it anyway).
 */
static void test_vu_hugetlbfs_region_aligned_to_huge_pages(void **state)
{
	struct vn_vu_region_desc d = { 0, 1u << 20, VU_FE_UVA_BASE, 4096 };
	struct vn_vu_mem mem;
	uint64_t huge;
	int fd, mfd;

	(void)state;
	mfd = memfd_create("vu-page", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(vn_vu_mem_map_align(mfd), (uint64_t)sysconf(_SC_PAGESIZE));
	close(mfd);
	fd = memfd_create("vu-huge", MFD_CLOEXEC | MFD_HUGETLB);
	if (fd < 0)
		skip();		/* kernel without hugetlbfs: reported as skipped */
	huge = vn_vu_mem_map_align(fd);
	assert_true(huge > (uint64_t)sysconf(_SC_PAGESIZE));
	assert_int_equal(ftruncate(fd, (off_t)(2 * huge)), 0);
	assert_int_equal(vn_vu_mem_map(&mem, &d, &fd, 1), 0);
	assert_int_equal(mem.r[0].map_len, huge);
	assert_ptr_equal(mem.r[0].host, (uint8_t *)mem.r[0].map + 4096);
	vn_vu_mem_unmap(&mem);
	close(fd);
}


/* Can user @uid connect to @path? (in a child, so the test keeps its ids) */
static bool connects_as(const char *path, uid_t uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		if (setgid(uid) || setuid(uid))
			_exit(2);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		_exit(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) < 2);
	return WEXITSTATUS(st) == 0;
}

/*
 * H7: the listening socket is 0600 unless mode= says otherwise, whatever
 * the umask, and group= sets its group; a bad mode is refused.
 */
static void test_vu_socket_mode_and_group(void **state)
{
	mode_t old = umask(0);
	struct vn_port *p;
	struct stat st;
	char extra[64];

	(void)state;
	p = open_port("a", path_a, "");
	assert_non_null(p);
	assert_int_equal(stat(path_a, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	if (geteuid() == 0)	/* root in CI: another user is refused */
		assert_false(connects_as(path_a, 65534));
	vu_test_port_close(p);
	umask(077);
	snprintf(extra, sizeof(extra), ",mode=0666,group=%u", (unsigned int)getgid());
	p = open_port("a", path_a, extra);
	assert_non_null(p);
	assert_int_equal(stat(path_a, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);
	assert_int_equal(st.st_gid, getgid());
	if (geteuid() == 0)
		assert_true(connects_as(path_a, 65534));
	vu_test_port_close(p);
	umask(old);
	assert_null(open_port("a", path_a, ",mode=0999"));
	assert_null(open_port("a", path_a, ",mode=1777"));
	assert_null(open_port("a", path_a, ",group=no-such-group-vh"));
}

/* Watchdog for tests of "never blocks": a stuck call kills the test binary */
static void watchdog(unsigned int sec)
{
	alarm(sec);
}

/*
 * F1: a blocking call eventfd whose counter is at its maximum. Writing it
 * would block the worker; the device must skip the call (the driver has
 * one pending) and count it.
 */
static void test_vu_full_blocking_callfd_never_blocks(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vu_queue_info q;
	struct vn_vhdr vh = { 0 };
	struct vn_pkt *pkts[4];
	uint64_t idx = 1, max = 0xfffffffffffffffeull, v;
	int efd = eventfd(0, EFD_CLOEXEC);	/* blocking */
	uint8_t f[100];

	(void)state;
	assert_true(efd >= 0);
	assert_int_equal(write(efd, &max, sizeof(max)), sizeof(max));
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_VRING_CALL, &idx, 8, &efd, 1, NULL, 0), 0);
	make_frame(f, sizeof(f), 4);
	assert_int_equal(vu_fe_tx(&fe, &vh, f, sizeof(f), 1), 0);
	watchdog(20);
	assert_int_equal(rx_wait(p, pkts, 1), 1);
	alarm(0);
	vn_pkt_put_bulk(pkts, 1);
	assert_int_equal(vu_fe_tx_done(&fe), 1);
	/* The control thread is not stuck behind the device lock either */
	vn_vu_queue_get(p, 1, &q);
	assert_false(q.broken);
	/* The skipped call shows in the port's counters (vnetctl stats) */
	assert_int_equal(vn_port_stat_get(p, "calls_skipped", &v), 0);
	assert_true(v >= 1);
	assert_true(vu_fe_stop(&fe, 1) >= 0);
	close(efd);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/*
 * F2: the front-end clears O_NONBLOCK on its copy of the transmitq's kick
 * eventfd (the same open file description as ours) and never kicks. Idle
 * polls read the kick fd now and then; none may block.
 */
static void test_vu_kickfd_made_blocking_never_blocks(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vhdr vh = { 0 };
	struct vn_pkt *pkts[4];
	uint8_t f[100];
	int i, fl = fcntl(fe.vq[1].kick, F_GETFL);

	(void)state;
	assert_int_equal(fcntl(fe.vq[1].kick, F_SETFL, fl & ~O_NONBLOCK), 0);
	watchdog(20);
	for (i = 0; i < 300; i++)
		assert_int_equal(vn_port_rx_burst(p, pkts, 4), 0);
	alarm(0);
	/* Still a working queue */
	make_frame(f, sizeof(f), 5);
	assert_int_equal(vu_fe_tx(&fe, &vh, f, sizeof(f), 1), 0);
	assert_int_equal(rx_wait(p, pkts, 1), 1);
	vn_pkt_put_bulk(pkts, 1);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/* H3: kick, call and error fds must be eventfds */
static void test_vu_vring_fds_must_be_eventfds(void **state)
{
	static const uint32_t reqs[] = { VN_VU_SET_VRING_KICK, VN_VU_SET_VRING_CALL,
					 VN_VU_SET_VRING_ERR };
	struct vn_port *p = open_port("a", path_a, "");
	struct vn_vu_info info;
	unsigned int i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < 3; i++) {
		struct vu_fe fe;
		uint64_t idx = 1;
		int pfd[2];

		assert_int_equal(pipe(pfd), 0);
		assert_int_equal(vu_fe_connect(&fe, path_a), 0);
		vu_fe_msg(&fe, reqs[i], &idx, 8, &pfd[0], 1, NULL, 0);
		assert_true(wait_bad(p, i + 1));
		vn_vu_info_get(p, &info);
		assert_non_null(strstr(info.last_error, "not an eventfd"));
		close(pfd[0]);
		close(pfd[1]);
		vu_fe_close(&fe);
	}
	/* H3: a semaphore eventfd as kick fd would keep the worker awake for ever */
	{
		struct vu_fe fe;
		uint64_t idx = 1, big = 1ull << 40;
		int sfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);

		assert_int_equal(write(sfd, &big, sizeof(big)), sizeof(big));
		assert_int_equal(vu_fe_connect(&fe, path_a), 0);
		vu_fe_msg(&fe, VN_VU_SET_VRING_KICK, &idx, 8, &sfd, 1, NULL, 0);
		assert_true(wait_bad(p, 4));
		vn_vu_info_get(p, &info);
		assert_non_null(strstr(info.last_error, "semaphore"));
		close(sfd);
		vu_fe_close(&fe);
	}
	vu_test_port_close(p);
}

/*
 * F3: chains the device drops (runts here) count against the burst. With
 * 200 of them queued, one rx_burst(64) consumes exactly 64 chains; it used
 * to walk them all (and a guest refilling the ring kept it going).
 */
static void test_vu_dropped_chains_count_against_the_burst(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vu_queue_info q;
	struct vn_vhdr vh = { 0 };
	struct vn_pkt *pkts[64];
	uint8_t f[8] = { 0 };
	unsigned int i;

	(void)state;
	for (i = 0; i < 200; i++)
		assert_int_equal(vu_fe_tx(&fe, &vh, f, sizeof(f), 1), 0);	/* runts */
	assert_int_equal(vn_port_rx_burst(p, pkts, 64), 0);
	vn_vu_queue_get(p, 1, &q);
	assert_int_equal(q.chains, 64);
	assert_int_equal(drops(p, VN_DROP_RUNT), 64);
	assert_int_equal(vn_pool_avail(p->pool), p->pool->size);
	/* The rest is taken over the next bursts */
	for (i = 0; i < 10 && q.chains < 200; i++) {
		assert_int_equal(vn_port_rx_burst(p, pkts, 64), 0);
		vn_vu_queue_get(p, 1, &q);
	}
	assert_int_equal(q.chains, 200);
	assert_false(q.broken);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/*
 * F4: a receive ring of tiny buffers (header-sized, MRG_RXBUF) that no
 * frame fits in VN_VNET_MRG_MAX of. The first frame walks 128 chains and
 * gives them back; while the ring is unchanged, the other 63 frames of the
 * burst are dropped without walking them again (it was 64 x 128 walks).
 */
static void test_vu_tiny_rx_buffers_walked_once_per_ring_state(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vu_queue_info q;
	struct vn_pkt *pkts[64];
	struct vn_vhdr vh;
	uint8_t f[1600], out[2048];
	unsigned int i;

	(void)state;
	assert_int_equal(vu_fe_rx_post(&fe, 200, 12), 0);
	make_frame(f, sizeof(f), 6);
	for (i = 0; i < 64; i++)
		pkts[i] = pkt_of(p, f, sizeof(f));
	assert_int_equal(vn_port_tx_burst(p, pkts, 64), 64);
	vn_vu_queue_get(p, 0, &q);
	assert_int_equal(q.chains, 128);
	assert_int_equal(drops(p, VN_DROP_MTU), 64);
	assert_true(p->stats.mrg_cap >= 1);	/* the port's counter (vnetctl stats) */
	assert_false(q.broken);
	assert_int_equal(vn_pool_avail(p->pool), p->pool->size);
	/* A frame that fits still goes through the same buffers */
	pkts[0] = pkt_of(p, f, 500);
	assert_int_equal(vn_port_tx_burst(p, pkts, 1), 1);
	assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), 500);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/* GET_FEATURES, over and over, never reading a reply, until the socket is full */
static void flood_unread(struct vu_fe *fe)
{
	uint32_t hdr[3] = { VN_VU_GET_FEATURES, VN_VU_VERSION, 0 };
	unsigned int i, stalls = 0;

	for (i = 0; i < 200000 && stalls < 100; i++) {
		if (send(fe->sock, hdr, sizeof(hdr), MSG_DONTWAIT | MSG_NOSIGNAL) == sizeof(hdr))
			continue;
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		stalls++;
		usleep(2000);
	}
	assert_int_equal(stalls, 100);	/* the device stopped taking them */
}

/*
 * F8: a front-end that never reads its replies. The control thread gives
 * up after its send timeout and closes the connection; and closing the
 * port meanwhile does not wait for that (it used to hang in pthread_join()).
 */
static void test_vu_frontend_not_reading_replies(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = open_port("a", path_a, "");
	struct vn_vu_info info;
	int i;

	(void)state;
	assert_non_null(p);
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	flood_unread(&fe);
	for (i = 0; i < 3000; i++) {	/* bound, not a timing check: 15 s */
		vn_vu_info_get(p, &info);
		if (!info.connected)
			break;
		usleep(5000);
	}
	assert_false(info.connected);
	assert_non_null(strstr(info.last_error, "not reading its replies"));
	vu_fe_close(&fe);
	/* Again, and close the port while its thread is blocked replying */
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	flood_unread(&fe);
	watchdog(20);
	vu_test_port_close(p);
	alarm(0);
	vu_fe_close(&fe);
}

/* H1: features may not change under running rings; the same set again is fine */
static void test_vu_features_frozen_while_rings_run(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vu_info info;
	uint64_t f;

	(void)state;
	f = fe.features;
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_FEATURES, &f, 8, NULL, 0, NULL, 0), 0);
	f &= ~VN_BIT(VN_NET_F_MRG_RXBUF);	/* would change the header length */
	vu_fe_msg(&fe, VN_VU_SET_FEATURES, &f, 8, NULL, 0, NULL, 0);
	assert_true(wait_bad(p, 1));
	vn_vu_info_get(p, &info);
	assert_non_null(strstr(info.last_error, "features changed while rings run"));
	vu_fe_close(&fe);
	vu_test_port_close(p);
}


/*
 * H9: a non-GSO frame from the guest must fit the port's MTU (1500 unless
 * mtu= or NET_SET_MTU says otherwise), plus the Ethernet header and one
 * VLAN tag; GSO frames are cut to the MTU later and are not affected.
 */
static void test_vu_guest_frames_over_the_mtu_dropped(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vhdr vh = { 0 };
	struct vn_pkt *pkts[4];
	static uint8_t f[9100];
	uint64_t mtu = 9000;

	(void)state;
	assert_int_equal(p->mtu, 1500);
	make_frame(f, sizeof(f), 9);
	assert_int_equal(vu_fe_tx(&fe, &vh, f, 1514, 1), 0);	/* fits */
	assert_int_equal(rx_wait(p, pkts, 1), 1);
	vn_pkt_put_bulk(pkts, 1);
	assert_int_equal(vu_fe_tx(&fe, &vh, f, 1515, 2), 0);	/* one byte over */
	assert_int_equal(vu_fe_tx(&fe, &vh, f, 9014, 3), 0);
	f[12] = 0x81;						/* 802.1Q: 4 bytes more */
	assert_int_equal(vu_fe_tx(&fe, &vh, f, 1518, 4), 0);
	assert_int_equal(rx_wait(p, pkts, 1), 1);
	assert_int_equal(pkts[0]->len, 1518);
	vn_pkt_put_bulk(pkts, 1);
	assert_int_equal(drops(p, VN_DROP_MTU), 2);
	/* The front-end raises the MTU: the 9014-byte frame passes now */
	f[12] = 0x08;
	assert_int_equal(vu_fe_msg(&fe, VN_VU_NET_SET_MTU, &mtu, 8, NULL, 0, NULL, 0), 0);
	assert_int_equal(vu_fe_tx(&fe, &vh, f, 9014, 1), 0);
	assert_int_equal(rx_wait(p, pkts, 1), 1);
	assert_int_equal(pkts[0]->len, 9014);
	vn_pkt_put_bulk(pkts, 1);
	assert_int_equal(drops(p, VN_DROP_MTU), 2);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

static void test_vu_opens_through_the_registry(void **state)
{
	struct vn_port *p = NULL;
	struct vu_fe fe;
	char spec[200];

	(void)state;
	snprintf(spec, sizeof(spec), "vhost-user:name=vm0,path=%s,queues=2", new_path(path_a));
	assert_int_equal(vn_port_open(spec, 7, &p), 0);
	assert_string_equal(p->name, "vm0");
	assert_int_equal(vu_fe_connect(&fe, path_a), 0);
	assert_int_equal(vu_fe_setup(&fe, ALL), 0);
	assert_true(p->features & VN_BIT(VN_NET_F_GUEST_TSO4));
	vu_fe_close(&fe);
	vn_port_close(p);
	/* Unknown keys and a missing path are refused */
	assert_int_not_equal(vn_port_open("vhost-user:name=vm1,path=/tmp/x.sock,bogus=1", 8, &p), 0);
	assert_int_not_equal(vn_port_open("vhost-user:name=vm1", 8, &p), 0);
	assert_int_not_equal(vn_port_open("vhost-user:name=vm1,path=/tmp/x.sock,queues=9", 8, &p), 0);
}

/* Packed: a buffer outside guest memory breaks that queue only (§2.8) */
static void test_vu_packed_hostile_chain_breaks_one_queue(void **state)
{
	struct vu_fe a, b;
	struct vn_port *pa = up("a", path_a, &a, ALL), *pb = up("b", path_b, &b, ALL);
	uint64_t gpa[2] = { vu_fe_alloc(&a, 1, 64), VU_FE_MEM_SIZE - 10 };
	uint32_t len[2] = { 12, 100 };
	struct vn_vu_queue_info q;
	struct vn_vhdr ok = { 0 }, vh;
	struct vn_pkt *pkts[4];
	uint8_t f[100], out[200];

	(void)state;
	/* Header in guest memory, the frame's tail past its end */
	vu_fe_packed_add(&a, 1, gpa, len, 2, false);
	assert_int_equal(vn_port_rx_burst(pa, pkts, 4), 0);
	vn_vu_queue_get(pa, 1, &q);
	assert_true(q.broken && q.packed);
	assert_string_equal(q.why, "buffer outside guest memory");
	assert_int_equal(drops(pa, VN_DROP_VQ_DESC), 1);
	/* a's receive side still works, port b is untouched */
	assert_int_equal(vu_fe_rx_post(&a, 1, 2048), 0);
	make_frame(f, sizeof(f), 2);
	pkts[0] = pkt_of(pa, f, sizeof(f));
	assert_int_equal(vn_port_tx_burst(pa, pkts, 1), 1);
	assert_int_equal(vu_fe_rx_get(&a, &vh, out, sizeof(out)), sizeof(f));
	assert_memory_equal(out, f, sizeof(f));
	assert_int_equal(vu_fe_tx(&b, &ok, f, sizeof(f), 2), 0);
	assert_int_equal(rx_wait(pb, pkts, 1), 1);
	vn_pkt_put_bulk(pkts, 1);
	/* Stopped, the queue is reset */
	assert_true(vu_fe_stop(&a, 1) >= 0);
	vn_vu_queue_get(pa, 1, &q);
	assert_false(q.broken);
	vu_fe_close(&a);
	vu_fe_close(&b);
	vu_test_port_close(pa);
	vu_test_port_close(pb);
}

/*
 * Packed: both directions go round the 256-entry ring several times, with
 * chains (1-3 descriptors; 2 receive buffers per frame) crossing its end,
 * so both wrap counters flip mid-chain; every frame arrives whole, in order
 */
static void test_vu_packed_ring_wraps(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_vhdr vh = { 0 };
	struct vn_pkt *pkts[100];
	uint8_t f[1800], out[2000];
	unsigned int r, i;

	(void)state;
	for (r = 0; r < 6; r++) {
		for (i = 0; i < 100; i++) {
			make_frame(f, 60 + i * 10, (uint8_t)(r * 100 + i));
			assert_int_equal(vu_fe_tx(&fe, &vh, f, 60 + i * 10, 1 + i % 3), 0);
		}
		assert_int_equal(rx_wait(p, pkts, 100), 100);
		for (i = 0; i < 100; i++) {
			make_frame(f, 60 + i * 10, (uint8_t)(r * 100 + i));
			assert_int_equal(pkts[i]->len, 60 + i * 10);
			assert_memory_equal(vn_pkt_data(pkts[i]), f, pkts[i]->len);
		}
		vn_pkt_put_bulk(pkts, 100);
		assert_int_equal(vu_fe_tx_done(&fe), 100);
	}
	assert_int_equal(p->stats.rx_packets, 600);
	for (r = 0; r < 6; r++) {
		assert_int_equal(vu_fe_rx_post(&fe, 80, 1000), 0);
		for (i = 0; i < 40; i++) {
			make_frame(f, sizeof(f), (uint8_t)(r * 40 + i));
			pkts[i] = pkt_of(p, f, sizeof(f));
		}
		assert_int_equal(vn_port_tx_burst(p, pkts, 40), 40);
		for (i = 0; i < 40; i++) {
			make_frame(f, sizeof(f), (uint8_t)(r * 40 + i));
			assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), sizeof(f));
			assert_int_equal(vh.num_buffers, 2);
			assert_memory_equal(out, f, sizeof(f));
		}
		assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), 0);
	}
	assert_int_equal(p->stats.tx_packets, 240);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/* Turn on protocol features the test front-end does not ask for by itself */
static void protocol_add(struct vu_fe *fe, uint64_t bits)
{
	uint64_t proto = fe->protocol | bits;

	assert_int_equal(vu_fe_msg(fe, VN_VU_SET_PROTOCOL_FEATURES, &proto, 8, NULL, 0, NULL, 0), 0);
	fe->protocol = proto;
}

/* The guest-physical address of the buffer the next used entry of ring @q names */
static uint64_t next_used_gpa(struct vu_fe *fe, unsigned int q)
{
	struct vu_fe_vq *v = &fe->vq[q];

	if (fe->packed)
		return v->id_addr[v->pdesc[v->last_used % v->size].id];
	return v->desc[v->used->ring[v->last_used % v->size].id].addr;
}

static bool logged(const uint8_t *bits, uint64_t gpa)
{
	return bits[gpa >> 15] & (1u << ((gpa >> 12) & 7));
}

static unsigned int bits_set(const uint8_t *bits, size_t n)
{
	unsigned int k = 0;
	size_t i;

	for (i = 0; i < n; i++)
		k += (unsigned int)__builtin_popcount(bits[i]);
	return k;
}

/*
 * Live migration's dirty log: SET_LOG_BASE maps the front-end's sealed
 * bitmap (and is answered), VHOST_F_LOG_ALL turns logging on while the
 * rings run, and then a frame into the guest marks its buffer's page and
 * the page of the ring it completed on; off again, nothing more is marked.
 * An unsealed bitmap is refused.
 */
static void test_vu_dirty_log(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	uint64_t base[2] = { VU_FE_MEM_SIZE >> 15, 0 }, answer = 1, f, gpa, ring;
	int lfd = memfd_create("vhost-log", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct vn_vhdr vh;
	struct vn_pkt *pkt;
	uint8_t frame[1000], out[1100], *bits;

	(void)state;
	ring = g_packed ? fe.vq[0].desc_gpa : fe.vq[0].used_gpa;
	protocol_add(&fe, VN_BIT(VN_VU_PROTOCOL_F_LOG_SHMFD));
	assert_int_equal(ftruncate(lfd, 4096), 0);
	assert_int_equal(fcntl(lfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	bits = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, lfd, 0);
	assert_true(bits != MAP_FAILED);
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_LOG_BASE, base, sizeof(base), &lfd, 1,
				   &answer, sizeof(answer)), 0);
	assert_int_equal(answer, 0);
	make_frame(frame, sizeof(frame), 9);
	/* Mapped but not on: nothing logged */
	assert_int_equal(vu_fe_rx_post(&fe, 4, 2048), 0);
	pkt = pkt_of(p, frame, sizeof(frame));
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), sizeof(frame));
	assert_int_equal(bits_set(bits, 4096), 0);
	/* LOG_ALL while the rings run (QEMU starts a migration so) */
	f = fe.features | VN_BIT(VN_VHOST_F_LOG_ALL);
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_FEATURES, &f, 8, NULL, 0, NULL, 0), 0);
	pkt = pkt_of(p, frame, sizeof(frame));
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	gpa = next_used_gpa(&fe, 0);
	assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), sizeof(frame));
	assert_memory_equal(out, frame, sizeof(frame));
	assert_true(logged(bits, gpa));
	assert_true(logged(bits, ring));
	assert_true(bits_set(bits, 4096) <= 4);
	/* Off again: QEMU cleared what it read; nothing new is marked */
	memset(bits, 0, 4096);
	f &= ~VN_BIT(VN_VHOST_F_LOG_ALL);
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SET_FEATURES, &f, 8, NULL, 0, NULL, 0), 0);
	pkt = pkt_of(p, frame, sizeof(frame));
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(vu_fe_rx_get(&fe, &vh, out, sizeof(out)), sizeof(frame));
	assert_int_equal(bits_set(bits, 4096), 0);
	munmap(bits, 4096);
	close(lfd);
	/* A bitmap the front-end could shrink under us: refused (connection closed) */
	lfd = memfd_create("vhost-log", MFD_CLOEXEC);
	assert_int_equal(ftruncate(lfd, 4096), 0);
	assert_int_not_equal(vu_fe_msg(&fe, VN_VU_SET_LOG_BASE, base, sizeof(base), &lfd, 1,
				       &answer, sizeof(answer)), 0);
	close(lfd);
	assert_true(wait_disconnected(p));
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/* Warnings that name a ring starting away from the guest's used index (any thread) */
static int base_warnings;

static void count_base_warnings(enum vn_log_level level, const char *msg)
{
	if (level == VN_LOG_WARN && strstr(msg, "queue 1 starts at 7, but the guest's used index is 0"))
		__atomic_add_fetch(&base_warnings, 1, __ATOMIC_RELAXED);
}

/*
 * A split ring started at a base its used index in guest memory does not
 * hold (a migration that lost used-ring writes would look so on the
 * destination) is warned about; a ring started where it stopped is not
 */
static void test_vu_start_base_mismatch_warned(void **state)
{
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	uint64_t f;
	int i;

	(void)state;
	__atomic_store_n(&base_warnings, 0, __ATOMIC_RELAXED);
	vn_log_set_sink(count_base_warnings);
	assert_int_equal(vu_fe_stop(&fe, 1), 0);
	fe.vq[1].start_base = 7;
	assert_int_equal(vu_fe_start_ring(&fe, 1), 0);
	for (i = 0; i < 200 && !__atomic_load_n(&base_warnings, __ATOMIC_RELAXED); i++)
		usleep(10000);
	assert_int_equal(__atomic_load_n(&base_warnings, __ATOMIC_RELAXED), 1);
	/* Where it stopped: no warning (GET_FEATURES answers after the start) */
	assert_int_equal(vu_fe_stop(&fe, 1), 7);
	fe.vq[1].start_base = 0;
	assert_int_equal(vu_fe_start_ring(&fe, 1), 0);
	assert_int_equal(vu_fe_msg(&fe, VN_VU_GET_FEATURES, NULL, 0, NULL, 0, &f, 8), 0);
	assert_int_equal(__atomic_load_n(&base_warnings, __ATOMIC_RELAXED), 1);
	vn_log_set_sink(quiet);
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

/* SEND_RARP: the port announces the migrated guest's MAC with a RARP broadcast */
static void test_vu_send_rarp(void **state)
{
	static const uint8_t mac[8] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t mcast[8] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	struct vu_fe fe;
	struct vn_port *p = up("a", path_a, &fe, ALL);
	struct vn_pkt *pkt;
	const uint8_t *f;

	(void)state;
	protocol_add(&fe, VN_BIT(VN_VU_PROTOCOL_F_RARP));
	assert_int_equal(vu_fe_msg(&fe, VN_VU_SEND_RARP, mac, 8, NULL, 0, NULL, 0), 0);
	assert_int_equal(rx_wait(p, &pkt, 1), 1);
	f = vn_pkt_data(pkt);
	assert_int_equal(pkt->len, 60);
	assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
	assert_memory_equal(f + 6, mac, 6);
	assert_memory_equal(f + 12, "\x80\x35\x00\x01\x08\x00\x06\x04\x00\x03", 10);
	assert_memory_equal(f + 22, mac, 6);
	assert_memory_equal(f + 32, mac, 6);
	vn_pkt_put(pkt);
	/* Once per request */
	assert_int_equal(vn_port_rx_burst(p, &pkt, 1), 0);
	/* A multicast "guest" address closes the connection */
	assert_int_not_equal(vu_fe_msg(&fe, VN_VU_SEND_RARP, mcast, 8, NULL, 0, NULL, 0), 0);
	assert_true(wait_disconnected(p));
	vu_fe_close(&fe);
	vu_test_port_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vu_negotiates_features),
		cmocka_unit_test(test_vu_guest_tx_frames),
		cmocka_unit_test(test_vu_tso_frame_crosses_unsegmented),
		cmocka_unit_test(test_vu_guest_rx_full_then_refill),
		cmocka_unit_test(test_vu_no_mrg_rxbuf_one_buffer_per_frame),
		cmocka_unit_test(test_vu_offload_frame_to_guest_without_it_dropped),
		cmocka_unit_test(test_vu_hostile_headers),
		cmocka_unit_test(test_vu_guest_frames_over_the_mtu_dropped),
		cmocka_unit_test(test_vu_hostile_chain_breaks_one_queue),
		cmocka_unit_test(test_vu_guest_rx_buffer_outside_memory),
		cmocka_unit_test(test_vu_malformed_messages),
		cmocka_unit_test(test_vu_truncated_message_then_close),
		cmocka_unit_test(test_vu_client_mode_reconnects),
		cmocka_unit_test(test_vu_stop_returns_base),
		cmocka_unit_test(test_vu_resets_counted),
		cmocka_unit_test(test_vu_multiqueue_second_pair),
		cmocka_unit_test(test_vu_multiqueue_flows_spread),
		cmocka_unit_test(test_vu_multiqueue_full_queue_keeps_order),
		cmocka_unit_test(test_vu_memfd_truncated_breaks_only_its_port),
		cmocka_unit_test(test_vu_sealed_on_requires_sealed_memfd),
		cmocka_unit_test(test_vu_mem_table_over_the_span_cap_refused),
		cmocka_unit_test(test_vu_hugetlbfs_region_aligned_to_huge_pages),
		cmocka_unit_test(test_vu_socket_mode_and_group),
		cmocka_unit_test(test_vu_full_blocking_callfd_never_blocks),
		cmocka_unit_test(test_vu_kickfd_made_blocking_never_blocks),
		cmocka_unit_test(test_vu_vring_fds_must_be_eventfds),
		cmocka_unit_test(test_vu_dropped_chains_count_against_the_burst),
		cmocka_unit_test(test_vu_tiny_rx_buffers_walked_once_per_ring_state),
		cmocka_unit_test(test_vu_frontend_not_reading_replies),
		cmocka_unit_test(test_vu_features_frozen_while_rings_run),
		cmocka_unit_test(test_vu_opens_through_the_registry),
		cmocka_unit_test(test_vu_dirty_log),
		cmocka_unit_test(test_vu_send_rarp),
		cmocka_unit_test(test_vu_start_base_mismatch_warned),
	};

	/* The same datapath over packed rings (§2.8); the rest is ring-independent
	 * or drives split descriptors by hand */
	const struct CMUnitTest packed[] = {
		cmocka_unit_test(test_vu_negotiates_features),
		cmocka_unit_test(test_vu_guest_tx_frames),
		cmocka_unit_test(test_vu_tso_frame_crosses_unsegmented),
		cmocka_unit_test(test_vu_guest_rx_full_then_refill),
		cmocka_unit_test(test_vu_no_mrg_rxbuf_one_buffer_per_frame),
		cmocka_unit_test(test_vu_offload_frame_to_guest_without_it_dropped),
		cmocka_unit_test(test_vu_hostile_headers),
		cmocka_unit_test(test_vu_guest_frames_over_the_mtu_dropped),
		cmocka_unit_test(test_vu_stop_returns_base),
		cmocka_unit_test(test_vu_resets_counted),
		cmocka_unit_test(test_vu_multiqueue_second_pair),
		cmocka_unit_test(test_vu_multiqueue_flows_spread),
		cmocka_unit_test(test_vu_multiqueue_full_queue_keeps_order),
		cmocka_unit_test(test_vu_memfd_truncated_breaks_only_its_port),
		cmocka_unit_test(test_vu_full_blocking_callfd_never_blocks),
		cmocka_unit_test(test_vu_kickfd_made_blocking_never_blocks),
		cmocka_unit_test(test_vu_dropped_chains_count_against_the_burst),
		cmocka_unit_test(test_vu_tiny_rx_buffers_walked_once_per_ring_state),
		cmocka_unit_test(test_vu_features_frozen_while_rings_run),
		cmocka_unit_test(test_vu_packed_hostile_chain_breaks_one_queue),
		cmocka_unit_test(test_vu_packed_ring_wraps),
		cmocka_unit_test(test_vu_dirty_log),
	};
	int fails;

	vn_log_set_sink(quiet);
	fails = cmocka_run_group_tests_name("split", tests, NULL, NULL);
	return fails + cmocka_run_group_tests_name("packed", packed, packed_on, NULL);
}
