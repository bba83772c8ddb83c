/* Channel and server argument constructors for the gRPC C core, and the
 * hand-overs of data to gRPC's threads declared to ThreadSanitizer. */
#ifndef GC_GRPC_ARGS_H
#define GC_GRPC_ARGS_H

#include <grpc/grpc.h>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

static inline grpc_arg gc_grpc_int_arg(const char *key, int value)
{
	grpc_arg a = { .type = GRPC_ARG_INTEGER, .key = (char *)key };

	a.value.integer = value;
	return a;
}

static inline grpc_arg gc_grpc_string_arg(const char *key, const char *value)
{
	grpc_arg a = { .type = GRPC_ARG_STRING, .key = (char *)key };

	a.value.string = (char *)value;
	return a;
}

/* Data one thread hands to gRPC and another takes back from it (an encoding
 * gRPC frees on its own thread, a call whose read another thread posted):
 * gRPC's locks order the two, but ThreadSanitizer cannot see them in the
 * uninstrumented library, so the hand-over is declared to it. No-ops in
 * other builds. */
#if defined(__SANITIZE_THREAD__)
#define GC_HANDED_OVER(p) __tsan_release(p)
#define GC_TAKEN_OVER(p) __tsan_acquire(p)
#else
#define GC_HANDED_OVER(p) ((void)(p))
#define GC_TAKEN_OVER(p) ((void)(p))
#endif

#endif
