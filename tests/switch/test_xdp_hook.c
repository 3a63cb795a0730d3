// SPDX-License-Identifier: MIT
/* test_xdp_hook.c - XDP programs at switch ports: verdicts, redirect, egress, TSO, attach while running
 *
 * Each switch port is one end of a pair; the test holds the other end (the
 * "host"). The programs are clang-built objects from tests/bpf/progs
 * (directory in argv[1]): xdp2 (MAC swap + TX), redirect (DEVMAP),
 * hook_action (verdict and redirect target from .data), drop_icmp, ttl (an
 * L3 rewrite).
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/csum.h"
#include "core/log.h"
#include "core/pool.h"
#include "port/pair.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"

#include "rig.h"

static const char *progs_dir;

/* Mirrors hook_action.bpf.c's .data */
struct hook_conf {
	uint32_t action;
	uint32_t target;
	uint64_t seen;
	uint64_t bytes;
};

static const char *prog(const char *name)
{
	static char path[4][512];
	static unsigned int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s.bpf.o", progs_dir, name);
	return path[k];
}

static void rig_up(struct rig *r, unsigned int n, unsigned int workers, uint32_t cap)
{
	rig_up_with(r, n, workers, NULL, cap, NULL, NULL);
}

/* IPv4 frame from station s to station d (d < 0: broadcast), protocol @proto, @plen payload bytes */
static struct vn_pkt *mk_ip(struct rig *r, unsigned int from, unsigned int s, int d,
			    uint8_t proto, uint32_t plen)
{
	struct vn_pkt *p = vn_pool_alloc(r->host[from]->pool);
	uint32_t l4 = proto == 6 ? 20 : 8, ip_len = 20 + l4 + plen;
	uint8_t *f;
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
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = proto;
	f[26] = 10; f[29] = (uint8_t)(s + 1);
	f[30] = 10; f[33] = (uint8_t)(d < 0 ? 255 : d + 1);
	v = vn_csum_fold(vn_csum_partial(f + 14, 20, 0));
	memcpy(f + 24, &v, 2);
	for (uint32_t k = 0; k < plen; k++)
		f[34 + l4 + k] = (uint8_t)(k * 7 + s);
	if (proto == 17) {
		f[38] = (uint8_t)((8 + plen) >> 8);
		f[39] = (uint8_t)(8 + plen);
	} else if (proto == 1) {
		f[34] = 8;	/* echo request; checksum not needed by the switch */
	} else if (proto == 6) {
		f[34] = 0x30; f[35] = 0x39;
		f[36] = 0x00; f[37] = 0x50;
		f[46] = 0x50;	/* data offset 5 */
		f[47] = 0x18;	/* PSH ACK */
		f[48] = 0xff; f[49] = 0xff;
	}
	return p;
}

/* A TCPv4 TSO frame: @segs segments of @mss payload bytes, NEEDS_CSUM with the pseudo-header sum */
static struct vn_pkt *mk_tso(struct rig *r, unsigned int from, unsigned int s, int d,
			     unsigned int segs, uint16_t mss)
{
	uint32_t plen = segs * mss;
	struct vn_pkt *p = mk_ip(r, from, s, d, 6, plen);
	uint8_t *f = vn_pkt_data(p);
	uint16_t v;

	v = vn_csum_fold_nocompl(vn_csum_pseudo_v4(f + 26, f + 30, 6, 20 + plen));
	memcpy(f + 34 + 16, &v, 2);
	p->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	p->vh.gso_type = VN_VHDR_GSO_TCPV4;
	p->vh.gso_size = mss;
	p->vh.hdr_len = 54;
	p->vh.csum_start = 34;
	p->vh.csum_offset = 16;
	return p;
}

static uint64_t stat(struct vn_port *p, const char *name)
{
	uint64_t v = 0;

	assert_int_equal(vn_port_stat_get(p, name, &v), 0);
	return v;
}

static void attach(struct rig *r, unsigned int port, enum vn_sw_dir dir, const char *name,
		   unsigned int flags)
{
	char err[256] = "";
	char pn[16];
	int rc;

	snprintf(pn, sizeof(pn), "swp%u", port);
	rc = vn_sw_xdp_attach(r->sw, pn, dir, prog(name), NULL, flags, err, sizeof(err));
	if (rc)
		fprintf(stderr, "attach %s: %s\n", name, err);
	assert_int_equal(rc, 0);
}

/* hook_action's .data map at @port/@dir (under *@ref) and its contents in @c */
static struct vn_map *conf_get(struct rig *r, const char *port, enum vn_sw_dir dir,
			       struct vn_sw_xdp **ref, struct hook_conf *c)
{
	uint32_t zero = 0;
	struct vn_map *m;

	assert_int_equal(vn_sw_xdp_map_find(r->sw, port, dir, ".data", &m, ref), 0);
	assert_int_equal(vn_map_lookup(m, &zero, c), 0);
	return m;
}

static void conf_set(struct rig *r, const char *port, enum vn_sw_dir dir, uint32_t action,
		     uint32_t target)
{
	struct vn_sw_xdp *ref;
	struct hook_conf c;
	struct vn_map *m = conf_get(r, port, dir, &ref, &c);
	uint32_t zero = 0;

	c.action = action;
	c.target = target;
	assert_int_equal(vn_map_update(m, &zero, &c, BPF_ANY), 0);
	vn_sw_xdp_put(ref);
}

static int count_cb(const struct vn_fdb_entry *e, void *arg)
{
	(void)e;
	(*(unsigned int *)arg)++;
	return 0;
}

/* drop_icmp at ingress: ICMP dropped and counted (port, drop reason, map), UDP flows */
static void test_xdp_hook_ingress_drop_by_proto(void **state)
{
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint64_t cnt = 0;
	uint32_t zero = 0;
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, 0);
	attach(&r, 0, VN_SW_INGRESS, "drop_icmp", 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 1, 56));
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 100));
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 1, 56));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);	/* the UDP frame, flooded */
	assert_int_equal(count_rx(&r, 2), 1);
	assert_int_equal(stat(r.sp[0], "xdp_drop"), 2);
	assert_int_equal(stat(r.sp[0], "xdp_pass"), 1);
	assert_int_equal(stat(r.sp[0], "drop_xdp_drop"), 2);
	assert_int_equal(vn_sw_xdp_map_find(r.sw, "swp0", VN_SW_INGRESS, "icmp_drops", &m, &ref),
			 0);
	assert_int_equal(vn_map_lookup(m, &zero, &cnt), 0);
	assert_int_equal(cnt, 2);
	vn_sw_xdp_put(ref);
	assert_int_equal(vn_sw_xdp_map_find(r.sw, "swp0", VN_SW_INGRESS, "nope", &m, &ref),
			 -ENOENT);
	assert_int_equal(vn_sw_xdp_map_find(r.sw, "swp0", VN_SW_EGRESS, "icmp_drops", &m, &ref),
			 -ENOENT);
	/* Detached: ICMP flows again */
	assert_int_equal(vn_sw_xdp_detach(r.sw, "swp0", VN_SW_INGRESS), 0);
	assert_int_equal(vn_sw_xdp_detach(r.sw, "swp0", VN_SW_INGRESS), -ENOENT);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 1, 56));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 1);
	assert_int_equal(stat(r.sp[0], "xdp_drop"), 2);
	rig_down(&r);
}

