/**
 * How one channel's values sit in shared memory, chosen once per channel from
 * its codec: in a ring slot (flavors/array.ts) and in a waiter node's N_A
 * word or a value block (hand-offs to and from parked peers, both flavors).
 * Values are encoded in place (core's `inPlace(codec)`): straight into the
 * slot, and decoded straight out of it; only a value too large for its slot
 * goes to a value block.
 *
 * ## Value words of a ring slot (after its stamp word)
 *
 * | kind | words | meaning |
 * | --- | --- | --- |
 * | W32 (int32 codec) | 1 | the value |
 * | W64 (float64 codec) | 2 | the float64's two halves (platform order) |
 * | BYTES (every other codec) | 1 + room / 4 | word 0: byte length of the inline encoding (>= 0), or OUT_OF_LINE with word 1 = a value block's address, or HOLE; then the inline bytes |
 *
 * A HOLE is a send that failed after it reserved its slot (an uncloneable
 * value deep inside a plain object, or the heap full): the slot is published
 * empty and receivers step over it, so a failed send delivers nothing.
 * Everything that can be checked before the reservation is (`prepare`), so
 * only those rare failures leave one.
 *
 * ## Node word N_A
 *
 * W32: the value itself. Other kinds: the address of a value block (core
 * values.ts) holding the codec's bytes; ownership moves with the address.
 *
 * The slots and nodes belong to whoever reserved / claimed / dequeued them
 * (flavors/array.ts, flavors/shared.ts say when); nothing here takes a lock.
 */
import * as substrate from '@gocsp/core/internal';
import type { Codec } from '../codec.js';
import { codecs } from '../codec.js';
import { errors } from '../errors.js';

// Bound once: the package's CommonJS namespace reads every export through a getter.
const { storeValue, freeValue, valueLength, copyIn } = substrate;

type World = substrate.World;

export const W32 = 0;
export const W64 = 1;
export const BYTES = 2;

/** BYTES slot word 0: the value is in a value block, whose address is word 1. */
export const OUT_OF_LINE = -1;
/** BYTES slot word 0: no value (a send that failed after reserving). */
export const HOLE_WORD = -2;
/** What `take` returns for a hole. */
export const HOLE: unique symbol = Symbol('hole');

const f64 = new Float64Array(1);
const f64w = new Int32Array(f64.buffer);

/** What a send carries from `prepare` to `put`: the value, or its bytes (codecs without an in-place form). */
type Prepared = unknown;

/** The value layout of one channel (see the file header). */
export class Carrier<T = unknown> {
  readonly kind: number;
  /** Words a ring slot holds after its stamp. */
  readonly valueWords: number;
  /** Inline bytes of a BYTES slot. */
  readonly room: number;
  readonly ip: substrate.InPlace<T>;
  /** A codec without its own in-place form: its bytes are made before a slot is reserved (`prepare` gives new values); else `prepare` only checks a value. */
  readonly eager: boolean;

  constructor(
    readonly world: World,
    readonly codec: Codec<T>,
    /** Inline bytes per BYTES slot (ignored for W32 / W64). */
    slotBytes: number,
    /** Largest encoded value (an eighth of the heap). */
    readonly maxBytes: number,
  ) {
    this.kind =
      codec === (codecs.int32 as Codec<unknown>)
        ? W32
        : codec === (codecs.float64 as Codec<unknown>)
          ? W64
          : BYTES;
    this.room = this.kind === BYTES ? Math.ceil(slotBytes / 4) * 4 : 0;
    this.valueWords = this.kind === W32 ? 1 : this.kind === W64 ? 2 : 1 + this.room / 4;
    this.ip = substrate.inPlace(codec);
    this.eager =
      this.kind === BYTES &&
      codec !== codecs.structured &&
      codec !== (codecs.string as Codec<unknown>) &&
      codec !== codecs.json &&
      codec !== (codecs.bytes as Codec<unknown>);
  }

