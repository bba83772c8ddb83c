// The shutdown grace period (service.shutdown_timeout) binds every send, including the ones that
// do not run on an exporter's own threads: without a queue an exporter sends, retries included,
// on the receiving thread, or on the timer thread when a batch processor is ahead of it. Retrying
// until shutdown (max_elapsed_time: 0) against a dead backend must not hold the exit past the
// grace period.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { reservePort } from './lib/peer.mjs';
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
