/**
 * Exhaustive interleaving check of the zero flavor's inline slot
 * (src/internal/flavors/zero.ts, file header: IW's states and flags, the
 * invariants, `convert`, `markQueued`, `claimLocked`, `closeInline`,
 * `releaseInline`) together with its LOCK'd queues (shared.ts: popWaiter,
 * settle) and a one-case select receive (src/select.ts).
 *
 * Each operation is a generator mirroring the code, one `yield` before each
 * shared-memory step (a load, a CAS, a store, or a LOCK'd step that touches
 * only what LOCK guards): `yield` alone is an ordinary step, `yield wait` a
 * step that can run only once `wait.ok()` holds (LOCK free, no CLAIM in
 * progress, a parked node WOKEN, an inline waiter's IW moved on). Modelled:
 * `sendSync` / `recvSync` (going inline lock-free or under LOCK, and an
 * inline waiter that keeps spinning or one that stops and `convert`s into
 * its queue), async `send` / `recv`, `trySend` / `tryRecv`, a select with
 * one receive case (pass 1 = tryRecv, register through markQueued(force),
 * the `ready` re-check, the group CAS, leaving the queue; at most three
 * rounds), `close`, and a thread terminated at any step outside a claim
 * (dead inline waiters are evicted, dead nodes dropped, a LOCK held by a
 * dead thread throws OwnerDiedError). Not modelled: allocation failures,
 * aborts, the episode count's wrap-around, CLAIM_GIVE_UP_MS.
 *
 * A preemption-bounded depth-first search (Musuvathi and Qadeer's CHESS:
 * switching away from a thread that could go on costs one preemption;
 * switching at a wait is free) replays every schedule of small scenarios.
 * Sequential consistency is the model (all JS Atomics are SeqCst). Checked
 * after every step:
 *   - IW EMPTY (no flag) only with both queues empty;
 *   - with LOCK free, R_WAITING / S_WAITING equal the queues' lengths;
 *   - an inline waiter never stands beside a queued plain node of the other
 *     side;
 *   - once close reached the slot, IW is never EMPTY, RECV or SEND again;
 *   - trySend / tryRecv never answer "would block" (nor EMPTY) while a
 *     partner was blocked, committed, through their whole check (the
 *     linearizability check that caught `convert` counting its waiter after
 *     its CAS);
 *   - a value is handed over at most once, and never to a thread already
 *     dead when the send (or the receive) began.
 * And wherever no step can run any more:
 *   - every thread not done waits where it may (a parked node, an inline
 *     spin), never for LOCK or a claim;
 *   - no sender and receiver both left blocked (lost wake-up, stranding);
 *   - after close, nobody blocked: blocked receivers got "closed", blocked
 *     senders failed;
 *   - exactly once: a receiver got the value of the sender it was paired
 *     with, a sender that succeeded was paired, one that failed was not;
 *   - FIFO per side: an operation that started after another blocked on the
 *     same side is not served first (plain operations served by plain
 *     partners: a select registers without Go's sellock, so its node may
 *     stand for an instant beside an inline waiter that came after its pass
 *     1, and a later operation may take it before that older waiter).
 * Deliberately broken variants (the unfixed `convert`, among others) must be
 * caught, so the search is known to bite. Scenarios of up to three threads
 * run with 3 preemptions, bigger ones with 2 (about 20 s in all);
 * GOCSP_STRESS > 1 makes that 4 and 3 (about 4 min).
 */
import { describe, expect, it } from 'vitest';
import { STRESS } from './util.js';

// IW (zero.ts): state in bits 0-3, flags, episode count from bit 8.
const I_EMPTY = 0;
const I_SLOW = 1;
const I_CLOSED = 2;
const I_RECV = 3;
const I_SEND = 4;
const I_CLAIM = 5;
const I_HANDED = 6;
const I_TAKEN = 7;
const I_CLOSED_R = 8;
const I_CLOSED_S = 9;
const I_STATE = 0xf;
const I_QUEUED = 0x10;
const I_CLOSING = 0x20;
const I_LOW = 0xff;
const I_EPISODE = 0x100;
const NAMES = 'EMPTY SLOW CLOSED RECV SEND CLAIM HANDED TAKEN CLOSED_R CLOSED_S'.split(' ');

// Node outcomes (shared.ts).
const DELIVERED = 1;
const CLOSED_OUT = 2;

/** A select group's word: open, won by a waker, or taken back by its owner. */
const G_OPEN = 0;
const G_WON = 1;
const G_ABORTED = -1;

const withState = (s: number, state: number): number => (s & ~I_STATE) | state;

/** Bugs to plant, each of which the search must find. */
interface Bugs {
  /** `convert` counts its waiter after the CAS to SLOW (the bug the fix removed). */
  countAfterCas?: boolean;
  /** `releaseInline` ignores QUEUED: IW goes back to EMPTY with nodes queued. */
  releaseIgnoresQueued?: boolean;
  /** `closeInline` leaves an inline receiver spinning (only sets CLOSING). */
  closeSkipsRecv?: boolean;
  /** select parks without its `ready` re-check. */
  noReadyRecheck?: boolean;
  /** A receiver's claim takes its one-CAS form whoever IW_OWNER names. */
  ownerUnchecked?: boolean;
  /** recvSync reads IW_OWNER before IW (the order the one-CAS claim relies on, reversed). */
  ownerReadFirst?: boolean;
  /**
   * Not a bug but a starting state: the thread IW_OWNER names at the start,
   * as if it had gone inline in an earlier episode (so that its receive
   * takes the one-CAS claim of zero.ts' "A receiver's claim").
   */
  lastInline?: number;
}

