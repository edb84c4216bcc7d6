/**
 * What the two shared-memory flavors (array.ts: buffered, zero.ts:
 * unbuffered) have in common: the header of the channel's block, its two wait
 * queues, the waiter node protocol, and parking. A channel's block is one
 * object of the world heap (core object.ts); the flavor follows from CAP.
 *
 * ## Header (Int32 words of the block's data; the flavors' own words follow)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | LOCK | internal lock (core ilock): the wait queues, the zero flavor's whole state | itself |
 * | 1 | CAP | capacity; 0 = zero flavor | immutable |
 * | 2 | CODEC | codec id (channel.ts), -1 if unregistered | immutable |
 * | 3 | SLOT_WORDS | array flavor: words per ring slot, stamp included; zero: 0 | immutable |
 * | 4 | R_WAITING | nodes in RECVQ (stale select nodes included) | written under LOCK with Atomics.add/sub; read racily by fast paths |
 * | 5 | S_WAITING | nodes in SENDQ | same |
 * | 6..7 | RECVQ | blocked receivers (core WaitQueue) | LOCK |
 * | 8..9 | SENDQ | blocked senders | LOCK |
 * | 10 | VERSION | bumped on every change of the queues or of CLOSED | written under LOCK; read racily by select's probes |
 * | 11 | CLOSED | zero flavor: 1 once closed; array flavor: 1 once a close began (TAIL's MARK says closed; array.ts claim) | zero: LOCK; array: Atomics, by close; read racily |
 * | 12 | ONE_LAP | array flavor: ring lap (array.ts) | immutable |
 *
 * R_WAITING / S_WAITING are the waiter flags of the lock-free array flavor:
 * a fast path reads one after it published (array.ts has the argument), so
 * they are written with Atomics (sequentially consistent) even though LOCK
 * serialises the writers.
 *
 * ## Waiter nodes (core world.ts), payload words
 *
 * | word | meaning | written by |
 * | --- | --- | --- |
 * | N_A | value (carrier.ts: W32 inline, else a value block): a sender's value, or the value handed to a receiver | owner before queueing (sender); waker before WOKEN (receiver) |
 * | N_B | outcome: DELIVERED, CLOSED or RETRY | waker, before WOKEN |
 * | N_C | select group block (0 = not a select) | owner, before queueing |
 * | N_D | case index in the select | owner, before queueing |
 *
 * Outcomes: DELIVERED - the operation took place (a receiver finds its value
 * in N_A; a sender's value was taken). CLOSED - the channel closed (a sender
 * fails; a zero-flavor receiver gets the zero value). RETRY - nothing was
 * done, look again (array flavor: a value was published, or the channel
 * closed with values left, after the receiver queued itself; or a hand-off
 * lost a race).
 *
 * ## Node states and who wakes whom
 *
 * A waker pops a node under LOCK (a select node only if it wins the CAS on
 * the select's group word: 0 -> case index + 1; a node that loses is stale
 * and is dropped from the queue, its owner cleans up), writes N_A / N_B, then
 * `markWokenFrom` (exchange N_STATE to WOKEN). A blocking `*Sync` operation
 * leaves its node SPINNING and spins on N_STATE: then the waker does nothing
 * more, no woken-stack push and no Atomics.notify. Otherwise (the spinner gave
 * up, or an async operation) the waker calls core's wakeNode after unlocking.
 * Exactly one side decides, through N_STATE (core park.ts, spinOnNode).
 *
 * Parking goes through `parkOp` (async) and `parkSyncOp` (blocking) only,
 * each given the wait reason (WR_CHAN_SEND, WR_CHAN_RECV, WR_SELECT: Go's
 * 'chan send', 'chan receive', 'select'). The goroutine dump reads it from the
 * parked op's `[kWaitOn]()` (async: nothing written per park) or from
 * `waitReason` said right before a blocking park.
 *
 * Lock order: a channel's LOCK, then core's heap lock (allocation) -- never
 * the reverse; no operation holds two channel locks.
 */
import * as substrate from '@gocsp/core/internal';
import { errors } from '../../errors.js';
import type { Carrier } from '../carrier.js';

// Bound once: the package's CommonJS namespace reads every export through a getter.
const {
  ilock,
  iunlock,
  markWokenFrom,
  markSpinning,
  spinOnNode,
  parkSync,
  cancelNode,
  allocNode,
  freeNode,
  parkerFor,
} = substrate;

