// SPDX-License-Identifier: MIT
/* test_xdp_kernel.c - differential tests: the same XDP objects in the kernel and in vnetd
 *
 * Each clang-built program of tests/bpf/progs is loaded into the kernel with
 * libbpf (needs CAP_BPF: suite e2e, run as root) and into vnetd's runtime,
 * once in the interpreter and once as hardened JIT code.
 * The same frames go through both, the kernel's via BPF_PROG_TEST_RUN
 * (bpf_prog_test_run_opts with data_in/data_out); the verdict, the output
 * bytes and, at the end, every map's contents must be equal. Per-CPU maps
 * are compared as the sum over CPUs (vnetd runs one worker).
 *
 * What cannot be compared: the kernel's test_run does not perform a
 * redirect (it returns the verdict), so for the devmap program the verdict
 * and the map contents are compared, and vnetd's target port is checked
 * against the devmap value; the kernel devmap needs a real ifindex (lo, 1),
 * vnetd's holds port id 1.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/vm.h"
#include "bpf/xdp.h"
#include "core/csum.h"
#include "core/pool.h"

static const char *progs_dir;
static struct vn_pool *pool;

struct frame {
	uint8_t b[1600];
	uint32_t len;
};

/* Frame builders: Ethernet / VLAN / IPv4 / IPv6 (+ext) / TCP / UDP / ICMP */
static uint32_t put_eth(uint8_t *p, uint8_t dlast, uint16_t type)
{
	static const uint8_t dst[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x00 };
	static const uint8_t src[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

	memcpy(p, dst, 6);
	p[5] = dlast;
	memcpy(p + 6, src, 6);
	p[12] = (uint8_t)(type >> 8);
	p[13] = (uint8_t)type;
	return 14;
}

static uint32_t put_l4(uint8_t *p, uint8_t proto, uint16_t sport, uint16_t dport, uint32_t plen)
{
	memset(p, 0, 20);
	if (proto == 6 || proto == 17) {
		p[0] = (uint8_t)(sport >> 8), p[1] = (uint8_t)sport;
		p[2] = (uint8_t)(dport >> 8), p[3] = (uint8_t)dport;
	}
	if (proto == 6)
		p[12] = 0x50;
	if (proto == 17) {
		p[4] = (uint8_t)((8 + plen) >> 8);
		p[5] = (uint8_t)(8 + plen);
	}
	if (proto == 1)
		p[0] = 8;	/* echo request */
	for (uint32_t i = 0; i < plen; i++)
		p[(proto == 6 ? 20 : 8) + i] = (uint8_t)(i * 7 + proto);
	return (proto == 6 ? 20 : 8) + plen;
}

static void mk_ipv4(struct frame *f, int vlans, uint8_t proto, uint32_t saddr,
		    uint16_t sport, uint16_t dport, uint32_t plen, uint8_t dlast)
{
	uint8_t *p = f->b;
	uint32_t o = 0, l4;
	uint16_t c;

	memset(f, 0, sizeof(*f));
	o = put_eth(p, dlast, vlans ? (vlans == 2 ? 0x88a8 : 0x8100) : 0x0800);
	for (int v = 0; v < vlans; v++) {
		p[o] = 0, p[o + 1] = (uint8_t)(10 + v);
		p[o + 2] = v + 1 < vlans ? 0x81 : 0x08;
		p[o + 3] = v + 1 < vlans ? 0x00 : 0x00;
		o += 4;
	}
	l4 = put_l4(p + o + 20, proto, sport, dport, plen);
	p[o] = 0x45;
	p[o + 2] = (uint8_t)((20 + l4) >> 8), p[o + 3] = (uint8_t)(20 + l4);
	p[o + 8] = 64, p[o + 9] = proto;
	memcpy(p + o + 12, &saddr, 4);
	p[o + 16] = 10, p[o + 19] = 2;
	c = vn_csum_fold(vn_csum_partial(p + o, 20, 0));
	memcpy(p + o + 10, &c, 2);
	f->len = o + 20 + l4;
}

/* IPv6 with a chain of extension headers (types in @ext, 0-terminated) */
static void mk_ipv6(struct frame *f, const uint8_t *ext, uint8_t proto, uint16_t dport,
		    uint32_t plen)
{
	uint8_t *p = f->b, *nh;
	uint32_t o;

	memset(f, 0, sizeof(*f));
	o = put_eth(p, 3, 0x86dd);
	p[o] = 0x60;
	p[o + 7] = 64;
	p[o + 8] = 0xfd, p[o + 23] = 1, p[o + 24] = 0xfd, p[o + 39] = 2;
	nh = &p[o + 6];
	o += 40;
	for (int i = 0; ext && ext[i]; i++) {
		uint32_t len = ext[i] == 44 ? 8 : ext[i] == 51 ? 16 : 8 * (1 + i % 2);

		*nh = ext[i];
		nh = &p[o];
		p[o + 1] = ext[i] == 44 ? 0 : ext[i] == 51 ? (uint8_t)(len / 4 - 2) :
			   (uint8_t)(len / 8 - 1);
		o += len;
	}
	*nh = proto;
	o += put_l4(p + o, proto, 1000, dport, plen);
	f->len = o;
	p[18] = (uint8_t)((o - 54) >> 8), p[19] = (uint8_t)(o - 54);
}

static int build_frames(struct frame *fs, int max)
{
	static const uint8_t ext_hbh[] = { 0, 0 };
	static const uint8_t ext_chain[] = { 60, 43, 44, 60, 0 };
	static const uint8_t ext_ah[] = { 51, 60, 0 };
	static const uint8_t ext_long[] = { 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 0 };
	int n = 0;

	mk_ipv4(&fs[n++], 0, 17, 0x0100000a, 4660, 9, 22, 1);
	mk_ipv4(&fs[n++], 0, 6, 0x0100000a, 40000, 80, 100, 2);
	mk_ipv4(&fs[n++], 0, 1, 0x0200000a, 0, 0, 56, 1);
	mk_ipv4(&fs[n++], 1, 17, 0x0300000a, 53, 53, 30, 0);
	mk_ipv4(&fs[n++], 2, 6, 0x0300000a, 22, 2222, 0, 5);
	mk_ipv4(&fs[n++], 0, 17, 0x0400000a, 1, 2, 1400, 1);
	mk_ipv4(&fs[n++], 0, 47, 0x0500000a, 0, 0, 10, 7);
	mk_ipv6(&fs[n++], NULL, 17, 9, 10);
	mk_ipv6(&fs[n++], NULL, 6, 443, 40);
	/* ext_hbh[0] == 0 is HOPOPTS; walk it by hand */
	mk_ipv6(&fs[n], NULL, 17, 9, 4);
	{
		struct frame *f = &fs[n++];
		uint8_t tmp[1600];
		uint32_t l4 = f->len - 54;

		memcpy(tmp, f->b + 54, l4);
		f->b[20] = 0;			/* next header: hop-by-hop */
		memset(f->b + 54, 0, 8);
		f->b[54] = 17;
		memcpy(f->b + 62, tmp, l4);
		f->len += 8;
	}
	(void)ext_hbh;
	mk_ipv6(&fs[n++], ext_chain, 17, 9, 12);
	mk_ipv6(&fs[n++], ext_chain, 6, 9, 12);
	mk_ipv6(&fs[n++], ext_ah, 17, 7, 12);
	mk_ipv6(&fs[n++], ext_long, 17, 9, 12);
	/* ARP, a bare Ethernet header, a truncated IPv4 and IPv6 header */
	memset(&fs[n], 0, sizeof(fs[n]));
	fs[n].len = put_eth(fs[n].b, 1, 0x0806) + 28;
	n++;
	memset(&fs[n], 0, sizeof(fs[n]));
	fs[n].len = put_eth(fs[n].b, 1, 0x0800);
	n++;
	mk_ipv4(&fs[n], 0, 17, 0x0600000a, 1, 2, 0, 1);
	fs[n++].len = 14 + 12;
	mk_ipv6(&fs[n], NULL, 17, 9, 0);
	fs[n++].len = 14 + 30;
	/* Random frames with a real ethertype */
	srand(5);
	while (n < max) {
		static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8 };
		struct frame *f = &fs[n++];

		f->len = 14 + (uint32_t)(rand() % 200);
		for (uint32_t i = 0; i < f->len; i++)
			f->b[i] = (uint8_t)rand();
		put_eth(f->b, (uint8_t)rand(), types[rand() % 4]);
		if (f->b[12] == 0x08 && f->len > 20)
			f->b[14] = 0x45;
	}
	return n;
}