/* xdp2: a burst bounced back out of its own port, MACs swapped, never learned */
static void test_xdp_hook_ingress_tx_bounce(void **state)
{
	struct vn_pkt *pkts[64];
	unsigned int n, fdb = 0, i;
	uint8_t m0[6], m1[6];
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, 0);
	attach(&r, 0, VN_SW_INGRESS, "xdp2", 0);
	for (i = 0; i < 20; i++)
		host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 64 + i));
	run(&r);
	mac_of(m0, 0);
	mac_of(m1, 1);
	n = host_rx(&r, 0, pkts, 64);
	assert_int_equal(n, 20);
	for (i = 0; i < n; i++) {
		const uint8_t *f = vn_pkt_data(pkts[i]);

		assert_memory_equal(f, m0, 6);
		assert_memory_equal(f + 6, m1, 6);
		assert_int_equal(vn_pkt_len(pkts[i]), 14 + 28 + 64 + i);	/* in order */
	}
	vn_pkt_put_bulk(pkts, n);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(count_rx(&r, 2), 0);
	assert_int_equal(stat(r.sp[0], "xdp_tx"), 20);
	assert_int_equal(stat(r.sp[0], "tx_packets"), 20);
	vn_sw_fdb_dump(r.sw, count_cb, &fdb);
	assert_int_equal(fdb, 0);	/* TX frames never reach learning */
	/* The port's egress program sees what its ingress program sent back */
	attach(&r, 0, VN_SW_EGRESS, "xdp1", 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 64));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 0);
	assert_int_equal(stat(r.sp[0], "xdp_tx"), 21);
	assert_int_equal(stat(r.sp[0], "xdp_drop"), 1);
	rig_down(&r);
}

/* redirect.bpf.c: DEVMAP slot -> port id; an empty slot passes (flooded) */
static void test_xdp_hook_redirect_devmap(void **state)
{
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint32_t key = 2, port = 2, last = 0, zero = 0;
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, 0);
	attach(&r, 0, VN_SW_INGRESS, "redirect", 0);
	assert_int_equal(vn_sw_xdp_map_find(r.sw, "swp0", VN_SW_INGRESS, "tx_port", &m, &ref), 0);
	assert_int_equal(vn_map_update(m, &key, &port, BPF_ANY), 0);
	vn_sw_xdp_put(ref);
	/* station 1 has MAC ...:02: slot 2 -> port 2, although FDB would flood */
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 100));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(count_rx(&r, 2), 1);
	assert_int_equal(stat(r.sp[0], "xdp_redirect"), 1);
	assert_int_equal(vn_sw_xdp_map_find(r.sw, "swp0", VN_SW_INGRESS, "last_port", &m, &ref),
			 0);
	assert_int_equal(vn_map_lookup(m, &zero, &last), 0);
	assert_int_equal(last, 2);
	vn_sw_xdp_put(ref);
	/* station 2 (...:03): empty slot 3 -> XDP_PASS -> flooded to 1 and 2 */
	host_tx(&r, 0, mk_ip(&r, 0, 0, 2, 17, 100));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 1);
	assert_int_equal(stat(r.sp[0], "xdp_pass"), 1);
	rig_down(&r);
}

/* bpf_redirect(port_id): to a port on another worker, to a missing port, to itself */
static void test_xdp_hook_redirect_port_id(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, 3, 2, 0);	/* swp1 on worker 1 */
	attach(&r, 0, VN_SW_INGRESS, "hook_action", 0);
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 1);
	for (int i = 0; i < 5; i++)
		host_tx(&r, 0, mk_ip(&r, 0, 0, 2, 17, 100));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 5);
	assert_int_equal(count_rx(&r, 2), 0);
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 77);	/* no such port */
	host_tx(&r, 0, mk_ip(&r, 0, 0, 2, 17, 100));
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 100000);
	run(&r);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 2, 17, 100));
	run(&r);
	assert_int_equal(stat(r.sp[0], "drop_xdp_redirect"), 2);
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 0);	/* itself: like TX */
	host_tx(&r, 0, mk_ip(&r, 0, 0, 2, 17, 100));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 1);
	assert_int_equal(stat(r.sp[0], "xdp_redirect"), 8);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(count_rx(&r, i), 0);
	rig_down(&r);
}

static int sum_cb(const struct vn_sw_xdp_info *info, void *arg)
{
	struct vn_sw_xdp_info *out = arg;

	if (strcmp(info->port, out->port) || info->dir != out->dir)
		return 0;
	*out = *info;
	out->obj = NULL;
	return 1;
}

static struct vn_sw_xdp_info info_of(struct rig *r, const char *port, enum vn_sw_dir dir)
{
	struct vn_sw_xdp_info info = { .port = port, .dir = dir };

	assert_int_equal(vn_sw_xdp_foreach(r->sw, sum_cb, &info), 1);
	return info;
}

/* ABORTED, unknown verdicts: dropped and counted on both sides */
static void test_xdp_hook_aborted(void **state)
{
	struct vn_sw_xdp_info info;
	struct rig r;

	(void)state;
	rig_up(&r, 2, 1, 0);
	attach(&r, 0, VN_SW_INGRESS, "hook_action", 0);
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_ABORTED, 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 10));
	run(&r);
	conf_set(&r, "swp0", VN_SW_INGRESS, 9, 0);	/* no such verdict */
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 10));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(stat(r.sp[0], "xdp_aborted"), 2);
	assert_int_equal(stat(r.sp[0], "drop_xdp_aborted"), 2);
	info = info_of(&r, "swp0", VN_SW_INGRESS);
	assert_int_equal(info.stats.aborted, 2);
	assert_int_equal(info.port_id, 0);
	assert_non_null(strstr(info.prog, "xdp_hook_action"));
	assert_true(info.mem_used > 0 && info.mem_used <= info.mem_limit);
	assert_int_equal(info.mem_limit, VN_SW_XDP_MEM_DEFAULT);
	rig_down(&r);
}

/* Egress: drop only towards one port; a flooded frame is rewritten per port; TX invalid there */
static void test_xdp_hook_egress(void **state)
{
	struct vn_pkt *pkts[8];
	struct rig r;
	unsigned int n;

	(void)state;
	rig_up(&r, 3, 1, 0);
	attach(&r, 1, VN_SW_EGRESS, "drop_icmp", 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 1, 56));
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 56));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 2);
	assert_int_equal(stat(r.sp[1], "xdp_drop"), 1);
	assert_int_equal(stat(r.sp[1], "drop_xdp_drop"), 1);
	assert_int_equal(stat(r.sp[0], "xdp_drop"), 0);
	/* ttl at swp2's egress: its copy of a flooded frame only */
	attach(&r, 2, VN_SW_EGRESS, "ttl", 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 56));
	run(&r);
	n = host_rx(&r, 1, pkts, 8);
	assert_int_equal(n, 1);
	assert_int_equal(((uint8_t *)vn_pkt_data(pkts[0]))[22], 64);
	vn_pkt_put(pkts[0]);
	n = host_rx(&r, 2, pkts, 8);
	assert_int_equal(n, 1);
	assert_int_equal(((uint8_t *)vn_pkt_data(pkts[0]))[22], 63);
	assert_int_equal(vn_csum_fold(vn_csum_partial(vn_pkt_data(pkts[0]) + 14, 20, 0)), 0);
	vn_pkt_put(pkts[0]);
	/* TX and REDIRECT at egress: invalid, aborted */
	attach(&r, 2, VN_SW_EGRESS, "xdp2", VN_SW_XDP_REPLACE);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 56));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 0);
	assert_int_equal(count_rx(&r, 0), 0);
	assert_int_equal(stat(r.sp[2], "xdp_aborted"), 1);
	assert_int_equal(stat(r.sp[2], "drop_xdp_aborted"), 1);
	assert_int_equal(info_of(&r, "swp2", VN_SW_EGRESS).stats.tx, 1);
	rig_down(&r);
}

