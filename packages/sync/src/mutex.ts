/**
 * Mutex: Go's sync.Mutex (normal and starvation modes) in shared memory.
 *
 * ## Layout (Int32 words of the object's buffer)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | STATE | packed, see below | CAS |
 * | 1 | OWNER | token of the thread that holds the lock, 0 if none (diagnostic: dead-owner detection) | written by the holder, plain stores (see below) |
 * | 2..5 | SEMA | the semaphore waiters sleep on (internal/sema.ts) | its own lock |
 *
 * STATE bits (Go's layout):
 *
 * | bits | name | meaning |
 * | --- | --- | --- |
 * | 0 | LOCKED | the mutex is held |
 * | 1 | WOKEN | a waiter was woken or is spinning: unlock need not wake another |
 * | 2 | STARVING | starvation mode: unlock hands the lock to the first waiter |
 * | 3..31 | waiters | number of waiters blocked (or about to block) on SEMA |
 *
 * Modes, as in Go: in normal mode waiters queue FIFO but a woken waiter
 * competes with newly arriving lockers (which usually win: they are running);
 * a waiter that failed to get the lock for more than 1 ms switches the mutex
 * to starvation mode, in which unlock hands ownership straight to the queue
 * head and newcomers (and `tryLock`) do not even try. Starvation ends when the
 * waiter that got the lock is the last one or waited less than 1 ms.
 *
 * The slow path is Go's `lockSlow` written once as a generator; the async and
 * blocking forms only differ in how they sleep on SEMA.
 *
 * OWNER is written with plain stores, not Atomics.store: a sequentially
 * consistent store is a locked instruction on x86, and two of them per
 * lock/unlock pair on STATE's cache line cost the contended case about half
 * its throughput (measured in apps/bench, mutex-contended: 0.41x -> 0.82x of
 * the raw futex lock). It stays ordered where it matters: the holder's store
 * comes after its acquiring CAS on STATE, and unlock's clearing store before
 * its releasing CAS, so a reader that loads STATE atomically and sees LOCKED
 * sees at worst the previous holder's token for a moment (as before: the
 * acquiring CAS and the OWNER write were never one step); `deadOwner`
 * re-checks LOCKED and a waiter re-checks on every thread death.
 *
 * Dead owner: OWNER names the holder. If that thread dies, waiters (and later
 * lockers) get OwnerDiedError instead of waiting forever. Go allows unlocking
 * from another goroutine; we allow it too, but a mutex whose locking thread
 * died while holding it is considered abandoned.
 */
import { OwnerDiedError, InternalError } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';
import { errors } from './errors.js';
import { SharedBase, registerType } from './internal/base.js';
import { Sema } from './internal/sema.js';

const STATE = 0;
const OWNER = 1;
const SEMA = 2;
const WORDS = 6;
const TYPE = 'sync.Mutex';

const LOCKED = 1;
const WOKEN = 2;
const STARVING = 4;
const WAITER_SHIFT = 3;
const WAITER = 1 << WAITER_SHIFT;
const STARVATION_MS = 1;
// Go spins 4 times x 30 PAUSE; a kernel wake-up here costs ~30 us instead of
// Go's ~1 us goroutine switch, so spinning a little longer pays.
const ACTIVE_SPIN = 40;

/**
 * Go's `sync.Mutex`, usable from every thread (main, gocsp goroutines,
 * hand-made workers). Not reentrant, not owner-checked on unlock (as in Go).
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * await mu.lock();
 * try { counter[0]++; } finally { mu.unlock(); }
 * // or
 * await mu.withLock(() => { counter[0]++; });
 * ```
 */
export class Mutex extends SharedBase {
  private readonly sema: Sema;

  constructor() {
    super(TYPE, WORDS);
    this.sema = new Sema(
      this.world,
      this.i32,
      SEMA,
      (extra) => void Atomics.sub(this.i32, STATE, extra * WAITER),
      () => this.deadOwner(),
      this,
      substrate.WR_MUTEX_LOCK,
    );
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    const st = Atomics.load(this.i32, STATE);
    return {
      locked: (st & LOCKED) !== 0,
      starving: (st & STARVING) !== 0,
      waiters: st >>> WAITER_SHIFT,
    };
  }

  /**
   * Locks the mutex; resolves once this caller holds it.
   *
   * @example
   * ```ts
   * await mu.lock();
   * try { /* critical section *\/ } finally { mu.unlock(); }
   * ```
   */
  lock(): Promise<void> {
    if (Atomics.compareExchange(this.i32, STATE, 0, LOCKED) === 0) {
      this.i32[OWNER] = this.world.token;
      return Promise.resolve();
    }
    return this.lockSlowAsync();
  }

  /**
   * Locks the mutex, blocking the calling worker thread. Throws on the main
   * thread (use `lock()` there).
   *
   * @example
   * ```ts
   * mu.lockSync(); try { shared[0]++; } finally { mu.unlock(); }
   * ```
   */
  lockSync(): void {
    if (Atomics.compareExchange(this.i32, STATE, 0, LOCKED) !== 0) {
      substrate.assertMayBlock();
      const steps = this.lockSlow();
      for (let r = steps.next(); r.done !== true; r = steps.next()) {
        try {
          this.sema.acquireSync(r.value);
        } catch (e) {
          Atomics.sub(this.i32, STATE, WAITER); // we never got to wait: uncount us
          throw e;
        }
      }
    }
    this.i32[OWNER] = this.world.token;
  }

