/**
 * fromChannel: a channel as an Observable.
 *
 * Values that are ready are emitted synchronously (a non-blocking receive
 * each, checking before each one that the subscriber is still there); then
 * one receive with an AbortSignal waits for the next. Unsubscribing aborts
 * that receive, which then had no effect: nothing is taken from the channel.
 *
 * The one race left: a value handed over by a sender in the same turn of the
 * event loop as the unsubscribe (the receive completed, its continuation had
 * not run yet). That value is not dropped: it is kept, per channel and per
 * thread, and is the first value the next `fromChannel` subscription to the
 * same channel emits.
 */
import { Observable } from 'rxjs';
import { Channel } from '@gocsp/channels';
import type { Receivable } from '../recv.js';

const holdover = new WeakMap<Receivable<unknown>, unknown[]>();

/**
 * An Observable of the values received from `ch`, completing when `ch` is
 * closed and drained. Each subscription receives from the channel (two
 * subscribers compete for its values, as two goroutines would).
 * Unsubscribing cancels the pending receive, so no value is lost. `ch` may
 * also be another receive end, such as a remote channel (`@gocsp/nats`):
 * then every value comes through `recvOk` with the AbortSignal.
 *
 * @example
 * ```ts
 * fromChannel(results).pipe(take(10)).subscribe((r) => console.log(r));
 * // the 11th value stays in the channel for its next receiver
 * ```
 */
export function fromChannel<T>(ch: Receivable<T>): Observable<T> {
  if (typeof ch !== 'object' || ch === null || typeof ch.recvOk !== 'function') {
    throw new TypeError('fromChannel: expected a Channel from @gocsp/channels');
  }
  const local = ch instanceof Channel ? ch : undefined;
  return new Observable<T>((sub) => {
    const ac = new AbortController();
    const keep = (v: T): void => {
      const held = holdover.get(ch) ?? [];
      held.push(v);
      holdover.set(ch, held);
    };
    // Values kept from an earlier subscription come first.
    const held = holdover.get(ch);
    if (held !== undefined) {
      while (held.length > 0 && !sub.closed) sub.next(held.shift() as T);
      if (held.length === 0) holdover.delete(ch);
      if (sub.closed) return;
    }
    const loop = async (): Promise<void> => {
      for (;;) {
        while (!sub.closed && local !== undefined) {
          const r = local.tryRecv();
          if (r === undefined) break;
          if (!r[1]) {
            sub.complete();
            return;
          }
          sub.next(r[0]);
        }
        if (sub.closed) return;
        let got: [T, true] | [undefined, false];
        try {
          got = await ch.recvOk({ signal: ac.signal });
        } catch (e) {
          if (!ac.signal.aborted) sub.error(e);
          return;
        }
        if (!got[1]) {
          sub.complete();
          return;
        }
        if (sub.closed) {
          keep(got[0]);
          return;
        }
        sub.next(got[0]);
      }
    };
    void loop();
    return () => ac.abort();
  });
}
