// Hostile slow messages on the OTLP/gRPC receiver. A client opens many streams on a few
// connections, each announcing a large message in its gRPC frame header and sending all of it
// but the last byte, never finishing. The receiver reads messages only in a bounded number of
// read slots, so streams waiting for a slot may send no more than a small flow-control window:
// the daemon's memory stays near slots x message size however many streams hold on, another
// client is still answered during the attack, held calls are cut at read_timeout and counted
// as reason="timeout", and SIGTERM still exits promptly.
//
// The attacker connects from 127.0.0.2 and the honest client from 127.0.0.1, so the receiver
// sees two client addresses (it gives one address at most half of the read slots).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import grpc from '@grpc/grpc-js';
import { startDaemon, eventually } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer } from './lib/peer.mjs';
import { RawClient, statusName, TRACE_EXPORT_PATH } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';

const MiB = 1024 * 1024;
const KiB = 1024;
const MSG_MIB = 8;             // max_recv_msg_size_mib, and the size each held stream announces
const MEMORY_MIB = 64;         // max_recv_memory_mib
const THREADS = 2;             // num_threads
const READ_TIMEOUT_S = 3;      // protocols.grpc.read_timeout
const CONNS = 2;
const STREAMS = 100;           // per connection: max_concurrent_streams' default
const REJECTED = 'genai_collector_receiver_rejected_requests_total';
const RECEIVER = { receiver: 'otlp', transport: 'grpc' };

// Read slots as the receiver derives them: max_recv_memory_mib / (2 x max_recv_msg_size_mib),
// at least one more than the worker threads: max(64 / 16, 3) = 4.
const SLOTS = Math.max(Math.floor(MEMORY_MIB / (2 * MSG_MIB)), THREADS + 1);
// What the attack may add to the daemon's peak resident memory: each slot's message as gRPC
// holds it (up to twice the message limit, counting its slices and frames), plus each waiting
// stream's flow-control window (16 KiB, ~26 KiB measured with per-stream state; 128 KiB
// allowed), plus 32 MiB for allocator slack: 4 x 16 + 200 x 0.125 + 32 = 121 MiB. Measured
// after the change: ~20 MiB (the attacker's two slots, 8 MiB each, and the windows). Before it,
// gRPC accepted every stream's whole message: ~1.5 GiB.
const MAX_PEAK_GROWTH_KIB = (SLOTS * 2 * MSG_MIB * MiB + CONNS * STREAMS * 128 * KiB + 32 * MiB) / KiB;

function config(peerPort) {
  const text = renderConfig({
    maxRecvMsgSizeMib: MSG_MIB,
    exporters: [{ id: 'otlp/peer', port: peerPort }],
  });
  const grpcLine = `max_recv_msg_size_mib: ${MSG_MIB} }`;
  assert.ok(text.includes(grpcLine), 'the rendered config has the grpc line this test extends');
  return text.replace(grpcLine, `max_recv_msg_size_mib: ${MSG_MIB}, max_recv_memory_mib: ${MEMORY_MIB}, ` +
    `num_threads: ${THREADS}, read_timeout: ${READ_TIMEOUT_S}s }`);
}

