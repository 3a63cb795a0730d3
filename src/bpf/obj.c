// SPDX-License-Identifier: MIT
/* obj.c - eBPF ELF objects: sections, symbols, maps and programs
 *
 * Trust boundary: the object is a tenant's file. libelf reads the ELF
 * structures (it checks section and string table bounds); everything the
 * loader takes from them (symbol values and sizes, section indices, map
 * definitions) is range-checked here before use. BTF-defined maps are read
 * by obj_btf.c (libbpf 1.1's bpf_object__open_mem() crashes on mutated
 * objects, see there).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/vm.h"
#include "core/compiler.h"
#include "core/log.h"
#include "obj_internal.h"


/* Legacy SEC("maps") definition: struct bpf_map_def of old libbpf */
struct legacy_map_def {
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
};

static void obj_global_init(void)
{
	elf_version(EV_CURRENT);
}

/**
 * obj_tmp_alloc() - Zeroed load-time memory, charged to the owner
 * @c:		load state
 * @n:		elements
 * @size:	bytes each
 *
 * Freed with obj_tmp_free(); whatever is still charged when the load ends
 * is given back then.
 *
 * Return: the memory, or NULL (no memory, or the owner's cap)
 */
void *obj_tmp_alloc(struct obj_ctx *c, size_t n, size_t size)
{
	size_t bytes;
	void *p;

	n = n ? n : 1;
	/* n * size overflows */
	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (vn_bpf_owner_charge(c->opts->owner, bytes)) {
		vn_err("obj '%s': loader needs %zu more bytes: past the owner's memory cap",
		       c->obj->name, bytes);
		return NULL;
	}
	p = calloc(n, size);
	if (!p) {
		vn_bpf_owner_uncharge(c->opts->owner, bytes);
		return NULL;
	}
	c->tmp_charged += bytes;
	return p;
}

/**
 * obj_tmp_free() - Free memory from obj_tmp_alloc()
 * @c:		load state
 * @p:		memory, may be NULL
 * @n:		elements it was allocated with
 * @size:	bytes each
 */
void obj_tmp_free(struct obj_ctx *c, void *p, size_t n, size_t size)
{
	if (!p)
		return;
	n = n ? n : 1;
	vn_bpf_owner_uncharge(c->opts->owner, n * size);
	c->tmp_charged -= n * size;
	free(p);
}

/**
 * obj_get_sym() - Read symbol @idx
 * @c:		load state
 * @idx:	symbol index (from a relocation or a walk)
 * @sym:	output
 *
 * Return: 0, or -EINVAL for an index past the table
 */
int obj_get_sym(struct obj_ctx *c, size_t idx, GElf_Sym *sym)
{
	/* Symbol index past the table */
	if (idx >= c->nsyms || !gelf_getsym(c->symtab, (int)idx, sym))
		return -EINVAL;
	return 0;
}

/**
 * obj_sym_name() - Name of a symbol
 * @c:		load state
 * @sym:	symbol
 *
 * The name is escaped and cut to VN_BPF_OBJ_NAME_MAX - 1 bytes
 * (vn_log_escape()) in one of four rotating buffers: valid until the fourth
 * call after this one. Costs at most that many bytes of the name.
 *
 * Return: the name, "" if it has none or its offset is bad
 */
const char *obj_sym_name(struct obj_ctx *c, const GElf_Sym *sym)
{
	char *out = c->symname[c->symname_k++ % VN_ARRAY_SIZE(c->symname)];
	const char *s;

	if (GELF_ST_TYPE(sym->st_info) == STT_SECTION && sym->st_shndx < c->nsecs)
		return c->secs[sym->st_shndx].name;
	s = elf_strptr(c->elf, c->strtab, sym->st_name);
	return vn_log_escape(s ? s : "", out, sizeof(c->symname[0]));
}

/* A string table section whose last byte is not a NUL: every name lookup
 * in it would scan to its end (libelf validates each string) */
static bool strtab_bad(struct obj_ctx *c, size_t shndx)
{
	Elf_Scn *scn = elf_getscn(c->elf, shndx);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;

	return !d || !d->d_buf || !d->d_size || ((const char *)d->d_buf)[d->d_size - 1];
}

static bool sec_is_prog(const char *name)
{
	return !strcmp(name, "xdp") || !strncmp(name, "xdp/", 4) ||
	       !strcmp(name, "xdp.frags") || !strncmp(name, "xdp.frags/", 10);
}

