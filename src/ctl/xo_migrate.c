// SPDX-License-Identifier: MIT
/* xo_migrate.c - export a port's guest XDP program with its maps, import it on another vnetd
 *
 * Export walks each map of the running program and writes what it finds
 * (the program keeps running: a hash map's entries are those the walk saw,
 * each key with the value it had when read; at most max_entries per map).
 * Import parses the whole file first (xo_export.c), loads the object under
 * the port's quotas exactly as a guest's LOAD, fills every map of the file
 * into the new program before any worker runs it, and only then replaces
 * the port's guest program: a refused import leaves the running one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/map.h"
#include "bpf/obj.h"
#include "bpf/xdp.h"
#include "port/port.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"
#include "xo_export.h"
#include "xo_migrate.h"

static size_t value_len(const struct vn_map *m)
{
	return vn_xo_exp_is_percpu(m->type) ? (size_t)m->ncpus * m->vstride : m->value_size;
}

static int export_map(struct vn_xo_exp_out *o, const struct vn_bpf_obj_map *om, char *err,
		      size_t err_sz)
{
	const struct vn_map *m = om->map;
	struct vn_xo_exp_map h = {
		.type = m->type, .key_size = m->key_size, .value_size = m->value_size,
		.ncpus = vn_xo_exp_is_percpu(m->type) ? m->ncpus : 1,
	};
	size_t vl = value_len(m);
	uint8_t *key = malloc(m->key_size), *next = malloc(m->key_size), *val = malloc(vl);
	uint32_t count = 0;
	uint64_t at;
	int rc = 0;

	snprintf(h.name, sizeof(h.name), "%s", om->name);
	if (!key || !next || !val) {
		rc = -ENOMEM;
		goto out;
	}
	at = vn_xo_exp_map_begin(o, &h);
	for (bool first = true; count < m->max_entries; first = false) {
		rc = vn_map_get_next_key(om->map, first ? NULL : key, next);
		if (rc == -ENOENT) {
			rc = 0;
			break;
		}
		if (rc)
			break;
		memcpy(key, next, m->key_size);
		if (vn_map_lookup(om->map, key, val))
			continue;	/* deleted under the walk */
		vn_xo_exp_bytes(o, key, m->key_size);
		vn_xo_exp_bytes(o, val, vl);
		count++;
	}
	if (rc)
		snprintf(err, err_sz, "map '%s': walk failed: %s", om->name, strerror(-rc));
	else
		vn_xo_exp_patch_count(o, at, count);
out:
	free(key);
	free(next);
	free(val);
	return rc;
}

int vn_xo_export_guest(struct vn_sw *sw, const char *port, int fd, char *err, size_t err_sz)
{
	struct vn_xo_exp_out *o;
	const struct vn_bpf_obj *obj;
	struct vn_sw_xdp *x;
	const char *section;
	const uint8_t *bytes;
	unsigned int flags;
	struct stat st;
	size_t len;
	int rc;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, err_sz, "the export file must be a regular file");
		return -EINVAL;
	}
	if (vn_sw_xdp_guest_get(sw, port, &x)) {
		snprintf(err, err_sz, "port \"%s\" has no guest XDP program", port);
		return -ENOENT;
	}
	obj = vn_sw_xdp_ref_prog(x)->obj;
	bytes = vn_sw_xdp_ref_object(x, &len, &section, &flags);
	o = calloc(1, sizeof(*o));
	if (!o) {
		vn_sw_xdp_put(x);
		return -ENOMEM;
	}
	o->fd = fd;
	rc = ftruncate(fd, 0) ? -errno : 0;
	if (!rc && lseek(fd, 0, SEEK_SET))
		rc = -errno;
	for (unsigned int i = 0; !rc && i < obj->nmaps; i++) {
		size_t n = strlen(obj->maps[i].name);

		/* names go in the file as the protocol carries them */
		if (!n || n > VN_XO_EXP_NAME_MAX ||
		    strspn(obj->maps[i].name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789_./-") != n) {
			snprintf(err, err_sz, "map %u: its name cannot be exported", i);
			rc = -EINVAL;
		}
	}
	if (!rc) {
		vn_xo_exp_begin(o, section,
				flags & VN_SW_XDP_SEGMENT_FIRST ? VN_XO_EXP_F_SEGMENT_FIRST : 0,
				bytes, (uint32_t)len, obj->nmaps);
		for (unsigned int i = 0; !rc && i < obj->nmaps; i++)
			rc = export_map(o, &obj->maps[i], err, err_sz);
		if (!rc)
			rc = vn_xo_exp_end(o);
		if (rc && !err[0])
			snprintf(err, err_sz, "writing the export file: %s", strerror(-rc));
	} else if (!err[0]) {
		snprintf(err, err_sz, "export file: %s", strerror(-rc));
	}
	free(o);
	vn_sw_xdp_put(x);
	return rc;
}

