/**
 * The world: one SharedArrayBuffer that every gocsp thread of a
 * process shares. It holds the thread slot table (one slot per registered
 * thread: liveness, park word, woken stack) and the pool of waiter nodes that
 * every blocking gocsp operation queues on an object.
 *
 * How threads get the same world: the first thread to need one creates it and
 * publishes it with `setEnvironmentData`, so every Worker started afterwards
 * from that thread (or its descendants) finds it with `getEnvironmentData`. A
 * thread that was started before gocsp was loaded adopts the world of the first
 * shared handle it revives. A thread may meet several worlds (rare): each
 * object belongs to one world, and a thread has one slot per world it uses.
 *
 * ## Layout (Int32 words)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | H_MAGIC | 0x67637370 ("gcsp") | immutable |
 * | 1 | H_VERSION | layout version | immutable |
 * | 2 | H_WORLD_ID | random id, tells worlds apart after cloning | immutable |
 * | 3 | H_LOCK | internal lock (ilock.ts) for the heap's free lists | itself |
 * | 4 | H_HEAP_TOP | first never-allocated word of the heap | H_LOCK |
 * | 5 | H_HEAP_END | words in the buffer (the heap's end) | immutable |
 * | 6 | H_MAX_WORDS | limit of the buffer (GOCSP_MAX_MEMORY) | immutable |
 * | 8 | H_RUNNING | registered threads not parked in Atomics.wait | atomic, approximate |
 * | 9 | H_SPINNING | threads spinning before they park | atomic |
 * | 10 | - | unused (the death epoch's old place: see H_DEATH_EPOCH) | - |
 * | 11 | H_NCPU | os.availableParallelism() of the creator | immutable |
 * | 12 | H_SCHED | address of the goroutine scheduler's block (runtime/sched.ts), 0 = not started | CAS by the thread that starts it |
 * | 13 | H_TYPES | address of the shared-type table (internal/types.ts), 0 = none yet | CAS by the thread that creates it |
 * | 14 | H_JOINS | bumped each time a thread joins the world (internal/sabs.ts) | atomic |
 * | 15 | H_SAB_SEQ | last sequence number given to a SharedArrayBuffer entry (internal/sabs.ts) | atomic |
 * | 16..47 | H_FREE + k | free list of size class k (block address, 0 = empty), linked through the block's first word | H_LOCK |
 * | 48 | H_ASK | bumped by every dump request and every deadlock probe of non-M threads (runtime/diag.ts): a thread whose drain sees it move answers | atomic |
 * | 49 | H_DIAG_EPOCH | number of the current goroutine dump request | the H_DIAG_LOCK holder |
 * | 50 | H_DIAG_LOCK | token of the thread taking a goroutine dump, 0 = none | CAS |
 * | 51 | H_DIAG_ACKS | dump answers published (any request) | atomic add |
 * | 52 | H_PROBE | deadlock probe epoch of threads that are not Ms (runtime/monitor.ts) | the monitor |
 * | 53 | H_DEATH_EPOCH | bumped each time a thread is declared dead, after its slot left ALIVE and before it is freed | atomic |
 * | SLOTS_BASE.. | slots | MAX_SLOTS x SLOT_WORDS | see below |
 * | HEAP_BASE.. | heap | blocks of 8 << k words (heap.ts): waiter nodes and shared objects | see heap.ts |
 *
 * Slot (SLOT_WORDS = 16 words):
 *
 * | off | name | meaning | written by |
 * | --- | --- | --- | --- |
 * | 0 | S_STATE | FREE / CLAIMING / ALIVE / DEAD | CAS; DEAD by anyone who saw the thread die |
 * | 1 | S_GEN | generation, bumped on every claim (a token names slot + gen) | claimer |
 * | 2 | S_THREAD | worker_threads threadId + 1 | claimer |
 * | 3 | S_PARK | wake counter: every cross-thread wake adds 1, then notifies if S_SLEEPING | wakers (Atomics.add) |
 * | 4 | S_SLEEPING | 1 while the owner has an Atomics.wait/waitAsync armed on S_PARK | owner only |
 * | 5 | S_WOKEN | Treiber stack of woken nodes (node index + 1, 0 = empty), linked by N_WNEXT | wakers push (CAS), owner takes all (exchange) |
 * | 6 | S_BLOCKED | 1 while the owner is blocked in a synchronous Atomics.wait (not counted in H_RUNNING) | owner only |
 * | 7 | S_DIAG | value block of the owner's last goroutine-dump answer, 0 = none | exchange: the owner publishes, the requester takes |
 * | 8 | S_WAITS | 1 while the owner's Parker holds parked waiters (it then answers dump requests and probes) | owner only |
 * | 9 | S_ACK | last H_PROBE the owner answered | owner only |
 * | 10 | S_FOREIGN | pending non-gocsp resources of the owner at that answer | owner only |
 * | 11 | S_SPINNING | 1 while the owner counts itself in H_SPINNING (park.ts spinBegin/spinEnd), so that a thread killed mid-spin gives its count back (markThreadDead) | owner; markThreadDead |
 *
 * Node (NODE_WORDS = 8 words, one block of size class 0, addressed by its
 * word index in the buffer): a waiter record, owned by the waiting thread
 * from `allocNode` to `freeNode`.
 *
 * | off | name | meaning |
 * | --- | --- | --- |
 * | 0 | N_NEXT | link in an object's wait queue (index + 1); the object's lock protects it |
 * | 1 | N_WNEXT | link in the owner slot's woken stack |
 * | 2 | N_OWNER | token of the waiting thread (slot + gen) |
 * | 3 | N_STATE | WAITING -> WOKEN (by the waker, under the object's lock) or CANCELLED (by the owner, under the same lock); SPINNING while the owner spins on this word instead of its Parker (park.ts, spinOnNode) |
 * | 4..7 | N_A..N_D | payload, meaning set by the primitive (weight, kind, result) |
 *
 * ## Invariants
 * - A token `(gen << 8) | slot` names a live thread iff slot.S_STATE === ALIVE
 *   and slot.S_GEN === gen. Tokens are never 0 (gen starts at 1).
 * - A node is in at most one wait queue and, after WOKEN, pushed exactly once
 *   on its owner's woken stack; so the stack needs no capacity bound.
 * - The buffer has a fixed size, so a block's address is stable for its lifetime.
 *
 * Rejected designs: a fixed ring of wake tokens per thread (must either bound
 * the number of parked waiters or handle overflow; the intrusive stack has
 * neither problem); a SharedArrayBuffer per thread (a waker could not reach a
 * waiter's park word without a message hop).
 */
