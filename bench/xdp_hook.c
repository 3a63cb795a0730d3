// SPDX-License-Identifier: MIT
/* xdp_hook.c - cost of the switch's XDP hook: ns per frame through the switch with and without programs
 *
 * Usage: bench_xdp_hook PROGS_DIR [FRAMES]   (bench/xdp_hook.sh)
 * One switch, one worker driven with vn_sw_run_once(), two pair ports; 64-byte
 * UDP/IPv4 frames in bursts of 64 from host0 to a learned station at swp1.
 * Modes, measured in the same run: no program (the peer of every ratio);
 * a PASS program at swp0's ingress (hook_action: two atomic adds on .data);
 * the same at swp1's egress; REDIRECT to swp1 by bpf_redirect (bypassing
 * the FDB); xdp2 (MAC swap + TX back to host0); xdp1 (count by protocol,
 * drop). Only the switch's iteration is timed, in thread CPU time; building
 * frames and draining the hosts are not. A shared 2-core machine gives
 * 10-20% noise between runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/pool.h"
#include "port/pair.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"

#define BURST	64

struct rig {
	struct vn_sw *sw;
	struct vn_port *sp[2], *host[2];
};

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

_Noreturn static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_xdp_hook: %s: %d\n", what, rc);
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

static void drain(struct vn_port *host)
{
	struct vn_pkt *pkts[BURST];
	unsigned int n;

	while ((n = host->ops->rx_burst(host, pkts, BURST)))
		vn_pkt_put_bulk(pkts, n);
}

static void rig_up(struct rig *r)
{
	struct vn_pair_opts o = { .capacity = 1024 };
	int rc;

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
	struct vn_pkt *p = mk_frame(r->host[1], 1, 0);

	if (r->host[1]->ops->tx_burst(r->host[1], &p, 1) != 1)
		die("learn", 0);
	vn_sw_run_once(r->sw, 0);
	drain(r->host[0]);
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
		drain(r->host[0]);
		drain(r->host[1]);
	}
	return t / frames;
}

static void attach(struct rig *r, const char *dir_path, const char *port, enum vn_xdp_dir dir,
		   const char *prog)
{
	char path[512], err[256];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", dir_path, prog);
	rc = vn_sw_xdp_attach(r->sw, port, dir, path, NULL, VN_SW_XDP_REPLACE, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "bench_xdp_hook: %s\n", err);
		exit(1);
	}
}

static void set_redirect(struct rig *r, uint32_t target)
{
	struct { uint32_t action, target; uint64_t seen, bytes; } c;
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint32_t zero = 0;

	if (vn_sw_xdp_map_find(r->sw, "swp0", VN_XDP_INGRESS, ".data", &m, &ref) ||
	    vn_map_lookup(m, &zero, &c))
		die("map", 0);
	c.action = 4;	/* XDP_REDIRECT */
	c.target = target;
	if (vn_map_update(m, &zero, &c, 0))
		die("map update", 0);
	vn_sw_xdp_put(ref);
}

int main(int argc, char **argv)
{
	unsigned int frames = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 10) : 1000000;
	double base, v;
	struct rig r;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR [FRAMES]\n", argv[0]);
		return 2;
	}
	vn_log_set_level(VN_LOG_WARN);
	frames = (frames + BURST - 1) / BURST * BURST;
	rig_up(&r);
	measure(&r, frames / 10);	/* warm-up */
	base = measure(&r, frames);
	printf("%-34s %8s %8s\n", "mode (64-byte frames, burst 64)", "ns/frame", "ratio");
	printf("%-34s %8.1f %8.2f\n", "no program (peer)", base, 1.0);
	attach(&r, argv[1], "swp0", VN_XDP_INGRESS, "hook_action");
	v = measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "ingress PASS (hook_action)", v, v / base);
	vn_sw_xdp_detach(r.sw, "swp0", VN_XDP_INGRESS);
	attach(&r, argv[1], "swp1", VN_XDP_EGRESS, "hook_action");
	v = measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "egress PASS (hook_action)", v, v / base);
	vn_sw_xdp_detach(r.sw, "swp1", VN_XDP_EGRESS);
	attach(&r, argv[1], "swp0", VN_XDP_INGRESS, "hook_action");
	set_redirect(&r, 1);
	v = measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "ingress REDIRECT to swp1", v, v / base);
	attach(&r, argv[1], "swp0", VN_XDP_INGRESS, "xdp2");
	v = measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "ingress TX bounce (xdp2)", v, v / base);
	attach(&r, argv[1], "swp0", VN_XDP_INGRESS, "xdp1");
	v = measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "ingress DROP (xdp1)", v, v / base);
	vn_sw_destroy(r.sw);
	vn_port_close(r.host[0]);
	vn_port_close(r.host[1]);
	return 0;
}
