// SPDX-License-Identifier: MIT
/* obj_btf.c - BTF-defined maps: read the .maps DATASEC of an object's .BTF
 *
 * A BTF map definition is a variable in the ".maps" DATASEC whose type is
 * an anonymous struct; each member encodes one attribute the way libbpf's
 * bpf_helpers.h macros write it: __uint(name, N) is a pointer to an array
 * of N ints (the value is the array's nelems), __type(name, T) is a pointer
 * to T (the size is sizeof(T)).
 *
 * Why not libbpf: libbpf 1.1's bpf_object__open_mem() crashes on mutated
 * objects (found by tests/bpf/test_obj.c's mutation test), and a tenant's
 * object is hostile input. This reader is small, walks the type section
 * once to index it, and bounds every offset, id and recursion; it is fed to
 * the fuzzer with the rest of the loader.
 */
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "core/log.h"
#include "map_btf.h"
#include "obj_internal.h"

#define BTF_TYPES_MAX	(1u << 20)
#define BTF_DEPTH_MAX	32
#define BTF_NAME_MAX	256	/* longest name read; longer ones are refused */

struct btf_view {
	const uint8_t *types;
	uint8_t *types_copy;
	uint32_t types_len;
	const char *strs;
	uint32_t strs_len;
	uint32_t *off;		/* off[id] = offset of type id in @types, id >= 1 */
	uint32_t noff;		/* entries allocated in @off */
	uint32_t n;		/* ids 1..n-1 are valid */
};

/* A name: at most BTF_NAME_MAX bytes are read, so each lookup costs that much at most */
static const char *btf_str(const struct btf_view *b, uint32_t off)
{
	/* Name offset past the strings, a string without its NUL, or too long */
	if (off >= b->strs_len ||
	    !memchr(b->strs + off, '\0', VN_MIN(b->strs_len - off, (uint32_t)BTF_NAME_MAX)))
		return NULL;
	return b->strs + off;
}

static const struct btf_type *btf_type(const struct btf_view *b, uint32_t id)
{
	if (!id || id >= b->n)
		return NULL;
	return (const struct btf_type *)(b->types + b->off[id]);
}

/* Bytes of trailing data after a btf_type of this kind, or -1 if unknown */
static int64_t btf_extra(uint32_t info)
{
	uint32_t vlen = BTF_INFO_VLEN(info);

	switch (BTF_INFO_KIND(info)) {
	case BTF_KIND_INT:	return 4;
	case BTF_KIND_ARRAY:	return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:	return (int64_t)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:	return (int64_t)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO: return (int64_t)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:	return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:	return (int64_t)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:	return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64:	return (int64_t)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:	return 0;
	default:		return -1;
	}
}

static int btf_open(struct obj_ctx *c, struct btf_view *b, const uint8_t *raw, size_t len)
{
	struct btf_header h;
	uint32_t pos = 0, id = 1;

	/* Header cut short, wrong magic, or sections outside the blob */
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, raw, sizeof(h));
	if (h.magic != BTF_MAGIC || h.hdr_len < sizeof(h) || h.hdr_len > len ||
	    h.type_off > len - h.hdr_len || h.type_len > len - h.hdr_len - h.type_off ||
	    h.str_off > len - h.hdr_len || h.str_len > len - h.hdr_len - h.str_off ||
	    h.type_off % 4)
		return -EINVAL;
	/* A private, aligned copy: records are read through struct pointers */
	b->types = b->types_copy = obj_tmp_alloc(c, h.type_len, 1);
	if (!b->types_copy)
		return -ENOMEM;
	memcpy(b->types_copy, raw + h.hdr_len + h.type_off, h.type_len);
	b->types_len = h.type_len;
	b->strs = (const char *)raw + h.hdr_len + h.str_off;
	b->strs_len = h.str_len;
	b->noff = h.type_len / sizeof(struct btf_type) + 2;
	b->off = obj_tmp_alloc(c, b->noff, sizeof(*b->off));
	if (!b->off)
		return -ENOMEM;
	while (pos < b->types_len) {
		struct btf_type t;
		int64_t extra;

		c->work++;
		/* Type record cut by the end of the section */
		if (b->types_len - pos < sizeof(t) || id >= BTF_TYPES_MAX)
			return -EINVAL;
		memcpy(&t, b->types + pos, sizeof(t));
		extra = btf_extra(t.info);
		if (extra < 0 || (uint64_t)extra > b->types_len - pos - sizeof(t))
			return -EINVAL;
		b->off[id++] = pos;
		pos += sizeof(t) + (uint32_t)extra;
	}
	b->n = id;
	return 0;
}

