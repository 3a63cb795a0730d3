/* SPDX-License-Identifier: MIT */
/* xo_proto.h - the guest XDP offload protocol: framing, decoding and encoding
 *
 * A guest (or a container) talks to vnetd over one byte stream per port (a
 * unix socket, reached from a VM through a virtio-serial port). Every message,
 * both ways, is a 12-byte header and a payload, all integers big-endian:
 *
 *   header := magic:u16 ("XO", 0x584f) version:u8 type:u8 seq:u32 len:u32
 *
 * @len is the payload length, at most VN_XO_PAYLOAD_MAX. A reply carries the
 * @seq of its request. The full grammar of each payload is in
 * docs/xdp-offload.md. Nothing in the protocol is a host fd, pointer or
 * address: maps are named by their names in the guest's object or by small
 * per-port handles (their index in the loaded object).
 *
 * Every field is outside input: vn_xo_hdr_parse() and vn_xo_msg_decode()
 * check each size, length, count and name against the bytes actually present
 * and against the limits below (fuzz/fuzz_xo_msg.c). Decoded messages point
 * into the buffer they were decoded from; they own nothing.
 */
#ifndef VN_CTL_XO_PROTO_H
#define VN_CTL_XO_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define VN_XO_MAGIC		0x584fu		/* "XO" */
#define VN_XO_VERSION		1
#define VN_XO_HDR_LEN		12
#define VN_XO_OBJ_MAX		(1u << 20)	/* restricted owners' object cap (bpf/xdp.h) */
#define VN_XO_PAYLOAD_MAX	(VN_XO_OBJ_MAX + 256)
#define VN_XO_NAME_MAX		63		/* section and map names */
#define VN_XO_MSG_TEXT_MAX	255		/* error message text */
#define VN_XO_KV_MAX		4096		/* one key or one value */
#define VN_XO_MAPS_MAX		64		/* entries of a MAP_LIST reply */

/* HELLO capability bits */
#define VN_XO_CAP_LOAD		(1u << 0)	/* LOAD / UNLOAD */
#define VN_XO_CAP_MAPS		(1u << 1)	/* MAP_* requests */
#define VN_XO_CAP_BTF		(1u << 2)	/* BTF of the object is kept */
#define VN_XO_CAP_LOAD_FLAGS	(1u << 3)	/* LOAD's trailing flags (VN_XO_LOAD_*) */
#define VN_XO_CAP_ALL		(VN_XO_CAP_LOAD | VN_XO_CAP_MAPS | VN_XO_CAP_BTF | \
				 VN_XO_CAP_LOAD_FLAGS)

/* LOAD flags (the optional last field of its payload) */
#define VN_XO_LOAD_SEGMENT_FIRST (1u << 0)	/* cut GSO frames before the program */
#define VN_XO_LOAD_ALL		VN_XO_LOAD_SEGMENT_FIRST

/* map update flags, as BPF_ANY / BPF_NOEXIST / BPF_EXIST */
#define VN_XO_UPDATE_ANY	0
#define VN_XO_UPDATE_NOEXIST	1
#define VN_XO_UPDATE_EXIST	2

enum vn_xo_type {
	VN_XO_HELLO = 1,
	VN_XO_LOAD = 2,
	VN_XO_UNLOAD = 3,
	VN_XO_STATUS = 4,
	VN_XO_MAP_LIST = 5,
	VN_XO_MAP_LOOKUP = 6,
	VN_XO_MAP_UPDATE = 7,
	VN_XO_MAP_DELETE = 8,
	VN_XO_MAP_NEXT_KEY = 9,
	VN_XO_MAP_DUMP = 10,
	/* replies */
	VN_XO_R_OK = 0x80,		/* empty: the request was done */
	VN_XO_R_HELLO = 0x81,
	VN_XO_R_STATUS = 0x84,
	VN_XO_R_MAP_LIST = 0x85,
	VN_XO_R_VALUE = 0x86,		/* MAP_LOOKUP */
	VN_XO_R_KEY = 0x89,		/* MAP_NEXT_KEY */
	VN_XO_R_DUMP = 0x8a,
	VN_XO_R_ERROR = 0xff,
};

