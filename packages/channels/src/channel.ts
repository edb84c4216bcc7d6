/**
 * Channel<T>: the public face of a Go channel, a thin facade over one flavor
 * (internal/flavors, crossbeam-channel's way):
 *
 * - local.ts: a channel no other thread can see yet, in this thread's heap;
 * - array.ts: buffered, in shared memory: a lock-free ring;
 * - zero.ts: unbuffered, in shared memory: hand-off in the waiter's node;
 * - promote.ts: local -> shared, once, when another thread could see the
 *   channel or an operation needs the shared side (select, `*Sync`).
 *
 * Each flavor owns its memory layout and states its invariants; this file
 * only dispatches, and select.ts reaches the shared flavor through
 * `sharedOf`.
 */
import * as substrate from '@gocsp/core/internal';
import { codecs, type Codec } from './codec.js';
import { ClosedChannelError, errors, rejected } from './errors.js';
import {
  CLOSED as L_CLOSED,
  EMPTY as L_EMPTY,
  L_RECV,
  L_RECV_OK,
  L_SEND,
  LocalChan,
  RAW_FLOAT64,
  RAW_INT32,
  RAW_NONE,
  RAW_STRING,
  RAW_STRUCTURED,
} from './internal/flavors/local.js';
import {
  CODECS_BY_ID,
  CODEC_IDS,
  DEFAULT_SLOT_BYTES,
  TYPE_ID,
  codecIdOf,
  maxValueBytes,
  openShared,
} from './internal/flavors/open.js';
import { promote } from './internal/flavors/promote.js';
import {
  CLOSED,
  CLOSED_RESULT,
  EMPTY,
  OP_RECV,
  OP_RECV_OK,
  type SharedChan,
} from './internal/flavors/shared.js';

// Bound once: the package's CommonJS namespace reads every export through a getter.
const { assertMayBlock } = substrate;

const RESOLVED = Promise.resolve();
const TYPE = 'chan.Channel';
/** Values a batch operation hands to the flavor at a time. */
const RUN = 64;

/**
 * Makes a custom codec usable on channels that cross threads: register it
 * under the same id (100..65535) in every thread that uses such a channel.
 *
 * @example
 * ```ts
 * registerCodec(100, myPointCodec);
 * const ch = chan<Point>(16, { codec: myPointCodec });
 * ```
 */
export function registerCodec(id: number, codec: Codec<unknown>): void {
  if (!Number.isInteger(id) || id < 100 || id > 65535) {
    throw new RangeError(`codec ids from 100 to 65535 are for users, got ${substrate.shown(id)}`);
  }
  CODEC_IDS.set(codec, id);
  CODECS_BY_ID.set(id, codec);
}

/** Options of `chan`. */
export interface ChanOptions<T> {
  /** How values become bytes; default `codecs.structured`. */
  codec?: Codec<T>;
  /**
   * Bytes a ring slot holds inline (default 128; 4 for int32, 8 for float64).
   * Larger values are stored out of line in the shared heap, so this is a
   * speed/memory trade-off, not a size limit: the limit on one value is the
   * shared heap (GOCSP_MAX_MEMORY, 1 GiB by default).
   */
  slotBytes?: number;
}

/** Options of a blocking operation. */
export interface OpOptions {
  /** Aborting rejects the operation with the signal's reason; it then had no effect. */
  signal?: AbortSignal;
}

let reviving: substrate.SharedRef | undefined;

/** The shared flavor of a channel, promoting a local one (for select.ts). */
export let sharedOf: <T>(ch: Channel<T>) => SharedChan<T>;

/**
 * A Go channel over shared memory, usable between any threads: main, gocsp
 * goroutines, hand-made workers (send it inside any value, or with
 * `toShared`).
 *
 * @example
 * ```ts
 * const ch = chan<number>(); // unbuffered
 * void (async () => { for (let i = 0; i < 3; i++) await ch.send(i); ch.close(); })();
 * for await (const v of ch) console.log(v); // 0 1 2
 * ```
 */