  /**
   * Checks `v` before any room is reserved, throwing the codec's error (or
   * the too-large TypeError) with nothing sent; returns what `put` and
   * `toNode` take.
   */
  prepare(v: T): Prepared {
    switch (this.kind) {
      case W32:
        if (((v as number) | 0) !== v) this.codec.encode(v); // its TypeError
        return v;
      case W64:
        if (typeof v !== 'number') this.codec.encode(v);
        return v;
    }
    if (this.eager) {
      const bytes = this.codec.encode(v);
      this.checkSize(bytes);
      return bytes;
    }
    const t = typeof v;
    if (t === 'function' || t === 'symbol') this.codec.encode(v); // its TypeError
    if (t === 'string' && (v as string).length * 3 + 1 > this.maxBytes) {
      const n = Buffer.byteLength(v as string) + 1;
      if (n > this.maxBytes) throw errors.tooLarge(n, this.maxBytes);
    }
    return v;
  }

  /** The too-large TypeError, with the encoding given back, if `bytes` exceed the limit. */
  private checkSize(bytes: Uint8Array): void {
    if (bytes.length > this.maxBytes) {
      this.codec.dispose?.(bytes);
      throw errors.tooLarge(bytes.length, this.maxBytes);
    }
  }

  /**
   * Writes a prepared value into the slot whose value words start at word
   * `at` (reserved by the caller). If it throws, it has written a HOLE.
   */
  put(at: number, p: Prepared): void {
    const w = this.world.i32;
    switch (this.kind) {
      case W32:
        w[at] = p as number;
        return;
      case W64:
        f64[0] = p as number;
        w[at] = f64w[0]!;
        w[at + 1] = f64w[1]!;
        return;
    }
    try {
      if (this.eager) this.putBytes(at, p as Uint8Array);
      else {
        const n = this.ip.encodeInto(p as T, this.world.u8, (at + 1) * 4, this.room);
        if (n >= 0) w[at] = n;
        else {
          const bytes = this.ip.encodeSpill(p as T);
          this.checkSize(bytes);
          this.putBlock(at, bytes);
        }
      }
    } catch (e) {
      w[at] = HOLE_WORD;
      throw e;
    }
  }

  /** Writes encoded bytes into a slot (inline if they fit). May throw (heap full): the caller writes the HOLE. */
  putBytes(at: number, bytes: Uint8Array): void {
    if (bytes.length <= this.room) {
      copyIn(this.world.u8, (at + 1) * 4, bytes, bytes.length);
      this.world.i32[at] = bytes.length;
    } else this.putBlock(at, bytes);
  }

  private putBlock(at: number, bytes: Uint8Array): void {
    let v: number;
    try {
      v = storeValue(this.world, bytes);
    } catch (e) {
      this.codec.dispose?.(bytes);
      throw e;
    }
    const w = this.world.i32;
    w[at + 1] = v;
    w[at] = OUT_OF_LINE;
  }

  /** Reads (and frees) the value of a claimed slot; HOLE for a hole. */
  take(at: number): T | typeof HOLE {
    const w = this.world.i32;
    switch (this.kind) {
      case W32:
        return w[at] as T;
      case W64:
        f64w[0] = w[at]!;
        f64w[1] = w[at + 1]!;
        return f64[0] as T;
    }
    const len = w[at]!;
    if (len >= 0) return this.ip.decodeFrom(this.world.u8, (at + 1) * 4, len);
    if (len === HOLE_WORD) return HOLE;
    return this.fromBlock(w[at + 1]!);
  }

  /**
   * Undoes `toNode(p)` for a node word that was never queued: the block is
   * freed, and `p` still owns what its encoding holds (a copy of it was all
   * the block had, for a codec without an in-place form; otherwise the block
   * was encoded from the value itself, and its references are given back).
   */
  retract(a: number): void {
    if (this.kind === W32) return;
    if (this.eager) freeValue(this.world, a);
    else this.dropNode(a);
  }

