// SPDX-License-Identifier: MIT
/* test_jit_inline.c - what the JIT inlines: context loads, array lookups, Spectre v1 clamps,
 * and value generations
 *
 * - XDP programs (xdp1, xdp2, lru_flow, parser, hook_action) loaded in the interpreter,
 *   the JIT and the hardened JIT give the same verdicts, frames and maps on
 *   the same frames, and the JIT did inline their xdp_md loads and array
 *   lookups and took their bounds-checked packet accesses as checked (so
 *   the equality is about the inlined code);
 * - hostile programs that try to pass an unchecked packet access off as
 *   checked, or a pointer outside the frame off as a copy of r10, get the
 *   interpreter's result on frames of every short length;
 * - every translated access in JIT code carries both cmov clamps (the
 *   emitted bytes are counted), and out-of-range VAs fault through the JIT;
 * - a value pointer kept past the lookup ring faults, counted, in every engine;
 * - value accesses the JIT proves inside an inline lookup's value (no
 *   translation) are exactly the provable ones, and programs built to make
 *   that shortcut reach the wrong bytes (past the value's end, a check on a
 *   copy, a site run twice, a call in between) get the interpreter's result;
 *   global data accesses likewise, and the one past .data's end faults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf/map.h"
#include "bpf/obj.h"
#include "bpf/vm.h"
#include "bpf/vm_internal.h"
#include "bpf/xdp.h"
#include "bpf_asm.h"
#include "core/pool.h"

#define NFRAMES		300
#define FRAME_MAX	128

static const char *progs_dir;
static struct vn_pool *pool;

static const unsigned int engines[] = { VN_BPF_F_INTERP, 0, VN_BPF_F_HARDEN };

/* Ethernet/IPv4/UDP 10.0.0.1:1234 -> 10.0.0.2:5678 (bench/bpf.c's frame) */
static const uint8_t udp4[64] = {
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x32, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x1e, 0x00, 0x00,
};

static struct vn_xdp_prog *open_prog(const char *file, const char *prog, unsigned int flags)
{
	struct vn_xdp_opts o = { .nworkers = 2, .vm_flags = flags };
	struct vn_xdp_prog *xp = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", progs_dir, file);
	assert_int_equal(vn_xdp_prog_open_file(path, prog, &o, &xp), 0);
	return xp;
}

/* maps_equal() - every key of every map of @a reads the same in @b */
static void assert_maps_equal(struct vn_xdp_prog *a, struct vn_xdp_prog *b)
{
	assert_int_equal(a->nmaps, b->nmaps);
	for (unsigned int m = 0; m < a->nmaps; m++) {
		struct vn_map *ma = a->maps[m], *mb = b->maps[m];
		size_t vsz = (size_t)ma->value_size * ma->ncpus;
		uint8_t key[512], next[512], va[4096], vb[4096];
		const void *prev = NULL;
		unsigned int n = 0;

		assert_true(ma->key_size <= sizeof(key) && vsz <= sizeof(va));
		while (vn_map_get_next_key(ma, prev, next) == 0 && n++ <= ma->max_entries) {
			memcpy(key, next, ma->key_size);
			prev = key;
			assert_int_equal(vn_map_lookup(ma, key, va), 0);
			assert_int_equal(vn_map_lookup(mb, key, vb), 0);
			assert_memory_equal(va, vb, vsz);
		}
	}
}

/* mutate() - a frame near @udp4: other protocols, lengths, VLAN tags, noise */
static uint32_t mutate(uint8_t *f, unsigned int i)
{
	static const uint8_t protos[] = { 17, 6, 1, 58, 47 };
	uint32_t len = 14 + (uint32_t)(rand() % (FRAME_MAX - 13));

	memset(f, 0, FRAME_MAX);
	memcpy(f, udp4, sizeof(udp4));
	f[23] = protos[i % sizeof(protos)];
	if (i % 7 == 3) {	/* an 802.1Q tag in front of IPv4 */
		memmove(f + 16, f + 12, FRAME_MAX - 16);
		f[12] = 0x81;
		f[13] = 0x00;
	}
	if (i % 11 == 5)
		f[12] = 0x86, f[13] = 0xdd;	/* IPv6 ethertype, IPv4 bytes */
	for (int k = rand() % 4; k > 0; k--)
		f[rand() % FRAME_MAX] = (uint8_t)rand();
	return len;
}

