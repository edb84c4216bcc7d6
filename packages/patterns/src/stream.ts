/**
 * StreamChannel: the output channel of a pipeline (and of `toChannel`), a
 * plain Channel that also knows how its producers ended. Values are received
 * as from any channel; once it is closed, `wait()` (and the end of a
 * `for await` loop over it) tells whether the producers finished or failed,
 * with the first error, once.
 *
 * On another thread it is an ordinary Channel: the outcome is known on the
 * thread that built the pipeline.
 */
import * as substrate from '@gocsp/core/internal';
import { Channel } from '@gocsp/channels';
import type { CancelFunc, Context } from './context.js';

/** Most values a `for await` over a StreamChannel takes at once. */
const RUN = 256;

/**
 * A channel fed by a pipeline of producers that can fail. `wait()` settles
 * when they all ended: resolves if they finished, rejects with the first
 * error (or the cancel cause) otherwise. Iterating it with `for await` throws
 * that error after the last value; leaving the loop early cancels the
 * producers.
 *
 * @example
 * ```ts
 * const out = pipeline(fromIterable(urls), stage(tasks.fetch, { concurrency: 8 }));
 * try {
 *   for await (const page of out) save(page);
 * } catch (e) {
 *   console.error('pipeline failed:', e);
 * }
 * ```
 */
export class StreamChannel<T = unknown> extends Channel<T> {
  #ctx: Context | undefined;
  #cancel: CancelFunc | undefined;
  #finish: (() => Promise<void>) | undefined;
  #result: Promise<void> | undefined;
  #spin = false;

  /**
   * @internal binds the producers' context and how to learn their outcome;
   * `remote`: the producers run on other threads (a reader on this thread
   * spins briefly before it parks, see internal/spin.ts).
   */
  bind(ctx: Context, cancel: CancelFunc, finish: () => Promise<void>, remote = false): this {
    this.#spin = remote;
    this.#ctx = ctx;
    this.#cancel = cancel;
    this.#finish = finish;
    return this;
  }

  /**
   * The producers' context: done when they fail or are cancelled. A producer
   * feeding the pipeline's source channel should stop when it is done.
   *
   * @example
   * ```ts
   * await select([onSend(source, item), onRecv(out.ctx.done())]);
   * ```
   */
  get ctx(): Context {
    if (this.#ctx === undefined) throw new Error('this StreamChannel is not bound to producers');
    return this.#ctx;
  }

  /**
   * Settles when every producer has ended: resolves if they all finished,
   * rejects with the first error otherwise (the same promise every call).
   * Values not yet received stay in the channel.
   *
   * @example
   * ```ts
   * const out = pipeline(source, stage(tasks.parse));
   * for await (const row of out) rows.push(row); // throws the error, if any, at the end
   * await out.wait(); // or ask explicitly
   * ```
   */
  wait(): Promise<void> {
    if (this.#finish === undefined) return Promise.resolve();
    this.#result ??= this.#finish();
    return this.#result;
  }

  /**
   * Stops the producers (their context is cancelled with `cause`); `wait()`
   * then rejects with that cause (`Canceled` by default).
   *
   * @example
   * ```ts
   * setTimeout(() => out.cancel(), 1000);
   * ```
   */
  cancel(cause?: unknown): void {
    this.#cancel?.(cause);
  }

  /**
   * `for await`: the values until the channel is closed, then throws the
   * producers' error if they failed. Leaving the loop early (break, throw)
   * cancels the producers.
   *
   * @example
   * ```ts
   * for await (const v of out) if (v.last) break; // producers are cancelled
   * ```
   */
  override [Symbol.asyncIterator](): AsyncIterator<T> {
    // A plain iterator object rather than an async generator, taking what is
    // there as one run (recvMany: one release for the run, and a producer
    // parked on a full channel is woken once per run rather than once per
    // value - the per-value ping-pong measured as the main cost of a fast
    // pipeline's output). Values of a run the loop has not reached when it is
    // left go with it: the producers are cancelled then anyway.
    let state: 'open' | 'finished' | 'left' = 'open';
    let run: T[] = [];
    let i = 0;
    const finish = async (): Promise<IteratorResult<T>> => {
      state = 'finished';
      await this.wait();
      return { done: true, value: undefined };
    };
    return {
      next: async (): Promise<IteratorResult<T>> => {
        if (state !== 'open') return { done: true, value: undefined };
        if (i < run.length) return { done: false, value: run[i++]! };
        if (this.#spin && this.len === 0) {
          substrate.spinUntil(substrate.defaultWorld(), () => this.len > 0);
        }
        run = await this.recvMany(RUN);
        i = 0;
        return run.length > 0 ? { done: false, value: run[i++]! } : finish();
      },
      return: async (): Promise<IteratorResult<T>> => {
        run = [];
        if (state === 'open') {
          state = 'left';
          this.cancel();
        }
        return { done: true, value: undefined };
      },
    };
  }
}
