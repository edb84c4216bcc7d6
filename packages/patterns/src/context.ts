/**
 * Context: Go's `context` package in shared memory, so that a context handed
 * to a goroutine on another thread is the same live context: cancelling it on
 * the main thread closes `done()` for every goroutine watching it.
 *
 * ## Layout (Int32 data words of a `patterns.Context` object block)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | LOCK | internal lock (core ilock) | itself |
 * | 1 | STATE | ACTIVE, CANCELED or EXCEEDED | written once under LOCK (Atomics.store); read racily (Atomics.load) |
 * | 2 | KIND | K_BACKGROUND, K_TODO, K_CANCEL, K_TIMER or K_VALUE | immutable |
 * | 3 | PARENT | parent context (this block holds one reference on it), 0 for roots | immutable |
 * | 4 | LINK | the ancestor whose child list holds this context, 0 if none | immutable once returned to the user |
 * | 5 | CAUSE | value block (core values.ts) of this context's own encoded cause, 0 = none | written once under LOCK, before STATE |
 * | 6 | HEAD | first child in this context's child list | LOCK |
 * | 7 | PREV | previous sibling in LINK's child list | LINK's LOCK |
 * | 8 | NEXT | next sibling in LINK's child list | LINK's LOCK |
 * | 9 | INLIST | 1 while in LINK's child list (the list holds one reference on this block) | LINK's LOCK |
 * | 10 | VKEY | value block of the key (UTF-8), K_VALUE only | immutable |
 * | 11 | VAL | value block of the value (internal/wire.ts, shared objects pinned), K_VALUE only | immutable |
 * | 12..13 | DEADLINE | float64, ms since the epoch; NaN = none. The effective deadline (own or inherited) | immutable |
 * | 14 | CAUSEFROM | the context holding the cause: this one, or the ancestor whose cancellation reached it; 0 = no cause (the cause is `err()`) | written once under LOCK, before STATE |
 *
 * The block's child (core object.ts O_CHILD) is the `done` channel, for every
 * kind but K_VALUE (a value context is done when its parent is).
 *
 * ## States (STATE)
 *
 * ACTIVE -> CANCELED (cancel, or a cancelled ancestor) or ACTIVE -> EXCEEDED
 * (its deadline timer, or an ancestor's). Exactly one transition, made by the
 * thread that wins it under LOCK; that thread then closes `done`, stops its
 * timer if it runs on that thread, and cancels the children it detached.
 *
 * ## Cancel propagation, across threads, without goroutines
 *
 * A cancelable context registers in the child list of its nearest cancelable
 * ancestor (Go's `propagateCancel`); background/TODO never cancel, so their
 * children are not listed. Cancelling detaches the whole list under LOCK and
 * cancels each child after unlocking, on the cancelling thread, whatever
 * thread created the child: every field it needs is in shared memory, and the
 * child's done channel works from any thread. A context cancelled by itself
 * takes itself out of its ancestor's list (Go's `removeChild`). Only one lock
 * is ever held at a time, so there is no lock order to keep.
 *
 * Lifetime, as in Go: a listed child is kept alive by its ancestor's list
 * until either is cancelled - always call the cancel function (Go's vet
 * "lostcancel" rule).
 *
 * ## Timers
 *
 * A deadline's timer runs on the thread that created the context, from the
 * package clock (ref'd: a pending deadline keeps the thread alive, and counts
 * as pending work for deadlock detection). Cancelling on that thread clears it
 * at once; a context cancelled from another thread has its timer cleared by
 * this thread's sweep within a second (an interval that exists only while the
 * thread has timers, and is unref'd).
 *
 * Rejected: one goroutine per context watching the parent's done channel (Go
 * before 1.7 did this for foreign contexts). It costs a goroutine per context,
 * a parked receive keeps the process alive, and it would make cancellation
 * asynchronous; the shared child list makes it synchronous and free.
 */
import * as substrate from '@gocsp/core/internal';
import { chan, currentClock, type Channel, type Clock } from '@gocsp/channels';
import { Canceled, DeadlineExceeded, errors } from './errors.js';
import { decodeStored, encodeStored } from './internal/wire.js';

