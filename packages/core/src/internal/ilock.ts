/**
 * Internal lock: a futex-style lock word guarding a shared structure for a
 * short, synchronous critical section (never across an `await`).
 *
 * ## Lock word (Int32)
 *
 * | bits | meaning |
 * | --- | --- |
 * | 0..30 | 0 = free, else the owner's token (world.ts: `(gen << 8) \| slot`) |
 * | 31 | CONTENDED: someone may sleep in Atomics.wait on this word |
 *
 * Fast path: one CAS 0 -> token. Unlock: one exchange to 0, plus a notify only
 * when CONTENDED was set. Slow path (out of line): spin while the owner is
 * likely running, then sleep in Atomics.wait with a timeout, and on each
 * timeout check that the owner still lives: a thread that died inside a
 * critical section left the structure half-updated, so waiters throw
 * OwnerDiedError instead of hanging (fail loudly; nothing can repair it).
 *
 * Blocking the main thread here is allowed: critical sections are a few
 * hundred nanoseconds of straight-line code.
 */
import { OwnerDiedError } from '../errors.js';
import { relax } from './spin.js';
import type { World } from './world.js';

const CONTENDED = 1 << 31;
const OWNER_MASK = ~CONTENDED;
const SPINS = 400;
const WAIT_MS = 20;
/** primeLockFeedback's calls: V8 gives a function its feedback vector after a few calls. */
const PRIME_CALLS = 16;
/** The word of primeLockFeedback(), private to each thread. */
const primeWord = new Int32Array(new SharedArrayBuffer(4));

/** Takes the lock at `i32[idx]` for the calling thread (`world.token`). */
export function ilock(world: World, i32: Int32Array, idx: number): void {
  if (Atomics.compareExchange(i32, idx, 0, world.token) !== 0) ilockSlow(world, i32, idx);
}

/** Takes the lock if it is free; never blocks. */
export function itryLock(world: World, i32: Int32Array, idx: number): boolean {
  return Atomics.compareExchange(i32, idx, 0, world.token) === 0;
}

/** Releases the lock at `i32[idx]`. */
export function iunlock(i32: Int32Array, idx: number): void {
  if ((Atomics.exchange(i32, idx, 0) & CONTENDED) !== 0) Atomics.notify(i32, idx, 1);
}

function ilockSlow(world: World, i32: Int32Array, idx: number): void {
  if (i32 === primeWord) return; // primeLockFeedback(): nothing to take
  const me = world.token;
  // Critical sections are short: poll (paced) for a while before sleeping,
  // since a sleep and its wake-up cost ~30 us here (measured: with 200 tight
  // polls, a producer and a consumer sharing a channel spent ~40% of their
  // time sleeping in this lock).
  for (let i = 0; i < SPINS; i++) {
    const v = Atomics.load(i32, idx);
    if (v === 0 && Atomics.compareExchange(i32, idx, 0, me) === 0) return;
    relax();
  }
  // From here on we take the lock as CONTENDED: we cannot know whether others
  // sleep too, so the next unlock must notify (Drepper's "mutex2").
  for (;;) {
    let v = Atomics.load(i32, idx);
    if (v === 0) {
      if (Atomics.compareExchange(i32, idx, 0, me | CONTENDED) === 0) return;
      continue;
    }
    if ((v & CONTENDED) === 0) {
      if (Atomics.compareExchange(i32, idx, v, v | CONTENDED) !== v) continue;
      v |= CONTENDED;
    }
    if (Atomics.wait(i32, idx, v, WAIT_MS) === 'timed-out') {
      const owner = Atomics.load(i32, idx) & OWNER_MASK;
      if (owner === (me & OWNER_MASK)) {
        throw new OwnerDiedError('gocsp internal lock re-entered by its owner: a bug in gocsp');
      }
      if (owner !== 0 && !world.isAlive(owner)) {
        throw new OwnerDiedError(
          `thread ${world.threadIdOf(owner)} died inside a gocsp critical section; the object it was updating is unusable: recreate it`,
        );
      }
    }
  }
}

/**
 * Takes ilock's slow call and iunlock's notify on a private word, once a
 * thread has its token in a world (claimSlot).
 *
 * V8 records type feedback only for code that ran, and TurboFan compiles a
 * branch without feedback as a deoptimization. ilock and iunlock are inlined
 * into the scheduler's and the heap's hot functions, so without this the
 * first contended lock after those were optimized throws each one's code
 * away, and a busy process pays the recompiles on the cores its threads
 * need (measured: the first timed pass of sched-spawn-tiny-pm recompiled a
 * dozen functions for it).
 *
 * @example
 * ```ts
 * claimSlot(world); // calls primeLockFeedback(world) once the token is set
 * ```
 */
export function primeLockFeedback(world: World): void {
  for (let i = 0; i < PRIME_CALLS; i++) {
    primeWord[0] = 1;
    ilock(world, primeWord, 0); // ilockSlow returns at once for primeWord
    primeWord[0] = CONTENDED;
    iunlock(primeWord, 0); // notifies nobody
  }
}