static bool sec_is_data(const char *name)
{
	static const char *const pfx[] = { ".data", ".rodata", ".bss" };

	for (size_t i = 0; i < VN_ARRAY_SIZE(pfx); i++) {
		size_t n = strlen(pfx[i]);

		if (!strncmp(name, pfx[i], n) && (name[n] == '\0' || name[n] == '.'))
			return true;
	}
	return false;
}

static int check_header(struct obj_ctx *c)
{
	const char *o = c->obj->name;
	GElf_Ehdr eh;

	if (elf_kind(c->elf) != ELF_K_ELF || !gelf_getehdr(c->elf, &eh)) {
		vn_err("obj '%s': not an ELF file", o);
		return -EINVAL;
	}
	/* 32-bit, big-endian, or non-BPF objects */
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_BPF) {
		vn_err("obj '%s': not a little-endian 64-bit BPF object (machine %u)",
		       o, eh.e_machine);
		return -EINVAL;
	}
	if (eh.e_type != ET_REL) {
		vn_err("obj '%s': not a relocatable object (e_type %u)", o, eh.e_type);
		return -EINVAL;
	}
	return 0;
}

/* One pass over the section headers: names, kinds, symtab, relocations */
static int collect_sections(struct obj_ctx *c)
{
	const char *o = c->obj->name;
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(c->elf, &c->nsecs) || elf_getshdrstrndx(c->elf, &shstrndx)) {
		vn_err("obj '%s': unreadable section table", o);
		return -EINVAL;
	}
	if (strtab_bad(c, shstrndx)) {
		vn_err("obj '%s': section name table not NUL-terminated", o);
		return -EINVAL;
	}
	c->secs = obj_tmp_alloc(c, c->nsecs, sizeof(*c->secs));
	if (!c->secs)
		return -ENOMEM;
	for (size_t i = 0; i < c->nsecs; i++) {
		c->secs[i].name = "";
		c->secs[i].map_idx = -1;
	}
	while ((scn = elf_nextscn(c->elf, scn))) {
		size_t i = elf_ndxscn(scn);
		struct obj_sec *s;
		const char *name;

		c->work++;
		/* Section index past the count libelf gave */
		if (i >= c->nsecs)
			return -EINVAL;
		s = &c->secs[i];
		s->map_idx = -1;
		if (!gelf_getshdr(scn, &s->shdr)) {
			vn_err("obj '%s': section %zu: unreadable header", o, i);
			return -EINVAL;
		}
		name = elf_strptr(c->elf, shstrndx, s->shdr.sh_name);
		s->name = vn_log_escape(name ? name : "", s->name_buf, sizeof(s->name_buf));
		s->data = elf_getdata(scn, NULL);
		if (!s->data && s->shdr.sh_type != SHT_NOBITS && s->shdr.sh_size) {
			vn_err("obj '%s': sec '%s': unreadable contents", o, s->name);
			return -EINVAL;
		}
		s->exec = s->shdr.sh_type == SHT_PROGBITS && (s->shdr.sh_flags & SHF_EXECINSTR);
		if (s->shdr.sh_type == SHT_SYMTAB) {
			/* A second symbol table, or one whose names are nowhere */
			if (c->symtab || s->shdr.sh_link >= c->nsecs || !s->data ||
			    !s->shdr.sh_entsize) {
				vn_err("obj '%s': sec '%s': bad symbol table", o, s->name);
				return -EINVAL;
			}
			c->symtab = s->data;
			c->nsyms = s->data->d_size / sizeof(Elf64_Sym);
			c->strtab = s->shdr.sh_link;
			if (strtab_bad(c, c->strtab)) {
				vn_err("obj '%s': symbol name table not NUL-terminated", o);
				return -EINVAL;
			}
		} else if (!strcmp(s->name, "maps")) {
			c->maps_shndx = i;
		} else if (!strcmp(s->name, ".maps")) {
			c->btf_maps_shndx = i;
		} else if (!strcmp(s->name, "license") && s->data && s->data->d_buf) {
			snprintf(c->obj->license, sizeof(c->obj->license), "%.*s",
				 (int)VN_MIN(s->data->d_size, sizeof(c->obj->license) - 1),
				 (const char *)s->data->d_buf);
		}
	}
	if (!c->symtab) {
		vn_err("obj '%s': no symbol table", o);
		return -EINVAL;
	}
	if (c->maps_shndx && c->btf_maps_shndx) {
		vn_err("obj '%s': both legacy 'maps' and BTF '.maps' sections: not supported", o);
		return -EINVAL;
	}
	/* Attach relocation sections to the code they relocate */
	for (size_t i = 0; i < c->nsecs; i++) {
		struct obj_sec *s = &c->secs[i];

		if (s->shdr.sh_type == SHT_RELA && s->shdr.sh_info < c->nsecs &&
		    c->secs[s->shdr.sh_info].exec) {
			vn_err("obj '%s': sec '%s': RELA relocations for code: not a BPF object",
			       o, s->name);
			return -EINVAL;
		}
		if (s->shdr.sh_type != SHT_REL || s->shdr.sh_info >= c->nsecs ||
		    !c->secs[s->shdr.sh_info].exec)
			continue;
		/* Two relocation sections for one code section, or one that is empty */
		if (c->secs[s->shdr.sh_info].rel || !s->data) {
			vn_err("obj '%s': sec '%s': duplicate or unreadable relocations", o, s->name);
			return -EINVAL;
		}
		c->secs[s->shdr.sh_info].rel = i;
	}
	return 0;
}

