// SPDX-License-Identifier: MIT
/* port_netns.c - netns=: a port's kernel objects (tap, sockets) made in another network namespace
 *
 * A tap belongs to the namespace /dev/net/tun was opened in, a socket to the
 * namespace it was created in, and both stay there whatever the creating
 * thread does afterwards. So a kind that takes netns= enters the namespace
 * on the calling thread only (setns() on one thread of a process is
 * allowed for network namespaces), creates what it needs, and comes back
 * before it returns (vn_port_netns_enter(), vn_port_netns_leave()).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "port_internal.h"

/**
 * vn_port_netns_path() - Resolve netns= to a path: a name under /run/netns, or a path
 * @port:	port, for messages
 * @val:	the value
 * @path:	output
 * @len:	its size
 *
 * Return: 0 or -EINVAL (logged)
 */
int vn_port_netns_path(const struct vn_port *port, const char *val, char *path, size_t len)
{
	size_t i;

	if (val[0] == '/') {
		snprintf(path, len, "%s", val);
		return 0;
	}
	for (i = 0; val[i]; i++) {
		char c = val[i];

		/* a name that would leave /run/netns ("..", "a/b") or is not a name */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || (c == '.' && i > 0)))
			break;
	}
	if (i == 0 || val[i] || i > 64) {
		vn_err("port '%s': bad value '%s' for 'netns' (a name in /run/netns or a path)",
		       port->name, val);
		return -EINVAL;
	}
	snprintf(path, len, "/run/netns/%s", val);
	return 0;
}

/**
 * vn_port_netns_enter() - Move the calling thread into the namespace netns= names
 * @port:	port, for messages
 * @val:	netns= value
 * @self:	output: the thread's own namespace, for vn_port_netns_leave()
 *
 * Return: 0 or a negative errno (logged); on error the thread has not moved
 */
int vn_port_netns_enter(const struct vn_port *port, const char *val, int *self)
{
	char path[256];
	int target, ret;

	ret = vn_port_netns_path(port, val, path, sizeof(path));
	if (ret)
		return ret;
	*self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*self < 0)
		return -errno;
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0 || setns(target, CLONE_NEWNET) < 0) {
		ret = -errno;
		vn_err("port '%s': netns %s: %s", port->name, path, strerror(errno));
		if (target >= 0)
			close(target);
		close(*self);
		*self = -1;
		return ret;
	}
	close(target);
	return 0;
}

/**
 * vn_port_netns_leave() - Back to the namespace vn_port_netns_enter() left
 * @self:	what vn_port_netns_enter() gave
 */
void vn_port_netns_leave(int self)
{
	/* Staying would put every later port of this thread there */
	VN_ASSERT(setns(self, CLONE_NEWNET) == 0);
	close(self);
}
