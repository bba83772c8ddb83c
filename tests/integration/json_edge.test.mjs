// OTLP/JSON as SDKs other than JavaScript's write it, with the cases collectors are known to get
// wrong: enums as integers and as names, nested array and kvlist values, 64-bit integers as
// strings and as bare numbers, flags, empty and missing resources, snake_case field names,
// unknown fields, base64 bytes (standard and URL-safe), "NaN"/"Infinity" doubles, uppercase hex
// IDs, null fields. Each body is written out by hand; what the backend must receive is written
// independently in protobuf form, and the two are compared field for field after the collector
// forwarded the data over OTLP/gRPC.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startDaemon, eventually } from './lib/daemon.mjs';
import { renderConfig } from './lib/config.mjs';
import { startPeer, flattenSpans, flattenLogs, flattenMetrics, spanKey } from './lib/peer.mjs';
import { encodeRequest, decodeRequest } from './lib/otlp.mjs';
import { httpRequest, JSON_TYPE } from './lib/http.mjs';
import { INT64_MIN, INT64_MAX, UINT64_MAX } from './lib/requests.mjs';

const HTTP_RECEIVER = { receiver: 'otlp', transport: 'http' };

// AnyValue builders in the decoded (protobuf) form.
const str = (s) => ({ string_value: s });
const int = (i) => ({ int_value: String(i) });
const dbl = (d) => ({ double_value: d });
const bool = (b) => ({ bool_value: b });
const bytes = (buf) => ({ bytes_value: Buffer.from(buf) });
const arr = (...values) => ({ array_value: { values } });
const kvlist = (...pairs) => ({ kvlist_value: { values: pairs.map(([key, value]) => ({ key, value })) } });
const kv = (key, value) => ({ key, value });

const hexId = (n) => crypto.randomBytes(n).toString('hex');
const buf = (hex) => Buffer.from(hex, 'hex');
// Mixed-case hex: every other letter upper case.
const mixedCase = (hex) => [...hex].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');

// Entries ({ resource, scope, item }) of a request given in decoded form, with the defaults a
// decoder fills in, keyed like the received ones.
const FLATTEN = { traces: flattenSpans, logs: flattenLogs, metrics: flattenMetrics };
const KEY = {
  traces: spanKey,
  logs: (e) => {
    const id = e.record.attributes.find((a) => a.key === 'test.id');
    return id?.value?.string_value;
  },
  metrics: (e) => e.metric.name,
};

function expectedEntries(signal, request) {
  const decoded = decodeRequest(signal, encodeRequest(signal, request));
  return new Map(FLATTEN[signal]([{ signal, decoded }]).map((e) => [KEY[signal](e), e]));
}

