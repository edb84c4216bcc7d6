/**
 * Errors of @gocsp/nats, in one place. A closed remote channel throws
 * `ClosedChannelError` from @gocsp/channels (the same class as a local one);
 * an overall deadline of a remote call rejects with @gocsp/patterns'
 * `DeadlineExceededError`. Everything here says what to do next.
 */
import { GocspError } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';
import { ClosedChannelError } from '@gocsp/channels';

/**
 * No process serves the service that was called (nobody subscribed to its
 * subject): the call was not run anywhere. Raised at once, never after a wait.
 *
 * @example
 * ```ts
 * try { await remote.resize(img, 64); }
 * catch (e) { if (e instanceof NoRespondersError) console.error('start a server: serveTasks(nc, "images", tasks)'); }
 * ```
 */
export class NoRespondersError extends GocspError {
  override name = 'NoRespondersError';
  readonly code = 'NO_RESPONDERS';
}

/**
 * The NATS connection was closed (by `nc.close()`, or after it gave up
 * reconnecting) while an operation was pending. A receive that rejects with
 * it took nothing: unacknowledged values stay in the channel for other
 * receivers. A send or a call that rejects with it may or may not have
 * reached the server (the error's `delivered` says `'unknown'` then).
 *
 * @example
 * ```ts
 * try { await ch.recv(); } catch (e) { if (e instanceof ConnectionClosedError) reconnectAndRetry(); }
 * ```
 */
export class ConnectionClosedError extends GocspError {
  override name = 'ConnectionClosedError';
  readonly code = 'CONNECTION_CLOSED';
  /** For a send or a call: whether the value or call reached the server before the close. */
  readonly delivered: 'no' | 'unknown';
  constructor(message: string, delivered: 'no' | 'unknown' = 'no') {
    super(message);
    this.delivered = delivered;
  }
}

/**
 * A remote channel of that name exists with another capacity or codec than
 * asked for, or was deleted under a process that still used it.
 *
 * @example
 * ```ts
 * try { await remoteChan(nc, 'jobs', { capacity: 8 }); }
 * catch (e) { if (e instanceof RemoteChannelError) console.error(e.message); }
 * ```
 */
export class RemoteChannelError extends GocspError {
  override name = 'RemoteChannelError';
}

// Each arrives as an instance of its class when it crosses threads or the
// network (core's error wire, which remote task errors travel by too).
substrate.registerErrorClass(NoRespondersError);
substrate.registerErrorClass(ConnectionClosedError);
substrate.registerErrorClass(RemoteChannelError);

export const errors = {
  sendOnClosed: () => new ClosedChannelError('send on closed channel'),
  closeOfClosed: () => new ClosedChannelError('close of closed channel'),
  badName: (what: string, name: unknown) =>
    new TypeError(
      `${what}: a name is 1 to 128 characters of letters, digits, '-' and '_' (it becomes part of NATS subjects and stream names), got ${typeof name === 'string' ? JSON.stringify(name) : typeof name}`,
    ),
  badCapacity: (c: unknown) =>
    new RangeError(`remoteChan: capacity must be an integer from 0 to 2^31-1, got ${String(c)}`),
  notConnection: (what: string) =>
    new TypeError(
      `${what}: expected a NATS connection: import { connect } from '@nats-io/transport-node'; const nc = await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222' })`,
    ),
  connectionClosed: (what: string, delivered: 'no' | 'unknown' = 'no') =>
    new ConnectionClosedError(
      delivered === 'no'
        ? `${what}: the NATS connection is closed; connect again (nothing was taken or sent)`
        : `${what}: the NATS connection closed before the server confirmed; the value or call may or may not have arrived`,
      delivered,
    ),
  mismatch: (name: string, want: string, have: string) =>
    new RemoteChannelError(
      `remoteChan('${name}'): the channel exists with ${have}, not ${want}; open it with the same options (or delete it with deleteRemoteChan first)`,
    ),
  deleted: (name: string) =>
    new RemoteChannelError(
      `remote channel '${name}' was deleted (its JetStream stream is gone); open it again with remoteChan to make a new one`,
    ),
  noJetStream: (what: string) =>
    new RemoteChannelError(
      `${what}: the NATS server has no JetStream; start it with JetStream on (nats-server -js -sd <dir>)`,
    ),
  noResponders: (service: string, fn: string) =>
    new NoRespondersError(
      `no server for service '${service}' (calling ${fn}): start one with serveTasks(nc, '${service}', tasks) on a process connected to the same NATS server`,
    ),
  notShareable: (what: string) =>
    new TypeError(
      `cannot send ${what} over the network: gocsp shared objects (channels, Mutex, WaitGroup, ...) and SharedArrayBuffers live in one machine's memory. Send plain data instead (a remote channel's name, an id)`,
    ),
  badTaskName: (service: string, name: string) =>
    new TypeError(
      `service '${service}' has no task '${name}': the served tasks are the exports of the module given to serveTasks`,
    ),
  badTasks: () =>
    new TypeError(
      'serveTasks: expected the task references of a module: taskModule<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url))',
    ),
  badTimeout: (ms: unknown) =>
    new RangeError(`timeoutMs must be a number of milliseconds > 0, got ${String(ms)}`),
  badConcurrency: (n: unknown) =>
    new RangeError(`serveTasks: concurrency must be an integer >= 1, got ${String(n)}`),
} as const;
