// SPDX-License-Identifier: MIT
/* port.c - the generic port layer: spec parsing, kind registry, generic keys, counters
 *
 * Trust boundary: a spec string comes from the command line, a config file
 * or a control client. vn_port_args_parse() checks every length and count
 * before copying, rejects control characters, empty keys and duplicates, and
 * never writes past struct vn_port_args (fuzz/fuzz_port_spec.c).
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/pool.h"
#include "port.h"
#include "port_internal.h"
#include "port_kinds.h"

#define VN_PORT_SPEC_MAX	4096	/* longest spec string accepted */
#define VN_PORT_POOL_DEFAULT	2048
#define VN_PORT_MTU_DEFAULT	1500
#define VN_PORT_MTU_MIN		68	/* RFC 791 minimum */
#define VN_PORT_MTU_MAX		65535

static const struct vn_port_ops *const port_kinds[] = {
#define VN_PORT_KIND_REF(name)	&vn_##name##_port_ops,
	VN_PORT_KINDS(VN_PORT_KIND_REF)
#undef VN_PORT_KIND_REF
};

/**
 * key_char_ok() - Whether @c may appear in a kind or key name
 * @c:		character
 *
 * Return: true for [a-z0-9_-]
 */
static bool key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/**
 * val_char_ok() - Whether @c may appear in a value
 * @c:		character
 *
 * Return: false for control characters and DEL (they would end up in logs)
 */
static bool val_char_ok(char c)
{
	return (unsigned char)c >= 0x20 && c != 0x7f;
}

/* Why a spec was refused, when the caller asked (@msg NULL: it did not) */
static void why(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/* "tap, vhost-user, pair": the kinds a spec may name */
static const char *kinds_list(char *buf, size_t len)
{
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; i < VN_ARRAY_SIZE(port_kinds) && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					port_kinds[i]->kind);
	return buf;
}

/**
 * parse_kind() - Copy the kind name at the start of @spec
 * @spec:	spec string
 * @args:	output, @args->kind
 * @msg:	why it was refused (may be NULL)
 * @msglen:	its size
 *
 * Return: length consumed (up to, not including, ':' or the end), or a
 *	   negative errno
 */