describe('OTLP/JSON edge cases arrive at the backend as their protobuf equivalent', { timeout: 120_000 }, () => {
  let backend;
  let daemon;

  before(async () => {
    backend = await startPeer();
    daemon = await startDaemon(renderConfig({
      http: {},
      signals: ['traces', 'logs', 'metrics'],
      batch: null,
      exporters: [{ id: 'otlp/peer', port: backend.port }],
    }));
  });

  after(async () => {
    await daemon?.kill();
    await backend?.close();
  });

  // Posts `jsonText` to /v1/<signal>, expects 200 with the JSON empty response, waits for every
  // entry of `expected` (decoded form) at the backend and compares each field for field.
  async function sendAndCompare(signal, jsonText, expected, { contentType = JSON_TYPE } = {}) {
    JSON.parse(jsonText); // the test's own body is valid JSON
    const want = expectedEntries(signal, expected);
    assert.ok(want.size > 0);
    const res = await httpRequest(daemon.httpUrl(`/v1/${signal}`), { headers: { 'content-type': contentType }, body: jsonText });
    assert.equal(res.status, 200, `answered ${res.status}: ${res.body}\n${daemon.describe()}`);
    assert.equal(res.headers['content-type'], JSON_TYPE);
    assert.deepEqual(JSON.parse(res.body.toString('utf8')), {}, 'the empty Export*ServiceResponse in JSON');
    const got = await backend.waitFor(signal, (entries) => {
      const keys = new Set(entries.map(KEY[signal]));
      return [...want.keys()].every((k) => keys.has(k));
    }, 15_000);
    const byKey = new Map();
    for (const e of got) {
      const k = KEY[signal](e);
      if (!want.has(k)) continue;
      assert.ok(!byKey.has(k), `${signal} ${k} arrived twice`);
      byKey.set(k, e);
    }
    for (const [k, w] of want) assert.deepEqual(byKey.get(k), w, `${signal} ${k}`);
    return byKey;
  }

  it('enums as integers and as their names; status present, empty and absent', async () => {
    const traceId = hexId(16);
    const ids = [hexId(8), hexId(8), hexId(8), hexId(8), hexId(8)];
    const json = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-edge"}}]},
      "scopeSpans":[{"scope":{"name":"edge.enums"},"spans":[
        {"traceId":"${traceId}","spanId":"${ids[0]}","name":"kind 3, status 2","kind":3,"status":{"code":2,"message":"boom"}},
        {"traceId":"${traceId}","spanId":"${ids[1]}","name":"kind and status by name","kind":"SPAN_KIND_CONSUMER","status":{"code":"STATUS_CODE_OK"}},
        {"traceId":"${traceId}","spanId":"${ids[2]}","name":"status code 1 only","kind":"SPAN_KIND_SERVER","status":{"code":1}},
        {"traceId":"${traceId}","spanId":"${ids[3]}","name":"kind 0, empty status","kind":0,"status":{}},
        {"traceId":"${traceId}","spanId":"${ids[4]}","name":"no kind, no status","kind":"SPAN_KIND_UNSPECIFIED"}
      ]}]}]}`;
    const span = (i, name, extra) => ({ trace_id: buf(traceId), span_id: buf(ids[i]), name, ...extra });
    const got = await sendAndCompare('traces', json, { resource_spans: [{
      resource: { attributes: [kv('service.name', str('json-edge'))] },
      scope_spans: [{ scope: { name: 'edge.enums' }, spans: [
        span(0, 'kind 3, status 2', { kind: 3, status: { code: 2, message: 'boom' } }),
        span(1, 'kind and status by name', { kind: 5, status: { code: 1 } }),
        span(2, 'status code 1 only', { kind: 2, status: { code: 1 } }),
        span(3, 'kind 0, empty status', { kind: 0, status: {} }),
        span(4, 'no kind, no status', { kind: 0 }),
      ] }],
    }] });
    assert.equal(got.get(ids[0]).span.kind, 3);
    assert.deepEqual(got.get(ids[0]).span.status, { code: 2, message: 'boom' });
    assert.equal(got.get(ids[1]).span.kind, 5);
    assert.equal(got.get(ids[1]).span.status.code, 1);
  });

  it('array and kvlist attributes, nested, empty, with empty keys and values', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const json = `{"resourceSpans":[{"resource":{"attributes":[
        {"key":"resource.kv","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"}]}}}]}}}]},
      "scopeSpans":[{"scope":{"name":"edge.values","attributes":[{"key":"scope.arr","value":{"arrayValue":{"values":[{"stringValue":"s"}]}}}]},"spans":[
        {"traceId":"${traceId}","spanId":"${spanId}","name":"nested values","attributes":[
          {"key":"arr.nested","value":{"arrayValue":{"values":[
            {"stringValue":"a"},
            {"arrayValue":{"values":[{"intValue":"1"},{"arrayValue":{"values":[{"boolValue":true}]}}]}},
            {"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":1.5}}]}},
            {}
          ]}}},
          {"key":"kv.nested","value":{"kvlistValue":{"values":[
            {"key":"l1","value":{"kvlistValue":{"values":[
              {"key":"l2","value":{"kvlistValue":{"values":[{"key":"l3","value":{"stringValue":"deep"}}]}}},
              {"key":"arr","value":{"arrayValue":{"values":[{"intValue":7},{"boolValue":false}]}}}
            ]}}},
            {"key":"","value":{"stringValue":"under an empty key"}}
          ]}}},
          {"key":"arr.empty","value":{"arrayValue":{}}},
          {"key":"arr.empty_values","value":{"arrayValue":{"values":[]}}},
          {"key":"kv.empty","value":{"kvlistValue":{}}},
          {"key":"value.empty","value":{}},
          {"key":"string.escapes","value":{"stringValue":"h\\u00e9llo \\ud83d\\ude80 tab\\t quote\\" nul\\u0000end"}},
          {"key":"string.empty","value":{"stringValue":""}},
          {"key":"bool.false","value":{"boolValue":false}}
        ]}
      ]}]}]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [{
      resource: { attributes: [kv('resource.kv', kvlist(['a', arr(int(1))]))] },
      scope_spans: [{ scope: { name: 'edge.values', attributes: [kv('scope.arr', arr(str('s')))] }, spans: [{
        trace_id: buf(traceId), span_id: buf(spanId), name: 'nested values',
        attributes: [
          kv('arr.nested', arr(str('a'), arr(int(1), arr(bool(true))), kvlist(['k', dbl(1.5)]), {})),
          kv('kv.nested', kvlist(
            ['l1', kvlist(['l2', kvlist(['l3', str('deep')])], ['arr', arr(int(7), bool(false))])],
            ['', str('under an empty key')])),
          kv('arr.empty', { array_value: {} }),
          kv('arr.empty_values', { array_value: { values: [] } }),
          kv('kv.empty', { kvlist_value: {} }),
          kv('value.empty', {}),
          kv('string.escapes', str('h\u00e9llo \u{1F680} tab\t quote" nul\u0000end')),
          kv('string.empty', str('')),
          kv('bool.false', bool(false)),
        ],
      }] }],
    }] });
    const attrs = got.get(spanId).span.attributes;
    assert.equal(attrs.find((a) => a.key === 'string.escapes').value.string_value, 'h\u00e9llo \u{1F680} tab\t quote" nul\u0000end');
    assert.equal(attrs.find((a) => a.key === 'kv.nested').value.kvlist_value.values[0].value.kvlist_value.values[0]
      .value.kvlist_value.values[0].value.string_value, 'deep');
  });

  it('64-bit integers as strings and as bare numbers, int64 and uint64 extremes, uint32 as a string', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"${traceId}","spanId":"${spanId}","name":"sixty-four bits",
         "startTimeUnixNano":"${UINT64_MAX}","endTimeUnixNano":1700000000123456789,
         "droppedAttributesCount":"5","droppedEventsCount":4294967295,
         "attributes":[
          {"key":"int.max.string","value":{"intValue":"${INT64_MAX}"}},
          {"key":"int.min.string","value":{"intValue":"${INT64_MIN}"}},
          {"key":"int.max.number","value":{"intValue":${INT64_MAX}}},
          {"key":"int.min.number","value":{"intValue":${INT64_MIN}}},
          {"key":"int.2^53+1.string","value":{"intValue":"9007199254740993"}},
          {"key":"int.2^53+1.number","value":{"intValue":9007199254740993}},
          {"key":"int.small.number","value":{"intValue":42}},
          {"key":"int.negative.string","value":{"intValue":"-1"}},
          {"key":"int.zero.string","value":{"intValue":"0"}}
         ],
         "events":[{"timeUnixNano":1700000000000000007,"name":"bare number time"},{"timeUnixNano":"0","name":"zero time"}]}
      ]}]}]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [{ scope_spans: [{ spans: [{
      trace_id: buf(traceId), span_id: buf(spanId), name: 'sixty-four bits',
      start_time_unix_nano: UINT64_MAX, end_time_unix_nano: '1700000000123456789',
      dropped_attributes_count: 5, dropped_events_count: 4294967295,
      attributes: [
        kv('int.max.string', int(INT64_MAX)),
        kv('int.min.string', int(INT64_MIN)),
        kv('int.max.number', int(INT64_MAX)),
        kv('int.min.number', int(INT64_MIN)),
        kv('int.2^53+1.string', int('9007199254740993')),
        kv('int.2^53+1.number', int('9007199254740993')),
        kv('int.small.number', int(42)),
        kv('int.negative.string', int(-1)),
        kv('int.zero.string', int(0)),
      ],
      events: [{ time_unix_nano: '1700000000000000007', name: 'bare number time' }, { time_unix_nano: '0', name: 'zero time' }],
    }] }] }] });
    const span = got.get(spanId).span;
    assert.equal(span.start_time_unix_nano, UINT64_MAX);
    assert.equal(span.end_time_unix_nano, '1700000000123456789');
    assert.equal(span.attributes.find((a) => a.key === 'int.min.number').value.int_value, INT64_MIN);
    assert.equal(span.attributes.find((a) => a.key === 'int.2^53+1.number').value.int_value, '9007199254740993');
  });

  it('uint64 values above the int64 range as bare JSON numbers, in known and unknown fields', async () => {
    // The proto3 JSON mapping lets 64-bit integers be numbers; an encoder that writes a uint64
    // field (fixed64 times and counts) as a number writes values up to 18446744073709551615.
    const traceId = hexId(16);
    const spanId = hexId(8);
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"${traceId}","spanId":"${spanId}","name":"uint64 numbers",
         "startTimeUnixNano":9223372036854775808,"endTimeUnixNano":${UINT64_MAX},
         "futureCounter":${UINT64_MAX}}
      ]}]}]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [{ scope_spans: [{ spans: [{
      trace_id: buf(traceId), span_id: buf(spanId), name: 'uint64 numbers',
      start_time_unix_nano: '9223372036854775808', end_time_unix_nano: UINT64_MAX,
    }] }] }] });
    assert.equal(got.get(spanId).span.end_time_unix_nano, UINT64_MAX);
  });

  it('flags on spans and links, up to the full 32 bits', async () => {
    const traceId = hexId(16);
    const ids = [hexId(8), hexId(8)];
    const link = { traceId: hexId(16), spanId: hexId(8) };
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"${traceId}","spanId":"${ids[0]}","name":"flags 0x301","flags":769,
         "links":[{"traceId":"${link.traceId}","spanId":"${link.spanId}","flags":256,"traceState":"k=v"}]},
        {"traceId":"${traceId}","spanId":"${ids[1]}","name":"flags all ones","flags":4294967295}
      ]}]}]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [{ scope_spans: [{ spans: [
      { trace_id: buf(traceId), span_id: buf(ids[0]), name: 'flags 0x301', flags: 0x301,
        links: [{ trace_id: buf(link.traceId), span_id: buf(link.spanId), flags: 0x100, trace_state: 'k=v' }] },
      { trace_id: buf(traceId), span_id: buf(ids[1]), name: 'flags all ones', flags: 0xffffffff },
    ] }] }] });
    assert.equal(got.get(ids[0]).span.flags, 0x301);
    assert.equal(got.get(ids[0]).span.links[0].flags, 0x100);
    assert.equal(got.get(ids[1]).span.flags, 0xffffffff);
  });

  it('an empty resource {}, a missing resource and a missing scope', async () => {
    const traceId = hexId(16);
    const ids = [hexId(8), hexId(8), hexId(8)];
    const json = `{"resourceSpans":[
        {"resource":{},"scopeSpans":[{"scope":{},"spans":[{"traceId":"${traceId}","spanId":"${ids[0]}","name":"empty resource"}]}]},
        {"scopeSpans":[{"spans":[{"traceId":"${traceId}","spanId":"${ids[1]}","name":"no resource, no scope"}]}]},
        {"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":""},"spans":[{"traceId":"${traceId}","spanId":"${ids[2]}","name":"empty attribute list"}]}]},
        {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"no spans"}}]},"scopeSpans":[]},
        {}
      ]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [
      { resource: {}, scope_spans: [{ scope: {}, spans: [{ trace_id: buf(traceId), span_id: buf(ids[0]), name: 'empty resource' }] }] },
      { scope_spans: [{ spans: [{ trace_id: buf(traceId), span_id: buf(ids[1]), name: 'no resource, no scope' }] }] },
      { resource: { attributes: [] }, scope_spans: [{ scope: { name: '' }, spans: [{ trace_id: buf(traceId), span_id: buf(ids[2]), name: 'empty attribute list' }] }] },
    ] });
    for (const id of ids) {
      assert.deepEqual(got.get(id).resource?.attributes ?? [], [], `${got.get(id).span.name}: no resource attributes`);
    }
    assert.equal(got.get(ids[1]).scope?.name ?? '', '');
  });

  it('original (snake_case) field names, alone and mixed with lowerCamelCase', async () => {
    const traceId = hexId(16);
    const ids = [hexId(8), hexId(8)];
    const parent = hexId(8);
    const link = { traceId: hexId(16), spanId: hexId(8) };
    const json = `{"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"string_value":"snake"}}],"dropped_attributes_count":1},
      "schema_url":"https://opentelemetry.io/schemas/1.26.0",
      "scope_spans":[{"scope":{"name":"edge.snake","version":"1.0","dropped_attributes_count":2},"schema_url":"https://opentelemetry.io/schemas/1.25.0","spans":[
        {"trace_id":"${traceId}","span_id":"${ids[0]}","parent_span_id":"${parent}","trace_state":"a=1","name":"snake_case span","kind":2,
         "start_time_unix_nano":"1700000000000000001","end_time_unix_nano":"1700000000000000002",
         "attributes":[{"key":"i","value":{"int_value":"7"}},{"key":"d","value":{"double_value":0.25}},{"key":"b","value":{"bool_value":true}},
           {"key":"a","value":{"array_value":{"values":[{"bytes_value":"AQI="}]}}},{"key":"k","value":{"kvlist_value":{"values":[{"key":"x","value":{"string_value":"y"}}]}}}],
         "dropped_attributes_count":3,
         "events":[{"time_unix_nano":"1700000000000000001","name":"ev","attributes":[],"dropped_attributes_count":4}],"dropped_events_count":5,
         "links":[{"trace_id":"${link.traceId}","span_id":"${link.spanId}","trace_state":"b=2","dropped_attributes_count":6,"flags":512}],"dropped_links_count":7,
         "status":{"message":"snake status","code":2},"flags":257},
        {"traceId":"${traceId}","span_id":"${ids[1]}","parentSpanId":"${parent}","name":"mixed","start_time_unix_nano":"5","endTimeUnixNano":"6",
         "attributes":[{"key":"m","value":{"stringValue":"camel"}},{"key":"n","value":{"int_value":-3}}],"droppedLinksCount":1,"dropped_events_count":2}
      ]}]}]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [{
      resource: { attributes: [kv('service.name', str('snake'))], dropped_attributes_count: 1 },
      schema_url: 'https://opentelemetry.io/schemas/1.26.0',
      scope_spans: [{ scope: { name: 'edge.snake', version: '1.0', dropped_attributes_count: 2 },
        schema_url: 'https://opentelemetry.io/schemas/1.25.0', spans: [
          { trace_id: buf(traceId), span_id: buf(ids[0]), parent_span_id: buf(parent), trace_state: 'a=1', name: 'snake_case span', kind: 2,
            start_time_unix_nano: '1700000000000000001', end_time_unix_nano: '1700000000000000002',
            attributes: [kv('i', int(7)), kv('d', dbl(0.25)), kv('b', bool(true)), kv('a', arr(bytes([1, 2]))), kv('k', kvlist(['x', str('y')]))],
            dropped_attributes_count: 3,
            events: [{ time_unix_nano: '1700000000000000001', name: 'ev', attributes: [], dropped_attributes_count: 4 }], dropped_events_count: 5,
            links: [{ trace_id: buf(link.traceId), span_id: buf(link.spanId), trace_state: 'b=2', dropped_attributes_count: 6, flags: 512 }],
            dropped_links_count: 7, status: { message: 'snake status', code: 2 }, flags: 257 },
          { trace_id: buf(traceId), span_id: buf(ids[1]), parent_span_id: buf(parent), name: 'mixed',
            start_time_unix_nano: '5', end_time_unix_nano: '6',
            attributes: [kv('m', str('camel')), kv('n', int(-3))], dropped_links_count: 1, dropped_events_count: 2 },
        ] }],
    }] });
    assert.equal(got.get(ids[0]).span.status.message, 'snake status');
    assert.equal(got.get(ids[0]).resource_schema_url, 'https://opentelemetry.io/schemas/1.26.0');
  });

  it('unknown fields are ignored at every level, whatever their JSON type', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const json = `{"futureTopLevel":{"x":[1,{"y":null}]},
      "resourceSpans":[{"unknownList":[[],{}],"resource":{"schemaUrl":"written here by the JS SDK","attributes":[
          {"key":"service.name","value":{"stringValue":"unknown-fields","comment":"an unknown key beside the value"},"note":true}],
          "entityRefsFromTheFuture":[{"type":"host"}]},
        "scopeSpans":[{"scope":{"name":"edge.unknown","futureScopeField":3.5},"spans":[
          {"traceId":"${traceId}","spanId":"${spanId}","name":"unknown fields","newSpanField":"x","newNumber":-1.5e10,
           "newNull":null,"newBool":false,"newObject":{"deep":{"deeper":["a",1,null,true]}},
           "status":{"code":1,"detail":"not in the proto"},
           "events":[{"name":"ev","timeUnixNano":"9","futureEventField":[1,2,3]}]}
        ]}]}]}`;
    await sendAndCompare('traces', json, { resource_spans: [{
      resource: { attributes: [kv('service.name', str('unknown-fields'))] },
      scope_spans: [{ scope: { name: 'edge.unknown' }, spans: [{
        trace_id: buf(traceId), span_id: buf(spanId), name: 'unknown fields', status: { code: 1 },
        events: [{ name: 'ev', time_unix_nano: '9' }],
      }] }],
    }] });
  });

  it('bytesValue in standard and URL-safe base64, padded and not', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"${traceId}","spanId":"${spanId}","name":"base64","attributes":[
          {"key":"std.padded","value":{"bytesValue":"+/8="}},
          {"key":"std.unpadded","value":{"bytesValue":"+/8"}},
          {"key":"url.unpadded","value":{"bytesValue":"-_8"}},
          {"key":"url.padded","value":{"bytesValue":"-_8="}},
          {"key":"std.three","value":{"bytesValue":"+/+/"}},
          {"key":"url.three","value":{"bytesValue":"-_-_"}},
          {"key":"one.byte","value":{"bytesValue":"AA=="}},
          {"key":"empty","value":{"bytesValue":""}},
          {"key":"all.bytes","value":{"bytesValue":"${all.toString('base64')}"}},
          {"key":"all.bytes.url","value":{"bytesValue":"${all.toString('base64url')}"}}
        ]}
      ]}]}]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [{ scope_spans: [{ spans: [{
      trace_id: buf(traceId), span_id: buf(spanId), name: 'base64',
      attributes: [
        kv('std.padded', bytes([0xfb, 0xff])),
        kv('std.unpadded', bytes([0xfb, 0xff])),
        kv('url.unpadded', bytes([0xfb, 0xff])),
        kv('url.padded', bytes([0xfb, 0xff])),
        kv('std.three', bytes([0xfb, 0xff, 0xbf])),
        kv('url.three', bytes([0xfb, 0xff, 0xbf])),
        kv('one.byte', bytes([0])),
        kv('empty', bytes([])),
        kv('all.bytes', bytes(all)),
        kv('all.bytes.url', bytes(all)),
      ],
    }] }] }] });
    const attrs = got.get(spanId).span.attributes;
    assert.deepEqual(attrs.find((a) => a.key === 'url.unpadded').value.bytes_value, Buffer.from([0xfb, 0xff]));
    assert.deepEqual(attrs.find((a) => a.key === 'all.bytes.url').value.bytes_value, all);
  });

  it('doubles as "NaN", "Infinity", "-Infinity", numeric strings, integers and -0', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"${traceId}","spanId":"${spanId}","name":"doubles","attributes":[
          {"key":"nan","value":{"doubleValue":"NaN"}},
          {"key":"inf","value":{"doubleValue":"Infinity"}},
          {"key":"minus.inf","value":{"doubleValue":"-Infinity"}},
          {"key":"string","value":{"doubleValue":"2.5"}},
          {"key":"number","value":{"doubleValue":1.5}},
          {"key":"integer","value":{"doubleValue":3}},
          {"key":"minus.zero","value":{"doubleValue":-0.0}},
          {"key":"exponent","value":{"doubleValue":1e308}},
          {"key":"denormal","value":{"doubleValue":5e-324}},
          {"key":"array","value":{"arrayValue":{"values":[{"doubleValue":"NaN"},{"doubleValue":"-Infinity"},{"doubleValue":0.1}]}}}
        ]}
      ]}]}]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [{ scope_spans: [{ spans: [{
      trace_id: buf(traceId), span_id: buf(spanId), name: 'doubles',
      attributes: [
        kv('nan', dbl(NaN)),
        kv('inf', dbl(Infinity)),
        kv('minus.inf', dbl(-Infinity)),
        kv('string', dbl(2.5)),
        kv('number', dbl(1.5)),
        kv('integer', dbl(3)),
        kv('minus.zero', dbl(-0)),
        kv('exponent', dbl(1e308)),
        kv('denormal', dbl(5e-324)),
        kv('array', arr(dbl(NaN), dbl(-Infinity), dbl(0.1))),
      ],
    }] }] }] });
    const attrs = got.get(spanId).span.attributes;
    const value = (k) => attrs.find((a) => a.key === k).value;
    assert.ok(Number.isNaN(value('nan').double_value));
    assert.equal(value('inf').double_value, Infinity);
    assert.equal(value('integer').value, 'double_value', 'a whole number in doubleValue stays a double');
    assert.ok(Object.is(value('minus.zero').double_value, -0));
  });

  it('hex IDs in upper and mixed case; an empty parentSpanId is a root span', async () => {
    const traceId = hexId(16);
    const ids = [hexId(8), hexId(8)];
    const parent = hexId(8);
    const link = { traceId: hexId(16), spanId: hexId(8) };
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"${traceId.toUpperCase()}","spanId":"${ids[0].toUpperCase()}","parentSpanId":"${mixedCase(parent)}","name":"upper case ids",
         "links":[{"traceId":"${mixedCase(link.traceId)}","spanId":"${link.spanId.toUpperCase()}"}]},
        {"traceId":"${mixedCase(traceId)}","spanId":"${mixedCase(ids[1])}","parentSpanId":"","name":"root"}
      ]}]}]}`;
    const got = await sendAndCompare('traces', json, { resource_spans: [{ scope_spans: [{ spans: [
      { trace_id: buf(traceId), span_id: buf(ids[0]), parent_span_id: buf(parent), name: 'upper case ids',
        links: [{ trace_id: buf(link.traceId), span_id: buf(link.spanId) }] },
      { trace_id: buf(traceId), span_id: buf(ids[1]), name: 'root' },
    ] }] }] });
    assert.equal(got.get(ids[0]).span.trace_id.toString('hex'), traceId);
    assert.equal(got.get(ids[1]).span.parent_span_id.length, 0);
  });

  it('Content-Type with a charset parameter', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${traceId}","spanId":"${spanId}","name":"charset \\u00fc"}]}]}]}`;
    await sendAndCompare('traces', json, { resource_spans: [{ scope_spans: [{ spans: [
      { trace_id: buf(traceId), span_id: buf(spanId), name: 'charset \u00fc' },
    ] }] }] }, { contentType: 'application/json; charset=utf-8' });
  });

  it('null for a field means its default value', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const json = `{"resourceSpans":[{"resource":null,"schemaUrl":null,"scopeSpans":[{"scope":null,"spans":[
        {"traceId":"${traceId}","spanId":"${spanId}","parentSpanId":null,"traceState":null,"name":"null fields","kind":null,
         "startTimeUnixNano":null,"droppedAttributesCount":null,"attributes":null,"events":null,"links":null,"status":null,"flags":null}
      ]}]}]}`;
    await sendAndCompare('traces', json, { resource_spans: [{ scope_spans: [{ spans: [
      { trace_id: buf(traceId), span_id: buf(spanId), name: 'null fields' },
    ] }] }] });
  });

  it('log records: enum names, bodies of every type, trace context in any hex case, event_name, flags', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const json = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-edge-logs"}}]},
      "scopeLogs":[{"scope":{"name":"edge.logs","version":"2"},"logRecords":[
        {"timeUnixNano":"1700000000000000001","observedTimeUnixNano":1700000000000000002,"severityNumber":"SEVERITY_NUMBER_WARN","severityText":"WARN",
         "body":{"kvlistValue":{"values":[{"key":"role","value":{"stringValue":"user"}},{"key":"content","value":{"arrayValue":{"values":[{"stringValue":"hi"},{"intValue":"2"}]}}}]}},
         "attributes":[{"key":"test.id","value":{"stringValue":"log-kvlist"}},{"key":"gen_ai.system","value":{"stringValue":"openai"}}],
         "droppedAttributesCount":1,"flags":1,"traceId":"${traceId.toUpperCase()}","spanId":"${spanId}",
         "eventName":"gen_ai.client.inference.operation.details"},
        {"severityNumber":21,"body":{"stringValue":"fatal: \\u00e9"},"attributes":[{"key":"test.id","value":{"stringValue":"log-string"}}]},
        {"severity_number":9,"severity_text":"INFO","body":{"bytesValue":"AAEC/w=="},"trace_id":"","span_id":"",
         "attributes":[{"key":"test.id","value":{"stringValue":"log-bytes"}}],"event_name":"snake.event"},
        {"body":{"arrayValue":{"values":[{"doubleValue":"Infinity"},{"boolValue":true}]}},"attributes":[{"key":"test.id","value":{"stringValue":"log-array"}}],"flags":4294967295},
        {"attributes":[{"key":"test.id","value":{"stringValue":"log-no-body"}}],"severityNumber":0}
      ]}]}]}`;
    const id = (s) => kv('test.id', str(s));
    const got = await sendAndCompare('logs', json, { resource_logs: [{
      resource: { attributes: [kv('service.name', str('json-edge-logs'))] },
      scope_logs: [{ scope: { name: 'edge.logs', version: '2' }, log_records: [
        { time_unix_nano: '1700000000000000001', observed_time_unix_nano: '1700000000000000002', severity_number: 13, severity_text: 'WARN',
          body: kvlist(['role', str('user')], ['content', arr(str('hi'), int(2))]),
          attributes: [id('log-kvlist'), kv('gen_ai.system', str('openai'))],
          dropped_attributes_count: 1, flags: 1, trace_id: buf(traceId), span_id: buf(spanId),
          event_name: 'gen_ai.client.inference.operation.details' },
        { severity_number: 21, body: str('fatal: \u00e9'), attributes: [id('log-string')] },
        { severity_number: 9, severity_text: 'INFO', body: bytes([0, 1, 2, 255]), attributes: [id('log-bytes')], event_name: 'snake.event' },
        { body: arr(dbl(Infinity), bool(true)), attributes: [id('log-array')], flags: 0xffffffff },
        { attributes: [id('log-no-body')] },
      ] }],
    }] });
    const rec = got.get('log-kvlist').record;
    assert.equal(rec.severity_number, 13);
    assert.equal(rec.trace_id.toString('hex'), traceId);
    assert.equal(rec.event_name, 'gen_ai.client.inference.operation.details');
    assert.equal(got.get('log-no-body').record.body, null);
  });

  it('metrics: every data type, temporality by name and number, int64 and NaN values, exemplars, optional fields', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const t0 = '1700000000000000000';
    const t1 = '1700000060000000000';
    const json = `{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-edge-metrics"}}]},
      "scopeMetrics":[{"scope":{"name":"edge.metrics"},"metrics":[
        {"name":"edge.gauge","description":"a gauge","unit":"1","metadata":[{"key":"m","value":{"stringValue":"meta"}}],"gauge":{"dataPoints":[
          {"asInt":"${INT64_MIN}","timeUnixNano":"${t1}","attributes":[{"key":"p","value":{"stringValue":"min"}}]},
          {"asInt":${INT64_MAX},"timeUnixNano":${t1},"startTimeUnixNano":"${t0}"},
          {"asDouble":"NaN","timeUnixNano":"${t1}","flags":1},
          {"asDouble":"-Infinity","timeUnixNano":"${t1}","exemplars":[
            {"timeUnixNano":"${t1}","asDouble":0.5,"traceId":"${traceId.toUpperCase()}","spanId":"${spanId}","filteredAttributes":[{"key":"f","value":{"boolValue":true}}]},
            {"time_unix_nano":"${t0}","as_int":"-7","trace_id":"","span_id":""}]}
        ]}},
        {"name":"edge.sum.delta","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","isMonotonic":true,"dataPoints":[
          {"asDouble":1.5,"startTimeUnixNano":"${t0}","timeUnixNano":"${t1}"}]}},
        {"name":"edge.sum.cumulative","sum":{"aggregationTemporality":2,"isMonotonic":false,"dataPoints":[
          {"asInt":-3,"startTimeUnixNano":"${t0}","timeUnixNano":"${t1}"}]}},
        {"name":"edge.histogram","unit":"s","histogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","dataPoints":[
          {"startTimeUnixNano":"${t0}","timeUnixNano":"${t1}","count":"10","sum":12.5,"bucketCounts":["1",2,"3","4"],"explicitBounds":[0.1,1,"10"],"min":0.05,"max":9},
          {"startTimeUnixNano":"${t0}","timeUnixNano":"${t1}","count":0,"bucketCounts":[],"explicitBounds":[]}]}},
        {"name":"edge.exponential","exponentialHistogram":{"aggregationTemporality":1,"dataPoints":[
          {"startTimeUnixNano":"${t0}","timeUnixNano":"${t1}","count":"5","sum":-1.5,"scale":-3,"zeroCount":"2","zeroThreshold":1e-9,
           "positive":{"offset":-2,"bucketCounts":["1",2]},"negative":{"offset":1,"bucketCounts":[]},"min":-1,"max":0.25}]}},
        {"name":"edge.summary","summary":{"dataPoints":[
          {"startTimeUnixNano":"${t0}","timeUnixNano":"${t1}","count":"7","sum":70,
           "quantileValues":[{"quantile":0.5,"value":9},{"quantile":0.99,"value":"Infinity"},{"quantile":1}]}]}},
        {"name":"edge.no_data","description":"metric with no data field"}
      ]}]}]}`;
    const got = await sendAndCompare('metrics', json, { resource_metrics: [{
      resource: { attributes: [kv('service.name', str('json-edge-metrics'))] },
      scope_metrics: [{ scope: { name: 'edge.metrics' }, metrics: [
        { name: 'edge.gauge', description: 'a gauge', unit: '1', metadata: [kv('m', str('meta'))], gauge: { data_points: [
          { as_int: INT64_MIN, time_unix_nano: t1, attributes: [kv('p', str('min'))] },
          { as_int: INT64_MAX, time_unix_nano: t1, start_time_unix_nano: t0 },
          { as_double: NaN, time_unix_nano: t1, flags: 1 },
          { as_double: -Infinity, time_unix_nano: t1, exemplars: [
            { time_unix_nano: t1, as_double: 0.5, trace_id: buf(traceId), span_id: buf(spanId), filtered_attributes: [kv('f', bool(true))] },
            { time_unix_nano: t0, as_int: '-7' }] },
        ] } },
        { name: 'edge.sum.delta', sum: { aggregation_temporality: 1, is_monotonic: true, data_points: [
          { as_double: 1.5, start_time_unix_nano: t0, time_unix_nano: t1 }] } },
        { name: 'edge.sum.cumulative', sum: { aggregation_temporality: 2, is_monotonic: false, data_points: [
          { as_int: '-3', start_time_unix_nano: t0, time_unix_nano: t1 }] } },
        { name: 'edge.histogram', unit: 's', histogram: { aggregation_temporality: 2, data_points: [
          { start_time_unix_nano: t0, time_unix_nano: t1, count: '10', sum: 12.5, bucket_counts: ['1', '2', '3', '4'],
            explicit_bounds: [0.1, 1, 10], min: 0.05, max: 9 },
          { start_time_unix_nano: t0, time_unix_nano: t1, count: '0', bucket_counts: [], explicit_bounds: [] }] } },
        { name: 'edge.exponential', exponential_histogram: { aggregation_temporality: 1, data_points: [
          { start_time_unix_nano: t0, time_unix_nano: t1, count: '5', sum: -1.5, scale: -3, zero_count: '2', zero_threshold: 1e-9,
            positive: { offset: -2, bucket_counts: ['1', '2'] }, negative: { offset: 1, bucket_counts: [] }, min: -1, max: 0.25 }] } },
        { name: 'edge.summary', summary: { data_points: [
          { start_time_unix_nano: t0, time_unix_nano: t1, count: '7', sum: 70,
            quantile_values: [{ quantile: 0.5, value: 9 }, { quantile: 0.99, value: Infinity }, { quantile: 1 }] }] } },
        { name: 'edge.no_data', description: 'metric with no data field' },
      ] }],
    }] });
    const gauge = got.get('edge.gauge').metric.gauge.data_points;
    assert.equal(gauge[0].as_int, INT64_MIN);
    assert.equal(gauge[1].as_int, INT64_MAX);
    assert.ok(Number.isNaN(gauge[2].as_double));
    assert.equal(gauge[3].exemplars[0].trace_id.toString('hex'), traceId);
    const hist = got.get('edge.histogram').metric.histogram.data_points;
    assert.deepEqual(hist[0].bucket_counts, ['1', '2', '3', '4']);
    assert.equal(hist[0].sum, 12.5);
    assert.equal(hist[1]._sum, undefined, 'an absent optional sum stays absent');
    assert.equal(got.get('edge.sum.delta').metric.sum.aggregation_temporality, 1);
  });

  it('/metrics counts what the JSON requests carried', async () => {
    const m = await eventually(() => daemon.metrics(), (x) => x.get('otelcol_receiver_accepted_log_records', HTTP_RECEIVER) > 0);
    assert.equal(m.get('otelcol_receiver_accepted_log_records', HTTP_RECEIVER), 5, m.text);
    // Data points: gauge 4, sums 1 + 1, histogram 2, exponential 1, summary 1.
    assert.equal(m.get('otelcol_receiver_accepted_metric_points', HTTP_RECEIVER), 10, m.text);
    assert.equal(m.get('otelcol_receiver_accepted_spans', HTTP_RECEIVER), backend.spans().length, m.text);
  });
});
