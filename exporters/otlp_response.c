/* What an OTLP backend answered, shared by the gRPC and HTTP exporters. */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "otlp_response.h"

/* A field of a decoded message, found by number through its descriptor. */
static void *field_ptr(const ProtobufCMessage *m, unsigned number)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(m->descriptor, number);

	return f ? (char *)m + f->offset : NULL;
}

void gc_read_partial_success(enum gc_signal signal, const uint8_t *body, size_t len,
			     struct gc_send_result *res)
{
	ProtobufCMessage *r;

	if (!len)
		return;
	r = protobuf_c_message_unpack(gc_response_descriptor(signal), NULL, len, body);
	if (!r)
		return;
	/* All three responses share one shape: field 1 holds
	 * {1: rejected count (int64), 2: error_message}. */
	{
		ProtobufCMessage **ps = field_ptr(r, 1);

		if (ps && *ps) {
			int64_t *rejected = field_ptr(*ps, 1);
			ProtobufCBinaryData *msg = field_ptr(*ps, 2);

			if (rejected && *rejected > 0)
				res->rejected_items = (size_t)*rejected;
			if ((rejected && *rejected) || (msg && msg->len))
				res->rejected_message = strndup(msg ? (const char *)msg->data : "",
								msg ? msg->len : 0);
		}
	}
	protobuf_c_message_free_unpacked(r, NULL);
}