type World = substrate.World;

export const LOCK = 0;
export const CAP = 1;
export const CODEC = 2;
export const SLOT_WORDS = 3;
export const R_WAITING = 4;
export const S_WAITING = 5;
export const RECVQ = 6;
export const SENDQ = 8;
export const VERSION = 10;
export const CLOSED_WORD = 11;
export const ONE_LAP = 12;
/** Words of the header (the array flavor's own words start on the next cache line). */
export const HEADER_WORDS = 16;

/** Node outcomes (N_B). */
export const PENDING = 0;
export const DELIVERED = 1;
export const CLOSED_OUT = 2;
export const RETRY = 3;

export const { N_A, N_B, N_C, N_D } = substrate;

/** Operation kinds of a parked op. */
export const OP_RECV = 0;
export const OP_RECV_OK = 1;
export const OP_SEND = 2;

/** Why a thread waits, for the goroutine dump: a Go wait reason code (core's waits.ts, WR_*). */
export type WaitReason = number;
export const { WR_CHAN_SEND, WR_CHAN_RECV, WR_SELECT } = substrate;

/** ParkedOp.late while no abort came too late. */
const NOT_LATE: unique symbol = Symbol('not late');

/** Results of the non-blocking steps (flavors return these or a value). */
export const EMPTY: unique symbol = Symbol('empty');
export const CLOSED: unique symbol = Symbol('closed');

/** The result of a receive in Go's `v, ok` form. */
export type RecvResult<T> = [T, true] | [undefined, false];
export const CLOSED_RESULT: [undefined, false] = Object.freeze([undefined, false]) as unknown as [
  undefined,
  false,
];

/** Initializes the header of a fresh channel block. */
export function initHeader(i32: Int32Array, cap: number, slotWords: number, codecId: number): void {
  i32[CAP] = cap;
  i32[SLOT_WORDS] = slotWords;
  i32[CODEC] = codecId;
}

/** What the facade and select need of a shared flavor. */
export abstract class SharedChan<T = unknown> {
  readonly i32: Int32Array;
  readonly recvq: substrate.WaitQueue;
  readonly sendq: substrate.WaitQueue;
  /** Absolute word index of the block data in the world buffer. */
  readonly base: number;
  readonly cap: number;
  /** The JS object whose reference keeps the block alive (the Channel): parked ops keep it reachable. */
  owner: object = this;
  /**
   * Set by trySendRun when it stopped at a value whose `put` failed (it
   * returned the values before it, or threw if there were none): the
   * carrier has given that value's encoding back already, so the caller
   * must neither send it again nor discard it.
   */
  runFailed = false;

  constructor(
    readonly world: World,
    readonly ref: number,
    words: number,
    readonly carrier: Carrier<T>,
  ) {
    this.base = ref + substrate.OBJ_HEADER;
    this.i32 = new Int32Array(world.sab, this.base * 4, words);
    this.recvq = new substrate.WaitQueue(world, this.i32, RECVQ);
    this.sendq = new substrate.WaitQueue(world, this.i32, SENDQ);
    this.cap = this.i32[CAP]!;
  }

  /** popLive's callbacks for a dead thread's node (made once: a pop allocates nothing). */
  private readonly deadSender = (): void => void Atomics.sub(this.i32, S_WAITING, 1);
  private readonly deadReceiver = (): void => void Atomics.sub(this.i32, R_WAITING, 1);

  lock(): void {
    ilock(this.world, this.i32, LOCK);
  }

  unlock(): void {
    iunlock(this.i32, LOCK);
  }

  // ---- wait queues (LOCK held) --------------------------------------------

  /** Queues `node` on the receive (or send) side and raises its waiter count. */
  enqueue(send: boolean, node: number): void {
    (send ? this.sendq : this.recvq).pushBack(node);
    Atomics.add(this.i32, send ? S_WAITING : R_WAITING, 1);
    this.i32[VERSION] = (this.i32[VERSION]! + 1) | 0;
  }

