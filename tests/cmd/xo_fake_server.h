/* SPDX-License-Identifier: MIT */
/* xo_fake_server.h - an in-process offload server for vnet-offload's tests
 *
 * A unix socket served by the real stream engine (ctl/xo_conn.c) with a
 * small handler answering as vnetd does: one fake program with two maps,
 * an array "icmp_drops" (key 4, value 8, 1 entry) and a hash "flows"
 * (key 4, value 4, 16 entries), MAP_DUMP in pages of two entries so the
 * client's paging is exercised. Only for tests of the guest tool; the e2e
 * tests use vnetd itself.
 */
#ifndef VN_TESTS_XO_FAKE_SERVER_H
#define VN_TESTS_XO_FAKE_SERVER_H

#include <stdint.h>

/* start serving @path in a thread; 0 or -errno */
int xo_fake_start(const char *path, unsigned int delay_ms);
/* stop the thread, remove the socket */
void xo_fake_stop(void);
/* requests served (HELLO excluded), and LOADs received */
uint64_t xo_fake_requests(void);
uint64_t xo_fake_loads(void);

#endif
