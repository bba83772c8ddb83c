// How well does pii_redact find what it must, and leave alone what it must not? A seeded corpus of
// prompt- and completion-like documents in eight locales (lib/pii_corpus.mjs: several hundred
// labelled entities of every type, and near-miss decoys) goes through the real daemon with
// `pii_redact: {}` (replace everywhere) as span attributes sent by the OpenTelemetry JS SDK, in
// the carriers applications use: a plain string, GenAI message arrays as JSON strings (as the JS
// SDK and as Python's json.dumps write them) and a string array. What the backend receives is
// aligned to the input and scored on exact spans; the table is printed, then the thresholds are
// asserted per type.
//
// GC_PII_PER_TYPE (default 400) and GC_PII_SEED change the corpus, e.g. to chase a failure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey } from './lib/peer.mjs';
import { createProvider, otlpExporter, attributeMap } from './lib/spans.mjs';
import {
  PII_TYPES, generateCorpus, checkCorpus, perfectRedaction, splitDocument, jsonAscii,
  scoreText, emptyScore, mergeScores, summarize, formatTable,
} from './lib/pii_corpus.mjs';

const TIMEOUT = { timeout: 300_000 };
const PER_TYPE = Number(process.env.GC_PII_PER_TYPE || 400);
const SEED = Number(process.env.GC_PII_SEED || 20250917);
// Phone numbers have no checksum and faker writes them in every national style: a lower bar.
const THRESHOLD = Object.fromEntries(PII_TYPES.map((t) => [t, t === 'PHONE_NUMBER' ? 0.95 : 0.99]));
const EXAMPLES = 8;

const userMessages = (text) => [{ role: 'user', parts: [{ type: 'text', content: text }] }];
const assistantMessages = (text) => [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }];

// Each carrier: the attribute it uses, the value sent for a document, and how to score what came
// back. A JSON carrier must still parse and keep its structure; only the content may change.
const CARRIERS = {
  string: {
    key: 'app.prompt',
    value: (doc) => doc.text,
    score: (doc, got, where, score) => scoreText(doc.segments, got?.string, where, score),
  },
  json: {
    key: 'gen_ai.input.messages',
    value: (doc) => JSON.stringify(userMessages(doc.text)),
    score: (doc, got, where, score) => scoreJson(doc, got, where, score, userMessages),
  },
  json_ascii: {
    key: 'gen_ai.output.messages',
    value: (doc) => jsonAscii(assistantMessages(doc.text)),
    score: (doc, got, where, score) => scoreJson(doc, got, where, score, assistantMessages),
  },
  array: {
    key: 'app.chunks',
    value: (doc) => splitDocument(doc, 3).map((segs) => segs.map((s) => s.text).join('')),
    score: (doc, got, where, score) => {
      const chunks = splitDocument(doc, 3);
      const values = got?.array?.map((v) => v.string);
      if (!values || values.length !== chunks.length) {
        return scoreText(doc.segments, undefined, { ...where, problem: `array came back as ${JSON.stringify(got)?.slice(0, 200)}` }, score);
      }
      chunks.forEach((segs, i) => scoreText(segs, values[i], { ...where, chunk: i }, score));
      return score;
    },
  },
};

function scoreJson(doc, got, where, score, shape) {
  let parsed;
  try {
    parsed = JSON.parse(got?.string);
  } catch (err) {
    return scoreText(doc.segments, undefined, { ...where, problem: `JSON no longer parses: ${err.message}` }, score);
  }
  const content = parsed?.[0]?.parts?.[0]?.content;
  try {
    // Everything but the content is as sent.
    assert.deepEqual(parsed, shape(content));
  } catch {
    return scoreText(doc.segments, undefined, { ...where, problem: `JSON structure changed: ${got.string.slice(0, 200)}` }, score);
  }
  return scoreText(doc.segments, content, where, score);
}

const short = (s, n = 160) => (s.length > n ? `${s.slice(0, n)}…` : s);

