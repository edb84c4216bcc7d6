/**
 * The receive side of a remote channel handle: pulls values from the
 * channel's durable consumer into a small local queue (`buf`) and hands them
 * to waiting receives - plain `recv`s and armed select cases - in FIFO order.
 *
 * ## Invariants
 * - A value in `buf` is delivered to this process but not acknowledged: it
 *   still belongs to the channel. If this process dies, the server gives it
 *   to another receiver after the ack wait (30 s).
 * - A value leaves `buf` only to be handed over, and only after the waiter
 *   it goes to was claimed (a select case's `claim()` won). A claim that
 *   fails leaves the value at the front of `buf`: nothing is lost, and the
 *   next receive of this handle gets it first (FIFO kept).
 * - Buffered channel: the handover acknowledges the value (`ack`, then the
 *   value is given). The seqs of the last values handed over are kept, so a
 *   redelivery of one whose ack was lost (server restart) is dropped, not
 *   given twice.
 * - Unbuffered channel: `buf` holds offers of blocked senders; the handover
 *   asks the offer's sender to take it (sender.ts) - the sender decides,
 *   once - and only a 'yes' gives the value; the offer's message is then
 *   acknowledged either way (a refused offer is a withdrawn one).
 * - Values are pulled only for demand: waiting receives, plus a read-ahead
 *   while a `for await` loop runs. Values nobody asked for are given back
 *   (nak, in order, so they come back first) after HOLD_MS, or at once when
 *   the last loop ends: a handle does not sit on values another process's
 *   receiver is waiting for.
 * - Closed and drained = the stream is closed and holds no value (for an
 *   unbuffered channel: closed). Then every waiting and later receive gets
 *   `[undefined, false]`.
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { SelectSource, SelectWaiter } from '@gocsp/channels';
import { isTransient, pause } from './conn.js';
import type { Handle } from './handle.js';
import { H } from './names.js';
import { decodeValue } from './values.js';

export type Outcome<T> = [T, true] | [undefined, false];

interface Wait<T> {
  /** A select case (claimed before it gets a value), or a plain receive. */
  sel?: SelectWaiter<T>;
  claimed: boolean;
  resolve?: (r: Outcome<T>) => void;
  reject?: (e: unknown) => void;
  /** Settled, or dropped (claim lost, aborted, disarmed). */
  done: boolean;
  /** An unbuffered handover is asking the sender: an abort must wait for the answer. */
  busy?: boolean;
  /** An abort that came while busy: applied if the sender refuses. */
  abortLate?: () => void;
}

interface Held {
  m: JsMsg;
  at: number;
}

/** Values given back if nobody asked for them within this time. */
const HOLD_MS = 1000;
/** Longest wait of one pull request (ms; nats.js' minimum is 1000). */
const PULL_EXPIRES_MS = 2000;
/** Largest pull request. */
const MAX_PULL = 256;
/** Handed-over seqs remembered to drop redeliveries. */
const SEEN = 8192;
const enc = new TextEncoder();
const dec = new TextDecoder();

export class Receiver<T> {
  private readonly buf: Held[] = [];
  private readonly waits: Wait<T>[] = [];
  /** Values asked for by pull requests still open. */
  private asked = 0;
  private pulls = 0;
  private drained = false;
  private iterating = 0;
  private readonly seen = new Set<number>();
  private readonly seenOrder: number[] = [];
  private consumerObj: Consumer | undefined;
  private releaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** A drained-check is in flight. */
  private checking = false;
  /** Pause before the next drained-check while closed and not yet drained (ms, grows). */
  private recheck = 0;
  /** A select with a default polled: keep what arrives for its next poll (until HOLD_MS). */
  private hinted = false;
  private readonly unClose: () => void;
  /** Read-ahead while a `for await` runs (buffered channels only). */
  private readonly readAhead: number;

  constructor(
    private readonly h: Handle<T>,
    readAhead: number,
  ) {
    this.readAhead = h.cap === 0 ? 0 : Math.max(0, Math.min(readAhead, h.cap));
    this.unClose = h.onCloseEvent(() => this.onChange());
  }

