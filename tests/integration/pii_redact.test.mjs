// What pii_redact does to telemetry on its way to a backend. Personal data and secrets are planted
// in every place an application puts text — span, event, link and resource attributes, string
// arrays, kvlists, log bodies and attributes, JSON message arrays with escapes — and the bytes the
// backend receives are searched for them. Around the entities nothing may change, so every value
// is compared whole. Then each option of the contract: operators, key rules, scan_resource, custom
// types, enabled_types, the pii.redacted.* attributes, the metrics, and config errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Daemon, startDaemon, runCli, tempDir, eventually } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, spanKey } from './lib/peer.mjs';
import { RawClient, statusName } from './lib/otlp.mjs';
import { otlpExporter, attributeMap, tagAnyValue, RESOURCE_ATTRIBUTES } from './lib/spans.mjs';
import { createLoggerProvider, logExporter, expectedAnyTag, logKey } from './lib/logs.mjs';
import { fakerFor, SECRET_KINDS, jsonAscii } from './lib/pii_corpus.mjs';

const TIMEOUT = { timeout: 120_000 };
const HMAC_KEY = 'integration-hmac-key-5b1f0c';
const COUNT = 'pii.redacted.count';
const TYPES = 'pii.redacted.types';

// Planted values, each valid by the contract's rules (Luhn, mod-97, SSN areas, ...).
const f = fakerFor('en_US', 4242);
const secret = (kind) => SECRET_KINDS[kind](f)[0];
const P = {
  email: 'maria.gonzalez@example.org',
  email2: 'ops-oncall@acme-corp.example',
  email3: 'j.smith+billing@mail.example.co.uk',
  phoneUS: '(415) 555-0132',
  phoneUK: '+44 20 7946 0958',
  phoneFR: '01 23 45 67 89',
  phoneDE: '(030) 1234567',
  card: '4111 1111 1111 1111',
  card2: '5555-5555-5555-4444',
  card3: '378282246310005',
  iban: 'DE89 3704 0044 0532 0130 00',
  iban2: 'GB82WEST12345698765432',
  ssn: '536-22-8490',
  ssn2: '536 22 8491',
  ipv4: '203.0.113.42',
  ipv4b: '198.51.100.23',
  ipv6: '2001:db8:85a3::8a2e:370:7334',
  openai: secret('openai-proj'),
  github: secret('github-ghp'),
  aws: secret('aws-akia'),
  token: 'tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0ZyXwVu',
  pem: secret('pem'),
};

const hmac = (value) => crypto.createHmac('sha256', HMAC_KEY).update(value).digest('hex');
const tags = (obj) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, expectedAnyTag(v)]));
// The SDK adds its own resource attributes (telemetry.sdk.*), so resources are compared on ours.
const pick = (map, keys) => Object.fromEntries(keys.map((k) => [k, map.get(k)]));
const withoutPii = (map) => Object.fromEntries([...map].filter(([k]) => !k.startsWith('pii.redacted.')));
const typesTag = (...types) => ({ array: types.map((t) => ({ string: t })) });

// A JSON message array as instrumentations write it: escapes (\" \n \t \u00e9, a surrogate pair),
// raw UTF-8, and a Luhn-valid number that is a JSON number, not a string, so it stays.
const messagesJson = (email, phone) => '[{"role":"user","parts":[{"type":"text","content":"Caf\\u00e9 \\"Zo\\u00e9\\" ' +
  `\\ud83d\\ude80 \\u2014 mail me at ${email}\\nor call ${phone}.\\tMerci ! 日本語 ✓"}]},` +
  '{"role":"assistant","parts":[{"type":"text","content":"Noted."}],"finish_reason":"stop","n":4000056655665556}]';

async function setup(t, body, { signals = ['traces'] } = {}) {
  const backend = await startPeer();
  t.after(() => backend.close());
  const daemon = await startDaemon(renderConfig({
    batch: null, signals, processors: [{ id: 'pii_redact', body }], exporters: [{ id: 'otlp/peer', port: backend.port }],
  }));
  t.after(() => daemon.kill());
  return { backend, daemon };
}