struct kern {
	struct bpf_object *obj;
	int prog_fd;
};

static void kern_open(struct kern *k, const char *file, const char *prog)
{
	char path[512];
	struct bpf_program *p;

	snprintf(path, sizeof(path), "%s/%s", progs_dir, file);
	k->obj = bpf_object__open_file(path, NULL);
	assert_non_null(k->obj);
	assert_int_equal(libbpf_get_error(k->obj), 0);
	/* libbpf 1.x no longer knows legacy "xdp/<name>" sections: say it;
	 * and only the program under test goes to the kernel, so that one
	 * the kernel refuses cannot take the others with it */
	bpf_object__for_each_program(p, k->obj) {
		bpf_program__set_type(p, BPF_PROG_TYPE_XDP);
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	}
	assert_int_equal(bpf_object__load(k->obj), 0);
	p = bpf_object__find_program_by_name(k->obj, prog);
	assert_non_null(p);
	k->prog_fd = bpf_program__fd(p);
	assert_true(k->prog_fd >= 0);
}

/* each test runs once per engine: the group's VN_BPF_F_* */
static unsigned int engine_flags;

static int group_interp(void **state)
{
	(void)state;
	engine_flags = VN_BPF_F_INTERP;
	return 0;
}

static int group_jit(void **state)
{
	(void)state;
	engine_flags = VN_BPF_F_HARDEN;
	return 0;
}

