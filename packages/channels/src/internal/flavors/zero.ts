/**
 * The zero flavor: an unbuffered channel in shared memory (Go's hchan with
 * no buffer; crossbeam-channel's zero.rs). A send and a receive meet in the
 * waiter of whichever came first: the second one finds it, hands the value
 * over in the waiter itself and wakes it once.
 *
 * A waiter is one of two kinds:
 * - **the inline waiter**: a blocking `*Sync` operation that found nobody
 *   waiting at all announces itself in the channel's own slot (IW, the line
 *   after the header) with one CAS, and spins there. A partner serves it
 *   with a CAS and a store, without LOCK: two threads handing values back
 *   and forth touch one line per hand-off, as the raw rendezvous does;
 * - **queued nodes** (core world.ts), under LOCK: every other wait (async
 *   operations, select, a second waiter, an inline waiter that stopped
 *   spinning).
 *
 * ## Layout
 *
 * The shared header (shared.ts: LOCK, the two queues and their waiter
 * counts, VERSION, CLOSED_WORD; every word written under LOCK), then the
 * inline slot on its own cache line:
 *
 * | word | name | meaning |
 * | --- | --- | --- |
 * | 16 | IW | state (bits 0-3), flags QUEUED (bit 4) and CLOSING (bit 5), episode count (bits 8-31) |
 * | 17 | IW_VAL | an inline sender's value word, or the value handed to the inline receiver (carrier.ts) |
 * | 18 | IW_OWNER | the inline waiter's thread token (world.ts), for a dead-thread check |
 *
 * IW states: EMPTY (free, and no node queued: whoever waits first may go
 * inline), SLOW (nodes may be queued: use LOCK), CLOSED, RECV / SEND (an
 * inline waiter spins), CLAIM (one thread is writing IW_VAL / IW_OWNER),
 * HANDED / TAKEN (the inline receiver got its value / the inline sender's
 * value was taken), CLOSED_R / CLOSED_S (close reached the inline waiter).
 * Only the inline waiter itself moves IW on from HANDED, TAKEN, CLOSED_R and
 * CLOSED_S (`releaseInline`): to CLOSED if CLOSING is set, to SLOW if QUEUED
 * is set, else to EMPTY. The episode count goes up at every EMPTY -> CLAIM,
 * so select's probes (VERSION and IW, under LOCK) see any episode that began
 * and ended between two collects.
 *
 * A receiver's claim: a receiver that finds IW_OWNER already holding its
 * own token (it was the last thread to go inline here, as either side of a
 * ping-pong is) goes inline with one CAS, EMPTY -> RECV with the episode
 * moved, and no CLAIM: it has no value to write, and IW_OWNER is right. That
 * is safe because IW_OWNER is written only inside a CLAIM out of EMPTY or
 * SLOW, and each of those moves the episode: the receiver read IW before
 * IW_OWNER, so a CAS from the IW it read succeeds only if no claim came in
 * between, and IW_OWNER still names it.
 *
 * ## Invariants
 * - A value is in exactly one place: its sender's call, its sender's node
 *   (N_A, queued in SENDQ) or IW_VAL (state SEND), or the node or IW_VAL of
 *   the receiver it was handed to. Ownership of a value block moves with the
 *   word.
 * - IW is EMPTY only while no node is queued: a thread queues a node only
 *   after `markQueued` made IW SLOW (from EMPTY) or set QUEUED on it, and
 *   SLOW goes back to EMPTY only when a waiter finds both counts zero under
 *   LOCK (and then goes inline itself: `claimLocked`).
 * - The inline waiter is older than every queued node of its side (it was
 *   alone when it went inline; a later waiter queues behind it and sets
 *   QUEUED), so every server tries IW first: blocked operations are served
 *   in FIFO order on each side, as Go's test/chan/fifo.go requires. An
 *   inline waiter that stops spinning moves to the front of its queue
 *   (`convert`), counted (R_WAITING / S_WAITING) before IW leaves its state,
 *   so the lock-free checks of trySend / tryRecv (IW, then the count) never
 *   miss it. (A select locks one channel at a time, unlike Go's sellock:
 *   between its registration and its re-check, a newer partner can take the
 *   select's node while an older one still waits, on this flavor as before
 *   the inline slot; test/zero-model.test.ts leaves selects out of its FIFO
 *   check for that reason.)
 * - An inline waiter and queued plain nodes of the other side never stand
 *   together: `markQueued` refuses (and the caller serves the inline waiter
 *   instead) when the other side is inline. A select's node may be queued
 *   there for an instant; its `ready` re-check (which reads IW) then sees the
 *   partner and runs pass 1 again.
 * - CLAIM is exclusive and a few instructions long: nobody else writes IW
 *   during it (LOCK holders and close wait it out).
 * - Nodes are served in FIFO order on each side; a select node is served only
 *   if its group CAS is won (shared.ts, popWaiter).
 * - CLOSED goes 0 -> 1 once, under LOCK; close then pops every node and
 *   moves IW to CLOSED (or CLOSED_R / CLOSED_S, or sets CLOSING), so IW is
 *   never EMPTY again and nobody goes inline on a closed channel.
 *
 * ## No lost wake-up
 * An inline waiter never sleeps in the slot: it polls IW, and to sleep it
 * first moves into its queue under LOCK by a CAS from its own state to SLOW
 * (`convert`); a server's CAS to CLAIM and that CAS exclude each other, so
 * either the server hands over inline (and the waiter sees it on its next
 * poll) or the waiter is a queued node (and a server pops it under LOCK and
 * wakes it: core's node states, shared.ts). Queued waiters: both sides test
 * and queue under the same LOCK, so a node is queued only if no partner was
 * there, and a partner arriving later finds it.
 *
 * ## Spinning (the *Sync forms)
 * The inline waiter spins on IW; a queued one on its node (N_STATE), so a
 * cross-thread ping-pong never sleeps while a core is spare, and the partner
 * hands over with a few stores and no Atomics.notify.
 *
 * ## Dead threads
 * An inline waiter of a terminated thread is evicted (IW -> SLOW) by the
 * first partner that finds it, so no value is handed to it (a dead sender's
 * value block leaks, as a dead queued node's does). One terminated after it
 * was served leaves IW at HANDED / TAKEN for good: the channel then works
 * through LOCK only. A claim is stores only (no call a termination could
 * land in); one that still lasts CLAIM_GIVE_UP_MS throws OwnerDiedError, as
 * core's lock does for an owner that died inside it. The episode count
 * wraps after 2^24 episodes; a thread stalled between its read of IW and its
 * CAS for that long, finding the very same word, is not guarded against.
 *
 * Rejected: a lock-free one-slot exchanger for every operation: it does not
 * give FIFO service to several blocked senders, and select needs the queues
 * anyway. The inline slot serves only the one waiter that was alone.
 */
