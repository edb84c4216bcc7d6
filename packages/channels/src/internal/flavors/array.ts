/**
 * The array flavor: a buffered channel in shared memory, as a bounded MPMC
 * ring with a stamp per slot (Dmitry Vyukov's queue, as crossbeam-channel's
 * flavors/array.rs). A send or receive that need not wait takes no lock: one
 * CAS on TAIL (or HEAD) reserves a slot, the value is encoded straight into
 * it (carrier.ts) and one store of the slot's stamp publishes it. The lock and
 * the wait queues (shared.ts) are touched only by a side that must park, or
 * that finds the other side's waiter flag raised after it published.
 *
 * ## Layout (Int32 words of the block's data; words 0..15 are shared.ts's header)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 12 | ONE_LAP | see positions below | immutable |
 * | 16 | HEAD | position of the next value to receive | CAS by receivers |
 * | 32 | TAIL | position of the next slot to fill, plus MARK once closed | CAS by senders; MARK set once by close (Atomics.or) |
 * | 48.. | ring | CAP slots of SLOT_WORDS words: [stamp][value words (carrier.ts)] | stamp: Atomics (below); value words: the slot's current owner |
 *
 * HEAD, TAIL and the ring start 16 words (64 bytes) apart, so senders and
 * receivers do not fight over one cache line; the header line (shared.ts),
 * with the waiter flags the fast paths read, is written only on slow paths.
 *
 * Positions: `lap | index`, index in the low bits (< CAP), MARK the next bit
 * (the next power of two above CAP), laps counted in multiples of ONE_LAP =
 * 2 * MARK; 32-bit arithmetic wraps, and positions are only ever compared for
 * equality. A slot's stamp says whose turn it is:
 * - stamp == position p: free for the sender of position p;
 * - stamp == p + 1: holds the value of position p, for its receiver;
 * - after that receiver, stamp == p + ONE_LAP: free for position p + ONE_LAP.
 *
 * A sender owns a slot's value words from its CAS of TAIL (p -> p + 1) until
 * it stores stamp = p + 1 (publish); a receiver from its CAS of HEAD until it
 * stores stamp = p + ONE_LAP (release). A slot in between is BUSY: a blocking
 * operation treats it as full / empty (the owner's own flag check, below,
 * wakes it); a non-blocking one waits the few instructions until it is done.
 * A send that fails after its reservation (carrier.ts) publishes a HOLE,
 * which receivers skip, and wakes a parked receiver as a value would: only a
 * receiver frees the hole's slot.
 *
 * ## Invariants
 * - HEAD <= TAIL (as positions); TAIL - HEAD <= CAP; values leave in position
 *   order, so each sender's values arrive in the order it sent them, and each
 *   receiver sees a sender's values in that order.
 * - A value is in exactly one place: its sender's call, a published slot, or
 *   its receiver's call; or, for a parked sender, its node (N_A) until a
 *   receiver moves it into a slot.
 * - TAIL's MARK goes 0 -> 1 once. A sender whose CAS lands before it
 *   completes; after it, every send fails. Receivers drain what was
 *   published, then see CLOSED (TAIL without MARK == HEAD).
 * - RECVQ non-empty only while a receiver found the ring empty; SENDQ
 *   non-empty only while a sender found it full (transiently otherwise: a
 *   woken waiter has not looked yet).
 *
 * ## No lost wake-up (the Dekker argument)
 * A receiver that finds the ring empty queues its node and raises R_WAITING
 * (Atomics.add, under LOCK), then re-checks the ring (`recvReady`: Atomics
 * loads of HEAD and the head slot's stamp). A sender publishes (Atomics.store
 * of the stamp), then reads R_WAITING (Atomics.load; a plain read on x86,
 * see the next section). All four are
 * sequentially consistent, so in their one total order either the sender's
 * read comes after the receiver's raise - it sees the flag and wakes a queued
 * receiver (`wakeReceiver`: RETRY) - or the sender's publish comes before the
 * receiver's re-check, which then sees the value (or sees it already taken by
 * another receiver, which owes nothing) and cancels its node instead of
 * parking. A re-check that finds a BUSY slot (reserved, not yet published)
 * parks: that slot's sender publishes later, hence reads R_WAITING after the
 * raise, and wakes it. The same holds with the roles swapped for a sender
 * that finds the ring full (S_WAITING; a receiver's release; `serveSender`),
 * and close raises MARK before it takes LOCK to wake everyone, so a waiter
 * that queues after close's sweep sees MARK in its re-check.
 *
 * A woken receiver is told RETRY, not handed the value: it takes the head
 * value itself, which keeps FIFO order whatever else raced, and moving a
 * slot's value into a node would need an allocation (a value block) under the
 * lock that could fail with the value already out of the ring. A parked
 * sender, whose value already sits in its node, is served by the receiver
 * that frees a slot: that receiver moves the value into a slot it reserves
 * and wakes the sender once, its operation done (DELIVERED); if the slot was
 * taken by a fast sender meanwhile, it tells the sender RETRY.
 *
 * ## Loads that need not be Atomics on x86 (TSO)
 * Per value, a sender reads R_WAITING after its publish, a receiver reads
 * the head slot's stamp before its CAS and S_WAITING after its release. On
 * x64 / ia32 these are plain typed-array reads (core's `fastLoad`): V8's
 * Atomics.load there is itself a plain MOV, sequentially consistent because
 * x86 orders every load after each earlier locked instruction (the XCHG of
 * Atomics.store, the LOCK CMPXCHG of a CAS) and after each earlier load; a
 * plain read differs only in being inline code instead of a builtin call
 * (~7-9 ns each here, 3 of a pair's 7 Atomics calls; a stream measured
 * 10-20% faster). The compiler must not move the plain read either: V8
 * (11.3, Node 20) keeps Atomics.store / compareExchange as opaque builtin
 * calls and typed-array loads in program order with the calls around them
 * (its effect chain; `node --print-opt-code` shows the CMP after the call
 * to AtomicsStore). That is V8's behaviour, not the JS memory model's
 * promise, which lets a plain read move before a SeqCst store: a V8 that
 * inlined Atomics.store as a bare XCHG node would have to be checked
 * again. With that, the Dekker argument above holds unchanged on x86.
 * Elsewhere (ARM: a plain load may be made before an earlier
 * store-release) they stay Atomics.load. Spin loops keep Atomics.load
 * everywhere: a loop of plain reads with no call in it may be hoisted by
 * the compiler.
 *
 * Rejected: the lock-per-value ring this replaces (both cores fought over the
 * lock's line: 0.08x the raw ring); a waiter count in the HEAD/TAIL lines
 * (every fast path would pull the other side's line); notifying on every
 * publish (DESIGN.md: 3x slower than a flag).
 */
