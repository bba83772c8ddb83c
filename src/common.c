#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

const char *gc_signal_name(enum gc_signal s)
{
	static const char *const names[] = { "traces", "logs", "metrics" };

	return (unsigned)s < GC_SIGNAL_COUNT ? names[s] : "unknown";
}

int gc_set_err(char **err, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!err)
		return GC_ERROR;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(*err);
	*err = msg;
	return GC_ERROR;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t gc_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t gc_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}
