// A raw HTTP/1.1 client for the OTLP/HTTP receiver: sends exact bytes with exact headers (a
// Content-Length that is a lie, a chunked body without Content-Length, any Content-Encoding) and
// returns what came back instead of throwing on an error status.

import http from 'node:http';
import { decodeStatus } from './otlp.mjs';

// Sends one request on a fresh connection. Options: method ('POST'), headers ({}), body (Buffer or
// string, sent with its Content-Length unless headers say otherwise), chunks (array of Buffers sent
// with Transfer-Encoding: chunked and no Content-Length), timeoutMs (10000).
// Resolves with { status, headers (lowercased names), body (Buffer) }. A server that answers
// before it has read the whole body (and closes) still yields its answer.
export function httpRequest(url, { method = 'POST', headers = {}, body, chunks, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      method,
      headers: { ...headers },
      agent: false,
      timeout: timeoutMs,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => {
      // EPIPE / ECONNRESET while still writing a body the server refused early: the answer, if
      // any, arrives through 'response'.
      if (answered) return;
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') {
        setTimeout(() => { if (!answered) reject(err); }, 1000);
        return;
      }
      reject(err);
    });
    if (chunks) {
      req.setHeader('Transfer-Encoding', 'chunked');
      (async () => {
        for (const c of chunks) {
          if (answered || req.destroyed) break;
          if (!req.write(c)) await new Promise((r) => { req.once('drain', r); req.once('close', r); });
        }
        req.end();
      })().catch(reject);
    } else {
      req.end(body);
    }
  });
}

// Decodes the google.rpc.Status body of an error answer by its Content-Type: protobuf bytes or
// OTLP/JSON. Returns { code, message } (details dropped); throws if the type is neither.
export function errorStatus(res) {
  const type = res.headers['content-type'] ?? '';
  if (type.startsWith('application/x-protobuf')) {
    const { code, message } = decodeStatus(res.body);
    return { code, message };
  }
  if (type.startsWith('application/json')) {
    const parsed = JSON.parse(res.body.toString('utf8'));
    return { code: parsed.code ?? 0, message: parsed.message ?? '' };
  }
  throw new Error(`error body of type ${JSON.stringify(type)}: ${res.body.toString('utf8').slice(0, 200)}`);
}

export const PROTOBUF = 'application/x-protobuf';
export const JSON_TYPE = 'application/json';

// A recording HTTP/1.1 proxy in front of the collector's OTLP/HTTP port: forwards every request
// unchanged and records { method, url, headers, bodyBytes, status } of each, so a test can see what
// an SDK really put on the wire (Content-Type, Content-Encoding). Resolves once listening on
// 127.0.0.1 (port 0); `url(path)` is the proxied URL, `close()` stops it.
export async function startHttpTap(targetAddress) {
  const [host, port] = targetAddress.split(':');
  const seen = [];
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const entry = { method: req.method, url: req.url, headers: req.headers, bodyBytes: body.length, status: undefined };
      seen.push(entry);
      const headers = { ...req.headers, host: targetAddress };
      delete headers.connection;
      delete headers['transfer-encoding'];
      headers['content-length'] = String(body.length);
      const out = http.request({ host, port, method: req.method, path: req.url, headers, agent: false }, (up) => {
        entry.status = up.statusCode;
        const h = { ...up.headers };
        delete h.connection;
        res.writeHead(up.statusCode, h);
        up.pipe(res);
      });
      out.on('error', (err) => { res.writeHead(502); res.end(String(err)); });
      out.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tapPort = server.address().port;
  return {
    seen,
    url: (p) => `http://127.0.0.1:${tapPort}${p}`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
