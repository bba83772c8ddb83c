// One client holding a thousand connections must not lock everyone else out of an HTTP server.
// A flooding address gets its per-client share and every further connection is closed at once;
// another address is still served within a second, on OTLP/HTTP and on the health endpoint a
// liveness probe uses. A request trickled in a byte at a time is cut off at read_timeout however
// often bytes arrive, and counted; past max_connections a connection is closed at once rather
// than left waiting in the kernel's backlog; when the flood stops, no socket of the daemon is left
// in CLOSE-WAIT and the flooding address itself is served again at once.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { startDaemon, eventually, sleep } from './lib/daemon.mjs';
import { startAttacker } from './lib/attacker.mjs';
import { encodeTraceRequest } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';

const FLOOD = 1100;
const PER_CLIENT_OTLP = 64;   // max_connections_per_client default
const PER_CLIENT_SMALL = 16;  // the health and /metrics servers' fixed per-client limit
const CORES = (await import('node:os')).cpus().length;
const REJECTED = 'genai_collector_receiver_rejected_requests_total';
const TIMEOUTS = { receiver: 'otlp', transport: 'http', reason: 'timeout' };
// Peak resident memory allowed after both floods. The daemon idles at about 15 MiB; a flood holds
// at most 64 + 16 connections at once (the per-client limits), each with libmicrohttpd's 32 KiB
// buffer pool, about 2.5 MiB, and churns through thousands more whose memory is reused. 64 MiB
// leaves room for allocator arenas of the polling threads; a server that kept every flooding
// connection, or leaked per connection, passes it within one flood.
const PEAK_RSS_BOUND_KIB = 64 * 1024;

function config(httpLimits = '') {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
${httpLimits.split('\n').filter(Boolean).map((l) => `        ${l.trim()}`).join('\n')}
exporters:
  debug: {}
extensions:
  health_check: { endpoint: 127.0.0.1:0 }
service:
  extensions: [health_check]
  telemetry: { metrics: { address: 127.0.0.1:0 } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;
}

// TCP sockets of this host whose local port is `port`, by state name, from /proc/net/tcp (what
// `ss -tan sport = :port` shows), with the remote addresses of the established ones.
function socketsOnPort(port) {
  const names = { '01': 'ESTABLISHED', '06': 'TIME_WAIT', '08': 'CLOSE_WAIT', '0A': 'LISTEN' };
  const byState = {};
  const established = [];
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const [, localPort] = f[1].split(':');
    if (parseInt(localPort, 16) !== port) continue;
    const state = names[f[3]] ?? f[3];
    byState[state] = (byState[state] ?? 0) + 1;
    if (state === 'ESTABLISHED') {
      const ip = Buffer.from(f[2].split(':')[0], 'hex').reverse().join('.');
      established.push(ip);
    }
  }
  return { byState, established, count: (s) => byState[s] ?? 0 };
}

// One HTTP request from `localAddress` on a fresh connection; resolves with
// { status, body, ms } or { error, ms } (never rejects).
function timedRequest(port, { localAddress, method = 'GET', path = '/', headers = {}, body, timeoutMs = 5000 }) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, localAddress, agent: false,
      headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) } });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('response', (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, body: Buffer.concat(parts), ms: Date.now() - t0 });
      });
    });
    req.on('error', (err) => { clearTimeout(timer); resolve({ error: err.message, ms: Date.now() - t0 }); });
    req.end(body);
  });
}

function exportSpans(port, localAddress) {
  const body = Buffer.from(encodeTraceRequest(smallRequest(2, 'hostile').request));
  return timedRequest(port, { localAddress, method: 'POST', path: '/v1/traces', body,
    headers: { 'content-type': 'application/x-protobuf' } });
}

