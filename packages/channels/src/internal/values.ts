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
import { substrate } from '@gocsp/core';

type World = substrate.World;

/** A length-tracking byte view of the world buffer. */
export function bytesOf(world: World): Uint8Array {
  return world.u8;
}

const classOfLen = (len: number): number => substrate.classFor(1 + Math.ceil(len / 4));

/** Copies `bytes` into a new value block; returns its address. */
export function storeValue(world: World, bytes: Uint8Array): number {
  const v = substrate.allocBlock(world, classOfLen(bytes.length), false);
  world.i32[v] = bytes.length;
  bytesOf(world).set(bytes, (v + 1) * 4);
  return v;
}

/** Copies the bytes out of a value block and frees it. */
export function takeValue(world: World, v: number): Uint8Array {
  const len = world.i32[v]!;
  const start = (v + 1) * 4;
  const out = bytesOf(world).slice(start, start + len);
  substrate.freeBlock(world, v, classOfLen(len));
  return out;
}
