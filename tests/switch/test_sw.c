// SPDX-License-Identifier: MIT
/* test_sw.c - the forwarding loop over in-process pair ports: learning, flooding,
 * hairpin, aging, VLANs, egress offload resolution, backpressure, workers, hot add/delete
 *
 * Each switch port is one end of a pair; the test holds the other end (the
 * "host") and sends and receives through it. Frames are built by mk_udp():
 * Ethernet + IPv4 + UDP, the layout a Linux stack sends (checked against
 * tcpdump -xx of `nc -u` traffic: same offsets, pseudo-header in the UDP
 * checksum field when NEEDS_CSUM is set).
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/csum.h"
#include "core/gso.h"
#include "core/pool.h"
#include "core/vhdr.h"
#include "port/pair.h"
#include "switch/fdb.h"
#include "switch/sw.h"

#include "rig.h"
#include "switch/sw_internal.h"

#define ALL_OFF	0ull

static uint32_t fake_now = 1000;

static uint32_t fake_clock(void)
{
	return fake_now;
}

/* conf_cb may set VLAN options / policy on switch end i before it is attached */
static void rig_up(struct rig *r, unsigned int n, unsigned int workers, const uint64_t *feat,
		   uint32_t cap, void (*conf_cb)(struct vn_port *p, unsigned int i))
{
	fake_now = 1000;
	rig_up_with(r, n, workers, feat, cap, conf_cb, fake_clock);
}

/* One UDP/IPv4 frame from station s to station d (d < 0: broadcast), @plen payload bytes */
static struct vn_pkt *mk_udp(struct rig *r, unsigned int from, unsigned int s, int d,
			     uint32_t plen, bool needs_csum)
{
	struct vn_pkt *p = vn_pool_alloc(r->host[from]->pool);
	uint8_t *f;
	uint32_t udp_len = 8 + plen, ip_len = 20 + udp_len;
	uint16_t v;

	assert_non_null(p);
	f = vn_pkt_append(p, 14 + ip_len);
	assert_non_null(f);
	memset(f, 0, 14 + ip_len);
	if (d < 0)
		memset(f, 0xff, 6);
	else
		mac_of(f, (unsigned int)d);
	mac_of(f + 6, s);
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = 17;
	f[26] = 10; f[29] = (uint8_t)(s + 1);
	f[30] = 10; f[33] = (uint8_t)(d < 0 ? 255 : d + 1);
	v = vn_csum_fold(vn_csum_partial(f + 14, 20, 0));
	memcpy(f + 24, &v, 2);
	f[34] = 0x30; f[35] = 0x39;	/* 12345 */
	f[36] = 0x00; f[37] = 0x35;	/* 53 */
	f[38] = (uint8_t)(udp_len >> 8);
	f[39] = (uint8_t)udp_len;
	for (uint32_t k = 0; k < plen; k++)
		f[42 + k] = (uint8_t)(k * 7 + s);
	if (needs_csum) {
		v = vn_csum_fold_nocompl(vn_csum_pseudo_v4(f + 26, f + 30, 17, udp_len));
		memcpy(f + 40, &v, 2);
		p->vh.flags = VN_VHDR_F_NEEDS_CSUM;
		p->vh.csum_start = 34;
		p->vh.csum_offset = 6;
	} else {
		v = vn_csum_fold(vn_csum_add(vn_csum_pseudo_v4(f + 26, f + 30, 17, udp_len),
					     vn_csum_partial(f + 34, udp_len, 0)));
		memcpy(f + 40, &v, 2);
	}
	return p;
}

static uint64_t stat(struct vn_port *p, const char *name)
{
	uint64_t v = 0;

	assert_int_equal(vn_port_stat_get(p, name, &v), 0);
	return v;
}

static void test_sw_learn_flood_no_hairpin(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, NULL, 0, NULL);
	/* 0 -> 1 unknown: flooded to 1 and 2, never back to 0 */
	host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 100, false));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 0);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 1);
	/* 1 -> 0: 0 was learned: only 0 */
	host_tx(&r, 1, mk_udp(&r, 1, 1, 0, 100, false));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 1);
	assert_int_equal(count_rx(&r, 2), 0);
	/* 0 -> 1 now unicast */
	host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 100, false));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 0);
	/* broadcast from 2 reaches 0 and 1 */
	host_tx(&r, 2, mk_udp(&r, 2, 2, -1, 100, false));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 1);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 0);
	/* station 1 seen on port 2 sends to itself through port 2: hairpin, dropped */
	host_tx(&r, 2, mk_udp(&r, 2, 1, 0, 10, false));	/* moves 1 to port 2 */
	run(&r);
	assert_int_equal(count_rx(&r, 0), 1);
	host_tx(&r, 2, mk_udp(&r, 2, 0, 1, 10, false));	/* dst 1 is on port 2 */
	run(&r);
	assert_int_equal(stat(r.sp[2], "drop_hairpin"), 1);
	assert_int_equal(count_rx(&r, 1) + count_rx(&r, 2), 0);
	/* a multicast source MAC is refused */
	{
		struct vn_pkt *p = mk_udp(&r, 0, 0, 1, 10, false);

		((uint8_t *)vn_pkt_data(p))[6] |= 1;
		host_tx(&r, 0, p);
		run(&r);
		assert_int_equal(stat(r.sp[0], "drop_src_mac"), 1);
	}
	rig_down(&r);
}

