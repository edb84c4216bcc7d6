/**
 * Parking and waking: how a waiter blocked on a gocsp object is woken from any
 * thread without losing a wakeup and without needless Atomics calls.
 *
 * A waiter is a node (world.ts) queued on an object plus a local `Waiter`
 * record in this thread's Parker. A waker, holding the object's lock, dequeues
 * the node and sets N_STATE = WOKEN; then, after the lock, calls `wakeNode`:
 *
 * - same thread: the local Waiter's `wake()` runs directly; no Atomics call.
 * - other thread: push the node on the owner slot's woken stack (CAS), add 1 to
 *   its S_PARK, and call Atomics.notify only if S_SLEEPING says the owner has a
 *   wait armed.
 *
 * The owner, when its wait returns (or while it spins), takes the whole stack
 * with one exchange and runs each Waiter's `wake()` in FIFO order.
 *
 * Lost-wakeup freedom (both sides use sequentially consistent atomics): the
 * owner stores S_SLEEPING = 1, then reads S_PARK (v), then checks the stack;
 * the waker pushes, then bumps S_PARK, then reads S_SLEEPING. Either the owner
 * sees the push, or the waker sees S_SLEEPING = 1 and notifies, and a wait on
 * S_PARK armed with the stale v returns at once.
 *
 * Async waits use Atomics.waitAsync, which does not keep Node's event loop
 * alive; so while a thread has parked waiters it holds one ref'd interval
 * handle, and unrefs it the moment it has none (a finished program exits).
 *
 * Diagnostics: every park records why it waits on the waiter itself
 * (waits.ts `noteWait`: on the hot paths nothing, or the goroutine id in a
 * field the waiter declares; the reason comes from the waiter), and a
 * Parker can list its waits (`forEachWait`) when this thread answers a
 * goroutine dump. A dump
 * request or a deadlock probe moves the world's H_ASK and bumps S_PARK: the
 * drain that follows calls `parkHooks.onAsk` (runtime/diag.ts). S_WAITS
 * tells other threads whether this one has parked waiters (set when the
 * keep-alive handle is taken, cleared when it is released).
 *
 * Spinning: a synchronous wait spins before sleeping only if there are spare
 * cores (Go's rule: no more spinners than cores - 1) and another thread is
 * running that could wake us. Async waits never spin here (a primitive may
 * spin for a few hundred nanoseconds in its own slow path, as Go's mutex does).
 */
import { BlockingOnMainThreadError } from '../errors.js';
import { threadState } from './env.js';
import { relax } from './spin.js';
import {
  H_ASK,
  H_DEATH_EPOCH,
  H_RUNNING,
  H_SPINNING,
  NODE_SPINNING,
  NODE_WAITING,
  NODE_WOKEN,
  N_OWNER,
  N_STATE,
  N_WNEXT,
  S_BLOCKED,
  S_PARK,
  S_SLEEPING,
  S_SPINNING,
  S_WAITS,
  S_WOKEN,
  slotOf,
  type World,
} from './world.js';
import { isMainThread } from 'node:worker_threads';
import { noteWait, quiet, type WaitNote } from './waits.js';

/** What a parked operation is told. Both run on the waiter's own thread. */
export interface Waiter extends WaitNote {
  /** The node was woken (its payload holds the result). Must not block. */
  wake(): void;
  /** A thread died somewhere: re-check whether this wait can still end. */
  deathCheck?(forced?: Error): void;
  /** Kept reachable while parked (the object waited on; see object.ts invariants). */
  owner?: object;
  /**
   * The wait can never end (deadlock detected): cancel it like an abort and
   * reject with `err`. A wake already on its way wins (then do nothing).
   */
  fail?(err: Error): void;
}

/**
 * A wait that lives only in this thread's JS heap (a channel not shared yet):
 * counted like a parked waiter (it keeps the process alive and takes part in
 * deadlock detection) but linked in an intrusive list, not a Map.
 */
export interface LocalWait extends WaitNote {
  prevLocal: LocalWait | undefined;
  nextLocal: LocalWait | undefined;
  /** Deadlock: reject with `err` (see Waiter.fail). */
  fail(err: Error): void;
}

/**
 * Runtime hooks: `onFirstPark` when a thread goes from no parked waiter to
 * one (the deadlock monitor's cue); `onAsk` when a drain sees H_ASK move (a
 * goroutine dump request or a deadlock probe to answer: runtime/diag.ts).
 */