type Op = 'sendSync' | 'recvSync' | 'send' | 'recv' | 'trySend' | 'tryRecv' | 'selRecv' | 'close';

interface ThreadSpec {
  op: Op | 'kill';
  /** A sender's value (distinct, > 0), or the victim of a kill. */
  arg?: number;
  /** An inline waiter stops spinning and converts (else it spins until served). */
  giveUp?: boolean;
}

type Result = number | boolean | 'closed' | 'empty' | 'gaveUp' | 'killed' | 'ownerDied' | 'ok';

const SENDS = new Set(['sendSync', 'send', 'trySend']);
const RECVS = new Set(['recvSync', 'recv', 'tryRecv', 'selRecv']);

interface Node {
  owner: number;
  a: number;
  b: number;
  woken: boolean;
  /** Select group (index into Model.groups), 0 for a plain node. */
  group: number;
}

/** What a thread waits for before its next step. */
interface Wait {
  why: 'lock' | 'claim' | 'park' | 'spin' | 'kill';
  ok(): boolean;
}

type Proc<R> = Generator<Wait | undefined, R, void>;

class Violation extends Error {}
class OwnerDied extends Error {}

/** The shared state: the channel's words, the world's nodes, and the checker's records. */
class Model {
  iw = 0;
  iwVal = 0;
  iwOwner = -1;
  lock = -1;
  /** Node ids, front first. */
  recvq: number[] = [];
  sendq: number[] = [];
  rw = 0;
  sw = 0;
  closed = false;
  nodes: Node[] = [];
  groups: number[] = [G_OPEN];
  dead = new Set<number>();
  /** The thread between its CAS to CLAIM and its store ending it, or -1. */
  claimer = -1;
  // The checker's records.
  /** Step counter. */
  now = 0;
  /** Set once closeInline moved IW. */
  slotClosed = false;
  /** Threads committed blocked ('r' receive, 's' send): parked or spinning, not yet served. */
  blocked = new Map<number, 'r' | 's'>();
  startedAt = new Map<number, number>();
  blockedAt = new Map<number, number>();
  servedAt = new Map<number, number>();
  killedAt = new Map<number, number>();
  partner = new Map<number, number>();

  constructor(readonly bugs: Bugs) {
    this.iwOwner = bugs.lastInline ?? -1;
  }

  cas(old: number, next: number): boolean {
    if (this.iw !== old) return false;
    this.iw = next;
    return true;
  }

  newNode(owner: number, a: number, group = 0): number {
    this.nodes.push({ owner, a, b: 0, woken: false, group });
    return this.nodes.length - 1;
  }

  commit(t: number, side: 'r' | 's'): void {
    this.blocked.set(t, side);
    if (!this.blockedAt.has(t)) this.blockedAt.set(t, this.now);
  }

  /** A hand-off's linearization point: `sender`'s value goes to `receiver`. */
  pair(sender: number, receiver: number): void {
    for (const t of [sender, receiver]) {
      if (this.partner.has(t)) throw new Violation(`thread ${t} served twice`);
      const k = this.killedAt.get(t);
      const other = t === sender ? receiver : sender;
      if (k !== undefined && k < this.startedAt.get(other)!) {
        throw new Violation(`thread ${other} paired with thread ${t}, dead before it began`);
      }
      this.blocked.delete(t);
      this.servedAt.set(t, this.now);
    }
    this.partner.set(sender, receiver);
    this.partner.set(receiver, sender);
  }

  /** Threads committed blocked on `side` right now. */
  blockedOn(side: 'r' | 's'): number[] {
    return [...this.blocked].filter(([, k]) => k === side).map(([t]) => t);
  }

  /** The linearizability check of a "would block" answer (see the header). */
  checkNoneStill(before: number[], side: 'r' | 's', who: string): void {
    for (const t of before) {
      if (this.blocked.get(t) === side) {
        throw new Violation(
          `${who} would block while ${side === 'r' ? 'receiver' : 'sender'} ${t} was blocked throughout`,
        );
      }
    }
  }
}

/** One thread's operations, as generators mirroring zero.ts. */
class Chan {
  /** The value word an inline receive got (zero.ts: `got`). */
  got = 0;
  /** IW_OWNER as read before IW (the planted bug ownerReadFirst only). */
  earlyOwner: number | undefined;

  constructor(
    readonly m: Model,
    readonly t: number,
    readonly spec: ThreadSpec,
  ) {}

  private readonly lockFree: Wait = {
    why: 'lock',
    ok: () => this.m.lock === -1 || this.m.dead.has(this.m.lock),
  };
  private readonly noClaim: Wait = { why: 'claim', ok: () => (this.m.iw & I_STATE) !== I_CLAIM };

  *lock(): Proc<void> {
    yield this.lockFree;
    if (this.m.lock !== -1) throw new OwnerDied();
    this.m.lock = this.t;
  }

  *unlock(): Proc<void> {
    yield;
    this.m.lock = -1;
  }

  private parked(node: number): Wait {
    return { why: 'park', ok: () => this.m.nodes[node]!.woken };
  }

  *settledIW(): Proc<number> {
    yield this.noClaim;
    return this.m.iw;
  }

  // ---- the inline slot ------------------------------------------------------

