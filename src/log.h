/* One line per event on stderr: time, level, component, message.
 * Never pass span content here. */
#ifndef GC_LOG_H
#define GC_LOG_H

enum gc_log_level { GC_LOG_DEBUG, GC_LOG_INFO, GC_LOG_WARN, GC_LOG_ERROR };

void gc_log_set_level(enum gc_log_level level);
/* Parses debug|info|warn|error; returns -1 for anything else. */
int gc_log_parse_level(const char *s);
void gc_log(enum gc_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define gc_debug(c, ...) gc_log(GC_LOG_DEBUG, c, __VA_ARGS__)
#define gc_info(c, ...) gc_log(GC_LOG_INFO, c, __VA_ARGS__)
#define gc_warn(c, ...) gc_log(GC_LOG_WARN, c, __VA_ARGS__)
#define gc_error(c, ...) gc_log(GC_LOG_ERROR, c, __VA_ARGS__)

#endif