// Opens CONNS connections from 127.0.0.2 with STREAMS Export calls each; every call sends a
// frame header announcing MSG_MIB MiB, then all but the last byte as flow control lets it.
// Returns { closed: Promise (every stream ended), ended: count, destroy() }. A stream whose
// writes are blocked by flow control when the server ends it sees 'end' or 'aborted' from node
// but not always the status that came with it, so the status is checked on slowCall below.
function holdStreams(address) {
  const [host, port] = address.split(':');
  const sessions = [];
  const ends = [];
  const attack = { ended: 0 };
  const size = MSG_MIB * MiB;
  const chunk = Buffer.alloc(MiB, 0x0a);
  for (let i = 0; i < CONNS; i++) {
    const session = http2.connect(`http://${address}`, {
      createConnection: () => net.connect({ host, port: Number(port), localAddress: '127.0.0.2' }),
    });
    session.on('error', () => {});
    sessions.push(session);
    for (let j = 0; j < STREAMS; j++) {
      const req = session.request({
        ':method': 'POST', ':path': TRACE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers',
      });
      req.on('data', () => {});
      req.on('error', () => {});
      ends.push(new Promise((resolve) => {
        let done = false;
        const end = () => {
          if (done) return;
          done = true;
          attack.ended++;
          resolve();
        };
        req.on('end', end);
        req.on('aborted', end);
        req.on('close', end);
      }));
      (async () => {
        const header = Buffer.alloc(5);
        header.writeUInt32BE(size, 1);
        req.write(header);
        for (let sent = 0; sent < size - 1; sent += chunk.length) {
          const piece = size - 1 - sent >= chunk.length ? chunk : chunk.subarray(0, size - 1 - sent);
          if (!req.write(piece)) {
            await new Promise((resolve) => { req.once('drain', resolve); req.once('close', resolve); });
          }
          if (req.destroyed || req.closed) return;
        }
      })();
    }
  }
  attack.closed = Promise.all(ends);
  attack.destroy = () => { for (const s of sessions) s.destroy(); };
  return attack;
}