static void test_sw_aging(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, NULL, 0, NULL);
	host_tx(&r, 1, mk_udp(&r, 1, 1, -1, 10, false));	/* learn 1 on port 1 */
	run(&r);
	drain_all(&r);
	fake_now += 30;	/* exactly the aging time: still known */
	host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 10, false));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 0);
	fake_now += 31;	/* aged out: flooded again */
	host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 10, false));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 1);
	assert_true(vn_fdb_count(vn_sw_fdb(r.sw)) >= 1);
	rig_down(&r);
}

/* port 0: access 10, port 1: access 20, port 2: trunk 10:20, port 3: access 10 */
static void vlan_conf(struct vn_port *p, unsigned int i)
{
	static const uint16_t access[] = { 10, 20, 0, 10 };

	p->conf.access_vlan = access[i];
	if (i == 2) {
		p->conf.ntrunk = 2;
		p->conf.trunk[0] = 10;
		p->conf.trunk[1] = 20;
	}
}

static void test_sw_vlan_access_trunk(void **state)
{
	struct vn_pkt *pkts[4];
	struct rig r;
	const uint8_t *f;

	(void)state;
	rig_up(&r, 4, 1, NULL, 0, vlan_conf);
	/* broadcast in VLAN 10: port 3 untagged, port 2 tagged 10, not port 1 */
	host_tx(&r, 0, mk_udp(&r, 0, 0, -1, 50, false));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(count_rx(&r, 3), 1);
	assert_int_equal(host_rx(&r, 2, pkts, 4), 1);
	f = vn_pkt_data(pkts[0]);
	assert_int_equal(vn_pkt_len(pkts[0]), 14 + 28 + 50 + 4);
	assert_int_equal(f[12], 0x81);
	assert_int_equal(f[13], 0x00);
	assert_int_equal(f[15], 10);
	assert_int_equal(f[16], 0x08);
	/* send it back from the trunk as VLAN 20: only port 1, untagged */
	pkts[0]->vlan_tci = 0;
	((uint8_t *)vn_pkt_data(pkts[0]))[15] = 20;
	host_tx(&r, 2, pkts[0]);
	run(&r);
	assert_int_equal(host_rx(&r, 1, pkts, 4), 1);
	assert_int_equal(vn_pkt_len(pkts[0]), 14 + 28 + 50);
	assert_int_equal(((uint8_t *)vn_pkt_data(pkts[0]))[12], 0x08);
	vn_pkt_put(pkts[0]);
	assert_int_equal(count_rx(&r, 0) + count_rx(&r, 3), 0);
	/* a tagged frame on an access port is dropped and counted */
	{
		struct vn_pkt *p = mk_udp(&r, 0, 0, -1, 10, false);
		uint8_t *t = vn_pkt_push(p, 4);

		memmove(t, t + 4, 12);
		t[12] = 0x81; t[13] = 0; t[14] = 0; t[15] = 10;
		host_tx(&r, 0, p);
		run(&r);
		assert_int_equal(stat(r.sp[0], "drop_vlan"), 1);
	}
	rig_down(&r);
}

static bool udp_csum_ok(const struct vn_pkt *p)
{
	const uint8_t *f = vn_pkt_data(p);
	uint32_t udp_len = vn_pkt_len(p) - 34;

	return vn_csum_fold(vn_csum_add(vn_csum_pseudo_v4(f + 26, f + 30, 17, udp_len),
					vn_csum_partial(f + 34, udp_len, 0))) == 0;
}

/* Flood a NEEDS_CSUM frame to an offload-on and an offload-off port */
static void test_sw_egress_csum_mixed_flood(void **state)
{
	const uint64_t feat[3] = { ALL_ON, ALL_ON, ALL_OFF };
	struct vn_pkt *a, *b;
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, feat, 0, NULL);
	host_tx(&r, 0, mk_udp(&r, 0, 0, -1, 999, true));
	run(&r);
	assert_int_equal(host_rx(&r, 1, &a, 1), 1);
	assert_int_equal(host_rx(&r, 2, &b, 1), 1);
	/* the capable port gets the metadata and the pseudo-header sum untouched */
	assert_true(a->vh.flags & VN_VHDR_F_NEEDS_CSUM);
	assert_false(udp_csum_ok(a));
	/* the other one a completed checksum, in its own copy */
	assert_false(b->vh.flags & VN_VHDR_F_NEEDS_CSUM);
	assert_true(udp_csum_ok(b));
	assert_ptr_not_equal(a, b);
	assert_memory_equal(vn_pkt_data(a), vn_pkt_data(b), 40);
	assert_int_equal(stat(r.sp[2], "csum_sw"), 1);
	assert_int_equal(stat(r.sp[1], "csum_sw"), 0);
	vn_pkt_put(a);
	vn_pkt_put(b);
	rig_down(&r);
}

/* TCPv4 TSO frame, @plen payload bytes, gso_size 1448, Linux-style NEEDS_CSUM */
static struct vn_pkt *mk_tso(struct rig *r, unsigned int from, uint32_t plen)
{
	struct vn_pkt *p = mk_udp(r, from, 0, -1, plen + 12, false);
	uint8_t *f = vn_pkt_data(p);
	uint32_t tcp_len = 20 + plen;
	uint16_t v;

