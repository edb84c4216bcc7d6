// nats-server: a real NATS server (with JetStream) for @gocsp/nats' tests,
// the NATS benchmarks and the distributed-pool example: found on PATH (or the
// usual install places), started on a free port of 127.0.0.1 with a temporary
// store dir, and always stopped (also when the process exits or is
// interrupted). Typed by nats-server.d.mts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const INSTALL_HINT =
  'install nats-server (Debian/Ubuntu: apt-get install -y nats-server; or the official binary / the `nats` container image) or set NATS_URL to a NATS server with JetStream';

/**
 * The nats-server binary, or undefined. GOCSP_NATS_SERVER names one (or
 * `none`: behave as if there were none, to see the skip).
 */
export function findNatsServer() {
  const forced = process.env.GOCSP_NATS_SERVER;
  if (forced === 'none') return undefined;
  if (forced) return existsSync(forced) ? forced : undefined;
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/sbin',
    '/usr/local/bin',
    '/usr/bin',
  ];
  for (const d of dirs) {
    if (!d) continue;
    const f = path.join(d, 'nats-server');
    if (existsSync(f)) return f;
  }
  return undefined;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = tcpConnect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

const live = new Set();
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const p of live) p.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Starts a nats-server with JetStream on a free port of 127.0.0.1 and a temporary store dir. */
export async function startNatsServer(bin, port, dir) {
  hookExit();
  const p = port ?? (await freePort());
  const d = dir ?? mkdtempSync(path.join(tmpdir(), 'gocsp-nats-'));
  let proc;
  const launch = async () => {
    proc = spawn(bin, ['-a', '127.0.0.1', '-p', String(p), '-js', '-sd', d], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    live.add(proc);
    let stderr = '';
    proc.stderr.on('data', (b) => (stderr += b.toString()));
    proc.once('exit', () => live.delete(proc));
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) throw new Error(`nats-server exited at start: ${stderr}`);
      if (await canConnect(p)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`nats-server did not listen on 127.0.0.1:${p} within 10 s: ${stderr}`);
  };
  await launch();
  const stop = async () => {
    const cur = proc;
    if (cur.exitCode !== null || cur.signalCode !== null) return;
    const exited = new Promise((r) => cur.once('exit', () => r()));
    cur.kill('SIGTERM');
    const t = setTimeout(() => cur.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  const server = {
    url: `nats://127.0.0.1:${p}`,
    port: p,
    dir: d,
    get proc() {
      return proc;
    },
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    dispose: async () => {
      await stop();
      rmSync(d, { recursive: true, force: true });
    },
  };
  return server;
}
