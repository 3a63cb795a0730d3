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
 *
 * Bounded work: a function is found by binary search in its section's
 * sorted range (obj.c index_funcs()), a placed function is recognised by
 * its build generation (no search of what was placed), and a function's
 * relocations come from its section's index, sorted by instruction once
 * per object with at most one relocation per instruction: one build visits
 * only the relocations of the functions it places.
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
 * @queue:	functions placed, in order (entries of c->funcs, or the
 *		symbol-less whole section)
 * @nqueue:	entries placed
 * @gen:	this build's generation (struct obj_func.gen)
 */
struct build {
	struct obj_ctx *c;
	struct vn_bpf_obj_prog *prog;
	const char *sec;
	size_t cap;
	size_t max;
	struct obj_func **queue;
	size_t nqueue;
	unsigned int gen;
};

#define bld_err(b, fmt, ...)						\
	vn_err("obj '%s': sec '%s': prog '%s': " fmt, (b)->c->obj->name,	\
	       (b)->sec, (b)->prog->name, ##__VA_ARGS__)

/* Place @f after the code placed so far; return its output position */
static int place(struct build *b, struct obj_func *f, size_t *pos)
{
	size_t at = b->prog->n;

	if (f->gen == b->gen) {	/* placed already in this build */
		*pos = f->pos;
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
	b->queue[b->nqueue++] = f;
	f->gen = b->gen;
	f->pos = at;
	b->prog->n = at + f->len;
	*pos = at;
	return 0;
}

/* The function of section @shndx starting at instruction @idx: binary search */
static struct obj_func *func_at(struct obj_ctx *c, size_t shndx, size_t idx)
{
	size_t lo = c->secs[shndx].func_first, hi = lo + c->secs[shndx].func_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		c->work++;
		if (c->funcs[mid].start == idx)
			return &c->funcs[mid];
		if (c->funcs[mid].start < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct obj_rel *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Index section @shndx's relocations by instruction, once per object */
static int sec_rels(struct build *b, size_t shndx)
{
	struct obj_ctx *c = b->c;
	struct obj_sec *s = &c->secs[shndx];
	Elf_Data *d = c->secs[s->rel].data;
	size_t nrel = d->d_size / sizeof(Elf64_Rel);

	if (s->rels_built)
		return 0;
	s->rels = obj_tmp_alloc(c, nrel, sizeof(*s->rels));
	if (!s->rels)
		return -ENOMEM;
	s->nrels = nrel;
	for (size_t r = 0; r < nrel; r++) {
		GElf_Rel gr;

		c->work++;
		if (!gelf_getrel(d, (int)r, &gr))
			return -EINVAL;
		/* Misaligned relocation offset */
		if (gr.r_offset % sizeof(struct vn_bpf_insn)) {
			bld_err(b, "relocation %zu at misaligned offset %llu", r,
				(unsigned long long)gr.r_offset);
			return -EINVAL;
		}
		s->rels[r] = (struct obj_rel){ .idx = gr.r_offset / sizeof(struct vn_bpf_insn),
					       .r = r, .info = gr.r_info };
	}
	qsort(s->rels, nrel, sizeof(*s->rels), rel_cmp);
	for (size_t r = 1; r < nrel; r++)
		/* Two relocations of one instruction */
		if (s->rels[r].idx == s->rels[r - 1].idx) {
			bld_err(b, "two relocations at insn %zu of sec '%s'", s->rels[r].idx,
				s->name);
			return -EINVAL;
		}
	s->rels_built = true;
	return 0;
}

/* First relocation of @s at or past instruction @idx */
static size_t rel_lower_bound(const struct obj_sec *s, size_t idx)
{
	size_t lo = 0, hi = s->nrels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->rels[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Rewrite the call at output slot @o of function @f (placed at @base) to
 * reach instruction @tidx of section @tsec.
 */
static int fix_call(struct build *b, const struct obj_func *f, size_t base, size_t o,
		    size_t tsec, int64_t tidx)
{
	struct obj_func *t;
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
	const struct obj_sec *s = &c->secs[f->shndx];
	int ret;

	if (!s->rel)
		return 0;
	ret = sec_rels(b, f->shndx);
	if (ret)
		return ret;
	for (size_t k = rel_lower_bound(s, f->start);
	     k < s->nrels && s->rels[k].idx < f->start + f->len; k++) {
		struct vn_bpf_insn *in;
		GElf_Rel gr = { .r_info = s->rels[k].info };
		size_t idx = s->rels[k].idx, r = s->rels[k].r, o;
		GElf_Sym sym;

		c->work++;
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
	size_t base = f->pos;
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
int obj_build_prog(struct obj_ctx *c, struct obj_func *main_fn,
		   struct vn_bpf_obj_prog *prog)
{
	struct build b = { .c = c, .prog = prog, .sec = c->secs[main_fn->shndx].name,
			   .gen = ++c->build_gen };
	size_t pos;
	int ret;

	b.max = c->opts->max_insns ? c->opts->max_insns : VN_BPF_MAX_INSNS;
	b.queue = obj_tmp_alloc(c, c->nfuncs + 1, sizeof(*b.queue));
	if (!b.queue) {
		ret = -ENOMEM;
		goto out;
	}
	ret = place(&b, main_fn, &pos);
	/* The queue grows while it is walked: each function relocated once */
	for (size_t qi = 0; !ret && qi < b.nqueue; qi++)
		ret = finish_func(&b, qi);
out:
	obj_tmp_free(c, b.queue, c->nfuncs + 1, sizeof(*b.queue));
	if (ret) {
		free(prog->insns);
		prog->insns = NULL;
		prog->n = 0;
	}
	return ret;
}
