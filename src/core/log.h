/* SPDX-License-Identifier: MIT */
/* log.h - one logging entry point with a sink the daemon sets
 *
 * Code in core/ never prints by itself; everything else logs through
 * vn_log() with an object prefix in the message ("port 'tap0': ...").
 * Datapath debug logs go through VN_DATA_LOG(), which compiles to nothing
 * unless VN_DATA_DEBUG is defined, and is rate limited when it is.
 */
#ifndef VN_CORE_LOG_H
#define VN_CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum vn_log_level {
	VN_LOG_ERR,
	VN_LOG_WARN,
	VN_LOG_INFO,
	VN_LOG_DEBUG,
};

typedef void (*vn_log_sink_t)(enum vn_log_level level, const char *msg);

void vn_log_set_sink(vn_log_sink_t sink);
void vn_log_set_level(enum vn_log_level level);
enum vn_log_level vn_log_get_level(void);
void vn_log(enum vn_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * vn_log_escape() - Copy an untrusted name into @out, safe to put in a log line
 * @in:		NUL-terminated name (from an object file, a peer...)
 * @out:	output, always NUL-terminated
 * @osz:	size of @out (at least 1)
 *
 * Printable ASCII is kept except '\\' and '\'' (the quotes log lines put
 * around names); every other byte becomes \xNN. Reads at most @osz - 1
 * bytes of @in, so a megabyte-long name costs what fits in @out; the copy
 * is cut where it would overflow, never inside an escape.
 *
 * Return: @out
 */
char *vn_log_escape(const char *in, char *out, size_t osz);

/**
* struct vn_log_capture - where this thread's next error goes instead of the sink
 * @buf:	message buffer ("" until an error is captured)
 * @len:	its size
 * @prev:	the capture this one interrupted (restored by vn_log_capture_end())
 */
struct vn_log_capture {
	char *buf;
	size_t len;
	struct vn_log_capture *prev;
};

void vn_log_capture_begin(struct vn_log_capture *cap, char *buf, size_t len);
void vn_log_capture_end(struct vn_log_capture *cap);

#define vn_err(...)	vn_log(VN_LOG_ERR, __VA_ARGS__)
#define vn_warn(...)	vn_log(VN_LOG_WARN, __VA_ARGS__)
#define vn_info(...)	vn_log(VN_LOG_INFO, __VA_ARGS__)
#define vn_dbg(...)	vn_log(VN_LOG_DEBUG, __VA_ARGS__)

/**
 * vn_log_ratelimit() - Allow at most a burst of messages per interval
 * @state:	caller-owned state, zero-initialised (one per call site)
 *
 * Return: 1 if the caller may log now, 0 if it should stay quiet
 */
struct vn_ratelimit {
	unsigned long long window_start_ns;
	unsigned int printed;
	unsigned int missed;
};
int vn_log_ratelimit(struct vn_ratelimit *state);

#define vn_log_rl(level, ...)						\
	do {								\
		static struct vn_ratelimit _vn_rl;			\
		if (vn_log_ratelimit(&_vn_rl))				\
			vn_log(level, __VA_ARGS__);			\
	} while (0)

#ifdef VN_DATA_DEBUG
#define VN_DATA_LOG(...)	vn_log_rl(VN_LOG_DEBUG, __VA_ARGS__)
#else
#define VN_DATA_LOG(...)	do { } while (0)
#endif

#endif /* VN_CORE_LOG_H */
