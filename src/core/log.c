// SPDX-License-Identifier: MIT
/* log.c - logging sink, level and rate limiting */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "log.h"

static vn_log_sink_t log_sink;
static enum vn_log_level log_level = VN_LOG_INFO;
/* per thread: a control request's handler runs on one thread, workers on others */
static _Thread_local struct vn_log_capture *log_capture;

#define VN_RL_INTERVAL_NS	5000000000ULL	/* 5 s */
#define VN_RL_BURST		10

/**
 * vn_log_set_sink() - Route log lines to @sink (NULL: stderr)
 * @sink:	function called with each formatted line, without newline
 */
void vn_log_set_sink(vn_log_sink_t sink)
{
	log_sink = sink;
}

/**
 * vn_log_set_level() - Drop messages less severe than @level
 * @level:	most verbose level still printed
 */
void vn_log_set_level(enum vn_log_level level)
{
	log_level = level;
}

/**
 * vn_log_get_level() - Current log level
 *
 * Return: the most verbose level still printed
 */
enum vn_log_level vn_log_get_level(void)
{
	return log_level;
}

/* Copy @line into this thread's capture; true if it held anything */
static bool capture_take(const char *line)
{
	size_t n = strnlen(line, log_capture->len - 1);

	memcpy(log_capture->buf, line, n);
	log_capture->buf[n] = '\0';
	return n > 0;
}

/**
 * vn_log() - Format and emit one log line
 * @level:	severity
 * @fmt:	printf format, with an object prefix ("port 'tap0': ...")
 */
void vn_log(enum vn_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	va_list ap;

	/* the first error under a capture is the caller's to report, whatever
	 * the level: the reply to a request says why it failed */
	bool capture = level == VN_LOG_ERR && log_capture && log_capture->len &&
		       !log_capture->buf[0];

	/* no format, no line (and GCC's UBSan build cannot prove fmt non-NULL here) */
	if (!fmt || (!capture && level > log_level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (capture && capture_take(line))
		return;
	if (level > log_level)
		return;
	if (log_sink)
		log_sink(level, line);
	else
		fprintf(stderr, "vnetd: %s: %s\n", names[level], line);
}

/**
 * vn_log_capture_begin() - Send this thread's next error to @buf, not to the sink
 * @cap:	capture state, the caller's until vn_log_capture_end()
 * @buf:	message buffer; emptied here, holds the first error logged after
 * @len:	its size
 *
 * A control request fails with the reason the layers below logged (a port
 * spec's bad key, a tap's ioctl, an object's ELF check), so the reason goes
 * into the reply instead of a log its client may not be able to read. Only
 * the first error is taken; later ones, and other levels, are logged as
 * usual. Captures nest: an inner one takes errors until it ends.
 */
void vn_log_capture_begin(struct vn_log_capture *cap, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	cap->buf = buf;
	cap->len = len;
	cap->prev = log_capture;
	log_capture = cap;
}

/**
 * vn_log_capture_end() - End the capture @cap began, restore the one before it
 * @cap:	capture from vn_log_capture_begin(), the innermost on this thread
 */
void vn_log_capture_end(struct vn_log_capture *cap)
{
	log_capture = cap->prev;
}

/**
 * vn_log_ratelimit() - Allow VN_RL_BURST messages per VN_RL_INTERVAL_NS
 * @state:	caller-owned state, zero-initialised
 *
 * Return: 1 if the caller may log now, 0 if it should stay quiet
 */
int vn_log_ratelimit(struct vn_ratelimit *state)
{
	unsigned long long now = vn_mono_ns();

	if (now - state->window_start_ns > VN_RL_INTERVAL_NS) {
		if (state->missed && log_level >= VN_LOG_WARN)
			vn_log(VN_LOG_WARN, "%u messages suppressed", state->missed);
		state->window_start_ns = now;
		state->printed = 0;
		state->missed = 0;
	}
	if (state->printed >= VN_RL_BURST) {
		state->missed++;
		return 0;
	}
	state->printed++;
	return 1;
}

/**
 * vn_log_escape() - Copy an untrusted name into @out, safe to put in a log line
 * @in:		NUL-terminated name
 * @out:	output, always NUL-terminated
 * @osz:	size of @out (at least 1)
 *
 * Return: @out
 */
char *vn_log_escape(const char *in, char *out, size_t osz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; in[i] && i + 1 < osz; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'') {
			if (o + 1 >= osz)
				break;
			out[o++] = (char)ch;
			continue;
		}
		/* an escape that does not fit whole is left out */
		if (o + 4 >= osz)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[ch >> 4];
		out[o++] = hex[ch & 15];
	}
	out[o] = '\0';
	return out;
}
