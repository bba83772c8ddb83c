// Bad requests on the OTLP/HTTP receiver get the status an OTLP/HTTP client expects, with a
// google.rpc.Status body in the request's encoding, and lose nothing else: after each one a valid
// export still succeeds and reaches the backend, no span of a refused request leaks through, and
// every refusal is counted in /metrics. Browsers get CORS answers for the allowed origins only.

import { describe, it, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey, reservePort } from './lib/peer.mjs';
import { RawClient, encodeTraceRequest, decodeTraceRequest, statusName } from './lib/otlp.mjs';
import { smallRequest, randomId } from './lib/requests.mjs';
import { httpRequest, errorStatus, PROTOBUF, JSON_TYPE } from './lib/http.mjs';

const HTTP_RECEIVER = { receiver: 'otlp', transport: 'http' };
const REJECTED = 'genai_collector_receiver_rejected_requests_total';
const LIMIT = 256 * 1024; // max_request_body_size below
const ALLOWED_ORIGIN = 'https://app.example.com';
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;
const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;
const NOT_FOUND = 5;

// An ExportTraceServiceRequest of exactly `size` encoded bytes (one span, padded by an attribute).
function requestOfSize(size, tag) {
  let pad = size - 200;
  for (let i = 0; i < 50; i++) {
    const { request, spanIds } = smallRequest(1, tag, { attributeBytes: pad });
    const bytes = encodeTraceRequest(request);
    if (bytes.length === size) return { bytes, spanIds };
    // A length prefix that grows by a byte can overshoot: step by one then.
    pad += Math.abs(size - bytes.length) > 4 ? size - bytes.length : Math.sign(size - bytes.length);
  }
  throw new Error(`cannot build a request of exactly ${size} bytes`);
}

// Asserts an error answer: HTTP status, Content-Type, and the google.rpc.Status it carries.
// `code` is a gRPC code or a list of acceptable ones; `message` a RegExp the message must match.
function assertError(res, { status, type, code, message }, what) {
  const body = res.body.toString('utf8').slice(0, 300);
  assert.equal(res.status, status, `${what}: HTTP status (body: ${body})`);
  assert.equal(res.headers['content-type'], type, `${what}: Content-Type (body: ${body})`);
  assert.equal(Number(res.headers['content-length']), res.body.length, `${what}: Content-Length`);
  if (type === JSON_TYPE) {
    const parsed = JSON.parse(res.body.toString('utf8'));
    assert.deepEqual(Object.keys(parsed).filter((k) => !['code', 'message', 'details'].includes(k)), [],
      `${what}: a JSON Status has only code, message and details: ${body}`);
    assert.equal(typeof parsed.code, 'number', `${what}: JSON Status code is an integer: ${body}`);
  }
  const st = errorStatus(res);
  if (Array.isArray(code)) assert.ok(code.includes(st.code), `${what}: Status code ${st.code}, expected one of ${code}`);
  else assert.equal(st.code, code, `${what}: Status code (message: ${st.message})`);
  assert.match(st.message, message, `${what}: Status message`);
  return st;
}

