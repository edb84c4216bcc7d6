/**
 * Fast path of the structured codec for the values channels carry most:
 * plain objects and dense arrays of numbers, strings, booleans, null and
 * undefined, nested, gocsp shared objects (by reference: T_REF + address,
 * one in-flight reference taken per occurrence, given back by decoding) and
 * SharedArrayBuffers and views of them (T_SAB: shared, never copied). A small tagged binary format, written into one reusable
 * buffer; anything else (Map, Set, Date, typed arrays, bigint, class
 * instances, holes, a repeated or cyclic reference (shared objects aside), whose
 * identity structured clone keeps) makes `fastEncode` give up (return
 * undefined) and the caller uses v8.serialize, which handles all of it.
 *
 * Format: one tag byte per value; numbers as int32 (tag I32) or float64
 * (little-endian); strings as u32 byte length + UTF-8; arrays as u32 length +
 * items; objects as u32 key count + (key string, value) pairs.
 */
import { kShared, reviveRef, type Shareable } from './shared.js';
import { release, retain } from './object.js';
import { defaultWorld } from './worlds.js';
import { sabFromRef, sabRelease, sabToRef, sharedKind, sharedLength, sharedValue } from './sabs.js';

const T_UNDEF = 0;
const T_NULL = 1;
const T_TRUE = 2;
const T_FALSE = 3;
const T_I32 = 4;
const T_F64 = 5;
const T_STR = 6;
const T_ARR = 7;
const T_OBJ = 8;
/** A gocsp shared object, by reference: its address (int32); the encoding holds one in-flight reference. */
const T_REF = 9;
/**
 * A SharedArrayBuffer or a view of one, by reference (sabs.ts): kind (u8),
 * entry address (int32, one in-flight reference), byte offset and length (u32).
 */
const T_SAB = 10;

const MAX_DEPTH = 64;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** References taken by the encode in progress (given back if it gives up). */
const taken: number[] = [];
/** Shared references written by the last successful `fastEncode`. */
export let lastRefs = 0;

let buf = new Uint8Array(1024);
let view = new DataView(buf.buffer);
let pos = 0;
// Objects met so far in one encode (a repeated one makes the fast path give
// up). The first SMALL_SEEN live in an array scanned linearly; a Set only for
// more. (Measured: Set.clear() per encode cost more than the whole rest of a
// small object's encoding.)
const SMALL_SEEN = 32;
const seenSmall: (object | undefined)[] = new Array<object | undefined>(SMALL_SEEN);
let nSeen = 0;
const seenBig = new Set<object>();

/** Records `v`; false if it was already met. */
function visit(v: object): boolean {
  const n = nSeen < SMALL_SEEN ? nSeen : SMALL_SEEN;
  for (let k = 0; k < n; k++) if (seenSmall[k] === v) return false;
  if (nSeen < SMALL_SEEN) seenSmall[nSeen] = v;
  else {
    if (seenBig.has(v)) return false;
    seenBig.add(v);
  }
  nSeen++;
  return true;
}

function forgetSeen(): void {
  const n = nSeen < SMALL_SEEN ? nSeen : SMALL_SEEN;
  for (let k = 0; k < n; k++) seenSmall[k] = undefined;
  if (nSeen > SMALL_SEEN) seenBig.clear();
  nSeen = 0;
}

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

function writeStr(s: string): void {
  const n = s.length;
  ensure(5 + n * 3);
  // ASCII fast path: one byte per char, no encoder call.
  let i = 0;
  const start = pos + 4;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    buf[start + i] = c;
  }
  let len = i;
  if (i < n) len = i + enc.encodeInto(s.slice(i), buf.subarray(start + i)).written;
  view.setUint32(pos, len, true);
  pos = start + len;
}

