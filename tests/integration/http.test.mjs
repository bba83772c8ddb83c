// An application whose SDK speaks OTLP/HTTP (protobuf or JSON, gzip or not) gets its spans to the
// backend unchanged. The same SDK provider exports every span twice: over OTLP/HTTP to the
// collector, which forwards over OTLP/gRPC to a recording backend, and over OTLP/gRPC straight to a
// second backend. Each span that arrived through the collector must equal the direct copy, field
// for field, and carry the values the application set.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey } from './lib/peer.mjs';
import { createProvider, otlpExporter, otlpHttpExporter, emitCatalog, emitSimpleSpans, assertSpanMatches } from './lib/spans.mjs';
import { startHttpTap } from './lib/http.mjs';

const TIMEOUT = { timeout: 90_000 };
const HTTP_RECEIVER = { receiver: 'otlp', transport: 'http' };
const GRPC_RECEIVER = { receiver: 'otlp', transport: 'grpc' };
const EXPORTER = { exporter: 'otlp/peer' };

// Indexes span entries by span_id, failing on duplicates (a span delivered twice).
function byId(entries, what) {
  const map = new Map();
  for (const e of entries) {
    const key = spanKey(e);
    assert.ok(!map.has(key), `${what}: span ${key} (${e.span.name}) arrived more than once`);
    map.set(key, e);
  }
  return map;
}

async function setup(t) {
  const backend = await startPeer();
  t.after(() => backend.close());
  const direct = await startPeer();
  t.after(() => direct.close());
  const daemon = await startDaemon(renderConfig({
    http: {},
    exporters: [{ id: 'otlp/peer', port: backend.port }],
  }));
  t.after(() => daemon.kill());
  return { backend, direct, daemon };
}

for (const encoding of ['protobuf', 'json']) {
  for (const compression of ['none', 'gzip']) {
    test(`SDK spans over OTLP/HTTP ${encoding} (compression: ${compression}) pass through unchanged`, TIMEOUT, async (t) => {
      const { backend, direct, daemon } = await setup(t);
      // The SDK posts through a recording proxy, to check what it put on the wire.
      const tap = await startHttpTap(daemon.httpAddress());
      t.after(() => tap.close());
      const toCollector = otlpHttpExporter(tap.url('/v1/traces'), { encoding, compression });
      const toDirect = otlpExporter(direct.address);
      const provider = createProvider([toCollector, toDirect]);
      const tag = `http-${encoding}-${compression}`;
      const specs = [...emitCatalog(provider, tag), ...emitSimpleSpans(provider, 200, tag)];
      await provider.forceFlush();
      await provider.shutdown();

      assert.deepEqual(toCollector.failures(), [], `the collector answered every export OK\n${daemon.describe()}`);
      assert.equal(toCollector.exportedSpans, specs.length);
      assert.deepEqual(toDirect.failures(), []);
      const wantType = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
      assert.ok(tap.seen.length > 0);
      for (const r of tap.seen) {
        assert.equal(`${r.method} ${r.url}`, 'POST /v1/traces');
        assert.equal(r.headers['content-type'], wantType);
        assert.equal(r.headers['content-encoding'] ?? 'identity', compression === 'gzip' ? 'gzip' : 'identity');
        assert.equal(r.status, 200);
      }

      await backend.waitForSpans(specs.length, 20_000);
      await direct.waitForSpans(specs.length, 5_000);
      await sleep(500); // a duplicate would arrive by now
      const viaCollector = byId(backend.spans(), 'via collector');
      const straight = byId(direct.spans(), 'direct');
      assert.equal(viaCollector.size, specs.length);
      assert.equal(straight.size, specs.length);

      for (const spec of specs) {
        const got = viaCollector.get(spec.spanId);
        assert.ok(got, `span "${spec.name}" did not arrive through the collector`);
        assertSpanMatches(got, spec);
        assert.deepEqual(got, straight.get(spec.spanId), `span "${spec.name}" differs from the direct copy`);
      }

      const m = await eventually(() => daemon.metrics(),
        (x) => x.get('otelcol_exporter_sent_spans', EXPORTER) === specs.length);
      assert.equal(m.get('otelcol_receiver_accepted_spans', HTTP_RECEIVER), specs.length, m.text);
      assert.equal(m.get('otelcol_receiver_accepted_spans', GRPC_RECEIVER), 0, m.text);
      assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), specs.length, m.text);
      assert.equal(m.sum('genai_collector_receiver_rejected_requests_total', HTTP_RECEIVER), 0, m.text);
      assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
    });
  }
}

test('OTLP/HTTP and OTLP/gRPC clients at once: every span arrives exactly once, from either receiver', TIMEOUT, async (t) => {
  const { backend, direct, daemon } = await setup(t);
  const exporters = [
    otlpHttpExporter(daemon.httpUrl('/v1/traces'), { encoding: 'protobuf' }),
    otlpHttpExporter(daemon.httpUrl('/v1/traces'), { encoding: 'json', compression: 'gzip' }),
    otlpExporter(daemon.grpcAddress()),
  ];
  // One provider per client, as three applications would have.
  const providers = exporters.map((e) => createProvider([e]));
  const specs = [];
  const perClient = [];
  for (let round = 0; round < 3; round++) {
    providers.forEach((p, i) => {
      const s = emitSimpleSpans(p, 50, `mixed-${i}-${round}`);
      perClient[i] = (perClient[i] ?? 0) + s.length;
      specs.push(...s);
    });
    await Promise.all(providers.map((p) => p.forceFlush()));
  }
  await Promise.all(providers.map((p) => p.shutdown()));
  for (const e of exporters) assert.deepEqual(e.failures(), [], daemon.describe());

  await backend.waitForSpans(specs.length, 20_000);
  await sleep(500);
  const got = byId(backend.spans(), 'via collector');
  assert.deepEqual([...got.keys()].sort(), specs.map((s) => s.spanId).sort());
  for (const spec of specs) assertSpanMatches(got.get(spec.spanId), spec);
  assert.equal(direct.spans().length, 0);

  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', EXPORTER) === specs.length);
  assert.equal(m.get('otelcol_receiver_accepted_spans', HTTP_RECEIVER), perClient[0] + perClient[1], m.text);
  assert.equal(m.get('otelcol_receiver_accepted_spans', GRPC_RECEIVER), perClient[2], m.text);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), specs.length, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
