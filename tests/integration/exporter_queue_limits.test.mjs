// The edges of the exporters' queues: a request or a batch larger than a queue's whole capacity
// is taken when the queue holds nothing, so it is neither refused for ever nor held for ever by
// a batch processor ahead of the queue.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { startDaemon, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey, reservePort } from './lib/peer.mjs';
import { RawClient } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';

const TIMEOUT = { timeout: 60_000 };
const EXPORTER = { exporter: 'otlp/peer' };

function assertExactlyOnce(peer, ids, what) {
  const got = peer.spans().map(spanKey);
  assert.equal(new Set(got).size, got.length, `${what}: no span delivered twice`);
  assert.deepEqual(got.sort(), [...ids].sort(), `${what}: exactly the spans answered OK`);
}

test('a batch processor\'s batch above the queue\'s capacity is delivered, not held until shutdown', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    batch: { timeout: '50ms', send_batch_size: 20 },
    exporters: [{ id: 'otlp/peer', port: backend.port, queue: { sizer: 'items', queue_size: 10, num_consumers: 1 } }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  const { request, spanIds } = smallRequest(20, 'above-capacity');
  const res = await client.exportTraces(request);
  assert.equal(res.code, grpc.status.OK, res.details);
  await backend.waitForSpanIds(spanIds, 10_000);
  await sleep(300);
  assertExactlyOnce(backend, spanIds, 'batch of 20 into a queue of 10');
  const m = await daemon.metrics();
  assert.equal(m.get('genai_collector_processor_held_items', { processor: 'batch' }), 0, m.text);
  assert.equal(m.get('otelcol_exporter_queue_size', EXPORTER), 0, m.text);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), 20, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a request above a bytes queue\'s capacity is taken when the queue is empty, refused behind others', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  backend.setDelay(1500); // the first send stays in flight while the second request arrives
  const daemon = await startDaemon(renderConfig({
    batch: null,
    exporters: [{ id: 'otlp/peer', port: backend.port, queue: { sizer: 'bytes', queue_size: 1000, num_consumers: 1 } }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  const big = smallRequest(50, 'big-0'), behind = smallRequest(50, 'big-1');
  assert.equal((await client.exportTraces(big.request)).code, grpc.status.OK, 'taken: the queue was empty');
  const refused = await client.exportTraces(behind.request);
  assert.equal(refused.code, grpc.status.UNAVAILABLE, 'refused: the queue holds the first');
  await backend.waitForSpanIds(big.spanIds, 10_000);
  backend.setDelay(0);
  await sleep(300);
  assert.equal((await client.exportTraces(behind.request)).code, grpc.status.OK, 'taken once it drained');
  const ids = [...big.spanIds, ...behind.spanIds];
  await backend.waitForSpanIds(ids, 10_000);
  await sleep(300);
  assertExactlyOnce(backend, ids, 'bytes');
  const m = await daemon.metrics();
  assert.equal(m.get('otelcol_exporter_queue_size', EXPORTER), 0, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a batch processor offering a batch again does not count it as refused each time', TIMEOUT, async (t) => {
  const port = await reservePort();
  const daemon = await startDaemon(renderConfig({
    batch: { timeout: '50ms', send_batch_size: 10 },
    exporters: [{ id: 'otlp/peer', port, retry: { initial_interval: '100ms', max_interval: '300ms' },
      queue: { queue_size: 1, num_consumers: 1 } }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  // The backend is down: one batch of 10 is in the queue, the other two wait in the processor,
  // offered again every 50 ms. Nothing was refused to a client and nothing was dropped.
  const requests = [0, 1, 2].map((i) => smallRequest(10, `offered-${i}`));
  for (const r of requests) assert.equal((await client.exportTraces(r.request)).code, grpc.status.OK);
  await sleep(1000);
  const held = await daemon.metrics();
  assert.equal(held.get('genai_collector_processor_held_items', { processor: 'batch' }), 20, held.text);
  assert.equal(held.get('otelcol_exporter_enqueue_failed_spans', EXPORTER), 0, held.text);

  const backend = await startPeer({ port });
  t.after(() => backend.close());
  const ids = requests.flatMap((r) => r.spanIds);
  await backend.waitForSpanIds(ids, 20_000);
  await sleep(300);
  assertExactlyOnce(backend, ids, 'offered again');
  const m = await daemon.metrics();
  assert.equal(m.get('otelcol_exporter_enqueue_failed_spans', EXPORTER), 0, m.text);
  assert.equal(m.get('otelcol_exporter_queue_size', EXPORTER), 0, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// One request of `big` spans with a 3000-byte attribute followed by `small` plain ones.
function unevenRequest(big, small, tag) {
  const a = smallRequest(big, `${tag}-big`, { attributeBytes: 3000 }), b = smallRequest(small, `${tag}-small`);
  a.request.resource_spans[0].scope_spans[0].spans.push(...b.request.resource_spans[0].scope_spans[0].spans);
  return { request: a.request, spanIds: [...a.spanIds, ...b.spanIds] };
}

test('a request above max_size in bytes leaves in sends of at most max_size, however uneven its spans', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    batch: null,
    exporters: [{ id: 'otlp/peer', port: backend.port,
      queue: { sizer: 'bytes', queue_size: 1000000, num_consumers: 1, batch: { flush_timeout: '10ms', min_size: 1, max_size: 4000 } } }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  // About 6.3 KB: two pieces by average size, but its first two spans alone are 6 KB.
  const { request, spanIds } = unevenRequest(2, 6, 'uneven');
  assert.equal((await client.exportTraces(request)).code, grpc.status.OK);
  await backend.waitForSpanIds(spanIds, 10_000);
  await sleep(300);
  assertExactlyOnce(backend, spanIds, 'uneven');
  const sends = backend.traceRequests();
  const sizes = sends.map((r) => r.raw.length);
  assert.ok(sizes.every((n) => n <= 4000), `max_size 4000: ${sizes.join(' ')}`);
  const m = await daemon.metrics();
  assert.equal(m.get('otelcol_exporter_queue_batch_send_size_count', EXPORTER), sends.length, m.text);
  assert.equal(m.get('otelcol_exporter_queue_batch_send_size_sum', EXPORTER), spanIds.length, m.text);
  assert.equal(m.get('otelcol_exporter_sent_spans', EXPORTER), spanIds.length, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
