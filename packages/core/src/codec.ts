/**
 * Codecs: how a channel turns values into bytes in shared memory and back.
 *
 * The default `structured` codec keeps structured-clone semantics (Map, Set,
 * Date, typed arrays, bigint, undefined, nested objects) and carries gocsp
 * shared objects (channels, sync objects) *by reference*: they arrive live on
 * the receiving thread. Fast paths, one tag byte each, for what channels carry
 * most: numbers, strings, booleans, null/undefined, bigint, and plain
 * objects / dense arrays of those (internal/fastclone.ts). Everything else
 * goes through `v8.serialize` (measured ~5x slower than structuredClone on a
 * small object, hence the fast paths).
 *
 * Explicit codecs (`int32`, `float64`, `string`, `bytes`, `json`) skip the tag
 * and the type tests; `int32` and `float64` are fixed-size.
 *
 * Shared references: encoding a shared object takes one reference on it (the
 * "in flight" reference of core's object.ts) and decoding consumes it, so an
 * object only referenced by a message in a channel stays alive.
 *
 * In place (`inPlace(codec)`, internal): the same bytes written straight into
 * shared memory (a channel's ring slot, a value block) and decoded straight
 * out of it, with no intermediate array: numbers, booleans, strings
 * (Buffer's native UTF-8 writer over the world's SharedArrayBuffer), plain
 * objects, arrays and typed arrays (internal/fastclone.ts). Only the v8
 * fallback still builds its bytes apart and copies them.
 */
import { shown } from './internal/shown.js';
import { deserialize, serialize } from 'node:v8';
import {
  NO_ROOM,
  NOT_FAST,
  bufferOf,
  utf8At,
  fastDecode,
  fastDispose,
  fastEncode,
  fastEncodeInto,
  lastRefs,
} from './internal/fastclone.js';
import { kShared, mapShared, reviveIn, reviveRef } from './internal/shared.js';
import { release, retain } from './internal/object.js';
import { defaultWorld } from './internal/worlds.js';
import {
  sabFromRef,
  sabRelease,
  sabToRef,
  sharedKind,
  sharedLength,
  sharedValue,
} from './internal/sabs.js';

/** Turns values of type T into bytes and back. */
export interface Codec<T> {
  /** Name shown in errors. */
  readonly name: string;
  /** Encodes `v`; throws a TypeError (naming the codec) for a value it cannot carry. */
  encode(v: T): Uint8Array;
  /** Decodes bytes made by `encode` (possibly on another thread). */
  decode(bytes: Uint8Array): T;
  /** Releases what an encoded value holds (shared references) when it is dropped undelivered. */
  dispose?(bytes: Uint8Array): void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_TRUE = 2;
const T_FALSE = 3;
const T_NUMBER = 4;
/** Tag byte of a number in the structured codec (channels write numbers straight into ring slots). */
export const STRUCTURED_NUMBER_TAG = T_NUMBER;
const T_STRING = 5;
const T_BIGINT = 6;
const T_V8 = 7;
const T_V8_REFS = 8;
const T_FAST = 9;
/** T_FAST holding shared references (dispose must give them back). */
const T_FAST_REFS = 10;

/** Marker that stands for a shared object inside a v8-serialized value. */
const REF_KEY = '__gocspRef__';
/** Marker that stands for a SharedArrayBuffer (or a view of one) inside a v8-serialized value: entry address, kind, byte offset, length (internal/sabs.ts). */
const SAB_KEY = '__gocspSab__';

function uncloneable(v: unknown, why: string): TypeError {
  const what =
    typeof v === 'function'
      ? `function ${v.name || '(anonymous)'}`
      : `this ${(v as object | null)?.constructor?.name ?? typeof v} value`;
  return new TypeError(
    `cannot send ${what} to another thread: ${why.replace(/\.+$/, '')}. Channel values and goroutine arguments and results are copied with structured-clone semantics: pass data, or gocsp shared objects, instead`,
  );
}

/**
 * Replaces shared objects by ref markers and SharedArrayBuffers (and views of
 * them) by sab markers, taking one in-flight reference on each.
 */
function extractRefs(v: unknown, refs: number[]): unknown {
  const world = defaultWorld();
  return mapShared(
    v,
    (obj) => {
      const { world: w, ref } = obj[kShared];
      if (w !== world) {
        throw new TypeError('cannot send a shared object of another gocsp world to this thread');
      }
      retain(w, ref);
      refs.push(ref);
      return { [REF_KEY]: ref };
    },
    (shared) => {
      const kind = sharedKind(shared);
      const sab = kind === 0 ? (shared as SharedArrayBuffer) : (shared as ArrayBufferView).buffer;
      const ref = sabToRef(world, sab as SharedArrayBuffer);
      refs.push(ref);
      if (kind === 0) return { [SAB_KEY]: ref, k: 0, o: 0, n: 0 };
      const view = shared as ArrayBufferView;
      return { [SAB_KEY]: ref, k: kind, o: view.byteOffset, n: sharedLength(view) };
    },
  );
}

const isRef = (o: object): boolean => REF_KEY in o || SAB_KEY in o;

/** Revives ref and sab markers, consuming their references (or just releasing them, to dispose). */
function reviveRefs(v: unknown, consume: boolean): unknown {
  const world = defaultWorld();
  return reviveIn(v, isRef, (m) => {
    const r = m as Record<string, number>;
    if (SAB_KEY in r) {
      const ref = r[SAB_KEY];
      if (!consume) {
        sabRelease(world, ref);
        return undefined;
      }
      return sharedValue(r.k!, sabFromRef(world, ref, true), r.o!, r.n!);
    }
    const ref = r[REF_KEY]!;
    if (consume) return reviveRef(world, ref, true);
    release(world, ref);
    return undefined;
  });
}

function tagged(tag: number, body: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(1 + (body?.length ?? 0));
  out[0] = tag;
  if (body) out.set(body, 1);
  return out;
}

function encodeObject(v: object): Uint8Array {
  const fast = fastEncode(v, 1);
  if (fast !== undefined) {
    fast[0] = lastRefs > 0 ? T_FAST_REFS : T_FAST;
    return fast;
  }
  return encodeV8(v);
}

/** The general path: v8.serialize, shared objects swapped for ref markers. */
function encodeV8(v: object): Uint8Array {
  const refs: number[] = [];
  const prepared = extractRefs(v, refs);
  let body: Uint8Array;
  try {
    body = serialize(prepared);
  } catch (e) {
    const world = defaultWorld();
    for (const r of refs) release(world, r);
    throw uncloneable(v, (e as Error).message);
  }
  return tagged(refs.length > 0 ? T_V8_REFS : T_V8, body);
}

// Scratch for numbers (platform byte order: every thread of a process shares it).
const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);

