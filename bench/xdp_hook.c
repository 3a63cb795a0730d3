// SPDX-License-Identifier: MIT
/* xdp_hook.c - cost of the switch's XDP hook: ns per frame through the switch with and without programs
 *
 * Usage: bench_xdp_hook PROGS_DIR [FRAMES [MODE]]   (bench/xdp_hook.sh)
 * MODE, a row's number from 1, measures that row alone (to profile it).
 * The rig of sw_rig.h: 64-byte UDP/IPv4 frames in bursts of 64 from host0 to
 * a learned station at swp1, through one switch worker.
 * Modes, measured in the same run: no program (the peer of every ratio);
 * a PASS program at swp0's ingress (hook_action: two atomic adds on .data);
 * the same at swp1's egress; REDIRECT to swp1 by bpf_redirect (bypassing
 * the FDB); xdp2 (MAC swap + TX back to host0); xdp1 (count by protocol,
 * drop). Each mode runs in ROUNDS rounds; a round measures the no-program
 * peer, then the program loaded in the interpreter, then as JIT code, each
 * on FRAMES / ROUNDS frames, and the hook's cost is that round's ns/frame
 * over that round's peer. The medians over the rounds are printed, so a
 * neighbour's burst on this shared machine moves one round, not the
 * figure. Only the switch's iteration is timed, in thread CPU time; building
 * frames and draining the hosts are not. A shared 2-core machine gives
 * 10-20% noise between runs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bpf/vm.h"
#include "core/log.h"
#include "sw_rig.h"
#include "switch/xdp_hook.h"

#define ROUNDS	5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v)
{
	double s[ROUNDS];

	for (unsigned int i = 0; i < ROUNDS; i++)
		s[i] = v[i];
	qsort(s, ROUNDS, sizeof(s[0]), cmp_double);
	return s[ROUNDS / 2];
}

static void attach(struct sw_rig *r, const char *dir_path, const char *port, enum vn_sw_dir dir,
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

	if (vn_sw_xdp_map_find(r->sw, "swp0", VN_SW_INGRESS, ".data", &m, &ref) ||
	    vn_map_lookup(m, &zero, &c))
		sw_rig_die("map", 0);
	c.action = 4;	/* XDP_REDIRECT */
	c.target = target;
	if (vn_map_update(m, &zero, &c, 0))
		sw_rig_die("map update", 0);
	vn_sw_xdp_put(ref);
}

/* mode() - attach what mode @m needs, time it, detach; ns per frame */
static double mode(struct sw_rig *r, const char *progs, unsigned int m, unsigned int frames)
{
	static const struct { const char *port, *prog; enum vn_sw_dir dir; } modes[] = {
		{ "swp0", "hook_action", VN_SW_INGRESS },
		{ "swp1", "hook_action", VN_SW_EGRESS },
		{ "swp0", "hook_action", VN_SW_INGRESS },	/* + REDIRECT to swp1 */
		{ "swp0", "xdp2", VN_SW_INGRESS },
		{ "swp0", "xdp1", VN_SW_INGRESS },
	};
	double v;

	attach(r, progs, modes[m].port, modes[m].dir, modes[m].prog);
	if (m == 2)
		set_redirect(r, 1);
	v = sw_rig_measure(r, frames);
	vn_sw_xdp_detach(r->sw, modes[m].port, modes[m].dir);
	return v;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"ingress PASS (hook_action)", "egress PASS (hook_action)",
		"ingress REDIRECT to swp1", "ingress TX bounce (xdp2)", "ingress DROP (xdp1)",
	};
	const unsigned int nmodes = sizeof(names) / sizeof(names[0]);
	unsigned int frames = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 10) : 1000000;
	unsigned int only = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 10) : 0;
	double base;
	struct sw_rig r;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGS_DIR [FRAMES [MODE]]\n", argv[0]);
		return 2;
	}
	if (only > nmodes) {
		fprintf(stderr, "bench_xdp_hook: MODE is a row from 1 to %u, not %u\n", nmodes, only);
		return 2;
	}
	if (!vn_bpf_jit_supported()) {
		fprintf(stderr, "bench_xdp_hook: no JIT on this CPU: nothing to compare\n");
		return 1;
	}
	vn_log_set_level(VN_LOG_WARN);
	frames = (frames + SW_RIG_BURST - 1) / SW_RIG_BURST * SW_RIG_BURST;
	sw_rig_up(&r);
	sw_rig_measure(&r, frames / 10);	/* warm-up */
	base = sw_rig_measure(&r, frames);
	printf("# hook = ns/frame with the program - ns/frame without, per round (peer %.1f ns);\n"
	       "# medians of %d rounds of %u frames\n", base, ROUNDS, frames / ROUNDS);
	printf("%-30s %9s %9s %9s %9s %9s\n", "mode (64-byte frames, burst 64)", "interp",
	       "jit", "hook_int", "hook_jit", "jit/int");
	for (unsigned int m = 0; m < nmodes; m++) {
		double vi[ROUNDS], vj[ROUNDS], hi[ROUNDS], hj[ROUNDS], mi, mj;
		unsigned int n = frames / ROUNDS / SW_RIG_BURST * SW_RIG_BURST;

		if (only && m + 1 != only)
			continue;
		for (unsigned int k = 0; k < ROUNDS; k++) {
			double b = sw_rig_measure(&r, n);

			/* the engine is chosen when a program is loaded */
			vn_bpf_jit_set_enabled(0);
			vi[k] = mode(&r, argv[1], m, n);
			vn_bpf_jit_set_enabled(1);
			vj[k] = mode(&r, argv[1], m, n);
			hi[k] = vi[k] - b;
			hj[k] = vj[k] - b;
		}
		mi = median(hi);
		mj = median(hj);
		printf("%-30s %9.1f %9.1f %9.1f %9.1f %9.2f\n", names[m], median(vi), median(vj),
		       mi, mj, mi > 0 ? mj / mi : 0);
	}
	sw_rig_down(&r);
	return 0;
}
