// Acknowledged data survives shutdown and reload. What the collector answered OK for must reach
// the backend when the backend comes back within service.shutdown_timeout, whether it waits in
// the batch processor or in an exporter queue; a SIGHUP keeps the receivers serving and keeps
// the queue of an exporter whose config did not change; what a grace period does drop is counted
// and logged with the number.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey, reservePort } from './lib/peer.mjs';
import { RawClient, statusName } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';

const TIMEOUT = { timeout: 180_000 };
const EXPORTER = { exporter: 'otlp/peer' };
const OK = 0;

// renderConfig with service.shutdown_timeout set.
function withGrace(configText, grace) {
  return configText.replace(/^service:\n/m, `service:\n  shutdown_timeout: ${grace}\n`);
}

// Sends `requests` requests of `perRequest` spans; returns the span IDs answered OK and those
// refused (any other status).
async function sendAll(client, requests, perRequest, tag) {
  const acked = [];
  const refused = [];
  for (let i = 0; i < requests; i++) {
    const { request, spanIds } = smallRequest(perRequest, `${tag}-${i}`);
    const res = await client.exportTraces(request);
    (res.code === OK ? acked : refused).push(...spanIds);
  }
  return { acked, refused };
}

function assertDeliveredOnce(backend, acked, refused) {
  const seen = new Map();
  for (const e of backend.spans()) seen.set(spanKey(e), (seen.get(spanKey(e)) ?? 0) + 1);
  const missing = acked.filter((id) => !seen.has(id));
  const twice = [...seen].filter(([, n]) => n > 1);
  const leaked = refused.filter((id) => seen.has(id));
  assert.equal(missing.length, 0, `${missing.length} of ${acked.length} acknowledged spans never arrived`);
  assert.deepEqual(twice, [], 'no span delivered twice');
  assert.deepEqual(leaked, [], 'a refused request left nothing behind');
}

test('SIGTERM with the backend down: batch and queue hold on until it is back within the grace period', TIMEOUT, async (t) => {
  const port = await reservePort();
  const daemon = await startDaemon(withGrace(renderConfig({
    batch: { timeout: '200ms', send_batch_size: 512 },
    exporters: [{ id: 'otlp/peer', port, queue: { queue_size: 2, num_consumers: 1 },
      retry: { initial_interval: '100ms', max_interval: '500ms', max_elapsed_time: '120s' } }],
  }), '25s'));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  // The exporter holds three batches of 512 (two queued, one retrying) and the batch processor
  // up to 2048 items more before it pushes back.
  const { acked, refused } = await sendAll(client, 24, 256, 'held');
  assert.ok(acked.length >= 3000, `most requests are acknowledged: ${acked.length}`);
  await sleep(500);
  const held = await daemon.metrics();
  assert.equal(held.get('otelcol_exporter_sent_spans', EXPORTER), 0, held.text);

  const stopping = daemon.stop({ timeoutMs: 60_000 });
  await sleep(8000); // longer than the old fixed 5 s of the batch processor
  assert.equal(daemon.exit, undefined, 'still draining 8 s after SIGTERM');
  const backend = await startPeer({ port });
  t.after(() => backend.close());
  assert.deepEqual(await stopping, { code: 0, signal: null }, daemon.describe());
  assertDeliveredOnce(backend, acked, refused);
  assert.match(daemon.stderr, /service: drained in \d+ ms/);
  assert.doesNotMatch(daemon.stderr, /dropped \d+ (acknowledged )?items/);
});

test('SIGTERM with the backend down for good: the grace period ends and the drop is counted and logged', TIMEOUT, async (t) => {
  const port = await reservePort();
  const daemon = await startDaemon(withGrace(renderConfig({
    batch: { timeout: '200ms', send_batch_size: 512 },
    exporters: [{ id: 'otlp/peer', port, queue: { queue_size: 2, num_consumers: 1 } }],
  }), '3s'));
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());
  const { acked } = await sendAll(client, 8, 256, 'lost');
  assert.equal(acked.length, 2048);
  await sleep(500);

  const began = Date.now();
  assert.deepEqual(await daemon.stop({ timeoutMs: 30_000 }), { code: 0, signal: null }, daemon.describe());
  const took = Date.now() - began;
  assert.ok(took >= 2500 && took < 10_000, `stopped after the 3 s grace period, not before or long after: ${took} ms`);
  const line = daemon.lines.find((l) => /service: dropped \d+ acknowledged items/.test(l));
  assert.ok(line, `one summary line with the number:\n${daemon.stderr}`);
  assert.equal(Number(line.match(/dropped (\d+)/)[1]), acked.length, line);
});

test('SIGHUP while the backend is down keeps the receivers serving and the unchanged exporter\'s queue', TIMEOUT, async (t) => {
  const port = await reservePort();
  const exporters = [{ id: 'otlp/peer', port, queue: { queue_size: 1000, num_consumers: 1 },
    retry: { initial_interval: '100ms', max_interval: '500ms', max_elapsed_time: '120s' } }];
  const first = withGrace(renderConfig({ batch: null, exporters }), '25s');
  const daemon = await startDaemon(first);
  t.after(() => daemon.kill());
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  const before = await sendAll(client, 10, 50, 'before');
  assert.equal(before.acked.length, 500);
  const baseline = daemon.peakRssKiB();
  await eventually(() => daemon.metrics(), (m) => m.get('otelcol_exporter_queue_size', EXPORTER) >= 9);

  // A new pipeline processor; receiver, exporter, extensions and telemetry as they were.
  const next = withGrace(renderConfig({
    batch: null, exporters, processors: [{ id: 'genai_normalize' }],
  }), '25s');
  const sending = (async () => {
    const out = { acked: [], refused: [], codes: [] };
    for (let i = 0; i < 40; i++) {
      const { request, spanIds } = smallRequest(5, `during-${i}`);
      const res = await client.exportTraces(request, { deadlineMs: 5000 });
      out.codes.push(res.code);
      (res.code === OK ? out.acked : out.refused).push(...spanIds);
      await sleep(25);
    }
    return out;
  })();
  const began = Date.now();
  const result = await daemon.reload(next, { timeoutMs: 20_000 });
  const took = Date.now() - began;
  assert.equal(result.ok, true, `${result.line}\n${daemon.describe()}`);
  assert.ok(took < 5000, `the reload does not wait out the 25 s grace period: ${took} ms`);
  const during = await sending;
  assert.deepEqual(during.codes.filter((c) => c !== OK).map(statusName), [],
    'every request sent during the reload was answered OK');

  const m = await daemon.metrics();
  assert.equal(m.get('otelcol_exporter_send_failed_spans', EXPORTER), 0, m.text);
  // A reload builds new pipelines beside the running ones and frees the old: no more than a
  // few MiB, whatever the queue holds (it is kept, not copied).
  const growth = daemon.peakRssKiB() - baseline;
  assert.ok(growth < 32 * 1024, `the reload grew peak RSS by ${growth} KiB`);
  assert.ok(m.get('otelcol_exporter_queue_size', EXPORTER) >= 9, `the queue was kept\n${m.text}`);

  const backend = await startPeer({ port });
  t.after(() => backend.close());
  const all = [...before.acked, ...during.acked];
  await backend.waitForSpans(all.length, 30_000);
  await sleep(1000);
  assertDeliveredOnce(backend, all, []);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