import * as substrate from '@gocsp/core/internal';
import { OwnerDiedError } from '@gocsp/core';
import { errors, rejected } from '../../errors.js';
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
  N_C,
  OP_RECV,
  OP_SEND,
  R_WAITING,
  S_WAITING,
  SharedChan,
  VERSION,
  parkOp,
  parkSyncOp,
  sendClosed,
  type ParkedOp,
  WR_CHAN_RECV,
  WR_CHAN_SEND,
} from './shared.js';

// Bound once: the package's CommonJS namespace reads every export through a getter.
const { wakeNode, freeNode, wakeAll, relax, spinFor, fastLoad } = substrate;

/** The inline slot (file header). */
export const IW = HEADER_WORDS;
export const IW_VAL = HEADER_WORDS + 1;
export const IW_OWNER = HEADER_WORDS + 2;
/** Words of a zero-flavor block: the header and the inline slot's line. */
export const ZERO_WORDS = HEADER_WORDS + 16;

const I_EMPTY = 0;
const I_SLOW = 1;
const I_CLOSED = 2;
const I_RECV = 3;
const I_SEND = 4;
/** From here on, states that end by themselves within a few instructions (freshIW). */
const I_CLAIM = 5;
const I_HANDED = 6;
const I_TAKEN = 7;
const I_CLOSED_R = 8;
const I_CLOSED_S = 9;
const I_STATE = 0xf;
const I_QUEUED = 0x10;
const I_CLOSING = 0x20;
/** State and flags: an IW whose low byte is 0 is EMPTY with no flag. */
const I_LOW = 0xff;
const I_EPISODE = 0x100;

