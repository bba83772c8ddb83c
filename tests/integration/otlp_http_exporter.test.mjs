// The otlp_http exporter delivers to an OTLP/HTTP backend (a real node:http or node:http2 server
// here) what the collector received: protobuf bodies on /v1/traces, /v1/logs and /v1/metrics under
// the configured endpoint, gzip when asked, the configured headers, HTTP/2 with prior knowledge;
// it retries 429/502/503/504, waits at least what Retry-After asks, gives up on a slow backend
// after `timeout`, and its sending queue turns a dead backend into backpressure, not loss.
// Skipped until `genai-collector components` lists the exporter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import grpc from '@grpc/grpc-js';
import { startDaemon, runCli, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey, reservePort, dataPointCount } from './lib/peer.mjs';
import { startHttpPeer } from './lib/http_peer.mjs';
import { RawClient, statusName } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';
import { createProvider, otlpExporter, emitCatalog, emitSimpleSpans, assertSpanMatches } from './lib/spans.mjs';
import { createLoggerProvider, logExporter, emitLogCatalog, assertLogMatches, logKey } from './lib/logs.mjs';
import { TeeMetricExporter, metricExporter, createMeterProvider, createInstruments, recordMetricRound, assertMetricMatches,
  METRIC_NAMES } from './lib/metrics.mjs';

const { stdout: components } = await runCli(['components']);
const SKIP = /^\s+otlp_http\b/m.test(components) ? false
  : 'the otlp_http exporter is not built yet (`genai-collector components` does not list it)';
const OPTS = { timeout: 120_000, skip: SKIP };
const HTTP_EXPORTER = 'otlp_http/peer';
const FAST_RETRY = { initial_interval: '100ms', max_interval: '200ms', max_elapsed_time: '60s' };

// An otlp_http exporter entry for renderConfig.
function httpExporter(peer, { id = HTTP_EXPORTER, endpoint = peer.url, compression = 'none', ...rest } = {}) {
  return { id, endpoint, tls: false, compression, ...rest };
}

async function daemonWith(t, exporters, { batch, signals = ['traces'] } = {}) {
  const daemon = await startDaemon(renderConfig({ exporters, batch, signals }));
  t.after(() => daemon.kill());
  return daemon;
}

// Awaits `promise`; a rejection carries the daemon's log.
async function withLog(daemon, promise) {
  try {
    return await promise;
  } catch (err) {
    err.message += `\n${daemon.describe()}`;
    throw err;
  }
}

function byKey(entries, key, what) {
  const map = new Map();
  for (const e of entries) {
    const k = key(e);
    assert.ok(!map.has(k), `${what}: ${k} arrived more than once`);
    map.set(k, e);
  }
  return map;
}

// Sends `count` spans over gRPC to the daemon; returns their IDs (hex).
async function sendSpans(daemon, count, tag) {
  const client = new RawClient(daemon.grpcAddress());
  try {
    const { request, spanIds } = smallRequest(count, tag);
    const res = await client.exportTraces(request);
    assert.equal(res.code, grpc.status.OK, `${tag}: ${statusName(res.code)} ${res.details}\n${daemon.describe()}`);
    return spanIds;
  } finally {
    client.close();
  }
}

