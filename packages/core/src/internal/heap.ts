/**
 * The world's shared heap (layout of the world: world.ts): blocks of
 * size class k = 8 << k Int32 words (32 bytes << k), addressed by the word
 * index of their first word, which never moves.
 *
 * - Allocation: pop the class's free list, else carve from H_HEAP_TOP up
 *   to H_HEAP_END (the buffer's fixed end). All under H_LOCK.
 * - A free block's first word links the free list (address, 0 = end).
 * - No coalescing: a freed block is only reused for its own class. Blocks are
 *   a power of two times 32 bytes, so the waste is under half a block.
 * - Small blocks (classes 0..2: waiter nodes, small values) are the hot case:
 *   each thread caches up to 2 x BATCH free blocks per class and trades them
 *   with the free lists in batches, so most allocations are an array pop.
 *   Blocks cached by a thread that dies leak (at most 2 x BATCH per class).
 *
 * Addresses start at HEAP_BASE > 0, so 0 means "no block" everywhere.
 */
import { CapacityError } from '../errors.js';
import { ilock, iunlock } from './ilock.js';
import {
  CACHED_CLASSES,
  H_FREE,
  H_HEAP_END,
  H_HEAP_TOP,
  H_LOCK,
  H_MAX_WORDS,
  NODE_WAITING,
  N_NEXT,
  N_OWNER,
  N_STATE,
  N_WNEXT,
  SIZE_CLASSES,
  type World,
} from './world.js';

const BATCH = 32;

/** Words in a block of class `k`. */
export const classWords = (k: number): number => 8 << k;

/** Smallest size class holding `words` words. */
export function classFor(words: number): number {
  let k = 0;
  while (8 << k < words) k++;
  if (k >= SIZE_CLASSES - 1)
    throw new CapacityError(`a shared block of ${words * 4} bytes is too large`);
  return k;
}

/** Allocates a block of class `k` (zero-filled unless `zero` is false); returns its address. */
export function allocBlock(world: World, k: number, zero = true): number {
  const i32 = world.i32;
  let p: number;
  const cache = k < CACHED_CLASSES ? cacheOf(world, k) : undefined;
  if (cache !== undefined && cache.length > 0) p = cache.pop()!;
  else if (cache !== undefined) p = refill(world, cache, k);
  else {
    ilock(world, i32, H_LOCK);
    try {
      p = takeLocked(world, k);
    } finally {
      iunlock(i32, H_LOCK);
    }
  }
  if (zero) i32.fill(0, p, p + classWords(k));
  return p;
}

/** Returns a block of class `k` to the heap (any thread may free any block). */
export function freeBlock(world: World, p: number, k: number): void {
  if (k < CACHED_CLASSES) {
    const cache = cacheOf(world, k);
    cache.push(p);
    if (cache.length >= 2 * BATCH) spill(world, cache, k);
    return;
  }
  const i32 = world.i32;
  ilock(world, i32, H_LOCK);
  try {
    i32[p] = i32[H_FREE + k]!;
    i32[H_FREE + k] = p;
  } finally {
    iunlock(i32, H_LOCK);
  }
}

function takeLocked(world: World, k: number): number {
  const i32 = world.i32;
  const head = i32[H_FREE + k]!;
  if (head !== 0) {
    i32[H_FREE + k] = i32[head]!;
    return head;
  }
  const words = classWords(k);
  const top = i32[H_HEAP_TOP]!;
  if (top + words > i32[H_HEAP_END]!) throw outOfMemory(world);
  i32[H_HEAP_TOP] = top + words;
  return top;
}

function outOfMemory(world: World): CapacityError {
  const max = world.i32[H_MAX_WORDS]!;
  return new CapacityError(
    `gocsp's shared heap is full (${Math.round((max * 4) / 1048576)} MiB: waiting operations, shared objects and values in flight); raise it with the environment variable GOCSP_MAX_MEMORY=<MiB> before gocsp starts`,
  );
}

function cacheOf(world: World, k: number): number[] {
  return world.blockCaches[k]!;
}

/**
 * Allocates a waiter node owned by the calling thread: WAITING, links cleared.
 * Plain stores, N_STATE included: no other thread can reach the node until
 * its owner publishes it (queued under an object's lock, whose release is an
 * Atomics.exchange, or pushed with a CAS), and that publication orders them.
 */
export function allocNode(world: World): number {
  const cache = cacheOf(world, 0);
  const node = cache.length > 0 ? cache.pop()! : refill(world, cache, 0);
  const i32 = world.i32;
  i32[node + N_NEXT] = 0;
  i32[node + N_WNEXT] = 0;
  i32[node + N_OWNER] = world.token;
  i32[node + N_STATE] = NODE_WAITING;
  return node;
}

/**
 * Returns a node. Only its owner frees it, after it left every queue and
 * stack (no other thread touches it any more: a plain store of N_STATE).
 */
export function freeNode(world: World, node: number): void {
  world.i32[node + N_STATE] = 0;
  const cache = cacheOf(world, 0);
  cache.push(node);
  if (cache.length >= 2 * BATCH) spill(world, cache, 0);
}

function refill(world: World, cache: number[], k: number): number {
  const i32 = world.i32;
  ilock(world, i32, H_LOCK);
  try {
    for (let j = 0; j < BATCH; j++) cache.push(takeLocked(world, k));
  } finally {
    iunlock(i32, H_LOCK);
  }
  return cache.pop()!;
}

function spill(world: World, cache: number[], k: number): void {
  const i32 = world.i32;
  ilock(world, i32, H_LOCK);
  try {
    for (let j = 0; j < BATCH; j++) {
      const p = cache.pop()!;
      i32[p] = i32[H_FREE + k]!;
      i32[H_FREE + k] = p;
    }
  } finally {
    iunlock(i32, H_LOCK);
  }
}