/** IW with its state replaced (flags and episode kept). */
function withState(s: number, state: number): number {
  return (s & ~I_STATE) | state;
}

/** Polls of freshIW (~50 ns apart). */
const SETTLE_POLLS = 20;

/** How long a CLAIM may last before settledIW calls its thread dead. */
const CLAIM_GIVE_UP_MS = 10_000;

function claimDied(): Error {
  return new OwnerDiedError(
    'a thread was terminated while it handed a value over on this unbuffered channel; the channel is unusable: recreate it',
  );
}

/**
 * Polls of an inline waiter's spin (core spinFor, ~50 ns apart): as long as
 * a queued *Sync waiter spins on its node (shared.ts, NODE_POLLS).
 */
const INLINE_POLLS = 2000;

const RESOLVED = Promise.resolve();

/** The allocation error of the last failed `queueOrUnlock`. */
let lastQueueError: unknown;

/** That error, after giving back a sender's value word. */
function queueError(ch: SharedChan, a: number | undefined): Error {
  if (a !== undefined) ch.carrier.dropNode(a);
  const e = lastQueueError as Error;
  lastQueueError = undefined;
  return e;
}

/** Shared-memory side of an unbuffered channel, as seen from one thread. */
export class ZeroChan<T = unknown> extends SharedChan<T> {
  /** The inline state a spinning inline waiter of this thread waits to leave (spinFor's condition). */
  private spinState = I_RECV;
  /** IW as leftFn last read it: releaseInline's first CAS expects it (one load fewer per hand-off). */
  private seenIW = 0;
  private readonly leftFn = (): boolean => {
    const s = Atomics.load(this.i32, IW);
    this.seenIW = s;
    const st = s & I_STATE;
    return st !== this.spinState && st !== I_CLAIM;
  };

  get len(): number {
    return 0;
  }

  get closed(): boolean {
    return Atomics.load(this.i32, CLOSED_WORD) !== 0;
  }

  // ---- the inline slot ---------------------------------------------------

  /**
   * IW once no CLAIM is in progress. A claim is a few stores long: a
   * descheduled claimer is waited out with short sleeps, and one that
   * lasts CLAIM_GIVE_UP_MS means its thread was terminated inside it (the
   * slot cannot be repaired: fail loudly, as core's lock does).
   */
  private settledIW(): number {
    const i = this.i32;
    let since = 0;
    for (let n = 0; ; n++) {
      const s = Atomics.load(i, IW);
      if ((s & I_STATE) !== I_CLAIM) return s;
      if (n < 1000) relax();
      else {
        if (since === 0) since = Date.now();
        else if (Date.now() - since > CLAIM_GIVE_UP_MS) throw claimDied();
        Atomics.wait(i, IW, s, 1);
      }
    }
  }

  /**
   * IW for a blocking operation's first look, after a few polls while an
   * inline hand-off is finishing (CLAIM, or HANDED / TAKEN / CLOSED_R /
   * CLOSED_S not yet released by its waiter): a value stream through an
   * unbuffered channel then stays on the inline path instead of queueing
   * every other value.
   */
  private freshIW(): number {
    const i = this.i32;
    // Whatever the first read sees, a CAS checks before anything is
    // written; the polls after it stay Atomics.load (a spin loop).
    let s = fastLoad(i, IW);
    for (let k = 0; k < SETTLE_POLLS && (s & I_STATE) >= I_CLAIM; k++) {
      relax();
      s = Atomics.load(i, IW);
    }
    return s;
  }