static void test_jit_xdp_engines_agree(void **state)
{
	/* arrays: array lookups to inline; pkt: packet accesses the JIT must
	 * find checked by the program itself (a lower bound); vals: value
	 * accesses it must find inside an inline lookup's value (a lower bound);
	 * unminted: inline lookups that map no VA (exact: xdp1 and xdp2 only
	 * NULL-check and count, parser also calls other helpers) */
	static const struct { const char *file, *prog; int arrays, pkt, vals, unminted; } progs[] = {
		{ "xdp1.bpf.o", "xdp_prog1", 1, 6, 2, 1 },	/* 3 at a VLAN-dependent offset */
		{ "xdp2.bpf.o", "xdp_prog2", 1, 15, 1, 1 },
		{ "lru_flow.bpf.o", "xdp_flow", 0, 7, 0, 0 },	/* parses in subprograms */
		{ "parser.bpf.o", "xdp_parser", 1, 19, 2, 0 },
		{ "hook_action.bpf.o", "xdp_hook_action", 0, 0, 0, 0 },	/* global data */
	};

	(void)state;
	if (!vn_bpf_jit_supported())
		skip();
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		struct vn_xdp_prog *xp[3];

		for (unsigned int e = 0; e < 3; e++) {
			struct vn_bpf_jit_info ji;

			xp[e] = open_prog(progs[p].file, progs[p].prog, engines[e]);
			if (!e)
				continue;
			/* the JIT did inline what this test is about */
			assert_int_equal(vn_bpf_jit_info(xp[e]->prog, &ji), 0);
			assert_true(ji.ctx_inline > 0);
			if (progs[p].arrays) {
				assert_true(ji.inline_lookups > 0);
				assert_true(ji.stk_proved > 0);	/* the key, at r10 - 4 */
			}
			assert_true(ji.pkt_proved >= (unsigned int)progs[p].pkt);
			assert_true(ji.val_proved >= (unsigned int)progs[p].vals);
			assert_int_equal(ji.unminted, progs[p].unminted);
			if (!strcmp(progs[p].prog, "xdp_hook_action"))
				assert_true(ji.glb_proved >= 3);	/* two atomics, a load */
		}
		srand(12 + (unsigned int)p);
		for (unsigned int i = 0; i < NFRAMES; i++) {
			uint8_t f[FRAME_MAX], out[3][VN_PKT_FRAME_MAX];
			uint32_t len = mutate(f, i), olen[3];
			int act[3];

			for (unsigned int e = 0; e < 3; e++) {
				struct vn_pkt *pkt = vn_pool_alloc(pool);

				assert_non_null(pkt);
				assert_int_equal(vn_pkt_set(pkt, f, len), 0);
				act[e] = vn_xdp_run(xp[e], pkt, i % 2, NULL);
				olen[e] = pkt->len;
				memcpy(out[e], vn_pkt_data(pkt), pkt->len);
				vn_pkt_put(pkt);
			}
			for (unsigned int e = 1; e < 3; e++) {
				assert_int_equal(act[e], act[0]);
				assert_int_equal(olen[e], olen[0]);
				assert_memory_equal(out[e], out[0], olen[0]);
			}
		}
		for (unsigned int e = 1; e < 3; e++)
			assert_maps_equal(xp[0], xp[e]);
		for (unsigned int e = 0; e < 3; e++)
			vn_xdp_prog_close(xp[e]);
	}
}

/* count() - occurrences of @pat in @code */
static unsigned int count(const uint8_t *code, size_t len, const uint8_t *pat, size_t n)
{
	unsigned int c = 0;

	for (size_t i = 0; i + n <= len; i++)
		c += !memcmp(code + i, pat, n);
	return c;
}

static void test_jit_spectre_clamps(void **state)
{
	/* three translated accesses (r1 is a region VA, not r10), one stack access */
	const struct vn_bpf_insn prog[] = {
		LDX(W, 0, 1, 0), STX(W, 1, 0, 4), LDX(B, 3, 1, 2),
		STX(DW, 10, 3, -8), EXIT(),
	};
	const struct vn_bpf_env env = { .flags = 0 };
	uint32_t sz = (uint32_t)offsetof(struct vn_bpf_run_ctx, spec_zero);
	/* cmovae r10d, [r12 + disp32] and cmova r11d, [r12 + disp32] */
	uint8_t ae[9] = { 0x45, 0x0f, 0x43, 0x94, 0x24 }, a[9] = { 0x45, 0x0f, 0x47, 0x9c, 0x24 };
	static struct vn_bpf_run_ctx rc;
	static const uint64_t bad[] = {
		VN_BPF_VA(1, 0) - 1, VN_BPF_VA(1, 13), VN_BPF_VA(1, 0xffffffffu),
		VN_BPF_VA(7, 0), VN_BPF_VA(63, 0), VN_BPF_VA(255, 0), 0xff00000000ull,
		(uint64_t)1 << 40 | VN_BPF_VA(1, 0), 0xfffe000000000000ull, 0,
	};
	uint8_t buf[16] = { 1, 2, 3, 4 };
	struct vn_bpf_jit_info ji;
	struct vn_bpf_prog *p;
	int err;

	(void)state;
	if (!vn_bpf_jit_supported())
		skip();
	memcpy(ae + 5, &sz, 4);
	memcpy(a + 5, &sz, 4);
	for (unsigned int h = 0; h < 2; h++) {
		struct vn_bpf_env he = env;

		he.flags = h ? VN_BPF_F_HARDEN : 0;
		assert_int_equal(vn_bpf_prog_load(prog, sizeof(prog) / sizeof(prog[0]), &he, &p,
						  NULL, 0), 0);
		assert_int_equal(vn_bpf_jit_info(p, &ji), 0);
		/* each translated access has its slot clamp and its offset clamp */
		assert_int_equal(ji.spec_clamps, 3);
		assert_int_equal(count(ji.code, ji.len, ae, sizeof(ae)), 3);
		assert_int_equal(count(ji.code, ji.len, a, sizeof(a)), 3);
		/* and the translation refuses what lies outside [0, 8) of slot 1 */
		vn_bpf_run_ctx_init(&rc, NULL);
		assert_int_equal(vn_bpf_run_ctx_add_region(&rc, buf, 8, 1), 1);
		assert_int_equal(vn_bpf_run(p, &rc, VN_BPF_VA(1, 0), &err), 0x04030201);
		assert_int_equal(err, 0);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			vn_bpf_run(p, &rc, bad[i], &err);
			assert_int_equal(err, -EFAULT);
		}
		vn_bpf_prog_free(p);
	}
}

