// /metrics as scrapers read it. The real daemon on its default config (every port bound to 0)
// takes spans from the OpenTelemetry JS SDK over OTLP/gRPC and OTLP/HTTP, two of them priced
// against a model name holding quotes, a backslash, a newline and a control character. Then:
//  - the Prometheus text (no Accept header, or text/plain) passes `promtool check metrics`
//    (Debian package prometheus, which ./deps.sh installs; without it the test fails). The one
//    lint finding allowed is the missing "_total" on the otelcol_* counters, whose names existing
//    collector dashboards query as they are; a corrupted copy must be refused, so the check can
//    fail. Each family has one HELP and one TYPE before its samples, and histograms are
//    cumulative with +Inf equal to _count;
//  - with Accept: application/openmetrics-text (Prometheus' own header) the answer is OpenMetrics
//    1.0.0: its content type, counters' families named without _total and sampled with it, the
//    same series as the Prometheus text, and `# EOF` last.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { startDaemon, eventually, tempDir, parsePrometheus } from './lib/daemon.mjs';
import { defaultConfig, LOOPBACK_ENV } from './lib/default_config.mjs';
import { createProvider, otlpExporter, otlpHttpExporter, emitSimpleSpans } from './lib/spans.mjs';

const TIMEOUT = { timeout: 120_000 };
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const HOSTILE_MODEL = 'evil "model" \\ with\na newline and \u0001 a control character';
// As the exposition gives it back once unescaped: the control character became U+FFFD.
const HOSTILE_LABEL = 'evil "model" \\ with\na newline and \ufffd a control character';
const ALLOWED_LINT = /^otelcol_\w+ counter metrics should have "_total" suffix$/;

async function scrape(daemon, accept) {
  const res = await fetch(`http://127.0.0.1:${daemon.metricsPort}/metrics`, {
    headers: accept ? { accept } : {},
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

// Sends `count` plain spans over `transport`, and two spans with token usage for HOSTILE_MODEL.
async function sendSpans(daemon, transport, count) {
  const exporter = transport === 'grpc'
    ? otlpExporter(daemon.grpcAddress())
    : otlpHttpExporter(daemon.httpUrl('/v1/traces'));
  const provider = createProvider([exporter]);
  emitSimpleSpans(provider, count, `exposition-${transport}`);
  const tracer = provider.getTracer('gc.integration.exposition');
  for (let i = 0; i < 2; i++) {
    tracer.startSpan('chat', { kind: SpanKind.CLIENT, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': HOSTILE_MODEL,
      'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5,
    } }).end();
  }
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(exporter.failures(), [], `${transport} exports succeeded`);
  assert.equal(exporter.exportedSpans, count + 2, `${transport}: every span exported`);
}

// Runs `promtool check metrics` on text written to a file: { code, problems }.
function promtool(text) {
  const file = path.join(tempDir('gc-promtool-'), 'metrics.prom');
  fs.writeFileSync(file, text);
  const fd = fs.openSync(file, 'r');
  let res;
  try {
    res = spawnSync('promtool', ['check', 'metrics'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 30000 });
  } finally {
    fs.closeSync(fd);
  }
  if (res.error?.code === 'ENOENT') {
    assert.fail('promtool is not installed: it comes with the Debian package prometheus, which ./deps.sh installs');
  }
  assert.ifError(res.error);
  const problems = `${res.stdout}${res.stderr}`.split('\n').filter((l) => l.trim() !== '');
  return { code: res.status, problems, file };
}

// Families of an exposition in order: { name, type, help, samples: [lines] }; asserts each has
// one HELP and one TYPE, both before its samples, and that a family's samples are contiguous.
function families(text) {
  const out = new Map();
  let current;
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!out.has(name)) out.set(name, { name, samples: [] });
      const f = out.get(name);
      assert.equal(f.samples.length, 0, `# ${kind} ${name} comes before its samples`);
      assert.equal(f[kind], undefined, `one # ${kind} for ${name}`);
      f[kind] = rest;
      current = f;
    } else if (line && !line.startsWith('#')) {
      assert.ok(current && line.startsWith(current.name), `sample under its family: ${line}`);
      current.samples.push(line);
    }
  }
  for (const f of out.values()) assert.ok(f.HELP !== undefined && f.TYPE !== undefined, `${f.name} has HELP and TYPE`);
  return out;
}

// Histograms: per label set, le ascending and last "+Inf", counts cumulative, +Inf == _count.
function assertHistograms(text) {
  const m = parsePrometheus(text);
  for (const f of families(text).values()) {
    if (f.TYPE !== 'histogram') continue;
    const sets = new Map();
    for (const s of m.samples.filter((x) => x.name === `${f.name}_bucket`)) {
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      if (!sets.has(key)) sets.set(key, []);
      sets.get(key).push({ le: le === '+Inf' ? Infinity : Number(le), value: s.value });
    }
    for (const [key, buckets] of sets) {
      assert.equal(buckets.at(-1).le, Infinity, `${f.name}${key}: +Inf last`);
      for (let i = 1; i < buckets.length; i++) {
        assert.ok(buckets[i].le > buckets[i - 1].le && buckets[i].value >= buckets[i - 1].value,
          `${f.name}${key}: buckets ascending and cumulative`);
      }
      assert.equal(m.get(`${f.name}_count`, JSON.parse(key)), buckets.at(-1).value, `${f.name}${key}: _count is +Inf`);
    }
  }
}

