/* SPDX-License-Identifier: MIT */
/* vhost_user_msg.h - vhost-user wire format: messages, the request table, receive/send
 *
 * A message is a 12-byte header (request, flags, payload size) and a payload,
 * with fds passed as SCM_RIGHTS ancillary data on the header. The request
 * table (VN_VU_REQUESTS) says, per request, the payload size the front-end
 * must send and the fds it must pass; vn_vu_msg_recv() enforces both before
 * any handler runs, and closes every fd it does not hand over.
 */
#ifndef VN_PORT_VHOST_USER_MSG_H
#define VN_PORT_VHOST_USER_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/mem.h"

#define VN_VU_VERSION		0x1
#define VN_VU_FLAG_VERSION_MASK	0x3
#define VN_VU_FLAG_REPLY	(1u << 2)
#define VN_VU_FLAG_NEED_REPLY	(1u << 3)

#define VN_VU_HDR_SIZE		12
#define VN_VU_FDS_MAX		VN_VU_MEM_REGIONS_MAX
#define VN_VU_PAYLOAD_MAX	(8 + 32 * VN_VU_MEM_REGIONS_MAX)

/* Feature bits of the vhost-user layer itself */
#define VN_VHOST_USER_F_PROTOCOL_FEATURES	30
#define VN_VHOST_F_LOG_ALL			26

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES) */
#define VN_VU_PROTOCOL_F_MQ		0
#define VN_VU_PROTOCOL_F_LOG_SHMFD	1
#define VN_VU_PROTOCOL_F_RARP		2
#define VN_VU_PROTOCOL_F_REPLY_ACK	3
#define VN_VU_PROTOCOL_F_NET_MTU	4

/* SET_VRING_KICK/CALL/ERR payload: queue index and "no fd follows" */
#define VN_VU_VRING_IDX_MASK	0xff
#define VN_VU_VRING_NOFD	(1ull << 8)
/* SET_VRING_ADDR flags */
#define VN_VU_VRING_F_LOG	1

/*
 * The requests vnetd answers: X(name, number, payload, fds, handler)
 *   payload: exact size in bytes, or -1 for the memory table (checked
 *	      against its region count)
 *   fds:     0 none, 1 one unless the payload sets NOFD, -1 one per region
 *   handler: the static function of vhost_user.c that serves it
 */
#define VN_VU_REQUESTS(X)								\
	X(GET_FEATURES,			1,	0,	0,	get_features)		\
	X(SET_FEATURES,			2,	8,	0,	set_features)		\
	X(SET_OWNER,			3,	0,	0,	set_owner)		\
	X(RESET_OWNER,			4,	0,	0,	reset_owner)		\
	X(SET_MEM_TABLE,		5,	-1,	-1,	set_mem_table)		\
	X(SET_LOG_BASE,			6,	16,	1,	set_log_base)		\
	X(SET_LOG_FD,			7,	0,	1,	set_log_fd)		\
	X(SET_VRING_NUM,		8,	8,	0,	set_vring_num)		\
	X(SET_VRING_ADDR,		9,	40,	0,	set_vring_addr)		\
	X(SET_VRING_BASE,		10,	8,	0,	set_vring_base)		\
	X(GET_VRING_BASE,		11,	8,	0,	get_vring_base)		\
	X(SET_VRING_KICK,		12,	8,	1,	set_vring_kick)		\
	X(SET_VRING_CALL,		13,	8,	1,	set_vring_call)		\
	X(SET_VRING_ERR,		14,	8,	1,	set_vring_err)		\
	X(GET_PROTOCOL_FEATURES,	15,	0,	0,	get_protocol_features)	\
	X(SET_PROTOCOL_FEATURES,	16,	8,	0,	set_protocol_features)	\
	X(GET_QUEUE_NUM,		17,	0,	0,	get_queue_num)		\
	X(SET_VRING_ENABLE,		18,	8,	0,	set_vring_enable)	\
	X(SEND_RARP,			19,	8,	0,	send_rarp)		\
	X(NET_SET_MTU,			20,	8,	0,	net_set_mtu)

