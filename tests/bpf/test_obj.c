// SPDX-License-Identifier: MIT
/* test_obj.c - ELF loader on clang-built objects: maps, global data, subprograms, hostile bytes */
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
#include <elf.h>

#include <linux/btf.h>

#include "bpf/map_btf.h"
#include "bpf/obj.h"
#include "core/compiler.h"
#include "core/log.h"

#include "elf_gen.h"

static const char *progs_dir;

static void *slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	void *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", progs_dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct vn_bpf_obj *open_prog(const char *name, const struct vn_bpf_obj_opts *o)
{
	char path[512];
	struct vn_bpf_obj *obj = NULL;

	snprintf(path, sizeof(path), "%s/%s", progs_dir, name);
	assert_int_equal(vn_bpf_obj_open_file(path, o, &obj), 0);
	return obj;
}

static void test_obj_btf_maps(void **state)
{
	struct vn_bpf_obj_opts o = { .ncpus = 3 };
	struct vn_bpf_obj *obj = open_prog("xdp1.bpf.o", &o);
	struct vn_map *m;

	(void)state;
	assert_string_equal(obj->license, "GPL");
	assert_int_equal(obj->nprogs, 1);
	assert_string_equal(obj->progs[0].name, "xdp_prog1");
	assert_string_equal(obj->progs[0].sec, "xdp");
	m = vn_bpf_obj_map_find(obj, "rxcnt");
	assert_non_null(m);
	assert_int_equal(m->type, BPF_MAP_TYPE_PERCPU_ARRAY);
	assert_int_equal(m->key_size, 4);
	assert_int_equal(m->value_size, 8);
	assert_int_equal(m->max_entries, 256);
	assert_int_equal(m->ncpus, 3);
	/* The one map reference is by index 0, as LD_IMM64 pseudo MAP_IDX */
	int refs = 0;
	for (size_t i = 0; i < obj->progs[0].n; i++)
		if (obj->progs[0].insns[i].code == VN_BPF_LD_IMM64 &&
		    obj->progs[0].insns[i].src == VN_BPF_PSEUDO_MAP_IDX) {
			assert_int_equal(obj->progs[0].insns[i].imm, 0);
			refs++;
		}
	assert_int_equal(refs, 1);
	vn_bpf_obj_close(obj);
}

static void test_obj_global_data_and_two_progs(void **state)
{
	struct vn_bpf_obj *obj = open_prog("encap.bpf.o", NULL);
	struct vn_map *ro, *data, *bss;
	uint32_t zero = 0;

	(void)state;
	assert_int_equal(obj->nprogs, 2);
	assert_non_null(vn_bpf_obj_prog_find(obj, "xdp/encap"));
	assert_non_null(vn_bpf_obj_prog_find(obj, "xdp_trim"));
	assert_null(vn_bpf_obj_prog_find(obj, "nope"));
	ro = vn_bpf_obj_map_find(obj, ".rodata");
	data = vn_bpf_obj_map_find(obj, ".data");
	bss = vn_bpf_obj_map_find(obj, ".bss");
	assert_non_null(ro);
	assert_non_null(data);
	assert_non_null(bss);
	assert_true(ro->map_flags & BPF_F_RDONLY_PROG);
	assert_int_equal(ro->type, BPF_MAP_TYPE_ARRAY);
	assert_int_equal(ro->max_entries, 1);
	/* Initial values: outer_saddr 10.0.0.1 first in .rodata, last_csum = 7 */
	uint8_t v[64];
	assert_int_equal(vn_map_lookup(ro, &zero, v), 0);
	uint32_t saddr;
	memcpy(&saddr, v, 4);
	assert_int_equal(saddr, 0x0a000001);
	assert_int_equal(vn_map_lookup(data, &zero, v), 0);
	uint32_t lc;
	memcpy(&lc, v, 4);
	assert_int_equal(lc, 7);
	assert_int_equal(bss->value_size, 16);
	/* Global accesses are MAP_IDX_VALUE references with in-range offsets */
	const struct vn_bpf_obj_prog *p = vn_bpf_obj_prog_find(obj, "xdp_encap");
	int vals = 0;
	for (size_t i = 0; i + 1 < p->n; i++)
		if (p->insns[i].code == VN_BPF_LD_IMM64 &&
		    p->insns[i].src == VN_BPF_PSEUDO_MAP_IDX_VALUE) {
			const struct vn_map *m = obj->maps[p->insns[i].imm].map;

			assert_true((uint32_t)p->insns[i + 1].imm < m->value_size);
			vals++;
		}
	assert_true(vals >= 4);
	vn_bpf_obj_close(obj);
}

