/* SPDX-License-Identifier: MIT */
/* mem_guard.h - guest-memory fault guard: a SIGBUS on guest memory breaks one port, not vnetd
 *
 * Guest RAM is a file the front-end owns (a memfd, a hugetlbfs or tmpfs
 * file). If the front-end shrinks it after SET_MEM_TABLE, our next access
 * past the new end raises SIGBUS, which would kill the daemon and every
 * port with it. The datapath therefore touches guest memory only between
 * vn_vu_mem_guard_enter() and vn_vu_mem_guard_leave(), which name the
 * memory table it is working on in a thread-local pointer. The SIGBUS
 * handler recognises a fault inside one of that table's mappings, maps
 * anonymous zero pages over all of the table's regions (MAP_FIXED, so the
 * address range stays ours and the faulting access is retried and
 * succeeds), marks the table faulted and returns. The caller sees
 * vn_vu_mem_faulted() after its burst and breaks the port. Reads of the
 * replaced memory return zeros and writes go nowhere: the guest has lost
 * its memory, and only its own port is affected.
 *
 * A SIGBUS anywhere else (or one sent with kill()) is not ours: the
 * handler puts the previous disposition back and returns, so the fault
 * repeats and is handled as it would have been without us.
 */
#ifndef VN_VIRTIO_MEM_GUARD_H
#define VN_VIRTIO_MEM_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"

/**
 * vn_vu_mem_guard_install() - Make sure the SIGBUS handler is ours
 *
 * Idempotent and thread-safe; called on the control path each time a
 * memory table is mapped (something else, a test runner for example, may
 * have replaced the handler since).
 *
 * Return: 0, or a negative errno from sigaction()
 */
int vn_vu_mem_guard_install(void);

/**
 * vn_vu_mem_guard_enter() - This thread is about to access @mem
 * @mem:	memory table (must stay mapped until vn_vu_mem_guard_leave())
 */
void vn_vu_mem_guard_enter(struct vn_vu_mem *mem);

/**
 * vn_vu_mem_guard_leave() - This thread is done with guest memory
 */
void vn_vu_mem_guard_leave(void);

/**
 * vn_vu_mem_faulted() - Did an access to @mem fault since it was mapped
 * @mem:	memory table
 *
 * Return: true once the handler has replaced @mem's regions
 */
bool vn_vu_mem_faulted(const struct vn_vu_mem *mem);

/**
 * vn_vu_mem_guard_faults() - Guest-memory faults recovered since start (all ports)
 *
 * Return: count
 */
uint64_t vn_vu_mem_guard_faults(void);

#endif /* VN_VIRTIO_MEM_GUARD_H */
