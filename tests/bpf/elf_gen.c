// SPDX-License-Identifier: MIT
/* elf_gen.c - build BPF ELF objects in memory, hostile shapes included, for the loader tests */
#include <elf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/insn.h"
#include "elf_gen.h"

#define R_BPF_64_32	10

/* A growing byte buffer; aborts on no memory (tests only) */
struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void *buf_add(struct buf *b, const void *data, size_t n)
{
	void *at;

	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	at = b->p + b->n;
	if (data)
		memcpy(at, data, n);
	else
		memset(at, 0, n);
	b->n += n;
	return at;
}

static uint32_t str_add(struct buf *b, const char *s)
{
	uint32_t off = (uint32_t)b->n;

	buf_add(b, s, strlen(s) + 1);
	return off;
}

struct eg {
	struct buf shdrs;	/* Elf64_Shdr, sh_offset = offset in @data until eg_finish() */
	struct buf data;
	struct buf shstr;
	struct buf str;
	struct buf syms;
	uint32_t names[4];	/* sh_name of sections 1..3 */
};

struct eg *eg_new(void)
{
	struct eg *g = calloc(1, sizeof(*g));
	Elf64_Shdr null = { 0 };
	Elf64_Sym nsym = { 0 };

	if (!g)
		abort();
	buf_add(&g->shdrs, &null, sizeof(null));
	str_add(&g->shstr, "");
	g->names[1] = str_add(&g->shstr, ".shstrtab");
	g->names[2] = str_add(&g->shstr, ".strtab");
	g->names[3] = str_add(&g->shstr, ".symtab");
	str_add(&g->str, "");
	buf_add(&g->syms, &nsym, sizeof(nsym));
	/* 1, 2, 3: filled in by eg_finish() */
	for (int i = 0; i < 3; i++)
		buf_add(&g->shdrs, &null, sizeof(null));
	return g;
}

unsigned int eg_sec(struct eg *g, const char *name, uint32_t type, uint64_t flags,
		    const void *data, size_t size, uint32_t link, uint32_t info, uint64_t entsize)
{
	Elf64_Shdr sh = { .sh_name = str_add(&g->shstr, name), .sh_type = type,
			  .sh_flags = flags, .sh_size = size, .sh_link = link, .sh_info = info,
			  .sh_addralign = 8, .sh_entsize = entsize };

	while (g->data.n % 8)
		buf_add(&g->data, NULL, 1);
	sh.sh_offset = g->data.n;
	if (type != SHT_NOBITS)
		buf_add(&g->data, data, size);
	buf_add(&g->shdrs, &sh, sizeof(sh));
	return (unsigned int)(g->shdrs.n / sizeof(sh) - 1);
}

unsigned int eg_sym(struct eg *g, const char *name, uint64_t value, uint64_t size,
		    unsigned char info, uint16_t shndx)
{
	Elf64_Sym s = { .st_name = str_add(&g->str, name), .st_info = info, .st_shndx = shndx,
			.st_value = value, .st_size = size };

	buf_add(&g->syms, &s, sizeof(s));
	return (unsigned int)(g->syms.n / sizeof(s) - 1);
}

unsigned int eg_rel(struct eg *g, unsigned int target, const uint64_t *rels, size_t n)
{
	Elf64_Rel *r = calloc(n ? n : 1, sizeof(*r));
	unsigned int idx;

	if (!r)
		abort();
	for (size_t i = 0; i < n; i++) {
		r[i].r_offset = rels[2 * i];
		r[i].r_info = rels[2 * i + 1];
	}
	idx = eg_sec(g, ".rel", SHT_REL, 0, r, n * sizeof(*r), 3, target, sizeof(*r));
	free(r);
	return idx;
}

