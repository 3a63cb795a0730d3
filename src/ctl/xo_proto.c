// SPDX-License-Identifier: MIT
/* xo_proto.c - the guest XDP offload protocol: framing, decoding and encoding
 *
 * Decoding reads through one bounded cursor (struct rd): every read checks
 * the bytes left first and latches a failure, so a short or lying payload can
 * only make the decode fail, never read past @payload + @hdr->len.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ctl/xo_proto.h"

#define MAP_INFO_FIXED	31	/* handle..mem and the name length byte */

/**
 * struct rd - a bounded reader over one payload
 * @p:		next byte
 * @left:	bytes left
 * @bad:	set by the first read past the end; later reads return zeros
 */
struct rd {
	const uint8_t *p;
	size_t left;
	int bad;
};

/**
 * take() - Consume @n bytes
 * @r:		reader
 * @n:		bytes
 *
 * Return: pointer to them, NULL (and @r->bad set) if fewer are left
 */
static const uint8_t *take(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->bad || n > r->left) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

/**
 * get_be() - Read an @n-byte big-endian integer (n <= 8)
 * @r:		reader
 * @n:		width in bytes
 *
 * Return: the value, 0 on a short read (@r->bad set)
 */
static uint64_t get_be(struct rd *r, size_t n)
{
	const uint8_t *p = take(r, n);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/**
 * put_be() - Write an @n-byte big-endian integer
 * @p:		output
 * @v:		value
 * @n:		width in bytes
 *
 * Return: @p + @n
 */
static uint8_t *put_be(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return p + n;
}

int vn_xo_name_ok(const char *s, size_t n, int empty_ok)
{
	if (n > VN_XO_NAME_MAX || (n == 0 && !empty_ok))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '/' || c == '-'))
			return 0;
	}
	return 1;
}

/**
 * get_name() - Read a u8-length-prefixed name into @out
 * @r:		reader
 * @out:	VN_XO_NAME_MAX + 1 bytes
 * @empty_ok:	whether a zero length is valid
 *
 * Return: 0, -EINVAL (short, too long or outside the alphabet)
 */
static int get_name(struct rd *r, char *out, int empty_ok)
{
	size_t n = (size_t)get_be(r, 1);
	const uint8_t *p = take(r, n);

	if (r->bad || !vn_xo_name_ok((const char *)p, n, empty_ok))
		return -EINVAL;
	if (n)
		memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/**
 * get_bytes() - Read a u16-length-prefixed byte string
 * @r:		reader
 * @b:		output
 * @min:	least length accepted
 * @max:	most length accepted
 *
 * Return: 0, -EINVAL
 */
static int get_bytes(struct rd *r, struct vn_xo_bytes *b, uint32_t min, uint32_t max)
{
	uint32_t n = (uint32_t)get_be(r, 2);

	if (r->bad || n < min || n > max)
		return -EINVAL;
	b->p = n ? take(r, n) : NULL;
	b->n = n;
	return r->bad ? -EINVAL : 0;
}

/**
 * get_mapref() - Read a map reference: kind:u8, then a name or a handle:u16
 * @r:		reader
 * @m:		output
 *
 * Return: 0, -EINVAL
 */
static int get_mapref(struct rd *r, struct vn_xo_mapref *m)
{
	uint8_t kind = (uint8_t)get_be(r, 1);

	if (r->bad || kind > 1)
		return -EINVAL;
	m->by_handle = kind;
	if (kind == 1) {
		m->handle = (uint16_t)get_be(r, 2);
		return r->bad ? -EINVAL : 0;
	}
	return get_name(r, m->name, 0);
}

/**
 * text_ok() - Is an error message printable ASCII?
 * @p:		bytes
 * @n:		count
 *
 * Return: 1 or 0
 */
static int text_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * The integers of an R_STATUS payload after loaded:u8 and the section name,
 * in wire order: where each lives in struct vn_xo_status and its width on the
 * wire (which is also its width in the struct).
 */
#define STATUS_INT(f)	{ offsetof(struct vn_xo_status, f), \
			  sizeof(((struct vn_xo_status *)0)->f) }
static const struct {
	size_t off;
	size_t width;
} status_ints[] = {
	STATUS_INT(insns), STATUS_INT(maps), STATUS_INT(mem), STATUS_INT(mem_limit),
	STATUS_INT(insns_limit), STATUS_INT(maps_limit), STATUS_INT(runs),
	STATUS_INT(pass), STATUS_INT(drop), STATUS_INT(tx), STATUS_INT(aborted),
	STATUS_INT(loads_refused), STATUS_INT(rejected),
};
#undef STATUS_INT

