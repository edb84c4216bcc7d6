/**
 * Channel<T>: the public face of a Go channel (internal/hchan.ts holds the
 * shared-memory side and its invariants). Operations encode values outside
 * the channel's lock, then take the lock for a few words of bookkeeping; a
 * blocked operation parks through core's parker, so a same-thread hand-off
 * never touches Atomics.notify and a cross-thread one notifies only a
 * sleeping thread.
 */
import * as substrate from '@gocsp/core/internal';
import { codecs, type Codec } from './codec.js';
import { errors, rejected } from './errors.js';
import {
  CAP,
  CLOSED,
  CODEC,
  FULL,
  HChan,
  LEN,
  LOCK,
  channelWords,
  initChannel,
} from './internal/hchan.js';
import { storeValue, takeValue } from './internal/values.js';
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
  type LocalOp,
} from './internal/local.js';

const { N_A, N_B, N_C, WR_CHAN_RECV, WR_CHAN_SEND } = substrate;
const RESOLVED = Promise.resolve();
/** Polls a *Sync operation spins (about 50 ns each) before it queues itself. */
const OP_SPIN = 400;
/** Word fast path kinds (codecs whose values are one or two machine words). */
const W_NONE = 0;
const W_INT32 = 1;
const W_FLOAT64 = 2;
/** The structured codec: numbers take the fast path, anything else the general one. */
const W_STRUCTURED = 3;
const f64 = new Float64Array(1);
const f64w = new Int32Array(f64.buffer);
const f64b = new Uint8Array(f64.buffer);
const NUM_TAG = substrate.STRUCTURED_NUMBER_TAG;
const TYPE = 'chan.Channel';
/** Shared type id of channels (ids 16-23 are this package's; see core's internal/types.ts). */
const TYPE_ID = 16;
const NONE = -1;
const DEFAULT_SLOT_BYTES = 128;

const CODEC_IDS = new Map<Codec<unknown>, number>([
  [codecs.structured, 0],
  [codecs.json, 1],
  [codecs.string, 2],
  [codecs.bytes, 3],
  [codecs.int32, 4],
  [codecs.float64, 5],
]);
const CODECS_BY_ID = new Map([...CODEC_IDS].map(([c, id]) => [id, c]));

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

/**
 * Largest value a channel carries: an eighth of the shared heap (128 MiB with
 * the default GOCSP_MAX_MEMORY of 1 GiB), so one value cannot starve the rest.
 */
export function maxValueBytes(world: substrate.World): number {
  return Math.floor((world.i32.length * 4) / 8);
}