	/* rewrite the UDP frame as TCP: same size (8 + 12 = 20 header bytes) */
	f[23] = 6;
	f[24] = f[25] = 0;
	v = vn_csum_fold(vn_csum_partial(f + 14, 20, 0));
	memcpy(f + 24, &v, 2);
	memset(f + 34, 0, 20);
	f[34] = 0x30; f[35] = 0x39; f[36] = 0x00; f[37] = 0x50;
	f[38] = 0x01; f[39] = 0x02; f[40] = 0x03; f[41] = 0x04;	/* seq */
	f[46] = 0x50;	/* data offset 5 */
	f[47] = 0x18;	/* PSH ACK */
	f[48] = 0xff; f[49] = 0xff;
	for (uint32_t k = 0; k < plen; k++)
		f[54 + k] = (uint8_t)(k * 13 + 1);
	v = vn_csum_fold_nocompl(vn_csum_pseudo_v4(f + 26, f + 30, 6, tcp_len));
	memcpy(f + 50, &v, 2);
	p->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	p->vh.gso_type = VN_VHDR_GSO_TCPV4;
	p->vh.gso_size = 1448;
	p->vh.hdr_len = 54;
	p->vh.csum_start = 34;
	p->vh.csum_offset = 16;
	return p;
}

static bool tcp_csum_ok(const struct vn_pkt *p)
{
	const uint8_t *f = vn_pkt_data(p);
	uint32_t l4 = vn_pkt_len(p) - 34;

	return vn_csum_fold(vn_csum_add(vn_csum_pseudo_v4(f + 26, f + 30, 6, l4),
					vn_csum_partial(f + 34, l4, 0))) == 0;
}

/* A TSO frame flooded to a TSO port (whole) and to an offload-off port (segments) */
static void test_sw_egress_tso_mixed_flood(void **state)
{
	const uint64_t feat[3] = { ALL_ON, ALL_ON, ALL_OFF };
	struct vn_pkt *whole, *segs[16], *orig;
	uint32_t plen = 10000, off = 0;
	unsigned int n, k;
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, feat, 0, NULL);
	orig = mk_tso(&r, 0, plen);
	assert_int_equal(vn_vhdr_validate(orig), VN_DROP_NONE);
	host_tx(&r, 0, orig);
	run(&r);
	assert_int_equal(host_rx(&r, 1, &whole, 1), 1);
	assert_int_equal(vn_pkt_len(whole), 54 + plen);
	assert_int_equal(whole->vh.gso_type, VN_VHDR_GSO_TCPV4);
	assert_int_equal(whole->vh.gso_size, 1448);
	n = host_rx(&r, 2, segs, 16);
	assert_int_equal(n, (plen + 1447) / 1448);
	for (k = 0; k < n; k++) {
		const uint8_t *f = vn_pkt_data(segs[k]);
		uint32_t seg = vn_pkt_len(segs[k]) - 54;

		assert_true(seg <= 1448);
		assert_int_equal(f[16] << 8 | f[17], 40 + seg);	/* IP total length */
		assert_false(segs[k]->vh.flags & VN_VHDR_F_NEEDS_CSUM);
		assert_int_equal(segs[k]->vh.gso_type, VN_VHDR_GSO_NONE);
		assert_true(tcp_csum_ok(segs[k]));
		assert_memory_equal(f + 54, (const uint8_t *)vn_pkt_data(whole) + 54 + off, seg);
		off += seg;
	}
	assert_int_equal(off, plen);
	assert_int_equal(stat(r.sp[2], "gso_sw_frames"), 1);
	assert_int_equal(stat(r.sp[2], "gso_sw_segs"), n);
	assert_int_equal(stat(r.sp[1], "gso_sw_frames"), 0);
	vn_pkt_put_bulk(segs, n);
	vn_pkt_put(whole);
	rig_down(&r);
}

/* MTU-sized segments from an offload-off port reach a TSO port merged (GRO) */
static void test_sw_gro_towards_tso_port(void **state)
{
	const uint64_t feat[2] = { ALL_OFF, ALL_ON };
	struct vn_pkt *tso, *segs[16], *got[16];
	enum vn_drop_reason why;
	unsigned int n, k, m;
	struct rig r;

	(void)state;
	rig_up(&r, 2, 1, feat, 0, NULL);
	host_tx(&r, 1, mk_udp(&r, 1, 1, -1, 10, false));	/* learn station 1 */
	run(&r);
	drain_all(&r);
	tso = mk_tso(&r, 0, 10000);
	mac_of(vn_pkt_data(tso), 1);
	n = (unsigned int)vn_gso_segment(r.host[0]->pool, tso, true, segs, 16, &why);
	assert_int_equal(n, 7);
	for (k = 0; k < n; k++)
		host_tx(&r, 0, segs[k]);
	run(&r);
	m = host_rx(&r, 1, got, 16);
	assert_int_equal(m, 1);
	assert_int_equal(vn_pkt_len(got[0]), vn_pkt_len(tso));
	assert_int_equal(got[0]->vh.gso_type, VN_VHDR_GSO_TCPV4);
	assert_memory_equal((uint8_t *)vn_pkt_data(got[0]) + 54, (uint8_t *)vn_pkt_data(tso) + 54,
			    10000);
	assert_int_equal(stat(r.sp[1], "gro_merged"), 6);
	vn_pkt_put(got[0]);
	vn_pkt_put(tso);
	rig_down(&r);
}