export const parkHooks: {
  onFirstPark: (() => void) | undefined;
  onAsk: (() => void) | undefined;
} = { onFirstPark: undefined, onAsk: undefined };

// Spin: up to SPIN_POLLS polls of our woken stack with a little local work
// between them (~40 us in all, about one kernel wake-up). Polling back to
// back is slower: it fights the waker for the cache line (measured in
// apps/bench, sab-ring: 7M vs 30M msg/s); pausing too long between polls
// adds that pause to every hand-off (measured: Mutex contended by 2 workers
// 6.5M pairs/s with 0.3 us pauses).
const SPIN_POLLS = 800;
const SPIN_RETRIES = 20;
const SPIN_GRACE = 50;
const NOOP = (): void => {};

/** Nodes per page of a NodeTable (a page covers PAGE_NODES * NODE_WORDS words of the heap). */
const PAGE_SHIFT = 10;
const PAGE_NODES = 1 << PAGE_SHIFT;
/** Pages a NodeTable keeps when it empties (see trim). */
const KEEP_PAGES = 4;

/**
 * This thread's parked waiters by node. A node is a block of the heap's
 * smallest size class (world.ts), so its word index is a multiple of
 * NODE_WORDS = 8 and `node >>> 3` numbers nodes densely; the table is an
 * array of lazily made pages of PAGE_NODES slots indexed by that number.
 *
 * Why not a Map: with hundreds of thousands of parked goroutines on one M
 * (sched-park-1m), Map.set and get+delete cost ~270 ns each (hashing spreads
 * neighbouring nodes over a table of megabytes, and it rehashes as it
 * grows); a page slot is two dependent loads on memory that follows the
 * node's own address. A page costs 8 KiB and exists only where this thread
 * has parked a node since the table was last trimmed: when the thread has
 * no parked waiter left at the end of an event-loop turn (Parker.lazyUnref),
 * pages beyond KEEP_PAGES are dropped, so a thread that once parked waiters
 * spread over a large heap does not keep their pages.
 */
class NodeTable {
  private readonly pages: (Waiter | undefined)[][] = [];
  /** Pages made since the last trim. */
  made = 0;
  size = 0;

  get(node: number): Waiter | undefined {
    const i = node >>> 3;
    const page = this.pages[i >>> PAGE_SHIFT];
    return page === undefined ? undefined : page[i & (PAGE_NODES - 1)];
  }

  set(node: number, w: Waiter): void {
    const i = node >>> 3;
    const p = i >>> PAGE_SHIFT;
    const pages = this.pages;
    // Keep `pages` packed: fill the gap up to p (a holey array would turn into a dictionary).
    while (pages.length <= p) pages.push(undefined as never);
    let page = pages[p];
    if (page === undefined) {
      page = pages[p] = new Array<Waiter | undefined>(PAGE_NODES).fill(undefined);
      this.made++;
    }
    const k = i & (PAGE_NODES - 1);
    if (page[k] === undefined) this.size++;
    page[k] = w;
  }

  /** Removes the entry of `node`; true if there was one. */
  delete(node: number): boolean {
    const i = node >>> 3;
    const page = this.pages[i >>> PAGE_SHIFT];
    if (page === undefined) return false;
    const k = i & (PAGE_NODES - 1);
    if (page[k] === undefined) return false;
    page[k] = undefined;
    this.size--;
    return true;
  }

  /**
   * Drops every page if no waiter is left (their memory goes back to the
   * GC), unless there are only a few (a thread that parks and wakes all
   * the time keeps them instead of making them again each turn).
   */
  trim(): void {
    if (this.size === 0 && this.made > KEEP_PAGES) {
      this.pages.length = 0;
      this.made = 0;
    }
  }

  /** The waiters (a copy: callers may wake or fail them while iterating). */
  values(): Waiter[] {
    const out: Waiter[] = [];
    if (this.size === 0) return out;
    for (const page of this.pages) {
      if (page === undefined) continue;
      for (const w of page) if (w !== undefined) out.push(w);
    }
    return out;
  }
}

/** This thread's parking state in one world. */
export class Parker {
  readonly world: World;
  readonly i32: Int32Array;
  readonly base: number;
  private readonly waiters = new NodeTable();
  private localHead: LocalWait | undefined;
  private locals = 0;
  private armed = false;
  /** An arm() is queued for this event-loop turn's check phase (see scheduleArm). */
  private armQueued = false;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private refd = false;
  private unrefQueued = false;
  private deathEpoch: number;
  private askSeen: number;
  private readonly onAsyncWake = (): void => {
    this.armed = false;
    Atomics.store(this.i32, this.base + S_SLEEPING, 0);
    try {
      this.drain();
    } finally {
      if (this.waiters.size > 0) this.scheduleArm();
    }
  };
  private readonly armLater = (): void => {
    this.armQueued = false;
    if (!this.armed && this.waiters.size > 0) this.arm();
  };

