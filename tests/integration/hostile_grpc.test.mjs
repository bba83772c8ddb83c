// Hostile compressed messages on the OTLP/gRPC receiver. A gzip message is small on the wire and
// may claim any size once inflated: the receiver inflates it only up to max_recv_msg_size_mib,
// answers RESOURCE_EXHAUSTED past that, and its memory stays near the limit, not near what the
// message would inflate to. Corrupt data and unknown encodings get a clear status, valid
// compressed exports keep working, and every refusal is counted in /metrics.
//
// The bombs go out through a raw HTTP/2 client that writes the gRPC frame itself (compressed
// flag 1, then the length) with `grpc-encoding: gzip`, so the test controls every byte.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import zlib from 'node:zlib';
import grpc from '@grpc/grpc-js';
import { startDaemon, eventually } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer } from './lib/peer.mjs';
import { RawClient, gzipClient, encodeTraceRequest, statusName, assertGrpcStatus, TRACE_EXPORT_PATH } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';
import { createProvider, otlpExporter } from './lib/spans.mjs';

const MiB = 1024 * 1024;
const LIMIT_MIB = 4;
const RECEIVER = { receiver: 'otlp', transport: 'grpc' };

// How far the daemon's peak resident memory may rise over its peak before the bombs (taken after
// an honest export of nearly the limit, ~37 MiB). Per worker thread the receiver holds at most a
// copy of the compressed message (gRPC core lets in up to twice the limit, 8 MiB), the inflated
// output (at most the limit, 4 MiB) and zlib's state (~40 KiB): with one thread per core on two
// cores that is 24 MiB at worst. Measured: 1-3 MiB in a normal build, ~23 MiB under
// AddressSanitizer, whose quarantine keeps freed buffers resident. Before the receiver bounded
// inflation the 256 MiB bomb raised the peak by ~270 MiB, the 1.1 GB one by ~1.1 GiB.
const MAX_PEAK_GROWTH_KIB = 64 * 1024;

// Gzip of `size` zero bytes, produced by streaming so that this process never holds the
// inflated form: ~1030:1 at level 9, so 256 MiB -> ~260 KB, 1.1 GB -> ~1.1 MB.
async function gzipOfZeros(size) {
  const gz = zlib.createGzip({ level: 9, chunkSize: 64 * 1024 });
  const parts = [];
  gz.on('data', (d) => parts.push(d));
  const ended = new Promise((resolve, reject) => { gz.on('end', resolve); gz.on('error', reject); });
  const chunk = Buffer.alloc(MiB);
  for (let left = size; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!gz.write(piece)) await new Promise((resolve) => gz.once('drain', resolve));
  }
  gz.end();
  await ended;
  return Buffer.concat(parts);
}

// One unary gRPC call over a fresh HTTP/2 connection with the exact message bytes given:
// `compressed` sets the frame's compressed flag, `encoding` (if any) is sent as grpc-encoding.
// Resolves with { code, details, ms } (code -1 when no grpc-status came back); never rejects.
function rawCall(address, body, { compressed = true, encoding = 'gzip', path = TRACE_EXPORT_PATH } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const session = http2.connect(`http://${address}`);
    const headers = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-accept-encoding': 'identity,gzip,deflate',
    };
    if (encoding) headers['grpc-encoding'] = encoding;
    let status;
    let details = '';
    let settled = false;
    const done = (extra) => {
      if (settled) return;
      settled = true;
      session.close();
      resolve({ code: status === undefined ? -1 : Number(status), details, ms: Date.now() - started, ...extra });
    };
    const take = (h) => {
      if (h['grpc-status'] !== undefined) status = h['grpc-status'];
      if (h['grpc-message'] !== undefined) details = decodeURIComponent(h['grpc-message']);
    };
    session.on('error', (err) => done({ error: err.message }));
    const req = session.request(headers);
    req.on('response', take);
    req.on('trailers', take);
    req.on('data', () => {});
    req.on('close', () => done());
    req.on('error', (err) => done({ error: err.message }));
    req.setTimeout(60_000, () => { req.close(http2.constants.NGHTTP2_CANCEL); done({ error: 'timeout' }); });
    const frame = Buffer.alloc(5);
    frame[0] = compressed ? 1 : 0;
    frame.writeUInt32BE(body.length, 1);
    req.write(frame);
    req.end(body);
  });
}

