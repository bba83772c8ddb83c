// Bad requests get a clear gRPC status and lose nothing else: after each one, a valid export
// still succeeds and reaches the backend, no span of a refused request leaks through, and every
// refusal shows up in /metrics.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey } from './lib/peer.mjs';
import { RawClient, encodeTraceRequest, decodeTraceRequest, assertGrpcStatus, TRACE_EXPORT_PATH } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';

const RECEIVER = { receiver: 'otlp', transport: 'grpc' };
const MiB = 1024 * 1024;

describe('bad input on the OTLP/gRPC receiver', { timeout: 120_000 }, () => {
  let backend;
  let daemon;
  let client;
  const validSpanIds = [];
  const refusedSpanIds = [];
  let badRequests = 0;

  before(async () => {
    backend = await startPeer();
    daemon = await startDaemon(renderConfig({
      maxRecvMsgSizeMib: 1,
      exporters: [{ id: 'otlp/peer', port: backend.port }],
    }));
    client = new RawClient(daemon.grpcAddress());
  });

  after(async () => {
    client?.close();
    await daemon?.kill();
    await backend?.close();
  });

  const assertStatus = (res, code, what) => assertGrpcStatus(res, code, what, daemon);

  // A valid export right after a bad one is answered OK and reaches the backend.
  async function assertStillServes(tag) {
    const { request, spanIds } = smallRequest(3, tag);
    const res = await client.exportTraces(request);
    assertStatus(res, grpc.status.OK, `valid export after ${tag}`);
    validSpanIds.push(...spanIds);
    await backend.waitForSpanIds(spanIds, 15_000);
  }

  it('garbage bytes -> INVALID_ARGUMENT', async () => {
    // Field 1 with wire type 7, which does not exist.
    const garbage = Buffer.from([0x0f, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
    assert.throws(() => decodeTraceRequest(garbage), 'the payload is really undecodable');
    const res = await client.unary(TRACE_EXPORT_PATH, garbage);
    badRequests++;
    assertStatus(res, grpc.status.INVALID_ARGUMENT, 'garbage');
    await assertStillServes('after-garbage');
  });

  it('attribute values nested 100000 deep -> INVALID_ARGUMENT, not a crash', async () => {
    // AnyValue{array_value: ArrayValue{values: [AnyValue{...}]}} nested 100000 levels: about
    // 0.7 MB, well under the size limit. A decoder that recurses without a bound overflows
    // its stack on this. Built in linear time (lengths first, then bytes front to back), so
    // the recording peer in this process is never held up.
    const varint = (v) => {
      const out = [];
      for (; v >= 0x80; v = Math.floor(v / 128)) out.push((v & 0x7f) | 0x80);
      out.push(v);
      return out;
    };
    const field = (num, payload) => Buffer.concat([Buffer.from([(num << 3) | 2, ...varint(payload.length)]), payload]);
    const depth = 100000;
    const anyLen = new Array(depth + 1).fill(0); // anyLen[d]: AnyValue at depth d from the bottom
    const arrLen = new Array(depth + 1).fill(0);
    for (let d = 1; d <= depth; d++) {
      arrLen[d] = 1 + varint(anyLen[d - 1]).length + anyLen[d - 1];
      anyLen[d] = 1 + varint(arrLen[d]).length + arrLen[d];
    }
    const bytes = [];
    for (let d = depth; d >= 1; d--) bytes.push(0x2a, ...varint(arrLen[d]), 0x0a, ...varint(anyLen[d - 1]));
    const value = Buffer.from(bytes);
    assert.equal(value.length, anyLen[depth]);
    const keyValue = Buffer.concat([field(1, Buffer.from('k')), field(2, value)]);
    const payload = field(1, field(1, field(1, keyValue)));
    assert.ok(payload.length < 1024 * 1024, `${payload.length} bytes fit under the 1 MiB limit`);
    const res = await client.unary(TRACE_EXPORT_PATH, payload);
    badRequests++;
    assertStatus(res, grpc.status.INVALID_ARGUMENT, 'deep nesting');
    assert.match(res.details, /nest deeper than 100 levels/);
    await assertStillServes('after-deep-nesting');
  });

  it('truncated protobuf -> INVALID_ARGUMENT, none of its spans delivered', async () => {
    const { request, spanIds } = smallRequest(5, 'truncated');
    const full = encodeTraceRequest(request);
    const truncated = full.subarray(0, full.length - 10);
    assert.throws(() => decodeTraceRequest(truncated), 'the payload is really undecodable');
    const res = await client.unary(TRACE_EXPORT_PATH, truncated);
    badRequests++;
    refusedSpanIds.push(...spanIds);
    assertStatus(res, grpc.status.INVALID_ARGUMENT, 'truncated');
    await assertStillServes('after-truncated');
  });

  it('a request just under max_recv_msg_size_mib is accepted', async () => {
    const { request, spanIds } = smallRequest(1, 'just-under', { attributeBytes: MiB - 4096 });
    const bytes = encodeTraceRequest(request);
    assert.ok(bytes.length < MiB && bytes.length > MiB - 8192, `request is ${bytes.length} bytes`);
    const res = await client.unary(TRACE_EXPORT_PATH, bytes);
    assertStatus(res, grpc.status.OK, 'request of just under 1 MiB');
    validSpanIds.push(...spanIds);
    await backend.waitForSpanIds(spanIds, 15_000);
  });

  it('a request of 1.5 MiB with a 1 MiB limit -> RESOURCE_EXHAUSTED, counted', async () => {
    const { request, spanIds } = smallRequest(1, 'over-limit', { attributeBytes: MiB + MiB / 2 });
    const bytes = encodeTraceRequest(request);
    assert.ok(bytes.length > 1.5 * MiB && bytes.length < 2 * MiB, `request is ${bytes.length} bytes`);
    const res = await client.unary(TRACE_EXPORT_PATH, bytes);
    badRequests++;
    refusedSpanIds.push(...spanIds);
    assertStatus(res, grpc.status.RESOURCE_EXHAUSTED, 'over the limit');
    assert.match(res.details, /exceeds max_recv_msg_size_mib \(1\)/);
    await assertStillServes('after-over-limit');
  });

  it('a request above twice max_recv_msg_size_mib -> RESOURCE_EXHAUSTED from the transport', async () => {
    const { request, spanIds } = smallRequest(2, 'oversized', { attributeBytes: MiB });
    const bytes = encodeTraceRequest(request);
    assert.ok(bytes.length > 2 * MiB, `request is ${bytes.length} bytes`);
    const res = await client.unary(TRACE_EXPORT_PATH, bytes);
    badRequests++;
    refusedSpanIds.push(...spanIds);
    assertStatus(res, grpc.status.RESOURCE_EXHAUSTED, 'oversized');
    await assertStillServes('after-oversized');
  });

  const unknownMethods = [
    '/opentelemetry.proto.collector.trace.v1.TraceService/Nope',
    '/foo.Bar/Baz',
    '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  ];
  for (const method of unknownMethods) {
    it(`${method} -> UNIMPLEMENTED`, async () => {
      const { request } = smallRequest(1, 'unknown-method');
      const res = await client.unary(method, encodeTraceRequest(request), { deadlineMs: 5000 });
      badRequests++;
      assertStatus(res, grpc.status.UNIMPLEMENTED, method);
      await assertStillServes(`after ${method}`);
    });
  }

  it('exactly the valid spans reached the backend', async () => {
    await sleep(500);
    const arrived = backend.spans().map(spanKey);
    assert.equal(new Set(arrived).size, arrived.length, `no span arrived twice\n${daemon.describe()}`);
    assert.deepEqual([...arrived].sort(), [...validSpanIds].sort());
    for (const id of refusedSpanIds) assert.ok(!arrived.includes(id), `span ${id} of a refused request was delivered`);
  });

  it('/metrics counts the accepted spans and every refused request', async () => {
    const m = await eventually(() => daemon.metrics(),
      (x) => x.get('otelcol_exporter_sent_spans', { exporter: 'otlp/peer' }) === validSpanIds.length);
    assert.equal(m.get('otelcol_receiver_accepted_spans', RECEIVER), validSpanIds.length, m.text);
    assert.equal(m.get('otelcol_exporter_sent_spans', { exporter: 'otlp/peer' }), validSpanIds.length, m.text);
    const rejected = 'genai_collector_receiver_rejected_requests_total';
    assert.equal(m.get(rejected, { ...RECEIVER, reason: 'invalid_argument' }), 3, m.text);
    assert.equal(m.get(rejected, { ...RECEIVER, reason: 'unimplemented' }), unknownMethods.length, m.text);
    assert.equal(m.get(rejected, { ...RECEIVER, reason: 'too_large' }), 1, m.text);
    // gRPC's transport refuses a message over twice the limit before the collector sees the
    // call, so that one is not in the collector's count; every other refused request is.
    assert.equal(m.sum(rejected, RECEIVER), badRequests - 1,
      `every refused request (garbage, truncated, unknown methods) is counted\n${m.text}`);
  });

  it('stops with exit code 0', async () => {
    assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
  });
});
