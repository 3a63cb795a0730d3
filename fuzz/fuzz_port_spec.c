// SPDX-License-Identifier: MIT
/* fuzz_port_spec.c - libFuzzer target: port spec strings (parse with and without
 * a message, then open a pair) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "port/port.h"

static void mute(enum vn_log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_port_args args;
	struct vn_port *port;
	char msg[192];
	unsigned int i;
	char *spec;
	int ret;

	vn_log_set_sink(mute);
	spec = malloc(size + 1);
	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	/* the message variant agrees with the plain one, and every refusal says why
	 * in a terminated string, even through a small buffer */
	msg[0] = '\0';
	ret = vn_port_args_parse_msg(spec, &args, msg, size % 2 ? sizeof(msg) : 16);
	if ((ret != 0) != (msg[0] != '\0') || !memchr(msg, '\0', sizeof(msg)))
		abort();
	if (vn_port_args_parse(spec, &args) != ret)
		abort();
	if (ret == 0) {
		/* invariants: bounded count, terminated strings, lookups agree */
		if (args.n > VN_PORT_ARGS_MAX || !memchr(args.kind, '\0', sizeof(args.kind)))
			abort();
		for (i = 0; i < args.n; i++) {
			if (!memchr(args.kv[i].key, '\0', sizeof(args.kv[i].key)) ||
			    !memchr(args.kv[i].val, '\0', sizeof(args.kv[i].val)) ||
			    !args.kv[i].key[0] ||
			    vn_port_arg(&args, args.kv[i].key) != args.kv[i].val)
				abort();
		}
		/* the guest offload keys (xdp-offload*): any kind, any value; a
		 * success leaves defaults or values in range and no such key */
		{
			struct vn_port_args rest = args;
			struct vn_port_xo xo;

			msg[0] = '\0';
			if (vn_port_xo_parse(&rest, &xo, msg, size % 3 ? sizeof(msg) : 8)) {
				if (!msg[0] || !memchr(msg, '\0', sizeof(msg)))
					abort();
			} else {
				if (rest.n > args.n || !memchr(xo.path, '\0', sizeof(xo.path)) ||
				    xo.mem < VN_PORT_XO_MEM_MIN || xo.mem > VN_PORT_XO_MEM_MAX ||
				    !xo.insns || xo.insns > VN_PORT_XO_INSNS_MAX ||
				    xo.maps > VN_PORT_XO_MAPS_MAX)
					abort();
				for (i = 0; i < rest.n; i++)
					if (!strncmp(rest.kv[i].key, "xdp-offload", 11))
						abort();
			}
		}
		/* the generic keys and the pair kind, with small pools only */
		if (!strcmp(args.kind, "pair") && !vn_port_arg(&args, "pool") &&
		    !vn_port_arg(&args, "capacity") && vn_port_open(spec, 0, &port) == 0) {
			if (!port->name[0] || port->mtu < 68 || port->conf.ntrunk > VN_PORT_TRUNK_MAX)
				abort();
			vn_port_close(port);
		}
	}
	free(spec);
	return 0;
}