  *handInline(a: number): Proc<boolean> {
    const m = this.m;
    for (;;) {
      const s = yield* this.settledIW();
      if ((s & I_STATE) !== I_RECV) return false;
      yield;
      if (m.dead.has(m.iwOwner)) {
        m.cas(s, (s & ~I_LOW) | I_SLOW);
        continue;
      }
      yield;
      if (m.cas(s, withState(s, I_CLAIM))) {
        m.claimer = this.t;
        m.pair(this.t, m.iwOwner);
        yield;
        m.iwVal = a;
        yield;
        m.iw = withState(s, I_HANDED);
        m.claimer = -1;
        return true;
      }
    }
  }

  *takeInline(): Proc<number | undefined> {
    const m = this.m;
    for (;;) {
      const s = yield* this.settledIW();
      if ((s & I_STATE) !== I_SEND) return undefined;
      yield;
      if (m.dead.has(m.iwOwner)) {
        m.cas(s, (s & ~I_LOW) | I_SLOW);
        continue;
      }
      yield;
      const a = m.iwVal;
      yield;
      if (m.cas(s, withState(s, I_TAKEN))) {
        m.pair(m.iwOwner, this.t);
        return a;
      }
    }
  }

  *claimInline(s: number, state: number, a: number): Proc<boolean> {
    const m = this.m;
    const next = (s & ~I_LOW) + I_EPISODE;
    if (state === I_RECV) {
      let owner = this.earlyOwner;
      if (owner === undefined) {
        yield;
        owner = m.iwOwner;
      }
      if (owner === this.t || m.bugs.ownerUnchecked) {
        yield;
        if (!m.cas(s, next | I_RECV)) return false;
        m.commit(this.t, 'r');
        return true;
      }
    }
    yield;
    if (!m.cas(s, next | I_CLAIM)) return false;
    m.claimer = this.t;
    yield;
    m.iwOwner = this.t;
    yield;
    m.iwVal = a;
    yield;
    m.iw = next | state;
    m.claimer = -1;
    m.commit(this.t, state === I_RECV ? 'r' : 's');
    return true;
  }

  *claimLocked(state: number, a: number): Proc<boolean> {
    const m = this.m;
    const s = yield* this.settledIW();
    const st = s & I_LOW;
    if (st === I_SLOW) {
      yield;
      if (m.rw !== 0 || m.sw !== 0) return false;
      return (yield* this.claimInline(s, state, a)) || (yield* this.claimLocked(state, a));
    }
    return (
      st === I_EMPTY &&
      ((yield* this.claimInline(s, state, a)) || (yield* this.claimLocked(state, a)))
    );
  }

  *markQueued(send: boolean, force: boolean): Proc<boolean> {
    for (;;) {
      const s = yield* this.settledIW();
      const st = s & I_STATE;
      if (st === (send ? I_RECV : I_SEND) && !force) return false;
      if (st === I_SLOW || st === I_CLOSED) return true;
      const next = (s & I_LOW) === I_EMPTY ? withState(s, I_SLOW) : s | I_QUEUED;
      yield;
      if (this.m.cas(s, next)) return true;
    }
  }

  *releaseInline(): Proc<number> {
    const m = this.m;
    for (;;) {
      yield;
      const s = m.iw;
      const queued = (s & I_QUEUED) !== 0 && !m.bugs.releaseIgnoresQueued;
      const next = (s & I_CLOSING) !== 0 ? I_CLOSED : queued ? I_SLOW : I_EMPTY;
      yield;
      if (m.cas(s, (s & ~I_LOW) | next)) return s & I_STATE;
    }
  }

  /** Spins until IW left `state` (not to CLAIM), keeps IW_VAL, releases. */
  *releaseInlineAfter(state: number): Proc<number> {
    const m = this.m;
    yield {
      why: 'spin',
      ok: () => {
        const st = m.iw & I_STATE;
        return st !== state && st !== I_CLAIM;
      },
    };
    this.got = m.iwVal; // stable until this thread releases IW
    return yield* this.releaseInline();
  }

  *waitInline(state: number, a: number): Proc<number> {
    const m = this.m;
    if (this.spec.giveUp) {
      const q = yield* this.convert(state, a);
      if (q >= 0) {
        yield this.parked(q);
        this.got = m.nodes[q]!.a;
        return m.nodes[q]!.b;
      }
    }
    const st = yield* this.releaseInlineAfter(state);
    return st === I_HANDED || st === I_TAKEN ? DELIVERED : CLOSED_OUT;
  }

  *convert(state: number, a: number): Proc<number> {
    const m = this.m;
    const send = state === I_SEND;
    const node = m.newNode(this.t, send ? a : 0);
    const count = (d: number): void => {
      if (send) m.sw += d;
      else m.rw += d;
    };
    yield* this.lock();
    if (!m.bugs.countAfterCas) {
      yield;
      count(1);
    }
    for (;;) {
      const s = yield* this.settledIW();
      if ((s & I_STATE) !== state) break;
      yield;
      if (!m.cas(s, (s & ~I_LOW) | I_SLOW)) continue;
      yield;
      (send ? m.sendq : m.recvq).unshift(node);
      if (m.bugs.countAfterCas) count(1);
      yield* this.unlock();
      return node;
    }
    if (!m.bugs.countAfterCas) {
      yield;
      count(-1);
    }
    yield* this.unlock();
    return -1;
  }

  // ---- queued nodes (LOCK held) ----------------------------------------------

  /** shared.ts popWaiter (one step: LOCK held, nothing else reads the queue). */
  popWaiter(send: boolean): number {
    const m = this.m;
    const q = send ? m.sendq : m.recvq;
    for (;;) {
      const n = q.shift();
      if (n === undefined) return -1;
      if (send) m.sw--;
      else m.rw--;
      const node = m.nodes[n]!;
      if (m.dead.has(node.owner)) continue; // popLive
      if (node.group === 0) return n;
      if (m.groups[node.group] === G_OPEN) {
        m.groups[node.group] = G_WON;
        return n;
      }
    }
  }