const linkContext = () => ({ traceId: crypto.randomBytes(16).toString('hex'), spanId: crypto.randomBytes(8).toString('hex'), traceFlags: 1 });

// Sends spans through the SDK with `resource`. emit(tracer, flush) creates them with span() and
// returns { name: spanId }; flush() ends one Export request. Resolves with { name: received entry }.
async function sendSpans(daemon, backend, emit, resource = RESOURCE_ATTRIBUTES) {
  const exporter = otlpExporter(daemon.grpcAddress());
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 1000, scheduledDelayMillis: 3600_000 })],
  });
  const ids = await emit(provider.getTracer('gc.integration.pii'), () => provider.forceFlush());
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(exporter.failures(), [], `the collector answered every export OK\n${daemon.describe()}`);
  await backend.waitForSpanIds(Object.values(ids), 15_000);
  const byId = new Map(backend.spans().map((e) => [spanKey(e), e]));
  return Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, byId.get(id)]));
}

function span(tracer, name, attributes, { events = [], links = [] } = {}) {
  const s = tracer.startSpan(name, { attributes, links: links.map((a) => ({ context: linkContext(), attributes: a })) });
  for (const e of events) s.addEvent(e.name, e.attributes);
  s.end();
  return s.spanContext().spanId;
}

// Every form in which `value` could sit in the bytes: as is, and escaped inside a JSON string.
function forms(value) {
  const out = new Set([value, JSON.stringify(value).slice(1, -1), jsonAscii(value).slice(1, -1)]);
  // A PEM key also leaks line by line.
  for (const line of value.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) out.add(line);
  return [...out];
}

function leaks(backend, planted) {
  const found = [];
  for (const req of backend.requests) {
    for (const [name, value] of Object.entries(planted)) {
      for (const form of forms(value)) if (req.raw.includes(Buffer.from(form))) found.push(`${name} ${JSON.stringify(form.slice(0, 40))} in a ${req.signal} request`);
    }
  }
  return found;
}

// ---- 1. every carrier -----------------------------------------------------------------------------