static struct vn_xdp_prog *vn_open(const char *file, const char *prog)
{
	struct vn_xdp_opts o = { .nworkers = 1, .vm_flags = engine_flags };
	struct vn_xdp_prog *xp = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", progs_dir, file);
	assert_int_equal(vn_xdp_prog_open_file(path, prog, &o, &xp), 0);
	assert_int_equal(vn_xdp_prog_jited(xp),
			 !(engine_flags & VN_BPF_F_INTERP) && vn_bpf_jit_supported());
	return xp;
}

/* One frame through both; verdict and bytes must match */
static int run_both(struct kern *k, struct vn_xdp_prog *xp, const struct frame *f,
		    uint32_t *port)
{
	uint8_t out[4096];
	struct xdp_md ctx_in = { .data_end = f->len }, ctx_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = f->b, .data_size_in = f->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out));
	uint32_t meta;
	struct vn_pkt *pkt = vn_pool_alloc(pool);
	int act;

	assert_int_equal(bpf_prog_test_run_opts(k->prog_fd, &topts), 0);
	assert_non_null(pkt);
	assert_int_equal(vn_pkt_set(pkt, f->b, f->len), 0);
	act = vn_xdp_run(xp, pkt, 0, port);
	/* The kernel's data_out starts at data_meta; ctx_out.data is the meta length */
	meta = ctx_out.data;
	assert_true(meta <= topts.data_size_out);
	if ((uint32_t)act != topts.retval || pkt->len != topts.data_size_out - meta ||
	    memcmp(vn_pkt_data(pkt), out + meta, pkt->len)) {
		print_error("frame of %u bytes: kernel %u (%u bytes), vnetd %d (%u bytes)\n",
			    f->len, topts.retval, topts.data_size_out, act, pkt->len);
		fail();
	}
	vn_pkt_put(pkt);
	return act;
}

static uint64_t sum_u64(const uint8_t *v, unsigned int n, uint32_t stride)
{
	uint64_t s = 0, x;

	for (unsigned int i = 0; i < n; i++) {
		memcpy(&x, v + (size_t)i * stride, 8);
		s += x;
	}
	return s;
}

