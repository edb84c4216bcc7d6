/**
 * FIFO wait queue of nodes (world.ts), threaded through N_NEXT, whose head and
 * tail words live in the owning object's own buffer:
 *
 * | word | meaning |
 * | --- | --- |
 * | q + 0 | head: node index + 1, 0 = empty |
 * | q + 1 | tail: node index + 1, 0 = empty |
 *
 * Every function here must be called with the object's internal lock held;
 * that lock is what protects head, tail and every N_NEXT of queued nodes.
 * Waiters of dead threads are dropped as they reach the head (`popLive`).
 */
import { freeNode } from './heap.js';
import {
  NODE_CANCELLED,
  NODE_SPINNING,
  NODE_WAITING,
  NODE_WOKEN,
  N_NEXT,
  N_OWNER,
  N_STATE,
  type World,
} from './world.js';

/** Wait queue view: the object's words plus the world its nodes live in. */
export class WaitQueue {
  constructor(
    readonly world: World,
    readonly obj: Int32Array,
    readonly q: number,
  ) {}

  get empty(): boolean {
    return this.obj[this.q] === 0;
  }

  /** First queued node, or -1. */
  peek(): number {
    return this.obj[this.q]! - 1;
  }

  pushBack(node: number): void {
    const { obj, q, world } = this;
    world.i32[world.nodeBase(node) + N_NEXT] = 0;
    const tail = obj[q + 1]!;
    if (tail === 0) obj[q] = node + 1;
    else world.i32[world.nodeBase(tail - 1) + N_NEXT] = node + 1;
    obj[q + 1] = node + 1;
  }

  pushFront(node: number): void {
    const { obj, q, world } = this;
    const head = obj[q]!;
    world.i32[world.nodeBase(node) + N_NEXT] = head;
    obj[q] = node + 1;
    if (head === 0) obj[q + 1] = node + 1;
  }

  /** Removes and returns the head node, or -1 if empty. */
  popFront(): number {
    const { obj, q, world } = this;
    const head = obj[q]!;
    if (head === 0) return -1;
    const next = world.i32[world.nodeBase(head - 1) + N_NEXT]!;
    obj[q] = next;
    if (next === 0) obj[q + 1] = 0;
    return head - 1;
  }

  /**
   * Pops heads until one whose owner lives; dead owners' nodes are freed and
   * reported through `onDead` (so the object can fix its counts). -1 if none.
   */
  popLive(onDead?: (node: number) => void): number {
    for (;;) {
      const node = this.popFront();
      if (node < 0) return -1;
      const owner = this.world.i32[this.world.nodeBase(node) + N_OWNER]!;
      if (this.world.isAlive(owner)) return node;
      onDead?.(node);
      freeNode(this.world, node);
    }
  }

  /** True if `pred` holds for some queued node, head first. O(queue length). */
  some(pred: (node: number) => boolean): boolean {
    const { obj, q, world } = this;
    for (let cur = obj[q]!; cur !== 0; cur = world.i32[world.nodeBase(cur - 1) + N_NEXT]!) {
      if (pred(cur - 1)) return true;
    }
    return false;
  }

  /** Unlinks `node` if queued; true if it was. O(queue length), for cancellation. */
  remove(node: number): boolean {
    const { obj, q, world } = this;
    let prev = 0;
    let cur = obj[q]!;
    while (cur !== 0) {
      if (cur === node + 1) {
        const next = world.i32[world.nodeBase(node) + N_NEXT]!;
        if (prev === 0) obj[q] = next;
        else world.i32[world.nodeBase(prev - 1) + N_NEXT] = next;
        if (obj[q + 1] === cur) obj[q + 1] = prev;
        return true;
      }
      prev = cur;
      cur = world.i32[world.nodeBase(cur - 1) + N_NEXT]!;
    }
    return false;
  }
}

/** Marks a dequeued node woken (under the object's lock); wake it after unlocking. */
export function markWoken(world: World, node: number): void {
  Atomics.store(world.i32, world.nodeBase(node) + N_STATE, NODE_WOKEN);
}

/**
 * Marks a dequeued node woken (under the object's lock) and says whether its
 * owner must be told: false when the owner spins on the node (SPINNING) and
 * will see WOKEN by itself, true otherwise (call `wakeNode` after unlocking).
 */
export function markWokenFrom(world: World, node: number): boolean {
  return Atomics.exchange(world.i32, world.nodeBase(node) + N_STATE, NODE_WOKEN) !== NODE_SPINNING;
}

/**
 * Cancels a node still waiting in `queue` (under the object's lock). True if it
 * was still WAITING (or SPINNING) and is now out of the queue; false if a
 * waker got to it first (it is WOKEN and its wake is on the way).
 */
export function cancelNode(queue: WaitQueue, node: number): boolean {
  const st = queue.world.i32;
  const idx = queue.world.nodeBase(node) + N_STATE;
  const state = Atomics.load(st, idx);
  if (state !== NODE_WAITING && state !== NODE_SPINNING) return false;
  queue.remove(node);
  Atomics.store(st, idx, NODE_CANCELLED);
  return true;
}
