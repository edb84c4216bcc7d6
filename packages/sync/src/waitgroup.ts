/**
 * WaitGroup: waits for a collection of tasks, on any thread, to finish.
 *
 * ## Layout (Int32 words of the object's buffer)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | COUNTER | Go's counter | CAS (never goes negative: a bad add changes nothing); the move to zero under LOCK too |
 * | 1 | WAITERS | waiters queued or about to queue | LOCK |
 * | 2 | LOCK | internal lock | itself |
 * | 3..4 | Q | wait queue | LOCK |
 *
 * The counter reaches zero only under LOCK (`toZero`): the CAS to zero, the
 * read of WAITERS and taking the queue are one critical section, which a
 * waiter's queueing (count itself in WAITERS, re-read COUNTER, queue a node
 * or back out) cannot interleave with. Every other change of COUNTER is a
 * plain CAS (it cannot release anybody).
 *
 * - No lost wakeup: a waiter that queued did so while COUNTER was not zero,
 *   so the move to zero, which comes later, finds its node.
 * - No stale release: the release takes exactly the nodes queued before the
 *   counter reached zero. (It used to read WAITERS after a lock-free CAS and
 *   take LOCK afterwards. A waiter that had counted itself, then seen zero
 *   and backed out, could re-arm the group and queue a node for the next
 *   round before that late release, which then woke it with COUNTER at 1:
 *   `waitSync` returned before `done()`, seen in apps/bench's waitgroup
 *   ping-pong about once in 20M round trips on a loaded machine. The model
 *   test test/waitgroup-model.test.ts finds that interleaving.)
 */
import * as substrate from '@gocsp/core/internal';
import { errors } from './errors.js';
import { SharedBase, registerType } from './internal/base.js';

const COUNTER = 0;
const WAITERS = 1;
const LOCK = 2;
const Q = 3;
const WORDS = 5;
const TYPE = 'sync.WaitGroup';
const { WR_WAITGROUP_WAIT } = substrate;
const SPINS = 2000;

/**
 * Go's `sync.WaitGroup`, in shared memory: `add`/`done` from any thread,
 * `wait` resolves on every thread once the counter is zero.
 *
 * @example
 * ```ts
 * const wg = new WaitGroup();
 * wg.add(2);
 * new Worker('./w.js', { workerData: toShared({ wg }) }); // w.js calls wg.done()
 * setTimeout(() => wg.done(), 10);
 * await wg.wait();
 * ```
 */
export class WaitGroup extends SharedBase {
  private readonly queue: substrate.WaitQueue;

  constructor() {
    super(TYPE, WORDS);
    this.queue = new substrate.WaitQueue(this.world, this.i32, Q);
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    return { count: Atomics.load(this.i32, COUNTER), waiters: Atomics.load(this.i32, WAITERS) };
  }

  /**
   * Adds `delta` (may be negative) to the counter; at zero, every waiter is
   * released. Throws `SyncMisuseError` ("sync: negative WaitGroup counter") and
   * changes nothing if the counter would go below zero.
   *
   * @example
   * ```ts
   * wg.add(3);
   * ```
   */
  add(delta: number): void {
    if (!Number.isInteger(delta) || (delta | 0) !== delta) throw errors.badDelta(delta);
    const i32 = this.i32;
    let v = Atomics.load(i32, COUNTER);
    for (;;) {
      const nv = v + delta;
      if (nv < 0) throw errors.negativeCounter();
      if (nv > 0x7fffffff) throw new RangeError('WaitGroup counter overflows int32');
      if (nv === 0 && delta !== 0) {
        if (this.toZero(v)) return;
        v = Atomics.load(i32, COUNTER);
        continue;
      }
      const seen = Atomics.compareExchange(i32, COUNTER, v, nv);
      if (seen === v) return;
      v = seen;
    }
  }

  /**
   * Decrements the counter by one.
   *
   * @example
   * ```ts
   * try { work(); } finally { wg.done(); }
   * ```
   */
  done(): void {
    this.add(-1);
  }

  /**
   * Resolves when the counter is zero.
   *
   * @example
   * ```ts
   * await wg.wait();
   * ```
   */
  wait(): Promise<void> {
    if (Atomics.load(this.i32, COUNTER) === 0) return Promise.resolve();
    const node = this.enqueue();
    if (node < 0) return Promise.resolve();
    return substrate
      .parkAsync(this.world, this.queue, LOCK, node, { owner: this, reason: WR_WAITGROUP_WAIT })
      .then(() => substrate.freeNode(this.world, node));
  }

  /**
   * Blocks the calling worker thread until the counter is zero (spinning
   * briefly first when another thread runs). Throws on the main thread.
   *
   * @example
   * ```ts
   * wg.waitSync(); // in a worker
   * ```
   */
  waitSync(): void {
    substrate.assertMayBlock();
    const i32 = this.i32;
    if (Atomics.load(i32, COUNTER) === 0) return;
    if (substrate.canSpin(this.world)) {
      for (let i = 0; i < SPINS; i++) if (Atomics.load(i32, COUNTER) === 0) return;
    }
    const node = this.enqueue();
    if (node < 0) return;
    substrate.waitReason(WR_WAITGROUP_WAIT, this);
    substrate.parkSync(this.world, this.queue, LOCK, node);
    substrate.freeNode(this.world, node);
  }

  /** Current counter (racy: may be stale by the time you read it). */
  get count(): number {
    return Atomics.load(this.i32, COUNTER);
  }

  private enqueue(): number {
    const { world, i32 } = this;
    substrate.ilock(world, i32, LOCK);
    try {
      Atomics.add(i32, WAITERS, 1);
      if (Atomics.load(i32, COUNTER) === 0) {
        Atomics.sub(i32, WAITERS, 1);
        return -1;
      }
      const node = substrate.allocNode(world);
      this.queue.pushBack(node);
      return node;
    } finally {
      substrate.iunlock(i32, LOCK);
    }
  }

  /**
   * Moves COUNTER from `v` to zero and takes every queued waiter, in one
   * critical section under LOCK (see the file header); then wakes them.
   * False if COUNTER was no longer `v` (nothing changed: the caller retries).
   * Written out rather than through substrate.releaseAll with a CAS in its
   * update callback: that version (a closure per call, popAll even with no
   * waiter) made the waitgroup-wake ping-pong 0.47-0.53 -> 0.70-0.82 us.
   */
  private toZero(v: number): boolean {
    const { world, i32, queue } = this;
    let nodes: number[] | undefined;
    substrate.ilock(world, i32, LOCK);
    try {
      if (Atomics.compareExchange(i32, COUNTER, v, 0) !== v) return false;
      if (Atomics.load(i32, WAITERS) > 0) {
        Atomics.store(i32, WAITERS, 0);
        nodes = substrate.popAll(queue);
      }
    } finally {
      substrate.iunlock(i32, LOCK);
    }
    // Go releases every waiter when the counter reaches zero, even if an
    // add() races right after (Go calls that reuse a misuse).
    if (nodes !== undefined) substrate.wakeAll(world, nodes);
    return true;
  }
}

registerType(TYPE, () => new WaitGroup());
