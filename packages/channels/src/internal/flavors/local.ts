/**
 * The local flavor: a channel before it is shared, with the same Go
 * semantics in this thread's JS heap only: no shared memory, locks or parker
 * Map. Every channel starts here; the first time it could be seen by another
 * thread (sent in a value, passed to a goroutine, `toShared`), or used by an
 * operation this flavor does not implement (select, the `*Sync` forms),
 * promote.ts moves its state into a shared flavor and it never comes back.
 *
 * Values keep structured-clone semantics: an item is either a primitive the
 * codec would give back unchanged (kept as is), or the codec's encoding
 * (decoded on receive, so the receiver gets a copy, and an uncloneable value
 * is refused at the call site exactly as in shared mode).
 *
 * Waiters are LocalOps: FIFO per queue, each counted by this thread's parker
 * (core park.ts, LocalWait) so that a pending operation keeps the process
 * alive and takes part in deadlock detection, as a shared one does.
 *
 * Invariants (Go's): at most one of recvq and sendq is non-empty; recvq
 * non-empty implies the buffer is empty; sendq non-empty implies it is full.
 *
 * No lost wake-up: one thread runs every operation to completion, so the
 * test "is a partner queued?" and the queueing are never interleaved with
 * another operation; an operation that queues is settled by the first
 * partner that comes (or by close, an abort, or the deadlock verdict).
 * Layout: none in shared memory (this flavor's whole point).
 */
import * as substrate from '@gocsp/core/internal';
import type { Codec } from '../../codec.js';
import { errors } from '../../errors.js';
import { CLOSED, EMPTY } from './shared.js';

/** What a buffered value or a waiting sender carries: a raw primitive or encoded bytes. */
export type Item = unknown;

export const L_RECV = 0;
export const L_RECV_OK = 1;
export const L_SEND = 2;

const { Fifo } = substrate;
type Fifo<T> = substrate.Fifo<T>;

/** A blocked send or receive on a local channel. */
export class LocalOp implements substrate.LocalWait {
  prevLocal: substrate.LocalWait | undefined;
  nextLocal: substrate.LocalWait | undefined;
  resolve!: (v: unknown) => void;
  reject!: (e: unknown) => void;
  settled = false;
  /** The goroutine dump's record (core's waits.ts), declared so a park adds no property. */
  wr = 0;

  constructor(
    readonly ch: LocalChan,
    readonly kind: number,
    readonly item: Item,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** What it waits for, for the goroutine dump (nothing is written per park). */
  [substrate.kWaitOn](): [number, unknown] {
    return [this.kind === L_SEND ? substrate.WR_CHAN_SEND : substrate.WR_CHAN_RECV, this.ch];
  }

  /** The signal's 'abort': cancel if still queued (a cancelled op had no effect). */
  handleEvent(): void {
    this.cancel(this.signal!.reason);
  }

  fail(err: Error): void {
    this.cancel(err);
  }

  private cancel(why: unknown): void {
    if (this.settled) return;
    const q = this.kind === L_SEND ? this.ch.sendq : this.ch.recvq;
    q.remove(this);
    this.done();
    if (this.kind === L_SEND) this.ch.dispose(this.item);
    this.reject(why);
  }

  /** Leaves the waiting state (before resolving or rejecting). */
  done(): void {
    this.settled = true;
    this.ch.parker.removeLocal(this);
    this.signal?.removeEventListener('abort', this);
  }

  /** A receiver gets `item` (or the closed-channel result when `closed`). */
  deliver(item: Item, closed: boolean): void {
    this.done();
    let v: unknown;
    try {
      v = closed ? undefined : this.ch.decode(item);
    } catch (e) {
      this.reject(e);
      return;
    }
    if (this.kind === L_RECV) this.resolve(v);
    else this.resolve(closed ? [undefined, false] : [v, true]);
  }
}

/** The local state of one channel. */
export class LocalChan {
  readonly buf = new Fifo<Item>();
  readonly recvq = new Fifo<LocalOp>();
  readonly sendq = new Fifo<LocalOp>();
  closed = false;
  readonly parker: substrate.Parker;
  /** Largest encoded value (the shared mode's limit, so a channel behaves alike before and after promotion). */
  private readonly maxBytes: number;
  private watched = false;

  constructor(
    readonly cap: number,
    readonly codec: Codec<unknown>,
    /** 0 = encode everything; else which primitives pass as is (see carry). */
    private readonly raw: number,
    maxBytes: number,
  ) {
    this.parker = substrate.parkerFor(substrate.defaultWorld());
    this.maxBytes = maxBytes;
  }

  /**
   * Buffers an item. An encoded one may hold resources (the in-flight
   * references of shared objects inside it): if the channel is dropped with
   * it still buffered, a finalizer disposes it, as shared mode's free hook does.
   */
  private buffer(item: Item): void {
    this.buf.push(item);
    if (!this.watched && item instanceof Encoded && this.codec.dispose !== undefined) {
      this.watched = true;
      dropped.register(this, { buf: this.buf, codec: this.codec });
    }
  }