test('/metrics passes promtool, and answers OpenMetrics 1.0.0 when asked', TIMEOUT, async (t) => {
  const daemon = await startDaemon(defaultConfig(), { env: LOOPBACK_ENV });
  t.after(() => daemon.kill());

  await sendSpans(daemon, 'grpc', 5);
  await sendSpans(daemon, 'http', 3);
  const accepted = (x) => x.get('otelcol_receiver_accepted_spans', { receiver: 'otlp', transport: 'grpc' }) === 7 &&
    x.get('otelcol_receiver_accepted_spans', { receiver: 'otlp', transport: 'http' }) === 5 &&
    x.get('genai_cost_unknown_model_spans_total', { processor: 'genai_cost', model: HOSTILE_LABEL }) === 4;
  const m = await eventually(() => daemon.metrics(), accepted);
  assert.ok(accepted(m), `spans counted, the hostile model as one escaped series\n${m.text}`);

  // Prometheus text, asked for or by default.
  const plain = await scrape(daemon);
  assert.equal(plain.status, 200);
  assert.equal(plain.type, PROMETHEUS_TYPE);
  assert.equal((await scrape(daemon, 'text/plain')).type, PROMETHEUS_TYPE);
  assert.ok(!plain.text.includes('# EOF'));
  const check = promtool(plain.text);
  const unexpected = check.problems.filter((p) => !ALLOWED_LINT.test(p));
  assert.deepEqual(unexpected, [], `promtool check metrics on ${check.file}: only the otelcol_* _total lint`);
  assert.ok(check.code === 0 || (check.code === 3 && check.problems.length > 0),
    `promtool exit code ${check.code} (0, or 3 for lint findings)\n${check.problems.join('\n')}`);
  t.diagnostic(`promtool exit ${check.code}, ${check.problems.length} otelcol_* _total lint findings`);
  const corrupted = promtool(`${plain.text}broken_metric{le="1" 3\n`);
  assert.ok(corrupted.code !== 0 && corrupted.code !== 3, `promtool refuses a corrupted copy (exit ${corrupted.code})`);
  assertHistograms(plain.text);

  // OpenMetrics.
  for (const accept of [PROMETHEUS_ACCEPT, 'application/openmetrics-text']) {
    const om = await scrape(daemon, accept);
    assert.equal(om.status, 200);
    assert.equal(om.type, OPENMETRICS_TYPE, `content type for Accept: ${accept}`);
    assert.ok(om.text.endsWith('\n# EOF\n'), 'ends with # EOF');
    assert.equal(om.text.split('\n').filter((l) => l.startsWith('# EOF')).length, 1, 'one # EOF');
  }
  const om = (await scrape(daemon, PROMETHEUS_ACCEPT)).text;
  const plainAgain = (await scrape(daemon)).text;
  const omFamilies = families(om);
  const counters = [...omFamilies.values()].filter((f) => f.TYPE === 'counter');
  assert.ok(counters.length > 5, 'counters present');
  for (const f of counters) {
    assert.ok(!f.name.endsWith('_total'), `counter family ${f.name} named without _total`);
    for (const s of f.samples) assert.ok(s.startsWith(`${f.name}_total`), `sample ${s} of ${f.name} ends in _total`);
  }
  assert.ok(omFamilies.has('otelcol_receiver_accepted_spans'));
  assert.ok(omFamilies.has('genai_cost_unknown_model_spans'));
  assertHistograms(om.replace('# EOF\n', ''));

  // The same series both ways: a Prometheus counter sample is named as its OpenMetrics one, and
  // le compared as a number (OpenMetrics writes 10 as "10.0").
  const plainTypes = families(plainAgain);
  const key = (s) => `${s.name}${JSON.stringify(s.labels.le === undefined ? s.labels : { ...s.labels, le: String(Number(s.labels.le)) })}`;
  const asOpenMetrics = (s) => {
    const f = [...plainTypes.values()].find((x) => x.samples.some((line) => line.startsWith(`${s.name}{`) || line.startsWith(`${s.name} `)));
    const counter = f?.TYPE === 'counter' && !s.name.endsWith('_total');
    return { ...s, name: counter ? `${s.name}_total` : s.name };
  };
  const plainKeys = parsePrometheus(plainAgain).samples.map((s) => key(asOpenMetrics(s))).sort();
  const omKeys = parsePrometheus(om).samples.map(key).sort();
  assert.deepEqual(omKeys, plainKeys, 'the same series in both formats');

  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
