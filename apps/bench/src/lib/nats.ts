/**
 * NATS for the benchmarks: one nats-server per benchmark run (started by the
 * first NATS case that needs it, on a free port of 127.0.0.1 with a temporary
 * store, stopped when the run exits), or the server at NATS_URL; serving
 * processes (workers/nats-serve.js) started and stopped by the cases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { INSTALL_HINT, findNatsServer, startNatsServer } from '../../../../tools/nats-server.mjs';

/** Why the NATS suites cannot run here, or undefined if they can. */
export function natsUnavailable(): string | undefined {
  if (process.env.NATS_URL || findNatsServer() !== undefined) return undefined;
  return `NATS suites skipped: no nats-server found and NATS_URL unset (${INSTALL_HINT})`;
}

let server: Promise<string> | undefined;
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** The URL of this run's NATS server (started on first use, stopped when the run exits). */
export function natsUrl(): Promise<string> {
  if (process.env.NATS_URL) return Promise.resolve(process.env.NATS_URL);
  server ??= (async () => {
    const bin = findNatsServer();
    if (bin === undefined) throw new Error(natsUnavailable());
    const s = await startNatsServer(bin);
    // Killed when the run exits; neither it nor its stderr pipe may keep the run alive.
    s.proc.unref();
    (s.proc.stderr as { unref?: () => void } | null)?.unref?.();
    process.once('exit', () => rmSync(s.dir, { recursive: true, force: true }));
    return s.url;
  })();
  return server;
}

/** A serving process (workers/nats-serve.js) once it printed "ready"; `stop()` ends it. */
export async function startServing(args: string[]): Promise<{ stop(): Promise<void> }> {
  const file = fileURLToPath(new URL('./workers/nats-serve.js', import.meta.url));
  const proc = spawn(process.execPath, [file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // I/O-bound goroutines need no second thread; keep the 2 cores for the figures.
    env: { ...process.env, GOMAXPROCS: '1' },
  });
  children.add(proc);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(
      () => reject(new Error('a serving process did not start in 20 s')),
      20_000,
    );
    proc.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready')) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`a serving process exited (${code})`));
    });
  });
  return {
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      children.delete(proc);
    },
  };
}

/** Runs `call(i)` for i < n with at most `window` in flight; the sum of the results. */
export async function windowed(
  n: number,
  window: number,
  call: (i: number) => Promise<number>,
): Promise<number> {
  let next = 0;
  let sum = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const v = await call(next++);
      sum += v;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
  return sum;
}