test('defaults: no planted value reaches the backend from any carrier, and nothing around it changes', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, '{}', { signals: ['traces', 'logs'] });
  const plain = 'Plain text — ünïcödé ✓ 日本語, v1.2.3 at 10:30:00 on 2024-03-15, order #48213977, build 10.2.3.4.5, 12.5%.';
  const pemJson = JSON.stringify({ tls: { key: `${P.pem}\n`, ca: 'none' } });
  const sdkResource = { ...RESOURCE_ATTRIBUTES, 'service.owner.email': P.email2, 'host.ip': P.ipv4b };
  const sent = {
    'app.note': `Contact ${P.email} or call ${P.phoneUS} today.`,
    'app.list': [`card ${P.card}`, 'nothing here', `ssn ${P.ssn}`],
    'app.messages': messagesJson(P.email, P.phoneUS),
    'app.escaped': '{"from":"user\\u0040example.com","note":"caf\\u00e9"}',
    'app.config': pemJson,
    'app.broken_json': `[{"note": "write to ${P.email3}"`,
    'app.secret': `key ${P.openai}, aws ${P.aws}`,
    'http.header': `Bearer ${P.token}`,
    'app.plain': plain,
    'gen_ai.request.model': 'gpt-4o',
    'app.count': 42,
  };
  const want = {
    'app.note': 'Contact <EMAIL_ADDRESS> or call <PHONE_NUMBER> today.',
    'app.list': ['card <CREDIT_CARD>', 'nothing here', 'ssn <US_SSN>'],
    'app.messages': messagesJson('<EMAIL_ADDRESS>', '<PHONE_NUMBER>'),
    'app.escaped': '{"from":"<EMAIL_ADDRESS>","note":"caf\\u00e9"}',
    'app.config': JSON.stringify({ tls: { key: '<SECRET>\n', ca: 'none' } }),
    'app.broken_json': '[{"note": "write to <EMAIL_ADDRESS>"',
    'app.secret': 'key <SECRET>, aws <SECRET>',
    'http.header': 'Bearer <SECRET>',
    'app.plain': plain,
    'gen_ai.request.model': 'gpt-4o',
    'app.count': 42,
  };
  const got = await sendSpans(daemon, backend, (tracer) => ({
    main: span(tracer, 'chat', sent, {
      events: [{ name: 'gen_ai.user.message', attributes: { content: `my IBAN is ${P.iban}`, index: 0 } }],
      links: [{ 'link.note': `retry from ${P.ipv4}`, 'link.attempt': 2 }],
    }),
  }), sdkResource);
  const { span: s, resource } = got.main;
  assert.deepEqual(withoutPii(attributeMap(s.attributes)), tags(want), 'span attributes');
  assert.doesNotThrow(() => JSON.parse(attributeMap(s.attributes).get('app.messages').string), 'the messages are still JSON');
  assert.deepEqual(Object.fromEntries(attributeMap(s.events[0].attributes)), tags({ content: 'my IBAN is <IBAN_CODE>', index: 0 }), 'event attributes');
  assert.deepEqual(Object.fromEntries(attributeMap(s.links[0].attributes)), tags({ 'link.note': 'retry from <IP_ADDRESS>', 'link.attempt': 2 }), 'link attributes');
  assert.deepEqual(pick(attributeMap(resource.attributes), Object.keys(sdkResource)),
    tags({ ...RESOURCE_ATTRIBUTES, 'service.owner.email': '<EMAIL_ADDRESS>', 'host.ip': '<IP_ADDRESS>' }), 'resource attributes');

  // kvlists, which the JS SDK cannot put in attributes: a hand-built request.
  const str = (v) => ({ string_value: v });
  const kvlist = (...pairs) => ({ kvlist_value: { values: pairs.map(([key, value]) => ({ key, value })) } });
  const spanId = crypto.randomBytes(8);
  const request = { resource_spans: [{
    resource: { attributes: [{ key: 'service.name', value: str('pii-raw') }, { key: 'owner', value: kvlist(['email', str(P.email2)]) }] },
    scope_spans: [{ scope: { name: 'raw' }, spans: [{
      trace_id: crypto.randomBytes(16), span_id: spanId, name: 'kvlist', kind: 1,
      start_time_unix_nano: '1700000000000000000', end_time_unix_nano: '1700000001000000000',
      status: { code: 2, message: `payment failed for ${P.email}: card ${P.card} declined` },
      attributes: [{ key: 'app.user', value: kvlist(
        ['contact', str(`mail ${P.email3}`)],
        ['phones', { array_value: { values: [str(P.phoneDE), { int_value: '7' }] } }],
        ['deep', kvlist(['ssn', str(P.ssn2)], ['ok', str('nothing to see')])],
      ) }],
    }] }],
  }] };
  const client = new RawClient(daemon.grpcAddress());
  const res = await client.exportTraces(request);
  client.close();
  assert.equal(res.code, grpc.status.OK, `${statusName(res.code)} ${res.details}`);
  await backend.waitForSpanIds([spanId.toString('hex')], 15_000);
  const raw = backend.spans().find((e) => spanKey(e) === spanId.toString('hex'));
  assert.deepEqual(tagAnyValue(raw.span.attributes.find((a) => a.key === 'app.user').value), { kvlist: [
    ['contact', { string: 'mail <EMAIL_ADDRESS>' }],
    ['phones', { array: [{ string: '<PHONE_NUMBER>' }, { int: '7' }] }],
    ['deep', { kvlist: [['ssn', { string: '<US_SSN>' }], ['ok', { string: 'nothing to see' }]] }],
  ] }, 'kvlist values, recursively');
  assert.deepEqual(attributeMap(raw.resource.attributes).get('owner'), { kvlist: [['email', { string: '<EMAIL_ADDRESS>' }]] }, 'resource kvlist');
  assert.equal(Buffer.from(raw.span.status.message).toString(), 'payment failed for <EMAIL_ADDRESS>: card <CREDIT_CARD> declined', 'status message');
  assert.equal(raw.span.status.code, 2, 'status code kept');

  // Logs: a string body, a kvlist body (GenAI events put whole messages there) and attributes.
  const logger = createLoggerProvider([logExporter('grpc', daemon.grpcAddress())]);
  const lg = logger.getLogger('gc.integration.pii');
  lg.emit({ body: `User ${P.email} asked to call ${P.phoneFR} — merci`, attributes: { 'test.id': 'string-body', 'app.client': `ip ${P.ipv6}` } });
  lg.emit({
    body: { message: `card ${P.card2}`, meta: { iban: P.iban2, n: 3, tags: ['ok', `ssn ${P.ssn}`] } },
    attributes: { 'test.id': 'kvlist-body', 'gen_ai.input.messages': messagesJson(P.email3, P.phoneUK) },
  });
  await logger.forceFlush();
  await logger.shutdown();
  const records = new Map((await backend.waitFor('logs', (l) => l.length >= 2)).map((e) => [logKey(e), e.record]));
  const r1 = records.get('string-body');
  const r2 = records.get('kvlist-body');
  assert.deepEqual(tagAnyValue(r1.body), { string: 'User <EMAIL_ADDRESS> asked to call <PHONE_NUMBER> — merci' }, 'string log body');
  assert.deepEqual(withoutPii(attributeMap(r1.attributes)), tags({ 'test.id': 'string-body', 'app.client': 'ip <IP_ADDRESS>' }), 'log attributes');
  assert.deepEqual(tagAnyValue(r2.body), expectedAnyTag({ message: 'card <CREDIT_CARD>', meta: { iban: '<IBAN_CODE>', n: 3, tags: ['ok', 'ssn <US_SSN>'] } }), 'kvlist log body');
  assert.deepEqual(withoutPii(attributeMap(r2.attributes)),
    tags({ 'test.id': 'kvlist-body', 'gen_ai.input.messages': messagesJson('<EMAIL_ADDRESS>', '<PHONE_NUMBER>') }), 'JSON in a log attribute');

  assert.deepEqual(leaks(backend, P), [], 'no planted value in any byte the backend received');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 2. counts, types and metrics -------------------------------------------------------------------