/**
 * decode_status() - Read an R_STATUS payload
 * @r:		reader
 * @s:		output
 *
 * Return: 0, -EINVAL
 */
static int decode_status(struct rd *r, struct vn_xo_status *s)
{
	s->loaded = (uint8_t)get_be(r, 1);
	if (s->loaded > 1 || get_name(r, s->section, 1))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(status_ints) / sizeof(status_ints[0]); i++) {
		uint64_t v = get_be(r, status_ints[i].width);
		uint8_t *f = (uint8_t *)s + status_ints[i].off;

		if (status_ints[i].width == 8) {
			memcpy(f, &v, 8);
		} else {
			uint32_t v32 = (uint32_t)v;

			memcpy(f, &v32, 4);
		}
	}
	return r->bad ? -EINVAL : 0;
}

/**
 * map_info_read() - Read one MAP_LIST entry
 * @r:		reader
 * @info:	output
 *
 * Return: 0, -EINVAL
 */
static int map_info_read(struct rd *r, struct vn_xo_map_info *info)
{
	info->handle = (uint16_t)get_be(r, 2);
	info->type = (uint32_t)get_be(r, 4);
	info->key_size = (uint32_t)get_be(r, 4);
	info->value_size = (uint32_t)get_be(r, 4);
	info->max_entries = (uint32_t)get_be(r, 4);
	info->entries = (uint32_t)get_be(r, 4);
	info->mem = get_be(r, 8);
	if (r->bad)
		return -EINVAL;
	return get_name(r, info->name, 0);
}

/**
 * decode_map_list() - Check an R_MAP_LIST payload: n:u16, then n entries
 * @r:		reader
 * @msg:	output (@nmaps, @list)
 *
 * Return: 0, -EINVAL
 */
static int decode_map_list(struct rd *r, struct vn_xo_msg *msg)
{
	struct vn_xo_map_info info;

	msg->nmaps = (uint32_t)get_be(r, 2);
	if (r->bad || msg->nmaps > VN_XO_MAPS_MAX)
		return -EINVAL;
	msg->list.p = r->p;
	msg->list.n = (uint32_t)r->left;
	for (uint32_t i = 0; i < msg->nmaps; i++)
		if (map_info_read(r, &info))
			return -EINVAL;
	return 0;
}

/**
 * decode_dump() - Check an R_DUMP payload
 * @r:		reader
 * @msg:	output
 *
 * Return: 0, -EINVAL (sizes out of range, or the entries not exactly
 * @count * (key_size + value_size) bytes)
 */
static int decode_dump(struct rd *r, struct vn_xo_msg *msg)
{
	uint64_t want;

	msg->key_size = (uint32_t)get_be(r, 2);
	msg->value_size = (uint32_t)get_be(r, 2);
	msg->count = (uint32_t)get_be(r, 4);
	msg->more = (uint8_t)get_be(r, 1);
	if (r->bad || msg->more > 1 || msg->key_size == 0 ||
	    msg->key_size > VN_XO_KV_MAX || msg->value_size > VN_XO_KV_MAX)
		return -EINVAL;
	want = (uint64_t)msg->count * (msg->key_size + msg->value_size);
	if (want != r->left)
		return -EINVAL;
	msg->entries.n = (uint32_t)want;
	msg->entries.p = want ? take(r, (size_t)want) : NULL;
	return 0;
}

/**
 * decode_error() - Read an R_ERROR payload: err:u32 (1..4095), text
 * @r:		reader
 * @msg:	output
 *
 * Return: 0, -EINVAL
 */
static int decode_error(struct rd *r, struct vn_xo_msg *msg)
{
	uint32_t e = (uint32_t)get_be(r, 4);
	size_t n = (size_t)get_be(r, 1);
	const uint8_t *p = take(r, n);

	if (r->bad || e == 0 || e > 4095 || !text_ok(p, n))
		return -EINVAL;
	msg->err = (int32_t)e;
	if (n)
		memcpy(msg->text, p, n);
	msg->text[n] = '\0';
	return 0;
}

