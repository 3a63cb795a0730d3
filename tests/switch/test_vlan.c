// SPDX-License-Identifier: MIT
/* test_vlan.c - access/trunk classification, tag push/pop and the offload offsets */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/pool.h"
#include "switch/vlan.h"

/* dst 02:..:01, src 02:..:02, IPv4, 46 bytes of payload (hand-made) */
static uint8_t untagged[60] = {
	0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0,
};

/* same frame tagged with VLAN 20 (TCI 0x2014: PCP 1, VID 20) */
static uint8_t tagged20[64] = {
	0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x81, 0x00, 0x20, 0x14, 0x08, 0x00, 0x45, 0,
};

static struct vn_pool *pool;

static int setup(void **state)
{
	(void)state;
	return vn_pool_create("vlan", 8, &pool);
}

static int teardown(void **state)
{
	(void)state;
	vn_pool_destroy(pool);
	return 0;
}

static struct vn_pkt *mk(const void *data, uint32_t len)
{
	struct vn_pkt *p = vn_pool_alloc(pool);

	assert_non_null(p);
	assert_int_equal(vn_pkt_set(p, data, len), 0);
	return p;
}

static void conf_access(struct vn_port_conf *c, uint16_t vid)
{
	memset(c, 0, sizeof(*c));
	c->access_vlan = vid;
}

static void conf_trunk(struct vn_port_conf *c, uint16_t native)
{
	memset(c, 0, sizeof(*c));
	c->access_vlan = native;
	c->ntrunk = 2;
	c->trunk[0] = 10;
	c->trunk[1] = 20;
}

static void test_vlan_init_rejects_reserved(void **state)
{
	struct vn_port_conf c;
	struct vn_sw_vlan v;

	(void)state;
	conf_access(&c, 4095);
	assert_int_equal(vn_sw_vlan_init(&v, &c), -EINVAL);
	conf_trunk(&c, 0);
	c.trunk[1] = 0;
	assert_int_equal(vn_sw_vlan_init(&v, &c), -EINVAL);
	c.trunk[1] = 4095;
	assert_int_equal(vn_sw_vlan_init(&v, &c), -EINVAL);
	c.trunk[1] = 4094;
	assert_int_equal(vn_sw_vlan_init(&v, &c), 0);
}

static void test_vlan_access(void **state)
{
	struct vn_port_conf c;
	struct vn_sw_vlan v;
	struct vn_pkt *p;

	(void)state;
	conf_access(&c, 10);
	assert_int_equal(vn_sw_vlan_init(&v, &c), 0);
	p = mk(untagged, sizeof(untagged));
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_NONE);
	assert_int_equal(p->vlan_tci, 10);
	assert_int_equal(vn_pkt_len(p), 60);
	/* leaves untagged on the access port */
	assert_int_equal(vn_sw_vlan_egress(&v, pool, &p), VN_DROP_NONE);
	assert_memory_equal(vn_pkt_data(p), untagged, 60);
	/* not a member of 20 */
	p->vlan_tci = 20;
	assert_int_equal(vn_sw_vlan_egress(&v, pool, &p), VN_DROP_VLAN);
	vn_pkt_put(p);
	/* tagged frames are refused on an access port */
	p = mk(tagged20, sizeof(tagged20));
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_VLAN);
	vn_pkt_put(p);
}

static void test_vlan_trunk_pop_push(void **state)
{
	struct vn_port_conf c;
	struct vn_sw_vlan v;
	struct vn_pkt *p;

	(void)state;
	conf_trunk(&c, 0);
	assert_int_equal(vn_sw_vlan_init(&v, &c), 0);
	p = mk(tagged20, sizeof(tagged20));
	p->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	p->vh.csum_start = 18 + 20;
	p->vh.csum_offset = 16;
	p->vh.hdr_len = 18 + 20 + 20;
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_NONE);
	assert_int_equal(p->vlan_tci, 20);
	assert_int_equal(vn_pkt_len(p), 60);
	assert_memory_equal(vn_pkt_data(p), untagged, 14);
	assert_int_equal(p->vh.csum_start, 14 + 20);
	assert_int_equal(p->vh.hdr_len, 14 + 20 + 20);
	/* and back out tagged (PCP is not kept) */
	assert_int_equal(vn_sw_vlan_egress(&v, pool, &p), VN_DROP_NONE);
	assert_int_equal(vn_pkt_len(p), 64);
	assert_int_equal(((uint8_t *)vn_pkt_data(p))[14], 0x00);
	assert_int_equal(((uint8_t *)vn_pkt_data(p))[15], 0x14);
	assert_memory_equal(vn_pkt_data(p), tagged20, 14);
	assert_int_equal(p->vh.csum_start, 18 + 20);
	assert_int_equal(p->vh.hdr_len, 18 + 20 + 20);
	vn_pkt_put(p);
	/* untagged on a trunk without native VLAN: dropped */
	p = mk(untagged, sizeof(untagged));
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_VLAN);
	vn_pkt_put(p);
	/* VLAN 30 not allowed */
	p = mk(tagged20, sizeof(tagged20));
	((uint8_t *)vn_pkt_data(p))[15] = 30;
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_VLAN);
	vn_pkt_put(p);
}

