/**
 * Shared objects travel by reference: the registry of shared types, and
 * `toShared` / `fromShared`, which swap every shared object inside a value
 * (objects, arrays, Maps, Sets, at any depth) for a cloneable handle and back.
 *
 * A shared object lives in a block of the world's heap (object.ts). Its handle
 * is `{ [HANDLE_KEY]: address, world: SharedArrayBuffer }`: structured clone
 * (postMessage, workerData) shares the world's memory, and the address finds
 * the object in it. Reviving gives the live object over the same memory;
 * reviving the same object twice in one thread gives the same JS object while
 * it is reachable. Reference counting of blocks is explained in object.ts.
 */
import { SharedHandleError } from '../errors.js';
import { threadState } from './env.js';
import { pin, release, releaseN, retain, typeIdOf } from './object.js';
import { adoptWorld, knownWorlds } from './worlds.js';
import { loadTypeModule, noteTypeModule } from './types.js';
import type { World } from './world.js';

/** Property naming a handle's object address; unlikely to collide with user data. */
export const HANDLE_KEY = '__gocspShared__';

/** The property by which a shared object tells where it lives. */
export const kShared: unique symbol = Symbol.for('gocsp.shared') as never;

/** Where a shared object lives: its world and block address. */
export interface SharedRef {
  readonly world: World;
  readonly ref: number;
}

/** What a shared class implements so it can cross threads. */
export interface Shareable {
  readonly [kShared]: SharedRef;
}

/** Cloneable description of a shared object (made by `toShared`). */
export interface SharedHandle {
  readonly [HANDLE_KEY]: number;
  readonly world: SharedArrayBuffer;
}

declare const sharedValueOf: unique symbol;

/**
 * What `toShared(value)` returns: a cloneable form of `T` to post to a
 * hand-made worker. Typed, so that `fromShared` gives `T` back.
 */
export interface SharedValue<T> {
  /** Phantom: the type `fromShared` revives. */
  readonly [sharedValueOf]?: T;
}

/** Rebuilds a live JS object over the shared object at `ref`. */
export type Reviver = (world: World, ref: number) => object;

interface Types {
  byId: Map<number, { name: string; revive: Reviver }>;
}

function types(): Types['byId'] {
  return threadState().types as unknown as Types['byId'];
}

/**
 * Registers a shared type so that handles and encoded values of it can be
 * revived in this thread. Each gocsp package registers its classes when it is
 * loaded, under ids it chose itself (1..65535, unique across gocsp packages;
 * core knows no type by name). `moduleUrl` is the registering module's
 * `import.meta.url`: a thread that meets the type without having loaded the
 * package loads that file to revive it (internal/types.ts).
 */
export function registerSharedType(
  typeId: number,
  name: string,
  revive: Reviver,
  moduleUrl?: string,
): void {
  if (!Number.isInteger(typeId) || typeId < 1 || typeId > 0xffff) {
    throw new RangeError(`shared type ids are integers from 1 to 65535; ${name} got ${typeId}`);
  }
  const known = types().get(typeId);
  if (known !== undefined && known.name !== name) {
    throw new Error(
      `gocsp: shared type id ${typeId} is claimed by both ${known.name} and ${name}: two packages chose the same id (a bug in one of them)`,
    );
  }
  types().set(typeId, { name, revive });
  noteTypeModule(typeId, name, moduleUrl);
}

const finalizers = new FinalizationRegistry<{ worldId: number; ref: number }>(
  ({ worldId, ref }) => {
    const map = threadState().revived.get(worldId);
    const live = map?.get(ref);
    if (live !== undefined && live.deref() === undefined) map!.delete(ref);
    const world = knownWorlds().get(worldId);
    if (world !== undefined) release(world, ref);
  },
);

/** This thread's live objects of `world`, by address (numbers: no key strings on the revival path). */
function revivedIn(world: World): Map<number, WeakRef<object>> {
  const all = threadState().revived;
  let m = all.get(world.id);
  if (m === undefined) all.set(world.id, (m = new Map<number, WeakRef<object>>()));
  return m;
}

/**
 * Binds a JS object to the block at `ref` for this thread: later revivals in
 * this thread return it, and when it is garbage-collected the thread's
 * reference is given back. The caller must own one reference for it.
 */
export function rememberObject(world: World, ref: number, obj: object): void {
  revivedIn(world).set(ref, new WeakRef(obj));
  finalizers.register(obj, { worldId: world.id, ref });
}

/**
 * The live JS object for the block at `ref` in this thread. With `consume`,
 * the caller hands over one reference it owns (an encoded copy in flight);
 * without, a reference is taken if a new JS object has to be made.
 */
