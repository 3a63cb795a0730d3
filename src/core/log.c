// SPDX-License-Identifier: MIT
/* log.c - logging sink, level and rate limiting */
#include <stdio.h>
#include <time.h>

#include "core/clock.h"
#include "log.h"

static vn_log_sink_t log_sink;
static enum vn_log_level log_level = VN_LOG_INFO;

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

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_sink)
		log_sink(level, line);
	else
		fprintf(stderr, "vnetd: %s: %s\n", names[level], line);
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