import * as substrate from '@gocsp/core/internal';
import { errors, rejected } from '../../errors.js';
import { HOLE, W32 } from '../carrier.js';
import {
  CLOSED,
  CLOSED_OUT,
  CLOSED_RESULT,
  CLOSED_WORD,
  DELIVERED,
  EMPTY,
  HEADER_WORDS,
  N_A,
  N_B,
  ONE_LAP,
  OP_RECV,
  OP_SEND,
  RETRY,
  R_WAITING,
  S_WAITING,
  SLOT_WORDS,
  SharedChan,
  VERSION,
  parkOp,
  parkSyncOp,
  type ParkedOp,
  WR_CHAN_RECV,
  WR_CHAN_SEND,
} from './shared.js';

// Bound once: the package's CommonJS namespace reads every export through a getter.
const { spinUntil, freeNode, wakeNode, relax, wakeAll, fastLoad } = substrate;

export const HEAD = HEADER_WORDS;
export const TAIL = HEADER_WORDS + 16;
export const RING = HEADER_WORDS + 32;

/** reserve / claim results (slot word indexes are >= 0). */
const R_FULL = -1;
const R_EMPTY = -1;
const R_CLOSED = -2;
const R_BUSY = -3;
const OK = 0;

/** A slot between its owner's CAS and its publish / release. */
const BUSY: unique symbol = Symbol('busy');

const RESOLVED = Promise.resolve();

/**
 * A *Sync operation that finds the ring full / empty polls it RING_POLLS
 * times, RING_PAUSE relax() pauses (~50 ns each) apart, before it queues
 * (~40 us in all, about one kernel wake-up). The pause is long on purpose:
 * a consumer that looks again at once keeps pace one value behind its
 * producer, and both then fight over the same cache lines for every value;
 * one that waits a microsecond finds a run of values to take (DESIGN.md:
 * the pause between polls decides the batching).
 */
const RING_POLLS = 40;
const RING_PAUSE = 20;

/** Words of a ring of `cap` slots of `slotWords` words. */
export function arrayWords(cap: number, slotWords: number): number {
  return RING + cap * slotWords;
}

/** Initializes the ring of a fresh block (its header is set by initHeader). */
export function initRing(i32: Int32Array, cap: number, slotWords: number): void {
  let mark = 1;
  while (mark < cap + 1) mark *= 2;
  i32[ONE_LAP] = mark * 2;
  for (let i = 0; i < cap; i++) i32[RING + i * slotWords] = i;
}