  /** The stored form of `v` (throws the codec's error for a value it cannot carry). */
  carry(v: unknown): Item {
    switch (this.raw) {
      case RAW_STRUCTURED: {
        const t = typeof v;
        if (t === 'string') return this.checkString(v as string);
        if (
          v === null ||
          t === 'number' ||
          t === 'boolean' ||
          t === 'undefined' ||
          t === 'bigint'
        ) {
          return v;
        }
        break;
      }
      case RAW_INT32:
        if (((v as number) | 0) === v) return v;
        break;
      case RAW_FLOAT64:
        if (typeof v === 'number') return v;
        break;
      case RAW_STRING:
        if (typeof v === 'string') return this.checkString(v);
        break;
    }
    const bytes = this.codec.encode(v);
    if (bytes.length > this.maxBytes) {
      this.codec.dispose?.(bytes);
      throw errors.tooLarge(bytes.length, this.maxBytes);
    }
    return new Encoded(bytes);
  }

  /** A string kept as is must still fit the limit its encoding would have. */
  private checkString(v: string): string {
    if (v.length * 3 + 1 > this.maxBytes) {
      const n = Buffer.byteLength(v) + 1;
      if (n > this.maxBytes) throw errors.tooLarge(n, this.maxBytes);
    }
    return v;
  }

  decode(item: Item): unknown {
    return item instanceof Encoded ? this.codec.decode(item.bytes) : item;
  }

  dispose(item: Item): void {
    if (item instanceof Encoded) this.codec.dispose?.(item.bytes);
  }

  /** Bytes of an item for shared memory (promotion). */
  bytesOf(item: Item): Uint8Array {
    return item instanceof Encoded ? item.bytes : this.codec.encode(item);
  }

  /**
   * Non-blocking send step: true if done (handed to a receiver or buffered),
   * false if it would block. Throws ClosedChannelError when closed.
   */
  trySend(item: Item): boolean {
    if (this.closed) {
      this.dispose(item);
      throw errors.sendOnClosed();
    }
    const r = this.recvq.shift();
    if (r !== undefined) {
      r.deliver(item, false);
      return true;
    }
    if (this.buf.length < this.cap) {
      this.buffer(item);
      return true;
    }
    return false;
  }

  /**
   * Non-blocking receive step: the item, CLOSED (closed and drained), or
   * EMPTY (would block).
   */
  tryRecv(): Item /* or CLOSED, or EMPTY */ {
    if (this.buf.length > 0) {
      const item = this.buf.shift();
      const s = this.sendq.shift();
      if (s !== undefined) {
        this.buffer(s.item);
        s.done();
        s.resolve(undefined);
      }
      return item;
    }
    const s = this.sendq.shift();
    if (s !== undefined) {
      s.done();
      s.resolve(undefined);
      return s.item;
    }
    return this.closed ? CLOSED : EMPTY;
  }

  /** Sends items `items[from, from + n)` while they go through without blocking: how many did. */
  trySendRun(items: Item[], from: number, n: number): number {
    let k = 0;
    while (k < n && this.trySend(items[from + k])) k++;
    return k;
  }

  /** Receives up to `max` items without blocking into `out` (decoded): how many, or EMPTY / CLOSED. */
  tryRecvRun(max: number, out: unknown[]): number | typeof EMPTY | typeof CLOSED {
    let k = 0;
    while (k < max) {
      const item = this.tryRecv();
      if (item === EMPTY || item === CLOSED) return k > 0 ? k : item;
      out.push(this.decode(item));
      k++;
    }
    return k;
  }

  /** Queues a blocked op and returns its promise. */
  wait(kind: number, item: Item, signal: AbortSignal | undefined): Promise<unknown> {
    const op = new LocalOp(this, kind, item, signal);
    const p = new Promise<unknown>((resolve, reject) => {
      op.resolve = resolve;
      op.reject = reject;
    });
    (kind === L_SEND ? this.sendq : this.recvq).push(op);
    this.parker.addLocal(op);
    if (signal !== undefined) signal.addEventListener('abort', op, { once: true });
    return p;
  }

  /** How a goroutine dump names a channel that was never shared (it has no id). */
  [substrate.kDescribe](): string {
    return `chan local (cap ${this.cap}, len ${this.buf.length})`;
  }

  close(): void {
    if (this.closed) throw errors.closeOfClosed();
    this.closed = true;
    for (const r of this.recvq.drain()) r.deliver(undefined, true);
    for (const s of this.sendq.drain()) {
      s.done();
      this.dispose(s.item);
      s.reject(errors.sendOnClosed());
    }
  }
}

const dropped = new FinalizationRegistry<{ buf: Fifo<Item>; codec: Codec<unknown> }>(
  ({ buf, codec }) => {
    for (const item of buf.drain()) {
      if (item instanceof Encoded) codec.dispose?.(item.bytes);
    }
  },
);

/** A value held in its encoded form. */
class Encoded {
  constructor(readonly bytes: Uint8Array) {}
}

export { CLOSED, EMPTY };

export const RAW_NONE = 0;
export const RAW_STRUCTURED = 1;
export const RAW_INT32 = 2;
export const RAW_FLOAT64 = 3;
export const RAW_STRING = 4;
