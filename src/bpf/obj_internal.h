/* SPDX-License-Identifier: MIT */
/* obj_internal.h - ELF parsing state shared by obj.c and obj_reloc.c */
#ifndef VN_BPF_OBJ_INTERNAL_H
#define VN_BPF_OBJ_INTERNAL_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>

#include "bpf/obj.h"

/**
 * struct obj_rel - one relocation of a code section, indexed by instruction
 * @idx:	instruction index it applies to
 * @r:		its position in the SHT_REL section (for messages)
 * @info:	r_info (symbol and type)
 */
struct obj_rel {
	size_t idx;
	size_t r;
	uint64_t info;
};

/**
 * struct obj_sec - one ELF section as the loader sees it
 * @name:	section name ("" if unreadable)
 * @shdr:	section header
 * @data:	contents (d_buf NULL for SHT_NOBITS)
 * @exec:	holds code
 * @map_idx:	for global data sections, the object map index; else -1
 * @rel:	for code sections, the SHT_REL section relocating it (0: none)
 * @name_buf:	@name, escaped and cut to fit (vn_log_escape())
 * @func_first:	first of its functions in the sorted obj_ctx.funcs
 * @func_n:	how many
 * @rels:	@rel's entries sorted by instruction, built once on first use
 * @nrels:	entries in @rels
 * @rels_built:	@rels is valid
 */
struct obj_sec {
	const char *name;
	GElf_Shdr shdr;
	Elf_Data *data;
	bool exec;
	int map_idx;
	size_t rel;
	char name_buf[VN_BPF_OBJ_NAME_MAX];
	size_t func_first;
	size_t func_n;
	struct obj_rel *rels;
	size_t nrels;
	bool rels_built;
};

/**
 * struct obj_func - a function (STT_FUNC symbol) in a code section
 * @name:	symbol name, escaped and cut to fit
 * @shndx:	section
 * @start:	first instruction index in the section
 * @len:	instruction count
 * @gen:	build generation that placed it last (obj_reloc.c)
 * @pos:	its output position in that build
 */
struct obj_func {
	char name[VN_BPF_OBJ_NAME_MAX];
	size_t shndx;
	size_t start;
	size_t len;
	unsigned int gen;
	size_t pos;
};

/**
 * struct obj_map_src - where a map is defined, to match relocations to it
 * @shndx:	defining section ("maps", ".maps" or the data section)
 * @off:	symbol offset in that section (0 for global data)
 */
struct obj_map_src {
	size_t shndx;
	uint64_t off;
};

/**
 * struct obj_ctx - everything known while loading one object
 * @obj:	the object being built
 * @opts:	open options (never NULL here)
 * @elf:	libelf handle over @image
 * @image:	private copy of the bytes
 * @image_len:	their length
 * @secs:	sections, indexed like the ELF
 * @nsecs:	section count
 * @symtab:	the symbol table's data
 * @nsyms:	symbols in it
 * @strtab:	section index of the symbol names
 * @maps_shndx:	legacy "maps" section, or 0
 * @btf_maps_shndx: ".maps" section, or 0
 * @funcs:	all functions of all code sections
 * @nfuncs:	entries in @funcs
 * @map_src:	per object map, where it is defined
 * @symname:	rotating buffers for obj_sym_name()'s escaped names
 * @symname_k:	next buffer
 * @build_gen:	generation of the last program build
 * @work:	loop steps taken so far (vn_bpf_obj.load_work)
 * @tmp_charged: bytes of temporary load state charged to the owner
 */
struct obj_ctx {
	struct vn_bpf_obj *obj;
	const struct vn_bpf_obj_opts *opts;
	Elf *elf;
	void *image;
	size_t image_len;
	struct obj_sec *secs;
	size_t nsecs;
	Elf_Data *symtab;
	size_t nsyms;
	size_t strtab;
	size_t maps_shndx;
	size_t btf_maps_shndx;
	struct obj_func *funcs;
	size_t nfuncs;
	struct obj_map_src map_src[VN_BPF_OBJ_MAPS_MAX];
	char symname[4][VN_BPF_OBJ_NAME_MAX];
	unsigned int symname_k;
	unsigned int build_gen;
	uint64_t work;
	size_t tmp_charged;
};

const char *obj_sym_name(struct obj_ctx *c, const GElf_Sym *sym);
int obj_get_sym(struct obj_ctx *c, size_t idx, GElf_Sym *sym);
int obj_add_map(struct obj_ctx *c, const char *name, const struct vn_map_attr *attr,
		size_t shndx, uint64_t off);
int obj_btf_maps(struct obj_ctx *c);
int obj_build_prog(struct obj_ctx *c, struct obj_func *main_fn,
		   struct vn_bpf_obj_prog *prog);
void *obj_tmp_alloc(struct obj_ctx *c, size_t n, size_t size);
void obj_tmp_free(struct obj_ctx *c, void *p, size_t n, size_t size);

#endif /* VN_BPF_OBJ_INTERNAL_H */