  settle(n: number, outcome: number, a?: number): void {
    const node = this.m.nodes[n]!;
    if (a !== undefined) node.a = a;
    node.b = outcome;
    node.woken = true;
    this.m.blocked.delete(node.owner);
  }

  *handToReceiver(a: number): Proc<boolean> {
    yield;
    const r = this.popWaiter(false);
    if (r < 0) return false;
    this.settle(r, DELIVERED, a);
    this.m.pair(this.t, this.m.nodes[r]!.owner);
    yield* this.unlock();
    return true;
  }

  *takeFromSender(): Proc<number | undefined> {
    yield;
    const s = this.popWaiter(true);
    if (s < 0) return undefined;
    const a = this.m.nodes[s]!.a;
    this.settle(s, DELIVERED);
    this.m.pair(this.m.nodes[s]!.owner, this.t);
    yield* this.unlock();
    return a;
  }

  *handLocked(a: number): Proc<boolean> {
    if (yield* this.handInline(a)) {
      yield* this.unlock();
      return true;
    }
    return yield* this.handToReceiver(a);
  }

  *takeLocked(): Proc<number | undefined> {
    const a = yield* this.takeInline();
    if (a !== undefined) {
      yield* this.unlock();
      return a;
    }
    return yield* this.takeFromSender();
  }

  *enqueue(send: boolean, node: number): Proc<void> {
    const m = this.m;
    yield* this.markQueued(send, true);
    yield;
    (send ? m.sendq : m.recvq).push(node);
    if (send) m.sw++;
    else m.rw++;
    if (m.nodes[node]!.group === 0) m.commit(this.t, send ? 's' : 'r');
  }

  *queueOrUnlock(send: boolean, a: number): Proc<number> {
    const node = this.m.newNode(this.t, a);
    yield* this.enqueue(send, node);
    yield* this.unlock();
    return node;
  }

  // ---- operations -------------------------------------------------------------

  *trySend(a: number): Proc<Result> {
    const m = this.m;
    yield;
    const s = m.iw;
    const before = m.blockedOn('r');
    yield;
    if ((s & I_STATE) !== I_RECV && m.rw === 0) {
      m.checkNoneStill(before, 'r', `trySend by ${this.t}`);
      yield;
      return m.closed ? 'closed' : false;
    }
    if ((s & I_STATE) === I_RECV && (yield* this.handInline(a))) return true;
    yield* this.lock();
    yield;
    if (m.closed) {
      yield* this.unlock();
      return 'closed';
    }
    const locked = m.blockedOn('r');
    if (yield* this.handLocked(a)) return true;
    m.checkNoneStill(locked, 'r', `trySend by ${this.t} (under LOCK)`);
    yield* this.unlock();
    return false;
  }

  *tryRecv(): Proc<Result> {
    const m = this.m;
    yield;
    const s = m.iw;
    const before = m.blockedOn('s');
    yield;
    if ((s & I_STATE) !== I_SEND && m.sw === 0) {
      m.checkNoneStill(before, 's', `tryRecv by ${this.t}`);
      yield;
      return m.closed ? 'closed' : 'empty';
    }
    if ((s & I_STATE) === I_SEND) {
      const a = yield* this.takeInline();
      if (a !== undefined) return a;
    }
    yield* this.lock();
    const locked = m.blockedOn('s');
    const a = yield* this.takeLocked();
    if (a !== undefined) return a;
    m.checkNoneStill(locked, 's', `tryRecv by ${this.t} (under LOCK)`);
    yield;
    const closed = m.closed;
    yield* this.unlock();
    return closed ? 'closed' : 'empty';
  }

  *send(a: number): Proc<Result> {
    const m = this.m;
    yield* this.lock();
    for (;;) {
      yield;
      if (m.closed) {
        yield* this.unlock();
        return 'closed';
      }
      if (yield* this.handLocked(a)) return true;
      if (yield* this.markQueued(true, false)) break;
    }
    const node = yield* this.queueOrUnlock(true, a);
    yield this.parked(node);
    return m.nodes[node]!.b === DELIVERED ? true : 'closed';
  }

  *recv(): Proc<Result> {
    const m = this.m;
    yield* this.lock();
    for (;;) {
      const a = yield* this.takeLocked();
      if (a !== undefined) return a;
      yield;
      if (m.closed) {
        yield* this.unlock();
        return 'closed';
      }
      if (yield* this.markQueued(false, false)) break;
    }
    const node = yield* this.queueOrUnlock(false, 0);
    yield this.parked(node);
    const n = m.nodes[node]!;
    return n.b === DELIVERED ? n.a : 'closed';
  }

  *sendSync(a: number): Proc<Result> {
    const m = this.m;
    yield; // freshIW: its extra polls only read
    const s = m.iw;
    if ((s & I_STATE) === I_RECV && (yield* this.handInline(a))) return true;
    if ((s & I_LOW) === I_EMPTY && (yield* this.claimInline(s, I_SEND, a))) {
      return (yield* this.waitInline(I_SEND, a)) === DELIVERED ? true : 'closed';
    }
    yield* this.lock();
    for (;;) {
      yield;
      if (m.closed) {
        yield* this.unlock();
        return 'closed';
      }
      if (yield* this.handLocked(a)) return true;
      if (yield* this.claimLocked(I_SEND, a)) {
        yield* this.unlock();
        return (yield* this.waitInline(I_SEND, a)) === DELIVERED ? true : 'closed';
      }
      if (yield* this.markQueued(true, false)) break;
    }
    const node = yield* this.queueOrUnlock(true, a);
    yield this.parked(node);
    return m.nodes[node]!.b === DELIVERED ? true : 'closed';
  }