/* Fill the new program's maps from the file (vn_sw_xdp_fill_fn) */
static int import_fill(void *arg, struct vn_xdp_prog *xp, char *err, size_t err_sz)
{
	const struct vn_xo_exp *e = arg;
	int rc = 0;

	for (unsigned int i = 0; !rc && i < e->nmaps; i++) {
		const struct vn_xo_exp_map *fm = &e->maps[i];
		struct vn_map *m = vn_bpf_obj_map_find(xp->obj, fm->name);
		const uint8_t *p = fm->entries;
		size_t vl, copy;
		uint8_t *val;

		if (!m) {
			snprintf(err, err_sz, "map '%s' of the file is not in the program", fm->name);
			return -ENOENT;
		}
		if (m->type != fm->type || m->key_size != fm->key_size ||
		    m->value_size != fm->value_size) {
			snprintf(err, err_sz, "map '%s': the file has type %u, %u-byte keys, %u-byte "
				 "values; the program %u, %u, %u", fm->name, fm->type, fm->key_size,
				 fm->value_size, m->type, m->key_size, m->value_size);
			return -EINVAL;
		}
		vl = value_len(m);
		/* per-CPU values: copy i to worker i; copies past this vnetd's
		 * workers are dropped, workers past the file's start at zero */
		copy = fm->vlen < vl ? fm->vlen : vl;
		val = calloc(1, vl);
		if (!val)
			return -ENOMEM;
		for (uint32_t k = 0; k < fm->count; k++) {
			memset(val, 0, vl);
			memcpy(val, p + fm->key_size, copy);
			rc = vn_map_update(m, p, val, BPF_ANY);
			if (rc) {
				snprintf(err, err_sz, "map '%s': entry %u: %s", fm->name, k,
					 rc == -E2BIG ? "map full or index out of range" :
					 strerror(-rc));
				break;
			}
			p += fm->key_size + fm->vlen;
		}
		free(val);
	}
	return rc;
}

int vn_xo_import_guest(struct vn_sw *sw, const char *port, int fd, char *err, size_t err_sz)
{
	struct vn_sw_xdp_quota q;
	struct vn_port *p = vn_sw_port_find(sw, port);
	struct vn_xo_exp *e = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	uint64_t max;
	size_t got = 0;
	int rc;

	if (!p) {
		snprintf(err, err_sz, "port \"%s\" does not exist", port);
		return -ENOENT;
	}
	q.mem = p->conf.xo.mem;
	q.insns = p->conf.xo.insns;
	q.maps = p->conf.xo.maps;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, err_sz, "the export file must be a regular file");
		return -EINVAL;
	}
	/* what the port's quota could hold, and the object: no more is read */
	max = (uint64_t)(1u << 20) + 2 * q.mem + 65536;
	if ((uint64_t)st.st_size > max) {
		snprintf(err, err_sz, "export file of %lld bytes: more than this port's "
			 "xdp-offload-mem could hold (%llu bytes at most)", (long long)st.st_size,
			 (unsigned long long)max);
		return -E2BIG;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	e = malloc(sizeof(*e));
	if (!buf || !e) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			snprintf(err, err_sz, "reading the export file: %s", strerror(-rc));
			goto out;
		}
		got += (size_t)n;
	}
	rc = vn_xo_exp_parse(buf, got, e, err, err_sz);
	if (rc)
		goto out;
	rc = vn_sw_xdp_guest_load_fill(sw, port, e->obj, e->obj_len, "guest", e->section,
				       e->flags & VN_XO_EXP_F_SEGMENT_FIRST ?
				       VN_SW_XDP_SEGMENT_FIRST : 0,
				       &q, import_fill, e, err, err_sz);
out:
	free(buf);
	free(e);
	return rc;
}