static void drop_policy(struct vn_port *p, unsigned int i)
{
	if (i == 1)
		p->conf.drop_when_full = true;
}

/* A slow receiver: with the block policy nothing is lost, in order */
static struct vn_pkt *mk_seq(struct rig *r, unsigned int from, unsigned int s, int d,
			     unsigned int seq)
{
	struct vn_pkt *p = mk_udp(r, from, s, d, 4, false);

	((uint8_t *)vn_pkt_data(p))[42] = (uint8_t)seq;
	((uint8_t *)vn_pkt_data(p))[43] = (uint8_t)(seq >> 8);
	return p;
}

static unsigned int seq_of(const struct vn_pkt *p)
{
	const uint8_t *f = vn_pkt_data(p);

	return f[42] | f[43] << 8;
}

/*
 * Learn station 1 on port 1, then send 500 numbered frames from port 0 to 1
 * as fast as port 0's queue takes them while the receiver reads 3 per
 * round: all arrive, in order
 */
static void slow_receiver_in_order(struct rig *r)
{
	struct vn_pkt *pkts[3];
	unsigned int sent = 0, got = 0, k, n, rounds = 0;

	host_tx(r, 1, mk_udp(r, 1, 1, -1, 10, false));
	run(r);
	drain_all(r);
	while (got < 500 && rounds++ < 10000) {
		/* the sender pushes as long as its queue takes frames */
		while (sent < 500) {
			struct vn_pkt *p = mk_seq(r, 0, 0, 1, sent);

			if (vn_port_tx_burst(r->host[0], &p, 1) != 1) {
				vn_pkt_put(p);
				break;
			}
			sent++;
		}
		run(r);
		n = host_rx(r, 1, pkts, 3);
		for (k = 0; k < n; k++)
			assert_int_equal(seq_of(pkts[k]), got + k);
		got += n;
		vn_pkt_put_bulk(pkts, n);
	}
	assert_int_equal(got, 500);
}

static void test_sw_backpressure_block(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, 2, 1, NULL, 8, NULL);	/* queues of 8 frames */
	slow_receiver_in_order(&r);
	assert_int_equal(stat(r.sp[1], "drop_tx_full"), 0);
	assert_true(stat(r.sp[1], "ring_full") > 0);
	assert_true(stat(r.sp[0], "rx_paused") > 0);
	rig_down(&r);
}

/*
 * F5 (guest-surfaces review): with policy=block, a port that never drains
 * (a guest posting no receive buffers, a paused VM) paused its sources for
 * ever, and with them their traffic to every other port. After
 * SW_STALL_SEC of taking nothing it is stalled: its backlog is dropped and
 * counted, its sources run again, and what it refuses is dropped until it
 * takes a whole burst again.
 */
static void test_sw_block_stalled_receiver_released(void **state)
{
	struct rig r;
	unsigned int k;

	(void)state;
	rig_up(&r, 3, 1, NULL, 8, NULL);	/* queues of 8 frames */
	host_tx(&r, 1, mk_udp(&r, 1, 1, -1, 10, false));	/* learn 1 and 2 */
	host_tx(&r, 2, mk_udp(&r, 2, 2, -1, 10, false));
	run(&r);
	drain_all(&r);
	/* 0 fills 1, which never reads: 1 is blocked, 0 paused */
	for (k = 0; k < 2; k++) {
		unsigned int j;

		for (j = 0; j < 8; j++)
			host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 4, false));
		run(&r);
	}
	assert_true(stat(r.sp[0], "rx_paused") > 0);
	for (k = 0; k < 8; k++)
		host_tx(&r, 0, mk_udp(&r, 0, 0, 2, 4, false));
	run(&r);
	assert_int_equal(count_rx(&r, 2), 0);	/* 0 is paused behind 1 */
	/* Still within the bound: nothing changes */
	fake_now += SW_STALL_SEC - 1;
	run(&r);
	assert_int_equal(count_rx(&r, 2), 0);
	assert_int_equal(stat(r.sp[1], "drop_tx_full"), 0);
	/* Past it: 1 is stalled, its backlog dropped, 0 runs again */
	fake_now += 1;
	run(&r);
	assert_int_equal(stat(r.sp[1], "drop_tx_full"), 8);
	assert_int_equal(count_rx(&r, 2), 8);
	/* While stalled, frames for 1 are dropped and 0 is not paused again */
	for (k = 0; k < 8; k++)
		host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 4, false));
	run(&r);
	for (k = 0; k < 4; k++)
		host_tx(&r, 0, mk_udp(&r, 0, 0, 2, 4, false));
	run(&r);
	assert_int_equal(stat(r.sp[1], "drop_tx_full"), 16);
	assert_int_equal(count_rx(&r, 2), 4);
	/* 1 drains again: it takes a whole burst and is back to blocking */
	assert_int_equal(count_rx(&r, 1), 8);
	for (k = 0; k < 4; k++)
		host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 4, false));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 4);
	assert_int_equal(stat(r.sp[1], "drop_tx_full"), 16);
	rig_down(&r);
}