test('pii.redacted.count and .types on each span and log record that had something, and the counters', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, '{}', { signals: ['traces', 'logs'] });
  const strings = {
    a: `${P.email} and ${P.email3}`, b: P.phoneUK, c: `ip ${P.ipv4}`, d: `card ${P.card}`, e: `ssn ${P.ssn}`,
  };
  const got = await sendSpans(daemon, backend, (tracer) => ({
    two: span(tracer, 'two types', { a: strings.a, b: [strings.b, 'x'] }),
    // Entities in events and links count on their span.
    nested: span(tracer, 'events and links', { c: strings.c }, { events: [{ name: 'e', attributes: { d: strings.d } }], links: [{ e: strings.e }] }),
    clean: span(tracer, 'clean', { f: 'nothing to redact here' }),
  }));
  const attrs = (name) => attributeMap(got[name].span.attributes);
  assert.deepEqual(attrs('two').get(COUNT), { int: '3' }, `${COUNT} of the span with two emails and a phone`);
  assert.deepEqual(attrs('two').get(TYPES), typesTag('EMAIL_ADDRESS', 'PHONE_NUMBER'), `${TYPES}: sorted, distinct`);
  assert.deepEqual(attrs('nested').get(COUNT), { int: '3' }, `${COUNT} counts event and link attributes`);
  assert.deepEqual(attrs('nested').get(TYPES), typesTag('CREDIT_CARD', 'IP_ADDRESS', 'US_SSN'));
  assert.deepEqual([...attrs('clean').keys()], ['f'], 'a span with nothing to redact gets no pii.redacted.* attributes');

  const logger = createLoggerProvider([logExporter('grpc', daemon.grpcAddress())]);
  const lg = logger.getLogger('gc.integration.pii');
  lg.emit({ body: `mail ${P.email}`, attributes: { 'test.id': 'pii', g: P.phoneDE } });
  lg.emit({ body: 'all clear', attributes: { 'test.id': 'clean' } });
  await logger.forceFlush();
  await logger.shutdown();
  const records = new Map((await backend.waitFor('logs', (l) => l.length >= 2)).map((e) => [logKey(e), attributeMap(e.record.attributes)]));
  assert.deepEqual(records.get('pii').get(COUNT), { int: '2' }, `${COUNT} on a log record`);
  assert.deepEqual(records.get('pii').get(TYPES), typesTag('EMAIL_ADDRESS', 'PHONE_NUMBER'));
  assert.equal(records.get('clean').get(COUNT), undefined, 'a clean log record gets no count');

  const want = { EMAIL_ADDRESS: 3, PHONE_NUMBER: 2, IP_ADDRESS: 1, CREDIT_CARD: 1, US_SSN: 1 };
  const label = (type) => ({ processor: 'pii_redact', type });
  const m = await eventually(() => daemon.metrics(), (x) => x.get('pii_redactions_total', label('EMAIL_ADDRESS')) === 3);
  for (const [type, n] of Object.entries(want)) assert.equal(m.get('pii_redactions_total', label(type)), n, `${type}\n${m.text}`);
  for (const type of ['IBAN_CODE', 'SECRET']) assert.ok(!m.get('pii_redactions_total', label(type)), `no ${type}\n${m.text}`);
  const planted = [...Object.values(strings), `mail ${P.email}`, P.phoneDE].reduce((n, s) => n + Buffer.byteLength(s), 0);
  const scanned = m.get('pii_scanned_bytes_total', { processor: 'pii_redact' });
  assert.ok(scanned >= planted, `pii_scanned_bytes_total ${scanned} covers at least the ${planted} bytes of the planted strings\n${m.text}`);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 3. operators -------------------------------------------------------------------------------------

