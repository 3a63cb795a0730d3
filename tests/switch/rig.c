// SPDX-License-Identifier: MIT
/* rig.c - a switch whose ports are pair ends, the test holding the other ends */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rig.h"

void mac_of(uint8_t *mac, unsigned int i)
{
	static const uint8_t base[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x00 };

	memcpy(mac, base, 6);
	mac[5] = (uint8_t)(i + 1);
}

uint32_t rig_cap_of[RIG_PORTS_MAX];

void rig_up_with(struct rig *r, unsigned int n, unsigned int workers, const uint64_t *feat,
		 uint32_t cap, void (*conf_cb)(struct vn_port *p, unsigned int i),
		 uint32_t (*clock)(void))
{
	struct vn_sw_config cfg = { .workers = workers, .aging_sec = 30 };

	rig_up_cfg(r, n, &cfg, feat, cap, conf_cb, clock);
}

void rig_up_cfg(struct rig *r, unsigned int n, const struct vn_sw_config *cfg,
		const uint64_t *feat, uint32_t cap,
		void (*conf_cb)(struct vn_port *p, unsigned int i), uint32_t (*clock)(void))
{
	unsigned int i, workers = cfg->workers ? cfg->workers : 1;

	assert_true(n <= RIG_PORTS_MAX);
	memset(r, 0, sizeof(*r));
	r->n = n;
	assert_int_equal(vn_sw_create(cfg, &r->sw), 0);
	if (clock)
		vn_sw_set_clock(r->sw, clock);
	for (i = 0; i < n; i++) {
		struct vn_pair_opts o = {
			.capacity = rig_cap_of[i] ? rig_cap_of[i] : cap, .id_a = (uint16_t)i, .id_b = (uint16_t)(200 + i),
			.features_a = feat ? feat[i] : ALL_ON, .features_b = ALL_ON,
		};
		char a[16], b[16];

		snprintf(a, sizeof(a), "swp%u", i);
		snprintf(b, sizeof(b), "host%u", i);
		assert_int_equal(vn_pair_create(a, b, &o, &r->sp[i], &r->host[i]), 0);
		if (conf_cb)
			conf_cb(r->sp[i], i);
		assert_int_equal(vn_sw_port_attach(r->sw, r->sp[i], (int)(i % workers)), 0);
	}
}

unsigned int host_rx(struct rig *r, unsigned int i, struct vn_pkt **pkts, unsigned int max)
{
	return vn_port_rx_burst(r->host[i], pkts, max);
}

unsigned int count_rx(struct rig *r, unsigned int i)
{
	struct vn_pkt *pkts[64];
	unsigned int n, total = 0;

	while ((n = host_rx(r, i, pkts, 64))) {
		total += n;
		vn_pkt_put_bulk(pkts, n);
	}
	return total;
}

void drain_all(struct rig *r)
{
	for (unsigned int i = 0; i < r->n; i++)
		count_rx(r, i);
}

void rig_down(struct rig *r)
{
	drain_all(r);
	vn_sw_destroy(r->sw);
	for (unsigned int i = 0; i < r->n; i++)
		vn_port_close(r->host[i]);
	memset(rig_cap_of, 0, sizeof(rig_cap_of));
}

void host_tx(struct rig *r, unsigned int i, struct vn_pkt *p)
{
	assert_int_equal(vn_port_tx_burst(r->host[i], &p, 1), 1);
}

void run(struct rig *r)
{
	for (int k = 0; k < 8; k++)
		for (unsigned int w = 0; w < 4; w++)
			if (vn_sw_run_once(r->sw, w) == -EINVAL)
				break;
}
