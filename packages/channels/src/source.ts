/**
 * Select sources: the one extension point of `select`. A receive whose
 * values come from outside shared memory (a remote channel over the
 * network, ...) can stand in a select beside local channels, as
 * `onRecv(source)`, by exposing a {@link SelectSource} under the well-known
 * key {@link selectSource} (`Symbol.for('gocsp.selectSource')`, so two copies
 * of this package agree on it).
 *
 * ## The protocol (select.ts runs the select side)
 *
 * 1. Pass 1 (poll order is random over every case, sources included):
 *    `poll()` is called synchronously, while the select holds the locks of
 *    its local channels. It must not block or call back into channels. It
 *    returns a value it *gives away* (`[v, true]`: taken from the source now,
 *    e.g. from a local prefetch), the closed mark (`[undefined, false]`:
 *    closed and drained), or `undefined` (nothing ready at this instant). A
 *    value is taken only when it is returned; the select then completes with
 *    it. So a non-blocking select with a source sees what the source has at
 *    hand, never waits for the network.
 * 2. Pass 2 (no case was ready and there is no default): after the local
 *    cases are queued and their locks released, `arm(waiter)` is called once
 *    per source case. The source keeps the waiter until the returned disarm
 *    function is called, and may use it at any later time - never from inside
 *    `arm` itself:
 *    - `waiter.claim()`: one CAS on the select's group word, the same claim a
 *      local channel's partner makes (0 -> case index + 1). `true` means this
 *      case won the select and no other case can fire any more: the source
 *      must then call exactly one of `fire(v, ok)` (hand over a value, or
 *      `(undefined, false)` for closed and drained) or `fail(err)` (the
 *      select rejects with `err`), promptly. `false` means another case won
 *      (or the select is over): the source keeps whatever it was about to
 *      hand over - at the front of its queue, so one receiver still sees the
 *      source's values in order - and must not touch the waiter again.
 *    - claim before taking: a source that fetched a value claims first and
 *      only then commits it (acknowledges it, removes it from its queue).
 * 3. Pass 3: once a case fired (local or source), the select calls every
 *    disarm function it got. After disarm, `claim()` returns false without
 *    touching shared memory (the group word may be freed and reused), so a
 *    late callback of the source is harmless. A deadlock verdict disarms the
 *    same way.
 *
 * Only receive cases: `onSend` takes local channels only (a source has no
 * way to take back a value sent over the network once the select lost).
 */

/**
 * The key under which a select source exposes itself:
 * `Symbol.for('gocsp.selectSource')`.
 *
 * @example
 * ```ts
 * class MyQueue<T> { get [selectSource](): SelectSource<T> { return this.src; } }
 * await select([onRecv(myQueue), onRecv(after(100), () => 'timeout')]);
 * ```
 */
export const selectSource: unique symbol = Symbol.for('gocsp.selectSource');

/** What a parked select hands to each armed source (see the protocol above). */
export interface SelectWaiter<T> {
  /** Claims the select for this case; `true` = won, then call fire or fail once. */
  claim(): boolean;
  /** Completes the select with a value (`ok` true) or the closed mark (`undefined, false`). */
  fire(v: T | undefined, ok: boolean): void;
  /** Completes the select by rejecting it with `err` (after a won claim). */
  fail(err: unknown): void;
}

/** A receive that can stand in a select beside local channels. */
export interface SelectSource<T> {
  /** Pass 1: a value given away now, the closed mark, or `undefined` (nothing ready). */
  poll(): [T, true] | [undefined, false] | undefined;
  /** Pass 2: keep `waiter` until the returned function is called. */
  arm(waiter: SelectWaiter<T>): () => void;
}

/** Anything that exposes a select source, e.g. `@gocsp/nats`' RemoteChannel. */
export interface Selectable<T> {
  readonly [selectSource]: SelectSource<T>;
}

/**
 * True if `v` exposes a select source (and so can be an `onRecv` case).
 *
 * @example
 * ```ts
 * if (isSelectable(x)) await select([onRecv(x), onDefault()]);
 * ```
 */
export function isSelectable(v: unknown): v is Selectable<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && selectSource in v;
}
