// SPDX-License-Identifier: MIT
/* efd_guard.c - a write to a front-end's eventfd that cannot hold its thread
 * (see efd_guard.h)
 *
 * Slot protocol. A slot is owned by one thread from claim to thread exit.
 * The owner bumps @seq and sets @busy before write() and clears @busy
 * after; the watchdog remembers the @seq it saw busy, and on its next look
 * at a slot still busy with that same @seq it stores @seq into @target and
 * sends the signal. The handler jumps only if the thread is still inside
 * that very write (busy, seq == target); a signal that arrives after the
 * write returned finds busy clear or a newer seq and simply returns
 * (SA_RESTART: whatever the thread was doing carries on).
 *
 * The jump skips sigsetjmp's mask restore (savemask 0: no system call per
 * write), so the signal is still blocked after a jump; it is unblocked
 * again on that (rare) path only.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "efd_guard.h"

#define VN_EFD_GUARD_SIG	(SIGRTMIN + 5)

struct efd_slot {
	pthread_t tid;
	uint64_t seq;		/* owner writes; watchdog and handler read */
	uint64_t target;	/* watchdog writes; handler reads */
	uint64_t seen;		/* watchdog only */
	bool busy;		/* owner writes; watchdog and handler read */
	bool used;		/* claimed (under slots_lock) */
};

static struct efd_slot slots[VN_EFD_GUARD_SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static bool guard_ok;
static uint64_t n_stuck, n_unguarded;

static __thread struct efd_slot *my_slot;
static __thread bool my_slot_tried;
static __thread sigjmp_buf my_jmp;

static void on_guard_sig(int sig)
{
	struct efd_slot *s = my_slot;

	(void)sig;
	if (s && __atomic_load_n(&s->busy, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&s->seq, __ATOMIC_RELAXED) ==
	    __atomic_load_n(&s->target, __ATOMIC_RELAXED))
		siglongjmp(my_jmp, 1);
}

static void *watchdog(void *arg)
{
	struct timespec tick = { 0, VN_EFD_GUARD_TICK_MS * 1000000L };
	sigset_t all;
	unsigned int i;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&slots_lock);
		for (i = 0; i < VN_EFD_GUARD_SLOTS; i++) {
			struct efd_slot *s = &slots[i];
			uint64_t seq;

			if (!s->used)
				continue;
			seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
			if (!__atomic_load_n(&s->busy, __ATOMIC_ACQUIRE)) {
				s->seen = 0;
				continue;
			}
			if (s->seen != seq) {
				s->seen = seq;	/* first look: give it a tick */
				continue;
			}
			__atomic_store_n(&s->target, seq, __ATOMIC_RELEASE);
			pthread_kill(s->tid, VN_EFD_GUARD_SIG);
		}
		pthread_mutex_unlock(&slots_lock);
	}
	return NULL;
}

static void slot_release(void *p)
{
	struct efd_slot *s = p;

	pthread_mutex_lock(&slots_lock);
	s->busy = false;
	s->used = false;
	pthread_mutex_unlock(&slots_lock);
}

static void guard_init(void)
{
	struct sigaction sa;
	pthread_attr_t attr;
	pthread_t t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_guard_sig;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(VN_EFD_GUARD_SIG, &sa, NULL))
		return;
	if (pthread_key_create(&slot_key, slot_release))
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, watchdog, NULL) == 0)
		guard_ok = true;
	pthread_attr_destroy(&attr);
}

static void unblock_sig(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VN_EFD_GUARD_SIG);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* This thread's slot, claimed on first use; NULL if none is free */
static struct efd_slot *slot_get(void)
{
	unsigned int i;

	if (my_slot || my_slot_tried)
		return my_slot;
	my_slot_tried = true;
	pthread_once(&guard_once, guard_init);
	if (!guard_ok)
		return NULL;
	pthread_mutex_lock(&slots_lock);
	for (i = 0; i < VN_EFD_GUARD_SLOTS; i++) {
		if (!slots[i].used) {
			slots[i].used = true;
			slots[i].tid = pthread_self();
			slots[i].busy = false;
			slots[i].seen = 0;
			my_slot = &slots[i];
			break;
		}
	}
	pthread_mutex_unlock(&slots_lock);
	if (!my_slot)
		return NULL;
	pthread_setspecific(slot_key, my_slot);
	unblock_sig();
	return my_slot;
}

enum vn_efd_result vn_efd_guard_write(int fd)
{
	struct efd_slot *s = slot_get();
	static const uint64_t one = 1;
	volatile ssize_t r = -1;

	if (!s) {
		__atomic_fetch_add(&n_unguarded, 1, __ATOMIC_RELAXED);
		return write(fd, &one, sizeof(one)) == sizeof(one) ? VN_EFD_SENT : VN_EFD_ERROR;
	}
	if (sigsetjmp(my_jmp, 0)) {
		/* Jumped out of a write that blocked: it added nothing */
		__atomic_store_n(&s->busy, false, __ATOMIC_RELEASE);
		__atomic_fetch_add(&n_stuck, 1, __ATOMIC_RELAXED);
		unblock_sig();
		return VN_EFD_STUCK;
	}
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->busy, true, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	r = write(fd, &one, sizeof(one));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->busy, false, __ATOMIC_RELEASE);
	return r == sizeof(one) ? VN_EFD_SENT : VN_EFD_ERROR;
}

uint64_t vn_efd_guard_stuck(void)
{
	return __atomic_load_n(&n_stuck, __ATOMIC_RELAXED);
}

uint64_t vn_efd_guard_unguarded(void)
{
	return __atomic_load_n(&n_unguarded, __ATOMIC_RELAXED);
}
