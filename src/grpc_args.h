/* Channel and server argument constructors for the gRPC C core. */
#ifndef GC_GRPC_ARGS_H
#define GC_GRPC_ARGS_H

#include <grpc/grpc.h>

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

#endif