export class Channel<T = unknown> {
  /** The shared flavor, once promoted. */
  #sh: SharedChan<T> | undefined;
  /** The local flavor while the channel has never been shared. */
  #local: LocalChan | undefined;
  readonly #codec: Codec<T>;
  readonly #codecId: number;
  readonly #slotBytes: number;

  static {
    sharedOf = <T>(ch: Channel<T>): SharedChan<T> => ch.#sh ?? ch.#promote();
  }

  /** Use `chan(capacity, options)`. */
  constructor(capacity = 0, options: ChanOptions<T> = {}) {
    const r = reviving;
    reviving = undefined;
    if (r !== undefined) {
      const sh = openShared(r.world, r.ref) as SharedChan<T>;
      sh.owner = this;
      this.#sh = sh;
      this.#codec = sh.carrier.codec;
      this.#codecId = codecIdOf(r.world, r.ref);
      this.#slotBytes = 0;
      return;
    }
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 1 << 24) {
      throw errors.badCapacity(capacity);
    }
    const codec = (options.codec ?? codecs.structured) as Codec<T>;
    const codecId = CODEC_IDS.get(codec) ?? -1;
    const slotBytes =
      options.slotBytes ?? (codecId === 4 ? 4 : codecId === 5 ? 8 : DEFAULT_SLOT_BYTES);
    if (!Number.isInteger(slotBytes) || slotBytes < 4 || slotBytes > 65536) {
      throw errors.badSlotBytes(slotBytes);
    }
    this.#codec = codec;
    this.#codecId = codecId;
    this.#slotBytes = slotBytes;
    this.#local = new LocalChan(
      capacity,
      codec,
      rawKind(codec),
      maxValueBytes(substrate.defaultWorld()),
    );
  }

  /** Moves the local flavor into shared memory for good (promote.ts). */
  #promote(): SharedChan<T> {
    const sh = promote(this.#local!, this.#codec, this.#codecId, this.#slotBytes);
    sh.owner = this;
    this.#sh = sh;
    this.#local = undefined;
    substrate.rememberObject(sh.world, sh.ref, this);
    return sh;
  }

  /** @internal */
  get [substrate.kShared](): substrate.SharedRef {
    if (this.#codecId === -1) {
      throw new TypeError(
        `this channel's codec${typeof this.#codec.name === 'string' ? ` "${this.#codec.name}"` : ''} is not registered: call registerCodec(id, codec) on every thread, then make the channel`,
      );
    }
    const sh = sharedOf(this);
    return { world: sh.world, ref: sh.ref };
  }

  /** Id of the channel, the same on every thread. */
  get id(): number {
    return sharedOf(this).ref;
  }

  /** @internal How a goroutine dump names it (never promotes a local channel). */
  [substrate.kDescribe](): string {
    const l = this.#local;
    if (l !== undefined) return l[substrate.kDescribe]();
    const sh = this.#sh!;
    return `chan ${sh.ref} (cap ${sh.cap}, len ${sh.len})`;
  }

  /** Values buffered now (racy, as in Go). */
  get len(): number {
    const l = this.#local;
    return l !== undefined ? l.buf.length : this.#sh!.len;
  }

  /** Capacity. */
  get cap(): number {
    const l = this.#local;
    return l !== undefined ? l.cap : this.#sh!.cap;
  }

  /**
   * @internal One line for util.inspect: `Channel { id: 12, cap: 4, len: 1,
   * closed: false }` (a channel never shared yet has no id: `local: true`).
   */
  [substrate.inspectCustom](): string {
    return this.#summary().text;
  }

  /**
   * What JSON.stringify makes of a channel: `{ kind, id, cap, len, closed }`.
   *
   * @example
   * ```ts
   * JSON.stringify({ ch }); // '{"ch":{"kind":"Channel","id":12,"cap":4,"len":1,"closed":false}}'
   * ```
   */
  toJSON(): Record<string, string | number | boolean | null> {
    return this.#summary().json;
  }

  #summary(): ReturnType<typeof substrate.sharedSummary> {
    const l = this.#local;
    if (l !== undefined) {
      return substrate.sharedSummary('Channel', {
        local: true,
        cap: l.cap,
        len: l.buf.length,
        closed: l.closed,
      });
    }
    const sh = this.#sh!;
    return substrate.sharedSummary('Channel', {
      id: sh.ref,
      cap: sh.cap,
      len: sh.len,
      closed: sh.closed,
    });
  }

  /**
   * Sends `v`: resolves once a receiver took it (unbuffered) or it is in the
   * buffer. Rejects with ClosedChannelError if the channel is or gets closed.
   *
   * @example
   * ```ts
   * await ch.send({ id: 1 }, { signal: AbortSignal.timeout(100) });
   * ```
   */
  send(v: T, opts?: OpOptions): Promise<void> {
    const sh = this.#sh;
    if (sh !== undefined) return sh.send(v, opts?.signal);
    return sendLocal(this.#local!, v, opts?.signal);
  }

  /**
   * Sends without waiting: false if it would block. Throws ClosedChannelError
   * on a closed channel.
   *
   * @example
   * ```ts
   * if (!ch.trySend(job)) dropped++;
   * ```
   */
  trySend(v: T): boolean {
    const sh = this.#sh;
    if (sh !== undefined) return sh.trySend(sh.carrier.prepare(v));
    const l = this.#local!;
    return l.trySend(l.carry(v));
  }

  /**
   * Blocking send for worker threads (throws on the main thread).
   *
   * @example
   * ```ts
   * ch.sendSync(42);
   * ```
   */
  sendSync(v: T): void {
    assertMayBlock();
    (this.#sh ?? this.#promote()).sendSync(v);
  }

  /**
   * Receives a value; `undefined` once the channel is closed and drained.
   *
   * @example
   * ```ts
   * const v = await ch.recv();
   * ```
   */
  recv(opts?: OpOptions): Promise<T | undefined> {
    const sh = this.#sh;
    if (sh !== undefined) return sh.recv(OP_RECV, opts?.signal) as Promise<T | undefined>;
    return recvLocal(this.#local!, L_RECV, opts?.signal) as Promise<T | undefined>;
  }

  /**
   * Receives with Go's `v, ok := <-ch`: `[v, true]`, or `[undefined, false]`
   * once closed and drained.
   *
   * @example
   * ```ts
   * const [v, ok] = await ch.recvOk();
   * ```
   */
  recvOk(opts?: OpOptions): Promise<[T, true] | [undefined, false]> {
    const sh = this.#sh;
    if (sh !== undefined) {
      return sh.recv(OP_RECV_OK, opts?.signal) as Promise<[T, true] | [undefined, false]>;
    }
    return recvLocal(this.#local!, L_RECV_OK, opts?.signal) as Promise<
      [T, true] | [undefined, false]
    >;
  }

  /**
   * Receives without waiting: `undefined` if it would block, else like `recvOk`.
   *
   * @example
   * ```ts
   * const got = ch.tryRecv(); if (got && got[1]) use(got[0]);
   * ```
   */
  tryRecv(): [T, true] | [undefined, false] | undefined {
    const sh = this.#sh;
    if (sh !== undefined) {
      const r = sh.tryRecv();
      return r === EMPTY ? undefined : r === CLOSED ? [undefined, false] : [r, true];
    }
    const l = this.#local!;
    const item = l.tryRecv();
    if (item === L_EMPTY) return undefined;
    if (item === L_CLOSED) return [undefined, false];
    return [l.decode(item) as T, true];
  }

  /**
   * Blocking receive for worker threads (throws on the main thread).
   *
   * @example
   * ```ts
   * const v = ch.recvSync();
   * ```
   */
  recvSync(): T | undefined {
    assertMayBlock();
    const r = (this.#sh ?? this.#promote()).recvSync();
    return r === CLOSED ? undefined : r;
  }

  /**
   * Sends every value of `values`, in order, as `send` would one by one, and
   * resolves with how many were sent. On a buffered channel each run of
   * values that fits is published with one release (one atomic store for
   * the run, where `send` does one per value), so a producer that has values
   * at hand moves them several times faster. It waits, as `send` does,
   * whenever the buffer is full. Rejects with ClosedChannelError if the
   * channel is or gets closed (its `sent` says how many values were sent
   * before), or with the signal's reason if aborted: the values before that
   * point were sent, the rest were not.
   *
   * @example
   * ```ts
   * const ch = chan<number>(1024, { codec: codecs.int32 });
   * await ch.sendMany([1, 2, 3]);
   * await ch.sendMany(readings(), { signal }); // any iterable
   * ```
   */
  async sendMany(values: Iterable<T>, opts?: OpOptions): Promise<number> {
    const signal = opts?.signal;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as is
    if (signal?.aborted) return Promise.reject(signal.reason);
    let sent = 0;
    const chunk: T[] = [];
    try {
      for (const run of chunks(values, chunk)) {
        let i = 0;
        while (i < run) {
          if (signal?.aborted) throw signal.reason;
          const k = this.#trySendRun(chunk, i, run - i);
          sent += k;
          i += k;
          if (i < run) {
            await this.send(chunk[i]!, opts); // full: wait for room, as send does
            sent++;
            i++;
          }
        }
      }
    } catch (e) {
      throw countSent(e, sent);
    }
    return sent;
  }

  /**
   * Blocking `sendMany` for worker threads (throws on the main thread):
   * returns how many were sent (all of them; a close throws
   * ClosedChannelError, the values before it sent).
   *
   * @example
   * ```ts
   * ch.sendManySync(batch);
   * ```
   */
  sendManySync(values: Iterable<T>): number {
    assertMayBlock();
    const sh = this.#sh ?? this.#promote();
    let sent = 0;
    const chunk: T[] = [];
    try {
      for (const run of chunks(values, chunk)) {
        let i = 0;
        while (i < run) {
          const k = this.#trySendRun(chunk, i, run - i);
          sent += k;
          i += k;
          if (i < run) {
            // Full: wait a moment for room for the rest of the run (up to a
            // quarter of the ring), so that it goes out in one piece rather
            // than a value at a time right behind the receivers; else block
            // on one value, as sendSync does.
            if (k > 0 || sh.waitRoom(Math.min(run - i, sh.cap >> 2))) continue;
            sh.sendSync(chunk[i]!);
            sent++;
            i++;
          }
        }
      }
    } catch (e) {
      throw countSent(e, sent);
    }
    return sent;
  }

  /**
   * Receives up to `max` values at once, in order: waits (as `recv` does)
   * until at least one is there, then takes what else is there without
   * waiting. An empty array means the channel is closed and drained. On a
   * buffered channel the values are taken with one release for the run.
   *
   * A value its codec cannot decode (the codec's `decode` threw) is lost,
   * as with `recv`, and recvMany throws that error; the values it did
   * receive in the same call are on the error's `received` property, in
   * order (a non-object error is wrapped in an Error with it as `cause`).
   *
   * @example
   * ```ts
   * for (let got = await ch.recvMany(64); got.length > 0; got = await ch.recvMany(64)) {
   *   for (const v of got) handle(v);
   * }
   * ```
   */
  async recvMany(max: number, opts?: OpOptions): Promise<T[]> {
    checkMax(max);
    const signal = opts?.signal;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as is
    if (signal?.aborted) return Promise.reject(signal.reason);
    const out: T[] = [];
    try {
      const r = this.#tryRecvRun(max, out);
      if (r !== EMPTY) return out;
      const [v, ok] = await this.recvOk(opts);
      if (!ok) return out;
      out.push(v);
      if (max > 1) this.#tryRecvRun(max - 1, out);
      return out;
    } catch (e) {
      throw withReceived(e, out);
    }
  }

  /**
   * Blocking `recvMany` for worker threads (throws on the main thread).
   *
   * @example
   * ```ts
   * const got = ch.recvManySync(64); // [] once closed and drained
   * ```
   */
  recvManySync(max: number): T[] {
    checkMax(max);
    assertMayBlock();
    const sh = this.#sh ?? this.#promote();
    const out: T[] = [];
    try {
      const r = this.#tryRecvRun(max, out);
      if (r !== EMPTY) return out;
      const v = sh.recvSync();
      if (v === CLOSED) return out;
      out.push(v);
      if (max > 1) this.#tryRecvRun(max - 1, out);
      return out;
    } catch (e) {
      throw withReceived(e, out);
    }
  }

  /**
   * Sends `vs[from, from + n)` while it goes without blocking: how many did
   * (0: the buffer is full). Throws if the first value cannot go (its
   * codec's error, or closed).
   */
  #trySendRun(vs: T[], from: number, n: number): number {
    const sh = this.#sh;
    if (sh === undefined || sh.cap === 0) {
      // One value at a time (local: no release to save; unbuffered: a rendezvous each).
      const l = this.#local;
      let k = 0;
      try {
        if (l !== undefined) while (k < n && l.trySend(l.carry(vs[from + k]))) k++;
        else while (k < n && sh!.trySend(sh!.carrier.prepare(vs[from + k]!))) k++;
      } catch (e) {
        if (k === 0) throw e; // else the caller's send of that value meets it again
      }
      return k;
    }
    // A value its codec refuses ends the run: the ones before it still go,
    // and it throws its codec's error once it comes first (as above).
    // A codec that encodes eagerly gives new values (bytes); the others
    // only check a value, which then goes as it is, from `vs` itself.
    const c = sh.carrier;
    const ps: unknown[] = c.eager ? [] : vs;
    const at = c.eager ? 0 : from;
    let m = 0;
    for (; m < n; m++) {
      let p: unknown;
      try {
        p = c.prepare(vs[from + m]!);
      } catch (e) {
        if (m === 0) throw e;
        break;
      }
      if (c.eager) ps.push(p);
    }
    let sent = 0;
    let failure: unknown;
    let failed = false;
    try {
      while (sent < m) {
        const k = sh.trySendRun(ps, at + sent, m - sent);
        if (k === 0) break;
        sent += k;
        if (sh.runFailed) break; // stopped at a value that failed: see below
      }
    } catch (e) {
      failed = true;
      failure = e;
    }
    // What did not go is given back, except a value whose put failed: the
    // carrier gave its encoding back already (sending it again would send
    // what was given back).
    for (let k = sent + (sh.runFailed ? 1 : 0); k < m; k++) c.discard(ps[at + k]);
    // Closed (or a value failed) after some went: report those; the
    // caller's send of the next value meets the same error.
    if (failed && sent === 0) throw failure;
    return sent;
  }

  /** Receives up to `max` values without blocking into `out`: how many, or EMPTY / CLOSED. */
  #tryRecvRun(max: number, out: T[]): number | typeof EMPTY | typeof CLOSED {
    const sh = this.#sh;
    if (sh === undefined) return this.#local!.tryRecvRun(max, out);
    return sh.tryRecvRun(max, out);
  }

  /**
   * Closes the channel: receivers drain the buffer then get `[undefined,
   * false]`; blocked and later senders get ClosedChannelError. Closing twice
   * throws.
   *
   * @example
   * ```ts
   * ch.close();
   * ```
   */
  close(): void {
    const sh = this.#sh;
    if (sh !== undefined) sh.close();
    else this.#local!.close();
  }

  /**
   * Go's `for v := range ch`: yields values until the channel is closed and drained.
   *
   * @example
   * ```ts
   * for await (const v of ch) handle(v);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const [v, ok] = await this.recvOk();
      if (!ok) return;
      yield v;
    }
  }
}

/** Fills `chunk` with up to RUN values of `values` at a time; yields each chunk's length. */
function* chunks<T>(values: Iterable<T>, chunk: T[]): Generator<number> {
  if (Array.isArray(values)) {
    const all = values as T[];
    for (let i = 0; i < all.length; i += RUN) {
      chunk.length = 0;
      for (let j = i; j < Math.min(all.length, i + RUN); j++) chunk.push(all[j]!);
      yield chunk.length;
    }
    return;
  }
  chunk.length = 0;
  for (const v of values) {
    chunk.push(v);
    if (chunk.length === RUN) {
      yield RUN;
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) yield chunk.length;
}

/**
 * A receive of a run failed (a value its codec could not decode): the
 * values received before and after it in the same call go with the error,
 * as `received`, so that none is lost.
 */
function withReceived(e: unknown, received: unknown[]): unknown {
  if (received.length === 0) return e;
  const err =
    typeof e === 'object' && e !== null
      ? e
      : new Error(`recvMany: a value could not be decoded: ${String(e)}`, { cause: e });
  try {
    Object.defineProperty(err, 'received', {
      value: received,
      configurable: true,
      writable: true,
    });
  } catch {
    // A frozen error: it goes as it is.
  }
  return err;
}

/** A ClosedChannelError met by a batch learns how many values went before it. */
function countSent(e: unknown, sent: number): unknown {
  if (e instanceof ClosedChannelError) e.sent = sent;
  return e;
}

function checkMax(max: number): void {
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(
      `recvMany takes at most a positive integer number of values, got ${String(max)}`,
    );
  }
}

function sendLocal(l: LocalChan, v: unknown, signal: AbortSignal | undefined): Promise<void> {
  let item: unknown;
  try {
    item = l.carry(v);
    if (signal?.aborted) {
      l.dispose(item);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as is
      return Promise.reject(signal.reason);
    }
    if (l.trySend(item)) return RESOLVED;
  } catch (e) {
    return rejected(e);
  }
  return l.wait(L_SEND, item, signal) as Promise<void>;
}

function recvLocal(l: LocalChan, kind: number, signal: AbortSignal | undefined): Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as is
  if (signal?.aborted) return Promise.reject(signal.reason);
  const item = l.tryRecv();
  if (item === L_EMPTY) return l.wait(kind, undefined, signal);
  if (item === L_CLOSED) return Promise.resolve(kind === L_RECV ? undefined : CLOSED_RESULT);
  try {
    const v = l.decode(item);
    return Promise.resolve(kind === L_RECV ? v : [v, true]);
  } catch (e) {
    return rejected(e);
  }
}

function rawKind(codec: Codec<unknown>): number {
  if (codec === codecs.structured) return RAW_STRUCTURED;
  if (codec === codecs.int32) return RAW_INT32;
  if (codec === codecs.float64) return RAW_FLOAT64;
  if (codec === codecs.string) return RAW_STRING;
  return RAW_NONE;
}

substrate.registerSharedType(
  TYPE_ID,
  TYPE,
  (world, ref) => {
    reviving = { world, ref };
    try {
      return new Channel();
    } finally {
      reviving = undefined;
    }
  },
  import.meta.url,
);

/**
 * Makes a channel: unbuffered (rendezvous) for capacity 0, else a FIFO buffer
 * of `capacity` values.
 *
 * @example
 * ```ts
 * const jobs = chan<Job>(100);
 * const nums = chan<number>(1024, { codec: codecs.int32 });
 * ```
 */
export function chan<T = unknown>(capacity = 0, options: ChanOptions<T> = {}): Channel<T> {
  return new Channel<T>(capacity, options);
}
