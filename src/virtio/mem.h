/* SPDX-License-Identifier: MIT */
/* mem.h - guest memory: regions shared by the front-end, address translation
 *
 * The front-end (QEMU) hands its guest RAM over as fds with SET_MEM_TABLE;
 * each region is mapped MAP_SHARED (a private mapping would silently see
 * none of the guest's writes). Addresses from the guest (descriptor buffers,
 * guest-physical) and from the front-end (ring addresses, QEMU's own virtual
 * addresses) are translated only here, and a translation caps the length at
 * the end of the region: callers loop over regions for a range that spans
 * two of them.
 */
#ifndef VN_VIRTIO_MEM_H
#define VN_VIRTIO_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VN_VU_MEM_REGIONS_MAX	8	/* VHOST_MEMORY_BASELINE_NREGIONS */
/* Address space one memory table may take (all regions, page-rounded): a
 * front-end can make a sparse file of any size for free, we have 128 TiB */
#define VN_VU_MEM_SPAN_MAX	(1ull << 40)	/* 1 TiB */
#define VN_VU_MEM_ALIGN_MAX	(1ull << 30)	/* largest huge page we align to */
#define VN_HUGETLBFS_MAGIC	0x958458f6	/* statfs f_type of hugetlbfs */

/**
 * struct vn_vu_region - one mapped region
 * @gpa:	guest-physical start
 * @size:	bytes
 * @uva:	start in the front-end's address space
 * @host:	start in ours
 * @map:	what mmap returned (@host minus the fd offset)
 * @map_len:	bytes mapped
 */
struct vn_vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint8_t *host;
	void *map;
	size_t map_len;
};

/**
 * struct vn_vu_mem - the guest's memory table
 * @n:		regions in use
 * @faulted:	an access faulted and the regions were replaced by zero pages
 *		(mem_guard.c); the table is useless until it is replaced
 * @unsealed:	regions whose file can shrink under us (no F_SEAL_SHRINK)
 * @r:		regions
 */
struct vn_vu_mem {
	uint32_t n;
	bool faulted;
	uint32_t unsealed;
	struct vn_vu_region r[VN_VU_MEM_REGIONS_MAX];
};

/**
 * struct vn_vu_region_desc - a region as the front-end describes it
 * @gpa:	guest_phys_addr
 * @size:	memory_size
 * @uva:	userspace_addr
 * @offset:	mmap_offset into the fd
 */
struct vn_vu_region_desc {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t offset;
};

/**
 * vn_vu_mem_validate() - Check a region table before mapping anything
 * @d:		regions
 * @n:		count
 *
 * Return: 0, or -EINVAL for a zero or overflowing size, too many regions,
 *	   or guest-physical ranges that overlap
 */
int vn_vu_mem_validate(const struct vn_vu_region_desc *d, uint32_t n);

/**
 * vn_vu_mem_span() - Address space a region table would take once mapped
 * @d:		regions
 * @n:		count
 *
 * Return: bytes, each region rounded out to whole pages
 */
uint64_t vn_vu_mem_span(const struct vn_vu_region_desc *d, uint32_t n);

/**
 * vn_vu_mem_map_align() - The mapping granule a region fd needs
 * @fd:		region fd
 *
 * Return: the huge page size (st_blksize) for a hugetlbfs file, else the
 *	   base page size
 */
uint64_t vn_vu_mem_map_align(int fd);

/**
 * vn_vu_mem_map() - Map @n regions MAP_SHARED from their fds
 * @mem:	table to fill (unmapped first by the caller)
 * @d:		validated regions
 * @fds:	one fd per region; closed by the caller
 * @n:		count
 *
 * Each region is mapped from its offset (rounded down to a page, or to a
 * huge page for a hugetlbfs file: vn_vu_mem_map_align()), not from the
 * start of the file; its length is rounded up the same way. The span cap
 * counts those rounded lengths. @mem->unsealed counts the regions whose fd is not
 * sealed with F_SEAL_SHRINK.
 *
 * Return: 0, -E2BIG if the table would take more than VN_VU_MEM_SPAN_MAX
 *	   of address space, or another negative errno (nothing stays mapped
 *	   on failure)
 */
int vn_vu_mem_map(struct vn_vu_mem *mem, const struct vn_vu_region_desc *d,
		  const int *fds, uint32_t n);

/**
 * vn_vu_mem_unmap() - Unmap every region
 * @mem:	table; empty afterwards
 */
void vn_vu_mem_unmap(struct vn_vu_mem *mem);

/**
 * vn_vu_gpa_to_va() - Translate a guest-physical address
 * @mem:	memory table
 * @gpa:	guest-physical address
 * @len:	in: bytes wanted; out: bytes usable from the result, capped at
 *		the region's end (never 0 on success)
 *
 * Return: host pointer, or NULL if @gpa is in no region
 */
void *vn_vu_gpa_to_va(const struct vn_vu_mem *mem, uint64_t gpa, uint64_t *len);

/**
 * vn_vu_uva_to_va() - Translate a front-end virtual address (ring addresses)
 * @mem:	memory table
 * @uva:	address in the front-end's address space
 * @len:	in/out as for vn_vu_gpa_to_va()
 *
 * Return: host pointer, or NULL if @uva is in no region
 */
void *vn_vu_uva_to_va(const struct vn_vu_mem *mem, uint64_t uva, uint64_t *len);

/**
 * vn_vu_va_to_gpa() - Translate one of our pointers into guest memory back
 *		       to a guest-physical address (the dirty log)
 * @mem:	memory table
 * @va:		pointer into one of its mappings
 * @gpa:	out: the guest-physical address
 * @len:	in/out as for vn_vu_gpa_to_va()
 *
 * Return: true, false if @va is in no region
 */
bool vn_vu_va_to_gpa(const struct vn_vu_mem *mem, const void *va, uint64_t *gpa, uint64_t *len);

#endif /* VN_VIRTIO_MEM_H */
