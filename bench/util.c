#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * BENCH_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t bench_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t bench_process_cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

int bench_parse_duration(const char *text, uint64_t *ns)
{
	char *end;
	double value, scale;

	errno = 0;
	value = strtod(text, &end);
	if (errno || end == text || value < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		scale = 1e9;
	else if (strcmp(end, "ms") == 0)
		scale = 1e6;
	else if (strcmp(end, "us") == 0)
		scale = 1e3;
	else if (strcmp(end, "m") == 0)
		scale = 60e9;
	else
		return -1;
	if (value * scale > 1e18)
		return -1;
	*ns = (uint64_t)(value * scale);
	return 0;
}

int bench_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long value;
	uint64_t scale = 1;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno)
		return -1;
	if (*end == 'k' || *end == 'K')
		scale = 1000, end++;
	else if (*end == 'M')
		scale = 1000000, end++;
	if (*end != '\0' || value > max / scale)
		return -1;
	value *= scale;
	if (value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

void bench_sort_u32(uint32_t *values, size_t count)
{
	if (count > 1)
		qsort(values, count, sizeof(*values), compare_u32);
}

/* Expects values already sorted by bench_sort_u32. */
uint32_t bench_quantile(uint32_t *values, size_t count, double q)
{
	size_t rank;

	if (count == 0)
		return 0;
	rank = (size_t)(q * (double)count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > count)
		rank = count;
	return values[rank - 1];
}

/* Fields 14 and 15 of /proc/PID/stat are utime and stime in clock ticks.
 * The command name (field 2) may hold spaces, so parsing starts after the
 * last ')'. */
int bench_pid_cpu_ns(int pid, uint64_t *ns)
{
	char path[64], buf[1024];
	unsigned long long utime, stime;
	long ticks = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || ticks <= 0)
		return -1;
	/* After ')': state(3) ppid pgrp session tty_nr tpgid flags minflt
	 * cminflt majflt cmajflt utime(14) stime(15). */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &utime, &stime) != 2)
		return -1;
	*ns = (utime + stime) * (BENCH_NS_PER_SEC / (uint64_t)ticks);
	return 0;
}

static int task_context_switches(int pid, const char *tid, uint64_t *count)
{
	char path[320], line[128];
	unsigned long long n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return -1; /* the thread exited meanwhile */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &n) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &n) == 1)
			*count += n;
	}
	fclose(f);
	return 0;
}

int bench_pid_context_switches(int pid, uint64_t *count)
{
	char path[64];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	*count = 0;
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			task_context_switches(pid, e->d_name, count);
	closedir(dir);
	return 0;
}
