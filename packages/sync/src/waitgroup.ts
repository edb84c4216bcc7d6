/**
 * WaitGroup: waits for a collection of tasks, on any thread, to finish.
 *
 * ## Layout (Int32 words of the object's buffer)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | COUNTER | Go's counter | CAS (never goes negative: a bad add changes nothing) |
 * | 1 | WAITERS | waiters queued or about to queue | LOCK (read racily by add) |
 * | 2 | LOCK | internal lock | itself |
 * | 3..4 | Q | wait queue | LOCK |
 *
 * ## No lost wakeup
 * A waiter increments WAITERS under LOCK and then re-reads COUNTER; `add`
 * stores COUNTER (CAS), then reads WAITERS (all sequentially consistent).
 * Either the waiter sees 0 and returns without queueing, or `add` sees the
 * waiter and takes the queue under LOCK - which the waiter's node joined in
 * the same critical section, so the release finds it.
 *
 * The wake itself is delivered exactly once through the node's N_STATE (core
 * park.ts, spinOnNode): a blocking waiter queues its node SPINNING and polls
 * N_STATE; the release exchanges N_STATE to WOKEN (`markWokenFrom`) and calls
 * `wakeNode` only if it was not SPINNING. A spinner that gives up leaves by
 * CAS SPINNING -> WAITING: if the release's exchange came first, the CAS
 * fails, the waiter sees WOKEN and returns; if the CAS came first, the
 * release sees WAITING and wakes through the owner's woken stack, which
 * cannot lose a wake (park.ts). Async waiters' nodes are WAITING from the
 * start, so they are always woken through `wakeNode`.
 *
 * ## Spinning (`waitSync`), Go's rule
 * A blocking waiter first polls COUNTER (paused polls, `spinUntilPatient`: counted in
 * H_SPINNING and only with a spare core and another thread running, after a
 * microsecond's uncounted polls and a short grace), so a
 * `done()` from a thread on another core costs one CAS and one load, with no
 * lock, queue, node or Atomics.notify. Only then does it queue a SPINNING
 * node, spin a little on it, and park. Measured in apps/bench
 * (waitgroup-wake): the old spin, 2000 back-to-back loads of COUNTER and no
 * spinner count, fought the waker for the cache line and then went through
 * the woken stack and S_PARK on every wake that missed it.
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
// Bound once: the package's CommonJS namespace reads every export through a getter.
const {
  WR_WAITGROUP_WAIT,
  assertMayBlock,
  spinUntilPatient,
  spinOnNode,
  markSpinning,
  markWokenFrom,
  wakeNode,
  ilock,
  iunlock,
  allocNode,
  freeNode,
  parkSync,
  waitReason,
} = substrate;
// Polls of COUNTER before queueing (~50 ns apart: about 200 us, well over a
// kernel wake-up here: a shorter spin that gives up just before a woken
// partner answers makes the two sides take turns parking, measured), then polls of the queued
// node before parking (spinOnNode's default).
const COUNTER_POLLS = 4000;

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
  private readonly isZero = (): boolean => Atomics.load(this.i32, COUNTER) === 0;

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
    // First try the likeliest old value (1 for done(), 0 for an add that
    // arms the group) instead of loading it: one access to the line fewer
    // on the hand-off path; a wrong guess returns the value to try next.
    let v = delta < 0 ? -delta : 0;
    for (;;) {
      const nv = v + delta;
      if (nv < 0) throw errors.negativeCounter();
      if (nv > 0x7fffffff) throw new RangeError('WaitGroup counter overflows int32');
      const seen = Atomics.compareExchange(i32, COUNTER, v, nv);
      if (seen === v) {
        if (nv === 0 && delta !== 0 && Atomics.load(i32, WAITERS) > 0) this.releaseAll();
        return;
      }
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
    const node = this.enqueue(false);
    if (node < 0) return Promise.resolve();
    return substrate
      .parkAsync(this.world, this.queue, LOCK, node, { owner: this, reason: WR_WAITGROUP_WAIT })
      .then(() => freeNode(this.world, node));
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
    assertMayBlock();
    const i32 = this.i32;
    if (Atomics.load(i32, COUNTER) === 0) return;
    const world = this.world;
    if (spinUntilPatient(world, this.isZero, COUNTER_POLLS)) return;
    const node = this.enqueue(true);
    if (node < 0) return;
    if (!spinOnNode(world, node)) {
      // Said right before the park (a spin that succeeds parks nothing).
      waitReason(WR_WAITGROUP_WAIT, this);
      parkSync(world, this.queue, LOCK, node, undefined, false);
    }
    freeNode(world, node);
  }

  /** Current counter (racy: may be stale by the time you read it). */
  get count(): number {
    return Atomics.load(this.i32, COUNTER);
  }

  /** Queues a node (SPINNING if `spinning`) unless COUNTER is 0: the node, or -1. */
  private enqueue(spinning: boolean): number {
    const { world, i32 } = this;
    ilock(world, i32, LOCK);
    try {
      Atomics.add(i32, WAITERS, 1);
      if (Atomics.load(i32, COUNTER) === 0) {
        Atomics.sub(i32, WAITERS, 1);
        return -1;
      }
      const node = allocNode(world);
      if (spinning) markSpinning(world, node);
      this.queue.pushBack(node);
      return node;
    } finally {
      iunlock(i32, LOCK);
    }
  }

  private releaseAll(): void {
    // Go releases every waiter when the counter reaches zero, even if an
    // add() races right after (Go calls that reuse a misuse).
    // A spinning waiter sees WOKEN by itself: only the others are woken.
    const { world, i32, queue } = this;
    const wake: number[] = [];
    ilock(world, i32, LOCK);
    try {
      Atomics.store(i32, WAITERS, 0);
      for (let node = queue.popLive(); node >= 0; node = queue.popLive()) {
        if (markWokenFrom(world, node)) wake.push(node);
      }
    } finally {
      iunlock(i32, LOCK);
    }
    for (const node of wake) wakeNode(world, node);
  }
}

registerType(TYPE, () => new WaitGroup());