static int func_cmp(const void *a, const void *b)
{
	const struct obj_func *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort the functions by (section, start) and give each section its range */
static int index_funcs(struct obj_ctx *c)
{
	qsort(c->funcs, c->nfuncs, sizeof(*c->funcs), func_cmp);
	for (size_t i = 0; i < c->nfuncs; i++) {
		struct obj_sec *s = &c->secs[c->funcs[i].shndx];

		c->work++;
		/* Two functions starting at the same instruction */
		if (i && !func_cmp(&c->funcs[i - 1], &c->funcs[i])) {
			vn_err("obj '%s': sec '%s': functions '%s' and '%s' start at the same offset",
			       c->obj->name, s->name, c->funcs[i - 1].name, c->funcs[i].name);
			return -EINVAL;
		}
		if (!s->func_n)
			s->func_first = i;
		s->func_n++;
	}
	return 0;
}

/* Every STT_FUNC symbol in a code section, checked against the section */
static int collect_funcs(struct obj_ctx *c)
{
	const char *o = c->obj->name;

	c->funcs = obj_tmp_alloc(c, c->nsyms, sizeof(*c->funcs));
	if (!c->funcs)
		return -ENOMEM;
	for (size_t i = 0; i < c->nsyms; i++) {
		struct obj_func *f;
		struct obj_sec *s;
		GElf_Sym sym;

		c->work++;
		if (obj_get_sym(c, i, &sym))
			return -EINVAL;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx >= c->nsecs ||
		    !c->secs[sym.st_shndx].exec)
			continue;
		s = &c->secs[sym.st_shndx];
		/* Misaligned, empty or out-of-section functions */
		if (sym.st_value % sizeof(struct vn_bpf_insn) || !sym.st_size ||
		    sym.st_size % sizeof(struct vn_bpf_insn) || !s->data ||
		    sym.st_value > s->data->d_size || s->data->d_size - sym.st_value < sym.st_size) {
			vn_err("obj '%s': sec '%s': corrupted function '%s', offset %llu, size %llu",
			       o, s->name, obj_sym_name(c, &sym),
			       (unsigned long long)sym.st_value, (unsigned long long)sym.st_size);
			return -EINVAL;
		}
		f = &c->funcs[c->nfuncs++];
		snprintf(f->name, sizeof(f->name), "%s", obj_sym_name(c, &sym));
		f->shndx = sym.st_shndx;
		f->start = sym.st_value / sizeof(struct vn_bpf_insn);
		f->len = sym.st_size / sizeof(struct vn_bpf_insn);
	}
	return index_funcs(c);
}

/**
 * obj_add_map() - Create a map of the object and remember where it is defined
 * @c:		load state
 * @name:	map name
 * @attr:	definition (ncpus and name filled in here)
 * @shndx:	defining section
 * @off:	symbol offset in that section
 *
 * Return: 0, -E2BIG past VN_BPF_OBJ_MAPS_MAX, or vn_map_create()'s error
 */
