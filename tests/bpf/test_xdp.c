// SPDX-License-Identifier: MIT
/* test_xdp.c - XDP runner: context, verdicts, helpers, per-worker maps, offload metadata rules */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf/xdp.h"
#include "core/csum.h"
#include "core/pool.h"

static const char *progs_dir;
static struct vn_pool *pool;

/* UDP/IPv4 frame 10.0.0.1:4660 -> 10.0.0.2:9, 64 bytes, IP checksum valid
 * (built by hand from RFC 791/768 field layouts) */
static const uint8_t udp4[64] = {
	0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x32, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x12, 0x34, 0x00, 0x09, 0x00, 0x1e, 0x00, 0x00,
	'v', 'n', 'e', 't', 'd',
};

static struct vn_xdp_prog *load(const char *file, const char *prog, unsigned int workers)
{
	struct vn_xdp_opts o = { .nworkers = workers };
	struct vn_xdp_prog *xp = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", progs_dir, file);
	assert_int_equal(vn_xdp_prog_open_file(path, prog, &o, &xp), 0);
	return xp;
}

static struct vn_pkt *frame(const uint8_t *bytes, size_t len)
{
	struct vn_pkt *pkt = vn_pool_alloc(pool);

	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, bytes, (uint32_t)len), 0);
	return pkt;
}

static void fix_ip_csum(uint8_t *ip)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = vn_csum_fold(vn_csum_partial(ip, 20, 0));
	memcpy(ip + 10, &c, 2);
}

static void test_xdp_xdp1_percpu_counts(void **state)
{
	struct vn_xdp_prog *xp = load("xdp1.bpf.o", NULL, 2);
	struct vn_map *m = vn_bpf_obj_map_find(xp->obj, "rxcnt");
	uint64_t all[2];
	uint32_t key = 17;
	struct vn_xdp_stats st;

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct vn_pkt *pkt = frame(udp4, sizeof(udp4));

		assert_int_equal(vn_xdp_run(xp, pkt, i == 0 ? 0 : 1, NULL), XDP_DROP);
		vn_pkt_put(pkt);
	}
	assert_int_equal(vn_map_lookup(m, &key, all), 0);
	assert_int_equal(all[0], 1);	/* worker 0's copy */
	assert_int_equal(all[1], 2);	/* worker 1's copy */
	vn_xdp_stats_sum(xp, &st);
	assert_int_equal(st.drop, 3);
	assert_int_equal(st.aborted, 0);
	/* The same counter through the name table vnetctl uses */
	for (unsigned int i = 0; i < VN_XDP_NSTATS; i++)
		if (!strcmp(vn_xdp_stats_desc[i].name, "xdp_drop"))
			assert_int_equal(*(uint64_t *)((uint8_t *)&st + vn_xdp_stats_desc[i].off), 3);
	vn_xdp_prog_close(xp);
}

static void test_xdp_xdp2_swaps_macs(void **state)
{
	struct vn_xdp_prog *xp = load("xdp2.bpf.o", NULL, 1);
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));

	(void)state;
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_TX);
	assert_memory_equal(vn_pkt_data(pkt), udp4 + 6, 6);
	assert_memory_equal(vn_pkt_data(pkt) + 6, udp4, 6);
	assert_memory_equal(vn_pkt_data(pkt) + 12, udp4 + 12, sizeof(udp4) - 12);
	vn_pkt_put(pkt);
	/* A runt frame: the program's own bounds check drops it */
	pkt = frame(udp4, 10);
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_DROP);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

