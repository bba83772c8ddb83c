// Hand-built ExportTraceServiceRequests (decoded form, see otlp.mjs) for what the JS SDK cannot
// produce: bytes and kvlist values, mixed arrays, int64 extremes, empty keys, explicit flags and
// dropped counts, scope attributes; plus small requests with known span IDs for counting.

import crypto from 'node:crypto';

export const INT64_MIN = '-9223372036854775808';
export const INT64_MAX = '9223372036854775807';
export const UINT64_MAX = '18446744073709551615';

const str = (s) => ({ string_value: s });
const int = (i) => ({ int_value: String(i) });
const dbl = (d) => ({ double_value: d });
const bool = (b) => ({ bool_value: b });
const bytes = (hex) => ({ bytes_value: Buffer.from(hex, 'hex') });
const arr = (...values) => ({ array_value: { values } });
const kvlist = (...pairs) => ({ kvlist_value: { values: pairs.map(([key, value]) => ({ key, value })) } });
const kv = (key, value) => ({ key, value });

export const randomId = (n) => crypto.randomBytes(n);

// A request with one resource, two scopes and three spans exercising every AnyValue variant and
// every optional span field. `tag` goes into span names and a "test.tag" attribute.
export function edgeCaseRequest(tag) {
  const traceId = randomId(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const t = (offsetNs) => (now + BigInt(offsetNs)).toString();
  const nested = kvlist(
    ['level1.string', str('one')],
    ['level1.kvlist', kvlist(
      ['level2.int', int(-42)],
      ['level2.array', arr(str('deep'), kvlist(['level3.bool', bool(true)]))],
      ['level2.empty_kvlist', kvlist()],
    )],
    ['', str('value under an empty key')],
  );
  const everyValue = [
    kv('test.tag', str(tag)),
    kv('bytes.binary', bytes('00ff10fe8000017f')),
    kv('bytes.empty', { bytes_value: Buffer.alloc(0) }),
    kv('kvlist.nested', nested),
    kv('array.mixed', arr(str('s'), int(1), dbl(2.5), bool(false), bytes('c0ffee'), arr(int(7)), kvlist(['k', str('v')]), {})),
    kv('array.empty', arr()),
    kv('int64.min', int(INT64_MIN)),
    kv('int64.max', int(INT64_MAX)),
    kv('int.zero', int(0)),
    kv('double.max', dbl(Number.MAX_VALUE)),
    kv('double.min_positive', dbl(Number.MIN_VALUE)),
    kv('double.lowest', dbl(-Number.MAX_VALUE)),
    kv('double.negative_zero', dbl(-0)),
    kv('double.inf', dbl(Infinity)),
    kv('double.minus_inf', dbl(-Infinity)),
    kv('string.empty', str('')),
    kv('', str('')),
    kv('value.unset', {}),
    kv('bool.false', bool(false)),
  ];
  const spanA = {
    trace_id: traceId,
    span_id: randomId(8),
    trace_state: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    parent_span_id: randomId(8),
    flags: 0x301,
    name: `${tag} every value`,
    kind: 3,
    start_time_unix_nano: t(1),
    end_time_unix_nano: t(1_000_000_007),
    attributes: everyValue,
    dropped_attributes_count: 3,
    events: [
      { time_unix_nano: t(500), name: 'event with values', attributes: [kv('e.bytes', bytes('01')), kv('e.kv', nested)], dropped_attributes_count: 1 },
      { time_unix_nano: '0', name: '', attributes: [], dropped_attributes_count: 0 },
    ],
    dropped_events_count: 4,
    links: [
      { trace_id: randomId(16), span_id: randomId(8), trace_state: 'a=b', attributes: [kv('l.int', int(INT64_MIN))], dropped_attributes_count: 2, flags: 0x100 },
      { trace_id: randomId(16), span_id: randomId(8), trace_state: '', attributes: [], dropped_attributes_count: 0, flags: 0x3ff },
    ],
    dropped_links_count: 5,
    status: { message: 'quota exceeded: 429', code: 2 },
  };
  const spanB = {
    trace_id: traceId,
    span_id: randomId(8),
    trace_state: '',
    parent_span_id: spanA.span_id,
    flags: 0,
    name: '',
    kind: 0,
    start_time_unix_nano: UINT64_MAX,
    end_time_unix_nano: UINT64_MAX,
    attributes: [kv('test.tag', str(tag))],
    dropped_attributes_count: 4294967295,
    events: [],
    dropped_events_count: 0,
    links: [],
    dropped_links_count: 0,
    status: { message: '', code: 1 },
  };
  const spanC = {
    trace_id: randomId(16),
    span_id: randomId(8),
    trace_state: '',
    parent_span_id: Buffer.alloc(0),
    flags: 0xffffffff,
    name: `${tag} other scope`,
    kind: 5,
    start_time_unix_nano: '1',
    end_time_unix_nano: '2',
    attributes: [kv('test.tag', str(tag))],
    dropped_attributes_count: 0,
    events: [],
    dropped_events_count: 0,
    links: [],
    dropped_links_count: 0,
  };
  return {
    resource_spans: [{
      resource: {
        attributes: [kv('service.name', str('gc-handbuilt')), kv('resource.bytes', bytes('deadbeef')), kv('resource.kv', nested)],
        dropped_attributes_count: 2,
      },
      schema_url: 'https://opentelemetry.io/schemas/1.27.0',
      scope_spans: [
        {
          scope: { name: 'gc.integration.handbuilt', version: '0.0.1-rc.1', attributes: [kv('scope.attr', int(INT64_MAX))], dropped_attributes_count: 6 },
          schema_url: 'https://opentelemetry.io/schemas/1.24.0',
          spans: [spanA, spanB],
        },
        {
          scope: { name: '', version: '', attributes: [], dropped_attributes_count: 0 },
          schema_url: '',
          spans: [spanC],
        },
      ],
    }],
  };
}

// A request with `count` small spans in one resource and scope; span IDs are random, and the
// returned { request, spanIds } lists them as hex.
export function smallRequest(count, tag, { attributeBytes = 0 } = {}) {
  const traceId = randomId(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = [];
  for (let i = 0; i < count; i++) {
    const attributes = [kv('test.tag', str(tag)), kv('test.seq', int(i))];
    if (attributeBytes > 0) attributes.push(kv('padding', str('p'.repeat(attributeBytes))));
    spans.push({
      trace_id: traceId,
      span_id: randomId(8),
      name: `${tag} ${i}`,
      kind: 1,
      start_time_unix_nano: (now + BigInt(i)).toString(),
      end_time_unix_nano: (now + BigInt(i) + 1000n).toString(),
      attributes,
    });
  }
  return {
    request: {
      resource_spans: [{
        resource: { attributes: [kv('service.name', str('gc-raw-client'))] },
        scope_spans: [{ scope: { name: 'gc.integration.raw' }, spans }],
      }],
    },
    spanIds: spans.map((s) => s.span_id.toString('hex')),
  };
}
