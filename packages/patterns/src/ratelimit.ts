/**
 * rateLimit: a token bucket between two channels (Go's "rate limiting" with
 * a ticker, plus bursts). One loop on the calling thread; waits are timers
 * on the package clock (clock.ts).
 */
import { chan, currentClock, type Channel } from '@gocsp/channels';
import { errors } from './errors.js';
import {
  END,
  checkChannel,
  closeQuietly,
  flowOptions,
  put,
  sleepOrDone,
  take,
  type FlowOptions,
} from './internal/flow.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions extends FlowOptions {
  /** Values that may pass at once after a quiet period (default 1: evenly spaced). */
  burst?: number;
}

/**
 * The values of `ch`, at most `perSecond` per second (evenly spaced, or in
 * bursts of up to `burst` after a quiet period). The output is unbuffered by
 * default, so the pace is the pace at which consumers receive. Closed once
 * `ch` is closed and drained.
 *
 * @example
 * ```ts
 * for await (const req of rateLimit(requests, 10)) await send(req); // <= 10 per second
 * ```
 */
export function rateLimit<T>(
  ch: Channel<T>,
  perSecond: number,
  opts: RateLimitOptions = {},
): Channel<T> {
  checkChannel('rateLimit', ch);
  if (typeof perSecond !== 'number' || !(perSecond > 0)) throw errors.badRate(perSecond);
  const burst = opts.burst ?? 1;
  if (!Number.isInteger(burst) || burst < 1) throw errors.badCount('rateLimit: burst', burst);
  const { capacity, done } = flowOptions('rateLimit', opts, 0);
  const out = chan<T>(capacity);
  const interval = 1000 / perSecond;
  void (async () => {
    const clk = currentClock();
    let tokens = burst;
    let last = clk.now();
    try {
      for (;;) {
        let v = take(ch, done);
        if (v instanceof Promise) v = await v;
        if (v === END) return;
        const now = clk.now();
        tokens = Math.min(burst, tokens + (now - last) / interval);
        last = now;
        if (tokens < 1) {
          if (!(await sleepOrDone((1 - tokens) * interval, done))) return;
          const t = clk.now();
          tokens = Math.min(burst, tokens + (t - last) / interval);
          last = t;
        }
        tokens -= 1;
        let sent = put(out, v, done);
        if (sent instanceof Promise) sent = await sent;
        if (!sent) return;
      }
    } catch {
      // the output was closed under us, or a deadlock was reported: stop
    } finally {
      closeQuietly(out);
    }
  })();
  return out;
}