enum vn_vu_request {
#define VN_VU_REQ_ENUM(name, num, size, fds, fn)	VN_VU_##name = num,
	VN_VU_REQUESTS(VN_VU_REQ_ENUM)
#undef VN_VU_REQ_ENUM
};

/**
 * struct vn_vu_vring_state - SET_VRING_NUM/BASE, GET_VRING_BASE, SET_VRING_ENABLE
 * @index:	queue
 * @num:	value
 */
struct vn_vu_vring_state {
	uint32_t index;
	uint32_t num;
};

/**
 * struct vn_vu_vring_addr - SET_VRING_ADDR, front-end virtual addresses
 * @index:	queue
 * @flags:	VN_VU_VRING_F_LOG
 * @desc:	descriptor table
 * @used:	used ring
 * @avail:	available ring
 * @log:	guest-physical address of the used ring, for the dirty log
 *		(unused: vnetd logs by the address it writes to)
 */
struct vn_vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/**
 * struct vn_vu_mem_table - SET_MEM_TABLE
 * @nregions:	regions that follow (one fd each)
 * @padding:	unused
 * @r:		regions
 */
struct vn_vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vn_vu_region_desc r[VN_VU_MEM_REGIONS_MAX];
};

/**
 * struct vn_vu_msg - one received (or to-be-sent) message
 * @request:	request number
 * @flags:	version and reply bits
 * @size:	payload bytes
 * @u64:	payload for u64 messages
 * @state:	payload for vring state messages
 * @addr:	payload for SET_VRING_ADDR
 * @mem:	payload for SET_MEM_TABLE
 * @raw:	payload bytes
 * @fds:	received fds (owned by the message until a handler takes one)
 * @nfds:	entries in @fds
 */
struct vn_vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct vn_vu_vring_state state;
		struct vn_vu_vring_addr addr;
		struct vn_vu_mem_table mem;
		uint8_t raw[VN_VU_PAYLOAD_MAX];
	};
	int fds[VN_VU_FDS_MAX];
	unsigned int nfds;
};

_Static_assert(sizeof(struct vn_vu_vring_addr) == 40, "vring addr is 40 bytes");
_Static_assert(sizeof(struct vn_vu_mem_table) == VN_VU_PAYLOAD_MAX, "mem table size");

/**
 * vn_vu_msg_name() - Name of a request ("SET_MEM_TABLE")
 * @request:	request number
 *
 * Return: static string, "UNKNOWN" for requests vnetd does not answer
 */
const char *vn_vu_msg_name(uint32_t request);

/**
 * vn_vu_msg_validate() - Check a message against the request table
 * @msg:	header, payload and fds as received
 * @why:	output: what is wrong (static string)
 *
 * Checks the version, that the request is one vnetd answers, the payload
 * size and the fd count for that request.
 *
 * Return: 0, or -EINVAL / -EPROTO / -ENOTSUP (unknown request)
 */
int vn_vu_msg_validate(const struct vn_vu_msg *msg, const char **why);

/**
 * vn_vu_msg_recv() - Receive and validate one message
 * @fd:		connected socket
 * @msg:	output; on success the caller owns @msg->fds
 * @why:	output on failure: what is wrong
 *
 * Return: 0, -ECONNRESET on orderly close, or a negative errno; on
 *	   failure no fd stays open
 */
int vn_vu_msg_recv(int fd, struct vn_vu_msg *msg, const char **why);

/**
 * vn_vu_msg_send() - Send a message (header + @msg->size payload bytes, fds)
 * @fd:		connected socket
 * @msg:	message
 * @fds:	fds to pass, may be NULL
 * @nfds:	count
 *
 * Return: 0 or a negative errno
 */
int vn_vu_msg_send(int fd, const struct vn_vu_msg *msg, const int *fds, unsigned int nfds);

/**
 * vn_vu_msg_close_fds() - Close every fd still owned by @msg
 * @msg:	message
 */
void vn_vu_msg_close_fds(struct vn_vu_msg *msg);

/**
 * vn_vu_msg_take_fd() - Take ownership of the message's first fd
 * @msg:	message
 *
 * Return: the fd, or -1 if none
 */
int vn_vu_msg_take_fd(struct vn_vu_msg *msg);

#endif /* VN_PORT_VHOST_USER_MSG_H */