  /**
   * Tries to lock without waiting; false if it is held or in starvation mode.
   *
   * @example
   * ```ts
   * if (mu.tryLock()) { try { work(); } finally { mu.unlock(); } }
   * ```
   */
  tryLock(): boolean {
    const old = Atomics.load(this.i32, STATE);
    if ((old & (LOCKED | STARVING)) !== 0) return false;
    if (Atomics.compareExchange(this.i32, STATE, old, old | LOCKED) !== old) return false;
    this.i32[OWNER] = this.world.token;
    return true;
  }

  /**
   * Unlocks. Throws `SyncMisuseError` ("sync: unlock of unlocked mutex") and
   * changes nothing if it is not locked.
   *
   * @example
   * ```ts
   * mu.unlock();
   * ```
   */
  unlock(): void {
    const i32 = this.i32;
    // Cleared first: if the mutex turns out unlocked (misuse), OWNER was 0 already.
    i32[OWNER] = 0;
    if (Atomics.compareExchange(i32, STATE, LOCKED, 0) === LOCKED) return;
    let old = Atomics.load(i32, STATE);
    for (;;) {
      if ((old & LOCKED) === 0) throw errors.unlockUnlocked();
      const seen = Atomics.compareExchange(i32, STATE, old, old - LOCKED);
      if (seen === old) break;
      old = seen;
    }
    this.unlockSlow(old - LOCKED);
  }

  /**
   * Runs `fn` holding the lock; unlocks even if `fn` throws or rejects.
   *
   * @example
   * ```ts
   * const v = await mu.withLock(async () => readModifyWrite());
   * ```
   */
  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.lock();
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  private async lockSlowAsync(): Promise<void> {
    const steps = this.lockSlow();
    for (let r = steps.next(); r.done !== true; r = steps.next()) {
      try {
        const p = this.sema.acquire(r.value);
        if (p !== undefined) await p;
      } catch (e) {
        Atomics.sub(this.i32, STATE, WAITER); // we stopped waiting: uncount us
        throw e;
      }
    }
    this.i32[OWNER] = this.world.token;
  }

  private deadOwner(): Error | undefined {
    const owner = Atomics.load(this.i32, OWNER);
    if (owner === 0 || this.world.isAlive(owner)) return undefined;
    if ((Atomics.load(this.i32, STATE) & LOCKED) === 0) return undefined;
    return new OwnerDiedError(
      `Mutex ${this.id} is held by thread ${this.world.threadIdOf(owner)}, which died without unlocking it; the data it guards may be inconsistent`,
    );
  }

  /** Go's lockSlow; yields `lifo` each time it must sleep on the semaphore. */
  private *lockSlow(): Generator<boolean, void, void> {
    const i32 = this.i32;
    let waitStart = 0;
    let starving = false;
    let awoke = false;
    let iter = 0;
    let old = Atomics.load(i32, STATE);
    for (;;) {
      // Spin only in normal mode while the lock is held (ownership is handed
      // off in starvation mode, so spinning would be useless).
      if (
        (old & (LOCKED | STARVING)) === LOCKED &&
        iter < ACTIVE_SPIN &&
        substrate.canSpin(this.world)
      ) {
        // Tell unlock not to wake others: we are about to take it.
        if (
          !awoke &&
          (old & WOKEN) === 0 &&
          old >>> WAITER_SHIFT !== 0 &&
          Atomics.compareExchange(i32, STATE, old, old | WOKEN) === old
        ) {
          awoke = true;
        }
        substrate.relax();
        iter++;
        old = Atomics.load(i32, STATE);
        continue;
      }
      let nw = old;
      if ((old & STARVING) === 0) nw |= LOCKED; // newcomers do not take a starving mutex
      if ((old & (LOCKED | STARVING)) !== 0) nw += WAITER;
      if (starving && (old & LOCKED) !== 0) nw |= STARVING;
      if (awoke) {
        if ((nw & WOKEN) === 0) throw new InternalError('sync: inconsistent mutex state');
        nw &= ~WOKEN;
      }
      if (Atomics.compareExchange(i32, STATE, old, nw) === old) {
        if ((old & (LOCKED | STARVING)) === 0) return; // locked it with the CAS
        const err = this.deadOwner();
        if (err !== undefined) {
          Atomics.sub(i32, STATE, WAITER);
          throw err;
        }
        const lifo = waitStart !== 0; // waited before: go to the front
        if (waitStart === 0) waitStart = performance.now();
        yield lifo;
        starving = starving || performance.now() - waitStart > STARVATION_MS;
        old = Atomics.load(i32, STATE);
        if ((old & STARVING) !== 0) {
          // Ownership was handed to us; fix the state: set LOCKED, drop our waiter count.
          if ((old & (LOCKED | WOKEN)) !== 0 || old >>> WAITER_SHIFT === 0) {
            throw new InternalError('sync: inconsistent mutex state');
          }
          let delta = LOCKED - WAITER;
          if (!starving || old >>> WAITER_SHIFT === 1) delta -= STARVING; // leave starvation
          Atomics.add(i32, STATE, delta);
          return;
        }
        awoke = true;
        iter = 0;
      } else {
        old = Atomics.load(i32, STATE);
      }
    }
  }

  /** Go's unlockSlow: wake a waiter (normal) or hand the lock over (starving). */
  private unlockSlow(nw: number): void {
    const i32 = this.i32;
    if ((nw & STARVING) === 0) {
      let old = nw;
      for (;;) {
        // Nobody to wake, or someone already woken / got the lock: done.
        if (old >>> WAITER_SHIFT === 0 || (old & (LOCKED | WOKEN | STARVING)) !== 0) return;
        const next = (old - WAITER) | WOKEN;
        if (Atomics.compareExchange(i32, STATE, old, next) === old) {
          this.sema.release(false);
          return;
        }
        old = Atomics.load(i32, STATE);
      }
    }
    this.sema.release(true);
  }
}

registerType(TYPE, () => new Mutex());
