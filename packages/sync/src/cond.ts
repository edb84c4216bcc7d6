/**
 * Cond: Go's sync.Cond across threads.
 *
 * ## Layout (Int32 words)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | LOCK | internal lock | itself |
 * | 1..2 | Q | waiters in arrival order | LOCK |
 *
 * As in Go, `wait` joins the queue *before* it unlocks the locker, so a
 * `signal` made after the waiter released the locker always finds it. The
 * locker travels with the Cond (in its handle) when it is a shared Mutex or
 * RWMutex; a plain JS locker only works on its own thread.
 */
import { isShareable } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';
import { errors } from './errors.js';
import { SharedBase, registerType } from './internal/base.js';

const LOCK = 0;
const Q = 1;
const WORDS = 3;
const TYPE = 'sync.Cond';
const { WR_COND_WAIT } = substrate;

/** What Cond locks and unlocks: a Mutex, an RWMutex, or `rw.rLocker()`. */
export interface Locker {
  lock(): Promise<void> | void;
  unlock(): void;
  lockSync?(): void;
}

/**
 * Go's `sync.Cond`: goroutines (on any thread) wait for a condition guarded by
 * a locker.
 *
 * @example
 * ```ts
 * const mu = new Mutex(); const cond = new Cond(mu);
 * await mu.lock();
 * while (!ready[0]) await cond.wait();
 * mu.unlock();
 * // elsewhere: await mu.lock(); ready[0] = 1; cond.broadcast(); mu.unlock();
 * ```
 */
export class Cond extends SharedBase {
  /** The locker this Cond waits with (L in Go). */
  readonly locker: Locker;
  private readonly queue: substrate.WaitQueue;

  constructor(locker: Locker) {
    if (!reviving && (typeof locker?.lock !== 'function' || typeof locker.unlock !== 'function')) {
      throw errors.badLocker();
    }
    // A shared locker is kept alive by the Cond's block (its child) and travels with it.
    super(TYPE, WORDS, !reviving && isShareable(locker) ? locker[substrate.kShared] : undefined);
    this.queue = new substrate.WaitQueue(this.world, this.i32, Q);
    if (this.revived) {
      const child = substrate.childOf(this.world, this.ref);
      this.locker = substrate.reviveRef(this.world, child, false) as Locker;
    } else {
      this.locker = locker;
    }
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    return { waiting: !new substrate.WaitQueue(this.world, this.i32, Q).empty };
  }

  /** @internal */
  override get [substrate.kShared](): substrate.SharedRef {
    if (!isShareable(this.locker)) {
      throw new TypeError(
        'this Cond uses a plain JS locker, which cannot cross threads: build it on a Mutex or RWMutex from @gocsp/sync',
      );
    }
    return super[substrate.kShared];
  }

  /**
   * Atomically unlocks the locker and waits for `signal`/`broadcast`, then
   * locks it again before resolving. Call it holding the lock, in a loop
   * that re-checks the condition.
   *
   * @example
   * ```ts
   * while (!cond0()) await cond.wait();
   * ```
   */
  async wait(): Promise<void> {
    const node = this.enqueue();
    await substrate.parkAsync(this.world, this.queue, LOCK, node, {
      owner: this,
      reason: WR_COND_WAIT,
    });
    substrate.freeNode(this.world, node);
    await this.locker.lock();
  }

  /**
   * Blocking `wait` for worker threads (needs a locker with `lockSync`).
   *
   * @example
   * ```ts
   * mu.lockSync(); while (!ready()) cond.waitSync(); mu.unlock();
   * ```
   */
  waitSync(): void {
    substrate.assertMayBlock();
    if (typeof this.locker.lockSync !== 'function') {
      throw new TypeError('Cond.waitSync needs a locker with lockSync() (Mutex or RWMutex)');
    }
    const node = this.enqueue();
    substrate.waitReason(WR_COND_WAIT, this);
    substrate.parkSync(this.world, this.queue, LOCK, node);
    substrate.freeNode(this.world, node);
    this.locker.lockSync();
  }

  /**
   * Wakes one waiter, if any (the longest waiting).
   *
   * @example
   * ```ts
   * cond.signal();
   * ```
   */
  signal(): void {
    const { world, i32 } = this;
    substrate.ilock(world, i32, LOCK);
    let node: number;
    try {
      node = this.queue.popLive();
      if (node >= 0) substrate.markWoken(world, node);
    } finally {
      substrate.iunlock(i32, LOCK);
    }
    if (node >= 0) substrate.wakeNode(world, node);
  }

  /**
   * Wakes every waiter.
   *
   * @example
   * ```ts
   * cond.broadcast();
   * ```
   */
  broadcast(): void {
    substrate.releaseAll(this.queue, LOCK);
  }

  /** Queues a waiter, then releases the locker (undoing the queueing if that throws). */
  private enqueue(): number {
    const { world, i32 } = this;
    const node = substrate.allocNode(world);
    substrate.ilock(world, i32, LOCK);
    this.queue.pushBack(node);
    substrate.iunlock(i32, LOCK);
    try {
      this.locker.unlock();
    } catch (e) {
      if (substrate.cancelQueued(this.queue, LOCK, node)) substrate.freeNode(world, node);
      else {
        // A signal already took our node and its wake is on its way: when it
        // arrives, free the node and pass the signal on to another waiter.
        substrate.parkerFor(world).park(node, {
          owner: this,
          wake: () => {
            substrate.freeNode(world, node);
            this.signal();
          },
        });
      }
      throw e;
    }
    return node;
  }
}

let reviving = false;
registerType(TYPE, () => {
  reviving = true;
  try {
    return new Cond(undefined as unknown as Locker);
  } finally {
    reviving = false;
  }
});