static void test_obj_subprograms_appended(void **state)
{
	struct vn_bpf_obj *obj = open_prog("lru_flow.bpf.o", NULL);
	const struct vn_bpf_obj_prog *p;
	int calls = 0;

	(void)state;
	assert_int_equal(obj->nprogs, 1);	/* .text functions are not programs */
	p = &obj->progs[0];
	assert_string_equal(p->name, "xdp_flow");
	/* Every local call lands on an instruction inside the program */
	for (size_t i = 0; i < p->n; i++) {
		const struct vn_bpf_insn *in = &p->insns[i];

		if (in->code == (VN_BPF_JMP | VN_BPF_CALL) && in->src == VN_BPF_CALL_LOCAL) {
			int64_t t = (int64_t)i + in->imm + 1;

			assert_true(t > 0 && t < (int64_t)p->n);
			calls++;
		}
	}
	assert_int_equal(calls, 2);	/* xdp_flow -> parse_flow -> parse_l4 */
	assert_non_null(vn_bpf_obj_map_find(obj, "flows"));
	assert_int_equal(vn_bpf_obj_map_find(obj, "flows")->type, BPF_MAP_TYPE_LRU_HASH);
	vn_bpf_obj_close(obj);
}

static void test_obj_legacy_maps(void **state)
{
	struct vn_bpf_obj *obj = open_prog("legacy.bpf.o", NULL);
	struct vn_map *hits = vn_bpf_obj_map_find(obj, "hits");
	struct vn_map *seen = vn_bpf_obj_map_find(obj, "seen");

	(void)state;
	assert_non_null(hits);
	assert_non_null(seen);
	assert_int_equal(hits->type, BPF_MAP_TYPE_ARRAY);
	assert_int_equal(hits->value_size, 8);
	assert_int_equal(hits->max_entries, 2);
	assert_int_equal(seen->type, BPF_MAP_TYPE_HASH);
	assert_int_equal(seen->max_entries, 8);
	vn_bpf_obj_close(obj);
}

static void test_obj_size_limit(void **state)
{
	struct vn_bpf_obj_opts o = { .max_insns = 40 };
	struct vn_bpf_obj *obj = NULL;
	char path[512];

	(void)state;
	/* lru_flow is 49 + 35 + 24 instructions with its subprograms */
	snprintf(path, sizeof(path), "%s/lru_flow.bpf.o", progs_dir);
	assert_int_equal(vn_bpf_obj_open_file(path, &o, &obj), -E2BIG);
	o.max_insns = 100;
	assert_int_equal(vn_bpf_obj_open_file(path, &o, &obj), -E2BIG);
	o.max_insns = 108;
	assert_int_equal(vn_bpf_obj_open_file(path, &o, &obj), 0);
	assert_int_equal(obj->progs[0].n, 108);
	vn_bpf_obj_close(obj);
}

