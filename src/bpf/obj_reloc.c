// SPDX-License-Identifier: MIT
/* obj_reloc.c - build one program: copy it, append called functions, relocate
 *
 * Like libbpf at load time: the program's function is copied first; every
 * BPF-to-BPF call whose target lies outside the function being copied
 * appends the target function (once) after everything appended so far and
 * gets its pc-relative offset rewritten. Call targets come either from an
 * R_BPF_64_32 relocation (target = symbol offset / 8 + imm + 1 in the
 * symbol's section, libbpf's formula, valid for both function symbols with
 * imm -1 and section symbols) or, without a relocation, from the offset
 * itself inside the same section. R_BPF_64_64 relocations on LD_IMM64 turn
 * into map references by object map index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vm.h"
#include "core/compiler.h"
#include "core/log.h"
#include "obj_internal.h"

#define R_BPF_64_64	1
#define R_BPF_64_32	10

/**
 * struct build - one program under construction
 * @c:		load state
 * @prog:	output program
 * @sec:	name of the program's section, for messages
 * @cap:	slots allocated in prog->insns
 * @max:	size limit
 * @queue:	functions placed, in order (index into c->funcs, or -1 for a
 *		symbol-less whole section)
 * @pos:	output position of each queued function
 * @nqueue:	entries placed
 */
struct build {
	struct obj_ctx *c;
	struct vn_bpf_obj_prog *prog;
	const char *sec;
	size_t cap;
	size_t max;
	const struct obj_func **queue;
	size_t *pos;
	size_t nqueue;
};

