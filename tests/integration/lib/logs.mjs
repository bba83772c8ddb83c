// Log records as a real application makes them: the OpenTelemetry JS SDK (LoggerProvider, the fixed
// Resource of spans.mjs) exporting through OTLPLogExporter over gRPC or OTLP/HTTP protobuf.
// emitLogCatalog() emits records covering every field the JS API can set — bodies of every type
// (the GenAI events put whole messages in kvlist bodies), severities, event names, trace context,
// nested attributes — and returns, for each, the values a backend must see.

import assert from 'node:assert/strict';
import { trace, context, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter as OTLPLogExporterGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { ResultRecordingExporter, RESOURCE_ATTRIBUTES, RESOURCE_SCHEMA_URL, hrToNanos, tagAnyValue, attributeMap } from './spans.mjs';

export const LOG_SCOPE = Object.freeze({
  name: 'gc.integration.logs',
  version: '0.9.0',
  schemaUrl: 'https://opentelemetry.io/schemas/1.27.0',
  attributes: { 'scope.owner': 'gen-ai-team', 'scope.shard': 3 },
});
export const PLAIN_LOG_SCOPE = Object.freeze({ name: 'gc.integration.logs.plain' });

// An OTLP log exporter: transport 'grpc' (target host:port) or 'http' (target URL, protobuf);
// compression 'none' or 'gzip'. Records the result of every export.
export function logExporter(transport, target, compression = 'none') {
  const inner = transport === 'grpc'
    ? new OTLPLogExporterGrpc({ url: `http://${target}`, compression, timeoutMillis: 10000 })
    : new OTLPLogExporterProto({ url: target, compression, timeoutMillis: 10000 });
  return new ResultRecordingExporter(inner);
}

// A provider with the fixed resource and one batch processor per exporter, flushed by
// provider.forceFlush().
export function createLoggerProvider(exporters) {
  return new LoggerProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES, { schemaUrl: RESOURCE_SCHEMA_URL }),
    processors: exporters.map((e) => new BatchLogRecordProcessor({
      exporter: e,
      maxQueueSize: 20000,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 3600_000,
      exportTimeoutMillis: 30000,
    })),
  });
}

// The tagged AnyValue (see spans.mjs tagAnyValue) a backend must see for a JS log value: objects
// become kvlists, Uint8Arrays bytes, null an empty value.
export function expectedAnyTag(js) {
  if (js === null || js === undefined) return {};
  if (typeof js === 'string') return { string: js };
  if (typeof js === 'boolean') return { bool: js };
  if (typeof js === 'number') return Number.isInteger(js) ? { int: String(js) } : { double: js };
  if (js instanceof Uint8Array) return { bytes: Buffer.from(js).toString('hex') };
  if (Array.isArray(js)) return { array: js.map(expectedAnyTag) };
  return { kvlist: Object.entries(js).map(([k, v]) => [k, expectedAnyTag(v)]) };
}

function randomHex(bytes) {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return s;
}

// Key of a received log entry: its "test.id" attribute.
export const logKey = (entry) => entry.record.attributes.find((a) => a.key === 'test.id')?.value?.string_value;

// Emits the catalog records on `provider` with `tag` in every "test.id" and a "test.tag"
// attribute. Returns one spec per record (see assertLogMatches).
export function emitLogCatalog(provider, tag) {
  const logger = provider.getLogger(LOG_SCOPE.name, LOG_SCOPE.version,
    { schemaUrl: LOG_SCOPE.schemaUrl, attributes: LOG_SCOPE.attributes });
  const plain = provider.getLogger(PLAIN_LOG_SCOPE.name);
  const scope = { name: LOG_SCOPE.name, version: LOG_SCOPE.version, schemaUrl: LOG_SCOPE.schemaUrl, attributes: LOG_SCOPE.attributes };
  const plainScope = { name: PLAIN_LOG_SCOPE.name, version: '', schemaUrl: '', attributes: {} };
  const base = Math.floor(Date.now() / 1000) - 30;
  const time = (offsetSec, ns) => [base + offsetSec, ns];
  const specs = [];
  const sampled = { traceId: randomHex(16), spanId: randomHex(8), traceFlags: TraceFlags.SAMPLED, isRemote: true };
  const unsampled = { traceId: randomHex(16), spanId: randomHex(8), traceFlags: TraceFlags.NONE, isRemote: true };

  const emit = (lg, scopeSpec, id, record, extra = {}) => {
    const attributes = { 'test.id': `${tag}/${id}`, 'test.tag': tag, ...record.attributes };
    lg.emit({ ...record, attributes });
    specs.push({
      id: `${tag}/${id}`,
      scope: scopeSpec,
      time: record.timestamp ? hrToNanos(record.timestamp) : undefined,
      observed: record.observedTimestamp ? hrToNanos(record.observedTimestamp) : undefined,
      severityNumber: record.severityNumber ?? 0,
      severityText: record.severityText ?? '',
      eventName: record.eventName ?? '',
      body: expectedAnyTag(record.body),
      attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, expectedAnyTag(v)])),
      traceId: '',
      spanId: '',
      flags: 0,
      ...extra,
    });
  };

  emit(logger, scope, 'string-body', {
    timestamp: time(1, 123_456_789),
    observedTimestamp: time(1, 987_654_321),
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: 'user asked about pricing: héllo ✓ 日本語',
    attributes: {
      'string.empty': '', 'int.negative': -7, 'int.max_safe': Number.MAX_SAFE_INTEGER, 'double.pi': 3.141592653589793,
      'bool.false': false, 'array.string': ['a', '', 'c'], 'array.int': [1, -2], 'array.empty': [],
    },
  });
  emit(logger, scope, 'gen-ai-choice', {
    timestamp: time(2, 1),
    eventName: 'gen_ai.choice',
    body: {
      index: 0,
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      logprobs: [-0.25, -1.5],
    },
    attributes: { 'gen_ai.system': 'openai', 'gen_ai.response.id': 'chatcmpl-123' },
  });
  emit(logger, scope, 'in-sampled-span', {
    timestamp: time(3, 500_000_001),
    severityNumber: SeverityNumber.DEBUG3,
    severityText: 'debug',
    eventName: 'gen_ai.client.inference.operation.details',
    body: { 'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'What is 2+2?' }] }] },
    attributes: { 'nested.map': { level1: { level2: [1, 'two', { three: true }] } }, 'gen_ai.operation.name': 'chat' },
    context: trace.setSpanContext(context.active(), sampled),
  }, { traceId: sampled.traceId, spanId: sampled.spanId, flags: TraceFlags.SAMPLED });
  emit(logger, scope, 'explicit-unsampled-context', {
    timestamp: time(4, 4),
    severityNumber: SeverityNumber.WARN2,
    body: 'in an unsampled trace',
    context: trace.setSpanContext(context.active(), unsampled),
  }, { traceId: unsampled.traceId, spanId: unsampled.spanId, flags: TraceFlags.NONE });
  emit(logger, scope, 'bytes-body', {
    timestamp: time(5, 5),
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: new Uint8Array([0, 1, 2, 0x7f, 0x80, 0xff]),
  });
  emit(plain, plainScope, 'array-body', {
    timestamp: time(6, 999_999_999),
    severityNumber: SeverityNumber.WARN,
    body: [1, 'two', 3.5, true, null, { k: 'v' }, [[]]],
  });
  emit(plain, plainScope, 'no-body', {
    timestamp: time(7, 7),
    severityNumber: SeverityNumber.FATAL4,
    severityText: 'FATAL4',
    attributes: { only: 'attributes' },
  });
  emit(plain, plainScope, 'empty-string-body', { timestamp: time(8, 8), body: '' });
  return specs;
}

