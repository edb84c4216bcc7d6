/**
 * serveTasks: serves a task module's exported functions to the cluster.
 * Each call runs as a goroutine on this process's gocsp runtime
 * (`spawnWith`, so a caller's abort aborts it), at most `concurrency` at a
 * time; the others wait here in arrival order. The protocol (queue group,
 * heartbeats, re-sends, result cache) is in internal/calls.ts.
 *
 * Invariants:
 * - A call id is held (queued or running) at most once per server; every
 *   held call is heartbeated each HB_MS until its result is published.
 * - `running <= concurrency`. A cancelled call frees its slot at once (its
 *   goroutine may still be finishing: JavaScript cannot stop it).
 * - After `stop()`: no new call is taken; queued calls are handed back to
 *   their callers at once (`retry`), running ones finish and reply.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { spawnWith, type TaskRefs } from '@gocsp/core';
import { codecs } from '@gocsp/channels';
import { errors } from './errors.js';
import {
  HB_MS,
  KIND_ERR,
  KIND_OK,
  KIND_RETRY,
  RESULT_KEEP_MS,
  isTaskName,
  resultPayload,
  splitReply,
} from './internal/calls.js';
import { connOf } from './internal/conn.js';
import * as substrate from '@gocsp/core/internal';
import { checkName, svcNames } from './internal/names.js';
import { encodeValue } from './internal/values.js';

/** Options of {@link serveTasks}. */
export interface ServeOptions {
  /** Calls this server runs at once (default 64); more wait here in order. */
  concurrency?: number;
  /** Aborting stops the server, as `stop()` does. */
  signal?: AbortSignal;
}

/** Counters of a task server (since it started). */
export interface ServerStats {
  /** Calls received (a re-sent call it already held is not counted again). */
  received: number;
  /** Calls whose goroutine was started. */
  started: number;
  /** Calls answered with a result or an error. */
  completed: number;
  /** Calls cancelled by their caller (their spawnWith signal aborted). */
  cancelled: number;
  /** Calls running now, and waiting for a slot now. */
  running: number;
  queued: number;
}

/** A running task server: see {@link serveTasks}. */
export interface Server {
  /** The service name. */
  readonly service: string;
  /** Counters (a snapshot). */
  stats(): ServerStats;
  /**
   * Stops taking calls: queued ones go back to their callers (who send them
   * to another server), running ones finish and reply. Resolves when the last
   * one replied.
   */
  stop(): Promise<void>;
  /** Resolves once stopped (by `stop()`, the signal, or the connection's close). */
  readonly stopped: Promise<void>;
}

