/**
 * fromIterable and collect: the two ends of a pipeline, on the calling thread.
 */
import * as substrate from '@gocsp/core/internal';
import { Channel, onRecv, onSend, select } from '@gocsp/channels';
import { background, cancelWithCause, cause, withCancel, type Context } from './context.js';
import { errors } from './errors.js';
import { closeQuietly } from './internal/flow.js';
import type { Receivable } from './internal/recv.js';
import { StreamChannel } from './stream.js';

/** Options of {@link fromIterable}. */
export interface FromIterableOptions {
  /** Capacity of the channel (default 64). */
  capacity?: number;
  /** Stop feeding (and close the channel) when this context is done. */
  ctx?: Context;
}

/**
 * @internal Feeds `it` into `ch` on this thread until it ends or `ctx` is
 * done, then closes `ch`. An error thrown by the iterable goes to `onError`.
 */
export function feed<T>(
  it: Iterable<T> | AsyncIterable<T>,
  ch: Channel<T>,
  ctx: Context,
  onError: (e: unknown) => void,
): Promise<void> {
  const done = ctx.done();
  const put = async (v: T): Promise<boolean> => {
    if (ch.trySend(v)) return true;
    return select([onSend(ch, v, () => true), onRecv(done, () => false)]);
  };
  return (async () => {
    try {
      if (Symbol.asyncIterator in it) {
        for await (const v of it) {
          if (ctx.err() !== undefined || !(await put(v))) break;
        }
      } else {
        for (const v of it) {
          if (ctx.err() !== undefined) break;
          if (ch.trySend(v)) continue;
          if (!(await put(v))) break;
        }
      }
    } catch (e) {
      onError(e);
    } finally {
      closeQuietly(ch);
    }
  })();
}

/**
 * A channel fed with the values of `it` (sync or async iterable) by a loop on
 * this thread, closed after the last one: Go's generator pattern. The loop
 * stops early if `ctx` is done. If the iterable throws, the channel is closed
 * and its `wait()` (or the end of a `for await` over it) reports the error.
 *
 * @example
 * ```ts
 * const nums = fromIterable([1, 2, 3]);
 * await collect(nums); // [1, 2, 3]
 * ```
 */
export function fromIterable<T>(
  it: Iterable<T> | AsyncIterable<T>,
  opts: FromIterableOptions = {},
): StreamChannel<T> {
  if (
    typeof it !== 'object' ||
    it === null ||
    !(Symbol.iterator in it || Symbol.asyncIterator in it)
  ) {
    if (typeof it !== 'string') {
      throw new TypeError(
        `fromIterable: expected an iterable or async iterable, got ${substrate.shown(it)}`,
      );
    }
  }
  const capacity = opts.capacity ?? 64;
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw errors.badCount('fromIterable: capacity', capacity, 0);
  }
  const ch = new StreamChannel<T>(capacity);
  const [ctx, cancel] = withCancel(opts.ctx ?? background());
  const fed = feed(it, ch, ctx, (e) => cancelWithCause(ctx, e));
  ch.bind(ctx, cancel, async () => {
    await fed;
    const failed = ctx.err() !== undefined;
    const why = failed ? cause(ctx) : undefined;
    cancel();
    if (failed) throw why;
  });
  return ch;
}

/** Options of {@link collect}. */
export interface CollectOptions {
  /** Stop collecting when this context is done (the values so far are returned). */
  ctx?: Context;
}

/**
 * Receives every value of `ch` until it is closed and resolves with them in
 * order. For a pipeline's output (a StreamChannel) it rejects with the
 * pipeline's error instead, if it failed. `ch` may also be another receive
 * end, such as a remote channel (`@gocsp/nats`).
 *
 * @example
 * ```ts
 * const squares = await collect(pipeline(fromIterable([1, 2, 3]), stage((x: number) => x * x)));
 * // [1, 4, 9]
 * ```
 */
export async function collect<T>(ch: Receivable<T>, opts: CollectOptions = {}): Promise<T[]> {
  if (typeof ch !== 'object' || ch === null || typeof ch.recvOk !== 'function') {
    throw errors.notChannel('collect', ch);
  }
  const out: T[] = [];
  if (opts.ctx === undefined) {
    if (ch instanceof Channel) {
      // Take what is ready as runs (one release per run, see recvMany).
      for (let got = await ch.recvMany(256); got.length > 0; got = await ch.recvMany(256)) {
        for (const v of got) out.push(v);
      }
    } else {
      for (;;) {
        const [v, ok] = await ch.recvOk();
        if (!ok) break;
        out.push(v);
      }
    }
    if (ch instanceof StreamChannel) await ch.wait();
    return out;
  }
  const done = opts.ctx.done();
  for (;;) {
    const r = await select([
      onRecv(ch, (v, ok) => (ok ? { v: v as T } : null)),
      onRecv(done, () => null),
    ]);
    if (r === null) break;
    out.push(r.v);
  }
  if (ch instanceof StreamChannel && opts.ctx.err() === undefined) await ch.wait();
  return out;
}