// Opens a raw connection from localAddress; resolves once connected with { socket, closed }, where
// `closed` resolves with { ms (since connect), data (all bytes the server sent) } when it closes.
function rawConnection(port, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    const chunks = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});
    socket.once('connect', () => {
      const t0 = Date.now();
      // Bounded, so a server that never cuts the connection fails the assertion, not the suite.
      const closed = new Promise((done) => {
        const timer = setTimeout(() => done({ ms: Infinity, data: Buffer.concat(chunks).toString('latin1') }), 8000);
        socket.on('close', () => {
          clearTimeout(timer);
          done({ ms: Date.now() - t0, data: Buffer.concat(chunks).toString('latin1') });
        });
      });
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

async function rejectedTimeouts(daemon) {
  return (await daemon.metrics()).get(REJECTED, TIMEOUTS) ?? 0;
}

// Floods `port` from 127.0.0.1, checks what the daemon holds and that 127.0.0.2 is served by
// `serve` within a second, then stops the flood and checks the aftermath.
async function floodAndServe(t, daemon, port, { modes, path, perClient, serve, assertServed }) {
  const attacker = await startAttacker(port, { count: FLOOD, modes, path });
  try {
    const report = await attacker.until((r) => r.connects >= FLOOD && r.closedByServer >= FLOOD - perClient);
    assert.ok(report.connects >= FLOOD, `the attacker connected ${FLOOD} times: ${JSON.stringify(report)}`);
    assert.ok(report.closedByServer >= FLOOD - perClient,
      `the connections past the per-client limit were closed at once: ${JSON.stringify(report)}`);
    const held = socketsOnPort(port).established.filter((ip) => ip === '127.0.0.1').length;
    assert.ok(held <= perClient, `the daemon holds ${held} connections from 127.0.0.1, at most ${perClient}`);
    assert.ok(held >= perClient / 2, `the flood really holds connections (${held})`);

    for (let i = 0; i < 3; i++) {
      const res = await serve('127.0.0.2');
      assertServed(res, 'another address during the flood');
      assert.ok(res.ms < 1000, `served 127.0.0.2 in ${res.ms} ms during the flood`);
      t.diagnostic(`127.0.0.2 served in ${res.ms} ms; daemon holds ${held} from 127.0.0.1`);
    }
  } finally {
    await attacker.stop();
  }
  const after = await eventually(() => socketsOnPort(port), (s) => s.count('CLOSE_WAIT') === 0,
    { timeoutMs: 2000, intervalMs: 50 });
  assert.equal(after.count('CLOSE_WAIT'), 0, `no CLOSE-WAIT left on port ${port}: ${JSON.stringify(after.byState)}`);
  const again = await serve('127.0.0.1');
  assertServed(again, 'the flooding address after the flood');
  assert.ok(again.ms < 1000, `served 127.0.0.1 in ${again.ms} ms after the flood`);
  assert.ok(daemon.exit === undefined, `the daemon survived\n${daemon.describe()}`);
}

describe('a connection flood from one address (default limits)', { timeout: 120_000 }, () => {
  let daemon;

  before(async () => { daemon = await startDaemon(config()); });
  after(async () => { if (daemon) await daemon.kill(); });

  it(`serves OTLP/HTTP to another address within 1 s while 127.0.0.1 holds ${FLOOD} connections`, async (t) => {
    const port = daemon.receivers.otlp.http;
    await floodAndServe(t, daemon, port, {
      modes: ['slowBody', 'keepAlive', 'idle'], path: '/v1/traces', perClient: PER_CLIENT_OTLP,
      serve: (localAddress) => exportSpans(port, localAddress),
      assertServed: (res, who) => assert.equal(res.status, 200, `${who}: ${JSON.stringify(res)}`),
    });
  });

  it(`answers the health endpoint to another address within 1 s while 127.0.0.1 holds ${FLOOD} connections`, async (t) => {
    const port = daemon.extensions.health_check;
    await floodAndServe(t, daemon, port, {
      modes: ['slowHeaders', 'keepAlive', 'idle'], path: '/', perClient: PER_CLIENT_SMALL,
      serve: (localAddress) => timedRequest(port, { localAddress }),
      assertServed: (res, who) => {
        assert.equal(res.status, 200, `${who}: ${JSON.stringify(res)}`);
        assert.equal(JSON.parse(res.body.toString()).status, 'Server available');
      },
    });
  });

  it('keeps its peak memory bounded and exits cleanly', async (t) => {
    const peak = daemon.peakRssKiB();
    t.diagnostic(`VmHWM after both floods: ${peak} KiB`);
    assert.ok(peak < PEAK_RSS_BOUND_KIB, `VmHWM ${peak} KiB < ${PEAK_RSS_BOUND_KIB} KiB`);
    const health = await daemon.health();
    assert.equal(health.status, 200);
    const exit = await daemon.stop();
    assert.equal(exit.code, 0, `exit code\n${daemon.describe()}`);
  });
});

describe('read_timeout and idle_timeout on OTLP/HTTP', { timeout: 120_000 }, () => {
  let daemon;
  let port;

  before(async () => {
    daemon = await startDaemon(config('read_timeout: 2s\nidle_timeout: 3s'));
    port = daemon.receivers.otlp.http;
  });
  after(async () => { if (daemon) await daemon.kill(); });

  // Sends `opening`, then `unit` every half second: the connection is cut at read_timeout
  // (2 s) all the same, with at most a 408, and counted once as a timeout.
  async function assertTrickleCut(opening, unit) {
    const before = await rejectedTimeouts(daemon);
    const { socket, closed } = await rawConnection(port);
    socket.write(opening);
    const trickle = setInterval(() => socket.write(unit), 500);
    const { ms, data } = await closed;
    clearInterval(trickle);
    assert.ok(ms >= 1900 && ms < 3500, `closed ${ms} ms after connecting (read_timeout 2s)`);
    assert.ok(data === '' || data.startsWith('HTTP/1.1 408'), `only a 408 may come back: ${JSON.stringify(data)}`);
    const after = await eventually(() => rejectedTimeouts(daemon), (n) => n === before + 1);
    assert.equal(after, before + 1, 'counted once as rejected for timeout');
  }

  it('cuts off a body trickling in a byte every half second at read_timeout', () =>
    assertTrickleCut('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n' +
      'Content-Length: 100000\r\n\r\n', '\n'));

  it('cuts off headers trickling in a byte every half second at read_timeout', () =>
    assertTrickleCut('POST /v1/traces HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a'));

  it('answers 408 to headers completed after read_timeout', async () => {
    const { socket, closed } = await rawConnection(port);
    socket.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\n');
    // Silent past the deadline and the cut-off sweep is a race; a request finished just before
    // the sweep gets the 408, one finished after it a closed connection. Both end the request.
    await sleep(2050);
    socket.write('Content-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n');
    const { ms, data } = await closed;
    assert.ok(ms < 3500, `closed ${ms} ms after connecting`);
    assert.ok(data === '' || /^HTTP\/1\.1 408 /.test(data), `a 408 or nothing: ${JSON.stringify(data)}`);
  });

  it('serves a request sent in pieces within read_timeout', async () => {
    const body = Buffer.from(encodeTraceRequest(smallRequest(1, 'pieces').request));
    const { socket, closed } = await rawConnection(port);
    socket.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    for (let i = 0; i < 3; i++) {
      await sleep(400);
      socket.write(body.subarray(Math.floor((i * body.length) / 3), Math.floor(((i + 1) * body.length) / 3)));
    }
    const { data } = await closed;
    assert.match(data, /^HTTP\/1\.1 200 /, JSON.stringify(data.slice(0, 200)));
  });

  it('closes a connection that never sends a byte at read_timeout', async () => {
    const { closed } = await rawConnection(port);
    const { ms, data } = await closed;
    assert.ok(ms >= 1900 && ms < 3500, `closed ${ms} ms after connecting`);
    assert.equal(data, '');
  });

  it('closes a kept-alive connection at idle_timeout after its answer', async () => {
    const body = Buffer.from(encodeTraceRequest(smallRequest(1, 'keepalive').request));
    const { socket, closed } = await rawConnection(port);
    const request = `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n` +
      `Content-Length: ${body.length}\r\n\r\n`;
    socket.write(request);
    socket.write(body);
    await sleep(1500); // within idle_timeout: a second request on the same connection is served
    socket.write(request);
    socket.write(body);
    const t1 = Date.now();
    const { data } = await closed;
    const idle = Date.now() - t1;
    assert.equal(data.match(/HTTP\/1\.1 200 /g)?.length, 2, JSON.stringify(data.slice(0, 300)));
    assert.ok(idle >= 2800 && idle < 4500, `closed ${idle} ms after the second answer (idle_timeout 3s)`);
  });

  it('exits with code 0', async () => {
    const exit = await daemon.stop();
    assert.equal(exit.code, 0, `exit code\n${daemon.describe()}`);
  });
});

describe('max_connections on OTLP/HTTP', { timeout: 60_000 }, () => {
  const MAX = 40;
  let daemon;
  let port;

  before(async () => {
    daemon = await startDaemon(config(`max_connections: ${MAX}\nmax_connections_per_client: 30`));
    port = daemon.receivers.otlp.http;
  });
  after(async () => { if (daemon) await daemon.kill(); });

  it('closes connections past the total at once and serves again as soon as some close', async () => {
    const first = await Promise.all(Array.from({ length: 30 }, () => rawConnection(port, '127.0.0.1')));
    await sleep(200);
    const second = await Promise.all(Array.from({ length: 30 }, () => rawConnection(port, '127.0.0.3')));
    // Polling threads count the total together; one accepting at the same instant as another
    // may take one connection more.
    const slack = CORES - 1;
    const early = await eventually(() => socketsOnPort(port).established.length,
      (n) => n <= MAX + slack, { timeoutMs: 1000, intervalMs: 50 });
    assert.ok(early <= MAX + slack, `${early} connections held, max_connections ${MAX}`);
    const closedAtOnce = (await Promise.all(second.map((c) =>
      Promise.race([c.closed.then(() => 1), sleep(1000).then(() => 0)])))).reduce((a, b) => a + b, 0);
    assert.ok(closedAtOnce >= 30 - (MAX - 30) - slack, `${closedAtOnce} of 127.0.0.3's connections closed within 1 s`);
    assert.equal(socketsOnPort(port).count('CLOSE_WAIT'), 0, 'nothing waits in the backlog');

    const refused = await timedRequest(port, { localAddress: '127.0.0.2', timeoutMs: 2000 });
    assert.ok(refused.error && refused.ms < 1000, `at the limit a new client is closed at once: ${JSON.stringify(refused)}`);

    for (const c of first) c.socket.destroy();
    const served = await eventually(() => exportSpans(port, '127.0.0.2'), (r) => r.status === 200,
      { timeoutMs: 1000, intervalMs: 20 });
    assert.equal(served.status, 200, `served once connections closed: ${JSON.stringify(served)}`);
    for (const c of second) c.socket.destroy();
    const exit = await daemon.stop();
    assert.equal(exit.code, 0, `exit code\n${daemon.describe()}`);
  });
});

describe('max_request_bytes_in_flight on OTLP/HTTP', { timeout: 60_000 }, () => {
  // 1 MiB bodies; 8 MiB in flight in all, so one address may hold 2 MiB (a quarter).
  const BODY = 1024 * 1024;
  let daemon;
  let port;

  before(async () => {
    daemon = await startDaemon(config(`max_request_body_size: ${BODY}\nmax_request_bytes_in_flight: ${8 * BODY}\nread_timeout: 10s`));
    port = daemon.receivers.otlp.http;
  });
  after(async () => { if (daemon) await daemon.kill(); });

  // Starts a 1 MiB protobuf POST from localAddress and sends all of it but the last byte.
  async function holdBody(localAddress) {
    const c = await rawConnection(port, localAddress);
    c.socket.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${BODY}\r\n\r\n`);
    c.socket.write(Buffer.alloc(BODY - 1, 0x0a));
    return c;
  }

  it('one address holding bodies half-sent is refused past its share; another address is served', async (t) => {
    const UNAVAILABLE = { receiver: 'otlp', transport: 'http', reason: 'unavailable' };
    const baseline = daemon.peakRssKiB();
    const held = [];
    t.after(() => { for (const h of held) h.socket.destroy(); });
    for (let i = 0; i < 20; i++) held.push(await holdBody('127.0.0.1'));
    // Two bodies fill 127.0.0.1's share; the rest are refused as their bytes arrive, which are
    // read and dropped rather than kept (the answer waits for the whole body).
    const m = await eventually(() => daemon.metrics(), (x) => x.get(REJECTED, UNAVAILABLE) >= 18,
      { timeoutMs: 3000 });
    assert.equal(m.get(REJECTED, UNAVAILABLE), 18, m.text);
    // A whole request from the same address is read (and dropped) and answered 503 with
    // Retry-After.
    const c = await rawConnection(port, '127.0.0.1');
    c.socket.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${BODY}\r\n\r\n`);
    c.socket.write(Buffer.alloc(BODY, 0x0a));
    const { data } = await c.closed;
    assert.match(data, /^HTTP\/1\.1 503 /, data.slice(0, 200));
    assert.match(data, /Retry-After: 1/i);
    assert.match(data, /max_request_bytes_in_flight/);
    const served = await exportSpans(port, '127.0.0.2');
    assert.equal(served.status, 200, `another address is served: ${JSON.stringify(served)}`);
    const growth = daemon.peakRssKiB() - baseline;
    assert.ok(growth < 16 * 1024, `20 half-sent 1 MiB bodies cost ${growth} KiB, not 20 MiB`);
  });

  it('bytes are given back: after the held bodies close, the same address is served again', async () => {
    const served = await eventually(() => exportSpans(port, '127.0.0.1'), (r) => r.status === 200,
      { timeoutMs: 3000, intervalMs: 50 });
    assert.equal(served.status, 200, JSON.stringify(served));
    const exit = await daemon.stop();
    assert.equal(exit.code, 0, `exit code\n${daemon.describe()}`);
  });
});
