/**
 * The zero flavor: an unbuffered channel in shared memory (Go's hchan with
 * no buffer; crossbeam-channel's zero.rs). A send and a receive meet in the
 * waiter node of whichever came first: the second one finds it under LOCK,
 * hands the value over in the node itself (N_A) and wakes it once.
 *
 * ## Layout
 *
 * The shared header only (shared.ts): LOCK, the two queues and their
 * waiter counts, VERSION, and CLOSED_WORD. Every word is written under LOCK.
 *
 * ## Invariants
 * - A value is in exactly one place: its sender's call, its sender's node
 *   (N_A, queued in SENDQ), or the node of the receiver it was handed to.
 *   Ownership of a value block moves with the word.
 * - Nodes are served in FIFO order on each side; a select node is served only
 *   if its group CAS is won (shared.ts, popWaiter).
 * - SENDQ and RECVQ never both hold claimable nodes of different owners
 *   for long: whoever arrives second takes the first (a select may sit on
 *   both sides, as a sender on one case and a receiver on another, and never
 *   pairs with itself: `ready` skips its own group).
 * - CLOSED goes 0 -> 1 once, under LOCK, and close pops every node: nothing
 *   is queued on a closed channel for longer than a select's ready re-check.
 *
 * ## No lost wake-up
 * Both sides test and queue under the same LOCK, so a node is queued only if
 * no partner was there, and a partner arriving later finds it. The wake
 * itself cannot be lost: core's node states (SPINNING / WAITING, shared.ts)
 * make exactly one side deliver it.
 *
 * ## Spinning (the *Sync forms)
 * Both sides queue at once and spin on their own node (N_STATE), so a
 * cross-thread ping-pong never sleeps while a core is spare: the partner
 * hands over with a few stores and no Atomics.notify. A receiver that spun
 * instead on the channel before queueing would leave a sender nothing to find.
 *
 * Rejected: a lock-free one-slot exchanger (one CAS instead of LOCK + queue):
 * it does not give FIFO service to several blocked senders, which Go's
 * semantics (test/chan/fifo.go) require, and select needs the queues anyway.
 */
import * as substrate from '@gocsp/core/internal';
import { errors, rejected } from '../../errors.js';
import {
  CLOSED,
  CLOSED_OUT,
  CLOSED_RESULT,
  CLOSED_WORD,
  DELIVERED,
  EMPTY,
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
const { wakeNode, freeNode, wakeAll } = substrate;

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
  get len(): number {
    return 0;
  }

  get closed(): boolean {
    return Atomics.load(this.i32, CLOSED_WORD) !== 0;
  }

  /** Hands value word `a` to a queued receiver (LOCK held): true if one took it. */
  private handToReceiver(a: number): boolean {
    const r = this.popWaiter(false);
    if (r < 0) return false;
    const wake = this.settle(r, DELIVERED, a);
    this.unlock();
    if (wake) wakeNode(this.world, r);
    return true;
  }

  /** Takes a queued sender's value word (LOCK held, released here if one is found): the word, or -1. */
  private takeFromSender(): number | undefined {
    const s = this.popWaiter(true);
    if (s < 0) return undefined;
    const a = this.world.i32[s + N_A]!;
    const wake = this.settle(s, DELIVERED);
    this.unlock();
    if (wake) wakeNode(this.world, s);
    return a;
  }

  trySend(p: unknown): boolean {
    // No receiver queued (read first) and still open (read second): would block, now.
    if (Atomics.load(this.i32, R_WAITING) === 0) {
      if (this.closed) throw errors.sendOnClosed();
      return false;
    }
    const a = this.carrier.toNode(p);
    this.lock();
    if (this.i32[CLOSED_WORD] !== 0) {
      this.unlock();
      this.carrier.retract(a);
      throw errors.sendOnClosed();
    }
    if (this.handToReceiver(a)) return true;
    this.unlock();
    this.carrier.retract(a); // not sent: `p` stays the caller's
    return false;
  }

  tryRecv(): T | typeof EMPTY | typeof CLOSED {
    if (Atomics.load(this.i32, S_WAITING) === 0) return this.closed ? CLOSED : EMPTY;
    this.lock();
    const a = this.takeFromSender();
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
    if (this.i32[CLOSED_WORD] !== 0) {
      this.unlock();
      this.carrier.dropNode(a);
      return rejected(errors.sendOnClosed());
    }
    if (this.handToReceiver(a)) return RESOLVED;
    const node = this.queueOrUnlock(true, false, a);
    if (node < 0) return rejected(queueError(this, a));
    return parkOp(this, node, OP_SEND, signal, WR_CHAN_SEND) as Promise<void>;
  }

  recv(kind: number, signal: AbortSignal | undefined): Promise<unknown> {
    if (signal?.aborted) return rejected(signal.reason);
    this.lock();
    const a = this.takeFromSender();
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
    const node = this.queueOrUnlock(false, false, 0);
    if (node < 0) return rejected(queueError(this, undefined));
    return parkOp(this, node, kind, signal, WR_CHAN_RECV);
  }

  /**
   * Queues a new node of this thread on one side and unlocks (LOCK held on
   * entry): the node, or -1 if it could not be allocated (unlocked; the
   * error is in `queueError`).
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
    this.enqueue(send, node);
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
    this.lock();
    if (this.i32[CLOSED_WORD] !== 0) {
      this.unlock();
      sendClosed(this, a);
    }
    if (this.handToReceiver(a)) return;
    const node = this.queueOrUnlock(true, true, a);
    if (node < 0) throw queueError(this, a);
    parkSyncOp(this, true, node, WR_CHAN_SEND);
    const outcome = this.world.i32[node + N_B]!;
    freeNode(this.world, node);
    if (outcome !== DELIVERED) sendClosed(this, a);
  }

  recvSync(): T | typeof CLOSED {
    this.lock();
    const a = this.takeFromSender();
    if (a !== undefined) return this.carrier.fromNode(a);
    if (this.i32[CLOSED_WORD] !== 0) {
      this.unlock();
      return CLOSED;
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

  close(): void {
    const woken: number[] = [];
    this.lock();
    try {
      if (this.i32[CLOSED_WORD] !== 0) throw errors.closeOfClosed();
      Atomics.store(this.i32, CLOSED_WORD, 1);
      this.i32[VERSION] = (this.i32[VERSION]! + 1) | 0;
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
      out.push(this.i32[VERSION]!);
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

  ready(send: boolean, group: number): boolean {
    this.lock();
    try {
      return this.i32[CLOSED_WORD] !== 0 || this.hasPartner(send, group);
    } finally {
      this.unlock();
    }
  }

  /**
   * True if the other side holds a node that a `send` (or receive) could take
   * now: a live plain node, or a select node whose group is still open and
   * is not `group` (a select never pairs with itself). LOCK held.
   */
  private hasPartner(send: boolean, group: number): boolean {
    const world = this.world;
    const w = world.i32;
    return (send ? this.recvq : this.sendq).some((n) => {
      if (!world.isAlive(w[n + substrate.N_OWNER]!)) return false;
      const g = w[n + N_C]!;
      return g === 0 || (g !== group && Atomics.load(w, g) === 0);
    });
  }
}
