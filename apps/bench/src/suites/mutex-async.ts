/**
 * Same-thread async locking on the main thread: gocsp `await mu.lock()` +
 * `mu.unlock()` against async-mutex, the usual single-thread async lock.
 */
import { Mutex as AsyncMutex } from 'async-mutex';
import { Mutex } from '@gocsp/sync';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, warmupSize } from '../lib/measure.js';

/** A lock's async acquire + release, as one awaited step. */
type Section = (cell: Int32Array) => Promise<void>;

/**
 * A case running `n` `await lock; cell[0]++; unlock` sections in one async
 * loop on the main thread, timed after a warm-up of n/10 on the same lock.
 * The figure is ns per pair; the cell must count every section.
 */
function asyncLockCase(
  name: string,
  make: () => Section,
  extra: Pick<BenchCase, 'n' | 'quickN' | 'baseline' | 'goal' | 'note'>,
): BenchCase {
  return {
    name,
    ...extra,
    run: async ({ n, signal }) => {
      const section = make();
      const cell = new Int32Array(1);
      const loop = async (count: number): Promise<number> => {
        const t0 = performance.now();
        for (let i = 0; i < count; i++) await section(cell);
        return performance.now() - t0;
      };
      const warm = warmupSize(n);
      await loop(warm);
      signal.throwIfAborted();
      const ms = await loop(n);
      expectEqual(`${name}: sections counted`, cell[0], warm + n);
      return (ms * 1e6) / n;
    },
  };
}

/** Case names of {@link mutexAsyncSuite}. */
export const MUTEX_ASYNC_CASES = {
  asyncMutex: 'async-mutex: await m.acquire(); release()',
  gocsp: 'gocsp Mutex: await mu.lock(); mu.unlock()',
} as const;

/** The same-thread async Mutex suite. */
export function mutexAsyncSuite(): BenchSuite {
  return {
    name: 'mutex-async',
    title: 'Mutex, async lock/unlock on the main thread, uncontended',
    description:
      'One async loop on the main thread awaits the lock, increments a counter (checked), and unlocks, ' +
      'N times; nobody else uses the lock. Nanoseconds per lock/unlock pair, timed after a warm-up of ' +
      'N/10 on the same lock. The baseline is async-mutex, the common single-thread async lock; a goal ' +
      'of <= 1x its latency is the same as >= 1x its throughput.',
    metric: { kind: 'latency', unit: 'ns', per: 'lock/unlock pair' },
    cases: [
      asyncLockCase(
        MUTEX_ASYNC_CASES.asyncMutex,
        () => {
          const m = new AsyncMutex();
          return async (cell) => {
            const release = await m.acquire();
            cell[0] = cell[0]! + 1;
            release();
          };
        },
        {
          n: 200_000,
          quickN: 10_000,
          baseline: true,
          note: "async-mutex's Mutex (a Semaphore of 1): acquire resolves to a release function",
        },
      ),
      asyncLockCase(
        MUTEX_ASYNC_CASES.gocsp,
        () => {
          const mu = new Mutex();
          return async (cell) => {
            await mu.lock();
            cell[0] = cell[0]! + 1;
            mu.unlock();
          };
        },
        {
          n: 2_000_000,
          quickN: 50_000,
          goal: '<= 1x baseline',
          note: 'a Mutex in shared memory: the uncontended lock() is one compareExchange and returns a resolved promise',
        },
      ),
    ],
  };
}
