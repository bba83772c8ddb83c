// Checks the test tools themselves, without the collector: the SDK exporting straight to recording
// peers, the raw client against a peer, and the log and Prometheus parsers. If these fail, the
// collector tests' verdicts mean nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { startPeer, spanKey } from './lib/peer.mjs';
import http2 from 'node:http2';
import { createProvider, otlpExporter, otlpHttpExporter, emitCatalog, emitSimpleSpans, assertSpanMatches } from './lib/spans.mjs';
import { RawClient, gzipClient, encodeTraceRequest, decodeTraceRequest, decodeStatus } from './lib/otlp.mjs';
import { startHttpPeer } from './lib/http_peer.mjs';
import { edgeCaseRequest, smallRequest, INT64_MIN } from './lib/requests.mjs';
import { parseLogLine, parsePrometheus } from './lib/daemon.mjs';

test('SDK exports reach two peers identically, with the values the catalog set', async (t) => {
  const plain = await startPeer();
  const gzip = await startPeer();
  t.after(() => Promise.all([plain.close(), gzip.close()]));
  const exporters = [otlpExporter(plain.address, 'none'), otlpExporter(gzip.address, 'gzip')];
  const provider = createProvider(exporters);
  const specs = emitCatalog(provider, 'harness');
  await provider.forceFlush();
  await provider.shutdown();
  for (const e of exporters) assert.deepEqual(e.failures(), []);

  const a = await plain.waitForSpans(specs.length, 5000);
  const b = await gzip.waitForSpans(specs.length, 5000);
  assert.equal(a.length, specs.length);
  assert.equal(b.length, specs.length);
  const byIdB = new Map(b.map((e) => [spanKey(e), e]));
  for (const spec of specs) {
    const entry = a.find((e) => spanKey(e) === spec.spanId);
    assert.ok(entry, `span ${spec.name} missing`);
    assertSpanMatches(entry, spec);
    assert.deepEqual(byIdB.get(spec.spanId), entry);
  }
  assert.ok(gzip.traceRequests().every((r) => r.encoding === 'gzip'),
    `gzip peer saw encodings ${gzip.traceRequests().map((r) => r.encoding)}`);
  assert.ok(plain.traceRequests().every((r) => r.encoding !== 'gzip'));
});

test('a mutated span fails assertSpanMatches', async (t) => {
  const peer = await startPeer();
  t.after(() => peer.close());
  const exporter = otlpExporter(peer.address);
  const provider = createProvider([exporter]);
  const specs = emitCatalog(provider, 'mutation');
  await provider.forceFlush();
  await provider.shutdown();
  const spans = await peer.waitForSpans(specs.length, 5000);
  const spec = specs.find((s) => s.name.endsWith('attributes'));
  const entry = structuredClone(spans.find((e) => spanKey(e) === spec.spanId));
  entry.span.span_id = Buffer.from(entry.span.span_id);
  entry.span.trace_id = Buffer.from(entry.span.trace_id);
  entry.span.parent_span_id = Buffer.from(entry.span.parent_span_id);
  assertSpanMatches(entry, spec);
  const kv = entry.span.attributes.find((a) => a.key === 'double.pi');
  kv.value.double_value = 3.14;
  assert.throws(() => assertSpanMatches(entry, spec), /double\.pi/);
});

test('raw client: hand-built request arrives byte-exact, gzip or not; peer failures reach the client', async (t) => {
  const peer = await startPeer();
  t.after(() => peer.close());
  const req = edgeCaseRequest('harness');
  const bytes = encodeTraceRequest(req);
  for (const client of [new RawClient(peer.address), gzipClient(peer.address)]) {
    const res = await client.exportTraces(req);
    client.close();
    assert.equal(res.code, grpc.status.OK, res.details);
  }
  assert.equal(peer.traceRequests().length, 2);
  for (const r of peer.traceRequests()) {
    assert.deepEqual(r.raw, bytes);
    assert.deepEqual(r.decoded, decodeTraceRequest(bytes));
  }
  assert.equal(peer.traceRequests()[1].encoding, 'gzip');
  const attr = peer.spans()[0].span.attributes.find((a) => a.key === 'int64.min');
  assert.equal(attr.value.int_value, INT64_MIN);

  peer.failNext(1, grpc.status.UNAVAILABLE, 'down for the test');
  const client = new RawClient(peer.address);
  t.after(() => client.close());
  const { request } = smallRequest(1, 'harness');
  const failed = await client.exportTraces(request);
  assert.equal(failed.code, grpc.status.UNAVAILABLE);
  assert.equal(failed.details, 'down for the test');
  const ok = await client.exportTraces(request);
  assert.equal(ok.code, grpc.status.OK);
  assert.equal(peer.attempts, 4);
  assert.equal(peer.traceRequests().length, 3);
});