static unsigned int rx_check_tso(struct rig *r, unsigned int port, bool *all_gso, uint8_t *ttl)
{
	struct vn_pkt *pkts[64];
	unsigned int n = host_rx(r, port, pkts, 64);

	*all_gso = n > 0;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *f = vn_pkt_data(pkts[i]);

		if (pkts[i]->vh.gso_type == VN_VHDR_GSO_NONE)
			*all_gso = false;
		*ttl = f[22];
		/* IPv4 header checksum right after the program's rewrite */
		assert_int_equal(vn_csum_fold(vn_csum_partial(f + 14, 20, 0)), 0);
	}
	vn_pkt_put_bulk(pkts, n);
	return n;
}

/* hook_action's .data at @port/@dir: its run count must be @seen; its byte count */
static uint64_t hook_seen(struct rig *r, const char *port, enum vn_sw_dir dir, uint64_t seen)
{
	struct vn_sw_xdp *ref;
	struct hook_conf hc;

	conf_get(r, port, dir, &ref, &hc);
	vn_sw_xdp_put(ref);
	assert_int_equal(hc.seen, seen);
	return hc.bytes;
}

/* TSO frames: whole through a program that keeps L3; aborted on a rewrite unless segment-first */
static void test_xdp_hook_tso(void **state)
{
	struct vn_sw_xdp_info info;
	bool gso;
	uint8_t ttl = 0;
	struct rig r;

	(void)state;
	rig_up(&r, 2, 1, 0);
	/* hook_action PASS, no rewrite: the TSO frame stays one TSO frame */
	attach(&r, 0, VN_SW_INGRESS, "hook_action", 0);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	assert_int_equal(rx_check_tso(&r, 1, &gso, &ttl), 1);
	assert_true(gso);
	/* ttl (L3 rewrite) on the whole TSO frame: metadata unprovable -> ABORTED */
	attach(&r, 0, VN_SW_INGRESS, "ttl", VN_SW_XDP_REPLACE);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	info = info_of(&r, "swp0", VN_SW_INGRESS);
	assert_int_equal(info.stats.offload_broken, 1);
	assert_int_equal(stat(r.sp[0], "drop_xdp_aborted"), 1);
	/* segment-first: four MTU frames, each rewritten, each delivered */
	attach(&r, 0, VN_SW_INGRESS, "ttl", VN_SW_XDP_REPLACE | VN_SW_XDP_SEGMENT_FIRST);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	assert_int_equal(rx_check_tso(&r, 1, &gso, &ttl), 4);
	assert_false(gso);
	assert_int_equal(ttl, 63);
	info = info_of(&r, "swp0", VN_SW_INGRESS);
	assert_int_equal(info.stats.pass, 4);
	assert_int_equal(info.flags, VN_SW_XDP_SEGMENT_FIRST);
	assert_int_equal(stat(r.sp[0], "gso_sw_segs"), 4);
	/* the same at swp1's egress */
	assert_int_equal(vn_sw_xdp_detach(r.sw, "swp0", VN_SW_INGRESS), 0);
	attach(&r, 1, VN_SW_EGRESS, "ttl", 0);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(stat(r.sp[1], "drop_xdp_aborted"), 1);
	attach(&r, 1, VN_SW_EGRESS, "ttl", VN_SW_XDP_REPLACE | VN_SW_XDP_SEGMENT_FIRST);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 3, 1200));
	run(&r);
	assert_int_equal(rx_check_tso(&r, 1, &gso, &ttl), 3);
	assert_false(gso);
	assert_int_equal(ttl, 63);
	/* Egress runs before the offload resolution: a port without TSO gets
	 * segments, but its program saw the TSO frame once, whole */
	assert_int_equal(vn_pair_set_features(r.sp[1], VN_BIT(VN_NET_F_GUEST_CSUM)), 0);
	attach(&r, 1, VN_SW_EGRESS, "hook_action", VN_SW_XDP_REPLACE);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 5, 1000));
	run(&r);
	assert_int_equal(rx_check_tso(&r, 1, &gso, &ttl), 5);
	assert_false(gso);
	assert_int_equal(ttl, 64);
	assert_int_equal(hook_seen(&r, "swp1", VN_SW_EGRESS, 1), 54 + 5000);
	rig_down(&r);
}

