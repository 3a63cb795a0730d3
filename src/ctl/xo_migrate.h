/* SPDX-License-Identifier: MIT */
/* xo_migrate.h - move a port's guest XDP program and its maps between vnetds (xo_export.h format) */
#ifndef VN_CTL_XO_MIGRATE_H
#define VN_CTL_XO_MIGRATE_H

#include <stddef.h>

struct vn_sw;

/**
 * vn_xo_export_guest() - Write a port's guest program, section and every map's entries
 * @sw:		switch
 * @port:	port name
 * @fd:		a regular file, written from its start (truncated first)
 * @err:	the reason on failure
 * @err_sz:	its size
 *
 * Return: 0, -ENOENT (no such port or no guest program), -EINVAL (not a
 *	   regular file), or a write error
 */
int vn_xo_export_guest(struct vn_sw *sw, const char *port, int fd, char *err, size_t err_sz);

/**
 * vn_xo_import_guest() - Load an export file into a port's guest slot, maps filled
 * @sw:		switch
 * @port:	port name; its xdp-offload-* quotas apply
 * @fd:		a regular file (read whole; at most what the port's quota could hold)
 * @err:	the reason on failure
 * @err_sz:	its size
 *
 * The port's running guest program is replaced only once the new one is
 * loaded, within quota, and its maps hold every entry of the file.
 *
 * Return: 0, or a negative errno (the parser's, the loader's, a map's)
 */
int vn_xo_import_guest(struct vn_sw *sw, const char *port, int fd, char *err, size_t err_sz);

#endif /* VN_CTL_XO_MIGRATE_H */
