// A backend that is down is not data loss: the collector queues and retries, and everything it
// answered OK reaches the backend exactly once when it comes up. A full queue is backpressure:
// the client is told UNAVAILABLE, and what was refused is neither delivered nor silently dropped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey, reservePort } from './lib/peer.mjs';
import { createProvider, otlpExporter, emitSimpleSpans } from './lib/spans.mjs';
import { RawClient, statusName } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';

const TIMEOUT = { timeout: 120_000 };
const RECEIVER = { receiver: 'otlp', transport: 'grpc' };
const EXPORTER = { exporter: 'otlp/peer' };

function countById(entries) {
  const counts = new Map();
  for (const e of entries) counts.set(spanKey(e), (counts.get(spanKey(e)) ?? 0) + 1);
  return counts;
}

test('spans sent while the backend is down arrive exactly once when it comes up', TIMEOUT, async (t) => {
  const port = await reservePort();
  const daemon = await startDaemon(renderConfig({
    exporters: [{ id: 'otlp/peer', port, retry: { initial_interval: '100ms', max_interval: '1s', max_elapsed_time: '60s' } }],
  }));
  t.after(() => daemon.kill());

  const exporter = otlpExporter(daemon.grpcAddress());
  const provider = createProvider([exporter]);
  const specs = [];
  for (let round = 0; round < 3; round++) {
    specs.push(...emitSimpleSpans(provider, 100, `dead-backend-${round}`));
    await provider.forceFlush();
  }
  await provider.shutdown();
  assert.deepEqual(exporter.failures(), [], 'the collector answered OK while the backend was down');
  assert.equal(exporter.exportedSpans, specs.length);

  await sleep(1000);
  const before = await daemon.metrics();
  assert.equal(before.get('otelcol_receiver_accepted_spans', RECEIVER), specs.length, before.text);
  assert.equal(before.get('otelcol_exporter_sent_spans', EXPORTER), 0, `nothing can be sent yet\n${before.text}`);

  const backend = await startPeer({ port });
  t.after(() => backend.close());
  await backend.waitForSpans(specs.length, 30_000);
  await sleep(1500); // a duplicate from a retry would arrive by now
  const counts = countById(backend.spans());
  const dupes = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(dupes, [], 'no span delivered twice');
  assert.deepEqual([...counts.keys()].sort(), specs.map((s) => s.spanId).sort());

  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', EXPORTER) === specs.length);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), specs.length, m.text);
  assert.equal(m.get('otelcol_exporter_queue_size', EXPORTER), 0, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a full sending queue answers UNAVAILABLE; exactly the accepted requests arrive later', TIMEOUT, async (t) => {
  const port = await reservePort();
  const queue = { queue_size: 2, num_consumers: 1 };
  const daemon = await startDaemon(renderConfig({
    batch: null,
    exporters: [{ id: 'otlp/peer', port, queue, retry: { initial_interval: '100ms', max_interval: '500ms', max_elapsed_time: '60s' } }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  const spansPerRequest = 5;
  const accepted = [];
  const refused = [];
  for (let i = 0; i < 12; i++) {
    const { request, spanIds } = smallRequest(spansPerRequest, `queue-full-${i}`);
    const res = await client.exportTraces(request);
    if (res.code === grpc.status.OK) accepted.push(...spanIds);
    else if (res.code === grpc.status.UNAVAILABLE) refused.push(...spanIds);
    else assert.fail(`request ${i}: unexpected ${statusName(res.code)} "${res.details}"\n${daemon.describe()}`);
  }
  assert.ok(accepted.length > 0, 'the first requests fit in the queue');
  assert.ok(refused.length > 0, `12 requests with queue_size 2 and the backend down: some must be refused\n${daemon.describe()}`);
  assert.ok(accepted.length <= (queue.queue_size + queue.num_consumers) * spansPerRequest,
    `accepted ${accepted.length / spansPerRequest} requests; queue_size ${queue.queue_size} + ${queue.num_consumers} in flight`);

  const m = await daemon.metrics();
  assert.equal(m.get('otelcol_exporter_queue_capacity', EXPORTER), queue.queue_size, m.text);
  assert.equal(m.get('otelcol_receiver_accepted_spans', RECEIVER), accepted.length, m.text);
  assert.equal(m.sum('otelcol_receiver_refused_spans', RECEIVER), refused.length, m.text);
  assert.equal(m.get('otelcol_exporter_enqueue_failed_spans', EXPORTER), refused.length, m.text);
  assert.equal(m.get('otelcol_exporter_queue_size', EXPORTER), queue.queue_size, `the queue is full\n${m.text}`);

  const backend = await startPeer({ port });
  t.after(() => backend.close());
  await backend.waitForSpanIds(accepted, 30_000);

  // Once drained, the queue takes new data again.
  const after = smallRequest(spansPerRequest, 'after-recovery');
  const res = await eventually(() => client.exportTraces(after.request), (r) => r.code === grpc.status.OK,
    { timeoutMs: 10_000, intervalMs: 200 });
  assert.equal(res.code, grpc.status.OK, `export after recovery: ${statusName(res.code)} ${res.details}`);
  await backend.waitForSpanIds(after.spanIds, 15_000);
  await sleep(1500);

  const counts = countById(backend.spans());
  assert.deepEqual([...counts].filter(([, n]) => n > 1), [], 'no span delivered twice');
  assert.deepEqual([...counts.keys()].sort(), [...accepted, ...after.spanIds].sort(),
    'exactly the spans answered OK were delivered');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('retryable backend errors are retried until the batch is delivered once', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const retryable = [grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED, grpc.status.DEADLINE_EXCEEDED, grpc.status.UNAVAILABLE];
  for (const code of retryable) backend.failNext(1, code, `test answers ${statusName(code)}`);
  const daemon = await startDaemon(renderConfig({
    batch: null,
    exporters: [{ id: 'otlp/peer', port: backend.port, retry: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '30s' } }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  const { request, spanIds } = smallRequest(10, 'retryable');
  const res = await client.exportTraces(request);
  assert.equal(res.code, grpc.status.OK, res.details);
  await backend.waitForSpanIds(spanIds, 20_000);
  await sleep(1000);
  const counts = countById(backend.spans());
  assert.deepEqual([...counts].filter(([, n]) => n > 1), [], 'no span delivered twice');
  assert.deepEqual([...counts.keys()].sort(), [...spanIds].sort());
  assert.equal(backend.attempts, retryable.length + 1, 'one attempt per error, then the one that succeeded');

  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', EXPORTER) === spanIds.length);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), spanIds.length, m.text);
  assert.equal(m.get('otelcol_exporter_send_failed_spans', EXPORTER), 0, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a permanent backend error is not retried, and the lost spans are counted', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  backend.failNext(1, grpc.status.INVALID_ARGUMENT, 'backend rejects this batch');
  const daemon = await startDaemon(renderConfig({
    batch: null,
    exporters: [{ id: 'otlp/peer', port: backend.port, retry: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '30s' } }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  const rejected = smallRequest(4, 'rejected-by-backend');
  assert.equal((await client.exportTraces(rejected.request)).code, grpc.status.OK);
  const m1 = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_send_failed_spans', EXPORTER) === rejected.spanIds.length);
  assert.equal(m1.get('otelcol_exporter_send_failed_spans', EXPORTER), rejected.spanIds.length, m1.text);

  const later = smallRequest(6, 'accepted-by-backend');
  assert.equal((await client.exportTraces(later.request)).code, grpc.status.OK);
  await backend.waitForSpanIds(later.spanIds, 15_000);
  await sleep(1000);
  assert.equal(backend.attempts, 2, 'the rejected batch was sent once, not retried');
  assert.deepEqual(backend.spans().map(spanKey).sort(), [...later.spanIds].sort());

  const m2 = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', EXPORTER) === later.spanIds.length);
  assert.equal(m2.get('otelcol_exporter_sent_spans', EXPORTER), later.spanIds.length, m2.text);
  assert.equal(m2.get('otelcol_exporter_send_failed_spans', EXPORTER), rejected.spanIds.length, m2.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a partial-success answer is counted and logged, and the batch is not resent', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  backend.partialNext(3, 'three spans were too old');
  const daemon = await startDaemon(renderConfig({
    batch: null,
    exporters: [{ id: 'otlp/peer', port: backend.port }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  const sent = smallRequest(5, 'partially-rejected');
  assert.equal((await client.exportTraces(sent.request)).code, grpc.status.OK);
  await backend.waitForSpanIds(sent.spanIds, 15_000);
  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('genai_collector_exporter_rejected_spans_total', EXPORTER) === 3);
  assert.equal(m.get('genai_collector_exporter_rejected_spans_total', EXPORTER), 3, m.text);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), 5, m.text);
  assert.equal(backend.attempts, 1, 'a partial success is final: nothing is resent');
  // The warning is logged right after the counter moves: wait for it rather than race it.
  await daemon.waitForLog(/backend rejected 3 of 5 spans: three spans were too old/, { timeoutMs: 5000 });
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