/**
 * struct vn_xo_hdr - a parsed message header
 * @version:	protocol version of the sender
 * @type:	VN_XO_*
 * @seq:	request number, echoed by the reply
 * @len:	payload length
 */
struct vn_xo_hdr {
	uint8_t version;
	uint8_t type;
	uint32_t seq;
	uint32_t len;
};

/**
 * struct vn_xo_bytes - a borrowed byte range
 * @p:		first byte (inside the decoded buffer), NULL when @n is 0
 * @n:		length
 */
struct vn_xo_bytes {
	const uint8_t *p;
	uint32_t n;
};

/**
 * struct vn_xo_mapref - which map a MAP_* request names
 * @by_handle:	1: @handle, 0: @name
 * @handle:	per-port handle (index of the map in the loaded object)
 * @name:	map name, 1..VN_XO_NAME_MAX bytes of [A-Za-z0-9_.], NUL-terminated
 */
struct vn_xo_mapref {
	uint8_t by_handle;
	uint16_t handle;
	char name[VN_XO_NAME_MAX + 1];
};

/**
 * struct vn_xo_map_info - one map of a MAP_LIST reply
 * @handle:	per-port handle
 * @type:	BPF map type number (BPF_MAP_TYPE_*)
 * @key_size:	bytes
 * @value_size:	bytes
 * @max_entries: capacity
 * @entries:	entries in use
 * @mem:	bytes charged to the port's quota
 * @name:	NUL-terminated name
 */
struct vn_xo_map_info {
	uint16_t handle;
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t entries;
	uint64_t mem;
	char name[VN_XO_NAME_MAX + 1];
};

/**
 * struct vn_xo_status - a STATUS reply
 * @loaded:	1 if a guest program is attached
 * @section:	its section name (empty if none)
 * @insns:	its instruction count
 * @maps:	its map count
 * @mem:	map memory charged, bytes
 * @mem_limit:	xdp-offload-mem
 * @insns_limit: xdp-offload-insns
 * @maps_limit:	xdp-offload-maps
 * @runs:	frames the program ran on
 * @pass:	XDP_PASS verdicts
 * @drop:	XDP_DROP verdicts
 * @tx:		XDP_TX verdicts
 * @aborted:	XDP_ABORTED and errors
 * @loads_refused: LOADs refused on this channel
 * @rejected:	requests rejected (bad input, rate limit, errors)
 */
struct vn_xo_status {
	uint8_t loaded;
	char section[VN_XO_NAME_MAX + 1];
	uint32_t insns;
	uint32_t maps;
	uint64_t mem;
	uint64_t mem_limit;
	uint32_t insns_limit;
	uint32_t maps_limit;
	uint64_t runs, pass, drop, tx, aborted;
	uint64_t loads_refused;
	uint64_t rejected;
};

/**
 * struct vn_xo_msg - one decoded message (fields used depend on @type)
 * @type:	VN_XO_*
 * @seq:	from the header
 * @version:	HELLO: highest version the sender speaks; R_HELLO: the chosen one
 * @caps:	HELLO / R_HELLO: VN_XO_CAP_* bits
 * @max_payload: R_HELLO: largest payload the server accepts
 * @section:	LOAD: section name ("" = the first XDP program in the object)
 * @obj:	LOAD: the ELF object bytes
 * @map:	MAP_*: the map
 * @key:	MAP_LOOKUP/UPDATE/DELETE: key; NEXT_KEY/DUMP: start key (may be
 *		empty: from the first); R_KEY: the next key
 * @value:	MAP_UPDATE, R_VALUE: value
 * @flags:	MAP_UPDATE: VN_XO_UPDATE_*; LOAD: VN_XO_LOAD_* (0 when the
 *		payload ends after the object)
 * @max:	MAP_DUMP: most entries wanted in this reply (0 = as many as fit)
 * @status:	R_STATUS
 * @nmaps:	R_MAP_LIST: entries at @list
 * @list:	R_MAP_LIST: the raw, already validated, entries (vn_xo_map_info_get())
 * @key_size:	R_DUMP: bytes per key
 * @value_size:	R_DUMP: bytes per value
 * @count:	R_DUMP: entries
 * @more:	R_DUMP: 1 if entries follow the last one (ask again from it)
 * @entries:	R_DUMP: @count * (@key_size + @value_size) bytes
 * @err:	R_ERROR: positive errno
 * @text:	R_ERROR: NUL-terminated printable message
 */
