// SPDX-License-Identifier: MIT
/* test_capture.c - capture tap points: filter, snap length, full queues, EBUSY, detach
 *
 * Each switch port is one end of a pair; the test holds the other end and
 * steps the worker with vn_sw_run_once(). Filters are compiled by libpcap.
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/csum.h"
#include "core/pool.h"
#include "port/pair.h"
#include "switch/capture.h"
#include "switch/sw.h"

#define NP	2
#define ALL_ON	(VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS)

struct rig {
	struct vn_sw *sw;
	struct vn_port *sp[NP];
	struct vn_port *host[NP];
};

/* Port 1 without GUEST_* offloads when @small1: TSO frames are cut for it */
static void rig_up2(struct rig *r, bool small1)
{
	struct vn_sw_config cfg = { .workers = 1, .aging_sec = 30 };

	memset(r, 0, sizeof(*r));
	assert_int_equal(vn_sw_create(&cfg, &r->sw), 0);
	for (unsigned int i = 0; i < NP; i++) {
		struct vn_pair_opts o = {
			.capacity = 512, .id_a = (uint16_t)i, .id_b = (uint16_t)(200 + i),
			.features_a = ALL_ON, .features_b = ALL_ON,
		};

		if (i == 1 && small1)
			o.features_a = VN_NET_HOST_OFFLOADS;
		char a[16], b[16];

		snprintf(a, sizeof(a), "swp%u", i);
		snprintf(b, sizeof(b), "host%u", i);
		assert_int_equal(vn_pair_create(a, b, &o, &r->sp[i], &r->host[i]), 0);
		assert_int_equal(vn_sw_port_attach(r->sw, r->sp[i], 0), 0);
	}
}

static void rig_up(struct rig *r)
{
	rig_up2(r, false);
}

static void drain_host(struct rig *r, unsigned int i)
{
	struct vn_pkt *pkts[64];
	unsigned int n;

	while ((n = vn_port_rx_burst(r->host[i], pkts, 64)))
		vn_pkt_put_bulk(pkts, n);
}

static void rig_down(struct rig *r)
{
	for (unsigned int i = 0; i < NP; i++)
		drain_host(r, i);
	vn_sw_destroy(r->sw);
	for (unsigned int i = 0; i < NP; i++)
		vn_port_close(r->host[i]);
}

/* IPv4 broadcast-free frame from station 0 to station 1: @proto, @plen payload bytes */
static void send_ip(struct rig *r, uint8_t proto, uint32_t plen, uint8_t *copy, uint32_t *len)
{
	struct vn_pkt *p = vn_pool_alloc(r->host[0]->pool);
	uint32_t ip_len = 20 + 8 + plen;
	uint8_t *f;

	assert_non_null(p);
	f = vn_pkt_append(p, 14 + ip_len);
	assert_non_null(f);
	memset(f, 0, 14 + ip_len);
	memcpy(f, "\x02\x00\x5e\x10\x00\x02\x02\x00\x5e\x10\x00\x01\x08\x00", 14);
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = proto;
	f[26] = 10; f[29] = 1;
	f[30] = 10; f[33] = 2;
	if (proto == 1)
		f[34] = 8;
	for (uint32_t k = 0; k < plen; k++)
		f[42 + k] = (uint8_t)(k * 7 + proto);
	if (copy) {
		memcpy(copy, f, 14 + ip_len);
		*len = 14 + ip_len;
	}
	assert_int_equal(vn_port_tx_burst(r->host[0], &p, 1), 1);
}

/* A TCPv4 TSO frame of @segs * @mss payload bytes from station 0 to 1 */
static void send_tso(struct rig *r, unsigned int segs, uint16_t mss)
{
	struct vn_pkt *p = vn_pool_alloc(r->host[0]->pool);
	uint32_t plen = segs * mss, ip_len = 40 + plen;
	uint8_t *f;
	uint16_t v;

	assert_non_null(p);
	f = vn_pkt_append(p, 14 + ip_len);
	assert_non_null(f);
	memset(f, 0, 14 + ip_len);
	memcpy(f, "\x02\x00\x5e\x10\x00\x02\x02\x00\x5e\x10\x00\x01\x08\x00", 14);
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = 6;
	f[26] = 10; f[29] = 1;
	f[30] = 10; f[33] = 2;
	v = vn_csum_fold(vn_csum_partial(f + 14, 20, 0));
	memcpy(f + 24, &v, 2);
	f[34] = 0x30; f[35] = 0x39; f[36] = 0x00; f[37] = 0x50;
	f[46] = 0x50;
	f[47] = 0x18;
	f[48] = 0xff; f[49] = 0xff;
	v = vn_csum_fold_nocompl(vn_csum_pseudo_v4(f + 26, f + 30, 6, 20 + plen));
	memcpy(f + 50, &v, 2);
	p->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	p->vh.gso_type = VN_VHDR_GSO_TCPV4;
	p->vh.gso_size = mss;
	p->vh.hdr_len = 54;
	p->vh.csum_start = 34;
	p->vh.csum_offset = 16;
	assert_int_equal(vn_port_tx_burst(r->host[0], &p, 1), 1);
}