  *recvSync(): Proc<Result> {
    const m = this.m;
    if (m.bugs.ownerReadFirst) {
      yield;
      this.earlyOwner = m.iwOwner;
    }
    yield;
    const s = m.iw;
    if ((s & I_STATE) === I_SEND) {
      const a = yield* this.takeInline();
      if (a !== undefined) return a;
    } else if ((s & I_LOW) === I_EMPTY && (yield* this.claimInline(s, I_RECV, 0))) {
      return (yield* this.waitInline(I_RECV, 0)) === DELIVERED ? this.got : 'closed';
    }
    yield* this.lock();
    for (;;) {
      const a = yield* this.takeLocked();
      if (a !== undefined) return a;
      yield;
      if (m.closed) {
        yield* this.unlock();
        return 'closed';
      }
      if (yield* this.claimLocked(I_RECV, 0)) {
        yield* this.unlock();
        return (yield* this.waitInline(I_RECV, 0)) === DELIVERED ? this.got : 'closed';
      }
      if (yield* this.markQueued(false, false)) break;
    }
    const node = yield* this.queueOrUnlock(false, 0);
    yield this.parked(node);
    const n = m.nodes[node]!;
    return n.b === DELIVERED ? n.a : 'closed';
  }

  *close(): Proc<Result> {
    const m = this.m;
    yield* this.lock();
    yield;
    m.closed = true;
    yield* this.closeInline();
    for (const send of [false, true]) {
      for (;;) {
        yield;
        const n = this.popWaiter(send);
        if (n < 0) break;
        this.settle(n, CLOSED_OUT);
      }
    }
    yield* this.unlock();
    return 'ok';
  }

  *closeInline(): Proc<void> {
    const m = this.m;
    for (;;) {
      const s = yield* this.settledIW();
      const st = s & I_STATE;
      let next: number;
      if (st === I_EMPTY || st === I_SLOW) next = (s & ~I_LOW) | I_CLOSED;
      else if (st === I_RECV && !m.bugs.closeSkipsRecv) next = withState(s, I_CLOSED_R) | I_CLOSING;
      else if (st === I_SEND) next = withState(s, I_CLOSED_S) | I_CLOSING;
      else if (st === I_CLOSED) return;
      else next = s | I_CLOSING;
      yield;
      if (m.cas(s, next)) {
        if (st === I_RECV || st === I_SEND) m.blocked.delete(m.iwOwner);
        m.slotClosed = true;
        return;
      }
    }
  }

  /** select([onRecv(ch)]): pass 1, pass 2 (register), re-check, park, pass 3. */
  *selRecv(): Proc<Result> {
    const m = this.m;
    for (let round = 0; round < 3; round++) {
      const r = yield* this.tryRecv();
      if (r !== 'empty') return r;
      m.groups.push(G_OPEN);
      const g = m.groups.length - 1;
      const node = m.newNode(this.t, 0, g);
      yield* this.lock(); // register
      yield* this.enqueue(false, node);
      yield* this.unlock();
      let ready = false;
      if (!m.bugs.noReadyRecheck) {
        yield* this.lock(); // ready: CLOSED, or hasPartner (IW, then SENDQ)
        const st = (yield* this.settledIW()) & I_STATE;
        ready =
          m.closed ||
          (st === I_SEND && !m.dead.has(m.iwOwner)) ||
          m.sendq.some((n) => {
            const x = m.nodes[n]!;
            return (
              !m.dead.has(x.owner) &&
              (x.group === 0 || (x.group !== g && m.groups[x.group] === G_OPEN))
            );
          });
        yield* this.unlock();
      }
      if (!ready && !m.nodes[node]!.woken) m.commit(this.t, 'r');
      if (ready) {
        yield;
        if (m.groups[g] === G_OPEN) {
          m.groups[g] = G_ABORTED;
          yield* this.lock(); // leaveAll
          yield;
          const k = m.recvq.indexOf(node);
          if (k >= 0) {
            m.recvq.splice(k, 1);
            m.rw--;
          }
          yield* this.unlock();
          continue;
        }
      }
      yield this.parked(node); // (the won node left its queue in popWaiter: pass 3 has nothing to do)
      const n = m.nodes[node]!;
      return n.b === DELIVERED ? n.a : 'closed';
    }
    return 'gaveUp';
  }

  *kill(victim: number): Proc<Result> {
    const m = this.m;
    yield { why: 'kill', ok: () => m.claimer !== victim };
    m.dead.add(victim);
    m.blocked.delete(victim);
    m.killedAt.set(victim, m.now);
    return 'killed';
  }

  run(): Proc<Result> {
    const { op, arg } = this.spec;
    switch (op) {
      case 'sendSync':
        return this.sendSync(arg!);
      case 'send':
        return this.send(arg!);
      case 'trySend':
        return this.trySend(arg!);
      case 'recvSync':
        return this.recvSync();
      case 'recv':
        return this.recv();
      case 'tryRecv':
        return this.tryRecv();
      case 'selRecv':
        return this.selRecv();
      case 'close':
        return this.close();
      case 'kill':
        return this.kill(arg!);
    }
  }
}

