/**
 * RemoteChannel: a Go channel that lives in a NATS server, the same channel
 * for every process on every machine that opens the same name. The public
 * face only: the stream (internal/stream.ts), the send side
 * (internal/sender.ts) and the receive side (internal/receiver.ts) hold the
 * mechanisms and their invariants.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Codec } from '@gocsp/core';
import { codecs, selectSource, type SelectSource } from '@gocsp/channels';
import { errors } from './errors.js';
import { connOf } from './internal/conn.js';
import { Handle } from './internal/handle.js';
import { checkName } from './internal/names.js';
import { Receiver, type Outcome } from './internal/receiver.js';
import { Sender } from './internal/sender.js';
import { closeStream, consumerLoad, deleteStream, openStream } from './internal/stream.js';

/** Options of {@link remoteChan}. */
export interface RemoteChanOptions<T> {
  /**
   * Values the channel holds (0 = unbuffered: a rendezvous). Omitted: the
   * existing channel's capacity, or 0 for a new one. Opening an existing
   * channel with another capacity throws `RemoteChannelError`.
   */
  capacity?: number;
  /** How values become bytes (the channels' codecs; default `codecs.structured`). */
  codec?: Codec<T>;
  /**
   * Values a `for await` loop over this handle pulls ahead of the one it
   * processes (buffered channels; default 64, at most `capacity`). They stay
   * the channel's until handed over; unasked ones go back after a second.
   */
  readAhead?: number;
  /**
   * How long a receiving process may hold a value it pulled but did not hand
   * over before the server gives it to another receiver (default 30000 ms):
   * the time a value of a receiver that died waits. Set when the channel is
   * created; later opens use the channel's.
   */
  ackWaitMs?: number;
}

/** Options of a blocking operation. */
export interface RemoteOpOptions {
  /** Aborting rejects the operation with the signal's reason; it then had no effect. */
  signal?: AbortSignal;
}

const CODEC_NAMES = new Map<unknown, string>(
  Object.entries(codecs).map(([name, codec]) => [codec, name]),
);

function codecName(codec: Codec<unknown>): string {
  return CODEC_NAMES.get(codec) ?? `custom:${codec.name.replace(/\s+/g, '_') || 'anonymous'}`;
}

/**
 * A channel in NATS (see {@link remoteChan}). It has a local Channel's
 * surface; what needs the network returns a promise (`trySend`, `tryRecv`,
 * `close`); `cap` is exact, `len` a recent count. It stands in `select` as a
 * receive case (`onRecv(remote)`) and wherever patterns take a channel to
 * receive from.
 *
 * @example
 * ```ts
 * const jobs = await remoteChan<Job>(nc, 'jobs', { capacity: 100 });
 * await jobs.send({ id: 1 });
 * for await (const job of jobs) await handle(job);
 * ```
 */
export class RemoteChannel<T = unknown> {
  readonly #h: Handle<T>;
  readonly #rx: Receiver<T>;
  readonly #tx: Sender<T>;

  /** @internal Use `remoteChan(nc, name, options)`. */
  constructor(h: Handle<T>, readAhead: number) {
    this.#h = h;
    this.#rx = new Receiver(h, readAhead);
    this.#tx = new Sender(h);
    h.conn.onClose(() => {
      this.#rx.dispose();
      this.#tx.dispose();
      h.dispose();
    });
  }

  /** The channel's name (the same in every process). */
  get name(): string {
    return this.#h.name;
  }

  /** Capacity: exact (0 = unbuffered). */
  get cap(): number {
    return this.#h.cap;
  }

  /**
   * Values in the channel: a recent count (it may lag by a round trip; read
   * it again for a fresher one). Always 0 for an unbuffered channel.
   */
  get len(): number {
    return this.#h.recentLen();
  }

  /** The codec values travel with. */
  get codec(): Codec<T> {
    return this.#h.codec;
  }

  /**
   * Go's `ch <- v`. Buffered: resolves once the server stored the value,
   * waiting while the channel is full. Unbuffered: resolves once a receiver
   * took it. Rejects with `ClosedChannelError` if the channel is closed, a
   * TypeError for a value that cannot cross the network (nothing sent), the
   * signal's reason if aborted first (nothing sent).
   *
   * @example
   * ```ts
   * await jobs.send(job, { signal: AbortSignal.timeout(5000) });
   * ```
   */
  send(v: T, opts: RemoteOpOptions = {}): Promise<void> {
    return this.#tx.send(v, opts.signal);
  }