/* Errors: missing port or file, double attach, bad flags, memory cap */
static void test_xdp_hook_attach_errors(void **state)
{
	char err[256];
	struct rig r;

	(void)state;
	rig_up(&r, 2, 1, 0);
	assert_int_equal(vn_sw_xdp_attach(r.sw, "nope", VN_SW_INGRESS, prog("xdp2"), NULL, 0,
					  err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nope"));
	assert_true(vn_sw_xdp_attach(r.sw, "swp0", VN_SW_INGRESS, "/nonexistent.o", NULL, 0,
				     err, sizeof(err)) < 0);
	assert_int_equal(vn_sw_xdp_attach(r.sw, "swp0", VN_SW_INGRESS, prog("xdp2"), "nosuch",
					  0, err, sizeof(err)), -ENOENT);
	assert_int_equal(vn_sw_xdp_attach(r.sw, "swp0", VN_SW_INGRESS, prog("xdp2"), NULL,
					  0x80, err, sizeof(err)), -EINVAL);
	assert_int_equal(vn_sw_xdp_attach(r.sw, "swp0", (enum vn_sw_dir)5, prog("xdp2"), NULL,
					  0, err, sizeof(err)), -EINVAL);
	attach(&r, 0, VN_SW_INGRESS, "xdp2", 0);
	assert_int_equal(vn_sw_xdp_attach(r.sw, "swp0", VN_SW_INGRESS, prog("xdp1"), "xdp",
					  0, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "xdp_prog2"));
	/* A cap below one run context: refused, nothing changes */
	vn_sw_xdp_set_mem_limit(r.sw, 1024);
	assert_int_equal(vn_sw_xdp_mem_limit(r.sw), 1024);
	assert_int_equal(vn_sw_xdp_attach(r.sw, "swp1", VN_SW_EGRESS, prog("xdp1"), NULL, 0,
					  err, sizeof(err)), -ENOMEM);
	vn_sw_xdp_set_mem_limit(r.sw, 0);
	assert_int_equal(vn_sw_xdp_mem_limit(r.sw), VN_SW_XDP_MEM_DEFAULT);
	attach(&r, 1, VN_SW_EGRESS, "xdp1", 0);
	/* A port deleted with programs attached frees them (ASan checks) */
	assert_int_equal(vn_sw_port_del(r.sw, "swp1"), 0);
	assert_int_equal(vn_sw_xdp_detach(r.sw, "swp1", VN_SW_EGRESS), -ENOENT);
	r.n = 2;
	rig_down(&r);
}

struct churn {
	struct vn_sw *sw;
	unsigned int rounds;
	int stop;
};

/* What the control thread swaps in: only programs that lose nothing on swp0 -> swp1 */
static const struct {
	const char *port;
	enum vn_sw_dir dir;
	const char *prog;
} churn_steps[] = {
	{ "swp0", VN_SW_INGRESS, "hook_action" },	/* PASS */
	{ "swp1", VN_SW_EGRESS, "hook_action" },	/* PASS */
	{ "swp0", VN_SW_EGRESS, "xdp1" },		/* drops, but nothing goes to swp0 */
	{ "swp1", VN_SW_EGRESS, "ttl" },		/* PASS, rewritten */
};

/* Control thread: attach, replace, detach, over and over */
static void *churn_main(void *arg)
{
	struct churn *c = arg;
	char err[256];

	for (unsigned int i = 0; i < c->rounds; i++) {
		unsigned int k = i % 4;

		assert_int_equal(vn_sw_xdp_attach(c->sw, churn_steps[k].port, churn_steps[k].dir,
						  prog(churn_steps[k].prog), NULL,
						  VN_SW_XDP_REPLACE, err, sizeof(err)), 0);
		if (i % 3 == 2)
			assert_int_equal(vn_sw_xdp_detach(c->sw, churn_steps[k].port,
							  churn_steps[k].dir), 0);
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Attach/detach from another thread while two workers forward: no loss, no crash */
static void test_xdp_hook_attach_while_running(void **state)
{
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	struct hook_conf hc;
	struct churn c;
	pthread_t th;
	uint32_t zero = 0;
	unsigned int sent = 0, got = 0, i;
	uint64_t rx0, tx1;
	char err[256];
	struct rig r;

	(void)state;
	rig_up(&r, 2, 2, 1024);
	/* learn station 1 at swp1 so swp0's frames go only there */
	host_tx(&r, 1, mk_ip(&r, 1, 1, 0, 17, 10));
	run(&r);
	count_rx(&r, 0);
	rx0 = stat(r.sp[0], "rx_packets");
	tx1 = stat(r.sp[1], "tx_packets");
	assert_int_equal(vn_sw_start(r.sw), 0);
	c = (struct churn){ .sw = r.sw, .rounds = 200 };
	assert_int_equal(pthread_create(&th, NULL, churn_main, &c), 0);
	/* Bounded: until the churn ends (and 2000 frames went), 200000 rounds at most */
	for (i = 0; i < 200000 && (!__atomic_load_n(&c.stop, __ATOMIC_ACQUIRE) || sent < 2000);
	     i++) {
		if (vn_pool_avail(r.host[0]->pool) > 0) {
			struct vn_pkt *p = mk_ip(&r, 0, 0, 1, 17, 32);

			if (vn_port_tx_burst(r.host[0], &p, 1) == 1)
				sent++;
			else
				vn_pkt_put(p);
		}
		got += count_rx(&r, 1);
		if (i % 64 == 0)
			usleep(10);
	}
	pthread_join(th, NULL);
	assert_true(__atomic_load_n(&c.stop, __ATOMIC_ACQUIRE));
	assert_true(sent >= 2000);
	/* Everything sent arrives (PASS or no program); bounded wait */
	for (i = 0; i < 20000 && got < sent; i++) {
		got += count_rx(&r, 1);
		usleep(100);
	}
	assert_int_equal(got, sent);
	assert_int_equal(stat(r.sp[0], "rx_packets") - rx0, sent);
	assert_int_equal(stat(r.sp[1], "tx_packets") - tx1, sent);
	assert_true(stat(r.sp[0], "xdp_pass") <= sent);
	assert_true(stat(r.sp[1], "xdp_pass") <= sent);
	assert_int_equal(stat(r.sp[0], "drop_xdp_drop"), 0);
	assert_int_equal(stat(r.sp[0], "drop_xdp_aborted"), 0);
	assert_int_equal(stat(r.sp[1], "drop_xdp_aborted"), 0);
	/* A map reference outlives a detach */
	assert_int_equal(vn_sw_xdp_attach(r.sw, "swp0", VN_SW_INGRESS, prog("hook_action"), NULL,
					  VN_SW_XDP_REPLACE, err, sizeof(err)), 0);
	assert_int_equal(vn_sw_xdp_map_find(r.sw, "swp0", VN_SW_INGRESS, ".data", &m, &ref), 0);
	assert_int_equal(vn_sw_xdp_detach(r.sw, "swp0", VN_SW_INGRESS), 0);
	assert_int_equal(vn_map_lookup(m, &zero, &hc), 0);
	assert_int_equal(hc.action, XDP_PASS);
	vn_sw_xdp_put(ref);
	vn_sw_stop(r.sw);
	rig_down(&r);
}

/* A looping program ends at the instruction budget: ABORTED, counted as a fault */
static void test_xdp_hook_budget(void **state)
{
	struct vn_sw_xdp_info info;
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint32_t zero = 0, rounds = 1000000;
	struct rig r;

	(void)state;
	rig_up(&r, 2, 1, 0);
	/* 1000 rounds of 7 instructions: fine by default, too much for 5000 */
	attach(&r, 0, VN_SW_INGRESS, "spin", 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 10));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	vn_sw_xdp_set_budget(r.sw, 5000);
	attach(&r, 0, VN_SW_INGRESS, "spin", VN_SW_XDP_REPLACE);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 10));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	info = info_of(&r, "swp0", VN_SW_INGRESS);
	assert_int_equal(info.stats.fault, 1);
	assert_int_equal(info.stats.aborted, 1);
	assert_int_equal(stat(r.sp[0], "drop_xdp_aborted"), 1);
	/* The default budget stops a tenant's 7M-instruction loop too */
	vn_sw_xdp_set_budget(r.sw, 0);
	attach(&r, 0, VN_SW_INGRESS, "spin", VN_SW_XDP_REPLACE);
	assert_int_equal(vn_sw_xdp_map_find(r.sw, "swp0", VN_SW_INGRESS, ".data", &m, &ref), 0);
	assert_int_equal(vn_map_update(m, &zero, &rounds, BPF_ANY), 0);
	vn_sw_xdp_put(ref);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 10));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(info_of(&r, "swp0", VN_SW_INGRESS).stats.fault, 1);
	rig_down(&r);
}

/* Attach with a redirect list (NULL: every port) */
static int attach_redirect(struct rig *r, unsigned int port, const char *name, const char *list)
{
	struct vn_sw_xdp_opts o = { .flags = VN_SW_XDP_REPLACE, .redirect = list };
	char err[256] = "", pn[16];
	int rc;

	snprintf(pn, sizeof(pn), "swp%u", port);
	rc = vn_sw_xdp_attach_opts(r->sw, pn, VN_SW_INGRESS, prog(name), NULL, &o, err,
				   sizeof(err));
	if (rc)
		assert_true(err[0] != '\0');
	return rc;
}

/* port 0, 1: access 10; port 2: access 20; port 3: trunk 20,30 */
static void vlan_conf(struct vn_port *p, unsigned int i)
{
	static const uint16_t access[] = { 10, 10, 20, 0 };

	p->conf.access_vlan = access[i];
	if (i == 3) {
		p->conf.ntrunk = 2;
		p->conf.trunk[0] = 20;
		p->conf.trunk[1] = 30;
	}
}

/* A broadcast UDP frame from station @s tagged with VLAN @vid (built from mk_ip's bytes) */
static struct vn_pkt *mk_tagged(struct rig *r, unsigned int from, unsigned int s, uint16_t vid)
{
	struct vn_pkt *p = mk_ip(r, from, s, -1, 17, 20);
	uint8_t *f = vn_pkt_push(p, 4);