int obj_add_map(struct obj_ctx *c, const char *name, const struct vn_map_attr *attr,
		   size_t shndx, uint64_t off)
{
	struct vn_bpf_obj *obj = c->obj;
	struct vn_map_attr a = *attr;
	struct vn_bpf_obj_map *m;
	int ret;

	/* More maps than a program could reference */
	if (obj->nmaps >= VN_BPF_OBJ_MAPS_MAX) {
		vn_err("obj '%s': more than %u maps", obj->name, VN_BPF_OBJ_MAPS_MAX);
		return -E2BIG;
	}
	m = &obj->maps[obj->nmaps];
	snprintf(m->name, sizeof(m->name), "%s", name);
	a.name = m->name;
	a.ncpus = c->opts->ncpus ? c->opts->ncpus : 1;
	ret = vn_map_create(&a, c->opts->owner, &m->map);
	if (ret) {
		vn_err("obj '%s': map '%s': cannot create %s map", obj->name, name,
		       vn_map_type_name(a.type));
		return ret;
	}
	c->map_src[obj->nmaps].shndx = shndx;
	c->map_src[obj->nmaps].off = off;
	obj->nmaps++;
	return 0;
}

static int collect_legacy_maps(struct obj_ctx *c)
{
	struct obj_sec *s = &c->secs[c->maps_shndx];
	size_t sz = s->data ? s->data->d_size : 0;

	for (size_t i = 0; i < c->nsyms; i++) {
		struct legacy_map_def def;
		struct vn_map_attr a = { 0 };
		GElf_Sym sym;
		int ret;

		c->work++;
		if (obj_get_sym(c, i, &sym))
			return -EINVAL;
		if (sym.st_shndx != c->maps_shndx || GELF_ST_TYPE(sym.st_info) == STT_SECTION)
			continue;
		/* Definition past the section, or one without contents */
		if (!s->data || !s->data->d_buf || sym.st_value > sz ||
		    sz - sym.st_value < sizeof(def)) {
			vn_err("obj '%s': map '%s': definition outside section 'maps'",
			       c->obj->name, obj_sym_name(c, &sym));
			return -EINVAL;
		}
		memcpy(&def, (const uint8_t *)s->data->d_buf + sym.st_value, sizeof(def));
		a.type = def.type;
		a.key_size = def.key_size;
		a.value_size = def.value_size;
		a.max_entries = def.max_entries;
		a.map_flags = def.map_flags;
		ret = obj_add_map(c, obj_sym_name(c, &sym), &a, c->maps_shndx, sym.st_value);
		if (ret)
			return ret;
	}
	return 0;
}

/* .data/.rodata/.bss: one single-entry array each, holding the initial bytes */
static int collect_data_maps(struct obj_ctx *c)
{
	for (size_t i = 0; i < c->nsecs; i++) {
		struct obj_sec *s = &c->secs[i];
		struct vn_map_attr a = { .type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
					 .max_entries = 1 };
		struct vn_map *m;
		int ret;

		if (s->exec || !(s->shdr.sh_flags & SHF_ALLOC) || !sec_is_data(s->name) ||
		    !s->shdr.sh_size)
			continue;
		/* Section bigger than a map value may be */
		if (s->shdr.sh_size > VN_MAP_VALUE_MAX) {
			vn_err("obj '%s': sec '%s': %llu bytes of global data (max %u)",
			       c->obj->name, s->name, (unsigned long long)s->shdr.sh_size,
			       VN_MAP_VALUE_MAX);
			return -E2BIG;
		}
		a.value_size = (uint32_t)s->shdr.sh_size;
		if (!strncmp(s->name, ".rodata", 7))
			a.map_flags = BPF_F_RDONLY_PROG;
		ret = obj_add_map(c, s->name, &a, i, 0);
		if (ret)
			return ret;
		s->map_idx = (int)c->obj->nmaps - 1;
		m = c->obj->maps[s->map_idx].map;
		if (s->shdr.sh_type != SHT_NOBITS) {
			/* Contents shorter than the header claims */
			if (!s->data || !s->data->d_buf || s->data->d_size != s->shdr.sh_size) {
				vn_err("obj '%s': sec '%s': contents do not match the header",
				       c->obj->name, s->name);
				return -EINVAL;
			}
			memcpy(m->values, s->data->d_buf, s->data->d_size);
		}
	}
	return 0;
}

static int add_prog(struct obj_ctx *c, struct obj_func *f)
{
	struct vn_bpf_obj *obj = c->obj;
	struct vn_bpf_obj_prog *p;
	int ret;

	if (obj->nprogs >= VN_BPF_OBJ_PROGS_MAX) {
		vn_err("obj '%s': more than %u programs", obj->name, VN_BPF_OBJ_PROGS_MAX);
		return -E2BIG;
	}
	p = &obj->progs[obj->nprogs];
	snprintf(p->name, sizeof(p->name), "%s", f->name);
	snprintf(p->sec, sizeof(p->sec), "%s", c->secs[f->shndx].name);
	ret = obj_build_prog(c, f, p);
	if (ret)
		return ret;
	obj->nprogs++;
	/* Appended subprograms make a tenant's programs large: pay for them */
	if (vn_bpf_owner_charge(obj->owner, p->n * sizeof(*p->insns))) {
		vn_err("obj '%s': prog '%s': %zu instructions pass the owner's memory cap",
		       obj->name, p->name, p->n);
		return -ENOMEM;
	}
	obj->charged += p->n * sizeof(*p->insns);
	return 0;
}