static void set_shdr(struct eg *g, unsigned int i, uint32_t type, struct buf *content,
		     uint32_t link, uint64_t entsize, size_t base)
{
	Elf64_Shdr *sh = (Elf64_Shdr *)g->shdrs.p + i;

	while (g->data.n % 8)
		buf_add(&g->data, NULL, 1);
	sh->sh_name = g->names[i];
	sh->sh_type = type;
	sh->sh_offset = g->data.n + base;
	sh->sh_size = content->n;
	sh->sh_link = link;
	sh->sh_info = 1;
	sh->sh_addralign = 8;
	sh->sh_entsize = entsize;
	buf_add(&g->data, content->p, content->n);
}

uint8_t *eg_finish(struct eg *g, size_t *len)
{
	Elf64_Ehdr eh = { 0 };
	size_t base = sizeof(eh), nsh;
	Elf64_Shdr *sh;
	struct buf out = { 0 };

	/* sections 4.. hold offsets into @data: make them file offsets first */
	nsh = g->shdrs.n / sizeof(Elf64_Shdr);
	sh = (Elf64_Shdr *)g->shdrs.p;
	for (size_t i = 4; i < nsh; i++)
		sh[i].sh_offset += base;
	set_shdr(g, 2, SHT_STRTAB, &g->str, 0, 0, base);
	set_shdr(g, 3, SHT_SYMTAB, &g->syms, 2, sizeof(Elf64_Sym), base);
	set_shdr(g, 1, SHT_STRTAB, &g->shstr, 0, 0, base);
	while (g->data.n % 8)
		buf_add(&g->data, NULL, 1);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = EM_BPF;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shoff = base + g->data.n;
	eh.e_shnum = (uint16_t)nsh;
	eh.e_shstrndx = 1;
	buf_add(&out, &eh, sizeof(eh));
	buf_add(&out, g->data.p, g->data.n);
	buf_add(&out, g->shdrs.p, g->shdrs.n);
	free(g->shdrs.p);
	free(g->data.p);
	free(g->shstr.p);
	free(g->str.p);
	free(g->syms.p);
	free(g);
	*len = out.n;
	return out.p;
}

static const struct vn_bpf_insn ret_pass[2] = {
	{ .code = 0xb7, .imm = 2 },	/* mov r0, XDP_PASS */
	{ .code = 0x95 },		/* exit */
};

#define FUNC_INFO	ELF64_ST_INFO(STB_GLOBAL, STT_FUNC)
#define X		(SHF_ALLOC | SHF_EXECINSTR)

uint8_t *elf_gen_progs(unsigned int nprogs, unsigned int nfuncs, size_t *len)
{
	struct eg *g = eg_new();
	struct vn_bpf_insn *text = calloc(nfuncs ? 2 * nfuncs : 1, sizeof(*text));
	char name[32];
	unsigned int t;

	if (!text)
		abort();
	for (unsigned int i = 0; i < nfuncs; i++)
		memcpy(&text[2 * i], ret_pass, sizeof(ret_pass));
	t = eg_sec(g, ".text", SHT_PROGBITS, X, text, 2 * nfuncs * sizeof(*text), 0, 0, 0);
	for (unsigned int i = 0; i < nfuncs; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		eg_sym(g, name, 16ull * i, 16, FUNC_INFO, (uint16_t)t);
	}
	for (unsigned int p = 0; p < nprogs; p++) {
		unsigned int s;

		snprintf(name, sizeof(name), "xdp/%u", p);
		s = eg_sec(g, name, SHT_PROGBITS, X, ret_pass, sizeof(ret_pass), 0, 0, 0);
		snprintf(name, sizeof(name), "prog%u", p);
		eg_sym(g, name, 0, sizeof(ret_pass), FUNC_INFO, (uint16_t)s);
	}
	eg_sec(g, "license", SHT_PROGBITS, SHF_ALLOC, "GPL", 4, 0, 0, 0);
	free(text);
	return eg_finish(g, len);
}