/* Patch the first relocation of the program section, then load */
static int load_with_reloc(const uint8_t *orig, size_t len, uint64_t r_offset, uint64_t r_info)
{
	uint8_t *buf = malloc(len);
	struct vn_bpf_obj *obj = NULL;
	Elf64_Ehdr eh;
	int ret;

	assert_non_null(buf);
	memcpy(buf, orig, len);
	memcpy(&eh, buf, sizeof(eh));
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;

		memcpy(&sh, buf + eh.e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type == SHT_REL && sh.sh_size >= sizeof(Elf64_Rel)) {
			Elf64_Rel r;

			memcpy(&r, buf + sh.sh_offset, sizeof(r));
			if (r_offset != UINT64_MAX)
				r.r_offset = r_offset;
			if (r_info != UINT64_MAX)
				r.r_info = r_info;
			memcpy(buf + sh.sh_offset, &r, sizeof(r));
			break;
		}
	}
	ret = vn_bpf_obj_open_mem(buf, len, "patched", NULL, &obj);
	vn_bpf_obj_close(obj);
	free(buf);
	return ret;
}

static void test_obj_rejects_bad_relocations(void **state)
{
	size_t len;
	uint8_t *orig = slurp("xdp1.bpf.o", &len);

	(void)state;
	assert_int_equal(load_with_reloc(orig, len, UINT64_MAX, UINT64_MAX), 0);
	/* Symbol index past the symbol table */
	assert_int_equal(load_with_reloc(orig, len, UINT64_MAX, ELF64_R_INFO(99999, 1)), -EINVAL);
	/* Misaligned offset */
	assert_int_equal(load_with_reloc(orig, len, 3, UINT64_MAX), -EINVAL);
	/* Map relocation on an instruction that is not LD_IMM64 (insn 0) */
	assert_int_equal(load_with_reloc(orig, len, 0, UINT64_MAX), -EINVAL);
	/* Unknown relocation type */
	assert_int_equal(load_with_reloc(orig, len, UINT64_MAX, ELF64_R_INFO(2, 7)), -EINVAL);
	free(orig);
}

static void test_obj_owner_cap(void **state)
{
	struct vn_bpf_owner own = { .mem_limit = 1024 };
	struct vn_bpf_obj_opts o = { .owner = &own, .ncpus = 1 };
	struct vn_bpf_obj *obj = NULL;
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/xdp1.bpf.o", progs_dir);
	assert_int_equal(vn_bpf_obj_open_file(path, &o, &obj), -ENOMEM);
	assert_null(obj);
	assert_int_equal(own.mem_used, 0);
	own.mem_limit = 64 << 10;
	assert_int_equal(vn_bpf_obj_open_file(path, &o, &obj), 0);
	assert_true(own.mem_used > 2048);
	vn_bpf_obj_close(obj);
	assert_int_equal(own.mem_used, 0);
}

static void test_obj_rejects_hostile_headers(void **state)
{
	static const uint8_t junk[] = "not an elf at all";
	struct vn_bpf_obj *obj;
	size_t len;
	uint8_t *buf = slurp("xdp2.bpf.o", &len);

	(void)state;
	assert_int_equal(vn_bpf_obj_open_mem(junk, sizeof(junk), "junk", NULL, &obj), -EINVAL);
	assert_int_equal(vn_bpf_obj_open_mem(junk, 0, "empty", NULL, &obj), -EINVAL);
	buf[18] = 62;	/* e_machine: x86-64 */
	assert_int_equal(vn_bpf_obj_open_mem(buf, len, "x86", NULL, &obj), -EINVAL);
	buf[18] = 247;
	buf[4] = 1;	/* ELFCLASS32 */
	assert_int_not_equal(vn_bpf_obj_open_mem(buf, len, "elf32", NULL, &obj), 0);
	buf[4] = 2;
	buf[16] = 2;	/* ET_EXEC */
	assert_int_equal(vn_bpf_obj_open_mem(buf, len, "exec", NULL, &obj), -EINVAL);
	buf[16] = 1;
	assert_int_equal(vn_bpf_obj_open_mem(buf, len, "ok", NULL, &obj), 0);
	vn_bpf_obj_close(obj);
	free(buf);
}