/* a helper that moves the packet's start by r1 bytes, as adjust_head does */
static uint64_t t_move(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2, uint64_t r3,
		       uint64_t r4, uint64_t r5)
{
	struct vn_bpf_region *r = &rc->regions[2];
	uint32_t d = (uint32_t)r1;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (d > r->len)
		return (uint64_t)-1;
	r->lo += d;
	r->len -= d;
	rc->ctx_vals[0] += d;
	return 0;
}

/* a helper that does not move it */
static uint64_t t_still(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2, uint64_t r3,
			uint64_t r4, uint64_t r5)
{
	(void)rc, (void)r2, (void)r3, (void)r4, (void)r5;
	return r1 + 1;
}

/*
 * Programs that try to make the JIT believe a packet access was checked
 * when it was not: every engine must give the same r0 and error on frames
 * of every length from 0 to 40 bytes (short ones make unchecked reads fault)
 */
static void test_jit_pkt_proof_hostile(void **state)
{
#define P(...) { __VA_ARGS__ }
	static const struct {
		const char *what;
		struct vn_bpf_insn in[24];
		unsigned int n, proved;	/* accesses the JIT may take as checked */
		unsigned int stk;	/* loads through r10 copies it may take as r10 loads */
	} progs[] = {
		{ "the check, then a read inside it",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 14),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 1), LDX(B, 0, 6, 13), EXIT()), 8 , 1 },
		{ "a read one byte past the check",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 14),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 1), LDX(B, 0, 6, 14), EXIT()), 8 , 0 },
		{ "the check the wrong way round (JLT falls through unproved)",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 14),
		    MOV64_IMM(0, 0), JMP_REG(JLT, 3, 2, 1), LDX(B, 0, 6, 13), EXIT()), 8 , 0 },
		{ "a path that skips the check joins the checked one",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 14),
		    LDX(W, 4, 1, 16), JMP_IMM(JNE, 4, 0, 1), JMP_REG(JGT, 3, 2, 2),
		    LDX(B, 0, 6, 13), EXIT(), MOV64_IMM(0, 0), EXIT()), 11 , 0 },
		{ "the packet moves after the check",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 14),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 4), MOV64_IMM(1, 10), CALL(1),
		    LDX(B, 0, 6, 13), EXIT(), EXIT()), 11 , 0 },
		{ "a call that keeps the packet keeps the proof",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 14),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 4), MOV64_IMM(1, 10), CALL(2),
		    LDX(B, 0, 6, 13), EXIT(), EXIT()), 11 , 1 },
		{ "the checked pointer moves by a register",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), LDX(W, 7, 1, 16), MOV64_REG(3, 6),
		    ALU64_IMM(ADD, 3, 14), MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 2),
		    ALU64_REG(ADD, 6, 7), LDX(B, 0, 6, 13), EXIT()), 10 , 0 },
		{ "an offset past what is tracked",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 0x10000),
		    ALU64_IMM(ADD, 3, -0xfff0), MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 1),
		    LDX(B, 0, 6, 15), EXIT()), 9 , 0 },
		{ "a loop that walks the pointer on",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_IMM(0, 0), MOV64_REG(3, 6),
		    ALU64_IMM(ADD, 3, 2), JMP_REG(JGT, 3, 2, 3), LDX(B, 4, 6, 1), ALU64_REG(ADD, 0, 4),
		    ALU64_IMM(ADD, 6, 1), JA(-6), EXIT()), 11 , 0 },
		{ "a subprogram called with the checked pointer",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 14),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 2), MOV64_REG(1, 6), CALL_LOCAL(1),
		    EXIT(), LDX(B, 0, 1, 13), EXIT()), 11, 1 },
		{ "a subprogram called from a checked and an unchecked path",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), LDX(W, 7, 1, 16), MOV64_REG(3, 6),
		    ALU64_IMM(ADD, 3, 14), MOV64_IMM(0, 0), JMP_IMM(JNE, 7, 0, 2),
		    JMP_REG(JGT, 3, 2, 3), JA(0), MOV64_REG(1, 6), CALL_LOCAL(1), EXIT(),
		    LDX(B, 0, 1, 13), EXIT()), 14, 0 },
		{ "a subprogram that moves the packet under its caller",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 14),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 2), CALL_LOCAL(2), LDX(B, 0, 6, 13),
		    EXIT(), MOV64_IMM(1, 12), CALL(1), MOV64_IMM(0, 0), EXIT()), 13, 0 },
		{ "a store into a checked byte of a read-only frame",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 4),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 2), ST(W, 6, 0, 7), LDX(W, 0, 6, 0),
		    EXIT()), 9 , 2 },
		/* offsets in registers: VLAN tags, IHL words, merged pointers */
		{ "an offset of 14 or 18 in a register, checked",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), LDX(W, 7, 1, 16), MOV64_IMM(3, 14),
		    JMP_IMM(JEQ, 7, 0, 1), MOV64_IMM(3, 18), MOV64_REG(4, 6), ALU64_REG(ADD, 4, 3),
		    MOV64_REG(5, 4), ALU64_IMM(ADD, 5, 2), MOV64_IMM(0, 0), JMP_REG(JGT, 5, 2, 1),
		    LDX(B, 0, 4, 1), EXIT()), 14, 1 },
		{ "a read one byte past the check of a register offset",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), LDX(W, 7, 1, 16), MOV64_IMM(3, 14),
		    JMP_IMM(JEQ, 7, 0, 1), MOV64_IMM(3, 18), MOV64_REG(4, 6), ALU64_REG(ADD, 4, 3),
		    MOV64_REG(5, 4), ALU64_IMM(ADD, 5, 2), MOV64_IMM(0, 0), JMP_REG(JGT, 5, 2, 1),
		    LDX(B, 0, 4, 2), EXIT()), 14, 0 },
		{ "pointers at 14 and 18 merged by a join, checked once",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), LDX(W, 7, 1, 16), MOV64_REG(4, 6),
		    ALU64_IMM(ADD, 4, 14), JMP_IMM(JEQ, 7, 0, 1), ALU64_IMM(ADD, 4, 4),
		    MOV64_REG(5, 4), ALU64_IMM(ADD, 5, 20), MOV64_IMM(0, 0), JMP_REG(JGT, 5, 2, 1),
		    LDX(W, 0, 4, 16), EXIT()), 13, 1 },
		{ "an offset that may be negative (14 - 20)",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), LDX(W, 7, 1, 16), MOV64_IMM(3, 14),
		    JMP_IMM(JEQ, 7, 0, 1), ALU64_IMM(ADD, 3, -20), MOV64_REG(4, 6),
		    ALU64_REG(ADD, 4, 3), MOV64_REG(5, 4), ALU64_IMM(ADD, 5, 2), MOV64_IMM(0, 0),
		    JMP_REG(JGT, 5, 2, 1), LDX(B, 0, 4, 1), EXIT()), 14, 0 },
		{ "an offset read as 32 bits from the frame",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 4),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 7), LDX(W, 3, 6, 0), MOV64_REG(4, 6),
		    ALU64_REG(ADD, 4, 3), MOV64_REG(5, 4), ALU64_IMM(ADD, 5, 2),
		    JMP_REG(JGT, 5, 2, 1), LDX(B, 0, 4, 1), EXIT()), 14, 1 },
		{ "the check of one unknown offset, a read at another equal one",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), LDX(W, 7, 1, 16), MOV64_REG(3, 7),
		    ALU64_IMM(AND, 3, 1), MOV64_REG(8, 7), ALU64_IMM(AND, 8, 1), MOV64_REG(4, 6),
		    ALU64_REG(ADD, 4, 3), ALU64_IMM(ADD, 4, 2), MOV64_IMM(0, 0),
		    JMP_REG(JGT, 4, 2, 3), MOV64_REG(9, 6), ALU64_REG(ADD, 9, 8), LDX(B, 0, 9, 1),
		    EXIT()), 16, 0 },
		{ "an IHL-style offset: a byte, AND 15, times 4",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_REG(3, 6), ALU64_IMM(ADD, 3, 1),
		    MOV64_IMM(0, 0), JMP_REG(JGT, 3, 2, 9), LDX(B, 3, 6, 0), ALU32_IMM(AND, 3, 15),
		    ALU64_IMM(LSH, 3, 2), MOV64_REG(4, 6), ALU64_REG(ADD, 4, 3), MOV64_REG(5, 4),
		    ALU64_IMM(ADD, 5, 4), JMP_REG(JGT, 5, 2, 1), LDX(W, 0, 4, 0), EXIT()), 16, 2 },
		/* unbounded growth: widened to unknown, so the read takes the translation */
		{ "an offset that grows in a loop, checked each time round",
		  P(LDX(W, 2, 1, 4), LDX(W, 6, 1, 0), MOV64_IMM(3, 0), MOV64_IMM(0, 0),
		    MOV64_REG(4, 6), ALU64_REG(ADD, 4, 3), MOV64_REG(5, 4), ALU64_IMM(ADD, 5, 1),
		    JMP_REG(JGT, 5, 2, 4), LDX(B, 7, 4, 0), ALU64_REG(ADD, 0, 7),
		    ALU64_IMM(ADD, 3, 1), JA(-9), EXIT()), 14, 0 },
		/* copies of r10: loads inside the frame are r10 loads, nothing else */
		{ "a load through r10 - 4",
		  P(ST(W, 10, -4, 7), MOV64_REG(2, 10), ALU64_IMM(ADD, 2, -4), LDX(W, 0, 2, 0),
		    EXIT()), 5, 0, 1 },
		{ "8 bytes at r10 - 4, past the frame's top",
		  P(MOV64_REG(2, 10), ALU64_IMM(ADD, 2, -4), LDX(DW, 0, 2, 0), EXIT()), 4, 0, 0 },
		{ "a copy moved above r10 and back",
		  P(ST(W, 10, -4, 7), MOV64_REG(2, 10), ALU64_IMM(ADD, 2, 8), LDX(W, 0, 2, -12),
		    EXIT()), 5, 0, 0 },
		{ "a load below the frame",
		  P(MOV64_REG(2, 10), ALU64_IMM(ADD, 2, -512), LDX(W, 0, 2, -4), EXIT()), 4, 0, 0 },
		{ "two paths, two offsets",
		  P(ST(DW, 10, -8, 3), LDX(W, 7, 1, 16), MOV64_REG(2, 10), ALU64_IMM(ADD, 2, -8),
		    JMP_IMM(JNE, 7, 0, 1), ALU64_IMM(ADD, 2, 4), LDX(W, 0, 2, 0), EXIT()), 8, 0, 0 },
		{ "the caller's frame, read in a subprogram",
		  P(ST(W, 10, -4, 9), MOV64_REG(1, 10), ALU64_IMM(ADD, 1, -4), CALL_LOCAL(1),
		    EXIT(), LDX(W, 0, 1, 0), EXIT()), 7, 0, 0 },
		{ "a copy kept in r6 across a subprogram that writes its own frame",
		  P(ST(W, 10, -4, 5), MOV64_REG(6, 10), ALU64_IMM(ADD, 6, -4), CALL_LOCAL(2),
		    LDX(W, 0, 6, 0), EXIT(), ST(W, 10, -4, 99), MOV64_IMM(0, 0), EXIT()), 9, 0, 1 },
	};
	static const vn_bpf_helper_fn helpers[] = { NULL, t_move, t_still };
	static struct vn_bpf_run_ctx rc;
	static uint8_t buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		for (uint32_t len = 0; len <= 40; len++)
			for (int wr = 0; wr < 2; wr++) {
				uint64_t r0[3];
				int err[3];

				for (unsigned int e = 0; e < 3; e++) {
					struct vn_bpf_env env = {
						.helpers = helpers, .nhelpers = 3, .flags = engines[e],
						.ctx_fields = 6, .ctx_pkt_data = 1, .ctx_pkt_end = 2,
						.pkt_slot = 2, .pkt_moving = { 1 },
					};
					struct vn_bpf_prog *p;
					char log[128];

					assert_int_equal(vn_bpf_prog_load(progs[i].in, progs[i].n, &env,
									  &p, log, sizeof(log)), 0);
					if (e && vn_bpf_jit_supported()) {
						struct vn_bpf_jit_info ji;

						assert_int_equal(vn_bpf_jit_info(p, &ji), 0);
						if (ji.pkt_proved != progs[i].proved)
							fail_msg("%s: %u accesses taken as checked, not %u",
								 progs[i].what, ji.pkt_proved,
								 progs[i].proved);
						if (ji.stk_proved != progs[i].stk)
							fail_msg("%s: %u loads taken as r10 loads, not %u",
								 progs[i].what, ji.stk_proved,
								 progs[i].stk);
					}
					for (unsigned int b = 0; b < sizeof(buf); b++)
						buf[b] = (uint8_t)(b * 3 + 1);
					vn_bpf_run_ctx_init(&rc, NULL);
					assert_int_equal(vn_bpf_run_ctx_add_table(&rc, 6), 1);
					assert_int_equal(vn_bpf_run_ctx_add_region(&rc, NULL, 0, 1), 2);
					vn_bpf_run_ctx_set_window(&rc, 2, buf, 64, len, wr);
					rc.ctx_vals[0] = VN_BPF_VA(2, 64);
					rc.ctx_vals[1] = VN_BPF_VA(2, 64 + len);
					rc.ctx_vals[4] = len & 1;
					r0[e] = vn_bpf_run(p, &rc, VN_BPF_VA(1, 0), &err[e]);
					vn_bpf_prog_free(p);
				}
				for (unsigned int e = 1; e < 3; e++) {
					if (err[e] != err[0] || r0[e] != r0[0])
						fail_msg("%s, %u bytes%s: interp %d/0x%llx, engine %u "
							 "%d/0x%llx", progs[i].what, len,
							 wr ? "" : " (read-only)", err[0],
							 (unsigned long long)r0[0], e, err[e],
							 (unsigned long long)r0[e]);
				}
			}
