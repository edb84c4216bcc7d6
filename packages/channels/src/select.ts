/**
 * select: Go's select statement (runtime/select.go), as fixed steps over one
 * claim word per select (its group), calling the shared flavors' select
 * functions (internal/flavors/shared.ts; array.ts and zero.ts say how each
 * answers). Local channels are promoted first.
 *
 * 1. Prepare every send value (the codec's TypeError now, nothing sent) and
 *    shuffle the cases: a uniform random poll order is the fairness.
 * 2. Pass 1: in poll order, the first case that can proceed now does
 *    (`selTryRecv` / `selTrySend`: a partner waiting, room or a value in the
 *    buffer, or a closed channel). Each of these is atomic on its own
 *    channel. With a default case, "no case ready" must hold at one instant
 *    across channels, since the buffered ones take no lock: every case's
 *    probe is collected twice in a row, and only equal collects that say
 *    "not ready" take the default; anything else runs pass 1 again (someone
 *    else made progress in between, so this cannot spin for nothing).
 * 3. Pass 2: a group block (word 0 = the claim word, 0 = open) and one node
 *    per case pointing at it, each queued on its channel (`register`) and
 *    parked.
 * 4. Re-check: if a case could proceed now (`ready`: its partner came
 *    between pass 1 and the queueing), claim the group for nobody (CAS
 *    0 -> -1): if that wins, pass 3 and back to pass 1; if it loses, a
 *    partner claimed the group first and its wake is on the way.
 * 5. A partner claims the select by the same CAS (0 -> case index + 1) and
 *    settles only that case's node (shared.ts outcomes). Its wake runs pass 3
 *    (every other node leaves its queue, or is gone already: popped as stale)
 *    and finishes the case; RETRY (a buffered channel got a value or room for
 *    it, array.ts) starts again at pass 1.
 *
 * Select sources (source.ts: a receive from outside shared memory, e.g. a
 * remote channel) take part in the same steps: polled in pass 1 in the same
 * random order (a value they give away completes the select), armed in pass
 * 2 once the local nodes are queued and re-checked (their claim is the same
 * CAS on the group word), disarmed in pass 3. They have no probe words: a
 * default is taken on their pass-1 poll ("nothing at hand now").
 */
import * as substrate from '@gocsp/core/internal';
import { Channel, sharedOf } from './channel.js';
import { errors, rejected } from './errors.js';
import {
  CLOSED,
  CLOSED_OUT,
  DELIVERED,
  EMPTY,
  N_A,
  N_B,
  N_C,
  N_D,
  type SharedChan,
} from './internal/flavors/shared.js';
import {
  isSelectable,
  selectSource,
  type Selectable,
  type SelectSource,
  type SelectWaiter,
} from './source.js';

/** One case of a select: build it with onRecv, onSend or onDefault. */
export interface SelectCase<R> {
  /** @internal */ readonly kind: 'recv' | 'send' | 'default';
  /** @internal */ readonly ch: Channel<never> | null;
  /** @internal */ readonly value?: unknown;
  /** @internal */ readonly fn?: ((v: unknown, ok: boolean) => R) | (() => R);
  /** @internal a receive from a select source (source.ts) instead of `ch`. */
  readonly src?: SelectSource<unknown>;
}

/**
 * A receive case: fires with the value (and ok = false once the channel is
 * closed and drained). A `null` channel is never ready. Besides a Channel it
 * takes a select source (source.ts), such as a `@gocsp/nats` RemoteChannel.
 *
 * @example
 * ```ts
 * await select([onRecv(ch, (v, ok) => ok ? v : 'closed'), onRecv(after(100), () => 'timeout')]);
 * ```
 */
export function onRecv<T, R = T | undefined>(
  ch: Channel<T> | Selectable<T> | null | undefined,
  fn?: (v: T | undefined, ok: boolean) => R,
): SelectCase<R> {
  if (!(ch instanceof Channel) && isSelectable(ch)) {
    return {
      kind: 'recv',
      ch: null,
      src: ch[selectSource],
      fn: (fn ?? ((v: unknown) => v)) as (v: unknown, ok: boolean) => R,
    };
  }
  return {
    kind: 'recv',
    ch: (ch ?? null) as Channel<never> | null,
    fn: (fn ?? ((v: unknown) => v)) as (v: unknown, ok: boolean) => R,
  };
}

/**
 * A send case: fires once `v` was sent. A `null` channel is never ready; a
 * closed channel makes the select throw ClosedChannelError, as in Go.
 *
 * @example
 * ```ts
 * await select([onSend(out, item), onRecv(ctx.done(), () => 'cancelled')]);
 * ```
 */
