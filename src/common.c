#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

bool gc_header_is_credential(const char *name)
{
	static const char *const exact[] = { "authorization", "proxy-authorization", "cookie",
					     "set-cookie", "x-api-key", "api-key" };
	static const char *const parts[] = { "token", "secret", "password", "credential" };

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcasecmp(name, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strcasestr(name, parts[i]))
			return true;
	return false;
}

size_t gc_utf8_length(const unsigned char *p, size_t len)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
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