describe('bad requests on the OTLP/HTTP receiver', { timeout: 180_000 }, () => {
  let backend;
  let daemon;
  let tracesUrl;
  const validSpanIds = [];
  const refusedSpanIds = [];
  const expectedRejections = { invalid_argument: 0, too_large: 0, unsupported_media_type: 0, not_found: 0 };

  before(async () => {
    backend = await startPeer();
    daemon = await startDaemon(renderConfig({
      http: {
        max_request_body_size: '256KiB',
        cors: { allowed_origins: [ALLOWED_ORIGIN, 'https://*.tenant.example'], max_age: 600 },
      },
      signals: ['traces', 'logs', 'metrics'],
      batch: null,
      exporters: [{ id: 'otlp/peer', port: backend.port }],
    }));
    tracesUrl = daemon.httpUrl('/v1/traces');
  });

  after(async () => {
    await daemon?.kill();
    await backend?.close();
  });

  const post = (body, headers, url = tracesUrl) => httpRequest(url, { headers, body });

  // A valid protobuf export right after a bad request is answered 200 with an empty
  // ExportTraceServiceResponse and reaches the backend.
  async function assertStillServes(tag) {
    const { request, spanIds } = smallRequest(3, tag);
    const res = await post(encodeTraceRequest(request), { 'content-type': PROTOBUF });
    assert.equal(res.status, 200, `valid export after ${tag}: ${res.body}\n${daemon.describe()}`);
    assert.equal(res.headers['content-type'], PROTOBUF);
    assert.equal(res.body.length, 0, 'an empty ExportTraceServiceResponse: all accepted');
    validSpanIds.push(...spanIds);
    await backend.waitForSpanIds(spanIds, 15_000);
  }

  it('garbage protobuf -> 400 INVALID_ARGUMENT, protobuf Status', async () => {
    const garbage = Buffer.from([0x0f, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
    assert.throws(() => decodeTraceRequest(garbage), 'the payload is really undecodable');
    const res = await post(garbage, { 'content-type': PROTOBUF });
    expectedRejections.invalid_argument++;
    assertError(res, { status: 400, type: PROTOBUF, code: INVALID_ARGUMENT, message: /traces/ }, 'garbage');
    await assertStillServes('after-garbage');
  });

  it('truncated protobuf -> 400, none of its spans delivered', async () => {
    const { request, spanIds } = smallRequest(5, 'truncated');
    const full = encodeTraceRequest(request);
    const truncated = full.subarray(0, full.length - 10);
    assert.throws(() => decodeTraceRequest(truncated), 'the payload is really undecodable');
    const res = await post(truncated, { 'content-type': PROTOBUF });
    expectedRejections.invalid_argument++;
    refusedSpanIds.push(...spanIds);
    assertError(res, { status: 400, type: PROTOBUF, code: INVALID_ARGUMENT, message: /./ }, 'truncated');
    await assertStillServes('after-truncated');
  });

  it('JSON that does not parse -> 400 INVALID_ARGUMENT, JSON Status', async () => {
    const res = await post('{"resourceSpans": [{"scopeSpans": [', { 'content-type': JSON_TYPE });
    expectedRejections.invalid_argument++;
    assertError(res, { status: 400, type: JSON_TYPE, code: INVALID_ARGUMENT, message: /JSON/ }, 'bad JSON');
    await assertStillServes('after-bad-json');
  });

  it('JSON of the wrong shape (resourceSpans an object) -> 400', async () => {
    const res = await post('{"resourceSpans": {"scopeSpans": []}}', { 'content-type': JSON_TYPE });
    expectedRejections.invalid_argument++;
    assertError(res, { status: 400, type: JSON_TYPE, code: INVALID_ARGUMENT, message: /resource_?spans/i }, 'wrong shape');
    await assertStillServes('after-wrong-shape');
  });

  it('JSON with a trace ID that is not hex -> 400 naming the field, none of its spans delivered', async () => {
    const good = randomId(8).toString('hex');
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [
      { traceId: randomId(16).toString('hex'), spanId: good, name: 'valid sibling' },
      { traceId: `${'g'.repeat(2)}${randomId(15).toString('hex')}`, spanId: randomId(8).toString('hex'), name: 'bad id' },
    ] }] }] });
    const res = await post(body, { 'content-type': JSON_TYPE });
    expectedRejections.invalid_argument++;
    refusedSpanIds.push(good);
    assertError(res, { status: 400, type: JSON_TYPE, code: INVALID_ARGUMENT, message: /trace_?id/i }, 'invalid hex');
    await assertStillServes('after-invalid-hex');
  });

  it('protobuf sent as application/json -> 400 (the Content-Type decides the decoder)', async () => {
    const { request, spanIds } = smallRequest(2, 'protobuf-as-json');
    const res = await post(encodeTraceRequest(request), { 'content-type': JSON_TYPE });
    expectedRejections.invalid_argument++;
    refusedSpanIds.push(...spanIds);
    assertError(res, { status: 400, type: JSON_TYPE, code: INVALID_ARGUMENT, message: /./ }, 'protobuf as JSON');
    await assertStillServes('after-protobuf-as-json');
  });

  it('a Content-Encoding: gzip body that is not gzip -> 400', async () => {
    const { request, spanIds } = smallRequest(2, 'not-gzip');
    const res = await post(encodeTraceRequest(request), { 'content-type': PROTOBUF, 'content-encoding': 'gzip' });
    expectedRejections.invalid_argument++;
    refusedSpanIds.push(...spanIds);
    assertError(res, { status: 400, type: PROTOBUF, code: INVALID_ARGUMENT, message: /gzip/ }, 'not gzip');
    await assertStillServes('after-not-gzip');
  });

  it('Content-Encoding: deflate (zlib) is inflated; gzip with bytes after its end -> 400', async () => {
    const { request, spanIds } = smallRequest(2, 'deflate');
    const res = await post(zlib.deflateSync(encodeTraceRequest(request)), { 'content-type': PROTOBUF, 'content-encoding': 'deflate' });
    assert.equal(res.status, 200, `deflate body: ${res.body}`);
    validSpanIds.push(...spanIds);
    await backend.waitForSpanIds(spanIds, 15_000);

    const trailing = smallRequest(2, 'gzip-trailing');
    const body = Buffer.concat([zlib.gzipSync(encodeTraceRequest(trailing.request)), Buffer.from('junk')]);
    const bad = await post(body, { 'content-type': PROTOBUF, 'content-encoding': 'gzip' });
    expectedRejections.invalid_argument++;
    refusedSpanIds.push(...trailing.spanIds);
    assertError(bad, { status: 400, type: PROTOBUF, code: INVALID_ARGUMENT, message: /gzip/ }, 'gzip + junk');
    await assertStillServes('after-gzip-junk');
  });

  it('garbage on /v1/logs and /v1/metrics -> 400 naming the signal', async () => {
    const logs = await post(Buffer.from([0x0f, 0x01]), { 'content-type': PROTOBUF }, daemon.httpUrl('/v1/logs'));
    expectedRejections.invalid_argument++;
    assertError(logs, { status: 400, type: PROTOBUF, code: INVALID_ARGUMENT, message: /logs/ }, '/v1/logs garbage');
    const metrics = await post('{"resourceMetrics": 7}', { 'content-type': JSON_TYPE }, daemon.httpUrl('/v1/metrics'));
    expectedRejections.invalid_argument++;
    assertError(metrics, { status: 400, type: JSON_TYPE, code: INVALID_ARGUMENT, message: /metrics/ }, '/v1/metrics bad JSON');
    await assertStillServes('after-logs-metrics-garbage');
  });

  it('a body of exactly max_request_body_size is accepted, plain and gzip-decompressed', async () => {
    const plain = requestOfSize(LIMIT, 'exactly-at-limit');
    const res = await post(plain.bytes, { 'content-type': PROTOBUF });
    assert.equal(res.status, 200, `${res.body}\n${daemon.describe()}`);
    validSpanIds.push(...plain.spanIds);
    await backend.waitForSpanIds(plain.spanIds, 15_000);

    const inflated = requestOfSize(LIMIT, 'gzip-exactly-at-limit');
    const gz = await post(zlib.gzipSync(inflated.bytes), { 'content-type': PROTOBUF, 'content-encoding': 'gzip' });
    assert.equal(gz.status, 200, `${gz.body}\n${daemon.describe()}`);
    validSpanIds.push(...inflated.spanIds);
    await backend.waitForSpanIds(inflated.spanIds, 15_000);
  });

  it('Content-Length one byte above max_request_body_size -> 413 RESOURCE_EXHAUSTED', async () => {
    const { bytes, spanIds } = requestOfSize(LIMIT + 1, 'content-length-too-large');
    const res = await post(bytes, { 'content-type': PROTOBUF });
    expectedRejections.too_large++;
    refusedSpanIds.push(...spanIds);
    assertError(res, { status: 413, type: PROTOBUF, code: RESOURCE_EXHAUSTED, message: /max_request_body_size/ }, 'Content-Length');
    await assertStillServes('after-413-content-length');
  });

  it('a chunked body without Content-Length that grows past the limit -> 413', async () => {
    const { bytes, spanIds } = requestOfSize(LIMIT + 1, 'chunked-too-large');
    const chunks = [];
    for (let off = 0; off < bytes.length; off += 16 * 1024) chunks.push(bytes.subarray(off, off + 16 * 1024));
    const res = await httpRequest(tracesUrl, { headers: { 'content-type': JSON_TYPE }, chunks });
    expectedRejections.too_large++;
    refusedSpanIds.push(...spanIds);
    assertError(res, { status: 413, type: JSON_TYPE, code: RESOURCE_EXHAUSTED, message: /max_request_body_size/ }, 'chunked');
    await assertStillServes('after-413-chunked');
  });

  it('a gzip bomb (60 KiB that inflates to 64 MiB) -> 413, and one byte over the limit after inflating -> 413', async () => {
    const { request, spanIds } = smallRequest(1, 'gzip-bomb', { attributeBytes: 64 * 1024 * 1024 });
    const bomb = zlib.gzipSync(encodeTraceRequest(request), { level: 9 });
    assert.ok(bomb.length < LIMIT, `the compressed body (${bomb.length} bytes) is under the limit`);
    const res = await post(bomb, { 'content-type': PROTOBUF, 'content-encoding': 'gzip' });
    expectedRejections.too_large++;
    refusedSpanIds.push(...spanIds);
    assertError(res, { status: 413, type: PROTOBUF, code: RESOURCE_EXHAUSTED, message: /max_request_body_size/ }, 'gzip bomb');

    const over = requestOfSize(LIMIT + 1, 'gzip-one-over');
    const res2 = await post(zlib.gzipSync(over.bytes), { 'content-type': PROTOBUF, 'content-encoding': 'gzip' });
    expectedRejections.too_large++;
    refusedSpanIds.push(...over.spanIds);
    assertError(res2, { status: 413, type: PROTOBUF, code: RESOURCE_EXHAUSTED, message: /max_request_body_size/ }, 'gzip one over');
    await assertStillServes('after-gzip-bomb');
  });

  it('Content-Type: text/plain -> 415 with a protobuf Status naming the accepted types', async () => {
    const { request, spanIds } = smallRequest(1, 'text-plain');
    const res = await post(encodeTraceRequest(request), { 'content-type': 'text/plain' });
    expectedRejections.unsupported_media_type++;
    refusedSpanIds.push(...spanIds);
    assertError(res, { status: 415, type: PROTOBUF, code: INVALID_ARGUMENT,
      message: /application\/x-protobuf.*application\/json/ }, 'text/plain');
    await assertStillServes('after-415-text-plain');
  });

  it('Content-Encoding: br -> 415 in the request\'s encoding', async () => {
    const res = await post(zlib.brotliCompressSync(Buffer.from('{}')), { 'content-type': JSON_TYPE, 'content-encoding': 'br' });
    expectedRejections.unsupported_media_type++;
    assertError(res, { status: 415, type: JSON_TYPE, code: INVALID_ARGUMENT, message: /gzip/ }, 'br');
    await assertStillServes('after-415-br');
  });

  it('GET and PUT -> 405 with Allow: POST', async () => {
    const get = await httpRequest(tracesUrl, { method: 'GET' });
    assertError(get, { status: 405, type: PROTOBUF, code: UNIMPLEMENTED, message: /POST/ }, 'GET');
    assert.match(get.headers.allow ?? '', /\bPOST\b/, 'Allow header');
    const put = await httpRequest(tracesUrl, { method: 'PUT', headers: { 'content-type': JSON_TYPE }, body: '{}' });
    assertError(put, { status: 405, type: JSON_TYPE, code: UNIMPLEMENTED, message: /POST/ }, 'PUT');
    assert.match(put.headers.allow ?? '', /\bPOST\b/, 'Allow header');
    await assertStillServes('after-405');
  });

  it('POST /v1/foo -> 404 with a Status naming the OTLP paths', async () => {
    const { request, spanIds } = smallRequest(1, 'wrong-path');
    const res = await post(encodeTraceRequest(request), { 'content-type': PROTOBUF }, daemon.httpUrl('/v1/foo'));
    expectedRejections.not_found++;
    refusedSpanIds.push(...spanIds);
    // NOT_FOUND, or UNIMPLEMENTED as gRPC maps HTTP 404.
    assertError(res, { status: 404, type: PROTOBUF, code: [NOT_FOUND, UNIMPLEMENTED], message: /\/v1\/traces/ }, '/v1/foo');
    await assertStillServes('after-404');
  });

  it('CORS preflight from an allowed origin gets the Access-Control headers', async () => {
    for (const origin of [ALLOWED_ORIGIN, 'https://eu.tenant.example']) {
      const res = await httpRequest(tracesUrl, { method: 'OPTIONS', headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-request-id',
      } });
      assert.equal(res.status, 204, origin);
      assert.equal(res.headers['access-control-allow-origin'], origin, origin);
      assert.match(res.headers['access-control-allow-methods'] ?? '', /\bPOST\b/, origin);
      assert.deepEqual((res.headers['access-control-allow-headers'] ?? '').toLowerCase().split(/\s*,\s*/).sort(),
        ['content-type', 'x-request-id'], origin);
      assert.equal(res.headers['access-control-max-age'], '600', origin);
      assert.match(res.headers.vary ?? '', /\bOrigin\b/i, origin);
    }
  });

  it('CORS preflight from another origin gets no Access-Control headers', async () => {
    for (const origin of ['https://evil.example.com', 'https://tenant.example', 'http://app.example.com']) {
      const res = await httpRequest(tracesUrl, { method: 'OPTIONS', headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      } });
      assert.ok(res.status < 500, `${origin}: ${res.status}`);
      const cors = Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));
      assert.deepEqual(cors, [], `${origin}: no Access-Control-* headers`);
    }
  });

  it('POST from an allowed origin carries Access-Control-Allow-Origin, on success and on error; from another origin it does not', async () => {
    const { request, spanIds } = smallRequest(2, 'cors-post');
    const ok = await post(encodeTraceRequest(request), { 'content-type': PROTOBUF, origin: ALLOWED_ORIGIN });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
    validSpanIds.push(...spanIds);
    await backend.waitForSpanIds(spanIds, 15_000);

    const bad = await post('{', { 'content-type': JSON_TYPE, origin: ALLOWED_ORIGIN });
    expectedRejections.invalid_argument++;
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['access-control-allow-origin'], ALLOWED_ORIGIN, 'a browser can read the error');

    const other = smallRequest(2, 'cors-post-other-origin');
    const res = await post(encodeTraceRequest(other.request), { 'content-type': PROTOBUF, origin: 'https://evil.example.com' });
    assert.equal(res.status, 200, 'CORS is the browser\'s business: the data is taken');
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    validSpanIds.push(...other.spanIds);
    await backend.waitForSpanIds(other.spanIds, 15_000);
  });

  it('exactly the valid spans reached the backend', async () => {
    await sleep(500);
    const arrived = backend.spans().map(spanKey);
    assert.equal(new Set(arrived).size, arrived.length, `no span arrived twice\n${daemon.describe()}`);
    for (const id of refusedSpanIds) assert.ok(!arrived.includes(id), `span ${id} of a refused request was delivered`);
    assert.deepEqual([...arrived].sort(), [...validSpanIds].sort());
  });

  it('/metrics counts the accepted spans and every refused request by reason', async () => {
    const m = await eventually(() => daemon.metrics(),
      (x) => x.get('otelcol_exporter_sent_spans', { exporter: 'otlp/peer' }) === validSpanIds.length);
    assert.equal(m.get('otelcol_receiver_accepted_spans', HTTP_RECEIVER), validSpanIds.length, m.text);
    for (const [reason, n] of Object.entries(expectedRejections)) {
      assert.equal(m.get(REJECTED, { ...HTTP_RECEIVER, reason }), n, `${reason}\n${m.text}`);
    }
    assert.equal(m.get(REJECTED, { ...HTTP_RECEIVER, reason: 'unavailable' }), 0, m.text);
  });

  it('stops with exit code 0', async () => {
    assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
  });
});

