/**
 * tee: every value of one channel to each of `n` outputs (the tee-channel of
 * "Concurrency in Go"). One loop on the calling thread; a value is sent to
 * every output (whichever is ready first) before the next is taken, so the
 * slowest consumer sets the pace, with `capacity` values of slack each.
 */
import { chan, onRecv, onSend, select, type Channel } from '@gocsp/channels';
import { errors } from './errors.js';
import {
  END,
  checkChannel,
  closeQuietly,
  flowOptions,
  take,
  type FlowOptions,
} from './internal/flow.js';

/**
 * `n` channels that each receive every value of `ch`, in order; all are
 * closed once `ch` is. Each output holds `capacity` values (default 16); a
 * slow consumer holds the others back once its buffer is full.
 *
 * @example
 * ```ts
 * const [toDisk, toNet] = tee(events, 2);
 * ```
 */
export function tee<T>(ch: Channel<T>, n: number, opts: FlowOptions = {}): Channel<T>[] {
  checkChannel('tee', ch);
  if (!Number.isInteger(n) || n < 1) throw errors.badCount('tee: n', n);
  const { capacity, done } = flowOptions('tee', opts, 16);
  const outs = Array.from({ length: n }, () => chan<T>(capacity));
  void (async () => {
    try {
      for (;;) {
        let v = take(ch, done);
        if (v instanceof Promise) v = await v;
        if (v === END) return;
        const pending: Channel<T>[] = [];
        for (const o of outs) if (!o.trySend(v)) pending.push(o);
        while (pending.length > 0) {
          const k = await select([
            ...pending.map((o, i) => onSend(o, v, () => i)),
            onRecv(done, () => -1),
          ]);
          if (k < 0) return;
          pending.splice(k, 1);
        }
      }
    } catch {
      // an output was closed under us, or a deadlock was reported: stop
    } finally {
      for (const o of outs) closeQuietly(o);
    }
  })();
  return outs;
}
