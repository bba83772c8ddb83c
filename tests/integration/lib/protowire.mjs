// Protobuf wire encoding by hand, for requests a schema-driven encoder will not produce: string
// fields holding bytes that are not UTF-8, a singular field repeated, millions of empty
// messages. Field numbers are OTLP's (opentelemetry/proto/{collector/trace,trace,common,
// resource}/v1); every builder returns a Buffer.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;

// Base-128 varint of a non-negative number or BigInt.
export function varint(value) {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // int64 as protobuf writes it: two's complement, 10 bytes
  const out = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export const tag = (field, wireType) => varint((field << 3) | wireType);

const bytesOf = (x) => (Buffer.isBuffer(x) ? x : Buffer.from(x, 'utf8'));

// A length-delimited field (string, bytes or message): payload is a Buffer, a string (UTF-8)
// or an array of those (concatenated).
export function lenField(field, payload) {
  const body = Array.isArray(payload) ? Buffer.concat(payload.map(bytesOf)) : bytesOf(payload);
  return Buffer.concat([tag(field, WIRE_LEN), varint(body.length), body]);
}

export const varintField = (field, value) => Buffer.concat([tag(field, WIRE_VARINT), varint(value)]);

export function fixed64Field(field, value) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return Buffer.concat([tag(field, WIRE_FIXED64), b]);
}

// common.v1: AnyValue { string_value = 1; int_value = 3 }, KeyValue { key = 1; value = 2 }.
export const stringValue = (bytes) => lenField(1, bytes);
export const intValue = (n) => varintField(3, n);
export const keyValue = (key, anyValue) => Buffer.concat([lenField(1, key), lenField(2, anyValue)]);
export const stringAttr = (key, bytes) => keyValue(key, stringValue(bytes));
export const intAttr = (key, n) => keyValue(key, intValue(n));

// trace.v1.Span with the fields a backend needs: trace_id 1, span_id 2, name 5, kind 6,
// start 7, end 8, attributes 9 (each a KeyValue Buffer).
export function span({ traceId, spanId, name, kind = 3, attributes = [] }) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return Buffer.concat([
    lenField(1, traceId),
    lenField(2, spanId),
    lenField(5, name),
    varintField(6, kind),
    fixed64Field(7, now),
    fixed64Field(8, now + 1000n),
    ...attributes.map((kv) => lenField(9, kv)),
  ]);
}

// collector.trace.v1.ExportTraceServiceRequest with one ResourceSpans (resource 1 { attributes
// 1 }, scope_spans 2) holding one ScopeSpans (scope 1 { name 1 }, spans 2) with these spans.
export function traceRequest(spans, { serviceName = 'gc-hostile-client', scopeName = 'gc.integration.hostile' } = {}) {
  const resource = lenField(1, stringAttr('service.name', serviceName));
  const scopeSpans = [lenField(1, lenField(1, scopeName)), ...spans.map((s) => lenField(2, s))];
  return lenField(1, [lenField(1, resource), lenField(2, scopeSpans)]);
}
