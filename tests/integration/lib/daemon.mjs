// Runs the real genai-collector binary: writes its config to a temp dir, starts it, reads the
// ports it bound from its log lines, and offers what an operator would look at: /metrics, the
// health endpoint, SIGTERM, SIGHUP reload, and the CLI subcommands.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BINARY = process.env.GC_BINARY || '/work/main/build/genai-collector';

const live = new Set();
const dirs = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (process.env.GC_IT_KEEP_TMP) return;
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// Creates a fresh temp directory for one daemon or CLI run; removed when the test process exits
// unless GC_IT_KEEP_TMP is set.
export function tempDir(prefix = 'gc-it-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

// Parses one log line "<RFC3339 time> <level> <component>: <message>"; undefined if it is not one.
export function parseLogLine(line) {
  const m = /^(\S+)\s+(\S+)\s+([^\s:]+):\s(.*)$/.exec(line);
  if (!m) return undefined;
  return { time: m[1], level: m[2], component: m[3], message: m[4] };
}

// Parses Prometheus text exposition into a lookup by metric name and labels.
export function parsePrometheus(text) {
  const samples = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/.exec(line);
    if (!m) throw new Error(`unparsable /metrics line: ${JSON.stringify(raw)}`);
    samples.push({ name: m[1], labels: parseLabels(m[3] ?? ''), value: parseSampleValue(m[4]) });
  }
  return new Metrics(samples, text);
}

function parseSampleValue(s) {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const v = Number(s);
  if (Number.isNaN(v) && s !== 'NaN') throw new Error(`bad sample value ${s}`);
  return v;
}

