/* SPDX-License-Identifier: MIT */
/* elf_gen.h - build BPF ELF objects in memory, hostile shapes included, for the loader tests
 *
 * A small writer of ET_REL EM_BPF objects: sections, symbols and
 * relocations added one by one, then laid out as Ehdr | section bytes |
 * section headers. Sections 1..3 are always .shstrtab, .strtab and .symtab.
 * The shapes the loader must handle in bounded work (elf_gen_*()) are built
 * on top: many programs beside many functions, long call chains, many BTF
 * types naming one long string.
 */
#ifndef VN_TESTS_BPF_ELF_GEN_H
#define VN_TESTS_BPF_ELF_GEN_H

#include <stddef.h>
#include <stdint.h>

struct eg;

/**
 * eg_new() - Start an object
 *
 * Return: the builder (aborts on no memory)
 */
struct eg *eg_new(void);

/**
 * eg_sec() - Add a section
 * @g:		builder
 * @name:	section name
 * @type:	SHT_*
 * @flags:	SHF_*
 * @data:	contents (copied; NULL: zeroes)
 * @size:	bytes
 * @link:	sh_link
 * @info:	sh_info
 * @entsize:	sh_entsize
 *
 * Return: the section index
 */
unsigned int eg_sec(struct eg *g, const char *name, uint32_t type, uint64_t flags,
		    const void *data, size_t size, uint32_t link, uint32_t info, uint64_t entsize);

/**
 * eg_sym() - Add a symbol
 * @g:		builder
 * @name:	symbol name
 * @value:	st_value
 * @size:	st_size
 * @info:	st_info (ELF64_ST_INFO(bind, type))
 * @shndx:	section
 *
 * Return: the symbol index
 */
unsigned int eg_sym(struct eg *g, const char *name, uint64_t value, uint64_t size,
		    unsigned char info, uint16_t shndx);

/**
 * eg_rel() - Add a REL section relocating section @target
 * @g:		builder
 * @target:	code section
 * @rels:	r_offset, r_info pairs
 * @n:		entries
 *
 * Return: the section index
 */
unsigned int eg_rel(struct eg *g, unsigned int target, const uint64_t *rels, size_t n);

/**
 * eg_finish() - Lay the object out and free the builder
 * @g:		builder
 * @len:	out: bytes
 *
 * Return: the object (free() it)
 */
uint8_t *eg_finish(struct eg *g, size_t *len);

/**
 * elf_gen_progs() - @nprogs "xdp/N" sections of one program each, beside
 * @nfuncs more function symbols in .text
 * @nprogs:	program sections
 * @nfuncs:	extra functions (two instructions each)
 * @len:	out: bytes
 *
 * Return: the object
 */
uint8_t *elf_gen_progs(unsigned int nprogs, unsigned int nfuncs, size_t *len);

/**
 * elf_gen_chain() - One xdp program calling f0, f0 calling f1 ... up to f(@n - 1)
 * @n:		functions in the chain, each a relocated call and an exit
 * @nprogs:	copies of the program (separate "xdp/N" sections), each
 *		pulling in the whole chain
 * @len:	out: bytes
 *
 * Return: the object
 */
uint8_t *elf_gen_chain(unsigned int n, unsigned int nprogs, size_t *len);

/**
 * elf_gen_btf() - An object with .maps and a .BTF of @ntypes PTR types whose
 * names all point at one @strlen-byte string, and an empty .maps DATASEC
 * @ntypes:	PTR types
 * @strlen:	bytes of the shared name (no NUL inside)
 * @len:	out: bytes
 *
 * Return: the object
 */
uint8_t *elf_gen_btf(unsigned int ntypes, size_t strlen, size_t *len);

#endif /* VN_TESTS_BPF_ELF_GEN_H */