  /**
   * Pops the first node of a side that can be claimed: a plain node, or a
   * select node whose group this call wins. -1 if none. Nodes of dead
   * threads and stale select nodes are dropped on the way (counted down).
   */
  popWaiter(send: boolean): number {
    const q = send ? this.sendq : this.recvq;
    const count = send ? S_WAITING : R_WAITING;
    const w = this.world.i32;
    const i32 = this.i32;
    for (;;) {
      const node = q.popLive(send ? this.deadSender : this.deadReceiver);
      if (node < 0) return -1;
      Atomics.sub(i32, count, 1);
      i32[VERSION] = (i32[VERSION]! + 1) | 0;
      const group = w[node + N_C]!;
      if (group === 0) return node;
      if (Atomics.compareExchange(w, group, 0, w[node + N_D]! + 1) === 0) return node;
      // A stale select node (another case of that select fired): its owner cleans up.
    }
  }

  /** Takes `node` out of a side if it is still queued (select's pass 3). */
  removeNode(send: boolean, node: number): void {
    if ((send ? this.sendq : this.recvq).remove(node)) {
      Atomics.sub(this.i32, send ? S_WAITING : R_WAITING, 1);
      this.i32[VERSION] = (this.i32[VERSION]! + 1) | 0;
    }
  }

  /**
   * Cancels a queued node of this thread (abort, deadlock, a ready re-check):
   * true if it was still waiting and is now out of the queue; false if a
   * waker got to it first (its outcome is set, its wake on the way).
   */
  cancel(send: boolean, node: number): boolean {
    this.lock();
    try {
      const q = send ? this.sendq : this.recvq;
      if (!cancelNode(q, node)) return false;
      Atomics.sub(this.i32, send ? S_WAITING : R_WAITING, 1);
      this.i32[VERSION] = (this.i32[VERSION]! + 1) | 0;
      return true;
    } finally {
      this.unlock();
    }
  }

  /**
   * Settles a popped node (LOCK held): its outcome, and for a receiver the
   * value word. True if its owner must be woken (`wakeNode`) after unlocking.
   */
  settle(node: number, outcome: number, a?: number): boolean {
    const w = this.world.i32;
    if (a !== undefined) w[node + N_A] = a;
    w[node + N_B] = outcome;
    return markWokenFrom(this.world, node);
  }

  /** A new waiter node holding value word `a` (given back if the allocation fails). */
  nodeWith(spinning: boolean, a: number): number {
    try {
      return this.newNode(spinning, a);
    } catch (e) {
      this.carrier.dropNode(a);
      throw e;
    }
  }

  /** A new waiter node of this thread: no value, no select, outcome PENDING. */
  newNode(spinning: boolean, a = 0): number {
    const world = this.world;
    const node = allocNode(world);
    const w = world.i32;
    w[node + N_A] = a;
    w[node + N_B] = PENDING;
    w[node + N_C] = 0;
    w[node + N_D] = 0;
    if (spinning) markSpinning(world, node);
    return node;
  }

  // ---- what each flavor implements ---------------------------------------

  abstract get len(): number;
  abstract get closed(): boolean;
  /** Non-blocking send of a prepared value: true, false (would block); throws if closed. */
  abstract trySend(p: unknown): boolean;
  /** Non-blocking receive: a value, EMPTY (would block) or CLOSED. */
  abstract tryRecv(): T | typeof EMPTY | typeof CLOSED;
  abstract send(v: T, signal: AbortSignal | undefined): Promise<void>;
  abstract recv(kind: number, signal: AbortSignal | undefined): Promise<unknown>;
  abstract sendSync(v: T): void;
  /** Blocking receive: the value, or CLOSED. */
  abstract recvSync(): T | typeof CLOSED;
  abstract close(): void;
  /**
   * Sends prepared values `ps[from, from + n)` while they go without
   * blocking: how many did (0: would block). Throws if closed first.
   */
  abstract trySendRun(ps: unknown[], from: number, n: number): number;
  /**
   * A receiver woken to look again (RETRY) that will not take a value (a
   * select that fired another case): passes the wake on to the next parked
   * receiver if a value is waiting. Nothing where no receiver is told RETRY.
   */
  passRecvWake(): void {}
  /**
   * For a blocking run of sends that found the channel full: spins a moment
   * (spare cores only) until there is room for `n` values, or the channel
   * closed; true if so. False at once where there is no ring (zero flavor).
   */
  waitRoom(n: number): boolean {
    void n;
    return false;
  }
  /** Receives up to `max` values without blocking into `out`: how many, or EMPTY / CLOSED. */
  abstract tryRecvRun(max: number, out: T[]): number | typeof EMPTY | typeof CLOSED;