  /**
   * Go's `<-ch`: the next value, or `undefined` once closed and drained.
   *
   * @example
   * ```ts
   * const job = await jobs.recv();
   * ```
   */
  async recv(opts: RemoteOpOptions = {}): Promise<T | undefined> {
    return (await this.#rx.recv(opts.signal))[0];
  }

  /**
   * Go's `v, ok := <-ch`: `[v, true]`, or `[undefined, false]` once closed
   * and drained.
   *
   * @example
   * ```ts
   * const [job, ok] = await jobs.recvOk();
   * if (!ok) return; // closed
   * ```
   */
  recvOk(opts: RemoteOpOptions = {}): Promise<Outcome<T>> {
    return this.#rx.recv(opts.signal);
  }

  /**
   * Non-blocking send: `false` if the channel is full (buffered) or no
   * receiver took the value at once (unbuffered). Rejects with
   * `ClosedChannelError` if closed.
   *
   * @example
   * ```ts
   * if (!(await jobs.trySend(job))) console.log('busy, try later');
   * ```
   */
  trySend(v: T): Promise<boolean> {
    return this.#tx.trySend(v);
  }

  /**
   * Non-blocking receive: a value, `[undefined, false]` if closed and
   * drained, or `undefined` if none is available now (one round trip to
   * find out).
   *
   * @example
   * ```ts
   * const r = await jobs.tryRecv();
   * if (r === undefined) console.log('empty');
   * ```
   */
  async tryRecv(): Promise<Outcome<T> | undefined> {
    this.#h.check();
    if (this.#rx.ready > 0 || this.#rx.isDrained) return this.#rx.recv();
    const load = await consumerLoad(this.#h.conn, this.#h.name);
    if (load.pending === 0) {
      const s = await this.#h.refresh();
      if (!s.closed || (this.#h.cap > 0 && s.messages > 0)) return undefined;
    }
    // Something is there (or the close needs draining): a receive bounded by a short wait.
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), 1000);
    t.unref();
    try {
      return await this.#rx.recv(ac.signal);
    } catch (e) {
      if (ac.signal.aborted && e === ac.signal.reason) return undefined;
      throw e;
    } finally {
      clearTimeout(t);
    }
  }

  /**
   * Go's `close(ch)`, seen by every process: receivers drain what is left,
   * then get `[undefined, false]`; later sends (and blocked ones)
   * reject with `ClosedChannelError`. Closing a closed channel rejects with
   * `ClosedChannelError`.
   *
   * @example
   * ```ts
   * await jobs.close();
   * ```
   */
  async close(): Promise<void> {
    this.#h.check();
    if (this.#h.closed || !(await closeStream(this.#h.conn, this.#h.name))) {
      throw errors.closeOfClosed();
    }
    this.#h.announceClosed();
  }

  /**
   * Go's `for v := range ch`: every value until the channel is closed and
   * drained. Pulls up to `readAhead` values ahead while the loop runs.
   *
   * @example
   * ```ts
   * for await (const job of jobs) await handle(job);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    this.#rx.iterate(1);
    try {
      for (;;) {
        const [v, ok] = await this.#rx.recv();
        if (!ok) return;
        yield v;
      }
    } finally {
      this.#rx.iterate(-1);
    }
  }

  /** The receive side as a select source (`onRecv(remote)` in `select`). */
  get [selectSource](): SelectSource<T> {
    return this.#rx.source;
  }

  /** One line for logs: name, cap and the recent len. */
  toString(): string {
    return `RemoteChannel(${this.name}, cap ${this.cap}, len ${this.#h.len})`;
  }

  /** `util.inspect` shows the one-line summary. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** JSON: the name and capacity (enough to open it again elsewhere). */
  toJSON(): { remoteChan: string; cap: number } {
    return { remoteChan: this.name, cap: this.cap };
  }
}

/**
 * Opens the remote channel `name` on NATS connection `nc`, creating it if it
 * does not exist: every process that opens the same name gets the same
 * channel. Buffered (`capacity > 0`): a JetStream work-queue stream holding
 * at most `capacity` values, which survive restarts of the server and of
 * every client. Unbuffered (default for a new channel): a rendezvous.
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node';
 * const nc = await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222' });
 * const results = await remoteChan<number>(nc, 'results', { capacity: 64 });
 * await results.send(42);
 * console.log(await results.recv()); // 42
 * ```
 */
export async function remoteChan<T = unknown>(
  nc: NatsConnection,
  name: string,
  opts: RemoteChanOptions<T> = {},
): Promise<RemoteChannel<T>> {
  const conn = connOf(nc, 'remoteChan');
  checkName('remoteChan', name);
  const { capacity } = opts;
  if (
    capacity !== undefined &&
    (!Number.isInteger(capacity) || capacity < 0 || capacity > 2 ** 31 - 1)
  ) {
    throw errors.badCapacity(capacity);
  }
  const codec = (opts.codec ?? codecs.structured) as Codec<T>;
  const readAhead = opts.readAhead ?? 64;
  if (!Number.isInteger(readAhead) || readAhead < 0) {
    throw new RangeError(`remoteChan: readAhead must be an integer >= 0, got ${String(readAhead)}`);
  }
  const { ackWaitMs } = opts;
  if (ackWaitMs !== undefined && !(Number.isInteger(ackWaitMs) && ackWaitMs >= 5000)) {
    throw new RangeError(
      `remoteChan: ackWaitMs must be an integer >= 5000 (values pulled ahead are held up to 2 s), got ${String(ackWaitMs)}`,
    );
  }
  if (conn.closed) throw errors.connectionClosed(`remoteChan('${name}')`);
  const { cap, state, consumer } = await openStream(
    conn,
    name,
    capacity,
    codecName(codec),
    ackWaitMs,
  );
  return new RemoteChannel<T>(new Handle(conn, name, cap, codec, state, consumer), readAhead);
}

/**
 * Deletes the remote channel `name` and every value in it (its JetStream
 * stream); resolves false if there was none. Processes that still use it get
 * `RemoteChannelError` on their next operation. A closed channel stays
 * closed until deleted: this is how a name is reused.
 *
 * @example
 * ```ts
 * await deleteRemoteChan(nc, 'jobs');
 * ```
 */
export async function deleteRemoteChan(nc: NatsConnection, name: string): Promise<boolean> {
  const conn = connOf(nc, 'deleteRemoteChan');
  checkName('deleteRemoteChan', name);
  return deleteStream(conn, name);
}
