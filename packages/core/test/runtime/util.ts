/**
 * Test kit of the runtime tests: the shared one (tools/testkit.mjs), the task
 * module of fixtures/tasks.mjs, child processes for the scenarios that crash
 * or end the process, and bounded polling. GOCSP_SEED replays a run;
 * GOCSP_STRESS scales it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { taskModule } from '@gocsp/core';
import { childEnv } from '../../../../tools/testkit.mjs';

export { SEED, STRESS, scale, rng, delay } from '../../../../tools/testkit.mjs';
import { stripAnsi } from '../../../../tools/testkit.mjs';

/** The goroutine functions of fixtures/tasks.mjs. */
export const tasks = taskModule<typeof import('./fixtures/tasks.mjs')>(
  new URL('./fixtures/tasks.mjs', import.meta.url),
);

export interface ChildResult {
  /** Exit code; null if killed (see `signal`, `timedOut`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Wall time until the process ended. */
  ms: number;
}

export interface ChildOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Node flags before the script. */
  execArgv?: string[];
  /** Arguments after the script. */
  args?: string[];
  /** Killed (SIGKILL) after this long; default 20 s. */
  timeoutMs?: number;
}

/**
 * Runs `node [execArgv] fixtures/<name> [args]` (no script with name = null)
 * in the package directory and collects what it did. Never rejects: a test
 * asserts on the result.
 */
export function runNode(name: string | null, opts: ChildOptions = {}): Promise<ChildResult> {
  const args = [...(opts.execArgv ?? [])];
  if (name !== null) args.push(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
  args.push(...(opts.args ?? []));
  const timeout = opts.timeoutMs ?? 20_000;
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: childEnv(opts.env),
        timeout,
        killSignal: 'SIGKILL',
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => {
        const e = err as
          (Error & { code?: unknown; signal?: NodeJS.Signals; killed?: boolean }) | null;
        resolve({
          code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
          signal: e?.signal ?? null,
          timedOut: e?.killed === true && performance.now() - t0 >= timeout - 50,
          // Without colour escapes (Nx forces colour: tools/testkit.mjs).
          stdout: stripAnsi(stdout),
          stderr: stripAnsi(stderr),
          ms: performance.now() - t0,
        });
      },
    );
  });
}

/** The last line of a child's stdout, parsed as JSON (fixtures report that way). */
export function lastJson<T = Record<string, unknown>>(r: ChildResult): T {
  const lines = r.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]!) as T;
  } catch {
    throw new Error(
      `child printed no JSON (code ${String(r.code)}, signal ${String(r.signal)}):\n${r.stdout}\n${r.stderr}`,
    );
  }
}

/** Polls `cond` every few ms until it holds; fails with `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Rejects with a clear error if `p` does not settle within `ms` (a hang is a failure, not a timeout of the whole file). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * The 1-based line of fixtures/<name> that follows the comment line
 * `// next line: <marker>` (a comment of its own survives formatting).
 */
export function fixtureLine(name: string, marker: string): number {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const k = text.split('\n').findIndex((l) => l.trim() === `// next line: ${marker}`);
  if (k < 0) throw new Error(`fixtures/${name} has no "// next line: ${marker}" comment`);
  return k + 2;
}