long vn_xo_hdr_parse(const uint8_t *buf, size_t len, struct vn_xo_hdr *hdr)
{
	struct rd r = { .p = buf, .left = len };
	uint16_t magic;

	if (len < 2)
		return 0;
	magic = (uint16_t)get_be(&r, 2);
	if (magic != VN_XO_MAGIC)
		return -EPROTO;
	if (len < 3)
		return 0;
	hdr->version = (uint8_t)get_be(&r, 1);
	if (hdr->version != VN_XO_VERSION)
		return -EPROTONOSUPPORT;
	if (len < VN_XO_HDR_LEN)
		return 0;
	hdr->type = (uint8_t)get_be(&r, 1);
	hdr->seq = (uint32_t)get_be(&r, 4);
	hdr->len = (uint32_t)get_be(&r, 4);
	if (hdr->len > VN_XO_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (len - VN_XO_HDR_LEN < hdr->len)
		return 0;
	return (long)(VN_XO_HDR_LEN + hdr->len);
}

/*
 * The messages made only of map fields, and which fields each carries. They
 * always stand in this order: map reference, max:u32, key, value, flags:u32.
 * The key and value are u16-length-prefixed; F_KEY/F_VALUE need at least one
 * byte, F_KEY0/F_VALUE0 may be empty. A type with no entry here (0) has a
 * layout of its own in decode_body()/encode_body(); F_NONE is an empty body.
 */
enum {
	F_NONE		= 1 << 0,
	F_MAP		= 1 << 1,
	F_MAX		= 1 << 2,
	F_KEY		= 1 << 3,
	F_KEY0		= 1 << 4,
	F_VALUE		= 1 << 5,
	F_VALUE0	= 1 << 6,
	F_FLAGS		= 1 << 7,
};

static const uint8_t fields_of[256] = {
	[VN_XO_UNLOAD]		= F_NONE,
	[VN_XO_STATUS]		= F_NONE,
	[VN_XO_MAP_LIST]	= F_NONE,
	[VN_XO_R_OK]		= F_NONE,
	[VN_XO_MAP_LOOKUP]	= F_MAP | F_KEY,
	[VN_XO_MAP_DELETE]	= F_MAP | F_KEY,
	[VN_XO_MAP_UPDATE]	= F_MAP | F_KEY | F_VALUE | F_FLAGS,
	[VN_XO_MAP_NEXT_KEY]	= F_MAP | F_KEY0,
	[VN_XO_MAP_DUMP]	= F_MAP | F_MAX | F_KEY0,
	[VN_XO_R_VALUE]		= F_VALUE0,
	[VN_XO_R_KEY]		= F_KEY,
};

/**
 * decode_fields() - Read the map fields @f names, in their fixed order
 * @r:		reader
 * @msg:	output
 * @f:		fields_of[] entry
 *
 * Return: 0, -EINVAL
 */
static int decode_fields(struct rd *r, struct vn_xo_msg *msg, unsigned int f)
{
	if ((f & F_MAP) && get_mapref(r, &msg->map))
		return -EINVAL;
	if (f & F_MAX)
		msg->max = (uint32_t)get_be(r, 4);
	if ((f & (F_KEY | F_KEY0)) &&
	    get_bytes(r, &msg->key, (f & F_KEY) ? 1 : 0, VN_XO_KV_MAX))
		return -EINVAL;
	if ((f & (F_VALUE | F_VALUE0)) &&
	    get_bytes(r, &msg->value, (f & F_VALUE) ? 1 : 0, VN_XO_KV_MAX))
		return -EINVAL;
	if (f & F_FLAGS) {
		msg->flags = (uint32_t)get_be(r, 4);
		if (msg->flags > VN_XO_UPDATE_EXIST)
			return -EINVAL;
	}
	return r->bad ? -EINVAL : 0;
}

/**
 * decode_body() - Decode the type-specific fields
 * @r:		reader over the payload
 * @msg:	output (@type set)
 *
 * Return: 0, -EINVAL, -EOPNOTSUPP
 */
static int decode_body(struct rd *r, struct vn_xo_msg *msg)
{
	uint32_t n;

	switch (msg->type) {
	case VN_XO_HELLO:
	case VN_XO_R_HELLO:
		msg->version = (uint8_t)get_be(r, 1);
		msg->caps = (uint32_t)get_be(r, 4);
		if (msg->type == VN_XO_R_HELLO)
			msg->max_payload = (uint32_t)get_be(r, 4);
		return (r->bad || msg->version == 0) ? -EINVAL : 0;
	case VN_XO_LOAD:
		if (get_name(r, msg->section, 1))
			return -EINVAL;
		n = (uint32_t)get_be(r, 4);
		if (r->bad || n == 0 || n > VN_XO_OBJ_MAX)
			return -EINVAL;
		msg->obj.p = take(r, n);
		msg->obj.n = n;
		/* the flags are optional: clients older than the field end here.
		 * Present only when not 0, so every message has one encoding */
		if (!r->left)
			return r->bad ? -EINVAL : 0;
		msg->flags = (uint32_t)get_be(r, 4);
		return r->bad || !msg->flags || (msg->flags & ~VN_XO_LOAD_ALL) ? -EINVAL : 0;
	case VN_XO_R_STATUS:
		return decode_status(r, &msg->status);
	case VN_XO_R_MAP_LIST:
		return decode_map_list(r, msg);
	case VN_XO_R_DUMP:
		return decode_dump(r, msg);
	case VN_XO_R_ERROR:
		return decode_error(r, msg);
	default:
		if (!fields_of[msg->type])
			return -EOPNOTSUPP;
		return decode_fields(r, msg, fields_of[msg->type]);
	}
}

int vn_xo_msg_decode(const struct vn_xo_hdr *hdr, const uint8_t *payload,
		     struct vn_xo_msg *msg)
{
	struct rd r = { .p = payload, .left = hdr->len };
	int ret;

	memset(msg, 0, sizeof(*msg));
	msg->type = hdr->type;
	msg->seq = hdr->seq;
	if (hdr->len > VN_XO_PAYLOAD_MAX)
		return -EINVAL;
	ret = decode_body(&r, msg);
	if (ret)
		return ret;
	if (r.bad || r.left)
		return -EINVAL;	/* short, or trailing bytes */
	return 0;
}

int vn_xo_map_info_get(const struct vn_xo_msg *msg, uint32_t i, struct vn_xo_map_info *info)
{
	struct rd r = { .p = msg->list.p, .left = msg->list.n };

	if (msg->type != VN_XO_R_MAP_LIST || i >= msg->nmaps)
		return -ENOENT;
	for (uint32_t k = 0; k <= i; k++)
		if (map_info_read(&r, info))
			return -ENOENT;
	return 0;
}

long vn_xo_map_info_put(uint8_t *buf, size_t room, const struct vn_xo_map_info *info)
{
	size_t n = strnlen(info->name, VN_XO_NAME_MAX + 1);
	uint8_t *p = buf;

	if (!vn_xo_name_ok(info->name, n, 0))
		return -EINVAL;
	if (room < MAP_INFO_FIXED + n)
		return -ENOSPC;
	p = put_be(p, info->handle, 2);
	p = put_be(p, info->type, 4);
	p = put_be(p, info->key_size, 4);
	p = put_be(p, info->value_size, 4);
	p = put_be(p, info->max_entries, 4);
	p = put_be(p, info->entries, 4);
	p = put_be(p, info->mem, 8);
	p = put_be(p, n, 1);
	memcpy(p, info->name, n);
	return (long)(MAP_INFO_FIXED + n);
}

/**
 * list_ok() - Are @n bytes exactly @count well-formed MAP_LIST entries?
 * @p:		entries
 * @n:		their bytes
 * @count:	entries expected
 *
 * Return: 1 or 0
 */
static int list_ok(const uint8_t *p, size_t n, uint32_t count)
{
	struct rd r = { .p = p, .left = n };
	struct vn_xo_map_info info;

	for (uint32_t i = 0; i < count; i++)
		if (map_info_read(&r, &info))
			return 0;
	return r.left == 0;
}

/**
 * struct wr - a bounded writer
 * @p:		next byte
 * @end:	one past the last byte
 * @bad:	set by the first write that did not fit
 */
struct wr {
	uint8_t *p;
	uint8_t *end;
	int bad;
};

/**
 * w_be() - Append an @n-byte big-endian integer
 * @w:		writer
 * @v:		value
 * @n:		width
 */
static void w_be(struct wr *w, uint64_t v, size_t n)
{
	if (w->bad || (size_t)(w->end - w->p) < n) {
		w->bad = 1;
		return;
	}
	w->p = put_be(w->p, v, n);
}

/**
 * w_raw() - Append @n bytes
 * @w:		writer
 * @src:	bytes (may be NULL when @n is 0)
 * @n:		count
 */
static void w_raw(struct wr *w, const void *src, size_t n)
{
	if (w->bad || (size_t)(w->end - w->p) < n) {
		w->bad = 1;
		return;
	}
	if (n)
		memcpy(w->p, src, n);
	w->p += n;
}

/**
 * w_name() - Append a u8-length-prefixed name
 * @w:		writer
 * @s:		NUL-terminated name
 * @empty_ok:	whether "" is valid
 *
 * Return: 0, -EINVAL
 */
static int w_name(struct wr *w, const char *s, int empty_ok)
{
	size_t n = strnlen(s, VN_XO_NAME_MAX + 1);

	if (!vn_xo_name_ok(s, n, empty_ok))
		return -EINVAL;
	w_be(w, n, 1);
	w_raw(w, s, n);
	return 0;
}

/**
 * w_bytes() - Append a u16-length-prefixed byte string
 * @w:		writer
 * @b:		bytes
 * @min:	least length valid
 *
 * Return: 0, -EINVAL
 */
static int w_bytes(struct wr *w, const struct vn_xo_bytes *b, uint32_t min)
{
	if (b->n < min || b->n > VN_XO_KV_MAX || (b->n && !b->p))
		return -EINVAL;
	w_be(w, b->n, 2);
	w_raw(w, b->p, b->n);
	return 0;
}

/**
 * w_mapref() - Append a map reference
 * @w:		writer
 * @m:		the map
 *
 * Return: 0, -EINVAL
 */
static int w_mapref(struct wr *w, const struct vn_xo_mapref *m)
{
	w_be(w, m->by_handle ? 1 : 0, 1);
	if (m->by_handle) {
		w_be(w, m->handle, 2);
		return 0;
	}
	return w_name(w, m->name, 0);
}

/**
 * w_status() - Append an R_STATUS payload
 * @w:		writer
 * @s:		status
 *
 * Return: 0, -EINVAL
 */
static int w_status(struct wr *w, const struct vn_xo_status *s)
{
	w_be(w, s->loaded ? 1 : 0, 1);
	if (w_name(w, s->section, 1))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(status_ints) / sizeof(status_ints[0]); i++) {
		const uint8_t *f = (const uint8_t *)s + status_ints[i].off;
		uint64_t v;

		if (status_ints[i].width == 8) {
			memcpy(&v, f, 8);
		} else {
			uint32_t v32;

			memcpy(&v32, f, 4);
			v = v32;
		}
		w_be(w, v, status_ints[i].width);
	}
	return 0;
}