  /**
   * Hands value word `a` to the inline receiver, with or without LOCK: true
   * if one took it. An inline receiver of a dead thread is evicted. `seen`:
   * IW as the caller just read it (state RECV), so the first try needs no
   * load of its own; the CAS checks it. (-1: none; IW is never -1, as no
   * state is 15.)
   */
  private handInline(a: number, seen = -1): boolean {
    const i = this.i32;
    for (;;) {
      const s = seen !== -1 ? seen : this.settledIW();
      seen = -1;
      if ((s & I_STATE) !== I_RECV) return false;
      if (this.evictedDead(s)) continue;
      const handed = withState(s, I_HANDED); // computed first: nothing but stores inside the claim
      if (Atomics.compareExchange(i, IW, s, withState(s, I_CLAIM)) !== s) continue;
      i[IW_VAL] = a;
      Atomics.store(i, IW, handed);
      return true;
    }
  }

  /**
   * True if the inline waiter of IW `s` belongs to a dead thread: then it is
   * evicted (IW -> SLOW, if IW is still `s`) and the caller looks again.
   */
  private evictedDead(s: number): boolean {
    const i = this.i32;
    if (this.world.isAlive(i[IW_OWNER]!)) return false;
    Atomics.compareExchange(i, IW, s, (s & ~I_LOW) | I_SLOW);
    return true;
  }

  /**
   * Takes the inline sender's value word, with or without LOCK; undefined if
   * none waits. `seen`: IW as the caller just read it (state SEND), as for
   * handInline.
   */
  private takeInline(seen = -1): number | undefined {
    const i = this.i32;
    for (;;) {
      const s = seen !== -1 ? seen : this.settledIW();
      seen = -1;
      if ((s & I_STATE) !== I_SEND) return undefined;
      if (this.evictedDead(s)) continue;
      const a = i[IW_VAL]!; // stable while SEND: only the claim wrote it
      if (Atomics.compareExchange(i, IW, s, withState(s, I_TAKEN)) === s) return a;
    }
  }

  /**
   * Goes inline as `state` (I_RECV / I_SEND with value word `a`) if IW is
   * `s` and EMPTY (`s` read by the caller; no LOCK needed): true if so.
   */
  private claimInline(s: number, state: number, a: number): boolean {
    const i = this.i32;
    const next = ((s & ~I_LOW) + I_EPISODE) | 0;
    const token = this.world.token; // read first: nothing but stores inside the claim
    // A receiver whose token IW_OWNER still holds has nothing to write:
    // one CAS, no CLAIM (file header, "A receiver's claim").
    if (state === I_RECV && i[IW_OWNER] === token) {
      return Atomics.compareExchange(i, IW, s, next | I_RECV) === s;
    }
    if (Atomics.compareExchange(i, IW, s, next | I_CLAIM) !== s) return false;
    i[IW_OWNER] = token;
    i[IW_VAL] = a;
    Atomics.store(i, IW, next | state);
    return true;
  }

  /**
   * LOCK held, no partner found: goes inline if this waiter is alone (IW
   * EMPTY, or SLOW with both queues empty). True if so.
   */
  private claimLocked(state: number, a: number): boolean {
    const i = this.i32;
    const s = this.settledIW();
    const st = s & I_LOW;
    if (st === I_SLOW) {
      if (Atomics.load(i, R_WAITING) !== 0 || Atomics.load(i, S_WAITING) !== 0) return false;
      return this.claimInline(s, state, a) || this.claimLocked(state, a);
    }
    return st === I_EMPTY && (this.claimInline(s, state, a) || this.claimLocked(state, a));
  }

  /**
   * LOCK held: makes IW say that a node of side `send` is about to be
   * queued (EMPTY -> SLOW, or the QUEUED flag). False, changing nothing, if
   * the other side is inline (serve it instead), unless `force` (a select
   * node: its `ready` re-check finds the partner).
   */
  private markQueued(send: boolean, force: boolean): boolean {
    const i = this.i32;
    for (;;) {
      const s = this.settledIW();
      const st = s & I_STATE;
      if (st === (send ? I_RECV : I_SEND) && !force) return false;
      if (st === I_SLOW || st === I_CLOSED) return true;
      const next = (s & I_LOW) === I_EMPTY ? withState(s, I_SLOW) : s | I_QUEUED;
      if (Atomics.compareExchange(i, IW, s, next) === s) return true;
    }
  }