export function onSend<T, R = undefined>(
  ch: Channel<T> | null | undefined,
  v: T,
  fn?: () => R,
): SelectCase<R> {
  if (ch != null && !(ch instanceof Channel)) {
    throw new TypeError(
      'onSend: expected a Channel from @gocsp/channels (a select source such as a remote channel takes receive cases only)',
    );
  }
  return {
    kind: 'send',
    ch: (ch ?? null) as Channel<never> | null,
    value: v,
    fn: (fn ?? (() => undefined)) as () => R,
  };
}

/**
 * The default case: taken when no other case is ready. At most one.
 *
 * @example
 * ```ts
 * const got = await select([onRecv(ch), onDefault(() => 'nothing yet')]);
 * ```
 */
export function onDefault<R = undefined>(fn?: () => R): SelectCase<R> {
  return { kind: 'default', ch: null, fn: (fn ?? (() => undefined)) as () => R };
}

/** A case of one select: a channel's, or a select source's. */
interface Active {
  /** Index of the case in the caller's array (what the group claim names). */
  readonly index: number;
  readonly send: boolean;
  /** The channel's shared flavor; for a source case, unused (a placeholder). */
  readonly ch: SharedChan;
  /** The send value prepared by the channel's carrier for this attempt. */
  p: unknown;
  /** Its node in pass 2 (channel cases). */
  node: number;
  /** A select source's case (source.ts): no channel, no node. */
  readonly src?: SelectSource<unknown>;
  /** Its disarm function once armed (pass 2). */
  disarm?: (() => void) | undefined;
}

/** Placeholder `ch` of a source case (never read: every use checks `src` first). */
const NO_CHAN = null as unknown as SharedChan;

/** The claim word of a group that nobody won: its owner took it back. */
const ABORTED = -1;

/**
 * Go's select: waits until one case can proceed, performs exactly that one,
 * and resolves with its callback's result. Cases ready at once are chosen
 * uniformly at random.
 *
 * @example
 * ```ts
 * const r = await select([
 *   onRecv(results, (v) => ({ v })),
 *   onSend(jobs, next, () => 'sent'),
 *   onRecv(after(1000), () => 'timeout'),
 * ]);
 * ```
 */
export function select<const C extends ReadonlyArray<SelectCase<unknown> | null | undefined>>(
  cases: C,
): Promise<SelectResult<C>> {
  return selectImpl(cases as ReadonlyArray<SelectCase<SelectResult<C>> | null | undefined>);
}

/** The union of the results of a select's cases. */
export type SelectResult<C extends ReadonlyArray<SelectCase<unknown> | null | undefined>> =
  NonNullable<C[number]> extends SelectCase<infer R> ? R : never;

function selectImpl<R>(cases: ReadonlyArray<SelectCase<R> | null | undefined>): Promise<R> {
  let dflt: SelectCase<R> | undefined;
  const active: Active[] = [];
  try {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      if (c === null || c === undefined) continue;
      if (c.kind === 'default') {
        if (dflt !== undefined) throw new TypeError('select: more than one onDefault case');
        dflt = c;
        continue;
      }
      if (c.src !== undefined) {
        active.push({ index: i, send: false, ch: NO_CHAN, p: undefined, node: -1, src: c.src });
        continue;
      }
      if (c.ch === null) continue; // a nil channel is never ready
      active.push({
        index: i,
        send: c.kind === 'send',
        ch: sharedOf(c.ch as Channel<unknown>),
        p: undefined,
        node: -1,
      });
    }
  } catch (e) {
    return rejected(e);
  }
  if (active.length === 0) {
    if (dflt !== undefined) return Promise.resolve((dflt.fn as () => R)());
    return blockForever(cases, substrate.defaultWorld()); // select {}, or only nil channels
  }
  return attempt(cases, active, dflt);
}