/* Every key of vnetd's map is in the kernel's with an equal value, and back */
static int compare_map(struct kern *k, struct vn_map *m, const char *name)
{
	struct bpf_map *km = NULL, *it;
	int ncpu = libbpf_num_possible_cpus(), fd, entries = 0;
	size_t kv_size = (size_t)m->vstride * (size_t)ncpu;
	uint8_t key[64], nkey[64], vv[4096], kv[65536];
	bool percpu = m->type == BPF_MAP_TYPE_PERCPU_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_HASH;

	bpf_object__for_each_map(it, k->obj) {
		const char *n = bpf_map__name(it);
		size_t ln = strlen(n), lw = strlen(name);

		if (!strcmp(n, name) || (name[0] == '.' && ln > lw && !strcmp(n + ln - lw, name)))
			km = it;
	}
	assert_non_null(km);
	fd = bpf_map__fd(km);
	assert_true(m->key_size <= sizeof(key) && kv_size <= sizeof(kv));
	/* vnetd -> kernel */
	for (const void *cur = NULL; vn_map_get_next_key(m, cur, nkey) == 0; cur = key) {
		int vr, kr;

		memcpy(key, nkey, m->key_size);
		vr = vn_map_lookup(m, key, vv);
		kr = bpf_map_lookup_elem(fd, key, kv);
		if ((vr == 0) != (kr == 0)) {
			print_error("map '%s': key present in %s only\n", name, vr ? "kernel" : "vnetd");
			return -1;
		}
		if (vr)
			continue;
		entries++;
		if (percpu ? sum_u64(vv, 1, 8) != sum_u64(kv, (unsigned int)ncpu, m->vstride) :
			     memcmp(vv, kv, m->value_size)) {
			print_error("map '%s': values differ\n", name);
			for (uint32_t b = 0; b < m->value_size && b < 64; b++)
				print_error("%02x/%02x%s", vv[b], kv[b], b % 16 == 15 ? "\n" : " ");
			print_error("\n");
			return -1;
		}
	}
	/* kernel -> vnetd: every kernel key exists in vnetd */
	for (const void *cur = NULL; bpf_map_get_next_key(fd, cur, nkey) == 0; cur = key) {
		memcpy(key, nkey, m->key_size);
		if (bpf_map_lookup_elem(fd, key, kv) == 0 && vn_map_lookup(m, key, vv) != 0) {
			print_error("map '%s': kernel key missing in vnetd\n", name);
			return -1;
		}
	}
	return entries;
}

static void compare_all_maps(struct kern *k, struct vn_xdp_prog *xp)
{
	for (unsigned int i = 0; i < xp->obj->nmaps; i++)
		assert_true(compare_map(k, xp->obj->maps[i].map, xp->obj->maps[i].name) >= 0);
}

static void diff_prog(const char *file, const char *prog, int *verdicts)
{
	struct frame *fs = calloc(200, sizeof(*fs));
	struct kern k;
	struct vn_xdp_prog *xp;
	int n;

	assert_non_null(fs);
	n = build_frames(fs, 200);
	kern_open(&k, file, prog);
	xp = vn_open(file, prog);
	for (int i = 0; i < n; i++)
		verdicts[run_both(&k, xp, &fs[i], NULL)]++;
	compare_all_maps(&k, xp);
	vn_xdp_prog_close(xp);
	bpf_object__close(k.obj);
	free(fs);
}

static void test_xdp_kernel_xdp1(void **state)
{
	int v[5] = { 0 };

	(void)state;
	diff_prog("xdp1.bpf.o", "xdp_prog1", v);
	assert_int_equal(v[XDP_DROP], 200);
}

static void test_xdp_kernel_xdp2(void **state)
{
	int v[5] = { 0 };

	(void)state;
	diff_prog("xdp2.bpf.o", "xdp_prog2", v);
	assert_true(v[XDP_TX] > 150);
}

static void test_xdp_kernel_ipv6_ext(void **state)
{
	int v[5] = { 0 };

	(void)state;
	diff_prog("ipv6_ext.bpf.o", "xdp_ipv6_ext", v);
	assert_true(v[XDP_DROP] > 0 && v[XDP_PASS] > 0);
}

static void test_xdp_kernel_encap(void **state)
{
	int v[5] = { 0 };

	(void)state;
	diff_prog("encap.bpf.o", "xdp_encap", v);
	assert_true(v[XDP_TX] > 10);
}

/*
 * kernel_has_xdp_helper() - Does this kernel let an XDP program call @id?
 * (libbpf_probe_bpf_helper() says yes where the verifier answers "program
 * of this type cannot use helper", so ask the verifier and read its log)
 */
