/**
 * RWMutex: Go's sync.RWMutex in shared memory.
 *
 * ## Layout (Int32 words of the object's buffer)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | LOCK | internal lock | itself |
 * | 1 | READERS | readers holding the lock | LOCK |
 * | 2 | WRITER | token of the writer holding it, 0 if none | LOCK |
 * | 3..4 | RQ | readers waiting | LOCK |
 * | 5..6 | WQ | writers waiting, FIFO | LOCK |
 *
 * Rules (Go's semantics, written as a queue discipline):
 * - rLock succeeds at once iff no writer holds it and no writer waits: a
 *   pending writer blocks new readers, so writers are not starved.
 * - When the last reader leaves, the first waiting writer gets the lock.
 * - When a writer unlocks, every waiting reader gets it together (so readers
 *   are not starved either); else the next writer does.
 * - Grants are hand-offs: the waker updates READERS / WRITER for the woken
 *   waiter, which then owns the lock without retrying.
 *
 * Invariants: WRITER != 0 implies READERS == 0; RQ non-empty implies a writer
 * holds or waits.
 *
 * Limitation: readers are counted, not named, so a thread that dies holding a
 * read lock blocks writers forever (a dead *writer* is detected: waiters get
 * OwnerDiedError).
 */
import { OwnerDiedError } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';
import { errors } from './errors.js';
import { SharedBase, registerType } from './internal/base.js';

const LOCK = 0;
const READERS = 1;
const WRITER = 2;
const RQ = 3;
const WQ = 5;
const WORDS = 7;
const TYPE = 'sync.RWMutex';
const { WR_RWMUTEX_LOCK, WR_RWMUTEX_RLOCK } = substrate;

/**
 * Go's `sync.RWMutex`: many readers or one writer, across all threads.
 *
 * @example
 * ```ts
 * const rw = new RWMutex();
 * await rw.rLock(); try { read(); } finally { rw.rUnlock(); }
 * await rw.lock();  try { write(); } finally { rw.unlock(); }
 * ```
 */
export class RWMutex extends SharedBase {
  private readonly rq: substrate.WaitQueue;
  private readonly wq: substrate.WaitQueue;

  constructor() {
    super(TYPE, WORDS);
    this.rq = new substrate.WaitQueue(this.world, this.i32, RQ);
    this.wq = new substrate.WaitQueue(this.world, this.i32, WQ);
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    return {
      readers: Atomics.load(this.i32, READERS),
      writer: Atomics.load(this.i32, WRITER) !== 0,
    };
  }

  /**
   * Locks for writing; resolves once no reader or other writer holds it.
   *
   * @example
   * ```ts
   * await rw.lock(); try { table.set(k, v); } finally { rw.unlock(); }
   * ```
   */
  lock(): Promise<void> {
    const node = this.enqueueWriter();
    if (node < 0) return Promise.resolve();
    return substrate
      .parkAsync(this.world, this.wq, LOCK, node, {
        owner: this,
        deadCheck: () => this.deadWriter(),
        reason: WR_RWMUTEX_LOCK,
      })
      .then(() => substrate.freeNode(this.world, node));
  }

  /**
   * Locks for writing, blocking the calling worker thread (throws on main).
   *
   * @example
   * ```ts
   * rw.lockSync(); try { write(); } finally { rw.unlock(); }
   * ```
   */
  lockSync(): void {
    substrate.assertMayBlock();
    const node = this.enqueueWriter();
    if (node < 0) return;
    substrate.waitReason(WR_RWMUTEX_LOCK, this);
    substrate.parkSync(this.world, this.wq, LOCK, node, () => this.deadWriter());
    substrate.freeNode(this.world, node);
  }

  /**
   * Locks for writing if that is possible at once.
   *
   * @example
   * ```ts
   * if (rw.tryLock()) { try { write(); } finally { rw.unlock(); } }
   * ```
   */
  tryLock(): boolean {
    return this.critical(() => {
      if (this.i32[WRITER] !== 0 || this.i32[READERS] !== 0 || !this.wq.empty) return false;
      this.i32[WRITER] = this.world.token;
      return true;
    });
  }

  /**
   * Unlocks for writing. Throws `SyncMisuseError` ("sync: Unlock of unlocked
   * RWMutex") and changes nothing if no writer holds it.
   *
   * @example
   * ```ts
   * rw.unlock();
   * ```
   */
  unlock(): void {
    const woken = this.critical(() => {
      const i32 = this.i32;
      if (i32[WRITER] === 0) throw errors.rwUnlockUnlocked();
      i32[WRITER] = 0;
      const readers = substrate.popAll(this.rq);
      if (readers.length > 0) {
        i32[READERS] = readers.length;
        return readers;
      }
      return this.grantWriter();
    });
    substrate.wakeAll(this.world, woken);
  }

