/* SPDX-License-Identifier: MIT */
/* sw_rig.h - bench rig: a switch with two pair ports, driven by hand, timed per frame
 *
 * One switch, one worker driven with vn_sw_run_once(), two pair ports (swp0,
 * swp1; the test ends host0, host1) with every offload; 64-byte UDP/IPv4
 * frames in bursts of 64 from host0 to a station learned at swp1. Only the
 * switch's iteration is timed, in thread CPU time; building frames and
 * draining the hosts are not. Used by bench_xdp_hook and bench_capture.
 */
#ifndef VN_BENCH_SW_RIG_H
#define VN_BENCH_SW_RIG_H

#include "port/port.h"
#include "switch/sw.h"

#define SW_RIG_BURST	64

/**
 * struct sw_rig - the switch and its ports
 * @sw:		switch
 * @sp:		switch ends swp0, swp1
 * @host:	test ends host0, host1
 * @after_burst: called (untimed) after each burst, e.g. to drain a reader; may be NULL
 * @arg:	passed to @after_burst
 */
struct sw_rig {
	struct vn_sw *sw;
	struct vn_port *sp[2], *host[2];
	void (*after_burst)(void *arg);
	void *arg;
};

/**
 * sw_rig_die() - Print "PROGRAM: @what: @rc" and exit(1)
 * @what:	what failed
 * @rc:		its return code
 */
_Noreturn void sw_rig_die(const char *what, int rc);

/**
 * sw_rig_up() - Build the switch and ports, and teach it station 1 at swp1
 * @r:		rig to fill (zeroed first)
 */
void sw_rig_up(struct sw_rig *r);

/**
 * sw_rig_measure() - Send @frames frames from host0 to station 1
 * @r:		rig
 * @frames:	frames, a multiple of SW_RIG_BURST
 *
 * Return: thread CPU nanoseconds of the switch per frame
 */
double sw_rig_measure(struct sw_rig *r, unsigned int frames);

/**
 * sw_rig_down() - Destroy the switch and close the test ends
 * @r:		rig
 */
void sw_rig_down(struct sw_rig *r);

#endif /* VN_BENCH_SW_RIG_H */
