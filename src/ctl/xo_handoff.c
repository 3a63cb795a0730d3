// SPDX-License-Identifier: MIT
/* xo_handoff.c - a guest XDP program follows its VM through a live migration (xo_handoff.h) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "switch/xdp_hook.h"
#include "xo_handoff.h"
#include "xo_migrate.h"

int vn_xo_handoff_out(struct vn_sw *sw, const char *port, const char *state, char *err,
		      size_t err_sz)
{
	char tmp[4096];
	int fd, rc;

	err[0] = '\0';
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", state) >= sizeof(tmp)) {
		snprintf(err, err_sz, "state file path too long");
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_sz, "%s: %s", tmp, strerror(-rc));
		return rc;
	}
	rc = vn_xo_export_guest(sw, port, fd, err, err_sz);
	if (rc == -ENOENT) {
		/* no guest program: no stale file may speak for this VM */
		close(fd);
		unlink(tmp);
		err[0] = '\0';
		if (unlink(state) && errno != ENOENT) {
			rc = -errno;
			snprintf(err, err_sz, "removing the stale %s: %s", state, strerror(-rc));
			return rc;
		}
		return 1;
	}
	if (!rc && fsync(fd)) {
		rc = -errno;
		snprintf(err, err_sz, "%s: %s", tmp, strerror(-rc));
	}
	close(fd);
	if (!rc && rename(tmp, state)) {
		rc = -errno;
		snprintf(err, err_sz, "renaming %s to %s: %s", tmp, state, strerror(-rc));
	}
	if (rc)
		unlink(tmp);
	return rc;
}

int vn_xo_handoff_in(struct vn_sw *sw, const char *port, const char *state, char *err,
		     size_t err_sz)
{
	struct vn_sw_xdp *ref;
	int fd, rc;

	err[0] = '\0';
	fd = open(state, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = -errno;
		if (rc != -ENOENT)
			snprintf(err, err_sz, "%s: %s", state, strerror(-rc));
		return rc;
	}
	if (!vn_sw_xdp_guest_get(sw, port, &ref)) {
		vn_sw_xdp_put(ref);
		close(fd);
		snprintf(err, err_sz, "the guest loaded a program of its own first");
		return -EEXIST;
	}
	rc = vn_xo_import_guest(sw, port, fd, err, err_sz);
	close(fd);
	if (rc)
		return rc;
	if (unlink(state) && errno != ENOENT) {
		/* taken up all the same; a later start would only find EEXIST */
		snprintf(err, err_sz, "removing %s: %s", state, strerror(errno));
	}
	return 0;
}
