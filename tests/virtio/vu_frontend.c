// SPDX-License-Identifier: MIT
/* vu_frontend.c - test vhost-user front-end and virtio-net driver (see vu_frontend.h) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "port/port.h"
#include "vu_frontend.h"

#define HALF		(VU_FE_MEM_SIZE / 2)
/* Rings of queue q at 0x1000 + q * 0x4000; buffer arenas: */
static const uint64_t arena_gpa[VU_FE_VQS] = {
	1u << 20, 7u << 20,			/* pair 0: 6 MiB each; q1's spans the regions */
	13u << 20, (13u << 20) + (768u << 10),	/* pairs 1 and 2: 768 KiB each */
	(14u << 20) + (512u << 10), (15u << 20) + (256u << 10),
};
static const uint64_t arena_len[VU_FE_VQS] = {
	6u << 20, 6u << 20, 768u << 10, 768u << 10, 768u << 10, 768u << 10,
};

void *vu_fe_ptr(struct vu_fe *fe, uint64_t gpa)
{
	return fe->mem + gpa;
}

static int init_mem(struct vu_fe *fe)
{
	unsigned int q;

	fe->memfd = memfd_create("vu-fe-guest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fe->memfd < 0 || ftruncate(fe->memfd, VU_FE_MEM_SIZE))
		return -errno;
	fe->mem = mmap(NULL, VU_FE_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fe->memfd, 0);
	if (fe->mem == MAP_FAILED)
		return -errno;
	for (q = 0; q < VU_FE_VQS; q++) {
		struct vu_fe_vq *v = &fe->vq[q];

		v->size = VU_FE_QSIZE;
		v->desc_gpa = 0x1000 + q * 0x4000;
		v->avail_gpa = v->desc_gpa + 0x1000;
		v->used_gpa = v->desc_gpa + 0x2000;
		v->desc = vu_fe_ptr(fe, v->desc_gpa);
		v->avail = vu_fe_ptr(fe, v->avail_gpa);
		v->used = vu_fe_ptr(fe, v->used_gpa);
		v->pdesc = vu_fe_ptr(fe, v->desc_gpa);
		v->drv_ev = vu_fe_ptr(fe, v->avail_gpa);
		v->dev_ev = vu_fe_ptr(fe, v->used_gpa);
		v->buf_gpa = arena_gpa[q];
		v->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		v->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	return 0;
}

int vu_fe_seal(struct vu_fe *fe)
{
	/* What QEMU's memory-backend-memfd does with seal=on (its default) */
	return fcntl(fe->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) ? -errno : 0;
}

int vu_fe_init(struct vu_fe *fe, int sock)
{
	memset(fe, 0, sizeof(*fe));
	fe->sock = sock;
	return init_mem(fe);
}

int vu_fe_connect(struct vu_fe *fe, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, i;

	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	for (i = 0; i < 200; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return vu_fe_init(fe, fd);
		close(fd);
		usleep(10000);
	}
	return -ETIMEDOUT;
}

void vu_fe_close(struct vu_fe *fe)
{
	unsigned int q;

	if (fe->sock >= 0)
		close(fe->sock);
	fe->sock = -1;
	for (q = 0; q < VU_FE_VQS; q++) {
		if (fe->vq[q].kick > 0)
			close(fe->vq[q].kick);
		if (fe->vq[q].call > 0)
			close(fe->vq[q].call);
	}
	if (fe->mem && fe->mem != MAP_FAILED)
		munmap(fe->mem, VU_FE_MEM_SIZE);
	if (fe->memfd > 0)
		close(fe->memfd);
	memset(fe, 0, sizeof(*fe));
	fe->sock = -1;
}

static int recv_reply(struct vu_fe *fe, uint32_t req, void *reply, uint32_t size)
{
	uint32_t hdr[3];
	uint8_t buf[VN_VU_PAYLOAD_MAX];
	struct pollfd pfd = { .fd = fe->sock, .events = POLLIN };
	ssize_t r;

	/* Bounded wait: a device that never answers fails the test */
	if (poll(&pfd, 1, 5000) != 1)
		return -ETIMEDOUT;
	r = recv(fe->sock, hdr, sizeof(hdr), MSG_WAITALL);
	if (r == 0 || (r < 0 && errno == ECONNRESET))
		return -ECONNRESET;
	if (r != sizeof(hdr) || hdr[0] != req || !(hdr[1] & VN_VU_FLAG_REPLY) ||
	    hdr[2] > sizeof(buf))
		return -EPROTO;
	if (hdr[2] && recv(fe->sock, buf, hdr[2], MSG_WAITALL) != (ssize_t)hdr[2])
		return -EPROTO;
	if (hdr[2] != size)
		return -EPROTO;
	memcpy(reply, buf, size);
	return 0;
}

int vu_fe_msg(struct vu_fe *fe, uint32_t req, const void *payload, uint32_t size,
	      const int *fds, unsigned int nfds, void *reply, uint32_t reply_size)
{
	struct vn_vu_msg m;
	uint64_t ack;
	int ret;

	memset(&m, 0, sizeof(m));
	m.request = req;
	m.flags = VN_VU_VERSION;
	m.size = size;
	if (size > sizeof(m.raw))
		return -EINVAL;
	if (size)
		memcpy(m.raw, payload, size);
	if (!reply && (fe->protocol & VN_BIT(VN_VU_PROTOCOL_F_REPLY_ACK)))
		m.flags |= VN_VU_FLAG_NEED_REPLY;
	ret = vn_vu_msg_send(fe->sock, &m, fds, nfds);
	if (ret)
		return ret;
	if (reply)
		return recv_reply(fe, req, reply, reply_size);
	if (m.flags & VN_VU_FLAG_NEED_REPLY) {
		ret = recv_reply(fe, req, &ack, sizeof(ack));
		return ret ? ret : (int)ack;
	}
	return 0;
}

static int u64_msg(struct vu_fe *fe, uint32_t req, uint64_t v, const int *fd)
{
	return vu_fe_msg(fe, req, &v, sizeof(v), fd, fd ? 1 : 0, NULL, 0);
}

static int state_msg(struct vu_fe *fe, uint32_t req, uint32_t index, uint32_t num)
{
	struct vn_vu_vring_state s = { index, num };

	return vu_fe_msg(fe, req, &s, sizeof(s), NULL, 0, NULL, 0);
}

static int send_mem_table(struct vu_fe *fe)
{
	struct vn_vu_mem_table t;
	int fds[2] = { fe->memfd, fe->memfd };

	memset(&t, 0, sizeof(t));
	t.nregions = 2;
	t.r[0] = (struct vn_vu_region_desc){ 0, HALF, VU_FE_UVA_BASE, 0 };
	t.r[1] = (struct vn_vu_region_desc){ HALF, HALF, VU_FE_UVA_BASE + HALF, HALF };
	return vu_fe_msg(fe, VN_VU_SET_MEM_TABLE, &t, 8 + 2 * 32, fds, 2, NULL, 0);
}

int vu_fe_start_ring(struct vu_fe *fe, unsigned int q)
{
	struct vu_fe_vq *v = &fe->vq[q];
	struct vn_vu_vring_addr a = { q, 0, VU_FE_UVA_BASE + v->desc_gpa,
				      VU_FE_UVA_BASE + v->used_gpa,
				      VU_FE_UVA_BASE + v->avail_gpa, 0 };
	/* Packed: position 0, both wrap counters 1 (QEMU sends the used half too) */
	uint32_t base = fe->packed ? 0x80008000u : v->start_base;
	int ret;

	if ((ret = state_msg(fe, VN_VU_SET_VRING_NUM, q, v->size)) ||
	    (ret = state_msg(fe, VN_VU_SET_VRING_BASE, q, base)) ||
	    (ret = vu_fe_msg(fe, VN_VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0, NULL, 0)) ||
	    (ret = u64_msg(fe, VN_VU_SET_VRING_KICK, q, &v->kick)) ||
	    (ret = u64_msg(fe, VN_VU_SET_VRING_CALL, q, &v->call)))
		return ret;
	return state_msg(fe, VN_VU_SET_VRING_ENABLE, q, 1);
}

int vu_fe_setup(struct vu_fe *fe, uint64_t features)
{
	uint64_t offered, proto;
	unsigned int q;
	int ret;

	ret = vu_fe_msg(fe, VN_VU_GET_FEATURES, NULL, 0, NULL, 0, &offered, 8);
	if (ret)
		return ret;
	/* Only what this driver implements: no control queue; packed if asked */
	fe->features = offered & features & (VU_FE_DRIVER_FEATURES |
		(fe->want_packed ? VN_BIT(VN_VIRTIO_F_RING_PACKED) : 0));
	fe->packed = fe->features & VN_BIT(VN_VIRTIO_F_RING_PACKED);
	for (q = 0; q < VU_FE_VQS; q++)
		fe->vq[q].packed = fe->packed;
	ret = vu_fe_msg(fe, VN_VU_GET_PROTOCOL_FEATURES, NULL, 0, NULL, 0, &proto, 8);
	if (ret)
		return ret;
	proto &= VN_BIT(VN_VU_PROTOCOL_F_REPLY_ACK) | VN_BIT(VN_VU_PROTOCOL_F_MQ);
	if ((ret = u64_msg(fe, VN_VU_SET_PROTOCOL_FEATURES, proto, NULL)))
		return ret;
	fe->protocol = proto;
	if ((ret = vu_fe_msg(fe, VN_VU_SET_OWNER, NULL, 0, NULL, 0, NULL, 0)) ||
	    (ret = u64_msg(fe, VN_VU_SET_FEATURES, fe->features, NULL)) ||
	    (ret = send_mem_table(fe)))
		return ret;
	fe->hdr_len = (fe->features & (VN_BIT(VN_VIRTIO_F_VERSION_1) |
				       VN_BIT(VN_NET_F_MRG_RXBUF))) ? 12 : 10;
	for (q = 0; q < 2; q++)
		if ((ret = vu_fe_start_ring(fe, q)))
			return ret;
	return 0;
}

int64_t vu_fe_stop(struct vu_fe *fe, unsigned int q)
{
	struct vn_vu_vring_state s = { q, 0 };
	int ret;

	ret = vu_fe_msg(fe, VN_VU_GET_VRING_BASE, &s, sizeof(s), NULL, 0, &s, sizeof(s));
	return ret ? ret : (int64_t)s.num;
}

uint64_t vu_fe_alloc(struct vu_fe *fe, unsigned int q, uint32_t len)
{
	struct vu_fe_vq *v = &fe->vq[q];
	uint64_t gpa;

	len = (len + 63) & ~63u;
	if (v->buf_off + len > arena_len[q])
		v->buf_off = 0;
	gpa = v->buf_gpa + v->buf_off;
	v->buf_off += len;
	return gpa;
}

void vu_fe_desc_set(struct vu_fe *fe, unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	struct vn_vring_desc *d = &fe->vq[q].desc[i % fe->vq[q].size];

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static void kick(struct vu_fe_vq *v)
{
	uint64_t one = 1;

	if (write(v->kick, &one, sizeof(one)) != sizeof(one))
		return;
}

void vu_fe_publish(struct vu_fe *fe, unsigned int q, uint16_t head)
{
	struct vu_fe_vq *v = &fe->vq[q];

	v->avail->ring[v->avail_idx % v->size] = head;
	v->avail_idx++;
	__atomic_store_n(&v->avail->idx, v->avail_idx, __ATOMIC_RELEASE);
	kick(v);
}

/* Packed: the flags that make the descriptor at free-running count @n available */
static uint16_t avail_flags(const struct vu_fe_vq *v, uint16_t n)
{
	bool wrap = !((n / v->size) & 1);

	return wrap ? VN_VRING_PACKED_F_AVAIL : VN_VRING_PACKED_F_USED;
}

void vu_fe_packed_add(struct vu_fe *fe, unsigned int q, const uint64_t *gpa, const uint32_t *len,
		      unsigned int nseg, bool writable)
{
	struct vu_fe_vq *v = &fe->vq[q];
	uint16_t head = v->next_desc, id = head % v->size, head_flags = 0;
	unsigned int s;

	v->id_addr[id] = gpa[0];
	v->id_len[id] = len[0];
	v->id_ndesc[id] = (uint16_t)nseg;
	for (s = 0; s < nseg; s++) {
		uint16_t n = v->next_desc++;
		struct vn_vring_packed_desc *d = &v->pdesc[n % v->size];
		uint16_t f = avail_flags(v, n) | (s + 1 < nseg ? VN_VRING_DESC_F_NEXT : 0) |
			     (writable ? VN_VRING_DESC_F_WRITE : 0);

		d->addr = gpa[s];
		d->len = len[s];
		d->id = id;
		/* The head's flags go last: they publish the whole buffer */
		if (s == 0)
			head_flags = f;
		else
			d->flags = f;
	}
	__atomic_store_n(&v->pdesc[head % v->size].flags, head_flags, __ATOMIC_RELEASE);
	kick(v);
}

int vu_fe_tx(struct vu_fe *fe, const struct vn_vhdr *vh, const void *frame, uint32_t len,
	     unsigned int nseg)
{
	struct vu_fe_vq *v = &fe->vq[1];
	uint32_t total = fe->hdr_len + len, off = 0, seg;
	uint64_t gpa = vu_fe_alloc(fe, 1, total);
	uint8_t *p = vu_fe_ptr(fe, gpa);
	uint16_t head = v->next_desc, i;
	unsigned int s;

	if (nseg < 1 || nseg > 4)
		return -EINVAL;
	vn_vhdr_build(vh, p, fe->hdr_len);
	memcpy(p + fe->hdr_len, frame, len);
	seg = (total + nseg - 1) / nseg;
	if (fe->packed) {
		uint64_t g[4];
		uint32_t l[4];

		for (s = 0; s < nseg; s++) {
			l[s] = s + 1 == nseg ? total - off : seg;
			g[s] = gpa + off;
			off += l[s];
		}
		vu_fe_packed_add(fe, 1, g, l, nseg, false);
		return 0;
	}
	for (s = 0; s < nseg; s++) {
		uint32_t l = s + 1 == nseg ? total - off : seg;

		i = (uint16_t)(v->next_desc++ % v->size);
		vu_fe_desc_set(fe, 1, i, gpa + off, l, s + 1 < nseg ? VN_VRING_DESC_F_NEXT : 0,
			       (uint16_t)(v->next_desc % v->size));
		off += l;
	}
	vu_fe_publish(fe, 1, head % v->size);
	return 0;
}

int vu_fe_rx_post_q(struct vu_fe *fe, unsigned int q, unsigned int n, uint32_t len)
{
	struct vu_fe_vq *v = &fe->vq[q];
	unsigned int k;

	for (k = 0; k < n; k++) {
		uint16_t i;

		if (fe->packed) {
			uint64_t g = vu_fe_alloc(fe, q, len);

			vu_fe_packed_add(fe, q, &g, &len, 1, true);
			continue;
		}
		i = (uint16_t)(v->next_desc++ % v->size);

		vu_fe_desc_set(fe, q, i, vu_fe_alloc(fe, q, len), len, VN_VRING_DESC_F_WRITE, 0);
		vu_fe_publish(fe, q, i);
	}
	return 0;
}

int vu_fe_rx_post(struct vu_fe *fe, unsigned int n, uint32_t len)
{
	return vu_fe_rx_post_q(fe, 0, n, len);
}

/* Packed: the used descriptor at our next position, if the device wrote it */
static const struct vn_vring_packed_desc *packed_used(struct vu_fe_vq *v)
{
	const struct vn_vring_packed_desc *d = &v->pdesc[v->last_used % v->size];
	uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
	bool wrap = !((v->last_used / v->size) & 1);

	if (!!(f & VN_VRING_PACKED_F_AVAIL) != wrap || !!(f & VN_VRING_PACKED_F_USED) != wrap)
		return NULL;
	return d;
}

static bool used_pending(struct vu_fe_vq *v)
{
	if (v->packed)
		return packed_used(v) != NULL;
	return __atomic_load_n(&v->used->idx, __ATOMIC_ACQUIRE) != v->last_used;
}

/* The next used buffer as (id, len); its gpa and posted length; advances */
static int used_next(struct vu_fe_vq *v, uint64_t *gpa, uint32_t *cap, uint32_t *len)
{
	const struct vn_vring_packed_desc *pd;
	struct vn_vring_used_elem e;

	if (v->packed) {
		pd = packed_used(v);
		if (!pd || pd->id >= v->size || !v->id_ndesc[pd->id])
			return -EBADMSG;
		*gpa = v->id_addr[pd->id];
		*cap = v->id_len[pd->id];
		*len = pd->len;
		v->last_used += v->id_ndesc[pd->id];
		v->id_ndesc[pd->id] = 0;
		return 0;
	}
	e = v->used->ring[v->last_used % v->size];
	v->last_used++;
	if (e.id >= v->size)
		return -EBADMSG;
	*gpa = v->desc[e.id].addr;
	*cap = v->desc[e.id].len;
	*len = e.len;
	return 0;
}

int vu_fe_rx_get(struct vu_fe *fe, struct vn_vhdr *vh, void *frame, uint32_t cap)
{
	return vu_fe_rx_get_q(fe, 0, vh, frame, cap);
}

int vu_fe_rx_get_q(struct vu_fe *fe, unsigned int q, struct vn_vhdr *vh, void *frame,
		   uint32_t cap)
{
	struct vu_fe_vq *v = &fe->vq[q];
	uint8_t *out = frame;
	uint32_t got = 0;
	unsigned int nb, k;

	if (!used_pending(v))
		return 0;
	for (k = 0, nb = 1; k < nb; k++) {
		const uint8_t *p;
		uint32_t skip = 0, n, len, cap_b;
		uint64_t gpa;

		if (!used_pending(v))
			return -EBADMSG;	/* num_buffers promised more */
		if (used_next(v, &gpa, &cap_b, &len) || len > cap_b)
			return -EBADMSG;
		p = vu_fe_ptr(fe, gpa);
		if (k == 0) {
			if (len < fe->hdr_len)
				return -EBADMSG;
			vn_vhdr_parse(vh, p, len, fe->hdr_len);
			nb = fe->hdr_len == 12 && vh->num_buffers ? vh->num_buffers : 1;
			skip = fe->hdr_len;
		}
		n = len - skip;
		if (got + n > cap)
			return -EMSGSIZE;
		memcpy(out + got, p + skip, n);
		got += n;
	}
	return (int)got;
}

unsigned int vu_fe_tx_done(struct vu_fe *fe)
{
	struct vu_fe_vq *v = &fe->vq[1];
	unsigned int n = 0;

	while (used_pending(v)) {
		uint64_t gpa;
		uint32_t cap, len;

		if (used_next(v, &gpa, &cap, &len))
			break;
		n++;
	}
	return n;
}