import { threadId } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { CapacityError, SharedHandleError } from '../errors.js';
import { primeLockFeedback } from './ilock.js';

/**
 * x86's memory order (TSO): a load is not reordered with other loads, nor
 * with an earlier locked instruction.
 */
const TSO = process.arch === 'x64' || process.arch === 'ia32';

/**
 * One load of shared memory off a spin loop: a plain typed-array read on
 * x86, else Atomics.load. On x86 V8's Atomics.load is itself a plain MOV, so
 * the plain read is as ordered and saves the builtin call (~7-9 ns here);
 * V8 keeps it in program order with the Atomics calls around it. The full
 * argument, and why spin loops must not use it (a loop of plain reads with
 * no call may be hoisted), is in @gocsp/channels' array.ts, "Loads that need
 * not be Atomics on x86".
 *
 * @example
 * ```ts
 * if (fastLoad(i32, flagIndex) !== 0) wakeWaiter();
 * ```
 */
export function fastLoad(i32: Int32Array, index: number): number {
  return TSO ? i32[index]! : Atomics.load(i32, index);
}

export const MAGIC = 0x67637370;
export const VERSION = 4;

export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_WORLD_ID = 2;
export const H_LOCK = 3;
export const H_HEAP_TOP = 4;
export const H_HEAP_END = 5;
export const H_MAX_WORDS = 6;
export const H_RUNNING = 8;
export const H_SPINNING = 9;
export const H_NCPU = 11;
export const H_SCHED = 12;
export const H_TYPES = 13;
export const H_JOINS = 14;
export const H_SAB_SEQ = 15;
export const H_FREE = 16;
export const SIZE_CLASSES = 32;
export const H_ASK = 48;
export const H_DIAG_EPOCH = 49;
export const H_DIAG_LOCK = 50;
export const H_DIAG_ACKS = 51;
export const H_PROBE = 52;
/**
 * On the diagnostics' line (words 48..63, written a few times a second at
 * most), not the first one (H_LOCK, H_RUNNING, H_SPINNING change all the
 * time): `isAlive` reads it on every call, and parked threads on every drain.
 */
