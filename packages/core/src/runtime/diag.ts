/**
 * The goroutine dump (Go's traceback of every goroutine): `runtime.goroutines()`,
 * `runtime.dump()`, the dump in DeadlockError, and SIGQUIT.
 *
 * ## How a snapshot is taken: ask every thread, read what they answer
 *
 * A blocked operation's record (reason, object, goroutine, sampled stack)
 * lives in the JS heap of the thread that blocked (internal/waits.ts), so the
 * requester asks and each thread answers from its own state:
 *
 * 1. The requester takes H_DIAG_LOCK (one dump at a time), bumps
 *    H_DIAG_EPOCH and H_ASK, and wakes the threads that have something to
 *    say: every M (P_WAKE and S_PARK), and any other thread with parked
 *    waiters (S_WAITS) or blocked in a *Sync call (S_BLOCKED), through S_PARK.
 * 2. A woken thread sees H_ASK move (its Parker's drain, an M's scheduling
 *    round or idle wake-up: `answerIfAsked`; an M about to sleep re-checks
 *    `dumpAsked` after marking itself idle, as it re-checks its queues, so a
 *    request cannot slip between its last look and its sleep), builds its entries, stores them
 *    JSON-encoded in a value block, publishes its address in its slot's
 *    S_DIAG (exchange: an unclaimed older answer is freed), then adds 1 to
 *    H_DIAG_ACKS and notifies.
 * 3. The requester answers for itself, waits on H_DIAG_ACKS until every
 *    asked thread answered or ANSWER_MS passed (ANSWER_MS_FINAL for a
 *    deadlock verdict and SIGQUIT), and takes each answer with an
 *    exchange of S_DIAG to 0 (so exactly one side frees a block).
 * 4. For an M that did not answer (busy in synchronous code), it reads that
 *    P's started list from shared memory: ids, functions, creators, and
 *    P_CURG (the goroutine whose synchronous part runs) as 'running'; the
 *    others are 'waiting' (unknown). Unstarted goroutines come from the
 *    global queue (under SC_LOCK) and each P's ring: 'runnable'.
 *
 * What a snapshot guarantees: each goroutine's entry was consistent on its
 * own thread when that thread answered (one thread's answer is built in one
 * synchronous step); the set is not atomic - threads answer at different
 * moments, so a goroutine can be seen on none or, after a spawn hands it
 * between queues, twice. Nothing is stopped: a thread answers when its event
 * loop gets to it; the requester waits at most ANSWER_MS.
 *
 * ## Words used (world.ts)
 *
 * | word | meaning | protected by |
 * | --- | --- | --- |
 * | H_ASK | bumped by every dump request and every deadlock probe of non-M threads | atomic add |
 * | H_DIAG_LOCK | token of the requester, 0 = none | CAS; a dead holder's lock is taken over |
 * | H_DIAG_EPOCH | number of the current request | the lock holder |
 * | H_DIAG_ACKS | answers published (any epoch) | atomic add |
 * | H_PROBE | deadlock probe epoch of non-M threads (monitor.ts) | the monitor |
 * | slot S_DIAG | value block of the thread's last answer: `{e: epoch, g: entries}` | exchange |
 * | slot S_WAITS | 1 while the thread's Parker holds parked waiters | owner |
 * | slot S_ACK, S_FOREIGN | last H_PROBE answered; pending non-gocsp resources then | owner |
 * | P_CURG | id of the goroutine whose synchronous part the M runs, 0 = none | the M |
 *
 * ## Which goroutine a wait belongs to (M threads)
 *
 * Exact when the wait was entered in the goroutine's synchronous part (the
 * record has its id). Otherwise (entered after an `await`) the record's
 * sampled stack ends in a goroutine function; it is matched to a started
 * goroutine of that function on that M that has no wait yet. Among several
 * goroutines of one function, which id gets which wait is arbitrary: the
 * dump is right about what waits on what and where, not always about which
 * of identical goroutines it is. A wait left unmatched is shown as
 * goroutine 0; a goroutine left without a wait is 'IO wait' (awaiting
 * something that is not gocsp's) when every wait of its M was matched, else
 * 'waiting'.
 */
import { writeSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import { TRACEBACK_OFF, fileOf, framesOf, isUserFrame, locate } from '../internal/callsite.js';
import { threadState } from '../internal/env.js';
import { parkHooks, type Parker } from '../internal/park.js';
import { storeValue, takeValue } from '../internal/values.js';
import {
  WAIT_REASONS,
  describe,
  goidOf,
  isWait,
  objectOf,
  pendingSleeps,
  reasonOf,
  sampleOf,
  running,
  type Sample,
  type WaitNote,
} from '../internal/waits.js';
import { defaultWorld, unregisteredChildren } from '../internal/worlds.js';
import {
  H_ASK,
  H_DIAG_ACKS,
  H_DIAG_EPOCH,
  H_DIAG_LOCK,
  H_PROBE,
  H_SCHED,
  MAX_SLOTS,
  SLOT_ALIVE,
  S_ACK,
  S_BLOCKED,
  S_DIAG,
  S_FOREIGN,
  S_PARK,
  S_STATE,
  S_THREAD,
  S_WAITS,
  type World,
} from '../internal/world.js';
import { labelOf, siteOf } from './funcs.js';
import { role, type MRole } from './role.js';
import {
  G_FN,
  G_ID,
  G_LINK,
  G_NEXT,
  gP,
  gStarted,
  P_CURG,
  P_HEAD,
  P_LIVE,
  P_M,
  P_RING,
  P_RUNNEXT,
  P_STARTED,
  P_TAIL,
  P_WAKE,
  RUNQ_SIZE,
  SC_GQ_HEAD,
  Sched,
} from './sched.js';

/** One goroutine in a snapshot (`runtime.goroutines()`). */
export interface GoroutineInfo {
  /**
   * Goroutine id. The main thread's waits are goroutine 1, as in Go; a wait of
   * a hand-made worker thread (not a goroutine), or one the runtime could not
   * attribute to a goroutine, is goroutine 0.
   */
  id: number;
  /**
   * Go's wait reasons: 'running', 'runnable', 'chan receive', 'chan send',
   * 'select', 'select (no cases)', 'chan receive (nil chan)', 'chan send (nil chan)',
   * 'sync.Mutex.Lock', 'sync.RWMutex.RLock', 'sync.RWMutex.Lock',
   * 'sync.WaitGroup.Wait', 'sync.Cond.Wait', 'semacquire', 'sleep',
   * 'IO wait' (a started goroutine awaiting something that is not gocsp's),
   * 'waiting' (blocked, on what is not known).
   */
  state: string;
  /** How long it has been blocked (known for sampled waits, see the core README). */
  waitingMs?: number;
  /** worker_threads threadId of the thread it lives on (0 = main; -1: not started, in the global run queue). */
  thread: number;
  /** Index of its P, for a goroutine on an M. */
  p?: number;
  /** The goroutine's function name ('anonymous' for an arrow), 'main', or 'worker thread N'. */
  fn: string;
  /** The user's frame of the go()/spawn() call that created it: 'file:line:col'. */
  createdBy?: string;
  /** The function that made that call ('main' for the main thread's top level). */
  creator?: string;
  /** The user's frame of the blocking call: 'file:line:col'. */
  blockedAt?: string;
  /** What it waits on: 'chan 12 (cap 0, len 0)', 'Mutex 7', ... */
  object?: string;
}

/** An entry as a thread answers it (short keys: it crosses threads as JSON). */
interface Wire {
  id: number;
  st: string;
  /** Absolute time (ms since the epoch) the wait began. */
  at?: number;
  th: number;
  p?: number;
  fn: string;
  cb?: string;
  cf?: string;
  ba?: string;
  ob?: string;
}

/**
 * How long a requester waits for the threads' answers: `runtime.goroutines()`
 * (a busy thread must not hold its caller long), and when the process is
 * about to report or die anyway (a deadlock verdict - every thread is idle -
 * and SIGQUIT), where a complete dump is worth more (a loaded machine can
 * take tens of ms to schedule an idle thread and let it format its stacks).
 */
export const ANSWER_MS = 200;
export const ANSWER_MS_FINAL = 1000;
/** Entries one thread answers at most (a million parked goroutines would not fit a message). */
const MAX_ENTRIES = 10_000;

const enc = new TextEncoder();
const dec = new TextDecoder();

// Answer from every Parker's drain (a thread woken by S_PARK); SIGQUIT on the
// main thread from the moment any gocsp package is loaded.
parkHooks.onAsk = answerIfAsked;
installSigquit();

let answered = 0;
let probed = 0;

/**
 * Answers a pending dump request and a pending deadlock probe, if any.
 * Called on this thread's own event loop (Parker drain, M loop); cheap when
 * nothing was asked (one load).
 */
export function answerIfAsked(): void {
  const world = defaultWorldIfJoined();
  if (world === undefined) return;
  const i32 = world.i32;
  const probe = Atomics.load(i32, H_PROBE);
  if (probe !== probed) {
    probed = probe;
    const b = world.slotBase(world.slot);
    const own = ownParkerHandles();
    Atomics.store(i32, b + S_FOREIGN, foreignResources(own) + unregisteredChildren(world));
    Atomics.store(i32, b + S_ACK, probe);
  }
  if (Atomics.load(i32, H_DIAG_LOCK) === 0) return;
  const epoch = Atomics.load(i32, H_DIAG_EPOCH);
  if (epoch === answered) return;
  answered = epoch;
  let bytes: Uint8Array;
  try {
    bytes = enc.encode(JSON.stringify({ e: epoch, g: localEntries(false) }));
  } catch (e) {
    bytes = enc.encode(JSON.stringify({ e: epoch, g: [], err: String(e) }));
  }
  const v = storeValue(world, bytes);
  const old = Atomics.exchange(i32, world.slotBase(world.slot) + S_DIAG, v);
  if (old !== 0) takeValue(world, old);
  Atomics.add(i32, H_DIAG_ACKS, 1);
  Atomics.notify(i32, H_DIAG_ACKS);
}

/**
 * True while a dump request waits for this thread's answer: an M re-checks
 * it after it marks itself idle and before it sleeps, as it re-checks the
 * run queues and the deadlock probe (a request made between its last look
 * and its sleep would otherwise go unanswered: its P_WAKE bump came before
 * the M read the word it sleeps on).
 */
export function dumpAsked(): boolean {
  const world = defaultWorldIfJoined();
  if (world === undefined) return false;
  const i32 = world.i32;
  return Atomics.load(i32, H_DIAG_LOCK) !== 0 && Atomics.load(i32, H_DIAG_EPOCH) !== answered;
}

/** This thread's default world if it has joined one (never joins just to answer). */
function defaultWorldIfJoined(): World | undefined {
  return threadState().defaultWorld as World | undefined;
}

function parkers(): Parker[] {
  return [...(threadState().parkers as Map<number, Parker>).values()];
}

function ownParkerHandles(): number {
  let n = 0;
  for (const p of parkers()) if (p.holdsProcess) n++;
  return n;
}

/** Pending non-gocsp resources of this thread: timers, sockets, file operations... */
export function foreignResources(own: number): number {
  // gocsp's own timers (after, tick) are unref'd; they count as pending work.
  let n = threadState().timers;
  for (const r of process.getActiveResourcesInfo()) if (r !== 'CloseReq') n++;
  return Math.max(0, n - own - stdioHandles());
}

/**
 * process.stdout and process.stderr, once used, are libuv handles when they
 * are a terminal or a pipe ('TTYWrap' / 'PipeWrap' in getActiveResourcesInfo)
 * and stay listed for the life of the process, though they keep nothing
 * alive and can wake no one. Counted as pending work, they hid every deadlock
 * of a program whose output goes to a terminal or a pipe (a child process, a
 * service): it hung instead. (A pending write is a separate request, still
 * counted; so is stdin, which can bring input.) On a worker thread they are
 * message-port streams without a handle.
 */
function stdioHandles(): number {
  let n = 0;
  for (const s of [process.stdout, process.stderr]) {
    if ((s as unknown as { _handle?: unknown })._handle) n++;
  }
  return n;
}

// ---- this thread's entries ----

interface Wait {
  note: WaitNote;
  frames: ReturnType<typeof framesOf> | undefined;
}

function collectWaits(): Wait[] {
  const out: Wait[] = [];
  const add = (note: WaitNote): void => {
    if (isWait(note)) out.push({ note, frames: undefined });
  };
  for (const p of parkers()) p.forEachWait(add);
  for (const s of pendingSleeps()) add(s);
  return out;
}

function framesOfWait(w: Wait): ReturnType<typeof framesOf> {
  if (w.frames === undefined) {
    const s = sampleOf(w.note);
    w.frames = s === undefined ? [] : framesOf(s);
  }
  return w.frames;
}

/** The wait's fields of an entry. */
function waitFields(w: Wait, e: Wire): Wire {
  e.st = WAIT_REASONS[reasonOf(w.note)] ?? 'waiting';
  const ob = describe(objectOf(w.note));
  if (ob !== '') e.ob = ob;
  const s: Sample | undefined = sampleOf(w.note);
  if (s !== undefined) {
    e.at = performance.timeOrigin + s.since;
    for (const c of framesOfWait(w)) {
      if (isUserFrame(c)) {
        e.ba = locate(c);
        break;
      }
    }
  }
  return e;
}

/** This thread's entries; `requesting`: this thread is the one taking the snapshot. */
function localEntries(requesting: boolean): Wire[] {
  const m = role().m;
  const waits = collectWaits();
  if (m !== undefined) return mEntries(m, waits, requesting);
  const main = isMainThread;
  const fn = main ? 'main' : `worker thread ${threadId}`;
  const out: Wire[] = [];
  for (const w of waits) {
    if (out.length >= MAX_ENTRIES) break;
    out.push(waitFields(w, { id: main ? 1 : 0, st: '', th: threadId, fn }));
  }
  if (out.length === 0 && requesting && main) {
    out.push({ id: 1, st: 'running', th: threadId, fn });
  }
  return out;
}

/** Entries of an M: its started goroutines with their waits, and its queued ones. */
function mEntries(m: MRole, waits: Wait[], requesting: boolean): Wire[] {
  const sc = m.sc;
  const i32 = sc.i32;
  const base = { th: threadId, p: m.index };
  const gs: { id: number; fi: number; e: Wire | undefined }[] = [];
  const byId = new Map<number, (typeof gs)[number]>();
  let g = i32[m.p + P_STARTED]!;
  for (let n = 0; g !== 0 && n < MAX_ENTRIES; n++) {
    const rec = { id: i32[g + G_ID]!, fi: i32[g + G_FN]!, e: undefined };
    gs.push(rec);
    byId.set(rec.id, rec);
    g = i32[g + G_NEXT]!;
  }
  const out: Wire[] = [];
  const goroutineEntry = (r: (typeof gs)[number]): Wire => {
    const e: Wire = { id: r.id, st: '', ...base, fn: labelOf(sc, r.fi) };
    const site = siteOf(sc, r.fi);
    if (site !== undefined) {
      e.cb = site.at;
      e.cf = site.by;
    }
    return e;
  };
  // 1. Exact: the wait carries its goroutine's id.
  const unknown: Wait[] = [];
  for (const w of waits) {
    const r = byId.get(goidOf(w.note));
    if (r === undefined) {
      unknown.push(w);
      continue;
    }
    const e = waitFields(w, goroutineEntry(r));
    r.e ??= e;
    out.push(e);
  }
  // 2. By the goroutine function the wait's sampled stack ends in.
  const left: Wait[] = [];
  for (const w of unknown) {
    const fi = entryFunction(m, framesOfWait(w));
    const r = fi < 0 ? undefined : gs.find((x) => x.fi === fi && x.e === undefined);
    if (r === undefined) {
      left.push(w);
      continue;
    }
    r.e = waitFields(w, goroutineEntry(r));
    out.push(r.e);
  }
  // 3. One wait and one goroutine left: they go together.
  const idle = gs.filter((x) => x.e === undefined);
  if (left.length === 1 && idle.length === 1) {
    const r = idle[0]!;
    r.e = waitFields(left.pop()!, goroutineEntry(r));
    out.push(r.e);
  }
  for (const w of left) out.push(waitFields(w, { id: 0, st: '', ...base, fn: '?' }));
  const cur = requesting ? running.g : 0;
  for (const r of gs) {
    if (r.e !== undefined) continue;
    const e = goroutineEntry(r);
    e.st = r.id === cur ? 'running' : left.length === 0 ? 'IO wait' : 'waiting';
    out.push(e);
  }
  for (const q of queuedOf(sc, m.p)) {
    const e = goroutineEntry({ id: i32[q + G_ID]!, fi: i32[q + G_FN]!, e: undefined });
    e.st = 'runnable';
    out.push(e);
  }
  return out.slice(0, MAX_ENTRIES);
}

/** The table index of the goroutine function a sampled stack ends in, or -1. */
function entryFunction(m: MRole, frames: ReturnType<typeof framesOf>): number {
  for (let k = frames.length - 1; k >= 0; k--) {
    const c = frames[k]!;
    if (!isUserFrame(c)) continue;
    return m.fnOfFrame(fileOf(c), c.getLineNumber() ?? 0, c.getFunctionName());
  }
  return -1;
}

/** Gs queued on P record `p` (runnext, then the ring), read racily. */
function queuedOf(sc: Sched, p: number): number[] {
  const i32 = sc.i32;
  const out: number[] = [];
  const next = Atomics.load(i32, p + P_RUNNEXT);
  if (next !== 0) out.push(next);
  const h = Atomics.load(i32, p + P_HEAD);
  const t = Atomics.load(i32, p + P_TAIL);
  const n = Math.min(RUNQ_SIZE, Math.max(0, (t - h) | 0));
  for (let k = 0; k < n; k++) out.push(i32[p + P_RING + ((h + k) & (RUNQ_SIZE - 1))]!);
  return out;
}

// ---- the snapshot ----

/**
 * Every goroutine now, on every thread: see the file header for what it
 * guarantees. Blocks the calling thread for at most ~2 x ANSWER_MS (another
 * snapshot in progress, then the answers).
 *
 * @example
 * ```ts
 * for (const g of runtime.goroutines()) if (g.state !== 'running') console.log(g.id, g.state, g.blockedAt);
 * ```
 */
export function goroutines(answerMs = ANSWER_MS): GoroutineInfo[] {
  const world = defaultWorld();
  const i32 = world.i32;
  const me = world.token;
  const deadline = performance.now() + answerMs;
  // One snapshot at a time; a holder that died leaves the lock to us. If
  // another one takes too long, answer from what this thread and shared
  // memory can tell, without asking.
  let locked = false;
  for (;;) {
    const holder = Atomics.compareExchange(i32, H_DIAG_LOCK, 0, me);
    if (holder === 0) {
      locked = true;
      break;
    }
    if (holder === me) throw new Error('internal: runtime.goroutines() re-entered');
    if (!world.isAlive(holder)) {
      if (Atomics.compareExchange(i32, H_DIAG_LOCK, holder, me) === holder) {
        locked = true;
        break;
      }
      continue;
    }
    if (performance.now() > deadline) break;
    Atomics.wait(i32, H_DIAG_LOCK, holder, 5);
  }
  const wires: Wire[] = [];
  const got = new Set<number>();
  const sc = schedOf(world);
  const mSlots = new Map<number, number>(); // slot -> P index
  if (sc !== undefined) {
    for (const i of sc.pindexes()) {
      const t = Atomics.load(i32, sc.p(i) + P_M);
      if (t !== 0) mSlots.set(t & 0xff, i);
    }
  }
  try {
    if (locked) ask(world, sc, mSlots, performance.now() + answerMs, wires, got);
    else wires.push(...localEntries(true));
    // Ms that did not answer: what shared memory says.
    if (sc !== undefined) {
      for (const [s, i] of mSlots) {
        if (s === world.slot || got.has(s)) continue;
        wires.push(...silentM(sc, i, Atomics.load(i32, world.slotBase(s) + S_THREAD) - 1));
      }
      wires.push(...globalQueue(sc));
    }
  } finally {
    if (locked && Atomics.compareExchange(i32, H_DIAG_LOCK, me, 0) === me) {
      Atomics.notify(i32, H_DIAG_LOCK);
    }
  }
  return order(wires.map(toInfo));
}

/** Steps 1-3 of the file header: ask, answer for ourselves, collect the answers. */
function ask(
  world: World,
  sc: Sched | undefined,
  mSlots: Map<number, number>,
  deadline: number,
  wires: Wire[],
  got: Set<number>,
): void {
  const i32 = world.i32;
  const epoch = Atomics.add(i32, H_DIAG_EPOCH, 1) + 1;
  answered = epoch; // we answer for ourselves below
  Atomics.add(i32, H_ASK, 1);
  if (sc !== undefined) {
    for (const i of sc.pindexes()) {
      const p = sc.p(i);
      Atomics.add(i32, p + P_WAKE, 1);
      Atomics.notify(i32, p + P_WAKE);
    }
  }
  const asked: number[] = [];
  for (let s = 0; s < MAX_SLOTS; s++) {
    if (s === world.slot) continue;
    const b = world.slotBase(s);
    if (Atomics.load(i32, b + S_STATE) !== SLOT_ALIVE) continue;
    const busy = Atomics.load(i32, b + S_WAITS) !== 0 || Atomics.load(i32, b + S_BLOCKED) !== 0;
    if (!mSlots.has(s) && !busy) continue;
    asked.push(s);
    Atomics.add(i32, b + S_PARK, 1);
    Atomics.notify(i32, b + S_PARK);
  }
  wires.push(...localEntries(true));
  for (;;) {
    const acks = Atomics.load(i32, H_DIAG_ACKS);
    for (const s of asked) {
      if (got.has(s)) continue;
      const v = Atomics.exchange(i32, world.slotBase(s) + S_DIAG, 0);
      if (v === 0) continue;
      let msg: { e: number; g: Wire[] };
      try {
        msg = JSON.parse(dec.decode(takeValue(world, v))) as { e: number; g: Wire[] };
      } catch {
        continue;
      }
      if (msg.e !== epoch) continue; // a late answer to an earlier request
      got.add(s);
      wires.push(...msg.g);
    }
    const left = deadline - performance.now();
    if (got.size === asked.length || left <= 0) return;
    Atomics.wait(i32, H_DIAG_ACKS, acks, Math.min(left, 10));
  }
}

function schedOf(world: World): Sched | undefined {
  const r = role();
  if (r.sc !== undefined && r.sc.world === world) return r.sc;
  const addr = Atomics.load(world.i32, H_SCHED);
  return addr === 0 ? undefined : new Sched(world, addr);
}

/** Entries of P `i`'s goroutines read from shared memory (its M did not answer). */
function silentM(sc: Sched, i: number, tid: number): Wire[] {
  const i32 = sc.i32;
  const p = sc.p(i);
  const cur = Atomics.load(i32, p + P_CURG);
  const out: Wire[] = [];
  const bound = Math.min(MAX_ENTRIES, Atomics.load(i32, p + P_LIVE) + 64);
  let g = Atomics.load(i32, p + P_STARTED);
  for (let n = 0; g > 0 && g < i32.length - 16 && n < bound; n++) {
    if (!gStarted(i32, g) || gP(i32, g) !== i) break;
    const id = i32[g + G_ID]!;
    const fi = i32[g + G_FN]!;
    const site = siteOf(sc, fi);
    out.push({
      id,
      st: id === cur ? 'running' : 'waiting',
      th: tid,
      p: i,
      fn: labelOf(sc, fi),
      ...(site !== undefined ? { cb: site.at, cf: site.by } : {}),
    });
    g = i32[g + G_NEXT]!;
  }
  for (const q of queuedOf(sc, p)) {
    out.push(queuedEntry(sc, q, tid, i));
  }
  return out;
}

function queuedEntry(sc: Sched, g: number, tid: number, p: number | undefined): Wire {
  const fi = sc.i32[g + G_FN]!;
  const site = siteOf(sc, fi);
  return {
    id: sc.i32[g + G_ID]!,
    st: 'runnable',
    th: tid,
    ...(p !== undefined ? { p } : {}),
    fn: labelOf(sc, fi),
    ...(site !== undefined ? { cb: site.at, cf: site.by } : {}),
  };
}

/** Goroutines waiting in the global run queue (read under SC_LOCK). */
function globalQueue(sc: Sched): Wire[] {
  const out: Wire[] = [];
  const i32 = sc.i32;
  const gs: number[] = [];
  sc.lock();
  try {
    for (
      let g = i32[sc.s + SC_GQ_HEAD]!;
      g !== 0 && gs.length < MAX_ENTRIES;
      g = i32[g + G_LINK]!
    ) {
      gs.push(g);
    }
    for (const g of gs) out.push(queuedEntry(sc, g, -1, undefined));
  } finally {
    sc.unlock();
  }
  return out;
}

function toInfo(w: Wire): GoroutineInfo {
  const g: GoroutineInfo = { id: w.id, state: w.st, thread: w.th, fn: w.fn };
  if (w.at !== undefined)
    g.waitingMs = Math.max(0, performance.timeOrigin + performance.now() - w.at);
  if (w.p !== undefined) g.p = w.p;
  if (w.cb !== undefined) g.createdBy = w.cb;
  if (w.cf !== undefined) g.creator = w.cf;
  if (w.ba !== undefined) g.blockedAt = w.ba;
  if (w.ob !== undefined) g.object = w.ob;
  return g;
}

/** Go's order: goroutine 1 first, then by id; the unattributed (0) last. */
function order(gs: GoroutineInfo[]): GoroutineInfo[] {
  const key = (g: GoroutineInfo): number => (g.id === 0 ? Number.MAX_SAFE_INTEGER : g.id);
  return gs
    .map((g, k) => ({ g, k }))
    .sort((a, b) => key(a.g) - key(b.g) || a.k - b.k)
    .map((x) => x.g);
}

// ---- text ----

/**
 * Go's traceback text for a snapshot: one block per goroutine,
 *
 * ```text
 * goroutine 7 [chan receive]:
 * worker(...)
 * 	/app/src/main.mjs:12:20
 * 	waiting on chan 2056 (cap 0, len 0)
 * 	on thread 1, P 0
 * created by main at /app/src/main.mjs:30:3
 * ```
 *
 * blocks separated by a blank line; `, N minutes` after the state once a
 * sampled wait has lasted a minute, as Go prints it.
 */
export function formatDump(gs: readonly GoroutineInfo[]): string {
  return gs
    .map((g) => {
      const mins =
        g.waitingMs !== undefined && g.waitingMs >= 60_000
          ? `, ${Math.floor(g.waitingMs / 60_000)} minutes`
          : '';
      const lines = [`goroutine ${g.id} [${g.state}${mins}]:`];
      lines.push(
        g.id === 1 && g.fn === 'main'
          ? 'main()'
          : g.fn.startsWith('worker thread ')
            ? `${g.fn} (not a goroutine)`
            : g.fn === '?'
              ? '(a goroutine of this thread; which one is not known)'
              : `${g.fn}(...)`,
      );
      if (g.blockedAt !== undefined) lines.push(`\t${g.blockedAt}`);
      if (g.object !== undefined) lines.push(`\twaiting on ${g.object}`);
      if (g.thread < 0) lines.push('\tin the global run queue');
      else if (g.state === 'runnable') lines.push(`\tin the run queue of P ${g.p!}`);
      else lines.push(`\ton thread ${g.thread}${g.p !== undefined ? `, P ${g.p}` : ''}`);
      if (g.createdBy !== undefined) {
        lines.push(`created by ${g.creator ?? '<anonymous>'} at ${g.createdBy}`);
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

/**
 * `runtime.dump()`: the snapshot as Go's traceback text.
 *
 * @example
 * ```ts
 * process.on('SIGUSR2', () => console.error(runtime.dump()));
 * ```
 */
export function dump(): string {
  return formatDump(goroutines());
}

// ---- SIGQUIT ----

/**
 * Go's SIGQUIT: print every goroutine to stderr and exit with status 2 -
 * unless the application listens to SIGQUIT itself (then only its listener
 * runs). Installed once per process, on the main thread; not on Windows
 * (no SIGQUIT). A listener is not a pending resource: it keeps nothing alive.
 */
function installSigquit(): void {
  const st = threadState() as unknown as { sigquit?: boolean };
  if (!isMainThread || process.platform === 'win32' || st.sigquit === true) return;
  st.sigquit = true;
  process.on('SIGQUIT', onSigquit);
}

function onSigquit(): void {
  if (process.listenerCount('SIGQUIT') > 1) return; // the application's own listener decides
  let text = 'SIGQUIT: quit\n';
  if (TRACEBACK_OFF) text += '(GOCSP_TRACEBACK=none: goroutine dump omitted)\n';
  else {
    try {
      text += '\n' + formatDump(goroutines(ANSWER_MS_FINAL)) + '\n';
    } catch (e) {
      text += `(no goroutine dump: ${String(e)})\n`;
    }
  }
  try {
    writeSync(2, text);
  } catch {
    // stderr closed: exit anyway
  }
  process.exit(2);
}
