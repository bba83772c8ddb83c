/* Log records through the span API (span.h), over the protobuf-c messages
 * decoded into the batch's arena. */
#include "span_pb.h"

#include <string.h>

typedef Opentelemetry__Proto__Logs__V1__ResourceLogs resource_logs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs scope_logs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord log_record;

#define RECORD(l) ((log_record *)(l)->record)

void gc_log_iter_init(struct gc_log_iter *it, struct gc_batch *batch)
{
	memset(it, 0, sizeof(*it));
	it->batch = batch;
}

bool gc_log_iter_next(struct gc_log_iter *it, struct gc_log *out)
{
	const gc_logs_req *req = it->batch->logs;

	while (it->r < req->n_resource_logs) {
		resource_logs *rl = req->resource_logs[it->r];

		while (it->s < rl->n_scope_logs) {
			scope_logs *sl = rl->scope_logs[it->s];

			if (it->i < sl->n_log_records) {
				out->batch = it->batch;
				out->resource_logs = rl;
				out->scope_logs = sl;
				out->record = sl->log_records[it->i++];
				return true;
			}
			it->s++;
			it->i = 0;
		}
		it->r++;
		it->s = 0;
	}
	return false;
}

void gc_log_attrs(struct gc_log *log, struct gc_attrs *out)
{
	gc_pb_attrs_view(out, log->batch, &RECORD(log)->attributes, &RECORD(log)->n_attributes);
}

bool gc_log_resource_attrs(struct gc_log *log, struct gc_attrs *out)
{
	return gc_pb_resource_attrs(log->batch, ((resource_logs *)log->resource_logs)->resource,
				    out);
}

void gc_log_body(const struct gc_log *log, struct gc_value *out)
{
	gc_pb_value_read(RECORD(log)->body, out);
}

bool gc_log_body_visit_strings(struct gc_log *log, gc_string_visitor visit, void *ctx)
{
	return gc_pb_value_visit(RECORD(log)->body, (struct gc_str){ "", 0 }, visit, ctx);
}

void gc_log_clear_body(struct gc_log *log)
{
	RECORD(log)->body = NULL;
}