export const H_DEATH_EPOCH = 53;
export const HEADER_WORDS = 64;
/** Size classes 0..CACHED_CLASSES-1 (up to 128 bytes) go through per-thread caches (heap.ts). */
export const CACHED_CLASSES = 3;

export const MAX_SLOTS = 256;
export const SLOT_WORDS = 16;
export const SLOTS_BASE = HEADER_WORDS;
export const S_STATE = 0;
export const S_GEN = 1;
export const S_THREAD = 2;
export const S_PARK = 3;
export const S_SLEEPING = 4;
export const S_WOKEN = 5;
export const S_BLOCKED = 6;
export const S_DIAG = 7;
export const S_WAITS = 8;
export const S_ACK = 9;
export const S_FOREIGN = 10;
export const S_SPINNING = 11;

/** Slot states. */
export const SLOT_FREE = 0;
export const SLOT_CLAIMING = 1;
export const SLOT_ALIVE = 2;
export const SLOT_DEAD = 3;

export const NODE_WORDS = 8;
export const HEAP_BASE = SLOTS_BASE + MAX_SLOTS * SLOT_WORDS;
export const N_NEXT = 0;
export const N_WNEXT = 1;
export const N_OWNER = 2;
export const N_STATE = 3;
export const N_A = 4;
export const N_B = 5;
export const N_C = 6;
export const N_D = 7;

/** Node states. */
export const NODE_FREE = 0;
export const NODE_WAITING = 1;
export const NODE_WOKEN = 2;
export const NODE_CANCELLED = 3;
/**
 * Queued, and its owner is spinning on N_STATE (it has not registered the node
 * with its Parker): a waker that takes it from this state only sets WOKEN, and
 * neither pushes it on the woken stack nor notifies (markWokenFrom). The owner
 * leaves the state by CAS SPINNING -> WAITING before it parks, so exactly one
 * side decides how the wake travels.
 */
export const NODE_SPINNING = 4;

const DEFAULT_MAX_BYTES = 1 << 30; // address space; pages are committed as they are used

function maxBytesFromEnv(): number {
  const raw = process.env.GOCSP_MAX_MEMORY;
  if (raw === undefined || raw === '') return DEFAULT_MAX_BYTES;
  const mib = Number(raw);
  if (!Number.isInteger(mib) || mib < 16 || mib > 8191) {
    throw new RangeError(
      `GOCSP_MAX_MEMORY is the size of gocsp's shared heap in MiB, an integer from 16 to 8191; got ${JSON.stringify(raw)}`,
    );
  }
  return mib * 1024 * 1024;
}

/** Token of a thread in a world: `(gen << 8) | slot`; never 0. */
export type Token = number;
export const slotOf = (token: Token): number => token & 0xff;
export const genOf = (token: Token): number => token >>> 8;

/**
 * One process-wide shared memory region (see the file header). A thread holds
 * one `World` object per world it uses; `World.i32` views the whole buffer.
 */