test('operators: mask keeps separators and the last `keep`, hash is a stable HMAC, drop removes the attribute', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, [
    `hmac_key: "${HMAC_KEY}"`,
    'operators:',
    '  CREDIT_CARD: { action: mask, keep: 4 }',
    '  IBAN_CODE: { action: mask, keep: 6 }',
    '  EMAIL_ADDRESS: { action: hash }',
    '  SECRET: { action: drop }',
  ].join('\n'));
  const attrs = {
    'app.card': `pay with ${P.card} or ${P.card2} or ${P.card3}.`,
    'app.iban': `IBAN ${P.iban}`,
    'app.email': `from ${P.email} to ${P.email3}`,
    'app.phone': `call ${P.phoneUK}`,
    'app.secret': `token ${P.github}`,
    'app.secret_list': ['fine', `key ${P.aws}`],
    'app.keep': 'stays',
  };
  // Two spans in one request, then a third in a second request: the hash must not depend on either.
  const got = await sendSpans(daemon, backend, async (tracer, flush) => {
    const first = span(tracer, 'first', attrs);
    const second = span(tracer, 'second', { 'app.email': `again ${P.email}` });
    await flush();
    return { first, second, third: span(tracer, 'third', { 'app.email': `${P.email}` }) };
  });
  const h = (v) => `<EMAIL_ADDRESS:${hmac(v).slice(0, 8)}>`;
  const a = attributeMap(got.first.span.attributes);
  assert.deepEqual(withoutPii(a), tags({
    'app.card': 'pay with **** **** **** 1111 or ****-****-****-4444 or ***********0005.',
    'app.iban': 'IBAN **** **** **** **** 0130 00',
    'app.email': `from ${h(P.email)} to ${h(P.email3)}`,
    'app.phone': 'call <PHONE_NUMBER>',
    'app.keep': 'stays',
  }), 'mask, hash, replace and drop, each exactly');
  assert.match(h(P.email), /^<EMAIL_ADDRESS:[0-9a-f]{8}>$/);
  assert.deepEqual(attributeMap(got.second.span.attributes).get('app.email'), { string: `again ${h(P.email)}` }, 'same hash in another span');
  assert.deepEqual(attributeMap(got.third.span.attributes).get('app.email'), { string: h(P.email) }, 'same hash in another request');
  assert.deepEqual(a.get(COUNT), { int: '9' }, `${COUNT}: three cards, an IBAN, two emails, a phone, the secrets of the two dropped attributes`);
  assert.deepEqual(a.get(TYPES), typesTag('CREDIT_CARD', 'EMAIL_ADDRESS', 'IBAN_CODE', 'PHONE_NUMBER', 'SECRET'));
  assert.deepEqual(leaks(backend, { github: P.github, aws: P.aws, email: P.email, card: P.card }), [], 'nothing leaks');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 4. key rules -------------------------------------------------------------------------------------

