// A recording OTLP/HTTP backend: a real node:http (HTTP/1.1) or node:http2 (h2c, prior knowledge)
// server taking POST /v1/traces, /v1/logs and /v1/metrics with protobuf bodies. It records every
// request it answers 200 (decoded form, the exact bytes received and the decompressed body, the
// headers, the HTTP version), logs every attempt with its arrival time, and can be told to answer
// the next N requests with an error status (and a Retry-After), or to answer slowly.

import { EventEmitter } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import zlib from 'node:zlib';
import { decodeRequest, encodeResponse, encodeStatus } from './otlp.mjs';
import { flattenSpans, flattenLogs, flattenMetrics } from './peer.mjs';

const SIGNAL_OF_PATH = { 'v1/traces': 'traces', 'v1/logs': 'logs', 'v1/metrics': 'metrics' };

export class HttpRecordingPeer extends EventEmitter {
  // prefix: the path the signal paths hang under ('' -> /v1/traces; '/otlp' -> /otlp/v1/traces).
  constructor({ h2c = false, prefix = '' } = {}) {
    super();
    this.h2c = h2c;
    this.prefix = prefix;
    this.requests = [];   // answered 200: { signal, decoded, raw, body, headers, httpVersion, receivedAt }
    this.attempts = [];   // every request: { method, path, at, status, httpVersion, headers }
    this.abandoned = [];  // requests whose client went away before the (delayed) answer
    this.failures = [];   // { status, retryAfter, message } for the next requests
    this.partial = [];    // partial_success answers for the next 200s
    this.delays = [];     // per-request answer delays (ms) for the next requests
    this.server = undefined;
    this.port = undefined;
  }

  get url() {
    return `http://127.0.0.1:${this.port}${this.prefix}`;
  }

  // Answers the next `count` requests with HTTP `status` (a google.rpc.Status body), adding
  // `Retry-After: retryAfter` when given (seconds as a number, or a string sent as is).
  failNext(count, status, { retryAfter, message = 'failure requested by the test' } = {}) {
    for (let i = 0; i < count; i++) this.failures.push({ status, retryAfter, message });
  }

  // Answers the next 200 with a partial_success: `rejected` items refused, with `message`.
  partialNext(rejected, message) {
    this.partial.push({ rejected, message });
  }

  // Delays the answer to the next request by `ms`.
  delayNext(ms) {
    this.delays.push(ms);
  }

  spans() { return flattenSpans(this.requests); }
  logRecords() { return flattenLogs(this.requests); }
  metrics() { return flattenMetrics(this.requests); }

  // See RecordingPeer.waitFor.
  waitFor(signal, accept, timeoutMs = 15000) {
    const entries = () => ({ traces: () => this.spans(), logs: () => this.logRecords(), metrics: () => this.metrics() })[signal]();
    return new Promise((resolve, reject) => {
      const check = () => {
        const got = entries();
        if (accept(got)) {
          clearTimeout(timer);
          this.off('request', check);
          resolve(got);
        }
      };
      const timer = setTimeout(() => {
        this.off('request', check);
        reject(new Error(`HTTP peer ${this.url}: ${signal} not complete within ${timeoutMs} ms ` +
          `(${entries().length} entries, ${this.attempts.length} requests: ` +
          `${this.attempts.map((a) => `${a.method} ${a.path} -> ${a.status}`).join(', ')})`));
      }, timeoutMs);
      this.on('request', check);
      check();
    });
  }

  // Resolves once every span ID in `ids` (hex) has arrived.
  waitForSpanIds(ids, timeoutMs = 15000) {
    return this.waitFor('traces', (spans) => {
      const seen = new Set(spans.map((e) => e.span.span_id.toString('hex')));
      return ids.every((id) => seen.has(id));
    }, timeoutMs);
  }

  handle(req, res) {
    const at = Date.now();
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      const path = req.url;
      const attempt = { method: req.method, path, at, status: undefined, httpVersion: req.httpVersion, headers: req.headers };
      this.attempts.push(attempt);
      const answer = (status, body, headers = {}) => {
        attempt.status = status;
        if (res.destroyed || res.writableEnded || (req.socket?.destroyed && !this.h2c) || req.stream?.destroyed) {
          attempt.status = 'abandoned';
          this.abandoned.push(attempt);
          this.emit('request');
          return false;
        }
        res.writeHead(status, { 'content-type': 'application/x-protobuf', ...headers });
        res.end(body);
        return true;
      };
      const pathname = path.split('?')[0];
      const signal = pathname.startsWith(`${this.prefix}/`) ? SIGNAL_OF_PATH[pathname.slice(this.prefix.length + 1)] : undefined;
      const respond = () => {
        if (req.method !== 'POST' || !signal) {
          answer(404, encodeStatus({ code: 5, message: `no such path ${path}` }));
          this.emit('request');
          return;
        }
        const failure = this.failures.shift();
        if (failure) {
          const headers = failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {};
          answer(failure.status, encodeStatus({ code: 14, message: failure.message }), headers);
          this.emit('request');
          return;
        }
        let body = raw;
        let decoded;
        try {
          if ((req.headers['content-encoding'] ?? 'identity') === 'gzip') body = zlib.gunzipSync(raw);
          decoded = decodeRequest(signal, body);
        } catch (err) {
          answer(400, encodeStatus({ code: 3, message: `undecodable: ${err.message}` }));
          this.emit('request');
          return;
        }
        const partial = this.partial.shift();
        const field = { traces: 'rejected_spans', logs: 'rejected_log_records', metrics: 'rejected_data_points' }[signal];
        const response = partial
          ? encodeResponse(signal, { partial_success: { [field]: String(partial.rejected), error_message: partial.message } })
          : Buffer.alloc(0);
        if (answer(200, response)) {
          this.requests.push({ signal, decoded, raw, body, headers: req.headers, httpVersion: req.httpVersion, receivedAt: at });
        }
        this.emit('request');
      };
      const delay = this.delays.shift() ?? 0;
      if (delay > 0) setTimeout(respond, delay);
      else respond();
    });
  }

  async listen(port = 0) {
    this.server = this.h2c
      ? http2.createServer({}, (req, res) => this.handle(req, res))
      : http.createServer((req, res) => this.handle(req, res));
    this.sessions = new Set();
    this.server.on(this.h2c ? 'session' : 'connection', (s) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    this.port = this.server.address().port;
    return this;
  }

  async close() {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    for (const s of this.sessions) s.destroy();
    await new Promise((resolve) => server.close(() => resolve()));
  }
}

// Starts a recording OTLP/HTTP peer on 127.0.0.1 (port 0 picks a free port). h2c: serve HTTP/2
// without TLS (clients must use prior knowledge).
export async function startHttpPeer({ port = 0, h2c = false, prefix = '' } = {}) {
  return new HttpRecordingPeer({ h2c, prefix }).listen(port);
}
