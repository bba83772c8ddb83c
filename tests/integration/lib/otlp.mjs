// OTLP protobuf definitions loaded from the collector's own proto/ directory, the codecs for the
// Export*Service requests and google.rpc.Status, and a raw gRPC client that sends exact bytes and returns the status
// instead of throwing.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

export const PROTO_DIR = process.env.GC_PROTO_DIR || '/work/main/proto';

// The decoded form every helper and test uses: snake_case field names, 64-bit integers as decimal
// strings, bytes as Buffers, enums as numbers, absent scalars filled with their defaults, and the
// name of the set member on every oneof (AnyValue.value).
export const LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  longs: String,
  bytes: Buffer,
  enums: Number,
  defaults: true,
  oneofs: true,
});

export const SERVICES = Object.freeze({
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
});

export const TRACE_EXPORT_PATH = `/${SERVICES.traces}/Export`;
export const EXPORT_PATHS = Object.freeze({
  traces: TRACE_EXPORT_PATH,
  metrics: `/${SERVICES.metrics}/Export`,
  logs: `/${SERVICES.logs}/Export`,
});

const PROTO_FILES = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
];

let cached;

// The collector declares OTLP's `string` fields as `bytes`, marked "upstream: string" (same wire
// encoding, but protobuf-c then keeps embedded NULs). The test peers must read the wire as
// upstream's schema does, so they load a copy of the protos with the `string` types restored.
function upstreamProtoDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-proto-'));
  fs.cpSync(PROTO_DIR, dir, { recursive: true });
  for (const rel of fs.readdirSync(dir, { recursive: true })) {
    if (!rel.endsWith('.proto')) continue;
    const file = path.join(dir, rel);
    const text = fs.readFileSync(file, 'utf8').replace(
      /\bbytes (\w+ = \d+;) \/\/ upstream: string/g, 'string $1');
    fs.writeFileSync(file, text);
  }
  return dir;
}

// Returns the proto-loader package definition of the three collector services (loaded once).
export function packageDefinition() {
  if (!cached) {
    const dir = upstreamProtoDir();
    cached = protoLoader.loadSync(PROTO_FILES, {
      ...LOADER_OPTIONS,
      includeDirs: [dir],
    });
    fs.rmSync(dir, { recursive: true, force: true });
    // Upstream's schema, whichever proto dir it came from: text fields decode as strings.
    const anyValue = cached['opentelemetry.proto.common.v1.AnyValue'].type.field;
    const stringValue = anyValue.find((f) => f.name === 'string_value');
    if (stringValue?.type !== 'TYPE_STRING') {
      throw new Error(`AnyValue.string_value in ${PROTO_DIR} is ${stringValue?.type}, not string`);
    }
  }
  return cached;
}

// Returns the grpc-js service definition (method table) of one signal: 'traces', 'metrics' or 'logs'.
export function serviceDefinition(signal) {
  const def = packageDefinition()[SERVICES[signal]];
  if (!def) throw new Error(`no service ${SERVICES[signal]} in ${PROTO_DIR}`);
  return def;
}

// Encodes an ExportTraceServiceRequest given in the decoded form (snake_case, longs as strings).
export function encodeTraceRequest(request) {
  return serviceDefinition('traces').Export.requestSerialize(request);
}

// Decodes ExportTraceServiceRequest bytes into the decoded form; throws on malformed input.
export function decodeTraceRequest(bytes) {
  return serviceDefinition('traces').Export.requestDeserialize(bytes);
}

// Decodes ExportTraceServiceResponse bytes.
export function decodeTraceResponse(bytes) {
  return serviceDefinition('traces').Export.responseDeserialize(bytes);
}

// Encodes an Export{Trace,Logs,Metrics}ServiceRequest of `signal` given in the decoded form.
export function encodeRequest(signal, request) {
  return serviceDefinition(signal).Export.requestSerialize(request);
}

// Decodes Export*ServiceRequest bytes of `signal`; throws on malformed input.
export function decodeRequest(signal, bytes) {
  return serviceDefinition(signal).Export.requestDeserialize(bytes);
}

// Decodes Export*ServiceResponse bytes of `signal`.
export function decodeResponse(signal, bytes) {
  return serviceDefinition(signal).Export.responseDeserialize(bytes);
}

// Encodes an Export*ServiceResponse of `signal` given in the decoded form.
export function encodeResponse(signal, response) {
  return serviceDefinition(signal).Export.responseSerialize(response);
}

let statusCodec;

// Decodes a google.rpc.Status (the error body of OTLP/HTTP) with the collector's
// proto/google/rpc/status.proto; throws on malformed input. proto-loader only builds codecs for
// service methods, so the message is loaded as the request of a one-method service.
export function decodeStatus(bytes) {
  if (!statusCodec) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-status-'));
    try {
      fs.writeFileSync(path.join(dir, 'status_codec.proto'), [
        'syntax = "proto3";',
        'package gc.test;',
        'import "google/rpc/status.proto";',
        'service StatusCodec { rpc Decode(google.rpc.Status) returns (google.rpc.Status); }',
        '',
      ].join('\n'));
      const def = protoLoader.loadSync('status_codec.proto', { ...LOADER_OPTIONS, includeDirs: [dir, PROTO_DIR] });
      statusCodec = def['gc.test.StatusCodec'].Decode;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return statusCodec.requestDeserialize(bytes);
}

// Encodes a google.rpc.Status ({ code, message, details }).
export function encodeStatus(status) {
  decodeStatus(Buffer.alloc(0)); // loads the codec
  return statusCodec.requestSerialize(status);
}

const identity = (b) => b;

// A gRPC client that sends exact request bytes to any method path. Every call resolves with
// { code, details, response } where code is the gRPC status code (grpc.status.OK on success)
// and response is the raw response bytes (OK only); it never rejects.
export class RawClient {
  constructor(address, options = {}) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
      ...options,
    });
  }

  unary(methodPath, bytes, { deadlineMs = 10000, metadata = new grpc.Metadata() } = {}) {
    return new Promise((resolve) => {
      const deadline = new Date(Date.now() + deadlineMs);
      this.client.makeUnaryRequest(methodPath, identity, identity, bytes, metadata, { deadline },
        (err, response) => {
          if (err) resolve({ code: err.code, details: err.details, response: undefined });
          else resolve({ code: grpc.status.OK, details: '', response });
        });
    });
  }

  // Sends an ExportTraceServiceRequest given in decoded form.
  exportTraces(request, options) {
    return this.unary(TRACE_EXPORT_PATH, encodeTraceRequest(request), options);
  }

  close() {
    this.client.close();
  }
}

// Creates a RawClient whose requests are gzip-compressed on the wire.
export function gzipClient(address) {
  return new RawClient(address, { 'grpc.default_compression_algorithm': 2 });
}

// Name of a gRPC status code, for readable assertion messages.
export function statusName(code) {
  return Object.keys(grpc.status).find((k) => grpc.status[k] === code) ?? String(code);
}

// Asserts a call's status ({ code, details, error? } as RawClient and raw HTTP/2 calls resolve),
// naming both codes and ending with the daemon's log.
export function assertGrpcStatus(res, code, what, daemon) {
  assert.equal(res.code, code,
    `${what}: expected ${statusName(code)}, got ${statusName(res.code)} "${res.details}"` +
    `${res.error ? ` (${res.error})` : ''}\n${daemon.describe()}`);
}
