// The exporters' queue is the batcher: many small SDK requests leave as few large ones, a queue
// full in items or bytes answers UNAVAILABLE / 503, and what was answered OK arrives exactly once.
// Room is reserved in every pipeline before any runs, so a request refused by one pipeline leaves
// nothing in another for the client's retry to duplicate, and processors after a processor that
// holds data run once per span however often the queue ahead is full.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey, reservePort } from './lib/peer.mjs';
import { createProvider, otlpExporter, emitSimpleSpans, PLAIN_SCOPE, ResultRecordingExporter } from './lib/spans.mjs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { RawClient, encodeTraceRequest } from './lib/otlp.mjs';
import { httpRequest, PROTOBUF } from './lib/http.mjs';
import { smallRequest } from './lib/requests.mjs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const TIMEOUT = { timeout: 120_000 };
const FAST_RETRY = { initial_interval: '100ms', max_interval: '300ms', max_elapsed_time: '60s' };

function countById(entries) {
  const counts = new Map();
  for (const e of entries) counts.set(spanKey(e), (counts.get(spanKey(e)) ?? 0) + 1);
  return counts;
}

// Every id in `ids` arrived exactly once, and nothing else arrived.
function assertExactlyOnce(peer, ids, what) {
  const counts = countById(peer.spans());
  const dupes = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(dupes, [], `${what}: no span delivered twice`);
  assert.deepEqual([...counts.keys()].sort(), [...ids].sort(), `${what}: exactly the spans answered OK`);
}

// A provider whose batch processor exports `perRequest` spans per call.
function smallBatchProvider(exporter, perRequest) {
  return new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, {
      maxQueueSize: 20000, maxExportBatchSize: perRequest, scheduledDelayMillis: 3600_000,
    })],
  });
}

test('many small SDK requests reach the backend as few large ones, each span once', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const batch = { flush_timeout: '300ms', min_size: 100, max_size: 200 };
  const daemon = await startDaemon(renderConfig({
    batch: null,
    exporters: [{ id: 'otlp/peer', port: backend.port, queue: { num_consumers: 1, batch } }],
  }));
  t.after(() => daemon.kill());

  // 150 exports in flight at once: above the SDK's default limit of 30.
  const exporter = new ResultRecordingExporter(new OTLPTraceExporter({
    url: `http://${daemon.grpcAddress()}`, timeoutMillis: 10000, concurrencyLimit: 200,
  }));
  const provider = smallBatchProvider(exporter, 4);
  const specs = emitSimpleSpans(provider, 600, 'exporter-batching');
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(exporter.failures(), []);
  assert.equal(exporter.results.length, 150, 'the SDK sent 150 requests of 4 spans');

  await backend.waitForSpans(specs.length, 20_000);
  await sleep(800);
  assertExactlyOnce(backend, specs.map((s) => s.spanId), 'batched');
  const sends = backend.traceRequests();
  const sizes = sends.map((r) => r.decoded.resource_spans
    .flatMap((rs) => rs.scope_spans).reduce((n, ss) => n + ss.spans.length, 0));
  t.diagnostic(`150 requests in, ${sends.length} out: ${sizes.join(' ')}`);
  assert.ok(sends.length <= 12, `150 SDK requests left as ${sends.length} sends`);
  assert.ok(sizes.every((n) => n <= 200), `max_size 200: ${sizes.join(' ')}`);
  const m = await daemon.metrics();
  const EXPORTER = { exporter: 'otlp/peer' };
  assert.equal(m.get('otelcol_exporter_queue_batch_send_size_count', EXPORTER), sends.length, m.text);
  assert.equal(m.get('otelcol_exporter_queue_batch_send_size_sum', EXPORTER), specs.length, m.text);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), specs.length, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// Sends requests of `perRequest` spans until some are refused; returns what was accepted.
async function fillQueue(send, perRequest, tag, count) {
  const accepted = [];
  let refused = 0;
  for (let i = 0; i < count; i++) {
    const { request, spanIds } = smallRequest(perRequest, `${tag}-${i}`);
    if (await send(request)) accepted.push(...spanIds);
    else refused++;
  }
  return { accepted, refused };
}