export function reviveRef(world: World, ref: number, consume: boolean): object {
  if (world === hotWorld) {
    const obj = hot.get(ref);
    if (obj !== undefined) {
      if (consume) {
        const n = (owed.get(ref) ?? 0) + 1;
        // A thread that never returns to its event loop (a loop of
        // recvSync) would owe without limit, and the count is an Int32.
        if (n >= OWED_MAX) {
          owed.delete(ref);
          releaseN(world, ref, n);
        } else owed.set(ref, n);
      }
      return obj;
    }
  }
  const live = revivedIn(world).get(ref)?.deref();
  if (live !== undefined) {
    if (consume) release(world, ref);
    noteHot(world, ref, live);
    return live;
  }
  const typeId = typeIdOf(world, ref);
  const t = types().get(typeId) ?? loadType(world, typeId);
  if (!consume) retain(world, ref);
  const obj = t.revive(world, ref);
  rememberObject(world, ref, obj);
  return obj;
}

/**
 * The objects revived in this job, held strongly until its microtasks run
 * (WeakRef.deref keeps its target until then anyway), and the references
 * handed over for them meanwhile, given back together at that point: a
 * thread that starts many goroutines with the same shared argument (a
 * channel, a WaitGroup) then makes one weak lookup and two atomic
 * subtractions per object and job (the first revival's, then the owed ones
 * together), instead of one each per goroutine on a counter the spawning
 * thread keeps adding to.
 */
let hotWorld: World | undefined;
/** References owed for one object that are given back at once, job or not. */
const OWED_MAX = 1024;
const hot = new Map<number, object>();
const owed = new Map<number, number>();

function noteHot(world: World, ref: number, obj: object): void {
  if (world !== hotWorld) {
    if (hotWorld !== undefined) flushHot();
    else queueMicrotask(flushHot);
    hotWorld = world;
  }
  hot.set(ref, obj);
}

function flushHot(): void {
  const world = hotWorld;
  hotWorld = undefined;
  hot.clear();
  if (world === undefined || owed.size === 0) return;
  const due = [...owed];
  owed.clear();
  for (const [ref, n] of due) releaseN(world, ref, n);
}

/** The reviver of `typeId`, loading the package that defines it if this thread has not (types.ts). */
function loadType(world: World, typeId: number): { name: string; revive: Reviver } {
  let name: string | undefined;
  let why = '';
  try {
    name = loadTypeModule(world, typeId);
  } catch (e) {
    why = `: loading its package failed (${e instanceof Error ? e.message : String(e)})`;
  }
  const t = types().get(typeId);
  if (t !== undefined) return t;
  throw new SharedHandleError(
    name === undefined
      ? `cannot revive a shared object of type id ${typeId}: no thread of this process published where that type is defined (was the package that made it bundled into the application?); import the gocsp package that defines it (@gocsp/sync, @gocsp/channels, @gocsp/patterns...) in this thread`
      : `cannot revive a ${name} here${why}; import the gocsp package that defines it in this thread`,
  );
}

