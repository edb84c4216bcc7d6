/**
 * Fast path of the structured codec for the values channels carry most:
 * plain objects and dense arrays of numbers, strings, booleans, null,
 * undefined and typed arrays, nested, gocsp shared objects (by reference:
 * T_REF + address, one in-flight reference taken per occurrence, given back
 * by decoding) and SharedArrayBuffers and views of them (T_SAB: shared,
 * never copied). Anything else (Map, Set, Date, bigint, class instances,
 * holes, a repeated or cyclic reference (shared objects aside), whose
 * identity structured clone keeps; a typed array that is a window on a
 * larger buffer) makes the encoder give up, and the caller uses
 * v8.serialize, which handles all of it.
 *
 * The encoder writes *in place*: into any Uint8Array, in particular a view of
 * the world's SharedArrayBuffer (a channel's ring slot or a value block), up
 * to a limit, with no intermediate buffer. `fastEncode` is the same writer
 * aimed at a reusable scratch buffer, for callers that want a copy. The
 * decoder reads straight out of any Uint8Array, the world's included: strings
 * come out through Node's native `latin1Slice` / `utf8Slice` of a Buffer over
 * the same memory (no copy, no TextDecoder call per string).
 *
 * ## Format (one tag byte per value)
 *
 * | tag | body |
 * | --- | --- |
 * | UNDEF, NULL, TRUE, FALSE | none |
 * | I32 | int32, little-endian |
 * | F64 | float64, little-endian |
 * | STR | varint byte length + UTF-8 |
 * | LATIN1 | varint length + one byte per char (every char < 0x100) |
 * | ARR | varint length + items |
 * | OBJ | varint key count + (key, value) pairs; key = varint (bytes << 1 \| utf8) + bytes |
 * | REF | int32 address of a shared object (one in-flight reference) |
 * | SAB | kind byte, int32 entry address (one in-flight reference), u32 byte offset, u32 length (sabs.ts) |
 * | TYPED | kind byte + varint byte length + the bytes (a whole, unshared, fixed-length buffer) |
 *
 * Varints are LEB128; a writer that reserves room before it knows a length
 * may pad them with continuation bytes (readers accept that).
 *
 * Not reentrant: one encode or decode at a time per thread (nothing here
 * calls user code that could start another: getters of plain objects aside,
 * which run before any state is shared).
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
/** A string whose chars are all below 0x100, one byte each (decoded with latin1). */
const T_LATIN1 = 16;
/** A typed array: kind (TYPED_KINDS index), varint byte length, bytes. */
const T_TYPED = 17;

const MAX_DEPTH = 64;
/** Strings up to this many chars are written by a JS loop; longer ones by Buffer's native writers. */
const SHORT = 24;

/** Typed array classes carried by T_TYPED, by kind byte. */
const TYPED_KINDS = [
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigUint64Array,
  BigInt64Array,
] as const;
type TypedCtor = (typeof TYPED_KINDS)[number];
/** Kind byte by prototype: only exact built-in typed arrays (no subclasses) take the fast path. */
const TYPED_KIND = new Map<unknown, number>(TYPED_KINDS.map((c, i) => [c.prototype, i]));

/** References taken by the encode in progress (given back if it gives up). */
const taken: number[] = [];
/** Shared references written by the last successful encode. */
export let lastRefs = 0;

// ---------------------------------------------------------------------------
// Targets: a Uint8Array with its DataView and Buffer, cached by identity (the
// world's view is retargeted once; the scratch only when it grows).

/**
 * Node's native string codecs of a Buffer. Undocumented but as old as
 * Buffer; the public write() / toString() are these behind argument checks
 * that cost more than the copy for the short strings channels carry
 * (measured: toString('latin1') of 100 chars 1.8x latin1Slice).
 */
export interface RawBuffer extends Buffer {
  utf8Write(s: string, offset: number, max: number): number;
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

let tU8: Uint8Array = new Uint8Array(0);
let tView = new DataView(tU8.buffer);
let tBuf = Buffer.from(tU8.buffer) as RawBuffer;

/** A Buffer over the same memory as `u8` (cached: the world's view costs nothing after the first call). */
export function bufferOf(u8: Uint8Array): RawBuffer {
  target(u8);
  return tBuf;
}

function target(u8: Uint8Array): void {
  if (u8 === tU8) return;
  tU8 = u8;
  tView = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  tBuf = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength) as RawBuffer;
}