static int parse_kind(const char *spec, struct vn_port_args *args, char *msg, size_t msglen)
{
	size_t n = strcspn(spec, ":");
	char kinds[64];
	size_t i;

	/* "" or ":x": no kind at all */
	if (n == 0) {
		why(msg, msglen, "no kind before ':' (expected kind:key=value,..., e.g. "
		    "tap:name=vnet0)");
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		/* kind with characters no kind name has, or longer than any */
		if (!key_char_ok(spec[i]) || n >= sizeof(args->kind)) {
			why(msg, msglen, "'%.*s' is not a port kind (kinds: %s)", (int)VN_MIN(n, 32),
			    spec, kinds_list(kinds, sizeof(kinds)));
			return n >= sizeof(args->kind) ? -E2BIG : -EINVAL;
		}
	memcpy(args->kind, spec, n);
	args->kind[n] = '\0';
	return (int)n;
}

/* "20" after "trunk=10": a VLAN list split at ',' instead of ':' */
static bool all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

/* An item without '=': say what it probably meant */
static void not_kv(const char *item, size_t len, const struct vn_port_args *args, char *msg,
		   size_t msglen)
{
	const char *prev = args->n ? args->kv[args->n - 1].key : NULL;
	const char *pval = args->n ? args->kv[args->n - 1].val : NULL;
	int l = (int)VN_MIN(len, 64);

	if (prev && !strcmp(prev, "trunk") && all_digits(item, len))
		why(msg, msglen, "'%.*s' is not key=value (trunk VLANs are separated by ':', "
		    "e.g. trunk=%.32s:%.*s)", l, item, pval, l, item);
	else if (prev && !strcmp(prev, "vlan") && all_digits(item, len))
		why(msg, msglen, "'%.*s' is not key=value (vlan= is the one untagged VLAN; "
		    "tagged ones are a trunk, e.g. trunk=%.32s:%.*s)", l, item, pval, l, item);
	else if (!args->n && !memchr(item, ':', len))
		why(msg, msglen, "'%.*s' is not key=value (did you mean name=%.*s?)", l, item, l,
		    item);
	else
		why(msg, msglen, "'%.*s' is not key=value", l, item);
}

/**
 * parse_kv() - Copy one "key=value" item of @len bytes into the next slot
 * @item:	start of the item (not NUL-terminated at @len)
 * @len:	bytes in the item
 * @args:	output
 * @msg:	why it was refused (may be NULL)
 * @msglen:	its size
 *
 * Return: 0 or a negative errno
 */
static int parse_kv(const char *item, size_t len, struct vn_port_args *args, char *msg,
		    size_t msglen)
{
	const char *eq = memchr(item, '=', len);
	size_t klen, vlen, i;

	/* ",," or a trailing ',' */
	if (len == 0) {
		why(msg, msglen, "empty item (two ',' in a row, or a trailing ',')");
		return -EINVAL;
	}
	/* "key" without '=' */
	if (!eq) {
		not_kv(item, len, args, msg, msglen);
		return -EINVAL;
	}
	/* "=value" without a key */
	if (eq == item) {
		why(msg, msglen, "'%.*s' has no key before '='", (int)VN_MIN(len, 64), item);
		return -EINVAL;
	}
	klen = (size_t)(eq - item);
	vlen = len - klen - 1;
	/* more items than the table holds */
	if (args->n >= VN_PORT_ARGS_MAX) {
		why(msg, msglen, "more than %d key=value items", VN_PORT_ARGS_MAX);
		return -E2BIG;
	}
	/* key or value longer than its slot (room for the NUL) */
	if (klen >= sizeof(args->kv[0].key) || vlen >= sizeof(args->kv[0].val)) {
		why(msg, msglen, "%s '%.*s' is longer than %zu characters",
		    klen >= sizeof(args->kv[0].key) ? "key" : "the value of",
		    (int)VN_MIN(klen, 32), item, klen >= sizeof(args->kv[0].key) ?
		    sizeof(args->kv[0].key) - 1 : sizeof(args->kv[0].val) - 1);
		return -E2BIG;
	}
	for (i = 0; i < klen; i++)
		if (!key_char_ok(item[i])) {
			why(msg, msglen, "key '%.*s': only a-z, 0-9, '_' and '-' are allowed",
			    (int)klen, item);
			return -EINVAL;
		}
	for (i = 0; i < vlen; i++)
		if (!val_char_ok(eq[1 + i])) {
			why(msg, msglen, "the value of '%.*s' contains a control character",
			    (int)klen, item);
			return -EINVAL;
		}
	memcpy(args->kv[args->n].key, item, klen);
	args->kv[args->n].key[klen] = '\0';
	/* same key twice: which one would win is a guess, so refuse */
	if (vn_port_arg(args, args->kv[args->n].key)) {
		why(msg, msglen, "duplicate key '%s'", args->kv[args->n].key);
		return -EINVAL;
	}
	memcpy(args->kv[args->n].val, eq + 1, vlen);
	args->kv[args->n].val[vlen] = '\0';
	args->n++;
	return 0;
}

/**
 * vn_port_args_parse_msg() - Split "kind:key=value,..." into @args, saying why not
 * @spec:	spec string (outside input: every length and count is checked)
 * @args:	output (zeroed first)
 * @msg:	on failure, what was wrong and what is accepted (may be NULL)
 * @msglen:	its size
 *
 * "kind" and "kind:" give no keys; an empty item (",,", trailing ',') is
 * malformed. Values may be empty and may contain '=' and ':' but not ','.
 *
 * Return: 0, -EINVAL for a malformed spec, -E2BIG for too many or too long
 *	   keys/values
 */
int vn_port_args_parse_msg(const char *spec, struct vn_port_args *args, char *msg,
			   size_t msglen)
{
	const char *p;
	size_t total;
	int ret;

	memset(args, 0, sizeof(*args));
	if (!spec) {
		why(msg, msglen, "no spec");
		return -EINVAL;
	}
	total = strnlen(spec, VN_PORT_SPEC_MAX + 1);
	/* a spec longer than anything a sane caller writes */
	if (total > VN_PORT_SPEC_MAX) {
		why(msg, msglen, "longer than %d characters", VN_PORT_SPEC_MAX);
		return -E2BIG;
	}
	ret = parse_kind(spec, args, msg, msglen);
	if (ret < 0)
		return ret;
	p = spec + ret;
	if (*p == '\0' || p[1] == '\0')
		return 0;
	p++;
	for (;;) {
		size_t len = strcspn(p, ",");

		ret = parse_kv(p, len, args, msg, msglen);
		if (ret < 0) {
			memset(args, 0, sizeof(*args));
			return ret;
		}
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/**
 * vn_port_args_parse() - Split "kind:key=value,key=value" into @args
 * @spec:	spec string (outside input: every length and count is checked)
 * @args:	output (zeroed first)
 *
 * Return: see vn_port_args_parse_msg()
 */
int vn_port_args_parse(const char *spec, struct vn_port_args *args)
{
	return vn_port_args_parse_msg(spec, args, NULL, 0);
}

/**
 * vn_port_arg() - Value of @key in @args
 * @args:	parsed spec
 * @key:	key
 *
 * Return: the value, or NULL if absent
 */
const char *vn_port_arg(const struct vn_port_args *args, const char *key)
{
	unsigned int i;

	for (i = 0; i < args->n && i < VN_PORT_ARGS_MAX; i++)
		if (!strcmp(args->kv[i].key, key))
			return args->kv[i].val;
	return NULL;
}

/**
 * vn_port_arg_u32() - Parse @val as a decimal number in [@min, @max]
 * @val:	string
 * @min:	smallest accepted
 * @max:	largest accepted
 * @out:	result
 *
 * Return: 0, or -EINVAL if not a plain decimal number in range
 */
int vn_port_arg_u32(const char *val, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;
	const char *p;

	/* empty, or longer than any 32-bit number */
	if (!val || !*val || strlen(val) > 10)
		return -EINVAL;
	for (p = val; *p; p++) {
		/* sign, space, hex or trailing junk */
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/**
 * vn_port_arg_bool() - Parse "on|off|yes|no|1|0|true|false"
 * @val:	string
 * @out:	result
 *
 * Return: 0, or -EINVAL
 */
int vn_port_arg_bool(const char *val, bool *out)
{
	static const char *const yes[] = { "on", "yes", "1", "true" };
	static const char *const no[] = { "off", "no", "0", "false" };
	unsigned int i;

	for (i = 0; i < VN_ARRAY_SIZE(yes); i++) {
		if (!strcmp(val, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(val, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * parse_trunk() - Parse "10:20:30" into @conf->trunk
 * @name:	port name, for messages
 * @val:	the value
 * @conf:	output
 *
 * Return: 0 or -EINVAL (logged)
 */
static int parse_trunk(const char *name, const char *val, struct vn_port_conf *conf)
{
	char item[8];
	const char *p = val;
	uint32_t vid;
	unsigned int i;

	conf->ntrunk = 0;
	for (;;) {
		size_t len = strcspn(p, ":");

		/* empty item, or longer than any VLAN id */
		if (len == 0 || len >= sizeof(item))
			goto bad;
		memcpy(item, p, len);
		item[len] = '\0';
		if (vn_port_arg_u32(item, 1, 4094, &vid))
			goto bad;
		for (i = 0; i < conf->ntrunk; i++)
			if (conf->trunk[i] == vid)
				goto bad;
		/* more VLANs than the list holds */
		if (conf->ntrunk >= VN_PORT_TRUNK_MAX) {
			vn_err("port '%s': trunk: more than %u VLANs", name, VN_PORT_TRUNK_MAX);
			return -EINVAL;
		}
		conf->trunk[conf->ntrunk++] = (uint16_t)vid;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
bad:
	vn_err("port '%s': trunk: '%s' is not a ':'-separated list of distinct VLAN ids 1-4094",
	       name, val);
	return -EINVAL;
}

/* SIZE: decimal bytes with an optional K, M or G suffix (powers of 1024) */
static int parse_size(const char *val, uint64_t *out)
{
	unsigned long long v = 0;
	unsigned int shift = 0;
	size_t n = strlen(val);
	const char *p;

	if (n && (val[n - 1] == 'K' || val[n - 1] == 'k'))
		shift = 10;
	else if (n && (val[n - 1] == 'M' || val[n - 1] == 'm'))
		shift = 20;
	else if (n && (val[n - 1] == 'G' || val[n - 1] == 'g'))
		shift = 30;
	if (shift)
		n--;
	/* empty, or more digits than any accepted size has */
	if (!n || n > 13)
		return -EINVAL;
	for (p = val; p < val + n; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	/* past the largest accepted before the shift can overflow */
	if (v > (VN_PORT_XO_MEM_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int vn_port_xo_parse(struct vn_port_args *args, struct vn_port_xo *xo, char *msg, size_t msglen)
{
	struct vn_port_args rest = { .n = 0 };
	bool quota = false;
	unsigned int i;

	memset(xo, 0, sizeof(*xo));
	xo->mem = VN_PORT_XO_MEM_DEFAULT;
	xo->insns = VN_PORT_XO_INSNS_DEFAULT;
	xo->maps = VN_PORT_XO_MAPS_DEFAULT;
	msg[0] = '\0';
	memcpy(rest.kind, args->kind, sizeof(rest.kind));
	for (i = 0; i < args->n && i < VN_PORT_ARGS_MAX; i++) {
		const char *k = args->kv[i].key, *val = args->kv[i].val;

		if (strncmp(k, "xdp-offload", 11)) {
			rest.kv[rest.n++] = args->kv[i];
			continue;
		}
		if (strcmp(args->kind, "tap") && strcmp(args->kind, "vhost-user")) {
			why(msg, msglen, "'%s' is only for tap and vhost-user ports", k);
			return -EINVAL;
		}
		if (!strcmp(k, "xdp-offload-state")) {
			if (strcmp(args->kind, "vhost-user")) {
				why(msg, msglen, "xdp-offload-state is only for vhost-user ports "
				    "(a tap's guest does not migrate)");
				return -EINVAL;
			}
			if (val[0] != '/' || strlen(val) >= sizeof(xo->state)) {
				why(msg, msglen, "xdp-offload-state: expected an absolute file path "
				    "of 2-%d bytes", VN_PORT_XO_STATE_MAX - 1);
				return -EINVAL;
			}
			snprintf(xo->state, sizeof(xo->state), "%s", val);
			quota = true;
			continue;
		}
		if (!strcmp(k, "xdp-offload")) {
			/* a path the kernel would cut (sun_path) */
			if (!val[0] || strlen(val) >= sizeof(xo->path)) {
				why(msg, msglen, "xdp-offload: expected a socket path of 1-%d bytes",
				    VN_PORT_XO_PATH_MAX - 1);
				return -EINVAL;
			}
			snprintf(xo->path, sizeof(xo->path), "%s", val);
			continue;
		}
		quota = true;
		if (!strcmp(k, "xdp-offload-mem")) {
			if (parse_size(val, &xo->mem) || xo->mem < VN_PORT_XO_MEM_MIN ||
			    xo->mem > VN_PORT_XO_MEM_MAX) {
				why(msg, msglen, "xdp-offload-mem: bad size '%.40s' (expected "
				    "64K-1024G, e.g. 16M)", val);
				return -EINVAL;
			}
		} else if (!strcmp(k, "xdp-offload-insns")) {
			if (vn_port_arg_u32(val, 1, VN_PORT_XO_INSNS_MAX, &xo->insns)) {
				why(msg, msglen, "xdp-offload-insns: bad value '%.40s' (expected "
				    "1-%d)", val, VN_PORT_XO_INSNS_MAX);
				return -EINVAL;
			}
		} else if (!strcmp(k, "xdp-offload-maps")) {
			if (vn_port_arg_u32(val, 0, VN_PORT_XO_MAPS_MAX, &xo->maps)) {
				why(msg, msglen, "xdp-offload-maps: bad value '%.40s' (expected "
				    "0-%d)", val, VN_PORT_XO_MAPS_MAX);
				return -EINVAL;
			}
		} else {
			why(msg, msglen, "unknown key '%s' (xdp-offload, xdp-offload-mem, "
			    "xdp-offload-insns, xdp-offload-maps, xdp-offload-state)", k);
			return -EINVAL;
		}
	}
	if (quota && !xo->path[0]) {
		why(msg, msglen, "xdp-offload-mem/-insns/-maps/-state need xdp-offload=PATH");
		return -EINVAL;
	}
	*args = rest;
	return 0;
}

/**
 * parse_generic() - Take the generic keys out of @args into @port
 * @port:	port (name set, conf zeroed)
 * @args:	in: all keys; out: the keys left for the kind
 *
 * Return: 0 or -EINVAL (logged, naming the key)
 */
static int parse_generic(struct vn_port *port, struct vn_port_args *args)
{
	struct vn_port_args rest = { .n = 0 };
	unsigned int i;
	uint32_t v;

	char msg[160];

	/* the guest offload keys first: the kind never sees them */
	if (vn_port_xo_parse(args, &port->conf.xo, msg, sizeof(msg))) {
		vn_err("port '%s': %s", port->name, msg);
		return -EINVAL;
	}
	memcpy(rest.kind, args->kind, sizeof(rest.kind));
	port->conf.pool_size = VN_PORT_POOL_DEFAULT;
	port->conf.max_macs = VN_PORT_MACS_DEFAULT;
	for (i = 0; i < args->n; i++) {
		const char *k = args->kv[i].key, *val = args->kv[i].val;

		if (!strcmp(k, "vlan")) {
			if (vn_port_arg_u32(val, 1, 4094, &v))
				goto bad;
			port->conf.access_vlan = (uint16_t)v;
		} else if (!strcmp(k, "trunk")) {
			if (parse_trunk(port->name, val, &port->conf))
				return -EINVAL;
		} else if (!strcmp(k, "policy")) {
			if (strcmp(val, "block") && strcmp(val, "drop"))
				goto bad;
			port->conf.drop_when_full = !strcmp(val, "drop");
		} else if (!strcmp(k, "pool")) {
			if (vn_port_arg_u32(val, 1, VN_POOL_MAX, &v))
				goto bad;
			port->conf.pool_size = v;
		} else if (!strcmp(k, "macs")) {
			if (vn_port_arg_u32(val, 1, VN_PORT_MACS_MAX, &v))
				goto bad;
			port->conf.max_macs = v;
		} else if (!strcmp(k, "mtu")) {
			if (vn_port_arg_u32(val, VN_PORT_MTU_MIN, VN_PORT_MTU_MAX, &v))
				goto bad;
			port->mtu = v;
		} else {
			rest.kv[rest.n++] = args->kv[i];
		}
		continue;
bad:
		vn_err("port '%s': bad value '%s' for '%s' (%s)", port->name, val, k,
		       !strcmp(k, "vlan") ? "expected 1-4094" :
		       !strcmp(k, "policy") ? "expected block or drop" :
		       !strcmp(k, "pool") ? "expected 1-1048576 buffers" :
		       !strcmp(k, "macs") ? "expected 1-4194304 addresses" : "expected 68-65535");
		return -EINVAL;
	}
	*args = rest;
	return 0;
}

/**
 * vn_port_args_check() - Reject keys a kind does not know
 * @port:	port, for the message
 * @args:	keys left after the generic ones
 * @known:	NULL-terminated list of the kind's keys
 *
 * Return: 0, or -EINVAL naming the first unknown key (logged)
 */
int vn_port_args_check(const struct vn_port *port, const struct vn_port_args *args,
		       const char *const *known)
{
	unsigned int i, j;

	for (i = 0; i < args->n; i++) {
		for (j = 0; known[j]; j++)
			if (!strcmp(args->kv[i].key, known[j]))
				break;
		if (!known[j]) {
			vn_err("port '%s': unknown key '%s' for kind %s", port->name[0] ?
			       port->name : "?", args->kv[i].key, args->kind);
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * vn_port_kind_find() - Look up a kind by its spec name
 * @kind:	"tap", "pair", ...
 *
 * Return: the ops, or NULL
 */
const struct vn_port_ops *vn_port_kind_find(const char *kind)
{
	unsigned int i;

	for (i = 0; i < VN_ARRAY_SIZE(port_kinds); i++)
		if (!strcmp(port_kinds[i]->kind, kind))
			return port_kinds[i];
	return NULL;
}

/**
 * port_alloc() - Allocate a port with @ops->priv_size bytes of private state
 * @ops:	kind
 * @args:	parsed spec, for the name
 * @id:		port id
 * @out:	the port
 *
 * Return: 0, -EINVAL for a bad name, -ENOMEM
 */
static int port_alloc(const struct vn_port_ops *ops, const struct vn_port_args *args,
		      uint16_t id, struct vn_port **out)
{
	const char *name = vn_port_arg(args, "name");
	struct vn_port *port;

	/* "-p tap" (an unfinished spec) must not quietly become a port "tap0" */
	if (!name) {
		vn_err("port spec '%s:...': name= is required (e.g. %s:name=vnet0)", args->kind,
		       args->kind);
		return -EINVAL;
	}
	if (strlen(name) == 0 || strlen(name) >= VN_PORT_NAME_MAX) {
		vn_err("port '%.32s': name: must be 1-%d characters", name, VN_PORT_NAME_MAX - 1);
		return -EINVAL;
	}
	port = calloc(1, sizeof(*port) + VN_ALIGN_UP(ops->priv_size, 16));
	if (!port)
		return -ENOMEM;
	port->ops = ops;
	port->id = id;
	port->rx_on = true;
	port->priv = ops->priv_size ? (void *)(port + 1) : NULL;
	snprintf(port->name, sizeof(port->name), "%s", name);
	*out = port;
	return 0;
}

/**
 * vn_port_open() - Open a port from a spec string
 * @spec:	"kind:key=value,..." (name= sets the port name)
 * @id:		switch-wide port id to give it
 * @out:	the port
 *
 * Parses the generic keys into port->conf, creates the port's pool, and
 * calls the kind's open with the remaining keys. Every spec names its port
 * (name=): there are no kernel-chosen names.
 *
 * Return: 0, or a negative errno (-ENOENT unknown kind, -EINVAL bad key or
 *	   value, or what the kind returned); the reason is logged
 */
int vn_port_open(const char *spec, uint16_t id, struct vn_port **out)
{
	const struct vn_port_ops *ops;
	struct vn_port_args args;
	struct vn_port *port;
	char pool_name[48], msg[192];
	int ret;

	*out = NULL;
	ret = vn_port_args_parse_msg(spec, &args, msg, sizeof(msg));
	if (ret) {
		vn_err("port spec '%.64s': %s", spec ? spec : "(null)", msg);
		return ret;
	}
	ops = vn_port_kind_find(args.kind);
	if (!ops) {
		vn_err("port spec '%.64s': unknown kind '%s' (kinds: %s)", spec, args.kind,
		       kinds_list(msg, sizeof(msg)));
		return -ENOENT;
	}
	ret = port_alloc(ops, &args, id, &port);
	if (ret)
		return ret;
	ret = parse_generic(port, &args);
	if (ret)
		goto fail;
	snprintf(pool_name, sizeof(pool_name), "%s", port->name[0] ? port->name : ops->kind);
	ret = vn_pool_create(pool_name, port->conf.pool_size, &port->pool);
	if (ret) {
		vn_err("port '%s': pool of %u buffers: %s", port->name, port->conf.pool_size,
		       strerror(-ret));
		goto fail;
	}
	ret = ops->open(port, &args);
	if (ret)
		goto fail;	/* the kind logged why */
	if (!port->mtu)
		port->mtu = VN_PORT_MTU_DEFAULT;
	*out = port;
	return 0;
fail:
	vn_pool_destroy(port->pool);
	free(port);
	return ret;
}

/**
 * vn_port_close() - Close a port and free it and its pool
 * @port:	port, may be NULL
 *
 * Every packet of the port's pool must be back in it: the caller drains the
 * queues holding them first.
 */
void vn_port_close(struct vn_port *port)
{
	if (!port)
		return;
	port->ops->close(port);
	vn_pool_destroy(port->pool);
	free(port);
}

/* The counter table: fixed counters, then one "drop_<reason>" per reason */
#define VN_PORT_STAT(f)	{ #f, offsetof(struct vn_port_stats, f) }
#define VN_PORT_NSTATS_FIXED	27
#define VN_PORT_NSTATS		(VN_PORT_NSTATS_FIXED + VN_DROP__MAX - 1)

static struct vn_counter_desc stat_descs[VN_PORT_NSTATS] = {
	VN_PORT_STAT(rx_packets),
	VN_PORT_STAT(rx_bytes),
	VN_PORT_STAT(tx_packets),
	VN_PORT_STAT(tx_bytes),
	VN_PORT_STAT(csum_sw),
	VN_PORT_STAT(gso_sw_frames),
	VN_PORT_STAT(gso_sw_segs),
	VN_PORT_STAT(gro_merged),
	VN_PORT_STAT(xdp_aborted),
	VN_PORT_STAT(xdp_drop),
	VN_PORT_STAT(xdp_pass),
	VN_PORT_STAT(xdp_tx),
	VN_PORT_STAT(xdp_redirect),
	VN_PORT_STAT(ring_full),
	VN_PORT_STAT(rx_paused),
	VN_PORT_STAT(macs_refused),
	VN_PORT_STAT(mem_faults),
	VN_PORT_STAT(unsealed_regions),
	VN_PORT_STAT(calls_skipped),
	VN_PORT_STAT(calls_stuck),
	VN_PORT_STAT(mrg_cap),
	VN_PORT_STAT(bad_messages),
	VN_PORT_STAT(vq_violations),
	VN_PORT_STAT(tx_calls),
	VN_PORT_STAT(rx_calls),
	VN_PORT_STAT(rx_gro_dgrams),
	VN_PORT_STAT(tx_ring_bypass),
};
_Static_assert(offsetof(struct vn_port_stats, drops) == VN_PORT_NSTATS_FIXED * sizeof(uint64_t),
	       "a counter was added to struct vn_port_stats: add it to stat_descs");
static char drop_stat_names[VN_DROP__MAX][48];
static pthread_once_t stat_once = PTHREAD_ONCE_INIT;

/**
 * stat_descs_init() - Fill the drop entries of the table from VN_DROP_REASONS
 */
static void stat_descs_init(void)
{
	unsigned int r;

	/* reason 0 is "not dropped": no counter */
	for (r = 1; r < VN_DROP__MAX; r++) {
		snprintf(drop_stat_names[r], sizeof(drop_stat_names[r]), "drop_%s",
			 vn_drop_name(r));
		stat_descs[VN_PORT_NSTATS_FIXED + r - 1].name = drop_stat_names[r];
		stat_descs[VN_PORT_NSTATS_FIXED + r - 1].offset =
			offsetof(struct vn_port_stats, drops) + r * sizeof(uint64_t);
	}
}

/**
 * vn_port_stat_descs() - The counter table (drops appear as "drop_<reason>")
 * @n:		number of entries, output
 *
 * Return: the table
 */
const struct vn_counter_desc *vn_port_stat_descs(unsigned int *n)
{
	pthread_once(&stat_once, stat_descs_init);
	*n = VN_PORT_NSTATS;
	return stat_descs;
}

/**
 * vn_port_stat_get() - Read one counter by name
 * @port:	port
 * @name:	counter name from the table
 * @val:	output
 *
 * Return: 0, or -ENOENT for an unknown name
 */
int vn_port_stat_get(const struct vn_port *port, const char *name, uint64_t *val)
{
	const struct vn_counter_desc *d;
	unsigned int i, n;

	d = vn_port_stat_descs(&n);
	for (i = 0; i < n; i++) {
		if (!strcmp(d[i].name, name)) {
			*val = vn_counter_read(&port->stats, &d[i]);
			return 0;
		}
	}
	return -ENOENT;
}

void vn_port_info(const struct vn_port *port, struct vn_port_info *info)
{
	memset(info, 0, sizeof(*info));
	info->queues = 1;
	info->link_up = true;
	if (port->ops->info)
		port->ops->info(port, info);
}

void vn_port_info_add(struct vn_port_info *info, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (info->n >= VN_PORT_INFO_MAX)
		return;
	info->detail[info->n].key = key;
	va_start(ap, fmt);
	vsnprintf(info->detail[info->n].val, sizeof(info->detail[info->n].val), fmt, ap);
	va_end(ap);
	info->n++;
}

void vn_port_rx_enable(struct vn_port *port, bool enable)
{
	if (port->rx_on && !enable)
		port->stats.rx_paused++;
	port->rx_on = enable;
}

bool vn_port_if_running(int ctl, const char *ifname, int ifindex)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", ifname);
	if (ioctl(ctl, SIOCGIFINDEX, &ifr) || ifr.ifr_ifindex != ifindex ||
	    ioctl(ctl, SIOCGIFFLAGS, &ifr))
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

void vn_port_sock_buf(const struct vn_port *port, int fd, bool send, int size)
{
	/* without CAP_NET_ADMIN, as much as net.core.[rw]mem_max allows */
	if (setsockopt(fd, SOL_SOCKET, send ? SO_SNDBUFFORCE : SO_RCVBUFFORCE, &size,
		       sizeof(size)) &&
	    setsockopt(fd, SOL_SOCKET, send ? SO_SNDBUF : SO_RCVBUF, &size, sizeof(size)))
		vn_warn("port '%s': %s buffer left at the default: %s", port->name,
			send ? "send" : "receive", strerror(errno));
}
