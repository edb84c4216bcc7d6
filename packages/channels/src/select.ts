/**
 * select: Go's select statement over channels (runtime/select.go), as fixed
 * steps over the cases' channels:
 *
 * 1. Encode every send value (outside any lock) and shuffle the cases
 *    (uniform random poll order: fairness).
 * 2. Lock every distinct channel, in increasing address order (the one lock
 *    order, see internal/hchan.ts).
 * 3. Pass 1: in poll order, the first case that can proceed now does (a
 *    waiting partner, buffer room/values, or a closed channel). With one, or
 *    with a default case, unlock and return: so a non-blocking select acts on
 *    one instant's state and never takes default while a case is ready.
 * 4. Pass 2: queue one node per case, all sharing one group word, unlock, and
 *    park. A partner claims the select by a CAS on the group word (0 -> case
 *    index + 1); only that node is woken.
 * 5. Pass 3: take the other nodes out of their queues (each under its
 *    channel's lock; a node may already be gone, popped as stale).
 *
 * Select sources (source.ts: a receive from outside shared memory, e.g. a
 * remote channel) take part in the same steps: polled in pass 1 in the same
 * random order, armed in pass 2 after the locks are released (their claim is
 * the same CAS on the group word), disarmed in pass 3.
 */
import * as substrate from '@gocsp/core/internal';
import { Channel, checkSize } from './channel.js';
import { errors, rejected } from './errors.js';
import { CLOSED, FULL, type HChan } from './internal/hchan.js';
import { storeValue, takeValue } from './internal/values.js';
import {
  isSelectable,
  selectSource,
  type Selectable,
  type SelectSource,
  type SelectWaiter,
} from './source.js';

const { N_A, N_B, N_C, N_D } = substrate;

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

interface Active {
  index: number;
  kind: 'recv' | 'send';
  /** The local channel; for a source case, unused (a placeholder). */
  ch: Channel<unknown>;
  bytes: Uint8Array | undefined;
  node: number;
  /** A select source's case (source.ts): no channel, no node. */
  src?: SelectSource<unknown>;
  /** Its disarm function once armed (pass 2). */
  disarm?: () => void;
}

/** What a parked select resumes with: the case, and a source's value. */
interface Fired {
  a: Active;
  v?: unknown;
  ok?: boolean;
}

/** Placeholder `ch` of a source case (never read: every use checks `src` first). */
const NO_CHAN = null as unknown as Channel<unknown>;

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
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    if (c === null || c === undefined) continue;
    if (c.kind === 'default') {
      if (dflt !== undefined) throw new TypeError('select: more than one onDefault case');
      dflt = c;
      continue;
    }
    if (c.src !== undefined) {
      active.push({ index: i, kind: 'recv', ch: NO_CHAN, bytes: undefined, node: -1, src: c.src });
      continue;
    }
    if (c.ch === null) continue; // a nil channel is never ready
    active.push({
      index: i,
      kind: c.kind,
      ch: c.ch,
      bytes: undefined,
      node: -1,
    });
  }
  const world = substrate.defaultWorld();
  try {
    for (const a of active) {
      if (a.kind !== 'send') continue;
      a.bytes = a.ch.codec.encode(cases[a.index]!.value);
      checkSize(a.bytes, world);
    }
  } catch (e) {
    disposeAll(active);
    return rejected(e);
  }
  // Poll order: Fisher-Yates shuffle.
  for (let i = active.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [active[i], active[j]] = [active[j]!, active[i]!];
  }
  const chans = lockOrder(active);
  const sources = active.some((a) => a.src !== undefined);
  if (chans.length === 0 && !sources && dflt === undefined) return blockForever(cases, world); // select {}
  for (const h of chans) h.lock();
  let fired: ReturnType<typeof tryCase>;
  let group = 0;
  try {
    for (const a of active) {
      fired = tryCase(a);
      if (fired !== undefined) break;
    }
    if (fired === undefined && dflt === undefined) {
      group = substrate.allocBlock(world, 0);
      for (const a of active) if (a.src === undefined) enqueue(world, a, group);
    }
  } catch (e) {
    for (const h of chans) h.unlock();
    disposeAll(active);
    return rejected(e);
  }
  for (const h of chans) h.unlock();
  if (fired !== undefined) {
    if (fired.wake >= 0) substrate.wakeNode(world, fired.wake);
    for (const a of active) if (a !== fired.a && a.bytes) a.ch.codec.dispose?.(a.bytes);
    if (fired.a.src !== undefined) {
      const f = cases[fired.a.index]!.fn as (v: unknown, ok: boolean) => R;
      return Promise.resolve(f(fired.v, fired.ok!));
    }
    return Promise.resolve(finish(cases[fired.a.index]!, fired.a, fired.bytes));
  }
  if (dflt !== undefined) {
    disposeAll(active);
    return Promise.resolve((dflt.fn as () => R)());
  }
  return park(world, active, group).then(({ a, v: sv, ok: sok }) => {
    if (a.src !== undefined)
      return (cases[a.index]!.fn as (v: unknown, ok: boolean) => R)(sv, sok!);
    const w = world.i32;
    const got = w[a.node + N_B] === 1;
    const v = w[a.node + N_A]!;
    substrate.freeNode(world, a.node);
    if (a.kind === 'send') {
      if (got) {
        a.ch.codec.dispose?.(takeValue(world, v));
        throw errors.sendOnClosed();
      }
      return finish(cases[a.index]!, a, null);
    }
    return finish(cases[a.index]!, a, got ? takeValue(world, v) : null);
  });
}

