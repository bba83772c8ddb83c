#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common.h"

static _Atomic int min_level = GC_LOG_INFO; /* set on reload, read everywhere */
static const char *const level_names[] = { "debug", "info", "warn", "error" };

void gc_log_set_level(enum gc_log_level level)
{
	min_level = level;
}

int gc_log_parse_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

/* Copies text into out (cap bytes with the NUL) with control characters and
 * bytes that are not UTF-8 written as \xHH: a message may quote a client
 * (a model name, a JSON fragment), and one event stays one line. */
static void escape(char *out, size_t cap, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t o = 0, len = strlen(text);

	for (size_t i = 0; i < len && o + 5 < cap;) {
		size_t n = gc_utf8_length(p + i, len - i);

		if (!n || p[i] < 0x20 || p[i] == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
			i++;
		} else {
			if (o + n >= cap)
				break;
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
}

void gc_log(enum gc_log_level level, const char *component, const char *fmt, ...)
{
	char line[1024], text[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if ((int)level < atomic_load(&min_level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], component);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(line))
		escape(line + n, sizeof(line) - (size_t)n, text);
	/* One fputs of a whole line keeps concurrent threads' lines apart. */
	fprintf(stderr, "%s\n", line);
}