#undef P
}

/* r1-r5 after a helper call are zero in every engine, never C leftovers */
static void test_jit_helper_args_clobbered(void **state)
{
	/* r1 = 5; r0 = still(r1) = 6; r0 = still(r1 as the call left it) */
	static const struct vn_bpf_insn prog[] = {
		MOV64_IMM(1, 5), CALL(2), CALL(2), EXIT(),
	};
	static const vn_bpf_helper_fn helpers[] = { NULL, t_move, t_still };
	static struct vn_bpf_run_ctx rc;

	(void)state;
	for (unsigned int e = 0; e < 3; e++) {
		struct vn_bpf_env env = { .helpers = helpers, .nhelpers = 3, .flags = engines[e] };
		struct vn_bpf_prog *p;
		int err;

		assert_int_equal(vn_bpf_prog_load(prog, 4, &env, &p, NULL, 0), 0);
		vn_bpf_run_ctx_init(&rc, NULL);
		assert_int_equal(vn_bpf_run(p, &rc, 0, &err), 1);
		assert_int_equal(err, 0);
		vn_bpf_prog_free(p);
	}
}

static void test_jit_stale_value_faults(void **state)
{
	(void)state;
	for (unsigned int e = 0; e < 3; e++) {
		struct vn_xdp_prog *within, *past;
		struct vn_xdp_stats st;
		struct vn_map *vals;
		uint64_t v[2];
		uint32_t k;

		if (e && !vn_bpf_jit_supported())
			break;
		within = open_prog("stale_va.bpf.o", "stale_within", engines[e]);
		past = open_prog("stale_va.bpf.o", "stale_past", engines[e]);
		if (e) {
			struct vn_bpf_jit_info ji;

			assert_int_equal(vn_bpf_jit_info(past->prog, &ji), 0);
			assert_true(ji.inline_lookups > 0);	/* the inline path mints VAs too */
		}
		for (int r = 0; r < 3; r++) {
			struct vn_pkt *pkt = vn_pool_alloc(pool);

			assert_int_equal(vn_pkt_set(pkt, udp4, sizeof(udp4)), 0);
			assert_int_equal(vn_xdp_run(within, pkt, 0, NULL), XDP_PASS);
			assert_int_equal(vn_xdp_run(past, pkt, 0, NULL), XDP_ABORTED);
			vn_pkt_put(pkt);
		}
		vn_xdp_stats_sum(past, &st);
		assert_int_equal(st.fault, 3);
		assert_int_equal(st.aborted, 3);
		/*
		 * Each value holds what the last lookup of its key stored (0x1000 + i,
		 * i the last of 1..n with i & 31 == key): the within runs then added
		 * one to value 0 through the first pointer; the past runs' stale
		 * pointer added nothing anywhere
		 */
		vals = vn_bpf_obj_map_find(within->obj, "vals");
		assert_non_null(vals);
		k = 0;
		assert_int_equal(vn_map_lookup(vals, &k, v), 0);
		assert_int_equal(v[0], 3);		/* key 0 is not among 1..20 */
		vals = vn_bpf_obj_map_find(past->obj, "vals");
		for (k = 0; k < 32; k++) {
			uint32_t last = k + 96 <= 100 ? k + 96 : k + 64;

			assert_int_equal(vn_map_lookup(vals, &k, v), 0);
			assert_int_equal(v[0], 0x1000 + last);
		}
		vn_xdp_prog_close(within);
		vn_xdp_prog_close(past);
	}
}

