/* SPDX-License-Identifier: MIT */
/* port_kinds.h - the registry of port kinds: add a kind with one line
 *
 * Each X(name) entry refers to a `const struct vn_port_ops vn_<name>_port_ops`
 * defined by the kind's file in this library; port.c turns the list into
 * its lookup table. The spec names the kind by ops->kind ("vhost-user"), not
 * by the C identifier.
 */
#ifndef VN_PORT_KINDS_H
#define VN_PORT_KINDS_H

#include "port.h"

#define VN_PORT_KINDS(X)	\
	X(tap)			\
	X(pair)			\
	X(vu)			\
	X(pcap)			\
	X(afpacket)		\
	X(afxdp)		\
	X(vxlan)		\
	X(geneve)

#define VN_PORT_KIND_DECL(name)	extern const struct vn_port_ops vn_##name##_port_ops;
VN_PORT_KINDS(VN_PORT_KIND_DECL)
#undef VN_PORT_KIND_DECL

#endif /* VN_PORT_KINDS_H */
