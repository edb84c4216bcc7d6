/**
 * WaitGroup: waits for a collection of tasks, on any thread, to finish.
 *
 * ## Layout (Int32 words of the object's buffer)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | STATE | bits 0..29: Go's counter; bit 30: QUEUED (waiters may be queued) | CAS; QUEUED set and cleared under LOCK too |
 * | 1 | WAITERS | waiters queued (for inspection) | LOCK |
 * | 2 | LOCK | internal lock | itself |
 * | 3..4 | Q | wait queue | LOCK |
 *
 * Go keeps its counter and its waiter count in one 64-bit word, so that the
 * move to zero sees, in the same atomic step, whether anybody waits. A flag
 * bit beside the counter does the same in 32 bits (JavaScript's 64-bit
 * Atomics are BigInt ones):
 *
 * - A waiter that must block takes LOCK, sets QUEUED by a CAS that requires
 *   a non-zero counter (else it backs out: the group is done), and queues its
 *   node before unlocking. A spinning `waitSync` only reads STATE.
 * - A change of the counter is one CAS of STATE. The move to zero is lock-free
 *   when QUEUED is clear: no node can be queued then, since queueing needs
 *   QUEUED set by a CAS on the same word while the counter is not zero.
 * - With QUEUED set, the move to zero happens under LOCK (`toZero`): the CAS
 *   to zero, which clears QUEUED, and taking every queued node are one
 *   critical section, which a waiter's queueing cannot interleave with.
 *
 * So no wake-up is lost (a node is queued only while the counter is not zero,
 * and the move to zero then takes LOCK and finds it) and none is stale: the
 * release takes exactly the nodes queued in the round that ended. An earlier
 * protocol read the waiter count after a lock-free CAS to zero and released
 * the queue later, which could wake a node queued for the next round
 * (`waitSync` returned before `done()`, seen in apps/bench's waitgroup
 * ping-pong); test/waitgroup-model.test.ts explores every interleaving of
 * both. The price of the flag is the counter's range: at most 2^30 - 1
 * outstanding tasks (Go: 2^31 - 1).
 */
import * as substrate from '@gocsp/core/internal';
import { errors } from './errors.js';
import { SharedBase, registerType } from './internal/base.js';

const STATE = 0;
const WAITERS = 1;
const LOCK = 2;
const Q = 3;
const WORDS = 5;
/** STATE bit: waiters may be queued; the move to zero must take LOCK. */
const QUEUED = 1 << 30;
/** STATE bits of the counter; also its largest value. */
const COUNT = QUEUED - 1;
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
    return { count: this.count, waiters: Atomics.load(this.i32, WAITERS) };
  }

  /**
   * Adds `delta` (may be negative) to the counter; at zero, every waiter is
   * released. Throws `SyncMisuseError` ("sync: negative WaitGroup counter") and
   * changes nothing if the counter would go below zero, and a `RangeError`
   * if it would pass 2^30 - 1 (1,073,741,823 outstanding tasks).
   *
   * @example
   * ```ts
   * wg.add(3);
   * ```
   */
  add(delta: number): void {
    if (!Number.isInteger(delta) || (delta | 0) !== delta) throw errors.badDelta(delta);
    const i32 = this.i32;
    // done() tries the move from 1 to zero (the one that wakes somebody)
    // first: a CAS takes the cache line once, where a load and then a CAS
    // take it twice when another thread wrote it last. A wrong guess costs
    // nothing but the failed CAS, which returns the word to go on with.
    let v = delta === -1 ? 1 : Atomics.load(i32, STATE);
    for (;;) {
      const n = (v & COUNT) + delta;
      if (n < 0) throw errors.negativeCounter();
      if (n > COUNT) throw errors.counterOverflow();
      if (n === 0 && delta !== 0 && (v & QUEUED) !== 0) {
        if (this.toZero(v)) return;
        v = Atomics.load(i32, STATE);
        continue;
      }
      const seen = Atomics.compareExchange(i32, STATE, v, (v & QUEUED) | n);
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
    if ((Atomics.load(this.i32, STATE) & COUNT) === 0) return Promise.resolve();
    const node = this.enqueue();
    if (node < 0) return Promise.resolve();
    return substrate
      .parkAsync(this.world, this.queue, LOCK, node, {
        owner: this,
        reason: WR_WAITGROUP_WAIT,
        // A wait cancelled (the deadlock detector's verdict) leaves the queue:
        // so does its count. QUEUED stays, for toZero to clear (file header).
        onCancelled: () => void Atomics.sub(this.i32, WAITERS, 1),
      })
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
    if ((Atomics.load(i32, STATE) & COUNT) === 0) return;
    if (substrate.canSpin(this.world)) {
      for (let i = 0; i < SPINS; i++) if ((Atomics.load(i32, STATE) & COUNT) === 0) return;
    }
    const node = this.enqueue();
    if (node < 0) return;
    substrate.waitReason(WR_WAITGROUP_WAIT, this);
    substrate.parkSync(this.world, this.queue, LOCK, node);
    substrate.freeNode(this.world, node);
  }

  /** Current counter (racy: may be stale by the time you read it). */
  get count(): number {
    return Atomics.load(this.i32, STATE) & COUNT;
  }

  /**
   * Under LOCK: sets QUEUED while the counter is not zero and queues a new
   * node of this thread. -1 if the counter is zero (nothing queued).
   */
  private enqueue(): number {
    const { world, i32 } = this;
    substrate.ilock(world, i32, LOCK);
    try {
      let v = Atomics.load(i32, STATE);
      for (;;) {
        if ((v & COUNT) === 0) return -1;
        if ((v & QUEUED) !== 0) break; // only toZero, under LOCK, clears it
        const seen = Atomics.compareExchange(i32, STATE, v, v | QUEUED);
        if (seen === v) break;
        v = seen;
      }
      const node = substrate.allocNode(world);
      this.queue.pushBack(node);
      Atomics.add(i32, WAITERS, 1);
      return node;
    } finally {
      substrate.iunlock(i32, LOCK);
    }
  }

  /**
   * Moves STATE from `v` (QUEUED set, counter reaching zero) to zero and
   * takes every queued waiter, in one critical section under LOCK (see the
   * file header); then wakes them. False if STATE was no longer `v` (nothing
   * changed: the caller retries).
   */
  private toZero(v: number): boolean {
    const { world, i32, queue } = this;
    let nodes: number[];
    substrate.ilock(world, i32, LOCK);
    try {
      if (Atomics.compareExchange(i32, STATE, v, 0) !== v) return false;
      Atomics.store(i32, WAITERS, 0);
      nodes = substrate.popAll(queue);
    } finally {
      substrate.iunlock(i32, LOCK);
    }
    // Go releases every waiter when the counter reaches zero, even if an
    // add() races right after (Go calls that reuse a misuse).
    substrate.wakeAll(world, nodes);
    return true;
  }
}

registerType(TYPE, () => new WaitGroup());