test('span and trace IDs of the wrong length -> 400 / INVALID_ARGUMENT, protobuf, JSON and gRPC; the valid spans beside them are not delivered', { timeout: 60_000 }, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({ http: {}, batch: null, exporters: [{ id: 'otlp/peer', port: backend.port }] }));
  t.after(() => daemon.kill());
  const url = daemon.httpUrl('/v1/traces');
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());

  // OTLP: a trace ID is 16 bytes and a span ID 8 (empty means absent); a backend refuses the whole
  // batch when one span breaks that, so the collector must refuse the request that carried it.
  const cases = [
    { what: '15-byte trace_id', traceId: randomId(15), spanId: randomId(8) },
    { what: '17-byte trace_id', traceId: randomId(17), spanId: randomId(8) },
    { what: '7-byte span_id', traceId: randomId(16), spanId: randomId(7) },
    { what: '9-byte parent_span_id', traceId: randomId(16), spanId: randomId(8), parentSpanId: randomId(9) },
  ];
  const refused = [];
  const answers = [];
  for (const c of cases) {
    const { request, spanIds } = smallRequest(2, `wrong-length ${c.what}`);
    const bad = request.resource_spans[0].scope_spans[0].spans[1];
    bad.trace_id = c.traceId;
    bad.span_id = c.spanId;
    if (c.parentSpanId) bad.parent_span_id = c.parentSpanId;
    refused.push(spanIds[0]);
    const pb = await httpRequest(url, { headers: { 'content-type': PROTOBUF }, body: encodeTraceRequest(request) });
    answers.push({ case: c.what, via: 'HTTP protobuf', got: `${pb.status} ${pb.status === 200 ? '' : errorStatus(pb).code}`.trim(), want: `400 ${INVALID_ARGUMENT}` });

    const span = (s) => ({ traceId: s.trace_id.toString('hex'), spanId: s.span_id.toString('hex'),
      ...(s.parent_span_id ? { parentSpanId: s.parent_span_id.toString('hex') } : {}), name: s.name });
    const json = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: request.resource_spans[0].scope_spans[0].spans.map(span) }] }] });
    const js = await httpRequest(url, { headers: { 'content-type': JSON_TYPE }, body: json });
    answers.push({ case: c.what, via: 'HTTP JSON', got: `${js.status} ${js.status === 200 ? '' : errorStatus(js).code}`.trim(), want: `400 ${INVALID_ARGUMENT}` });

    const g = await client.exportTraces(request);
    answers.push({ case: c.what, via: 'gRPC', got: statusName(g.code), want: 'INVALID_ARGUMENT' });
  }
  await sleep(500);
  const wrong = answers.filter((a) => a.got !== a.want);
  assert.deepEqual(wrong, [], `answers that are not a refusal:\n${wrong.map((a) => `  ${a.case} via ${a.via}: ${a.got}`).join('\n')}`);
  const arrived = backend.spans().map(spanKey);
  assert.deepEqual(arrived.filter((id) => refused.includes(id)), [], 'no span of a refused request was delivered');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a full sending queue answers 503 with Retry-After and a Status; exactly the accepted requests arrive later', { timeout: 120_000 }, async (t) => {
  const port = await reservePort();
  const queue = { queue_size: 1, num_consumers: 1 };
  const daemon = await startDaemon(renderConfig({
    http: {},
    batch: null,
    exporters: [{ id: 'otlp/peer', port, queue, retry: { initial_interval: '100ms', max_interval: '500ms', max_elapsed_time: '60s' } }],
  }));
  t.after(() => daemon.kill());
  const url = daemon.httpUrl('/v1/traces');

  const spansPerRequest = 4;
  const accepted = [];
  const refused = [];
  let unavailable = 0;
  for (let i = 0; i < 8; i++) {
    const json = i % 2 === 1;
    const { request, spanIds } = smallRequest(spansPerRequest, `queue-full-${i}`);
    const body = json
      ? JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: request.resource_spans[0].scope_spans[0].spans.map((s) => ({
        traceId: s.trace_id.toString('hex'), spanId: s.span_id.toString('hex'), name: s.name,
        startTimeUnixNano: s.start_time_unix_nano, endTimeUnixNano: s.end_time_unix_nano })) }] }] })
      : encodeTraceRequest(request);
    const res = await httpRequest(url, { headers: { 'content-type': json ? JSON_TYPE : PROTOBUF }, body });
    if (res.status === 200) {
      accepted.push(...spanIds);
      continue;
    }
    unavailable++;
    refused.push(...spanIds);
    assertError(res, { status: 503, type: json ? JSON_TYPE : PROTOBUF, code: UNAVAILABLE, message: /./ }, `request ${i}`);
    assert.equal(res.headers['retry-after'], '1', `request ${i}: Retry-After`);
  }
  assert.ok(accepted.length > 0, 'the first requests fit in the queue');
  assert.ok(unavailable >= 2, `8 requests with queue_size 1 and the backend down: several are refused (${unavailable})\n${daemon.describe()}`);
  assert.ok(accepted.length <= (queue.queue_size + queue.num_consumers) * spansPerRequest,
    `accepted ${accepted.length / spansPerRequest} requests; queue_size ${queue.queue_size} + ${queue.num_consumers} in flight`);

  const m = await daemon.metrics();
  assert.equal(m.get('otelcol_receiver_accepted_spans', HTTP_RECEIVER), accepted.length, m.text);
  assert.equal(m.get('otelcol_receiver_refused_spans', { ...HTTP_RECEIVER, reason: 'queue_full' }), refused.length, m.text);
  assert.equal(m.get(REJECTED, { ...HTTP_RECEIVER, reason: 'unavailable' }), unavailable, m.text);

  const backend = await startPeer({ port });
  t.after(() => backend.close());
  await backend.waitForSpanIds(accepted, 30_000);

  // Once drained, the queue takes new data again.
  const after = smallRequest(spansPerRequest, 'after-recovery');
  const res = await eventually(
    () => httpRequest(url, { headers: { 'content-type': PROTOBUF }, body: encodeTraceRequest(after.request) }),
    (r) => r.status === 200, { timeoutMs: 10_000, intervalMs: 200 });
  assert.equal(res.status, 200, `export after recovery: ${res.status} ${res.body}`);
  await backend.waitForSpanIds(after.spanIds, 15_000);
  await sleep(1000);
  const arrived = backend.spans().map(spanKey);
  assert.equal(new Set(arrived).size, arrived.length, 'no span delivered twice');
  assert.deepEqual([...arrived].sort(), [...accepted, ...after.spanIds].sort(), 'exactly the spans answered 200 were delivered');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