type World = substrate.World;

const TYPE = 'patterns.Context';
/** Shared type id of contexts (ids 24-31 are this package's; see core's internal/types.ts). */
const TYPE_ID = 24;
const H = substrate.OBJ_HEADER;

const LOCK = 0;
const STATE = 1;
const KIND = 2;
const PARENT = 3;
const LINK = 4;
const CAUSE = 5;
const HEAD = 6;
const PREV = 7;
const NEXT = 8;
const INLIST = 9;
const VKEY = 10;
const VAL = 11;
const DEADLINE = 12;
const CAUSEFROM = 14;
const WORDS = 15;

/** STATE: not cancelled. */
const ACTIVE = 0;
/** STATE: cancelled (err() is Canceled). */
const CANCELED = 1;
/** STATE: the deadline passed (err() is DeadlineExceeded). */
const EXCEEDED = 2;

const K_BACKGROUND = 0;
const K_TODO = 1;
const K_CANCEL = 2;
const K_TIMER = 3;
const K_VALUE = 4;

/** Longest delay Node's setTimeout takes; longer deadlines re-arm. */
const MAX_DELAY = 2 ** 31 - 1;
const SWEEP_MS = 1000;

/** Cancels a context; `cause` (optional) is what `cause(ctx)` returns afterwards. */
export type CancelFunc = (cause?: unknown) => void;

let reviving: substrate.SharedRef | undefined;

const enc = new TextEncoder();
const dec = new TextDecoder();

function readBytes(world: World, v: number): Uint8Array {
  return substrate.copyOut(world.u8, (v + 1) * 4, world.i32[v]!);
}

/**
 * A Go context: a cancellation signal, a deadline and request-scoped values,
 * shared by every thread it reaches (pass it to `go`/`spawn`, send it on a
 * channel, or hand it to a worker with `toShared`). Make one with
 * {@link background} and derive with {@link withCancel}, {@link withTimeout},
 * {@link withDeadline}, {@link withValue}.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withTimeout(background(), 1000);
 * go(async (ctx: Context, jobs: Channel<number>) => {
 *   const { select, onRecv } = await import('@gocsp/channels');
 *   for (;;) {
 *     const stop = await select([onRecv(ctx.done(), () => true), onRecv(jobs, () => false)]);
 *     if (stop) return; // cancelled or timed out, from any thread
 *   }
 * }, ctx, jobs);
 * cancel();
 * ```
 */
export class Context {
  /** @internal */ readonly world: World;
  /** @internal address of this context's block */ readonly ref: number;
  /** @internal index (in world.i32) of the data of the context whose STATE is ours */
  readonly sb: number;
  private readonly b: number;
  private readonly kind: number;
  private doneCh: Channel<void> | undefined;
  private parentCtx: Context | undefined;
  private causeCache: { v: unknown } | undefined;
  private keyCache: string | undefined;
  private valCache: { v: unknown } | undefined;

  /** Not public: start from `background()` and derive with `withCancel` & co. */
  constructor() {
    const r = reviving;
    reviving = undefined;
    if (r === undefined) {
      throw new TypeError(
        'Context has no public constructor: start from background() and derive with withCancel, withTimeout, withDeadline or withValue',
      );
    }
    this.world = r.world;
    this.ref = r.ref;
    this.b = r.ref + H;
    const i32 = r.world.i32;
    this.kind = i32[this.b + KIND]!;
    // The context whose STATE tells ours: the nearest ancestor that is not a value context.
    let s = r.ref;
    while (i32[s + H + KIND] === K_VALUE) s = i32[s + H + PARENT]!;
    this.sb = s + H;
  }

  /** @internal where this context lives (how it crosses threads). */
  get [substrate.kShared](): substrate.SharedRef {
    return { world: this.world, ref: this.ref };
  }

  /**
   * Id of this context, the same on every thread.
   *
   * @example
   * ```ts
   * console.log(`ctx ${ctx.id} cancelled`);
   * ```
   */
  get id(): number {
    return this.ref;
  }

  /** @internal One line for util.inspect: `Context { id: 9, err: "context canceled", deadline: null }`. */
  [substrate.inspectCustom](): string {
    return this.summary().text;
  }

