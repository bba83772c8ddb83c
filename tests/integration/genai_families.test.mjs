// Spans shaped as each instrumentation family sends them (OpenLLMetry, OpenInference, Vercel AI
// SDK, older OpenTelemetry GenAI names) go through genai_normalize and genai_cost; on the far side
// each carries the current GenAI attributes and a cost equal, to 1e-12 relative, to the formula
// applied in this test to the LiteLLM price file. Shapes follow processors/genai_normalize.md.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { startDaemon } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey } from './lib/peer.mjs';
import { createProvider, otlpExporter, attributeMap } from './lib/spans.mjs';
import { LITELLM_FILE, litellmPrice, expectedCost } from './lib/prices.mjs';

const TIMEOUT = { timeout: 120_000 };

// name, attributes as the library sets them, and what must come out: the normalized usage (in
// the OTel sense: input includes cached tokens), the model it is priced as, and a few attributes.
const FAMILIES = [
  {
    name: 'OpenLLMetry, OpenAI chat with a cached prompt',
    attrs: {
      'gen_ai.system': 'openai', 'llm.request.type': 'chat',
      'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.prompt_tokens': 1200, 'gen_ai.usage.completion_tokens': 300,
      'llm.usage.total_tokens': 1500, 'gen_ai.usage.cache_read_input_tokens': 1024,
      'gen_ai.completion.0.finish_reason': 'stop',
    },
    usage: { input: 1200, output: 300, cache_read: 1024 },
    model: 'gpt-4o-2024-08-06',
    expect: { 'gen_ai.provider.name': 'openai', 'gen_ai.response.finish_reasons': ['stop'] },
  },
  {
    name: 'OpenLLMetry, Anthropic with cache reads and writes',
    attrs: {
      'gen_ai.system': 'Anthropic', 'llm.request.type': 'completion',
      'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.usage.input_tokens': 10250, 'gen_ai.usage.output_tokens': 420,
      'gen_ai.usage.cache_read.input_tokens': 10000, 'gen_ai.usage.cache_creation.input_tokens': 200,
    },
    usage: { input: 10250, output: 420, cache_read: 10000, cache_creation: 200 },
    model: 'claude-sonnet-4-5-20250929',
    expect: { 'gen_ai.provider.name': 'anthropic' },
  },
  {
    name: 'OpenInference, OpenAI chat',
    attrs: {
      'openinference.span.kind': 'LLM', 'llm.provider': 'openai', 'llm.system': 'openai',
      'llm.model_name': 'gpt-4o-mini-2024-07-18',
      'llm.token_count.prompt': 2100, 'llm.token_count.completion': 80, 'llm.token_count.total': 2180,
      'llm.token_count.prompt_details.cache_read': 2048,
    },
    usage: { input: 2100, output: 80, cache_read: 2048 },
    model: 'gpt-4o-mini-2024-07-18',
    expect: { 'gen_ai.provider.name': 'openai', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18' },
  },
  {
    name: 'OpenInference, Anthropic, cache-inclusive prompt count',
    attrs: {
      'openinference.span.kind': 'LLM', 'llm.provider': 'anthropic', 'llm.system': 'anthropic',
      'llm.model_name': 'claude-haiku-4-5-20251001',
      'llm.token_count.prompt': 5230, 'llm.token_count.completion': 150,
      'llm.token_count.prompt_details.cache_read': 5000, 'llm.token_count.prompt_details.cache_write': 200,
    },
    usage: { input: 5230, output: 150, cache_read: 5000, cache_creation: 200 },
    model: 'claude-haiku-4-5-20251001',
    expect: { 'gen_ai.provider.name': 'anthropic' },
  },
  {
    name: 'Vercel AI SDK v6, Anthropic with cache and reasoning',
    attrs: {
      'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'anthropic.messages',
      'ai.model.id': 'claude-opus-4-1',
      'ai.usage.inputTokens': 8540, 'ai.usage.inputTokenDetails.noCacheTokens': 40,
      'ai.usage.inputTokenDetails.cacheReadTokens': 8000, 'ai.usage.inputTokenDetails.cacheWriteTokens': 500,
      'ai.usage.outputTokens': 300, 'ai.usage.outputTokenDetails.reasoningTokens': 120,
      'ai.response.finishReason': 'stop',
    },
    usage: { input: 8540, output: 300, cache_read: 8000, cache_creation: 500, reasoning: 120 },
    model: 'claude-opus-4-1',
    expect: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-opus-4-1' },
  },
  {
    // v5 reports Anthropic input without cache, and the cache counts only in providerMetadata:
    // priced as sent, this span would miss 8,500 input tokens.
    name: 'Vercel AI SDK v5, Anthropic, cache only in providerMetadata',
    attrs: {
      'ai.operationId': 'ai.streamText.doStream', 'ai.model.provider': 'anthropic.messages',
      'ai.model.id': 'claude-sonnet-4-20250514', 'gen_ai.system': 'anthropic.messages',
      'gen_ai.request.model': 'claude-sonnet-4-20250514',
      'ai.usage.promptTokens': 40, 'ai.usage.completionTokens': 300,
      'gen_ai.usage.input_tokens': 40, 'gen_ai.usage.output_tokens': 300,
      'ai.response.providerMetadata': JSON.stringify({ anthropic: { usage: {
        input_tokens: 40, output_tokens: 300, cache_creation_input_tokens: 500, cache_read_input_tokens: 8000,
      }, cacheCreationInputTokens: 500 } }),
      'ai.response.finishReason': 'tool-calls',
    },
    usage: { input: 8540, output: 300, cache_read: 8000, cache_creation: 500 },
    model: 'claude-sonnet-4-20250514',
    expect: { 'gen_ai.provider.name': 'anthropic' },
  },
  {
    name: 'Vercel AI SDK v4, OpenAI',
    attrs: {
      'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'openai.chat',
      'ai.model.id': 'gpt-4o', 'gen_ai.system': 'openai.chat',
      'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'ai.usage.promptTokens': 900, 'ai.usage.completionTokens': 50,
      'gen_ai.usage.prompt_tokens': 900, 'gen_ai.usage.completion_tokens': 50,
      'ai.response.finishReason': 'stop', 'gen_ai.response.finish_reasons': ['stop'],
    },
    usage: { input: 900, output: 50 },
    model: 'gpt-4o-2024-08-06',
    expect: { 'gen_ai.provider.name': 'openai' },
  },
  {
    name: 'OpenTelemetry GenAI before v1.37 (gen_ai.system, prompt/completion tokens)',
    attrs: {
      'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4', 'gen_ai.response.model': 'gpt-4-0613',
      'gen_ai.usage.prompt_tokens': 20, 'gen_ai.usage.completion_tokens': 8,
      'gen_ai.response.finish_reasons': ['stop'],
    },
    usage: { input: 20, output: 8 },
    model: 'gpt-4-0613',
    expect: { 'gen_ai.provider.name': 'openai' },
  },
];

const INT_KEYS = {
  input: 'gen_ai.usage.input_tokens',
  output: 'gen_ai.usage.output_tokens',
  cache_read: 'gen_ai.usage.cache_read.input_tokens',
  cache_creation: 'gen_ai.usage.cache_creation.input_tokens',
  reasoning: 'gen_ai.usage.reasoning.output_tokens',
};

test('each instrumentation family is normalized and priced as the LiteLLM table says', TIMEOUT, async (t) => {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    batch: null,
    processors: [
      { id: 'genai_normalize', body: '{}' },
      { id: 'genai_cost', body: `{ builtin: false, prices_file: "${LITELLM_FILE}" }` },
    ],
    exporters: [{ id: 'otlp/peer', port: backend.port }],
  }));
  t.after(() => daemon.kill());

  const provider = createProvider([otlpExporter(daemon.grpcAddress())]);
  const tracer = provider.getTracer('gc.integration.families');
  const ids = new Map();
  for (const family of FAMILIES) {
    const span = tracer.startSpan(family.name, { kind: SpanKind.CLIENT, attributes: family.attrs });
    span.end();
    ids.set(span.spanContext().spanId, family);
  }
  // A wrapper span of a workflow: no usage of its own, so nothing to price.
  const wrapper = tracer.startSpan('workflow', { attributes: { 'traceloop.span.kind': 'workflow' } });
  wrapper.end();
  await provider.forceFlush();
  await provider.shutdown();

  const spans = await backend.waitForSpans(FAMILIES.length + 1, 20_000);
  for (const got of spans) {
    const attrs = attributeMap(got.span.attributes);
    const family = ids.get(spanKey(got));
    if (!family) {
      assert.equal(attrs.get('gen_ai.usage.cost'), undefined, 'the wrapper span is not priced');
      assert.equal(attrs.get('gen_ai.usage.cost.status'), undefined);
      continue;
    }
    const where = `${family.name}: ${JSON.stringify(Object.fromEntries(attrs))}`;
    for (const [kind, key] of Object.entries(INT_KEYS)) {
      if (family.usage[kind] === undefined) continue;
      assert.deepEqual(attrs.get(key), { int: String(family.usage[kind]) }, `${key} of ${where}`);
    }
    for (const [key, want] of Object.entries(family.expect)) {
      const value = Array.isArray(want) ? { array: want.map((s) => ({ string: s })) } : { string: want };
      assert.deepEqual(attrs.get(key), value, `${key} of ${where}`);
    }
    for (const [key, value] of Object.entries(family.attrs)) {
      assert.ok(attrs.has(key), `original ${key} is kept (drop_original is false): ${where}`);
    }
    const want = expectedCost(litellmPrice(family.model), family.usage);
    const cost = attrs.get('gen_ai.usage.cost')?.double;
    assert.ok(typeof cost === 'number', `cost on ${where}`);
    assert.ok(Math.abs(cost - want) <= 1e-12 * want, `${family.name}: cost ${cost}, want ${want}`);
    assert.deepEqual(attrs.get('gen_ai.usage.cost.source'), { string: 'litellm' }, where);
  }
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