static void quiet(enum vn_log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

/* Every prefix of an object, and random byte flips: errors, never crashes */
static void test_obj_truncated_and_mutated(void **state)
{
	static const char *const names[] = { "xdp1.bpf.o", "encap.bpf.o", "lru_flow.bpf.o" };
	(void)state;
	vn_log_set_sink(quiet);
	srand(42);
	for (size_t n = 0; n < VN_ARRAY_SIZE(names); n++) {
		size_t len;
		uint8_t *orig = slurp(names[n], &len), *buf = malloc(len);
		struct vn_bpf_obj *obj;
		int ok = 0;

		assert_non_null(buf);
		for (size_t cut = 0; cut < len; cut += 1 + cut / 16) {
			if (vn_bpf_obj_open_mem(orig, cut, "cut", NULL, &obj) == 0) {
				ok++;
				vn_bpf_obj_close(obj);
			}
		}
		for (int i = 0; i < 300; i++) {
			memcpy(buf, orig, len);
			for (int k = 0; k < 1 + rand() % 8; k++)
				buf[(size_t)rand() % len] = (uint8_t)rand();
			if (vn_bpf_obj_open_mem(buf, len, "mut", NULL, &obj) == 0) {
				/* Whatever loaded is internally consistent */
				for (unsigned int p = 0; p < obj->nprogs; p++)
					assert_true(obj->progs[p].n > 0);
				vn_bpf_obj_close(obj);
			}
		}
		(void)ok;
		free(buf);
		free(orig);
	}
	vn_log_set_sink(NULL);
}

/* The struct btf_member array of the STRUCT named @name in @buf's .BTF, or NULL */
static uint8_t *btf_members_of(uint8_t *buf, size_t len, const char *name)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, strsh;
	struct btf_header bh;

	memcpy(&eh, buf, sizeof(eh));
	memcpy(&strsh, buf + eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(sh), sizeof(sh));
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		uint8_t *types, *strs;
		uint32_t name_off = 0;

		memcpy(&sh, buf + eh.e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
		if (strcmp((const char *)buf + strsh.sh_offset + sh.sh_name, ".BTF"))
			continue;
		assert_true(sh.sh_offset + sh.sh_size <= len);
		memcpy(&bh, buf + sh.sh_offset, sizeof(bh));
		types = buf + sh.sh_offset + bh.hdr_len + bh.type_off;
		strs = buf + sh.sh_offset + bh.hdr_len + bh.str_off;
		for (uint32_t o = 1; o < bh.str_len; o++)
			if (!strcmp((const char *)strs + o, name) && !strs[o - 1])
				name_off = o;
		assert_true(name_off);
		/* 4-byte aligned records: a STRUCT with that name */
		for (uint32_t o = 0; o + sizeof(struct btf_type) <= bh.type_len; o += 4) {
			struct btf_type t;

			memcpy(&t, types + o, sizeof(t));
			if (t.name_off == name_off && BTF_INFO_KIND(t.info) == BTF_KIND_STRUCT)
				return types + o + sizeof(t);
		}
	}
	return NULL;
}