test('SDK spans reach an HTTP/1.1 backend field for field, in the same bytes the otlp exporter sends', OPTS, async (t) => {
  const httpPeer = await startHttpPeer();
  t.after(() => httpPeer.close());
  const grpcPeer = await startPeer();
  t.after(() => grpcPeer.close());
  const direct = await startPeer();
  t.after(() => direct.close());
  const daemon = await daemonWith(t, [httpExporter(httpPeer), { id: 'otlp/peer', port: grpcPeer.port }]);

  const toCollector = otlpExporter(daemon.grpcAddress());
  const toDirect = otlpExporter(direct.address);
  const provider = createProvider([toCollector, toDirect]);
  const specs = [...emitCatalog(provider, 'otlp-http'), ...emitSimpleSpans(provider, 300, 'otlp-http')];
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(toCollector.failures(), [], daemon.describe());

  await withLog(daemon, httpPeer.waitFor('traces', (s) => s.length >= specs.length, 20_000));
  await grpcPeer.waitForSpans(specs.length, 20_000);
  await sleep(500);
  const via = byKey(httpPeer.spans(), spanKey, 'via otlp_http');
  const straight = byKey(direct.spans(), spanKey, 'direct');
  assert.equal(via.size, specs.length);
  for (const spec of specs) {
    assertSpanMatches(via.get(spec.spanId), spec);
    assert.deepEqual(via.get(spec.spanId), straight.get(spec.spanId), `span "${spec.name}" differs from the direct copy`);
  }
  for (const r of httpPeer.requests) {
    assert.equal(r.httpVersion, '1.1');
    assert.equal(r.headers['content-type'], 'application/x-protobuf');
    assert.equal(r.headers['content-encoding'] ?? 'identity', 'identity', 'compression: none sends the body as is');
    assert.deepEqual(r.raw, r.body);
  }
  assert.deepEqual(httpPeer.attempts.map((a) => `${a.method} ${a.path}`), httpPeer.requests.map(() => 'POST /v1/traces'));
  // Both exporters got the same batches: the HTTP bodies are the gRPC messages, byte for byte.
  const hex = (list) => list.map((b) => b.toString('hex')).sort();
  assert.deepEqual(hex(httpPeer.requests.map((r) => r.body)), hex(grpcPeer.traceRequests().map((r) => r.raw)));

  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', { exporter: HTTP_EXPORTER }) === specs.length);
  assert.equal(m.get('otelcol_exporter_sent_spans', { exporter: HTTP_EXPORTER }), specs.length, m.text);
  assert.equal(m.get('otelcol_exporter_send_failed_spans', { exporter: HTTP_EXPORTER }), 0, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('compression: gzip sends Content-Encoding: gzip bodies that inflate to the protobuf request', OPTS, async (t) => {
  const peer = await startHttpPeer();
  t.after(() => peer.close());
  const daemon = await daemonWith(t, [httpExporter(peer, { compression: 'gzip' })]);
  const ids = await sendSpans(daemon, 50, 'otlp-http-gzip');
  await withLog(daemon, peer.waitForSpanIds(ids, 15_000));
  assert.ok(peer.requests.length > 0);
  for (const r of peer.requests) {
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.deepEqual(zlib.gunzipSync(r.raw), r.body);
    assert.ok(r.raw.length < r.body.length, 'the body is really compressed');
  }
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('log records and metrics go to /v1/logs and /v1/metrics under an endpoint with a path, unchanged', OPTS, async (t) => {
  const peer = await startHttpPeer({ prefix: '/otlp' });
  t.after(() => peer.close());
  const direct = await startPeer();
  t.after(() => direct.close());
  const daemon = await daemonWith(t, [httpExporter(peer, { endpoint: `http://127.0.0.1:${peer.port}/otlp` })],
    { signals: ['traces', 'logs', 'metrics'] });

  const logsToCollector = logExporter('grpc', daemon.grpcAddress());
  const loggers = createLoggerProvider([logsToCollector, logExporter('grpc', direct.address)]);
  const logSpecs = emitLogCatalog(loggers, 'otlp-http-logs');
  await loggers.forceFlush();
  await loggers.shutdown();
  assert.deepEqual(logsToCollector.failures(), [], daemon.describe());

  const tee = new TeeMetricExporter([metricExporter('grpc', daemon.grpcAddress()), metricExporter('grpc', direct.address)]);
  const { provider, reader } = createMeterProvider(tee);
  const rounds = [recordMetricRound(createInstruments(provider), 0)];
  await reader.forceFlush();
  assert.deepEqual(tee.failures(0), [], daemon.describe());

  const ids = logSpecs.map((s) => s.id);
  await withLog(daemon, peer.waitFor('logs', (e) => { const seen = new Set(e.map(logKey)); return ids.every((id) => seen.has(id)); }, 20_000));
  await withLog(daemon, peer.waitFor('metrics', (e) => METRIC_NAMES.every((n) => e.some((x) => x.metric.name === n)), 20_000));
  await sleep(500);
  const logs = byKey(peer.logRecords(), logKey, 'logs via otlp_http');
  const directLogs = byKey(direct.logRecords(), logKey, 'direct logs');
  for (const spec of logSpecs) {
    assertLogMatches(logs.get(spec.id), spec);
    assert.deepEqual(logs.get(spec.id), directLogs.get(spec.id), `log record ${spec.id}`);
  }
  const metrics = byKey(peer.metrics(), (e) => e.metric.name, 'metrics via otlp_http');
  const directMetrics = byKey(direct.metrics(), (e) => e.metric.name, 'direct metrics');
  for (const name of METRIC_NAMES) {
    assertMetricMatches(metrics.get(name), rounds, 'cumulative');
    assert.deepEqual(metrics.get(name), directMetrics.get(name), `metric ${name}`);
  }
  const paths = new Set(peer.attempts.map((a) => `${a.method} ${a.path}`));
  assert.deepEqual([...paths].sort(), ['POST /otlp/v1/logs', 'POST /otlp/v1/metrics']);

  const points = [...directMetrics.values()].reduce((n, e) => n + dataPointCount(e.metric), 0);
  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_metric_points', { exporter: HTTP_EXPORTER }) === points);
  assert.equal(m.get('otelcol_exporter_sent_log_records', { exporter: HTTP_EXPORTER }), logSpecs.length, m.text);
  assert.equal(m.get('otelcol_exporter_sent_metric_points', { exporter: HTTP_EXPORTER }), points, m.text);
  await provider.shutdown();
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('configured headers are on every request; the otlphttp alias works', OPTS, async (t) => {
  const peer = await startHttpPeer();
  t.after(() => peer.close());
  const headers = { 'X-Scope-OrgID': 'team-a', Authorization: '"Bearer s3cr3t-t0ken"' };
  const daemon = await daemonWith(t, [httpExporter(peer, { id: 'otlphttp/alias', headers })]);
  const ids = [...await sendSpans(daemon, 5, 'headers-1'), ...await sendSpans(daemon, 5, 'headers-2')];
  await withLog(daemon, peer.waitForSpanIds(ids, 15_000));
  assert.ok(peer.requests.length > 0);
  for (const r of peer.requests) {
    assert.equal(r.headers['x-scope-orgid'], 'team-a');
    assert.equal(r.headers.authorization, 'Bearer s3cr3t-t0ken');
  }
  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', { exporter: 'otlphttp/alias' }) === ids.length);
  assert.equal(m.get('otelcol_exporter_sent_spans', { exporter: 'otlphttp/alias' }), ids.length, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('traces_endpoint, a full URL with a query, overrides endpoint for traces', OPTS, async (t) => {
  const peer = await startHttpPeer({ prefix: '/tenant-a' });
  t.after(() => peer.close());
  const daemon = await daemonWith(t, [httpExporter(peer, {
    endpoint: `http://127.0.0.1:${peer.port}/tenant-a`,
    options: { traces_endpoint: `http://127.0.0.1:${peer.port}/tenant-a/v1/traces?via=override` },
  })]);
  const ids = await sendSpans(daemon, 3, 'traces-endpoint');
  await withLog(daemon, peer.waitForSpanIds(ids, 15_000));
  assert.deepEqual(peer.attempts.map((a) => `${a.method} ${a.path}`), ['POST /tenant-a/v1/traces?via=override']);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

for (const status of [429, 502, 503, 504]) {
  test(`HTTP ${status} is retried until the batch is delivered once`, OPTS, async (t) => {
    const peer = await startHttpPeer();
    t.after(() => peer.close());
    peer.failNext(2, status);
    const daemon = await daemonWith(t, [httpExporter(peer, { retry: FAST_RETRY })], { batch: null });
    const ids = await sendSpans(daemon, 10, `status-${status}`);
    await withLog(daemon, peer.waitForSpanIds(ids, 20_000));
    await sleep(1000);
    assert.deepEqual(peer.attempts.map((a) => a.status), [status, status, 200]);
    assert.deepEqual(peer.spans().map(spanKey).sort(), [...ids].sort());
    const m = await eventually(() => daemon.metrics(),
      (x) => x.get('otelcol_exporter_sent_spans', { exporter: HTTP_EXPORTER }) === ids.length);
    assert.equal(m.get('otelcol_exporter_send_failed_spans', { exporter: HTTP_EXPORTER }), 0, m.text);
    assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
  });
}

test('Retry-After is honoured: the retry waits at least that long, even with a short backoff', OPTS, async (t) => {
  const peer = await startHttpPeer();
  t.after(() => peer.close());
  peer.failNext(1, 503, { retryAfter: 2 });
  peer.failNext(1, 429, { retryAfter: 1 });
  const daemon = await daemonWith(t, [httpExporter(peer, { retry: FAST_RETRY })], { batch: null });
  const ids = await sendSpans(daemon, 3, 'retry-after');
  await withLog(daemon, peer.waitForSpanIds(ids, 20_000));
  const [a, b, c] = peer.attempts;
  assert.deepEqual(peer.attempts.map((x) => x.status), [503, 429, 200]);
  assert.ok(b.at - a.at >= 2000, `retry after "Retry-After: 2" came ${b.at - a.at} ms later\n${daemon.describe()}`);
  assert.ok(c.at - b.at >= 1000, `retry after "Retry-After: 1" came ${c.at - b.at} ms later\n${daemon.describe()}`);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a Retry-After given as an HTTP date is honoured', OPTS, async (t) => {
  const peer = await startHttpPeer();
  t.after(() => peer.close());
  const daemon = await daemonWith(t, [httpExporter(peer, { retry: FAST_RETRY })], { batch: null });
  const until = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
  peer.failNext(1, 503, { retryAfter: until.toUTCString() });
  const ids = await sendSpans(daemon, 3, 'retry-after-date');
  await withLog(daemon, peer.waitForSpanIds(ids, 20_000));
  const [a, b] = peer.attempts;
  assert.deepEqual(peer.attempts.map((x) => x.status), [503, 200]);
  assert.ok(b.at >= until.getTime() - 5, `retried at ${new Date(b.at).toISOString()}, before ${until.toISOString()} (first try ${new Date(a.at).toISOString()})`);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a permanent error (400) is not retried, and the lost spans are counted', OPTS, async (t) => {
  const peer = await startHttpPeer();
  t.after(() => peer.close());
  peer.failNext(1, 400, { message: 'backend refuses this batch' });
  const daemon = await daemonWith(t, [httpExporter(peer, { retry: FAST_RETRY })], { batch: null });
  const lost = await sendSpans(daemon, 4, 'permanent');
  const m1 = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_send_failed_spans', { exporter: HTTP_EXPORTER }) === lost.length);
  assert.equal(m1.get('otelcol_exporter_send_failed_spans', { exporter: HTTP_EXPORTER }), lost.length, m1.text);
  const later = await sendSpans(daemon, 6, 'after-permanent');
  await withLog(daemon, peer.waitForSpanIds(later, 15_000));
  await sleep(1000);
  assert.deepEqual(peer.attempts.map((a) => a.status), [400, 200], 'the refused batch was sent once');
  assert.deepEqual(peer.spans().map(spanKey).sort(), [...later].sort());
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a partial-success answer is counted and the batch is not resent', OPTS, async (t) => {
  const peer = await startHttpPeer();
  t.after(() => peer.close());
  peer.partialNext(2, 'two spans were too old');
  const daemon = await daemonWith(t, [httpExporter(peer)], { batch: null });
  const ids = await sendSpans(daemon, 5, 'partial');
  await withLog(daemon, peer.waitForSpanIds(ids, 15_000));
  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('genai_collector_exporter_rejected_spans_total', { exporter: HTTP_EXPORTER }) === 2);
  assert.equal(m.get('genai_collector_exporter_rejected_spans_total', { exporter: HTTP_EXPORTER }), 2, m.text);
  await daemon.waitForLog(/two spans were too old/, { timeoutMs: 5000 });
  await sleep(500);
  assert.equal(peer.attempts.length, 1, 'a partial success is final: nothing is resent');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('timeout: an answer slower than `timeout` is given up and the batch is sent again', OPTS, async (t) => {
  const peer = await startHttpPeer();
  t.after(() => peer.close());
  peer.delayNext(3000);
  const daemon = await daemonWith(t, [httpExporter(peer, { timeout: '500ms', retry: FAST_RETRY })], { batch: null });
  const ids = await sendSpans(daemon, 3, 'slow-backend');
  await withLog(daemon, peer.waitForSpanIds(ids, 20_000));
  const [first, second] = peer.attempts;
  assert.ok(second.at - first.at >= 500 && second.at - first.at < 3000,
    `the second attempt came ${second.at - first.at} ms after the first (timeout 500ms, backend answers in 3000ms)`);
  await sleep(3000); // the first, slow answer is due now
  assert.equal(peer.abandoned.length, 1, 'the exporter hung up on the slow attempt');
  assert.deepEqual(peer.spans().map(spanKey).sort(), [...ids].sort(), 'delivered once');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('a dead backend fills the sending queue: UNAVAILABLE to clients, exactly the accepted spans arrive later', OPTS, async (t) => {
  const port = await reservePort();
  const queue = { queue_size: 2, num_consumers: 1 };
  const daemon = await daemonWith(t, [{ id: HTTP_EXPORTER, endpoint: `http://127.0.0.1:${port}`, tls: false, queue, retry: FAST_RETRY }],
    { batch: null });
  const client = new RawClient(daemon.grpcAddress());
  t.after(() => client.close());
  const accepted = [];
  let refused = 0;
  for (let i = 0; i < 10; i++) {
    const { request, spanIds } = smallRequest(4, `dead-http-backend-${i}`);
    const res = await client.exportTraces(request);
    if (res.code === grpc.status.OK) accepted.push(...spanIds);
    else if (res.code === grpc.status.UNAVAILABLE) refused++;
    else assert.fail(`request ${i}: ${statusName(res.code)} ${res.details}`);
  }
  assert.ok(accepted.length > 0 && refused > 0, `accepted ${accepted.length / 4}, refused ${refused}\n${daemon.describe()}`);
  const peer = await startHttpPeer({ port });
  t.after(() => peer.close());
  await withLog(daemon, peer.waitForSpanIds(accepted, 30_000));
  await sleep(1500);
  const arrived = peer.spans().map(spanKey);
  assert.equal(new Set(arrived).size, arrived.length, 'no span delivered twice');
  assert.deepEqual([...arrived].sort(), [...accepted].sort());
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('http2_prior_knowledge talks HTTP/2 to an h2c backend', OPTS, async (t) => {
  const peer = await startHttpPeer({ h2c: true });
  t.after(() => peer.close());
  const daemon = await daemonWith(t, [httpExporter(peer, { compression: 'gzip', options: { http2_prior_knowledge: true } })],
    { batch: null });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(...await sendSpans(daemon, 20, `h2c-${i}`));
  await withLog(daemon, peer.waitForSpanIds(ids, 20_000));
  await sleep(500);
  assert.ok(peer.requests.length >= 5);
  for (const r of peer.requests) {
    assert.equal(r.httpVersion, '2.0');
    assert.equal(r.headers['content-encoding'], 'gzip');
  }
  const arrived = peer.spans().map(spanKey);
  assert.deepEqual([...arrived].sort(), [...ids].sort());
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
