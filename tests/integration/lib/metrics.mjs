// Metrics as a real application makes them: the OpenTelemetry JS SDK (MeterProvider, the fixed
// Resource of spans.mjs) exporting through OTLPMetricExporter over gRPC or OTLP/HTTP protobuf.
// One reader collects; a tee hands the very same collection to two exporters (to the collector and
// straight to a backend), so both paths carry identical data, timestamps included.
// recordMetricRound() drives every instrument kind and keeps the values it recorded, from which
// expectedPoint() computes what a backend must see.

import assert from 'node:assert/strict';
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, AggregationType, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as OTLPMetricExporterGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { RESOURCE_ATTRIBUTES, RESOURCE_SCHEMA_URL, expectedTag, attributeMap } from './spans.mjs';

export const METER_SCOPE = Object.freeze({
  name: 'gc.integration.metrics',
  version: '3.1.0',
  schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
});

export const DURATION_BOUNDS = [0.01, 0.1, 1, 10];
const OTLP_DELTA = 1;
const OTLP_CUMULATIVE = 2;

// An OTLP metric exporter: transport 'grpc' (target host:port) or 'http' (target URL, protobuf);
// temporality 'cumulative' or 'delta'; compression 'none' or 'gzip'.
export function metricExporter(transport, target, { temporality = 'cumulative', compression = 'none' } = {}) {
  const options = {
    compression,
    timeoutMillis: 10000,
    temporalityPreference: temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  };
  return transport === 'grpc'
    ? new OTLPMetricExporterGrpc({ ...options, url: `http://${target}` })
    : new OTLPMetricExporterProto({ ...options, url: target });
}

// A PushMetricExporter that exports each collection to every exporter in `exporters` and records
// the results; aggregation and temporality follow the first one.
export class TeeMetricExporter {
  constructor(exporters) {
    this.exporters = exporters;
    this.results = exporters.map(() => []);
  }

  export(metrics, resultCallback) {
    let pending = this.exporters.length;
    let failed;
    this.exporters.forEach((e, i) => e.export(metrics, (result) => {
      this.results[i].push(result);
      if (result.code !== ExportResultCode.SUCCESS) failed = failed ?? result;
      if (--pending === 0) resultCallback(failed ?? { code: ExportResultCode.SUCCESS });
    }));
  }

  // Failed results of exporter `i`.
  failures(i) {
    return this.results[i].filter((r) => r.code !== ExportResultCode.SUCCESS);
  }

  selectAggregationTemporality(type) {
    return this.exporters[0].selectAggregationTemporality(type);
  }

  selectAggregation(type) {
    return this.exporters[0].selectAggregation(type);
  }

  forceFlush() {
    return Promise.all(this.exporters.map((e) => e.forceFlush())).then(() => {});
  }

  shutdown() {
    return Promise.all(this.exporters.map((e) => e.shutdown())).then(() => {});
  }
}

// A provider with the fixed resource, one reader that exports only when flushed, and a view that
// turns "gc.latency.exponential" into an exponential histogram.
export function createMeterProvider(exporter) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3600_000, exportTimeoutMillis: 30000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES, { schemaUrl: RESOURCE_SCHEMA_URL }),
    readers: [reader],
    views: [{ instrumentName: 'gc.latency.exponential', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  return { provider, reader };
}

// The instruments of the catalog on `provider`; the observable ones report `state.observed`.
export function createInstruments(provider) {
  const meter = provider.getMeter(METER_SCOPE.name, METER_SCOPE.version, { schemaUrl: METER_SCOPE.schemaUrl });
  const state = { observed: { memory: 0, cpu: 0, threads: 0 } };
  const instruments = {
    requests: meter.createCounter('gen_ai.requests', { description: 'LLM requests', unit: '{request}', valueType: ValueType.INT }),
    cost: meter.createCounter('gen_ai.usage.cost', { description: 'spend', unit: 'USD' }),
    inflight: meter.createUpDownCounter('gen_ai.requests.inflight', { valueType: ValueType.INT }),
    duration: meter.createHistogram('gen_ai.client.operation.duration', { unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BOUNDS } }),
    tokens: meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}', valueType: ValueType.INT }),
    latency: meter.createHistogram('gc.latency.exponential', { unit: 'ms' }),
    temperature: meter.createGauge('gpu.temperature', { unit: 'Cel' }),
  };
  meter.createObservableGauge('process.memory.usage', { unit: 'By', valueType: ValueType.INT })
    .addCallback((r) => r.observe(state.observed.memory, { pool: 'heap' }));
  meter.createObservableCounter('process.cpu.time', { unit: 's' })
    .addCallback((r) => r.observe(state.observed.cpu, { 'cpu.mode': 'user' }));
  meter.createObservableUpDownCounter('process.thread.count', { valueType: ValueType.INT })
    .addCallback((r) => r.observe(state.observed.threads));
  return { instruments, state };
}