	assert_non_null(f);
	memmove(f, f + 4, 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = (uint8_t)(vid >> 8);
	f[15] = (uint8_t)vid;
	return p;
}

/* TX and REDIRECT frames obey the VLANs: no escape from VLAN 10 by redirect */
static void test_xdp_hook_redirect_obeys_vlans(void **state)
{
	struct vn_pkt *got[4];
	struct rig r;

	(void)state;
	rig_up_with(&r, 4, 1, NULL, 0, vlan_conf, NULL);
	attach(&r, 0, VN_SW_INGRESS, "hook_action", 0);
	/* to the other VLAN 10 port: delivered, untagged */
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 1);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	assert_int_equal(host_rx(&r, 1, got, 4), 1);
	assert_int_equal(vn_pkt_data(got[0])[12], 0x08);
	vn_pkt_put(got[0]);
	/* to a VLAN 20 access port and to a 20,30 trunk: VLAN 10 is not theirs */
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 2);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 3);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	assert_int_equal(count_rx(&r, 2), 0);
	assert_int_equal(count_rx(&r, 3), 0);
	assert_int_equal(stat(r.sp[2], "drop_vlan"), 1);
	assert_int_equal(stat(r.sp[3], "drop_vlan"), 1);
	/* the program's own 802.1Q tag for VLAN 30: an access port may not send it */
	host_tx(&r, 0, mk_tagged(&r, 0, 0, 30));
	run(&r);
	assert_int_equal(count_rx(&r, 3), 0);
	assert_int_equal(stat(r.sp[0], "drop_vlan"), 1);
	/* TX back out of the port: its own VLAN, allowed */
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_TX, 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 1);
	assert_int_equal(stat(r.sp[0], "xdp_redirect"), 4);
	assert_int_equal(stat(r.sp[0], "xdp_tx"), 1);
	/* from the trunk, a VLAN 20 frame redirected to the VLAN 20 access port:
	 * classified 20, delivered untagged; redirected to a VLAN 10 port: dropped */
	attach(&r, 3, VN_SW_INGRESS, "hook_action", 0);
	conf_set(&r, "swp3", VN_SW_INGRESS, XDP_REDIRECT, 2);
	host_tx(&r, 3, mk_tagged(&r, 3, 3, 20));
	run(&r);
	assert_int_equal(host_rx(&r, 2, got, 4), 1);
	assert_int_equal(vn_pkt_data(got[0])[12], 0x08);
	vn_pkt_put(got[0]);
	conf_set(&r, "swp3", VN_SW_INGRESS, XDP_REDIRECT, 1);
	host_tx(&r, 3, mk_tagged(&r, 3, 3, 20));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(stat(r.sp[1], "drop_vlan"), 1);
	rig_down(&r);
}

/* The redirect list: only listed ports; none; unknown names; a deleted port's id */
static void test_xdp_hook_redirect_list(void **state)
{
	struct vn_port *sp9, *host9;
	struct vn_pair_opts po = { .id_a = 1, .id_b = 209, .features_a = ALL_ON,
				   .features_b = ALL_ON };
	struct vn_sw_xdp_spec xs;
	char spec[600], err[128];
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, 0);
	assert_int_equal(attach_redirect(&r, 0, "hook_action", NULL), 0);
	assert_null(info_of(&r, "swp0", VN_SW_INGRESS).redirect);
	assert_int_equal(attach_redirect(&r, 0, "hook_action", "swp1"), 0);
	assert_string_equal(info_of(&r, "swp0", VN_SW_INGRESS).redirect, "swp1");
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 1);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 2);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	assert_int_equal(count_rx(&r, 2), 0);
	assert_int_equal(stat(r.sp[0], "drop_xdp_redirect_denied"), 1);
	/* TX is not a redirect: always allowed */
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_TX, 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	assert_int_equal(count_rx(&r, 0), 1);
	/* but a group source address is refused as for any frame the port sends */
	{
		struct vn_pkt *p = mk_ip(&r, 0, 0, -1, 17, 20);

		vn_pkt_data(p)[6] |= 1;
		host_tx(&r, 0, p);
		run(&r);
		assert_int_equal(count_rx(&r, 0), 0);
		assert_int_equal(stat(r.sp[0], "drop_src_mac"), 1);
	}
	/* none: nothing, not even the port itself by redirect */
	assert_int_equal(attach_redirect(&r, 0, "hook_action", "none"), 0);
	for (uint32_t t = 0; t < 3; t++) {
		conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, t);
		host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
		run(&r);
	}
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(count_rx(&r, i), 0);
	assert_int_equal(stat(r.sp[0], "drop_xdp_redirect_denied"), 4);
	/* a restricted (guest) program without a list redirects nowhere */
	{
		struct vn_sw_xdp_opts ro = { .flags = VN_SW_XDP_REPLACE,
					     .class = VN_XDP_CLASS_RESTRICTED };

		assert_int_equal(vn_sw_xdp_attach_opts(r.sw, "swp0", VN_SW_INGRESS,
						       prog("hook_action"), NULL, &ro, err,
						       sizeof(err)), 0);
		assert_string_equal(info_of(&r, "swp0", VN_SW_INGRESS).redirect, "none");
		conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 1);
		host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
		run(&r);
		assert_int_equal(count_rx(&r, 1), 0);
		assert_int_equal(stat(r.sp[0], "drop_xdp_redirect_denied"), 5);
		/* and it cannot load a program calling ktime or trace_printk */
		assert_int_equal(vn_sw_xdp_attach_opts(r.sw, "swp0", VN_SW_INGRESS,
						       prog("helpers"), NULL, &ro, err,
						       sizeof(err)), -EINVAL);
	}
	/* a name that is no port: refused, the old program stays */
	assert_int_equal(attach_redirect(&r, 0, "hook_action", "swp1,nope"), -ENOENT);
	assert_int_equal(attach_redirect(&r, 0, "hook_action", "swp1,,swp2"), -EINVAL);
	/* through a spec, as vnetd --xdp and vnetctl give it */
	snprintf(spec, sizeof(spec), "swp0:ingress:%s:redirect=swp2", prog("hook_action"));
	assert_int_equal(vn_sw_xdp_spec_parse(spec, &xs, err, sizeof(err)), 0);
	assert_int_equal(vn_sw_xdp_attach_spec(r.sw, &xs, VN_SW_XDP_REPLACE, err, sizeof(err)), 0);
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 2);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	assert_int_equal(count_rx(&r, 2), 1);
	/* a listed port deleted, its id given to a new port: not on the list */
	assert_int_equal(attach_redirect(&r, 0, "hook_action", "swp1"), 0);
	assert_int_equal(vn_sw_port_del(r.sw, "swp1"), 0);
	assert_int_equal(vn_pair_create("swp9", "host9", &po, &sp9, &host9), 0);
	assert_int_equal(vn_sw_port_attach(r.sw, sp9, 0), 0);
	conf_set(&r, "swp0", VN_SW_INGRESS, XDP_REDIRECT, 1);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 20));
	run(&r);
	assert_int_equal(sp9->id, 1);
	assert_int_equal(vn_port_rx_burst(host9, (struct vn_pkt *[1]){ 0 }, 1), 0);
	assert_int_equal(stat(r.sp[0], "drop_xdp_redirect_denied"), 6);
	vn_port_close(r.host[1]);	/* swp1's peer; rig_down closes host9 instead */
	r.host[1] = host9;
	rig_down(&r);
}

/* The dearest helper loop at one port's ingress: its frame ends ABORTED
 * (a timeout), the other ports' frames go on being forwarded */