/** Steps 1 to 4 (file header); resolves through step 5. */
function attempt<R>(
  cases: ReadonlyArray<SelectCase<R> | null | undefined>,
  active: Active[],
  dflt: SelectCase<R> | undefined,
): Promise<R> {
  const world = substrate.defaultWorld();
  for (;;) {
    // 1. Prepare the send values; shuffle (Fisher-Yates).
    try {
      for (const a of active) if (a.send) a.p = a.ch.carrier.prepare(cases[a.index]!.value);
    } catch (e) {
      discardAll(active, undefined);
      return rejected(e);
    }
    for (let i = active.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [active[i], active[j]] = [active[j]!, active[i]!];
    }
    // 2. Pass 1.
    for (const a of active) {
      let r: unknown;
      try {
        if (a.src !== undefined) {
          const got = a.src.poll();
          if (got === undefined) continue;
          r = (cases[a.index]!.fn as (v: unknown, ok: boolean) => R)(got[0], got[1]);
        } else if (a.send) {
          if (!a.ch.selTrySend(a.p)) continue;
          r = (cases[a.index]!.fn as () => R)();
        } else {
          const got = a.ch.selTryRecv();
          if (got === EMPTY) continue;
          const fn = cases[a.index]!.fn as (v: unknown, ok: boolean) => R;
          r = got === CLOSED ? fn(undefined, false) : fn(got, true);
        }
      } catch (e) {
        discardAll(active, a);
        return rejected(e);
      }
      discardAll(active, a);
      return Promise.resolve(r as R);
    }
    if (dflt !== undefined) {
      if (active.length > 1 && !noneReady(active)) {
        discardAll(active, undefined);
        continue;
      }
      discardAll(active, undefined);
      try {
        return Promise.resolve((dflt.fn as () => R)());
      } catch (e) {
        return rejected(e);
      }
    }
    // 3. Pass 2.
    let group: number;
    try {
      group = substrate.allocBlock(world, 0);
    } catch (e) {
      discardAll(active, undefined);
      return rejected(e);
    }
    try {
      queueAll(world, active, group);
    } catch (e) {
      return rejected(e); // (queueAll gave back what it held)
    }
    // 4. Re-check.
    const w = world.i32;
    let retry = false;
    for (const a of active) {
      if (a.src !== undefined || !a.ch.ready(a.send, group)) continue;
      if (Atomics.compareExchange(w, group, 0, ABORTED) === 0) retry = true;
      break; // (lost: a partner claimed the group; its wake is on the way)
    }
    if (!retry) return park(world, cases, active, group);
    leaveAll(world, active, undefined, false);
    substrate.freeBlock(world, group, 0);
  }
}

/**
 * The double collect of step 2: true if every case's probe says "not ready"
 * and a second collect right after is equal (so that state held at one instant).
 */
function noneReady(active: Active[]): boolean {
  const first: number[] = [];
  for (const a of active) if (a.src === undefined && a.ch.probe(a.send, first)) return false;
  const second: number[] = [];
  for (const a of active) if (a.src === undefined) a.ch.probe(a.send, second);
  for (let i = 0; i < first.length; i++) if (first[i] !== second[i]) return false;
  return true;
}

/** Gives back the prepared send values of every case but `fired`. */
function discardAll(active: Active[], fired: Active | undefined): void {
  for (const a of active) {
    if (a.send && a !== fired && a.p !== undefined) a.ch.carrier.discard(a.p);
    a.p = undefined;
  }
}

/** Pass 2: one node per case, all pointing at `group`, queued on their channels. */
function queueAll(world: substrate.World, active: Active[], group: number): void {
  const w = world.i32;
  let done = 0;
  try {
    for (const a of active) {
      if (a.src !== undefined) continue;
      let node: number;
      if (a.send) {
        // The value moves into its node; toNode and nodeWith give it back if
        // they fail, so it is no longer ours to give back (discardAll below).
        const p = a.p;
        a.p = undefined;
        node = a.ch.nodeWith(false, a.ch.carrier.toNode(p));
      } else node = a.ch.newNode(false);
      w[node + N_C] = group;
      w[node + N_D] = a.index;
      a.ch.register(a.send, node);
      a.node = node;
      done++;
    }
  } catch (e) {
    // Out of memory half way: take back what was queued.
    Atomics.store(w, group, ABORTED);
    leaveAll(world, active.slice(0, done), undefined, false);
    discardAll(active, undefined);
    substrate.freeBlock(world, group, 0);
    throw e;
  }
}

/**
 * Pass 3: every node but `won`'s leaves its queue (if a waker has not popped
 * it as stale already), gives back its send value, and is freed.
 */
function leaveAll(
  world: substrate.World,
  active: Active[],
  won: Active | undefined,
  parked: boolean,
): void {
  const parker = substrate.parkerFor(world);
  for (const b of active) {
    if (b.src !== undefined) {
      const disarm = b.disarm;
      b.disarm = undefined;
      disarm?.();
      continue;
    }
    if (b === won || b.node < 0) continue;
    b.ch.lock();
    b.ch.removeNode(b.send, b.node);
    b.ch.unlock();
    if (parked) parker.unpark(b.node);
    const a = world.i32[b.node + N_A]!;
    substrate.freeNode(world, b.node);
    if (b.send) b.ch.carrier.dropNode(a);
    b.node = -1;
  }
}

