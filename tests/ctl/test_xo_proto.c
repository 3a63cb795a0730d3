// SPDX-License-Identifier: MIT
/* test_xo_proto.c - the guest XDP offload protocol: round trips and hostile input */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/xo_proto.h"

static uint8_t buf[VN_XO_HDR_LEN + VN_XO_PAYLOAD_MAX];

/* encode @m, parse the header, decode it back into @out; return the length */
static long round_trip(const struct vn_xo_msg *m, struct vn_xo_msg *out)
{
	struct vn_xo_hdr hdr;
	long n = vn_xo_msg_encode(m, buf, sizeof(buf));

	assert_true(n >= VN_XO_HDR_LEN);
	/* every prefix of a message is "need more", never an error */
	for (long k = 0; k < n; k += (n > 4096 ? 997 : 1))
		assert_int_equal(vn_xo_hdr_parse(buf, (size_t)k, &hdr), 0);
	assert_int_equal(vn_xo_hdr_parse(buf, (size_t)n, &hdr), n);
	assert_int_equal(hdr.type, m->type);
	assert_int_equal(hdr.seq, m->seq);
	assert_int_equal(vn_xo_msg_decode(&hdr, buf + VN_XO_HDR_LEN, out), 0);
	/* a cut payload never decodes */
	if (hdr.len) {
		struct vn_xo_hdr cut = hdr;

		cut.len--;
		assert_int_not_equal(vn_xo_msg_decode(&cut, buf + VN_XO_HDR_LEN, out), 0);
		assert_int_equal(vn_xo_msg_decode(&hdr, buf + VN_XO_HDR_LEN, out), 0);
	}
	return n;
}

static void test_hello(void **state)
{
	struct vn_xo_msg m = { .type = VN_XO_HELLO, .seq = 7, .version = 1,
			       .caps = VN_XO_CAP_ALL }, o;

	(void)state;
	assert_int_equal(round_trip(&m, &o), VN_XO_HDR_LEN + 5);
	assert_int_equal(o.version, 1);
	assert_int_equal(o.caps, VN_XO_CAP_ALL);
	m.type = VN_XO_R_HELLO;
	m.max_payload = VN_XO_PAYLOAD_MAX;
	round_trip(&m, &o);
	assert_int_equal(o.max_payload, VN_XO_PAYLOAD_MAX);
	m.version = 0;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
}

static void test_load(void **state)
{
	static uint8_t obj[VN_XO_OBJ_MAX];
	struct vn_xo_msg m = { .type = VN_XO_LOAD, .seq = 1 }, o;

	(void)state;
	for (size_t i = 0; i < sizeof(obj); i++)
		obj[i] = (uint8_t)(i * 7);
	strcpy(m.section, "xdp");
	m.obj.p = obj;
	m.obj.n = 100;
	/* without flags the payload ends after the object (older clients) */
	assert_int_equal(round_trip(&m, &o), VN_XO_HDR_LEN + 1 + 3 + 4 + 100);
	assert_string_equal(o.section, "xdp");
	assert_int_equal(o.obj.n, 100);
	assert_memory_equal(o.obj.p, obj, 100);
	assert_int_equal(o.flags, 0);
	/* with them, one more word */
	m.flags = VN_XO_LOAD_SEGMENT_FIRST;
	assert_int_equal(round_trip(&m, &o), VN_XO_HDR_LEN + 1 + 3 + 4 + 100 + 4);
	assert_int_equal(o.flags, VN_XO_LOAD_SEGMENT_FIRST);
	assert_int_equal(o.obj.n, 100);
	m.flags = 1u << 7;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.flags = 0;
	/* the largest object fits; one byte more is refused */
	m.obj.n = VN_XO_OBJ_MAX;
	m.section[0] = '\0';
	round_trip(&m, &o);
	assert_string_equal(o.section, "");
	assert_int_equal(o.obj.n, VN_XO_OBJ_MAX);
	m.obj.n = VN_XO_OBJ_MAX + 1;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.obj.n = 0;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	/* names outside the alphabet, too long */
	m.obj.n = 10;
	strcpy(m.section, "x dp");
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	memset(m.section, 'a', VN_XO_NAME_MAX);
	m.section[VN_XO_NAME_MAX] = '\0';
	round_trip(&m, &o);
	assert_int_equal(strlen(o.section), VN_XO_NAME_MAX);
	/* no room */
	assert_int_equal(vn_xo_msg_encode(&m, buf, VN_XO_HDR_LEN + 10), -ENOSPC);
	assert_int_equal(vn_xo_msg_encode(&m, buf, 3), -ENOSPC);
}