/* A TSO frame from station @s to station @d, @plen payload bytes cut @mss apiece */
static struct vn_pkt *mk_tso_to(struct rig *r, unsigned int from, unsigned int s,
				unsigned int d, uint32_t plen, uint16_t mss)
{
	struct vn_pkt *p = mk_tso(r, from, plen);
	uint8_t *f = vn_pkt_data(p);

	mac_of(f, d);
	mac_of(f + 6, s);
	p->vh.gso_size = mss;
	return p;
}

/*
 * F6: two TSO frames of gso_size 32 (2047 segments each) towards a full port
 * without TSO must not take the worker pool: that port keeps at most its
 * share (SW_PARK_MAX) and drops the rest (drop_pool_share), and another
 * port still gets its own TSO frames segmented.
 */
static void test_sw_full_port_keeps_only_its_pool_share(void **state)
{
	const uint64_t feat[4] = { ALL_ON, ALL_OFF, ALL_ON, ALL_OFF };
	struct sw_worker *w;
	struct rig r;
	unsigned int k, got = 0;

	(void)state;
	rig_cap_of[1] = 1;			/* B: room for one frame, never read */
	rig_up(&r, 4, 1, feat, 0, NULL);
	w = &r.sw->workers[0];
	for (k = 0; k < 4; k++) {		/* learn every station (B takes one at a time) */
		host_tx(&r, k, mk_udp(&r, k, k, -1, 10, false));
		run(&r);
		drain_all(&r);
		run(&r);
	}
	/* X (0) sends B (1) two 64 KiB TSO frames of 32-byte segments */
	for (k = 0; k < 2; k++)
		host_tx(&r, 0, mk_tso_to(&r, 0, 0, 1, 65535 - 40, 32));
	run(&r);
	assert_int_equal(stat(r.sp[1], "gso_sw_segs"), 2 * 2047);
	assert_int_equal(stat(r.sp[1], "drop_pool_share"), 2 * 2047 - 1 - SW_PARK_MAX);
	/* B holds its share, and the one segment it took sits in its queue */
	assert_int_equal(vn_pool_avail(w->pool), SW_WORKER_POOL - SW_PARK_MAX - 1);
	/* V (2) to W (3), TSO frames cut for W: all segments arrive, nothing lacks a buffer */
	for (k = 0; k < 4; k++) {
		host_tx(&r, 2, mk_tso_to(&r, 2, 2, 3, 60000, 1448));
		run(&r);
		got += count_rx(&r, 3);
	}
	assert_int_equal(got, 4 * ((60000 + 1447) / 1448));
	assert_int_equal(stat(r.sp[3], "drop_no_buffer"), 0);
	assert_int_equal(stat(r.sp[3], "drop_gso_failed"), 0);
	/* B still holds its share and gets it when it reads */
	assert_int_equal(count_rx(&r, 1), 1);
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	rig_down(&r);
}


static void macs_two(struct vn_port *p, unsigned int i)
{
	if (i == 0)
		p->conf.max_macs = 2;
}

/* H4: a port past macs= is not learned from (counted), its frames still go through */
static void test_sw_port_mac_limit(void **state)
{
	struct rig r;
	unsigned int k;

	(void)state;
	rig_up(&r, 2, 1, NULL, 0, macs_two);
	for (k = 0; k < 6; k++)
		host_tx(&r, 0, mk_udp(&r, 0, 10 + k, -1, 10, false));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 6);
	assert_int_equal(stat(r.sp[0], "macs_refused"), 4);
	assert_int_equal(vn_fdb_port_count(r.sw->fdb, r.sp[0]->id), 2);
	/* A station it did learn gets unicast; one it did not is flooded */
	host_tx(&r, 1, mk_udp(&r, 1, 1, 10, 10, false));
	host_tx(&r, 1, mk_udp(&r, 1, 1, 15, 10, false));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 2);
	rig_down(&r);
}

static void test_sw_backpressure_drop(void **state)
{
	struct rig r;
	unsigned int k;

	(void)state;
	rig_up(&r, 2, 1, NULL, 64, drop_policy);
	host_tx(&r, 1, mk_udp(&r, 1, 1, -1, 10, false));
	run(&r);
	drain_all(&r);
	for (k = 0; k < 60; k++)
		host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 4, false));
	run(&r);
	for (k = 0; k < 60; k++)
		host_tx(&r, 0, mk_udp(&r, 0, 0, 1, 4, false));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 64);
	assert_int_equal(stat(r.sp[1], "drop_tx_full"), 120 - 64);
	assert_int_equal(stat(r.sp[0], "rx_paused"), 0);
	rig_down(&r);
}

/* Two workers: unicast and flooding across the rings */
static void test_sw_two_workers_handoff(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, 4, 2, NULL, 0, NULL);	/* ports 0,2 on worker 0; 1,3 on worker 1 */
	host_tx(&r, 0, mk_udp(&r, 0, 0, -1, 10, false));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 0);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 1);
	assert_int_equal(count_rx(&r, 3), 1);
	host_tx(&r, 3, mk_udp(&r, 3, 3, 0, 10, false));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 1);
	assert_int_equal(count_rx(&r, 1) + count_rx(&r, 2), 0);
	rig_down(&r);
}

static struct vn_sw_worker_stats wstats(struct rig *r, unsigned int w)
{
	struct vn_sw_worker_stats st;

	assert_int_equal(vn_sw_worker_stats(r->sw, w, &st), 0);
	return st;
}

