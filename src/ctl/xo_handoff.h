/* SPDX-License-Identifier: MIT */
/* xo_handoff.h - a guest XDP program follows its VM through a live migration (xdp-offload-state=)
 *
 * A vhost-user port with xdp-offload-state=FILE hands its guest's program
 * and maps on when QEMU stops the device for a live migration (the first
 * receive queue stopped while dirty logging was on: port->handoffs), by
 * writing FILE in the export format (xo_export.h); the port where the VM
 * starts next (another port of this vnetd, or a port of another vnetd that
 * sees the same file) takes it up when its device starts, under its own
 * quotas, and removes FILE. Both ports must name the file: that is how
 * both vnetds allow it. ctl/xo_srv.c decides when (its channel state);
 * this file does the file work.
 */
#ifndef VN_CTL_XO_HANDOFF_H
#define VN_CTL_XO_HANDOFF_H

#include <stddef.h>

struct vn_sw;

/**
 * vn_xo_handoff_out() - Write a port's guest program and maps to its state file
 * @sw:		switch
 * @port:	port name
 * @state:	the port's xdp-offload-state file
 * @err:	the reason on failure
 * @err_sz:	its size
 *
 * The file is written beside @state (@state plus ".tmp", mode 0600, synced)
 * and renamed over it, so a reader sees all of it or nothing. Without a
 * guest program, a @state left from an earlier migration is removed: the
 * next start must not take up a program this VM no longer had.
 *
 * Return: 0 (written), 1 (no guest program: nothing to hand on), or a
 *	   negative errno (@err says what failed)
 */
int vn_xo_handoff_out(struct vn_sw *sw, const char *port, const char *state, char *err,
		      size_t err_sz);

/**
 * vn_xo_handoff_in() - Take up a handed-on program from a port's state file
 * @sw:		switch
 * @port:	port name; its xdp-offload-* quotas apply
 * @state:	the port's xdp-offload-state file
 * @err:	the reason on failure
 * @err_sz:	its size
 *
 * Loads the file into the port's guest slot (vn_xo_import_guest()) and
 * removes it. A port that already has a guest program keeps it (the
 * guest loaded one itself since it started) and the file stays.
 *
 * Return: 0 (taken up), -ENOENT (no file: not written yet, or nothing to
 *	   take up), -EEXIST (the port has a guest program), or a negative
 *	   errno of the import (@err says why; the file stays)
 */
int vn_xo_handoff_in(struct vn_sw *sw, const char *port, const char *state, char *err,
		     size_t err_sz);

#endif /* VN_CTL_XO_HANDOFF_H */