static void test_jit_value_proof(void **state)
{
	/* proved: value (glb: global data) accesses the JIT reaches without the translation */
	static const struct { const char *prog; int act; unsigned int proved, glb; } progs[] = {
		{ "val_edge", XDP_ABORTED, 1, 0 },	/* the store proved, the load past the end not */
		{ "val_copy", XDP_PASS, 3, 0 },		/* checked r0 proves its copy r1 too */
		{ "val_loop", XDP_PASS, 2, 2 },		/* the kept pointer is not the site's last; .rodata */
		{ "val_call", XDP_PASS, 0, 0 },		/* a call forgets every value */
		{ "glb_edge", XDP_ABORTED, 0, 3 },	/* .bss and .data, not past .data's end */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct vn_xdp_prog *xp[3];
		struct vn_xdp_stats st[3];
		unsigned int ne = vn_bpf_jit_supported() ? 3 : 1;

		for (unsigned int e = 0; e < ne; e++) {
			xp[e] = open_prog("val_proof.bpf.o", progs[i].prog, engines[e]);
			if (e) {
				struct vn_bpf_jit_info ji;

				assert_int_equal(vn_bpf_jit_info(xp[e]->prog, &ji), 0);
				if (ji.val_proved != progs[i].proved || ji.glb_proved != progs[i].glb)
					fail_msg("%s: %u value and %u global accesses proved, not %u "
						 "and %u", progs[i].prog, ji.val_proved,
						 ji.glb_proved, progs[i].proved, progs[i].glb);
			}
			for (int r = 0; r < 3; r++) {
				struct vn_pkt *pkt = vn_pool_alloc(pool);

				assert_int_equal(vn_pkt_set(pkt, udp4, sizeof(udp4)), 0);
				assert_int_equal(vn_xdp_run(xp[e], pkt, 0, NULL), progs[i].act);
				vn_pkt_put(pkt);
			}
			vn_xdp_stats_sum(xp[e], &st[e]);
		}
		for (unsigned int e = 1; e < ne; e++) {
			assert_int_equal(st[e].fault, st[0].fault);
			assert_maps_equal(xp[0], xp[e]);
		}
		if (!strcmp(progs[i].prog, "val_loop")) {
			struct vn_map *m = vn_bpf_obj_map_find(xp[0]->obj, "pairs");
			uint64_t v[2];
			uint32_t k;

			/* three runs: key 0 counted through the kept pointer, key 1 not */
			k = 0;
			assert_int_equal(vn_map_lookup(m, &k, v), 0);
			assert_int_equal(v[0], 3);
			assert_int_equal(v[1], 300);
			k = 1;
			assert_int_equal(vn_map_lookup(m, &k, v), 0);
			assert_int_equal(v[0], 0);
			assert_int_equal(v[1], 300);
		}
		for (unsigned int e = 0; e < ne; e++)
			vn_xdp_prog_close(xp[e]);
	}
}

