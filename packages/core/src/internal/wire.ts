/**
 * Errors crossing threads (goroutine panics and spawn rejections, a
 * context's cancel cause, a worker pool's per-job errors). Structured clone
 * keeps only built-in error types and drops `name`, `cause` and own
 * properties, so errors travel as a plain record: class name, message,
 * stack, `cause` (recursively) and own enumerable properties (`code`,
 * `errno`...), each through the structured codec (a property that cannot be
 * cloned is sent as its string form).
 *
 * On the other side the error is rebuilt with the same `name`, and with a
 * class: a built-in error or one registered with `registerErrorClass` (each
 * gocsp package registers its own, so `instanceof ClosedChannelError` holds
 * after the trip), else a class made with the original name (so
 * `err.constructor.name` and util.inspect read right; `instanceof` the
 * original class cannot hold). Two built-ins need more than a message: an
 * AggregateError brings its `errors` (non-enumerable, each sent the same
 * way) and a DOMException its name, from which it derives `code`
 * (AbortError, TimeoutError: what an aborted fetch throws).
 */
import { structured } from '../codec.js';
import {
  BlockingOnMainThreadError,
  CapacityError,
  DeadlockError,
  GocspError,
  InternalError,
  OwnerDiedError,
  PanicError,
  RuntimeStoppedError,
  SharedHandleError,
  WorkerDiedError,
} from '../errors.js';

const WIRE_KEY = '__gocspError';

interface WireError {
  [WIRE_KEY]: 1;
  name: string;
  ctor: string;
  message: string;
  stack: string | undefined;
  cause?: unknown;
  hasCause: boolean;
  props: Record<string, unknown>;
  /** AggregateError's errors. */
  errors?: unknown[];
}

type ErrorClass = new (message?: string) => Error;

const BUILTIN: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Any error class: registered classes are never called, only their prototype is used. */
type AnyErrorClass = abstract new (...args: never[]) => Error;

/** Error classes registered by gocsp packages, by constructor name. */
const registered = new Map<string, AnyErrorClass>();

/**
 * Makes errors of class `C` arrive as instances of `C` (looked up by its
 * constructor name; rebuilt from its prototype without calling the
 * constructor, so any constructor signature works). For gocsp's own error
 * classes; register at load time.
 */
export function registerErrorClass(C: AnyErrorClass): void {
  registered.set(C.name, C);
}

for (const C of [
  GocspError,
  OwnerDiedError,
  BlockingOnMainThreadError,
  CapacityError,
  SharedHandleError,
  InternalError,
  DeadlockError,
  PanicError,
  WorkerDiedError,
  RuntimeStoppedError,
]) {
  registerErrorClass(C);
}

const cloneable = (v: unknown): boolean => {
  try {
    structured.dispose?.(structured.encode(v));
    return true;
  } catch {
    return false;
  }
};

/** An error (and its cause chain) as a plain, cloneable record; anything else as is. */
export function errorToWire(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error) || depth > 8) return e;
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    if (k === 'cause' || k === 'name' || k === 'message' || k === 'stack') continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    props[k] = cloneable(v) ? v : String(v);
  }
  const w: WireError = {
    [WIRE_KEY]: 1,
    name: e.name,
    ctor: e.constructor?.name ?? 'Error',
    message: e.message,
    stack: e.stack,
    hasCause: 'cause' in e,
    props,
  };
  if ('cause' in e) w.cause = errorToWire(e.cause, depth + 1);
  if (e instanceof AggregateError) {
    w.errors = (e.errors as unknown[]).map((x) => errorToWire(x, depth + 1));
  }
  return w;
}

const made = new Map<string, ErrorClass>();

/** A built-in error class by name, else one made with that name. */
function classNamed(name: string): ErrorClass {
  const known = BUILTIN[name];
  if (known !== undefined) return known;
  let c = made.get(name);
  if (c === undefined) {
    c = { [name]: class extends Error {} }[name]!;
    made.set(name, c);
  }
  return c;
}

const own = (err: Error, key: string, value: unknown): void => {
  Object.defineProperty(err, key, { value, writable: true, configurable: true, enumerable: false });
};

/** The way back of `errorToWire`. */
export function errorFromWire(w: unknown): unknown {
  if (typeof w !== 'object' || w === null || !(WIRE_KEY in w)) return w;
  const x = w as WireError;
  let err: Error;
  if (x.ctor === 'AggregateError') {
    err = new AggregateError((x.errors ?? []).map(errorFromWire), x.message);
  } else if (x.ctor === 'DOMException' && typeof DOMException === 'function') {
    err = new DOMException(x.message, x.name);
  } else {
    // A registered class may want other constructor arguments: build it
    // without running the constructor, then set what the record says.
    const reg = registered.get(x.ctor);
    err =
      reg !== undefined
        ? (Object.create(reg.prototype as object) as Error)
        : new (classNamed(/^[A-Za-z_$][\w$]*$/.test(x.ctor) ? x.ctor : 'Error'))(x.message);
    own(err, 'message', x.message);
  }
  if (err.name !== x.name) own(err, 'name', x.name);
  if (x.stack !== undefined) own(err, 'stack', x.stack);
  if (x.hasCause) own(err, 'cause', errorFromWire(x.cause));
  Object.assign(err, x.props);
  return err;
}

/** Encodes a thrown value (usually an Error) for another thread. */
export function encodeError(e: unknown): Uint8Array {
  try {
    return structured.encode(errorToWire(e));
  } catch {
    const err = e instanceof Error ? e : new Error(String(e));
    return structured.encode({
      [WIRE_KEY]: 1,
      name: err.name,
      ctor: 'Error',
      message: err.message,
      stack: err.stack,
      hasCause: false,
      props: {},
    } satisfies WireError);
  }
}

/** Decodes what `encodeError` made. */
export function decodeError(bytes: Uint8Array): unknown {
  return errorFromWire(structured.decode(bytes));
}