static void btf_close(struct obj_ctx *c, struct btf_view *b)
{
	obj_tmp_free(c, b->off, b->noff, sizeof(*b->off));
	obj_tmp_free(c, b->types_copy, b->types_len, 1);
	b->off = NULL;
	b->types_copy = NULL;
}

/* Skip typedefs and qualifiers */
static const struct btf_type *btf_skip_mods(const struct btf_view *b, uint32_t id, uint32_t *out)
{
	for (int d = 0; d < BTF_DEPTH_MAX; d++) {
		const struct btf_type *t = btf_type(b, id);

		if (!t)
			return NULL;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			if (out)
				*out = id;
			return t;
		}
	}
	return NULL;
}

/* sizeof() of a type, 0 if it has none or is too deep */
static uint64_t btf_size(const struct btf_view *b, uint32_t id, int depth)
{
	const struct btf_type *t = btf_skip_mods(b, id, NULL);
	struct btf_array a;

	if (!t || depth > BTF_DEPTH_MAX)
		return 0;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
	case BTF_KIND_DATASEC:
		return t->size;
	case BTF_KIND_PTR:
		return 8;
	case BTF_KIND_ARRAY:
		memcpy(&a, t + 1, sizeof(a));
		return a.nelems * btf_size(b, a.type, depth + 1);
	default:
		return 0;
	}
}

/* __uint(name, N): pointer to an array of N elements; N, or -1 */
static int64_t member_uint(const struct btf_view *b, uint32_t type)
{
	const struct btf_type *t = btf_skip_mods(b, type, NULL);
	struct btf_array a;

	if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_PTR)
		return -1;
	t = btf_skip_mods(b, t->type, NULL);
	if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_ARRAY)
		return -1;
	memcpy(&a, t + 1, sizeof(a));
	return a.nelems;
}

/* __type(name, T): pointer to T; sizeof(T), or -1 */
static int64_t member_type_size(const struct btf_view *b, uint32_t type)
{
	const struct btf_type *t = btf_skip_mods(b, type, NULL);
	uint64_t sz;

	if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_PTR)
		return -1;
	sz = btf_size(b, t->type, 0);
	return sz && sz <= UINT32_MAX ? (int64_t)sz : -1;
}

/* __type(name, T): T's id, or 0 */
static uint32_t member_type_id(const struct btf_view *b, uint32_t type)
{
	const struct btf_type *t = btf_skip_mods(b, type, NULL);

	return t && BTF_INFO_KIND(t->info) == BTF_KIND_PTR ? t->type : 0;
}

static int parse_map_def(const struct btf_view *b, const struct btf_type *st,
			 struct vn_map_attr *a, uint32_t *key_id, uint32_t *val_id,
			 const char **bad)
{
	const struct btf_member *m = (const struct btf_member *)(st + 1);

	for (uint32_t i = 0; i < BTF_INFO_VLEN(st->info); i++) {
		struct btf_member mb;
		const char *n;
		int64_t v;

		memcpy(&mb, &m[i], sizeof(mb));
		n = btf_str(b, mb.name_off);
		*bad = n ? n : "?";
		if (!n)
			return -EINVAL;
		if (!strcmp(n, "key") || !strcmp(n, "value")) {
			v = member_type_size(b, mb.type);
			*(n[0] == 'k' ? key_id : val_id) = member_type_id(b, mb.type);
		} else
			v = member_uint(b, mb.type);
		if (v < 0 || v > UINT32_MAX)
			return -EINVAL;
		if (!strcmp(n, "type"))
			a->type = (uint32_t)v;
		else if (!strcmp(n, "key") || !strcmp(n, "key_size"))
			a->key_size = (uint32_t)v;
		else if (!strcmp(n, "value") || !strcmp(n, "value_size"))
			a->value_size = (uint32_t)v;
		else if (!strcmp(n, "max_entries"))
			a->max_entries = (uint32_t)v;
		else if (!strcmp(n, "map_flags"))
			a->map_flags = (uint32_t)v;
		else if (strcmp(n, "pinning") && strcmp(n, "numa_node"))
			return -EINVAL;	/* values (maps of maps), map_extra, unknown */
	}
	return 0;
}