/** Shared-memory side of a buffered channel, as seen from one thread. */
export class ArrayChan<T = unknown> extends SharedChan<T> {
  private readonly w: Int32Array;
  private readonly H: number;
  private readonly T: number;
  private readonly RW: number;
  private readonly SW: number;
  /** CLOSED_WORD's index: the quiet paths' hint that a close has begun (see claim). */
  private readonly CW: number;
  private readonly slot0: number;
  private readonly sw: number;
  private readonly oneLap: number;
  private readonly mark: number;
  private readonly imask: number;
  private readonly lapMask: number;
  /** Position of the last reserve() / claim() (the first of a run). */
  private pos = 0;
  /** Slots of the last reserveRun() / claimRun(). */
  private run = 0;
  /** The value is one Int32 word in the slot (int32 codec): no encoding, nothing can fail. */
  private readonly word: boolean;
  private readonly recvReadyFn = (): boolean => this.recvReadyQuiet();
  private readonly sendReadyFn = (): boolean => this.sendReady();
  /** Slots a `waitRoom` waits for. */
  private roomNeed = 1;
  private readonly roomFn = (): boolean => this.roomFor(this.roomNeed);

  constructor(...args: ConstructorParameters<typeof SharedChan<T>>) {
    super(...args);
    const b = this.base;
    this.w = this.world.i32;
    this.H = b + HEAD;
    this.T = b + TAIL;
    this.RW = b + R_WAITING;
    this.SW = b + S_WAITING;
    this.CW = b + CLOSED_WORD;
    this.slot0 = b + RING;
    this.sw = this.i32[SLOT_WORDS]!;
    this.oneLap = this.i32[ONE_LAP]!;
    this.mark = this.oneLap >>> 1;
    this.imask = this.mark - 1;
    this.lapMask = ~(this.oneLap - 1);
    this.word = this.carrier.kind === W32;
  }

  /** Position after `p`. */
  private next(p: number): number {
    return (p & this.imask) + 1 < this.cap ? (p + 1) | 0 : ((p & this.lapMask) + this.oneLap) | 0;
  }

  private slotOf(p: number): number {
    return this.slot0 + (p & this.imask) * this.sw;
  }

  // ---- the ring --------------------------------------------------------------

  /**
   * Reserves the tail slot: its word index (position in `pos`), or R_FULL,
   * R_CLOSED, R_BUSY.
   *
   * TAIL and the stamp are read plainly (they are the sender's hot path:
   * an Atomics.load costs ~7-9 ns in V8 here, a plain one ~1). TAIL's CAS
   * validates the first. A plain read of the stamp can only be late, never
   * early (a stamp only moves forward): "free" means its receiver has
   * released the slot, and the value words are written after the CAS that
   * depends on that read (a store is never made before the branch it
   * depends on, by V8 or by x86 / ARM), so they cannot overtake the
   * receiver's reads that came before its release; "not free" is settled by
   * an Atomics.load of HEAD (full) or a retry (BUSY).
   *
   * `quiet`: the caller treats full and BUSY alike (it spins or queues, and
   * re-checks with sendReady before it parks), so a full ring answers R_BUSY
   * without reading HEAD: a sender polling a full ring leaves the receivers'
   * line alone, instead of taking it from them once per poll.
   */
  private reserve(quiet = false): number {
    const w = this.w;
    let tail = w[this.T]!; // a plain read: the CAS checks it
    for (;;) {
      if ((tail & this.mark) !== 0) return R_CLOSED;
      const slot = this.slotOf(tail);
      const stamp = w[slot]!;
      if (stamp === tail) {
        const seen = Atomics.compareExchange(w, this.T, tail, this.next(tail));
        if (seen === tail) {
          this.pos = tail;
          return slot;
        }
        tail = seen;
      } else if (((stamp + this.oneLap) | 0) === ((tail + 1) | 0)) {
        // The slot still holds last lap's value: full, or its receiver is releasing it.
        if (quiet) return R_BUSY;
        return ((Atomics.load(w, this.H) + this.oneLap) | 0) === tail ? R_FULL : R_BUSY;
      } else tail = Atomics.load(w, this.T); // stale
    }
  }

  /**
   * Claims the head slot: its word index (position in `pos`), or R_EMPTY,
   * R_CLOSED, R_BUSY.
   *
   * `quiet`: the caller treats empty and BUSY alike (it spins or queues, and
   * re-checks with recvReady before it parks), so an unpublished head slot
   * answers R_BUSY without reading TAIL, the line every send CASes: a
   * receiver polling an empty ring would otherwise take it from the sender
   * once per poll. Only CLOSED needs TAIL; close raises CLOSED_WORD before
   * TAIL's MARK, so a quiet claim that sees CLOSED_WORD still 0 may answer
   * BUSY for a channel that is closing (its caller's re-check sees MARK),
   * and once it sees 1 it reads TAIL as a strict claim does.
   */
  private claim(quiet = false): number {
    const w = this.w;
    let head = w[this.H]!; // a plain read: the CAS checks it
    for (;;) {
      const slot = this.slotOf(head);
      const stamp = fastLoad(w, slot);
      if (stamp === ((head + 1) | 0)) {
        const seen = Atomics.compareExchange(w, this.H, head, this.next(head));
        if (seen === head) {
          this.pos = head;
          return slot;
        }
        head = seen;
      } else if (stamp === head) {
        // Not published: empty, or its sender is still writing it.
        if (quiet && Atomics.load(w, this.CW) === 0) return R_BUSY;
        const tail = Atomics.load(w, this.T);
        if ((tail & ~this.mark) === head) return (tail & this.mark) !== 0 ? R_CLOSED : R_EMPTY;
        return R_BUSY;
      } else head = Atomics.load(w, this.H); // stale
    }
  }