/* Receive everything waiting at @i and check it carries @next, @next + 1, ... */
static unsigned int rx_in_order(struct rig *r, unsigned int i, unsigned int *next)
{
	struct vn_pkt *pkts[16];
	unsigned int n, k, got = 0;

	while ((n = host_rx(r, i, pkts, 16))) {
		for (k = 0; k < n; k++)
			assert_int_equal(seq_of(pkts[k]), (*next)++ & 0xffff);
		got += n;
		vn_pkt_put_bulk(pkts, n);
	}
	return got;
}

/*
 * Direct transmit: with two workers, a frame for the other worker's port
 * is sent by the worker that received it (pair ports are tx_any_thread),
 * not handed over through the ring, unless something older of this
 * worker's for that worker is still in the ring; order is kept across the
 * change from one path to the other
 */
static void test_sw_direct_transmit(void **state)
{
	struct sw_worker *w0, *w1;
	struct rig r;
	unsigned int k, next = 0, seq = 0;

	(void)state;
	rig_up(&r, 2, 2, NULL, 0, NULL);	/* port 0 on worker 0, port 1 on worker 1 */
	w0 = &r.sw->workers[0];
	w1 = &r.sw->workers[1];
	host_tx(&r, 1, mk_udp(&r, 1, 1, -1, 10, false));	/* learn 1 */
	run(&r);
	drain_all(&r);
	/* steady unicast 0 -> 1: worker 0 writes port 1 itself, nothing crosses */
	for (k = 0; k < 40; k++)
		host_tx(&r, 0, mk_seq(&r, 0, 0, 1, seq++));
	sw_worker_iter(w0);
	sw_worker_iter(w0);
	assert_int_equal(rx_in_order(&r, 1, &next), 40);
	assert_int_equal(wstats(&r, 0).direct_tx, 40);
	assert_int_equal(wstats(&r, 0).ring_tx, 0);
	assert_int_equal(stat(r.sp[1], "tx_packets"), 40);

	/* a broadcast first, in the same burst: it goes through the ring, and
	 * so does the unicast behind it, until worker 1 has forwarded them */
	host_tx(&r, 0, mk_seq(&r, 0, 0, -1, seq++));
	host_tx(&r, 0, mk_seq(&r, 0, 0, 1, seq++));
	sw_worker_iter(w0);
	for (k = 0; k < 5; k++)
		host_tx(&r, 0, mk_seq(&r, 0, 0, 1, seq++));
	sw_worker_iter(w0);	/* the ring still holds the first two: these follow them */
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(wstats(&r, 0).direct_tx, 40);
	assert_int_equal(wstats(&r, 0).ring_tx, 7);
	sw_worker_iter(w1);
	assert_int_equal(rx_in_order(&r, 1, &next), 7);
	/* worker 1 forwarded all of them: direct again */
	for (k = 0; k < 3; k++)
		host_tx(&r, 0, mk_seq(&r, 0, 0, 1, seq++));
	sw_worker_iter(w0);
	assert_int_equal(rx_in_order(&r, 1, &next), 3);
	assert_int_equal(wstats(&r, 0).direct_tx, 43);
	assert_int_equal(stat(r.sp[1], "drop_tx_full") + stat(r.sp[1], "drop_port_down"), 0);
	rig_down(&r);
}

/*
 * Direct transmit into a full port (queues of 8): what it refuses is kept,
 * the owner pumps and blocks it, the sender's later frames queue behind in
 * order, nothing is dropped; a port deleted while holding such frames
 * drops them counted (and ASan sees no leak)
 */
static void test_sw_direct_transmit_full(void **state)
{
	struct rig r;
	unsigned int k;
	uint64_t refused;

	(void)state;
	rig_up(&r, 2, 2, NULL, 8, NULL);
	slow_receiver_in_order(&r);
	assert_int_equal(stat(r.sp[1], "drop_tx_full"), 0);
	assert_true(stat(r.sp[1], "ring_full") > 0);
	assert_true(wstats(&r, 0).direct_tx > 0);

	/* port 1 full, worker 0 leaves refused frames in it, then it goes */
	refused = stat(r.sp[1], "ring_full");
	for (k = 0; k < 8; k++)
		host_tx(&r, 0, mk_seq(&r, 0, 0, 1, k));
	sw_worker_iter(&r.sw->workers[0]);	/* fills it: 8 taken */
	for (k = 0; k < 5; k++)
		host_tx(&r, 0, mk_seq(&r, 0, 0, 1, k));
	sw_worker_iter(&r.sw->workers[0]);	/* refused: kept for the owner */
	assert_true(stat(r.sp[1], "ring_full") > refused);
	assert_int_equal(count_rx(&r, 1), 8);
	/* the 5 it holds are host 0's buffers: deleting the port gives them back */
	assert_int_equal(vn_pool_avail(r.host[0]->pool), r.host[0]->pool->size - 5);
	assert_int_equal(vn_sw_port_del(r.sw, "swp1"), 0);	/* closes swp1 */
	assert_int_equal(vn_pool_avail(r.host[0]->pool), r.host[0]->pool->size);
	rig_down(&r);
}

