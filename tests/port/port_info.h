/* SPDX-License-Identifier: MIT */
/* port_info.h - what the unit tests read of vn_port_info() */
#ifndef VN_TEST_PORT_INFO_H
#define VN_TEST_PORT_INFO_H

#include <stdbool.h>
#include <string.h>

#include "port/port.h"

/* The port's own word on its link (vn_port_info()), as vnetctl port list shows it */
static inline bool port_up(const struct vn_port *p)
{
	struct vn_port_info info;

	vn_port_info(p, &info);
	return info.link_up;
}

/* The value of the detail @key the port reports, or NULL */
static inline const char *port_detail(const struct vn_port *p, const char *key)
{
	static struct vn_port_info info;

	vn_port_info(p, &info);
	for (unsigned int i = 0; i < info.n; i++)
		if (!strcmp(info.detail[i].key, key))
			return info.detail[i].val;
	return NULL;
}

#endif /* VN_TEST_PORT_INFO_H */