interface Held {
  id: string;
  fn: string;
  reply: string;
  data: Uint8Array;
  ac: AbortController;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Serves `tasks` (a `taskModule`'s references) as service `service`: every
 * process that calls `remoteTasks(nc, service)` reaches one of the servers
 * of that name, and each call runs as a goroutine here. At-least-once
 * execution: a call whose server died mid-call runs again on another one, and
 * the caller settles once.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * const server = await serveTasks(nc, 'images', tasks, { concurrency: 8 });
 * // ... later
 * await server.stop();
 * ```
 */
export async function serveTasks<M>(
  nc: NatsConnection,
  service: string,
  tasks: TaskRefs<M>,
  opts: ServeOptions = {},
): Promise<Server> {
  const conn = connOf(nc, 'serveTasks');
  checkName('serveTasks', service);
  if (typeof tasks !== 'object' || tasks === null) throw errors.badTasks();
  const concurrency = opts.concurrency ?? 64;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw errors.badConcurrency(concurrency);
  if (conn.closed) throw errors.connectionClosed(`serveTasks('${service}')`);
  const names = svcNames(service);
  const refs = tasks as unknown as Record<string, unknown>;

  const held = new Map<string, Held>();
  const queue: Held[] = [];
  const done = new Map<string, { reply: string; kind: number; data: Uint8Array }>();
  const st: ServerStats = {
    received: 0,
    started: 0,
    completed: 0,
    cancelled: 0,
    running: 0,
    queued: 0,
  };
  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let idle: (() => void) | undefined;

  const publish = (reply: string, kind: number, data: Uint8Array): void => {
    if (conn.closed) return;
    try {
      nc.publish(reply, resultPayload(kind, data));
    } catch {
      // connection closing: the caller re-sends elsewhere
    }
  };

  const finish = (c: Held, kind: number, data: Uint8Array): void => {
    if (held.get(c.id) !== c) return;
    held.delete(c.id);
    st.running--;
    if (!c.ac.signal.aborted) {
      st.completed++;
      publish(c.reply, kind, data);
      done.set(c.id, { reply: c.reply, kind, data });
      setTimeout(() => done.delete(c.id), RESULT_KEEP_MS).unref();
    }
    next();
  };

  const run = (c: Held): void => {
    st.running++;
    st.started++;
    let args: unknown[];
    try {
      args = codecs.structured.decode(c.data) as unknown[];
      if (!Array.isArray(args)) throw new TypeError('a call must carry an array of arguments');
      const ref = refs[c.fn];
      if (!isTaskName(c.fn) || ref === undefined || ref === null) {
        throw errors.badTaskName(service, c.fn);
      }
      const spawn = spawnWith as (
        o: { signal: AbortSignal },
        f: unknown,
        ...a: unknown[]
      ) => Promise<unknown>;
      spawn({ signal: c.ac.signal }, ref, ...args).then(
        (v) => {
          let bytes: Uint8Array;
          try {
            bytes = encodeValue(codecs.structured, v);
          } catch (e) {
            finish(c, KIND_ERR, substrate.encodeError(e));
            return;
          }
          finish(c, KIND_OK, bytes);
        },
        (e: unknown) => finish(c, KIND_ERR, substrate.encodeError(e)),
      );
    } catch (e) {
      finish(c, KIND_ERR, substrate.encodeError(e));
    }
  };

  const next = (): void => {
    while (st.running < concurrency && queue.length > 0 && !stopping) {
      const c = queue.shift()!;
      st.queued = queue.length;
      run(c);
    }
    st.queued = queue.length;
    if (stopping && st.running === 0 && idle !== undefined) idle();
  };

  const onCall = (msg: Msg): void => {
    const reply = msg.reply;
    const parts = reply ? splitReply(reply) : undefined;
    if (reply === undefined || parts === undefined) return; // not a gocsp call
    const id = parts[1];
    const fn = msg.subject.slice(names.call.length + 1);
    if (held.has(id)) return; // a re-send of a call we hold: the heartbeat covers it
    const old = done.get(id);
    if (old !== undefined) {
      publish(reply, old.kind, old.data); // the result was lost: answer again, no second run
      return;
    }
    if (stopping) {
      publish(reply, KIND_RETRY, new Uint8Array(0));
      return;
    }
    st.received++;
    const c: Held = { id, fn, reply, data: msg.data, ac: new AbortController() };
    held.set(id, c);
    if (st.running < concurrency) run(c);
    else {
      queue.push(c);
      st.queued = queue.length;
    }
  };

  const onCancel = (msg: Msg): void => {
    const id = dec.decode(msg.data);
    const c = held.get(id);
    if (c === undefined) return;
    st.cancelled++;
    const i = queue.indexOf(c);
    if (i >= 0) {
      queue.splice(i, 1);
      st.queued = queue.length;
      held.delete(id);
      return;
    }
    c.ac.abort(new Error(`call ${id} cancelled by its caller`));
    // spawnWith rejects with the reason: finish() frees the slot, publishes nothing.
  };

  // Heartbeats: one message per caller prefix, listing the calls held for it.
  const heartbeat = setInterval(() => {
    const byPrefix = new Map<string, string[]>();
    for (const c of held.values()) {
      const [prefix] = splitReply(c.reply)!;
      const ids = byPrefix.get(prefix);
      if (ids === undefined) byPrefix.set(prefix, [c.id]);
      else ids.push(c.id);
    }
    for (const [prefix, ids] of byPrefix) {
      try {
        nc.publish(`${prefix}.hb`, enc.encode(ids.join('\n')));
      } catch {
        // connection closing
      }
    }
  }, HB_MS);
  heartbeat.unref();

  const subs: Subscription[] = [
    nc.subscribe(names.calls, { queue: names.queue, callback: (_e, m) => onCall(m) }),
    nc.subscribe(names.cancel, { callback: (_e, m) => onCancel(m) }),
  ];
  // The subscriptions are known to the NATS server once flushed: from then on
  // a caller anywhere reaches this server.
  await nc.flush();

  const stop = async (): Promise<void> => {
    if (!stopping) {
      stopping = true;
      for (const s of subs) s.unsubscribe();
      for (const c of queue.splice(0)) {
        held.delete(c.id);
        publish(c.reply, KIND_RETRY, new Uint8Array(0));
      }
      st.queued = 0;
      if (st.running > 0) await new Promise<void>((r) => (idle = r));
      clearInterval(heartbeat);
      resolveStopped();
    }
    return stopped;
  };
  opts.signal?.addEventListener('abort', () => void stop(), { once: true });
  if (opts.signal?.aborted) void stop();
  conn.onClose(() => {
    stopping = true;
    clearInterval(heartbeat);
    for (const c of queue.splice(0)) held.delete(c.id);
    st.queued = 0;
    for (const c of held.values()) c.ac.abort(new Error('the NATS connection closed'));
    resolveStopped();
  });

  return {
    service,
    stats: () => ({ ...st }),
    stop,
    stopped,
  };
}
