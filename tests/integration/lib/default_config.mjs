// The embedded default config (config/default.yaml) as a test config: its own text, with the
// listening addresses moved to 127.0.0.1 port 0 through the environment variables it reads, and
// a few targeted changes (debug verbosity, include_metadata, a recording peer, genai_cost
// options). Each change replaces a line that must be there, so a changed default.yaml fails
// loudly here instead of silently testing something else.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Node 18 (Debian 12's) has no import.meta.dirname.
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_CONFIG_FILE = path.join(REPO, 'config/default.yaml');

// The variables default.yaml expands for its four addresses, all on loopback port 0.
export const LOOPBACK_ENV = Object.freeze({
  GC_OTLP_GRPC_ENDPOINT: '127.0.0.1:0',
  GC_OTLP_HTTP_ENDPOINT: '127.0.0.1:0',
  GC_HEALTH_ENDPOINT: '127.0.0.1:0',
  GC_METRICS_ADDRESS: '127.0.0.1:0',
});

function replaceOnce(text, from, to) {
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`${DEFAULT_CONFIG_FILE} no longer contains ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

// Options: verbosity ('basic' as shipped, 'normal' or 'detailed'); metadataKeys (undefined, or
// a list: turns include_metadata on with these metadata_keys); peerPort (also export traces to
// an OTLP/gRPC recording peer on 127.0.0.1:peerPort); genaiCost (YAML flow map text replacing
// genai_cost's `{}`).
export function defaultConfig({ verbosity = 'basic', metadataKeys, peerPort, genaiCost } = {}) {
  let text = fs.readFileSync(DEFAULT_CONFIG_FILE, 'utf8');
  text = replaceOnce(text, '    verbosity: basic\n', `    verbosity: ${verbosity}\n`);
  if (metadataKeys) {
    const http = '        endpoint: ${env:GC_OTLP_HTTP_ENDPOINT:-0.0.0.0:4318}\n';
    text = replaceOnce(text, http, `${http}        include_metadata: true\n` +
      `        metadata_keys: [${metadataKeys.join(', ')}]\n`);
  }
  if (genaiCost) text = replaceOnce(text, '  genai_cost: {}\n', `  genai_cost: ${genaiCost}\n`);
  if (peerPort) {
    text = replaceOnce(text, 'exporters:\n  debug:\n', 'exporters:\n' +
      `  otlp/peer: { endpoint: 127.0.0.1:${peerPort}, tls: { insecure: true } }\n  debug:\n`);
    // The first pipeline is traces.
    text = replaceOnce(text, '      processors: [genai_normalize, genai_cost, pii_redact]\n      exporters: [debug]\n',
      '      processors: [genai_normalize, genai_cost, pii_redact]\n      exporters: [debug, otlp/peer]\n');
  }
  return text;
}
