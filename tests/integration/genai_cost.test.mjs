// What did that request cost? An application's GenAI spans (token usage and model attributes, as the
// OpenTelemetry GenAI conventions put them) go through the collector's genai_cost processor to a
// backend, and arrive carrying gen_ai.usage.cost (USD) and gen_ai.usage.cost.source. Every expected
// cost is computed here, independently of the daemon, from the price data a user would read: the
// LiteLLM JSON file (tests/data/litellm_model_prices.json) or config/prices.yaml.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { startDaemon, runCli, tempDir, eventually, sleep } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey } from './lib/peer.mjs';
import { createProvider, otlpExporter, attributeMap } from './lib/spans.mjs';
import { REPO, LITELLM_FILE, LITELLM, litellmPrice, perMillion, expectedCost } from './lib/prices.mjs';

const TIMEOUT = { timeout: 120_000 };
const BUILTIN_FILE = path.join(REPO, 'config/prices.yaml');
const PROC = { processor: 'genai_cost' };

const COST = 'gen_ai.usage.cost';
const SOURCE = 'gen_ai.usage.cost.source';
const STATUS = 'gen_ai.usage.cost.status';

// Minimal parser for the one-line flow mappings of config/prices.yaml:
//   "id": { provider: x, input: 2.5, tiers: [{above_input_tokens: 200000, input: 6}], litellm: "y" }
function parseFlow(text) {
  let i = 0;
  const ws = () => { while (/\s/.test(text[i])) i++; };
  const value = () => {
    ws();
    if (text[i] === '{') {
      i++;
      const obj = {};
      for (;;) {
        ws();
        if (text[i] === '}') { i++; return obj; }
        const key = /^[A-Za-z_][\w.]*/.exec(text.slice(i))[0];
        i += key.length;
        ws();
        assert.equal(text[i], ':', `prices.yaml flow map at ${i}: ${text}`);
        i++;
        obj[key] = value();
        ws();
        if (text[i] === ',') i++;
      }
    }
    if (text[i] === '[') {
      i++;
      const arr = [];
      for (;;) {
        ws();
        if (text[i] === ']') { i++; return arr; }
        arr.push(value());
        ws();
        if (text[i] === ',') i++;
      }
    }
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^[^,}\]]+/.exec(text.slice(i));
    i += m[0].length;
    const raw = m[0].trim();
    return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : raw;
  };
  return value();
}

// Entry of `id` in config/prices.yaml, as USD-per-token prices.
function builtinPrice(id) {
  const text = fs.readFileSync(BUILTIN_FILE, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith(`  "${id}": {`));
  assert.ok(line, `test data: ${id} is in ${BUILTIN_FILE}`);
  return perMillion(parseFlow(line.slice(line.indexOf('{'))));
}

// ---- spans ------------------------------------------------------------------------------------

// Usage as the GenAI conventions name it on a span.
function usageAttributes(u) {
  const names = {
    input: 'gen_ai.usage.input_tokens',
    output: 'gen_ai.usage.output_tokens',
    cache_read: 'gen_ai.usage.cache_read.input_tokens',
    cache_creation: 'gen_ai.usage.cache_creation.input_tokens',
    reasoning: 'gen_ai.usage.reasoning.output_tokens',
  };
  return Object.fromEntries(Object.entries(u).map(([k, v]) => [names[k], v]));
}

// A chat span as an instrumented client makes it: operation, provider, request and response
// models, token usage. `attrs` are the GenAI attributes besides usage.
function emitChatSpan(provider, name, attrs, usage = {}) {
  const tracer = provider.getTracer('gc.integration.genai');
  const span = tracer.startSpan(name, {
    kind: SpanKind.CLIENT,
    attributes: { 'gen_ai.operation.name': 'chat', ...attrs, ...usageAttributes(usage) },
  });
  span.end();
  return span.spanContext().spanId;
}

async function setup(t, body) {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    batch: null,
    processors: [{ id: 'genai_cost', body }],
    exporters: [{ id: 'otlp/peer', port: backend.port }],
  }));
  t.after(() => daemon.kill());
  return { backend, daemon };
}