  /**
   * Reserves up to `max` consecutive free slots with one CAS: the first
   * slot's word index (positions from `pos`, count in `run`), or R_FULL,
   * R_CLOSED, R_BUSY.
   */
  private reserveRun(max: number): number {
    const w = this.w;
    let tail = w[this.T]!;
    for (;;) {
      if ((tail & this.mark) !== 0) return R_CLOSED;
      let k = 0;
      let p = tail;
      // Plain reads of the stamps: a stale one only ends the run early (see reserve).
      while (k < max && w[this.slotOf(p)] === p) {
        k++;
        p = this.next(p);
      }
      if (k === 0) {
        const stamp = Atomics.load(w, this.slotOf(tail));
        if (stamp !== tail) {
          if (((stamp + this.oneLap) | 0) === ((tail + 1) | 0)) {
            return ((Atomics.load(w, this.H) + this.oneLap) | 0) === tail ? R_FULL : R_BUSY;
          }
          tail = Atomics.load(w, this.T);
        }
        continue;
      }
      const seen = Atomics.compareExchange(w, this.T, tail, p);
      if (seen === tail) {
        this.pos = tail;
        this.run = k;
        return this.slotOf(tail);
      }
      tail = seen;
    }
  }

  /** Claims up to `max` consecutive published slots with one CAS (as reserveRun). */
  private claimRun(max: number): number {
    const w = this.w;
    let head = w[this.H]!;
    for (;;) {
      let k = 0;
      let p = head;
      while (k < max && Atomics.load(w, this.slotOf(p)) === ((p + 1) | 0)) {
        k++;
        p = this.next(p);
      }
      if (k === 0) {
        const stamp = Atomics.load(w, this.slotOf(head));
        if (stamp === head) {
          const tail = Atomics.load(w, this.T);
          if ((tail & ~this.mark) === head) return (tail & this.mark) !== 0 ? R_CLOSED : R_EMPTY;
          return R_BUSY;
        }
        if (stamp !== ((head + 1) | 0)) head = Atomics.load(w, this.H);
        continue;
      }
      const seen = Atomics.compareExchange(w, this.H, head, p);
      if (seen === head) {
        this.pos = head;
        this.run = k;
        return this.slotOf(head);
      }
      head = seen;
    }
  }

  /**
   * Could a receive proceed now (a published head value, or closed)? A BUSY
   * head slot is "no": its sender will see R_WAITING (file header).
   */
  private recvReady(): boolean {
    const w = this.w;
    let head = Atomics.load(w, this.H);
    for (;;) {
      const stamp = Atomics.load(w, this.slotOf(head));
      if (stamp === ((head + 1) | 0)) return true;
      if (stamp === head) return (Atomics.load(w, this.T) & this.mark) !== 0;
      head = Atomics.load(w, this.H); // stale
    }
  }

  /**
   * recvReady for a receiver's spin (quiet, as claim): a published head
   * value, a stale HEAD (look again), or closed - TAIL is read only once
   * CLOSED_WORD says a close has begun.
   */
  private recvReadyQuiet(): boolean {
    const w = this.w;
    const head = Atomics.load(w, this.H);
    if (Atomics.load(w, this.slotOf(head)) !== head) return true;
    return Atomics.load(w, this.CW) !== 0 && (Atomics.load(w, this.T) & this.mark) !== 0;
  }

  /**
   * Room for `n` sends, or closed: the slot n - 1 past the tail is free for
   * its lap. A heuristic for waitRoom's spin only: slots before it are
   * usually free too, but receivers may release out of order (several
   * receivers, or claimRun's later slots first), which costs reserveRun a
   * short wait on a BUSY slot, never a wrong send.
   */
  private roomFor(n: number): boolean {
    const w = this.w;
    const tail = Atomics.load(w, this.T);
    if ((tail & this.mark) !== 0) return true;
    const ahead = n - 1;
    const ix = (tail & this.imask) + ahead;
    const p =
      ix < this.cap
        ? (tail + ahead) | 0
        : ((((tail & this.lapMask) + this.oneLap) | 0) + (ix - this.cap)) | 0;
    return Atomics.load(w, this.slotOf(p)) === p;
  }

  override waitRoom(n: number): boolean {
    this.roomNeed = Math.max(1, Math.min(n, this.cap));
    return spinUntil(this.world, this.roomFn, RING_POLLS, RING_PAUSE);
  }