/* Append one field to @l; every offset and size is checked against @limit */
static int layout_field(struct vn_map_btf_layout *l, const char *name, uint64_t off,
			uint32_t size, uint32_t nelems, bool is_signed, uint32_t limit)
{
	struct vn_map_btf_field *f;

	/* More fields than printed, or a field past the key/value's bytes */
	if (l->nfields >= VN_MAP_BTF_FIELDS_MAX ||
	    off + (uint64_t)size * (nelems ? nelems : 1) > limit)
		return -EINVAL;
	f = &l->f[l->nfields];
	/* A member path too long to keep */
	if ((size_t)snprintf(f->name, sizeof(f->name), "%s", name) >= sizeof(f->name))
		return -EINVAL;
	f->off = (uint32_t)off;
	f->size = size;
	f->nelems = nelems;
	f->is_signed = is_signed;
	l->nfields++;
	return 0;
}

/* An INT or ENUM as a printable integer: its size and sign, or -EINVAL */
static int btf_int_of(const struct btf_type *t, uint32_t *size, bool *is_signed)
{
	uint32_t enc;

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
		memcpy(&enc, t + 1, sizeof(enc));
		/* Bitfield-style ints: bits not the whole size, or shifted */
		if (BTF_INT_OFFSET(enc) || BTF_INT_BITS(enc) != t->size * 8)
			return -EINVAL;
		*is_signed = enc & BTF_INT_SIGNED;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		*is_signed = BTF_INFO_KFLAG(t->info);
		break;
	default:
		return -EINVAL;
	}
	/* Integer sizes the printer does not read (0, 3, 16, ...) */
	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
		return -EINVAL;
	*size = t->size;
	return 0;
}

/* Flatten type @id at byte @base into @l's fields named @path[.member] */
static int layout_add(const struct btf_view *b, uint32_t id, uint64_t base, const char *path,
		      struct vn_map_btf_layout *l, uint32_t limit, int depth)
{
	const struct btf_type *t = btf_skip_mods(b, id, NULL), *e;
	const struct btf_member *m;
	struct btf_array a;
	uint32_t size;
	bool sgn;

	/* Unknown id, or nesting deeper than any real key/value */
	if (!t || depth > 8)
		return -EINVAL;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (btf_int_of(t, &size, &sgn))
			return -EINVAL;
		return layout_field(l, path, base, size, 0, sgn, limit);
	case BTF_KIND_ARRAY:
		memcpy(&a, t + 1, sizeof(a));
		e = btf_skip_mods(b, a.type, NULL);
		/* Arrays of anything but integers, or empty ones */
		if (!e || !a.nelems || btf_int_of(e, &size, &sgn))
			return -EINVAL;
		return layout_field(l, path, base, size, a.nelems, sgn, limit);
	case BTF_KIND_STRUCT:
		/* Empty structs: no field to show, and (nested) a walk that adds
		 * no field would escape the field cap that bounds the work */
		if (!BTF_INFO_VLEN(t->info))
			return -EINVAL;
		m = (const struct btf_member *)(t + 1);
		for (uint32_t i = 0; i < BTF_INFO_VLEN(t->info); i++) {
			char sub[VN_MAP_BTF_NAME_MAX];
			struct btf_member mb;
			const char *n;
			uint32_t bits;

			memcpy(&mb, &m[i], sizeof(mb));
			n = btf_str(b, mb.name_off);
			bits = BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(mb.offset) : mb.offset;
			/* Anonymous members, bitfields, members not on a byte boundary */
			if (!n || !n[0] || bits % 8 ||
			    (BTF_INFO_KFLAG(t->info) && BTF_MEMBER_BITFIELD_SIZE(mb.offset)))
				return -EINVAL;
			/* A member path too long to keep */
			if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "",
					     n) >= sizeof(sub))
				return -EINVAL;
			if (layout_add(b, mb.type, base + bits / 8, sub, l, limit, depth + 1))
				return -EINVAL;
		}
		return 0;
	default:
		return -EINVAL;
	}
}

/* The key and value layouts of @map from BTF types @key_id, @val_id; none if unprintable */
static void map_btf_attach(const struct btf_view *b, struct vn_map *map, uint32_t key_id,
			   uint32_t val_id)
{
	struct vn_map_btf *mb = calloc(1, sizeof(*mb));

	if (!mb)
		return;
	/* Types whose sizeof is not the map's sizes describe other bytes */
	if (key_id && btf_size(b, key_id, 0) == map->key_size &&
	    layout_add(b, key_id, 0, "", &mb->key, map->key_size, 0))
		mb->key.nfields = 0;
	if (val_id && btf_size(b, val_id, 0) == map->value_size &&
	    layout_add(b, val_id, 0, "", &mb->value, map->value_size, 0))
		mb->value.nfields = 0;
	if (!mb->key.nfields && !mb->value.nfields) {
		free(mb);
		return;
	}
	map->btf = mb;
}