  /**
   * What JSON.stringify makes of a context: `{ kind, id, err, deadline }`.
   *
   * @example
   * ```ts
   * JSON.stringify({ ctx }); // '{"ctx":{"kind":"Context","id":9,"err":null,"deadline":null}}'
   * ```
   */
  toJSON(): Record<string, string | number | boolean | null> {
    return this.summary().json;
  }

  private summary(): ReturnType<typeof substrate.sharedSummary> {
    return substrate.sharedSummary('Context', {
      id: this.ref,
      err: this.err()?.message ?? null,
      deadline: this.deadline()?.toISOString() ?? null,
    });
  }

  /**
   * A channel closed when this context is cancelled or its deadline passes:
   * the same channel on every call (and every thread). It never carries a
   * value; receive from it (in a `select`) to learn of the cancellation. A
   * background context's channel is never closed.
   *
   * @example
   * ```ts
   * await select([onRecv(ctx.done(), () => 'stop'), onRecv(results, (r) => r)]);
   * ```
   */
  done(): Channel<void> {
    if (this.doneCh !== undefined) return this.doneCh;
    if (this.kind === K_VALUE) {
      this.doneCh = this.parent()!.done();
    } else {
      const ch = substrate.childOf(this.world, this.ref);
      this.doneCh = substrate.reviveRef(this.world, ch, false) as Channel<void>;
    }
    return this.doneCh;
  }

  /**
   * Why the context is done: `undefined` while it is not, then {@link Canceled}
   * or {@link DeadlineExceeded} (Go's `ctx.Err()`). One atomic load: cheap to
   * poll in a loop.
   *
   * @example
   * ```ts
   * for (const item of items) { if (ctx.err()) break; await handle(item); }
   * ```
   */
  err(): Error | undefined {
    const s = Atomics.load(this.world.i32, this.sb + STATE);
    return s === ACTIVE ? undefined : s === CANCELED ? Canceled : DeadlineExceeded;
  }

  /**
   * The deadline, if this context or an ancestor has one (Go's `ctx.Deadline()`).
   *
   * @example
   * ```ts
   * const d = ctx.deadline(); if (d) console.log('ms left:', d.getTime() - Date.now());
   * ```
   */
  deadline(): Date | undefined {
    const t = this.deadlineMs();
    return Number.isNaN(t) ? undefined : new Date(t);
  }

  /**
   * The value stored under `key` by `withValue` in this context or the
   * nearest ancestor that has one; `undefined` if none (Go's `ctx.Value(key)`).
   *
   * @example
   * ```ts
   * const ctx = withValue(background(), 'requestId', 'r-42');
   * ctx.value('requestId'); // 'r-42', on any thread
   * ```
   */
  value<T = unknown>(key: string): T | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking up the chain
    for (let c: Context | undefined = this; c !== undefined; c = c.parent()) {
      if (c.kind === K_VALUE && c.key() === key) return c.storedValue() as T;
    }
    return undefined;
  }

  /**
   * Go's `String()` of a context: how it was derived.
   *
   * @example
   * ```ts
   * String(withCancel(background())[0]); // 'context.Background.WithCancel'
   * ```
   */
  toString(): string {
    switch (this.kind) {
      case K_BACKGROUND:
        return 'context.Background';
      case K_TODO:
        return 'context.TODO';
      case K_CANCEL:
        return `${String(this.parent())}.WithCancel`;
      case K_TIMER:
        return `${String(this.parent())}.WithDeadline(${new Date(this.deadlineMs()).toISOString()})`;
      default:
        return `${String(this.parent())}.WithValue(${JSON.stringify(this.key())})`;
    }
  }

  /** @internal the parent context (revived on this thread on first use). */
  parent(): Context | undefined {
    if (this.parentCtx !== undefined) return this.parentCtx;
    const p = this.world.i32[this.b + PARENT]!;
    if (p === 0) return undefined;
    this.parentCtx = substrate.reviveRef(this.world, p, false) as Context;
    return this.parentCtx;
  }

  /** @internal */
  deadlineMs(): number {
    return new Float64Array(this.world.sab, (this.b + DEADLINE) * 4, 1)[0]!;
  }

  /** @internal the cancel cause (decoded once per thread, by the context that holds it). */
  causeOf(): unknown {
    const i32 = this.world.i32;
    const state = Atomics.load(i32, this.sb + STATE);
    if (state === ACTIVE) return undefined;
    const from = Atomics.load(i32, this.sb + CAUSEFROM);
    if (from === 0) return state === CANCELED ? Canceled : DeadlineExceeded;
    const holder =
      from === this.ref ? this : (substrate.reviveRef(this.world, from, false) as Context);
    if (holder.causeCache === undefined) {
      const v = Atomics.load(i32, holder.b + CAUSE);
      holder.causeCache = { v: decodeStored(readBytes(holder.world, v)) };
    }
    return holder.causeCache.v;
  }

  /** @internal remembers the cause given on this thread (so cause() returns that very object here). */
  setCauseCache(v: unknown): void {
    this.causeCache = { v };
  }

  private key(): string {
    if (this.keyCache === undefined) {
      this.keyCache = dec.decode(readBytes(this.world, this.world.i32[this.b + VKEY]!));
    }
    return this.keyCache;
  }

  private storedValue(): unknown {
    if (this.valCache === undefined) {
      this.valCache = { v: decodeStored(readBytes(this.world, this.world.i32[this.b + VAL]!)) };
    }
    return this.valCache.v;
  }

  /** @internal used by `create`. */
  static adopt(
    world: World,
    ref: number,
    done: Channel<void> | undefined,
    parent?: Context,
  ): Context {
    reviving = { world, ref };
    const c = new Context();
    c.doneCh = done;
    c.parentCtx = parent;
    return c;
  }
}

