/**
 * remoteTasks: typed functions that call a service's tasks over NATS. One
 * caller state per connection: an inbox subscription (`<prefix>.>`) where
 * results and heartbeats of every call arrive, the pending calls by id, and
 * one watchdog timer that re-sends a call nobody has heard of for
 * HB_TIMEOUT_MS (internal/calls.ts has the protocol and why it holds).
 *
 * Invariants: a pending call is settled exactly once (its entry is removed
 * before it settles, so a late result, heartbeat or second run's answer
 * finds nothing); the watchdog and the subscription never keep the process
 * alive on their own (the connection does, until the user closes it, which
 * rejects every pending call with ConnectionClosedError).
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { AnyFn } from '@gocsp/core';
import { codecs } from '@gocsp/channels';
import { DeadlineExceededError } from '@gocsp/patterns';
import { errors } from './errors.js';
import {
  HB_MS,
  HB_TIMEOUT_MS,
  KIND_ERR,
  KIND_OK,
  KIND_RETRY,
  isTaskName,
} from './internal/calls.js';
import { connOf, type Conn } from './internal/conn.js';
import * as substrate from '@gocsp/core/internal';
import { checkName, svcNames } from './internal/names.js';
import { encodeValue } from './internal/values.js';

/** Options of one remote call (`remote.fn.with(options)(...args)`). */
export interface RemoteCallOptions {
  /** Aborting rejects the call with the signal's reason and cancels the remote goroutine. */
  signal?: AbortSignal;
  /** Overall deadline of the call (re-sends included): then it rejects with DeadlineExceededError. */
  timeoutMs?: number;
}

