/**
 * CPU-bound goroutines: 8 x sum(0..5e7) on 2 Ps against 1 P (the speedup) and
 * against piscina with 2 threads, all running the same sumTo().
 */
import { runtime, spawn, taskModule } from '@gocsp/core';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, perSecond } from '../lib/measure.js';
import { withPool } from '../lib/pools.js';
import { withRuntime } from '../lib/runtime.js';
import { withWorkers } from '../lib/threads.js';

type Tasks = typeof import('../workers/sched-pool.js');

/** Each task sums 0..SUM_N-1. */
export const SUM_N = 50_000_000;
const SUM = (SUM_N * (SUM_N - 1)) / 2;
/** Warm-up tasks (one per thread) sum 0..WARM_N-1: starts the threads, compiles sumTo. */
const WARM_N = 1_000_000;

/** Runs `count` sums at once through `run` and returns sums per second; checks every result. */
async function sums(
  what: string,
  threads: number,
  count: number,
  run: (n: number) => Promise<number>,
): Promise<number> {
  await Promise.all(Array.from({ length: threads }, () => run(WARM_N)));
  const t0 = performance.now();
  const rs = await Promise.all(Array.from({ length: count }, () => run(SUM_N)));
  const ms = performance.now() - t0;
  for (const r of rs) expectEqual(`${what}: a sum`, r, SUM);
  return perSecond(count, ms);
}

function gocspCase(procs: number, extra: Pick<BenchCase, 'baseline' | 'goal'> = {}): BenchCase {
  const name = `gocsp spawn(sumTo, 5e7), ${procs} P${procs > 1 ? 's' : ''}`;
  const base = `gomaxprocs(${procs}), fresh runtime; all spawned at once, Promise.all; sumTo from workers/sched-pool.ts via taskModule`;
  let perP: number[] | undefined;
  return {
    name,
    n: 8,
    quickN: 2,
    ...extra,
    get note(): string {
      return procs > 1 && perP !== undefined
        ? `${base}; last run: warm-up and timed sums run per P ${perP.join(' / ')}`
        : base;
    },
    run: ({ n, signal }) =>
      withRuntime(signal, { procs }, async () => {
        const tasks = taskModule<Tasks>(new URL('./workers/sched-pool.js', import.meta.url));
        const rate = await sums(name, procs, n, (k) => spawn(tasks.sumTo, k));
        perP = runtime.stats().ps.map((p) => p.completed);
        return rate;
      }),
  };
}

const PISCINA = 'piscina, 2 threads: run(5e7, { name: "sumTo" })';

function piscinaCase(extra: Pick<BenchCase, 'baseline'> = {}): BenchCase {
  return {
    name: PISCINA,
    n: 8,
    quickN: 2,
    ...extra,
    note: 'minThreads = maxThreads = 2; the same sumTo (workers/sched-pool.ts)',
    run: ({ n, signal }) =>
      withPool(signal, 'piscina', 2, (pool) => sums(PISCINA, 2, n, (k) => pool.run('sumTo', k))),
  };
}

/**
 * The machine's own limit: the same sums on `threads` plain workers (no
 * gocsp, no pool), each worker taking the next sum when it is done.
 */
function rawCase(threads: number): BenchCase {
  const name = `raw: ${threads} plain worker${threads > 1 ? 's' : ''}, postMessage per sum`;
  return {
    name,
    n: 8,
    quickN: 2,
    note: `the machine's limit: ${threads} worker_threads running the same sumTo (workers/sched-sum.ts), a sum per message, the next sum posted to whichever worker is free`,
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const url = new URL('./workers/sched-sum.js', import.meta.url);
        const free = await Promise.all(
          Array.from({ length: threads }, (_, i) => spawn(url, `sum ${i}`)),
        );
        const queued: (() => void)[] = [];
        // One sum at a time per worker: the next sum goes to whichever is free.
        const run = async (k: number): Promise<number> => {
          while (free.length === 0) await new Promise<void>((r) => queued.push(r));
          const w = free.pop()!;
          try {
            w.post({ type: 'run', n: k });
            return (await w.next('done')).sum as number;
          } finally {
            free.push(w);
            queued.shift()?.();
          }
        };
        return sums(name, threads, n, run);
      }),
  };
}

const DESCRIPTION =
  'N tasks (8 in a full run) each summing 0..5e7-1 in a plain loop (about 40-60 ms of CPU each), all ' +
  'started at once from the main thread and awaited with Promise.all, results checked. Each case ' +
  'starts its threads fresh and runs one small sum per thread first (untimed) so threads are up and ' +
  'the loop is compiled. Sums per second.';

/** 2 Ps against 1 P: the speedup goal. */
export function schedCpuSuite(): BenchSuite {
  return {
    name: 'sched-cpu',
    title: 'CPU-bound goroutines: 2 Ps vs 1 P vs piscina',
    description: `${DESCRIPTION} The baseline is gocsp with one P, so the ratio of 2 Ps is the speedup; piscina's goal is checked in sched-cpu-piscina. The raw cases run the same sums on 1 and 2 plain workers: their ratio is what this machine gives two threads, the ceiling of any 2-thread speedup here.`,
    metric: { kind: 'rate', unit: 'sums/s' },
    timeoutMs: 60_000,
    cases: [
      gocspCase(1, { baseline: true }),
      gocspCase(2, { goal: '>= 1.9x baseline' }),
      piscinaCase(),
      rawCase(1),
      rawCase(2),
    ],
  };
}

/** 2 Ps against piscina's 2 threads: within 3%. */
export function schedCpuPiscinaSuite(): BenchSuite {
  return {
    name: 'sched-cpu-piscina',
    title: 'CPU-bound goroutines on 2 Ps vs piscina with 2 threads',
    description: `${DESCRIPTION} The baseline is piscina with 2 threads; goal: gocsp within 3% of it.`,
    metric: { kind: 'rate', unit: 'sums/s' },
    timeoutMs: 60_000,
    cases: [piscinaCase({ baseline: true }), gocspCase(2, { goal: '>= 0.97x baseline' })],
  };
}
