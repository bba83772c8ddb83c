/* Return codes shared by every module. Details travel out of band through a
 * char **err the caller frees. */
#ifndef GC_COMMON_H
#define GC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	GC_OK = 0,
	GC_ERROR = -1, /* permanent: do not retry */
	GC_RETRY = -2, /* transient: try again later */
	GC_FULL = -3,  /* a queue is full: backpressure to the sender */
};

/* Signals a pipeline carries. */
enum gc_signal { GC_SIGNAL_TRACES = 0, GC_SIGNAL_LOGS = 1, GC_SIGNAL_METRICS = 2 };
#define GC_SIGNAL_COUNT 3
#define GC_SIGNAL_BIT(s) (1u << (s))

const char *gc_signal_name(enum gc_signal s);

/* Formats into a new heap string stored in *err (when err is not NULL);
 * frees any previous message. When memory runs out *err is left NULL: a
 * failure without a message is out of memory. Always returns GC_ERROR. */
int gc_set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True for a request header that carries a credential: authorization,
 * proxy-authorization, cookie, set-cookie, x-api-key, api-key, and any name
 * containing "token", "secret", "password" or "credential" (case-insensitive).
 * Such values are never printed or logged. */
bool gc_header_is_credential(const char *name);

/* Length of the valid UTF-8 sequence at p (1-4; len > 0), or 0 when it is
 * invalid: overlong forms, surrogates and code points past U+10FFFF are. */
size_t gc_utf8_length(const unsigned char *p, size_t len);

int64_t gc_now_ns(void);	      /* CLOCK_MONOTONIC */
int64_t gc_realtime_ns(void);	      /* CLOCK_REALTIME */

#define GC_MS(x) ((int64_t)(x) * 1000000LL)
#define GC_SEC(x) ((int64_t)(x) * 1000000000LL)

#endif