/** A served task, callable from any process: the same arguments and result as the task. */
export type RemoteTaskFn<F extends AnyFn> = ((
  ...args: Parameters<F>
) => Promise<Awaited<ReturnType<F>>>) & {
  /** The same call with a signal and/or an overall deadline. */
  with(opts: RemoteCallOptions): (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;
};

/** The exported functions of module type M, as remote calls (see {@link remoteTasks}). */
export type RemoteTaskRefs<M> = {
  readonly [K in keyof M as M[K] extends AnyFn ? K : never]: M[K] extends AnyFn
    ? RemoteTaskFn<M[K]>
    : never;
};

/**
 * Marks a function that runs on the calling thread (it holds a connection),
 * so that patterns (`stage`, `parallelMap`) call it here instead of shipping
 * it to a worker. The same key as @gocsp/patterns reads.
 */
const LOCAL_TASK = Symbol.for('gocsp.localTask');

interface Pending {
  id: string;
  service: string;
  fn: string;
  subject: string;
  data: Uint8Array;
  heard: number;
  settle: (ok: boolean, v: unknown) => void;
}

interface Caller {
  conn: Conn;
  prefix: string;
  pending: Map<string, Pending>;
  sub: Subscription;
  watchdog: ReturnType<typeof setInterval>;
}

const callers = new WeakMap<Conn, Caller>();
const dec = new TextDecoder();
let seq = 0;

function callerOf(conn: Conn): Caller {
  const c = callers.get(conn);
  if (c !== undefined) return c;
  const nc = conn.nc;
  const prefix = `_INBOX.gocsp.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const pending = new Map<string, Pending>();
  const sub = nc.subscribe(`${prefix}.>`, {
    callback: (_e, msg) => onReply(caller, msg),
  });
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const p of pending.values()) {
      if (now - p.heard > HB_TIMEOUT_MS) {
        p.heard = now;
        send(caller, p); // the server went silent: another one runs it
      }
    }
  }, HB_MS / 2);
  watchdog.unref();
  const caller: Caller = { conn, prefix, pending, sub, watchdog };
  callers.set(conn, caller);
  conn.onClose(() => {
    clearInterval(watchdog);
    for (const p of [...pending.values()]) {
      p.settle(false, errors.connectionClosed(`${p.service}.${p.fn}()`, 'unknown'));
    }
  });
  return caller;
}

function send(caller: Caller, p: Pending): void {
  try {
    caller.conn.nc.publish(p.subject, p.data, { reply: `${caller.prefix}.c.${p.id}` });
  } catch (e) {
    if (!caller.conn.closed) p.settle(false, e);
  }
}

function onReply(caller: Caller, msg: Msg): void {
  const rest = msg.subject.slice(caller.prefix.length + 1);
  const now = performance.now();
  if (rest === 'hb') {
    for (const id of dec.decode(msg.data).split('\n')) {
      const p = caller.pending.get(id);
      if (p !== undefined) p.heard = now;
    }
    return;
  }
  if (!rest.startsWith('c.')) return;
  const p = caller.pending.get(rest.slice(2));
  if (p === undefined) return; // settled already: a late or second answer
  // A status message (no payload, headers only): 503 = nobody subscribed.
  if (msg.data.length === 0 && msg.headers !== undefined) {
    if (msg.headers.code === 503 || msg.headers.hasError) {
      p.settle(false, errors.noResponders(p.service, p.fn));
    }
    return;
  }
  const kind = msg.data[0];
  const body = msg.data.subarray(1);
  if (kind === KIND_OK) {
    let v: unknown;
    try {
      v = codecs.structured.decode(body);
    } catch (e) {
      p.settle(false, e);
      return;
    }
    p.settle(true, v);
  } else if (kind === KIND_ERR) {
    p.settle(false, substrate.decodeError(body));
  } else if (kind === KIND_RETRY) {
    p.heard = now;
    send(caller, p); // that server stopped before running it
  }
}

function call(
  conn: Conn,
  service: string,
  fn: string,
  args: unknown[],
  opts: RemoteCallOptions,
): Promise<unknown> {
  const { signal, timeoutMs } = opts;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    return Promise.reject(errors.badTimeout(timeoutMs));
  }
  if (conn.closed) return Promise.reject(errors.connectionClosed(`${service}.${fn}()`));
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  let data: Uint8Array;
  try {
    data = encodeValue(codecs.structured, args);
  } catch (e) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a codec's error, as thrown
    return Promise.reject(e);
  }
  const caller = callerOf(conn);
  const names = svcNames(service);
  const id = `${caller.prefix.slice(13)}${(seq++).toString(36)}`;
  return new Promise<unknown>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cancelRemote = (): void => {
      try {
        conn.nc.publish(names.cancel, id);
      } catch {
        // connection closing: the server aborts it when it notices
      }
    };
    const onAbort = (): void => {
      if (p.settled) return;
      cancelRemote();
      p.settle(false, signal!.reason);
    };
    const p = {
      id,
      service,
      fn,
      subject: `${names.call}.${fn}`,
      data,
      heard: performance.now(),
      settled: false,
      settle: (ok: boolean, v: unknown) => {
        if (p.settled) return;
        p.settled = true;
        caller.pending.delete(id);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (ok) resolve(v);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an error as the task threw it, or the signal's reason
        else reject(v);
      },
    };
    caller.pending.set(id, p);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        cancelRemote();
        p.settle(
          false,
          new DeadlineExceededError(
            `${service}.${fn}(): no result within timeoutMs ${timeoutMs} (the remote goroutine was cancelled)`,
          ),
        );
      }, timeoutMs);
    }
    send(caller, p);
  });
}

/**
 * Typed remote calls to the tasks served as `service` (by `serveTasks` in
 * any process on the same NATS server): `remote.fn(...args)` resolves with
 * the task's result, or rejects with its error (name, message, stack,
 * `cause`, `code` kept). `remote.fn.with({ signal, timeoutMs })(...args)`
 * adds cancellation (the remote goroutine's signal aborts) and an overall
 * deadline. No server for the service: `NoRespondersError` at once.
 *
 * @example
 * ```ts
 * const remote = remoteTasks<typeof import('./tasks.js')>(nc, 'images');
 * const thumb = await remote.resize(img, 64);
 * const quick = await remote.resize.with({ timeoutMs: 2000 })(img, 32);
 * ```
 */
export function remoteTasks<M>(nc: NatsConnection, service: string): RemoteTaskRefs<M> {
  const conn = connOf(nc, 'remoteTasks');
  checkName('remoteTasks', service);
  const fns = new Map<string, RemoteTaskFn<AnyFn>>();
  return new Proxy({} as RemoteTaskRefs<M>, {
    get(_t, name) {
      // Not a thenable, not an object's internals: only task names.
      if (!isTaskName(name)) return undefined;
      let f = fns.get(name);
      if (f === undefined) {
        const bound = (opts: RemoteCallOptions): ((...args: unknown[]) => Promise<unknown>) => {
          const fn = (...args: unknown[]): Promise<unknown> =>
            call(conn, service, name, args, opts);
          Object.defineProperty(fn, LOCAL_TASK, { value: true });
          return fn;
        };
        const plain = bound({});
        f = Object.assign(plain, { with: bound });
        Object.defineProperty(f, 'name', { value: `${service}.${name}` });
        fns.set(name, f);
      }
      return f;
    },
  });
}