/** The invariants checked after every step (see the header). */
function invariant(m: Model): void {
  const low = m.iw & I_LOW;
  const st = m.iw & I_STATE;
  if (low === I_EMPTY && (m.recvq.length > 0 || m.sendq.length > 0)) {
    throw new Violation(
      `IW EMPTY with nodes queued (recvq ${m.recvq.join()}, sendq ${m.sendq.join()})`,
    );
  }
  if (m.lock === -1 && (m.rw !== m.recvq.length || m.sw !== m.sendq.length)) {
    throw new Violation(`waiter counts ${m.rw}/${m.sw} differ from the queues' lengths`);
  }
  const plain = (q: number[]): boolean => q.some((n) => m.nodes[n]!.group === 0);
  if ((st === I_RECV && plain(m.sendq)) || (st === I_SEND && plain(m.recvq))) {
    throw new Violation(
      `an inline ${NAMES[st]} waiter beside a queued plain node of the other side`,
    );
  }
  if (m.slotClosed && (low === I_EMPTY || st === I_RECV || st === I_SEND)) {
    throw new Violation(`IW ${NAMES[st]} after close reached the slot`);
  }
}

/** One execution of a scenario, stepped thread by thread. */
class Run {
  readonly m: Model;
  readonly procs: Proc<Result>[];
  readonly pending: (Wait | undefined)[];
  readonly results: (Result | undefined)[];

  constructor(
    readonly spec: ThreadSpec[],
    bugs: Bugs,
  ) {
    this.m = new Model(bugs);
    this.procs = spec.map((s, t) => new Chan(this.m, t, s).run());
    // Up to each thread's first yield: no operation touches anything before it.
    this.pending = this.procs.map((p) => p.next().value as Wait | undefined);
    this.results = spec.map(() => undefined);
  }

  enabled(): number[] {
    const out: number[] = [];
    for (let t = 0; t < this.procs.length; t++) {
      if (this.results[t] !== undefined || this.m.dead.has(t)) continue;
      const w = this.pending[t];
      if (w === undefined || w.ok()) out.push(t);
    }
    return out;
  }

  /** Thread `t`'s next step; throws a Violation. */
  step(t: number): void {
    const m = this.m;
    m.now++;
    if (!m.startedAt.has(t)) m.startedAt.set(t, m.now);
    try {
      const r = this.procs[t]!.next();
      if (r.done) {
        this.results[t] = r.value;
        m.blocked.delete(t);
      } else this.pending[t] = r.value;
    } catch (e) {
      if (!(e instanceof OwnerDied)) throw e;
      this.results[t] = 'ownerDied';
    }
    invariant(m);
  }

  describe(t: number): string {
    const m = this.m;
    const s = m.iw;
    const flags = `${s & I_QUEUED ? '|QUEUED' : ''}${s & I_CLOSING ? '|CLOSING' : ''}`;
    return `${t}:${this.spec[t]!.op} IW=${NAMES[s & I_STATE]}${flags} rq=[${m.recvq.join()}] sq=[${m.sendq.join()}] rw=${m.rw} sw=${m.sw} lock=${m.lock}`;
  }
}

/** Checks a run where no step can run any more; what is wrong, or undefined. */
function checkEnd(run: Run): string | undefined {
  const { m, spec, results } = run;
  // A thread died holding LOCK: the channel is unusable (OwnerDiedError), as documented.
  if (results.includes('ownerDied')) return undefined;
  const stuck: number[] = [];
  for (let t = 0; t < spec.length; t++) {
    if (results[t] !== undefined || m.dead.has(t)) continue;
    const why = run.pending[t]?.why;
    if (why !== 'park' && why !== 'spin') return `thread ${t} (${spec[t]!.op}) stuck on ${why}`;
    stuck.push(t);
  }
  const senders = stuck.filter((t) => SENDS.has(spec[t]!.op));
  const receivers = stuck.filter((t) => RECVS.has(spec[t]!.op));
  if (senders.length > 0 && receivers.length > 0) {
    return `stranded: senders ${senders.join()} and receivers ${receivers.join()} both blocked`;
  }
  if (m.closed && stuck.length > 0) return `blocked after close: ${stuck.join()}`;
  // Exactly once.
  for (let t = 0; t < spec.length; t++) {
    if (m.dead.has(t)) continue;
    const { op } = spec[t]!;
    const r = results[t];
    const p = m.partner.get(t);
    if (r === undefined || r === false || r === 'empty' || r === 'gaveUp' || r === 'closed') {
      if (p !== undefined) return `thread ${t} (${op}) was served but ended with ${r}`;
      if (r === 'closed' && !m.closed) return `thread ${t} (${op}) saw "closed" on an open channel`;
    } else if (r === true) {
      if (p === undefined) return `thread ${t} (${op}) sent ${spec[t]!.arg} to nobody`;
      if (!m.dead.has(p) && results[p] !== spec[t]!.arg) {
        return `thread ${t} sent ${spec[t]!.arg} to thread ${p}, which got ${results[p]}`;
      }
    } else if (typeof r === 'number') {
      if (p === undefined || spec[p]!.arg !== r) {
        return `thread ${t} (${op}) received ${r}, paired with ${p ?? 'nobody'}`;
      }
    }
  }
  // FIFO per side: an operation that started after another blocked is not
  // served first. Plain operations only: a select registers one channel at a
  // time (no sellock), so its node may stand for an instant beside an inline
  // partner that went inline after its pass 1; a later operation may then
  // take the select before that older partner (zero.ts notes the same of a
  // select send case).
  const plain = (t: number): boolean => !m.dead.has(t) && spec[t]!.op !== 'selRecv';
  for (const side of [SENDS, RECVS]) {
    const ids = spec.map((_, t) => t).filter((t) => side.has(spec[t]!.op) && plain(t));
    for (const a of ids) {
      const blockedAt = m.blockedAt.get(a);
      if (blockedAt === undefined) continue;
      for (const b of ids) {
        const servedB = m.servedAt.get(b);
        if (a === b || servedB === undefined || m.startedAt.get(b)! < blockedAt) continue;
        if (!plain(m.partner.get(b)!)) continue;
        const servedA = m.servedAt.get(a);
        if (servedA === undefined || servedA > servedB) {
          return `FIFO: thread ${b} started after thread ${a} blocked but was served first`;
        }
      }
    }
  }
  return undefined;
}