// Up to EXAMPLES examples of each kind of error per type, and where the misses cluster by kind
// (e.g. "de/national" phones, "pem" secrets), to tell a scanner gap from noise.
function report(score) {
  const lines = [];
  for (const { type } of summarize(score)) {
    const fns = score.fns.filter((x) => x.type === type);
    const fps = score.fps.filter((x) => x.type === type);
    if (!fns.length && !fps.length) continue;
    lines.push(`--- ${type}: ${fns.length} missed, ${fps.length} false or partial`);
    const byKind = new Map();
    for (const x of fns) byKind.set(x.kind, (byKind.get(x.kind) ?? 0) + 1);
    if (byKind.size) lines.push(`  missed by kind: ${[...byKind].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ')}`);
    for (const x of fns.slice(0, EXAMPLES)) {
      lines.push(`  FN ${x.doc}/${x.carrier}${x.chunk !== undefined ? `[${x.chunk}]` : ''} ${x.kind} ${JSON.stringify(short(x.text))} -> ${short(x.got)}`);
    }
    for (const x of fps.slice(0, EXAMPLES)) {
      lines.push(`  FP ${x.doc}/${x.carrier} <${type}> over ${JSON.stringify(short(x.text))} in ${JSON.stringify(short(x.context, 120))}; labels: ${x.overlaps.join(', ') || 'none'}`);
    }
  }
  if (score.decoysTouched.length) {
    const byKind = new Map();
    for (const d of score.decoysTouched) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
    lines.push(`--- decoys touched: ${score.decoysTouched.length}`);
    for (const [kind, list] of byKind) {
      lines.push(`  ${kind}: ${list.length}, e.g. ${list.slice(0, 3).map((d) => `${JSON.stringify(d.text)} by <${d.marker}> over ${JSON.stringify(d.redacted)}`).join('; ')}`);
    }
  }
  if (score.misaligned.length) {
    lines.push(`--- outputs that changed more than the entities: ${score.misaligned.length}`);
    for (const m of score.misaligned.slice(0, 3)) {
      lines.push(`  ${m.doc}/${m.carrier}${m.chunk !== undefined ? `[${m.chunk}]` : ''}: ${m.problem ?? ''}\n    sent: ${JSON.stringify(short(m.original, 300))}\n    got:  ${JSON.stringify(short(String(m.output), 300))}`);
    }
  }
  return lines.join('\n');
}

test('the corpus and the scorer measure what they claim (no daemon)', () => {
  const corpus = generateCorpus({ seed: SEED, perType: 60, decoysPerKind: 10 });
  assert.deepEqual(checkCorpus(corpus), [], 'every entity is valid by the contract and every decoy invalid');
  assert.deepEqual(generateCorpus({ seed: SEED, perType: 60, decoysPerKind: 10 }), corpus, 'the corpus is deterministic');
  for (const doc of corpus.documents) {
    const chunks = splitDocument(doc, 3);
    assert.equal(chunks.flat().map((x) => x.text).join(''), doc.text, `${doc.id}: the array elements make up the document`);
    assert.deepEqual(chunks.flat().filter((x) => x.type), doc.segments.filter((x) => x.type), `${doc.id}: no cut goes through an entity`);
    assert.ok(chunks.length >= 2, `${doc.id} is cut`);
  }
  const perfect = mergeScores(...corpus.documents.map((d) => scoreText(d.segments, perfectRedaction(d.segments))));
  const untouched = mergeScores(...corpus.documents.map((d) => scoreText(d.segments, d.text)));
  for (const row of summarize(perfect)) {
    assert.deepEqual([row.entities, row.precision, row.recall], [60, 1, 1], `perfect redaction scores 1: ${JSON.stringify(row)}`);
  }
  for (const row of summarize(untouched)) assert.deepEqual([row.tp, row.fn], [0, 60], `untouched text: recall 0: ${JSON.stringify(row)}`);
  // A touched decoy, a partial hit and a wrong type each count against the marker's type.
  const segs = [{ text: 'mail ', type: null }, { text: 'a@b.co', type: 'EMAIL_ADDRESS' }, { text: ' v', type: null },
    { text: '1.2.3.4.5', type: 'DECOY', kind: 'version' }, { text: ' call ', type: null }, { text: '555-123-4567', type: 'PHONE_NUMBER' }];
  const s = scoreText(segs, 'mail <PHONE_NUMBER> v<IP_ADDRESS>.5 call 555-<PHONE_NUMBER>');
  assert.deepEqual(s.counts, {
    EMAIL_ADDRESS: { entities: 1, tp: 0, fp: 0, fn: 1 },
    PHONE_NUMBER: { entities: 1, tp: 0, fp: 2, fn: 1 },
    IP_ADDRESS: { entities: 0, tp: 0, fp: 1, fn: 0 },
  });
  assert.equal(s.decoysTouched.length, 1);
  assert.equal(scoreText(segs, 'mail <EMAIL_ADDRESS> v1.2.3.4.5 call  <PHONE_NUMBER>').misaligned.length, 1,
    'a changed byte outside the entities is caught');
});