/** Allocates a context block of `kind` under `parent`; the caller's thread owns it. */
function create(
  kind: number,
  parent: Context | undefined,
  deadline: number,
  value?: { key: string; v: unknown },
): Context {
  const world = parent?.world ?? substrate.defaultWorld();
  const done = kind === K_VALUE ? undefined : chan<void>(0);
  const ref = substrate.allocObject(world, TYPE_ID, WORDS, done === undefined ? 0 : done.id);
  const i32 = world.i32;
  const b = ref + H;
  i32[b + KIND] = kind;
  if (parent !== undefined) {
    substrate.retain(world, parent.ref);
    i32[b + PARENT] = parent.ref;
  }
  new Float64Array(world.sab, (b + DEADLINE) * 4, 1)[0] = deadline;
  if (value !== undefined) {
    i32[b + VKEY] = substrate.storeValue(world, enc.encode(value.key));
    i32[b + VAL] = substrate.storeValue(world, encodeStored(value.v));
  }
  const ctx = Context.adopt(world, ref, done, parent);
  substrate.rememberObject(world, ref, ctx);
  return ctx;
}

function checkContext(what: string, parent: unknown): asserts parent is Context {
  if (!(parent instanceof Context)) throw errors.notContext(what, parent);
}

// ---------------------------------------------------------------------------
// Cancellation (works on block addresses: any thread, no JS object needed)

/**
 * Cancels the context at `ref` with `code` and its own `cause` (encoded), or
 * the cause held by `causeFrom` (an ancestor; 0 = none). Returns false if it
 * was already done. Detaches and cancels its children; with `unlinkSelf`,
 * leaves its ancestor's child list.
 */
function cancelRef(
  world: World,
  ref: number,
  code: number,
  cause: Uint8Array | undefined,
  causeFrom: number,
  unlinkSelf: boolean,
): boolean {
  const i32 = world.i32;
  const b = ref + H;
  const children: number[] = [];
  substrate.ilock(world, i32, b + LOCK);
  try {
    if (i32[b + STATE] !== ACTIVE) return false;
    if (cause !== undefined) {
      Atomics.store(i32, b + CAUSE, substrate.storeValue(world, cause));
      causeFrom = ref;
    }
    Atomics.store(i32, b + CAUSEFROM, causeFrom);
    Atomics.store(i32, b + STATE, code);
    for (let c = i32[b + HEAD]!; c !== 0; c = i32[c + H + NEXT]!) {
      children.push(c);
      i32[c + H + INLIST] = 0;
    }
    i32[b + HEAD] = 0;
  } finally {
    substrate.iunlock(i32, b + LOCK);
  }
  const done = substrate.reviveRef(world, substrate.childOf(world, ref), false) as Channel<void>;
  done.close();
  stopTimer(world, ref);
  for (const c of children) {
    cancelRef(world, c, code, undefined, causeFrom, false);
    substrate.release(world, c); // the list's reference
  }
  if (unlinkSelf) unlink(world, ref);
  return true;
}