// Sends one span per case through the daemon (SDK, OTLP/gRPC), waits for all of them at the
// backend and returns Map spanId -> { case, attrs (tagged attribute map) }.
async function sendCases(daemon, backend, cases) {
  const exporter = otlpExporter(daemon.grpcAddress());
  const provider = createProvider([exporter]);
  const ids = cases.map((c) => emitChatSpan(provider, c.name, c.attrs, c.usage));
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(exporter.failures(), [], `the collector answered every export OK\n${daemon.describe()}`);
  await backend.waitForSpanIds(ids, 15_000);
  const byId = new Map(backend.spans().map((e) => [spanKey(e), e]));
  return new Map(ids.map((id, i) => [id, { case: cases[i], attrs: attributeMap(byId.get(id).span.attributes) }]));
}

function assertClose(got, want, what) {
  assert.ok(Number.isFinite(want) && want > 0, `${what}: the expected cost ${want} is a positive number`);
  const rel = Math.abs(got - want) / Math.abs(want);
  assert.ok(rel <= 1e-12, `${what}: cost ${got}, expected ${want} (relative error ${rel})`);
}

// The span carries a double cost equal to `want` (1e-12 relative), the given source and no status.
function assertPriced(attrs, want, source, what) {
  const cost = attrs.get(COST);
  assert.ok(cost && 'double' in cost, `${what}: ${COST} is a double, got ${JSON.stringify(cost)}`);
  assertClose(cost.double, want, what);
  assert.deepEqual(attrs.get(SOURCE), { string: source }, `${what}: ${SOURCE}`);
  assert.equal(attrs.get(STATUS), undefined, `${what}: no ${STATUS} on a priced span`);
}

// ---- 1. the LiteLLM file and the built-in table --------------------------------------------------

