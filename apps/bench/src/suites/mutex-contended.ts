/**
 * Contended Mutex throughput: two workers hammer one lock around a tiny
 * critical section, gocsp Mutex against a raw futex lock.
 */
import type { BenchSuite } from '../harness.js';
import { FUTEX_SPINS } from '../shm/locks.js';
import { mutexCase } from './mutex-uncontended.js';

/** Case names of {@link mutexContendedSuite}. */
export const MUTEX_CONTENDED_CASES = {
  futex: 'raw futex lock (Drepper, spin then Atomics.wait)',
  gocsp: 'gocsp Mutex lockSync()+unlock()',
} as const;

/** The contended Mutex suite. */
export function mutexContendedSuite(): BenchSuite {
  return {
    name: 'mutex-contended',
    title: 'Mutex, contended by two worker threads',
    description:
      'Two workers each do N/2 lock / increment / unlock sections on one shared lock; the critical section ' +
      'increments a plain (non-atomic) Int32 cell, which must end at exactly N (checked: a lock that lets ' +
      'two holders in loses increments). The main thread times from its two `run` commands to both ' +
      'replies, after a warm-up pass of N/10; the figure is lock/unlock pairs per second over both ' +
      "threads. The baseline is Drepper's futex mutex (states 0 free / 1 locked / 2 locked with " +
      `waiters; Atomics.wait on contention, Atomics.notify on unlock only from state 2) with ${FUTEX_SPINS} ` +
      'back-to-back polls of the lock word before it parks: of the spin settings swept (src/shm/locks.ts), ' +
      'the one that stayed fast (33-37M pairs/s) at every moment measured.',
    metric: { kind: 'rate', unit: 'pairs/s' },
    cases: [
      mutexCase({
        name: MUTEX_CONTENDED_CASES.futex,
        mode: 'futex',
        threads: 2,
        n: 4_000_000,
        quickN: 100_000,
        baseline: true,
        note: 'lock: CAS 0->1, else poll (trying CAS 0->1 on a 0), then exchange 2 + Atomics.wait while 2; unlock: sub 1, if it was 2 store 0 + notify 1',
      }),
      mutexCase({
        name: MUTEX_CONTENDED_CASES.gocsp,
        mode: 'gocsp',
        threads: 2,
        n: 2_000_000,
        quickN: 100_000,
        goal: '>= 0.8x baseline',
        note: "mu.lockSync() / mu.unlock() on one shared Mutex (Go's algorithm: spinning, FIFO semaphore, starvation mode)",
      }),
    ],
  };
}