/** Takes `ref` out of its ancestor's child list, if it is still there. */
function unlink(world: World, ref: number): void {
  const i32 = world.i32;
  const b = ref + H;
  const link = i32[b + LINK]!;
  if (link === 0) return;
  const lb = link + H;
  let removed = false;
  substrate.ilock(world, i32, lb + LOCK);
  try {
    if (i32[b + INLIST] === 1) {
      const prev = i32[b + PREV]!;
      const next = i32[b + NEXT]!;
      if (prev === 0) i32[lb + HEAD] = next;
      else i32[prev + H + NEXT] = next;
      if (next !== 0) i32[next + H + PREV] = prev;
      i32[b + INLIST] = 0;
      removed = true;
    }
  } finally {
    substrate.iunlock(i32, lb + LOCK);
  }
  if (removed) substrate.release(world, ref);
}

/** Go's propagateCancel: list `child` under its nearest cancelable ancestor, or cancel it now. */
function propagate(parent: Context, child: Context): void {
  const world = child.world;
  const i32 = world.i32;
  const anc = parent.sb - H; // nearest non-value ancestor (or the parent itself)
  const kind = i32[anc + H + KIND]!;
  if (kind === K_BACKGROUND || kind === K_TODO) return;
  const ab = anc + H;
  const cb = child.ref + H;
  let code: number;
  let causeFrom = 0;
  substrate.ilock(world, i32, ab + LOCK);
  try {
    code = i32[ab + STATE]!;
    if (code === ACTIVE) {
      i32[cb + LINK] = anc;
      const head = i32[ab + HEAD]!;
      i32[cb + NEXT] = head;
      i32[cb + PREV] = 0;
      if (head !== 0) i32[head + H + PREV] = child.ref;
      i32[ab + HEAD] = child.ref;
      i32[cb + INLIST] = 1;
      substrate.retain(world, child.ref); // the list's reference
    } else {
      causeFrom = i32[ab + CAUSEFROM]!;
    }
  } finally {
    substrate.iunlock(i32, ab + LOCK);
  }
  if (code !== ACTIVE) cancelRef(world, child.ref, code, undefined, causeFrom, false);
}

/** Cancels `ctx` with `code`; the first cancel wins, later ones do nothing. */
function cancelCtx(ctx: Context, code: number, cause: unknown): void {
  const { world, ref } = ctx;
  if (Atomics.load(world.i32, ref + H + STATE) !== ACTIVE) return;
  const bytes =
    cause === undefined || cause === Canceled || cause === DeadlineExceeded
      ? undefined
      : encodeStored(cause);
  if (cancelRef(world, ref, code, bytes, 0, true) && bytes !== undefined) ctx.setCauseCache(cause);
}

/**
 * @internal Cancels `ctx` with `cause` from any thread (pipelines and pools use
 * it from their goroutines). A value context cancels nothing.
 */
export function cancelWithCause(ctx: Context, cause: unknown): void {
  if (ctx.sb !== ctx.ref + H) return;
  const k = ctx.world.i32[ctx.sb + KIND];
  if (k === K_BACKGROUND || k === K_TODO) return;
  cancelCtx(ctx, CANCELED, cause);
}

// ---------------------------------------------------------------------------
// Timers (per thread)

const timers = new Map<string, { h: unknown; ctx: Context; c: Clock }>();
let sweeper: unknown;

function stopTimer(world: World, ref: number): void {
  const key = `${world.id}:${ref}`;
  const t = timers.get(key);
  if (t === undefined) return;
  t.c.clearTimeout(t.h);
  timers.delete(key);
  if (timers.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper as NodeJS.Timeout);
    sweeper = undefined;
  }
}

