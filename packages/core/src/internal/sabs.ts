/**
 * SharedArrayBuffers inside values: shared, never copied or refused. A value
 * sent on a channel or passed to or returned from a goroutine travels as
 * bytes in the world's heap; a SharedArrayBuffer in it travels as a number,
 * and the receiving thread must find a SharedArrayBuffer object over the same
 * memory from that number alone, synchronously (a `recvSync` decodes in the
 * middle of a blocked worker).
 *
 * JavaScript moves a SharedArrayBuffer object between threads only by
 * message: postMessage, workerData, or a BroadcastChannel - the only one any
 * thread can reach without a port handed to it, and `receiveMessageOnPort`
 * reads it synchronously. So:
 *
 * - A SharedArrayBuffer that crosses gets an entry: a block of the world heap
 *   (object.ts, core's own type id SAB_TYPE) holding a sequence number. The
 *   number sent in the value is the entry's address; one in-flight reference
 *   per encoded copy, given back by the decode (or the dispose), as for
 *   shared objects. The thread that made the entry (its originator) holds
 *   one more reference while its JS object lives (a FinalizationRegistry).
 * - The originator announces the entry - `{ address, seq, sab }` - on the
 *   process-wide BroadcastChannel `gocsp:sab`. Every thread that joined the
 *   world listens (unref'd) and keeps announced buffers in `known` until the
 *   entry is gone (no reference left: seq no longer matches, or zero refs).
 *   Receivers take no reference: only the originator's object and values in
 *   flight keep an entry. (A receiver holding a reference from its own copy
 *   would keep the entry alive, and the entry its copy: never freed.)
 * - Announcing is once per entry per "join epoch" (H_JOINS, bumped by every
 *   thread that joins the world after it opened its channel): all threads
 *   that existed at the last announcement have the buffer. A value encoded
 *   before a thread joined and decoded there finds nothing: the decoder then
 *   asks on the channel (`want`) and whichever thread has the buffer answers
 *   from its event loop; the decoder polls synchronously for a bounded time.
 *
 * Decoding in the originator's thread gives back its very object; elsewhere
 * it gives that thread's copy (one JS object per thread and entry, the same
 * memory everywhere), as postMessage would.
 *
 * ## Entry block (object.ts header, then data words)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | data + 0 | E_SEQ | sequence number, unique per entry in the world (H_SAB_SEQ) | immutable |
 *
 * Rejected: keeping every buffer in every thread for the life of the
 * process (the simplest registry: a program sending fresh buffers leaks them
 * all); announcing on every encode (a BroadcastChannel message per value and
 * per thread: the same buffer passed to 10k goroutines would cost 10k
 * broadcasts); a v8.Serializer `_getSharedArrayBufferId` hook (Node 20's
 * Deserializer cannot take a SharedArrayBuffer back: "Unable to deserialize
 * cloned data").
 */
import { BroadcastChannel, receiveMessageOnPort } from 'node:worker_threads';
import { SharedHandleError } from '../errors.js';
import { threadState } from './env.js';
import { OBJ_HEADER, allocObject, refsOf, release, retain } from './object.js';
import { H_JOINS, H_SAB_SEQ, type World } from './world.js';

/** Core's own shared type id for SharedArrayBuffer entries (not revivable by fromShared). */
export const SAB_TYPE = 0xff00;
const E_SEQ = OBJ_HEADER;
const CHANNEL = 'gocsp:sab';
/** How long a decode waits for another thread to answer a `want` (ms). */
const WANT_WAIT_MS = 5000;

interface Mine {
  world: World;
  ref: number;
  seq: number;
  /** H_JOINS when this thread last announced it (-1: never). */
  announced: number;
}

interface Registry {
  bc: BroadcastChannel | undefined;
  /** The entry this thread made for each buffer it sent (receivers take no reference: see the header). */
  entryOf: WeakMap<SharedArrayBuffer, Mine>;
  /** Buffers this thread originated, by `${worldId}:${ref}`: answers `want`s and decodes here. */
  own: Map<string, { seq: number; sab: WeakRef<SharedArrayBuffer> }>;
  /** Buffers announced by other threads, by `${worldId}:${ref}`, kept until their entry is gone. */
  known: Map<string, { seq: number; sab: SharedArrayBuffer }>;
}

