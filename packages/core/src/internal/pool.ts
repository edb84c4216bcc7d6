/**
 * Allocation of waiter nodes from the world's node pool (layout: world.ts).
 *
 * Each thread keeps a small cache of free node indices so the common case is
 * a plain array pop; the cache is refilled from, and spilled to, the world's
 * free list in batches under H_LOCK. When the free list is empty, nodes are
 * carved from fresh space, growing the buffer (doubling) up to H_MAX_NODES.
 *
 * Nodes cached by a thread that dies are leaked; that is bounded by the batch
 * size per dead thread.
 */
import { CapacityError } from '../errors.js';
import { ilock, iunlock } from './ilock.js';
import {
  H_FREE_HEAD,
  H_LOCK,
  H_MAX_NODES,
  H_NODE_CAP,
  H_NODE_USED,
  NODE_WORDS,
  NODES_BASE,
  NODE_WAITING,
  N_NEXT,
  N_OWNER,
  N_STATE,
  N_WNEXT,
  type World,
} from './world.js';

const BATCH = 32;
const caches = new WeakMap<World, number[]>();

function cacheOf(world: World): number[] {
  let c = caches.get(world);
  if (!c) caches.set(world, (c = []));
  return c;
}

/** Allocates a node owned by the calling thread, in state WAITING, links cleared. */
export function allocNode(world: World): number {
  const cache = cacheOf(world);
  const node = cache.length > 0 ? cache.pop()! : refill(world, cache);
  const b = world.nodeBase(node);
  const i32 = world.i32;
  i32[b + N_NEXT] = 0;
  i32[b + N_WNEXT] = 0;
  i32[b + N_OWNER] = world.token;
  Atomics.store(i32, b + N_STATE, NODE_WAITING);
  return node;
}

/** Returns a node to the pool. Only its owner frees it, after it left every queue and stack. */
export function freeNode(world: World, node: number): void {
  Atomics.store(world.i32, world.nodeBase(node) + N_STATE, 0);
  const cache = cacheOf(world);
  cache.push(node);
  if (cache.length >= 2 * BATCH) spill(world, cache);
}

function refill(world: World, cache: number[]): number {
  const i32 = world.i32;
  ilock(world, i32, H_LOCK);
  try {
    let head = i32[H_FREE_HEAD]!;
    while (head !== 0 && cache.length < BATCH) {
      const node = head - 1;
      cache.push(node);
      head = i32[world.nodeBase(node) + N_NEXT]!;
    }
    i32[H_FREE_HEAD] = head;
    if (cache.length < BATCH) {
      let used = i32[H_NODE_USED]!;
      const want = BATCH - cache.length;
      if (used + want > i32[H_NODE_CAP]!) grow(world, used + want);
      for (let k = 0; k < want; k++) cache.push(used++);
      i32[H_NODE_USED] = used;
    }
  } finally {
    iunlock(i32, H_LOCK);
  }
  return cache.pop()!;
}

function spill(world: World, cache: number[]): void {
  const i32 = world.i32;
  ilock(world, i32, H_LOCK);
  try {
    let head = i32[H_FREE_HEAD]!;
    for (let k = 0; k < BATCH; k++) {
      const node = cache.pop()!;
      i32[world.nodeBase(node) + N_NEXT] = head;
      head = node + 1;
    }
    i32[H_FREE_HEAD] = head;
  } finally {
    iunlock(i32, H_LOCK);
  }
}

function grow(world: World, need: number): void {
  const i32 = world.i32;
  const max = i32[H_MAX_NODES]!;
  if (need > max) {
    throw new CapacityError(
      `more than ${max} gocsp operations are blocked at once in this process; raise the limit with the environment variable GOCSP_MAX_WAITERS (up to ${1 << 24}) before gocsp starts`,
    );
  }
  let cap = i32[H_NODE_CAP]!;
  while (cap < need) cap *= 2;
  if (cap > max) cap = max;
  world.sab.grow((NODES_BASE + cap * NODE_WORDS) * 4);
  Atomics.store(i32, H_NODE_CAP, cap);
}