/**
 * Go's `select {}` (no case) or a select whose cases are all nil channels:
 * blocks forever, as a wait deadlock detection sees (core's blockForever).
 */
function blockForever(
  cases: ReadonlyArray<SelectCase<unknown> | null | undefined>,
  world: substrate.World,
): Promise<never> {
  const nil = cases.filter((c) => c != null && c.kind !== 'default');
  const reason =
    nil.length === 0
      ? substrate.WR_SELECT_NO_CASES
      : nil.length > 1
        ? substrate.WR_SELECT
        : nil[0]!.kind === 'send'
          ? substrate.WR_CHAN_SEND_NIL
          : substrate.WR_CHAN_RECV_NIL;
  substrate.waitReason(reason, undefined);
  return substrate.blockForever(world);
}

/**
 * Parks on every case node (wait reason 'select') and arms every source;
 * resolves with the fired case's result after pass 3, or starts again on
 * RETRY.
 */
function park<R>(
  world: substrate.World,
  cases: ReadonlyArray<SelectCase<R> | null | undefined>,
  active: Active[],
  group: number,
): Promise<R> {
  const parker = substrate.parkerFor(world);
  return new Promise<R>((resolve, reject) => {
    /** Set by pass 3: from then on a source's claim() fails without touching the freed group. */
    let over = false;
    /** Pass 3 for every case but `won`, and the group block back. */
    const end = (won: Active | undefined): void => {
      over = true;
      leaveAll(world, active, won, true);
      substrate.freeBlock(world, group, 0);
    };
    // Deadlock (or a source's arm threw): claim the group for nobody so no
    // waker can take a case, then take everything out; if a waker won, its
    // wake is on the way.
    const fail = (err: unknown): void => {
      if (over || Atomics.compareExchange(world.i32, group, 0, ABORTED) !== 0) return;
      end(undefined);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a DeadlockError, or what a source's arm threw, as is
      reject(err);
    };
    const settle = (f: () => R | Promise<R>): void => {
      try {
        const r = f();
        if (r instanceof Promise) r.then(resolve, reject);
        else resolve(r);
      } catch (e) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a callback may throw anything: passed on as is
        reject(e);
      }
    };
    const wake = (a: Active) => (): void => {
      end(a);
      const w = world.i32;
      const outcome = w[a.node + N_B]!;
      const v = w[a.node + N_A]!;
      substrate.freeNode(world, a.node);
      a.node = -1;
      const c = cases[a.index]!;
      settle(() => {
        if (a.send) {
          if (outcome === DELIVERED) return (c.fn as () => R)();
          a.ch.carrier.dropNode(v);
          if (outcome === CLOSED_OUT) throw errors.sendOnClosed();
          return attempt(cases, active, undefined);
        }
        const fn = c.fn as (v: unknown, ok: boolean) => R;
        if (outcome === DELIVERED) return fn(a.ch.carrier.fromNode(v), true);
        if (outcome === CLOSED_OUT) return fn(undefined, false);
        // RETRY: look again. If another case fires, the value this wake was
        // for stays: the next receiver parked on that channel gets the wake.
        const again = attempt(cases, active, undefined);
        a.ch.passRecvWake();
        return again;
      });
    };
    // The goroutine dump's record: one 'select' wait on these channels, in
    // case order, made of one park per case (core's waitReason).
    const local = active.filter((a) => a.src === undefined);
    if (local.length > 0) {
      const inCaseOrder = [...local].sort((x, y) => x.index - y.index).map((a) => a.ch.owner);
      substrate.waitReason(substrate.WR_SELECT, inCaseOrder, local.length);
    }
    for (const a of local) parker.park(a.node, { wake: wake(a), owner: active, fail });
    let claimedBy: Active | undefined;
    for (const a of active) {
      if (a.src === undefined) continue;
      if (over) break;
      const waiter: SelectWaiter<unknown> = {
        claim: () => {
          if (over || claimedBy !== undefined) return false;
          if (Atomics.compareExchange(world.i32, group, 0, a.index + 1) !== 0) return false;
          claimedBy = a;
          return true;
        },
        fire: (v, ok) => {
          if (claimedBy !== a || over) return;
          end(a);
          settle(() => (cases[a.index]!.fn as (v: unknown, ok: boolean) => R)(v, ok));
        },
        fail: (err) => {
          if (claimedBy !== a || over) return;
          end(a);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the source's error, as is
          reject(err);
        },
      };
      try {
        a.disarm = a.src.arm(waiter);
      } catch (e) {
        fail(e);
      }
    }
  });
}
