// SPDX-License-Identifier: MIT
/* capture.c - cost of capture tap points: ns per frame through the switch with and without a capture
 *
 * Usage: bench_capture [FRAMES]   (bench/capture.sh)
 * One switch, one worker driven with vn_sw_run_once(), two pair ports; 64-byte
 * UDP/IPv4 frames in bursts of 64 from host0 to a learned station at swp1.
 * Modes, measured in the same run: no capture (the peer of every ratio); a
 * capture at swp0 ingress whose filter matches nothing ("tcp"); one that
 * matches every frame ("udp"), drained by the reader between bursts (the
 * reader's time is not counted); the same never drained (queue full: every
 * frame is a counted drop); no filter at both swp0 ingress and swp1 egress,
 * drained. Only the switch's iteration is timed, in thread CPU time. A
 * shared 2-core machine gives 10-20% noise between runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/pool.h"
#include "port/pair.h"
#include "switch/capture.h"
#include "switch/sw.h"

#define BURST	64

struct rig {
	struct vn_sw *sw;
	struct vn_port *sp[2], *host[2];
	struct vn_sw_capture *drain[2];	/* captures the reader empties between bursts */
};

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

_Noreturn static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_capture: %s: %d\n", what, rc);
	exit(1);
}

static struct vn_pkt *mk_frame(struct vn_port *host, unsigned int s, unsigned int d)
{
	struct vn_pkt *p = vn_pool_alloc(host->pool);
	uint8_t *f;

	if (!p || !(f = vn_pkt_append(p, 64)))
		die("no buffer", 0);
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
	struct vn_pkt *pkts[BURST];
	unsigned int n;

	while ((n = host->ops->rx_burst(host, pkts, BURST)))
		vn_pkt_put_bulk(pkts, n);
}

static int skip(const struct vn_sw_capture_rec *rec, void *arg)
{
	(void)rec;
	(void)arg;
	return 0;
}

static void rig_up(struct rig *r)
{
	struct vn_pair_opts o = { .capacity = 1024 };
	struct vn_pkt *p;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = vn_sw_create(NULL, &r->sw);
	if (rc)
		die("vn_sw_create", rc);
	for (unsigned int i = 0; i < 2; i++) {
		char a[16], b[16];

		o.id_a = (uint16_t)i;
		o.id_b = (uint16_t)(100 + i);
		o.features_a = o.features_b = VN_PORT_TX_OFFLOADS | VN_PORT_RX_OFFLOADS;
		snprintf(a, sizeof(a), "swp%u", i);
		snprintf(b, sizeof(b), "host%u", i);
		rc = vn_pair_create(a, b, &o, &r->sp[i], &r->host[i]);
		if (!rc)
			rc = vn_sw_port_attach(r->sw, r->sp[i], 0);
		if (rc)
			die("port", rc);
	}
	/* station 1 learned at swp1 */
	p = mk_frame(r->host[1], 1, 0);
	if (r->host[1]->ops->tx_burst(r->host[1], &p, 1) != 1)
		die("learn", 0);
	vn_sw_run_once(r->sw, 0);
	host_drain(r->host[0]);
}

/* ns per frame for @frames frames from host0 to station 1 */
static double measure(struct rig *r, unsigned int frames)
{
	struct vn_pkt *pkts[BURST];
	double t = 0, t0;

	for (unsigned int done = 0; done < frames; done += BURST) {
		for (unsigned int i = 0; i < BURST; i++)
			pkts[i] = mk_frame(r->host[0], 0, 1);
		if (r->host[0]->ops->tx_burst(r->host[0], pkts, BURST) != BURST)
			die("host tx", 0);
		t0 = cpu_ns();
		vn_sw_run_once(r->sw, 0);
		t += cpu_ns() - t0;
		host_drain(r->host[0]);
		host_drain(r->host[1]);
		for (unsigned int k = 0; k < 2; k++)
			if (r->drain[k])
				vn_sw_capture_read(r->drain[k], skip, NULL, 4096);
	}
	return t / frames;
}

static struct vn_sw_capture *cap_open(struct rig *r, const char *port, enum vn_xdp_dir dir,
				      const char *filter)
{
	struct vn_sw_capture *c;
	char err[256];
	int rc = vn_sw_capture_open(r->sw, port, dir, filter, 0, &c, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "bench_capture: %s\n", err);
		exit(1);
	}
	return c;
}

static void row(const char *mode, double v, double base)
{
	printf("%-40s %8.1f %8.2f\n", mode, v, v / base);
}

int main(int argc, char **argv)
{
	unsigned int frames = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 10) : 1000000;
	struct vn_sw_capture_stats st;
	struct vn_sw_capture *c, *c2;
	double base;
	struct rig r;

	vn_log_set_level(VN_LOG_WARN);
	frames = (frames + BURST - 1) / BURST * BURST;
	rig_up(&r);
	measure(&r, frames / 10);	/* warm-up */
	base = measure(&r, frames);
	printf("%-40s %8s %8s\n", "mode (64-byte frames, burst 64)", "ns/frame", "ratio");
	row("no capture (peer)", base, base);
	c = cap_open(&r, "swp0", VN_XDP_INGRESS, "tcp");
	row("ingress, filter matches none ('tcp')", measure(&r, frames), base);
	vn_sw_capture_close(c);
	c = cap_open(&r, "swp0", VN_XDP_INGRESS, "udp");
	r.drain[0] = c;
	row("ingress, filter matches all, drained", measure(&r, frames), base);
	r.drain[0] = NULL;
	row("ingress, matches all, queue full (drop)", measure(&r, frames), base);
	vn_sw_capture_stats(c, &st);
	if (!st.dropped)
		die("the full-queue mode dropped nothing", 0);
	vn_sw_capture_close(c);
	c = cap_open(&r, "swp0", VN_XDP_INGRESS, NULL);
	c2 = cap_open(&r, "swp1", VN_XDP_EGRESS, NULL);
	r.drain[0] = c;
	r.drain[1] = c2;
	row("ingress + egress, no filter, drained", measure(&r, frames), base);
	vn_sw_capture_close(c);
	vn_sw_capture_close(c2);
	vn_sw_destroy(r.sw);
	vn_port_close(r.host[0]);
	vn_port_close(r.host[1]);
	return 0;
}
