/* SPDX-License-Identifier: MIT */
/* fdpass.h - file descriptors passed with a control request (SCM_RIGHTS)
 *
 * "xdp attach" names an object file, but the daemon never opens a path a
 * client names: vnetctl opens the file itself, with the user's own rights
 * and in the user's own cwd, and sends the open descriptor with the request
 * line as SCM_RIGHTS ancillary data on the control socket. The daemon reads
 * the object through that descriptor only (a regular file, size-capped by
 * the object loader), so a relative path means what the user meant, a
 * private /tmp of the daemon's unit does not matter, and a client cannot
 * make the daemon probe files it could not open itself.
 *
 * The server keeps at most one received descriptor per client, hands it to
 * the next request it runs and closes it afterwards; extra descriptors are
 * closed at once.
 */
#ifndef VN_CTL_FDPASS_H
#define VN_CTL_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/**
 * vn_ctl_fdpass_send() - Send @len bytes on a unix socket, @fd riding on the first
 * @sock:	connected unix stream socket (blocking)
 * @buf:	bytes (a request line)
 * @len:	their number
 * @fd:		descriptor to pass, or -1 for none
 *
 * Return: 0, or a negative errno
 */
int vn_ctl_fdpass_send(int sock, const void *buf, size_t len, int fd);

/**
 * vn_ctl_fdpass_recv() - recv() that also takes the descriptors sent along
 * @sock:	unix stream socket
 * @buf:	buffer
 * @len:	its size
 * @fd:		in: a descriptor already held (-1: none); out: the one to hold.
 *		Of the descriptors that arrive, the first is kept if none is
 *		held, every other is closed (all are close-on-exec).
 *
 * Return: bytes read (0 at EOF), or -1 with errno set, as recv(MSG_DONTWAIT)
 */
ssize_t vn_ctl_fdpass_recv(int sock, void *buf, size_t len, int *fd);

/**
 * vn_ctl_xdp_spec_file() - Where FILE is in an XDP spec PORT:DIR:FILE[:...]
 * @spec:	the spec (the user's words, not yet validated)
 * @off:	output: offset of FILE
 * @len:	output: its length
 *
 * Only finds the field; vn_sw_xdp_spec_parse() in the daemon checks the
 * whole spec. The FILE it finds is the one that parser takes.
 *
 * Return: 0, or -EINVAL if there is no non-empty third field
 */
int vn_ctl_xdp_spec_file(const char *spec, size_t *off, size_t *len);

#endif /* VN_CTL_FDPASS_H */
