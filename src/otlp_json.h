/* OTLP/JSON (the protobuf JSON mapping with OTLP's exceptions) decoded into the
 * same protobuf-c messages the binary path produces, allocated from a batch's
 * arena. Per the OTLP spec: trace and span IDs are hex, enums are integers (names
 * are accepted too), 64-bit integers may be strings or numbers, field names may
 * be lowerCamelCase or as in the .proto, and unknown fields are ignored. */
#ifndef GC_OTLP_JSON_H
#define GC_OTLP_JSON_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* Decodes json as a message of type d. Returns the message (arena-owned) or
 * NULL with a message naming the JSON path of the problem in *err; then
 * *over_limit (when not NULL) tells whether the request's memory bound (the
 * arena's limit, or GC_DECODE_RATIO for the parse tree) was the problem, and
 * errno is ENOMEM when the system's memory ran out (the client may retry). */
ProtobufCMessage *gc_otlp_json_decode(const ProtobufCMessageDescriptor *d, const char *json,
				      size_t len, gc_arena *arena, bool *over_limit, char **err);

/* Encodes a response message (Export*ServiceResponse, google.rpc.Status) as
 * JSON: lowerCamelCase names, 64-bit integers as strings, text fields as
 * strings. Not for requests: bytes fields are written as text, not hex or
 * base64. Returns a heap string or NULL when out of memory. */
char *gc_otlp_json_encode(const ProtobufCMessage *message);

#endif