/** The default codec: structured-clone semantics, shared objects by reference. */
export const structured: Codec<unknown> = {
  name: 'structured',
  encode(v: unknown): Uint8Array {
    switch (typeof v) {
      case 'undefined':
        return tagged(T_UNDEFINED, undefined);
      case 'boolean':
        return tagged(v ? T_TRUE : T_FALSE, undefined);
      case 'number': {
        f64[0] = v;
        const out = new Uint8Array(9);
        out[0] = T_NUMBER;
        out.set(f64bytes, 1);
        return out;
      }
      case 'string': {
        if (!v.isWellFormed()) return tagged(T_V8, serialize(v)); // lone surrogates: UTF-16 kept
        const out = new Uint8Array(1 + v.length * 3);
        out[0] = T_STRING;
        const { written } = enc.encodeInto(v, out.subarray(1));
        return out.subarray(0, 1 + written);
      }
      case 'bigint':
        return tagged(T_BIGINT, enc.encode(v.toString()));
      case 'function':
        throw uncloneable(v, 'functions cannot cross threads');
      case 'symbol':
        throw uncloneable(v, 'symbols cannot be cloned');
      default:
        return v === null ? tagged(T_NULL, undefined) : encodeObject(v as object);
    }
  },
  decode(b: Uint8Array): unknown {
    return decodeStructured(b, 0, b.length);
  },
  dispose(b: Uint8Array): void {
    disposeStructured(b, 0, b.length);
  },
};

/** A copy of `u8[from, to)` that v8.deserialize may keep (never a view of shared memory). */
function v8Body(u8: Uint8Array, from: number, to: number): Uint8Array {
  return u8.buffer instanceof SharedArrayBuffer ? u8.slice(from, to) : u8.subarray(from, to);
}

/** Decodes the structured encoding at `u8[off, off + len)` (any Uint8Array, shared memory included). */
function decodeStructured(u8: Uint8Array, off: number, len: number): unknown {
  switch (u8[off]) {
    case T_UNDEFINED:
      return undefined;
    case T_NULL:
      return null;
    case T_TRUE:
      return true;
    case T_FALSE:
      return false;
    case T_NUMBER:
      for (let i = 0; i < 8; i++) f64bytes[i] = u8[off + 1 + i]!;
      return f64[0];
    case T_STRING:
      return bufferOf(u8).utf8Slice(off + 1, off + len);
    case T_BIGINT:
      return BigInt(bufferOf(u8).toString('latin1', off + 1, off + len));
    case T_FAST:
    case T_FAST_REFS:
      return fastDecode(u8, off + 1);
    case T_V8:
      return deserialize(v8Body(u8, off + 1, off + len));
    case T_V8_REFS:
      return reviveRefs(deserialize(v8Body(u8, off + 1, off + len)), true);
    default:
      throw new Error(`structured codec: corrupt message (tag ${u8[off]})`);
  }
}