  /**
   * Ends this thread's inline wait after IW left `state` (served or
   * closed): IW goes on to CLOSED, SLOW or EMPTY (file header). Returns the
   * state it ended with. The first CAS expects the word the spin last saw
   * (seenIW): usually still current, as only this waiter moves IW on from
   * here; if not, the CAS fails and IW is read again.
   */
  private releaseInline(): number {
    const i = this.i32;
    for (let first = true; ; first = false) {
      const s = first ? this.seenIW : Atomics.load(i, IW);
      const next = (s & I_CLOSING) !== 0 ? I_CLOSED : (s & I_QUEUED) !== 0 ? I_SLOW : I_EMPTY;
      if (Atomics.compareExchange(i, IW, s, (s & ~I_LOW) | next) === s) return s & I_STATE;
    }
  }

  /**
   * Waits as the inline waiter (`state`: I_RECV, or I_SEND holding value
   * word `a`): spins on IW, then moves into the queue and parks. Returns
   * the outcome (DELIVERED or CLOSED_OUT) and, for a receiver, the value
   * word in `this.got`.
   */
  private waitInline(state: number, a: number): number {
    this.spinState = state;
    if (!spinFor(this.world, this.leftFn, INLINE_POLLS)) {
      const queued = this.convert(state, a);
      if (queued >= 0) {
        const send = state === I_SEND;
        parkSyncOp(this, send, queued, send ? WR_CHAN_SEND : WR_CHAN_RECV, true);
        const w = this.world.i32;
        const outcome = w[queued + N_B]!;
        this.got = w[queued + N_A]!;
        freeNode(this.world, queued);
        return outcome;
      }
    }
    const st = this.releaseInlineAfter();
    return st === I_HANDED || st === I_TAKEN ? DELIVERED : CLOSED_OUT;
  }

  /** The value word an inline receive got (waitInline). */
  private got = 0;

  /** Once IW has left this waiter's state (not to CLAIM): keeps the handed value, then releases. */
  private releaseInlineAfter(): number {
    this.got = this.i32[IW_VAL]!;
    return this.releaseInline();
  }

  /**
   * The inline waiter stopped spinning: under LOCK, if it still waits, it
   * becomes a node at the front of its queue (it is older than every node
   * there) and IW goes SLOW. The node, or -1 if it was served (or the
   * channel closed) meanwhile. If no node can be allocated it stays inline
   * and keeps polling, with short sleeps, until served or closed.
   */
  private convert(state: number, a: number): number {
    const send = state === I_SEND;
    let node: number;
    try {
      node = this.newNode(false, send ? a : 0);
    } catch {
      const i = this.i32;
      while (!this.leftFn()) Atomics.wait(i, IW, Atomics.load(i, IW), 1);
      return -1;
    }
    const i = this.i32;
    const count = send ? S_WAITING : R_WAITING;
    this.lock();
    // Counted before IW leaves its state: a trySend / tryRecv that reads IW
    // and then the count without LOCK must see this waiter in one of them.
    Atomics.add(i, count, 1);
    for (;;) {
      const s = this.settledIW();
      if ((s & I_STATE) !== state) break;
      if (Atomics.compareExchange(i, IW, s, (s & ~I_LOW) | I_SLOW) !== s) continue;
      (send ? this.sendq : this.recvq).pushFront(node);
      i[VERSION] = (i[VERSION]! + 1) | 0;
      this.unlock();
      return node;
    }
    Atomics.sub(i, count, 1);
    this.unlock();
    freeNode(this.world, node);
    return -1;
  }

  // ---- queued nodes ------------------------------------------------------

  /** Hands value word `a` to a queued receiver (LOCK held, released here if one is found). */
  private handToReceiver(a: number): boolean {
    const r = this.popWaiter(false);
    if (r < 0) return false;
    const wake = this.settle(r, DELIVERED, a);
    this.unlock();
    if (wake) wakeNode(this.world, r);
    return true;
  }