/* the escape tests' array: four 8-byte values, handle 0, helper 4 */
static uint64_t esc_vals[4];
static const struct vn_bpf_array_desc esc_arrays[1] = { {
	.values = esc_vals, .max_entries = 4, .value_size = 8, .elem_stride = 8,
	.ncpus = 1, .writable = 1, .cost = 4,
} };

/* t_lookup() - bpf_map_lookup_elem() on esc_vals, as the XDP helper does it */
static uint64_t t_lookup(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2, uint64_t r3,
			 uint64_t r4, uint64_t r5)
{
	void *key = vn_bpf_translate(rc, r2, 4, 0);
	uint32_t idx;

	(void)r3, (void)r4, (void)r5;
	if (r1 != VN_BPF_MAP_HANDLE(0) || !key) {
		vn_bpf_abort(rc, -EFAULT);
		return 0;
	}
	if (vn_bpf_charge(rc, 4))
		return 0;
	memcpy(&idx, key, 4);
	return idx < 4 ? vn_bpf_run_ctx_map_value(rc, &esc_vals[idx], 8, 1) : 0;
}

static int t_resolve(void *arg, unsigned int pseudo, int32_t imm, int32_t next_imm,
		     uint64_t *value)
{
	(void)arg, (void)pseudo, (void)next_imm;
	if (imm != 0)
		return -ENOENT;
	*value = VN_BPF_MAP_HANDLE(0);
	return 0;
}