/** Clears the timers of contexts that another thread cancelled. */
function sweep(): void {
  for (const t of [...timers.values()]) {
    if (t.ctx.err() !== undefined) stopTimer(t.ctx.world, t.ctx.ref);
  }
}

function armTimer(ctx: Context, deadline: number, cause: unknown): void {
  const key = `${ctx.world.id}:${ctx.ref}`;
  const c = currentClock();
  const fire = (): void => {
    const left = deadline - c.now();
    if (left > 0) {
      // Re-armed: Node clamps delays above 2^31-1 ms, and a virtual clock may fire early.
      timers.set(key, { h: c.setTimeout(fire, Math.min(left, MAX_DELAY)), ctx, c });
      return;
    }
    timers.delete(key);
    cancelCtx(ctx, EXCEEDED, cause);
  };
  timers.set(key, { h: c.setTimeout(fire, Math.min(deadline - c.now(), MAX_DELAY)), ctx, c });
  if (sweeper === undefined) {
    const h = setInterval(sweep, SWEEP_MS);
    h.unref();
    sweeper = h;
  }
}

// ---------------------------------------------------------------------------
// The public constructors

let bg: Context | undefined;
let todoCtx: Context | undefined;

/**
 * The root context: never cancelled, no deadline, no values (Go's
 * `context.Background()`). The same object on every call in a thread.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * ```
 */
export function background(): Context {
  bg ??= create(K_BACKGROUND, undefined, NaN);
  return bg;
}

/**
 * A root context for code that does not know yet which context to use (Go's
 * `context.TODO()`); behaves as `background()`.
 *
 * @example
 * ```ts
 * await fetchAll(todo());
 * ```
 */
export function todo(): Context {
  todoCtx ??= create(K_TODO, undefined, NaN);
  return todoCtx;
}

/**
 * A child of `parent` with its own cancel function (Go's
 * `context.WithCancel`). The child is done when `cancel` is called or when
 * the parent is done, whichever happens first - on whatever threads those
 * happen; a child of a context that is already done is done at once.
 * `cancel` is idempotent and takes an optional cause (see {@link cause}).
 * Always call it when the work is over: it releases the child.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * try { await work(ctx); } finally { cancel(); }
 * ```
 */
export function withCancel(parent: Context): [Context, CancelFunc] {
  checkContext('withCancel', parent);
  const ctx = create(K_CANCEL, parent, parent.deadlineMs());
  propagate(parent, ctx);
  return [ctx, (cause?: unknown) => cancelCtx(ctx, CANCELED, cause)];
}

/**
 * Go's `context.WithCancelCause`: `withCancel`, whose cancel function records
 * why (`cause(ctx)` returns it; `ctx.err()` is still `Canceled`).
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancelCause(background());
 * cancel(new Error('shutting down'));
 * cause(ctx); // Error: shutting down
 * ```
 */
export function withCancelCause(parent: Context): [Context, CancelFunc] {
  checkContext('withCancelCause', parent);
  return withCancel(parent);
}

function toMs(what: string, d: Date | number): number {
  const t = d instanceof Date ? d.getTime() : d;
  if (typeof t !== 'number' || Number.isNaN(t)) throw errors.badDate(what, d);
  return t;
}

/**
 * A child of `parent` that is cancelled at `deadline` (a Date or ms since the
 * epoch) with `DeadlineExceeded` (Go's `context.WithDeadline`). If the parent's
 * deadline is earlier, this is `withCancel(parent)`. The timer runs on this
 * thread and stops when the context is cancelled.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withDeadline(background(), new Date(Date.now() + 5_000));
 * try { await work(ctx); } finally { cancel(); }
 * ```
 */
export function withDeadline(parent: Context, deadline: Date | number): [Context, CancelFunc] {
  checkContext('withDeadline', parent);
  return deadlineCtx(parent, toMs('withDeadline', deadline), undefined);
}

/**
 * Go's `context.WithDeadlineCause`: `withDeadline`, and when the deadline
 * passes `cause(ctx)` is `cause` (`ctx.err()` is still `DeadlineExceeded`).
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withDeadlineCause(background(), Date.now() + 100, new Error('slow backend'));
 * ```
 */