static int collect_progs(struct obj_ctx *c)
{
	for (size_t i = 0; i < c->nsecs; i++) {
		struct obj_sec *s = &c->secs[i];
		bool found = false;
		int ret;

		c->work++;
		if (!s->exec || !sec_is_prog(s->name))
			continue;
		/* only this section's functions (index_funcs()) */
		for (size_t f = s->func_first; f < s->func_first + s->func_n; f++) {
			found = true;
			ret = add_prog(c, &c->funcs[f]);
			if (ret)
				return ret;
		}
		/* Hand-written code without symbols: the section is the program */
		if (!found && s->data && s->data->d_size) {
			struct obj_func whole = { .shndx = i, .start = 0,
						  .len = s->data->d_size / sizeof(struct vn_bpf_insn) };

			snprintf(whole.name, sizeof(whole.name), "%s", s->name);

			if (s->data->d_size % sizeof(struct vn_bpf_insn)) {
				vn_err("obj '%s': sec '%s': size %zu is not a multiple of 8",
				       c->obj->name, s->name, s->data->d_size);
				return -EINVAL;
			}
			ret = add_prog(c, &whole);
			if (ret)
				return ret;
		}
	}
	if (!c->obj->nprogs) {
		vn_err("obj '%s': no program in a SEC(\"xdp\") section", c->obj->name);
		return -ENOENT;
	}
	return 0;
}

static int obj_load(struct obj_ctx *c)
{
	int ret;

	ret = check_header(c);
	if (!ret)
		ret = collect_sections(c);
	if (!ret)
		ret = collect_funcs(c);
	if (!ret && c->maps_shndx)
		ret = collect_legacy_maps(c);
	if (!ret && c->btf_maps_shndx)
		ret = obj_btf_maps(c);
	if (!ret)
		ret = collect_data_maps(c);
	if (!ret)
		ret = collect_progs(c);
	return ret;
}

/**
 * vn_bpf_obj_open_mem() - Load an object from memory
 * @buf:	ELF bytes (not kept)
 * @len:	length
 * @name:	name for messages
 * @opts:	owner, cpus, limits (may be NULL)
 * @out:	the object
 *
 * Return: 0 or a negative errno (logged)
 */
int vn_bpf_obj_open_mem(const void *buf, size_t len, const char *name,
			const struct vn_bpf_obj_opts *opts, struct vn_bpf_obj **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static const struct vn_bpf_obj_opts defaults;
	struct obj_ctx c = { .opts = opts ? opts : &defaults };
	size_t max = c.opts->max_bytes ? c.opts->max_bytes : VN_BPF_OBJ_SIZE_MAX;
	int ret = -ENOMEM;

	*out = NULL;
	pthread_once(&once, obj_global_init);
	c.obj = calloc(1, sizeof(*c.obj));
	if (!c.obj)
		return -ENOMEM;
	vn_log_escape(name ? name : "?", c.obj->name, sizeof(c.obj->name));
	/* Bigger than the caller accepts: refused before any work */
	if (len > max) {
		vn_err("obj '%s': %zu bytes, more than the %zu accepted", c.obj->name, len, max);
		vn_bpf_obj_close(c.obj);
		return -E2BIG;
	}
	c.obj->owner = c.opts->owner;
	c.obj->maps = calloc(VN_BPF_OBJ_MAPS_MAX, sizeof(*c.obj->maps));
	c.obj->progs = calloc(VN_BPF_OBJ_PROGS_MAX, sizeof(*c.obj->progs));
	/* libelf may keep pointers into the image: give it a private copy */
	c.image = obj_tmp_alloc(&c, len, 1);
	c.image_len = len;
	if (!c.obj->maps || !c.obj->progs || !c.image)
		goto out;
	memcpy(c.image, buf, len);
	c.elf = elf_memory(c.image, len);
	if (!c.elf) {
		vn_err("obj '%s': libelf: %s", c.obj->name, elf_errmsg(-1));
		ret = -EINVAL;
		goto out;
	}
	ret = obj_load(&c);
out:
	if (c.elf)
		elf_end(c.elf);
	for (size_t i = 0; c.secs && i < c.nsecs; i++)
		obj_tmp_free(&c, c.secs[i].rels, c.secs[i].nrels, sizeof(*c.secs[i].rels));
	obj_tmp_free(&c, c.image, len, 1);
	obj_tmp_free(&c, c.secs, c.nsecs, sizeof(*c.secs));
	obj_tmp_free(&c, c.funcs, c.nsyms, sizeof(*c.funcs));
	/* nothing temporary may stay charged */
	VN_ASSERT(c.tmp_charged == 0);
	c.obj->load_work = c.work;
	if (ret) {
		vn_bpf_obj_close(c.obj);
		return ret;
	}
	*out = c.obj;
	return 0;
}