uint8_t *elf_gen_chain(unsigned int n, unsigned int nprogs, size_t *len)
{
	struct eg *g = eg_new();
	struct vn_bpf_insn *text = calloc(2 * (size_t)n, sizeof(*text));
	uint64_t *rels = calloc(2 * (size_t)n, sizeof(*rels));
	const struct vn_bpf_insn call[2] = {
		{ .code = 0x85, .src = 1, .imm = -1 },	/* call (relocated) */
		{ .code = 0x95 },
	};
	unsigned int t, first = 0;
	char name[32];

	if (!text || !rels)
		abort();
	for (unsigned int i = 0; i < n; i++)
		memcpy(&text[2 * i], i + 1 < n ? call : ret_pass, sizeof(call));
	t = eg_sec(g, ".text", SHT_PROGBITS, X, text, 2 * (size_t)n * sizeof(*text), 0, 0, 0);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int s;

		snprintf(name, sizeof(name), "f%u", i);
		s = eg_sym(g, name, 16ull * i, 16, FUNC_INFO, (uint16_t)t);
		if (!i)
			first = s;
	}
	/* f_i calls f_(i+1): symbol first + i + 1 */
	for (unsigned int i = 0; i + 1 < n; i++) {
		rels[2 * i] = 16ull * i;
		rels[2 * i + 1] = ELF64_R_INFO((uint64_t)first + i + 1, R_BPF_64_32);
	}
	eg_rel(g, t, rels, n - 1);
	for (unsigned int p = 0; p < nprogs; p++) {
		uint64_t r[2] = { 0, ELF64_R_INFO(first, R_BPF_64_32) };
		unsigned int s;

		snprintf(name, sizeof(name), "xdp/%u", p);
		s = eg_sec(g, name, SHT_PROGBITS, X, call, sizeof(call), 0, 0, 0);
		snprintf(name, sizeof(name), "prog%u", p);
		eg_sym(g, name, 0, sizeof(call), FUNC_INFO, (uint16_t)s);
		eg_rel(g, s, r, 1);
	}
	free(text);
	free(rels);
	return eg_finish(g, len);
}

uint8_t *elf_gen_btf(unsigned int ntypes, size_t strlen_, size_t *len)
{
	struct eg *g = eg_new();
	struct buf btf = { 0 };
	struct btf_header h = { .magic = BTF_MAGIC, .version = 1, .hdr_len = sizeof(h) };
	struct btf_type pt = { .info = BTF_KIND_PTR << 24 }, ds = { .info = BTF_KIND_DATASEC << 24 };
	uint32_t maps_off;
	unsigned int s;

	buf_add(&btf, &h, sizeof(h));
	/* strings: "", the long one at 1 (no NUL until its end), ".maps" */
	pt.name_off = 1;
	for (unsigned int i = 0; i < ntypes; i++)
		buf_add(&btf, &pt, sizeof(pt));
	maps_off = (uint32_t)(1 + strlen_ + 1);
	ds.name_off = maps_off;
	buf_add(&btf, &ds, sizeof(ds));
	h.type_len = (uint32_t)(btf.n - sizeof(h));
	h.str_off = h.type_len;
	buf_add(&btf, "", 1);
	memset(buf_add(&btf, NULL, strlen_), 'a', strlen_);
	buf_add(&btf, "", 1);
	buf_add(&btf, ".maps", 6);
	h.str_len = (uint32_t)(btf.n - sizeof(h) - h.type_len);
	memcpy(btf.p, &h, sizeof(h));
	eg_sec(g, ".maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, NULL, 8, 0, 0, 0);
	eg_sec(g, ".BTF", SHT_PROGBITS, 0, btf.p, btf.n, 0, 0, 0);
	s = eg_sec(g, "xdp", SHT_PROGBITS, X, ret_pass, sizeof(ret_pass), 0, 0, 0);
	eg_sym(g, "prog", 0, sizeof(ret_pass), FUNC_INFO, (uint16_t)s);
	free(btf.p);
	return eg_finish(g, len);
}
