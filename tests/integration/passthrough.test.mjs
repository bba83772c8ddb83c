// An application's spans go through the collector to a backend unchanged. The same SDK provider
// exports every span twice, to the collector and straight to a second backend; each span that
// arrived through the collector must equal the one that arrived directly, field for field.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey, flattenSpans } from './lib/peer.mjs';
import { createProvider, otlpExporter, emitCatalog, emitSimpleSpans, assertSpanMatches, tagAnyValue, attributeMap } from './lib/spans.mjs';
import { RawClient, encodeTraceRequest, decodeTraceRequest } from './lib/otlp.mjs';
import { edgeCaseRequest, smallRequest, INT64_MIN, INT64_MAX, UINT64_MAX } from './lib/requests.mjs';

const TIMEOUT = { timeout: 90_000 };
const RECEIVER = { receiver: 'otlp', transport: 'grpc' };
const EXPORTER = { exporter: 'otlp/peer' };

async function setup(t, compression = 'none') {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    exporters: [{ id: 'otlp/peer', port: backend.port, compression }],
  }));
  t.after(() => daemon.kill());
  return { backend, daemon };
}

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

for (const compression of ['none', 'gzip']) {
  test(`SDK spans pass through unchanged (client and exporter compression: ${compression})`, TIMEOUT, async (t) => {
    const { backend, daemon } = await setup(t, compression);
    const direct = await startPeer();
    t.after(() => direct.close());

    const toCollector = otlpExporter(daemon.grpcAddress(), compression);
    const toDirect = otlpExporter(direct.address, compression);
    const provider = createProvider([toCollector, toDirect]);
    const tag = `passthrough-${compression}`;
    const specs = [...emitCatalog(provider, tag), ...emitSimpleSpans(provider, 300, tag)];
    await provider.forceFlush();
    await provider.shutdown();

    assert.deepEqual(toCollector.failures(), [], 'the collector answered every export OK');
    assert.equal(toCollector.exportedSpans, specs.length);
    assert.deepEqual(toDirect.failures(), []);

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

    const encodings = new Set(backend.traceRequests().map((r) => r.encoding ?? 'identity'));
    if (compression === 'gzip') assert.deepEqual([...encodings], ['gzip'], 'exporter compression: gzip is used on the wire');
    else assert.ok(!encodings.has('gzip'), 'exporter compression: none sends uncompressed');

    const m = await eventually(() => daemon.metrics(),
      (x) => x.get('otelcol_exporter_sent_spans', EXPORTER) === specs.length);
    assert.equal(m.get('otelcol_receiver_accepted_spans', RECEIVER), specs.length, m.text);
    assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), specs.length, m.text);
    assert.equal(m.get('otelcol_exporter_send_failed_spans', EXPORTER), 0, m.text);
    assert.equal(m.get('otelcol_exporter_queue_size', EXPORTER), 0, m.text);
    assert.equal(m.get('otelcol_exporter_queue_capacity', EXPORTER), 1000, m.text);

    assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
  });
}

