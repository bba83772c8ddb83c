// Spans as a real application makes them: the OpenTelemetry JS SDK (BasicTracerProvider, a fixed
// Resource) exporting through OTLPTraceExporter. emitCatalog() produces spans covering every field
// the JS API can set and returns, for each span, the values a backend must see (a "spec"), so tests
// can check concrete values and not only that two paths agree.

import assert from 'node:assert/strict';
import { trace, context, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { TraceState, ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';

export const RESOURCE_SCHEMA_URL = 'https://opentelemetry.io/schemas/1.26.0';
export const RESOURCE_ATTRIBUTES = Object.freeze({
  'service.name': 'gc-integration-app',
  'service.version': '2.7.1',
  'service.instance.id': 'a3f1c2d4-0000-4e5f-8a9b-112233445566',
  'deployment.environment.name': 'integration',
  'host.cpu.count': 2,
  'process.runtime.sampling_ratio': 0.25,
  'telemetry.debug': false,
  'k8s.node.labels': ['zone-a', 'gpu'],
});

export const CATALOG_SCOPE = Object.freeze({
  name: 'gc.integration.catalog',
  version: '1.4.2',
  schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
});
export const PLAIN_SCOPE = Object.freeze({ name: 'gc.integration.plain' });

// Provider-wide limits, low enough that one catalog span exceeds each of them.
export const SPAN_LIMITS = Object.freeze({
  attributeCountLimit: 40,
  linkCountLimit: 4,
  eventCountLimit: 6,
  attributePerEventCountLimit: 5,
  attributePerLinkCountLimit: 5,
});

const OTLP_KIND = {
  [SpanKind.INTERNAL]: 1,
  [SpanKind.SERVER]: 2,
  [SpanKind.CLIENT]: 3,
  [SpanKind.PRODUCER]: 4,
  [SpanKind.CONSUMER]: 5,
};
const FLAG_HAS_IS_REMOTE = 0x100;
const FLAG_IS_REMOTE = 0x200;

// Wraps an SDK exporter and records the ExportResult of every export call, so a test can assert
// that the collector answered OK.
export class ResultRecordingExporter {
  constructor(inner) {
    this.inner = inner;
    this.results = [];
    this.exportedSpans = 0;
  }

  export(spans, resultCallback) {
    this.inner.export(spans, (result) => {
      this.results.push(result);
      if (result.code === ExportResultCode.SUCCESS) this.exportedSpans += spans.length;
      resultCallback(result);
    });
  }

  failures() {
    return this.results.filter((r) => r.code !== ExportResultCode.SUCCESS);
  }

  forceFlush() {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown() {
    return this.inner.shutdown();
  }
}

// An OTLP/gRPC SDK exporter to 127.0.0.1:port; compression is 'none' or 'gzip'.
export function otlpExporter(address, compression = 'none') {
  return new ResultRecordingExporter(new OTLPTraceExporter({
    url: `http://${address}`,
    compression,
    timeoutMillis: 10000,
  }));
}

// An OTLP/HTTP SDK exporter posting to `url` (e.g. http://127.0.0.1:4318/v1/traces), with
// encoding 'protobuf' (exporter-trace-otlp-proto) or 'json' (exporter-trace-otlp-http);
// compression is 'none' or 'gzip'.
export function otlpHttpExporter(url, { encoding = 'protobuf', compression = 'none', headers } = {}) {
  const Exporter = encoding === 'json' ? OTLPTraceExporterJson : OTLPTraceExporterProto;
  return new ResultRecordingExporter(new Exporter({ url, compression, headers, timeoutMillis: 10000 }));
}

// A provider with the fixed resource and one batch processor per exporter: every span ends up at
// every exporter, in batches flushed by provider.forceFlush().
export function createProvider(exporters) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES, { schemaUrl: RESOURCE_SCHEMA_URL }),
    spanLimits: SPAN_LIMITS,
    spanProcessors: exporters.map((e) => new BatchSpanProcessor(e, {
      maxQueueSize: 20000,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 3600_000,
      exportTimeoutMillis: 30000,
    })),
  });
}

// HrTime [seconds, nanoseconds] -> decimal string of nanoseconds since the epoch.
export function hrToNanos([sec, ns]) {
  return (BigInt(sec) * 1_000_000_000n + BigInt(ns)).toString();
}

