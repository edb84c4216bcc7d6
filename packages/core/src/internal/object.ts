/**
 * Shared objects in the world's heap (heap.ts): every gocsp object (Mutex,
 * WaitGroup, Channel, Context, ...) lives in one heap block, so any thread of
 * the world can reach it from its address alone. That is what lets shared
 * objects travel inside encoded values (channel messages, goroutine
 * arguments) as plain numbers.
 *
 * ## Block layout (Int32 words from the block address p)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | p + 0 | O_REFS | references: one per thread holding a live JS object, one per encoded copy in flight, one for a pin | atomic |
 * | p + 1 | O_META | bits 0..15 type id (chosen by the package defining the type, internal/types.ts), 16..20 size class, bit 24 PINNED | immutable but PINNED (CAS, set once) |
 * | p + 2 | O_CHILD | address of one object this one keeps alive (a Cond's locker), 0 if none | immutable after creation |
 * | p + 3 | - | reserved (keeps the data 16-byte aligned for BigInt64 views) | |
 * | p + 4.. | data | the object's own words, laid out by its type | the type's rules |
 *
 * ## Lifetime
 * - Creating an object gives its creating thread one reference.
 * - A thread that revives the object (first time in that thread) takes one
 *   reference; the JS object's FinalizationRegistry entry gives it back when
 *   the thread garbage-collects it. Same-thread revivals share one JS object.
 * - Encoding the object into a value in flight takes one reference that the
 *   single decode of that value consumes (exact, for channels and goroutines).
 * - `toShared` for postMessage cannot know how many times its handle will be
 *   revived, so it *pins* the object instead: one extra reference, never given
 *   back. Objects handed to hand-made workers are therefore never freed;
 *   they are meant to be long-lived (document it where toShared is).
 * - At zero references the type's free hook runs (registerFreeHook), the
 *   block is freed, then its child is released.
 *
 * Invariant: an object with a parked waiter has a live JS object on the
 * waiter's thread (the parker keeps it reachable), so its block cannot be
 * freed under a queue.
 */
import { allocBlock, classFor, freeBlock } from './heap.js';
import { threadState } from './env.js';
import type { World } from './world.js';

export const O_REFS = 0;
export const O_META = 1;
export const O_CHILD = 2;
export const OBJ_HEADER = 4;
const PINNED = 1 << 24;

/** Allocates an object block of `words` data words; the caller holds one reference. */
export function allocObject(world: World, typeId: number, words: number, child = 0): number {
  const k = classFor(words + OBJ_HEADER);
  const p = allocBlock(world, k);
  const i32 = world.i32;
  i32[p + O_META] = typeId | (k << 16);
  if (child !== 0) {
    retain(world, child);
    i32[p + O_CHILD] = child;
  }
  Atomics.store(i32, p + O_REFS, 1);
  return p;
}

/** Type id of the object at `p`. */
export function typeIdOf(world: World, p: number): number {
  return Atomics.load(world.i32, p + O_META) & 0xffff;
}

/** Takes one more reference. */
export function retain(world: World, p: number): void {
  Atomics.add(world.i32, p + O_REFS, 1);
}

/** Gives back one reference; frees the block (and releases its child) at zero. */
export function release(world: World, p: number): void {
  releaseN(world, p, 1);
}

/** Gives back `n` references at once; frees the block (and releases its child) at zero. */
export function releaseN(world: World, p: number, n: number): void {
  const i32 = world.i32;
  const before = Atomics.sub(i32, p + O_REFS, n);
  if (before > n) return;
  if (before < n)
    throw new Error(`gocsp object ${p} released more often than retained: a bug in gocsp`);
  const meta = Atomics.load(i32, p + O_META);
  const child = i32[p + O_CHILD]!;
  // The type's own clean-up first (a channel frees the values left in its ring).
  (threadState().freeHooks.get(meta & 0xffff) as FreeHook | undefined)?.(world, p);
  freeBlock(world, p, (meta >>> 16) & 0x1f);
  if (child !== 0) release(world, child);
}

/** What a type does with its block's contents when the block is freed. */
export type FreeHook = (world: World, p: number) => void;

/**
 * Registers the clean-up of a type, run (on whichever thread gives back the
 * last reference) just before the block is freed. Register it in every thread
 * that loads the type's package.
 */
export function registerFreeHook(typeId: number, hook: FreeHook): void {
  threadState().freeHooks.set(typeId, hook);
}

/** Pins the object forever (once; later calls do nothing). */
export function pin(world: World, p: number): void {
  const i32 = world.i32;
  for (;;) {
    const meta = Atomics.load(i32, p + O_META);
    if ((meta & PINNED) !== 0) return;
    if (Atomics.compareExchange(i32, p + O_META, meta, meta | PINNED) === meta) {
      retain(world, p);
      return;
    }
  }
}

/** References currently held (racy; for tests and diagnostics). */
export function refsOf(world: World, p: number): number {
  return Atomics.load(world.i32, p + O_REFS);
}

/** Address of the object's child (0 if none). */
export function childOf(world: World, p: number): number {
  return world.i32[p + O_CHILD]!;
}