static bool kernel_has_xdp_helper(int id)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
		{ .code = BPF_JMP | BPF_CALL, .imm = id },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 1);
	int fd;

	log[0] = '\0';
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "probe", "GPL", insns, 4, &o);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	return !strstr(log, "cannot use helper") && !strstr(log, "unknown func") &&
	       !strstr(log, "invalid func");
}

static void test_xdp_kernel_trim(void **state)
{
	int v[5] = { 0 };

	(void)state;
	/* Some kernels (seen: 6.18.44-fc-v1300) refuse the helper to XDP
	 * programs: there is no reference to compare with on such a host.
	 * vnetd's own side is test_xdp.c's test_xdp_trim_tail_and_meta. */
	if (!kernel_has_xdp_helper(BPF_FUNC_xdp_adjust_meta)) {
		struct utsname u;

		uname(&u);
		print_message("kernel %s does not give XDP programs bpf_xdp_adjust_meta: "
			      "no kernel reference for xdp_trim on this host\n", u.release);
		skip();
	}
	diff_prog("encap.bpf.o", "xdp_trim", v);
	assert_int_equal(v[XDP_TX], 200);
}

static void test_xdp_kernel_lru_flow(void **state)
{
	int v[5] = { 0 };

	(void)state;
	diff_prog("lru_flow.bpf.o", "xdp_flow", v);
	assert_true(v[XDP_PASS] > 0);
}

static void test_xdp_kernel_xdp_bytes(void **state)
{
	int v[5] = { 0 };

	(void)state;
	diff_prog("bytes.bpf.o", "xdp_bytes", v);
	assert_true(v[XDP_TX] > 0 && v[XDP_PASS] > 0);
}

static void test_xdp_kernel_devmap_redirect(void **state)
{
	struct frame *fs = calloc(200, sizeof(*fs));
	struct kern k;
	struct vn_xdp_prog *xp;
	uint32_t key = 1, ifindex = 1, port;
	int n, redirects = 0, passes = 0;

	(void)state;
	assert_non_null(fs);
	n = build_frames(fs, 200);
	kern_open(&k, "redirect.bpf.o", "xdp_redirect_map_prog");
	xp = vn_open("redirect.bpf.o", "xdp_redirect_map_prog");
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(k.obj,
				"tx_port")), &key, &ifindex, BPF_ANY), 0);
	assert_int_equal(vn_map_update(vn_bpf_obj_map_find(xp->obj, "tx_port"), &key, &ifindex,
				       BPF_ANY), 0);
	for (int i = 0; i < n; i++) {
		port = 0;
		int act = run_both(&k, xp, &fs[i], &port);

		if (act == XDP_REDIRECT) {
			assert_int_equal(port, 1);
			redirects++;
		}
		passes += act == XDP_PASS;
	}
	assert_true(redirects > 0 && passes > 0);
	compare_all_maps(&k, xp);
	vn_xdp_prog_close(xp);
	bpf_object__close(k.obj);
	free(fs);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_kernel_xdp1),
		cmocka_unit_test(test_xdp_kernel_xdp2),
		cmocka_unit_test(test_xdp_kernel_devmap_redirect),
		cmocka_unit_test(test_xdp_kernel_ipv6_ext),
		cmocka_unit_test(test_xdp_kernel_encap),
		cmocka_unit_test(test_xdp_kernel_trim),
		cmocka_unit_test(test_xdp_kernel_lru_flow),
		cmocka_unit_test(test_xdp_kernel_xdp_bytes),
	};
	int ret;

	progs_dir = argc > 1 ? argv[1] : "tests/bpf/progs";
	/*
	 * test_run runs on the calling CPU; stay on one so the kernel's LRU
	 * (per-CPU free lists) does not evict early when the thread migrates.
	 */
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (vn_pool_create("xdp-kernel", 8, &pool))
		return 1;
	ret = cmocka_run_group_tests_name("interpreter", tests, group_interp, NULL);
	ret += cmocka_run_group_tests_name("jit", tests, group_jit, NULL);
	vn_pool_destroy(pool);
	return ret;
}
