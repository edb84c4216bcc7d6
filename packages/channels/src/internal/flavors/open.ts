/**
 * Making and opening a channel's shared block: which shared flavor a block is
 * (by CAP: 0 = zero.ts, else array.ts), how its values are laid out (by its
 * codec: carrier.ts), the codec registry that lets a channel cross threads,
 * and the clean-up when the block is freed.
 */
import * as substrate from '@gocsp/core/internal';
import { codecs, type Codec } from '../../codec.js';
import { Carrier } from '../carrier.js';
import { ArrayChan, arrayWords, initRing } from './array.js';
import { CAP, CODEC, SLOT_WORDS, initHeader, type SharedChan } from './shared.js';
import { ZERO_WORDS, ZeroChan } from './zero.js';

type World = substrate.World;

/** Shared type id of channels (ids 16-23 are this package's; see core's internal/types.ts). */
export const TYPE_ID = 16;
/** Inline bytes of a ring slot unless `slotBytes` says otherwise. */
export const DEFAULT_SLOT_BYTES = 128;

export const CODEC_IDS = new Map<Codec<unknown>, number>([
  [codecs.structured, 0],
  [codecs.json, 1],
  [codecs.string, 2],
  [codecs.bytes, 3],
  [codecs.int32, 4],
  [codecs.float64, 5],
]);
export const CODECS_BY_ID = new Map([...CODEC_IDS].map(([c, id]) => [id, c]));

/**
 * Largest value a channel carries: an eighth of the shared heap (128 MiB with
 * the default GOCSP_MAX_MEMORY of 1 GiB), so one value cannot starve the rest.
 */
export function maxValueBytes(world: World): number {
  return Math.floor((world.i32.length * 4) / 8);
}

/** A new shared channel block for a channel of `cap`; its creator holds the one reference. */
export function createShared<T>(
  world: World,
  cap: number,
  codec: Codec<T>,
  codecId: number,
  slotBytes: number,
): SharedChan<T> {
  const carrier = new Carrier(world, codec, slotBytes, maxValueBytes(world));
  const slotWords = cap === 0 ? 0 : 1 + carrier.valueWords;
  const words = cap === 0 ? ZERO_WORDS : arrayWords(cap, slotWords);
  const ref = substrate.allocObject(world, TYPE_ID, words);
  const i32 = new Int32Array(world.sab, (ref + substrate.OBJ_HEADER) * 4, words);
  initHeader(i32, cap, slotWords, codecId);
  if (cap > 0) initRing(i32, cap, slotWords);
  return open(world, ref, words, carrier);
}

function open<T>(world: World, ref: number, words: number, carrier: Carrier<T>): SharedChan<T> {
  return readCap(world, ref) === 0
    ? new ZeroChan(world, ref, words, carrier)
    : new ArrayChan(world, ref, words, carrier);
}

function readCap(world: World, ref: number): number {
  return world.i32[ref + substrate.OBJ_HEADER + CAP]!;
}

/**
 * This thread's view of the channel block at `ref`. Throws a TypeError if
 * the channel's codec is a custom one not registered in this thread.
 */
export function openShared(world: World, ref: number): SharedChan {
  const b = ref + substrate.OBJ_HEADER;
  const w = world.i32;
  const cap = w[b + CAP]!;
  const id = w[b + CODEC]!;
  const codec = CODECS_BY_ID.get(id);
  if (codec === undefined) {
    throw new TypeError(
      `a channel arrived with custom codec id ${id}: call registerCodec(${id}, codec) in this thread first`,
    );
  }
  const slotWords = w[b + SLOT_WORDS]!;
  // A BYTES slot is [stamp][length][bytes...]: its inline room follows from its size.
  const room = slotWords > 2 ? (slotWords - 2) * 4 : 0;
  const carrier = new Carrier(world, codec, room, maxValueBytes(world));
  return open(world, ref, cap === 0 ? ZERO_WORDS : arrayWords(cap, slotWords), carrier);
}

/** The codec id of a shared channel block. */
export function codecIdOf(world: World, ref: number): number {
  return world.i32[ref + substrate.OBJ_HEADER + CODEC]!;
}

// A channel freed with values in its ring: free their out-of-line blocks and
// give back the shared objects they hold.
substrate.registerFreeHook(TYPE_ID, (world, ref) => {
  if (readCap(world, ref) === 0) return;
  if (!CODECS_BY_ID.has(codecIdOf(world, ref))) return; // nothing we could decode anyway
  const ch = openShared(world, ref);
  if (ch.len > 0) (ch as ArrayChan).drain();
});
