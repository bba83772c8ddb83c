// A hostile HTTP client in its own process: holds many connections to one port from one local
// address and reconnects each one the server closes, as a flood would. Run it through
// startAttacker() so its open-file limit can be raised above the default 1024 (node cannot
// raise its own).
//
// Modes, spread evenly over the connections:
//   slowBody     POST headers with a large Content-Length, then one body byte every trickleMs
//   slowHeaders  a request line, then one header byte every trickleMs, never the blank line
//   keepAlive    one complete request, then the connection kept open and silent
//   idle         connect and send nothing
//
// It prints one JSON line per reportMs: { open, connects, closedByServer, errors: {code: n} },
// and exits (destroying every socket) on SIGTERM or when stdin closes.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

// Starts an attacker against 127.0.0.1:port. Options: count, localAddress ('127.0.0.1'), modes
// (['slowBody', 'keepAlive', 'idle']), path ('/v1/traces'), trickleMs (1000), reconnectMs (200).
// Resolves once its first report arrived; `latest` holds the last report.
export function startAttacker(port, options) {
  const args = JSON.stringify({ port, ...options });
  // Soft limit up to 4096 where the hard limit allows; the daemon itself raises its own.
  const script = 'ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$1" "$2"';
  const child = spawn('bash', ['-c', script, process.execPath, SELF, args],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const attacker = {
    child,
    latest: undefined,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
    // Resolves with the first report for which accept(report) holds (or the last one at timeout).
    async until(accept, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (attacker.latest && accept(attacker.latest)) return attacker.latest;
        await new Promise((r) => setTimeout(r, 50));
      }
      return attacker.latest;
    },
    // Closes every attacking socket (the kernel sends FIN on exit) and waits for the exit.
    async stop() {
      child.stdin.end();
      child.kill('SIGTERM');
      return attacker.exited;
    },
  };
  let partial = '';
  let ready;
  const first = new Promise((resolve) => { ready = resolve; });
  child.stdout.on('data', (d) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const line of lines) {
      attacker.latest = JSON.parse(line);
      ready();
    }
  });
  child.on('exit', () => ready());
  return first.then(() => attacker);
}

function runAttacker({ port, count, localAddress = '127.0.0.1', modes = ['slowBody', 'keepAlive', 'idle'],
  path = '/v1/traces', trickleMs = 1000, reconnectMs = 200, reportMs = 100 }) {
  const stats = { open: 0, connects: 0, closedByServer: 0, errors: {} };
  const sockets = new Set();
  let stopping = false;

  const open = (mode) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    let timer;
    let connected = false;
    sockets.add(socket);
    socket.on('connect', () => {
      connected = true;
      stats.open++;
      stats.connects++;
      if (mode === 'slowBody') {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n` +
          'Content-Length: 1000000\r\n\r\n');
        timer = setInterval(() => socket.write('\n'), trickleMs);
      } else if (mode === 'slowHeaders') {
        socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: `);
        timer = setInterval(() => socket.write('a'), trickleMs);
      } else if (mode === 'keepAlive') {
        socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      }
    });
    socket.on('data', () => {});
    socket.on('error', (err) => { stats.errors[err.code] = (stats.errors[err.code] ?? 0) + 1; });
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      if (connected) stats.open--;
      if (stopping) return;
      stats.closedByServer++;
      setTimeout(() => open(mode), reconnectMs);
    });
  };

  for (let i = 0; i < count; i++) open(modes[i % modes.length]);
  const reporter = setInterval(() => process.stdout.write(`${JSON.stringify(stats)}\n`), reportMs);
  const stop = () => {
    stopping = true;
    clearInterval(reporter);
    for (const s of sockets) s.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

if (process.argv[1] === SELF) runAttacker(JSON.parse(process.argv[2]));
