/**
 * merge: fan-in. One forwarding loop per input, on the calling thread, all
 * putting on one output; the output is closed when every input is closed
 * and drained (or when the context is done).
 */
import { chan, type Channel } from '@gocsp/channels';
import { checkReceivable, type Receivable } from './internal/recv.js';
import { closeQuietly, flowOptions, pump, type FlowOptions } from './internal/flow.js';

/**
 * Go's fan-in: one channel carrying the values of all `chs`, closed once all
 * of them are closed and drained. Values of one input keep their order;
 * inputs interleave as they come. A trailing options object may set the
 * output `capacity` (default 16) and a `ctx` that stops it early. Inputs may
 * be local Channels or other receive ends such as remote channels
 * (`@gocsp/nats`); the output is a local Channel.
 *
 * @example
 * ```ts
 * const all = merge(fromA, fromB, fromC);
 * for await (const v of all) console.log(v);
 * ```
 */
export function merge<T>(...chs: Receivable<T>[]): Channel<T>;
export function merge<T>(...args: [...Receivable<T>[], FlowOptions]): Channel<T>;
export function merge<T>(...args: Array<Receivable<T> | FlowOptions>): Channel<T> {
  const last = args[args.length - 1];
  const opts =
    last !== undefined && typeof (last as Channel<T>).recvOk !== 'function'
      ? (args.pop() as FlowOptions)
      : {};
  const chs = args as Receivable<T>[];
  chs.forEach((c) => checkReceivable('merge', c));
  const { capacity, done } = flowOptions('merge', opts, 16);
  const out = chan<T>(capacity);
  let left = chs.length;
  if (left === 0) out.close();
  for (const input of chs) {
    void pump(input, out, done, () => {
      if (--left === 0) closeQuietly(out);
    });
  }
  return out;
}