  /** Could a send proceed now (a free tail slot, or closed: it would throw)? */
  private sendReady(): boolean {
    const w = this.w;
    let tail = Atomics.load(w, this.T);
    for (;;) {
      if ((tail & this.mark) !== 0) return true;
      const stamp = Atomics.load(w, this.slotOf(tail));
      if (stamp === tail) return true;
      if (((stamp + this.oneLap) | 0) === ((tail + 1) | 0)) return false;
      tail = Atomics.load(w, this.T); // stale
    }
  }

  /**
   * One send without blocking: OK, R_FULL, R_CLOSED or R_BUSY (`quiet`: full
   * answers R_BUSY, see reserve). May throw (the slot then holds a HOLE).
   */
  private sendNow(p: unknown, quiet: boolean): number {
    const slot = this.reserve(quiet);
    if (slot < 0) return slot;
    const pos = this.pos;
    const w = this.w;
    if (this.word) {
      w[slot + 1] = p as number;
      Atomics.store(w, slot, (pos + 1) | 0);
      if (fastLoad(w, this.RW) !== 0) this.wakeReceiver();
      return OK;
    }
    try {
      this.carrier.put(slot + 1, p);
    } finally {
      Atomics.store(w, slot, (pos + 1) | 0);
      // A hole too (put threw): a parked receiver must step over it, or its
      // slot stays taken, and with it the only room of a channel of one.
      if (fastLoad(w, this.RW) !== 0) this.wakeReceiver();
    }
    return OK;
  }

  /** One receive without blocking: the value, EMPTY, CLOSED or BUSY (`quiet`: empty answers BUSY, see claim). */
  private recvNow(quiet: boolean): T | typeof EMPTY | typeof CLOSED | typeof BUSY {
    for (;;) {
      const slot = this.claim(quiet);
      if (slot < 0) return slot === R_EMPTY ? EMPTY : slot === R_CLOSED ? CLOSED : BUSY;
      const pos = this.pos;
      const w = this.w;
      if (this.word) {
        const x = w[slot + 1]! as T;
        Atomics.store(w, slot, (pos + this.oneLap) | 0);
        if (fastLoad(w, this.SW) !== 0) this.serveSender();
        return x;
      }
      let v: T | typeof HOLE;
      try {
        v = this.carrier.take(slot + 1);
      } finally {
        Atomics.store(w, slot, (pos + this.oneLap) | 0);
        if (fastLoad(w, this.SW) !== 0) this.serveSender();
      }
      if (v !== HOLE) return v;
    }
  }

  /** After a publish saw R_WAITING: wake the first queued receiver to look again. */
  private wakeReceiver(): void {
    this.lock();
    const r = this.popWaiter(false);
    const wake = r >= 0 && this.settle(r, RETRY);
    this.unlock();
    if (wake) wakeNode(this.world, r);
  }

  /**
   * After a release saw S_WAITING: move the first queued sender's value into
   * a slot and wake it done (DELIVERED), or tell it RETRY if the ring filled
   * up again meanwhile.
   */
  private serveSender(): void {
    this.lock();
    const s = this.popWaiter(true);
    if (s < 0) {
      this.unlock();
      return;
    }
    let outcome = RETRY;
    const slot = this.reserve();
    if (slot >= 0) {
      this.carrier.nodeToSlot(this.w[s + N_A]!, slot + 1);
      Atomics.store(this.w, slot, (this.pos + 1) | 0);
      outcome = DELIVERED;
    }
    const wake = this.settle(s, outcome);
    this.unlock();
    if (wake) wakeNode(this.world, s);
    if (outcome === DELIVERED && Atomics.load(this.w, this.RW) !== 0) this.wakeReceiver();
  }

  /** Waits out a BUSY slot (its owner is a few instructions from done). */
  private busyWait(spins: number): void {
    if (spins < 1000) relax();
    else Atomics.wait(pauseCell, 0, 0, 1); // a descheduled owner: let it run
  }

  // ---- the facade's operations -----------------------------------------------

  get len(): number {
    const w = this.w;
    for (;;) {
      const tail = Atomics.load(w, this.T);
      const head = Atomics.load(w, this.H);
      if (Atomics.load(w, this.T) !== tail) continue;
      const hix = head & this.imask;
      const tix = tail & this.imask;
      if (hix < tix) return tix - hix;
      if (hix > tix) return this.cap - hix + tix;
      return (tail & ~this.mark) === head ? 0 : this.cap;
    }
  }

  get closed(): boolean {
    return (Atomics.load(this.w, this.T) & this.mark) !== 0;
  }

  trySend(p: unknown): boolean {
    const r = this.trySendNow(p);
    if (r === OK) return true;
    this.carrier.discard(p); // (an eager codec's encoding, never sent)
    if (r === R_CLOSED) throw errors.sendOnClosed();
    return false;
  }