export function withDeadlineCause(
  parent: Context,
  deadline: Date | number,
  cause: unknown,
): [Context, CancelFunc] {
  checkContext('withDeadlineCause', parent);
  return deadlineCtx(parent, toMs('withDeadlineCause', deadline), cause);
}

/**
 * `withDeadline(parent, now + ms)` (Go's `context.WithTimeout`).
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withTimeout(background(), 100);
 * try {
 *   await select([onRecv(ctx.done()), onRecv(reply)]);
 *   if (ctx.err() === DeadlineExceeded) console.log('timed out');
 * } finally { cancel(); }
 * ```
 */
export function withTimeout(parent: Context, ms: number): [Context, CancelFunc] {
  checkContext('withTimeout', parent);
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) throw errors.badMs('withTimeout', ms);
  return deadlineCtx(parent, currentClock().now() + ms, undefined);
}

/**
 * Go's `context.WithTimeoutCause`: `withTimeout` with the cause recorded when
 * the time runs out.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withTimeoutCause(background(), 100, new Error('backend too slow'));
 * ```
 */
export function withTimeoutCause(
  parent: Context,
  ms: number,
  cause: unknown,
): [Context, CancelFunc] {
  checkContext('withTimeoutCause', parent);
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw errors.badMs('withTimeoutCause', ms);
  }
  return deadlineCtx(parent, currentClock().now() + ms, cause);
}

function deadlineCtx(parent: Context, deadline: number, cause: unknown): [Context, CancelFunc] {
  const pd = parent.deadlineMs();
  if (!Number.isNaN(pd) && pd <= deadline) return withCancel(parent);
  const ctx = create(K_TIMER, parent, deadline);
  propagate(parent, ctx);
  const cancel: CancelFunc = (c?: unknown) => cancelCtx(ctx, CANCELED, c);
  if (ctx.err() !== undefined) return [ctx, cancel];
  if (deadline - currentClock().now() <= 0) {
    cancelCtx(ctx, EXCEEDED, cause);
    return [ctx, cancel];
  }
  armTimer(ctx, deadline, cause);
  return [ctx, cancel];
}

/**
 * A child of `parent` carrying `value` under `key` (Go's `context.WithValue`),
 * readable with `ctx.value(key)` on any thread. Keys are strings (they cross
 * threads); values are copied with structured-clone semantics, and gocsp
 * shared objects in them stay live (and are kept for the life of the process).
 * It is done when its parent is.
 *
 * @example
 * ```ts
 * const ctx = withValue(background(), 'user', { id: 7 });
 * await spawn((c: Context) => c.value('user'), ctx); // { id: 7 }
 * ```
 */
export function withValue(parent: Context, key: string, value: unknown): Context {
  checkContext('withValue', parent);
  if (typeof key !== 'string') throw errors.badKey(key);
  return create(K_VALUE, parent, parent.deadlineMs(), { key, v: value });
}

/**
 * Why `ctx` was cancelled (Go's `context.Cause`): the cause given to its
 * cancel function (or inherited from the ancestor whose cancellation reached
 * it), else `ctx.err()`; `undefined` while it is not done.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * cancel(new Error('user left'));
 * cause(ctx); // Error: user left;  ctx.err() === Canceled
 * ```
 */
export function cause(ctx: Context): unknown {
  checkContext('cause', ctx);
  return ctx.causeOf();
}

// ---------------------------------------------------------------------------
// Registration: revive in every thread, free the block's parts.

substrate.registerFreeHook(TYPE_ID, (world, ref) => {
  const i32 = world.i32;
  const b = ref + H;
  for (const w of [CAUSE, VKEY, VAL]) {
    const v = i32[b + w]!;
    if (v !== 0) substrate.takeValue(world, v);
  }
  const parent = i32[b + PARENT]!;
  if (parent !== 0) substrate.release(world, parent);
});

substrate.registerSharedType(
  TYPE_ID,
  TYPE,
  (world, ref) => {
    reviving = { world, ref };
    try {
      return new Context();
    } finally {
      reviving = undefined;
    }
  },
  import.meta.url,
);
