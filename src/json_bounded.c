#include "json_bounded.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "batch.h"

/* Bytes the current thread's parse may still allocate; NULL outside a bounded
 * parse. Only allocations are counted, never frees: a parse that frees and
 * allocates again is charged twice, which errs on the safe side. */
static __thread size_t *remaining;
static __thread bool exceeded;
/* Allocations refused by the system on this thread (see json_bounded.h). */
static __thread size_t failures;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void *counted_malloc(size_t size)
{
	void *p;

	if (remaining) {
		if (size > *remaining) {
			exceeded = true;
			return NULL;
		}
		*remaining -= size;
	}
	p = malloc(size);
	if (!p)
		failures++;
	return p;
}

size_t gc_json_alloc_failures(void)
{
	return failures;
}

static void install(void)
{
	json_set_alloc_funcs(counted_malloc, free);
}

void gc_json_init(void)
{
	pthread_once(&init_once, install);
}

json_t *gc_json_loadb(const char *text, size_t len, size_t flags, json_error_t *error,
		      bool *over_limit)
{
	size_t budget = len > (SIZE_MAX - GC_DECODE_SLACK) / GC_JSON_PARSE_RATIO
				? SIZE_MAX
				: len * GC_JSON_PARSE_RATIO + GC_DECODE_SLACK;
	json_error_t local;
	json_t *root;

	gc_json_init();
	if (!error)
		error = &local;
	remaining = &budget;
	exceeded = false;
	root = json_loadb(text, len, flags, error);
	remaining = NULL;
	if (over_limit)
		*over_limit = exceeded;
	if (exceeded) {
		json_decref(root);
		snprintf(error->text, sizeof(error->text),
			 "parsing would take more than %d times the text's size in memory",
			 GC_JSON_PARSE_RATIO);
		return NULL;
	}
	return root;
}