  /** One send without blocking: OK, R_FULL or R_CLOSED (`p` still the caller's unless OK). */
  private trySendNow(p: unknown): number {
    for (let spins = 0; ; spins++) {
      const r = this.sendNow(p, false);
      if (r !== R_BUSY) return r;
      this.busyWait(spins);
    }
  }

  tryRecv(): T | typeof EMPTY | typeof CLOSED {
    for (let spins = 0; ; spins++) {
      const r = this.recvNow(false);
      if (r !== BUSY) return r;
      this.busyWait(spins);
    }
  }

  send(v: T, signal: AbortSignal | undefined): Promise<void> {
    let r: number;
    let p: unknown;
    try {
      p = this.carrier.prepare(v);
      if (signal?.aborted) {
        this.carrier.discard(p);
        return rejected(signal.reason);
      }
      r = this.sendNow(p, true);
      if (r === OK) return RESOLVED;
      if (r === R_CLOSED) {
        this.carrier.discard(p); // (an eager codec's encoding, never sent)
        return rejected(errors.sendOnClosed());
      }
      // Full: the value moves into a node word, and the slow path carries that.
      return this.sendPark(this.carrier.toNode(p), signal);
    } catch (e) {
      return rejected(e);
    }
  }

  /**
   * Pushes a value word (a parked sender's) into the ring: OK, R_FULL,
   * R_CLOSED or R_BUSY. Cannot fail otherwise.
   */
  private pushWord(a: number): number {
    const slot = this.reserve();
    if (slot < 0) return slot;
    this.carrier.nodeToSlot(a, slot + 1);
    Atomics.store(this.w, slot, (this.pos + 1) | 0);
    if (Atomics.load(this.w, this.RW) !== 0) this.wakeReceiver();
    return OK;
  }