  // select (select.ts): see each flavor for how.
  /** Pass 1 of a receive case: a value, EMPTY or CLOSED, without blocking. */
  abstract selTryRecv(): T | typeof EMPTY | typeof CLOSED;
  /** Pass 1 of a send case: true if sent now (throws if closed). */
  abstract selTrySend(p: unknown): boolean;
  /**
   * A probe of the words a case's readiness depends on, pushed onto `out`
   * (select's double collect for a default decision); true if the case looks
   * ready. Equal probes taken one after the other mean that nothing changed
   * in between.
   */
  abstract probe(send: boolean, out: number[]): boolean;
  /** Pass 2: queue a select node for a case (LOCK taken here). */
  abstract register(send: boolean, node: number): void;
  /** Pass 2's re-check, after every case is queued: could the case proceed now? */
  abstract ready(send: boolean, group: number): boolean;

  /** Ends a parked async op after its wake (see ParkedOp). */
  abstract resume(op: ParkedOp): void;
}

/**
 * A blocked async send or receive on a shared channel: one object is both its
 * parker Waiter and the settler of its promise, so a same-thread hand-off
 * costs one promise and one microtask.
 *
 * It is what a parked goroutine holds besides its own frames (sched-park-1m:
 * a million of them), so it keeps only its promise's `resolve`: a rejection
 * goes through it too (`reject`), which lets the promise's reject function
 * die young instead of being copied by every scavenge; and an op with an
 * abort signal is a SignalledParkedOp, so the others carry no signal field.
 */
export class ParkedOp implements substrate.Waiter {
  resolve!: (v: unknown) => void;
  /**
   * NOT_LATE, or the reason of an abort (or deadlock verdict) that came too
   * late - a wake was on its way: a completed operation stands, one told
   * RETRY rejects with it. (One field: a parked op per parked goroutine.)
   */
  late: unknown = NOT_LATE;
  /** The goroutine dump's record (core's waits.ts), declared so a park adds no property. */
  wr = 0;

  constructor(
    readonly ch: SharedChan,
    readonly node: number,
    readonly kind: number,
  ) {}

  /** The op's abort signal (see SignalledParkedOp). */
  get signal(): AbortSignal | undefined {
    return undefined;
  }

  /** What the parker keeps reachable while parked: the channel (a getter: one field less per parked op). */
  get owner(): object {
    return this.ch.owner;
  }

  /** Why it waits (Go's wait reason), for diagnostics. */
  get reason(): WaitReason {
    return this.kind === OP_SEND ? WR_CHAN_SEND : WR_CHAN_RECV;
  }

  /** @internal What it waits for, for the goroutine dump (nothing is written per park). */
  [substrate.kWaitOn](): [number, unknown] {
    return [this.reason, this.ch.owner];
  }

  /** An abort or deadlock verdict lost the race to a wake (see `late`). */
  get aborted(): boolean {
    return this.late !== NOT_LATE;
  }

  /**
   * Rejects the op's promise with `e`, exactly as thrown, through `resolve`
   * (see the class): resolving with a thenable that rejects. No rejected
   * promise is made for it, so a reject after the op settled stays a no-op
   * (no unhandled rejection), as a reject function's second call is.
   */
  reject(e: unknown): void {
    this.resolve(rejecting(e));
  }

  /** Settles the op's promise as `p` settles (a retry's operation). */
  follow(p: Promise<unknown>): void {
    p.then(this.resolve, (e: unknown) => this.reject(e));
  }

  /** The signal's 'abort': wins only while the node is queued (then the operation had no effect). */
  handleEvent(): void {
    this.cancelWith(this.signal!.reason);
  }

  private cancelWith(why: unknown): void {
    const { ch, node } = this;
    const send = this.kind === OP_SEND;
    if (!ch.cancel(send, node)) {
      this.late = why; // the wake decides (a completed operation stands)
      return;
    }
    this.signal?.removeEventListener('abort', this);
    parkerFor(ch.world).unpark(node);
    const a = ch.world.i32[node + N_A]!;
    freeNode(ch.world, node);
    if (send) ch.carrier.dropNode(a);
    this.reject(why);
  }

  wake(): void {
    this.signal?.removeEventListener('abort', this);
    try {
      this.ch.resume(this);
    } catch (e) {
      this.reject(e);
    }
  }