export class World {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  /** Length-tracking byte view of the same buffer. */
  readonly u8: Uint8Array;
  readonly id: number;
  /** This thread's caches of free heap blocks, per small size class (heap.ts). */
  readonly blockCaches: number[][] = Array.from({ length: CACHED_CLASSES }, () => []);
  /** This thread's token in this world (0 until registered). */
  token: Token = 0;
  slot = -1;

  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.i32 = new Int32Array(sab);
    this.u8 = new Uint8Array(sab);
    if (this.i32[H_MAGIC] !== MAGIC || this.i32[H_VERSION] !== VERSION) {
      throw new SharedHandleError(
        'not a gocsp world buffer (or one from an incompatible gocsp version): pass handles made by toShared() of the same gocsp version',
      );
    }
    this.id = this.i32[H_WORLD_ID]!;
  }

  /** Creates a fresh world buffer. */
  static create(): World {
    const maxBytes = maxBytesFromEnv();
    // Allocated whole, not grown: the OS commits pages only as they are
    // touched (measured: a 1 GiB SharedArrayBuffer adds 0.5 MiB of RSS), and
    // views of a growable buffer are slow in Node 20 (measured: element
    // access ~14x, Atomics ~4.5x slower than on a fixed-length view).
    const sab = new SharedArrayBuffer(maxBytes);
    const i32 = new Int32Array(sab);
    i32[H_MAGIC] = MAGIC;
    i32[H_VERSION] = VERSION;
    i32[H_WORLD_ID] = (Math.random() * 0x7fffffff) | 1;
    i32[H_HEAP_TOP] = HEAP_BASE;
    i32[H_HEAP_END] = Math.floor(maxBytes / 4);
    i32[H_MAX_WORDS] = Math.floor(maxBytes / 4);
    i32[H_NCPU] = availableParallelism();
    return new World(sab);
  }

  /** Index of a slot's first word. */
  slotBase(slot: number): number {
    return SLOTS_BASE + slot * SLOT_WORDS;
  }

  /** Index of a node's first word (a node is named by its address). */
  nodeBase(node: number): number {
    return node;
  }

  /**
   * The last other thread `isAlive` found alive, and H_DEATH_EPOCH as read
   * just before that check (-1: none; no token is negative).
   */
  private liveToken: Token = -1;
  private liveEpoch = 0;

  /**
   * True iff `token` names a thread that is registered and has not died.
   *
   * The full check reads the thread's slot: S_STATE with Atomics.load, and a
   * claimer writes S_GEN before its Atomics.store of ALIVE, so a load that
   * sees that ALIVE synchronizes with it and the plain read of S_GEN after it
   * sees the new generation. (Both read plainly could pair a new thread's
   * ALIVE with a dead one's generation: a value handed to a dead waiter.)
   * S_GEN is only written while the slot is not ALIVE.
   *
   * Most calls skip it: the last thread found alive stays alive until the
   * death epoch moves, and markThreadDead moves it right after the slot left
   * ALIVE and before the slot can be claimed again. The epoch was read
   * before that slot's check, so a death whose state change the check missed
   * bumps the epoch after that read. What the shortcut can report alive is a
   * thread between its slot's CAS to DEAD and the bump, the next statement:
   * a death that has just happened, as the full check may report alive a
   * thread that dies right after it. (The unbuffered channel's hand-off
   * calls this once per value: the full check, a builtin call and a load of
   * the partner's slot line, cost a cross-thread ping-pong ~10% of its round
   * trip; the epoch's line is written a few times a second at most.)
   *
   * @example
   * ```ts
   * if (!world.isAlive(owner)) evict(owner);
   * ```
   */
  isAlive(token: Token): boolean {
    if (token === this.token) return true; // ourselves: we are running this
    const i32 = this.i32;
    const epoch = fastLoad(i32, H_DEATH_EPOCH); // before the slot's Atomics.load below
    if (token === this.liveToken && epoch === this.liveEpoch) return true;
    const b = this.slotBase(slotOf(token));
    if (Atomics.load(i32, b + S_STATE) !== SLOT_ALIVE || i32[b + S_GEN] !== genOf(token)) {
      return false;
    }
    this.liveToken = token;
    this.liveEpoch = epoch;
    return true;
  }

  /** Thread id (worker_threads.threadId) behind a token, or -1. */
  threadIdOf(token: Token): number {
    return Atomics.load(this.i32, this.slotBase(slotOf(token)) + S_THREAD) - 1;
  }

  get ncpu(): number {
    return this.i32[H_NCPU]!;
  }
}