/**
 * encode_fields() - Append the map fields @f names, in their fixed order
 * @w:		writer
 * @msg:	message
 * @f:		fields_of[] entry
 *
 * Return: 0, -EINVAL
 */
static int encode_fields(struct wr *w, const struct vn_xo_msg *msg, unsigned int f)
{
	if ((f & F_FLAGS) && msg->flags > VN_XO_UPDATE_EXIST)
		return -EINVAL;
	if ((f & F_MAP) && w_mapref(w, &msg->map))
		return -EINVAL;
	if (f & F_MAX)
		w_be(w, msg->max, 4);
	if ((f & (F_KEY | F_KEY0)) && w_bytes(w, &msg->key, (f & F_KEY) ? 1 : 0))
		return -EINVAL;
	if ((f & (F_VALUE | F_VALUE0)) && w_bytes(w, &msg->value, (f & F_VALUE) ? 1 : 0))
		return -EINVAL;
	if (f & F_FLAGS)
		w_be(w, msg->flags, 4);
	return 0;
}

/**
 * encode_body() - Append the type-specific payload
 * @w:		writer
 * @msg:	message
 *
 * Return: 0, -EINVAL
 */
static int encode_body(struct wr *w, const struct vn_xo_msg *msg)
{
	size_t n;

	switch (msg->type) {
	case VN_XO_HELLO:
	case VN_XO_R_HELLO:
		if (msg->version == 0)
			return -EINVAL;
		w_be(w, msg->version, 1);
		w_be(w, msg->caps, 4);
		if (msg->type == VN_XO_R_HELLO)
			w_be(w, msg->max_payload, 4);
		return 0;
	case VN_XO_LOAD:
		if (msg->obj.n == 0 || msg->obj.n > VN_XO_OBJ_MAX || !msg->obj.p ||
		    w_name(w, msg->section, 1))
			return -EINVAL;
		if (msg->flags & ~VN_XO_LOAD_ALL)
			return -EINVAL;
		w_be(w, msg->obj.n, 4);
		w_raw(w, msg->obj.p, msg->obj.n);
		if (msg->flags)
			w_be(w, msg->flags, 4);
		return 0;
	case VN_XO_R_STATUS:
		return w_status(w, &msg->status);
	case VN_XO_R_MAP_LIST:
		/* the list is built by vn_xo_map_info_put(); check it all the same */
		if (msg->nmaps > VN_XO_MAPS_MAX || (msg->list.n && !msg->list.p) ||
		    !list_ok(msg->list.p, msg->list.n, msg->nmaps))
			return -EINVAL;
		w_be(w, msg->nmaps, 2);
		w_raw(w, msg->list.p, msg->list.n);
		return 0;
	case VN_XO_R_DUMP:
		if (msg->key_size == 0 || msg->key_size > VN_XO_KV_MAX ||
		    msg->value_size > VN_XO_KV_MAX || msg->more > 1 ||
		    (uint64_t)msg->count * (msg->key_size + msg->value_size) != msg->entries.n ||
		    (msg->entries.n && !msg->entries.p))
			return -EINVAL;
		w_be(w, msg->key_size, 2);
		w_be(w, msg->value_size, 2);
		w_be(w, msg->count, 4);
		w_be(w, msg->more, 1);
		w_raw(w, msg->entries.p, msg->entries.n);
		return 0;
	case VN_XO_R_ERROR:
		n = strnlen(msg->text, VN_XO_MSG_TEXT_MAX + 1);
		if (msg->err <= 0 || msg->err > 4095 || n > VN_XO_MSG_TEXT_MAX ||
		    !text_ok((const uint8_t *)msg->text, n))
			return -EINVAL;
		w_be(w, (uint32_t)msg->err, 4);
		w_be(w, n, 1);
		w_raw(w, msg->text, n);
		return 0;
	default:
		if (!fields_of[msg->type])
			return -EINVAL;
		return encode_fields(w, msg, fields_of[msg->type]);
	}
}