static void run(struct rig *r)
{
	for (int k = 0; k < 4; k++)
		vn_sw_run_once(r->sw, 0);
}

struct got {
	unsigned int n;
	uint32_t origlen[8];
	uint32_t caplen[8];
	uint8_t data[8][256];
};

static int got_cb(const struct vn_sw_capture_rec *rec, void *arg)
{
	struct got *g = arg;

	if (g->n < 8) {
		g->origlen[g->n] = rec->origlen;
		g->caplen[g->n] = rec->caplen;
		memcpy(g->data[g->n], rec->data, rec->caplen < 256 ? rec->caplen : 256);
	}
	g->n++;
	return 0;
}

static void test_filter_ingress(void **state)
{
	struct vn_sw_capture *cap;
	struct vn_sw_capture_stats st;
	struct got g = { 0 };
	uint8_t f1[256], f2[256];
	uint32_t l1, l2;
	char err[256];
	struct rig r;

	(void)state;
	rig_up(&r);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, "icmp", 0, &cap, err,
					    sizeof(err)), 0);
	send_ip(&r, 1, 20, f1, &l1);
	send_ip(&r, 17, 30, NULL, NULL);
	send_ip(&r, 1, 40, f2, &l2);
	run(&r);
	assert_int_equal(vn_sw_capture_read(cap, got_cb, &g, 100), 2);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.origlen[0], l1);
	assert_int_equal(g.caplen[0], l1);
	assert_memory_equal(g.data[0], f1, l1);
	assert_int_equal(g.origlen[1], l2);
	assert_memory_equal(g.data[1], f2, l2);
	vn_sw_capture_stats(cap, &st);
	assert_int_equal(st.matched, 2);
	assert_int_equal(st.captured, 2);
	assert_int_equal(st.dropped, 0);
	/* the frames were forwarded untouched */
	drain_host(&r, 1);
	vn_sw_capture_close(cap);
	rig_down(&r);
}

static void test_snaplen_egress(void **state)
{
	struct vn_sw_capture *cap;
	struct got g = { 0 };
	uint8_t f1[256];
	uint32_t l1;
	struct rig r;

	(void)state;
	rig_up(&r);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp1", VN_SW_EGRESS, NULL, 60, &cap, NULL, 0),
			 0);
	assert_int_equal(vn_sw_capture_snaplen(cap), 60);
	send_ip(&r, 17, 100, f1, &l1);
	run(&r);
	assert_int_equal(vn_sw_capture_read(cap, got_cb, &g, 100), 1);
	assert_int_equal(g.origlen[0], l1);
	assert_int_equal(g.caplen[0], 60);
	assert_memory_equal(g.data[0], f1, 60);
	vn_sw_capture_close(cap);
	rig_down(&r);
}

/* A TSO frame: whole at ingress, its segments at the egress of a port without TSO */
static void test_tso_ingress_whole_egress_segments(void **state)
{
	struct vn_sw_capture *in, *out;
	struct got gi = { 0 }, ge = { 0 };
	struct rig r;

	(void)state;
	rig_up2(&r, true);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, "tcp", 0, &in, NULL, 0),
			 0);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp1", VN_SW_EGRESS, "tcp", 64, &out, NULL, 0),
			 0);
	send_tso(&r, 4, 1000);
	run(&r);
	assert_int_equal(vn_sw_capture_read(in, got_cb, &gi, 100), 1);
	assert_int_equal(gi.origlen[0], 14 + 40 + 4000);
	assert_int_equal(gi.caplen[0], 14 + 40 + 4000);
	assert_int_equal(vn_sw_capture_read(out, got_cb, &ge, 100), 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(ge.origlen[i], 14 + 40 + 1000);
		assert_int_equal(ge.caplen[i], 64);
		/* each segment's IP total length is its own */
		assert_int_equal(ge.data[i][16] << 8 | ge.data[i][17], 40 + 1000);
	}
	vn_sw_capture_close(in);
	vn_sw_capture_close(out);
	rig_down(&r);
}