static void test_xdp_redirect_devmap(void **state)
{
	struct vn_xdp_prog *xp = load("redirect.bpf.o", "xdp/redirect", 1);
	struct vn_map *tx = vn_bpf_obj_map_find(xp->obj, "tx_port");
	struct vn_map *last = vn_bpf_obj_map_find(xp->obj, "last_port");
	uint32_t k = 1, port = 42, zero = 0, got = 0, lp;
	uint8_t f[64];
	struct vn_pkt *pkt;

	(void)state;
	assert_int_equal(vn_map_update(tx, &k, &port, BPF_ANY), 0);
	memcpy(f, udp4, sizeof(f));
	f[5] = 0x09;	/* dest MAC ends in 9: key 1 */
	pkt = frame(f, sizeof(f));
	assert_int_equal(vn_xdp_run(xp, pkt, 0, &got), XDP_REDIRECT);
	assert_int_equal(got, 42);
	assert_int_equal(vn_map_lookup(last, &zero, &lp), 0);
	assert_int_equal(lp, 42);
	vn_pkt_put(pkt);
	f[5] = 0x02;	/* key 2: empty slot, the flags' default action */
	pkt = frame(f, sizeof(f));
	assert_int_equal(vn_xdp_run(xp, pkt, 0, &got), XDP_PASS);
	assert_int_equal(vn_map_lookup(last, &zero, &lp), 0);
	assert_int_equal(lp, 0xffffffff);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

static void test_xdp_encap_adjust_head(void **state)
{
	struct vn_xdp_prog *xp = load("encap.bpf.o", "xdp_encap", 1);
	struct vn_map *bss = vn_bpf_obj_map_find(xp->obj, ".bss");
	uint8_t f[64], v[16];
	uint32_t zero = 0;
	struct vn_pkt *pkt;
	uint64_t encapped;
	const uint8_t *out;

	(void)state;
	memcpy(f, udp4, sizeof(f));
	fix_ip_csum(f + 14);
	pkt = frame(f, sizeof(f));
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_TX);
	assert_int_equal(pkt->len, 84);
	assert_int_equal(pkt->off, VN_PKT_HEADROOM - 20);
	out = vn_pkt_data(pkt);
	assert_int_equal(out[14], 0x45);
	assert_int_equal(out[23], 4);	/* IPPROTO_IPIP */
	/* The outer checksum the program computed with bpf_csum_diff verifies */
	assert_int_equal(vn_csum_fold(vn_csum_partial(out + 14, 20, 0)), 0);
	assert_memory_equal(out + 34, f + 14, 50);	/* inner packet intact */
	assert_int_equal(vn_map_lookup(bss, &zero, v), 0);
	memcpy(&encapped, v, 8);
	assert_int_equal(encapped, 1);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

static void test_xdp_trim_tail_and_meta(void **state)
{
	struct vn_xdp_prog *xp = load("encap.bpf.o", "xdp_trim", 1);
	struct vn_map *st = vn_bpf_obj_map_find(xp->obj, "trim_stats");
	uint8_t big[200] = { 0 };
	uint32_t k = 0, v;
	struct vn_pkt *pkt;

	(void)state;
	memcpy(big, udp4, sizeof(udp4));
	pkt = frame(big, sizeof(big));
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_TX);
	assert_int_equal(pkt->len, 60);
	assert_int_equal(vn_map_lookup(st, &k, &v), 0);
	assert_int_equal(v, 200);	/* written to and read from the metadata */
	k = 1;
	assert_int_equal(vn_map_lookup(st, &k, &v), 0);
	assert_int_equal(v, 60);
	vn_pkt_put(pkt);
	/* A 20-byte frame grows to 60, the new bytes zeroed */
	memset(big, 0xee, sizeof(big));
	pkt = frame(big, 20);
	memset(vn_pkt_data(pkt) + 20, 0xaa, 64);	/* stale tailroom bytes */
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_TX);
	assert_int_equal(pkt->len, 60);
	for (int i = 20; i < 60; i++)
		assert_int_equal(vn_pkt_data(pkt)[i], 0);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