#define bld_err(b, fmt, ...)						\
	vn_err("obj '%s': sec '%s': prog '%s': " fmt, (b)->c->obj->name,	\
	       (b)->sec, (b)->prog->name, ##__VA_ARGS__)

/* Place @f after the code placed so far; return its output position */
static int place(struct build *b, const struct obj_func *f, size_t *pos)
{
	size_t at = b->prog->n;

	for (size_t i = 0; i < b->nqueue; i++)
		if (b->queue[i] == f) {
			*pos = b->pos[i];
			return 0;
		}
	/* Program plus subprograms over the size limit */
	if (f->len > b->max || at > b->max - f->len) {
		bld_err(b, "more than %zu instructions with subprograms", b->max);
		return -E2BIG;
	}
	if (at + f->len > b->cap) {
		size_t ncap = VN_MAX(b->cap * 2, at + f->len);
		void *p = realloc(b->prog->insns, ncap * sizeof(struct vn_bpf_insn));

		if (!p)
			return -ENOMEM;
		b->prog->insns = p;
		b->cap = ncap;
	}
	if (b->nqueue >= b->c->nfuncs + 1)
		return -EINVAL;	/* cannot happen: each function placed once */
	memcpy(b->prog->insns + at,
	       (const struct vn_bpf_insn *)b->c->secs[f->shndx].data->d_buf + f->start,
	       f->len * sizeof(struct vn_bpf_insn));
	b->queue[b->nqueue] = f;
	b->pos[b->nqueue++] = at;
	b->prog->n = at + f->len;
	*pos = at;
	return 0;
}

static const struct obj_func *func_at(struct obj_ctx *c, size_t shndx, size_t idx)
{
	for (size_t i = 0; i < c->nfuncs; i++)
		if (c->funcs[i].shndx == shndx && c->funcs[i].start == idx)
			return &c->funcs[i];
	return NULL;
}

/*
 * Rewrite the call at output slot @o of function @f (placed at @base) to
 * reach instruction @tidx of section @tsec.
 */
static int fix_call(struct build *b, const struct obj_func *f, size_t base, size_t o,
		    size_t tsec, int64_t tidx)
{
	const struct obj_func *t;
	size_t tpos;
	int ret;

	/* Call inside the function being copied: the offset stays valid */
	if (tsec == f->shndx && tidx >= (int64_t)f->start &&
	    tidx < (int64_t)(f->start + f->len))
		return 0;
	t = tidx >= 0 ? func_at(b->c, tsec, (size_t)tidx) : NULL;
	if (!t) {
		bld_err(b, "insn %zu: call to insn %lld of sec '%s', not a function start",
			o - base, (long long)tidx, b->c->secs[tsec].name);
		return -EINVAL;
	}
	ret = place(b, t, &tpos);
	if (ret)
		return ret;
	b->prog->insns[o].imm = (int32_t)((int64_t)tpos - (int64_t)o - 1);
	return 0;
}

static int reloc_ld_imm64(struct build *b, size_t o, size_t left, const GElf_Sym *sym)
{
	struct obj_ctx *c = b->c;
	struct vn_bpf_insn *in = &b->prog->insns[o];
	const char *sname = obj_sym_name(c, sym);
	int64_t off;

	/* Relocation on the second slot, or on a cut instruction */
	if (in->code != VN_BPF_LD_IMM64 || left < 2) {
		bld_err(b, "insn %zu: map relocation on a non-LD_IMM64 instruction", o);
		return -EINVAL;
	}
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= c->nsecs) {
		bld_err(b, "insn %zu: extern '%s' not supported", o, sname);
		return -EINVAL;
	}
	if (c->secs[sym->st_shndx].exec) {
		bld_err(b, "insn %zu: function pointer to '%s' not supported", o, sname);
		return -EINVAL;
	}
	if (sym->st_shndx == c->maps_shndx || sym->st_shndx == c->btf_maps_shndx) {
		off = (int64_t)sym->st_value;
		if (GELF_ST_TYPE(sym->st_info) == STT_SECTION)
			off += in->imm;
		for (unsigned int m = 0; m < c->obj->nmaps; m++)
			if (c->map_src[m].shndx == sym->st_shndx &&
			    (int64_t)c->map_src[m].off == off) {
				in->src = VN_BPF_PSEUDO_MAP_IDX;
				in->imm = (int32_t)m;
				in[1].imm = 0;
				return 0;
			}
		bld_err(b, "insn %zu: no map at offset %lld of sec '%s'", o, (long long)off,
			c->secs[sym->st_shndx].name);
		return -EINVAL;
	}
	if (c->secs[sym->st_shndx].map_idx >= 0) {
		const struct vn_map *m = c->obj->maps[c->secs[sym->st_shndx].map_idx].map;

		off = (int64_t)in->imm + (int64_t)sym->st_value;
		/* Global variable access outside its section */
		if (off < 0 || off >= (int64_t)m->value_size) {
			bld_err(b, "insn %zu: offset %lld outside sec '%s'", o, (long long)off,
				c->secs[sym->st_shndx].name);
			return -EINVAL;
		}
		in->src = VN_BPF_PSEUDO_MAP_IDX_VALUE;
		in->imm = c->secs[sym->st_shndx].map_idx;
		in[1].imm = (int32_t)off;
		return 0;
	}
	bld_err(b, "insn %zu: relocation against '%s' in unsupported sec '%s'", o, sname,
		c->secs[sym->st_shndx].name);
	return -EINVAL;
}