/* BTF layouts of lru_flow.bpf.o's maps; hostile member offsets and types drop the layout, never the bounds */
static void test_obj_btf_layout(void **state)
{
	size_t len;
	uint8_t *orig = slurp("lru_flow.bpf.o", &len), *buf = malloc(len), *mem;
	struct vn_bpf_obj *obj;
	struct vn_map *m;
	struct btf_member mb;
	/* member 1 of struct flow_val ("bytes", at bit 64): offset, type */
	static const struct { uint32_t off, type; bool keep; } cases[] = {
		{ 64, 0, true },		/* unchanged */
		{ 128, 0, false },		/* past the 16-byte value */
		{ 0xffffffc0u, 0, false },	/* far past, wrapping 32-bit sums */
		{ 60, 0, false },		/* not on a byte boundary */
		{ 64, 0xffffff, false },	/* type id past the section */
	};

	(void)state;
	assert_non_null(buf);
	assert_int_equal(vn_bpf_obj_open_mem(orig, len, "ok", NULL, &obj), 0);
	m = vn_bpf_obj_map_find(obj, "flows");
	assert_non_null(m->btf);
	assert_int_equal(m->btf->key.nfields, 6);
	assert_string_equal(m->btf->key.f[5].name, "pad");
	assert_int_equal(m->btf->key.f[5].nelems, 3);
	assert_int_equal(m->btf->value.nfields, 2);
	assert_string_equal(m->btf->value.f[1].name, "bytes");
	assert_int_equal(m->btf->value.f[1].off, 8);
	assert_int_equal(m->btf->value.f[1].size, 8);
	m = vn_bpf_obj_map_find(obj, "blocked");
	assert_true(vn_map_btf_scalar(&m->btf->key));
	vn_bpf_obj_close(obj);
	vn_log_set_sink(quiet);
	for (size_t i = 0; i < VN_ARRAY_SIZE(cases); i++) {
		memcpy(buf, orig, len);
		mem = btf_members_of(buf, len, "flow_val");
		assert_non_null(mem);
		memcpy(&mb, mem + sizeof(mb), sizeof(mb));
		mb.offset = cases[i].off;
		if (cases[i].type)
			mb.type = cases[i].type;
		memcpy(mem + sizeof(mb), &mb, sizeof(mb));
		assert_int_equal(vn_bpf_obj_open_mem(buf, len, "mut", NULL, &obj), 0);
		m = vn_bpf_obj_map_find(obj, "flows");
		/* the key (struct flow_key) is untouched either way */
		assert_non_null(m->btf);
		assert_int_equal(m->btf->key.nfields, 6);
		assert_int_equal(m->btf->value.nfields, cases[i].keep ? 2 : 0);
		vn_bpf_obj_close(obj);
	}
	vn_log_set_sink(NULL);
	free(buf);
	free(orig);
}

/* Open @buf, returning its load work (0 if it failed) and the error in *@err */
static uint64_t work_of(const uint8_t *buf, size_t len, int *err)
{
	struct vn_bpf_obj *obj = NULL;
	uint64_t w = 0;

	*err = vn_bpf_obj_open_mem(buf, len, "gen.o", NULL, &obj);
	if (!*err)
		w = obj->load_work;
	vn_bpf_obj_close(obj);
	return w;
}

/* Many program sections beside many functions: work linear in both */
static void test_obj_bounded_progs_and_funcs(void **state)
{
	uint64_t w1, w2;
	uint8_t *o;
	size_t len;
	int err;

	(void)state;
	o = elf_gen_progs(60, 10000, &len);
	w1 = work_of(o, len, &err);
	assert_int_equal(err, 0);
	free(o);
	o = elf_gen_progs(60, 20000, &len);
	w2 = work_of(o, len, &err);
	assert_int_equal(err, 0);
	free(o);
	/* once per symbol and function, plus the 60 programs: the old loader
	 * walked every function for every program section (60 * nfuncs) */
	assert_true(w1 <= 4 * 10000 + 1000);
	assert_true(w2 <= 4 * 20000 + 1000);
	assert_true(w2 < 2 * w1 + 1000);
}

/* A call chain pulled in by many programs: relocations visited per placed
 * function only, never the whole section's for each */
static void test_obj_bounded_call_chain(void **state)
{
	struct vn_bpf_obj *obj = NULL;
	uint64_t w1, w2;
	uint8_t *o;
	size_t len;
	int err;

	(void)state;
	o = elf_gen_chain(2000, 4, &len);
	w1 = work_of(o, len, &err);
	assert_int_equal(err, 0);
	assert_int_equal(vn_bpf_obj_open_mem(o, len, "chain.o", NULL, &obj), 0);
	/* each program: its call, then 2000 functions of 2 instructions */
	assert_int_equal(obj->nprogs, 4);
	assert_int_equal(obj->progs[3].n, 2 + 2 * 2000);
	vn_bpf_obj_close(obj);
	free(o);
	o = elf_gen_chain(4000, 4, &len);
	w2 = work_of(o, len, &err);
	assert_int_equal(err, 0);
	free(o);
	/* per program: n placements, each a binary search and its own
	 * relocation (the quadratic loader: n * n relocation visits) */
	assert_true(w1 <= 4 * 2000 * 16 + 4 * 2000 + 1000);
	assert_true(w2 < 2 * w1 + 4 * 4000 + 1000);
}