static void test_empty_types(void **state)
{
	const uint8_t types[] = { VN_XO_UNLOAD, VN_XO_STATUS, VN_XO_MAP_LIST, VN_XO_R_OK };
	struct vn_xo_msg m = { 0 }, o;

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		m.type = types[i];
		m.seq = (uint32_t)i;
		assert_int_equal(round_trip(&m, &o), VN_XO_HDR_LEN);
	}
}

static void test_map_requests(void **state)
{
	uint8_t key[4] = { 1, 2, 3, 4 }, val[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	struct vn_xo_msg m = { .type = VN_XO_MAP_UPDATE, .seq = 3 }, o;

	(void)state;
	strcpy(m.map.name, "drops");
	m.key = (struct vn_xo_bytes){ key, 4 };
	m.value = (struct vn_xo_bytes){ val, 8 };
	m.flags = VN_XO_UPDATE_NOEXIST;
	round_trip(&m, &o);
	assert_int_equal(o.map.by_handle, 0);
	assert_string_equal(o.map.name, "drops");
	assert_memory_equal(o.key.p, key, 4);
	assert_memory_equal(o.value.p, val, 8);
	assert_int_equal(o.flags, VN_XO_UPDATE_NOEXIST);
	m.flags = 3;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.flags = 0;
	/* by handle */
	m.type = VN_XO_MAP_LOOKUP;
	m.map.by_handle = 1;
	m.map.handle = 65535;
	round_trip(&m, &o);
	assert_int_equal(o.map.by_handle, 1);
	assert_int_equal(o.map.handle, 65535);
	assert_int_equal(o.key.n, 4);
	m.type = VN_XO_MAP_DELETE;
	round_trip(&m, &o);
	/* an empty key is refused for lookup, allowed as the start of next-key/dump */
	m.key.n = 0;
	m.key.p = NULL;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.type = VN_XO_MAP_NEXT_KEY;
	round_trip(&m, &o);
	assert_int_equal(o.key.n, 0);
	m.type = VN_XO_MAP_DUMP;
	m.max = 50;
	round_trip(&m, &o);
	assert_int_equal(o.max, 50);
	/* a key above VN_XO_KV_MAX */
	static uint8_t big[VN_XO_KV_MAX + 1];
	m.key = (struct vn_xo_bytes){ big, VN_XO_KV_MAX + 1 };
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.key.n = VN_XO_KV_MAX;
	round_trip(&m, &o);
	/* an empty map name */
	m.map.by_handle = 0;
	m.map.name[0] = '\0';
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
}

static void test_replies(void **state)
{
	struct vn_xo_msg m = { .type = VN_XO_R_STATUS, .seq = 9 }, o;
	struct vn_xo_map_info a = { .handle = 0, .type = 2, .key_size = 4, .value_size = 8,
				    .max_entries = 4, .entries = 1, .mem = 4096,
				    .name = "counts" }, b = a, g;
	uint8_t list[256], ent[3 * 12];
	long n1, n2;

	(void)state;
	m.status.loaded = 1;
	strcpy(m.status.section, "xdp");
	m.status.mem = 4096;
	m.status.mem_limit = 16u << 20;
	m.status.drop = 1ull << 40;
	m.status.rejected = 5;
	round_trip(&m, &o);
	assert_int_equal(o.status.loaded, 1);
	assert_string_equal(o.status.section, "xdp");
	assert_int_equal(o.status.mem_limit, 16u << 20);
	assert_int_equal(o.status.drop, 1ull << 40);
	assert_int_equal(o.status.rejected, 5);

	memset(&m, 0, sizeof(m));
	m.type = VN_XO_R_MAP_LIST;
	b.handle = 1;
	strcpy(b.name, "cfg");
	n1 = vn_xo_map_info_put(list, sizeof(list), &a);
	n2 = vn_xo_map_info_put(list + n1, sizeof(list) - (size_t)n1, &b);
	assert_true(n1 > 0 && n2 > 0);
	assert_int_equal(vn_xo_map_info_put(list, 10, &a), -ENOSPC);
	m.nmaps = 2;
	m.list = (struct vn_xo_bytes){ list, (uint32_t)(n1 + n2) };
	round_trip(&m, &o);
	assert_int_equal(o.nmaps, 2);
	assert_int_equal(vn_xo_map_info_get(&o, 1, &g), 0);
	assert_string_equal(g.name, "cfg");
	assert_int_equal(g.handle, 1);
	assert_int_equal(vn_xo_map_info_get(&o, 0, &g), 0);
	assert_int_equal(g.mem, 4096);
	assert_int_equal(vn_xo_map_info_get(&o, 2, &g), -ENOENT);
	/* a count that does not match the list */
	m.nmaps = 3;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = VN_XO_R_DUMP;
	m.key_size = 4;
	m.value_size = 8;
	m.count = 3;
	m.more = 1;
	m.entries = (struct vn_xo_bytes){ ent, sizeof(ent) };
	round_trip(&m, &o);
	assert_int_equal(o.count, 3);
	assert_int_equal(o.more, 1);
	m.count = 2;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = VN_XO_R_ERROR;
	m.err = EDQUOT;
	strcpy(m.text, "xdp-offload-maps: 17 maps > limit 16");
	round_trip(&m, &o);
	assert_int_equal(o.err, EDQUOT);
	assert_string_equal(o.text, m.text);
	m.text[3] = '\n';
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.text[3] = 'x';
	m.err = 0;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.err = -5;
	assert_int_equal(vn_xo_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
}

/* write a raw header */
static void hdr_raw(uint8_t *p, uint16_t magic, uint8_t ver, uint8_t type, uint32_t len)
{
	p[0] = (uint8_t)(magic >> 8);
	p[1] = (uint8_t)magic;
	p[2] = ver;
	p[3] = type;
	memset(p + 4, 0, 4);
	p[8] = (uint8_t)(len >> 24);
	p[9] = (uint8_t)(len >> 16);
	p[10] = (uint8_t)(len >> 8);
	p[11] = (uint8_t)len;
}

static void test_hostile_header(void **state)
{
	struct vn_xo_hdr hdr;

	(void)state;
	hdr_raw(buf, 0x1234, 1, VN_XO_HELLO, 0);
	assert_int_equal(vn_xo_hdr_parse(buf, 12, &hdr), -EPROTO);
	assert_int_equal(vn_xo_hdr_parse(buf, 2, &hdr), -EPROTO);	/* decided early */
	assert_int_equal(vn_xo_hdr_parse(buf, 1, &hdr), 0);
	hdr_raw(buf, VN_XO_MAGIC, 2, VN_XO_HELLO, 0);
	assert_int_equal(vn_xo_hdr_parse(buf, 3, &hdr), -EPROTONOSUPPORT);
	hdr_raw(buf, VN_XO_MAGIC, 1, VN_XO_HELLO, VN_XO_PAYLOAD_MAX + 1);
	assert_int_equal(vn_xo_hdr_parse(buf, 12, &hdr), -EMSGSIZE);
	hdr_raw(buf, VN_XO_MAGIC, 1, VN_XO_HELLO, 0xffffffffu);
	assert_int_equal(vn_xo_hdr_parse(buf, 12, &hdr), -EMSGSIZE);
	hdr_raw(buf, VN_XO_MAGIC, 1, VN_XO_HELLO, VN_XO_PAYLOAD_MAX);
	assert_int_equal(vn_xo_hdr_parse(buf, 12, &hdr), 0);	/* waits for it */
	/* an unknown type decodes to -EOPNOTSUPP, the stream stays in step */
	hdr_raw(buf, VN_XO_MAGIC, 1, 0x42, 3);
	assert_int_equal(vn_xo_hdr_parse(buf, 15, &hdr), 15);
	struct vn_xo_msg o;
	assert_int_equal(vn_xo_msg_decode(&hdr, buf + 12, &o), -EOPNOTSUPP);
}

/* decode a raw payload of @type */
static int dec(uint8_t type, const uint8_t *p, uint32_t len)
{
	struct vn_xo_hdr hdr = { .version = 1, .type = type, .len = len };
	struct vn_xo_msg o;

	return vn_xo_msg_decode(&hdr, p, &o);
}

static void test_hostile_payloads(void **state)
{
	/* LOAD: section length past the end; object length lying */
	const uint8_t load_long_name[] = { 200, 'x', 'd', 'p' };
	const uint8_t load_lie[] = { 3, 'x', 'd', 'p', 0, 0, 0, 9, 1, 2 };
	const uint8_t load_huge[] = { 0, 0xff, 0xff, 0xff, 0xff, 1 };
	const uint8_t load_zero[] = { 0, 0, 0, 0, 0 };
	const uint8_t load_trail[] = { 0, 0, 0, 0, 1, 0x7f, 0 };
	const uint8_t load_nul[] = { 3, 'x', 0, 'p', 0, 0, 0, 1, 1 };
	/* LOAD's flags: known, unknown, cut, followed by a byte */
	const uint8_t load_sf[] = { 0, 0, 0, 0, 1, 0x7f, 0, 0, 0, 1 };
	const uint8_t load_unknown[] = { 0, 0, 0, 0, 1, 0x7f, 0x80, 0, 0, 1 };
	const uint8_t load_cut[] = { 0, 0, 0, 0, 1, 0x7f, 0, 0, 1 };
	const uint8_t load_more[] = { 0, 0, 0, 0, 1, 0x7f, 0, 0, 0, 1, 0 };
	const uint8_t load_zero_flags[] = { 0, 0, 0, 0, 1, 0x7f, 0, 0, 0, 0 };
	/* mapref: bad kind, empty name, cut handle */
	const uint8_t ref_kind[] = { 2, 0, 1, 0, 1, 7 };
	const uint8_t ref_empty[] = { 0, 0, 0, 1, 7 };
	const uint8_t ref_cut[] = { 1, 0 };
	const uint8_t key_lie[] = { 1, 0, 0, 0xff, 0xff, 1 };
	const uint8_t key_big[] = { 1, 0, 0, 0x10, 0x01 };
	const uint8_t upd_flags[] = { 1, 0, 0, 0, 1, 7, 0, 1, 7, 0, 0, 0, 4 };
	const uint8_t hello_short[] = { 1, 0, 0 };
	const uint8_t hello_v0[] = { 0, 0, 0, 0, 0 };
	const uint8_t unload_trail[] = { 0 };
	/* R_MAP_LIST: a count above the bound, a count past the bytes */
	const uint8_t list_many[] = { 0x01, 0x00 };
	const uint8_t list_cut[] = { 0, 1, 0, 0 };
	/* R_DUMP: count * size overflowing, zero key size */
	const uint8_t dump_ovf[] = { 0x10, 0x00, 0x10, 0x00, 0xff, 0xff, 0xff, 0xff, 0 };
	const uint8_t dump_k0[] = { 0, 0, 0, 4, 0, 0, 0, 0, 0 };
	const uint8_t dump_more[] = { 0, 1, 0, 0, 0, 0, 0, 0, 2 };
	/* R_ERROR: errno 0, control bytes in the text, length past the end */
	const uint8_t err_zero[] = { 0, 0, 0, 0, 0 };
	const uint8_t err_ctrl[] = { 0, 0, 0, 22, 2, 'a', 0x1b };
	const uint8_t err_long[] = { 0, 0, 0, 22, 9, 'a' };
	const uint8_t err_big[] = { 0x80, 0, 0, 22, 0 };

	(void)state;
	assert_int_equal(dec(VN_XO_LOAD, load_long_name, sizeof(load_long_name)), -EINVAL);
	assert_int_equal(dec(VN_XO_LOAD, load_lie, sizeof(load_lie)), -EINVAL);
	assert_int_equal(dec(VN_XO_LOAD, load_huge, sizeof(load_huge)), -EINVAL);
	assert_int_equal(dec(VN_XO_LOAD, load_zero, sizeof(load_zero)), -EINVAL);
	assert_int_equal(dec(VN_XO_LOAD, load_trail, sizeof(load_trail)), -EINVAL);
	assert_int_equal(dec(VN_XO_LOAD, load_trail, sizeof(load_trail) - 1), 0);
	assert_int_equal(dec(VN_XO_LOAD, load_nul, sizeof(load_nul)), -EINVAL);
	assert_int_equal(dec(VN_XO_LOAD, load_sf, sizeof(load_sf)), 0);
	assert_int_equal(dec(VN_XO_LOAD, load_unknown, sizeof(load_unknown)), -EINVAL);
	assert_int_equal(dec(VN_XO_LOAD, load_cut, sizeof(load_cut)), -EINVAL);
	assert_int_equal(dec(VN_XO_LOAD, load_more, sizeof(load_more)), -EINVAL);
	/* 0 is written by leaving the field out: one encoding per message */
	assert_int_equal(dec(VN_XO_LOAD, load_zero_flags, sizeof(load_zero_flags)), -EINVAL);
	assert_int_equal(dec(VN_XO_MAP_LOOKUP, ref_kind, sizeof(ref_kind)), -EINVAL);
	assert_int_equal(dec(VN_XO_MAP_LOOKUP, ref_empty, sizeof(ref_empty)), -EINVAL);
	assert_int_equal(dec(VN_XO_MAP_LOOKUP, ref_cut, sizeof(ref_cut)), -EINVAL);
	assert_int_equal(dec(VN_XO_MAP_LOOKUP, key_lie, sizeof(key_lie)), -EINVAL);
	assert_int_equal(dec(VN_XO_MAP_LOOKUP, key_big, sizeof(key_big)), -EINVAL);
	assert_int_equal(dec(VN_XO_MAP_UPDATE, upd_flags, sizeof(upd_flags)), -EINVAL);
	assert_int_equal(dec(VN_XO_HELLO, hello_short, sizeof(hello_short)), -EINVAL);
	assert_int_equal(dec(VN_XO_HELLO, hello_v0, sizeof(hello_v0)), -EINVAL);
	assert_int_equal(dec(VN_XO_UNLOAD, unload_trail, sizeof(unload_trail)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_MAP_LIST, list_many, sizeof(list_many)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_MAP_LIST, list_cut, sizeof(list_cut)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_DUMP, dump_ovf, sizeof(dump_ovf)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_DUMP, dump_k0, sizeof(dump_k0)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_DUMP, dump_more, sizeof(dump_more)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_ERROR, err_zero, sizeof(err_zero)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_ERROR, err_ctrl, sizeof(err_ctrl)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_ERROR, err_long, sizeof(err_long)), -EINVAL);
	assert_int_equal(dec(VN_XO_R_ERROR, err_big, sizeof(err_big)), -EINVAL);
	/* a header claiming more payload than the decoder allows */
	struct vn_xo_hdr hdr = { .version = 1, .type = VN_XO_LOAD, .len = VN_XO_PAYLOAD_MAX + 1 };
	struct vn_xo_msg o;
	assert_int_equal(vn_xo_msg_decode(&hdr, buf, &o), -EINVAL);
}

/* two messages back to back in one buffer: each found in turn */
static void test_stream(void **state)
{
	struct vn_xo_msg a = { .type = VN_XO_STATUS, .seq = 1 };
	struct vn_xo_msg b = { .type = VN_XO_HELLO, .seq = 2, .version = 1 };
	struct vn_xo_hdr hdr;
	long n1, n2;

	(void)state;
	n1 = vn_xo_msg_encode(&a, buf, sizeof(buf));
	n2 = vn_xo_msg_encode(&b, buf + n1, sizeof(buf) - (size_t)n1);
	assert_int_equal(vn_xo_hdr_parse(buf, (size_t)(n1 + n2), &hdr), n1);
	assert_int_equal(hdr.seq, 1);
	assert_int_equal(vn_xo_hdr_parse(buf + n1, (size_t)n2, &hdr), n2);
	assert_int_equal(hdr.seq, 2);
	assert_string_equal(vn_xo_type_name(VN_XO_LOAD), "LOAD");
	assert_string_equal(vn_xo_type_name(0x42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_empty_types),
		cmocka_unit_test(test_map_requests),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_hostile_header),
		cmocka_unit_test(test_hostile_payloads),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