// Attribute sets used by the catalog (each becomes its own data point).
export const ATTRS = Object.freeze({
  gpt: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.operation.name': 'chat', 'server.port': 443, streaming: true },
  claude: { 'gen_ai.request.model': 'claude-sonnet-4', 'gen_ai.operation.name': 'chat', 'cost.tier': 0.5, tags: ['a', 'b'] },
  none: {},
});

// Records one round of values on every instrument; round r (0, 1, ...) records different values.
// Returns { name: [{ attrs, values: [...] }] } for the synchronous instruments, and sets the
// observable values.
export function recordMetricRound({ instruments, state }, round) {
  const rec = {};
  const add = (name, attrs, value) => {
    const list = (rec[name] ??= []);
    let entry = list.find((e) => e.attrs === attrs);
    if (!entry) list.push(entry = { attrs, values: [] });
    entry.values.push(value);
  };
  const r = round + 1;
  instruments.requests.add(3 * r, ATTRS.gpt); add('gen_ai.requests', ATTRS.gpt, 3 * r);
  instruments.requests.add(2 ** 50 + r, ATTRS.claude); add('gen_ai.requests', ATTRS.claude, 2 ** 50 + r);
  instruments.cost.add(0.125 * r, ATTRS.gpt); add('gen_ai.usage.cost', ATTRS.gpt, 0.125 * r);
  instruments.cost.add(1e-9, ATTRS.none); add('gen_ai.usage.cost', ATTRS.none, 1e-9);
  instruments.inflight.add(5, ATTRS.gpt); add('gen_ai.requests.inflight', ATTRS.gpt, 5);
  instruments.inflight.add(-2 - r, ATTRS.gpt); add('gen_ai.requests.inflight', ATTRS.gpt, -2 - r);
  for (const v of [0.005, 0.05 * r, 0.5, 5, 50, 0.1]) { instruments.duration.record(v, ATTRS.claude); add('gen_ai.client.operation.duration', ATTRS.claude, v); }
  for (const v of [12, 345 * r, 6789]) { instruments.tokens.record(v, ATTRS.gpt); add('gen_ai.client.token.usage', ATTRS.gpt, v); }
  for (const v of [1, 2, 4, 8, 1000 * r, 0]) { instruments.latency.record(v, ATTRS.none); add('gc.latency.exponential', ATTRS.none, v); }
  instruments.temperature.record(60 + r, ATTRS.none); add('gpu.temperature', ATTRS.none, 60 + r);
  instruments.temperature.record(-40.5 * r, ATTRS.claude); add('gpu.temperature', ATTRS.claude, -40.5 * r);
  state.observed.memory = 1024 * 1024 * r;
  state.observed.cpu = 1.5 * r;
  state.observed.threads = 8 - r;
  return rec;
}

// Names of every metric the catalog exports, in no particular order.
export const METRIC_NAMES = Object.freeze([
  'gen_ai.requests', 'gen_ai.usage.cost', 'gen_ai.requests.inflight', 'gen_ai.client.operation.duration',
  'gen_ai.client.token.usage', 'gc.latency.exponential', 'gpu.temperature',
  'process.memory.usage', 'process.cpu.time', 'process.thread.count',
]);

const sameAttrs = (point, attrs) => {
  const got = Object.fromEntries(attributeMap(point.attributes));
  const want = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, expectedTag(v)]));
  try { assert.deepEqual(got, want); return true; } catch { return false; }
};

