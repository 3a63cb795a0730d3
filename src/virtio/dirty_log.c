// SPDX-License-Identifier: MIT
/* dirty_log.c - the front-end's dirty page log (see dirty_log.h) */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compiler.h"
#include "dirty_log.h"

int vn_dlog_map(struct vn_dlog *l, int fd, uint64_t size, uint64_t offset)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start, len;
	struct stat st;
	int seals;
	void *p;

	vn_dlog_unmap(l);
	/* Empty, larger than the biggest memory table needs, or wrapping */
	if (!size || size > VN_DLOG_SIZE_MAX || offset + size < offset)
		return -EINVAL;
	/* Past the end of the file: the mapping would SIGBUS */
	if (fstat(fd, &st) || (uint64_t)st.st_size < offset + size)
		return -EINVAL;
	/* A file the front-end can shrink under us */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EPERM;
	start = offset & ~(uint64_t)(page - 1);
	len = offset + size - start;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);
	if (p == MAP_FAILED)
		return -errno;
	l->map = p;
	l->map_len = len;
	l->bits = (uint8_t *)p + (offset - start);
	l->size = size;
	return 0;
}

void vn_dlog_unmap(struct vn_dlog *l)
{
	if (l->map)
		munmap(l->map, l->map_len);
	l->map = NULL;
	l->map_len = 0;
	l->bits = NULL;
	l->size = 0;
}

void vn_dlog_gpa(struct vn_dlog *l, uint64_t gpa, uint64_t len)
{
	uint64_t page, last;

	if (!len || !l->bits)
		return;
	page = gpa >> VN_DLOG_PAGE_SHIFT;
	last = (gpa + len - 1) >> VN_DLOG_PAGE_SHIFT;
	for (; page <= last; page++) {
		/* A page the bitmap does not cover */
		if (unlikely(page >= l->size * 8)) {
			l->past_end++;
			continue;
		}
		/* QEMU reads and clears the bitmap while we set bits in it */
		__atomic_fetch_or(&l->bits[page >> 3], (uint8_t)(1u << (page & 7)),
				  __ATOMIC_RELAXED);
		l->pages++;
	}
}

void vn_dlog_host(struct vn_dlog *l, const struct vn_vu_mem *mem, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t gpa, in;

	while (len) {
		in = len;
		/* Not guest memory at all: nothing to log */
		if (!vn_vu_va_to_gpa(mem, b, &gpa, &in)) {
			l->past_end++;
			return;
		}
		vn_dlog_gpa(l, gpa, in);
		b += in;
		len -= in;
	}
}
