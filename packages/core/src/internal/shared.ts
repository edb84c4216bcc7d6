/**
 * Shared objects travel by reference: the registry of shared types, and
 * `toShared` / `fromShared`, which swap every shared object inside a value
 * (objects, arrays, Maps, Sets, at any depth) for a cloneable handle and back.
 *
 * A handle is a plain object `{ [HANDLE_KEY]: type, world, sab, id, extra }`
 * holding SharedArrayBuffers, so structured clone (postMessage, workerData)
 * carries it with its memory shared, not copied. Reviving a handle gives the
 * live object over the same memory; reviving the same object twice in one
 * thread gives the same JS object while it is reachable.
 */
import { SharedHandleError } from '../errors.js';
import { threadState } from './env.js';
import { adoptWorld } from './worlds.js';
import type { World } from './world.js';

/** Property naming a handle's shared type; unlikely to collide with user data. */
export const HANDLE_KEY = '__gocspShared__';

/** The method by which a shared object describes itself. */
export const kShare: unique symbol = Symbol.for('gocsp.share') as never;

/** Cloneable description of a shared object. */
export interface SharedHandle {
  readonly [HANDLE_KEY]: string;
  readonly world: SharedArrayBuffer;
  readonly sab: SharedArrayBuffer;
  readonly id: number;
  readonly extra?: unknown;
}

/** What a shared class implements so it can cross threads. */
export interface Shareable {
  [kShare](): SharedHandle;
}

/** Rebuilds a live object of a registered type from its handle. */
export type Reviver = (handle: SharedHandle, world: World) => object;

/**
 * Registers a shared type so that `fromShared` can revive it. Each gocsp
 * package registers its classes when it is loaded.
 */
export function registerSharedType(type: string, revive: Reviver): void {
  threadState().types.set(type, revive);
}

/** Makes the handle of a shared object (helper for `[kShare]` implementations). */
export function makeHandle(
  type: string,
  world: World,
  sab: SharedArrayBuffer,
  id: number,
  extra?: unknown,
): SharedHandle {
  return { [HANDLE_KEY]: type, world: world.sab, sab, id, extra };
}

/** Remembers a freshly made object so revivals in this thread return it. */
export function rememberObject(world: World, id: number, obj: object): void {
  threadState().revived.set(`${world.id}:${id}`, new WeakRef(obj));
  registry.register(obj, `${world.id}:${id}`);
}

const registry = new FinalizationRegistry<string>((key) => {
  const map = threadState().revived;
  const ref = map.get(key);
  if (ref !== undefined && ref.deref() === undefined) map.delete(key);
});

/** True if `v` is a shared gocsp object. */
export function isShareable(v: unknown): v is Shareable {
  return typeof v === 'object' && v !== null && kShare in v;
}

/** True if `v` is a handle made by `toShared`. */
export function isHandle(v: unknown): v is SharedHandle {
  return typeof v === 'object' && v !== null && HANDLE_KEY in v;
}

function reviveHandle(h: SharedHandle): object {
  const type = h[HANDLE_KEY];
  const revive = threadState().types.get(type) as Reviver | undefined;
  if (revive === undefined) {
    throw new SharedHandleError(
      `cannot revive a shared "${type}": import the gocsp package that defines it in this thread first`,
    );
  }
  const world = adoptWorld(h.world);
  const key = `${world.id}:${h.id}`;
  const live = threadState().revived.get(key)?.deref();
  if (live !== undefined) return live;
  const obj = revive(h, world);
  rememberObject(world, h.id, obj);
  return obj;
}

/**
 * Gives a cloneable form of `value` to send to a hand-made worker with
 * `postMessage` or `workerData`: every gocsp shared object inside it (at any
 * depth in objects, arrays, Maps, Sets) becomes a handle; everything else is
 * left to structured clone.
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * const worker = new Worker('./w.js', { workerData: toShared({ mu, n: 1 }) });
 * // in w.js: const { mu } = fromShared(workerData);
 * ```
 */
export function toShared<T>(value: T): unknown {
  return encode(value, new Map());
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
 * ```
 */
export function fromShared<T = unknown>(handle: unknown): T {
  return decode(handle, new Map()) as T;
}

function encode(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isShareable(v)) return v[kShare]();
  const prior = seen.get(v);
  if (prior !== undefined) return prior;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    seen.set(v, out);
    for (const x of v) out.push(encode(x, seen));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    seen.set(v, out);
    for (const [k, x] of v) out.set(encode(k, seen), encode(x, seen));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    seen.set(v, out);
    for (const x of v) out.add(encode(x, seen));
    return out;
  }
  if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const k of Object.keys(v)) out[k] = encode((v as Record<string, unknown>)[k], seen);
    return out;
  }
  return v; // class instances, typed arrays, dates...: structured clone's business
}

function decode(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isHandle(v)) return reviveHandle(v);
  const prior = seen.get(v);
  if (prior !== undefined) return prior;
  if (Array.isArray(v)) {
    seen.set(v, v);
    for (let i = 0; i < v.length; i++) v[i] = decode(v[i], seen);
    return v;
  }
  if (v instanceof Map) {
    seen.set(v, v);
    const entries = [...v.entries()];
    v.clear();
    for (const [k, x] of entries) v.set(decode(k, seen), decode(x, seen));
    return v;
  }
  if (v instanceof Set) {
    seen.set(v, v);
    const items = [...v];
    v.clear();
    for (const x of items) v.add(decode(x, seen));
    return v;
  }
  if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
    seen.set(v, v);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = decode(o[k], seen);
    return v;
  }
  return v;
}