static void test_xdp_hook_helper_stall_contained(void **state)
{
	struct vn_sw_xdp_info info;
	struct vn_sw_xdp *ref;
	struct vn_map *trie;
	uint8_t key[4 + 256];
	uint32_t v = 1;
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, 0);
	attach(&r, 0, VN_SW_INGRESS, "cost_lpm", 0);
	assert_int_equal(vn_sw_xdp_map_find(r.sw, "swp0", VN_SW_INGRESS, "trie", &trie, &ref), 0);
	memset(key, 0xff, sizeof(key));
	for (uint32_t l = 1; l <= 2048; l++) {
		memcpy(key, &l, 4);
		assert_int_equal(vn_map_update(trie, key, &v, BPF_ANY), 0);
	}
	vn_sw_xdp_put(ref);
	for (int i = 0; i < 4; i++) {
		host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 10));
		host_tx(&r, 1, mk_ip(&r, 1, 1, 2, 17, 10));
	}
	run(&r);
	assert_int_equal(count_rx(&r, 2), 4);
	assert_int_equal(count_rx(&r, 1), 0);
	info = info_of(&r, "swp0", VN_SW_INGRESS);
	assert_int_equal(info.stats.timeout, 4);
	assert_int_equal(stat(r.sp[0], "drop_xdp_aborted"), 4);
	rig_down(&r);
}

/* --xdp specs: the accepted forms and a hostile corpus */
static void test_xdp_hook_spec_parse(void **state)
{
	static const struct {
		const char *spec;
		int rc;
	} bad[] = {
		{ "", -EINVAL }, { "p", -EINVAL }, { "p:ingress", -EINVAL },
		{ "p:ingress:", -EINVAL }, { ":ingress:f.o", -EINVAL }, { "p::f.o", -EINVAL },
		{ "p:sideways:f.o", -EINVAL }, { "p:INGRESS:f.o", -EINVAL },
		{ "p:ingress:f.o:", -EINVAL }, { "p:ingress:f.o:s:x", -EINVAL },
		{ "p:ingress:f.o:s:segment-first:x", -EINVAL },
		{ "p:ingress:segment-first", -EINVAL }, { ":::::::::::", -EINVAL },
		{ "p:ingress:f.o::segment-first", -EINVAL },
		{ "p:ingressingressingress:f.o", -E2BIG },
		{ "p:ingress:f.o:segment-firstt:x", -EINVAL },
		{ "p:ingress:f.o:redirect=", -EINVAL }, { "p:ingress:f.o:redirect=a,", -EINVAL },
		{ "p:ingress:f.o:redirect=,a", -EINVAL }, { "p:ingress:f.o:redirect=a,,b", -EINVAL },
		{ "p:ingress:f.o:redirect=a:redirect=b", -EINVAL },
		{ "p:ingress:f.o:segment-first:segment-first", -EINVAL },
		{ "p:ingress:redirect=a", -EINVAL },
		{ "p:ingress:f.o:redirect=0123456789abcdef0123456789abcdef", -E2BIG },
	};
	struct vn_sw_xdp_spec xs;
	char err[128], big[4096];

	(void)state;
	assert_int_equal(vn_sw_xdp_spec_parse("vnet0:ingress:/x/drop.o", &xs, err, sizeof(err)), 0);
	assert_string_equal(xs.port, "vnet0");
	assert_int_equal(xs.dir, VN_SW_INGRESS);
	assert_string_equal(xs.path, "/x/drop.o");
	assert_string_equal(xs.section, "");
	assert_int_equal(xs.flags, 0);
	assert_int_equal(vn_sw_xdp_spec_parse("a:egress:f.o:xdp/foo:segment-first", &xs, NULL, 0),
			 0);
	assert_int_equal(xs.dir, VN_SW_EGRESS);
	assert_string_equal(xs.section, "xdp/foo");
	assert_int_equal(xs.flags, VN_SW_XDP_SEGMENT_FIRST);
	assert_int_equal(vn_sw_xdp_spec_parse("a:egress:f.o:segment-first", &xs, NULL, 0), 0);
	assert_string_equal(xs.section, "");
	assert_int_equal(xs.flags, VN_SW_XDP_SEGMENT_FIRST);
	assert_false(xs.has_redirect);
	/* redirect=LIST, before or after segment-first, with or without a section */
	assert_int_equal(vn_sw_xdp_spec_parse("a:ingress:f.o:xdp:redirect=b,c:segment-first", &xs,
					      NULL, 0), 0);
	assert_string_equal(xs.section, "xdp");
	assert_true(xs.has_redirect);
	assert_string_equal(xs.redirect, "b,c");
	assert_int_equal(xs.flags, VN_SW_XDP_SEGMENT_FIRST);
	assert_int_equal(vn_sw_xdp_spec_parse("a:ingress:f.o:redirect=none", &xs, NULL, 0), 0);
	assert_string_equal(xs.section, "");
	assert_string_equal(xs.redirect, "none");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(vn_sw_xdp_spec_parse(bad[i].spec, &xs, err, sizeof(err)),
				 bad[i].rc);
		assert_true(err[0] != '\0');
	}
	/* Fields past their sizes: port name, path, section */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big + VN_PORT_NAME_MAX, ":ingress:f.o", 12);
	assert_int_equal(vn_sw_xdp_spec_parse(big, &xs, err, sizeof(err)), -E2BIG);
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "p:ingress:", 10);
	big[10 + VN_SW_XDP_PATH_MAX] = '\0';
	assert_int_equal(vn_sw_xdp_spec_parse(big, &xs, err, sizeof(err)), -E2BIG);
	big[10 + VN_SW_XDP_PATH_MAX - 1] = '\0';
	assert_int_equal(vn_sw_xdp_spec_parse(big, &xs, err, sizeof(err)), 0);
	assert_int_equal(strlen(xs.path), VN_SW_XDP_PATH_MAX - 1);
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "p:ingress:f.o:", 14);
	big[14 + VN_BPF_OBJ_NAME_MAX] = '\0';
	assert_int_equal(vn_sw_xdp_spec_parse(big, &xs, err, sizeof(err)), -E2BIG);
	/* VN_SW_XDP_REDIRECT_PORTS names fit, one more does not */
	strcpy(big, "p:ingress:f.o:redirect=a");
	for (int i = 1; i < VN_SW_XDP_REDIRECT_PORTS; i++)
		strcat(big, ",a");
	assert_int_equal(vn_sw_xdp_spec_parse(big, &xs, err, sizeof(err)), 0);
	strcat(big, ",a");
	assert_int_equal(vn_sw_xdp_spec_parse(big, &xs, err, sizeof(err)), -E2BIG);
}


/* ---- the guest slot (guest XDP offload) ---- */

static const struct vn_sw_xdp_quota guest_q = { .mem = 16u << 20, .insns = 16384, .maps = 16 };

/* Read a whole object file (test programs are small) */
static uint8_t *slurp(const char *name, size_t *len)
{
	static uint8_t buf[4][1 << 18];
	static unsigned int k;
	FILE *f = fopen(prog(name), "rb");

	assert_non_null(f);
	k = (k + 1) % 4;
	*len = fread(buf[k], 1, sizeof(buf[k]), f);
	assert_true(*len > 0 && *len < sizeof(buf[k]));
	fclose(f);
	return buf[k];
}

static int guest_load_flags(struct rig *r, unsigned int port, const char *name,
			    unsigned int flags, const struct vn_sw_xdp_quota *q, char *err,
			    size_t err_sz)
{
	char pn[16];
	size_t len;
	const uint8_t *obj = slurp(name, &len);

	snprintf(pn, sizeof(pn), "swp%u", port);
	return vn_sw_xdp_guest_load(r->sw, pn, obj, len, "guest", NULL, flags, q ? q : &guest_q,
				    err, err_sz);
}

static int guest_load(struct rig *r, unsigned int port, const char *name,
		      const struct vn_sw_xdp_quota *q, char *err, size_t err_sz)
{
	return guest_load_flags(r, port, name, 0, q, err, err_sz);
}