function write(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'undefined':
      ensure(1);
      buf[pos++] = T_UNDEF;
      return true;
    case 'boolean':
      ensure(1);
      buf[pos++] = v ? T_TRUE : T_FALSE;
      return true;
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) {
        ensure(5);
        buf[pos] = T_I32;
        view.setInt32(pos + 1, v, true);
        pos += 5;
      } else {
        ensure(9);
        buf[pos] = T_F64;
        view.setFloat64(pos + 1, v, true);
        pos += 9;
      }
      return true;
    case 'string':
      ensure(1);
      buf[pos++] = T_STR;
      writeStr(v);
      return true;
    case 'object': {
      if (v === null) {
        ensure(1);
        buf[pos++] = T_NULL;
        return true;
      }
      if (kShared in v) {
        const { world, ref } = (v as Shareable)[kShared];
        if (world !== defaultWorld()) return false; // the slow path says why
        retain(world, ref);
        taken.push(ref);
        ensure(5);
        buf[pos] = T_REF;
        view.setInt32(pos + 1, ref, true);
        pos += 5;
        return true;
      }
      if (
        v instanceof SharedArrayBuffer ||
        (ArrayBuffer.isView(v) && v.buffer instanceof SharedArrayBuffer)
      ) {
        const kind = sharedKind(v);
        const sab =
          kind === 0
            ? (v as SharedArrayBuffer)
            : ((v as ArrayBufferView).buffer as SharedArrayBuffer);
        const ref = sabToRef(defaultWorld(), sab);
        taken.push(ref);
        ensure(14);
        buf[pos] = T_SAB;
        buf[pos + 1] = kind;
        view.setInt32(pos + 2, ref, true);
        view.setUint32(pos + 6, kind === 0 ? 0 : (v as ArrayBufferView).byteOffset, true);
        view.setUint32(pos + 10, kind === 0 ? 0 : sharedLength(v as ArrayBufferView), true);
        pos += 14;
        return true;
      }
      if (depth > MAX_DEPTH || !visit(v)) return false;
      if (Array.isArray(v)) {
        const n = v.length;
        ensure(5);
        buf[pos] = T_ARR;
        view.setUint32(pos + 1, n, true);
        pos += 5;
        for (let i = 0; i < n; i++) {
          if (!(i in v) || !write(v[i], depth + 1)) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      const keys = Object.keys(v);
      ensure(5);
      buf[pos] = T_OBJ;
      view.setUint32(pos + 1, keys.length, true);
      pos += 5;
      for (const k of keys) {
        writeStr(k);
        if (!write((v as Record<string, unknown>)[k], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false; // bigint, symbol, function: the slow path decides
  }
}

/** Encodes `v` after `prefix` bytes of room; undefined if the fast format cannot carry it. */
export function fastEncode(v: unknown, prefix: number): Uint8Array | undefined {
  pos = prefix;
  let ok: boolean;
  try {
    ok = write(v, 0);
  } catch (e) {
    dropTaken();
    forgetSeen();
    throw e;
  }
  forgetSeen();
  if (!ok) {
    dropTaken();
    return undefined;
  }
  lastRefs = taken.length;
  taken.length = 0;
  return buf.slice(0, pos);
}

function dropTaken(): void {
  if (taken.length === 0) return;
  const world = defaultWorld();
  for (const ref of taken) release(world, ref);
  taken.length = 0;
}

/** Decoding: revive shared objects (consuming their references), or only give the references back. */
let consume = true;

let rb: Uint8Array = buf;
let rv: DataView = view;
let rp = 0;

function readStr(): string {
  const len = rv.getUint32(rp, true);
  const start = rp + 4;
  rp = start + len;
  if (len <= 64) {
    let s = '';
    for (let i = start; i < start + len; i++) {
      const c = rb[i]!;
      if (c >= 0x80) return dec.decode(rb.subarray(start, start + len));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return dec.decode(rb.subarray(start, start + len));
}

function read(): unknown {
  const tag = rb[rp++];
  switch (tag) {
    case T_UNDEF:
      return undefined;
    case T_NULL:
      return null;
    case T_TRUE:
      return true;
    case T_FALSE:
      return false;
    case T_I32: {
      const v = rv.getInt32(rp, true);
      rp += 4;
      return v;
    }
    case T_F64: {
      const v = rv.getFloat64(rp, true);
      rp += 8;
      return v;
    }
    case T_STR:
      return readStr();
    case T_REF: {
      const ref = rv.getInt32(rp, true);
      rp += 4;
      const world = defaultWorld();
      if (consume) return reviveRef(world, ref, true);
      release(world, ref);
      return undefined;
    }
    case T_SAB: {
      const kind = rb[rp]!;
      const ref = rv.getInt32(rp + 1, true);
      const off = rv.getUint32(rp + 5, true);
      const len = rv.getUint32(rp + 9, true);
      rp += 13;
      const world = defaultWorld();
      if (consume) return sharedValue(kind, sabFromRef(world, ref, true), off, len);
      sabRelease(world, ref);
      return undefined;
    }
    case T_ARR: {
      const n = rv.getUint32(rp, true);
      rp += 4;
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = read();
      return out;
    }
    case T_OBJ: {
      const n = rv.getUint32(rp, true);
      rp += 4;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = readStr();
        out[k] = read();
      }
      return out;
    }
    default:
      throw new Error(`structured codec: corrupt message (fast tag ${tag})`);
  }
}

/** Decodes what `fastEncode` wrote, starting at `offset` of `b`. */
export function fastDecode(b: Uint8Array, offset: number): unknown {
  rb = b;
  rv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  rp = offset;
  consume = true;
  return read();
}

/** Gives back the shared references held by a fast encoding that will never be decoded. */
export function fastDispose(b: Uint8Array, offset: number): void {
  rb = b;
  rv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  rp = offset;
  consume = false;
  try {
    read();
  } finally {
    consume = true;
  }
}