/* The descriptor may come from a control client (ctl/fdpass.h): only a regular
 * file is read, so a pipe, socket or device cannot block or flood the daemon. */
int vn_bpf_obj_read_fd(int fd, const char *name, size_t max, void **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	uint8_t *b;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st)) {
		vn_err("obj '%s': %s", name, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		vn_err("obj '%s': not a regular file", name);
		return -EINVAL;
	}
	/* Past the size accepted: refused before it is read */
	if ((uint64_t)st.st_size > max) {
		vn_err("obj '%s': %lld bytes, more than the %zu accepted", name,
		       (long long)st.st_size, max);
		return -E2BIG;
	}
	b = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!b)
		return -ENOMEM;
	/* a file that shrank meanwhile is read as it is now */
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, b + got, (size_t)st.st_size - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vn_err("obj '%s': read: %s", name, strerror(errno));
			free(b);
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*buf = b;
	*len = got;
	return 0;
}

/**
 * vn_bpf_obj_open_file() - Load an object from a file
 * @path:	file
 * @opts:	see vn_bpf_obj_open_mem()
 * @out:	the object
 *
 * Return: as vn_bpf_obj_open_mem(), or the negative errno of reading @path
 */
int vn_bpf_obj_open_file(const char *path, const struct vn_bpf_obj_opts *opts,
			 struct vn_bpf_obj **out)
{
	const char *base = strrchr(path, '/');
	size_t len;
	void *buf;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		vn_err("obj '%s': %s", path, strerror(errno));
		return ret;
	}
	ret = vn_bpf_obj_read_fd(fd, path, opts && opts->max_bytes ? opts->max_bytes :
				 VN_BPF_OBJ_SIZE_MAX, &buf, &len);
	close(fd);
	if (ret)
		return ret;
	ret = vn_bpf_obj_open_mem(buf, len, base ? base + 1 : path, opts, out);
	free(buf);
	return ret;
}

/**
 * vn_bpf_obj_close() - Free an object, its programs and its maps
 * @obj:	object, may be NULL
 */
void vn_bpf_obj_close(struct vn_bpf_obj *obj)
{
	if (!obj)
		return;
	vn_bpf_owner_uncharge(obj->owner, obj->charged);
	for (unsigned int i = 0; obj->progs && i < VN_BPF_OBJ_PROGS_MAX; i++)
		free(obj->progs[i].insns);
	for (unsigned int i = 0; obj->maps && i < obj->nmaps; i++)
		vn_map_free(obj->maps[i].map);
	free(obj->progs);
	free(obj->maps);
	free(obj);
}

/**
 * vn_bpf_obj_prog_find() - Find a program by function or section name
 * @obj:	object
 * @name:	function or section name; NULL: the first program
 *
 * Return: the program, or NULL
 */
const struct vn_bpf_obj_prog *vn_bpf_obj_prog_find(const struct vn_bpf_obj *obj,
						   const char *name)
{
	if (!name)
		return obj->nprogs ? &obj->progs[0] : NULL;
	for (unsigned int i = 0; i < obj->nprogs; i++)
		if (!strcmp(obj->progs[i].name, name))
			return &obj->progs[i];
	for (unsigned int i = 0; i < obj->nprogs; i++)
		if (!strcmp(obj->progs[i].sec, name))
			return &obj->progs[i];
	return NULL;
}

/**
 * vn_bpf_obj_map_find() - Find a map by name
 * @obj:	object
 * @name:	map or global data section name
 *
 * Return: the map, or NULL
 */
struct vn_map *vn_bpf_obj_map_find(const struct vn_bpf_obj *obj, const char *name)
{
	for (unsigned int i = 0; i < obj->nmaps; i++)
		if (!strcmp(obj->maps[i].name, name))
			return obj->maps[i].map;
	return NULL;
}