  /**
   * Locks for reading; waits while a writer holds the lock or waits for it.
   *
   * @example
   * ```ts
   * await rw.rLock(); try { read(); } finally { rw.rUnlock(); }
   * ```
   */
  rLock(): Promise<void> {
    const node = this.enqueueReader();
    if (node < 0) return Promise.resolve();
    return substrate
      .parkAsync(this.world, this.rq, LOCK, node, {
        owner: this,
        deadCheck: () => this.deadWriter(),
        reason: WR_RWMUTEX_RLOCK,
      })
      .then(() => substrate.freeNode(this.world, node));
  }

  /**
   * Locks for reading, blocking the calling worker thread (throws on main).
   *
   * @example
   * ```ts
   * rw.rLockSync(); try { read(); } finally { rw.rUnlock(); }
   * ```
   */
  rLockSync(): void {
    substrate.assertMayBlock();
    const node = this.enqueueReader();
    if (node < 0) return;
    substrate.waitReason(WR_RWMUTEX_RLOCK, this);
    substrate.parkSync(this.world, this.rq, LOCK, node, () => this.deadWriter());
    substrate.freeNode(this.world, node);
  }

  /**
   * Locks for reading if that is possible at once.
   *
   * @example
   * ```ts
   * if (rw.tryRLock()) { try { read(); } finally { rw.rUnlock(); } }
   * ```
   */
  tryRLock(): boolean {
    return this.critical(() => {
      if (this.i32[WRITER] !== 0 || !this.wq.empty) return false;
      this.i32[READERS]!++;
      return true;
    });
  }

  /**
   * Unlocks one reader. Throws `SyncMisuseError` ("sync: RUnlock of unlocked
   * RWMutex") and changes nothing if no reader holds it.
   *
   * @example
   * ```ts
   * rw.rUnlock();
   * ```
   */
  rUnlock(): void {
    const woken = this.critical(() => {
      const i32 = this.i32;
      if (i32[READERS] === 0) throw errors.rUnlockUnlocked();
      if (--i32[READERS]! > 0) return [];
      return this.grantWriter();
    });
    substrate.wakeAll(this.world, woken);
  }

  /**
   * A `{ lock, unlock }` view that takes the read side (Go's RLocker), for Cond.
   *
   * @example
   * ```ts
   * const cond = new Cond(rw.rLocker());
   * ```
   */
  rLocker(): { lock(): Promise<void>; unlock(): void } {
    return { lock: () => this.rLock(), unlock: () => this.rUnlock() };
  }

  /** Hands the lock to the first live waiting writer (lock held). */
  private grantWriter(): number[] {
    const node = this.wq.popLive();
    if (node < 0) {
      // No live writer after all (the waiting writers died or gave up):
      // release the readers that queued behind them.
      const readers = substrate.popAll(this.rq);
      this.i32[READERS] = this.i32[READERS]! + readers.length;
      return readers;
    }
    this.i32[WRITER] = this.world.i32[this.world.nodeBase(node) + substrate.N_OWNER]!;
    substrate.markWoken(this.world, node);
    return [node];
  }

  private enqueueWriter(): number {
    return this.critical(() => {
      const i32 = this.i32;
      if (i32[WRITER] === 0 && i32[READERS] === 0 && this.wq.empty) {
        i32[WRITER] = this.world.token;
        return -1;
      }
      const err = this.deadWriter();
      if (err !== undefined) throw err;
      const node = substrate.allocNode(this.world);
      this.wq.pushBack(node);
      return node;
    });
  }

  private enqueueReader(): number {
    return this.critical(() => {
      const i32 = this.i32;
      if (i32[WRITER] === 0 && this.wq.empty) {
        i32[READERS]!++;
        return -1;
      }
      const err = this.deadWriter();
      if (err !== undefined) throw err;
      const node = substrate.allocNode(this.world);
      this.rq.pushBack(node);
      return node;
    });
  }

  private deadWriter(): Error | undefined {
    const w = Atomics.load(this.i32, WRITER);
    if (w === 0 || this.world.isAlive(w)) return undefined;
    return new OwnerDiedError(
      `RWMutex ${this.id} is write-locked by thread ${this.world.threadIdOf(w)}, which died without unlocking it`,
    );
  }

  private critical<R>(fn: () => R): R {
    substrate.ilock(this.world, this.i32, LOCK);
    try {
      return fn();
    } finally {
      substrate.iunlock(this.i32, LOCK);
    }
  }
}

registerType(TYPE, () => new RWMutex());
