// SPDX-License-Identifier: MIT
/* xo_export.c - the guest XDP program export file: hostile-input parser, buffered writer
 *
 * The parser reads through one cursor that never passes the end of the
 * buffer: every length is checked against the bytes left (in 64-bit
 * arithmetic, so no product wraps) before the bytes are looked at, and a
 * field out of its bound stops the parse with a message naming it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "xo_export.h"

struct cur {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static uint64_t get_be(struct cur *c, unsigned int n)
{
	uint64_t v = 0;

	if (c->bad || c->left < n) {
		c->bad = true;
		return 0;
	}
	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | c->p[i];
	c->p += n;
	c->left -= n;
	return v;
}

static const uint8_t *get_bytes(struct cur *c, uint64_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || c->left < n) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	c->left -= (size_t)n;
	return p;
}

static bool name_char_ok(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '/' || ch == '-';
}

/* n:u8 byte[n] into @out; @empty_ok for the section */
static bool get_name(struct cur *c, char *out, bool empty_ok)
{
	unsigned int n = (unsigned int)get_be(c, 1);
	const uint8_t *p;

	if (c->bad || n > VN_XO_EXP_NAME_MAX || (!n && !empty_ok))
		return false;
	p = get_bytes(c, n);
	if (!p)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (!name_char_ok(p[i]))
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static int bad(char *err, size_t err_sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t err_sz, const char *fmt, ...)
{
	va_list ap;

	if (err && err_sz) {
		va_start(ap, fmt);
		vsnprintf(err, err_sz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int vn_xo_exp_is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH;
}

static int parse_map(struct cur *c, struct vn_xo_exp_map *m, unsigned int i, char *err,
		     size_t err_sz)
{
	uint64_t vlen, want;

	if (!get_name(c, m->name, false))
		return bad(err, err_sz, "map %u: bad or missing name", i);
	m->type = (uint32_t)get_be(c, 4);
	m->key_size = (uint32_t)get_be(c, 4);
	m->value_size = (uint32_t)get_be(c, 4);
	m->ncpus = (uint32_t)get_be(c, 4);
	m->count = (uint32_t)get_be(c, 4);
	if (c->bad)
		return bad(err, err_sz, "map '%s': header cut short", m->name);
	if (m->key_size < 1 || m->key_size > VN_XO_EXP_KEY_MAX)
		return bad(err, err_sz, "map '%s': key_size %u not 1..%u", m->name, m->key_size,
			   VN_XO_EXP_KEY_MAX);
	if (m->value_size < 1 || m->value_size > VN_XO_EXP_VALUE_MAX)
		return bad(err, err_sz, "map '%s': value_size %u not 1..%u", m->name,
			   m->value_size, VN_XO_EXP_VALUE_MAX);
	if (m->ncpus < 1 || m->ncpus > VN_XO_EXP_CPUS_MAX ||
	    (!vn_xo_exp_is_percpu(m->type) && m->ncpus != 1))
		return bad(err, err_sz, "map '%s': ncpus %u (1, or 1..%u for per-CPU maps)",
			   m->name, m->ncpus, VN_XO_EXP_CPUS_MAX);
	if (m->count > VN_XO_EXP_ENTRIES_MAX)
		return bad(err, err_sz, "map '%s': %u entries, at most %u", m->name, m->count,
			   VN_XO_EXP_ENTRIES_MAX);
	vlen = vn_xo_exp_is_percpu(m->type) ?
	       (uint64_t)m->ncpus * (((uint64_t)m->value_size + 7) & ~7ull) : m->value_size;
	/* every copy of a value within what one value may be */
	if (vlen > (uint64_t)VN_XO_EXP_VALUE_MAX * 8)
		return bad(err, err_sz, "map '%s': values of %llu bytes", m->name,
			   (unsigned long long)vlen);
	m->vlen = (uint32_t)vlen;
	want = (uint64_t)m->count * (m->key_size + vlen);
	m->entries = get_bytes(c, want);
	if (c->bad)
		return bad(err, err_sz, "map '%s': %u entries need %llu bytes, %zu left", m->name,
			   m->count, (unsigned long long)want, c->left);
	return 0;
}

int vn_xo_exp_parse(const uint8_t *buf, size_t len, struct vn_xo_exp *out, char *err,
		    size_t err_sz)
{
	struct cur c = { .p = buf, .left = len };
	const uint8_t *p;
	uint32_t version, flags;
	int rc;

	memset(out, 0, sizeof(*out));
	p = get_bytes(&c, 8);
	if (!p || memcmp(p, VN_XO_EXP_MAGIC, 8))
		return bad(err, err_sz, "not a vnetd guest XDP export file (bad magic)");
	version = (uint32_t)get_be(&c, 4);
	flags = (uint32_t)get_be(&c, 4);
	if (c.bad)
		return bad(err, err_sz, "header cut short");
	if (version != VN_XO_EXP_VERSION) {
		bad(err, err_sz, "export file version %u, this vnetd reads version %u", version,
		    VN_XO_EXP_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (flags & ~VN_XO_EXP_F_ALL)
		return bad(err, err_sz, "unknown flags 0x%x", flags & ~VN_XO_EXP_F_ALL);
	out->flags = flags;
	if (!get_name(&c, out->section, true))
		return bad(err, err_sz, "bad section name");
	out->obj_len = (uint32_t)get_be(&c, 4);
	if (c.bad || out->obj_len < 1 || out->obj_len > (1u << 20))
		return bad(err, err_sz, "object length %u not 1..%u", out->obj_len, 1u << 20);
	out->obj = get_bytes(&c, out->obj_len);
	if (!out->obj)
		return bad(err, err_sz, "object cut short (%u bytes announced)", out->obj_len);
	out->nmaps = (uint32_t)get_be(&c, 4);
	if (c.bad || out->nmaps > VN_XO_EXP_MAPS_MAX)
		return bad(err, err_sz, "%u maps, at most %u", out->nmaps, VN_XO_EXP_MAPS_MAX);
	for (unsigned int i = 0; i < out->nmaps; i++) {
		rc = parse_map(&c, &out->maps[i], i, err, err_sz);
		if (rc)
			return rc;
		for (unsigned int j = 0; j < i; j++)
			if (!strcmp(out->maps[j].name, out->maps[i].name))
				return bad(err, err_sz, "map '%s' twice", out->maps[i].name);
	}
	p = get_bytes(&c, 8);
	if (!p || memcmp(p, VN_XO_EXP_END, 8))
		return bad(err, err_sz, "no end marker after the maps");
	if (c.left)
		return bad(err, err_sz, "%zu bytes after the end marker", c.left);
	return 0;
}

/* ---- writer ---- */

static void flush(struct vn_xo_exp_out *o)
{
	size_t off = 0;

	while (!o->err && off < o->n) {
		ssize_t w = write(o->fd, o->buf + off, o->n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->err = w < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)w;
	}
	o->n = 0;
}

void vn_xo_exp_bytes(struct vn_xo_exp_out *o, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n && !o->err) {
		size_t k = sizeof(o->buf) - o->n;

		if (k > n)
			k = n;
		memcpy(o->buf + o->n, b, k);
		o->n += k;
		o->pos += k;
		b += k;
		n -= k;
		if (o->n == sizeof(o->buf))
			flush(o);
	}
}

static void put_be(struct vn_xo_exp_out *o, uint64_t v, unsigned int n)
{
	uint8_t b[8];

	for (unsigned int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	vn_xo_exp_bytes(o, b, n);
}

static void put_name(struct vn_xo_exp_out *o, const char *s)
{
	size_t n = strlen(s);

	put_be(o, n, 1);
	vn_xo_exp_bytes(o, s, n);
}

void vn_xo_exp_begin(struct vn_xo_exp_out *o, const char *section, uint32_t flags,
		     const uint8_t *obj, uint32_t obj_len, uint32_t nmaps)
{
	vn_xo_exp_bytes(o, VN_XO_EXP_MAGIC, 8);
	put_be(o, VN_XO_EXP_VERSION, 4);
	put_be(o, flags, 4);
	put_name(o, section);
	put_be(o, obj_len, 4);
	vn_xo_exp_bytes(o, obj, obj_len);
	put_be(o, nmaps, 4);
}

uint64_t vn_xo_exp_map_begin(struct vn_xo_exp_out *o, const struct vn_xo_exp_map *m)
{
	uint64_t at;

	put_name(o, m->name);
	put_be(o, m->type, 4);
	put_be(o, m->key_size, 4);
	put_be(o, m->value_size, 4);
	put_be(o, m->ncpus, 4);
	at = o->pos;
	put_be(o, m->count, 4);
	return at;
}

void vn_xo_exp_patch_count(struct vn_xo_exp_out *o, uint64_t count_pos, uint32_t count)
{
	uint8_t b[4] = { (uint8_t)(count >> 24), (uint8_t)(count >> 16), (uint8_t)(count >> 8),
			 (uint8_t)count };

	flush(o);
	if (!o->err && pwrite(o->fd, b, 4, (off_t)count_pos) != 4)
		o->err = -EIO;
}

int vn_xo_exp_end(struct vn_xo_exp_out *o)
{
	vn_xo_exp_bytes(o, VN_XO_EXP_END, 8);
	flush(o);
	return o->err;
}