test('cost from a LiteLLM prices_file equals the formula computed from the file, for every price kind and lookup path', TIMEOUT, async (t) => {
  // Preconditions of the lookup-path cases, read from the file itself.
  assert.equal(LITELLM['computer-use-preview-2025-03-11'], undefined, 'dated id absent from the file');
  assert.equal(LITELLM['gemini-1.5-flash'], undefined, 'unprefixed gemini id absent from the file');
  assert.equal(LITELLM['mistral-large-2411'], undefined, 'unprefixed mistral id absent from the file');
  assert.equal(LITELLM['anthropic.claude-sonnet-4-6-v1:0'], undefined, 'versioned bedrock id absent from the file');
  assert.ok(litellmPrice('claude-sonnet-4-20250514').tiers.length > 0, 'claude-sonnet-4 has a 200k tier');
  assert.ok(litellmPrice('dashscope/qwen-plus-2025-07-14').reasoning !== litellmPrice('dashscope/qwen-plus-2025-07-14').output,
    'qwen-plus has its own reasoning price');
  assert.equal(LITELLM['gemini-2.5-pro'].cache_creation_input_token_cost, undefined,
    'gemini-2.5-pro: no base cache-creation price, only a tier one');

  const cases = [
    { name: 'plain chat', key: 'gpt-4o-2024-08-06',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-2024-08-06', 'gen_ai.response.model': 'gpt-4o-2024-08-06' },
      usage: { input: 1234, output: 567 } },
    { name: 'openai cached input', key: 'gpt-4o-2024-08-06',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-2024-08-06' },
      usage: { input: 5000, cache_read: 3072, output: 200 } },
    { name: 'reasoning tokens without a reasoning price are output', key: 'gpt-4o-2024-08-06',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-2024-08-06' },
      usage: { input: 100, output: 900, reasoning: 600 } },
    { name: 'anthropic cache read and creation', key: 'claude-sonnet-4-20250514',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514', 'gen_ai.response.model': 'claude-sonnet-4-20250514' },
      usage: { input: 12000, cache_read: 8000, cache_creation: 3000, output: 900 } },
    { name: 'claude 3.7 cache, no tier even above 200k', key: 'claude-3-7-sonnet-20250219',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-3-7-sonnet-20250219' },
      usage: { input: 250000, cache_read: 100000, cache_creation: 20000, output: 4000 } },
    { name: 'long-context tier prices the whole request', key: 'claude-sonnet-4-20250514',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514' },
      usage: { input: 250000, cache_read: 60000, cache_creation: 15000, output: 3000 } },
    { name: 'exactly at the tier threshold: base price', key: 'claude-sonnet-4-20250514',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514' },
      usage: { input: 200000, output: 1000 } },
    { name: 'one token above the tier threshold: tier price', key: 'claude-sonnet-4-20250514',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514' },
      usage: { input: 200001, output: 1000 } },
    { name: 'tier with a cache-creation price the base lacks', key: 'gemini-2.5-pro',
      attrs: { 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.request.model': 'gemini-2.5-pro' },
      usage: { input: 300000, cache_read: 50000, cache_creation: 10000, output: 2000 } },
    { name: 'below the tier: cache creation falls back to the input price', key: 'gemini-2.5-pro',
      attrs: { 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.request.model': 'gemini-2.5-pro' },
      usage: { input: 30000, cache_read: 5000, cache_creation: 1000, output: 2000 } },
    { name: 'separate reasoning price', key: 'dashscope/qwen-plus-2025-07-14',
      attrs: { 'gen_ai.request.model': 'dashscope/qwen-plus-2025-07-14' },
      usage: { input: 1000, output: 5000, reasoning: 3000 } },
    { name: 'response model wins over request model', key: 'gpt-4o-2024-05-13',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-05-13' },
      usage: { input: 1000, output: 1000 } },
    { name: 'dated id falls back to its undated id', key: 'computer-use-preview',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'computer-use-preview-2025-03-11' },
      usage: { input: 4000, output: 300 } },
    { name: 'gcp.gemini id found under gemini/', key: 'gemini/gemini-1.5-flash',
      attrs: { 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.request.model': 'gemini-1.5-flash' },
      usage: { input: 4000, output: 0 } },
    { name: 'mistral_ai id found under mistral/', key: 'mistral/mistral-large-2411',
      attrs: { 'gen_ai.provider.name': 'mistral_ai', 'gen_ai.request.model': 'mistral-large-2411', 'gen_ai.response.model': 'mistral-large-2411' },
      usage: { input: 2048, output: 512 } },
    { name: 'bedrock id with -v2:0', key: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      attrs: { 'gen_ai.provider.name': 'aws.bedrock', 'gen_ai.request.model': 'anthropic.claude-3-5-sonnet-20241022-v2:0' },
      usage: { input: 9000, cache_read: 4000, cache_creation: 2000, output: 700 } },
    { name: 'bedrock id with a -v1:0 version stripped', key: 'anthropic.claude-sonnet-4-6',
      attrs: { 'gen_ai.provider.name': 'aws.bedrock', 'gen_ai.request.model': 'anthropic.claude-sonnet-4-6-v1:0' },
      usage: { input: 9000, cache_read: 4000, cache_creation: 2000, output: 700 } },
    { name: 'only output tokens', key: 'gpt-4o-2024-08-06',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-2024-08-06' },
      usage: { output: 42 } },
  ];

  const { backend, daemon } = await setup(t, `builtin: false\nprices_file: ${LITELLM_FILE}`);
  const got = await sendCases(daemon, backend, cases);
  for (const { case: c, attrs } of got.values()) {
    assertPriced(attrs, expectedCost(litellmPrice(c.key), c.usage), 'litellm', `${c.name} (${c.key})`);
  }

  const m = await eventually(() => daemon.metrics(), (x) => x.get('genai_cost_priced_spans_total', PROC) === cases.length);
  assert.equal(m.get('genai_cost_priced_spans_total', PROC), cases.length, m.text);
  assert.equal(m.sum('genai_cost_unknown_model_spans_total', PROC), 0, m.text);
  // Every per-token model of the file; "sample_spec" is LiteLLM's schema placeholder, not a model.
  const loaded = Object.entries(LITELLM).filter(([id, e]) => id !== 'sample_spec' && e && typeof e === 'object' &&
    (typeof e.input_cost_per_token === 'number' || typeof e.output_cost_per_token === 'number')).length;
  assert.equal(m.get('genai_cost_price_table_models', PROC), loaded,
    `every per-token model of the file is in the table (${loaded})\n${m.text}`);
  assert.equal(m.get('genai_cost_prices_file_models', PROC), loaded, m.text);
  assert.ok(daemon.lines.some((l) => l.includes(` genai_cost: loaded ${loaded} models from ${LITELLM_FILE}`)),
    `the number of models loaded is logged\n${daemon.describe()}`);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('built-in table alone: cost equals config/prices.yaml, source "builtin"', TIMEOUT, async (t) => {
  const cases = [
    { name: 'builtin claude-sonnet-4 above its tier', key: 'claude-sonnet-4-20250514',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514', 'gen_ai.response.model': 'claude-sonnet-4-20250514' },
      usage: { input: 210000, cache_read: 70000, cache_creation: 5000, output: 1500 } },
    { name: 'builtin claude-sonnet-4 base', key: 'claude-sonnet-4-20250514',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514' },
      usage: { input: 21000, cache_read: 7000, cache_creation: 500, output: 1500 } },
    { name: 'builtin gpt-4o-mini with cache', key: 'gpt-4o-mini',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' },
      usage: { input: 3000, cache_read: 1024, output: 800 } },
    { name: 'builtin mistral-large-2411', key: 'mistral-large-2411',
      attrs: { 'gen_ai.provider.name': 'mistral_ai', 'gen_ai.request.model': 'mistral-large-2411' },
      usage: { input: 777, output: 333 } },
  ];
  const { backend, daemon } = await setup(t, '');
  const got = await sendCases(daemon, backend, cases);
  for (const { case: c, attrs } of got.values()) {
    assertPriced(attrs, expectedCost(builtinPrice(c.key), c.usage), 'builtin', `${c.name} (${c.key})`);
  }
  const m = await eventually(() => daemon.metrics(), (x) => x.get('genai_cost_priced_spans_total', PROC) === cases.length);
  assert.equal(m.get('genai_cost_priced_spans_total', PROC), cases.length, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 2. overrides, aliases, rules ------------------------------------------------------------------

test('overrides beat the file and the built-in table; aliases and both kinds of rules', TIMEOUT, async (t) => {
  const dir = tempDir('gc-cost-');
  const file = path.join(dir, 'prices.json');
  // The file reprices a built-in model and adds one of its own.
  const filePrices = {
    'gpt-4o-mini': { input_cost_per_token: 1e-6, output_cost_per_token: 3e-6, litellm_provider: 'openai', mode: 'chat' },
    'acme-chat-1': { input_cost_per_token: 4e-7, output_cost_per_token: 1.6e-6, cache_read_input_token_cost: 1e-7, mode: 'chat' },
    'claude-opus-4-1': { input_cost_per_token: 2e-5, output_cost_per_token: 8e-5, mode: 'chat' },
  };
  fs.writeFileSync(file, JSON.stringify(filePrices, null, 2));
  const override = { input: 12, output: 60, cache_read: 1.2, cache_creation: 15 };
  const finetune = { input: 3, output: 12, tiers: [{ above_input_tokens: 100000, input: 6, output: 18 }] };
  const ruleInline = { input: 0.1, output: 0.25 };
  const body = [
    'builtin: true',
    `prices_file: ${file}`,
    'reload_interval: 0s',
    'overrides:',
    `  claude-opus-4-1: { input: ${override.input}, output: ${override.output}, cache_read: ${override.cache_read}, cache_creation: ${override.cache_creation} }`,
    '  acme-finetune-v7:',
    `    input: ${finetune.input}`,
    `    output: ${finetune.output}`,
    `    tiers: [{ above_input_tokens: 100000, input: 6, output: 18 }]`,
    'aliases:',
    '  prod-assistant: claude-sonnet-4-20250514',
    '  gpt-4o: gpt-4o-mini',
    '  ft-prod: acme-finetune-v7',
    'rules:',
    '  - { match: "^ft:gpt-4o-mini-2024-07-18:[a-z0-9-]+:.*", model: gpt-4o-mini-2024-07-18 }',
    `  - { match: "^llama-3\\\\.1-70b-(instruct|chat)-selfhosted$", input: ${ruleInline.input}, output: ${ruleInline.output} }`,
  ].join('\n');

  const builtin = (id) => builtinPrice(id);
  const cases = [
    { name: 'model only in the built-in table', price: builtin('o3-mini'), source: 'builtin',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'o3-mini' }, usage: { input: 1000, output: 2000 } },
    { name: 'the file reprices a built-in model', price: perMillion({ input: 1, output: 3 }), source: 'litellm',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' }, usage: { input: 1000, output: 2000 } },
    { name: 'model only in the file', price: perMillion({ input: 0.4, output: 1.6, cache_read: 0.1 }), source: 'litellm',
      attrs: { 'gen_ai.request.model': 'acme-chat-1' }, usage: { input: 1000, cache_read: 600, output: 2000 } },
    { name: 'override beats the file and the built-in table', price: perMillion(override), source: 'override',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-opus-4-1' },
      usage: { input: 10000, cache_read: 4000, cache_creation: 1000, output: 500 } },
    { name: 'override-only fine-tune, above its tier', price: perMillion(finetune), source: 'override',
      attrs: { 'gen_ai.request.model': 'acme-finetune-v7' }, usage: { input: 150000, output: 500 } },
    { name: 'alias to a built-in model', price: builtin('claude-sonnet-4-20250514'), source: 'builtin',
      attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'prod-assistant' },
      usage: { input: 5000, cache_read: 1000, cache_creation: 1000, output: 300 } },
    { name: 'alias beats an exact match (gpt-4o priced as the file\'s gpt-4o-mini)', price: perMillion({ input: 1, output: 3 }), source: 'litellm',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' }, usage: { input: 1000, output: 1000 } },
    { name: 'alias to an override', price: perMillion(finetune), source: 'override',
      attrs: { 'gen_ai.request.model': 'ft-prod' }, usage: { input: 1000, output: 1000 } },
    { name: 'rule mapping a fine-tuned id to its base model', price: builtin('gpt-4o-mini-2024-07-18'), source: 'builtin',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'ft:gpt-4o-mini-2024-07-18:acme-corp:support-bot:9XyZ' },
      usage: { input: 2500, cache_read: 1200, output: 400 } },
    { name: 'rule matching the response model', price: builtin('gpt-4o-mini-2024-07-18'), source: 'builtin',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'my-deployment',
        'gen_ai.response.model': 'ft:gpt-4o-mini-2024-07-18:acme-corp::AbC123' },
      usage: { input: 2500, output: 400 } },
    { name: 'rule with inline prices', price: perMillion(ruleInline), source: 'rule',
      attrs: { 'gen_ai.request.model': 'llama-3.1-70b-instruct-selfhosted' }, usage: { input: 8000, output: 1000 } },
  ];

  const { backend, daemon } = await setup(t, body);
  const got = await sendCases(daemon, backend, cases);
  for (const { case: c, attrs } of got.values()) {
    assertPriced(attrs, expectedCost(c.price, c.usage), c.source, c.name);
  }
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 3. unknown models and spans without usage -----------------------------------------------------

test('unknown models get status unknown_model and no cost, counted by model; spans without usage are untouched', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, `builtin: false\nprices_file: ${LITELLM_FILE}`);
  assert.equal(LITELLM['acme-llm-9000'], undefined);
  const cases = [
    ...Array.from({ length: 3 }, (_, i) => ({ name: `unknown request model ${i}`, kind: 'unknown', model: 'acme-llm-9000',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'acme-llm-9000' }, usage: { input: 10 + i, output: 5 } })),
    { name: 'unknown response model', kind: 'unknown', model: 'acme-llm-9000-2025-01-01',
      attrs: { 'gen_ai.request.model': 'acme-llm', 'gen_ai.response.model': 'acme-llm-9000-2025-01-01' }, usage: { input: 10, output: 5 } },
    { name: 'usage but no model at all', kind: 'unknown', model: '',
      attrs: {}, usage: { input: 10, output: 5 } },
    { name: 'model but no usage', kind: 'untouched',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-2024-08-06' } },
    { name: 'unknown model, no usage', kind: 'untouched', attrs: { 'gen_ai.request.model': 'acme-llm-9000' } },
    { name: 'only cache tokens, no input/output', kind: 'untouched',
      attrs: { 'gen_ai.request.model': 'gpt-4o-2024-08-06' }, usage: { cache_read: 100 } },
    { name: 'priced neighbour', kind: 'priced',
      attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-2024-08-06' }, usage: { input: 100, output: 50 } },
  ];
  const got = await sendCases(daemon, backend, cases);
  for (const { case: c, attrs } of got.values()) {
    if (c.kind === 'unknown') {
      assert.deepEqual(attrs.get(STATUS), { string: 'unknown_model' }, `${c.name}: status`);
      assert.equal(attrs.get(COST), undefined, `${c.name}: no cost`);
      assert.equal(attrs.get(SOURCE), undefined, `${c.name}: no source`);
    } else if (c.kind === 'untouched') {
      const added = [...attrs.keys()].filter((k) => k.startsWith('gen_ai.usage.cost'));
      assert.deepEqual(added, [], `${c.name}: no cost attributes`);
      const sent = { 'gen_ai.operation.name': 'chat', ...c.attrs, ...usageAttributes(c.usage ?? {}) };
      assert.deepEqual(Object.fromEntries(attrs), Object.fromEntries(Object.entries(sent).map(([k, v]) =>
        [k, Number.isInteger(v) ? { int: String(v) } : { string: v }])), `${c.name}: attributes as sent`);
    } else {
      assertPriced(attrs, expectedCost(litellmPrice('gpt-4o-2024-08-06'), c.usage), 'litellm', c.name);
    }
  }
  const m = await eventually(() => daemon.metrics(),
    (x) => x.get('genai_cost_unknown_model_spans_total', { ...PROC, model: 'acme-llm-9000' }) === 3);
  assert.equal(m.get('genai_cost_unknown_model_spans_total', { ...PROC, model: 'acme-llm-9000' }), 3, m.text);
  assert.equal(m.get('genai_cost_unknown_model_spans_total', { ...PROC, model: 'acme-llm-9000-2025-01-01' }), 1,
    `the response model names the series\n${m.text}`);
  assert.equal(m.sum('genai_cost_unknown_model_spans_total', PROC), 5, m.text);
  assert.equal(m.get('genai_cost_priced_spans_total', PROC), 1, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 4. price reload mid-stream ---------------------------------------------------------------------

test('a prices_file change takes effect mid-stream without losing a span; a broken file keeps the last good prices', TIMEOUT, async (t) => {
  const dir = tempDir('gc-cost-reload-');
  const file = path.join(dir, 'prices.json');
  const table = (input, output) => JSON.stringify({
    'reload-model': { input_cost_per_token: input, output_cost_per_token: output, mode: 'chat' },
    'steady-model': { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6, mode: 'chat' },
  }, null, 2);
  fs.writeFileSync(file, table(1e-6, 2e-6));
  const oldPrice = perMillion({ input: 1, output: 2 });
  const newPrice = perMillion({ input: 2, output: 4 });
  const usage = { input: 1000, output: 500 };
  const oldCost = expectedCost(oldPrice, usage);
  const newCost = expectedCost(newPrice, usage);

  const { backend, daemon } = await setup(t, `builtin: false\nprices_file: ${file}\nreload_interval: 500ms`);
  const exporter = otlpExporter(daemon.grpcAddress());
  const provider = createProvider([exporter]);
  const sent = [];      // { id, phase }
  const gauges = [];
  let phase = 'old';
  let stop = false;
  const sender = (async () => {
    while (!stop) {
      const id = emitChatSpan(provider, `reload ${sent.length}`,
        { 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'reload-model' }, usage);
      const at = phase;
      await provider.forceFlush();
      sent.push({ id, phase: at, flushedIn: phase });
      await sleep(50);
    }
  })();
  const watcher = (async () => {
    while (!stop) {
      try { gauges.push((await daemon.metrics()).get('genai_cost_price_table_models', PROC)); } catch (e) { gauges.push(String(e)); }
      await sleep(100);
    }
  })();

  try {
    await sleep(1000);
    // Rewrite in place with doubled prices (same size: only the digits change).
    phase = 'changing';
    const from = daemon.lines.length;
    fs.writeFileSync(file, table(2e-6, 4e-6));
    await daemon.waitForLog(/genai_cost: reloaded prices/, { fromLine: from, timeoutMs: 5000 });
    phase = 'new';
    await sleep(1500);
    // A broken file: logged, the last good table stays.
    phase = 'broken';
    const fromBroken = daemon.lines.length;
    fs.writeFileSync(file, '{ "reload-model": { "input_cost_per_token": 5e-6, ');
    await daemon.waitForLog(/prices not reloaded/, { fromLine: fromBroken, timeoutMs: 5000 });
    await sleep(1500);
  } finally {
    stop = true;
    await sender;
    await watcher;
  }
  await provider.shutdown();
  assert.deepEqual(exporter.failures(), [], daemon.describe());

  const ids = sent.map((s) => s.id);
  await backend.waitForSpanIds(ids, 15_000);
  await sleep(300);
  const entries = backend.spans();
  const counts = new Map();
  for (const e of entries) counts.set(spanKey(e), (counts.get(spanKey(e)) ?? 0) + 1);
  assert.equal(entries.length, ids.length, 'every span arrived exactly once');
  for (const id of ids) assert.equal(counts.get(id), 1, `span ${id} arrived once`);

  const byId = new Map(entries.map((e) => [spanKey(e), attributeMap(e.span.attributes)]));
  const tally = { old: [0, 0], changing: [0, 0], new: [0, 0], broken: [0, 0] };
  for (const s of sent) {
    const attrs = byId.get(s.id);
    const cost = attrs.get(COST)?.double;
    assert.deepEqual(attrs.get(SOURCE), { string: 'litellm' }, `span ${s.id} (${s.phase}): source`);
    const isOld = cost !== undefined && Math.abs(cost - oldCost) <= 1e-12 * oldCost;
    const isNew = cost !== undefined && Math.abs(cost - newCost) <= 1e-12 * newCost;
    assert.ok(isOld || isNew, `span ${s.id} (${s.phase}): cost ${cost} is the old ${oldCost} or the new ${newCost}`);
    // Spans flushed entirely before the rewrite are old; after the reload was logged, new.
    if (s.phase === 'old' && s.flushedIn === 'old') assert.ok(isOld, `span ${s.id} sent before the change: old cost, got ${cost}`);
    if (s.phase === 'new' || s.phase === 'broken') assert.ok(isNew, `span ${s.id} (${s.phase}) sent after the reload: new cost, got ${cost}`);
    tally[s.phase][isOld ? 0 : 1]++;
  }
  assert.ok(tally.old[0] >= 10, `enough spans before the change: ${JSON.stringify(tally)}`);
  assert.ok(tally.new[1] >= 10 && tally.broken[1] >= 10, `enough spans after it: ${JSON.stringify(tally)}`);
  assert.ok(gauges.length > 10 && gauges.every((g) => g === 2),
    `genai_cost_price_table_models stayed 2 throughout: ${JSON.stringify(gauges)}`);
  const m = await daemon.metrics();
  assert.equal(m.get('genai_cost_priced_spans_total', PROC), ids.length, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 5. config errors -------------------------------------------------------------------------------

function positionOf(text, needle) {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `"${needle}" is in the config`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

const badConfigs = [
  { name: 'a bad regular expression in rules', needle: '"^gpt-(4o"', what: /regular expression|regex/i,
    body: 'rules:\n  - { match: "^gpt-(4o", model: gpt-4o }' },
  { name: 'an unknown key in an override', needle: 'cached_input:', what: /cached_input/,
    body: 'overrides:\n  my-model:\n    input: 1\n    output: 2\n    cached_input: 0.5' },
  { name: 'a negative price in an override', needle: '-3', what: /negative|>= ?0|non-negative|price/i,
    body: 'overrides:\n  my-model: { input: 1, output: -3 }' },
  { name: 'a negative price in a rule', needle: '-0.1', what: /negative|>= ?0|non-negative|price/i,
    body: 'rules:\n  - { match: "^local-", input: -0.1, output: 1 }' },
];

for (const bad of badConfigs) {
  test(`validate rejects ${bad.name} with file:line:col (exit 1)`, TIMEOUT, async () => {
    const text = renderConfig({ batch: null, processors: [{ id: 'genai_cost', body: bad.body }],
      exporters: [{ id: 'otlp/peer', port: 4317 }] });
    const file = path.join(tempDir('gc-cost-validate-'), 'collector.yaml');
    fs.writeFileSync(file, text);
    const { line, col } = positionOf(text, bad.needle);
    const res = await runCli(['validate', '--config', file]);
    assert.equal(res.code, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
    assert.ok(res.stderr.includes(`${file}:${line}:${col}: `), `position of ${bad.needle} (${line}:${col}) in:\n${res.stderr}`);
    assert.match(res.stderr, bad.what, res.stderr);
  });
}

test('validate accepts the genai_cost options this file uses (exit 0)', TIMEOUT, async () => {
  const text = renderConfig({ batch: null, processors: [{ id: 'genai_cost', body: [
    `prices_file: ${LITELLM_FILE}`, 'reload_interval: 2s', 'max_unknown_models: 10',
    'overrides:', '  my-model: { input: 1, output: 2, cache_read: 0.1, cache_creation: 1.25, reasoning: 3, tiers: [{ above_input_tokens: 1000, input: 2 }] }',
    'aliases: { prod: my-model }', 'rules:', '  - { match: "^local-", input: 0.1, output: 1 }', '  - { match: "^ft:", model: gpt-4o }',
  ].join('\n') }], exporters: [{ id: 'otlp/peer', port: 4317 }] });
  const file = path.join(tempDir('gc-cost-validate-'), 'collector.yaml');
  fs.writeFileSync(file, text);
  const res = await runCli(['validate', '--config', file]);
  assert.equal(res.code, 0, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
});
