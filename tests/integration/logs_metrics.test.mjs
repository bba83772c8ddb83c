// The GenAI instrumentations put prompts and completions in log records, and applications export
// metrics too: both signals go through the collector unchanged, over OTLP/gRPC and OTLP/HTTP. The
// same SDK exports everything twice, to the collector (which forwards over OTLP/gRPC to a recording
// backend) and straight to a second backend; what arrived through the collector must equal the
// direct copy, field for field, and carry the values the application recorded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, dataPointCount } from './lib/peer.mjs';
import { startHttpTap } from './lib/http.mjs';
import { createLoggerProvider, logExporter, emitLogCatalog, emitSimpleLogs, assertLogMatches, logKey } from './lib/logs.mjs';
import { TeeMetricExporter, metricExporter, createMeterProvider, createInstruments, recordMetricRound, assertMetricMatches,
  assertObservables, METRIC_NAMES } from './lib/metrics.mjs';

const TIMEOUT = { timeout: 90_000 };
const EXPORTER = { exporter: 'otlp/peer' };

async function setup(t) {
  const backend = await startPeer();
  t.after(() => backend.close());
  const direct = await startPeer();
  t.after(() => direct.close());
  const daemon = await startDaemon(renderConfig({
    http: {},
    signals: ['traces', 'logs', 'metrics'],
    exporters: [{ id: 'otlp/peer', port: backend.port }],
  }));
  t.after(() => daemon.kill());
  return { backend, direct, daemon };
}

// Where the SDK sends `signal` to the collector: the gRPC address, or the OTLP/HTTP URL through a
// recording proxy (to check what the SDK put on the wire).
async function collectorTarget(t, daemon, transport, signal) {
  if (transport === 'grpc') return { target: daemon.grpcAddress(), tap: undefined };
  const tap = await startHttpTap(daemon.httpAddress());
  t.after(() => tap.close());
  return { target: tap.url(`/v1/${signal}`), tap };
}

// Every request the SDK posted went to /v1/<signal> as protobuf, compressed as configured, and
// was answered 200.
function assertWire(tap, signal, compression) {
  if (!tap) return;
  assert.ok(tap.seen.length > 0);
  for (const r of tap.seen) {
    assert.equal(`${r.method} ${r.url}`, `POST /v1/${signal}`);
    assert.equal(r.headers['content-type'], 'application/x-protobuf');
    assert.equal(r.headers['content-encoding'] ?? 'identity', compression === 'gzip' ? 'gzip' : 'identity');
    assert.equal(r.status, 200);
  }
}

// Indexes entries by `key`, failing on duplicates (an item delivered twice).
function index(entries, key, what) {
  const map = new Map();
  for (const e of entries) {
    const k = key(e);
    assert.ok(!map.has(k), `${what}: ${k} arrived more than once`);
    map.set(k, e);
  }
  return map;
}

const CASES = [
  { transport: 'grpc', compression: 'none' },
  { transport: 'grpc', compression: 'gzip' },
  { transport: 'http', compression: 'none' },
  { transport: 'http', compression: 'gzip' },
];

for (const { transport, compression } of CASES) {
  test(`SDK log records over OTLP/${transport} (compression: ${compression}) pass through unchanged`, TIMEOUT, async (t) => {
    const { backend, direct, daemon } = await setup(t);
    const { target, tap } = await collectorTarget(t, daemon, transport, 'logs');
    const toCollector = logExporter(transport, target, compression);
    const toDirect = logExporter('grpc', direct.address);
    const provider = createLoggerProvider([toCollector, toDirect]);
    const tag = `logs-${transport}-${compression}`;
    const specs = [...emitLogCatalog(provider, tag), ...emitSimpleLogs(provider, 200, tag)];
    await provider.forceFlush();
    await provider.shutdown();

    assert.deepEqual(toCollector.failures(), [], `the collector answered every export OK\n${daemon.describe()}`);
    assert.equal(toCollector.exportedSpans, specs.length);
    assert.deepEqual(toDirect.failures(), []);
    assertWire(tap, 'logs', compression);

    const ids = specs.map((s) => s.id);
    const complete = (entries) => { const seen = new Set(entries.map(logKey)); return ids.every((id) => seen.has(id)); };
    await backend.waitFor('logs', complete, 20_000);
    await direct.waitFor('logs', complete, 5_000);
    await sleep(500); // a duplicate would arrive by now
    const via = index(backend.logRecords(), logKey, 'via collector');
    const straight = index(direct.logRecords(), logKey, 'direct');
    assert.equal(via.size, specs.length);
    assert.equal(straight.size, specs.length);
    for (const spec of specs) {
      const got = via.get(spec.id);
      assertLogMatches(got, spec);
      assert.deepEqual(got, straight.get(spec.id), `log record ${spec.id} differs from the direct copy`);
    }

    const receiver = { receiver: 'otlp', transport };
    const m = await eventually(() => daemon.metrics(),
      (x) => x.get('otelcol_exporter_sent_log_records', EXPORTER) === specs.length);
    assert.equal(m.get('otelcol_receiver_accepted_log_records', receiver), specs.length, m.text);
    assert.equal(m.get('otelcol_exporter_sent_log_records', EXPORTER), specs.length, m.text);
    assert.equal(m.get('otelcol_exporter_send_failed_log_records', EXPORTER), 0, m.text);
    assert.equal(m.get('otelcol_receiver_accepted_spans', receiver), 0, m.text);
    assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
  });
}

