// A recording OTLP/gRPC backend: a real @grpc/grpc-js server implementing the Trace, Metrics and
// Logs Export methods. It records every request it answers OK (decoded form plus the exact bytes
// received), can be told to fail the next N calls with a given status, or to answer slowly.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import grpc from '@grpc/grpc-js';
import { serviceDefinition } from './otlp.mjs';

// Wraps a service definition so that each handler receives { decoded, raw } instead of the
// decoded message alone.
function recordingDefinition(signal) {
  const def = serviceDefinition(signal);
  const out = {};
  for (const [name, method] of Object.entries(def)) {
    out[name] = {
      ...method,
      requestDeserialize: (bytes) => ({
        raw: Buffer.from(bytes),
        decoded: method.requestDeserialize(bytes),
      }),
    };
  }
  return out;
}

// The request's grpc-encoding header ("gzip", "identity", or undefined when absent). grpc-js keeps
// it only on its base call object, which a server's first interceptor receives; the handler gets
// it as request.encoding.
function encodingInterceptor(methodDescriptor, call) {
  if (!('incomingEncoding' in call)) {
    throw new Error('grpc-js internals changed: cannot see the request encoding');
  }
  const encoding = call.incomingEncoding;
  return new grpc.ServerInterceptingCall(call, {
    start: (next) => next({
      onReceiveMessage: (message, nextMessage) => {
        if (message && typeof message === 'object') message.encoding = encoding;
        nextMessage(message);
      },
    }),
  });
}

// Flattens trace requests to one entry per span, each carrying the resource and scope it was sent
// under, so spans can be compared one by one whatever batching happened on the way.
export function flattenSpans(requests) {
  const out = [];
  for (const req of requests) {
    if (req.signal !== 'traces') continue;
    for (const rs of req.decoded.resource_spans) {
      for (const ss of rs.scope_spans) {
        for (const span of ss.spans) {
          out.push({
            resource: rs.resource,
            resource_schema_url: rs.schema_url,
            scope: ss.scope,
            scope_schema_url: ss.schema_url,
            span,
          });
        }
      }
    }
  }
  return out;
}

// Hex of a span's span_id; the key tests use to match spans across paths.
export const spanKey = (entry) => entry.span.span_id.toString('hex');

// Flattens logs requests to one entry per log record, each with its resource and scope.
export function flattenLogs(requests) {
  const out = [];
  for (const req of requests) {
    if (req.signal !== 'logs') continue;
    for (const rl of req.decoded.resource_logs) {
      for (const sl of rl.scope_logs) {
        for (const record of sl.log_records) {
          out.push({
            resource: rl.resource,
            resource_schema_url: rl.schema_url,
            scope: sl.scope,
            scope_schema_url: sl.schema_url,
            record,
          });
        }
      }
    }
  }
  return out;
}

// Flattens metrics requests to one entry per metric (name, description, unit and its data
// points), each with its resource and scope.
export function flattenMetrics(requests) {
  const out = [];
  for (const req of requests) {
    if (req.signal !== 'metrics') continue;
    for (const rm of req.decoded.resource_metrics) {
      for (const sm of rm.scope_metrics) {
        for (const metric of sm.metrics) {
          out.push({
            resource: rm.resource,
            resource_schema_url: rm.schema_url,
            scope: sm.scope,
            scope_schema_url: sm.schema_url,
            metric,
          });
        }
      }
    }
  }
  return out;
}

// Number of data points in a decoded Metric, whatever its type.
export function dataPointCount(metric) {
  const data = metric[metric.data];
  return data?.data_points?.length ?? 0;
}

export class RecordingPeer extends EventEmitter {
  constructor() {
    super();
    this.requests = [];   // answered OK: { signal, decoded, raw, encoding, metadata, receivedAt }
    this.attempts = 0;    // every Export call, including the ones failed on purpose
    this.abandoned = [];  // calls the client cancelled before the (delayed) answer
    this.failures = [];   // { code, details } queue for the next calls
    this.delayMs = 0;
    this.partial = [];    // partial_success answers for the next OK calls
    this.server = undefined;
    this.port = undefined;
  }

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  // Answers the next `count` Export calls with `code` (a grpc.status value).
  failNext(count, code, details = 'failure requested by the test') {
    for (let i = 0; i < count; i++) this.failures.push({ code, details });
  }