static void test_vlan_native_and_priority_tag(void **state)
{
	struct vn_port_conf c;
	struct vn_sw_vlan v;
	struct vn_pkt *p;

	(void)state;
	conf_trunk(&c, 5);
	assert_int_equal(vn_sw_vlan_init(&v, &c), 0);
	p = mk(untagged, sizeof(untagged));
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_NONE);
	assert_int_equal(p->vlan_tci, 5);
	assert_int_equal(vn_sw_vlan_egress(&v, pool, &p), VN_DROP_NONE);
	assert_int_equal(vn_pkt_len(p), 60);	/* native leaves untagged */
	vn_pkt_put(p);
	p = mk(tagged20, sizeof(tagged20));
	((uint8_t *)vn_pkt_data(p))[14] = 0xe0;	/* PCP 7, VID 0 */
	((uint8_t *)vn_pkt_data(p))[15] = 0;
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_NONE);
	assert_int_equal(p->vlan_tci, 5);
	assert_int_equal(vn_pkt_len(p), 60);
	vn_pkt_put(p);
}

/* A flooded (shared) frame tagged for one trunk must stay untagged for the others */
static void test_vlan_push_unshares(void **state)
{
	struct vn_port_conf c;
	struct vn_sw_vlan v;
	struct vn_pkt *orig, *p;

	(void)state;
	conf_trunk(&c, 0);
	assert_int_equal(vn_sw_vlan_init(&v, &c), 0);
	orig = mk(untagged, sizeof(untagged));
	orig->vlan_tci = 10;
	vn_pkt_get(orig);
	p = orig;
	assert_int_equal(vn_sw_vlan_egress(&v, pool, &p), VN_DROP_NONE);
	assert_ptr_not_equal(p, orig);
	assert_int_equal(vn_pkt_len(p), 64);
	assert_int_equal(vn_pkt_len(orig), 60);
	assert_memory_equal(vn_pkt_data(orig), untagged, 60);
	assert_false(vn_pkt_shared(orig));
	vn_pkt_put(p);
	vn_pkt_put(orig);
}

static void test_vlan_hostile(void **state)
{
	struct vn_port_conf c;
	struct vn_sw_vlan v;
	struct vn_pkt *p;

	(void)state;
	conf_trunk(&c, 0);
	assert_int_equal(vn_sw_vlan_init(&v, &c), 0);
	/* 13, 15 and 17 bytes: runts at each bound */
	p = mk(tagged20, 13);
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_RUNT);
	vn_pkt_put(p);
	p = mk(tagged20, 15);
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_RUNT);
	vn_pkt_put(p);
	p = mk(tagged20, 17);
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_RUNT);
	vn_pkt_put(p);
	/* csum_start pointing into the tag */
	p = mk(tagged20, sizeof(tagged20));
	p->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	p->vh.csum_start = 14;
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_VHDR_CSUM_RANGE);
	vn_pkt_put(p);
	/* plain port: tags untouched */
	memset(&c, 0, sizeof(c));
	assert_int_equal(vn_sw_vlan_init(&v, &c), 0);
	p = mk(tagged20, sizeof(tagged20));
	assert_int_equal(vn_sw_vlan_ingress(&v, p), VN_DROP_NONE);
	assert_int_equal(p->vlan_tci, 0);
	assert_int_equal(vn_pkt_len(p), 64);
	vn_pkt_put(p);
}

/*
 * F11: a tag pushed on a frame whose csum_start or hdr_len is within 4 of
 * 0xffff wrapped them to the front of the frame (csum_start 65534 became
 * 2); such a frame is dropped untouched now.
 */
static void test_vlan_push_refuses_offsets_that_would_wrap(void **state)
{
	struct vn_pkt *p;

	(void)state;
	p = mk(untagged, sizeof(untagged));
	p->vh.flags = VN_VHDR_F_NEEDS_CSUM;
	p->vh.csum_start = 65534;
	assert_int_equal(vn_sw_vlan_push(p, 20), VN_DROP_VHDR_CSUM_RANGE);
	assert_int_equal(p->vh.csum_start, 65534);
	assert_int_equal(vn_pkt_len(p), sizeof(untagged));
	p->vh.csum_start = UINT16_MAX - 4;	/* the largest that still fits */
	assert_int_equal(vn_sw_vlan_push(p, 20), VN_DROP_NONE);
	assert_int_equal(p->vh.csum_start, UINT16_MAX);
	vn_pkt_put(p);
	p = mk(untagged, sizeof(untagged));
	p->vh.hdr_len = 65533;
	assert_int_equal(vn_sw_vlan_push(p, 20), VN_DROP_VHDR_CSUM_RANGE);
	assert_int_equal(p->vh.hdr_len, 65533);
	vn_pkt_put(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vlan_init_rejects_reserved),
		cmocka_unit_test(test_vlan_access),
		cmocka_unit_test(test_vlan_trunk_pop_push),
		cmocka_unit_test(test_vlan_native_and_priority_tag),
		cmocka_unit_test(test_vlan_push_unshares),
		cmocka_unit_test(test_vlan_hostile),
		cmocka_unit_test(test_vlan_push_refuses_offsets_that_would_wrap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