  /** Takes a queued sender's value word (LOCK held, released here if one is found). */
  private takeFromSender(): number | undefined {
    const s = this.popWaiter(true);
    if (s < 0) return undefined;
    const a = this.world.i32[s + N_A]!;
    const wake = this.settle(s, DELIVERED);
    this.unlock();
    if (wake) wakeNode(this.world, s);
    return a;
  }

  /**
   * LOCK held, channel open: hands `a` to a waiting receiver (inline first:
   * it is the oldest). True if handed (LOCK released).
   */
  private handLocked(a: number): boolean {
    if (this.handInline(a)) {
      this.unlock();
      return true;
    }
    return this.handToReceiver(a);
  }

  /** LOCK held: a waiting sender's value word (LOCK released), or undefined (LOCK still held). */
  private takeLocked(): number | undefined {
    const a = this.takeInline();
    if (a !== undefined) {
      this.unlock();
      return a;
    }
    return this.takeFromSender();
  }

  trySend(p: unknown): boolean {
    // No receiver inline (read first) nor queued (second), and still open (third): would block, now.
    const s = Atomics.load(this.i32, IW);
    if ((s & I_STATE) !== I_RECV && Atomics.load(this.i32, R_WAITING) === 0) {
      if (this.closed) throw errors.sendOnClosed();
      return false;
    }
    const a = this.carrier.toNode(p);
    if ((s & I_STATE) === I_RECV && this.handInline(a, s)) return true;
    this.lock();
    if (this.i32[CLOSED_WORD] !== 0) {
      this.unlock();
      this.carrier.retract(a);
      throw errors.sendOnClosed();
    }
    if (this.handLocked(a)) return true;
    this.unlock();
    this.carrier.retract(a); // not sent: `p` stays the caller's
    return false;
  }

  tryRecv(): T | typeof EMPTY | typeof CLOSED {
    const s = Atomics.load(this.i32, IW);
    if ((s & I_STATE) !== I_SEND && Atomics.load(this.i32, S_WAITING) === 0) {
      return this.closed ? CLOSED : EMPTY;
    }
    if ((s & I_STATE) === I_SEND) {
      const a = this.takeInline(s);
      if (a !== undefined) return this.carrier.fromNode(a);
    }
    this.lock();
    const a = this.takeLocked();
    if (a !== undefined) return this.carrier.fromNode(a);
    const closed = this.i32[CLOSED_WORD] !== 0;
    this.unlock();
    return closed ? CLOSED : EMPTY;
  }

  send(v: T, signal: AbortSignal | undefined): Promise<void> {
    let a: number;
    try {
      a = this.carrier.toNode(this.carrier.prepare(v));
    } catch (e) {
      return rejected(e);
    }
    if (signal?.aborted) {
      this.carrier.dropNode(a);
      return rejected(signal.reason);
    }
    this.lock();
    for (;;) {
      if (this.i32[CLOSED_WORD] !== 0) {
        this.unlock();
        this.carrier.dropNode(a);
        return rejected(errors.sendOnClosed());
      }
      if (this.handLocked(a)) return RESOLVED;
      if (this.markQueued(true, false)) break;
    }
    const node = this.queueOrUnlock(true, false, a);
    if (node < 0) return rejected(queueError(this, a));
    return parkOp(this, node, OP_SEND, signal, WR_CHAN_SEND) as Promise<void>;
  }

  recv(kind: number, signal: AbortSignal | undefined): Promise<unknown> {
    if (signal?.aborted) return rejected(signal.reason);
    this.lock();
    for (;;) {
      const a = this.takeLocked();
      if (a !== undefined) {
        try {
          const v = this.carrier.fromNode(a);
          return Promise.resolve(kind === OP_RECV ? v : [v, true]);
        } catch (e) {
          return rejected(e);
        }
      }
      if (this.i32[CLOSED_WORD] !== 0) {
        this.unlock();
        return Promise.resolve(kind === OP_RECV ? undefined : CLOSED_RESULT);
      }
      if (this.markQueued(false, false)) break;
    }
    const node = this.queueOrUnlock(false, false, 0);
    if (node < 0) return rejected(queueError(this, undefined));
    return parkOp(this, node, kind, signal, WR_CHAN_RECV);
  }