struct vn_xo_msg {
	uint8_t type;
	uint32_t seq;
	uint8_t version;
	uint32_t caps;
	uint32_t max_payload;
	char section[VN_XO_NAME_MAX + 1];
	struct vn_xo_bytes obj;
	struct vn_xo_mapref map;
	struct vn_xo_bytes key;
	struct vn_xo_bytes value;
	uint32_t flags;
	uint32_t max;
	struct vn_xo_status status;
	uint32_t nmaps;
	struct vn_xo_bytes list;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t count;
	uint8_t more;
	struct vn_xo_bytes entries;
	int32_t err;
	char text[VN_XO_MSG_TEXT_MAX + 1];
};

/**
 * vn_xo_hdr_parse() - Find one whole message at the start of a stream buffer
 * @buf:	received bytes
 * @len:	bytes at @buf
 * @hdr:	output: the header, when a whole message is present
 *
 * Return: 0 when more bytes are needed (a stream cut mid-message), the length
 * of the whole message (header and payload) when it is all present, -EPROTO
 * for a bad magic, -EPROTONOSUPPORT for a version other than VN_XO_VERSION,
 * -EMSGSIZE for a payload above VN_XO_PAYLOAD_MAX. The last three are
 * decided from the header alone: the stream cannot be resynchronised.
 */
long vn_xo_hdr_parse(const uint8_t *buf, size_t len, struct vn_xo_hdr *hdr);

/**
 * vn_xo_msg_decode() - Decode and check a whole message's payload
 * @hdr:	its header (vn_xo_hdr_parse())
 * @payload:	@hdr->len bytes
 * @msg:	output (pointers into @payload)
 *
 * Every length is checked against the bytes present, every count against
 * its bound, names against their alphabet; trailing bytes are refused.
 *
 * Return: 0, -EINVAL for a malformed payload, -EOPNOTSUPP for an unknown type
 */
int vn_xo_msg_decode(const struct vn_xo_hdr *hdr, const uint8_t *payload,
		     struct vn_xo_msg *msg);

/**
 * vn_xo_msg_encode() - Write one message, header and payload
 * @msg:	what to send (its @type selects the fields)
 * @buf:	output
 * @room:	bytes free at @buf
 *
 * Return: bytes written, -ENOSPC if it does not fit @room, -EINVAL if @msg
 * could not be decoded back (a name, a length or a count out of bounds)
 */
long vn_xo_msg_encode(const struct vn_xo_msg *msg, uint8_t *buf, size_t room);

/**
 * vn_xo_map_info_get() - Read entry @i of a decoded R_MAP_LIST reply
 * @msg:	the reply
 * @i:		0..@msg->nmaps - 1
 * @info:	output
 *
 * Return: 0, -ENOENT past the end
 */
int vn_xo_map_info_get(const struct vn_xo_msg *msg, uint32_t i, struct vn_xo_map_info *info);

/**
 * vn_xo_map_info_put() - Append one MAP_LIST entry to a list being built
 * @buf:	list buffer (becomes @msg->list of the reply to encode)
 * @room:	bytes free at @buf
 * @info:	the entry
 *
 * Return: bytes written, -ENOSPC, -EINVAL for a bad name
 */
long vn_xo_map_info_put(uint8_t *buf, size_t room, const struct vn_xo_map_info *info);

/**
 * vn_xo_name_ok() - Is @s a valid section or map name on the wire?
 * @s:		bytes
 * @n:		their count
 * @empty_ok:	whether zero bytes is valid
 *
 * Return: 1 if @n <= VN_XO_NAME_MAX and every byte is [A-Za-z0-9_./-], else 0
 */
int vn_xo_name_ok(const char *s, size_t n, int empty_ok);

/**
 * vn_xo_type_name() - Name of a message type, for logs and errors
 * @type:	VN_XO_*
 *
 * Return: a static string ("?" for an unknown type)
 */
const char *vn_xo_type_name(uint8_t type);

#endif /* VN_CTL_XO_PROTO_H */