/**
 * Writes `s` as UTF-8 at `b[at..]` into at most `max` bytes: the bytes
 * written, or -1 if it does not fit. A string of n UTF-16 units needs n to
 * 3n bytes; a write that stopped short stopped with less than 4 bytes of
 * room left, so only then is the exact length looked up.
 */
export function utf8At(b: RawBuffer, s: string, at: number, max: number): number {
  const n = s.length;
  if (n > max) return -1;
  const written = b.utf8Write(s, at, max);
  if (
    written !== n &&
    max < n * 3 &&
    written > max - 4 &&
    Buffer.byteLength(s, 'utf8') !== written
  ) {
    return -1;
  }
  return written;
}

// ---------------------------------------------------------------------------
// Encoding.

let buf: Uint8Array = tU8;
let view: DataView = tView;
let nbuf: RawBuffer = tBuf;
let pos = 0;
let end = 0;
/** The target is the scratch buffer: grow it instead of giving up for room. */
let growable = false;
/** The last `write` returned false for want of room (not because the value is not fast). */
let noRoom = false;

let scratch = new Uint8Array(1024);

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

/** Makes room for `n` more bytes: grows the scratch, or reports no room. */
function ensure(n: number): boolean {
  if (pos + n <= end) return true;
  if (!growable) {
    noRoom = true;
    return false;
  }
  let size = scratch.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(scratch.subarray(0, pos));
  scratch = next;
  target(next);
  buf = tU8;
  view = tView;
  nbuf = tBuf;
  end = size;
  return true;
}

/** Bytes of the varint of `n`. */
function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Writes `n` as a varint of exactly `size` bytes (padded), room already ensured. */
function putVarint(at: number, n: number, size: number): void {
  for (let k = 1; k < size; k++) {
    buf[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[at] = n;
}

/**
 * Writes a string's length and bytes: LATIN1 (one byte a char) when every
 * char is below 0x100 and the string is short or plain ASCII, else UTF-8.
 * With `tagged`, first the tag byte (STR or LATIN1); else (an object key) the
 * length varint carries the UTF-8 flag in its low bit.
 */
function writeStr(s: string, tagged: boolean): boolean {
  const n = s.length;
  const lenShift = tagged ? 0 : 1;
  if (n <= SHORT) {
    // Short: one JS pass, one byte a char while they fit in latin1.
    const at0 = tagged ? 2 : 1;
    if (!ensure(at0 + n)) return false;
    const at = pos + at0;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) break;
      buf[at + i] = c;
    }
    if (i === n) {
      if (tagged) {
        buf[pos] = T_LATIN1;
        buf[pos + 1] = n;
      } else buf[pos] = n << 1;
      pos = at + n;
      return true;
    }
  }
  // UTF-8 (or long ASCII) through Buffer's native writer, into room for the
  // worst case (3 bytes a UTF-16 unit), or into what room is left.
  const h0 = tagged ? 1 : 0;
  let max = n * 3;
  const vs = varintSize(max << lenShift);
  if (pos + h0 + vs + max > end) {
    if (growable) ensure(h0 + vs + max);
    else max = end - pos - h0 - vs;
  }
  const written = max < n ? -1 : utf8At(nbuf, s, pos + h0 + vs, max);
  if (written < 0) {
    noRoom = true;
    return false;
  }
  const latin = written === n; // every char took one byte: ASCII
  // UTF-8 has no lone surrogates (they would come back as U+FFFD): leave
  // such a string to v8, which keeps UTF-16 as structured clone does.
  if (!latin && !s.isWellFormed()) return false;
  if (tagged) {
    buf[pos] = latin ? T_LATIN1 : T_STR;
    putVarint(pos + 1, written, vs);
  } else putVarint(pos, (written << 1) | (latin ? 0 : 1), vs);
  pos += h0 + vs + written;
  return true;
}

