/* SPDX-License-Identifier: MIT */
/* obj.h - eBPF ELF objects: programs, maps, global data, relocations
 *
 * Loads what `clang -O2 -g -target bpf` makes of a program written against
 * libbpf's headers, without the kernel:
 *  - programs: STT_FUNC symbols in SEC("xdp") and SEC("xdp/...")
 *    (also "xdp.frags"), one program per symbol;
 *  - maps: BTF-defined maps in ".maps" (definitions read from .BTF by
 *    obj_btf.c), legacy struct bpf_map_def maps in "maps";
 *  - global data: each .data*, .rodata* and .bss* section becomes a
 *    single-entry ARRAY map holding the section's initial bytes (.rodata
 *    read-only for programs, as libbpf freezes it);
 *  - relocations: R_BPF_64_64 on LD_IMM64 become map references by index
 *    (VN_BPF_PSEUDO_MAP_IDX, or _MAP_IDX_VALUE with the byte offset for
 *    global data); R_BPF_64_32 and pc-relative BPF-to-BPF calls pull the
 *    called functions (usually from .text) after the program, transitively,
 *    with call offsets rewritten, as libbpf does at load.
 * Not supported (rejected with a message): CO-RE field relocations in
 * .BTF.ext are ignored (XDP programs rarely use them), externs (kconfig,
 * ksyms), function pointers (bpf_loop callbacks), maps of maps, objects
 * mixing legacy and BTF map sections.
 *
 * Trust: the object comes from a tenant. Every offset, size and index in it
 * is checked before use; a malformed object gets -EINVAL (or -E2BIG) and a
 * message prefixed "obj 'NAME': " (plus "sec 'S': " or "map 'M': "), never
 * a crash. Maps and the relocated instructions are charged to the owner given
 * at open, and so is the loader's own working memory while it runs (the
 * image copy, section, function and relocation tables, BTF copies).
 *
 * Bounded work: an object is at most opts.max_bytes (VN_BPF_OBJ_SIZE_MAX by
 * default), and every table is walked a bounded number of times: sections
 * and symbols once, functions sorted once and found by binary search,
 * relocations indexed per section once (at most one per instruction), BTF
 * types once, names read up to a fixed length. Building each of the up to
 * VN_BPF_OBJ_PROGS_MAX programs visits only the functions it places and
 * their relocations (at most max_insns). vn_bpf_obj.load_work counts the
 * loop steps, so tests can check that the work grows with the object's
 * size, never with its square. Names from the object are escaped
 * (vn_log_escape()) and cut to VN_BPF_OBJ_NAME_MAX - 1 bytes where they
 * are kept, so no log line carries a raw byte of them.
 */
#ifndef VN_BPF_OBJ_H
#define VN_BPF_OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/insn.h"
#include "bpf/map.h"

#define VN_BPF_OBJ_NAME_MAX	64
#define VN_BPF_OBJ_MAPS_MAX	64	/* maps per object */
#define VN_BPF_OBJ_PROGS_MAX	64	/* programs per object */
#define VN_BPF_OBJ_SIZE_MAX	((size_t)64 << 20)	/* default largest object */
#define VN_BPF_OBJ_SIZE_GUEST	((size_t)1 << 20)	/* restricted owners' largest */

/**
 * struct vn_bpf_obj_opts - how to open an object
 * @owner:	who pays for the maps and instructions (NULL: uncapped)
 * @ncpus:	copies per value of per-CPU maps (number of workers; 0 means 1)
 * @max_insns:	largest program after appending subprograms (0: 65536)
 * @max_bytes:	largest object accepted, file or memory (0: VN_BPF_OBJ_SIZE_MAX)
 */
struct vn_bpf_obj_opts {
	struct vn_bpf_owner *owner;
	unsigned int ncpus;
	size_t max_insns;
	size_t max_bytes;
};

/**
 * struct vn_bpf_obj_prog - one program, relocated
 * @name:	function name
 * @sec:	ELF section name ("xdp", "xdp/foo")
 * @insns:	instructions: the program, then the subprograms it calls;
 *		LD_IMM64 map references are VN_BPF_PSEUDO_MAP_IDX(_VALUE)
 *		with imm = index into the object's maps
 * @n:		instruction slots
 */