  // ---------------------------------------------------------------------
  // Receives

  /** A receive: the next value, or `[undefined, false]` once closed and drained. */
  recv(signal?: AbortSignal): Promise<Outcome<T>> {
    try {
      this.h.check();
      signal?.throwIfAborted();
    } catch (e) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason or an error, as is
      return Promise.reject(e);
    }
    return new Promise<Outcome<T>>((resolve, reject) => {
      const w: Wait<T> = { claimed: true, done: false, resolve, reject };
      if (signal !== undefined) {
        const onAbort = (): void => {
          if (w.done) return;
          if (w.busy) {
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason or an error, as is
            w.abortLate = () => reject(signal.reason);
            return;
          }
          w.done = true;
          this.dropWait(w);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason or an error, as is
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        w.resolve = (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        };
        w.reject = (e) => {
          signal.removeEventListener('abort', onAbort);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason or an error, as is
          reject(e);
        };
      }
      this.waits.push(w);
      this.serve();
      this.pull();
    });
  }

  /** A `for await` loop started (read-ahead on) or ended (read-ahead off, held values given back). */
  iterate(delta: 1 | -1): void {
    this.iterating += delta;
    if (this.iterating === 0 && this.waits.length === 0) this.release();
  }

  /** The select source of this handle (channels' source.ts protocol). */
  readonly source: SelectSource<T> = {
    poll: () => {
      this.h.check();
      if (this.waits.length === 0 && this.buf.length > 0 && this.h.cap > 0) {
        const held = this.buf.shift()!;
        return [this.commit(held.m), true];
      }
      if (this.drained && this.buf.length === 0) return [undefined, false];
      // Nothing at hand: start pulling one, so that a select with a default
      // that polls again soon finds what the channel holds.
      if (this.buf.length === 0 && this.asked === 0) {
        this.hinted = true;
        queueMicrotask(() => this.pull(1));
      }
      return undefined;
    },
    arm: (sel) => {
      const w: Wait<T> = { sel, claimed: false, done: false };
      this.waits.push(w);
      // Never claim inside arm (source.ts): serve on the next microtask.
      queueMicrotask(() => {
        this.serve();
        this.pull();
      });
      return () => {
        if (!w.done) {
          w.done = true;
          this.dropWait(w);
        }
      };
    },
  };

  /** Values already pulled and not yet handed over (a hint for tryRecv). */
  get ready(): number {
    return this.buf.length;
  }

  get isDrained(): boolean {
    return this.drained && this.buf.length === 0;
  }

  // ---------------------------------------------------------------------
  // Handing over

  private dropWait(w: Wait<T>): void {
    const i = this.waits.indexOf(w);
    if (i >= 0) this.waits.splice(i, 1);
    if (this.waits.length === 0 && this.buf.length > 0) this.scheduleRelease();
  }

  /** Claims `w` for the value at hand; false if it lost (a select that another case won). */
  private claim(w: Wait<T>): boolean {
    if (w.done) return false;
    if (w.claimed) return true;
    if (w.sel!.claim()) {
      w.claimed = true;
      return true;
    }
    w.done = true;
    return false;
  }

  private settle(w: Wait<T>, r: Outcome<T>): void {
    w.done = true;
    if (w.sel !== undefined) w.sel.fire(r[0], r[1]);
    else w.resolve!(r);
  }

  private fail(w: Wait<T>, e: unknown): void {
    w.done = true;
    if (w.sel !== undefined) w.sel.fail(e);
    else w.reject!(e);
  }

