// SPDX-License-Identifier: MIT
/* fuzz_xo_export.c - libFuzzer target: the guest XDP program export file (vnetctl xdp import)
 *
 * Any bytes: the parser either refuses them with a message or returns a
 * view lying inside them; written back by the writer, a parsed file is the
 * same bytes again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctl/xo_export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vn_xo_exp e;
static struct vn_xo_exp_out o;

static int inside(const uint8_t *p, uint64_t n, const uint8_t *data, size_t size)
{
	return (!n && !p) || (p >= data && n <= (uint64_t)(data + size - p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t back[1 << 21];
	char err[128];
	int fd;
	ssize_t n;

	err[0] = '\0';
	if (vn_xo_exp_parse(data, size, &e, err, sizeof(err))) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	if (!inside(e.obj, e.obj_len, data, size) || e.nmaps > VN_XO_EXP_MAPS_MAX ||
	    !memchr(e.section, '\0', sizeof(e.section)))
		abort();
	for (unsigned int i = 0; i < e.nmaps; i++) {
		const struct vn_xo_exp_map *m = &e.maps[i];

		if (!m->name[0] || !m->key_size || !m->ncpus ||
		    !inside(m->entries, (uint64_t)m->count * (m->key_size + m->vlen), data, size))
			abort();
	}
	/* written back: the same bytes */
	if (size > sizeof(back))
		return 0;
	fd = memfd_create("xo-export", 0);
	if (fd < 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.fd = fd;
	vn_xo_exp_begin(&o, e.section, e.flags, e.obj, e.obj_len, e.nmaps);
	for (unsigned int i = 0; i < e.nmaps; i++) {
		const struct vn_xo_exp_map *m = &e.maps[i];

		vn_xo_exp_map_begin(&o, m);
		vn_xo_exp_bytes(&o, m->entries, (size_t)m->count * (m->key_size + m->vlen));
	}
	if (vn_xo_exp_end(&o) == 0) {
		n = pread(fd, back, sizeof(back), 0);
		if (n != (ssize_t)size || memcmp(back, data, size))
			abort();
	}
	close(fd);
	return 0;
}
