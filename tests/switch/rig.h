/* SPDX-License-Identifier: MIT */
/* rig.h - a switch whose ports are pair ends, the test holding the other ends
 *
 * Shared by tests/switch/test_sw.c and test_xdp_hook.c. Port i is the pair
 * "swp<i>" (switch end, id i) / "host<i>" (test end, id 200 + i); station i
 * has MAC 02:00:5e:10:00:<i + 1>. Include after <cmocka.h>.
 */
#ifndef VN_TESTS_SWITCH_RIG_H
#define VN_TESTS_SWITCH_RIG_H

#include <stdint.h>

#include "core/pkt.h"
#include "port/pair.h"
#include "switch/sw.h"

#define RIG_PORTS_MAX	6
#define ALL_ON		(VN_NET_GUEST_OFFLOADS | VN_NET_HOST_OFFLOADS)

struct rig {
	struct vn_sw *sw;
	unsigned int n;
	struct vn_port *sp[RIG_PORTS_MAX];	/* switch ends */
	struct vn_port *host[RIG_PORTS_MAX];	/* test ends */
};

/**
 * mac_of() - MAC address of station @i
 * @mac:	6 bytes out
 * @i:		station
 */
void mac_of(uint8_t *mac, unsigned int i);

/* Per-port queue capacity for the next rig_up_*() (0: its @cap); rig_down() clears it */
extern uint32_t rig_cap_of[RIG_PORTS_MAX];

/**
 * rig_up_with() - Create a switch (30 s aging) with @n pair ports attached
 * round-robin to @workers workers
 * @r:		rig to fill
 * @n:		ports (at most RIG_PORTS_MAX)
 * @workers:	switch workers
 * @feat:	offload features of each switch end (NULL: all on)
 * @cap:	pair queue capacity (0: the pair's default)
 * @conf_cb:	called on each switch end before it is attached (may be NULL)
 * @clock:	switch clock (NULL: the real one)
 */
void rig_up_with(struct rig *r, unsigned int n, unsigned int workers, const uint64_t *feat,
		 uint32_t cap, void (*conf_cb)(struct vn_port *p, unsigned int i),
		 uint32_t (*clock)(void));

/**
 * rig_up_cfg() - rig_up_with() with a whole switch configuration
 * @r:		rig to fill
 * @n:		ports (at most RIG_PORTS_MAX), attached round-robin to the workers
 * @cfg:	switch options (workers, poll_us, cpus, ...)
 * @feat:	offload features of each switch end (NULL: all on)
 * @cap:	pair queue capacity (0: the pair's default)
 * @conf_cb:	called on each switch end before it is attached (may be NULL)
 * @clock:	switch clock (NULL: the real one)
 */
void rig_up_cfg(struct rig *r, unsigned int n, const struct vn_sw_config *cfg,
		const uint64_t *feat, uint32_t cap,
		void (*conf_cb)(struct vn_port *p, unsigned int i), uint32_t (*clock)(void));

/**
 * rig_down() - Drop what waits at the test ends, destroy the switch, close the test ends
 * @r:		rig
 */
void rig_down(struct rig *r);

/**
 * host_rx() - Receive up to @max frames at test end @i
 * @r:		rig
 * @i:		port
 * @pkts:	out
 * @max:	room in @pkts
 *
 * Return: frames received
 */
unsigned int host_rx(struct rig *r, unsigned int i, struct vn_pkt **pkts, unsigned int max);

/**
 * count_rx() - Frames waiting at test end @i; they are released
 * @r:		rig
 * @i:		port
 *
 * Return: how many there were
 */
unsigned int count_rx(struct rig *r, unsigned int i);

/**
 * drain_all() - Release what waits at every test end
 * @r:		rig
 */
void drain_all(struct rig *r);

/**
 * host_tx() - Send @p from test end @i (the test fails if it is not taken)
 * @r:		rig
 * @i:		port
 * @p:		frame
 */
void host_tx(struct rig *r, unsigned int i, struct vn_pkt *p);

/**
 * run() - Run every worker's loop 8 times (workers that do not exist are skipped)
 * @r:		rig
 */
void run(struct rig *r);

#endif /* VN_TESTS_SWITCH_RIG_H */