/** Claims a free slot for the calling thread. */
export function claimSlot(world: World): void {
  const i32 = world.i32;
  for (let s = 0; s < MAX_SLOTS; s++) {
    const b = world.slotBase(s);
    if (Atomics.load(i32, b + S_STATE) !== SLOT_FREE) continue;
    if (Atomics.compareExchange(i32, b + S_STATE, SLOT_FREE, SLOT_CLAIMING) !== SLOT_FREE) continue;
    let gen = (Atomics.load(i32, b + S_GEN) + 1) & 0x7fffff;
    if (gen === 0) gen = 1;
    Atomics.store(i32, b + S_GEN, gen);
    Atomics.store(i32, b + S_THREAD, threadId + 1);
    Atomics.store(i32, b + S_SLEEPING, 0);
    Atomics.store(i32, b + S_WOKEN, 0);
    Atomics.store(i32, b + S_BLOCKED, 0);
    Atomics.store(i32, b + S_DIAG, 0); // a dead owner's unclaimed answer leaks (a few bytes)
    Atomics.store(i32, b + S_WAITS, 0);
    Atomics.store(i32, b + S_ACK, 0);
    Atomics.store(i32, b + S_FOREIGN, 0);
    Atomics.store(i32, b + S_SPINNING, 0);
    Atomics.store(i32, b + S_STATE, SLOT_ALIVE);
    Atomics.add(i32, H_RUNNING, 1);
    Atomics.add(i32, H_JOINS, 1);
    world.slot = s;
    world.token = (gen << 8) | s;
    primeLockFeedback(world);
    return;
  }
  throw new CapacityError(
    `gocsp supports at most ${MAX_SLOTS} threads using it at once; end some workers first`,
  );
}

/**
 * Declares every slot held by `deadThreadId` dead, then wakes every live
 * thread so that waiters blocked on something the dead thread held can notice
 * (they re-check liveness when the death epoch moves). Idempotent.
 *
 * Per slot, by the call whose CAS takes it from ALIVE to DEAD: the death
 * epoch moves at once, then DEAD -> FREE. The epoch moves after the slot left
 * ALIVE (so `isAlive`'s cache, which read the epoch before it found the slot
 * ALIVE, is dropped) and before the slot can be claimed again (so no cached
 * token can stand for a new thread in it). The steps from the CAS to FREE
 * are builtin calls only, with no function entry or loop back-edge between
 * them where a `worker.terminate()` could stop the thread running them (the
 * thread marking itself on exit while its parent terminates it).
 */
export function markThreadDead(world: World, deadThreadId: number): void {
  const i32 = world.i32;
  let found = false;
  for (let s = 0; s < MAX_SLOTS; s++) {
    const b = world.slotBase(s);
    if (Atomics.load(i32, b + S_THREAD) !== deadThreadId + 1) continue;
    if (Atomics.compareExchange(i32, b + S_STATE, SLOT_ALIVE, SLOT_DEAD) !== SLOT_ALIVE) continue;
    Atomics.add(i32, H_DEATH_EPOCH, 1);
    found = true;
    if (Atomics.load(i32, b + S_BLOCKED) === 0) Atomics.sub(i32, H_RUNNING, 1);
    // A thread terminated in the middle of a spin never ran its spinEnd: give
    // its count back, or canSpin would refuse every thread of the process
    // from now on (one spinner is all two cores allow).
    if (Atomics.exchange(i32, b + S_SPINNING, 0) !== 0) Atomics.sub(i32, H_SPINNING, 1);
    // The slot can be claimed again: its generation changes, so old tokens stay dead.
    Atomics.store(i32, b + S_STATE, SLOT_FREE);
  }
  if (!found) return;
  for (let s = 0; s < MAX_SLOTS; s++) {
    const b = world.slotBase(s);
    if (Atomics.load(i32, b + S_STATE) !== SLOT_ALIVE) continue;
    Atomics.add(i32, b + S_PARK, 1);
    Atomics.notify(i32, b + S_PARK);
  }
}
