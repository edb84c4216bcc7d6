// Test kit shared by the packages' tests: seeded randomness, stress scaling,
// and hand-made worker threads running named scenarios (typed by testkit.d.mts).
//
// GOCSP_SEED=<n> replays a run; GOCSP_STRESS=<factor> (e.g. 20) multiplies
// iteration counts.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { toShared } from '@gocsp/core';

export const SEED = Number(process.env.GOCSP_SEED ?? 0x5eed) >>> 0;
export const STRESS = Math.max(1, Number(process.env.GOCSP_STRESS ?? 1) || 1);

export const scale = (n) => Math.round(n * STRESS);

export function rng(seed = SEED) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The environment for a child process whose output a test reads: this
 * process's, plus `extra`, without colour forcing. Nx sets FORCE_COLOR for
 * the tasks it runs (and a user may have it set): a child's console.log
 * would then colour what it prints, even into a pipe.
 */
export function childEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.FORCE_COLOR;
  env.NO_COLOR = '1';
  return env;
}

// Nx forces colour into the tasks it runs (FORCE_COLOR), and a child's
// console.log of a non-string (a number, a boolean, an error's properties)
// is then coloured: tests compare a child's output without its escapes.
// eslint-disable-next-line no-control-regex -- the escape is what is removed
const ANSI = /\u001b\[[0-9;]*m/g;
export const stripAnsi = (s) => String(s).replace(ANSI, '');

export function workerRunner(entry) {
  return function runWorker(scenario, args, timeoutMs = 30_000) {
    const worker = new Worker(entry, {
      workerData: { scenario, args: toShared(args), seed: SEED },
    });
    const messages = [];
    const waiting = [];
    const result = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`scenario ${scenario} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      worker.on('message', (m) => {
        if (m.kind === 'report') {
          const w = waiting.shift();
          if (w) w(m.value);
          else messages.push(m.value);
        } else if (m.kind === 'done') {
          clearTimeout(timer);
          resolve(m.value);
        } else if (m.kind === 'error') {
          clearTimeout(timer);
          reject(m.error instanceof Error ? m.error : new Error(String(m.error)));
        }
      });
      worker.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker for ${scenario} exited (code ${code}) before finishing`));
      });
    });
    result.catch(() => {}); // observed by the test when it awaits it
    return {
      worker,
      result,
      messages,
      next: () =>
        messages.length > 0
          ? Promise.resolve(messages.shift())
          : new Promise((resolve) => waiting.push(resolve)),
    };
  };
}

/**
 * A function running `node [execArgv] <fixtures>/<name> [args]` (no script
 * with name = null) with `cwd` as its directory, collecting what it did:
 * exit code (null if killed), signal, whether the timeout killed it (SIGKILL
 * after `timeoutMs`, default 20 s), stdout and stderr without colour escapes,
 * and the wall time. It never rejects: a test asserts on the result.
 */
export function nodeRunner(fixtures, cwd) {
  return function runNode(name, opts = {}) {
    const args = [...(opts.execArgv ?? [])];
    if (name !== null) args.push(fileURLToPath(new URL(name, fixtures)));
    args.push(...(opts.args ?? []));
    const timeout = opts.timeoutMs ?? 20_000;
    const t0 = performance.now();
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        args,
        {
          cwd: fileURLToPath(cwd),
          env: childEnv(opts.env),
          timeout,
          killSignal: 'SIGKILL',
          maxBuffer: 16 << 20,
        },
        (e, stdout, stderr) => {
          resolve({
            code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
            signal: e?.signal ?? null,
            timedOut: e?.killed === true && performance.now() - t0 >= timeout - 50,
            stdout: stripAnsi(stdout),
            stderr: stripAnsi(stderr),
            ms: performance.now() - t0,
          });
        },
      );
    });
  };
}

/** The last line of a child's stdout, parsed as JSON (fixtures report that way). */
export function lastJson(r) {
  const lines = r.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new Error(
      `child printed no JSON (code ${String(r.code)}, signal ${String(r.signal)}):\n${r.stdout}\n${r.stderr}`,
    );
  }
}