/** Throws a TypeError, before anything is sent, for a value too large to carry. */
export function checkSize(bytes: Uint8Array, world: substrate.World): void {
  const max = maxValueBytes(world);
  if (bytes.length > max) throw errors.tooLarge(bytes.length, max);
}

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
  /** @internal */ readonly codec: Codec<T>;
  /** Shared-memory side, once promoted (see `h`). */
  private sh: HChan | undefined;
  /** Local side while the channel has never been shared (internal/local.ts). */
  private local: LocalChan | undefined;
  private readonly slotBytes: number;
  private readonly codecId: number;
  /** Word fast path: int32 / float64 values skip encoding and go straight into a ring slot. */
  private readonly word: number;

  /** Use `chan(capacity, options)`. */
  constructor(capacity = 0, options: ChanOptions<T> = {}) {
    const r = reviving;
    reviving = undefined;
    if (r !== undefined) {
      this.sh = HChan.open(r.world, r.ref);
      const id = this.sh.i32[CODEC]!;
      const codec = CODECS_BY_ID.get(id);
      if (codec === undefined) {
        throw new TypeError(
          `a channel arrived with custom codec id ${id}: call registerCodec(${id}, codec) in this thread first`,
        );
      }
      this.codec = codec as Codec<T>;
      this.word = wordKind(codec);
      this.slotBytes = 0;
      this.codecId = id;
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
    this.codec = codec;
    this.word = wordKind(codec);
    this.slotBytes = slotBytes;
    this.codecId = codecId;
    this.local = new LocalChan(
      capacity,
      codec,
      rawKind(codec),
      maxValueBytes(substrate.defaultWorld()),
    );
  }

  /**
   * @internal The shared-memory side. Reading it moves a local channel into
   * shared memory for good (promotion): whatever needs the shared side
   * (another thread, select, the *Sync forms) goes through here.
   */
  get h(): HChan {
    return this.sh ?? this.promote();
  }

  /** Moves the local state (buffer, waiters, closed) into a new shared channel. */
  private promote(): HChan {
    const l = this.local!;
    const world = substrate.defaultWorld();
    const words = channelWords(l.cap, this.slotBytes);
    const ref = substrate.allocObject(world, TYPE_ID, words);
    initChannel(
      new Int32Array(world.sab, (ref + substrate.OBJ_HEADER) * 4, words),
      l.cap,
      this.slotBytes,
      this.codecId,
    );
    const h = HChan.open(world, ref);
    const w = world.i32;
    const moved: [LocalOp, number][] = [];
    h.lock();
    try {
      for (const item of l.buf.drain()) h.pushRing(l.bytesOf(item));
      if (l.closed) h.i32[CLOSED] = 1;
      for (const op of l.recvq.drain()) {
        const node = substrate.allocNode(world);
        w[node + N_B] = 0;
        w[node + N_C] = 0;
        h.recvq.pushBack(node);
        moved.push([op, node]);
      }
      for (const op of l.sendq.drain()) {
        const node = substrate.allocNode(world);
        w[node + N_A] = storeValue(world, l.bytesOf(op.item));
        w[node + N_B] = 0;
        w[node + N_C] = 0;
        h.sendq.pushBack(node);
        moved.push([op, node]);
      }
    } finally {
      h.unlock();
    }
    this.sh = h;
    this.local = undefined;
    substrate.rememberObject(world, ref, this);
    // The local waits become shared ones, settling the same promises.
    for (const [op, node] of moved) {
      op.done();
      const kind = op.kind === L_SEND ? OP_SEND : op.kind === L_RECV ? OP_RECV : OP_RECV_OK;
      const pop = new ParkedOp<unknown>(this, node, kind, op.signal);
      pop.resolve = op.resolve;
      pop.reject = op.reject;
      substrate.carryWait(op, this);
      l.parker.park(node, pop);
      op.signal?.addEventListener('abort', pop, { once: true });
    }
    return h;
  }

  /** @internal */
  get [substrate.kShared](): substrate.SharedRef {
    if (this.codecId === -1) {
      throw new TypeError(
        `this channel's codec "${this.codec.name}" is not registered: call registerCodec(id, codec) on every thread, then make the channel`,
      );
    }
    return { world: this.h.world, ref: this.h.ref };
  }

  /** Id of the channel, the same on every thread. */
  get id(): number {
    return this.h.ref;
  }

  /** @internal How a goroutine dump names it (never promotes a local channel). */
  [substrate.kDescribe](): string {
    const l = this.local;
    if (l !== undefined) return l[substrate.kDescribe]();
    const h = this.h;
    return `chan ${h.ref} (cap ${h.i32[CAP]!}, len ${Atomics.load(h.i32, LEN)})`;
  }

  /** Values buffered now (racy, as in Go). */
  get len(): number {
    const l = this.local;
    return l !== undefined ? l.buf.length : Atomics.load(this.h.i32, LEN);
  }

  /** Capacity. */
  get cap(): number {
    const l = this.local;
    return l !== undefined ? l.cap : this.h.i32[CAP]!;
  }

  /**
   * @internal One line for util.inspect: `Channel { id: 12, cap: 4, len: 1,
   * closed: false }` (a channel never shared yet has no id: `local: true`).
   */
  [substrate.inspectCustom](): string {
    return this.summary().text;
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
    return this.summary().json;
  }

  private summary(): ReturnType<typeof substrate.sharedSummary> {
    const l = this.local;
    if (l !== undefined) {
      return substrate.sharedSummary('Channel', {
        local: true,
        cap: l.cap,
        len: l.buf.length,
        closed: l.closed,
      });
    }
    const h = this.h;
    return substrate.sharedSummary('Channel', {
      id: h.ref,
      cap: h.i32[CAP]!,
      len: Atomics.load(h.i32, LEN),
      closed: Atomics.load(h.i32, CLOSED) !== 0,
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
  send(v: T, opts: OpOptions = {}): Promise<void> {
    const l = this.local;
    if (l !== undefined) return sendLocal(l, v, opts.signal);
    if (this.word !== W_NONE && opts.signal === undefined && this.sendWord(v)) return RESOLVED;
    let bytes: Uint8Array;
    try {
      bytes = this.codec.encode(v);
    } catch (e) {
      return rejected(e); // an uncloneable value: nothing is sent
    }
    const { signal } = opts;
    if (signal?.aborted) {
      this.codec.dispose?.(bytes);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as is
      return Promise.reject(signal.reason);
    }
    let node: number;
    try {
      node = this.sendOrEnqueue(bytes, true);
    } catch (e) {
      return rejected(e);
    }
    if (node < 0) return RESOLVED;
    return parkOp<void>(this, node, OP_SEND, signal);
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
    const l = this.local;
    if (l !== undefined) return l.trySend(l.carry(v));
    const bytes = this.codec.encode(v);
    return this.sendOrEnqueue(bytes, false) !== FULL;
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
    substrate.assertMayBlock();
    if (this.word !== W_NONE && this.sendWord(v)) return;
    const bytes = this.codec.encode(v);
    const h = this.h;
    // Would block: spin a moment (spare cores only) for room. Not on an
    // unbuffered channel: there the sender must queue itself for a receiver
    // to take (a receiver spins for it; both spinning would wait for nothing).
    for (let tries = 0; tries < 4 && h.i32[CAP]! > 0; tries++) {
      if (this.sendOrEnqueue(bytes, false, false) !== FULL) return;
      const ready = substrate.spinUntil(
        h.world,
        () =>
          Atomics.load(h.i32, LEN) < h.i32[CAP]! ||
          !h.recvq.empty ||
          Atomics.load(h.i32, CLOSED) !== 0,
        OP_SPIN,
      );
      if (!ready) break;
    }
    const node = this.sendOrEnqueue(bytes, true);
    if (node < 0) return;
    substrate.waitReason(substrate.WR_CHAN_SEND, this);
    substrate.parkSync(this.h.world, this.h.sendq, LOCK, node);
    this.afterSendWake(node);
  }

  /**
   * Receives a value; `undefined` once the channel is closed and drained.
   *
   * @example
   * ```ts
   * const v = await ch.recv();
   * ```
   */
  recv(opts: OpOptions = {}): Promise<T | undefined> {
    const l = this.local;
    if (l !== undefined) return recvLocal(l, L_RECV, opts.signal) as Promise<T | undefined>;
    if (this.word !== W_NONE) {
      const got = this.recvWord();
      if (got !== NO_WORD) return Promise.resolve(got as T);
    }
    if (opts.signal === undefined) {
      const r = this.recvOrEnqueue(true);
      if (typeof r !== 'number')
        return Promise.resolve(r === null ? undefined : this.codec.decode(r));
      return parkOp<T | undefined>(this, r, OP_RECV);
    }
    return this.recvOk(opts).then((r) => r[0]);
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
  recvOk(opts: OpOptions = {}): Promise<[T, true] | [undefined, false]> {
    const { signal } = opts;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as is
    if (signal?.aborted) return Promise.reject(signal.reason);
    const l = this.local;
    if (l !== undefined) {
      return recvLocal(l, L_RECV_OK, signal) as Promise<[T, true] | [undefined, false]>;
    }
    const r = this.recvOrEnqueue(true);
    if (typeof r !== 'number') return Promise.resolve(this.decoded(r));
    return parkOp<[T, true] | [undefined, false]>(this, r, OP_RECV_OK, signal);
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
    const l = this.local;
    if (l !== undefined) {
      const item = l.tryRecv();
      if (item === L_EMPTY) return undefined;
      if (item === L_CLOSED) return [undefined, false];
      return [l.decode(item) as T, true];
    }
    const r = this.recvOrEnqueue(false);
    return r === NONE ? undefined : this.decoded(r as Uint8Array | null);
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
    substrate.assertMayBlock();
    if (this.word !== W_NONE) {
      const got = this.recvWord();
      if (got !== NO_WORD) return got as T;
    }
    // Would block: spin a moment (spare cores only) for a value, a sender or close.
    const h = this.h;
    for (let tries = 0; tries < 4; tries++) {
      const got = this.recvOrEnqueue(false);
      if (got !== NONE) return this.decoded(got as Uint8Array | null)[0];
      const ready = substrate.spinUntil(
        h.world,
        () => Atomics.load(h.i32, LEN) > 0 || !h.sendq.empty || Atomics.load(h.i32, CLOSED) !== 0,
        OP_SPIN,
      );
      if (!ready) break;
    }
    const r = this.recvOrEnqueue(true);
    if (typeof r !== 'number') return this.decoded(r)[0];
    substrate.waitReason(substrate.WR_CHAN_RECV, this);
    substrate.parkSync(h.world, h.recvq, LOCK, r);
    return this.afterRecvWake(r)[0];
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
    const l = this.local;
    if (l !== undefined) {
      l.close();
      return;
    }
    const h = this.h;
    const w = h.world.i32;
    const woken: number[] = [];
    h.lock();
    try {
      if (h.i32[CLOSED] !== 0) throw errors.closeOfClosed();
      Atomics.store(h.i32, CLOSED, 1);
      for (let r = h.popWaiter(h.recvq); r >= 0; r = h.popWaiter(h.recvq)) {
        w[r + N_B] = 0;
        substrate.markWoken(h.world, r);
        woken.push(r);
      }
      for (let s = h.popWaiter(h.sendq); s >= 0; s = h.popWaiter(h.sendq)) {
        w[s + N_B] = 1;
        substrate.markWoken(h.world, s);
        woken.push(s);
      }
    } finally {
      h.unlock();
    }
    substrate.wakeAll(h.world, woken);
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

  /** Word fast path of a send: true if `v` went into the ring (see HChan.pushWords). */
  private sendWord(v: T): boolean {
    let lo: number;
    let hi = 0;
    let words: 1 | 2;
    if (this.word === W_STRUCTURED) {
      if (typeof v !== 'number') return false;
      f64[0] = v;
      const h = this.h;
      h.lock();
      try {
        return h.i32[CLOSED] === 0 && h.pushTagged(NUM_TAG, f64b);
      } finally {
        h.unlock();
      }
    }
    if (this.word === W_INT32) {
      if (((v as number) | 0) !== v) return false; // the codec's TypeError, on the general path
      lo = v as number;
      words = 1;
    } else {
      if (typeof v !== 'number') return false;
      f64[0] = v;
      lo = f64w[0]!;
      hi = f64w[1]!;
      words = 2;
    }
    const h = this.h;
    h.lock();
    try {
      return h.i32[CLOSED] === 0 && h.pushWords(lo, hi, words);
    } finally {
      h.unlock();
    }
  }

  /** Word fast path of a receive: the value, or NO_WORD (take the general path). */
  private recvWord(): number | typeof NO_WORD {
    const h = this.h;
    const w = h.world.i32;
    h.lock();
    try {
      const at = h.headWords();
      if (at < 0) return NO_WORD;
      let v: number;
      if (this.word === W_STRUCTURED) {
        const u8 = h.world.u8;
        const b = at * 4;
        if (w[at - 1] !== 9 || u8[b] !== NUM_TAG) return NO_WORD;
        for (let k = 0; k < 8; k++) f64b[k] = u8[b + 1 + k]!;
        v = f64[0]!;
      } else if (this.word === W_INT32) v = w[at]!;
      else {
        f64w[0] = w[at]!;
        f64w[1] = w[at + 1]!;
        v = f64[0]!;
      }
      h.dropHead();
      return v;
    } finally {
      h.unlock();
    }
  }

  /**
   * Send step under the lock: -1 done at once (a receiver is woken), FULL
   * (only when !block), or a queued sender node to park.
   */
  private sendOrEnqueue(bytes: Uint8Array, block: boolean, disposeIfFull = true): number {
    const h = this.h;
    let wake = NONE;
    let result = NONE;
    checkSize(bytes, h.world);
    h.lock();
    try {
      if (h.i32[CLOSED] !== 0) throw errors.sendOnClosed();
      const r = h.trySendLocked(bytes);
      if (r >= 0) wake = r;
      else if (r === FULL && !block) result = FULL;
      else if (r === FULL) {
        const v = storeValue(h.world, bytes);
        let node: number;
        try {
          node = substrate.allocNode(h.world);
        } catch (e) {
          takeValue(h.world, v);
          throw e;
        }
        const w = h.world.i32;
        w[node + N_A] = v;
        w[node + N_B] = 0;
        w[node + N_C] = 0;
        h.sendq.pushBack(node);
        result = node;
      }
    } catch (e) {
      this.codec.dispose?.(bytes);
      throw e;
    } finally {
      h.unlock();
    }
    if (wake >= 0) substrate.wakeNode(h.world, wake);
    if (result === FULL && disposeIfFull) this.codec.dispose?.(bytes);
    return result;
  }

  /** @internal */
  afterSendWake(node: number): void {
    const w = this.h.world.i32;
    const closed = w[node + N_B] === 1;
    const v = w[node + N_A]!;
    substrate.freeNode(this.h.world, node);
    if (closed) {
      this.codec.dispose?.(takeValue(this.h.world, v));
      throw errors.sendOnClosed();
    }
  }

  /**
   * Receive step under the lock: bytes (got one), null (closed and drained),
   * NONE (would block, when !block) or a queued receiver node to park.
   */
  private recvOrEnqueue(block: boolean): Uint8Array | null | number {
    const h = this.h;
    const w = h.world.i32;
    let wake: number;
    let result: Uint8Array | null | number;
    h.lock();
    try {
      const got = h.tryRecvLocked();
      wake = h.woken;
      if (got !== undefined) {
        result = got;
      } else if (!block) {
        result = NONE;
      } else {
        const node = substrate.allocNode(h.world);
        w[node + N_B] = 0;
        w[node + N_C] = 0;
        h.recvq.pushBack(node);
        result = node;
      }
    } finally {
      h.unlock();
    }
    if (wake >= 0) substrate.wakeNode(h.world, wake);
    return result;
  }

  /** @internal */
  afterRecvWake(node: number): [T, true] | [undefined, false] {
    const w = this.h.world.i32;
    const got = w[node + N_B] === 1;
    const v = w[node + N_A]!;
    substrate.freeNode(this.h.world, node);
    return this.decoded(got ? takeValue(this.h.world, v) : null);
  }

  /** @internal */
  decoded(bytes: Uint8Array | null): [T, true] | [undefined, false] {
    return bytes === null ? [undefined, false] : [this.codec.decode(bytes), true];
  }
}

const NO_WORD = Symbol('no word');

const OP_RECV = 0;
const OP_RECV_OK = 1;
const OP_SEND = 2;

/**
 * A blocked send or receive without an AbortSignal (the common case): one
 * object is its parker Waiter and settles its promise directly with the
 * result, so a same-thread hand-off costs one promise and one microtask.
 * (With a signal, core's parkAsync handles the abort races.)
 */
class ParkedOp<R> implements substrate.Waiter {
  resolve!: (v: R) => void;
  reject!: (e: unknown) => void;
  /**
   * The goroutine dump's record (core's waits.ts), declared so a park adds no
   * property. (`owner` is a getter: the field it replaced kept the same
   * channel as `ch`, and a parked operation stays as small as before.)
   */
  wr = 0;

  /** The Waiter's `owner`: the channel, kept reachable while parked (through `ch`). */
  get owner(): object {
    return this.ch;
  }

  /** @internal What it waits for, for the goroutine dump (nothing is written per park). */
  [substrate.kWaitOn](): [number, unknown] {
    return [this.kind === OP_SEND ? WR_CHAN_SEND : WR_CHAN_RECV, this.ch];
  }

  constructor(
    private readonly ch: Channel<unknown>,
    private readonly node: number,
    private readonly kind: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * The signal's 'abort': wins only while the node is still queued (then the
   * operation had no effect); if a waker got to it first, the operation took
   * place and settles normally (Go: a completed operation stands).
   */
  handleEvent(): void {
    this.cancel(this.signal!.reason);
  }

  private cancel(why: unknown): void {
    const { ch, node } = this;
    const h = ch.h;
    const queue = this.kind === OP_SEND ? h.sendq : h.recvq;
    if (!substrate.cancelQueued(queue, LOCK, node)) return;
    this.signal?.removeEventListener('abort', this);
    substrate.parkerFor(h.world).unpark(node);
    const v = h.world.i32[node + N_A]!;
    substrate.freeNode(h.world, node);
    if (this.kind === OP_SEND) ch.codec.dispose?.(takeValue(h.world, v));
    this.reject(why);
  }

  wake(): void {
    this.signal?.removeEventListener('abort', this);
    try {
      if (this.kind === OP_SEND) {
        this.ch.afterSendWake(this.node);
        this.resolve(undefined as R);
      } else {
        const r = this.ch.afterRecvWake(this.node);
        this.resolve((this.kind === OP_RECV ? r[0] : r) as R);
      }
    } catch (e) {
      this.reject(e);
    }
  }

  /** Deadlock: take the node out (if no wake is on its way) and reject. */
  fail(err: Error): void {
    this.cancel(err);
  }
}

function parkOp<R>(
  ch: Channel<unknown>,
  node: number,
  kind: number,
  signal?: AbortSignal,
): Promise<R> {
  const op = new ParkedOp<R>(ch, node, kind, signal);
  const p = new Promise<R>((resolve, reject) => {
    op.resolve = resolve;
    op.reject = reject;
  });
  substrate.parkerFor(ch.h.world).park(node, op);
  if (signal !== undefined) signal.addEventListener('abort', op, { once: true });
  return p;
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
  if (item === L_CLOSED) return Promise.resolve(kind === L_RECV ? undefined : [undefined, false]);
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

function wordKind(codec: Codec<unknown>): number {
  if (codec === codecs.int32) return W_INT32;
  if (codec === codecs.float64) return W_FLOAT64;
  return codec === codecs.structured ? W_STRUCTURED : W_NONE;
}

// A channel freed with values in its ring: free their out-of-line blocks and
// give back the shared objects they hold.
substrate.registerFreeHook(TYPE_ID, (world, ref) => {
  const h = HChan.open(world, ref);
  if (h.i32[LEN] === 0) return;
  const codec = CODECS_BY_ID.get(h.i32[CODEC]!);
  for (const bytes of h.drainRing()) codec?.dispose?.(bytes);
});

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