static void test_xdp_lru_flow_subprograms(void **state)
{
	struct vn_xdp_prog *xp = load("lru_flow.bpf.o", NULL, 1);
	struct vn_map *flows = vn_bpf_obj_map_find(xp->obj, "flows");
	struct vn_map *blocked = vn_bpf_obj_map_find(xp->obj, "blocked");
	uint8_t key[16], nk[16];
	uint64_t val[2];
	uint32_t saddr, one = 1;
	int n = 0;

	(void)state;
	for (int i = 0; i < 5; i++) {
		struct vn_pkt *pkt = frame(udp4, sizeof(udp4));

		assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_PASS);
		vn_pkt_put(pkt);
	}
	assert_int_equal(vn_map_get_next_key(flows, NULL, key), 0);
	assert_int_equal(vn_map_lookup(flows, key, val), 0);
	assert_int_equal(val[0], 5);
	assert_int_equal(val[1], 5 * 64);
	assert_int_equal(key[12], 17);			/* proto */
	assert_int_equal(key[10], 0x00);		/* dport 9, network order */
	assert_int_equal(key[11], 0x09);
	while (vn_map_get_next_key(flows, n ? key : NULL, nk) == 0) {
		memcpy(key, nk, sizeof(key));
		n++;
	}
	assert_int_equal(n, 1);
	memcpy(&saddr, udp4 + 26, 4);
	assert_int_equal(vn_map_update(blocked, &saddr, &one, BPF_ANY), 0);
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_DROP);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

/* Offload metadata rules of xdp.h, one row per case */
static void test_xdp_offload_rules(void **state)
{
	struct vn_xdp_prog *x2 = load("xdp2.bpf.o", NULL, 1);
	struct vn_xdp_prog *enc = load("encap.bpf.o", "xdp_encap", 1);
	struct vn_xdp_prog *trim = load("encap.bpf.o", "xdp_trim", 1);
	struct vn_xdp_stats st;
	uint8_t f[200] = { 0 };
	struct vn_pkt *pkt;

	(void)state;
	memcpy(f, udp4, sizeof(udp4));
	f[16] = 0, f[17] = 186;	/* IP total length for 200 bytes */
	fix_ip_csum(f + 14);
	/* 1. MAC swap on a GSO frame: metadata kept */
	pkt = frame(f, sizeof(f));
	pkt->vh = (struct vn_vhdr){ .flags = VN_VHDR_F_NEEDS_CSUM, .gso_type = VN_VHDR_GSO_UDP_L4,
				    .gso_size = 50, .hdr_len = 42, .csum_start = 34, .csum_offset = 6 };
	assert_int_equal(vn_xdp_run(x2, pkt, 0, NULL), XDP_TX);
	assert_int_equal(pkt->vh.csum_start, 34);
	assert_int_equal(pkt->vh.gso_type, VN_VHDR_GSO_UDP_L4);
	vn_pkt_put(pkt);
	/* 2. encapsulation of a NEEDS_CSUM frame: shifted by 20 */
	pkt = frame(f, sizeof(f));
	pkt->vh = (struct vn_vhdr){ .flags = VN_VHDR_F_NEEDS_CSUM, .hdr_len = 42,
				    .csum_start = 34, .csum_offset = 6 };
	assert_int_equal(vn_xdp_run(enc, pkt, 0, NULL), XDP_TX);
	assert_int_equal(pkt->vh.csum_start, 54);
	assert_int_equal(pkt->vh.hdr_len, 62);
	assert_true(pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM);
	vn_pkt_put(pkt);
	vn_xdp_stats_sum(enc, &st);
	assert_int_equal(st.offload_shifted, 1);
	/* 3a. encapsulation of a GSO frame: cannot be proven, aborted */
	pkt = frame(f, sizeof(f));
	pkt->vh = (struct vn_vhdr){ .flags = VN_VHDR_F_NEEDS_CSUM, .gso_type = VN_VHDR_GSO_UDP_L4,
				    .gso_size = 50, .hdr_len = 42, .csum_start = 34, .csum_offset = 6 };
	assert_int_equal(vn_xdp_run(enc, pkt, 0, NULL), XDP_ABORTED);
	vn_pkt_put(pkt);
	vn_xdp_stats_sum(enc, &st);
	assert_int_equal(st.offload_broken, 1);
	/* 3b. tail trimmed on a NEEDS_CSUM frame: completed in software */
	pkt = frame(f, sizeof(f));
	pkt->vh = (struct vn_vhdr){ .flags = VN_VHDR_F_NEEDS_CSUM, .csum_start = 34,
				    .csum_offset = 6 };
	assert_int_equal(vn_xdp_run(trim, pkt, 0, NULL), XDP_TX);
	assert_false(pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM);
	vn_pkt_put(pkt);
	vn_xdp_stats_sum(trim, &st);
	assert_int_equal(st.offload_csum_sw, 1);
	/* No offload metadata: tail moved clears DATA_VALID */
	pkt = frame(f, sizeof(f));
	pkt->vh.flags = VN_VHDR_F_DATA_VALID;
	assert_int_equal(vn_xdp_run(trim, pkt, 0, NULL), XDP_TX);
	assert_int_equal(pkt->vh.flags, 0);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(x2);
	vn_xdp_prog_close(enc);
	vn_xdp_prog_close(trim);
}

