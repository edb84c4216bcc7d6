/**
 * batch: groups values into arrays of up to `size`, emitting a partial batch
 * `ms` after its first value arrived. One loop on the calling thread; the
 * timer is on the package clock (clock.ts).
 */
import { chan, onRecv, select, type Channel } from '@gocsp/channels';
import { errors } from './errors.js';
import {
  END,
  checkChannel,
  closeQuietly,
  flowOptions,
  put,
  take,
  timerChan,
  type FlowOptions,
} from './internal/flow.js';

/**
 * A channel of arrays: up to `size` values of `ch` each, in order. A batch is
 * sent when it is full, or `ms` after its first value (so a trickle is not
 * held back); pass `Infinity` for size-only batching. The last, partial batch
 * is sent when `ch` is closed, then the output is closed.
 *
 * @example
 * ```ts
 * for await (const rows of batch(inserts, 500, 50)) await db.insertMany(rows);
 * ```
 */
export function batch<T>(
  ch: Channel<T>,
  size: number,
  ms: number,
  opts: FlowOptions = {},
): Channel<T[]> {
  checkChannel('batch', ch);
  if (!Number.isInteger(size) || size < 1) throw errors.badCount('batch: size', size);
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) throw errors.badMs('batch', ms);
  const { capacity, done } = flowOptions('batch', opts, 16);
  const out = chan<T[]>(capacity);
  void (async () => {
    try {
      for (;;) {
        let first = take(ch, done);
        if (first instanceof Promise) first = await first;
        if (first === END) return;
        const items: T[] = [first];
        let ended = false;
        const timer = Number.isFinite(ms) ? timerChan(ms) : undefined;
        try {
          while (items.length < size) {
            const r = ch.tryRecv();
            if (r !== undefined) {
              if (!r[1]) {
                ended = true;
                break;
              }
              items.push(r[0]);
              continue;
            }
            const got = await select([
              onRecv(ch, (v, ok): { v: T } | typeof END => (ok ? { v: v as T } : END)),
              onRecv(timer?.c ?? null, () => null),
              onRecv(done, (): typeof END => END),
            ]);
            if (got === null) break;
            if (got === END) {
              ended = true;
              break;
            }
            items.push(got.v);
          }
        } finally {
          timer?.stop();
        }
        let sent = put(out, items, done);
        if (sent instanceof Promise) sent = await sent;
        if (!sent || ended) return;
      }
    } catch {
      // the output was closed under us, or a deadlock was reported: stop
    } finally {
      closeQuietly(out);
    }
  })();
  return out;
}