/* Apply the relocations of function @f, placed at @base; mark calls done */
static int apply_relocs(struct build *b, const struct obj_func *f, size_t base,
			uint8_t *done)
{
	struct obj_ctx *c = b->c;
	size_t rel = c->secs[f->shndx].rel;
	Elf_Data *d;
	size_t nrel;

	if (!rel)
		return 0;
	d = c->secs[rel].data;
	nrel = d->d_size / sizeof(Elf64_Rel);
	for (size_t r = 0; r < nrel; r++) {
		struct vn_bpf_insn *in;
		GElf_Rel gr;
		GElf_Sym sym;
		size_t idx, o;
		int ret;

		if (!gelf_getrel(d, (int)r, &gr))
			return -EINVAL;
		/* Misaligned relocation offset */
		if (gr.r_offset % sizeof(struct vn_bpf_insn)) {
			bld_err(b, "relocation %zu at misaligned offset %llu", r,
				(unsigned long long)gr.r_offset);
			return -EINVAL;
		}
		idx = gr.r_offset / sizeof(struct vn_bpf_insn);
		if (idx < f->start || idx >= f->start + f->len)
			continue;
		if (obj_get_sym(c, GELF_R_SYM(gr.r_info), &sym)) {
			bld_err(b, "relocation %zu: bad symbol index", r);
			return -EINVAL;
		}
		o = base + (idx - f->start);
		in = &b->prog->insns[o];
		if (GELF_R_TYPE(gr.r_info) == R_BPF_64_64) {
			ret = reloc_ld_imm64(b, o, f->start + f->len - idx, &sym);
		} else if (GELF_R_TYPE(gr.r_info) == R_BPF_64_32) {
			if (in->code != (VN_BPF_JMP | VN_BPF_CALL) || in->src != VN_BPF_CALL_LOCAL ||
			    sym.st_shndx >= c->nsecs || !c->secs[sym.st_shndx].exec ||
			    sym.st_value % sizeof(struct vn_bpf_insn)) {
				bld_err(b, "insn %zu: bad call relocation against '%s'", o - base,
					obj_sym_name(c, &sym));
				return -EINVAL;
			}
			done[o - base] = 1;
			ret = fix_call(b, f, base, o, sym.st_shndx,
				       (int64_t)(sym.st_value / sizeof(struct vn_bpf_insn)) +
				       in->imm + 1);
		} else {
			bld_err(b, "insn %zu: unsupported relocation type %llu", o - base,
				(unsigned long long)GELF_R_TYPE(gr.r_info));
			return -EINVAL;
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* Relocate function number @qi of the queue (already copied) */
static int finish_func(struct build *b, size_t qi)
{
	const struct obj_func *f = b->queue[qi];
	size_t base = b->pos[qi];
	uint8_t *done = calloc(f->len, 1);
	int ret;

	if (!done)
		return -ENOMEM;
	ret = apply_relocs(b, f, base, done);
	/* Calls without relocations: pc-relative inside the same section */
	for (size_t i = 0; !ret && i < f->len; i++) {
		const struct vn_bpf_insn *in = &b->prog->insns[base + i];

		if (done[i] || in->code != (VN_BPF_JMP | VN_BPF_CALL) ||
		    in->src != VN_BPF_CALL_LOCAL)
			continue;
		ret = fix_call(b, f, base, base + i, f->shndx,
			       (int64_t)(f->start + i) + in->imm + 1);
	}
	free(done);
	return ret;
}

/**
 * obj_build_prog() - Build a program from its main function
 * @c:		load state
 * @main_fn:	the program's function
 * @prog:	output (name and sec already set)
 *
 * Return: 0, -EINVAL, -E2BIG or -ENOMEM (logged)
 */
int obj_build_prog(struct obj_ctx *c, const struct obj_func *main_fn,
		   struct vn_bpf_obj_prog *prog)
{
	struct build b = { .c = c, .prog = prog, .sec = c->secs[main_fn->shndx].name };
	size_t pos;
	int ret;

	b.max = c->opts->max_insns ? c->opts->max_insns : VN_BPF_MAX_INSNS;
	b.queue = calloc(c->nfuncs + 1, sizeof(*b.queue));
	b.pos = calloc(c->nfuncs + 1, sizeof(*b.pos));
	if (!b.queue || !b.pos) {
		ret = -ENOMEM;
		goto out;
	}
	ret = place(&b, main_fn, &pos);
	/* The queue grows while it is walked: each function relocated once */
	for (size_t qi = 0; !ret && qi < b.nqueue; qi++)
		ret = finish_func(&b, qi);
out:
	free(b.queue);
	free(b.pos);
	if (ret) {
		free(prog->insns);
		prog->insns = NULL;
		prog->n = 0;
	}
	return ret;
}