  /** Hands values at hand (or the closed mark) to the waiters, in order. */
  private serve(): void {
    if (this.h.failure !== undefined) {
      this.failAll(this.h.failure);
      return;
    }
    while (this.waits.length > 0) {
      const w = this.waits[0]!;
      if (this.buf.length === 0 && !this.drained) break;
      if (!this.claim(w)) {
        this.waits.shift();
        continue;
      }
      this.waits.shift();
      if (this.buf.length === 0) {
        this.settle(w, [undefined, false]);
        continue;
      }
      const held = this.buf.shift()!;
      if (this.h.cap > 0) {
        let v: T;
        try {
          v = this.commit(held.m);
        } catch (e) {
          this.fail(w, e);
          continue;
        }
        this.settle(w, [v, true]);
      } else {
        w.busy = true;
        void this.takeOffer(held.m, w);
      }
    }
    if (this.waits.length === 0 && this.buf.length > 0) this.scheduleRelease();
  }

  /** Buffered: acknowledges a value and decodes it (a value that does not decode is dropped, with the error). */
  private commit(m: JsMsg): T {
    m.ack();
    this.remember(m.seq);
    this.h.announceRoom();
    return decodeValue(this.h.codec, m.data);
  }

  private remember(seq: number): void {
    this.seen.add(seq);
    this.seenOrder.push(seq);
    if (this.seenOrder.length > SEEN) this.seen.delete(this.seenOrder.shift()!);
  }

  /** Unbuffered: asks the offer's sender to take it; a refusal puts the waiter back in front. */
  private async takeOffer(m: JsMsg, w: Wait<T>): Promise<void> {
    const reply = m.headers?.get(H.offer);
    let yes = false;
    if (reply) {
      const token = enc.encode(`${this.h.conn.nc.info?.client_id ?? 0}.${m.seq}.${Math.random()}`);
      for (;;) {
        try {
          const r = await this.h.conn.nc.request(reply, token, { timeout: 2000 });
          yes = dec.decode(r.data) === 'y';
          break;
        } catch (e) {
          if (this.h.conn.closed) break;
          if (isTransient(e)) continue; // the same token: the sender answers it the same way
          break; // no responders: the sender is gone, its offer with it
        }
      }
    }
    w.busy = false;
    if (this.h.conn.closed) {
      if (!w.done) this.fail(w, this.h.failure);
      return;
    }
    m.ack(); // taken, or withdrawn: the offer's message is done either way
    this.h.announceRoom();
    if (yes) {
      let v: T;
      try {
        v = decodeValue(this.h.codec, m.data);
      } catch (e) {
        this.fail(w, e);
        return;
      }
      this.settle(w, [v, true]);
      return;
    }
    // Refused: the waiter waits on for the next offer (a select case stays
    // claimed: its select is committed to this case); a receive aborted
    // meanwhile ends now, having taken nothing.
    if (w.abortLate !== undefined) {
      w.done = true;
      w.abortLate();
    } else if (!w.done) {
      this.waits.unshift(w);
    }
    this.serve();
    this.pull();
  }

  private failAll(e: unknown): void {
    const ws = this.waits.splice(0);
    for (const w of ws) {
      if (w.done) continue;
      if (w.sel !== undefined && !w.claimed && !w.sel.claim()) continue;
      w.claimed = true;
      this.fail(w, e);
    }
    this.buf.length = 0; // not acknowledged: the server redelivers them elsewhere
  }

  // ---------------------------------------------------------------------
  // Pulling

  /**
   * The shared consumer, bound from the info read at open: no lookup request
   * (a JetStream API request in flight when the user closes the connection
   * leaves nats.js' 5 s timer behind, keeping the process alive that long).
   */
  private consumer(): Consumer {
    this.consumerObj ??= this.h.conn.js.consumers.getConsumerFromInfo(this.h.consumerInfo);
    return this.consumerObj;
  }

  /** Starts a pull request for what the waiters (and a running loop) still need. */
  private pull(min = 0): void {
    if (this.h.failure !== undefined || this.drained) return;
    if (this.h.closed && this.buf.length === 0 && this.waits.length > 0) void this.checkDrained();
    const have = this.buf.length + this.asked;
    const unmet = this.waits.length - have;
    const ahead = this.iterating > 0 ? this.readAhead : 0;
    let n = Math.max(unmet + (unmet > 0 ? ahead : 0), min - have);
    // Read-ahead alone refills in batches (half the read-ahead at least), not
    // one small pull per value taken.
    if (n <= 0 && ahead > 0 && this.waits.length + ahead - have >= Math.max(1, ahead >> 1)) {
      n = this.waits.length + ahead - have;
    }
    n = Math.min(MAX_PULL, n);
    if (n <= 0 || this.pulls >= 2) return;
    this.asked += n;
    this.pulls++;
    void this.pullLoop(n);
  }