/* Threads running; ports added and deleted while frames flow */
static void test_sw_hot_add_del_running(void **state)
{
	struct vn_pkt *p;
	struct rig r;
	struct vn_port *x, *hx;
	struct vn_pair_opts o = { .id_a = 9, .id_b = 209, .features_a = ALL_ON, .features_b = ALL_ON };
	unsigned int got = 0, tries;

	(void)state;
	rig_up(&r, 2, 2, NULL, 0, NULL);
	vn_sw_set_clock(r.sw, NULL);
	assert_int_equal(vn_sw_start(r.sw), 0);
	assert_int_equal(vn_sw_start(r.sw), -EALREADY);
	assert_int_equal(vn_pair_create("swx", "hostx", &o, &x, &hx), 0);
	assert_int_equal(vn_sw_port_attach(r.sw, x, -1), 0);
	assert_ptr_equal(vn_sw_port_find(r.sw, "swx"), x);
	/* a broadcast from port 0 reaches the new port */
	host_tx(&r, 0, mk_udp(&r, 0, 0, -1, 10, false));
	for (tries = 0; tries < 2000 && !got; tries++) {
		if (vn_port_rx_burst(hx, &p, 1)) {
			got = 1;
			vn_pkt_put(p);
		}
		usleep(1000);
	}
	assert_int_equal(got, 1);
	assert_int_equal(vn_sw_port_del(r.sw, "swx"), 0);
	assert_null(vn_sw_port_find(r.sw, "swx"));
	assert_int_equal(vn_sw_port_del(r.sw, "swx"), -ENOENT);
	vn_port_close(hx);
	/* still forwarding between 0 and 1 */
	host_tx(&r, 0, mk_udp(&r, 0, 0, -1, 10, false));
	for (tries = 0, got = 0; tries < 2000 && !got; tries++) {
		if (host_rx(&r, 1, &p, 1)) {
			got = 1;
			vn_pkt_put(p);
		}
		usleep(1000);
	}
	assert_int_equal(got, 1);
	vn_sw_stop(r.sw);
	rig_down(&r);
}

static int count_fdb(const struct vn_fdb_entry *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
	return 0;
}

/* The first CPU this process may run on, and one it may not (-1: none below CPU_SETSIZE) */
static void cpus_for_test(int *ok, int *bad)
{
	cpu_set_t set;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	*ok = *bad = -1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &set) && *ok < 0)
			*ok = c;
		if (!CPU_ISSET(c, &set) && *bad < 0)
			*bad = c;
	}
	assert_true(*ok >= 0);
}

/* --cpus and --poll-us: workers start on their CPU, poll, and say so in vn_sw_worker_info() */
static void test_sw_pinned_polling_workers(void **state)
{
	struct vn_sw_config cfg = { .workers = 2, .aging_sec = 30, .poll_us = 2000, .ncpus = 1 };
	struct vn_sw_worker_info info;
	struct vn_pkt *p;
	unsigned int tries, got = 0, w, owned = 0;
	struct rig r;
	int ok, bad;

	(void)state;
	cpus_for_test(&ok, &bad);
	cfg.cpus[0] = (unsigned int)ok;
	rig_up_cfg(&r, 2, &cfg, NULL, 0, NULL, NULL);
	assert_int_equal(vn_sw_workers(r.sw), 2);
	assert_int_equal(vn_sw_worker_info(r.sw, 2, &info), -EINVAL);
	assert_int_equal(vn_sw_start(r.sw), 0);
	/* port 0 on worker 0, port 1 on worker 1: the frame crosses a ring */
	host_tx(&r, 0, mk_udp(&r, 0, 0, -1, 10, false));
	for (tries = 0; tries < 2000 && !got; tries++) {
		if (host_rx(&r, 1, &p, 1)) {
			got = 1;
			vn_pkt_put(p);
		}
		usleep(1000);
	}
	assert_int_equal(got, 1);
	for (w = 0; w < 2; w++) {
		assert_int_equal(vn_sw_worker_info(r.sw, w, &info), 0);
		assert_int_equal(info.cpu, ok);
		assert_int_equal(info.nports, 1);
		assert_int_equal(info.port_ids[0], w);	/* rig: port i has id i */
		owned += info.nports;
	}
	assert_int_equal(owned, 2);
	/* a worker that moved a frame polls for 2 ms before it sleeps */
	for (tries = 0; tries < 2000; tries++) {
		assert_int_equal(vn_sw_worker_info(r.sw, 1, &info), 0);
		if (info.stats.polls)
			break;
		usleep(1000);
	}
	assert_true(info.stats.polls > 0);
	vn_sw_stop(r.sw);
	rig_down(&r);

	/* a CPU the process may not use: start fails, nothing keeps running */
	if (bad < 0)
		return;
	cfg.cpus[0] = (unsigned int)bad;
	cfg.poll_us = 0;
	rig_up_cfg(&r, 2, &cfg, NULL, 0, NULL, NULL);
	assert_int_equal(vn_sw_start(r.sw), -EINVAL);
	assert_int_equal(vn_sw_worker_info(r.sw, 0, &info), 0);
	assert_int_equal(info.cpu, bad);
	rig_down(&r);
}