  constructor(world: World) {
    this.world = world;
    this.i32 = world.i32;
    this.base = world.slotBase(world.slot);
    // -1: the first drain runs every death check once, so a death that
    // happened between a waiter's own check and its park is not missed.
    this.deathEpoch = -1;
    this.askSeen = Atomics.load(this.i32, H_ASK);
  }

  /** Pages of the waiter table this thread holds (tests: they are dropped once it empties). */
  get tablePages(): number {
    return this.waiters.made;
  }

  /** Number of waiters parked on this thread in this world. */
  get parked(): number {
    return this.waiters.size + this.locals;
  }

  /** Counts a local wait (see LocalWait) until `removeLocal`. */
  addLocal(w: LocalWait): void {
    noteWait(w);
    w.prevLocal = undefined;
    w.nextLocal = this.localHead;
    if (this.localHead !== undefined) this.localHead.prevLocal = w;
    this.localHead = w;
    if (++this.locals + this.waiters.size === 1) {
      this.ref();
      parkHooks.onFirstPark?.();
    }
  }

  /** Ends a local wait (it was settled, aborted or moved to shared memory). */
  removeLocal(w: LocalWait): void {
    const { prevLocal, nextLocal } = w;
    if (prevLocal !== undefined) prevLocal.nextLocal = nextLocal;
    else this.localHead = nextLocal;
    if (nextLocal !== undefined) nextLocal.prevLocal = prevLocal;
    w.prevLocal = w.nextLocal = undefined;
    if (--this.locals + this.waiters.size === 0) this.unref();
  }

  /** True while this thread holds its keep-alive handle (one ref'd interval). */
  get holdsProcess(): boolean {
    return this.refd;
  }

  /** Fails every async waiter that can be failed (deadlock); see Waiter.fail. */
  failAll(err: Error): void {
    for (const w of this.waiters.values()) if (w.fail) guard(() => w.fail!(err));
    const locals: LocalWait[] = [];
    for (let w = this.localHead; w !== undefined; w = w.nextLocal) locals.push(w);
    for (const w of locals) guard(() => w.fail(err));
  }

  /** Calls `f` with every wait parked here (sync, async and local): the dump's view. */
  forEachWait(f: (w: WaitNote) => void): void {
    for (const w of this.waiters.values()) f(w);
    for (let w = this.localHead; w !== undefined; w = w.nextLocal) f(w);
  }

  /** Registers an async waiter for `node` and makes sure a wake will reach it. */
  park(node: number, waiter: Waiter): void {
    noteWait(waiter);
    this.waiters.set(node, waiter);
    if (this.waiters.size + this.locals === 1) {
      this.ref();
      parkHooks.onFirstPark?.();
    }
    if (!this.armed) this.scheduleArm();
  }

  /** Forgets a waiter whose node was cancelled (taken out of its queue by its owner). */
  unpark(node: number): void {
    if (this.waiters.delete(node) && this.waiters.size + this.locals === 0) this.unref();
  }

  /** Runs a same-thread wake: the waker found that the node's owner is us. */
  fire(node: number): void {
    const w = this.waiters.get(node);
    if (w === undefined) return;
    this.waiters.delete(node);
    if (this.waiters.size + this.locals === 0) this.unref();
    w.wake();
  }