  /** Deadlock: take the node out (if no wake is on its way) and reject. */
  fail(err: Error): void {
    this.cancelWith(err);
  }

  /** Settles a receive per its kind. */
  received(v: unknown): void {
    this.resolve(this.kind === OP_RECV ? v : [v, true]);
  }

  receivedClosed(): void {
    this.resolve(this.kind === OP_RECV ? undefined : CLOSED_RESULT);
  }

  /** The node's outcome word, and frees the node. */
  finish(): { outcome: number; a: number } {
    const w = this.ch.world.i32;
    const r = { outcome: w[this.node + N_B]!, a: w[this.node + N_A]! };
    freeNode(this.ch.world, this.node);
    return r;
  }
}

/**
 * A thenable that rejects with `e`: resolving a promise with it rejects that
 * promise with `e` one microtask later (the promise calls its `then`).
 */
function rejecting(e: unknown): PromiseLike<never> {
  return {
    then<A, B>(
      _: unknown,
      onRejected?: ((r: unknown) => B | PromiseLike<B>) | null,
    ): PromiseLike<A | B> {
      onRejected?.(e);
      return undefined as never;
    },
  };
}

/** A ParkedOp with an abort signal. */
class SignalledParkedOp extends ParkedOp {
  constructor(
    ch: SharedChan,
    node: number,
    kind: number,
    private readonly abortSignal: AbortSignal,
  ) {
    super(ch, node, kind);
  }

  override get signal(): AbortSignal {
    return this.abortSignal;
  }
}

/**
 * Parks an async operation on its (queued, WAITING) node and returns its
 * promise.
 */
export function parkOp(
  ch: SharedChan,
  node: number,
  kind: number,
  signal: AbortSignal | undefined,
  reason: WaitReason,
): Promise<unknown> {
  return new Promise<unknown>((resolve) => adoptOp(ch, node, kind, signal, reason, resolve));
}

/**
 * Parks an async operation that settles an existing promise (a retry, or a
 * local wait moved to shared memory) through its `resolve`. Every async park
 * of a channel goes through here.
 */
export function adoptOp(
  ch: SharedChan,
  node: number,
  kind: number,
  signal: AbortSignal | undefined,
  reason: WaitReason,
  resolve: (v: unknown) => void,
): void {
  void reason; // the op's own `reason` says it, through [kWaitOn]() (see above)
  const op =
    signal === undefined
      ? new ParkedOp(ch, node, kind)
      : new SignalledParkedOp(ch, node, kind, signal);
  op.resolve = resolve;
  parkerFor(ch.world).park(node, op);
  if (signal !== undefined) signal.addEventListener('abort', op, { once: true });
}

/**
 * Polls of a blocked *Sync operation's spin on its node (~50 ns apart): about
 * 100 us, more than a kernel wake-up here, so that two threads handing values
 * back and forth keep finding each other spinning instead of taking turns to
 * sleep (measured, quiet machine: 0.03-0.08% of the hops of 300k worker-to-
 * worker ping-pong round trips parked). On an oversubscribed machine a long
 * spin costs the partner its core; Go's rule (canSpin) still applies.
 */
const NODE_POLLS = 2000;

/**
 * Blocks the thread on a queued node left SPINNING: spins on it first (core
 * spinOnNode), then parks in Atomics.wait. Every blocking park of a channel
 * goes through here; `spun` says the caller has spun already (zero.ts: an
 * inline waiter that moved into its queue, with a WAITING node). Returns
 * once the node is WOKEN; its outcome is in N_B.
 */
export function parkSyncOp(
  ch: SharedChan,
  send: boolean,
  node: number,
  reason: WaitReason,
  spun = false,
): void {
  if (!spun && spinOnNode(ch.world, node, NODE_POLLS)) return;
  // Said right before the park (not before the spin: a spin that succeeds parks nothing).
  substrate.waitReason(reason, ch.owner);
  parkSync(ch.world, send ? ch.sendq : ch.recvq, LOCK, node, undefined, false);
}

/** Go's panic for a send on a closed channel, after giving back a value word. */
export function sendClosed(ch: SharedChan, a: number | undefined): never {
  if (a !== undefined) ch.carrier.dropNode(a);
  throw errors.sendOnClosed();
}
