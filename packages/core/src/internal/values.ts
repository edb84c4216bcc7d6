/**
 * Encoded values in the world heap: a "value block" holds one encoded
 * message out of line (a blocked sender's value, a hand-off to a waiting
 * receiver, or a buffered value too big for its ring slot).
 *
 * Value block layout (Int32 words from its address v): v+0 byte length,
 * then the bytes from byte offset (v+1)*4. The block's size class follows
 * from the length, so no class needs storing. Ownership moves with the
 * address: whoever takes the value frees the block.
 */
import { allocBlock, classFor, freeBlock } from './heap.js';
import type { World } from './world.js';

const classOfLen = (len: number): number => classFor(1 + Math.ceil(len / 4));

/** Below this many bytes a plain loop beats TypedArray set/slice (their call overhead). */
const SMALL = 32;

/** Copies `len` bytes of `src` into `dst` at `at`. */
export function copyIn(dst: Uint8Array, at: number, src: Uint8Array, len: number): void {
  if (len > SMALL) dst.set(src, at);
  else for (let i = 0; i < len; i++) dst[at + i] = src[i]!;
}

/** A fresh copy of `len` bytes of `src` from `at`. */
export function copyOut(src: Uint8Array, at: number, len: number): Uint8Array {
  if (len > SMALL) return src.slice(at, at + len);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = src[at + i]!;
  return out;
}

/** Copies `bytes` into a new value block; returns its address. */
export function storeValue(world: World, bytes: Uint8Array): number {
  const v = allocBlock(world, classOfLen(bytes.length), false);
  world.i32[v] = bytes.length;
  copyIn(world.u8, (v + 1) * 4, bytes, bytes.length);
  return v;
}

/** Copies the bytes out of a value block and frees it. */
export function takeValue(world: World, v: number): Uint8Array {
  const len = world.i32[v]!;
  const out = copyOut(world.u8, (v + 1) * 4, len);
  freeBlock(world, v, classOfLen(len));
  return out;
}

/** Byte length of the value in block `v`. */
export function valueLength(world: World, v: number): number {
  return world.i32[v]!;
}

/** Frees value block `v` without reading it (its bytes were decoded in place). */
export function freeValue(world: World, v: number): void {
  freeBlock(world, v, classOfLen(world.i32[v]!));
}