/* Nobody reads: the queue fills, the rest is counted, forwarding goes on */
static void test_full_queue_drops(void **state)
{
	struct vn_sw_capture *cap;
	struct vn_sw_capture_stats st;
	struct vn_pkt *pkts[64];
	unsigned int i, fwd = 0, n;
	struct rig r;

	(void)state;
	rig_up(&r);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, "udp", 0, &cap, NULL, 0),
			 0);
	for (i = 0; i < 300; i++) {
		send_ip(&r, 17, 10, NULL, NULL);
		if (i % 32 == 31) {
			run(&r);
			while ((n = vn_port_rx_burst(r.host[1], pkts, 64))) {
				fwd += n;
				vn_pkt_put_bulk(pkts, n);
			}
		}
	}
	run(&r);
	while ((n = vn_port_rx_burst(r.host[1], pkts, 64))) {
		fwd += n;
		vn_pkt_put_bulk(pkts, n);
	}
	assert_int_equal(fwd, 300);
	vn_sw_capture_stats(cap, &st);
	assert_int_equal(st.matched, 300);
	assert_true(st.dropped > 0);
	assert_int_equal(st.captured + st.dropped, 300);
	assert_int_equal(vn_sw_capture_read(cap, got_cb, &(struct got){ 0 }, 1000), st.captured);
	/* slots came back: the next frame is captured again */
	send_ip(&r, 17, 10, NULL, NULL);
	run(&r);
	assert_int_equal(vn_sw_capture_read(cap, got_cb, &(struct got){ 0 }, 1000), 1);
	vn_sw_capture_close(cap);
	rig_down(&r);
}

static void test_errors(void **state)
{
	struct vn_sw_capture *cap, *cap2;
	char err[256];
	struct rig r;

	(void)state;
	rig_up(&r);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, "tcp port nosuchport", 0,
					    &cap, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad filter 'tcp port nosuchport': "));
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, "ip and (", 0, &cap,
					    err, sizeof(err)), -EINVAL);
	assert_int_equal(vn_sw_capture_open(r.sw, "nope", VN_SW_INGRESS, NULL, 0, &cap, err,
					    sizeof(err)), -ENOENT);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, NULL, 70000, &cap, err,
					    sizeof(err)), -EINVAL);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_DIRS, NULL, 0, &cap, err,
					    sizeof(err)), -EINVAL);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, NULL, 0, &cap, err,
					    sizeof(err)), 0);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, NULL, 0, &cap2, err,
					    sizeof(err)), -EBUSY);
	/* the other direction and the other port are free */
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_EGRESS, NULL, 0, &cap2, err,
					    sizeof(err)), 0);
	vn_sw_capture_close(cap2);
	vn_sw_capture_close(cap);
	/* detached: the same port and direction again */
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_INGRESS, NULL, 0, &cap, err,
					    sizeof(err)), 0);
	vn_sw_capture_close(cap);
	rig_down(&r);
}

/* The port goes while captured: the capture sees nothing more, knows why,
 * and closes cleanly */
static void test_port_deleted(void **state)
{
	struct vn_sw_capture *cap, *other;
	struct rig r;

	(void)state;
	rig_up(&r);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp1", VN_SW_EGRESS, NULL, 0, &cap, NULL, 0),
			 0);
	assert_int_equal(vn_sw_capture_open(r.sw, "swp0", VN_SW_EGRESS, NULL, 0, &other, NULL, 0),
			 0);
	send_ip(&r, 17, 10, NULL, NULL);
	run(&r);
	assert_false(vn_sw_capture_port_gone(cap));
	assert_int_equal(vn_sw_port_del(r.sw, "swp1"), 0);
	/* only the deleted port's capture is told */
	assert_true(vn_sw_capture_port_gone(cap));
	assert_false(vn_sw_capture_port_gone(other));
	vn_sw_capture_close(other);
	send_ip(&r, 17, 10, NULL, NULL);
	run(&r);
	assert_int_equal(vn_sw_capture_read(cap, got_cb, &(struct got){ 0 }, 1000), 1);
	vn_sw_capture_close(cap);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_ingress),
		cmocka_unit_test(test_snaplen_egress),
		cmocka_unit_test(test_tso_ingress_whole_egress_segments),
		cmocka_unit_test(test_full_queue_drops),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_port_deleted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