  /**
   * Queues a new node of this thread on one side and unlocks (LOCK held on
   * entry, IW marked: markQueued): the node, or -1 if it could not be
   * allocated (unlocked; the error is in `queueError`).
   */
  private queueOrUnlock(send: boolean, spinning: boolean, a: number): number {
    let node: number;
    try {
      node = this.newNode(spinning, a);
    } catch (e) {
      this.unlock();
      lastQueueError = e;
      return -1;
    }
    super.enqueue(send, node); // IW marked by the caller's markQueued
    this.unlock();
    return node;
  }

  resume(op: ParkedOp): void {
    const { outcome, a } = op.finish();
    if (op.kind === OP_SEND) {
      if (outcome === DELIVERED) op.resolve(undefined);
      else {
        this.carrier.dropNode(a);
        op.reject(errors.sendOnClosed());
      }
    } else if (outcome === DELIVERED) op.received(this.carrier.fromNode(a));
    else op.receivedClosed();
  }

  sendSync(v: T): void {
    const a = this.carrier.toNode(this.carrier.prepare(v));
    // Without LOCK: an inline receiver to serve, or nobody at all (go inline).
    const s = this.freshIW();
    const st = s & I_STATE;
    if (st === I_RECV && this.handInline(a, s)) return;
    if ((s & I_LOW) === I_EMPTY && this.claimInline(s, I_SEND, a)) {
      if (this.waitInline(I_SEND, a) !== DELIVERED) sendClosed(this, a);
      return;
    }
    this.lock();
    for (;;) {
      if (this.i32[CLOSED_WORD] !== 0) {
        this.unlock();
        sendClosed(this, a);
      }
      if (this.handLocked(a)) return;
      if (this.claimLocked(I_SEND, a)) {
        this.unlock();
        if (this.waitInline(I_SEND, a) !== DELIVERED) sendClosed(this, a);
        return;
      }
      if (this.markQueued(true, false)) break;
    }
    const node = this.queueOrUnlock(true, true, a);
    if (node < 0) throw queueError(this, a);
    parkSyncOp(this, true, node, WR_CHAN_SEND);
    const outcome = this.world.i32[node + N_B]!;
    freeNode(this.world, node);
    if (outcome !== DELIVERED) sendClosed(this, a);
  }

  recvSync(): T | typeof CLOSED {
    const s = this.freshIW();
    const st = s & I_STATE;
    if (st === I_SEND) {
      const a = this.takeInline(s);
      if (a !== undefined) return this.carrier.fromNode(a);
    } else if ((s & I_LOW) === I_EMPTY && this.claimInline(s, I_RECV, 0)) {
      return this.recvInline();
    }
    this.lock();
    for (;;) {
      const a = this.takeLocked();
      if (a !== undefined) return this.carrier.fromNode(a);
      if (this.i32[CLOSED_WORD] !== 0) {
        this.unlock();
        return CLOSED;
      }
      if (this.claimLocked(I_RECV, 0)) {
        this.unlock();
        return this.recvInline();
      }
      if (this.markQueued(false, false)) break;
    }
    const node = this.queueOrUnlock(false, true, 0);
    if (node < 0) throw queueError(this, undefined);
    parkSyncOp(this, false, node, WR_CHAN_RECV);
    const w = this.world.i32;
    const outcome = w[node + N_B]!;
    const got = w[node + N_A]!;
    freeNode(this.world, node);
    return outcome === DELIVERED ? this.carrier.fromNode(got) : CLOSED;
  }

  /** The rest of a recvSync that went inline. */
  private recvInline(): T | typeof CLOSED {
    return this.waitInline(I_RECV, 0) === DELIVERED ? this.carrier.fromNode(this.got) : CLOSED;
  }

