/**
 * Parking a queued node until it is woken: the async form (a Promise, with
 * AbortSignal and dead-owner checks) and the blocking form (worker threads).
 *
 * Protocol, shared by every primitive: under the object's internal lock the
 * caller allocates a node, queues it and unlocks; then calls `parkAsync` or
 * `parkSync`. A waker dequeues the node under the same lock, marks it WOKEN,
 * puts any result in the node's payload, unlocks, and calls `wakeNode`.
 * Cancellation (abort, dead owner) takes the lock and wins only if the node is
 * still WAITING; otherwise the wake is already on its way and the primitive
 * undoes what it was given (`onLateWake`) so that a cancelled call has no
 * effect.
 */
import { cancelNode, markWoken, type WaitQueue } from './waitq.js';
import { freeNode } from './heap.js';
import { ilock, iunlock } from './ilock.js';
import { parkerFor, wakeNode, type LocalWait } from './park.js';
import type { World } from './world.js';

/** Options of a park. */
export interface ParkOptions {
  /**
   * The JS object the node waits on. Kept reachable while parked: if it were
   * collected, its thread's reference would be released and the block (with
   * our node in its queue) could be freed and reused under us.
   */
  owner: object;
  signal?: AbortSignal | undefined;
  /** Returns an error if the wait can never end (e.g. the owner died). */
  deadCheck?: () => Error | undefined;
  /**
   * The wake won a race against an abort. Return true to resolve anyway (the
   * operation took effect, e.g. a channel value was handed over), false to
   * reject with the abort reason after giving back what was granted.
   */
  onLateWake?: () => boolean;
  /** Called under the object's lock after the node left the queue by cancellation. */
  onCancelled?: () => void;
  /** Why it waits (waits.ts WR_*), for the goroutine dump; the object is `owner`. */
  reason?: number;
}

/**
 * Parks `node` (already queued in `queue`) until it is woken. Resolves once
 * woken; the node is still allocated so the caller can read its payload and
 * must `freeNode` it. Rejects (node freed) on abort or `deadCheck` error.
 * An abort that loses the race to a wake calls `onLateWake`.
 */
export function parkAsync(
  world: World,
  queue: WaitQueue,
  lockIdx: number,
  node: number,
  opts: ParkOptions,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const parker = parkerFor(world);
    const { signal } = opts;
    let abortedWith: unknown;
    let aborted = false;
    const tryCancel = (): boolean => {
      const ok = cancelQueued(queue, lockIdx, node, opts.onCancelled);
      if (ok) {
        parker.unpark(node);
        freeNode(world, node);
      }
      return ok;
    };
    const onAbort = (): void => {
      let cancelled: boolean;
      try {
        cancelled = tryCancel();
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- Go/AbortSignal contract: reject with the signal's reason as is
      if (cancelled) reject(signal!.reason);
      else {
        aborted = true;
        abortedWith = signal!.reason;
      }
    };
    parker.park(node, {
      owner: opts.owner,
      wr: opts.reason ?? 0, // the dump's record (waits.ts): the park writes nothing more
      wake() {
        signal?.removeEventListener('abort', onAbort);
        if (aborted && opts.onLateWake?.() !== true) {
          freeNode(world, node);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- Go/AbortSignal contract: reject with the signal's reason as is
          reject(abortedWith);
        } else resolve();
      },
      fail(err) {
        this.deathCheck!(err);
      },
      deathCheck(forced?: Error) {
        const err = forced ?? opts.deadCheck?.();
        if (err === undefined) return;
        let cancelled: boolean;
        try {
          cancelled = tryCancel();
        } catch (e) {
          signal?.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        if (cancelled) {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        }
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Blocks the calling worker thread until `node` (already queued) is woken.
 * Throws (node freed) if `deadCheck` reports the wait can never end.
 */
export function parkSync(
  world: World,
  queue: WaitQueue,
  lockIdx: number,
  node: number,
  deadCheck?: () => Error | undefined,
  spin = true,
): void {
  const parker = parkerFor(world);
  let done = false;
  let failure: Error | undefined;
  parker.parkSync(
    node,
    {
      wr: 0, // the dump's record (waits.ts), declared so the park adds no property
      wo: undefined,
      wake() {
        done = true;
      },
      deathCheck() {
        const err = deadCheck?.();
        if (err === undefined) return;
        if (cancelQueued(queue, lockIdx, node)) {
          failure = err;
          done = true;
          freeNode(world, node);
        }
      },
    },
    () => done,
    spin,
  );
  if (failure !== undefined) throw failure;
}

/**
 * Takes `node` out of `queue` under the queue's lock if it is still WAITING
 * (then runs `onCancelled` under the lock). False if a waker got to it first:
 * its wake is on the way. The caller frees the node when true.
 */
export function cancelQueued(
  queue: WaitQueue,
  lockIdx: number,
  node: number,
  onCancelled?: () => void,
): boolean {
  ilock(queue.world, queue.obj, lockIdx);
  try {
    const ok = cancelNode(queue, node);
    if (ok) onCancelled?.();
    return ok;
  } finally {
    iunlock(queue.obj, lockIdx);
  }
}

/** Pops every live waiter of `queue` (lock held), marking each woken. */
export function popAll(queue: WaitQueue, onDead?: (node: number) => void): number[] {
  const out: number[] = [];
  for (;;) {
    const n = queue.popLive(onDead);
    if (n < 0) return out;
    markWoken(queue.world, n);
    out.push(n);
  }
}

/** Wakes the given (already dequeued, WOKEN) nodes; call after unlocking. */
export function wakeAll(world: World, nodes: number[]): void {
  for (const n of nodes) wakeNode(world, n);
}

/**
 * Under the queue's lock, runs `update` (the state change that releases the
 * waiters) and takes every live waiter; then wakes them all after unlocking.
 */
export function releaseAll(queue: WaitQueue, lockIdx: number, update?: () => void): void {
  const { world, obj } = queue;
  let nodes: number[];
  ilock(world, obj, lockIdx);
  try {
    update?.();
    nodes = popAll(queue);
  } finally {
    iunlock(obj, lockIdx);
  }
  wakeAll(world, nodes);
}

/**
 * A wait that never ends (Go's `select {}`, or a select whose cases are all
 * nil channels): it counts as parked on this thread, so it keeps the thread
 * alive and takes part in deadlock detection, which rejects it with
 * DeadlockError. Say why first (`waitReason`).
 */
export function blockForever(world: World): Promise<never> {
  const parker = parkerFor(world);
  return new Promise<never>((_resolve, reject) => {
    const w: LocalWait = {
      prevLocal: undefined,
      nextLocal: undefined,
      wr: 0,
      fail(err) {
        parker.removeLocal(w);
        reject(err);
      },
    };
    parker.addLocal(w);
  });
}