  /**
   * Blocks the thread until `isDone()` holds; `node` is queued and registered
   * with `waiter`, whose wake() must make `isDone()` true.
   */
  parkSync(node: number, waiter: Waiter, isDone: () => boolean, spin = true): void {
    if (isMainThread) throw mainThreadError();
    const i32 = this.i32;
    const b = this.base;
    noteWait(waiter);
    this.waiters.set(node, waiter);
    // A spinner that was just satisfied is about to stop spinning, so a
    // refusal is re-checked for a moment before we give up: otherwise the two
    // sides of a ping-pong would take turns parking (measured: one kernel
    // wake, ~30 us, per message).
    let spun = !spin;
    for (let tries = 0; !spun && tries < SPIN_RETRIES && !isDone(); tries++) {
      if (canSpin(this.world)) {
        spun = true;
        spinBegin(this.world);
        for (let i = 0; i < SPIN_POLLS && !isDone(); i++) {
          if (this.pending()) this.drain();
          else relax();
        }
        spinEnd(this.world);
      } else {
        for (let i = 0; i < SPIN_GRACE && !this.pending(); i++);
        if (this.pending()) this.drain();
      }
    }
    while (!isDone()) {
      Atomics.store(i32, b + S_SLEEPING, 1);
      Atomics.store(i32, b + S_BLOCKED, 1);
      Atomics.sub(i32, H_RUNNING, 1);
      const v = Atomics.load(i32, b + S_PARK);
      if (!this.pending()) Atomics.wait(i32, b + S_PARK, v);
      Atomics.add(i32, H_RUNNING, 1);
      Atomics.store(i32, b + S_BLOCKED, 0);
      if (!this.armed) Atomics.store(i32, b + S_SLEEPING, 0);
      this.drain();
    }
    if (this.waiters.delete(node) && this.waiters.size + this.locals === 0) this.unref();
  }

  /** True if a wake, a death notice or a question (H_ASK) is waiting to be drained. */
  private pending(): boolean {
    return (
      Atomics.load(this.i32, this.base + S_WOKEN) !== 0 ||
      Atomics.load(this.i32, H_DEATH_EPOCH) !== this.deathEpoch ||
      Atomics.load(this.i32, H_ASK) !== this.askSeen
    );
  }

  /** Takes every woken node off our stack and runs their waiters, oldest first. */
  drain(): void {
    const i32 = this.i32;
    let head = Atomics.exchange(i32, this.base + S_WOKEN, 0);
    if (head !== 0) {
      const nodes: number[] = [];
      while (head !== 0) {
        const node = head - 1;
        nodes.push(node);
        head = i32[this.world.nodeBase(node) + N_WNEXT]!;
      }
      // A throwing waiter must not cost the others their wakeups.
      for (let k = nodes.length - 1; k >= 0; k--) guard(() => this.fire(nodes[k]!));
    }
    const epoch = Atomics.load(i32, H_DEATH_EPOCH);
    if (epoch !== this.deathEpoch) {
      this.deathEpoch = epoch;
      for (const w of this.waiters.values()) if (w.deathCheck) guard(() => w.deathCheck!());
    }
    const ask = Atomics.load(i32, H_ASK);
    if (ask !== this.askSeen) {
      this.askSeen = ask;
      const onAsk = parkHooks.onAsk;
      if (onAsk !== undefined) guard(onAsk);
    }
  }

  /**
   * Arms the async wait once this thread's current burst of work is over:
   * from setImmediate (the event loop's check phase, after the microtasks
   * that the wakes just settled and that often spawn or park more), not at
   * once. While not armed, S_SLEEPING stays 0 and wakers only push and bump
   * S_PARK; arming re-checks `pending()` first, so nothing pushed meanwhile
   * is missed. Arming at once declared this thread asleep while it still ran
   * those microtasks, and every cross-thread wake in that window paid an
   * Atomics.notify and a task posted to this thread.
   */
  private scheduleArm(): void {
    if (this.armQueued) return;
    this.armQueued = true;
    setImmediate(this.armLater);
  }

  private arm(): void {
    const i32 = this.i32;
    const idx = this.base + S_PARK;
    for (;;) {
      Atomics.store(i32, this.base + S_SLEEPING, 1);
      const v = Atomics.load(i32, idx);
      if (this.pending()) {
        Atomics.store(i32, this.base + S_SLEEPING, 0);
        // Deliver on a microtask, never inside the caller's critical section.
        this.armed = true;
        queueMicrotask(this.onAsyncWake);
        return;
      }
      const r = Atomics.waitAsync(i32, idx, v);
      if (r.async) {
        this.armed = true;
        r.value.then(this.onAsyncWake, NOOP);
        return;
      }
      // 'not-equal': a wake raced with us; look again.
    }
  }

  private ref(): void {
    if (this.refd) return;
    if (this.keepAlive === undefined) this.keepAlive = setInterval(NOOP, 1 << 30);
    else this.keepAlive.ref();
    this.refd = true;
    Atomics.store(this.i32, this.base + S_WAITS, 1);
  }

