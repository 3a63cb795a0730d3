// SPDX-License-Identifier: MIT
/* mem_guard.c - guest-memory fault guard (see mem_guard.h)
 *
 * Only async-signal-safe work happens in the handler: reading a
 * thread-local pointer and the table it points to (which the interrupted
 * thread owns under its device lock, so it cannot be unmapped meanwhile),
 * mmap() over ranges we already own, and sigaction(). No lock, no log.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "mem_guard.h"

static __thread struct vn_vu_mem *guard_cur;
static struct sigaction guard_prev;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t guard_faults;

static bool in_table(const struct vn_vu_mem *mem, uintptr_t a)
{
	uint32_t i;

	for (i = 0; i < mem->n && i < VN_VU_MEM_REGIONS_MAX; i++) {
		uintptr_t s = (uintptr_t)mem->r[i].map;

		if (s && a >= s && a - s < mem->r[i].map_len)
			return true;
	}
	return false;
}

/* Zero pages over every region: the faulting access retries and succeeds */
static void replace_table(struct vn_vu_mem *mem)
{
	uint32_t i;

	for (i = 0; i < mem->n && i < VN_VU_MEM_REGIONS_MAX; i++)
		if (mem->r[i].map)
			mmap(mem->r[i].map, mem->r[i].map_len, PROT_READ | PROT_WRITE,
			     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	struct vn_vu_mem *mem = guard_cur;

	(void)uctx;
	/* A real fault (si_code > 0), on memory this thread is working on */
	if (si->si_code > 0 && mem && in_table(mem, (uintptr_t)si->si_addr)) {
		replace_table(mem);
		__atomic_store_n(&mem->faulted, true, __ATOMIC_RELAXED);
		__atomic_fetch_add(&guard_faults, 1, __ATOMIC_RELAXED);
		return;
	}
	/* Not ours: as if we had never been here */
	sigaction(SIGBUS, &guard_prev, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

int vn_vu_mem_guard_install(void)
{
	struct sigaction sa, cur;
	int ret = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&guard_lock);
	if (sigaction(SIGBUS, NULL, &cur))
		ret = -errno;
	else if (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != on_sigbus) {
		guard_prev = cur;
		if (sigaction(SIGBUS, &sa, NULL))
			ret = -errno;
	}
	pthread_mutex_unlock(&guard_lock);
	return ret;
}

void vn_vu_mem_guard_enter(struct vn_vu_mem *mem)
{
	guard_cur = mem;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void vn_vu_mem_guard_leave(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	guard_cur = NULL;
}

bool vn_vu_mem_faulted(const struct vn_vu_mem *mem)
{
	return __atomic_load_n(&mem->faulted, __ATOMIC_RELAXED);
}

uint64_t vn_vu_mem_guard_faults(void)
{
	return __atomic_load_n(&guard_faults, __ATOMIC_RELAXED);
}
