/**
 * Uncontended Mutex cost on one worker thread: gocsp `lockSync()` + `unlock()`
 * against a raw Atomics CAS lock, both around the same one-cell critical
 * section. Also home of {@link mutexCase}, the worker-side Mutex case factory
 * that mutex-contended reuses.
 */
import { Mutex, toShared } from '@gocsp/sync';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, perSecond, warmupSize } from '../lib/measure.js';
import { withWorkers } from '../lib/threads.js';
import {
  allocLockBlock,
  CELL,
  FUTEX_PAUSE,
  FUTEX_SPINS,
  type LockMode,
  type MutexWorkerData,
} from '../shm/locks.js';

/** Options of {@link mutexCase}. */
export interface MutexCaseOptions {
  readonly name: string;
  readonly mode: LockMode;
  /** Workers sharing the lock: 1 (uncontended) or more (contended). */
  readonly threads: number;
  /** Total lock/unlock pairs per sample, split evenly between the workers. */
  readonly n: number;
  readonly quickN?: number;
  readonly baseline?: boolean;
  readonly goal?: string;
  readonly note?: string;
  /** Raw futex lock only: polls before parking; default {@link FUTEX_SPINS}. */
  readonly spins?: number;
  /** Raw futex lock only: cpuRelax iterations between polls; default {@link FUTEX_PAUSE}. */
  readonly pause?: number;
}

/**
 * A case doing `n` lock / CELL++ / unlock sections on fresh workers sharing
 * one fresh lock. One worker: the worker times its own loop and the figure is
 * ns per pair. Several: the main thread times from the `run` commands to the
 * last `done` and the figure is pairs per second. Either way CELL must end at
 * exactly the number of sections done (warm-up included): a lock that lets two
 * holders in loses increments.
 */
export function mutexCase(o: MutexCaseOptions): BenchCase {
  const split = (total: number) => Math.max(1, Math.round(total / o.threads));
  return {
    name: o.name,
    n: o.n,
    ...(o.quickN !== undefined && { quickN: o.quickN }),
    ...(o.baseline !== undefined && { baseline: o.baseline }),
    ...(o.goal !== undefined && { goal: o.goal }),
    ...(o.note !== undefined && { note: o.note }),
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const block = allocLockBlock();
        const cell = new Int32Array(block);
        const selfTimed = o.threads === 1;
        const data: MutexWorkerData = {
          mode: o.mode,
          selfTimed,
          block,
          ...(o.mode === 'gocsp' && { mu: new Mutex() }),
          spins: o.spins ?? FUTEX_SPINS,
          pause: o.pause ?? FUTEX_PAUSE,
        };
        const url = new URL('./workers/mutex.js', import.meta.url);
        const shared = toShared(data);
        const workers = await Promise.all(
          Array.from({ length: o.threads }, (_, k) =>
            spawn(url, `mutex ${o.mode} #${k + 1}`, shared),
          ),
        );
        let sections = 0;
        const pass = async (total: number): Promise<number> => {
          const each = split(total);
          const t0 = performance.now();
          for (const w of workers) w.post({ type: 'run', n: each });
          const done = await Promise.all(workers.map((w) => w.next('done')));
          const ms = performance.now() - t0;
          sections += each * workers.length;
          expectEqual(`${o.mode} lock: CELL after the pass`, Atomics.load(cell, CELL), sections);
          return selfTimed ? (done[0]!.ms as number) : ms;
        };
        await pass(warmupSize(n));
        const ms = await pass(n);
        const pairs = split(n) * workers.length;
        return selfTimed ? (ms * 1e6) / pairs : perSecond(pairs, ms);
      }),
  };
}

/** Case names of {@link mutexUncontendedSuite}. */
export const MUTEX_UNCONTENDED_CASES = {
  cas: 'raw Atomics CAS lock (CAS 0->1, store 0)',
  gocsp: 'gocsp Mutex lockSync()+unlock()',
} as const;

/** The uncontended Mutex suite. */
export function mutexUncontendedSuite(): BenchSuite {
  return {
    name: 'mutex-uncontended',
    title: 'Mutex, uncontended, on one worker thread',
    description:
      'One worker locks and unlocks a lock nobody else touches N times in a loop, incrementing a plain ' +
      'shared Int32 inside each critical section (checked: it must end at exactly the number of sections). ' +
      'The worker times its own loop after a warm-up pass of N/10; the figure is nanoseconds per ' +
      'lock/unlock pair, the critical section included. The baseline is the cheapest lock there is: ' +
      'one compareExchange to lock, one store to unlock.',
    metric: { kind: 'latency', unit: 'ns', per: 'lock/unlock pair' },
    cases: [
      mutexCase({
        name: MUTEX_UNCONTENDED_CASES.cas,
        mode: 'cas',
        threads: 1,
        n: 10_000_000,
        quickN: 200_000,
        baseline: true,
        note: 'Atomics.compareExchange(lock, 0, 1), CELL++, Atomics.store(lock, 0)',
      }),
      mutexCase({
        name: MUTEX_UNCONTENDED_CASES.gocsp,
        mode: 'gocsp',
        threads: 1,
        n: 5_000_000,
        quickN: 200_000,
        goal: '<= 60 ns',
        note: 'mu.lockSync(), CELL++, mu.unlock() on a Mutex made on the main thread and revived in the worker with fromShared',
      }),
    ],
  };
}