/* A shared frame is read-only: a writing program aborts, the bytes stay */
static void test_xdp_shared_frame_read_only(void **state)
{
	struct vn_xdp_prog *xp = load("xdp2.bpf.o", NULL, 1);
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	struct vn_xdp_stats st;

	(void)state;
	vn_pkt_get(pkt);
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_ABORTED);
	assert_memory_equal(vn_pkt_data(pkt), udp4, sizeof(udp4));
	vn_xdp_stats_sum(xp, &st);
	assert_int_equal(st.fault, 1);
	vn_pkt_put(pkt);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

static void test_xdp_ipv6_ext_walk(void **state)
{
	struct vn_xdp_prog *xp = load("ipv6_ext.bpf.o", NULL, 1);
	struct vn_map *depth = vn_bpf_obj_map_find(xp->obj, "by_depth");
	/* IPv6: hop-by-hop (8 bytes) -> dest opts (16 bytes) -> UDP port 9 */
	uint8_t f[14 + 40 + 8 + 16 + 8] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x86, 0xdd,
					    0x60, 0, 0, 0, 0, 32, 0, 64 };
	uint32_t k = 2;
	uint64_t n;
	struct vn_pkt *pkt;

	(void)state;
	f[14 + 40] = 60;		/* HBH: next = dest opts, len 0 (8 bytes) */
	f[14 + 48] = 17;		/* DSTOPTS: next = UDP, len 1 (16 bytes) */
	f[14 + 49] = 1;
	f[14 + 64 + 2] = 0, f[14 + 64 + 3] = 9;	/* UDP dport 9 */
	pkt = frame(f, sizeof(f));
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_DROP);
	vn_pkt_put(pkt);
	assert_int_equal(vn_map_lookup(depth, &k, &n), 0);
	assert_int_equal(n, 1);
	vn_xdp_prog_close(xp);
}

static void test_xdp_misc_helpers(void **state)
{
	struct vn_xdp_prog *xp = load("helpers.bpf.o", "xdp_helpers", 2);
	struct vn_map *out = vn_bpf_obj_map_find(xp->obj, "out");
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	uint32_t port = 0, k;
	uint64_t v[4];

	(void)state;
	assert_int_equal(vn_xdp_run(xp, pkt, 1, &port), XDP_REDIRECT);
	assert_int_equal(port, 7);
	for (k = 0; k < 4; k++)
		assert_int_equal(vn_map_lookup(out, &k, &v[k]), 0);
	assert_true(v[0] > 0);			/* ktime_get_ns */
	assert_int_equal(v[2], 1);		/* get_smp_processor_id: the worker */
	assert_int_equal(v[3], strlen("helpers: rxq 1 len 64"));	/* printk bytes */
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

/* Hostile helper arguments stop the run; redirect flags give ABORTED */
static void test_xdp_hostile_helper_args(void **state)
{
	static const char *const progs[] = { "xdp_forged_map", "xdp_bad_ptr", "xdp_oob_read",
					     "xdp_write_rodata", "xdp_redirect_flags" };
	struct vn_xdp_stats st;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		struct vn_xdp_prog *xp = load("helpers.bpf.o", progs[i], 1);
		struct vn_pkt *pkt = frame(udp4, sizeof(udp4));

		assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_ABORTED);
		vn_xdp_stats_sum(xp, &st);
		assert_int_equal(st.aborted, 1);
		assert_int_equal(st.fault, i < 4 ? 1 : 0);
		vn_pkt_put(pkt);
		vn_xdp_prog_close(xp);
	}
}

