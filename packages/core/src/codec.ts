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
 */
import { shown } from './internal/shown.js';
import { deserialize, serialize } from 'node:v8';
import { fastDecode, fastDispose, fastEncode, lastRefs } from './internal/fastclone.js';
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
    switch (b[0]) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_NUMBER:
        for (let i = 0; i < 8; i++) f64bytes[i] = b[1 + i]!;
        return f64[0];
      case T_STRING:
        return dec.decode(b.subarray(1));
      case T_BIGINT:
        return BigInt(dec.decode(b.subarray(1)));
      case T_FAST:
      case T_FAST_REFS:
        return fastDecode(b, 1);
      case T_V8:
        return deserialize(b.subarray(1));
      case T_V8_REFS:
        return reviveRefs(deserialize(b.subarray(1)), true);
      default:
        throw new Error(`structured codec: corrupt message (tag ${b[0]})`);
    }
  },
  dispose(b: Uint8Array): void {
    if (b[0] === T_V8_REFS) reviveRefs(deserialize(b.subarray(1)), false);
    else if (b[0] === T_FAST_REFS) fastDispose(b, 1);
  },
};

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

/**
 * The built-in codecs. Pass one as `chan(cap, { codec })`.
 *
 * @example
 * ```ts
 * const nums = chan<number>(1024, { codec: codecs.int32 });
 * ```
 */
export const codecs = { structured, json, string, bytes, int32, float64 } as const;