  // Unref'ing is deferred to the end of the event-loop turn: a same-thread
  // ping-pong parks and wakes within microtasks, and toggling the handle
  // each time costs more than the hand-off itself (measured).
  private unref(): void {
    if (this.unrefQueued || !this.refd) return;
    this.unrefQueued = true;
    setImmediate(this.lazyUnref);
  }

  private readonly lazyUnref = (): void => {
    this.unrefQueued = false;
    if (this.waiters.size + this.locals === 0) quiet();
    this.waiters.trim();
    if (this.waiters.size + this.locals === 0 && this.refd) {
      this.refd = false;
      this.keepAlive?.unref();
      Atomics.store(this.i32, this.base + S_WAITS, 0);
    }
  };
}

/** Runs `fn`; an escaping error is reported as uncaught without stopping the caller. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

function mainThreadError(): BlockingOnMainThreadError {
  return new BlockingOnMainThreadError(
    'a *Sync gocsp call would freeze the main thread: use the async form (await x.lock(), await wg.wait()) on the main thread',
  );
}

/** Throws unless blocking the calling thread is allowed (worker threads only). */
export function assertMayBlock(): void {
  if (isMainThread) throw mainThreadError();
}

/** Go's canSpin: spare cores exist and another thread runs that could wake us. */
export function canSpin(world: World): boolean {
  const ncpu = world.ncpu;
  return (
    ncpu > 1 &&
    Atomics.load(world.i32, H_RUNNING) > 1 &&
    Atomics.load(world.i32, H_SPINNING) < ncpu - 1
  );
}

/** Default polls of spinUntil: about 30 us, less than one kernel wake-up here. */
export const SPIN_UNTIL_POLLS = 600;

/**
 * Spins (Go's rule: only with spare cores and another thread running) for up
 * to `polls` polls, `pause` short pauses (~50 ns each, relax()) apart, until
 * `ready()` holds. True if it did. (Longer pauses let a stream's producer get
 * ahead of its consumer, so that they work on different cache lines.) A blocking operation calls this before it queues
 * itself or parks: a peer on another core usually makes it ready within
 * microseconds, and a queued waiter costs a wake-up per value (measured: a
 * worker-to-worker stream through a full or empty buffer otherwise moves one
 * value per kernel wake; a 3-stage pipeline of small values without it
 * parked its main thread every 20-100 values, ~80% of its time waiting).
 */
export function spinUntil(
  world: World,
  ready: () => boolean,
  polls = SPIN_UNTIL_POLLS,
  pause = 1,
): boolean {
  if (!canSpin(world)) return false;
  spinBegin(world);
  try {
    for (let i = 0; i < polls; i++) {
      if (ready()) return true;
      for (let k = 0; k < pause; k++) relax();
    }
    return ready();
  } finally {
    spinEnd(world);
  }
}

/**
 * Counts this thread as a spinner (H_SPINNING, read by canSpin). Its slot's
 * S_SPINNING says so first, so that markThreadDead can give the count back if
 * the thread is terminated before spinEnd (a terminated worker runs no
 * `finally`): a leaked count would stop every thread of the process from
 * spinning, for good. The flag is written plainly: only its owner writes it
 * while alive, and markThreadDead reads it once the owner is gone.
 * (Terminated between the two writes, the count comes out one low: canSpin
 * then allows one spinner more, which is harmless.)
 */
function spinBegin(world: World): void {
  if (world.slot >= 0) world.i32[world.slotBase(world.slot) + S_SPINNING] = 1;
  Atomics.add(world.i32, H_SPINNING, 1);
}

/** Ends spinBegin: the count first, then the flag (see spinBegin). */
function spinEnd(world: World): void {
  Atomics.sub(world.i32, H_SPINNING, 1);
  if (world.slot >= 0) world.i32[world.slotBase(world.slot) + S_SPINNING] = 0;
}

/**
 * Spins on a queued node that its owner left SPINNING (world.ts: a waker
 * then only sets WOKEN, with no woken-stack push and no notify), under Go's
 * rule (spare cores, another thread running), for up to `polls` polls. True
 * once WOKEN. Otherwise it leaves the spin by CAS SPINNING -> WAITING and
 * returns false: from then on a waker goes through the woken stack, and the
 * caller parks the node (parkSync / parkAsync). If the CAS finds WOKEN
 * instead, the wake came in between: true.
 *
 * While spare cores are busy (another spinner), it polls a short grace
 * period before giving up: a peer that has just been served stops spinning
 * within a few hundred nanoseconds, and two sides of a ping-pong would
 * otherwise take turns parking in the kernel.
 */
