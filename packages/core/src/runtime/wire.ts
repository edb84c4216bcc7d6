/**
 * Errors crossing threads. Structured clone keeps only built-in error types
 * and drops `cause` and own properties, so errors travel as a plain record:
 * class name, message, stack, `cause` (recursively) and own enumerable
 * properties (`code`, `errno`...), each through the structured codec (a
 * property that cannot be cloned is sent as its string form). On the other
 * side the error is rebuilt with the same `name`, and with a class of that
 * name (built-in errors get their real class, so `instanceof TypeError` holds).
 * Two built-ins need more than a message: an AggregateError brings its
 * `errors` (non-enumerable, each sent the same way) and a DOMException its
 * name, from which it derives `code` (AbortError, TimeoutError: what an
 * aborted fetch throws).
 */
import { structured } from '../codec.js';

interface WireError {
  __gocspError: 1;
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

const BUILTIN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function toWire(e: unknown, depth: number): unknown {
  if (!(e instanceof Error) || depth > 8) return e;
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    if (k === 'cause' || k === 'name' || k === 'message' || k === 'stack') continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    try {
      structured.encode(v);
      props[k] = v;
    } catch {
      props[k] = String(v);
    }
  }
  const w: WireError = {
    __gocspError: 1,
    name: e.name,
    ctor: e.constructor?.name ?? 'Error',
    message: e.message,
    stack: e.stack,
    hasCause: 'cause' in e,
    props,
  };
  if ('cause' in e) w.cause = toWire(e.cause, depth + 1);
  if (e instanceof AggregateError) {
    w.errors = (e.errors as unknown[]).map((x) => toWire(x, depth + 1));
  }
  return w;
}

/** Encodes a thrown value (usually an Error) for another thread. */
export function encodeError(e: unknown): Uint8Array {
  try {
    return structured.encode(toWire(e, 0));
  } catch {
    const err = e instanceof Error ? e : new Error(String(e));
    return structured.encode({
      __gocspError: 1,
      name: err.name,
      ctor: 'Error',
      message: err.message,
      stack: err.stack,
      hasCause: false,
      props: {},
    } satisfies WireError);
  }
}

const classes = new Map<string, ErrorConstructor>();

function classNamed(name: string): ErrorConstructor {
  const builtin = BUILTIN[name];
  if (builtin) return builtin;
  let c = classes.get(name);
  if (c === undefined) {
    // A class whose name is the original one, so `err.constructor.name` and
    // util.inspect show it; `instanceof` the original class cannot hold.
    c = { [name]: class extends Error {} }[name] as unknown as ErrorConstructor;
    classes.set(name, c);
  }
  return c;
}

function fromWire(w: unknown): unknown {
  if (typeof w !== 'object' || w === null || !('__gocspError' in w)) return w;
  const x = w as WireError;
  let err: Error;
  let real = BUILTIN[x.ctor] !== undefined;
  if (x.ctor === 'AggregateError') {
    err = new AggregateError((x.errors ?? []).map(fromWire), x.message);
    real = true;
  } else if (x.ctor === 'DOMException' && typeof DOMException === 'function') {
    err = new DOMException(x.message, x.name);
    real = true;
  } else err = new (classNamed(x.ctor))(x.message);
  if (err.name !== x.name || !real) {
    Object.defineProperty(err, 'name', {
      value: x.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (x.stack !== undefined) {
    Object.defineProperty(err, 'stack', {
      value: x.stack,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (x.hasCause) {
    Object.defineProperty(err, 'cause', {
      value: fromWire(x.cause),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  Object.assign(err, x.props);
  return err;
}

/** Decodes what `encodeError` made. */
export function decodeError(bytes: Uint8Array): unknown {
  return fromWire(structured.decode(bytes));
}