// One Export call from 127.0.0.1 that announces a 1 MiB message and sends 1 KiB of it, then
// waits. Resolves with { code, details, ms } (code -1 without a grpc-status).
function slowCall(address) {
  return new Promise((resolve) => {
    const started = Date.now();
    const session = http2.connect(`http://${address}`);
    let status;
    let details = '';
    const take = (h) => {
      if (h['grpc-status'] !== undefined) status = Number(h['grpc-status']);
      if (h['grpc-message'] !== undefined) details = decodeURIComponent(h['grpc-message']);
    };
    session.on('error', () => {});
    const req = session.request({
      ':method': 'POST', ':path': TRACE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers',
    });
    req.on('response', take);
    req.on('trailers', take);
    req.on('data', () => {});
    req.on('error', () => {});
    req.on('close', () => {
      session.destroy();
      resolve({ code: status ?? -1, details, ms: Date.now() - started });
    });
    const header = Buffer.alloc(5);
    header.writeUInt32BE(MiB, 1);
    req.write(header);
    req.write(Buffer.alloc(KiB, 0x0a));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hostile slow messages on the OTLP/gRPC receiver', { timeout: 180_000 }, () => {
  let backend;
  let daemon;
  let client;
  let peakBeforeKiB;

  before(async () => {
    backend = await startPeer();
    daemon = await startDaemon(config(backend.port));
    client = new RawClient(daemon.grpcAddress());
    const { request, spanIds } = smallRequest(5, 'warm-up', { attributeBytes: 1000 });
    const res = await client.exportTraces(request);
    assert.equal(res.code, grpc.status.OK, `warm-up export: ${statusName(res.code)} ${res.details}`);
    await backend.waitForSpanIds(spanIds, 15_000);
    peakBeforeKiB = daemon.peakRssKiB();
  });

  after(async () => {
    client?.close();
    await daemon?.kill();
    await backend?.close();
  });

  it(`${CONNS} x ${STREAMS} streams holding ${MSG_MIB} MiB messages: memory bounded by the read slots, ` +
     'others served, held calls cut at read_timeout', async (t) => {
    const before = await daemon.metrics();
    const timeoutsBefore = before.sum(REJECTED, { ...RECEIVER, reason: 'timeout' });
    const started = Date.now();
    const attack = holdStreams(daemon.grpcAddress());
    const slow = slowCall(daemon.grpcAddress());

    // Let the streams open and fill what flow control allows, then export from another client.
    await sleep(1500);
    assert.equal(daemon.exit, undefined, `the daemon died under the attack\n${daemon.describe()}`);
    const { request, spanIds } = smallRequest(3, 'during-hold');
    const t0 = Date.now();
    const res = await client.exportTraces(request, { deadlineMs: 10_000 });
    const ms = Date.now() - t0;
    assert.equal(res.code, grpc.status.OK, `export during the attack: ${statusName(res.code)} ${res.details}`);
    assert.ok(ms < 2000, `the export during the attack was answered after ${ms} ms`);
    await backend.waitForSpanIds(spanIds, 15_000);

    // Every held call is cut at read_timeout (counted from its arrival; the sweeper runs a few
    // times a second), with a status.
    const cut = await Promise.race([attack.closed.then(() => true), sleep(READ_TIMEOUT_S * 1000 + 5000).then(() => false)]);
    const elapsed = Date.now() - started;
    const grownKiB = daemon.peakRssKiB() - peakBeforeKiB;
    const slowRes = await slow;
    t.diagnostic(`held streams ended after ${elapsed} ms (${attack.ended} of ${CONNS * STREAMS}); ` +
      `slow call: ${statusName(slowRes.code)} after ${slowRes.ms} ms; ` +
      `export during attack ${ms} ms; peak RSS ${peakBeforeKiB} KiB before, grew by ${grownKiB} KiB ` +
      `(bound ${MAX_PEAK_GROWTH_KIB} KiB, ${SLOTS} slots)`);
    attack.destroy();
    assert.ok(grownKiB < MAX_PEAK_GROWTH_KIB,
      `peak RSS grew by ${grownKiB} KiB under ${CONNS * STREAMS} held streams (bound ${MAX_PEAK_GROWTH_KIB} KiB)`);
    assert.ok(cut, `only ${attack.ended} of ${CONNS * STREAMS} held streams ended ${READ_TIMEOUT_S + 5} s after they started`);
    assert.ok(elapsed >= READ_TIMEOUT_S * 1000 - 500, `held streams were cut after ${elapsed} ms, before read_timeout`);
    assert.equal(slowRes.code, grpc.status.DEADLINE_EXCEEDED,
      `a call whose message does not arrive: ${statusName(slowRes.code)} "${slowRes.details}"`);
    assert.match(slowRes.details, /did not arrive within read_timeout \(3000 ms\)/);
    assert.ok(slowRes.ms >= READ_TIMEOUT_S * 1000 - 500 && slowRes.ms < READ_TIMEOUT_S * 1000 + 3000,
      `the slow call was cut after ${slowRes.ms} ms`);

    const cutCalls = CONNS * STREAMS + 1;
    const m = await eventually(() => daemon.metrics(),
      (x) => x.sum(REJECTED, { ...RECEIVER, reason: 'timeout' }) - timeoutsBefore >= cutCalls);
    assert.equal(m.sum(REJECTED, { ...RECEIVER, reason: 'timeout' }) - timeoutsBefore, cutCalls,
      'each held call is counted once as reason="timeout"');

    // Served normally afterwards.
    const after = smallRequest(3, 'after-hold');
    assert.equal((await client.exportTraces(after.request)).code, grpc.status.OK, 'export after the attack');
    await backend.waitForSpanIds(after.spanIds, 15_000);
  });

  it('SIGTERM while streams hold messages: exits 0 promptly', async () => {
    const attack = holdStreams(daemon.grpcAddress());
    await sleep(1000);
    const t0 = Date.now();
    const exit = await daemon.stop({ timeoutMs: 15_000 });
    const ms = Date.now() - t0;
    attack.destroy();
    assert.deepEqual(exit, { code: 0, signal: null }, `exit after SIGTERM\n${daemon.describe()}`);
    // Waiting calls are cancelled at once; calls reading a message get the shutdown grace (5 s)
    // or their read_timeout, whichever ends first.
    assert.ok(ms < 8000, `the daemon took ${ms} ms to exit`);
  });
});
