/* Small helpers shared by the bench tools: clocks, argument parsing,
 * percentiles and reading another process's CPU time. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_NS_PER_SEC 1000000000ull

/* Monotonic wall clock and this process's CPU clock, in nanoseconds. */
uint64_t bench_now_ns(void);
uint64_t bench_process_cpu_ns(void);

/* Parses a duration: "10s", "500ms", "2m", "1.5s" or a bare number of
 * seconds. Returns 0 and stores nanoseconds, or -1 on a malformed value. */
int bench_parse_duration(const char *text, uint64_t *ns);

/* Parses an unsigned decimal, optionally with a k/M suffix (x1000,
 * x1000000), between min and max inclusive. Returns 0 or -1. */
int bench_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Sorts values in place and returns the q-quantile (0 <= q <= 1) by the
 * nearest-rank rule; 0 when count is 0. */
uint32_t bench_quantile(uint32_t *values, size_t count, double q);
void bench_sort_u32(uint32_t *values, size_t count);

/* CPU time (user + system) of process pid from /proc/PID/stat, in
 * nanoseconds. Returns 0 or -1 when the process cannot be read. */
int bench_pid_cpu_ns(int pid, uint64_t *ns);

/* Context switches (voluntary + involuntary) summed over the live threads
 * of process pid, from /proc/PID/task/TID/status. Returns 0 or -1. */
int bench_pid_context_switches(int pid, uint64_t *count);

#endif