// Tagged, type-preserving form of a decoded AnyValue: { string: 'x' }, { int: '42' },
// { double: 1.5 }, { bool: true }, { bytes: 'hex' }, { array: [...] }, { kvlist: [[k, v]...] },
// or {} when no value is set.
export function tagAnyValue(v) {
  if (!v || !v.value) return {};
  switch (v.value) {
    case 'string_value': return { string: v.string_value };
    case 'bool_value': return { bool: v.bool_value };
    case 'int_value': return { int: String(v.int_value) };
    case 'double_value': return { double: v.double_value };
    case 'bytes_value': return { bytes: Buffer.from(v.bytes_value).toString('hex') };
    case 'array_value': return { array: v.array_value.values.map(tagAnyValue) };
    case 'kvlist_value': return { kvlist: v.kvlist_value.values.map((kv) => [kv.key, tagAnyValue(kv.value)]) };
    default: return { [v.value]: v[v.value] };
  }
}

// The tagged AnyValue an OTLP backend must see for a JS attribute value: integers are int_value,
// other numbers double_value, array elements each by their own type, null elements empty.
export function expectedTag(js) {
  if (js === null || js === undefined) return {};
  if (typeof js === 'string') return { string: js };
  if (typeof js === 'boolean') return { bool: js };
  if (typeof js === 'number') return Number.isInteger(js) ? { int: String(js) } : { double: js };
  if (Array.isArray(js)) return { array: js.map(expectedTag) };
  throw new Error(`no OTLP form for ${typeof js}`);
}

// Decoded KeyValue list -> Map key -> tagged value.
export function attributeMap(kvs) {
  return new Map(kvs.map((kv) => [kv.key, tagAnyValue(kv.value)]));
}

function expectedAttributes(attrs) {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, expectedTag(v)]));
}

// Everything the catalog sets on one span, in the form a backend decodes.
function specOf(span, scope, extra) {
  const ctx = span.spanContext();
  return {
    name: span.name,
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    scope,
    ...extra,
  };
}

const remoteContext = (traceFlags, traceState) => ({
  traceId: randomHex(16),
  spanId: randomHex(8),
  traceFlags,
  isRemote: true,
  traceState,
});

function randomHex(bytes) {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return s;
}