  close(): void {
    const woken: number[] = [];
    this.lock();
    try {
      if (this.i32[CLOSED_WORD] !== 0) throw errors.closeOfClosed();
      Atomics.store(this.i32, CLOSED_WORD, 1);
      this.i32[VERSION] = (this.i32[VERSION]! + 1) | 0;
      this.closeInline();
      for (const send of [false, true]) {
        for (let n = this.popWaiter(send); n >= 0; n = this.popWaiter(send)) {
          if (this.settle(n, CLOSED_OUT)) woken.push(n);
        }
      }
    } finally {
      this.unlock();
    }
    wakeAll(this.world, woken);
  }

  /** close's part in the inline slot (LOCK held): see the file header. */
  private closeInline(): void {
    const i = this.i32;
    for (;;) {
      const s = this.settledIW();
      const st = s & I_STATE;
      let next: number;
      if (st === I_EMPTY || st === I_SLOW) next = (s & ~I_LOW) | I_CLOSED;
      else if (st === I_RECV) next = withState(s, I_CLOSED_R) | I_CLOSING;
      else if (st === I_SEND) next = withState(s, I_CLOSED_S) | I_CLOSING;
      else if (st === I_CLOSED) return;
      else next = s | I_CLOSING; // HANDED, TAKEN: its owner releases it to CLOSED
      if (Atomics.compareExchange(i, IW, s, next) === s) return;
    }
  }

  // ---- batches: a rendezvous per value -------------------------------------

  trySendRun(ps: unknown[], from: number, n: number): number {
    let k = 0;
    while (k < n && this.trySend(ps[from + k])) k++;
    return k;
  }

  tryRecvRun(max: number, out: T[]): number | typeof EMPTY | typeof CLOSED {
    let k = 0;
    while (k < max) {
      const r = this.tryRecv();
      if (r === EMPTY) return k > 0 ? k : EMPTY;
      if (r === CLOSED) return k > 0 ? k : CLOSED;
      out.push(r);
      k++;
    }
    return k;
  }

  // ---- select ------------------------------------------------------------

  selTryRecv(): T | typeof EMPTY | typeof CLOSED {
    return this.tryRecv();
  }

  selTrySend(p: unknown): boolean {
    return this.trySend(p);
  }

  probe(send: boolean, out: number[]): boolean {
    this.lock();
    try {
      out.push(this.i32[VERSION]!, this.settledIW());
      return this.i32[CLOSED_WORD] !== 0 || this.hasPartner(send, 0);
    } finally {
      this.unlock();
    }
  }

  register(send: boolean, node: number): void {
    this.lock();
    this.enqueue(send, node);
    this.unlock();
  }

  /**
   * Queues a node (LOCK held), marking IW first (markQueued, forced): for
   * select's nodes and promotion's. (queueOrUnlock marks IW itself first,
   * since it must refuse when the other side is inline.)
   */
  override enqueue(send: boolean, node: number): void {
    this.markQueued(send, true);
    super.enqueue(send, node);
  }

  ready(send: boolean, group: number): boolean {
    this.lock();
    try {
      return this.i32[CLOSED_WORD] !== 0 || this.hasPartner(send, group);
    } finally {
      this.unlock();
    }
  }

  /**
   * True if the other side holds a waiter that a `send` (or receive) could
   * take now: the inline waiter, a live plain node, or a select node whose
   * group is still open and is not `group` (a select never pairs with
   * itself). LOCK held.
   */
  private hasPartner(send: boolean, group: number): boolean {
    const world = this.world;
    const w = world.i32;
    const st = this.settledIW() & I_STATE;
    if (st === (send ? I_RECV : I_SEND) && world.isAlive(this.i32[IW_OWNER]!)) return true;
    return (send ? this.recvq : this.sendq).some((n) => {
      if (!world.isAlive(w[n + substrate.N_OWNER]!)) return false;
      const g = w[n + N_C]!;
      return g === 0 || (g !== group && Atomics.load(w, g) === 0);
    });
  }
}