static uint64_t guest_map_u64(struct rig *r, const char *port, const char *map, uint32_t key)
{
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint64_t v[VN_MAP_CPUS_MAX] = { 0 }, sum = 0;

	assert_int_equal(vn_sw_xdp_map_find_guest(r->sw, port, map, &m, &ref), 0);
	assert_int_equal(vn_map_lookup(m, &key, v), 0);
	for (unsigned int c = 0; c < m->ncpus; c++)
		sum += v[c];
	vn_sw_xdp_put(ref);
	return sum;
}

/* DROP never reaches the guest, PASS does; only that port's copy; counters and maps */
static void test_xdp_guest_verdicts(void **state)
{
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint64_t ptr = 0;
	uint32_t zero = 0;
	char err[256] = "";
	struct rig r;

	(void)state;
	rig_up(&r, 3, 1, 0);
	assert_int_equal(guest_load(&r, 1, "guest_icmp", NULL, err, sizeof(err)), 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 1, 56));
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 17, 56));
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 1, 56));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);	/* UDP only */
	assert_int_equal(count_rx(&r, 2), 3);	/* the other port: everything */
	assert_int_equal(stat(r.sp[1], "xdp_drop"), 2);
	assert_int_equal(stat(r.sp[1], "xdp_pass"), 1);
	assert_int_equal(guest_map_u64(&r, "swp1", "icmp_drops", 0), 2);
	/* flows: one source (10.0.0.1), two drops */
	{
		uint32_t src = 10 | 1u << 24;

		assert_int_equal(guest_map_u64(&r, "swp1", "flows", src), 2);
	}
	/* the pointer the program stored is a program-space address, not the host's */
	assert_int_equal(vn_sw_xdp_map_find_guest(r.sw, "swp1", "icmp_drops", &m, &ref), 0);
	{
		struct vn_sw_xdp *ref2;
		struct vn_map *lp;

		assert_int_equal(vn_sw_xdp_map_find_guest(r.sw, "swp1", "last_ptr", &lp, &ref2), 0);
		assert_int_equal(vn_map_lookup(lp, &zero, &ptr), 0);
		vn_sw_xdp_put(ref2);
	}
	assert_true(ptr != 0);
	assert_false(ptr >= (uintptr_t)m->values && ptr < (uintptr_t)m->values + m->arena_size);
	vn_sw_xdp_put(ref);
	/* nothing on the other ports' guest slots */
	assert_int_equal(vn_sw_xdp_map_find_guest(r.sw, "swp2", "icmp_drops", &m, &ref), -ENOENT);
	/* unload: ICMP reaches the port again */
	assert_int_equal(vn_sw_xdp_guest_unload(r.sw, "swp1"), 0);
	assert_int_equal(vn_sw_xdp_guest_unload(r.sw, "swp1"), -ENOENT);
	host_tx(&r, 0, mk_ip(&r, 0, 0, -1, 1, 56));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(count_rx(&r, 2), 1);
	rig_down(&r);
}

/* The operator's egress program runs first; the guest sees only what it passed */
static void test_xdp_guest_after_operator(void **state)
{
	struct vn_pkt *pkts[8];
	char err[256] = "";
	struct rig r;
	unsigned int n;

	(void)state;
	rig_up(&r, 2, 1, 0);
	attach(&r, 1, VN_SW_EGRESS, "ttl", 0);
	assert_int_equal(guest_load(&r, 1, "guest_icmp", NULL, err, sizeof(err)), 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 56));
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 1, 56));
	run(&r);
	n = host_rx(&r, 1, pkts, 8);
	assert_int_equal(n, 1);
	assert_int_equal(((uint8_t *)vn_pkt_data(pkts[0]))[22], 63);	/* the operator's ttl ran */
	vn_pkt_put(pkts[0]);
	assert_int_equal(guest_map_u64(&r, "swp1", "icmp_drops", 0), 1);
	/* the operator drops ICMP itself: the guest never sees it */
	assert_int_equal(vn_sw_xdp_detach(r.sw, "swp1", VN_SW_EGRESS), 0);
	attach(&r, 1, VN_SW_EGRESS, "drop_icmp", 0);
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 1, 56));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(guest_map_u64(&r, "swp1", "icmp_drops", 0), 1);
	rig_down(&r);
}

/* TX: back into the switch as if the guest had sent it */
static void test_xdp_guest_tx(void **state)
{
	struct vn_pkt *pkts[8];
	char err[256] = "";
	uint8_t mac[6];
	struct rig r;
	unsigned int n;

	(void)state;
	rig_up(&r, 3, 1, 0);
	assert_int_equal(guest_load(&r, 1, "xdp2", NULL, err, sizeof(err)), 0);
	/* station 0 (port 0) to station 1: flooded, port 1's guest swaps and sends back */
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 56));
	run(&r);
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(stat(r.sp[1], "xdp_tx"), 1);
	n = host_rx(&r, 0, pkts, 8);
	assert_int_equal(n, 1);		/* to station 0, learned on port 0 */
	mac_of(mac, 0);
	assert_memory_equal(vn_pkt_data(pkts[0]), mac, 6);
	vn_pkt_put(pkts[0]);
	assert_int_equal(count_rx(&r, 2), 1);	/* the original flood only */
	/* station 1 was learned on port 1: the guest sent it */
	assert_int_equal(stat(r.sp[1], "rx_packets"), 0);
	rig_down(&r);
}


/* TSO frames: the operator programs' rules (whole frame, metadata kept, rewrites ABORTED) */
static void test_xdp_guest_tso(void **state)
{
	struct vn_sw_xdp_info info;
	char err[256] = "";
	uint8_t ttl = 0;
	struct rig r;
	bool gso;

	(void)state;
	rig_up(&r, 2, 1, 0);
	/* a PASS without rewrite: one TSO frame, whole */
	assert_int_equal(guest_load(&r, 1, "guest_icmp", NULL, err, sizeof(err)), 0);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	assert_int_equal(rx_check_tso(&r, 1, &gso, &ttl), 1);
	assert_true(gso);
	/* an L3 rewrite of a whole TSO frame: ABORTED, never delivered */
	assert_int_equal(guest_load(&r, 1, "ttl", NULL, err, sizeof(err)), 0);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	info = info_of(&r, "swp1", VN_SW_EGRESS);
	assert_true(info.guest);
	assert_int_equal(info.stats.offload_broken, 1);
	assert_int_equal(stat(r.sp[1], "drop_xdp_aborted"), 1);
	/* the same program segment-first: three MTU frames, each rewritten */
	assert_int_equal(guest_load_flags(&r, 1, "ttl", VN_SW_XDP_SEGMENT_FIRST, NULL, err,
					  sizeof(err)), 0);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 3, 1200));
	run(&r);
	assert_int_equal(rx_check_tso(&r, 1, &gso, &ttl), 3);
	assert_false(gso);
	assert_int_equal(ttl, 63);
	info = info_of(&r, "swp1", VN_SW_EGRESS);
	assert_true(info.guest);
	assert_int_equal(info.flags, VN_SW_XDP_SEGMENT_FIRST);
	assert_int_equal(info.stats.pass, 3);
	assert_int_equal(stat(r.sp[1], "gso_sw_segs"), 3);
	/* an operator program before it that did not ask sees the frame
	 * once, whole; the guest's still sees the segments */
	attach(&r, 1, VN_SW_EGRESS, "hook_action", 0);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	assert_int_equal(rx_check_tso(&r, 1, &gso, &ttl), 4);
	assert_false(gso);
	assert_int_equal(ttl, 63);
	assert_int_equal(hook_seen(&r, "swp1", VN_SW_EGRESS, 1), 54 + 4000);
	/* an operator program that drops it: the guest's never runs */
	attach(&r, 1, VN_SW_EGRESS, "xdp1", VN_SW_XDP_REPLACE);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 0);
	assert_int_equal(stat(r.sp[1], "gso_sw_segs"), 7);
	assert_int_equal(vn_sw_xdp_detach(r.sw, "swp1", VN_SW_EGRESS), 0);
	/* a MAC swap and TX: back into the switch still one TSO frame */
	assert_int_equal(guest_load(&r, 1, "xdp2", NULL, err, sizeof(err)), 0);
	host_tx(&r, 0, mk_tso(&r, 0, 0, 1, 4, 1000));
	run(&r);
	run(&r);
	assert_int_equal(rx_check_tso(&r, 0, &gso, &ttl), 1);
	assert_true(gso);
	rig_down(&r);
}