// Creates and ends the catalog spans on `provider`, with `tag` in every span name and a "test.tag"
// attribute. Returns one spec per span (see assertSpanMatches).
export function emitCatalog(provider, tag) {
  const tracer = provider.getTracer(CATALOG_SCOPE.name, CATALOG_SCOPE.version,
    { schemaUrl: CATALOG_SCOPE.schemaUrl });
  const plainTracer = provider.getTracer(PLAIN_SCOPE.name);
  const scope = { name: CATALOG_SCOPE.name, version: CATALOG_SCOPE.version, schemaUrl: CATALOG_SCOPE.schemaUrl };
  const plainScope = { name: PLAIN_SCOPE.name, version: '', schemaUrl: '' };
  const specs = [];
  // A base time one minute ago; every timestamp below has sub-microsecond digits.
  const base = Math.floor(Date.now() / 1000) - 60;
  const time = (offsetSec, ns) => [base + offsetSec, ns];

  const parentState = new TraceState('gc=t61rcWkgMzE,vendor2=opaque-value');
  const remoteParent = remoteContext(TraceFlags.SAMPLED, parentState);
  const parentCtx = trace.setSpanContext(context.active(), remoteParent);

  // One span per kind, children of a remote parent that carries a tracestate.
  const statuses = [
    { code: SpanStatusCode.UNSET },
    { code: SpanStatusCode.OK },
    { code: SpanStatusCode.ERROR, message: 'upstream model returned 529 overloaded' },
    { code: SpanStatusCode.ERROR, message: '' },
    { code: SpanStatusCode.OK },
  ];
  const kinds = [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
  kinds.forEach((kind, i) => {
    const start = time(i, 100_000_001 + i * 7);
    const end = time(i + 1, 999_999_999 - i);
    const attrs = { 'test.tag': tag, 'kind.index': i };
    const span = tracer.startSpan(`${tag} kind ${SpanKind[kind]}`, { kind, startTime: start, attributes: attrs }, parentCtx);
    const status = statuses[i];
    if (status.code !== SpanStatusCode.UNSET) span.setStatus(status);
    span.end(end);
    specs.push(specOf(span, scope, {
      parentSpanId: remoteParent.spanId,
      traceState: parentState.serialize(),
      kind: OTLP_KIND[kind],
      status: { code: status.code, message: status.message ?? '' },
      start: hrToNanos(start),
      end: hrToNanos(end),
      flags: TraceFlags.SAMPLED | FLAG_HAS_IS_REMOTE | FLAG_IS_REMOTE,
      attributes: expectedAttributes(attrs),
      attributeCount: Object.keys(attrs).length,
    }));
  });

  // Every attribute type the JS API can produce.
  const allTypes = {
    'test.tag': tag,
    'gen_ai.request.model': 'gpt-4o-2024-08-06',
    'string.empty': '',
    'string.unicode': 'héllo wörld ✓ 日本語 🚀',
    'string.long': 'x'.repeat(8191) + 'END',
    'bool.true': true,
    'bool.false': false,
    'int.zero': 0,
    'int.negative': -7,
    'int.max_safe': Number.MAX_SAFE_INTEGER,
    'int.min_safe': Number.MIN_SAFE_INTEGER,
    'double.pi': 3.141592653589793,
    'double.negative': -0.5,
    'double.large': 4503599627370495.5,
    'double.tiny': 5e-324,
    'array.string': ['alpha', '', 'gamma'],
    'array.int': [1, -2, 3],
    'array.double': [0.5, -1.25, 1e-10],
    'array.mixed_number': [1, 2.5, -3],
    'array.bool': [true, false, true],
    'array.empty': [],
    'array.with_null': ['a', null, 'c'],
  };
  {
    const start = time(10, 123_456_789);
    const end = time(10, 987_654_321);
    const span = tracer.startSpan(`${tag} attributes`, { kind: SpanKind.CLIENT, startTime: start }, parentCtx);
    span.setAttributes(allTypes);
    span.end(end);
    specs.push(specOf(span, scope, {
      parentSpanId: remoteParent.spanId,
      traceState: parentState.serialize(),
      kind: OTLP_KIND[SpanKind.CLIENT],
      status: { code: 0, message: '' },
      start: hrToNanos(start),
      end: hrToNanos(end),
      flags: TraceFlags.SAMPLED | FLAG_HAS_IS_REMOTE | FLAG_IS_REMOTE,
      attributes: expectedAttributes(allTypes),
      attributeCount: Object.keys(allTypes).length,
    }));
  }

  // A local root span with events and a child: no parent, no tracestate; the child has a local
  // parent (HAS_IS_REMOTE set, IS_REMOTE clear).
  {
    const start = time(20, 1);
    const root = plainTracer.startSpan(`${tag} root with events`, { kind: SpanKind.SERVER, startTime: start,
      attributes: { 'test.tag': tag } });
    const events = [
      { name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': 'What is 2+2?', 'tokens': 7 }, time: time(20, 500_000_003) },
      { name: 'no attributes', attributes: undefined, time: time(21, 42) },
      { name: 'all event types', attributes: { s: 'v', b: true, i: -1, d: 0.125, a: ['x', 'y'] }, time: time(21, 999_999_999) },
    ];
    for (const e of events) root.addEvent(e.name, e.attributes, e.time);
    const childStart = time(20, 600_000_000);
    const childEnd = time(20, 700_000_017);
    const child = plainTracer.startSpan(`${tag} child`, { startTime: childStart, attributes: { 'test.tag': tag } },
      trace.setSpan(context.active(), root));
    child.end(childEnd);
    const end = time(22, 2);
    root.setStatus({ code: SpanStatusCode.OK });
    root.end(end);
    specs.push(specOf(root, plainScope, {
      parentSpanId: '',
      traceState: '',
      kind: OTLP_KIND[SpanKind.SERVER],
      status: { code: SpanStatusCode.OK, message: '' },
      start: hrToNanos(start),
      end: hrToNanos(end),
      flags: TraceFlags.SAMPLED | FLAG_HAS_IS_REMOTE,
      attributes: expectedAttributes({ 'test.tag': tag }),
      attributeCount: 1,
      events: events.map((e) => ({ name: e.name, time: hrToNanos(e.time), attributes: expectedAttributes(e.attributes ?? {}) })),
    }));
    specs.push(specOf(child, plainScope, {
      traceId: root.spanContext().traceId,
      parentSpanId: root.spanContext().spanId,
      traceState: '',
      kind: OTLP_KIND[SpanKind.INTERNAL],
      status: { code: 0, message: '' },
      start: hrToNanos(childStart),
      end: hrToNanos(childEnd),
      flags: TraceFlags.SAMPLED | FLAG_HAS_IS_REMOTE,
      attributes: expectedAttributes({ 'test.tag': tag }),
      attributeCount: 1,
    }));
  }

  // Links with attributes, tracestates and both sampled flags; one added after start.
  {
    const linkState = new TraceState('congo=ucfJifl5GOE,rojo=00f067aa0ba902b7');
    const links = [
      { context: remoteContext(TraceFlags.SAMPLED, linkState), attributes: { 'link.kind': 'retry-of', 'link.attempt': 2 } },
      { context: remoteContext(TraceFlags.NONE, undefined), attributes: { 'link.sampled': false } },
      { context: { ...remoteContext(TraceFlags.SAMPLED, undefined), isRemote: false }, attributes: {} },
    ];
    const start = time(30, 250_000_000);
    const end = time(30, 750_000_001);
    const span = tracer.startSpan(`${tag} links`, { kind: SpanKind.CONSUMER, startTime: start,
      links: links.slice(0, 2), attributes: { 'test.tag': tag } }, parentCtx);
    span.addLink(links[2]);
    span.end(end);
    specs.push(specOf(span, scope, {
      parentSpanId: remoteParent.spanId,
      traceState: parentState.serialize(),
      kind: OTLP_KIND[SpanKind.CONSUMER],
      status: { code: 0, message: '' },
      start: hrToNanos(start),
      end: hrToNanos(end),
      flags: TraceFlags.SAMPLED | FLAG_HAS_IS_REMOTE | FLAG_IS_REMOTE,
      attributes: expectedAttributes({ 'test.tag': tag }),
      attributeCount: 1,
      links: links.map((l) => ({
        traceId: l.context.traceId,
        spanId: l.context.spanId,
        traceState: l.context.traceState?.serialize() ?? '',
        flags: l.context.traceFlags | FLAG_HAS_IS_REMOTE | (l.context.isRemote ? FLAG_IS_REMOTE : 0),
        attributes: expectedAttributes(l.attributes),
      })),
    }));
  }

  // One span over every limit, so the SDK reports dropped attributes, events and links.
  {
    const start = time(40, 5);
    const end = time(41, 5);
    const extraLinks = SPAN_LIMITS.linkCountLimit + 2;
    const links = Array.from({ length: extraLinks }, () => ({ context: remoteContext(TraceFlags.SAMPLED) }));
    const span = tracer.startSpan(`${tag} over limits`, { startTime: start, links }, parentCtx);
    const attrCount = SPAN_LIMITS.attributeCountLimit + 3;
    span.setAttribute('test.tag', tag);
    for (let i = 1; i < attrCount; i++) span.setAttribute(`filler.${String(i).padStart(3, '0')}`, i);
    const eventAttrs = Object.fromEntries(Array.from({ length: SPAN_LIMITS.attributePerEventCountLimit + 2 },
      (_, i) => [`e${i}`, i]));
    const eventCount = SPAN_LIMITS.eventCountLimit + 3;
    for (let i = 0; i < eventCount; i++) span.addEvent(`event ${i}`, eventAttrs, time(40, 1000 + i));
    span.end(end);
    specs.push(specOf(span, scope, {
      parentSpanId: remoteParent.spanId,
      traceState: parentState.serialize(),
      kind: OTLP_KIND[SpanKind.INTERNAL],
      status: { code: 0, message: '' },
      start: hrToNanos(start),
      end: hrToNanos(end),
      flags: TraceFlags.SAMPLED | FLAG_HAS_IS_REMOTE | FLAG_IS_REMOTE,
      attributes: expectedAttributes({ 'test.tag': tag }),
      attributeCount: SPAN_LIMITS.attributeCountLimit,
      dropped: {
        attributes: attrCount - SPAN_LIMITS.attributeCountLimit,
        events: eventCount - SPAN_LIMITS.eventCountLimit,
        links: extraLinks - SPAN_LIMITS.linkCountLimit,
        eventAttributes: 2,
      },
    }));
  }
  return specs;
}

// Emits `count` small spans named "<tag> <i>", each with attributes test.tag and test.seq = i.
// Returns their specs.
export function emitSimpleSpans(provider, count, tag) {
  const tracer = provider.getTracer(PLAIN_SCOPE.name);
  const specs = [];
  for (let i = 0; i < count; i++) {
    const attrs = { 'test.tag': tag, 'test.seq': i };
    const span = tracer.startSpan(`${tag} ${i}`, { kind: SpanKind.CLIENT, attributes: attrs });
    span.end();
    specs.push(specOf(span, { name: PLAIN_SCOPE.name, version: '', schemaUrl: '' }, {
      kind: OTLP_KIND[SpanKind.CLIENT],
      attributes: expectedAttributes(attrs),
      attributeCount: 2,
    }));
  }
  return specs;
}

// Asserts a received span entry ({ resource, scope, span, ... } from peer.spans()) carries every
// value in `spec` and the fixed resource.
export function assertSpanMatches(entry, spec) {
  const { span } = entry;
  const where = `span "${spec.name}" (${spec.spanId})`;
  assert.equal(span.name, spec.name, `${where}: name`);
  assert.equal(span.trace_id.toString('hex'), spec.traceId, `${where}: trace_id`);
  assert.equal(span.span_id.toString('hex'), spec.spanId, `${where}: span_id`);
  assert.equal(span.kind, spec.kind, `${where}: kind`);
  if ('parentSpanId' in spec) assert.equal(span.parent_span_id.toString('hex'), spec.parentSpanId, `${where}: parent_span_id`);
  if ('traceState' in spec) assert.equal(span.trace_state, spec.traceState, `${where}: trace_state`);
  if ('start' in spec) assert.equal(span.start_time_unix_nano, spec.start, `${where}: start_time_unix_nano`);
  if ('end' in spec) assert.equal(span.end_time_unix_nano, spec.end, `${where}: end_time_unix_nano`);
  if ('flags' in spec) assert.equal(span.flags, spec.flags, `${where}: flags`);
  if (spec.status) {
    assert.equal(span.status?.code ?? 0, spec.status.code, `${where}: status.code`);
    assert.equal(span.status?.message ?? '', spec.status.message, `${where}: status.message`);
  }
  const attrs = attributeMap(span.attributes);
  for (const [key, want] of Object.entries(spec.attributes)) {
    assert.deepEqual(attrs.get(key), want, `${where}: attribute ${key}`);
  }
  if ('attributeCount' in spec) assert.equal(span.attributes.length, spec.attributeCount, `${where}: attribute count`);
  if (spec.events) {
    assert.equal(span.events.length, spec.events.length, `${where}: event count`);
    spec.events.forEach((want, i) => {
      const got = span.events[i];
      assert.equal(got.name, want.name, `${where}: event ${i} name`);
      assert.equal(got.time_unix_nano, want.time, `${where}: event ${i} time`);
      assert.deepEqual(Object.fromEntries(attributeMap(got.attributes)), want.attributes, `${where}: event ${i} attributes`);
    });
  }
  if (spec.links) {
    assert.equal(span.links.length, spec.links.length, `${where}: link count`);
    spec.links.forEach((want, i) => {
      const got = span.links[i];
      assert.equal(got.trace_id.toString('hex'), want.traceId, `${where}: link ${i} trace_id`);
      assert.equal(got.span_id.toString('hex'), want.spanId, `${where}: link ${i} span_id`);
      assert.equal(got.trace_state, want.traceState, `${where}: link ${i} trace_state`);
      assert.equal(got.flags, want.flags, `${where}: link ${i} flags`);
      assert.deepEqual(Object.fromEntries(attributeMap(got.attributes)), want.attributes, `${where}: link ${i} attributes`);
    });
  }
  if (spec.dropped) {
    assert.equal(span.dropped_attributes_count, spec.dropped.attributes, `${where}: dropped_attributes_count`);
    assert.equal(span.dropped_events_count, spec.dropped.events, `${where}: dropped_events_count`);
    assert.equal(span.dropped_links_count, spec.dropped.links, `${where}: dropped_links_count`);
    assert.equal(span.links.length, SPAN_LIMITS.linkCountLimit, `${where}: links kept`);
    assert.equal(span.events.length, SPAN_LIMITS.eventCountLimit, `${where}: events kept`);
    for (const e of span.events) {
      assert.equal(e.dropped_attributes_count, spec.dropped.eventAttributes, `${where}: event dropped_attributes_count`);
    }
  }
  assert.equal(entry.scope?.name, spec.scope.name, `${where}: scope name`);
  assert.equal(entry.scope?.version ?? '', spec.scope.version, `${where}: scope version`);
  assert.equal(entry.scope_schema_url, spec.scope.schemaUrl, `${where}: scope schema_url`);
  assert.equal(entry.resource_schema_url, RESOURCE_SCHEMA_URL, `${where}: resource schema_url`);
  const resource = attributeMap(entry.resource?.attributes ?? []);
  for (const [key, value] of Object.entries(RESOURCE_ATTRIBUTES)) {
    assert.deepEqual(resource.get(key), expectedTag(value), `${where}: resource attribute ${key}`);
  }
}