long vn_xo_msg_encode(const struct vn_xo_msg *msg, uint8_t *buf, size_t room)
{
	struct wr w = { .p = buf, .end = buf + room };
	size_t len;

	if (room < VN_XO_HDR_LEN)
		return -ENOSPC;
	w.p += VN_XO_HDR_LEN;
	if (encode_body(&w, msg))
		return -EINVAL;
	if (w.bad)
		return -ENOSPC;
	len = (size_t)(w.p - buf) - VN_XO_HDR_LEN;
	if (len > VN_XO_PAYLOAD_MAX)
		return -EINVAL;
	put_be(buf, VN_XO_MAGIC, 2);
	buf[2] = VN_XO_VERSION;
	buf[3] = msg->type;
	put_be(buf + 4, msg->seq, 4);
	put_be(buf + 8, len, 4);
	return (long)(VN_XO_HDR_LEN + len);
}

const char *vn_xo_type_name(uint8_t type)
{
	switch (type) {
	case VN_XO_HELLO: return "HELLO";
	case VN_XO_LOAD: return "LOAD";
	case VN_XO_UNLOAD: return "UNLOAD";
	case VN_XO_STATUS: return "STATUS";
	case VN_XO_MAP_LIST: return "MAP_LIST";
	case VN_XO_MAP_LOOKUP: return "MAP_LOOKUP";
	case VN_XO_MAP_UPDATE: return "MAP_UPDATE";
	case VN_XO_MAP_DELETE: return "MAP_DELETE";
	case VN_XO_MAP_NEXT_KEY: return "MAP_NEXT_KEY";
	case VN_XO_MAP_DUMP: return "MAP_DUMP";
	case VN_XO_R_OK: return "OK";
	case VN_XO_R_HELLO: return "R_HELLO";
	case VN_XO_R_STATUS: return "R_STATUS";
	case VN_XO_R_MAP_LIST: return "R_MAP_LIST";
	case VN_XO_R_VALUE: return "R_VALUE";
	case VN_XO_R_KEY: return "R_KEY";
	case VN_XO_R_DUMP: return "R_DUMP";
	case VN_XO_R_ERROR: return "ERROR";
	default: return "?";
	}
}
