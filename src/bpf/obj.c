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

#define OBJ_FILE_MAX	(64u << 20)	/* largest object file read */

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
 * Return: the name, "" if it has none or its offset is bad
 */
const char *obj_sym_name(struct obj_ctx *c, const GElf_Sym *sym)
{
	const char *s;

	if (GELF_ST_TYPE(sym->st_info) == STT_SECTION && sym->st_shndx < c->nsecs)
		return c->secs[sym->st_shndx].name;
	s = elf_strptr(c->elf, c->strtab, sym->st_name);
	return s ? s : "";
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
	c->secs = calloc(c->nsecs ? c->nsecs : 1, sizeof(*c->secs));
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
		s->name = name ? name : "";
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

/* Every STT_FUNC symbol in a code section, checked against the section */
static int collect_funcs(struct obj_ctx *c)
{
	const char *o = c->obj->name;

	c->funcs = calloc(c->nsyms ? c->nsyms : 1, sizeof(*c->funcs));
	if (!c->funcs)
		return -ENOMEM;
	for (size_t i = 0; i < c->nsyms; i++) {
		struct obj_func *f;
		struct obj_sec *s;
		GElf_Sym sym;

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
		f->name = obj_sym_name(c, &sym);
		f->shndx = sym.st_shndx;
		f->start = sym.st_value / sizeof(struct vn_bpf_insn);
		f->len = sym.st_size / sizeof(struct vn_bpf_insn);
	}
	return 0;
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

static int add_prog(struct obj_ctx *c, const struct obj_func *f)
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

		if (!s->exec || !sec_is_prog(s->name))
			continue;
		for (size_t f = 0; f < c->nfuncs; f++) {
			if (c->funcs[f].shndx != i)
				continue;
			found = true;
			ret = add_prog(c, &c->funcs[f]);
			if (ret)
				return ret;
		}
		/* Hand-written code without symbols: the section is the program */
		if (!found && s->data && s->data->d_size) {
			struct obj_func whole = { .name = s->name, .shndx = i, .start = 0,
						  .len = s->data->d_size / sizeof(struct vn_bpf_insn) };

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
	int ret = -ENOMEM;

	*out = NULL;
	pthread_once(&once, obj_global_init);
	c.obj = calloc(1, sizeof(*c.obj));
	if (!c.obj)
		return -ENOMEM;
	snprintf(c.obj->name, sizeof(c.obj->name), "%s", name ? name : "?");
	c.obj->owner = c.opts->owner;
	c.obj->maps = calloc(VN_BPF_OBJ_MAPS_MAX, sizeof(*c.obj->maps));
	c.obj->progs = calloc(VN_BPF_OBJ_PROGS_MAX, sizeof(*c.obj->progs));
	/* libelf may keep pointers into the image: give it a private copy */
	c.image = malloc(len ? len : 1);
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
	free(c.image);
	free(c.secs);
	free(c.funcs);
	if (ret) {
		vn_bpf_obj_close(c.obj);
		return ret;
	}
	*out = c.obj;
	return 0;
}

/* The descriptor may come from a control client (ctl/fdpass.h): only a regular
 * file is read, so a pipe, socket or device cannot block or flood the daemon. */
int vn_bpf_obj_read_fd(int fd, const char *name, void **buf, size_t *len)
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
	if (!S_ISREG(st.st_mode) || st.st_size > OBJ_FILE_MAX) {
		vn_err("obj '%s': not a regular file of at most %u bytes", name, OBJ_FILE_MAX);
		return -EINVAL;
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
	ret = vn_bpf_obj_read_fd(fd, path, &buf, &len);
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
