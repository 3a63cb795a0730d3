/* SPDX-License-Identifier: MIT */
/* xo_export.h - the guest XDP program export file (vnetctl xdp export / import)
 *
 * A guest program moves with its VM: `vnetctl xdp export PORT egress-guest
 * FILE` writes the object it was loaded from, its section and the contents
 * of every map; `vnetctl xdp import PORT egress-guest FILE` loads it again,
 * on another vnetd, under that port's quotas, and fills the maps before
 * the program runs. Format version 1, all integers big-endian (the
 * protocol's, docs/xdp-offload.md "Export file"):
 *
 *   file    := magic[8] "VNXOEXP\0" version:u32 (1) flags:u32 (VN_XO_EXP_F_*)
 *              section:name obj_len:u32 obj[obj_len] nmaps:u32 map[nmaps]
 *              end[8] "VNXOEND\0"
 *   name    := n:u8 byte[n]       n <= 63, bytes in [A-Za-z0-9_./-]
 *   map     := name type:u32 key_size:u32 value_size:u32 ncpus:u32 count:u32
 *              count x { key[key_size] value[vlen] }
 *   vlen    := ncpus * round_up(value_size, 8) for per-CPU types, else value_size
 *
 * Bounds: obj_len 1..VN_XO_OBJ_MAX, nmaps <= VN_XO_EXP_MAPS_MAX, map names
 * 1..63 bytes, key_size 1..VN_XO_EXP_KEY_MAX, value_size
 * 1..VN_XO_EXP_VALUE_MAX, ncpus 1..VN_XO_EXP_CPUS_MAX (1 unless per-CPU),
 * count <= VN_XO_EXP_ENTRIES_MAX; nothing may follow the end marker.
 *
 * The file is outside input when imported: vn_xo_exp_parse() checks every
 * field against the bytes present before anything is used
 * (tests/ctl/test_xo_export.c, fuzz/fuzz_xo_export.c). Parsed views point
 * into the buffer; they own nothing. No dependency beyond libc.
 */
#ifndef VN_CTL_XO_EXPORT_H
#define VN_CTL_XO_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#define VN_XO_EXP_VERSION	1
#define VN_XO_EXP_MAGIC		"VNXOEXP"	/* and its NUL: 8 bytes */
#define VN_XO_EXP_F_SEGMENT_FIRST (1u << 0)	/* loaded with LOAD's segment-first */
#define VN_XO_EXP_F_ALL		VN_XO_EXP_F_SEGMENT_FIRST
#define VN_XO_EXP_END		"VNXOEND"
#define VN_XO_EXP_MAPS_MAX	64
#define VN_XO_EXP_KEY_MAX	512
#define VN_XO_EXP_VALUE_MAX	(1u << 20)
#define VN_XO_EXP_CPUS_MAX	256
#define VN_XO_EXP_ENTRIES_MAX	(1u << 24)
#define VN_XO_EXP_NAME_MAX	63

/**
 * struct vn_xo_exp_map - one map of a parsed file
 * @name:	NUL-terminated name
 * @type:	BPF_MAP_TYPE_*
 * @key_size:	bytes per key
 * @value_size:	bytes per value (per CPU)
 * @ncpus:	copies per value (1 unless per-CPU)
 * @vlen:	bytes per value in the file (all copies)
 * @count:	entries
 * @entries:	@count * (@key_size + @vlen) bytes
 */
struct vn_xo_exp_map {
	char name[VN_XO_EXP_NAME_MAX + 1];
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t ncpus;
	uint32_t vlen;
	uint32_t count;
	const uint8_t *entries;
};

/**
 * struct vn_xo_exp - a parsed export file
 * @section:	NUL-terminated section name ("" for the first program)
 * @flags:	VN_XO_EXP_F_* the program was loaded with
 * @obj:	the ELF object
 * @obj_len:	its bytes
 * @nmaps:	maps in @maps
 * @maps:	the maps
 */
struct vn_xo_exp {
	char section[VN_XO_EXP_NAME_MAX + 1];
	uint32_t flags;
	const uint8_t *obj;
	uint32_t obj_len;
	uint32_t nmaps;
	struct vn_xo_exp_map maps[VN_XO_EXP_MAPS_MAX];
};

/**
 * vn_xo_exp_is_percpu() - Whether a map type keeps one value copy per CPU
 * @type:	BPF_MAP_TYPE_*
 *
 * Return: 1 for PERCPU_ARRAY and PERCPU_HASH, else 0
 */
int vn_xo_exp_is_percpu(uint32_t type);

/**
 * vn_xo_exp_parse() - Check and parse a whole export file
 * @buf:	its bytes
 * @len:	their count
 * @out:	output (pointers into @buf)
 * @err:	the reason on failure
 * @err_sz:	its size
 *
 * Return: 0, -EINVAL (malformed: @err says where), -EPROTONOSUPPORT
 *	   (another version)
 */
int vn_xo_exp_parse(const uint8_t *buf, size_t len, struct vn_xo_exp *out, char *err,
		    size_t err_sz);

/**
 * struct vn_xo_exp_out - a file being written (buffered, to a descriptor)
 * @fd:		where to
 * @buf:	pending bytes
 * @n:		bytes in @buf
 * @err:	first write error (negative errno), 0
 * @pos:	bytes written so far, buffered ones included (file offset from
 *		where the writer started: the file's start)
 */
struct vn_xo_exp_out {
	int fd;
	uint8_t buf[8192];
	size_t n;
	int err;
	uint64_t pos;
};

/**
 * vn_xo_exp_begin() - Write the header, the section and the object
 * @o:		writer (@o->fd set, the rest zeroed)
 * @section:	section name (valid name or "")
 * @flags:	VN_XO_EXP_F_*
 * @obj:	object bytes
 * @obj_len:	their count
 * @nmaps:	maps that will follow
 */
void vn_xo_exp_begin(struct vn_xo_exp_out *o, const char *section, uint32_t flags,
		     const uint8_t *obj, uint32_t obj_len, uint32_t nmaps);

/**
 * vn_xo_exp_map_begin() - Write one map's header; @count entries must follow
 * @o:		writer
 * @m:		the map's fields (@entries unused)
 *
 * Return: the file offset of its count field (vn_xo_exp_patch_count())
 */
uint64_t vn_xo_exp_map_begin(struct vn_xo_exp_out *o, const struct vn_xo_exp_map *m);

/**
 * vn_xo_exp_bytes() - Write raw bytes (a key, a value)
 * @o:		writer
 * @p:		bytes
 * @n:		count
 */
void vn_xo_exp_bytes(struct vn_xo_exp_out *o, const void *p, size_t n);

/**
 * vn_xo_exp_patch_count() - Rewrite a map's count once its entries are written
 * @o:		writer (its descriptor a regular file written from offset 0)
 * @count_pos:	what vn_xo_exp_map_begin() returned for the map
 * @count:	the entries actually written
 */
void vn_xo_exp_patch_count(struct vn_xo_exp_out *o, uint64_t count_pos, uint32_t count);

/**
 * vn_xo_exp_end() - Write the end marker and flush
 * @o:		writer
 *
 * Return: 0, or the first write error (negative errno)
 */
int vn_xo_exp_end(struct vn_xo_exp_out *o);

#endif /* VN_CTL_XO_EXPORT_H */