  // Answers the next OK call with a partial_success: `rejected` items refused, with `message`.
  partialNext(rejected, message) {
    this.partial.push({ rejected, message });
  }

  // Delays every answer by `ms` milliseconds.
  setDelay(ms) {
    this.delayMs = ms;
  }

  spans() {
    return flattenSpans(this.requests);
  }

  traceRequests() {
    return this.requests.filter((r) => r.signal === 'traces');
  }

  logRecords() {
    return flattenLogs(this.requests);
  }

  metrics() {
    return flattenMetrics(this.requests);
  }

  // Resolves with the recorded entries of `signal` ('traces': spans, 'logs': log records,
  // 'metrics': metrics) once `accept(entries)` holds; rejects after timeoutMs with what was seen.
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
        reject(new Error(`peer ${this.address}: ${signal} not complete within ${timeoutMs} ms ` +
          `(${entries().length} entries, ${this.attempts} Export calls)`));
      }, timeoutMs);
      this.on('request', check);
      check();
    });
  }

  handler(signal) {
    return (call, callback) => {
      this.attempts++;
      const failure = this.failures.shift();
      const answer = () => {
        if (call.cancelled) {
          // The client gave up (deadline, or its process went away) before the answer: it never
          // learnt the data was taken, so this does not count as delivered.
          this.abandoned.push({ signal, ...call.request });
          return;
        }
        if (failure) {
          callback({ code: failure.code, details: failure.details });
          return;
        }
        this.requests.push({ signal, ...call.request, metadata: call.metadata.getMap(), receivedAt: Date.now() });
        const partial = this.partial.shift();
        const count = { traces: 'rejected_spans', logs: 'rejected_log_records', metrics: 'rejected_data_points' }[signal];
        callback(null, partial ? { partial_success: { [count]: String(partial.rejected), error_message: partial.message } } : {});
        this.emit('request', signal);
      };
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    };
  }

  async listen(port = 0) {
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      interceptors: [encodingInterceptor],
    });
    for (const signal of ['traces', 'metrics', 'logs']) {
      this.server.addService(recordingDefinition(signal), { Export: this.handler(signal) });
    }
    this.port = await new Promise((resolve, reject) => {
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(),
        (err, bound) => (err ? reject(err) : resolve(bound)));
    });
    return this;
  }

  // Resolves with all recorded spans once at least `n` have arrived; rejects after timeoutMs
  // with the count seen so far.
  waitForSpans(n, timeoutMs = 15000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const spans = this.spans();
        if (spans.length >= n) {
          clearTimeout(timer);
          this.off('request', check);
          resolve(spans);
        }
      };
      const timer = setTimeout(() => {
        this.off('request', check);
        reject(new Error(`peer ${this.address}: expected ${n} spans within ${timeoutMs} ms, ` +
          `got ${this.spans().length} (${this.attempts} Export calls)`));
      }, timeoutMs);
      this.on('request', check);
      check();
    });
  }

  // Resolves once every span ID in `ids` (hex) has arrived; rejects after timeoutMs naming the
  // missing ones.
  waitForSpanIds(ids, timeoutMs = 15000) {
    return new Promise((resolve, reject) => {
      const missing = () => {
        const seen = new Set(this.spans().map(spanKey));
        return ids.filter((id) => !seen.has(id));
      };
      const check = () => {
        if (missing().length === 0) {
          clearTimeout(timer);
          this.off('request', check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.off('request', check);
        reject(new Error(`peer ${this.address}: spans ${missing().join(', ')} did not arrive within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('request', check);
      check();
    });
  }

  async close() {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    await new Promise((resolve) => {
      const force = setTimeout(() => { server.forceShutdown(); resolve(); }, 2000);
      server.tryShutdown(() => { clearTimeout(force); resolve(); });
    });
  }
}

// Starts a recording peer on 127.0.0.1:`port` (0 picks a free port).
export async function startPeer({ port = 0 } = {}) {
  return new RecordingPeer().listen(port);
}

// Finds a free loopback port by binding 0 and closing again, for a backend that starts later.
export function reservePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
