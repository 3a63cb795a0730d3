// SPDX-License-Identifier: MIT
/* test_xo_migrate.c - a guest XDP program and its maps moved between two switches
 *
 * Two switches in one process stand for two vnetds: the guest program on
 * one switch's port drops ICMP and has counted drops and flows; after
 * export and import on the other switch's port it drops ICMP there, and
 * every map entry came along (per-CPU copies included). A refused import
 * (quota, a foreign file) leaves the running program.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bpf/map.h"
#include "core/pool.h"
#include "ctl/xo_export.h"
#include "ctl/xo_migrate.h"
#include "port/pair.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"

#include "../switch/rig.h"

static const char *progs_dir;
static uint32_t maps_quota = 16;

static void quotas(struct vn_port *p, unsigned int i)
{
	(void)i;
	p->conf.xo.mem = 16u << 20;
	p->conf.xo.insns = 16384;
	p->conf.xo.maps = maps_quota;
}

static uint8_t *slurp(const char *name, size_t *len)
{
	static uint8_t buf[1 << 18];
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", progs_dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(*len > 0 && *len < sizeof(buf));
	return buf;
}

/* IPv4 broadcast frame from station 0, protocol @proto */
static struct vn_pkt *mk_ip(struct rig *r, uint8_t proto, uint8_t src_last)
{
	struct vn_pkt *p = vn_pool_alloc(r->host[0]->pool);
	uint8_t *f;

	assert_non_null(p);
	f = vn_pkt_append(p, 14 + 20 + 8 + 16);
	assert_non_null(f);
	memset(f, 0, 14 + 20 + 8 + 16);
	memset(f, 0xff, 6);
	mac_of(f + 6, 0);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 20 + 8 + 16;
	f[22] = 64;
	f[23] = proto;
	f[26] = 10; f[29] = src_last;
	f[30] = 10; f[33] = 255;
	return p;
}

static uint64_t percpu_sum(struct vn_sw *sw, const char *port, const char *map)
{
	uint64_t v[VN_MAP_CPUS_MAX] = { 0 }, sum = 0;
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint32_t zero = 0;

	assert_int_equal(vn_sw_xdp_map_find_guest(sw, port, map, &m, &ref), 0);
	assert_int_equal(vn_map_lookup(m, &zero, v), 0);
	for (unsigned int c = 0; c < m->ncpus; c++)
		sum += v[c];
	vn_sw_xdp_put(ref);
	return sum;
}

/* Every (key, value) of @map on both sides, compared */
static unsigned int same_entries(struct vn_sw *a, struct vn_sw *b, const char *map)
{
	struct vn_sw_xdp *ra, *rb;
	struct vn_map *ma, *mb;
	uint8_t k[64], nk[64], va[4096], vb[4096];
	unsigned int n = 0;
	bool first = true;

	assert_int_equal(vn_sw_xdp_map_find_guest(a, "swp1", map, &ma, &ra), 0);
	assert_int_equal(vn_sw_xdp_map_find_guest(b, "swp1", map, &mb, &rb), 0);
	while (!vn_map_get_next_key(ma, first ? NULL : k, nk)) {
		first = false;
		memcpy(k, nk, ma->key_size);
		assert_int_equal(vn_map_lookup(ma, k, va), 0);
		assert_int_equal(vn_map_lookup(mb, k, vb), 0);
		assert_memory_equal(va, vb, ma->value_size);
		n++;
	}
	vn_sw_xdp_put(ra);
	vn_sw_xdp_put(rb);
	return n;
}

static void test_xo_migrate_round_trip(void **state)
{
	struct vn_sw_xdp_quota q = { .mem = 16u << 20, .insns = 16384, .maps = 16 };
	char err[256] = "", file[64];
	struct rig a, b;
	size_t len;
	const uint8_t *obj;
	int fd;

	(void)state;
	rig_up_with(&a, 2, 2, NULL, 0, quotas, NULL);
	rig_up_with(&b, 2, 2, NULL, 0, quotas, NULL);
	obj = slurp("guest_icmp", &len);
	assert_int_equal(vn_sw_xdp_guest_load(a.sw, "swp1", obj, len, "guest", NULL,
					      VN_SW_XDP_SEGMENT_FIRST, &q, err, sizeof(err)), 0);
	for (uint8_t s = 1; s <= 3; s++) {
		host_tx(&a, 0, mk_ip(&a, 1, s));
		host_tx(&a, 0, mk_ip(&a, 1, s));
	}
	host_tx(&a, 0, mk_ip(&a, 17, 9));
	run(&a);
	assert_int_equal(count_rx(&a, 1), 1);
	assert_int_equal(percpu_sum(a.sw, "swp1", "icmp_drops"), 6);
	snprintf(file, sizeof(file), "/tmp/vn-xo-mig-%d", (int)getpid());
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	err[0] = '\0';
	assert_int_equal(vn_xo_export_guest(a.sw, "swp1", fd, err, sizeof(err)), 0);
	/* the other "vnetd": its port gets the program with every entry */
	assert_int_equal(vn_xo_import_guest(b.sw, "swp1", fd, err, sizeof(err)), 0);
	assert_int_equal(same_entries(a.sw, b.sw, "flows"), 3);
	assert_int_equal(same_entries(a.sw, b.sw, "icmp_drops"), 1);
	assert_int_equal(percpu_sum(b.sw, "swp1", "icmp_drops"), 6);
	/* the flags it was loaded with came along */
	{
		struct vn_sw_xdp *ref;
		const char *sec;
		unsigned int flags = 0;
		size_t n;

		assert_int_equal(vn_sw_xdp_guest_get(b.sw, "swp1", &ref), 0);
		assert_non_null(vn_sw_xdp_ref_object(ref, &n, &sec, &flags));
		assert_int_equal(n, len);
		assert_int_equal(flags, VN_SW_XDP_SEGMENT_FIRST);
		vn_sw_xdp_put(ref);
	}
	/* and its verdicts */
	host_tx(&b, 0, mk_ip(&b, 1, 1));
	host_tx(&b, 0, mk_ip(&b, 17, 1));
	run(&b);
	assert_int_equal(count_rx(&b, 1), 1);
	assert_int_equal(percpu_sum(b.sw, "swp1", "icmp_drops"), 7);
	/* a port whose quota the file does not fit: refused, the program stays */
	b.sp[1]->conf.xo.maps = 2;
	assert_int_equal(vn_xo_import_guest(b.sw, "swp1", fd, err, sizeof(err)), -EDQUOT);
	assert_non_null(strstr(err, "xdp-offload-maps: object has 3 maps, limit 2"));
	assert_int_equal(percpu_sum(b.sw, "swp1", "icmp_drops"), 7);
	/* a file cut short: refused, the program stays */
	assert_int_equal(ftruncate(fd, 100), 0);
	assert_int_equal(vn_xo_import_guest(b.sw, "swp1", fd, err, sizeof(err)), -EINVAL);
	assert_int_equal(percpu_sum(b.sw, "swp1", "icmp_drops"), 7);
	/* no guest program: nothing to export */
	assert_int_equal(vn_xo_export_guest(b.sw, "swp0", fd, err, sizeof(err)), -ENOENT);
	close(fd);
	unlink(file);
	rig_down(&a);
	rig_down(&b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xo_migrate_round_trip),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR\n", argv[0]);
		return 2;
	}
	progs_dir = argv[1];
	(void)maps_quota;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