function write(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'undefined':
      if (!ensure(1)) return false;
      buf[pos++] = T_UNDEF;
      return true;
    case 'boolean':
      if (!ensure(1)) return false;
      buf[pos++] = v ? T_TRUE : T_FALSE;
      return true;
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) {
        if (!ensure(5)) return false;
        buf[pos] = T_I32;
        view.setInt32(pos + 1, v, true);
        pos += 5;
      } else {
        if (!ensure(9)) return false;
        buf[pos] = T_F64;
        view.setFloat64(pos + 1, v, true);
        pos += 9;
      }
      return true;
    case 'string':
      return writeStr(v, true);
    case 'object': {
      if (v === null) {
        if (!ensure(1)) return false;
        buf[pos++] = T_NULL;
        return true;
      }
      if (kShared in v) {
        const { world, ref } = (v as Shareable)[kShared];
        if (world !== defaultWorld()) return false; // the slow path says why
        if (!ensure(5)) return false;
        retain(world, ref);
        taken.push(ref);
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
        if (!ensure(14)) return false;
        const ref = sabToRef(defaultWorld(), sab);
        taken.push(ref);
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
        if (!ensure(1 + varintSize(n))) return false;
        buf[pos] = T_ARR;
        const vs = varintSize(n);
        putVarint(pos + 1, n, vs);
        pos += 1 + vs;
        for (let i = 0; i < n; i++) {
          if (!(i in v) || !write(v[i], depth + 1)) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        const kind = TYPED_KIND.get(proto);
        return kind !== undefined && writeTyped(v as Typed, kind);
      }
      const keys = Object.keys(v);
      const n = keys.length;
      const vs = varintSize(n);
      if (!ensure(1 + vs)) return false;
      buf[pos] = T_OBJ;
      putVarint(pos + 1, n, vs);
      pos += 1 + vs;
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        if (!writeStr(k, false)) return false;
        if (!write((v as Record<string, unknown>)[k], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false; // bigint, symbol, function: the slow path decides
  }
}

type Typed = InstanceType<TypedCtor>;

/** A whole, unshared, fixed-length typed array: kind, length, bytes. Else give up. */
function writeTyped(v: Typed, kind: number): boolean {
  const b = v.buffer;
  if (
    !(b instanceof ArrayBuffer) ||
    v.byteLength === 0 || // detached or empty: v8 knows which
    v.byteOffset !== 0 ||
    v.byteLength !== b.byteLength ||
    (b as { resizable?: boolean }).resizable === true ||
    !visit(b) // two views of one buffer share it after a clone: leave that to v8
  ) {
    return false;
  }
  const n = v.byteLength;
  const vs = varintSize(n);
  if (!ensure(2 + vs + n)) return false;
  buf[pos] = T_TYPED;
  buf[pos + 1] = kind;
  putVarint(pos + 2, n, vs);
  pos += 2 + vs;
  buf.set(new Uint8Array(b, 0, n), pos);
  pos += n;
  return true;
}

function begin(u8: Uint8Array, off: number, limit: number, grow: boolean): void {
  target(u8);
  buf = tU8;
  view = tView;
  nbuf = tBuf;
  pos = off;
  end = limit;
  growable = grow;
  noRoom = false;
}

/** Ends an encode: false = it failed (references taken are given back). */
function finish(ok: boolean): void {
  forgetSeen();
  if (!ok) dropTaken();
  else {
    lastRefs = taken.length;
    if (lastRefs !== 0) taken.length = 0; // (setting length is a builtin call: skip it when empty)
  }
}

/** What `fastEncodeInto` returns when the value is not in the fast format (use v8.serialize). */
export const NOT_FAST = -2;
/** What `fastEncodeInto` returns when the value does not fit the room given. */
export const NO_ROOM = -1;

/**
 * Encodes `v` in place into `u8[off .. off + room)`. Returns the bytes
 * written, NO_ROOM (nothing is held: references taken were given back) or
 * NOT_FAST. `lastRefs` tells how many shared references the encoding holds.
 */
export function fastEncodeInto(v: unknown, u8: Uint8Array, off: number, room: number): number {
  begin(u8, off, off + room, false);
  let ok: boolean;
  try {
    ok = write(v, 0);
  } catch (e) {
    finish(false);
    throw e;
  }
  finish(ok);
  if (ok) return pos - off;
  return noRoom ? NO_ROOM : NOT_FAST;
}

/** Encodes `v` after `prefix` bytes of room into a fresh array; undefined if not in the fast format. */
export function fastEncode(v: unknown, prefix: number): Uint8Array | undefined {
  begin(scratch, prefix, scratch.length, true);
  let ok: boolean;
  try {
    ok = write(v, 0);
  } catch (e) {
    finish(false);
    throw e;
  }
  finish(ok);
  return ok ? buf.slice(0, pos) : undefined;
}

function dropTaken(): void {
  if (taken.length === 0) return;
  const world = defaultWorld();
  for (const ref of taken) release(world, ref);
  taken.length = 0;
}

// ---------------------------------------------------------------------------
// Decoding.

/** Decoding: revive shared objects (consuming their references), or only give the references back. */
let consume = true;

let rb: Uint8Array = tU8;
let rv: DataView = tView;
let rbuf: RawBuffer = tBuf;
let rp = 0;

function readVarint(): number {
  let b = rb[rp++]!;
  if (b < 0x80) return b;
  let n = b & 0x7f;
  let shift = 7;
  for (;;) {
    b = rb[rp++]!;
    n |= (b & 0x7f) << shift;
    if (b < 0x80) return n >>> 0;
    shift += 7;
  }
}

// Keys repeat from value to value: a small cache of decoded keys, checked
// byte by byte, hands back the same (internalized) string, which makes both
// the decode and the property store cheaper.
const KEY_CACHE = 64;
const keyCache: string[] = new Array<string>(KEY_CACHE).fill('');

function readKey(): string {
  const h = readVarint();
  const len = h >>> 1;
  const start = rp;
  rp += len;
  if ((h & 1) !== 0) return rbuf.utf8Slice(start, start + len);
  if (len === 0) return '';
  const slot = (len * 7 + rb[start]! + rb[start + len - 1]!) & (KEY_CACHE - 1);
  const cached = keyCache[slot]!;
  if (cached.length === len) {
    let k = 0;
    while (k < len && cached.charCodeAt(k) === rb[start + k]) k++;
    if (k === len) return cached;
  }
  const s = len <= 8 ? shortLatin1(start, len) : rbuf.latin1Slice(start, start + len);
  keyCache[slot] = s;
  return s;
}

function shortLatin1(start: number, len: number): string {
  let s = '';
  for (let i = start; i < start + len; i++) s += String.fromCharCode(rb[i]!);
  return s;
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
    case T_LATIN1: {
      const len = readVarint();
      const start = rp;
      rp += len;
      return len <= 8 ? shortLatin1(start, len) : rbuf.latin1Slice(start, rp);
    }
    case T_STR: {
      const len = readVarint();
      const start = rp;
      rp += len;
      return rbuf.utf8Slice(start, rp);
    }
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
      const n = readVarint();
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = read();
      return out;
    }
    case T_OBJ: {
      const n = readVarint();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = readKey();
        out[k] = read();
      }
      return out;
    }
    case T_TYPED: {
      const Ctor = TYPED_KINDS[rb[rp++]!];
      const n = readVarint();
      const start = rp;
      rp += n;
      if (Ctor === undefined) break;
      const ab = new ArrayBuffer(n);
      new Uint8Array(ab).set(rb.subarray(start, rp));
      return new Ctor(ab);
    }
  }
  throw new Error(`structured codec: corrupt message (fast tag ${tag})`);
}

function beginRead(b: Uint8Array, offset: number): void {
  target(b);
  rb = tU8;
  rv = tView;
  rbuf = tBuf;
  rp = offset;
}

/** Decodes what the fast encoder wrote, starting at `offset` of `b` (any Uint8Array, shared or not). */
export function fastDecode(b: Uint8Array, offset: number): unknown {
  beginRead(b, offset);
  consume = true;
  return read();
}

/** Gives back the shared references held by a fast encoding that will never be decoded. */
export function fastDispose(b: Uint8Array, offset: number): void {
  beginRead(b, offset);
  consume = false;
  try {
    read();
  } finally {
    consume = true;
  }
}
