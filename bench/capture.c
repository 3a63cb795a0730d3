// SPDX-License-Identifier: MIT
/* capture.c - cost of capture tap points: ns per frame through the switch with and without a capture
 *
 * Usage: bench_capture [FRAMES]   (bench/capture.sh)
 * The rig of sw_rig.h: 64-byte UDP/IPv4 frames in bursts of 64 from host0 to
 * a learned station at swp1, through one switch worker.
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

#include "core/log.h"
#include "switch/capture.h"
#include "sw_rig.h"

static int skip(const struct vn_sw_capture_rec *rec, void *arg)
{
	(void)rec;
	(void)arg;
	return 0;
}

/* sw_rig's after_burst: the reader empties these captures between bursts (untimed) */
static void drain_captures(void *arg)
{
	struct vn_sw_capture **drain = arg;

	for (unsigned int k = 0; k < 2; k++)
		if (drain[k])
			vn_sw_capture_read(drain[k], skip, NULL, 4096);
}

static struct vn_sw_capture *cap_open(struct sw_rig *r, const char *port, enum vn_sw_dir dir,
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
	struct vn_sw_capture *c, *c2, *drain[2] = { NULL, NULL };
	double base;
	struct sw_rig r;

	vn_log_set_level(VN_LOG_WARN);
	frames = (frames + SW_RIG_BURST - 1) / SW_RIG_BURST * SW_RIG_BURST;
	sw_rig_up(&r);
	r.after_burst = drain_captures;
	r.arg = drain;
	sw_rig_measure(&r, frames / 10);	/* warm-up */
	base = sw_rig_measure(&r, frames);
	printf("%-40s %8s %8s\n", "mode (64-byte frames, burst 64)", "ns/frame", "ratio");
	row("no capture (peer)", base, base);
	c = cap_open(&r, "swp0", VN_SW_INGRESS, "tcp");
	row("ingress, filter matches none ('tcp')", sw_rig_measure(&r, frames), base);
	vn_sw_capture_close(c);
	c = cap_open(&r, "swp0", VN_SW_INGRESS, "udp");
	drain[0] = c;
	row("ingress, filter matches all, drained", sw_rig_measure(&r, frames), base);
	drain[0] = NULL;
	row("ingress, matches all, queue full (drop)", sw_rig_measure(&r, frames), base);
	vn_sw_capture_stats(c, &st);
	if (!st.dropped)
		sw_rig_die("the full-queue mode dropped nothing", 0);
	vn_sw_capture_close(c);
	c = cap_open(&r, "swp0", VN_SW_INGRESS, NULL);
	c2 = cap_open(&r, "swp1", VN_SW_EGRESS, NULL);
	drain[0] = c;
	drain[1] = c2;
	row("ingress + egress, no filter, drained", sw_rig_measure(&r, frames), base);
	vn_sw_capture_close(c);
	vn_sw_capture_close(c2);
	sw_rig_down(&r);
	return 0;
}
