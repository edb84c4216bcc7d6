/**
 * Raw Atomics locks, the baselines of the gocsp Mutex benchmarks, and the
 * layout of the block they and the protected counter live in.
 *
 * | index | name | written by | meaning |
 * | ----- | ---- | ---------- | ------- |
 * | 0     | LOCK | lockers    | the raw lock word (0 free; see each lock for its states) |
 * | 16    | CELL | the holder | a plain (non-atomic) counter incremented inside the critical section |
 *
 * LOCK and CELL sit on separate 64-byte cache lines. CELL is read and written
 * with plain accesses: the lock's atomic acquire and release order them, so
 * after N critical sections on any number of threads CELL === N exactly; a
 * broken lock loses increments, which the benchmarks check.
 */
import { cpuRelax, STALL_MS, WAIT_SLICE_MS } from './park.js';

/** The raw lock word. */
export const LOCK = 0;
/** The counter guarded by the lock (gocsp or raw). */
export const CELL = 16;

/** Allocates a zeroed lock block. */
export function allocLockBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(32 * Int32Array.BYTES_PER_ELEMENT);
}

/**
 * Test-and-set lock: CAS 0 -> 1 to lock, store 0 to unlock. Never waits: the
 * uncontended baseline, where a failed CAS is a bug and throws.
 */
export function casLockUncontended(i32: Int32Array): void {
  if (Atomics.compareExchange(i32, LOCK, 0, 1) !== 0) {
    throw new Error('raw CAS lock: found the lock held in the uncontended benchmark');
  }
}

/** Releases {@link casLockUncontended}. */
export function casUnlock(i32: Int32Array): void {
  Atomics.store(i32, LOCK, 0);
}

/**
 * Polls of the lock word before a contended futex locker parks, and cpuRelax
 * iterations between two polls: 20 back-to-back polls (~20-40 ns), a short
 * spin. Chosen from sweeps of spins x pause (0 x 0 to 1000 x 1000, two
 * workers, 7 runs each) taken at two moments of this VM: 20 x 0 (and 0 x 0)
 * gave a steady 33-37M pairs/s both times; longer windows were faster at
 * one moment and much slower at the other (100 x 400: 47M, then 17M;
 * 200 x 100: 47M, then 7M) or flipped between ~6M and ~45M from run to run
 * (1000 x 0, 1000 x 50). A long spin lets the waiter steal the lock in the
 * holder's brief unlocked window, bouncing its cache line; whether that pays
 * depends on where the hypervisor puts the two vCPUs.
 */
export const FUTEX_SPINS = 20;
/** See {@link FUTEX_SPINS}. */
export const FUTEX_PAUSE = 0;

/**
 * Drepper's futex mutex ("Futexes Are Tricky", mutex 3), with bounded
 * spinning before parking. States: 0 free, 1 locked and nobody waits,
 * 2 locked and somebody may be parked.
 *
 * - lock: CAS 0 -> 1; on failure poll the word up to `spins` times with
 *   `pause` cpuRelax iterations between polls, trying CAS 0 -> 1 whenever it
 *   reads 0; then exchange in 2 and `Atomics.wait` while the word is 2, taking
 *   the lock whenever the exchange returns 0.
 * - unlock: `Atomics.sub` 1; if the word was 2, store 0 and notify one.
 *
 * A parked waiter wakes every {@link WAIT_SLICE_MS} to notice a dead holder
 * and throws after {@link STALL_MS} without getting the lock.
 */
export function futexLock(i32: Int32Array, spins = FUTEX_SPINS, pause = FUTEX_PAUSE): void {
  let c = Atomics.compareExchange(i32, LOCK, 0, 1);
  if (c === 0) return;
  for (let k = 0; k < spins; k++) {
    if (pause > 0) cpuRelax(pause);
    c = Atomics.load(i32, LOCK);
    if (c === 0 && (c = Atomics.compareExchange(i32, LOCK, 0, 1)) === 0) return;
  }
  if (c !== 2) c = Atomics.exchange(i32, LOCK, 2);
  let stallAt = 0;
  while (c !== 0) {
    if (Atomics.wait(i32, LOCK, 2, WAIT_SLICE_MS) === 'timed-out') {
      const now = Date.now();
      if (stallAt === 0) stallAt = now + STALL_MS;
      else if (now > stallAt) {
        throw new Error(
          `raw futex lock: not acquired for ${STALL_MS} ms; the holder is dead or hung`,
        );
      }
    }
    c = Atomics.exchange(i32, LOCK, 2);
  }
}

/** Releases {@link futexLock}. */
export function futexUnlock(i32: Int32Array): void {
  if (Atomics.sub(i32, LOCK, 1) !== 1) {
    Atomics.store(i32, LOCK, 0);
    Atomics.notify(i32, LOCK, 1);
  }
}

/** How a mutex benchmark worker locks. */
export type LockMode = 'gocsp' | 'cas' | 'futex';

/**
 * What the mutex workers receive as `workerData`, after `toShared`: `mu` is
 * the gocsp Mutex (revived with `fromShared`), `block` holds LOCK and CELL.
 */
export interface MutexWorkerData {
  readonly mode: LockMode;
  /** `true`: time the loop inside the worker and reply with `ms` (uncontended case). */
  readonly selfTimed: boolean;
  readonly block: SharedArrayBuffer;
  /** The gocsp Mutex, in `gocsp` mode. */
  readonly mu?: unknown;
  readonly spins: number;
  readonly pause: number;
}
