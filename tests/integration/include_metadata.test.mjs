// protocols.http.include_metadata: the request headers named in metadata_keys travel with its
// data (the debug exporter at detailed verbosity prints them), no other header does, and none
// at all when the option is off.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, eventually } from './lib/daemon.mjs';
import { encodeTraceRequest } from './lib/otlp.mjs';
import { smallRequest } from './lib/requests.mjs';
import { httpRequest, PROTOBUF } from './lib/http.mjs';

const TIMEOUT = { timeout: 60_000 };

function config(includeMetadata) {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
        include_metadata: ${includeMetadata}
        metadata_keys: [X-Tenant, x-request-source]
exporters:
  debug:
    verbosity: detailed
service:
  telemetry: { metrics: { address: 127.0.0.1:0 } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;
}

async function sendWithHeaders(daemon, tag) {
  const { request, spanIds } = smallRequest(2, tag);
  const res = await httpRequest(daemon.httpUrl('/v1/traces'), {
    headers: { 'Content-Type': PROTOBUF, 'X-Tenant': 'acme', 'X-Request-Source': tag, 'X-Unlisted': 'unlisted-value' },
    body: encodeTraceRequest(request),
  });
  assert.equal(res.status, 200, res.text);
  return spanIds;
}

test('with include_metadata the headers in metadata_keys reach the exporter, lowercased, and no others', TIMEOUT, async (t) => {
  const daemon = await startDaemon(config(true));
  t.after(() => daemon.kill());
  const spanIds = await sendWithHeaders(daemon, 'with-metadata');
  await eventually(() => daemon.stdout, (out) => spanIds.every((id) => out.includes(`span_id=${id}`)));
  const metadataLine = daemon.stdout.split('\n').find((l) => l.startsWith(' metadata {'));
  assert.ok(metadataLine, `a metadata line in the debug output:\n${daemon.stdout}`);
  assert.match(metadataLine, /x-tenant=acme/);
  assert.match(metadataLine, /x-request-source=with-metadata/);
  // Headers not listed in metadata_keys stay at the door, the standard ones included.
  const keys = /^ metadata \{(.*)\}$/.exec(metadataLine)[1].split(', ').map((p) => p.slice(0, p.indexOf('=')));
  assert.deepEqual(keys.sort(), ['x-request-source', 'x-tenant'], metadataLine);
  assert.ok(!daemon.stdout.includes('x-unlisted') && !daemon.stdout.includes('unlisted-value'), daemon.stdout);
  assert.ok(!metadataLine.includes('content-type'), metadataLine);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});

test('without include_metadata no headers are passed on', TIMEOUT, async (t) => {
  const daemon = await startDaemon(config(false));
  t.after(() => daemon.kill());
  const spanIds = await sendWithHeaders(daemon, 'without-metadata');
  await eventually(() => daemon.stdout, (out) => spanIds.every((id) => out.includes(`span_id=${id}`)));
  assert.ok(!daemon.stdout.includes('metadata {'), daemon.stdout);
  assert.ok(!daemon.stdout.includes('acme'), daemon.stdout);
  assert.ok(!daemon.stdout.includes('unlisted-value'), daemon.stdout);
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, daemon.describe());
});