interface Outcome {
  runs: number;
  error?: string;
  trace?: string[];
}

/** Every schedule of `spec` with at most `bound` preemptions: the first violation, or the count. */
function explore(spec: ThreadSpec[], bound: number, bugs: Bugs = {}, limit = 1e8): Outcome {
  const sched: number[] = [];
  let runs = 0;
  const replay = (): Run => {
    const r = new Run(spec, bugs);
    for (const t of sched) r.step(t);
    return r;
  };
  const rec = (run: Run, last: number, pre: number): string | undefined => {
    if (++runs > limit) throw new Error(`more than ${limit} schedules`);
    const en = run.enabled();
    if (en.length === 0) return checkEnd(run);
    const goOn = en.includes(last);
    let fresh = true; // `run` is still at this node: its first child steps it in place
    for (const t of goOn ? [last, ...en.filter((u) => u !== last)] : en) {
      const p = goOn && t !== last ? pre + 1 : pre;
      if (p > bound) continue;
      const r = fresh ? run : replay();
      fresh = false;
      sched.push(t);
      let error: string | undefined;
      try {
        r.step(t);
      } catch (e) {
        if (!(e instanceof Violation)) throw e;
        error = e.message;
      }
      error ??= rec(r, t, p);
      if (error !== undefined) return error;
      sched.pop();
    }
    return undefined;
  };
  const error = rec(new Run(spec, bugs), -1, 0);
  if (error === undefined) return { runs };
  // The failing schedule, step by step.
  const r = new Run(spec, bugs);
  const trace: string[] = [];
  for (const t of sched) {
    try {
      r.step(t);
    } catch {
      trace.push(`${t}:${spec[t]!.op} -> ${error}`);
      break;
    }
    trace.push(r.describe(t));
  }
  return { runs, error, trace };
}

// Scenario vocabulary: `G` an inline waiter that gives up spinning and converts.
const ss = (v: number, giveUp = true): ThreadSpec => ({ op: 'sendSync', arg: v, giveUp });
const rs = (giveUp = true): ThreadSpec => ({ op: 'recvSync', giveUp });
const sa = (v: number): ThreadSpec => ({ op: 'send', arg: v });
const ra: ThreadSpec = { op: 'recv' };
const ts = (v: number): ThreadSpec => ({ op: 'trySend', arg: v });
const tr: ThreadSpec = { op: 'tryRecv' };
const sel: ThreadSpec = { op: 'selRecv' };
const close: ThreadSpec = { op: 'close' };
const kill = (victim: number): ThreadSpec => ({ op: 'kill', arg: victim });

/** Three threads or fewer: at BOUND preemptions (a second or less each at 3). */
const SCENARIOS: [string, ThreadSpec[]][] = [
  ['sendSync / recvSync, both converting', [ss(1), rs()]],
  ['sendSync / recvSync, both spinning', [ss(1, false), rs(false)]],
  ['recvSync / trySend', [rs(), ts(5)]],
  ['sendSync / tryRecv', [ss(5), tr]],
  ['async recv / trySend', [ra, ts(5)]],
  ['recvSync / async send', [rs(), sa(1)]],
  ['select / sendSync', [sel, ss(1)]],
  ['select / spinning sendSync', [sel, ss(1, false)]],
  ['select / async send', [sel, sa(1)]],
  ['close / sendSync', [ss(1), close]],
  ['close / select', [sel, close]],
  ['close / sendSync / recvSync', [ss(1), rs(), close]],
  ['close / two recvSyncs', [rs(), rs(false), close]],
  ['close / sendSync / tryRecv', [ss(1), tr, close]],
  ['close / select / sendSync', [sel, ss(1), close]],
  ['sendSync / async recv / recvSync', [ss(1), ra, rs()]],
  ['async send / two recvSyncs', [sa(1), rs(), rs(false)]],
  ['sendSync / two recvSyncs', [ss(1), rs(), rs(false)]],
  ['recvSync / two sendSyncs', [rs(), ss(1), ss(2, false)]],
  ['recvSync / trySend / sendSync', [rs(), ts(7), ss(1)]],
  ['sendSync / tryRecv / recvSync', [ss(1), tr, rs()]],
  ['two sendSyncs / recvSync', [ss(1), ss(2), rs()]],
  ['sendSync / async send / recvSync', [ss(1), sa(2), rs()]],
  ['two recvSyncs / sendSync', [rs(), rs(), ss(1)]],
  ['recvSync / async recv / sendSync', [rs(), ra, ss(1)]],
  ['select / two sendSyncs', [sel, ss(1), ss(2, false)]],
  ['sendSync / select / sendSync', [ss(1), sel, ss(2, false)]],
  ['recvSync / sendSync / close', [rs(), ss(1), close]],
  ['sendSync / async recv / close', [ss(1), ra, close]],
];