// Asserts a received log entry ({ resource, scope, record, ... }) carries every value in `spec`
// and the fixed resource.
export function assertLogMatches(entry, spec) {
  const { record } = entry;
  const where = `log record ${spec.id}`;
  if (spec.time) assert.equal(record.time_unix_nano, spec.time, `${where}: time_unix_nano`);
  if (spec.observed) assert.equal(record.observed_time_unix_nano, spec.observed, `${where}: observed_time_unix_nano`);
  assert.notEqual(record.observed_time_unix_nano, '0', `${where}: the SDK sets observed_time_unix_nano`);
  assert.equal(record.severity_number, spec.severityNumber, `${where}: severity_number`);
  assert.equal(record.severity_text, spec.severityText, `${where}: severity_text`);
  assert.equal(record.event_name, spec.eventName, `${where}: event_name`);
  assert.deepEqual(tagAnyValue(record.body), spec.body, `${where}: body`);
  assert.deepEqual(Object.fromEntries(attributeMap(record.attributes)), spec.attributes, `${where}: attributes`);
  assert.equal(record.trace_id.toString('hex'), spec.traceId, `${where}: trace_id`);
  assert.equal(record.span_id.toString('hex'), spec.spanId, `${where}: span_id`);
  assert.equal(record.flags, spec.flags, `${where}: flags`);
  assert.equal(entry.scope?.name, spec.scope.name, `${where}: scope name`);
  assert.equal(entry.scope?.version ?? '', spec.scope.version, `${where}: scope version`);
  assert.equal(entry.scope_schema_url, spec.scope.schemaUrl, `${where}: scope schema_url`);
  assert.deepEqual(Object.fromEntries(attributeMap(entry.scope?.attributes ?? [])),
    Object.fromEntries(Object.entries(spec.scope.attributes).map(([k, v]) => [k, expectedAnyTag(v)])), `${where}: scope attributes`);
  assert.equal(entry.resource_schema_url, RESOURCE_SCHEMA_URL, `${where}: resource schema_url`);
  const resource = attributeMap(entry.resource?.attributes ?? []);
  for (const [key, value] of Object.entries(RESOURCE_ATTRIBUTES)) {
    assert.deepEqual(resource.get(key), expectedAnyTag(value), `${where}: resource attribute ${key}`);
  }
}

// Emits `count` small records "<tag> message <i>" (severity INFO, attribute test.seq = i).
// Returns their specs.
export function emitSimpleLogs(provider, count, tag) {
  const logger = provider.getLogger(PLAIN_LOG_SCOPE.name);
  const scope = { name: PLAIN_LOG_SCOPE.name, version: '', schemaUrl: '', attributes: {} };
  const specs = [];
  for (let i = 0; i < count; i++) {
    const attributes = { 'test.id': `${tag}/simple/${i}`, 'test.seq': i };
    logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: `${tag} message ${i}`, attributes });
    specs.push({
      id: attributes['test.id'], scope, severityNumber: SeverityNumber.INFO, severityText: 'INFO', eventName: '',
      body: { string: `${tag} message ${i}` },
      attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, expectedAnyTag(v)])),
      traceId: '', spanId: '', flags: 0,
    });
  }
  return specs;
}