static void test_sw_fdb_api(void **state)
{
	struct rig r;
	int n = 0;

	(void)state;
	rig_up(&r, 2, 1, NULL, 0, NULL);
	host_tx(&r, 1, mk_udp(&r, 1, 1, -1, 10, false));
	run(&r);
	assert_int_equal(vn_sw_fdb_static_add(r.sw, &(struct vn_sw_fdb_add){
		.mac = { 2, 0, 0, 0, 0, 0x77 }, .vlan = -1, .port = "swp0" }), 0);
	assert_int_equal(vn_sw_fdb_static_add(r.sw, &(struct vn_sw_fdb_add){
		.mac = { 2, 0, 0, 0, 0, 0x77 }, .vlan = 0, .port = "nope" }), -ENOENT);
	assert_int_equal(vn_sw_fdb_dump(r.sw, count_fdb, &n), 0);
	assert_int_equal(n, 2);
	vn_sw_fdb_flush(r.sw, "swp1");
	n = 0;
	vn_sw_fdb_dump(r.sw, count_fdb, &n);
	assert_int_equal(n, 1);
	vn_sw_fdb_flush(r.sw, NULL);
	n = 0;
	vn_sw_fdb_dump(r.sw, count_fdb, &n);
	assert_int_equal(n, 1);	/* static stays */
	rig_down(&r);
}

static struct rig r_static;

static int find_static(const struct vn_fdb_entry *e, void *arg)
{
	int *port = arg;

	if (e->is_static && e->mac[5] == 0x77)
		*port = e->port_id * 10000 + e->vlan;
	return 0;
}

/* fdb add refuses what it would silently get wrong; fdb del removes */
static void test_sw_fdb_static_rules(void **state)
{
	struct vn_sw_fdb_add a = { .mac = { 2, 0, 0, 0, 0, 0x77 }, .vlan = -1, .port = "swp0" };
	static const uint8_t m[6] = { 2, 0, 0, 0, 0, 0x77 };
	int where = -1;

	(void)state;
	/* ports: 0 access 10, 1 access 20, 2 trunk 10,20 native 0, 3 access 10 */
	rig_up(&r_static, 4, 1, NULL, 0, vlan_conf);
	/* no VLAN given: the port's access VLAN */
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), 0);
	assert_int_equal(a.vlan, 10);
	vn_sw_fdb_dump(r_static.sw, find_static, &where);
	assert_int_equal(where, 10);
	/* the same key again, on another port: refused, naming the holder */
	a = (struct vn_sw_fdb_add){ .mac = { 2, 0, 0, 0, 0, 0x77 }, .vlan = 10, .port = "swp3" };
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), -EEXIST);
	assert_int_equal(a.other, 0);
	where = -1;
	vn_sw_fdb_dump(r_static.sw, find_static, &where);
	assert_int_equal(where, 10);
	/* ... unless replace is asked for */
	a.replace = true;
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), 0);
	vn_sw_fdb_dump(r_static.sw, find_static, &where);
	assert_int_equal(where, 3 * 10000 + 10);
	/* a VLAN the port does not carry */
	a = (struct vn_sw_fdb_add){ .mac = { 2, 0, 0, 0, 0, 0x78 }, .vlan = 20, .port = "swp0" };
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), -EINVAL);
	a.vlan = 0;
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), -EINVAL);
	/* a trunk: a tagged VLAN it carries is fine, no VLAN at all is not */
	a = (struct vn_sw_fdb_add){ .mac = { 2, 0, 0, 0, 0, 0x78 }, .vlan = 20, .port = "swp2" };
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), 0);
	a.vlan = 30;
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), -EINVAL);
	a.vlan = -1;
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), -EINVAL);
	/* fdb del: one VLAN, then every VLAN of a MAC */
	assert_int_equal(vn_sw_fdb_del(r_static.sw, m, 20), 0);
	assert_int_equal(vn_sw_fdb_del(r_static.sw, m, 10), 1);
	assert_int_equal(vn_sw_fdb_del(r_static.sw, m, 10), 0);
	a = (struct vn_sw_fdb_add){ .mac = { 2, 0, 0, 0, 0, 0x77 }, .vlan = 10, .port = "swp2" };
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), 0);
	a.vlan = 20;
	assert_int_equal(vn_sw_fdb_static_add(r_static.sw, &a), 0);
	assert_int_equal(vn_sw_fdb_del(r_static.sw, m, -1), 2);
	where = -1;
	vn_sw_fdb_dump(r_static.sw, find_static, &where);
	assert_int_equal(where, -1);
	rig_down(&r_static);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sw_learn_flood_no_hairpin),
		cmocka_unit_test(test_sw_aging),
		cmocka_unit_test(test_sw_vlan_access_trunk),
		cmocka_unit_test(test_sw_egress_csum_mixed_flood),
		cmocka_unit_test(test_sw_egress_tso_mixed_flood),
		cmocka_unit_test(test_sw_gro_towards_tso_port),
		cmocka_unit_test(test_sw_backpressure_block),
		cmocka_unit_test(test_sw_block_stalled_receiver_released),
		cmocka_unit_test(test_sw_full_port_keeps_only_its_pool_share),
		cmocka_unit_test(test_sw_port_mac_limit),
		cmocka_unit_test(test_sw_backpressure_drop),
		cmocka_unit_test(test_sw_two_workers_handoff),
		cmocka_unit_test(test_sw_direct_transmit),
		cmocka_unit_test(test_sw_direct_transmit_full),
		cmocka_unit_test(test_sw_hot_add_del_running),
		cmocka_unit_test(test_sw_fdb_api),
		cmocka_unit_test(test_sw_fdb_static_rules),
		cmocka_unit_test(test_sw_pinned_polling_workers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
