/**
 * Errors on the network: a task's error travels as a plain record - class
 * name, message, stack, `cause` (recursively), own enumerable properties
 * (`code`, `errno`, ...) - encoded with the structured codec, and is rebuilt
 * on the caller's side with the same `name` and a class of that name
 * (built-in errors get their real class, so `instanceof TypeError` holds).
 *
 * Why a copy of the idea and not core's: core has the same format for errors
 * crossing threads, but it is internal (not on core's public API), so this
 * package keeps its own small version. A property that cannot be cloned is
 * sent as its string form.
 */
import { codecs } from '@gocsp/channels';

interface WireError {
  __gocspNetError: 1;
  name: string;
  ctor: string;
  message: string;
  stack?: string;
  hasCause: boolean;
  cause?: unknown;
  props: Record<string, unknown>;
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

function cloneable(v: unknown): boolean {
  try {
    codecs.structured.encode(v);
    return true;
  } catch {
    return false;
  }
}

function toWire(e: unknown, depth: number): unknown {
  if (!(e instanceof Error) || depth > 8) return cloneable(e) ? e : String(e);
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    if (k === 'cause' || k === 'name' || k === 'message' || k === 'stack') continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    props[k] = cloneable(v) ? v : String(v);
  }
  const w: WireError = {
    __gocspNetError: 1,
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

/** Encodes a thrown value for the network. */
export function encodeError(e: unknown): Uint8Array {
  return codecs.structured.encode(toWire(e, 0));
}

const classes = new Map<string, ErrorConstructor>();

function classNamed(name: string): ErrorConstructor {
  const builtin = BUILTIN[name];
  if (builtin) return builtin;
  let c = classes.get(name);
  if (c === undefined) {
    // A class bearing the original name (util.inspect shows it); `instanceof`
    // the original class cannot hold in another process.
    c = { [name]: class extends Error {} }[name] as unknown as ErrorConstructor;
    classes.set(name, c);
  }
  return c;
}

function define(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, configurable: true, enumerable: false });
}

function fromWire(w: unknown): unknown {
  if (typeof w !== 'object' || w === null || !('__gocspNetError' in w)) return w;
  const x = w as WireError;
  let err: Error;
  if (x.ctor === 'AggregateError') {
    err = new AggregateError((x.errors ?? []).map(fromWire), x.message);
  } else {
    err = new (classNamed(x.ctor))(x.message);
  }
  if (err.name !== x.name || BUILTIN[x.ctor] === undefined) define(err, 'name', x.name);
  if (x.stack !== undefined) define(err, 'stack', x.stack);
  if (x.hasCause) define(err, 'cause', fromWire(x.cause));
  Object.assign(err, x.props);
  return err;
}

/** Decodes what `encodeError` made. */
export function decodeError(bytes: Uint8Array): unknown {
  return fromWire(codecs.structured.decode(bytes));
}