test('key rules: default allowed_keys are not scanned, blocked_keys are removed, hash_keys hashed whole, in kvlists too', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, [
    `hmac_key: "${HMAC_KEY}"`,
    'blocked_keys: [http.request.header.authorization]',
    'hash_keys: [user.id, enduser.id, session.id]',
  ].join('\n'));
  const allowed = {
    'gen_ai.request.model': `ft:gpt-4o:${P.email}`,
    'gen_ai.response.model': `model-${P.ipv4}`,
    'gen_ai.response.id': `resp ${P.phoneUS}`,
    'gen_ai.provider.name': P.email2,
    'gen_ai.usage.note': `${P.email}`,
    'gen_ai.operation.name': 'chat',
  };
  const got = await sendSpans(daemon, backend, (tracer) => ({
    s: span(tracer, 'keys', {
      ...allowed,
      'http.request.header.authorization': 'Basic dXNlcjpwYXNzd29yZA==',
      'user.id': 'u-48213',
      'enduser.id': P.email,
      'session.id': 'sess_2f9c81',
      'app.note': `mail ${P.email}`,
      'gen_ai.usage.input_tokens': 12,
    }),
  }));
  const a = attributeMap(got.s.span.attributes);
  const h16 = (v) => hmac(v).slice(0, 16);
  assert.deepEqual(withoutPii(a), tags({
    ...allowed,
    'user.id': h16('u-48213'),
    'enduser.id': h16(P.email),
    'session.id': h16('sess_2f9c81'),
    'app.note': 'mail <EMAIL_ADDRESS>',
    'gen_ai.usage.input_tokens': 12,
  }), 'allowed keys untouched, blocked key gone, hash keys hashed whole, other keys scanned');
  assert.deepEqual(a.get(COUNT), { int: '5' }, `${COUNT}: one blocked, three hashed, one email`);

  // The same rules for keys inside a kvlist value.
  const spanId = crypto.randomBytes(8);
  const kv = (key, v) => ({ key, value: { string_value: v } });
  const client = new RawClient(daemon.grpcAddress());
  const res = await client.exportTraces({ resource_spans: [{ resource: { attributes: [] }, scope_spans: [{ scope: { name: 'raw' }, spans: [{
    trace_id: crypto.randomBytes(16), span_id: spanId, name: 'kvlist keys', kind: 1,
    start_time_unix_nano: '1700000000000000000', end_time_unix_nano: '1700000001000000000',
    attributes: [{ key: 'app.request', value: { kvlist_value: { values: [
      kv('user.id', 'u-7'), kv('http.request.header.authorization', 'Bearer abc'), kv('gen_ai.request.model', P.email), kv('note', P.email),
    ] } } }, { key: 'app.numbers', value: { kvlist_value: { values: [
      // not strings: key rules act on them too, and bytes are scanned as text
      { key: 'enduser.id', value: { int_value: '4821' } },
      { key: 'http.request.header.authorization', value: { bool_value: true } },
      { key: 'raw', value: { bytes_value: Buffer.from(`mail ${P.email}`) } },
      { key: 'count', value: { int_value: '3' } },
    ] } } }],
  }] }] }] });
  client.close();
  assert.equal(res.code, grpc.status.OK, `${statusName(res.code)} ${res.details}`);
  await backend.waitForSpanIds([spanId.toString('hex')], 15_000);
  const raw = backend.spans().find((e) => spanKey(e) === spanId.toString('hex'));
  assert.deepEqual(tagAnyValue(raw.span.attributes.find((x) => x.key === 'app.request').value), { kvlist: [
    ['user.id', { string: h16('u-7') }], ['gen_ai.request.model', { string: P.email }], ['note', { string: '<EMAIL_ADDRESS>' }],
  ] }, 'key rules inside a kvlist');
  assert.deepEqual(tagAnyValue(raw.span.attributes.find((x) => x.key === 'app.numbers').value), { kvlist: [
    ['enduser.id', { string: h16('4821') }], ['raw', { bytes: Buffer.from('mail <EMAIL_ADDRESS>').toString('hex') }], ['count', { int: '3' }],
  ] }, 'key rules on numbers and bools inside a kvlist; bytes scanned');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('allowed_keys replaces the default list; a trailing * is a prefix match', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, 'allowed_keys: [app.safe, "gen_ai.request.*"]');
  const got = await sendSpans(daemon, backend, (tracer) => ({
    s: span(tracer, 'allowed', {
      'app.safe': `mail ${P.email}`,
      'app.safe.child': `mail ${P.email}`,
      'gen_ai.request.model': P.email,
      'gen_ai.request.user': P.email,
      'gen_ai.response.model': P.email,
    }),
  }));
  assert.deepEqual(withoutPii(attributeMap(got.s.span.attributes)), tags({
    'app.safe': `mail ${P.email}`,
    'app.safe.child': 'mail <EMAIL_ADDRESS>',
    'gen_ai.request.model': P.email,
    'gen_ai.request.user': P.email,
    'gen_ai.response.model': '<EMAIL_ADDRESS>',
  }), 'only the listed keys are skipped; gen_ai.response.model is no longer allowed');
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 5. scan_resource, custom types, enabled_types -----------------------------------------------------

