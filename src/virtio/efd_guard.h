/* SPDX-License-Identifier: MIT */
/* efd_guard.h - a write to a front-end's eventfd that cannot hold its thread
 *
 * The call and error eventfds belong to the front-end: it shares their
 * open file description (so it can clear O_NONBLOCK whenever it likes),
 * and it can set the counter to its maximum at any moment, so a write of
 * 1 blocks until somebody reads. Eventfds cannot be reopened into a
 * description of our own (/proc/self/fd/N gives ENXIO) and their write
 * ignores RWF_NOWAIT (EOPNOTSUPP). vq.c polls for room first, which
 * leaves the window between that poll() and the write().
 *
 * This module closes the window. A thread writes through
 * vn_efd_guard_write(), which marks the thread as inside a guarded write
 * (two stores to a slot of its own, no system call) around a plain
 * write(). A watchdog thread, started on first use, looks at every slot
 * each VN_EFD_GUARD_TICK_MS; a thread seen inside the same write on two
 * looks in a row is sent VN_EFD_GUARD_SIG, whose handler jumps out of the
 * write (siglongjmp). The write has then not happened (a blocked eventfd
 * write adds nothing) and the caller is told VN_EFD_STUCK. So a write
 * holds its thread for at most two ticks, whatever the front-end does.
 *
 * A thread beyond VN_EFD_GUARD_SLOTS gets no slot and writes unguarded
 * (counted, vn_efd_guard_unguarded()); vnetd runs one worker per core and
 * one control thread per port, and slots are freed when a thread exits.
 */
#ifndef VN_VIRTIO_EFD_GUARD_H
#define VN_VIRTIO_EFD_GUARD_H

#include <stdint.h>

#define VN_EFD_GUARD_TICK_MS	50	/* watchdog period */
#define VN_EFD_GUARD_SLOTS	512	/* threads that can be guarded at once */

/**
 * enum vn_efd_result - what became of one eventfd write
 * @VN_EFD_SENT:	the counter was incremented
 * @VN_EFD_FULL:	not written: the counter was full (or the fd not writable)
 * @VN_EFD_STUCK:	not written: the write blocked and the watchdog broke it off
 * @VN_EFD_ERROR:	not written: write() failed
 */
enum vn_efd_result {
	VN_EFD_SENT,
	VN_EFD_FULL,
	VN_EFD_STUCK,
	VN_EFD_ERROR,
};

/**
 * vn_efd_guard_write() - write(fd, &1, 8), broken off if it blocks
 * @fd:		eventfd (any fd: a pipe's write end is guarded the same way)
 *
 * No poll() first: callers that want the cheap full-counter check make it
 * themselves (vn_vq_efd_signal()).
 *
 * Return: VN_EFD_SENT, VN_EFD_STUCK or VN_EFD_ERROR
 */
enum vn_efd_result vn_efd_guard_write(int fd);

/**
 * vn_efd_guard_stuck() - Writes broken off by the watchdog since start
 *
 * Return: count (all threads)
 */
uint64_t vn_efd_guard_stuck(void);

/**
 * vn_efd_guard_unguarded() - Writes made without a slot since start
 *
 * Return: count (all threads)
 */
uint64_t vn_efd_guard_unguarded(void);

#endif /* VN_VIRTIO_EFD_GUARD_H */
