/**
 * The worker-pool libraries the scheduler benchmarks compare gocsp with
 * (piscina, tinypool, workerpool), behind one small interface, each with 2
 * threads and its defaults otherwise, running the functions of
 * workers/sched-pool.ts by name.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';

/** A started pool. */
export interface Pool {
  /** Runs the task function `name` (inc, sumTo) with `arg` on a pool thread. */
  run(name: 'inc' | 'sumTo', arg: number): Promise<number>;
  /** Ends every thread of the pool. */
  destroy(): Promise<void>;
}

/** Which library. */
export type PoolKind = 'piscina' | 'tinypool' | 'workerpool';

/** Where the built task files are, next to dist/run.js. */
function taskFile(name: string): string {
  return new URL(`./workers/${name}.js`, import.meta.url).href;
}

/** Starts a pool of `threads` threads (minimum = maximum, so they start at once). */
export function startPool(kind: PoolKind, threads: number): Pool {
  switch (kind) {
    case 'piscina': {
      const pool = new Piscina<number, number>({
        filename: taskFile('sched-pool'),
        minThreads: threads,
        maxThreads: threads,
      });
      return { run: (name, arg) => pool.run(arg, { name }), destroy: () => pool.destroy() };
    }
    case 'tinypool': {
      const pool = new Tinypool({
        filename: taskFile('sched-pool'),
        minThreads: threads,
        maxThreads: threads,
      });
      return {
        run: (name, arg) => pool.run(arg, { name }) as Promise<number>,
        destroy: () => pool.destroy(),
      };
    }
    case 'workerpool': {
      const pool = workerpool.pool(fileURLToPath(taskFile('sched-workerpool')), {
        minWorkers: threads,
        maxWorkers: threads,
        workerType: 'thread',
      });
      return {
        run: (name, arg) => pool.exec(name, [arg]) as Promise<number>,
        destroy: async () => {
          await pool.terminate(true);
        },
      };
    }
  }
}

/**
 * Runs `fn` with a fresh pool, destroyed when `fn` settles or `signal`
 * aborts (the harness's timeout).
 */
export async function withPool<T>(
  signal: AbortSignal,
  kind: PoolKind,
  threads: number,
  fn: (pool: Pool) => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  const pool = startPool(kind, threads);
  const onAbort = (): void => void pool.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(pool);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await pool.destroy();
  }
}
