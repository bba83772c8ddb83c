// An exporter without a queue (sending_queue.enabled: false) answers the client with the result of
// its send: a backend's permanent refusal is INVALID_ARGUMENT / 400, retries that ran out are
// UNAVAILABLE / 503, never OK.
//
// The shutdown grace period (service.shutdown_timeout) binds every send, including the ones that
// do not run on an exporter's own threads: without a queue an exporter sends, retries included,
// on the receiving thread, or on the timer thread when a batch processor is ahead of it. Retrying
// until shutdown (max_elapsed_time: 0) against a dead backend must not hold the exit past the
// grace period.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import grpc from '@grpc/grpc-js';
import { startPeer, reservePort } from './lib/peer.mjs';
import { httpRequest, PROTOBUF } from './lib/http.mjs';
import { encodeTraceRequest } from './lib/otlp.mjs';
import { RawClient } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';

for (const batch of [null, { timeout: '20ms', send_batch_size: 5 }]) {
  const where = batch ? 'the timer thread (batch processor ahead)' : 'a receiving thread';
  test(`without a queue, a send retrying on ${where} ends at the shutdown deadline`, { timeout: 60_000 }, async (t) => {
    const port = await reservePort();
    const daemon = await startDaemon(renderConfig({
      batch,
      exporters: [{ id: 'otlp/peer', port, queue: { enabled: false },
        retry: { initial_interval: '100ms', max_interval: '200ms', max_elapsed_time: '0s' } }],
    }).replace('service:\n', 'service:\n  shutdown_timeout: 2s\n'));
    t.after(() => daemon.kill());
    const client = new RawClient(daemon.grpcAddress());
    t.after(() => client.close());

    // The client gives up after a second; the collector keeps retrying the 5 spans.
    await client.exportTraces(smallRequest(5, 'no-queue').request, { deadlineMs: 1000 });
    await daemon.waitForLog(/otlp\/peer: send failed, will retry/);
    await sleep(300);
    const started = Date.now();
    assert.deepEqual(await daemon.stop({ timeoutMs: 10_000 }), { code: 0, signal: null }, daemon.describe());
    const took = Date.now() - started;
    assert.ok(took < 6000, `exited ${took} ms after SIGTERM with a 2 s grace period`);
    assert.match(daemon.stderr, /otlp\/peer: dropped 5 spans: shutdown deadline reached/, daemon.describe());
    assert.match(daemon.stderr, /service: dropped 5 acknowledged items/, daemon.describe());
  });
}

test('without a queue, the client is answered with the result of the send', { timeout: 60_000 }, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    batch: null,
    http: {},
    exporters: [{ id: 'otlp/peer', port: backend.port, queue: { enabled: false },
      retry: { initial_interval: '100ms', max_interval: '100ms', max_elapsed_time: '1s' } }],
  }));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());
  const url = daemon.httpUrl('/v1/traces');
  const post = (request) => httpRequest(url, { headers: { 'content-type': PROTOBUF }, body: encodeTraceRequest(request) });

  backend.failNext(2, grpc.status.INVALID_ARGUMENT, 'refused for good');
  const permanent = await client.exportTraces(smallRequest(5, 'permanent').request);
  assert.equal(permanent.code, grpc.status.INVALID_ARGUMENT, permanent.details);
  assert.match(permanent.details, /otlp\/peer/);
  assert.equal((await post(smallRequest(5, 'permanent-http').request)).status, 400);

  backend.failNext(1000, grpc.status.UNAVAILABLE, 'down');
  const exhausted = await client.exportTraces(smallRequest(5, 'exhausted').request);
  assert.equal(exhausted.code, grpc.status.UNAVAILABLE, exhausted.details);
  backend.failures.length = 0;

  const { request, spanIds } = smallRequest(5, 'delivered');
  assert.equal((await client.exportTraces(request)).code, grpc.status.OK);
  await backend.waitForSpanIds(spanIds, 5000);
  assert.equal(backend.spans().length, 5, 'only the delivered request arrived');
  const m = await daemon.metrics();
  assert.equal(m.get('otelcol_exporter_send_failed_spans', { exporter: 'otlp/peer' }), 15, m.text);
  assert.equal(m.get('otelcol_exporter_sent_spans', { exporter: 'otlp/peer' }), 5, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
