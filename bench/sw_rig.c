// SPDX-License-Identifier: MIT
/* sw_rig.c - bench rig: a switch with two pair ports, driven by hand, timed per frame */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pool.h"
#include "port/pair.h"
#include "sw_rig.h"

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void sw_rig_die(const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %d\n", program_invocation_short_name, what, rc);
	exit(1);
}

/* A 64-byte UDP/IPv4 frame from station @s to station @d */
static struct vn_pkt *mk_frame(struct vn_port *host, unsigned int s, unsigned int d)
{
	struct vn_pkt *p = vn_pool_alloc(host->pool);
	uint8_t *f;

	if (!p || !(f = vn_pkt_append(p, 64)))
		sw_rig_die("no buffer", 0);
	memset(f, 0, 64);
	f[0] = 0x02; f[5] = (uint8_t)(d + 1);
	f[6] = 0x02; f[11] = (uint8_t)(s + 1);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 50;
	f[22] = 64;
	f[23] = 17;
	return p;
}

static void host_drain(struct vn_port *host)
{
	struct vn_pkt *pkts[SW_RIG_BURST];
	unsigned int n;

	while ((n = vn_port_rx_burst(host, pkts, SW_RIG_BURST)))
		vn_pkt_put_bulk(pkts, n);
}

void sw_rig_up(struct sw_rig *r)
{
	struct vn_pair_opts o = { .capacity = 1024 };
	struct vn_pkt *p;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = vn_sw_create(NULL, &r->sw);
	if (rc)
		sw_rig_die("vn_sw_create", rc);
	for (unsigned int i = 0; i < 2; i++) {
		char a[16], b[16];

		o.id_a = (uint16_t)i;
		o.id_b = (uint16_t)(100 + i);
		o.features_a = o.features_b = VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS;
		snprintf(a, sizeof(a), "swp%u", i);
		snprintf(b, sizeof(b), "host%u", i);
		rc = vn_pair_create(a, b, &o, &r->sp[i], &r->host[i]);
		if (!rc)
			rc = vn_sw_port_attach(r->sw, r->sp[i], 0);
		if (rc)
			sw_rig_die("port", rc);
	}
	/* station 1 learned at swp1 */
	p = mk_frame(r->host[1], 1, 0);
	if (vn_port_tx_burst(r->host[1], &p, 1) != 1)
		sw_rig_die("learn", 0);
	vn_sw_run_once(r->sw, 0);
	host_drain(r->host[0]);
}

double sw_rig_measure(struct sw_rig *r, unsigned int frames)
{
	struct vn_pkt *pkts[SW_RIG_BURST];
	double t = 0, t0;

	for (unsigned int done = 0; done < frames; done += SW_RIG_BURST) {
		for (unsigned int i = 0; i < SW_RIG_BURST; i++)
			pkts[i] = mk_frame(r->host[0], 0, 1);
		if (vn_port_tx_burst(r->host[0], pkts, SW_RIG_BURST) != SW_RIG_BURST)
			sw_rig_die("host tx", 0);
		t0 = cpu_ns();
		vn_sw_run_once(r->sw, 0);
		t += cpu_ns() - t0;
		host_drain(r->host[0]);
		host_drain(r->host[1]);
		if (r->after_burst)
			r->after_burst(r->arg);
	}
	return t / frames;
}

void sw_rig_down(struct sw_rig *r)
{
	vn_sw_destroy(r->sw);
	vn_port_close(r->host[0]);
	vn_port_close(r->host[1]);
}
