/**
 * toChannel: an Observable into a channel. An Observable pushes and cannot be
 * made to wait, so when the channel is full the `overflow` policy decides:
 *
 * | policy | a value that does not fit |
 * | --- | --- |
 * | `'buffer'` (default) | waits in a local FIFO and is sent as room frees: nothing lost, order kept, memory unbounded |
 * | `'dropNewest'` | is dropped |
 * | `'dropOldest'` | makes room: the oldest value in the channel is dropped |
 * | `'error'` | fails the channel with an OverflowError (see `wait()`), unsubscribing |
 *
 * The channel is a StreamChannel: closed when the Observable completes (after
 * the buffered values), and `wait()` / `for await` report an Observable error
 * after the values that came before it. `cancel()` unsubscribes.
 */
import * as substrate from '@gocsp/core/internal';
import { Subject, takeUntil, type Observable } from 'rxjs';
import { GocspError } from '@gocsp/core';
import { onRecv, onSend, select } from '@gocsp/channels';
import { StreamChannel, background, cause, withCancel } from '../../index.js';

/** What toChannel does with a value the channel has no room for. */
export type OverflowPolicy = 'buffer' | 'dropNewest' | 'dropOldest' | 'error';

/** Options of {@link toChannel}. */
export interface ToChannelOptions {
  /** Capacity of the channel (default 16). */
  capacity?: number;
  /** What to do with a value that does not fit (default 'buffer'). */
  overflow?: OverflowPolicy;
}

/**
 * The error of a `toChannel(obs$, { overflow: 'error' })` channel that had
 * no room for a value.
 *
 * @example
 * ```ts
 * const ch = toChannel(clicks$, { capacity: 8, overflow: 'error' });
 * await ch.wait().catch((e) => e instanceof OverflowError);
 * ```
 */
export class OverflowError extends GocspError {
  override name = 'OverflowError';
}

const POLICIES: readonly OverflowPolicy[] = ['buffer', 'dropNewest', 'dropOldest', 'error'];

/**
 * A channel fed with the values of `obs$` (subscribed at once), closed when
 * it completes. When the channel is full, `overflow` decides: 'buffer'
 * (default, lossless), 'dropNewest', 'dropOldest' or 'error'.
 *
 * @example
 * ```ts
 * const ticks = toChannel(interval(10), { capacity: 1, overflow: 'dropOldest' }); // always the latest
 * go(tasks.consume, ticks);
 * // later: ticks.cancel() unsubscribes
 * ```
 */
export function toChannel<T>(obs$: Observable<T>, opts: ToChannelOptions = {}): StreamChannel<T> {
  if (typeof obs$ !== 'object' || obs$ === null || typeof obs$.subscribe !== 'function') {
    throw new TypeError('toChannel: expected an Observable');
  }
  const capacity = opts.capacity ?? 16;
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(
      `toChannel: capacity must be an integer >= 0, got ${substrate.shown(capacity)}`,
    );
  }
  const overflow = opts.overflow ?? 'buffer';
  if (!POLICIES.includes(overflow)) {
    throw new TypeError(
      `toChannel: overflow must be one of ${POLICIES.join(', ')}, got ${substrate.shown(overflow)}`,
    );
  }
  const ch = new StreamChannel<T>(capacity);
  const [ctx, cancelCtx] = withCancel(background());
  const done = ctx.done();
  const pending = new substrate.Fifo<T>();
  let failure: { e: unknown } | undefined; // the Observable's error, reported after the values before it
  let ended = false; // the Observable completed or failed
  let flushing = false;
  let closed = false;
  let settle: () => void = () => {};
  const finished = new Promise<void>((r) => (settle = r));

  // Unsubscribing through takeUntil also stops a source that emits
  // synchronously inside subscribe() (its subscriber is closed at once).
  const stop$ = new Subject<void>();
  const unsubscribe = (): void => {
    stop$.next();
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    try {
      ch.close();
    } catch {
      // closed by a consumer
    }
    settle();
  };
  const fail = (e: unknown): void => {
    unsubscribe();
    cancelCtx(e);
    close();
  };
  /** The Observable ended and every value it gave is in the channel. */
  const end = (): void => {
    if (failure !== undefined) cancelCtx(failure.e);
    close();
  };
  const flush = async (): Promise<void> => {
    if (flushing) return;
    flushing = true;
    try {
      while (pending.length > 0) {
        const sent = await select([
          onSend(ch, pending.peek()!, () => true),
          onRecv(done, () => false),
        ]);
        if (!sent) return;
        pending.shift();
      }
      if (ended) end();
    } catch (e) {
      fail(e);
    } finally {
      flushing = false;
    }
  };

  obs$.pipe(takeUntil(stop$)).subscribe({
    next(v) {
      if (closed || ctx.err() !== undefined) return;
      try {
        if (pending.length === 0 && ch.trySend(v)) return;
        switch (overflow) {
          case 'buffer':
            pending.push(v);
            void flush();
            return;
          case 'dropNewest':
            return;
          case 'dropOldest':
            ch.tryRecv();
            ch.trySend(v);
            return;
          case 'error':
            fail(
              new OverflowError(
                `toChannel: the channel (capacity ${capacity}) had no room for a value; receive faster, raise the capacity, or choose another overflow policy`,
              ),
            );
            return;
        }
      } catch (e) {
        fail(e);
      }
    },
    error(e: unknown) {
      ended = true;
      failure = { e };
      if (pending.length === 0) end();
      else void flush();
    },
    complete() {
      if (closed || ctx.err() !== undefined) return; // stopped by us
      ended = true;
      if (pending.length === 0) end();
      else void flush();
    },
  });

  return ch.bind(
    ctx,
    (c?: unknown) => fail(c),
    async () => {
      await finished;
      if (ctx.err() !== undefined) throw cause(ctx);
      cancelCtx();
    },
  );
}