for (const sizer of ['items', 'bytes']) {
  test(`a queue full in ${sizer} refuses (UNAVAILABLE and 503); what was accepted arrives once`, TIMEOUT, async (t) => {
    const port = await reservePort();
    // 20-span requests of about 1.9 KB: room for two, not three.
    const queueSize = sizer === 'items' ? 50 : 5000;
    const daemon = await startDaemon(renderConfig({
      batch: null,
      http: {},
      exporters: [{ id: 'otlp/peer', port, retry: FAST_RETRY,
        queue: { sizer, queue_size: queueSize, num_consumers: 1, batch: { flush_timeout: '50ms', min_size: 1000 } } }],
    }));
    t.after(() => daemon.kill());
    const client = new RawClient(daemon.grpcAddress());
    t.after(() => client.close());
    const url = daemon.httpUrl('/v1/traces');

    const sendGrpc = async (request) => {
      const res = await client.exportTraces(request);
      if (res.code !== grpc.status.OK) assert.equal(res.code, grpc.status.UNAVAILABLE, res.details);
      return res.code === grpc.status.OK;
    };
    const sendHttp = async (request) => {
      const res = await httpRequest(url, { headers: { 'content-type': PROTOBUF }, body: encodeTraceRequest(request) });
      if (res.status !== 200) assert.equal(res.status, 503);
      return res.status === 200;
    };
    const byGrpc = await fillQueue(sendGrpc, 20, `${sizer}-grpc`, 4);
    const byHttp = await fillQueue(sendHttp, 20, `${sizer}-http`, 2);
    assert.equal(byGrpc.accepted.length, 40, `two requests fit in ${queueSize} ${sizer}`);
    assert.equal(byGrpc.refused, 2);
    assert.equal(byHttp.refused, 2, 'HTTP is refused too while the queue is full');

    const m = await daemon.metrics();
    assert.equal(m.get('otelcol_exporter_queue_capacity', { exporter: 'otlp/peer' }), queueSize, m.text);
    assert.equal(m.get('otelcol_exporter_enqueue_failed_spans', { exporter: 'otlp/peer' }), 80, m.text);

    const backend = await startPeer({ port });
    t.after(() => backend.close());
    await backend.waitForSpanIds(byGrpc.accepted, 20_000);
    await sleep(800);
    assertExactlyOnce(backend, byGrpc.accepted, sizer);
    assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
  });
}