  /** Gives back a prepared value that was never used (a select case that did not fire). */
  discard(p: Prepared): void {
    if (this.eager) this.codec.dispose?.(p as Uint8Array);
  }

  /** Disposes of the value of a slot nobody will receive (a freed channel). */
  drop(at: number): void {
    if (this.kind !== BYTES) return;
    const w = this.world.i32;
    const len = w[at]!;
    if (len >= 0) this.ip.disposeFrom(this.world.u8, (at + 1) * 4, len);
    else if (len === OUT_OF_LINE) this.dropNode(w[at + 1]!);
  }

  /** Decodes the value in block `v` in place, and frees the block. */
  private fromBlock(v: number): T {
    const world = this.world;
    try {
      return this.ip.decodeFrom(world.u8, (v + 1) * 4, valueLength(world, v));
    } finally {
      freeValue(world, v);
    }
  }

  /**
   * Moves a claimed slot's value into a node word (handing it to a parked
   * receiver): the value for W32, else a value block (an out-of-line value's
   * own block moves as is). HOLE for a hole. May throw (heap full) before
   * anything moved.
   */
  slotToNode(at: number): number | typeof HOLE {
    const w = this.world.i32;
    switch (this.kind) {
      case W32:
        return w[at]!;
      case W64:
        return storeValue(this.world, this.world.u8.subarray((at + 0) * 4, (at + 2) * 4));
    }
    const len = w[at]!;
    if (len === HOLE_WORD) return HOLE;
    if (len === OUT_OF_LINE) return w[at + 1]!;
    return storeValue(this.world, this.world.u8.subarray((at + 1) * 4, (at + 1) * 4 + len));
  }

  /** Moves a parked sender's node word into a reserved slot (the reverse of slotToNode; cannot fail). */
  nodeToSlot(a: number, at: number): void {
    const w = this.world.i32;
    switch (this.kind) {
      case W32:
        w[at] = a;
        return;
      case W64:
        w[at] = w[a + 1]!;
        w[at + 1] = w[a + 2]!;
        freeValue(this.world, a);
        return;
    }
    const len = valueLength(this.world, a);
    if (len <= this.room) {
      this.world.u8.copyWithin((at + 1) * 4, (a + 1) * 4, (a + 1) * 4 + len);
      w[at] = len;
      freeValue(this.world, a);
    } else {
      w[at + 1] = a;
      w[at] = OUT_OF_LINE;
    }
  }

  /** A prepared value as a node word (W32 inline, else a new value block). May throw before anything is held. */
  toNode(p: Prepared): number {
    switch (this.kind) {
      case W32:
        return p as number;
      case W64:
        return storeValue(this.world, this.codec.encode(p as T));
    }
    const bytes = this.eager ? (p as Uint8Array) : this.codec.encode(p as T);
    if (!this.eager) this.checkSize(bytes);
    try {
      return storeValue(this.world, bytes);
    } catch (e) {
      this.codec.dispose?.(bytes);
      throw e;
    }
  }

  /** Encoded bytes as a node word (promotion of a local channel's waiting sender). */
  bytesToNode(bytes: Uint8Array): number {
    return this.kind === W32 ? (this.codec.decode(bytes) as number) : storeValue(this.world, bytes);
  }

  /** Encoded bytes into a reserved slot (promotion of a local channel's buffer). */
  bytesToSlot(at: number, bytes: Uint8Array): void {
    if (this.kind === BYTES) this.putBytes(at, bytes);
    else this.put(at, this.codec.decode(bytes));
  }

  /** Reads (and frees) a node word's value. */
  fromNode(a: number): T {
    if (this.kind === W32) return a as T;
    return this.fromBlock(a);
  }

  /** Disposes of a node word's value nobody will receive. */
  dropNode(a: number): void {
    if (this.kind === W32) return;
    const world = this.world;
    try {
      if (this.kind === BYTES) {
        this.ip.disposeFrom(world.u8, (a + 1) * 4, valueLength(world, a));
      }
    } finally {
      freeValue(world, a);
    }
  }
}
