/* gRPC helpers shared by the load generator and the sink. */
#ifndef BENCH_GRPC_UTIL_H
#define BENCH_GRPC_UTIL_H

#include <stdint.h>

#include <grpc/grpc.h>
#include <grpc/support/time.h>

#define BENCH_EXPORT_METHOD "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

/* A monotonic deadline ns nanoseconds from now. */
static inline gpr_timespec bench_deadline_in(uint64_t ns)
{
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			    gpr_time_from_nanos((int64_t)ns, GPR_TIMESPAN));
}

/* An integer channel argument. */
static inline grpc_arg bench_int_arg(const char *key, int value)
{
	grpc_arg arg;

	arg.type = GRPC_ARG_INTEGER;
	arg.key = (char *)key;
	arg.value.integer = value;
	return arg;
}

/* "UNAVAILABLE" for 14, and so on; "UNKNOWN_STATUS" past the table. */
const char *bench_status_name(unsigned code);

/* Entry points of the two gc_loadgen subcommands; argv[0] is the
 * subcommand. They return the process exit code. */
int loadgen_send_main(int argc, char **argv);
int loadgen_sink_main(int argc, char **argv);

#endif