export function spinOnNode(world: World, node: number, polls = SPIN_UNTIL_POLLS): boolean {
  const i32 = world.i32;
  const idx = world.nodeBase(node) + N_STATE;
  // A partner on another core usually answers within a microsecond: poll that
  // long before counting as a spinner (H_SPINNING and canSpin's words share
  // the world's first cache line, which every spinner would otherwise pull).
  for (let i = 0; i < SPIN_FIRST; i++) {
    if (Atomics.load(i32, idx) === NODE_WOKEN) return true;
    relax();
  }
  let spinning = false;
  for (let i = SPIN_FIRST; i < polls; i++) {
    if (Atomics.load(i32, idx) === NODE_WOKEN) break;
    if (!spinning) {
      if (canSpin(world)) {
        spinning = true;
        spinBegin(world);
      } else if (i >= SPIN_FIRST + SPIN_GRACE) break;
    }
    relax();
  }
  if (spinning) spinEnd(world);
  return Atomics.compareExchange(i32, idx, NODE_SPINNING, NODE_WAITING) !== NODE_SPINNING;
}

/**
 * spinOnNode's spin for any condition a partner on another core will make
 * true (the same polls, the same rule and grace period): true once `ready()`
 * holds, false if the spin gave up. The caller then queues or parks.
 * (spinOnNode keeps its own copy of this loop, so that its poll stays an
 * inlined load: written as a call to this one with a closure, the
 * cross-thread channel ping-pong measured slower, 0.58 against 0.53 us per
 * round trip, medians of 9 alternating runs.)
 */
export function spinFor(world: World, ready: () => boolean, polls = SPIN_UNTIL_POLLS): boolean {
  for (let i = 0; i < SPIN_FIRST; i++) {
    if (ready()) return true;
    relax();
  }
  let spinning = false;
  let done = false;
  for (let i = SPIN_FIRST; i < polls; i++) {
    if (ready()) {
      done = true;
      break;
    }
    if (!spinning) {
      if (canSpin(world)) {
        spinning = true;
        spinBegin(world);
      } else if (i >= SPIN_FIRST + SPIN_GRACE) break;
    }
    relax();
  }
  if (spinning) spinEnd(world);
  return done || ready();
}

/** Polls of spinOnNode before it counts itself as a spinner (about a microsecond). */
const SPIN_FIRST = 20;

/** True if `node` was woken (N_STATE WOKEN): for a spinner's own polls. */
export function nodeWoken(world: World, node: number): boolean {
  return Atomics.load(world.i32, world.nodeBase(node) + N_STATE) === NODE_WOKEN;
}

/**
 * Marks a new node its owner will spin on, before the node is queued (a plain
 * store: the unlock that follows the queueing publishes it with the node).
 */
export function markSpinning(world: World, node: number): void {
  world.i32[world.nodeBase(node) + N_STATE] = NODE_SPINNING;
}

/** This thread's Parker for `world`. */
let lastWorld: World | undefined;
let lastParker: Parker | undefined;

export function parkerFor(world: World): Parker {
  if (world === lastWorld) return lastParker!;
  const p = parkerLookup(world);
  lastWorld = world;
  lastParker = p;
  return p;
}

function parkerLookup(world: World): Parker {
  const parkers = threadState().parkers as Map<number, Parker>;
  let p = parkers.get(world.id);
  if (p === undefined) parkers.set(world.id, (p = new Parker(world)));
  return p;
}

/**
 * Wakes the waiter that owns `node`, on whatever thread it is. The caller has
 * already set N_STATE = WOKEN under the object's lock and taken the node out
 * of the queue; it should call this after releasing that lock.
 */
export function wakeNode(world: World, node: number): void {
  const i32 = world.i32;
  const owner = i32[world.nodeBase(node) + N_OWNER]!;
  if (owner === world.token) {
    parkerFor(world).fire(node);
    return;
  }
  if (!world.isAlive(owner)) return; // a dead thread's node: nobody to tell
  const b = world.slotBase(slotOf(owner));
  const link = world.nodeBase(node) + N_WNEXT;
  for (;;) {
    const head = Atomics.load(i32, b + S_WOKEN);
    Atomics.store(i32, link, head);
    if (Atomics.compareExchange(i32, b + S_WOKEN, head, node + 1) === head) break;
  }
  Atomics.add(i32, b + S_PARK, 1);
  if (Atomics.load(i32, b + S_SLEEPING) !== 0) Atomics.notify(i32, b + S_PARK);
}