function parseLabels(body) {
  const labels = {};
  const re = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  let m;
  while ((m = re.exec(body)) !== null) {
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

export class Metrics {
  constructor(samples, text) {
    this.samples = samples;
    this.text = text;
  }

  // Samples of `name` whose labels include every pair in `labels`.
  series(name, labels = {}) {
    return this.samples.filter((s) => s.name === name &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  // Value of the one sample of `name` with exactly these labels, or undefined.
  get(name, labels = {}) {
    const want = Object.keys(labels).length;
    const found = this.series(name, labels).filter((s) => Object.keys(s.labels).length === want);
    if (found.length > 1) throw new Error(`several samples ${name}${JSON.stringify(labels)}`);
    return found[0]?.value;
  }

  // Sum over the samples of `name` whose labels include `labels` (0 if none).
  sum(name, labels = {}) {
    return this.series(name, labels).reduce((acc, s) => acc + s.value, 0);
  }
}

export class Daemon {
  constructor(configText, { dir = tempDir(), args = [], env = {} } = {}) {
    this.dir = dir;
    this.configPath = path.join(dir, 'config.yaml');
    fs.writeFileSync(this.configPath, configText);
    this.stderr = '';
    this.stdout = '';
    this.lines = [];
    this.receivers = {};   // receiver id -> { grpc: port, http: port }
    this.extensions = {};  // extension id -> port
    this.metricsPort = undefined;
    this.exit = undefined; // { code, signal } once exited
    this.waiters = new Set();

    this.child = spawn(BINARY, ['--config', this.configPath, ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        live.delete(this.child);
        this.exit = { code, signal };
        this.notify();
        resolve(this.exit);
      });
    });
    this.child.on('error', (err) => {
      this.stderr += `[spawn error] ${err.message}\n`;
      this.exit = this.exit ?? { code: null, signal: null, error: err };
      this.notify();
    });
    this.child.stdout.on('data', (d) => { this.stdout += d; });
    let partial = '';
    this.child.stderr.on('data', (d) => {
      this.stderr += d;
      partial += d;
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const line of parts) this.onLine(line);
      this.notify();
    });
  }

  // Peak resident memory of the daemon so far (VmHWM in /proc), in KiB.
  peakRssKiB() {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const m = status.match(/^VmHWM:\s+(\d+) kB/m);
    if (!m) throw new Error(`no VmHWM in /proc/${this.child.pid}/status`);
    return Number(m[1]);
  }

  onLine(line) {
    this.lines.push(line);
    const entry = parseLogLine(line);
    if (!entry) return;
    const listen = /\blistening on (\S+):(\d+)\s*$/.exec(entry.message);
    if (!listen) return;
    const port = Number(listen[2]);
    const proto = /^(grpc|http) listening/.exec(entry.message);
    if (entry.component === 'telemetry' && /^metrics listening/.test(entry.message)) {
      this.metricsPort = port;
    } else if (proto) {
      this.receivers[entry.component] = { ...this.receivers[entry.component], [proto[1]]: port };
    } else if (/^listening on/.test(entry.message)) {
      this.extensions[entry.component] = port;
    }
  }

  notify() {
    for (const w of [...this.waiters]) w();
  }

  // Resolves with the first log line at index >= fromLine matching `pattern`; rejects on timeout
  // or if the daemon exits first, with the captured stderr in the message.
  waitForLog(pattern, { fromLine = 0, timeoutMs = 15000 } = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = fromLine; i < this.lines.length; i++) {
          if (pattern.test(this.lines[i])) {
            done();
            resolve({ line: this.lines[i], index: i });
            return;
          }
        }
        if (this.exit) {
          done();
          reject(new Error(`genai-collector exited (${JSON.stringify(this.exit)}) before logging ${pattern}\n` +
            this.describe()));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms\n${this.describe()}`));
      }, timeoutMs);
      const done = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  describe() {
    const tail = this.stderr.length > 6000 ? `...${this.stderr.slice(-6000)}` : this.stderr;
    return `--- genai-collector stderr (${this.configPath}) ---\n${tail}--- end stderr ---`;
  }

  // Address of a receiver's gRPC endpoint as announced in the log.
  grpcAddress(receiverId = 'otlp') {
    const port = this.receivers[receiverId]?.grpc;
    if (!port) throw new Error(`receiver ${receiverId} announced no grpc port\n${this.describe()}`);
    return `127.0.0.1:${port}`;
  }

  // Address of a receiver's OTLP/HTTP endpoint as announced in the log ("<id>: http listening on
  // 127.0.0.1:PORT").
  httpAddress(receiverId = 'otlp') {
    const port = this.receivers[receiverId]?.http;
    if (!port) throw new Error(`receiver ${receiverId} announced no http port\n${this.describe()}`);
    return `127.0.0.1:${port}`;
  }

  // Full URL of an OTLP/HTTP path on a receiver, e.g. httpUrl('/v1/traces').
  httpUrl(urlPath, receiverId = 'otlp') {
    return `http://${this.httpAddress(receiverId)}${urlPath}`;
  }

  async fetchText(port, urlPath) {
    const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  // Scrapes /metrics on the telemetry address.
  async metrics() {
    if (!this.metricsPort) throw new Error(`telemetry announced no metrics port\n${this.describe()}`);
    const res = await this.fetchText(this.metricsPort, '/metrics');
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.text}`);
    return parsePrometheus(res.text);
  }

  // GET / on the health_check extension: { status, body (parsed JSON or undefined), text, contentType }.
  async health(extensionId = 'health_check') {
    const port = this.extensions[extensionId];
    if (!port) throw new Error(`extension ${extensionId} announced no port\n${this.describe()}`);
    const res = await this.fetchText(port, '/');
    let body;
    try { body = JSON.parse(res.text); } catch { body = undefined; }
    return { status: res.status, body, text: res.text, contentType: res.headers.get('content-type') };
  }

  // Rewrites the config file, sends SIGHUP, and resolves with { ok, line } from the next
  // "service: reloaded config" (ok) or "reload failed" (not ok) log line.
  async reload(configText, { timeoutMs = 15000 } = {}) {
    const fromLine = this.lines.length;
    fs.writeFileSync(this.configPath, configText);
    this.child.kill('SIGHUP');
    const { line } = await this.waitForLog(/service: reloaded config|reload failed/, { fromLine, timeoutMs });
    return { ok: /service: reloaded config/.test(line), line };
  }

  // Sends SIGTERM (or `signal`) and resolves with { code, signal } when the process exits; after
  // timeoutMs it sends SIGKILL and rejects.
  async stop({ timeoutMs = 30000, signal = 'SIGTERM' } = {}) {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`genai-collector did not exit within ${timeoutMs} ms of ${signal}\n${this.describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // Kills the process without a graceful stop (test cleanup after a failure).
  async kill() {
    if (this.exit) return this.exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

// Starts the daemon with `configText` and resolves once it logged "service: ready".
export async function startDaemon(configText, { readyTimeoutMs = 20000, ...options } = {}) {
  const daemon = new Daemon(configText, options);
  try {
    await daemon.waitForLog(/\bservice: ready\b/, { timeoutMs: readyTimeoutMs });
  } catch (err) {
    await daemon.kill();
    throw err;
  }
  return daemon;
}

// Runs a CLI subcommand to completion: resolves with { code, signal, stdout, stderr }.
export function runCli(args, { timeoutMs = 15000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${BINARY} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// Polls `fn` until `accept(value)` holds or timeoutMs passes; resolves with the last value either
// way, so the caller asserts on it and the failure message shows what was seen.
export async function eventually(fn, accept, { timeoutMs = 10000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let value;
  for (;;) {
    try {
      value = await fn();
      if (accept(value)) return value;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    if (Date.now() >= deadline) return value;
    await sleep(intervalMs);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
