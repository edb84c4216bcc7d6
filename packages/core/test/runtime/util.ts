/**
 * Test kit of the runtime tests: the shared one (tools/testkit.mjs), the task
 * module of fixtures/tasks.mjs, child processes for the scenarios that crash
 * or end the process, and bounded polling. GOCSP_SEED replays a run;
 * GOCSP_STRESS scales it.
 */
import { readFileSync } from 'node:fs';
import { taskModule } from '@gocsp/core';
import { nodeRunner } from '../../../../tools/testkit.mjs';

export { SEED, STRESS, scale, rng, delay } from '../../../../tools/testkit.mjs';

/** The goroutine functions of fixtures/tasks.mjs. */
export const tasks = taskModule<typeof import('./fixtures/tasks.mjs')>(
  new URL('./fixtures/tasks.mjs', import.meta.url),
);

export type { ChildResult, ChildOptions } from '../../../../tools/testkit.mjs';
export { lastJson } from '../../../../tools/testkit.mjs';

/**
 * Runs `node [execArgv] fixtures/<name> [args]` (no script with name = null)
 * in the package directory and collects what it did. Never rejects: a test
 * asserts on the result.
 */
export const runNode = nodeRunner(
  new URL('./fixtures/', import.meta.url),
  new URL('../..', import.meta.url),
);

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
