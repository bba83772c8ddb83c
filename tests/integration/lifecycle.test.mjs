// What an operator does to a running collector: probe its health, stop it with SIGTERM (it must
// deliver what it accepted), reload it with SIGHUP (a broken config must not take it down, a good
// one must take effect), and check a config with `validate` before rolling it out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import { startDaemon, runCli, tempDir, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey } from './lib/peer.mjs';
import { RawClient, statusName } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';

const TIMEOUT = { timeout: 120_000 };

async function exportOk(daemon, count, tag) {
  const client = new RawClient(daemon.grpcAddress());
  try {
    const { request, spanIds } = smallRequest(count, tag);
    const res = await client.exportTraces(request);
    assert.equal(res.code, grpc.status.OK, `${tag}: ${statusName(res.code)} "${res.details}"\n${daemon.describe()}`);
    return spanIds;
  } finally {
    client.close();
  }
}

test('health_check answers 200 with a JSON status once ready', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({ exporters: [{ id: 'otlp/peer', port: backend.port }] }));
  t.after(() => daemon.kill());

  const h = await daemon.health();
  assert.equal(h.status, 200, h.text);
  assert.ok(h.body && typeof h.body === 'object', `body is JSON: ${h.text}`);
  assert.ok('status' in h.body, `JSON body has "status": ${h.text}`);
  assert.match(h.contentType ?? '', /application\/json/);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal} drains: every span accepted before it reaches the backend, then exit 0`, TIMEOUT, async (t) => {
    const backend = await startPeer();
    t.after(() => backend.close());
    backend.setDelay(1500); // a slow backend keeps data in flight when the signal arrives
    const daemon = await startDaemon(renderConfig({
      batch: { timeout: '200ms', send_batch_size: 512 },
      exporters: [{ id: 'otlp/peer', port: backend.port, timeout: '10s' }],
    }));
    t.after(() => daemon.kill());

    const accepted = [];
    for (let i = 0; i < 4; i++) accepted.push(...await exportOk(daemon, 10, `drain-${signal}-${i}`));

    assert.equal(backend.spans().length, 0, `nothing delivered yet when ${signal} is sent: the data is in flight`);
    const exit = daemon.stop({ signal });
    exit.catch(() => {}); // awaited below, after watching the drain
    const healthDuringDrain = [];
    await sleep(300);
    while (!daemon.exit) {
      try {
        healthDuringDrain.push((await daemon.health()).status);
      } catch {
        healthDuringDrain.push('unreachable');
      }
      await sleep(100);
    }
    assert.deepEqual(await exit, { code: 0, signal: null }, daemon.describe());
    assert.ok(!healthDuringDrain.includes(200), `health_check must not report 200 while draining: ${healthDuringDrain}`);

    const delivered = backend.spans().map(spanKey);
    assert.equal(backend.abandoned.length, 0,
      `the collector exited without waiting for ${backend.abandoned.length} in-flight export(s)\n${daemon.describe()}`);
    assert.deepEqual([...delivered].sort(), [...accepted].sort(), 'every accepted span delivered once before exit');
  });
}

test('SIGHUP with a broken config keeps the running one', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const config = renderConfig({ exporters: [{ id: 'otlp/peer', port: backend.port }] });
  const daemon = await startDaemon(config);
  t.after(() => daemon.kill());

  const broken = {
    'YAML syntax error': config.replace('exporters:\n', 'exporters:\n  otlp/peer: { endpoint: [unclosed\n'),
    'unknown key': config.replace('    tls: { insecure: true }', '    tls: { insecure: true }\n    no_such_option: 1'),
    'pipeline names an undefined exporter': config.replace('exporters: [otlp/peer]', 'exporters: [otlp/peer, otlp/missing]'),
  };
  for (const [what, text] of Object.entries(broken)) {
    assert.notEqual(text, config, `${what}: the test really changed the config`);
    const result = await daemon.reload(text);
    assert.equal(result.ok, false, `${what}: ${result.line}`);
    assert.match(result.line, /reload failed/);
    await sleep(200);
    assert.equal(daemon.exit, undefined, `${what}: the collector kept running\n${daemon.describe()}`);
    const h = await daemon.health();
    assert.equal(h.status, 200, `${what}: health after a failed reload: ${h.text}`);
    const ids = await exportOk(daemon, 3, `after broken reload: ${what}`);
    await backend.waitForSpanIds(ids, 15_000);
  }
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('SIGHUP with a good config adding an exporter takes effect', TIMEOUT, async (t) => {
  const first = await startPeer();
  const second = await startPeer();
  t.after(() => Promise.all([first.close(), second.close()]));
  const daemon = await startDaemon(renderConfig({ exporters: [{ id: 'otlp/peer', port: first.port }] }));
  t.after(() => daemon.kill());

  const before = await exportOk(daemon, 4, 'before reload');
  await first.waitForSpanIds(before, 15_000);

  // The operator's new config: same endpoints as the running one, plus a second exporter.
  const next = renderConfig({
    receiverPort: daemon.receivers.otlp.grpc,
    healthPort: daemon.extensions.health_check,
    metricsPort: daemon.metricsPort,
    exporters: [{ id: 'otlp/peer', port: first.port }, { id: 'otlp/second', port: second.port }],
  });
  const result = await daemon.reload(next);
  assert.equal(result.ok, true, `${result.line}\n${daemon.describe()}`);

  const afterIds = await exportOk(daemon, 6, 'after reload');
  await first.waitForSpanIds(afterIds, 15_000);
  await second.waitForSpanIds(afterIds, 15_000);
  await sleep(500);
  assert.deepEqual(second.spans().map(spanKey).sort(), [...afterIds].sort(),
    'the new exporter gets exactly the spans sent after the reload');
  assert.deepEqual(first.spans().map(spanKey).sort(), [...before, ...afterIds].sort(),
    'the kept exporter gets everything once');

  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('otelcol_exporter_sent_spans', { exporter: 'otlp/second' }) === afterIds.length);
  assert.equal(m.get('otelcol_exporter_sent_spans', { exporter: 'otlp/second' }), afterIds.length, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// 1-based line and column of the first occurrence of `needle` in `text`.
function positionOf(text, needle) {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `"${needle}" is in the config`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function writeConfig(text) {
  const file = path.join(tempDir('gc-validate-'), 'collector.yaml');
  fs.writeFileSync(file, text);
  return file;
}

test('validate accepts a good config (exit 0)', TIMEOUT, async () => {
  const file = writeConfig(renderConfig({ exporters: [{ id: 'otlp/peer', port: 4317 }] }));
  const res = await runCli(['validate', '--config', file]);
  assert.equal(res.code, 0, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
});

test('validate rejects an unknown key with file:line:col and the valid keys (exit 1)', TIMEOUT, async () => {
  const good = renderConfig({ exporters: [{ id: 'otlp/peer', port: 4317 }] });
  const text = good.replace('    compression: none', '    compresion: none');
  assert.notEqual(text, good);
  const file = writeConfig(text);
  const { line, col } = positionOf(text, 'compresion:');
  const res = await runCli(['validate', '--config', file]);
  assert.equal(res.code, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
  assert.ok(res.stderr.includes(`${file}:${line}:${col}:`), `expected "${file}:${line}:${col}:" in:\n${res.stderr}`);
  assert.match(res.stderr, /compresion/);
  for (const key of ['endpoint', 'compression', 'timeout', 'retry_on_failure', 'sending_queue', 'tls']) {
    assert.ok(res.stderr.includes(key), `valid key "${key}" listed in:\n${res.stderr}`);
  }
});

test('validate points at an undefined exporter named in a pipeline (exit 1)', TIMEOUT, async () => {
  const good = renderConfig({ exporters: [{ id: 'otlp/peer', port: 4317 }] });
  const text = good.replace('exporters: [otlp/peer]', 'exporters: [otlp/peer, otlp/missing]');
  assert.notEqual(text, good);
  const file = writeConfig(text);
  const { line } = positionOf(text, 'otlp/missing');
  const res = await runCli(['validate', '--config', file]);
  assert.equal(res.code, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
  assert.match(res.stderr, new RegExp(`${escape(file)}:${line}:\\d+:.*otlp/missing`), res.stderr);
});

test('validate reports a YAML syntax error with file:line:col (exit 1)', TIMEOUT, async () => {
  const file = writeConfig('receivers:\n  otlp:\n    protocols:\n      grpc: { endpoint: 127.0.0.1:0\nexporters:\n  debug: {}\n');
  const res = await runCli(['validate', '--config', file]);
  assert.equal(res.code, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
  assert.match(res.stderr, new RegExp(`${escape(file)}:\\d+:\\d+: `), res.stderr);
});

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('config values expand ${env:VAR} and ${env:VAR:-default}', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const unset = 'GC_IT_SURELY_UNSET_BATCH_TIMEOUT';
  assert.equal(process.env[unset], undefined);
  // Block style, as operators write it; one value quoted.
  const config = [
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      grpc:',
    '        endpoint: ${env:GC_IT_LISTEN_HOST}:0',
    'processors:',
    '  batch:',
    `    timeout: \${env:${unset}:-150ms}`,
    '    send_batch_size: "${env:GC_IT_BATCH_SIZE}"',
    'exporters:',
    '  otlp/peer:',
    '    endpoint: 127.0.0.1:${env:GC_IT_PEER_PORT}',
    '    tls:',
    '      insecure: true',
    '    headers:',
    '      X-Scope-OrgID: ${env:GC_IT_TENANT}',
    'extensions:',
    '  health_check:',
    '    endpoint: 127.0.0.1:0',
    'service:',
    '  extensions: [health_check]',
    '  telemetry:',
    '    metrics:',
    '      address: 127.0.0.1:0',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [batch]',
    '      exporters: [otlp/peer]',
    '',
  ].join('\n');
  assert.match(config, /\$\{env:GC_IT_PEER_PORT\}/);
  const daemon = await startDaemon(config, {
    env: { GC_IT_LISTEN_HOST: '127.0.0.1', GC_IT_PEER_PORT: String(backend.port), GC_IT_BATCH_SIZE: '64', GC_IT_TENANT: 'team-env' },
  });
  t.after(() => daemon.kill());

  const ids = await exportOk(daemon, 5, 'env expansion');
  await backend.waitForSpanIds(ids, 15_000);
  const tenants = backend.traceRequests().map((r) => r.metadata['x-scope-orgid']);
  assert.deepEqual([...new Set(tenants)], ['team-env'], 'the header value came from the environment');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('version prints the version; components lists types and their options', TIMEOUT, async () => {
  const version = await runCli(['version']);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /genai-collector \d+\.\d+\.\d+/);

  const components = await runCli(['components']);
  assert.equal(components.code, 0, components.stderr);
  for (const word of ['otlp', 'batch', 'debug', 'health_check', 'max_recv_msg_size_mib', 'send_batch_size',
    'sending_queue', 'retry_on_failure', 'queue_size', 'compression']) {
    assert.match(components.stdout, new RegExp(`\\b${word}\\b`), `components output names ${word}`);
  }
});