  private async pullLoop(n: number): Promise<void> {
    let got = 0;
    let failed = false;
    try {
      const it = await this.consumer().fetch({
        max_messages: n,
        expires: PULL_EXPIRES_MS,
        bind: true,
      });
      for await (const m of it) {
        got++;
        this.asked--;
        if (this.h.failure !== undefined) break;
        if (this.h.cap > 0 && m.redelivered && this.seen.has(m.seq)) {
          m.ack(); // its first ack was lost; it was handed over already
          continue;
        }
        if (this.h.cap === 0 && this.drained) {
          m.nak();
          continue;
        }
        if (this.waits.length === 0 && this.iterating === 0 && !this.hinted) {
          m.nak(); // nobody asks any more (an aborted receive, a select that fired): give it back now
          continue;
        }
        this.hinted = false;
        this.buf.push({ m, at: performance.now() });
        this.serve();
      }
    } catch (e) {
      failed = !this.h.conn.closed;
      void e;
    } finally {
      this.asked -= n - got;
      this.pulls--;
    }
    if (this.h.failure !== undefined) {
      this.serve();
      return;
    }
    if (failed) await pause(250);
    else if (got === 0 && this.waits.length > 0) await this.checkDrained();
    this.pull();
  }

  /** Re-reads the channel's state; marks it drained once closed and empty. */
  private async checkDrained(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const s = await this.h.refresh();
      if (s.closed && (this.h.cap === 0 || s.messages - this.buf.length <= 0)) {
        this.setDrained();
      } else if (s.closed && this.waits.length > 0 && this.buf.length === 0) {
        // Closed, values still out (acks in flight, another receiver's
        // read-ahead, a dead receiver's values before redelivery): look again.
        this.recheck = Math.min(1000, this.recheck + 50);
        setTimeout(() => void this.checkDrained(), this.recheck).unref();
      }
    } catch (e) {
      if (!isTransient(e) && !this.h.conn.closed) {
        // the stream was deleted: fail the waiters with that
        this.failAll(e);
      }
    } finally {
      this.checking = false;
    }
  }

  private setDrained(): void {
    if (this.drained) return;
    this.drained = true;
    if (this.h.cap === 0) {
      // Offers still held go back: their senders withdraw them.
      for (const held of this.buf.splice(0)) held.m.nak();
    }
    this.serve();
  }

  /** The channel's state may have changed (close event, connection closed). */
  private onChange(): void {
    if (this.h.failure !== undefined) {
      this.serve();
      return;
    }
    if (this.h.closed && this.waits.length > 0) void this.checkDrained();
  }

  // ---------------------------------------------------------------------
  // Giving back what nobody asked for

  private scheduleRelease(): void {
    if (this.h.cap === 0) {
      // An offer nobody here wants goes back at once: its sender is blocked,
      // and a receiver elsewhere may be waiting for it.
      this.release();
      return;
    }
    if (this.releaseTimer !== undefined) return;
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = undefined;
      if (this.waits.length > 0 || this.buf.length === 0) return;
      const head = this.buf[0]!;
      if (performance.now() - head.at >= HOLD_MS || this.iterating === 0) this.release();
      else this.scheduleRelease();
    }, HOLD_MS);
    this.releaseTimer.unref();
  }

  /** Gives every held value back, in order (they are redelivered first, in that order). */
  private release(): void {
    for (const held of this.buf.splice(0)) held.m.nak();
  }

  dispose(): void {
    this.unClose();
    this.release();
    if (this.releaseTimer !== undefined) clearTimeout(this.releaseTimer);
  }
}
