/**
 * parallelMap (@gocsp/patterns/rxjs) against RxJS mergeMap over piscina.run,
 * the usual way to map an Observable on worker threads, for small items and
 * for CPU-bound items.
 */
import { Piscina } from 'piscina';
import { from, lastValueFrom, mergeMap, reduce, type OperatorFunction } from 'rxjs';
import { gomaxprocs, runtime, taskModule } from '@gocsp/core';
import { parallelMap } from '@gocsp/patterns/rxjs';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, perSecond, warmupSize } from '../lib/measure.js';

type Tasks = typeof import('../workers/patterns-tasks.js');
type Item = { id: number; v: number };

/** Threads on both sides: piscina's pool, gocsp's Ps. */
export const THREADS = 2;

/** The built task module (next to dist/run.js). */
export function tasksUrl(): URL {
  return new URL('./workers/patterns-tasks.js', import.meta.url);
}

/**
 * Runs `fn` with a fresh gocsp runtime of `procs` Ps, shut down afterwards
 * (and at once if `signal` aborts).
 */
export async function withGocsp<T>(
  signal: AbortSignal,
  procs: number,
  fn: () => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  if (runtime.stats().running) await runtime.shutdown();
  const onAbort = (): void => void runtime.shutdown();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    gomaxprocs(procs);
    return await fn();
  } finally {
    signal.removeEventListener('abort', onAbort);
    await runtime.shutdown();
  }
}

/** Runs `fn` with a fresh piscina pool of `threads` threads on the task module. */
export async function withPiscina<T>(
  signal: AbortSignal,
  threads: number,
  fn: (pool: Piscina) => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  const pool = new Piscina({ filename: tasksUrl().href, minThreads: threads, maxThreads: threads });
  const onAbort = (): void => void pool.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(pool);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await pool.destroy();
  }
}

/** n items `{ id, v }`. */
export function items(n: number): Item[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, v: i % 1000 }));
}

/** The sum of v after the map `v * 2 + 1` (both tasks, small and heavy, compute it). */
function expectedSum(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += (i % 1000) * 2 + 1;
  return s;
}

/** Maps n items through `op`, after a warm-up of n/10; items per second, sum checked. */
async function mapRate(
  what: string,
  n: number,
  op: () => OperatorFunction<Item, Item>,
): Promise<number> {
  const pass = (k: number): Promise<number> =>
    lastValueFrom(
      from(items(k)).pipe(
        op(),
        reduce((s, y) => s + y.v, 0),
      ),
    );
  const w = warmupSize(n);
  expectEqual(`${what} (warm-up)`, await pass(w), expectedSum(w));
  const t0 = performance.now();
  const sum = await pass(n);
  const ms = performance.now() - t0;
  expectEqual(what, sum, expectedSum(n));
  return perSecond(n, ms);
}

type Kind = 'small' | 'heavy';

function piscinaCase(kind: Kind, n: number, quickN: number): BenchCase {
  const name = `RxJS mergeMap(x => piscina.run(x)), ${THREADS} threads`;
  return {
    name,
    baseline: true,
    n,
    quickN,
    note: `piscina minThreads = maxThreads = ${THREADS}; mergeMap's default concurrency (unbounded: piscina queues); run(x, { name: '${kind}' })`,
    run: ({ n, signal }) =>
      withPiscina(signal, THREADS, (pool) =>
        mapRate(name, n, () => mergeMap((x: Item) => pool.run(x, { name: kind }) as Promise<Item>)),
      ),
  };
}

function gocspCase(kind: Kind, n: number, quickN: number, goal: string): BenchCase {
  const name = `gocsp parallelMap(tasks.${kind}, { concurrency: ${THREADS} })`;
  return {
    name,
    n,
    quickN,
    goal,
    note: `gomaxprocs(${THREADS}), fresh runtime; ordered (the default); ${THREADS} worker goroutines, up to ${THREADS} + 64 values in flight (the default buffer)`,
    run: ({ n, signal }) =>
      withGocsp(signal, THREADS, () => {
        const tasks = taskModule<Tasks>(tasksUrl());
        return mapRate(name, n, () => parallelMap(tasks[kind], { concurrency: THREADS }));
      }),
  };
}

const DESCRIPTION =
  'An Observable of N records `{ id, v }` (`from(array)`) mapped on worker threads and reduced to the sum of v on ' +
  'the main thread (checked). Baseline: `mergeMap(x => piscina.run(x, { name }))` with a piscina pool of 2 threads; ' +
  'gocsp: `parallelMap(task, { concurrency: 2 })` on a runtime of 2 Ps. Both run the same function of ' +
  'workers/patterns-tasks.ts; each case starts its threads fresh and runs an untimed warm-up pass of N/10 ' +
  'first. Items per second, from subscribe to the last value.';

/** Small items: the per-item overhead of getting work to a thread and back. */
export function patternsParallelMapSuite(): BenchSuite {
  return {
    name: 'patterns-parallelmap',
    title: 'parallelMap vs RxJS mergeMap over piscina.run: small items',
    description: `${DESCRIPTION} The map is \`v * 2 + 1\` (nothing to compute): the figure is the overhead per item.`,
    metric: { kind: 'rate', unit: 'items/s' },
    timeoutMs: 60_000,
    cases: [
      piscinaCase('small', 50_000, 5_000),
      gocspCase('small', 200_000, 10_000, '>= 2x baseline'),
    ],
  };
}

/** CPU-bound items: both should be bound by the 2 cores. */
export function patternsParallelMapCpuSuite(): BenchSuite {
  return {
    name: 'patterns-parallelmap-cpu',
    title: 'parallelMap vs RxJS mergeMap over piscina.run: CPU-bound items',
    description: `${DESCRIPTION} Each item first runs 1e6 iterations of a multiply-add loop (about 4 ms here), so both are bound by the 2 cores; goal: equal (within 5%).`,
    metric: { kind: 'rate', unit: 'items/s' },
    timeoutMs: 60_000,
    cases: [piscinaCase('heavy', 400, 40), gocspCase('heavy', 400, 40, '>= 0.95x baseline')],
  };
}