test('hand-built request with bytes, kvlists, mixed arrays and int64 extremes arrives field for field', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t);
  const request = edgeCaseRequest('edge-cases');
  const expected = byId(flattenSpans([{ signal: 'traces', decoded: decodeTraceRequest(encodeTraceRequest(request)) }]), 'sent');

  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());
  const res = await client.exportTraces(request);
  assert.equal(res.code, grpc.status.OK, res.details);

  await backend.waitForSpans(expected.size, 15_000);
  await sleep(300);
  const got = byId(backend.spans(), 'via collector');
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
  for (const [key, want] of expected) {
    assert.deepEqual(got.get(key), want, `span ${key} "${want.span.name}"`);
  }

  // Concrete values on the far side, independent of the codec used to build `expected`.
  const [spanA, spanB, spanC] = request.resource_spans[0].scope_spans.flatMap((ss) => ss.spans)
    .map((s) => got.get(s.span_id.toString('hex')));
  const a = attributeMap(spanA.span.attributes);
  assert.deepEqual(a.get('int64.min'), { int: INT64_MIN });
  assert.deepEqual(a.get('int64.max'), { int: INT64_MAX });
  assert.deepEqual(a.get('bytes.binary'), { bytes: '00ff10fe8000017f' });
  assert.deepEqual(a.get('bytes.empty'), { bytes: '' });
  assert.deepEqual(a.get(''), { string: '' });
  assert.deepEqual(a.get('value.unset'), {});
  assert.deepEqual(a.get('double.max'), { double: Number.MAX_VALUE });
  assert.deepEqual(a.get('double.min_positive'), { double: Number.MIN_VALUE });
  assert.deepEqual(a.get('double.inf'), { double: Infinity });
  assert.ok(Object.is(a.get('double.negative_zero').double, -0), 'double -0 keeps its sign');
  assert.deepEqual(a.get('kvlist.nested').kvlist[1], ['level1.kvlist', { kvlist: [
    ['level2.int', { int: '-42' }],
    ['level2.array', { array: [{ string: 'deep' }, { kvlist: [['level3.bool', { bool: true }]] }] }],
    ['level2.empty_kvlist', { kvlist: [] }],
  ] }]);
  assert.deepEqual(a.get('array.mixed'), { array: [{ string: 's' }, { int: '1' }, { double: 2.5 }, { bool: false },
    { bytes: 'c0ffee' }, { array: [{ int: '7' }] }, { kvlist: [['k', { string: 'v' }]] }, {}] });
  assert.equal(spanA.span.flags, 0x301);
  assert.equal(spanA.span.dropped_attributes_count, 3);
  assert.equal(spanA.span.dropped_events_count, 4);
  assert.equal(spanA.span.dropped_links_count, 5);
  assert.equal(spanA.span.links[1].flags, 0x3ff);
  assert.equal(spanA.span.links[0].dropped_attributes_count, 2);
  assert.equal(spanA.span.events[0].dropped_attributes_count, 1);
  assert.deepEqual(spanA.span.status, { message: 'quota exceeded: 429', code: 2 });
  assert.equal(spanA.span.trace_state, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  assert.equal(spanB.span.start_time_unix_nano, UINT64_MAX);
  assert.equal(spanB.span.dropped_attributes_count, 4294967295);
  assert.equal(spanC.span.flags, 0xffffffff);
  assert.equal(spanA.resource_schema_url, 'https://opentelemetry.io/schemas/1.27.0');
  assert.equal(spanA.scope_schema_url, 'https://opentelemetry.io/schemas/1.24.0');
  assert.equal(spanA.scope.version, '0.0.1-rc.1');
  assert.equal(spanA.scope.dropped_attributes_count, 6);
  assert.deepEqual(tagAnyValue(spanA.scope.attributes[0].value), { int: INT64_MAX });
  assert.equal(spanA.resource.dropped_attributes_count, 2);
  assert.deepEqual(attributeMap(spanA.resource.attributes).get('resource.bytes'), { bytes: 'deadbeef' });
  assert.equal(spanC.scope_schema_url, '');

  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', EXPORTER) === expected.size);
  assert.equal(m.get('otelcol_receiver_accepted_spans', RECEIVER), expected.size, m.text);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), expected.size, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('strings with an embedded NUL byte arrive intact', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t);
  const { request, spanIds } = smallRequest(1, 'nul');
  const span = request.resource_spans[0].scope_spans[0].spans[0];
  span.name = 'chat\u0000completion';
  span.attributes.push({ key: 'gen_ai.completion', value: { string_value: 'first\u0000second' } });
  span.attributes.push({ key: 'key\u0000with nul', value: { string_value: 'v' } });

  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());
  const res = await client.exportTraces(request);
  assert.equal(res.code, grpc.status.OK, res.details);
  const [got] = await backend.waitForSpans(1, 15_000);
  assert.equal(spanKey(got), spanIds[0]);
  assert.equal(got.span.name, 'chat\u0000completion');
  const attrs = attributeMap(got.span.attributes);
  assert.deepEqual(attrs.get('gen_ai.completion'), { string: 'first\u0000second' });
  assert.deepEqual(attrs.get('key\u0000with nul'), { string: 'v' });
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('concurrent clients: every span arrives exactly once, with the exporter headers', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    batch: { timeout: '100ms', send_batch_size: 256 },
    exporters: [{ id: 'otlp/peer', port: backend.port, headers: { 'X-Scope-OrgID': 'team-a' } }],
  }));
  t.after(() => daemon.kill());

  const clients = 6;
  const requestsPerClient = 15;
  const spansPerRequest = 20;
  const sent = [];
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    const client = new RawClient(daemon.grpcAddress());
    try {
      for (let i = 0; i < requestsPerClient; i++) {
        const { request, spanIds } = smallRequest(spansPerRequest, `client-${c}-${i}`);
        const res = await client.exportTraces(request);
        assert.equal(res.code, grpc.status.OK, `client ${c} request ${i}: ${res.details}`);
        sent.push(...spanIds);
      }
    } finally {
      client.close();
    }
  }));
  assert.equal(sent.length, clients * requestsPerClient * spansPerRequest);

  await backend.waitForSpans(sent.length, 30_000);
  await sleep(500);
  const got = byId(backend.spans(), 'via collector');
  assert.deepEqual([...got.keys()].sort(), [...sent].sort());
  const tenants = new Set(backend.traceRequests().map((r) => r.metadata['x-scope-orgid']));
  assert.deepEqual([...tenants], ['team-a'], 'every export carries the configured header');

  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', EXPORTER) === sent.length);
  assert.equal(m.get('otelcol_receiver_accepted_spans', RECEIVER), sent.length, m.text);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), sent.length, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