function disposeStructured(u8: Uint8Array, off: number, len: number): void {
  if (u8[off] === T_V8_REFS) reviveRefs(deserialize(v8Body(u8, off + 1, off + len)), false);
  else if (u8[off] === T_FAST_REFS) fastDispose(u8, off + 1);
}

/** Writes a string's UTF-8 at `u8[off..]` if it fits `room`: bytes written, or -1. */
function utf8Into(v: string, u8: Uint8Array, off: number, room: number): number {
  return utf8At(bufferOf(u8), v, off, room);
}

/** Copies `bytes` to `u8[off..]` if they fit `room`: their length, or -1. */
function bytesInto(bytes: Uint8Array, u8: Uint8Array, off: number, room: number): number {
  const n = bytes.length;
  if (n > room) return NO_ROOM;
  if (n <= 32) for (let i = 0; i < n; i++) u8[off + i] = bytes[i]!;
  else u8.set(bytes, off);
  return n;
}

/** A v8 encoding too large for the room it was offered, kept for `encodeSpill`. */
let spilled: Uint8Array | undefined;
let spilledFor: unknown;

/** structured, in place: the fast formats written straight into the target. */
function structuredInto(v: unknown, u8: Uint8Array, off: number, room: number): number {
  if (room < 1) return NO_ROOM;
  switch (typeof v) {
    case 'undefined':
      u8[off] = T_UNDEFINED;
      return 1;
    case 'boolean':
      u8[off] = v ? T_TRUE : T_FALSE;
      return 1;
    case 'number':
      if (room < 9) return NO_ROOM;
      f64[0] = v;
      u8[off] = T_NUMBER;
      for (let i = 0; i < 8; i++) u8[off + 1 + i] = f64bytes[i]!;
      return 9;
    case 'string': {
      u8[off] = T_STRING;
      const n = utf8Into(v, u8, off + 1, room - 1);
      if (n !== v.length && n >= 0 && !v.isWellFormed()) {
        return bytesInto(structured.encode(v), u8, off, room); // lone surrogates: v8
      }
      return n < 0 ? NO_ROOM : n + 1;
    }
    case 'object': {
      if (v === null) {
        u8[off] = T_NULL;
        return 1;
      }
      const n = fastEncodeInto(v, u8, off + 1, room - 1);
      if (n >= 0) {
        u8[off] = lastRefs > 0 ? T_FAST_REFS : T_FAST;
        return n + 1;
      }
      if (n === NOT_FAST) {
        const b = encodeV8(v);
        const fit = bytesInto(b, u8, off, room);
        if (fit < 0) {
          spilled = b;
          spilledFor = v;
        }
        return fit;
      }
      return NO_ROOM;
    }
    default:
      // bigint (rare), or what encode() refuses with its TypeError.
      return bytesInto(structured.encode(v), u8, off, room);
  }
}

/** The in-place form of a codec (see `inPlace`). */
export interface InPlace<T> {
  readonly codec: Codec<T>;
  /**
   * Encodes `v` straight into `u8[off, off + room)`: the bytes written, or -1
   * if it does not fit (then nothing is held: take `encodeSpill(v)` for a
   * value block). Throws the codec's error for a value it cannot carry,
   * having written nothing that counts and holding nothing.
   */
  encodeInto(v: T, u8: Uint8Array, off: number, room: number): number;
  /** The whole encoding of `v`, after `encodeInto` found no room for it. */
  encodeSpill(v: T): Uint8Array;
  /** Decodes `u8[off, off + len)` (a view of shared memory is fine: nothing keeps it). */
  decodeFrom(u8: Uint8Array, off: number, len: number): T;
  /** Releases what the encoding at `u8[off, off + len)` holds (dropped undelivered). */
  disposeFrom(u8: Uint8Array, off: number, len: number): void;
}

const structuredInPlace: InPlace<unknown> = {
  codec: structured,
  encodeInto: structuredInto,
  encodeSpill(v) {
    const b = spilledFor === v ? spilled : undefined;
    spilled = spilledFor = undefined;
    return b ?? structured.encode(v);
  },
  decodeFrom: decodeStructured,
  disposeFrom: disposeStructured,
};

/** A codec known only by encode/decode: in place by copying its bytes. */
function copyingInPlace<T>(codec: Codec<T>): InPlace<T> {
  let last: Uint8Array | undefined;
  let lastFor: unknown;
  return {
    codec,
    encodeInto(v, u8, off, room) {
      const b = codec.encode(v);
      const n = bytesInto(b, u8, off, room);
      if (n < 0) {
        last = b;
        lastFor = v;
      }
      return n;
    },
    encodeSpill(v) {
      const b = lastFor === v ? last : undefined;
      last = lastFor = undefined;
      return b ?? codec.encode(v);
    },
    decodeFrom: (u8, off, len) => codec.decode(u8.slice(off, off + len)),
    disposeFrom: (u8, off, len) => codec.dispose?.(u8.slice(off, off + len)),
  };
}