type Message =
  | { t: 'sab'; world: number; ref: number; seq: number; epoch: number; sab: SharedArrayBuffer }
  | { t: 'want'; world: number; ref: number; seq: number };

const key = (worldId: number, ref: number): string => `${worldId}:${ref}`;

/** This thread's worlds by id (worlds.ts keeps them in the thread state; importing it would be a cycle). */
const worldById = (id: number): World | undefined =>
  threadState().worlds.get(id) as World | undefined;

function registry(): Registry {
  const st = threadState();
  st.sabs ??= {
    bc: undefined,
    entryOf: new WeakMap(),
    own: new Map(),
    known: new Map(),
  } satisfies Registry;
  return st.sabs as Registry;
}

/** The originator's reference on an entry, given back when its buffer is collected. */
const originators = new FinalizationRegistry<{ worldId: number; ref: number }>(
  ({ worldId, ref }) => {
    registry().own.delete(key(worldId, ref));
    const world = worldById(worldId);
    if (world !== undefined) release(world, ref);
  },
);

/**
 * Starts listening for announced buffers (idempotent). Called when the
 * thread joins a world, before it counts itself in H_JOINS.
 */
export function listenForSabs(): void {
  const reg = registry();
  if (reg.bc !== undefined) return;
  const bc = new BroadcastChannel(CHANNEL);
  bc.onmessage = (e: unknown) => onMessage((e as { data: Message }).data);
  // Listening must not keep a finished program alive.
  (bc as unknown as { unref(): void }).unref();
  reg.bc = bc;
}

function onMessage(m: Message): void {
  const reg = registry();
  if (m.t === 'sab') {
    const k = key(m.world, m.ref);
    if (reg.own.has(k)) return;
    const had = reg.known.get(k);
    // Keep the first copy of an entry: decodes here return one object per entry.
    if (had === undefined || had.seq !== m.seq) reg.known.set(k, { seq: m.seq, sab: m.sab });
    if (reg.known.size > 32) prune(reg);
  } else if (m.t === 'want') {
    const k = key(m.world, m.ref);
    const sab = reg.own.get(k)?.sab.deref() ?? reg.known.get(k)?.sab;
    const seq = reg.own.get(k)?.seq ?? reg.known.get(k)?.seq;
    if (sab !== undefined && seq === m.seq) {
      reg.bc!.postMessage({ t: 'sab', world: m.world, ref: m.ref, seq, epoch: -1, sab });
    }
  }
}

/** Drops known buffers whose entry is gone (freed, or freed and reused). */
function prune(reg: Registry): void {
  for (const [k, v] of reg.known) {
    const [worldId, ref] = k.split(':').map(Number) as [number, number];
    const world = worldById(worldId);
    if (world === undefined || !entryAlive(world, ref, v.seq)) reg.known.delete(k);
  }
}

/** Racy read of a block that may have been freed meanwhile: reading is harmless, and a reused block has another seq. */
function entryAlive(world: World, ref: number, seq: number): boolean {
  return refsOf(world, ref) > 0 && Atomics.load(world.i32, ref + E_SEQ) === seq;
}

/**
 * Encodes `sab` for a value in flight: returns its entry's address, holding
 * one in-flight reference (given back by `sabFromRef(.., consume)` or
 * `sabRelease`).
 */
export function sabToRef(world: World, sab: SharedArrayBuffer): number {
  const reg = registry();
  listenForSabs();
  let e = reg.entryOf.get(sab);
  if (e !== undefined && e.world !== world) e = undefined;
  // Our own entry is alive: our reference goes only when `sab` is collected.
  if (e !== undefined) retain(world, e.ref);
  else {
    // A new entry: this thread is its originator (one reference for its live
    // object, one for the value in flight).
    const ref = allocObject(world, SAB_TYPE, 1);
    const seq = Atomics.add(world.i32, H_SAB_SEQ, 1) + 1;
    Atomics.store(world.i32, ref + E_SEQ, seq);
    retain(world, ref);
    e = { world, ref, seq, announced: -1 };
    reg.entryOf.set(sab, e);
    reg.own.set(key(world.id, ref), { seq, sab: new WeakRef(sab) });
    originators.register(sab, { worldId: world.id, ref });
  }
  const epoch = Atomics.load(world.i32, H_JOINS);
  if (e.announced !== epoch) {
    e.announced = epoch;
    reg.bc!.postMessage({
      t: 'sab',
      world: world.id,
      ref: e.ref,
      seq: e.seq,
      epoch,
      sab,
    } satisfies Message);
  }
  return e.ref;
}

