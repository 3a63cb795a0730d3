/* SPDX-License-Identifier: MIT */
/* tap.h - Linux tap ports: the spec keys and what the tap kind reports
 *
 * Spec: "tap:name=IFNAME[,offload=on|off][,queues=N][,create=on|off]
 * [,netns=NAME|PATH]" plus the generic keys. netns= opens the tap inside
 * that network namespace (a name under /run/netns, or a path such as
 * /proc/PID/ns/net). create=on (default) creates the tap if it is missing
 * (it then disappears when the port closes) and attaches to an existing
 * persistent one otherwise (left in place on close); create=off only
 * attaches.
 */
#ifndef VN_PORT_TAP_H
#define VN_PORT_TAP_H

#include <stdbool.h>

#include "port.h"

#define VN_TAP_QUEUES_MAX	16

/**
 * vn_tap_created() - Whether the port created its tap (it goes on close)
 * @port:	a tap port
 *
 * Return: true if created by vnetd, false if attached (or not a tap)
 */
bool vn_tap_created(const struct vn_port *port);

/**
 * vn_tap_tun_offloads() - TUN_F_* flags the kernel granted at open
 * @port:	a tap port
 *
 * Return: the flags given to TUNSETOFFLOAD that the kernel accepted
 */
unsigned int vn_tap_tun_offloads(const struct vn_port *port);

#endif /* VN_PORT_TAP_H */