test('log line and Prometheus parsers', () => {
  const entry = parseLogLine('2025-11-23T15:32:00.123Z info otlp/peer: sent 3 spans');
  assert.deepEqual(entry, { time: '2025-11-23T15:32:00.123Z', level: 'info', component: 'otlp/peer', message: 'sent 3 spans' });
  assert.equal(parseLogLine('no structure here'), undefined);

  const m = parsePrometheus([
    '# HELP otelcol_receiver_accepted_spans Spans accepted.',
    '# TYPE otelcol_receiver_accepted_spans counter',
    'otelcol_receiver_accepted_spans{receiver="otlp",transport="grpc"} 12',
    'otelcol_receiver_refused_spans{receiver="otlp",transport="grpc",reason="queue_full"} 3',
    'otelcol_receiver_refused_spans{receiver="otlp",transport="grpc",reason="decode \\"x\\""} 4',
    'otelcol_process_uptime 1.5e+01 1700000000000',
    'up 1',
  ].join('\n'));
  assert.equal(m.get('otelcol_receiver_accepted_spans', { receiver: 'otlp', transport: 'grpc' }), 12);
  assert.equal(m.sum('otelcol_receiver_refused_spans', { receiver: 'otlp' }), 7);
  assert.equal(m.series('otelcol_receiver_refused_spans', { reason: 'decode "x"' }).length, 1);
  assert.equal(m.get('otelcol_process_uptime'), 15);
  assert.equal(m.get('up'), 1);
  assert.equal(m.get('missing'), undefined);
});

test('HTTP peer: SDK OTLP/HTTP exports arrive decoded, gzip or not; a 503 with Retry-After is retried by the SDK after the delay', async (t) => {
  const peer = await startHttpPeer();
  t.after(() => peer.close());
  const direct = await startPeer();
  t.after(() => direct.close());
  const exporters = [
    otlpHttpExporter(`${peer.url}/v1/traces`, { compression: 'gzip' }),
    otlpExporter(direct.address),
  ];
  const provider = createProvider(exporters);
  const specs = emitCatalog(provider, 'http-harness');
  await provider.forceFlush();
  for (const e of exporters) assert.deepEqual(e.failures(), []);
  const spans = await peer.waitFor('traces', (s) => s.length >= specs.length, 5000);
  const straight = new Map(direct.spans().map((e) => [spanKey(e), e]));
  for (const spec of specs) {
    const entry = spans.find((e) => spanKey(e) === spec.spanId);
    assertSpanMatches(entry, spec);
    assert.deepEqual(entry, straight.get(spec.spanId));
  }
  assert.ok(peer.requests.every((r) => r.headers['content-encoding'] === 'gzip' && r.httpVersion === '1.1'));
  assert.ok(peer.requests.every((r) => r.raw.length < r.body.length), 'raw is the compressed body');

  peer.failNext(1, 503, { retryAfter: 1 });
  const before = peer.attempts.length;
  emitSimpleSpans(provider, 3, 'http-harness-retry');
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(exporters[0].failures(), []);
  const attempts = peer.attempts.slice(before);
  assert.deepEqual(attempts.map((a) => a.status), [503, 200]);
  assert.ok(attempts[1].at - attempts[0].at >= 990, `the SDK waited ${attempts[1].at - attempts[0].at} ms`);
});

test('HTTP peer: h2c with prior knowledge; wrong paths get 404', async (t) => {
  const peer = await startHttpPeer({ h2c: true, prefix: '/otlp' });
  t.after(() => peer.close());
  const { request, spanIds } = smallRequest(2, 'h2c-harness');
  const session = http2.connect(`http://127.0.0.1:${peer.port}`);
  t.after(() => session.close());
  const post = (path, body) => new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/x-protobuf' });
    let status;
    const parts = [];
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (d) => parts.push(d));
    req.on('end', () => resolve({ status, body: Buffer.concat(parts) }));
    req.on('error', reject);
    req.end(body);
  });
  assert.equal((await post('/otlp/v1/traces', encodeTraceRequest(request))).status, 200);
  const wrong = await post('/v1/traces', encodeTraceRequest(request));
  assert.equal(wrong.status, 404);
  assert.equal(decodeStatus(wrong.body).code, 5);
  await peer.waitForSpanIds(spanIds, 5000);
  assert.equal(peer.requests.length, 1);
  assert.equal(peer.requests[0].httpVersion, '2.0');
  assert.deepEqual(peer.attempts.map((a) => `${a.path} ${a.status}`), ['/otlp/v1/traces 200', '/v1/traces 404']);
});