/* Many BTF types naming one long string: each type costs O(1) */
static void test_obj_bounded_btf_names(void **state)
{
	uint64_t w1, w2;
	uint8_t *o;
	size_t len;
	int err;

	(void)state;
	o = elf_gen_btf(20000, 1 << 20, &len);
	w1 = work_of(o, len, &err);
	assert_int_equal(err, 0);
	free(o);
	o = elf_gen_btf(40000, 2 << 20, &len);
	w2 = work_of(o, len, &err);
	assert_int_equal(err, 0);
	free(o);
	assert_true(w1 <= 2 * 20000 + 100);
	assert_true(w2 <= 2 * 40000 + 100);
}

/* Two relocations of one instruction: refused (the index keeps one each) */
static void test_obj_rejects_duplicate_relocations(void **state)
{
	struct eg *g = eg_new();
	struct vn_bpf_obj *obj = NULL;
	const struct vn_bpf_insn code[4] = {
		{ .code = 0x85, .src = 1, .imm = -1 }, { .code = 0x95 },
		{ .code = 0xb7, .imm = 2 }, { .code = 0x95 },
	};
	unsigned int s, f;
	uint64_t rels[4];
	uint8_t *o;
	size_t len;

	(void)state;
	s = eg_sec(g, "xdp", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code, sizeof(code), 0, 0, 0);
	eg_sym(g, "prog", 0, 16, ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), (uint16_t)s);
	f = eg_sym(g, "sub", 16, 16, ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), (uint16_t)s);
	rels[0] = rels[2] = 0;
	rels[1] = rels[3] = ELF64_R_INFO(f, 10);
	eg_rel(g, s, rels, 2);
	o = eg_finish(g, &len);
	assert_int_equal(vn_bpf_obj_open_mem(o, len, "dup.o", NULL, &obj), -EINVAL);
	free(o);
}

/* The size cap applies to memory opens too; the loader's memory is the owner's */
static void test_obj_size_cap_and_loader_charge(void **state)
{
	struct vn_bpf_owner owner = { .mem_limit = 512 << 10 };
	struct vn_bpf_obj_opts o = { .max_bytes = VN_BPF_OBJ_SIZE_GUEST };
	struct vn_bpf_obj *obj = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	buf = elf_gen_btf(10, VN_BPF_OBJ_SIZE_GUEST, &len);
	assert_true(len > VN_BPF_OBJ_SIZE_GUEST);
	assert_int_equal(vn_bpf_obj_open_mem(buf, len, "big.o", &o, &obj), -E2BIG);
	assert_null(obj);
	/* the default cap lets it in; an owner of 512 KiB cannot pay for the
	 * loader's copy of it, and is left with nothing charged */
	assert_int_equal(vn_bpf_obj_open_mem(buf, len, "big.o", NULL, &obj), 0);
	vn_bpf_obj_close(obj);
	o.max_bytes = 0;
	o.owner = &owner;
	assert_int_equal(vn_bpf_obj_open_mem(buf, len, "big.o", &o, &obj), -ENOMEM);
	assert_int_equal(owner.mem_used, 0);
	free(buf);
	/* a small object loads and keeps only its instructions charged */
	buf = elf_gen_progs(1, 100, &len);
	assert_int_equal(vn_bpf_obj_open_mem(buf, len, "small.o", &o, &obj), 0);
	assert_int_equal(owner.mem_used, obj->charged);
	vn_bpf_obj_close(obj);
	assert_int_equal(owner.mem_used, 0);
	free(buf);
}

static char last_line[1024];
static unsigned int bad_lines;