// Asserts the concrete values of received metric `entry` ({ resource, scope, metric }) after
// rounds `rounds` (the recordMetricRound results so far, oldest first) under `temporality`.
export function assertMetricMatches(entry, rounds, temporality) {
  const { metric } = entry;
  const name = metric.name;
  const where = `metric ${name}`;
  const current = rounds.at(-1);
  const window = (n) => {
    // Values recorded under each attribute set in the reported window.
    const used = temporality === 'delta' ? [current] : rounds;
    const out = new Map();
    for (const r of used) for (const e of r[n] ?? []) out.set(e.attrs, [...(out.get(e.attrs) ?? []), ...e.values]);
    return out;
  };
  const pointFor = (points, attrs) => {
    const found = points.filter((p) => sameAttrs(p, attrs));
    assert.equal(found.length, 1, `${where}: one data point with attributes ${JSON.stringify(attrs)}`);
    return found[0];
  };
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const kind = metric.data;
  const expectTemporality = temporality === 'delta' ? OTLP_DELTA : OTLP_CUMULATIVE;
  switch (name) {
    case 'gen_ai.requests':
    case 'gen_ai.usage.cost': {
      assert.equal(kind, 'sum', where);
      assert.equal(metric.sum.is_monotonic, true, where);
      assert.equal(metric.sum.aggregation_temporality, expectTemporality, `${where}: temporality`);
      for (const [attrs, values] of window(name)) {
        const p = pointFor(metric.sum.data_points, attrs);
        if (name === 'gen_ai.requests') assert.equal(p.as_int, String(sum(values)), `${where}: as_int`);
        else assert.ok(Math.abs(p.as_double - sum(values)) < 1e-12, `${where}: as_double ${p.as_double} vs ${sum(values)}`);
      }
      assert.equal(metric.sum.data_points.length, window(name).size, `${where}: data points`);
      break;
    }
    case 'gen_ai.requests.inflight': {
      // Up-down counters stay cumulative under a delta preference.
      assert.equal(kind, 'sum', where);
      assert.equal(metric.sum.is_monotonic, false, where);
      assert.equal(metric.sum.aggregation_temporality, OTLP_CUMULATIVE, `${where}: temporality`);
      const all = rounds.flatMap((r) => r[name][0].values);
      assert.equal(pointFor(metric.sum.data_points, ATTRS.gpt).as_int, String(sum(all)), `${where}: as_int`);
      break;
    }
    case 'gen_ai.client.operation.duration':
    case 'gen_ai.client.token.usage': {
      assert.equal(kind, 'histogram', where);
      assert.equal(metric.histogram.aggregation_temporality, expectTemporality, `${where}: temporality`);
      for (const [attrs, values] of window(name)) {
        const p = pointFor(metric.histogram.data_points, attrs);
        assert.equal(p.count, String(values.length), `${where}: count`);
        assert.ok(Math.abs(p.sum - sum(values)) < 1e-9, `${where}: sum ${p.sum} vs ${sum(values)}`);
        assert.equal(p.min, Math.min(...values), `${where}: min`);
        assert.equal(p.max, Math.max(...values), `${where}: max`);
        const bounds = p.explicit_bounds;
        if (name === 'gen_ai.client.operation.duration') assert.deepEqual(bounds, DURATION_BOUNDS, `${where}: bounds`);
        const buckets = new Array(bounds.length + 1).fill(0);
        for (const v of values) {
          const i = bounds.findIndex((b) => v <= b);
          buckets[i === -1 ? bounds.length : i]++;
        }
        assert.deepEqual(p.bucket_counts, buckets.map(String), `${where}: bucket_counts`);
      }
      break;
    }
    case 'gc.latency.exponential': {
      assert.equal(kind, 'exponential_histogram', where);
      assert.equal(metric.exponential_histogram.aggregation_temporality, expectTemporality, `${where}: temporality`);
      const [[attrs, values]] = window(name);
      const p = pointFor(metric.exponential_histogram.data_points, attrs);
      assert.equal(p.count, String(values.length), `${where}: count`);
      assert.equal(p.sum, sum(values), `${where}: sum`);
      assert.equal(p.zero_count, String(values.filter((v) => v === 0).length), `${where}: zero_count`);
      const positive = p.positive.bucket_counts.reduce((a, b) => a + Number(b), 0);
      assert.equal(positive, values.filter((v) => v > 0).length, `${where}: positive bucket total`);
      break;
    }
    case 'gpu.temperature': {
      assert.equal(kind, 'gauge', where);
      for (const e of current[name]) {
        const p = pointFor(metric.gauge.data_points, e.attrs);
        assert.equal(p.value, 'as_double', where);
        assert.equal(p.as_double, e.values.at(-1), `${where}: last value`);
      }
      break;
    }
    default:
      break;
  }
  assert.equal(entry.scope?.name, METER_SCOPE.name, `${where}: scope name`);
  assert.equal(entry.scope?.version, METER_SCOPE.version, `${where}: scope version`);
  assert.equal(entry.scope_schema_url, METER_SCOPE.schemaUrl, `${where}: scope schema_url`);
  assert.equal(entry.resource_schema_url, RESOURCE_SCHEMA_URL, `${where}: resource schema_url`);
  const resource = attributeMap(entry.resource?.attributes ?? []);
  for (const [key, value] of Object.entries(RESOURCE_ATTRIBUTES)) {
    assert.deepEqual(resource.get(key), expectedTag(value), `${where}: resource attribute ${key}`);
  }
}

// Asserts the observable instruments reported `observed` (the state after the last round; under
// delta temporality the observable counter reports the increase since `previous`).
export function assertObservables(byName, observed, previous, temporality) {
  const point = (name) => {
    const m = byName.get(name).metric;
    return m[m.data].data_points;
  };
  assert.equal(byName.get('process.memory.usage').metric.data, 'gauge');
  assert.equal(point('process.memory.usage')[0].as_int, String(observed.memory), 'observable gauge');
  const cpu = temporality === 'delta' ? observed.cpu - (previous?.cpu ?? 0) : observed.cpu;
  assert.equal(point('process.cpu.time')[0].as_double, cpu, 'observable counter');
  assert.equal(point('process.thread.count')[0].as_int, String(observed.threads), 'observable up-down counter');
}