/*
 * Programs whose inline lookup's VA is, or is not, used: the JIT skips the
 * mint (unminted) exactly when nothing but a NULL test and proved accesses
 * touch the value, and every engine gives the same r0, error and values
 * (a skipped mint the program could see would show as a difference: the
 * token faults where a VA translates)
 */
static void test_jit_value_escape(void **state)
{
	/* key 1 at r10 - 4, r1 = the map, lookup: r0 = value of key 1 or NULL */
#define P(...) { __VA_ARGS__ }
#define LOOKUP	ST(W, 10, -4, 1), MOV64_REG(2, 10), ALU64_IMM(ADD, 2, -4), \
		LD_MAP(1, 1, 0, 0), CALL(4)
	static const struct {
		const char *what;
		struct vn_bpf_insn in[24];
		unsigned int n, unminted;
	} progs[] = {
		{ "NULL test, an atomic add, r0 rewritten",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 2), MOV64_IMM(1, 1), ATOMIC(DW, 0, 1, 0, VN_BPF_ADD),
		    MOV64_IMM(0, 2), EXIT()), 11, 1 },
		{ "NULL test the other way, load and store through a copy",
		  P(LOOKUP, MOV64_REG(6, 0), JMP_IMM(JNE, 6, 0, 1), EXIT(), LDX(DW, 3, 6, 0),
		    ALU64_IMM(ADD, 3, 5), STX(DW, 6, 3, 0), MOV64_IMM(0, 0), EXIT()), 14, 1 },
		{ "the NULL edge returns r0 (0 there)",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 2), ST(DW, 0, 0, 9), MOV64_IMM(0, 1), EXIT()), 10, 1 },
		{ "a value plus 4 tested against 0",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 4), ALU64_IMM(ADD, 0, 4), JMP_IMM(JEQ, 0, 0, 2),
		    ST(W, 0, 0, 7), MOV64_IMM(0, 1), EXIT()), 12, 1 },
		{ "the value returned",
		  P(LOOKUP, EXIT()), 7, 0 },
		{ "the value returned after the NULL test",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 1), ST(DW, 0, 0, 3), EXIT()), 9, 0 },
		{ "the value stored to the stack",
		  P(LOOKUP, STX(DW, 10, 0, -16), LDX(DW, 0, 10, -16), ALU64_IMM(RSH, 0, 32),
		    EXIT()), 10, 0 },
		{ "the value stored into itself",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 1), STX(DW, 0, 0, 0), MOV64_IMM(0, 0), EXIT()), 10, 0 },
		{ "a load past the value's end",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 1), LDX(DW, 3, 0, 8), MOV64_IMM(0, 0), EXIT()), 10, 0 },
		{ "the value compared with a register",
		  P(LOOKUP, MOV64_IMM(6, 0), JMP_REG(JGT, 0, 6, 1), EXIT(), MOV64_IMM(0, 4), EXIT()),
		  11, 0 },
		{ "the value compared with 8",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 8, 1), MOV64_IMM(0, 4), EXIT()), 9, 0 },
		{ "the value's low half copied",
		  P(LOOKUP, MOV32_REG(3, 0), MOV64_REG(0, 3), EXIT()), 9, 0 },
		{ "the value's high half by a shift",
		  P(LOOKUP, ALU64_IMM(RSH, 0, 32), EXIT()), 8, 0 },
		{ "the value as the next lookup's key",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 4), MOV64_REG(2, 0), LD_MAP(1, 1, 0, 0), CALL(4),
		    MOV64_IMM(0, 0), EXIT()), 13, 0 },
		{ "the value kept across a second lookup, then stored through",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 8), MOV64_REG(6, 0), ST(W, 10, -8, 2),
		    MOV64_REG(2, 10), ALU64_IMM(ADD, 2, -8), LD_MAP(1, 1, 0, 0), CALL(4),
		    ST(DW, 6, 0, 5), MOV64_IMM(0, 0), EXIT()), 17, 0 },
		{ "a first value returned on a second lookup's NULL edge",
		  P(LOOKUP, MOV64_REG(6, 0), ST(W, 10, -8, 7), MOV64_REG(2, 10),
		    ALU64_IMM(ADD, 2, -8), LD_MAP(1, 1, 0, 0), CALL(4), JMP_IMM(JNE, 0, 0, 2),
		    MOV64_REG(0, 6), EXIT(), MOV64_IMM(0, 0), EXIT()), 18, 0 },
		{ "an unproved access reached by a loop moving the value",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 5), MOV64_IMM(3, 0), ALU64_IMM(ADD, 0, 1),
		    ALU64_IMM(ADD, 3, 1), JMP_IMM(JLT, 3, 3, -3), ST(B, 0, 0, 1),
		    MOV64_IMM(0, 0), EXIT()), 14, 0 },
		{ "another helper in the program",
		  P(LOOKUP, JMP_IMM(JEQ, 0, 0, 2), ST(DW, 0, 0, 6), MOV64_IMM(1, 3), CALL(1),
		    MOV64_IMM(0, 0), EXIT()), 12, 0 },
	};
