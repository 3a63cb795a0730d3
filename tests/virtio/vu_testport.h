/* SPDX-License-Identifier: MIT */
/* vu_testport.h - open a vhost-user port directly through its ops (no switch, no port.c) */
#ifndef VN_TESTS_VU_TESTPORT_H
#define VN_TESTS_VU_TESTPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "port/vhost_user.h"

/* "key=value,key=value" into a port of kind vhost-user; NULL on failure */
static inline struct vn_port *vu_test_port_open(const char *name, const char *kv)
{
	struct vn_port *p = calloc(1, sizeof(*p));
	struct vn_port_args a;
	char buf[512], *save = NULL, *tok;

	memset(&a, 0, sizeof(a));
	strcpy(a.kind, "vhost-user");
	snprintf(buf, sizeof(buf), "%s", kv);
	for (tok = strtok_r(buf, ",", &save); tok && a.n < VN_PORT_ARGS_MAX;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = 0;
		snprintf(a.kv[a.n].key, sizeof(a.kv[a.n].key), "%s", tok);
		snprintf(a.kv[a.n].val, sizeof(a.kv[a.n].val), "%s", eq + 1);
		a.n++;
	}
	p->ops = &vn_vu_port_ops;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->mtu = 1500;
	if (vn_pool_create(name, 1024, &p->pool))
		goto fail;
	p->priv = calloc(1, p->ops->priv_size);
	if (p->ops->open(p, &a))
		goto fail;
	return p;
fail:
	if (p->pool)
		vn_pool_destroy(p->pool);
	free(p->priv);
	free(p);
	return NULL;
}

static inline void vu_test_port_close(struct vn_port *p)
{
	if (!p)
		return;
	p->ops->close(p);
	vn_pool_destroy(p->pool);
	free(p->priv);
	free(p);
}

#endif /* VN_TESTS_VU_TESTPORT_H */
