/**
 * Values and errors that outlive one message: a context's cancel cause (read
 * by any number of threads, any number of times) and per-job errors in a
 * worker pool's results.
 *
 * Errors travel as a plain record - class name, message, stack, `cause`
 * (recursively) and own enumerable properties - because structured clone keeps
 * only built-in error types and drops `name`, `code` and the like. They are
 * rebuilt with a class of the same name (built-in classes and this package's
 * own errors get their real class, so `instanceof` holds).
 *
 * A cause may be decoded many times (every `cause(ctx)` on every thread), so
 * it cannot carry the single "in flight" reference that channel messages
 * carry for shared objects. Shared objects inside a stored value are pinned
 * instead (kept for the life of the process, as `toShared` does) and stand in
 * the bytes as markers.
 */
import { substrate } from '@gocsp/core';
import { CanceledError, DeadlineExceededError } from '../errors.js';

const { structured } = substrate.codecs;

const ERR_KEY = '__gocspErr__';
const PIN_KEY = '__gocspPin__';

interface WireError {
  [ERR_KEY]: 1;
  name: string;
  ctor: string;
  message: string;
  stack: string | undefined;
  hasCause: boolean;
  cause?: unknown;
  props: Record<string, unknown>;
}

const KNOWN: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  CanceledError,
  DeadlineExceededError,
};

const cloneable = (v: unknown): boolean => {
  try {
    structured.dispose?.(structured.encode(v));
    return true;
  } catch {
    return false;
  }
};

/** An error (and its cause chain) as a plain record; anything else as is. */
export function errorToWire(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error) || depth > 8) return e;
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    if (k === 'cause' || k === 'name' || k === 'message' || k === 'stack') continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    props[k] = cloneable(v) ? v : String(v);
  }
  const w: WireError = {
    [ERR_KEY]: 1,
    name: e.name,
    ctor: e.constructor?.name ?? 'Error',
    message: e.message,
    stack: e.stack,
    hasCause: 'cause' in e,
    props,
  };
  if ('cause' in e) w.cause = errorToWire(e.cause, depth + 1);
  return w;
}

const classes = new Map<string, new (message?: string) => Error>();

function classNamed(name: string): new (message?: string) => Error {
  const known = KNOWN[name];
  if (known !== undefined) return known;
  let c = classes.get(name);
  if (c === undefined) {
    // A class whose .name is the original one, so `err.constructor.name` reads right.
    c = { [name]: class extends Error {} }[name]!;
    classes.set(name, c);
  }
  return c;
}

const isWire = (v: unknown): v is WireError =>
  typeof v === 'object' && v !== null && (v as Record<string, unknown>)[ERR_KEY] === 1;

/** The way back of `errorToWire`. */
export function errorFromWire(w: unknown): unknown {
  if (!isWire(w)) return w;
  const C = classNamed(/^[A-Za-z_$][\w$]*$/.test(w.ctor) ? w.ctor : 'Error');
  const e = new C(w.message);
  for (const [k, v] of Object.entries(w.props)) (e as unknown as Record<string, unknown>)[k] = v;
  Object.defineProperty(e, 'name', { value: w.name, writable: true, configurable: true });
  Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true });
  if (w.stack !== undefined) {
    Object.defineProperty(e, 'stack', { value: w.stack, writable: true, configurable: true });
  }
  if (w.hasCause) {
    Object.defineProperty(e, 'cause', {
      value: errorFromWire(w.cause),
      writable: true,
      configurable: true,
    });
  }
  return e;
}

/**
 * Encodes a value to be stored and decoded any number of times, on any
 * thread: errors as records, shared objects pinned. A value that cannot be
 * cloned is stored as its string form in an Error (a cause must never make
 * cancel throw).
 */
export function encodeStored(v: unknown): Uint8Array {
  const world = substrate.defaultWorld();
  const mapped = substrate.mapShared(errorToWire(v), (obj) => {
    const { world: w, ref } = obj[substrate.kShared];
    if (w !== world) throw new TypeError('a shared object of another gocsp world');
    substrate.pin(w, ref);
    return { [PIN_KEY]: ref };
  });
  try {
    return structured.encode(mapped);
  } catch {
    return structured.encode(errorToWire(new Error(String(v))));
  }
}

const isPin = (o: object): boolean => PIN_KEY in o;

/** Decodes what `encodeStored` made (possibly on another thread). */
export function decodeStored(bytes: Uint8Array): unknown {
  const world = substrate.defaultWorld();
  const v = substrate.reviveIn(structured.decode(bytes), isPin, (m) =>
    substrate.reviveRef(world, (m as Record<string, number>)[PIN_KEY]!, false),
  );
  return errorFromWire(v);
}