/** The key util.inspect looks up for a custom one-line view (Node's util.inspect.custom). */
export const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * How every shared object prints (util.inspect) - one line: its kind, id and
 * state, e.g. `Mutex { id: 7, locked: true, waiters: 1 }` - and what
 * JSON.stringify makes of it: `{ kind, id, ...state }`. (Without it
 * JSON.stringify walked into the world's buffer and threw.)
 */
export function sharedSummary(
  kind: string,
  state: Record<string, string | number | boolean | null>,
): { text: string; json: Record<string, string | number | boolean | null> } {
  const parts = Object.entries(state).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`,
  );
  return { text: `${kind} { ${parts.join(', ')} }`, json: { kind, ...state } };
}

/** True if `v` is a shared gocsp object. */
export function isShareable(v: unknown): v is Shareable {
  return typeof v === 'object' && v !== null && kShared in v;
}

/** True if `v` is a handle made by `toShared`. */
export function isHandle(v: unknown): v is SharedHandle {
  return typeof v === 'object' && v !== null && HANDLE_KEY in v;
}

/** The handle of one shared object; pins it (see object.ts, Lifetime). */
function handleOf(obj: Shareable): SharedHandle {
  const { world, ref } = obj[kShared];
  pin(world, ref);
  return { [HANDLE_KEY]: ref, world: world.sab };
}

function reviveHandle(h: SharedHandle): object {
  const ref = h[HANDLE_KEY];
  if (!(h.world instanceof SharedArrayBuffer) || !Number.isInteger(ref) || ref <= 0) {
    throw new SharedHandleError(
      'a gocsp handle lost its shared memory: was it JSON-serialized? Send what toShared() returned with postMessage or workerData, as is',
    );
  }
  return reviveRef(adoptWorld(h.world), ref, false);
}

/**
 * Gives a cloneable form of `value` to send to a hand-made worker with
 * `postMessage` or `workerData`: every gocsp shared object inside it (at any
 * depth in objects, arrays, Maps, Sets) becomes a handle; everything else is
 * left to structured clone. Objects shared this way are pinned: they stay
 * allocated for the life of the process, so share long-lived objects this way
 * and send short-lived ones over channels.
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * const worker = new Worker('./w.js', { workerData: toShared({ mu, n: 1 }) });
 * // in w.js: const { mu } = fromShared(workerData);
 * ```
 */
export function toShared<T>(value: T): SharedValue<T> {
  return mapShared(value, handleOf) as SharedValue<T>;
}

/**
 * Revives what `toShared` produced on another thread: every handle inside
 * becomes the live shared object over the same memory.
 *
 * @example
 * ```ts
 * import { workerData } from 'node:worker_threads';
 * const { mu } = fromShared<{ mu: Mutex }>(workerData);
 * await mu.lock();
 * // or, where the handle keeps its type: fromShared(toShared(mu)) is a Mutex
 * ```
 */
export function fromShared<T>(handle: SharedValue<T>): T;
export function fromShared<T = unknown>(handle: unknown): T;
export function fromShared(handle: unknown): unknown {
  return reviveIn(handle, isHandle, (h) => reviveHandle(h as SharedHandle));
}

const isPlain = (v: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * Copies `v` - plain objects, arrays, Maps and Sets at any depth, keeping
 * cycles, shared references and array holes - with every gocsp shared object
 * replaced by `swap(obj)`, and, if `swapSab` is given, every
 * SharedArrayBuffer and every typed array or DataView over one replaced by
 * `swapSab(it)`. Anything else (class instances, typed arrays over plain
 * memory, dates...) is left as is, for structured clone. Used by `toShared`
 * and by codecs that carry shared objects inside values.
 */
export function mapShared(
  v: unknown,
  swap: (obj: Shareable) => unknown,
  swapSab?: (sab: SharedArrayBuffer | ArrayBufferView) => unknown,
): unknown {
  return mapIn(v, swap, swapSab, new Map());
}

function mapIn(
  v: unknown,
  swap: (obj: Shareable) => unknown,
  swapSab: ((sab: SharedArrayBuffer | ArrayBufferView) => unknown) | undefined,
  seen: Map<object, unknown>,
): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isShareable(v)) return swap(v);
  if (swapSab !== undefined) {
    if (v instanceof SharedArrayBuffer) return swapSab(v);
    if (ArrayBuffer.isView(v) && v.buffer instanceof SharedArrayBuffer) return swapSab(v);
  }
  const prior = seen.get(v);
  if (prior !== undefined) return prior;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    seen.set(v, out);
    for (let i = 0; i < v.length; i++) if (i in v) out[i] = mapIn(v[i], swap, swapSab, seen);
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    seen.set(v, out);
    for (const [k, x] of v) out.set(mapIn(k, swap, swapSab, seen), mapIn(x, swap, swapSab, seen));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    seen.set(v, out);
    for (const x of v) out.add(mapIn(x, swap, swapSab, seen));
    return out;
  }
  if (isPlain(v)) {
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const k of Object.keys(v))
      out[k] = mapIn((v as Record<string, unknown>)[k], swap, swapSab, seen);
    return out;
  }
  return v;
}

/**
 * The way back of `mapShared`, in place (on a fresh clone): every object
 * for which `isMarker` holds is replaced by `revive(marker)`, at any depth,
 * keeping cycles and array holes.
 */
export function reviveIn(
  v: unknown,
  isMarker: (o: object) => boolean,
  revive: (o: object) => unknown,
): unknown {
  return reviveAt(v, isMarker, revive, new Set());
}

function reviveAt(
  v: unknown,
  isMarker: (o: object) => boolean,
  revive: (o: object) => unknown,
  seen: Set<object>,
): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isMarker(v)) return revive(v);
  if (seen.has(v)) return v;
  seen.add(v);
  const at = (x: unknown): unknown => reviveAt(x, isMarker, revive, seen);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (i in v) v[i] = at(v[i]);
  } else if (v instanceof Map) {
    const entries = [...v.entries()];
    v.clear();
    for (const [k, x] of entries) v.set(at(k), at(x));
  } else if (v instanceof Set) {
    const items = [...v];
    v.clear();
    for (const x of items) v.add(at(x));
  } else if (isPlain(v)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = at(o[k]);
  }
  return v;
}
