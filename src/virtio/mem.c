// SPDX-License-Identifier: MIT
/* mem.c - guest memory: map the front-end's regions, translate addresses */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/compiler.h"
#include "mem.h"

int vn_vu_mem_validate(const struct vn_vu_region_desc *d, uint32_t n)
{
	uint32_t i, j;

	/* Front-end claims no memory, or more regions than the protocol allows */
	if (n == 0 || n > VN_VU_MEM_REGIONS_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		/* Empty region */
		if (d[i].size == 0)
			return -EINVAL;
		/* Region wraps the guest-physical, user or file address space */
		if (d[i].gpa + d[i].size < d[i].gpa || d[i].uva + d[i].size < d[i].uva ||
		    d[i].offset + d[i].size < d[i].offset)
			return -EINVAL;
		/* Larger than we could ever map (size_t and off_t are 64-bit here) */
		if (d[i].offset + d[i].size > (uint64_t)INT64_MAX)
			return -EINVAL;
		for (j = 0; j < i; j++) {
			/* Two regions claim the same guest-physical bytes */
			if (d[i].gpa < d[j].gpa + d[j].size && d[j].gpa < d[i].gpa + d[i].size)
				return -EINVAL;
		}
	}
	return 0;
}

/* Bytes of address space region @d takes: from its page-aligned offset on */
static uint64_t map_span(const struct vn_vu_region_desc *d, uint64_t page, uint64_t *start)
{
	*start = d->offset & ~(page - 1);
	return VN_ALIGN_UP(d->offset + d->size, page) - *start;
}

uint64_t vn_vu_mem_span(const struct vn_vu_region_desc *d, uint32_t n)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), total = 0, start;
	uint32_t i;

	for (i = 0; i < n && i < VN_VU_MEM_REGIONS_MAX; i++)
		total += map_span(&d[i], page, &start);
	return total;
}

uint64_t vn_vu_mem_map_align(int fd)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), b;
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) || sfs.f_type != VN_HUGETLBFS_MAGIC || fstat(fd, &st))
		return page;
	/* hugetlbfs reports its huge page size as the block size */
	b = (uint64_t)st.st_blksize;
	if (b <= page || (b & (b - 1)) || b > VN_VU_MEM_ALIGN_MAX)
		return page;
	return b;
}

int vn_vu_mem_map(struct vn_vu_mem *mem, const struct vn_vu_region_desc *d,
		  const int *fds, uint32_t n)
{
	uint64_t align[VN_VU_MEM_REGIONS_MAX], start, total = 0;
	uint32_t i;
	int ret;

	ret = vn_vu_mem_validate(d, n);
	if (ret)
		return ret;
	/* hugetlbfs maps whole huge pages only: offset and length aligned to them */
	for (i = 0; i < n; i++) {
		align[i] = vn_vu_mem_map_align(fds[i]);
		total += map_span(&d[i], align[i], &start);
	}
	/* Sparse files cost the front-end nothing, our address space a lot */
	if (total > VN_VU_MEM_SPAN_MAX)
		return -E2BIG;
	memset(mem, 0, sizeof(*mem));
	for (i = 0; i < n; i++) {
		struct vn_vu_region *r = &mem->r[i];
		size_t len = map_span(&d[i], align[i], &start);
		int seals;
		void *p;

		/* MAP_SHARED: a private mapping would never see the guest's writes */
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
			 fds[i], (off_t)start);
		if (p == MAP_FAILED) {
			ret = -errno;
			vn_vu_mem_unmap(mem);
			return ret;
		}
		/* A file that can shrink can fault us later (mem_guard.c) */
		seals = fcntl(fds[i], F_GET_SEALS);
		if (seals < 0 || !(seals & F_SEAL_SHRINK))
			mem->unsealed++;
		r->map = p;
		r->map_len = len;
		r->host = (uint8_t *)p + (d[i].offset - start);
		r->gpa = d[i].gpa;
		r->size = d[i].size;
		r->uva = d[i].uva;
		mem->n = i + 1;
	}
	return 0;
}

void vn_vu_mem_unmap(struct vn_vu_mem *mem)
{
	uint32_t i;

	for (i = 0; i < mem->n && i < VN_VU_MEM_REGIONS_MAX; i++)
		if (mem->r[i].map)
			munmap(mem->r[i].map, mem->r[i].map_len);
	memset(mem, 0, sizeof(*mem));
}

static inline void *region_xlate(const struct vn_vu_region *r, uint64_t base, uint64_t addr,
				 uint64_t *len)
{
	uint64_t off = addr - base, left = r->size - off;

	if (*len > left)
		*len = left;
	return r->host + off;
}

/* The region holding @a, a guest-physical (@uva false) or front-end address */
static inline __attribute__((always_inline)) void *
mem_xlate(const struct vn_vu_mem *mem, uint64_t a, uint64_t *len, bool uva)
{
	for (uint32_t i = 0; i < mem->n; i++) {
		const struct vn_vu_region *r = &mem->r[i];
		uint64_t base = uva ? r->uva : r->gpa;

		/* Written so it cannot overflow: a - base < r->size */
		if (a >= base && a - base < r->size)
			return region_xlate(r, base, a, len);
	}
	return NULL;
}

void *vn_vu_gpa_to_va(const struct vn_vu_mem *mem, uint64_t gpa, uint64_t *len)
{
	return mem_xlate(mem, gpa, len, false);
}

void *vn_vu_uva_to_va(const struct vn_vu_mem *mem, uint64_t uva, uint64_t *len)
{
	return mem_xlate(mem, uva, len, true);
}

bool vn_vu_va_to_gpa(const struct vn_vu_mem *mem, const void *va, uint64_t *gpa, uint64_t *len)
{
	const uint8_t *b = va;

	for (uint32_t i = 0; i < mem->n; i++) {
		const struct vn_vu_region *r = &mem->r[i];

		if (b >= r->host && (uint64_t)(b - r->host) < r->size) {
			uint64_t off = (uint64_t)(b - r->host);

			*gpa = r->gpa + off;
			if (*len > r->size - off)
				*len = r->size - off;
			return true;
		}
	}
	return false;
}