static void line_sink(enum vn_log_level level, const char *msg)
{
	(void)level;
	snprintf(last_line, sizeof(last_line), "%s", msg);
	for (const char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			bad_lines++;
}

/* Names from the object reach the log escaped: no forged lines, no colours */
static void test_obj_names_escaped(void **state)
{
	static const char forged[] = "xdp/x'\n\033[1;32mvnetd: info: port 'uplink': detached\033[0m\n";
	const struct vn_bpf_insn code[2] = { { .code = 0xb7, .imm = 2 }, { .code = 0x95 } };
	struct vn_bpf_obj *obj = NULL;
	struct eg *g = eg_new();
	char esc[16];
	unsigned int s;
	uint8_t *o;
	size_t len;

	(void)state;
	s = eg_sec(g, forged, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code, sizeof(code), 0, 0, 0);
	/* a function whose size is not a whole instruction: logged with both names */
	eg_sym(g, "f\n\033[31m", 0, 12, ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), (uint16_t)s);
	o = eg_finish(g, &len);
	bad_lines = 0;
	vn_log_set_sink(line_sink);
	assert_int_equal(vn_bpf_obj_open_mem(o, len, "evil\n.o", NULL, &obj), -EINVAL);
	vn_log_set_sink(NULL);
	assert_int_equal(bad_lines, 0);
	assert_non_null(strstr(last_line, "evil\\x0a.o"));
	assert_non_null(strstr(last_line, "xdp/x\\x27\\x0a\\x1b[1;32m"));
	assert_non_null(strstr(last_line, "f\\x0a\\x1b[31m"));
	free(o);
	/* escapes are never cut in half, output always terminated */
	assert_string_equal(vn_log_escape("ab\ncd", esc, 6), "ab");
	assert_string_equal(vn_log_escape("ab\ncd", esc, 7), "ab\\x0a");
	assert_string_equal(vn_log_escape("a\\b", esc, sizeof(esc)), "a\\x5cb");
	assert_string_equal(vn_log_escape("x", esc, 1), "");
}

/* A string table without a final NUL would cost a scan per name: refused */
static void test_obj_rejects_unterminated_strtab(void **state)
{
	struct vn_bpf_obj *obj = NULL;
	uint8_t *o;
	size_t len;
	Elf64_Ehdr eh;
	Elf64_Shdr sh;

	(void)state;
	o = elf_gen_progs(1, 1, &len);
	memcpy(&eh, o, sizeof(eh));
	/* section 2 is .strtab (elf_gen.h): overwrite its last byte */
	memcpy(&sh, o + eh.e_shoff + 2 * sizeof(sh), sizeof(sh));
	o[sh.sh_offset + sh.sh_size - 1] = 'x';
	assert_int_equal(vn_bpf_obj_open_mem(o, len, "unterminated.o", NULL, &obj), -EINVAL);
	free(o);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_obj_bounded_progs_and_funcs),
		cmocka_unit_test(test_obj_bounded_call_chain),
		cmocka_unit_test(test_obj_bounded_btf_names),
		cmocka_unit_test(test_obj_rejects_duplicate_relocations),
		cmocka_unit_test(test_obj_size_cap_and_loader_charge),
		cmocka_unit_test(test_obj_names_escaped),
		cmocka_unit_test(test_obj_rejects_unterminated_strtab),
		cmocka_unit_test(test_obj_btf_maps),
		cmocka_unit_test(test_obj_global_data_and_two_progs),
		cmocka_unit_test(test_obj_subprograms_appended),
		cmocka_unit_test(test_obj_legacy_maps),
		cmocka_unit_test(test_obj_size_limit),
		cmocka_unit_test(test_obj_rejects_bad_relocations),
		cmocka_unit_test(test_obj_owner_cap),
		cmocka_unit_test(test_obj_rejects_hostile_headers),
		cmocka_unit_test(test_obj_truncated_and_mutated),
		cmocka_unit_test(test_obj_btf_layout),
	};

	progs_dir = argc > 1 ? argv[1] : "tests/bpf/progs";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