/** Gives back the in-flight reference of an encoded buffer that will never be decoded. */
export function sabRelease(world: World, ref: number): void {
  release(world, ref);
}

/**
 * The buffer behind an entry address read from a value. With `consume`, the
 * in-flight reference is given back. Throws SharedHandleError if no thread
 * could hand this thread the buffer within WANT_WAIT_MS.
 */
export function sabFromRef(world: World, ref: number, consume: boolean): SharedArrayBuffer {
  const seq = Atomics.load(world.i32, ref + E_SEQ);
  const sab = find(world, ref, seq) ?? ask(world, ref, seq);
  if (consume) release(world, ref);
  return sab;
}

function find(world: World, ref: number, seq: number): SharedArrayBuffer | undefined {
  const reg = registry();
  const k = key(world.id, ref);
  const own = reg.own.get(k);
  if (own !== undefined && own.seq === seq) {
    const s = own.sab.deref();
    if (s !== undefined) return s;
  }
  const known = reg.known.get(k);
  return known !== undefined && known.seq === seq ? known.sab : undefined;
}

/** Reads the channel synchronously until the buffer shows up, asking for it if it does not. */
function ask(world: World, ref: number, seq: number): SharedArrayBuffer {
  listenForSabs();
  const bc = registry().bc!;
  const drain = (): SharedArrayBuffer | undefined => {
    // Node 20 reads a BroadcastChannel synchronously too (its types say MessagePort only).
    const port = bc as unknown as Parameters<typeof receiveMessageOnPort>[0];
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      onMessage(m.message as Message);
    }
    return find(world, ref, seq);
  };
  let sab = drain();
  if (sab !== undefined) return sab;
  bc.postMessage({ t: 'want', world: world.id, ref, seq } satisfies Message);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = performance.now() + WANT_WAIT_MS;
  while ((sab = drain()) === undefined) {
    if (performance.now() > deadline) {
      throw new SharedHandleError(
        `a SharedArrayBuffer sent to this thread could not be obtained: no thread answered within ${WANT_WAIT_MS} ms (the threads that hold it are busy or blocked). Pass long-lived buffers to new threads in workerData or with postMessage, or send them again`,
      );
    }
    Atomics.wait(pause, 0, 0, 1);
  }
  return sab;
}

/**
 * What shares memory in a value: a SharedArrayBuffer (kind 0), or a typed
 * array / DataView over one (its constructor's index + 1). A Buffer arrives
 * as a Uint8Array, as with structured clone.
 */
const VIEWS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
] as const;

/** Kind of a shared-memory value: 0 for a SharedArrayBuffer, else its view class + 1. */
export function sharedKind(v: SharedArrayBuffer | ArrayBufferView): number {
  if (v instanceof SharedArrayBuffer) return 0;
  for (let k = 0; k < VIEWS.length; k++) if (v instanceof VIEWS[k]!) return k + 1;
  throw new TypeError(`cannot send a ${v.constructor.name} over shared memory: not a typed array`);
}

/** Length a view is rebuilt with: elements for typed arrays, bytes for a DataView. */
export function sharedLength(v: ArrayBufferView): number {
  return v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length;
}

/** Rebuilds what `sharedKind` described over `sab`. */
export function sharedValue(
  kind: number,
  sab: SharedArrayBuffer,
  byteOffset: number,
  length: number,
): SharedArrayBuffer | ArrayBufferView {
  if (kind === 0) return sab;
  const C = VIEWS[kind - 1];
  if (C === undefined)
    throw new Error(`structured codec: corrupt message (shared view kind ${kind})`);
  return new (C as unknown as new (b: SharedArrayBuffer, o: number, n: number) => ArrayBufferView)(
    sab,
    byteOffset,
    length,
  );
}

/** This thread's registry sizes (for tests and diagnostics): entries it originated, buffers it was announced. */
export function sabStats(): { own: number; known: number } {
  const reg = registry();
  return { own: reg.own.size, known: reg.known.size };
}