static bool has(const char *s, const char *want)
{
	if (!strstr(s, want))
		fprintf(stderr, "'%s' lacks '%s'\n", s, want);
	return strstr(s, want) != NULL;
}

/* Refused loads name the helper or the quota and its numbers, and keep the old program */
static void test_xdp_guest_refused(void **state)
{
	struct vn_sw_xdp_quota q = guest_q;
	char err[256] = "";
	struct rig r;

	(void)state;
	rig_up(&r, 2, 1, 0);
	assert_int_equal(guest_load(&r, 1, "guest_icmp", NULL, err, sizeof(err)), 0);
	assert_int_equal(guest_load(&r, 1, "helpers", NULL, err, sizeof(err)), -EINVAL);
	assert_true(has(err, "bpf_ktime_get_ns"));
	assert_int_equal(guest_load(&r, 1, "redirect", NULL, err, sizeof(err)), -EINVAL);
	assert_true(has(err, "bpf_redirect"));
	q.maps = 2;
	assert_int_equal(guest_load(&r, 1, "guest_icmp", &q, err, sizeof(err)), -EDQUOT);
	assert_true(has(err, "xdp-offload-maps: object has 3 maps, limit 2"));
	q = guest_q;
	q.insns = 10;
	assert_int_equal(guest_load(&r, 1, "guest_icmp", &q, err, sizeof(err)), -EDQUOT);
	assert_true(has(err, "xdp-offload-insns: program has "));
	assert_true(has(err, "instructions, limit 10"));
	q = guest_q;
	q.mem = 128u << 10;
	assert_int_equal(guest_load(&r, 1, "guest_big", &q, err, sizeof(err)), -EDQUOT);
	assert_true(has(err, "xdp-offload-mem: loading needs at least "));
	assert_true(has(err, "bytes, limit 131072"));
	q.mem = 2048;
	assert_int_equal(guest_load(&r, 1, "guest_big", &q, err, sizeof(err)), -EDQUOT);
	assert_true(has(err, "xdp-offload-mem: the object alone is"));
	/* the first program still runs */
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 1, 56));
	host_tx(&r, 0, mk_ip(&r, 0, 0, 1, 17, 56));
	run(&r);
	assert_int_equal(count_rx(&r, 1), 1);
	assert_int_equal(guest_map_u64(&r, "swp1", "icmp_drops", 0), 1);
	/* no such port */
	{
		size_t len;
		const uint8_t *obj = slurp("guest_icmp", &len);

		assert_int_equal(vn_sw_xdp_guest_load(r.sw, "nosuch", obj, len, "guest", NULL, 0,
						      &guest_q, err, sizeof(err)), -ENOENT);
		/* garbage is refused, not a crash */
		assert_int_not_equal(vn_sw_xdp_guest_load(r.sw, "swp1", obj, len / 2, "guest",
							  NULL, 0, &guest_q, err, sizeof(err)), 0);
		assert_int_equal(vn_sw_xdp_guest_load(r.sw, "swp1", obj, len, "guest", "nosuch", 0,
						      &guest_q, err, sizeof(err)), -ENOENT);
		/* a flag guests cannot set */
		assert_int_equal(vn_sw_xdp_guest_load(r.sw, "swp1", obj, len, "guest", NULL,
						      VN_SW_XDP_REPLACE, &guest_q, err,
						      sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "unknown guest program flags"));
	}
	rig_down(&r);
}

/* bytes in use; under ASan (its own allocator, its own leak check) not known */
#if defined(__SANITIZE_ADDRESS__)
#define MEM_KNOWN 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEM_KNOWN 0
#endif
#endif
#ifndef MEM_KNOWN
#define MEM_KNOWN 1
#endif
static size_t mem_in_use(void)
{
	return MEM_KNOWN ? mallinfo2().uordblks : 0;
}

static int count_owner(const struct vn_sw_xdp_info *i, void *arg)
{
	unsigned int *n = arg;

	n[i->guest ? 1 : 0]++;
	return 0;
}

/* Unload, replacing load and port deletion free everything: memory as before */
static void test_xdp_guest_memory(void **state)
{
	unsigned int owners[2] = { 0, 0 };
	char err[256] = "";
	struct rig r;
	size_t before;

	(void)state;
	rig_up(&r, 2, 1, 0);
	/* the first round allocates what the process keeps (log, tables): the
	 * second must end where it started */
	for (int round = 0; round < 2; round++) {
		before = mem_in_use();
		assert_int_equal(guest_load(&r, 1, "guest_icmp", NULL, err, sizeof(err)), 0);
		/* a replacing load */
		assert_int_equal(guest_load(&r, 1, "guest_big", NULL, err, sizeof(err)), 0);
		assert_true(!MEM_KNOWN || mem_in_use() > before + (256u << 10));
		assert_int_equal(guest_load(&r, 1, "guest_icmp", NULL, err, sizeof(err)), 0);
		attach(&r, 1, VN_SW_EGRESS, "ttl", 0);
		owners[0] = owners[1] = 0;
		vn_sw_xdp_foreach(r.sw, count_owner, owners);
		assert_int_equal(owners[0], 1);
		assert_int_equal(owners[1], 1);
		assert_int_equal(vn_sw_xdp_detach(r.sw, "swp1", VN_SW_EGRESS), 0);
		assert_int_equal(vn_sw_xdp_guest_unload(r.sw, "swp1"), 0);
	}
	assert_int_equal(mem_in_use(), before);
	rig_down(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_hook_ingress_drop_by_proto),
		cmocka_unit_test(test_xdp_hook_ingress_tx_bounce),
		cmocka_unit_test(test_xdp_hook_redirect_obeys_vlans),
		cmocka_unit_test(test_xdp_hook_redirect_list),
		cmocka_unit_test(test_xdp_hook_helper_stall_contained),
		cmocka_unit_test(test_xdp_hook_redirect_devmap),
		cmocka_unit_test(test_xdp_hook_redirect_port_id),
		cmocka_unit_test(test_xdp_hook_aborted),
		cmocka_unit_test(test_xdp_hook_egress),
		cmocka_unit_test(test_xdp_hook_tso),
		cmocka_unit_test(test_xdp_hook_attach_errors),
		cmocka_unit_test(test_xdp_hook_attach_while_running),
		cmocka_unit_test(test_xdp_hook_budget),
		cmocka_unit_test(test_xdp_hook_spec_parse),
		cmocka_unit_test(test_xdp_guest_verdicts),
		cmocka_unit_test(test_xdp_guest_after_operator),
		cmocka_unit_test(test_xdp_guest_tx),
		cmocka_unit_test(test_xdp_guest_tso),
		cmocka_unit_test(test_xdp_guest_refused),
		cmocka_unit_test(test_xdp_guest_memory),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR\n", argv[0]);
		return 2;
	}
	progs_dir = argv[1];
	vn_log_set_level(VN_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