function finish<R>(c: SelectCase<R>, a: Active, bytes: Uint8Array | null): R {
  if (a.kind === 'send') return (c.fn as () => R)();
  const [v, ok] = a.ch.decoded(bytes);
  return (c.fn as (v: unknown, ok: boolean) => R)(v, ok);
}

function disposeAll(active: Active[]): void {
  for (const a of active) if (a.bytes) a.ch.codec.dispose?.(a.bytes);
}

function lockOrder(active: Active[]): HChan[] {
  const seen = new Map<number, HChan>();
  for (const a of active) if (a.src === undefined) seen.set(a.ch.h.ref, a.ch.h);
  return [...seen.values()].sort((x, y) => x.ref - y.ref);
}

/** Pass 1 for one case, all channels locked. */
function tryCase(
  a: Active,
): { a: Active; bytes: Uint8Array | null; wake: number; v?: unknown; ok?: boolean } | undefined {
  if (a.src !== undefined) {
    const r = a.src.poll();
    return r === undefined ? undefined : { a, bytes: null, wake: -1, v: r[0], ok: r[1] };
  }
  const h = a.ch.h;
  if (a.kind === 'recv') {
    const bytes = h.tryRecvLocked();
    return bytes === undefined ? undefined : { a, bytes, wake: h.woken };
  }
  if (h.i32[CLOSED] !== 0) throw errors.sendOnClosed();
  const r = h.trySendLocked(a.bytes!);
  return r === FULL ? undefined : { a, bytes: null, wake: r };
}

/** Pass 2 for one case, all channels locked. */
function enqueue(world: substrate.World, a: Active, group: number): void {
  const h = a.ch.h;
  const w = world.i32;
  const node = substrate.allocNode(world);
  w[node + N_B] = 0;
  w[node + N_C] = group;
  w[node + N_D] = a.index;
  if (a.kind === 'send') {
    w[node + N_A] = storeValue(world, a.bytes!);
    h.sendq.pushBack(node);
  } else {
    h.recvq.pushBack(node);
  }
  a.node = node;
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
 * Parks on every case node and arms every source; resolves with the case that
 * fired after pass 3 (a source's case with its value).
 */
function park(world: substrate.World, active: Active[], group: number): Promise<Fired> {
  const parker = substrate.parkerFor(world);
  const local = active.filter((a) => a.src === undefined);
  const inCaseOrder = local.sort((x, y) => x.index - y.index).map((a) => a.ch);
  substrate.waitReason(substrate.WR_SELECT, inCaseOrder, active.length);
  return new Promise<Fired>((resolve, reject) => {
    /** Set by pass 3: from then on a source's claim() fails without touching the freed group. */
    let over = false;
    let claimedBy: Active | undefined;
    // Pass 3: every case but the winner leaves its queue; every source is disarmed.
    const cleanup = (won: Active | undefined): void => {
      over = true;
      for (const b of active) {
        if (b.src !== undefined) {
          b.disarm?.();
          continue;
        }
        if (b === won) continue;
        const h = b.ch.h;
        h.lock();
        try {
          (b.kind === 'send' ? h.sendq : h.recvq).remove(b.node);
        } finally {
          h.unlock();
        }
        parker.unpark(b.node);
        if (b.kind === 'send') b.ch.codec.dispose?.(takeValue(world, world.i32[b.node + N_A]!));
        substrate.freeNode(world, b.node);
      }
      substrate.freeBlock(world, group, 0);
    };
    // Deadlock (or a source's arm threw): claim the group as no case (-1) so
    // no waker can take a case, then take everything out; if a waker won,
    // its wake is on the way.
    const fail = (err: unknown): void => {
      if (over || Atomics.compareExchange(world.i32, group, 0, -1) !== 0) return;
      cleanup(undefined);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a DeadlockError, or what a source's arm threw, as is
      reject(err);
    };
    const wake = (a: Active) => (): void => {
      cleanup(a);
      resolve({ a });
    };
    for (const a of active) {
      if (a.src === undefined) parker.park(a.node, { wake: wake(a), owner: active, fail });
    }
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
          cleanup(a);
          resolve({ a, v, ok });
        },
        fail: (err) => {
          if (claimedBy !== a || over) return;
          cleanup(a);
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