test(`pii_redact defaults: precision and recall per type on ${PER_TYPE} entities of each type, in every carrier`, TIMEOUT, async (t) => {
  const corpus = generateCorpus({ seed: SEED, perType: PER_TYPE });
  assert.deepEqual(checkCorpus(corpus), [], 'the corpus labels are right');

  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    processors: [{ id: 'pii_redact', body: '{}' }],
    exporters: [{ id: 'otlp/peer', port: backend.port }],
  }));
  t.after(() => daemon.kill());

  const exporter = otlpExporter(daemon.grpcAddress());
  const provider = createProvider([exporter]);
  const tracer = provider.getTracer('gc.integration.pii');
  const docsBySpan = new Map();
  for (const [i, doc] of corpus.documents.entries()) {
    const attributes = Object.fromEntries(Object.values(CARRIERS).map((c) => [c.key, c.value(doc)]));
    const span = tracer.startSpan(`chat ${doc.id}`, { attributes: { 'gen_ai.operation.name': 'chat', ...attributes } });
    span.end();
    docsBySpan.set(span.spanContext().spanId, doc);
    // Requests of about a hundred documents, well under the receiver's limit.
    if (i % 100 === 99) await provider.forceFlush();
  }
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(exporter.failures(), [], `the collector answered every export OK\n${daemon.describe()}`);
  await backend.waitForSpanIds([...docsBySpan.keys()], 60_000);

  const perCarrier = Object.fromEntries(Object.keys(CARRIERS).map((c) => [c, emptyScore()]));
  for (const entry of backend.spans()) {
    const doc = docsBySpan.get(spanKey(entry));
    const attrs = attributeMap(entry.span.attributes);
    for (const [name, carrier] of Object.entries(CARRIERS)) {
      carrier.score(doc, attrs.get(carrier.key), { doc: doc.id, carrier: name }, perCarrier[name]);
    }
  }
  const overall = mergeScores(...Object.values(perCarrier));
  const rows = summarize(overall);
  const docs = corpus.documents.length;
  console.log(formatTable(rows, `pii_redact accuracy, all carriers (${docs} documents x ${Object.keys(CARRIERS).length} carriers, seed ${SEED})`));
  for (const [name, score] of Object.entries(perCarrier)) console.log(formatTable(summarize(score), `carrier ${name} (${CARRIERS[name].key})`));
  const details = report(overall);
  if (details) console.log(details);

  await t.test('outside the entities every byte is unchanged, and JSON values still parse', () => {
    assert.equal(overall.misaligned.length, 0, report({ ...overall, counts: {}, decoysTouched: [] }));
  });
  for (const row of rows) {
    const want = THRESHOLD[row.type] ?? 1;
    await t.test(`${row.type}: precision and recall >= ${want}`, () => {
      const mine = { ...overall, counts: { [row.type]: overall.counts[row.type] }, decoysTouched: [], misaligned: [] };
      assert.ok(row.precision >= want && row.recall >= want,
        `${row.type}: precision ${row.precision.toFixed(4)}, recall ${row.recall.toFixed(4)} ` +
        `(TP ${row.tp}, FP ${row.fp}, FN ${row.fn})\n${report(mine)}`);
    });
  }
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