static int add_btf_map(struct obj_ctx *c, const struct btf_view *b, uint32_t var_id)
{
	const struct btf_type *var = btf_type(b, var_id), *st;
	struct vn_map_attr a = { 0 };
	char name[VN_BPF_OBJ_NAME_MAX], bad_esc[VN_BPF_OBJ_NAME_MAX];
	const char *raw, *bad = "";
	uint32_t key_id = 0, val_id = 0;
	GElf_Sym sym;
	int ret;

	if (!var || BTF_INFO_KIND(var->info) != BTF_KIND_VAR || !(raw = btf_str(b, var->name_off))) {
		vn_err("obj '%s': sec '.maps': BTF entry %u is not a named variable",
		       c->obj->name, var_id);
		return -EINVAL;
	}
	/* compared with obj_sym_name(), which escapes and cuts the same way */
	vn_log_escape(raw, name, sizeof(name));
	st = btf_skip_mods(b, var->type, NULL);
	if (!st || BTF_INFO_KIND(st->info) != BTF_KIND_STRUCT || parse_map_def(b, st, &a, &key_id, &val_id, &bad)) {
		vn_err("obj '%s': map '%s': bad or unsupported BTF definition (member '%s')",
		       c->obj->name, name, vn_log_escape(bad, bad_esc, sizeof(bad_esc)));
		return -EINVAL;
	}
	for (size_t i = 0; i < c->nsyms; i++) {
		c->work++;
		if (obj_get_sym(c, i, &sym))
			return -EINVAL;
		if (sym.st_shndx == c->btf_maps_shndx &&
		    GELF_ST_TYPE(sym.st_info) != STT_SECTION && !strcmp(obj_sym_name(c, &sym), name)) {
			ret = obj_add_map(c, name, &a, c->btf_maps_shndx, sym.st_value);
			if (!ret)
				map_btf_attach(b, c->obj->maps[c->obj->nmaps - 1].map, key_id,
					       val_id);
			return ret;
		}
	}
	vn_err("obj '%s': map '%s': no symbol in '.maps'", c->obj->name, name);
	return -EINVAL;
}

/**
 * obj_btf_maps() - Create the maps defined in the .maps section
 * @c:		load state (btf_maps_shndx set)
 *
 * Return: 0, -EINVAL for missing or malformed BTF, or obj_add_map()'s error
 */
int obj_btf_maps(struct obj_ctx *c)
{
	struct btf_view b = { 0 };
	const struct obj_sec *bs = NULL;
	const struct btf_var_secinfo *vs;
	const struct btf_type *ds = NULL;
	int ret;

	for (size_t i = 0; i < c->nsecs; i++)
		if (!strcmp(c->secs[i].name, ".BTF") && c->secs[i].data && c->secs[i].data->d_buf)
			bs = &c->secs[i];
	if (!bs || btf_open(c, &b, bs->data->d_buf, bs->data->d_size)) {
		vn_err("obj '%s': sec '.maps': missing or malformed .BTF", c->obj->name);
		btf_close(c, &b);
		return -EINVAL;
	}
	for (uint32_t id = 1; id < b.n && !ds; id++) {
		const struct btf_type *t = btf_type(&b, id);
		const char *n;

		c->work++;
		if (BTF_INFO_KIND(t->info) != BTF_KIND_DATASEC)
			continue;
		n = btf_str(&b, t->name_off);
		if (n && !strcmp(n, ".maps"))
			ds = t;
	}
	if (!ds) {
		vn_err("obj '%s': sec '.maps': no .maps DATASEC in BTF", c->obj->name);
		btf_close(c, &b);
		return -EINVAL;
	}
	vs = (const struct btf_var_secinfo *)(ds + 1);
	ret = 0;
	for (uint32_t i = 0; i < BTF_INFO_VLEN(ds->info) && !ret; i++) {
		struct btf_var_secinfo v;

		memcpy(&v, &vs[i], sizeof(v));
		ret = add_btf_map(c, &b, v.type);
	}
	btf_close(c, &b);
	return ret;
}