const NOTHING = (): void => {};

/** JSON text; loses what JSON loses (undefined, Map, Date types...). */
export const json: Codec<unknown> = {
  name: 'json',
  encode(v) {
    const s = JSON.stringify(v);
    if (s === undefined) throw new TypeError(`json codec: ${typeof v} has no JSON form`);
    return enc.encode(s);
  },
  decode: (b) => JSON.parse(dec.decode(b)) as unknown,
};

/** UTF-8 strings. */
export const string: Codec<string> = {
  name: 'string',
  encode(v) {
    if (typeof v !== 'string')
      throw new TypeError(`string codec: expected a string, got ${shown(v)}`);
    return enc.encode(v);
  },
  decode: (b) => dec.decode(b),
};

/** Raw bytes (copied). */
export const bytes: Codec<Uint8Array> = {
  name: 'bytes',
  encode(v) {
    if (!(v instanceof Uint8Array)) throw new TypeError('bytes codec: expected a Uint8Array');
    return v;
  },
  decode: (b) => b.slice(),
};

const i32scratch = new Int32Array(1);
const i32bytes = new Uint8Array(i32scratch.buffer);

/** 32-bit signed integers. */
export const int32: Codec<number> = {
  name: 'int32',
  encode(v) {
    if ((v | 0) !== v) throw new TypeError(`int32 codec: ${String(v)} is not a 32-bit integer`);
    i32scratch[0] = v;
    return i32bytes.slice();
  },
  decode(b) {
    i32bytes[0] = b[0]!;
    i32bytes[1] = b[1]!;
    i32bytes[2] = b[2]!;
    i32bytes[3] = b[3]!;
    return i32scratch[0]!;
  },
};

/** 64-bit floats. */
export const float64: Codec<number> = {
  name: 'float64',
  encode(v) {
    if (typeof v !== 'number')
      throw new TypeError(`float64 codec: expected a number, got ${shown(v)}`);
    f64[0] = v;
    return f64bytes.slice();
  },
  decode(b) {
    for (let i = 0; i < 8; i++) f64bytes[i] = b[i]!;
    return f64[0]!;
  },
};

const stringInPlace: InPlace<string> = {
  codec: string,
  encodeInto(v, u8, off, room) {
    if (typeof v !== 'string') string.encode(v); // its TypeError
    return utf8Into(v, u8, off, room);
  },
  encodeSpill: (v) => string.encode(v),
  decodeFrom: (u8, off, len) => bufferOf(u8).utf8Slice(off, off + len),
  disposeFrom: NOTHING,
};

const jsonInPlace: InPlace<unknown> = {
  codec: json,
  encodeInto(v, u8, off, room) {
    const s = JSON.stringify(v);
    if (s === undefined) json.encode(v); // its TypeError
    return utf8Into(s, u8, off, room);
  },
  encodeSpill: (v) => json.encode(v),
  decodeFrom: (u8, off, len) => JSON.parse(bufferOf(u8).utf8Slice(off, off + len)) as unknown,
  disposeFrom: NOTHING,
};

const bytesInPlace: InPlace<Uint8Array> = {
  codec: bytes,
  encodeInto: (v, u8, off, room) => bytesInto(bytes.encode(v), u8, off, room),
  encodeSpill: (v) => bytes.encode(v),
  decodeFrom: (u8, off, len) => u8.slice(off, off + len),
  disposeFrom: NOTHING,
};

const inPlaces = new WeakMap<Codec<never>, InPlace<never>>([
  [structured, structuredInPlace],
  [string, stringInPlace],
  [json, jsonInPlace],
  [bytes, bytesInPlace],
] as [Codec<never>, InPlace<never>][]);

/**
 * The in-place form of `codec`: encode straight into a slot of shared memory
 * (a channel's ring, a value block) and decode straight out of it, with no
 * intermediate array. Built-in codecs write their own format in place; any
 * other codec is wrapped (its bytes are copied in, and a copy is decoded).
 * The bytes are the same as `codec.encode` gives, so both forms mix.
 */
export function inPlace<T>(codec: Codec<T>): InPlace<T> {
  let ip = inPlaces.get(codec as Codec<never>) as InPlace<T> | undefined;
  if (ip === undefined) {
    ip = copyingInPlace(codec);
    inPlaces.set(codec as Codec<never>, ip as InPlace<never>);
  }
  return ip;
}

/**
 * The built-in codecs. Pass one as `chan(cap, { codec })`.
 *
 * @example
 * ```ts
 * const nums = chan<number>(1024, { codec: codecs.int32 });
 * ```
 */
export const codecs = { structured, json, string, bytes, int32, float64 } as const;
