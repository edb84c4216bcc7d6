/**
 * Semaphore: golang.org/x/sync/semaphore.Weighted in shared memory.
 *
 * ## Layout (Int32 words)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | LOCK | internal lock | itself |
 * | 1 | SIZE | total weight | immutable |
 * | 2 | CUR | weight currently held | LOCK |
 * | 3..4 | Q | waiters, strict FIFO; node payload N_A = weight | LOCK |
 *
 * Strict FIFO, as x/sync: a waiter is granted only from the head; a big
 * request at the head blocks smaller ones behind it (no barging), so large
 * requests are not starved. Grants are hand-offs: `release` adds the head's
 * weight to CUR before waking it. A cancelled acquire has no effect: if the
 * grant won the race, the weight is given back.
 */
import * as substrate from '@gocsp/core/internal';
import { errors } from './errors.js';
import { SharedBase, registerType } from './internal/base.js';

const LOCK = 0;
const SIZE = 1;
const CUR = 2;
const Q = 3;
const WORDS = 5;
const TYPE = 'sync.Semaphore';

/** Options of `Semaphore.acquire`. */
export interface AcquireOptions {
  /** Aborting rejects the pending acquire with the signal's reason; nothing is held. */
  signal?: AbortSignal;
}

/**
 * Weighted semaphore (golang.org/x/sync/semaphore), strict FIFO, usable from
 * every thread.
 *
 * @example
 * ```ts
 * const sem = new Semaphore(4);
 * await sem.acquire(1, { signal: AbortSignal.timeout(1000) });
 * try { await work(); } finally { sem.release(1); }
 * ```
 */
export class Semaphore extends SharedBase {
  private readonly queue: substrate.WaitQueue;

  /**
   * @param size total weight; a positive integer below 2^31.
   */
  constructor(size: number) {
    super(TYPE, WORDS);
    this.queue = new substrate.WaitQueue(this.world, this.i32, Q);
    if (!this.revived) {
      if (!Number.isInteger(size) || size < 0 || size > 0x7fffffff) {
        throw new RangeError(
          `Semaphore size must be an integer in [0, 2^31), got ${substrate.shown(size)}`,
        );
      }
      this.i32[SIZE] = size;
    }
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    return { size: Atomics.load(this.i32, SIZE), held: Atomics.load(this.i32, CUR) };
  }

  /** Total weight. */
  get size(): number {
    return this.i32[SIZE]!;
  }

  /**
   * Acquires `w`, waiting (FIFO) until it is available. Rejects with the
   * signal's reason if aborted first, holding nothing.
   *
   * @example
   * ```ts
   * await sem.acquire(2);
   * ```
   */
  acquire(w = 1, opts: AcquireOptions = {}): Promise<void> {
    this.checkWeight(w);
    const { signal } = opts;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- Go/AbortSignal contract: reject with the signal's reason as is
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { world, i32 } = this;
    let node: number;
    substrate.ilock(world, i32, LOCK);
    try {
      if (i32[SIZE]! - i32[CUR]! >= w && this.queue.empty) {
        i32[CUR]! += w;
        return Promise.resolve();
      }
      node = substrate.allocNode(world);
      world.i32[world.nodeBase(node) + substrate.N_A] = w;
      this.queue.pushBack(node);
    } finally {
      substrate.iunlock(i32, LOCK);
    }
    let unblocked: number[] = [];
    return substrate
      .parkAsync(world, this.queue, LOCK, node, {
        owner: this,
        signal,
        reason: substrate.WR_SEMACQUIRE,
        // Under the lock, right after leaving the queue: if we were the head,
        // those behind us may fit now (x/sync does this too).
        onCancelled: () => (unblocked = this.grant()),
        onLateWake: () => {
          this.release(w); // granted after the abort: give it back, stay cancelled
          return false;
        },
      })
      .then(
        () => substrate.freeNode(world, node),
        (e: unknown) => {
          for (const n of unblocked) substrate.wakeNode(world, n);
          throw e;
        },
      );
  }

  /**
   * Acquires `w` if it is available right now and nobody waits before us.
   *
   * @example
   * ```ts
   * if (sem.tryAcquire()) { try { work(); } finally { sem.release(); } }
   * ```
   */
  tryAcquire(w = 1): boolean {
    this.checkWeight(w);
    const { world, i32 } = this;
    substrate.ilock(world, i32, LOCK);
    try {
      if (i32[SIZE]! - i32[CUR]! >= w && this.queue.empty) {
        i32[CUR]! += w;
        return true;
      }
      return false;
    } finally {
      substrate.iunlock(i32, LOCK);
    }
  }

  /**
   * Releases `w`. Throws `SyncMisuseError` ("semaphore: released more than
   * held") and changes nothing if more than is held.
   *
   * @example
   * ```ts
   * sem.release(2);
   * ```
   */
  release(w = 1): void {
    this.checkWeight(w);
    const { world, i32 } = this;
    let woken: number[];
    substrate.ilock(world, i32, LOCK);
    try {
      if (w > i32[CUR]!) throw errors.releaseMoreThanHeld();
      i32[CUR]! -= w;
      woken = this.grant();
    } finally {
      substrate.iunlock(i32, LOCK);
    }
    for (const n of woken) substrate.wakeNode(world, n);
  }

  /** Weight currently held (racy). */
  get held(): number {
    return Atomics.load(this.i32, CUR);
  }

  /** Grants from the head while the head fits (lock held). */
  private grant(): number[] {
    const { world, i32 } = this;
    const woken: number[] = [];
    for (;;) {
      const head = this.queue.peek();
      if (head < 0) break;
      if (!world.isAlive(world.i32[world.nodeBase(head) + substrate.N_OWNER]!)) {
        this.queue.popFront();
        substrate.freeNode(world, head);
        continue;
      }
      const w = world.i32[world.nodeBase(head) + substrate.N_A]!;
      if (i32[SIZE]! - i32[CUR]! < w) break;
      i32[CUR]! += w;
      this.queue.popFront();
      substrate.markWoken(world, head);
      woken.push(head);
    }
    return woken;
  }

  private checkWeight(w: number): void {
    if (!Number.isInteger(w) || w < 0 || w > this.i32[SIZE]!) throw errors.badWeight(w, this.size);
  }
}

registerType(TYPE, () => new Semaphore(0));
