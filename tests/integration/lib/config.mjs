// Renders collector configs of the shape an otelcol operator writes: one OTLP receiver (gRPC, and
// HTTP when asked), an optional batch processor, exporters to recording peers, health_check and
// self-metrics, everything on loopback. Ports default to 0 (the daemon announces what it bound).

// Options:
//   receiverPort (0), maxRecvMsgSizeMib (16), grpc (true: serve OTLP/gRPC),
//   http (null, or { port (0), max_request_body_size, include_metadata,
//   cors: { allowed_origins: [...], max_age } }: serve OTLP/HTTP),
//   signals (['traces']: one pipeline per signal, each with the same receiver, processors and
//   exporters), batch ({ timeout, send_batch_size } or null for none),
//   exporters: [{ id ('otlp/peer'), port, endpoint (overrides port: written as given),
//   compression ('none'), timeout ('5s'), retry ({ enabled, initial_interval, max_interval,
//   max_elapsed_time }), queue ({ queue_size, num_consumers, sizer, batch: { flush_timeout,
//   min_size, max_size } }), headers ({ name: value }),
//   tls (true: `tls: { insecure: true }`; false: no tls key), options ({ key: value } written as
//   further `key: value` lines) }], healthPort (0), metricsPort (0),
//   processors ([]: further processors, each { id, body: YAML text of its options, written
//   indented under the id }; they run in this order, before batch, in every pipeline).
export function renderConfig({
  receiverPort = 0,
  maxRecvMsgSizeMib = 16,
  grpc = true,
  http = null,
  signals = ['traces'],
  batch = { timeout: '200ms', send_batch_size: 512 },
  exporters = [],
  healthPort = 0,
  metricsPort = 0,
  processors = [],
} = {}) {
  const lines = [
    'receivers:',
    '  otlp:',
    '    protocols:',
  ];
  if (grpc) lines.push(`      grpc: { endpoint: 127.0.0.1:${receiverPort}, max_recv_msg_size_mib: ${maxRecvMsgSizeMib} }`);
  if (http) {
    lines.push('      http:');
    lines.push(`        endpoint: 127.0.0.1:${http.port ?? 0}`);
    if (http.max_request_body_size !== undefined) lines.push(`        max_request_body_size: ${http.max_request_body_size}`);
    if (http.include_metadata !== undefined) lines.push(`        include_metadata: ${http.include_metadata}`);
    if (http.cors) {
      lines.push('        cors:');
      lines.push(`          allowed_origins: [${(http.cors.allowed_origins ?? []).map((o) => JSON.stringify(o)).join(', ')}]`);
      if (http.cors.max_age !== undefined) lines.push(`          max_age: ${http.cors.max_age}`);
    }
  }
  if (batch || processors.length) lines.push('processors:');
  if (batch) lines.push(`  batch: { timeout: ${batch.timeout}, send_batch_size: ${batch.send_batch_size} }`);
  for (const p of processors) {
    const body = (p.body ?? '').split('\n').filter((l) => l.trim() !== '');
    if (body.length === 0) lines.push(`  ${p.id}: {}`);
    else lines.push(`  ${p.id}:`, ...body.map((l) => `    ${l}`));
  }
  // The recommended order: the GenAI processors, then batch last (pii_redact must come before it).
  const pipelineProcessors = [...processors.map((p) => p.id), ...(batch ? ['batch'] : [])];
  lines.push('exporters:');
  for (const e of exporters) {
    const retry = { enabled: true, initial_interval: '100ms', max_interval: '1s', max_elapsed_time: '60s', ...e.retry };
    const queue = { queue_size: 1000, num_consumers: 2, ...e.queue };
    lines.push(`  ${e.id ?? 'otlp/peer'}:`);
    lines.push(`    endpoint: ${e.endpoint ?? `127.0.0.1:${e.port}`}`);
    if (e.tls ?? true) lines.push('    tls: { insecure: true }');
    lines.push(`    compression: ${e.compression ?? 'none'}`);
    lines.push(`    timeout: ${e.timeout ?? '5s'}`);
    if (e.headers) lines.push(`    headers: { ${inline(e.headers)} }`);
    lines.push(`    retry_on_failure: { ${inline(retry)} }`);
    lines.push(`    sending_queue: { ${inline(queue)} }`);
    for (const [k, v] of Object.entries(e.options ?? {})) lines.push(`    ${k}: ${v}`);
  }
  lines.push(
    'extensions:',
    `  health_check: { endpoint: 127.0.0.1:${healthPort} }`,
    'service:',
    '  extensions: [health_check]',
    `  telemetry: { metrics: { address: 127.0.0.1:${metricsPort} } }`,
    '  pipelines:',
  );
  for (const signal of signals) {
    lines.push(
      `    ${signal}:`,
      '      receivers: [otlp]',
      `      processors: [${pipelineProcessors.join(', ')}]`,
      `      exporters: [${exporters.map((e) => e.id ?? 'otlp/peer').join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

// A YAML flow map's inside; nested objects become nested flow maps.
function inline(obj) {
  return Object.entries(obj)
    .map(([k, v]) => (v && typeof v === 'object' ? `${k}: { ${inline(v)} }` : `${k}: ${v}`))
    .join(', ');
}