const METRIC_CASES = [
  { transport: 'grpc', compression: 'none', temporality: 'cumulative' },
  { transport: 'grpc', compression: 'gzip', temporality: 'delta' },
  { transport: 'http', compression: 'gzip', temporality: 'cumulative' },
  { transport: 'http', compression: 'none', temporality: 'delta' },
];

for (const { transport, compression, temporality } of METRIC_CASES) {
  test(`SDK metrics over OTLP/${transport} (compression: ${compression}, ${temporality}) pass through unchanged`, TIMEOUT, async (t) => {
    const { backend, direct, daemon } = await setup(t);
    const { target, tap } = await collectorTarget(t, daemon, transport, 'metrics');
    const tee = new TeeMetricExporter([
      metricExporter(transport, target, { temporality, compression }),
      metricExporter('grpc', direct.address, { temporality }),
    ]);
    const { provider, reader } = createMeterProvider(tee);
    const catalog = createInstruments(provider);
    const rounds = [];
    let previousObserved;
    for (let round = 0; round < 2; round++) {
      const seenVia = backend.metrics().length;
      const seenDirect = direct.metrics().length;
      rounds.push(recordMetricRound(catalog, round));
      const observed = { ...catalog.state.observed };
      await reader.forceFlush();
      assert.deepEqual(tee.failures(0), [], `round ${round}: the collector answered every export OK\n${daemon.describe()}`);
      assert.deepEqual(tee.failures(1), [], `round ${round}: direct export`);

      const roundComplete = (seen) => (entries) => {
        const names = new Set(entries.slice(seen).map((e) => e.metric.name));
        return METRIC_NAMES.every((n) => names.has(n));
      };
      await backend.waitFor('metrics', roundComplete(seenVia), 20_000);
      await direct.waitFor('metrics', roundComplete(seenDirect), 5_000);
      await sleep(300);
      const via = index(backend.metrics().slice(seenVia), (e) => e.metric.name, `round ${round} via collector`);
      const straight = index(direct.metrics().slice(seenDirect), (e) => e.metric.name, `round ${round} direct`);
      assert.deepEqual([...via.keys()].sort(), [...METRIC_NAMES].sort(), `round ${round}: metrics via the collector`);
      assert.deepEqual([...straight.keys()].sort(), [...METRIC_NAMES].sort(), `round ${round}: metrics sent directly`);
      for (const name of METRIC_NAMES) {
        assertMetricMatches(via.get(name), rounds, temporality);
        assert.deepEqual(via.get(name), straight.get(name), `round ${round}: metric ${name} differs from the direct copy`);
      }
      assertObservables(via, observed, previousObserved, temporality);
      previousObserved = observed;
    }
    // Shutting down collects and exports once more.
    await provider.shutdown();
    assert.deepEqual(tee.failures(0), [], `final export at shutdown\n${daemon.describe()}`);
    await backend.waitFor('metrics', (entries) => entries.length === direct.metrics().length, 20_000);
    const points = direct.metrics().reduce((n, e) => n + dataPointCount(e.metric), 0);
    assert.ok(points > 0);
    assertWire(tap, 'metrics', compression);

    const receiver = { receiver: 'otlp', transport };
    const m = await eventually(() => daemon.metrics(),
      (x) => x.get('otelcol_exporter_sent_metric_points', EXPORTER) === points);
    assert.equal(m.get('otelcol_receiver_accepted_metric_points', receiver), points, m.text);
    assert.equal(m.get('otelcol_exporter_sent_metric_points', EXPORTER), points, m.text);
    assert.equal(m.get('otelcol_exporter_send_failed_metric_points', EXPORTER), 0, m.text);
    assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
  });
}