struct vn_bpf_obj_prog {
	char name[VN_BPF_OBJ_NAME_MAX];
	char sec[VN_BPF_OBJ_NAME_MAX];
	struct vn_bpf_insn *insns;
	size_t n;
};

/**
 * struct vn_bpf_obj_map - one map of the object
 * @name:	symbol name, or the section name for global data (".data")
 * @map:	the created map (global data already holds its initial bytes)
 */
struct vn_bpf_obj_map {
	char name[VN_BPF_OBJ_NAME_MAX];
	struct vn_map *map;
};

/**
 * struct vn_bpf_obj - a loaded object
 * @name:	name used in messages (file name)
 * @license:	contents of the "license" section, if any
 * @maps:	maps, indexed as the programs' LD_IMM64 references
 * @nmaps:	entries in @maps
 * @progs:	programs
 * @nprogs:	entries in @progs
 * @owner:	who pays for the maps and the program instructions
 * @charged:	instruction bytes charged to @owner (maps charge themselves)
 * @load_work:	loop steps the loader took (sections, symbols, functions,
 *		relocations, BTF types visited), for tests and the fuzzer
 */
struct vn_bpf_obj {
	char name[VN_BPF_OBJ_NAME_MAX];
	char license[VN_BPF_OBJ_NAME_MAX];
	struct vn_bpf_obj_map *maps;
	unsigned int nmaps;
	struct vn_bpf_obj_prog *progs;
	unsigned int nprogs;
	struct vn_bpf_owner *owner;
	size_t charged;
	uint64_t load_work;
};

/**
 * vn_bpf_obj_open_mem() - Load an object from memory
 * @buf:	ELF bytes (not kept)
 * @len:	length
 * @name:	name for messages
 * @opts:	owner, cpus, limits (may be NULL)
 * @out:	the object, to be closed with vn_bpf_obj_close()
 *
 * Return: 0; -EINVAL for a malformed or unsupported object; -E2BIG past a
 *	   limit (including @len over opts.max_bytes); -ENOMEM (including the
 *	   owner's cap). Failures are logged.
 */
int vn_bpf_obj_open_mem(const void *buf, size_t len, const char *name,
			const struct vn_bpf_obj_opts *opts, struct vn_bpf_obj **out);

/**
 * vn_bpf_obj_open_file() - Load an object from a file
 * @path:	file
 * @opts:	see vn_bpf_obj_open_mem()
 * @out:	the object
 *
 * Return: as vn_bpf_obj_open_mem(), or the negative errno of reading @path
 */
int vn_bpf_obj_open_file(const char *path, const struct vn_bpf_obj_opts *opts,
			 struct vn_bpf_obj **out);

/**
 * vn_bpf_obj_read_fd() - Read a whole object file from an open descriptor
 * @fd:		descriptor (read with pread from offset 0; not closed)
 * @name:	name for messages
 * @max:	largest file accepted, in bytes
 * @buf:	output: malloc'd bytes, freed by the caller
 * @len:	output: their number
 *
 * Return: 0, -EINVAL (not a regular file), -E2BIG (over @max), -ENOMEM, or
 *	   the negative errno of fstat/pread; logged
 */
int vn_bpf_obj_read_fd(int fd, const char *name, size_t max, void **buf, size_t *len);

/**
 * vn_bpf_obj_close() - Free an object, its programs and its maps
 * @obj:	object, may be NULL
 */
void vn_bpf_obj_close(struct vn_bpf_obj *obj);

/**
 * vn_bpf_obj_prog_find() - Find a program by function or section name
 * @obj:	object
 * @name:	function name or section name; NULL: the first program
 *
 * Return: the program, or NULL
 */
const struct vn_bpf_obj_prog *vn_bpf_obj_prog_find(const struct vn_bpf_obj *obj,
						   const char *name);

/**
 * vn_bpf_obj_map_find() - Find a map by name
 * @obj:	object
 * @name:	map symbol name, or ".data"/".rodata"/".bss" style section name
 *
 * Return: the map, or NULL
 */
struct vn_map *vn_bpf_obj_map_find(const struct vn_bpf_obj *obj, const char *name);

#endif /* VN_BPF_OBJ_H */