// An ExportTraceServiceRequest of exactly `size` encoded bytes (one span whose padding attribute
// is sized to fit), with the span's id.
function requestOfSize(size, tag) {
  let pad = size;
  for (let i = 0; i < 8; i++) {
    const { request, spanIds } = smallRequest(1, tag, { attributeBytes: pad });
    const bytes = encodeTraceRequest(request);
    if (bytes.length === size) return { bytes, spanIds };
    pad += size - bytes.length;
  }
  throw new Error(`cannot build a request of exactly ${size} bytes`);
}

describe('hostile compressed messages on the OTLP/gRPC receiver', { timeout: 300_000 }, () => {
  let backend;
  let daemon;
  let client;
  let peakBeforeKiB;
  let tooLarge = 0;
  let invalid = 0;

  before(async () => {
    backend = await startPeer();
    daemon = await startDaemon(renderConfig({
      maxRecvMsgSizeMib: LIMIT_MIB,
      exporters: [{ id: 'otlp/peer', port: backend.port }],
    }));
    client = new RawClient(daemon.grpcAddress());
    // Warm up with one valid export of about the limit, so the baseline peak includes what an
    // honest large request costs.
    const { bytes, spanIds } = requestOfSize(LIMIT_MIB * MiB - 1024, 'warm-up');
    const res = await client.unary(TRACE_EXPORT_PATH, bytes);
    assertStatus(res, grpc.status.OK, 'warm-up export');
    await backend.waitForSpanIds(spanIds, 15_000);
    peakBeforeKiB = daemon.peakRssKiB();
  });

  after(async () => {
    client?.close();
    await daemon?.kill();
    await backend?.close();
  });

  const assertStatus = (res, code, what) => assertGrpcStatus(res, code, what, daemon);

  function assertAlive(what) {
    assert.equal(daemon.exit, undefined, `the daemon died after ${what}\n${daemon.describe()}`);
  }

  // A plain export through the SDK's OTLP/gRPC exporter after a hostile request: answered OK and
  // every span reaches the backend.
  async function assertStillServes(tag) {
    const exporter = otlpExporter(daemon.grpcAddress(), 'gzip');
    const provider = createProvider([exporter]);
    const tracer = provider.getTracer('gc.integration.hostile');
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const span = tracer.startSpan(`${tag} ${i}`, { attributes: { 'test.tag': tag } });
      ids.push(span.spanContext().spanId);
      span.end();
    }
    await provider.forceFlush();
    await provider.shutdown();
    assert.deepEqual(exporter.results.map((r) => r.code), [0], `SDK export after ${tag}: ${JSON.stringify(exporter.results)}`);
    await backend.waitForSpanIds(ids, 15_000);
  }

  // Sends a bomb of zeros that inflates to `inflated` bytes; asserts the daemon survives, answers
  // RESOURCE_EXHAUSTED and its peak RSS stays bounded. Returns the answer.
  async function sendBomb(t, inflated, what) {
    const bomb = await gzipOfZeros(inflated);
    assert.ok(bomb.length < LIMIT_MIB * MiB, `the bomb is under the wire limit (${bomb.length} bytes)`);
    const res = await rawCall(daemon.grpcAddress(), bomb);
    tooLarge++;
    assertAlive(`the ${what}`);
    const grownKiB = daemon.peakRssKiB() - peakBeforeKiB;
    t.diagnostic(`${bomb.length} bytes on the wire: ${statusName(res.code)} in ${res.ms} ms; ` +
      `peak RSS ${peakBeforeKiB} KiB before, grew by ${grownKiB} KiB`);
    assertStatus(res, grpc.status.RESOURCE_EXHAUSTED, what);
    assert.ok(grownKiB < MAX_PEAK_GROWTH_KIB,
      `peak RSS grew by ${grownKiB} KiB (before: ${peakBeforeKiB} KiB) for a bomb refused at ${LIMIT_MIB} MiB`);
    return { res, bomb };
  }

  it('gzip bomb: 256 MiB inflated from ~260 KB -> RESOURCE_EXHAUSTED, memory stays bounded', async (t) => {
    const { res } = await sendBomb(t, 256 * MiB, '256 MiB gzip bomb');
    assert.match(res.details, /gzip message of \d+ bytes inflates past max_recv_msg_size_mib \(4 MiB\)/);
    await assertStillServes('after-bomb-256m');
  });

  it('gzip bomb: 1.1 GB inflated from ~1.1 MB -> RESOURCE_EXHAUSTED quickly, memory stays bounded', async (t) => {
    const { res, bomb } = await sendBomb(t, 1100 * MiB, '1.1 GB gzip bomb');
    assert.ok(bomb.length > MiB, `bomb of ${bomb.length} bytes`);
    // Inflating stops at the limit: milliseconds of work, where inflating it all took seconds.
    // 2 s leaves room for a loaded machine.
    assert.ok(res.ms < 2000, `the refusal took ${res.ms} ms`);
    assert.match(res.details, /inflates past max_recv_msg_size_mib/);
    await assertStillServes('after-bomb-1g');
  });

  it('inflated size is checked exactly: the limit is accepted, one byte more is not', async () => {
    const limit = LIMIT_MIB * MiB;
    const atLimit = requestOfSize(limit, 'at-limit');
    const res = await rawCall(daemon.grpcAddress(), zlib.gzipSync(atLimit.bytes));
    assertStatus(res, grpc.status.OK, `gzip message inflating to exactly ${limit} bytes`);
    await backend.waitForSpanIds(atLimit.spanIds, 15_000);

    const overLimit = requestOfSize(limit + 1, 'over-limit');
    const over = await rawCall(daemon.grpcAddress(), zlib.gzipSync(overLimit.bytes));
    tooLarge++;
    assertStatus(over, grpc.status.RESOURCE_EXHAUSTED, `gzip message inflating to ${limit + 1} bytes`);
    assert.match(over.details, /inflates past max_recv_msg_size_mib \(4 MiB\)/);
  });

  it('a compressed message over the limit on the wire -> RESOURCE_EXHAUSTED without inflating', async () => {
    // Random bytes do not compress: the gzip is a little larger than its input.
    const body = zlib.gzipSync(Buffer.from(Array.from({ length: LIMIT_MIB * MiB + 4096 }, () => Math.random() * 256 | 0)),
      { level: 0 });
    const res = await rawCall(daemon.grpcAddress(), body);
    tooLarge++;
    assertStatus(res, grpc.status.RESOURCE_EXHAUSTED, 'compressed message over the limit');
    assert.match(res.details, /exceeds max_recv_msg_size_mib/);
  });

  // Spans of a gzip message reach the backend as they were sent.
  async function assertArrivedIntact(request, spanIds, what) {
    await backend.waitForSpanIds(spanIds, 15_000);
    const byId = new Map(backend.spans().map((e) => [e.span.span_id.toString('hex'), e.span]));
    for (const sent of request.resource_spans[0].scope_spans[0].spans) {
      const span = byId.get(sent.span_id.toString('hex'));
      assert.ok(span, `${what}: span arrived`);
      assert.equal(span.name, sent.name, what);
      assert.equal(span.attributes.find((a) => a.key === 'padding').value.string_value, 'p'.repeat(300), what);
    }
  }

  it('a normal gzip export arrives intact', async () => {
    const raw = smallRequest(20, 'gzip-raw', { attributeBytes: 300 });
    const res = await rawCall(daemon.grpcAddress(), zlib.gzipSync(encodeTraceRequest(raw.request)));
    assertStatus(res, grpc.status.OK, 'gzip message');
    await assertArrivedIntact(raw.request, raw.spanIds, 'gzip message');

    // grpc-js compresses the first call of a new client (later ones it may send as identity).
    const gz = gzipClient(daemon.grpcAddress());
    try {
      const { request, spanIds } = smallRequest(20, 'gzip-intact', { attributeBytes: 300 });
      assertStatus(await gz.exportTraces(request), grpc.status.OK, 'grpc-js gzip export');
      await assertArrivedIntact(request, spanIds, 'grpc-js gzip export');
    } finally {
      gz.close();
    }
    await assertStillServes('sdk-gzip');
  });

  it('a deflate (zlib) message is accepted', async () => {
    const { request, spanIds } = smallRequest(3, 'deflate');
    const res = await rawCall(daemon.grpcAddress(), zlib.deflateSync(encodeTraceRequest(request)), { encoding: 'deflate' });
    assertStatus(res, grpc.status.OK, 'deflate message');
    await backend.waitForSpanIds(spanIds, 15_000);
  });

  it('corrupt and truncated gzip -> INVALID_ARGUMENT', async () => {
    const good = zlib.gzipSync(encodeTraceRequest(smallRequest(3, 'corrupt').request));
    const truncated = good.subarray(0, good.length - 9);
    const garbage = Buffer.from('this is not gzip at all, not even close');
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    for (const [what, body] of [['truncated gzip', truncated], ['garbage', garbage], ['flipped bits', flipped]]) {
      const res = await rawCall(daemon.grpcAddress(), body);
      invalid++;
      assertStatus(res, grpc.status.INVALID_ARGUMENT, what);
      assert.match(res.details, /not valid gzip/, what);
    }
    await assertStillServes('after-corrupt');
  });

  // gRPC core reads grpc-encoding itself and drops a name it does not know, so such a message
  // reaches the receiver as if uncompressed: it cannot decode, and the answer says why when the
  // bytes show what they are.
  it('an unknown grpc-encoding -> INVALID_ARGUMENT naming the supported ones', async () => {
    const payload = encodeTraceRequest(smallRequest(1, 'unknown-encoding').request);
    const labelled = await rawCall(daemon.grpcAddress(), zlib.gzipSync(payload), { encoding: 'x-gzip' });
    invalid++;
    assertStatus(labelled, grpc.status.INVALID_ARGUMENT, 'gzip data under grpc-encoding: x-gzip');
    assert.match(labelled.details, /looks like gzip data .*send grpc-encoding gzip, deflate or identity/);

    const brotli = await rawCall(daemon.grpcAddress(), zlib.brotliCompressSync(payload), { encoding: 'br' });
    invalid++;
    assertStatus(brotli, grpc.status.INVALID_ARGUMENT, 'grpc-encoding: br');
    assertAlive('grpc-encoding: br');
    await assertStillServes('after-unknown-encoding');
  });

  it('every refusal is counted, and the daemon shuts down cleanly after all of them', async () => {
    const m = await eventually(() => daemon.metrics(),
      (x) => x.sum('genai_collector_receiver_rejected_requests_total', { ...RECEIVER, reason: 'too_large' }) >= tooLarge);
    assert.equal(m.sum('genai_collector_receiver_rejected_requests_total', { ...RECEIVER, reason: 'too_large' }), tooLarge);
    assert.equal(m.sum('genai_collector_receiver_rejected_requests_total', { ...RECEIVER, reason: 'invalid_argument' }), invalid);
    assertAlive('all of the above');
    // Under the sanitizer builds a leak or a heap error makes the exit code non-zero.
    const exit = await daemon.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `exit after the hostile requests\n${daemon.describe()}`);
  });
});
