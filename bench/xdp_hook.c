// SPDX-License-Identifier: MIT
/* xdp_hook.c - cost of the switch's XDP hook: ns per frame through the switch with and without programs
 *
 * Usage: bench_xdp_hook PROGS_DIR [FRAMES]   (bench/xdp_hook.sh)
 * The rig of sw_rig.h: 64-byte UDP/IPv4 frames in bursts of 64 from host0 to
 * a learned station at swp1, through one switch worker.
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

#include "core/log.h"
#include "sw_rig.h"
#include "switch/xdp_hook.h"

static void attach(struct sw_rig *r, const char *dir_path, const char *port, enum vn_xdp_dir dir,
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

static void set_redirect(struct sw_rig *r, uint32_t target)
{
	struct { uint32_t action, target; uint64_t seen, bytes; } c;
	struct vn_sw_xdp *ref;
	struct vn_map *m;
	uint32_t zero = 0;

	if (vn_sw_xdp_map_find(r->sw, "swp0", VN_XDP_INGRESS, ".data", &m, &ref) ||
	    vn_map_lookup(m, &zero, &c))
		sw_rig_die("map", 0);
	c.action = 4;	/* XDP_REDIRECT */
	c.target = target;
	if (vn_map_update(m, &zero, &c, 0))
		sw_rig_die("map update", 0);
	vn_sw_xdp_put(ref);
}

int main(int argc, char **argv)
{
	unsigned int frames = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 10) : 1000000;
	double base, v;
	struct sw_rig r;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR [FRAMES]\n", argv[0]);
		return 2;
	}
	vn_log_set_level(VN_LOG_WARN);
	frames = (frames + SW_RIG_BURST - 1) / SW_RIG_BURST * SW_RIG_BURST;
	sw_rig_up(&r);
	sw_rig_measure(&r, frames / 10);	/* warm-up */
	base = sw_rig_measure(&r, frames);
	printf("%-34s %8s %8s\n", "mode (64-byte frames, burst 64)", "ns/frame", "ratio");
	printf("%-34s %8.1f %8.2f\n", "no program (peer)", base, 1.0);
	attach(&r, argv[1], "swp0", VN_XDP_INGRESS, "hook_action");
	v = sw_rig_measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "ingress PASS (hook_action)", v, v / base);
	vn_sw_xdp_detach(r.sw, "swp0", VN_XDP_INGRESS);
	attach(&r, argv[1], "swp1", VN_XDP_EGRESS, "hook_action");
	v = sw_rig_measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "egress PASS (hook_action)", v, v / base);
	vn_sw_xdp_detach(r.sw, "swp1", VN_XDP_EGRESS);
	attach(&r, argv[1], "swp0", VN_XDP_INGRESS, "hook_action");
	set_redirect(&r, 1);
	v = sw_rig_measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "ingress REDIRECT to swp1", v, v / base);
	attach(&r, argv[1], "swp0", VN_XDP_INGRESS, "xdp2");
	v = sw_rig_measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "ingress TX bounce (xdp2)", v, v / base);
	attach(&r, argv[1], "swp0", VN_XDP_INGRESS, "xdp1");
	v = sw_rig_measure(&r, frames);
	printf("%-34s %8.1f %8.2f\n", "ingress DROP (xdp1)", v, v / base);
	sw_rig_down(&r);
	return 0;
}