  /**
   * Queues a sender of value word `a` (the ring was full) and parks it, or
   * pushes the word itself if room appeared meanwhile.
   */
  private sendPark(a: number, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) {
        this.carrier.dropNode(a);
        return rejected(signal.reason);
      }
      const node = this.nodeWith(false, a);
      this.lock();
      this.enqueue(true, node);
      this.unlock();
      if (this.sendReady() && this.cancel(true, node)) {
        freeNode(this.world, node);
        const r = this.pushWord(a);
        if (r === OK) return RESOLVED;
        if (r === R_CLOSED) {
          this.carrier.dropNode(a);
          return rejected(errors.sendOnClosed());
        }
        continue;
      }
      return parkOp(this, node, OP_SEND, signal, WR_CHAN_SEND) as Promise<void>;
    }
  }

  recv(kind: number, signal: AbortSignal | undefined): Promise<unknown> {
    if (signal?.aborted) return rejected(signal.reason);
    let r: T | typeof EMPTY | typeof CLOSED | typeof BUSY;
    try {
      r = this.recvNow(true);
    } catch (e) {
      return rejected(e);
    }
    if (r === EMPTY || r === BUSY) return this.recvPark(kind, signal);
    if (r === CLOSED) return Promise.resolve(kind === OP_RECV ? undefined : CLOSED_RESULT);
    return Promise.resolve(kind === OP_RECV ? r : [r, true]);
  }

  /** Queues a receiver (the ring was empty) and parks it, or retries if it became ready. */
  private recvPark(kind: number, signal: AbortSignal | undefined): Promise<unknown> {
    for (;;) {
      let node: number;
      try {
        node = this.newNode(false);
      } catch (e) {
        return rejected(e);
      }
      this.lock();
      this.enqueue(false, node);
      this.unlock();
      if (this.recvReady() && this.cancel(false, node)) {
        freeNode(this.world, node);
        let r: T | typeof EMPTY | typeof CLOSED | typeof BUSY;
        try {
          r = this.recvNow(true);
        } catch (e) {
          return rejected(e);
        }
        if (r === EMPTY || r === BUSY) continue;
        if (r === CLOSED) return Promise.resolve(kind === OP_RECV ? undefined : CLOSED_RESULT);
        return Promise.resolve(kind === OP_RECV ? r : [r, true]);
      }
      return parkOp(this, node, kind, signal, WR_CHAN_RECV);
    }
  }

  resume(op: ParkedOp): void {
    const { outcome, a } = op.finish();
    if (op.kind === OP_SEND) {
      if (outcome === DELIVERED) op.resolve(undefined);
      else if (outcome === CLOSED_OUT || op.aborted) {
        this.carrier.dropNode(a);
        op.reject(outcome === CLOSED_OUT ? errors.sendOnClosed() : op.late);
      } else op.follow(this.sendPark(a, op.signal));
      return;
    }
    // A receiver is only ever told RETRY (file header). One aborted after its
    // wake will not look: the value it was woken for goes to the next one.
    if (op.aborted) {
      op.reject(op.late);
      this.passRecvWake();
    } else op.follow(this.recv(op.kind, op.signal));
  }

  /**
   * A receiver woken (told RETRY) that will not take the value it was woken
   * for (aborted, or a select that fired another case): if a value is there
   * and receivers wait, wake the next one, as the publish did for it.
   */
  override passRecvWake(): void {
    if (Atomics.load(this.w, this.RW) !== 0 && this.recvReady()) this.wakeReceiver();
  }

  sendSync(v: T): void {
    const p = this.carrier.prepare(v);
    for (;;) {
      const r = this.sendNow(p, true);
      if (r === OK) return;
      if (r === R_CLOSED) {
        this.carrier.discard(p);
        throw errors.sendOnClosed();
      }
      // Full (or a slot being released): spin a moment (spare cores only) for room.
      if (!spinUntil(this.world, this.sendReadyFn, RING_POLLS, RING_PAUSE)) break;
    }
    // Still full: the value moves into a node word, queued until a receiver moves it on.
    const a = this.carrier.toNode(p);
    for (;;) {
      const node = this.nodeWith(true, a);
      this.lock();
      this.enqueue(true, node);
      this.unlock();
      let outcome = RETRY;
      if (this.sendReady() && this.cancel(true, node)) {
        const r = this.pushWord(a);
        if (r === OK) outcome = DELIVERED;
        else if (r === R_CLOSED) outcome = CLOSED_OUT;
      } else {
        parkSyncOp(this, true, node, WR_CHAN_SEND);
        outcome = this.w[node + N_B]!;
      }
      freeNode(this.world, node);
      if (outcome === DELIVERED) return;
      if (outcome === CLOSED_OUT) {
        this.carrier.dropNode(a);
        throw errors.sendOnClosed();
      }
      // RETRY: room appeared but went to another sender; spin a moment, then queue again.
      for (;;) {
        const r = this.pushWord(a);
        if (r === OK) return;
        if (r === R_CLOSED) {
          this.carrier.dropNode(a);
          throw errors.sendOnClosed();
        }
        if (!spinUntil(this.world, this.sendReadyFn, RING_POLLS, RING_PAUSE)) break;
      }
    }
  }

  recvSync(): T | typeof CLOSED {
    for (;;) {
      const r = this.recvNow(true);
      if (r !== EMPTY && r !== BUSY) return r;
      // Empty: spin a moment (spare cores only) for a value, then queue and park.
      if (spinUntil(this.world, this.recvReadyFn, RING_POLLS, RING_PAUSE)) continue;
      const node = this.newNode(true);
      this.lock();
      this.enqueue(false, node);
      this.unlock();
      if (!(this.recvReady() && this.cancel(false, node)))
        parkSyncOp(this, false, node, WR_CHAN_RECV);
      freeNode(this.world, node); // RETRY, or cancelled: look again
    }
  }

  close(): void {
    // CLOSED_WORD first: the quiet paths read TAIL once they see it (claim).
    Atomics.store(this.w, this.CW, 1);
    const prev = Atomics.or(this.w, this.T, this.mark);
    if ((prev & this.mark) !== 0) throw errors.closeOfClosed();
    const woken: number[] = [];
    this.lock();
    try {
      this.i32[VERSION] = (this.i32[VERSION]! + 1) | 0;
      // Receivers drain what is left first: they look again. Senders fail.
      for (let r = this.popWaiter(false); r >= 0; r = this.popWaiter(false)) {
        if (this.settle(r, RETRY)) woken.push(r);
      }
      for (let s = this.popWaiter(true); s >= 0; s = this.popWaiter(true)) {
        if (this.settle(s, CLOSED_OUT)) woken.push(s);
      }
    } finally {
      this.unlock();
    }
    wakeAll(this.world, woken);
  }

  // ---- batches ------------------------------------------------------------------

  /**
   * Sends prepared values `ps[from, from + n)` without blocking, as many as
   * there is room for, with one CAS and one release for the run: how many
   * were sent (0: full). Throws ClosedChannelError if closed before any was
   * sent. If a value fails after the reservation, it and the rest of the run
   * are published as holes: the values before it count as sent, and its
   * error is thrown only if it was the first.
   */
  trySendRun(ps: unknown[], from: number, n: number): number {
    this.runFailed = false;
    for (let spins = 0; ; spins++) {
      const first = this.reserveRun(n);
      if (first === R_FULL) return 0;
      if (first === R_CLOSED) throw errors.sendOnClosed();
      if (first === R_BUSY) {
        this.busyWait(spins);
        continue;
      }
      const w = this.w;
      const k = this.run;
      const pos = this.pos;
      let failure: unknown;
      let failed = false;
      let sentBefore = 0;
      let p = pos;
      for (let j = 0; j < k; j++) {
        const slot = this.slotOf(p);
        if (failed)
          w[slot + 1] = -2; // carrier.ts HOLE_WORD
        else {
          try {
            this.carrier.put(slot + 1, ps[from + j]);
            sentBefore++;
          } catch (e) {
            failed = true;
            failure = e;
          }
        }
        // Stamps after the first are plain stores: a receiver reaches them only
        // through the first slot (Atomics.store below), or through HEAD's CAS chain.
        if (j > 0) w[slot] = (p + 1) | 0;
        p = this.next(p);
      }
      Atomics.store(w, first, (pos + 1) | 0);
      // A run of k values is k publishes: one wake each while receivers wait.
      for (let j = 0; j < k && Atomics.load(w, this.RW) !== 0; j++) this.wakeReceiver();
      if (!failed) return k;
      this.runFailed = true; // the carrier gave the failed value's encoding back
      if (sentBefore === 0) throw failure;
      return sentBefore;
    }
  }

  /**
   * Receives up to `max` values without blocking, with one CAS and one
   * release for the run, appending them to `out`: how many, or EMPTY / CLOSED.
   */
  tryRecvRun(max: number, out: T[]): number | typeof EMPTY | typeof CLOSED {
    for (let spins = 0; ; spins++) {
      const first = this.claimRun(max);
      if (first === R_EMPTY) return EMPTY;
      if (first === R_CLOSED) return CLOSED;
      if (first === R_BUSY) {
        this.busyWait(spins);
        continue;
      }
      const w = this.w;
      const k = this.run;
      const pos = this.pos;
      let got = 0;
      let taken = 0;
      // A value that fails to decode is lost (as with recv), not the run:
      // the others are taken and the first error thrown after the release
      // (the facade hands the caller what was received, on the error).
      let failed = false;
      let failure: unknown;
      try {
        for (let p = pos; taken < k; taken++, p = this.next(p)) {
          let v: T | typeof HOLE;
          try {
            v = this.carrier.take(this.slotOf(p) + 1);
          } catch (e) {
            if (!failed) failure = e;
            failed = true;
            continue;
          }
          if (v !== HOLE) {
            out.push(v);
            got++;
          }
        }
      } finally {
        // Should the loop stop early (not for a decode: see above), the values it did not reach are given back.
        for (let j = 0, q = pos; j < k; j++, q = this.next(q)) {
          const slot = this.slotOf(q);
          if (j > taken) this.carrier.drop(slot + 1);
          if (j > 0) w[slot] = (q + this.oneLap) | 0; // plain: see trySendRun
        }
        Atomics.store(w, first, (pos + this.oneLap) | 0);
        // k slots freed: one parked sender served into each while they wait.
        for (let j = 0; j < k && Atomics.load(w, this.SW) !== 0; j++) this.serveSender();
      }
      if (failed) throw failure;
      if (got > 0) return got;
    }
  }

  // ---- select --------------------------------------------------------------------

  selTryRecv(): T | typeof EMPTY | typeof CLOSED {
    return this.tryRecv();
  }

  selTrySend(p: unknown): boolean {
    // Not trySend: select gives back the values of the cases that did not
    // fire, but not of the one that threw (it counts as fired).
    const r = this.trySendNow(p);
    if (r === R_CLOSED) {
      this.carrier.discard(p);
      throw errors.sendOnClosed();
    }
    return r === OK;
  }

  probe(send: boolean, out: number[]): boolean {
    const w = this.w;
    const head = Atomics.load(w, this.H);
    const tail = Atomics.load(w, this.T);
    const at = send ? tail & ~this.mark : head;
    const stamp = Atomics.load(w, this.slotOf(at));
    out.push(head, tail, stamp);
    if ((tail & this.mark) !== 0) return true;
    return send ? stamp === at : stamp === ((at + 1) | 0);
  }

  register(send: boolean, node: number): void {
    this.lock();
    this.enqueue(send, node);
    this.unlock();
  }

  ready(send: boolean): boolean {
    return send ? this.sendReady() : this.recvReady();
  }

  /**
   * Fills the ring of a fresh block, seen by no other thread yet, with
   * encoded values (promotion of a local channel's buffer; at most CAP).
   */
  fillFresh(values: Uint8Array[]): void {
    const w = this.w;
    let p = w[this.T]!;
    for (const bytes of values) {
      const slot = this.slotOf(p);
      this.carrier.bytesToSlot(slot + 1, bytes);
      w[slot] = (p + 1) | 0;
      p = this.next(p);
    }
    Atomics.store(w, this.T, p);
  }

  /** Disposes of the values still in the ring (the block is being freed: nobody else can see it). */
  drain(): void {
    const w = this.w;
    let head = w[this.H]!;
    const tail = w[this.T]! & ~this.mark;
    while (head !== tail) {
      const slot = this.slotOf(head);
      if (w[slot] === ((head + 1) | 0)) this.carrier.drop(slot + 1);
      head = this.next(head);
    }
  }
}

/** A cell nobody notifies: Atomics.wait on it is a sleep. */
const pauseCell = new Int32Array(new SharedArrayBuffer(4));