/** Four threads or more (a thread killed counts): at BIG_BOUND preemptions. */
const BIG_SCENARIOS: [string, ThreadSpec[]][] = [
  ['inline receiver killed', [rs(), kill(0), ss(1), rs()]],
  ['inline sender killed', [ss(1), kill(0), rs(), ss(2)]],
  ['spinning receiver killed', [rs(false), kill(0), ss(1, false), rs(false)]],
  ['sender killed while serving', [rs(false), ss(1, false), kill(1), close]],
  ['sender killed, async recv', [ss(1), kill(0), ra, ss(2)]],
  ['two sendSyncs / two recvSyncs', [ss(1), ss(2, false), rs(), rs(false)]],
  ['two recvSyncs / two sendSyncs', [rs(), rs(false), ss(1, false), ss(2)]],
  ['recvSync / sendSync / async send / recvSync', [rs(), ss(1, false), sa(2), rs(false)]],
  ['receiver killed, close', [rs(), kill(0), rs(), ss(1), close]],
];

/**
 * Thread 0 was the last to go inline (IW_OWNER names it), so its receive
 * claims with one CAS; the others race it, and one of them may claim, and
 * write IW_OWNER, between thread 0's reads of IW and of IW_OWNER.
 */
const OWNER_SCENARIOS: [string, ThreadSpec[]][] = [
  ['recvSync / sendSync', [rs(), ss(1)]],
  ['spinning recvSync / spinning sendSync', [rs(false), ss(1, false)]],
  ['two recvSyncs / sendSync', [rs(), rs(false), ss(1)]],
  ['recvSync / two sendSyncs', [rs(), ss(1), ss(2, false)]],
  ['recvSync / select / sendSync', [rs(), sel, ss(1)]],
  ['recvSync / sendSync / close', [rs(false), ss(1), close]],
];

/**
 * The same with four threads: here a whole other episode (a claim, a hand-off
 * and its release) fits between thread 0's reads of IW and of IW_OWNER,
 * which is what reading them in the wrong order would get wrong.
 */
const BIG_OWNER_SCENARIOS: [string, ThreadSpec[]][] = [
  ['inline receiver killed', [rs(), kill(0), ss(1), rs()]],
  ['two recvSyncs / two sendSyncs', [rs(), rs(), ss(1), ss(2)]],
  ['recvSync / select / two sendSyncs', [rs(), sel, ss(1), ss(2)]],
];

/** Preemption bounds (see the header). */
const STRESSED = STRESS > 1;
const BOUND = STRESSED ? 4 : 3;
const BIG_BOUND = STRESSED ? 3 : 2;

describe("zero flavor's inline slot: every schedule with a few preemptions", () => {
  // OWNER_*: thread 0 starts named in IW_OWNER (the one-CAS claim).
  for (const [bound, list, setup, how] of [
    [BOUND, SCENARIOS, {}, ''],
    [BIG_BOUND, BIG_SCENARIOS, {}, ''],
    [BOUND, OWNER_SCENARIOS, { lastInline: 0 }, ', thread 0 the last inline'],
    [BIG_BOUND, BIG_OWNER_SCENARIOS, { lastInline: 0 }, ', thread 0 the last inline'],
  ] as const) {
    for (const [name, spec] of list) {
      it(`${name}${how} (at most ${bound} preemptions)`, () => {
        const r = explore(spec, bound, setup);
        expect(r.error, r.trace?.slice(-40).join('\n')).toBeUndefined();
        expect(r.runs).toBeGreaterThan(100);
      });
    }
  }

  // The search bites: each planted bug is found.
  it('finds a trySend missing a receiver that converts (convert counting after its CAS)', () => {
    const r = explore([rs(), ts(5)], 1, { countAfterCas: true });
    expect(r.error).toMatch(/trySend by 1 would block while receiver 0 was blocked/);
  });

  it('finds a tryRecv (and a select) missing a sender that converts, same bug', () => {
    expect(explore([ss(5), tr], 1, { countAfterCas: true }).error).toMatch(
      /tryRecv by 1 would block while sender 0/,
    );
    expect(explore([sel, ss(1)], 1, { countAfterCas: true }).error).toMatch(
      /tryRecv by 0 would block while sender 1/,
    );
  });

  it('finds IW going EMPTY with nodes queued (releaseInline ignoring QUEUED)', () => {
    const r = explore([ss(1, false), rs(), rs(false)], 2, { releaseIgnoresQueued: true });
    expect(r.error).toMatch(/IW EMPTY with nodes queued/);
  });

  it('finds an inline receiver left blocked by close (closeInline skipping RECV)', () => {
    const r = explore([rs(false), close], 1, { closeSkipsRecv: true });
    expect(r.error).toMatch(/after close/);
  });

  it("finds a receiver's one-CAS claim that does not check IW_OWNER", () => {
    const r = explore([rs(false), ss(1, false)], 1, { lastInline: 1, ownerUnchecked: true });
    expect(r.error).toMatch(/received 1, paired with nobody/);
  });

  it("finds a receiver's one-CAS claim that reads IW_OWNER before IW", () => {
    const r = explore([rs(), rs(), ss(1), ss(2)], 2, { lastInline: 0, ownerReadFirst: true });
    expect(r.error).toMatch(/served twice/);
  });

  it('finds a select stranded beside an inline sender (no `ready` re-check)', () => {
    const r = explore([sel, ss(1, false)], 1, { noReadyRecheck: true });
    expect(r.error).toMatch(/stranded/);
  });
});
