/**
 * fanOut: work distribution. `n` loops on the calling thread take from one
 * input, each putting on its own output: a value goes to whichever output
 * has room (Go's "multiple functions reading from one channel").
 */
import { chan, type Channel } from '@gocsp/channels';
import { errors } from './errors.js';
import {
  checkChannel,
  closeQuietly,
  flowOptions,
  pump,
  type FlowOptions,
} from './internal/flow.js';

/**
 * Go's fan-out: `n` channels sharing the values of `ch` - each value goes to
 * exactly one of them, the first with room. All are closed once `ch` is closed
 * and drained. Each output holds `capacity` values (default 16).
 *
 * @example
 * ```ts
 * const [a, b] = fanOut(jobs, 2);
 * go(tasks.consume, a); go(tasks.consume, b);
 * ```
 */
export function fanOut<T>(ch: Channel<T>, n: number, opts: FlowOptions = {}): Channel<T>[] {
  checkChannel('fanOut', ch);
  if (!Number.isInteger(n) || n < 1) throw errors.badCount('fanOut: n', n);
  const { capacity, done } = flowOptions('fanOut', opts, 16);
  const outs = Array.from({ length: n }, () => chan<T>(capacity));
  for (const out of outs) void pump(ch, out, done, () => closeQuietly(out));
  return outs;
}
