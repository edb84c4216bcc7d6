/**
 * Tiny tasks from the main thread: 200k `spawn(x => x + 1, i)` on 2 Ps, all
 * awaited, beside the worker pools (piscina, tinypool, workerpool, 2 threads
 * each) and raw pipelined postMessage to 2 plain workers.
 */
import { Worker } from 'node:worker_threads';
import { spawn } from '@gocsp/core';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, perSecond, sumOfRange, warmupSize } from '../lib/measure.js';
import { withPool, type PoolKind } from '../lib/pools.js';
import { withRuntime } from '../lib/runtime.js';

/** The task, shipped to the Ms by its source. */
const inc = (x: number): number => x + 1;

/** In-flight spawns of the sliding-window case. */
export const SPAWN_WINDOW = 1024;

/** Case names, shared by the two suites of this file. */
export const SPAWN_TINY_CASES = {
  piscina: 'piscina, 2 threads: Promise.all(run(i))',
  tinypool: 'tinypool, 2 threads: Promise.all(run(i))',
  workerpool: 'workerpool, 2 workers: Promise.all(exec(i))',
  raw: 'raw postMessage to 2 workers, pipelined',
  gocspAll: 'gocsp spawn(fn, i), 2 Ps: Promise.all',
  gocspWindow: `gocsp spawn(fn, i), 2 Ps: window of ${SPAWN_WINDOW}`,
} as const;

type Extra = Pick<BenchCase, 'baseline' | 'goal'>;

/**
 * Extra untimed passes of the full N before the timed one (0: only the usual
 * warm-up of N/10): the steady-state cases, which show what the first timed
 * pass owes to JIT warm-up.
 */
const WARM_PASSES = 4;

/** The name of a case's steady-state twin. */
const steady = (name: string): string => `${name}, after ${WARM_PASSES} untimed passes of N`;

/** Runs the warm-up of a case: N/10, then `passes` passes of N. */
async function warmUp(
  pass: (count: number) => Promise<number>,
  n: number,
  passes: number,
): Promise<void> {
  await pass(warmupSize(n));
  for (let k = 0; k < passes; k++) await pass(n);
}

/** Checks that a pass got every x + 1 back, once. */
function checkSum(what: string, sum: number, count: number): void {
  expectEqual(`${what}: sum of the results`, sum, sumOfRange(1, count));
}

/** A pool case: n tasks `inc(i)` submitted at once, all awaited with Promise.all. */
function poolCase(kind: PoolKind, name: string, extra: Extra = {}): BenchCase {
  return {
    name,
    n: 20_000,
    quickN: 2_000,
    ...extra,
    note: 'its defaults (one task in flight per thread); the same inc() from workers/sched-pool.ts',
    run: ({ n, signal }) =>
      withPool(signal, kind, 2, async (pool) => {
        const pass = async (count: number): Promise<number> => {
          const t0 = performance.now();
          const ps = new Array<Promise<number>>(count);
          for (let i = 0; i < count; i++) ps[i] = pool.run('inc', i);
          const rs = await Promise.all(ps);
          const ms = performance.now() - t0;
          checkSum(
            name,
            rs.reduce((a, b) => a + b, 0),
            count,
          );
          return ms;
        };
        await pass(warmupSize(n));
        return perSecond(n, await pass(n));
      }),
  };
}

/**
 * Raw postMessage: the main thread posts the numbers 0..n-1 round-robin to 2
 * plain workers without waiting (every message in flight at once), each
 * worker posts back x + 1, and the pass ends with the n-th reply.
 */
function rawCase(extra: Extra = {}, passes = 0): BenchCase {
  return {
    name: passes > 0 ? steady(SPAWN_TINY_CASES.raw) : SPAWN_TINY_CASES.raw,
    n: 200_000,
    quickN: 10_000,
    ...extra,
    note: 'main posts i to worker i % 2 for all i at once; each worker replies x + 1 (workers/sched-echo.ts); the floor of any postMessage pool',
    run: async ({ n, signal }) => {
      signal.throwIfAborted();
      const url = new URL('./workers/sched-echo.js', import.meta.url);
      const workers = [new Worker(url), new Worker(url)];
      const endAll = (): Promise<number[]> => Promise.all(workers.map((w) => w.terminate()));
      const onAbort = (): void => void endAll();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.all(
          workers.map(
            (w) =>
              new Promise<void>((resolve, reject) => {
                w.once('online', resolve);
                w.once('error', reject);
              }),
          ),
        );
        const pass = (count: number): Promise<number> =>
          new Promise<number>((resolve, reject) => {
            let left = count;
            let sum = 0;
            const t0 = performance.now();
            const onMessage = (v: number): void => {
              sum += v;
              if (--left > 0) return;
              const ms = performance.now() - t0;
              for (const w of workers) {
                w.off('message', onMessage);
                w.off('error', reject);
              }
              try {
                checkSum(SPAWN_TINY_CASES.raw, sum, count);
                resolve(ms);
              } catch (e) {
                reject(e instanceof Error ? e : new Error(String(e)));
              }
            };
            for (const w of workers) {
              w.on('message', onMessage);
              w.on('error', reject);
            }
            for (let i = 0; i < count; i++) workers[i & 1]!.postMessage(i);
          });
        await warmUp(pass, n, passes);
        return perSecond(n, await pass(n));
      } finally {
        signal.removeEventListener('abort', onAbort);
        await endAll();
      }
    },
  };
}