static void test_xdp_load_store_bytes(void **state)
{
	struct vn_xdp_prog *xp = load("bytes.bpf.o", NULL, 1);
	struct vn_map *res = vn_bpf_obj_map_find(xp->obj, "res");
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	uint32_t k = 3;
	int64_t v;

	(void)state;
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_TX);
	assert_memory_equal(vn_pkt_data(pkt), udp4 + 26, 4);	/* saddr over the MAC */
	assert_int_equal(vn_map_lookup(res, &k, &v), 0);
	assert_int_equal(v, -EINVAL);				/* read past the end */
	k = 0;
	assert_int_equal(vn_map_lookup(res, &k, &v), 0);
	assert_int_equal(v, 64);				/* get_buff_len */
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

static void test_xdp_printk_rejects_percent_s(void **state)
{
	struct vn_xdp_prog *xp = load("helpers.bpf.o", "xdp_printk_bad", 1);
	struct vn_map *out = vn_bpf_obj_map_find(xp->obj, "out");
	struct vn_pkt *pkt = frame(udp4, sizeof(udp4));
	uint32_t k = 0;
	uint64_t v;

	(void)state;
	assert_int_equal(vn_xdp_run(xp, pkt, 0, NULL), XDP_PASS);
	assert_int_equal(vn_map_lookup(out, &k, &v), 0);
	assert_int_equal((int64_t)v, -EINVAL);
	vn_pkt_put(pkt);
	vn_xdp_prog_close(xp);
}

/* Maps, instructions and per-worker run contexts are all charged */
static void test_xdp_owner_cap(void **state)
{
	struct vn_bpf_owner own = { .mem_limit = 1 << 20 };
	struct vn_xdp_opts o = { .owner = &own, .nworkers = 2 };
	struct vn_xdp_prog *xp;
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/lru_flow.bpf.o", progs_dir);
	assert_int_equal(vn_xdp_prog_open_file(path, NULL, &o, &xp), 0);
	assert_true(own.mem_used > 2 * sizeof(struct vn_bpf_run_ctx) + 108 * 8);
	vn_xdp_prog_close(xp);
	assert_int_equal(own.mem_used, 0);
	o.nworkers = 256;	/* 256 run contexts of ~4.5 KiB pass 1 MiB */
	assert_int_equal(vn_xdp_prog_open_file(path, NULL, &o, &xp), -ENOMEM);
	assert_int_equal(own.mem_used, 0);
}

static void test_xdp_rejects_missing_prog(void **state)
{
	struct vn_xdp_prog *xp;
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/xdp1.bpf.o", progs_dir);
	assert_int_equal(vn_xdp_prog_open_file(path, "nope", NULL, &xp), -ENOENT);
	assert_null(xp);
	assert_int_equal(vn_xdp_prog_open_file("/nonexistent.o", NULL, NULL, &xp), -ENOENT);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_xdp1_percpu_counts),
		cmocka_unit_test(test_xdp_xdp2_swaps_macs),
		cmocka_unit_test(test_xdp_redirect_devmap),
		cmocka_unit_test(test_xdp_encap_adjust_head),
		cmocka_unit_test(test_xdp_trim_tail_and_meta),
		cmocka_unit_test(test_xdp_lru_flow_subprograms),
		cmocka_unit_test(test_xdp_offload_rules),
		cmocka_unit_test(test_xdp_shared_frame_read_only),
		cmocka_unit_test(test_xdp_ipv6_ext_walk),
		cmocka_unit_test(test_xdp_misc_helpers),
		cmocka_unit_test(test_xdp_hostile_helper_args),
		cmocka_unit_test(test_xdp_load_store_bytes),
		cmocka_unit_test(test_xdp_printk_rejects_percent_s),
		cmocka_unit_test(test_xdp_owner_cap),
		cmocka_unit_test(test_xdp_rejects_missing_prog),
	};
	int ret;

	progs_dir = argc > 1 ? argv[1] : "tests/bpf/progs";
	if (vn_pool_create("xdp-test", 16, &pool))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	vn_pool_destroy(pool);
	return ret;
}
