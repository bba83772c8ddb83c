// The price model of genai_cost, written independently of the collector from the documented
// formula, and the LiteLLM price file it is checked against.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Node 18 (Debian 12's) has no import.meta.dirname.
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const LITELLM_FILE = path.join(REPO, 'tests/data/litellm_model_prices.json');
export const LITELLM = JSON.parse(fs.readFileSync(LITELLM_FILE, 'utf8'));

// A LiteLLM entry -> { input, output, cache_read?, cache_creation?, reasoning?, tiers: [...] } in
// USD per token. Tiers come from "<kind>_above_<N>k_tokens" keys.
export function litellmPrice(id) {
  const e = LITELLM[id];
  assert.ok(e && (typeof e.input_cost_per_token === 'number' || typeof e.output_cost_per_token === 'number'),
    `test data: ${id} is priced per token in ${LITELLM_FILE}`);
  const kinds = {
    input_cost_per_token: 'input',
    output_cost_per_token: 'output',
    cache_read_input_token_cost: 'cache_read',
    cache_creation_input_token_cost: 'cache_creation',
  };
  const tiers = new Map();
  for (const [key, value] of Object.entries(e)) {
    const m = /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)_above_(\d+)k_tokens$/.exec(key);
    if (!m || typeof value !== 'number') continue;
    const above = Number(m[2]) * 1000;
    if (!tiers.has(above)) tiers.set(above, { above_input_tokens: above });
    tiers.get(above)[kinds[m[1]]] = value;
  }
  return {
    input: e.input_cost_per_token ?? 0,
    output: e.output_cost_per_token ?? 0,
    cache_read: e.cache_read_input_token_cost,
    cache_creation: e.cache_creation_input_token_cost,
    reasoning: e.output_cost_per_reasoning_token,
    tiers: [...tiers.values()],
  };
}

// USD per million tokens (overrides, rules, config/prices.yaml) -> USD per token.
export function perMillion({ input, output, cache_read, cache_creation, reasoning, tiers = [] }) {
  const pt = (x) => (x === undefined ? undefined : x / 1e6);
  return {
    input: pt(input ?? 0),
    output: pt(output ?? 0),
    cache_read: pt(cache_read),
    cache_creation: pt(cache_creation),
    reasoning: pt(reasoning),
    tiers: tiers.map((t) => ({
      above_input_tokens: t.above_input_tokens,
      input: pt(t.input), output: pt(t.output), cache_read: pt(t.cache_read), cache_creation: pt(t.cache_creation),
    })),
  };
}

// The documented formula. The highest tier whose threshold the input exceeds prices the whole
// request; a kind the tier lacks keeps the base price; cache prices fall back to the input price;
// reasoning tokens are output unless a reasoning price exists.
export function expectedCost(p, u) {
  const input = u.input ?? 0;
  const output = u.output ?? 0;
  const cacheRead = u.cache_read ?? 0;
  const cacheCreation = u.cache_creation ?? 0;
  const reasoning = u.reasoning ?? 0;
  let { input: pin, output: pout, cache_read: pcr, cache_creation: pcc } = p;
  const tier = [...p.tiers].sort((a, b) => b.above_input_tokens - a.above_input_tokens)
    .find((t) => input > t.above_input_tokens);
  if (tier) {
    pin = tier.input ?? pin;
    pout = tier.output ?? pout;
    pcr = tier.cache_read ?? pcr;
    pcc = tier.cache_creation ?? pcc;
  }
  pcr ??= pin;
  pcc ??= pin;
  let cost = (input - cacheRead - cacheCreation) * pin + cacheRead * pcr + cacheCreation * pcc;
  if (p.reasoning !== undefined) cost += (output - reasoning) * pout + reasoning * p.reasoning;
  else cost += output * pout;
  return cost;
}