test('scan_resource: false leaves resource attributes alone and still scans spans', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, 'scan_resource: false');
  const resource = { 'service.name': 'pii-resource', 'service.owner.email': P.email2, 'host.ip': P.ipv4b };
  const got = await sendSpans(daemon, backend, (tracer) => ({ s: span(tracer, 'r', { 'app.note': `mail ${P.email}` }) }), resource);
  assert.deepEqual(pick(attributeMap(got.s.resource.attributes), Object.keys(resource)), tags(resource), 'resource as sent');
  assert.deepEqual(attributeMap(got.s.span.attributes).get('app.note'), { string: 'mail <EMAIL_ADDRESS>' });
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

const CUSTOM = "custom: [{ name: TICKET_ID, regex: 'TCK-[0-9]{6}' }]";
const MIXED = `ticket TCK-123456 (not TCK-12345) from ${P.email}, call ${P.phoneUS}, card ${P.card}, ip ${P.ipv4}`;

test('custom regex types are on by default and named by their name', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, CUSTOM);
  const got = await sendSpans(daemon, backend, (tracer) => ({ s: span(tracer, 'custom', { 'app.note': MIXED }) }));
  const a = attributeMap(got.s.span.attributes);
  assert.deepEqual(a.get('app.note'), { string: 'ticket <TICKET_ID> (not TCK-12345) from <EMAIL_ADDRESS>, call <PHONE_NUMBER>, card <CREDIT_CARD>, ip <IP_ADDRESS>' });
  assert.deepEqual(a.get(TYPES), typesTag('CREDIT_CARD', 'EMAIL_ADDRESS', 'IP_ADDRESS', 'PHONE_NUMBER', 'TICKET_ID'));
  const m = await eventually(() => daemon.metrics(), (x) => x.get('pii_redactions_total', { processor: 'pii_redact', type: 'TICKET_ID' }) === 1);
  assert.equal(m.get('pii_redactions_total', { processor: 'pii_redact', type: 'TICKET_ID' }), 1, m.text);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('enabled_types restricts scanning to the listed types, custom ones included', TIMEOUT, async (t) => {
  const { backend, daemon } = await setup(t, `${CUSTOM}\nenabled_types: [EMAIL_ADDRESS, TICKET_ID]`);
  const got = await sendSpans(daemon, backend, (tracer) => ({ s: span(tracer, 'enabled', { 'app.note': MIXED }) }));
  const a = attributeMap(got.s.span.attributes);
  assert.deepEqual(a.get('app.note'), { string: `ticket <TICKET_ID> (not TCK-12345) from <EMAIL_ADDRESS>, call ${P.phoneUS}, card ${P.card}, ip ${P.ipv4}` });
  assert.deepEqual(a.get(COUNT), { int: '2' });
  assert.deepEqual(a.get(TYPES), typesTag('EMAIL_ADDRESS', 'TICKET_ID'));
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

// ---- 6. config errors ----------------------------------------------------------------------------------

function configFile(body) {
  const file = path.join(tempDir('gc-pii-validate-'), 'collector.yaml');
  fs.writeFileSync(file, renderConfig({ batch: null, signals: ['traces', 'logs'], processors: [{ id: 'pii_redact', body }],
    exporters: [{ id: 'otlp/peer', port: 4317 }] }));
  return file;
}

const badConfigs = [
  { name: 'a hash operator without hmac_key', body: 'operators:\n  EMAIL_ADDRESS: { action: hash }', what: [/hmac_key/, /pii_redact/] },
  { name: 'hash_keys without hmac_key', body: 'hash_keys: [user.id]', what: [/hmac_key/, /pii_redact/] },
  { name: 'an unknown type in enabled_types', body: 'enabled_types: [EMAIL_ADDRESS, CREDIT_CRAD]', what: [/CREDIT_CRAD/] },
  { name: 'an unknown type in operators', body: 'operators:\n  PHONE: { action: mask }', what: [/PHONE\b/] },
  { name: 'an unknown action', body: 'operators:\n  EMAIL_ADDRESS: { action: scramble }', what: [/scramble/] },
  { name: 'a custom regex that does not compile', body: "custom: [{ name: BAD_RX, regex: 'TCK-[0-9' }]", what: [/BAD_RX/] },
];

for (const bad of badConfigs) {
  test(`validate rejects ${bad.name} (exit 1, naming it)`, TIMEOUT, async () => {
    const file = configFile(bad.body);
    const res = await runCli(['validate', '--config', file]);
    assert.equal(res.code, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
    for (const re of bad.what) assert.match(res.stderr, re, res.stderr);
  });
}

test('the daemon refuses to start with a hash operator and no hmac_key (exit 1, naming hmac_key)', TIMEOUT, async () => {
  const daemon = new Daemon(fs.readFileSync(configFile('operators:\n  CREDIT_CARD: { action: hash }'), 'utf8'));
  const exit = await Promise.race([daemon.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
  if (exit === 'still running') await daemon.kill();
  assert.deepEqual(exit, { code: 1, signal: null }, daemon.describe());
  assert.match(daemon.stderr, /pii_redact/, daemon.describe());
  assert.match(daemon.stderr, /hmac_key/, daemon.describe());
});

test('validate accepts every pii_redact option of the contract (exit 0)', TIMEOUT, async () => {
  const file = configFile([
    'enabled_types: [EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, US_SSN, IP_ADDRESS, SECRET, TICKET_ID]',
    'operators:',
    '  CREDIT_CARD: { action: mask, keep: 4 }',
    '  EMAIL_ADDRESS: { action: hash }',
    '  SECRET: { action: drop }',
    '  TICKET_ID: { action: replace }',
    `hmac_key: "${HMAC_KEY}"`,
    'allowed_keys: [gen_ai.request.model, "gen_ai.usage.*"]',
    'blocked_keys: [http.request.header.authorization]',
    'hash_keys: [user.id, enduser.id, session.id]',
    CUSTOM,
    'scan_resource: true',
  ].join('\n'));
  const res = await runCli(['validate', '--config', file]);
  assert.equal(res.code, 0, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
});