#undef LOOKUP
#undef P
	static const vn_bpf_helper_fn helpers[] = { NULL, t_still, NULL, NULL, t_lookup };

	(void)state;
	if (!vn_bpf_jit_supported())
		skip();
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		uint64_t r0[3], vals[3][4];
		unsigned int calls = 0;
		int err[3];

		for (unsigned int k = 0; k < progs[i].n; k++)
			calls += progs[i].in[k].code == (VN_BPF_JMP | VN_BPF_CALL) &&
				 progs[i].in[k].imm == 4;

		for (unsigned int e = 0; e < 3; e++) {
			const struct vn_bpf_env env = {
				.helpers = helpers, .nhelpers = 5, .map_resolve = t_resolve,
				.flags = engines[e], .arrays = esc_arrays, .narrays = 1,
				.lookup_id = 4,
			};
			static struct vn_bpf_run_ctx rc;
			struct vn_bpf_prog *p;

			if (vn_bpf_prog_load(progs[i].in, progs[i].n, &env, &p, NULL, 0))
				fail_msg("%s: does not load", progs[i].what);
			if (e) {
				struct vn_bpf_jit_info ji;

				assert_int_equal(vn_bpf_jit_info(p, &ji), 0);
				assert_int_equal(ji.inline_lookups, calls);
				if (ji.unminted != progs[i].unminted * calls)
					fail_msg("%s: %u lookups unminted, not %u", progs[i].what,
						 ji.unminted, progs[i].unminted);
			}
			memset(esc_vals, 0, sizeof(esc_vals));
			vn_bpf_run_ctx_init(&rc, NULL);
			r0[e] = vn_bpf_run(p, &rc, 0, &err[e]);
			memcpy(vals[e], esc_vals, sizeof(esc_vals));
			vn_bpf_prog_free(p);
		}
		for (unsigned int e = 1; e < 3; e++) {
			if (err[e] != err[0] || r0[e] != r0[0])
				fail_msg("%s: engine %u gave %d/%#llx, the interpreter %d/%#llx",
					 progs[i].what, e, err[e], (unsigned long long)r0[e], err[0],
					 (unsigned long long)r0[0]);
			assert_memory_equal(vals[e], vals[0], sizeof(vals[0]));
		}
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jit_xdp_engines_agree),
		cmocka_unit_test(test_jit_spectre_clamps),
		cmocka_unit_test(test_jit_pkt_proof_hostile),
		cmocka_unit_test(test_jit_helper_args_clobbered),
		cmocka_unit_test(test_jit_stale_value_faults),
		cmocka_unit_test(test_jit_value_proof),
		cmocka_unit_test(test_jit_value_escape),
	};
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR\n", argv[0]);
		return 2;
	}
	progs_dir = argv[1];
	if (vn_pool_create("test_jit_inline", 64, &pool))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	vn_pool_destroy(pool);
	return ret;
}
