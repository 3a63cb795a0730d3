// SPDX-License-Identifier: MIT
/* test_xo_export.c - the guest XDP program export file: writer, parser, hostile files */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl/xo_export.h"

static uint8_t file[4096];
static size_t file_len;

/* A file with a hash map (2 entries) and a per-CPU array (2 CPUs, 1 entry) */
static void build(void)
{
	static struct vn_xo_exp_out o;
	struct vn_xo_exp_map h = { .name = "flows", .type = 1, .key_size = 4, .value_size = 8,
				   .ncpus = 1, .count = 2 };
	struct vn_xo_exp_map pc = { .name = "icmp_drops", .type = 6, .key_size = 4,
				    .value_size = 8, .ncpus = 2, .count = 0 };
	static const uint8_t obj[64] = { 0x7f, 'E', 'L', 'F' };
	uint8_t kv[12] = { 0 };
	uint64_t at;
	int fd = memfd_create("t", 0);
	ssize_t n;

	assert_true(fd >= 0);
	memset(&o, 0, sizeof(o));
	o.fd = fd;
	vn_xo_exp_begin(&o, "xdp", 0, obj, sizeof(obj), 2);
	vn_xo_exp_map_begin(&o, &h);
	for (int i = 0; i < 2; i++) {
		kv[0] = (uint8_t)i;
		kv[4] = (uint8_t)(10 + i);
		vn_xo_exp_bytes(&o, kv, 12);
	}
	at = vn_xo_exp_map_begin(&o, &pc);		/* count patched afterwards */
	{
		uint8_t e[4 + 16] = { 0 };

		e[4] = 3;
		e[12] = 4;
		vn_xo_exp_bytes(&o, e, sizeof(e));
	}
	vn_xo_exp_patch_count(&o, at, 1);
	assert_int_equal(vn_xo_exp_end(&o), 0);
	n = pread(fd, file, sizeof(file), 0);
	assert_true(n > 0);
	file_len = (size_t)n;
	close(fd);
}

static void test_xo_export_round_trip(void **state)
{
	struct vn_xo_exp *e = malloc(sizeof(*e));
	char err[128] = "";

	(void)state;
	build();
	assert_int_equal(vn_xo_exp_parse(file, file_len, e, err, sizeof(err)), 0);
	assert_string_equal(e->section, "xdp");
	assert_int_equal(e->obj_len, 64);
	assert_int_equal(e->nmaps, 2);
	assert_string_equal(e->maps[0].name, "flows");
	assert_int_equal(e->maps[0].count, 2);
	assert_int_equal(e->maps[0].vlen, 8);
	assert_int_equal(e->maps[0].entries[12 + 4], 11);
	assert_string_equal(e->maps[1].name, "icmp_drops");
	assert_int_equal(e->maps[1].count, 1);
	assert_int_equal(e->maps[1].ncpus, 2);
	assert_int_equal(e->maps[1].vlen, 16);
	assert_int_equal(e->maps[1].entries[4 + 8], 4);
	free(e);
}

static void refused(const uint8_t *b, size_t n, int want, const char *text)
{
	struct vn_xo_exp *e = malloc(sizeof(*e));
	char err[128] = "";
	int rc = vn_xo_exp_parse(b, n, e, err, sizeof(err));

	free(e);
	if (rc != want || (text && !strstr(err, text)))
		fail_msg("expected %d '%s', got %d '%s'", want, text ? text : "", rc, err);
}

/* Every cut, every field out of bounds, trailing bytes, duplicates */
static void test_xo_export_hostile(void **state)
{
	uint8_t b[sizeof(file) + 16];
	size_t name_off = 8 + 8;		/* the section name */
	size_t map0 = name_off + 1 + 3 + 4 + 64 + 4;	/* first map's name */

	(void)state;
	build();
	for (size_t n = 0; n < file_len; n++)
		refused(file, n, -EINVAL, NULL);
	memcpy(b, file, file_len);
	b[file_len] = 0;
	refused(b, file_len + 1, -EINVAL, "after the end marker");
	memcpy(b, file, file_len);
	b[0] = 'X';
	refused(b, file_len, -EINVAL, "bad magic");
	memcpy(b, file, file_len);
	b[11] = 2;
	refused(b, file_len, -EPROTONOSUPPORT, "version 2");
	memcpy(b, file, file_len);
	b[15] = 2;
	refused(b, file_len, -EINVAL, "unknown flags");
	memcpy(b, file, file_len);
	b[12] = 0x80;
	refused(b, file_len, -EINVAL, "unknown flags");
	/* segment-first is a known flag: parsed and kept */
	memcpy(b, file, file_len);
	b[15] = VN_XO_EXP_F_SEGMENT_FIRST;
	{
		struct vn_xo_exp *e = calloc(1, sizeof(*e));
		char why[128];

		assert_non_null(e);
		assert_int_equal(vn_xo_exp_parse(b, file_len, e, why, sizeof(why)), 0);
		assert_int_equal(e->flags, VN_XO_EXP_F_SEGMENT_FIRST);
		free(e);
	}
	memcpy(b, file, file_len);
	b[name_off + 1] = ' ';
	refused(b, file_len, -EINVAL, "section");
	memcpy(b, file, file_len);
	b[name_off] = 64;
	refused(b, file_len, -EINVAL, NULL);
	/* object length 0, and past the file */
	memcpy(b, file, file_len);
	memset(b + name_off + 4, 0, 4);
	refused(b, file_len, -EINVAL, "object length 0");
	memcpy(b, file, file_len);
	b[name_off + 4] = 0x7f;
	refused(b, file_len, -EINVAL, "object length");
	/* too many maps */
	memcpy(b, file, file_len);
	b[map0 - 1] = 65;
	refused(b, file_len, -EINVAL, "65 maps");
	/* map fields: name, key_size 0, value_size huge, ncpus on a plain map, count */
	{
		size_t f = map0 + 1 + 5;	/* type */

		memcpy(b, file, file_len);
		b[map0] = 0;
		refused(b, file_len, -EINVAL, "bad or missing name");
		memcpy(b, file, file_len);
		memset(b + f + 4, 0, 4);
		refused(b, file_len, -EINVAL, "key_size 0");
		memcpy(b, file, file_len);
		b[f + 8] = 0xff;
		refused(b, file_len, -EINVAL, "value_size");
		memcpy(b, file, file_len);
		b[f + 15] = 2;
		refused(b, file_len, -EINVAL, "ncpus 2");
		memcpy(b, file, file_len);
		b[f + 16] = 0xff;
		refused(b, file_len, -EINVAL, "entries");
		memcpy(b, file, file_len);
		b[f + 19] = 200;	/* more entries than bytes */
		refused(b, file_len, -EINVAL, "need");
	}
	/* two maps of one name */
	{
		static struct vn_xo_exp_out o;
		struct vn_xo_exp_map m = { .name = "a", .type = 2, .key_size = 4, .value_size = 4,
					   .ncpus = 1 };
		int fd = memfd_create("t", 0);
		ssize_t n;

		memset(&o, 0, sizeof(o));
		o.fd = fd;
		vn_xo_exp_begin(&o, "", 0, file, 8, 2);
		vn_xo_exp_map_begin(&o, &m);
		vn_xo_exp_map_begin(&o, &m);
		assert_int_equal(vn_xo_exp_end(&o), 0);
		n = pread(fd, b, sizeof(b), 0);
		close(fd);
		refused(b, (size_t)n, -EINVAL, "map 'a' twice");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xo_export_round_trip),
		cmocka_unit_test(test_xo_export_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