test('two pipelines on one receiver: a full queue in one leaves nothing to duplicate in the other', TIMEOUT, async (t) => {
  const peerA = await startPeer();
  t.after(() => peerA.close());
  const portB = await reservePort();
  const config = [
    'receivers:',
    '  otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0 } } }',
    'exporters:',
    `  otlp/a: { endpoint: 127.0.0.1:${peerA.port}, tls: { insecure: true } }`,
    `  otlp/b: { endpoint: 127.0.0.1:${portB}, tls: { insecure: true },`,
    '            retry_on_failure: { initial_interval: 100ms, max_interval: 300ms },',
    '            sending_queue: { queue_size: 2, num_consumers: 1 } }',
    'extensions:',
    '  health_check: { endpoint: 127.0.0.1:0 }',
    'service:',
    '  extensions: [health_check]',
    '  telemetry: { metrics: { address: 127.0.0.1:0 } }',
    '  pipelines:',
    '    traces/a: { receivers: [otlp], exporters: [otlp/a] }',
    '    traces/b: { receivers: [otlp], exporters: [otlp/b] }',
    '',
  ].join('\n');
  const daemon = await startDaemon(config);
  t.after(() => daemon.kill());

  // Three requests at once while backend b is down: b's queue holds two, so the third is
  // refused, by b and so by the whole collector. The client retries it, as an SDK with retries
  // does, until backend b is up and its queue drains.
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());
  const requests = [0, 1, 2].map((i) => smallRequest(100, `two-pipelines-${i}`));
  const first = await Promise.all(requests.map((r) => client.exportTraces(r.request)));
  const refusedRequests = requests.filter((r, i) => first[i].code !== grpc.status.OK);
  assert.equal(refusedRequests.length, 1, `one of three refused: ${first.map((r) => r.code)}`);
  assert.equal(first.find((r) => r.code !== grpc.status.OK).code, grpc.status.UNAVAILABLE);
  const before = await daemon.metrics();
  assert.equal(before.get('otelcol_exporter_enqueue_failed_spans', { exporter: 'otlp/b' }), 100, before.text);
  assert.equal(before.get('otelcol_exporter_enqueue_failed_spans', { exporter: 'otlp/a' }), 0, before.text);
  await sleep(500); // pipeline a delivers what it took; a refused request must not be among it
  assert.equal(peerA.spans().length, 200, 'pipeline a holds only the two accepted requests');

  const backend = await startPeer({ port: portB });
  t.after(() => backend.close());
  let retried;
  for (let attempt = 0; attempt < 60; attempt++) {
    retried = await client.exportTraces(refusedRequests[0].request);
    if (retried.code === grpc.status.OK) break;
    assert.equal(retried.code, grpc.status.UNAVAILABLE, retried.details);
    await sleep(300);
  }
  assert.equal(retried.code, grpc.status.OK, 'accepted once backend b drained its queue');
  const specs = requests.flatMap((r) => r.spanIds.map((spanId) => ({ spanId })));
  const ids = specs.map((s) => s.spanId);
  await peerA.waitForSpanIds(ids, 20_000);
  await backend.waitForSpanIds(ids, 20_000);
  await sleep(1000);
  assertExactlyOnce(peerA, ids, 'pipeline a');
  assertExactlyOnce(backend, ids, 'pipeline b');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('processors after the batch processor run once per span while the queue ahead is full', TIMEOUT, async (t) => {
  const port = await reservePort();
  const daemon = await startDaemon(renderConfig({
    // Pieces of 10; it holds at most 40 items once it holds any.
    batch: { timeout: '50ms', send_batch_size: 10 },
    processors: [],
    exporters: [{ id: 'otlp/peer', port, retry: FAST_RETRY, queue: { queue_size: 1, num_consumers: 1 } }],
  }).replace('send_batch_size: 10 }', 'send_batch_size: 10, send_batch_max_size: 10 }')
    .replace('processors: [batch]', 'processors: [batch, genai_cost]')
    .replace('processors:\n', 'processors:\n  genai_cost: {}\n'));
  t.after(() => daemon.kill());

  const exporter = otlpExporter(daemon.grpcAddress());
  const provider = createProvider([exporter]);
  const tracer = provider.getTracer(PLAIN_SCOPE.name);
  const ids = [];
  for (let i = 0; i < 100; i++) {
    const span = tracer.startSpan(`chat gpt-4o ${i}`, { kind: SpanKind.CLIENT, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 100,
    } });
    span.end();
    ids.push(span.spanContext().spanId);
  }
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(exporter.failures(), [], 'batch acknowledges on receipt');

  // The backend is down: batch holds 100 spans in pieces of 10 and offers them again and again.
  await sleep(1500);
  const held = await daemon.metrics();
  const PROC = { processor: 'genai_cost' };
  assert.ok(held.get('genai_collector_processor_held_items', { processor: 'batch' }) > 0, held.text);
  assert.ok(held.get('genai_cost_priced_spans_total', PROC) < 100, `spans still held are not priced yet\n${held.text}`);

  const backend = await startPeer({ port });
  t.after(() => backend.close());
  await backend.waitForSpanIds(ids, 30_000);
  await sleep(800);
  assertExactlyOnce(backend, ids, 'after batch');
  for (const e of backend.spans()) {
    const cost = e.span.attributes.filter((a) => a.key === 'gen_ai.usage.cost');
    assert.equal(cost.length, 1, 'priced once: one cost attribute');
  }
  const m = await daemon.metrics();
  assert.equal(m.get('genai_cost_priced_spans_total', PROC), 100, `each span priced exactly once\n${m.text}`);
  assert.equal(m.get('genai_collector_processor_held_items', { processor: 'batch' }), 0, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
