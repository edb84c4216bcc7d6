/**
 * Per-connection state shared by every remote channel and service on one
 * NATS connection: the JetStream clients (made once), and the close of the
 * connection, which every pending operation hears about.
 *
 * Invariant: once the connection is closed, `closed` is true and every
 * listener registered with `onClose` has run exactly once; a listener
 * registered after that runs at once. gocsp never opens or closes a
 * connection itself: the user does.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { errors } from '../errors.js';

export interface Conn {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  /** The manager, made on first use (it checks that the server has JetStream). */
  jsm(): Promise<JetStreamManager>;
  closed: boolean;
  /** Runs `fn` when the connection closes (at once if it is closed); returns an unregister function. */
  onClose(fn: () => void): () => void;
}

const conns = new WeakMap<NatsConnection, Conn>();

/** The state of `nc`, made on first use. Throws a TypeError for anything but a connection. */
export function connOf(nc: NatsConnection, what: string): Conn {
  if (
    typeof nc !== 'object' ||
    nc === null ||
    typeof (nc as Partial<NatsConnection>).publish !== 'function' ||
    typeof (nc as Partial<NatsConnection>).closed !== 'function'
  ) {
    throw errors.notConnection(what);
  }
  const c = conns.get(nc);
  if (c !== undefined) return c;
  const listeners = new Set<() => void>();
  let jsm: Promise<JetStreamManager> | undefined;
  const conn: Conn = {
    nc,
    js: jetstream(nc),
    jsm: () => {
      if (jsm === undefined) {
        jsm = jetstreamManager(nc).catch((e: unknown) => {
          jsm = undefined;
          throw mapJsmError(e, what);
        });
      }
      return jsm;
    },
    closed: nc.isClosed(),
    onClose(fn) {
      if (conn.closed) {
        fn();
        return () => {};
      }
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  void nc.closed().then(
    () => fireClose(),
    () => fireClose(),
  );
  function fireClose(): void {
    conn.closed = true;
    for (const fn of [...listeners]) {
      listeners.delete(fn);
      try {
        fn();
      } catch {
        // a listener's failure must not keep the others from running
      }
    }
  }
  conns.set(nc, conn);
  return conn;
}

function mapJsmError(e: unknown, what: string): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  if (/jetstream.*not enabled|no responders/i.test(msg)) return errors.noJetStream(what);
  return e;
}

/** JetStream API error code of `e` (e.g. 10077 maximum messages exceeded), or 0. */
export function apiCode(e: unknown): number {
  if (typeof e !== 'object' || e === null) return 0;
  const x = e as { code?: unknown; apiError?: () => { err_code?: number } };
  if (typeof x.apiError === 'function') {
    try {
      return x.apiError().err_code ?? 0;
    } catch {
      return 0;
    }
  }
  return typeof x.code === 'number' ? x.code : 0;
}

/** True for "nobody listens on that subject" (no stream bound, no server subscribed). */
export function isNoResponders(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (
    /no responders|not enabled/i.test(e.message) ||
    e.name === 'NoRespondersError' ||
    (e.cause instanceof Error && e.cause.name === 'NoRespondersError')
  );
}

/** True for an error that a retry after reconnecting can cure (timeouts, disconnects). */
export function isTransient(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (
    e.name === 'TimeoutError' ||
    /timeout|timed out|disconnect|reconnect|connection.*(lost|reset)/i.test(e.message) ||
    (e.cause instanceof Error && isTransient(e.cause))
  );
}

/** A promise that resolves after `ms` without keeping the process alive. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
