/**
 * The two blocking steps every loop of this package is made of: take a value
 * from an input unless the context is done, and put a value on an output
 * unless the context is done (Go's `select { case v := <-in: ...; case
 * <-ctx.Done(): return }`).
 *
 * Fast paths first: a value ready in the input (or room in the output) is
 * taken with one non-blocking operation, no select and no promise; a select
 * over the channel and `done` is built only when the operation would block.
 * A loop polls `ctx.err()` (one atomic load) before each step, so a cancelled
 * context stops it even while the fast path keeps succeeding.
 */
import { Channel, chan, currentClock, onRecv, onSend, select } from '@gocsp/channels';
import { Context, background } from '../context.js';
import { errors } from '../errors.js';
import type { Receivable } from './recv.js';

/** Returned by `take` when the input is closed and drained, or the context is done. */
export const END: unique symbol = Symbol('gocsp.patterns.end');

/**
 * The next value of `input`, or END once it is closed or `done` is closed.
 * A local Channel is tried without blocking first; a RecvChannel (recv.ts)
 * goes straight to the select.
 */
export function take<T>(
  input: Receivable<T>,
  done: Channel<void>,
): T | typeof END | Promise<T | typeof END> {
  if (input instanceof Channel) {
    const r = input.tryRecv();
    if (r !== undefined) return r[1] ? r[0] : END;
  }
  return select([
    onRecv(input, (v, ok): T | typeof END => (ok ? (v as T) : END)),
    onRecv(done, (): typeof END => END),
  ]);
}

/** Puts `v` on `output`; false if `done` closed first (then nothing was sent). */
export function put<T>(output: Channel<T>, v: T, done: Channel<void>): boolean | Promise<boolean> {
  if (output.trySend(v)) return true;
  return select([onSend(output, v, () => true), onRecv(done, () => false)]);
}

/** Closes `ch` unless it is closed already. */
/**
 * Moves values from `input` to `output` until `input` is closed and drained,
 * `done` is closed, or `output` refuses one (closed under us: a send error or
 * a reported deadlock also ends it quietly). Then runs `finish` (e.g. closing
 * the output once every pump into it ended).
 */
export async function pump<T>(
  input: Receivable<T>,
  output: Channel<T>,
  done: Channel<void>,
  finish: () => void,
): Promise<void> {
  try {
    for (;;) {
      let v = take(input, done);
      if (v instanceof Promise) v = await v;
      if (v === END) return;
      let sent = put(output, v, done);
      if (sent instanceof Promise) sent = await sent;
      if (!sent) return;
    }
  } catch {
    // the output was closed under us, or a deadlock was reported: stop
  } finally {
    finish();
  }
}

export function closeQuietly(ch: Channel<unknown>): void {
  try {
    ch.close();
  } catch {
    // already closed
  }
}

/** Options of the channel helpers (merge, fanOut, tee, batch, rateLimit). */
export interface FlowOptions {
  /** Capacity of each output channel (default 16; rateLimit: 0). */
  capacity?: number;
  /** Stop early (closing the outputs) when this context is done. */
  ctx?: Context;
}

/** Validated capacity and the `done` channel of a helper's options. */
export function flowOptions(
  what: string,
  opts: FlowOptions,
  defaultCapacity: number,
): { capacity: number; ctx: Context | undefined; done: Channel<void> } {
  const capacity = opts.capacity ?? defaultCapacity;
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw errors.badCount(`${what}: capacity`, capacity, 0);
  }
  if (opts.ctx !== undefined && !(opts.ctx instanceof Context))
    throw errors.notContext(what, opts.ctx);
  const ctx = opts.ctx;
  return { capacity, ctx, done: (ctx ?? background()).done() };
}

/** Throws unless `ch` is a Channel. */
export function checkChannel(what: string, ch: unknown): asserts ch is Channel<unknown> {
  if (!(ch instanceof Channel)) throw errors.notChannel(what, ch);
}

/**
 * A channel that receives one value after `ms` on the package clock (ref'd,
 * see clock.ts); `stop()` clears the timer.
 */
export function timerChan(ms: number): { c: Channel<number>; stop(): void } {
  const c = chan<number>(1);
  const clk = currentClock();
  const h = clk.setTimeout(() => c.trySend(clk.now()), ms);
  return { c, stop: () => clk.clearTimeout(h) };
}

/** Waits `ms` (package clock); false if `done` closed first. */
export async function sleepOrDone(ms: number, done: Channel<void>): Promise<boolean> {
  const t = timerChan(ms);
  try {
    return await select([onRecv(t.c, () => true), onRecv(done, () => false)]);
  } finally {
    t.stop();
  }
}