/** `spawn(inc, i)` for all i at once, then `Promise.all`. */
async function spawnAll(count: number): Promise<number> {
  const ps = new Array<Promise<number>>(count);
  for (let i = 0; i < count; i++) ps[i] = spawn(inc, i);
  const rs = await Promise.all(ps);
  return rs.reduce((a, b) => a + b, 0);
}

/** `spawn(inc, i)` with at most `window` in flight: each completion starts the next. */
async function spawnWindow(count: number, window: number): Promise<number> {
  let next = 0;
  let sum = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const v = await spawn(inc, next++);
      sum += v;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
  return sum;
}

/** A gocsp case: a fresh runtime of 2 Ps, a warm-up pass of n/10, then n spawns timed. */
function gocspCase(
  name: string,
  how: (count: number) => Promise<number>,
  note: string,
  extra: Extra = {},
  passes = 0,
): BenchCase {
  return {
    name: passes > 0 ? steady(name) : name,
    n: 200_000,
    quickN: 10_000,
    ...extra,
    note,
    run: ({ n, signal }) =>
      withRuntime(signal, { procs: 2 }, async () => {
        const pass = async (count: number): Promise<number> => {
          const t0 = performance.now();
          const sum = await how(count);
          const ms = performance.now() - t0;
          checkSum(name, sum, count);
          return ms;
        };
        await warmUp(pass, n, passes);
        return perSecond(n, await pass(n));
      }),
  };
}

const windowed = (count: number): Promise<number> => spawnWindow(count, SPAWN_WINDOW);

const ALL_NOTE =
  'const inc = (x) => x + 1 (shipped by source); ps[i] = spawn(inc, i) for all i, then await Promise.all(ps); gomaxprocs(2), runtime started and warmed up (n/10) before timing';
const WINDOW_NOTE = `the same spawns with at most ${SPAWN_WINDOW} in flight: ${SPAWN_WINDOW} async lanes each looping \`const v = await spawn(inc, next++); sum += v\` until n. The fastest way measured (windows of 256 to 16k beat Promise.all over all n; 1024-4096 best), so the goals are checked on it`;

/** The tiny-task suite: piscina is the baseline (goal >= 10x piscina). */
export function schedSpawnTinySuite(): BenchSuite {
  return {
    name: 'sched-spawn-tiny',
    title: 'Tiny tasks from the main thread: gocsp spawn vs worker pools, 2 threads',
    description:
      'N tasks `x => x + 1` started from the main thread on 2 threads and all awaited, each result ' +
      'checked (the sum of all results). gocsp: `spawn(inc, i)` on a fresh runtime with gomaxprocs(2), ' +
      `written two ways: all N at once then Promise.all, and a sliding window of ${SPAWN_WINDOW} in flight ` +
      '(the faster, which carries the goals); ' +
      'piscina, tinypool and workerpool with 2 threads and their defaults, every task submitted at once ' +
      'and awaited with Promise.all; raw: numbers posted round-robin to 2 plain workers that reply x + 1. ' +
      'Each case starts its threads, runs an untimed warm-up pass of N/10 on them, then times N; the ' +
      'pools get a smaller N (they are ~10x slower). The goal against raw postMessage is checked in ' +
      'sched-spawn-tiny-pm.',
    metric: { kind: 'rate', unit: 'tasks/s' },
    timeoutMs: 60_000,
    cases: [
      poolCase('piscina', SPAWN_TINY_CASES.piscina, { baseline: true }),
      poolCase('tinypool', SPAWN_TINY_CASES.tinypool),
      poolCase('workerpool', SPAWN_TINY_CASES.workerpool),
      rawCase(),
      gocspCase(SPAWN_TINY_CASES.gocspAll, spawnAll, ALL_NOTE),
      gocspCase(SPAWN_TINY_CASES.gocspWindow, windowed, WINDOW_NOTE, { goal: '>= 10x baseline' }),
    ],
  };
}

/** The same spawns against raw pipelined postMessage as the baseline (goal >= 1.2x). */
export function schedSpawnTinyPmSuite(): BenchSuite {
  return {
    name: 'sched-spawn-tiny-pm',
    title: 'Tiny tasks from the main thread: gocsp spawn vs raw pipelined postMessage',
    description:
      'The gocsp sliding-window case of sched-spawn-tiny measured again beside its raw floor, pipelined postMessage to ' +
      '2 plain workers (every message in flight at once, round-robin, replies x + 1), which is the ' +
      'baseline here so that the goal against it is checked. The two cases "after ' +
      `${WARM_PASSES} untimed passes of N" (no goal) time the same work once the JIT has settled: ` +
      'the first timed pass of gocsp still runs partly in code that TurboFan has not finished, or ' +
      'has thrown away for lack of type feedback, on the main thread and on both Ms.',
    metric: { kind: 'rate', unit: 'tasks/s' },
    timeoutMs: 60_000,
    cases: [
      rawCase({ baseline: true }),
      gocspCase(SPAWN_TINY_CASES.gocspWindow, windowed, WINDOW_NOTE, { goal: '>= 1.2x baseline' }),
      rawCase({}, WARM_PASSES),
      gocspCase(SPAWN_TINY_CASES.gocspWindow, windowed, WINDOW_NOTE, {}, WARM_PASSES),
    ],
  };
}
