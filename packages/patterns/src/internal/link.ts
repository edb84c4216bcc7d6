/**
 * Links: the channels between the parts of a pipeline, and how values move on
 * them. A link carries single values (`batch: 0`: the user's channels - a
 * source channel, the output, a pool's jobs and results) or batches (`batch:
 * B`: arrays of up to B values, on the channels a pipeline makes between its
 * own parts, which nobody else sees).
 *
 * Batches are formed opportunistically (docs/ARCHITECTURE.md, Premises: "batch where the API
 * allows it"): a Writer sends its batch when it is full, when its first value
 * is 1 ms old, and - the rule that keeps latency low - before its loop blocks
 * waiting for input. An idle pipeline therefore moves each value at once; a
 * busy one moves them dozens at a time, paying the channel operation, the
 * encoding call and any cross-thread wake-up once per batch (measured on a
 * 3-stage pipeline of small records: ~190k values/s with single values,
 * ~280k with batches; see BENCHMARKS.md, patterns-pipeline).
 *
 * Invariant: a batch link never carries an empty batch.
 */
import * as substrate from '@gocsp/core/internal';
import type { Channel } from '@gocsp/channels';
import { onRecv, select } from '@gocsp/channels';
import { END, put } from './flow.js';

/** A channel and how values travel on it. */
export interface Link {
  ch: Channel<unknown>;
  /** 0: one value per message; B > 0: arrays of 1..B values. */
  batch: number;
  /**
   * Its producer runs on another thread than its consumers (a link fed by
   * the thread that built the pipeline): a consumer finding it empty spins
   * briefly before parking (spin.ts). Unset when unknown - spinning while
   * the producer waits for this very thread would only waste the time.
   */
  remote?: boolean;
  /**
   * A single-value link (`batch: 0`) with one producer, which may hold
   * values back as a batch link's Writer does and send them as runs
   * (`sendMany`: one release per run, and a consumer parked on the empty
   * channel is woken once per run instead of once per value). Set on a
   * pipeline's output when its last stage has one producer.
   */
  runs?: boolean;
}

/** Returned by `Reader.poll` when the next value is not there yet. */
export const WAIT: unique symbol = Symbol('gocsp.patterns.wait');
/** Returned by `Reader.flushAndWait` when the loop must end at once. */
export const STOP: unique symbol = Symbol('gocsp.patterns.stop');

/** Largest batch a pipeline sends between its parts. */
export const MAX_BATCH = 64;
/** Age (ms) at which a Writer sends its batch even if it is not full. */
export const MAX_AGE_MS = 1;
/** Values per ms above which a Writer looks at its batch's age only every FAST_EVERY values. */
const FAST_PER_MS = 20;
const FAST_EVERY = 8;

/** Reads values from a link, unpacking batches. */
export class Reader {
  #buf: unknown[] | undefined;
  #i = 0;
  readonly link: Link;
  readonly done: Channel<void>;

  constructor(link: Link, done: Channel<void>) {
    this.link = link;
    this.done = done;
  }

  /** The next value, END (closed and drained), or WAIT (it would block). */
  poll(): unknown {
    const buf = this.#buf;
    if (buf !== undefined) {
      if (this.#i < buf.length) return buf[this.#i++];
      this.#buf = undefined;
    }
    const r = this.link.ch.tryRecv();
    if (r === undefined) return WAIT;
    if (!r[1]) return END;
    return this.#unpack(r[0]);
  }

  /** Values left in the current batch (taken), or the next message's values; END or WAIT. */
  pollChunk(): unknown[] | typeof END | typeof WAIT {
    const buf = this.#buf;
    if (buf !== undefined && this.#i < buf.length) {
      const rest = this.#i === 0 ? buf : buf.slice(this.#i);
      this.#buf = undefined;
      return rest;
    }
    this.#buf = undefined;
    const r = this.link.ch.tryRecv();
    if (r === undefined) return WAIT;
    if (!r[1]) return END;
    return this.link.batch > 0 ? (r[0] as unknown[]) : [r[0]];
  }

  /**
   * Waits for the next message (or `done`). END: closed and drained, or
   * `done`. Otherwise the message is taken, and the next `poll`/`pollChunk`
   * returns its values - never WAIT.
   *
   * The spin only says that a message was there: with several consumers on
   * the link (a pool's workers, a stage's workers) another one may take it
   * first, so it is taken here, and a lost race parks like an empty link.
   */
  async wait(): Promise<typeof END | undefined> {
    const ch = this.link.ch;
    if (
      this.link.remote === true &&
      substrate.spinUntil(substrate.defaultWorld(), () => ch.len > 0)
    ) {
      const r = ch.tryRecv();
      if (r !== undefined) {
        if (!r[1]) return END;
        this.#unpack(r[0]);
        this.#i = 0;
        return undefined;
      }
    }
    const m = await select([
      onRecv(this.link.ch, (v, ok): { v: unknown } | typeof END => (ok ? { v } : END)),
      onRecv(this.done, (): typeof END => END),
    ]);
    if (m === END) return END;
    this.#unpack(m.v);
    this.#i = 0;
    return undefined;
  }

  /**
   * For a loop whose `poll` said WAIT: sends what `w` holds first, so that
   * nothing downstream waits on values held back here, then waits for the
   * next message (`wait`) and polls again. The next value, or STOP if `w`
   * could not send or the wait ended (closed and drained, or `done`): the
   * loop ends at once, with nothing left to flush.
   */
  async flushAndWait(w: Writer): Promise<unknown> {
    let f = w.flush();
    if (f instanceof Promise) f = await f;
    if (!f || (await this.wait()) === END) return STOP;
    return this.poll();
  }

  #unpack(v: unknown): unknown {
    if (this.link.batch === 0) {
      this.#buf = [v];
      this.#i = 1;
      return v;
    }
    const buf = v as unknown[];
    this.#buf = buf;
    this.#i = 1;
    return buf[0];
  }
}

/** Writes values to a link, batching them when it is a batch link. */
export class Writer {
  #buf: unknown[] = [];
  #t0 = 0;
  #every = 1;
  readonly link: Link;
  readonly done: Channel<void>;

  constructor(link: Link, done: Channel<void>) {
    this.link = link;
    this.done = done;
  }

  /** Values waiting to be sent. */
  get pending(): number {
    return this.#buf.length;
  }

  /** Adds `v`; false if `done` closed first (nothing more can be sent). */
  push(v: unknown): boolean | Promise<boolean> {
    const { batch, ch, runs } = this.link;
    if (batch === 0 && runs !== true) return put(ch, v, this.done);
    const buf = this.#buf;
    if (buf.length === 0) this.#t0 = performance.now();
    const n = buf.push(v);
    if (n >= (batch || MAX_BATCH)) return this.flush();
    // A clock read costs ~40 ns: with fast values it is done every FAST_EVERY
    // values, with slow ones (a task of 50 us or more) at every value, so a
    // batch of slow values never waits much more than MAX_AGE_MS.
    if (n % this.#every === 0) {
      const age = performance.now() - this.#t0;
      this.#every = n / age > FAST_PER_MS ? FAST_EVERY : 1;
      if (age >= MAX_AGE_MS) return this.flush();
    }
    return true;
  }

  /** Sends a whole batch of values as they are (batch links) or one by one. */
  async pushAll(vs: unknown[]): Promise<boolean> {
    if (this.link.runs === true && this.#buf.length === 0)
      return sendRun(this.link.ch, vs, this.done);
    if (this.link.batch > 0 && this.#buf.length === 0 && vs.length <= this.link.batch) {
      let ok = put(this.link.ch, vs, this.done);
      if (ok instanceof Promise) ok = await ok;
      return ok;
    }
    for (const v of vs) {
      let ok = this.push(v);
      if (ok instanceof Promise) ok = await ok;
      if (!ok) return false;
    }
    return true;
  }

  /** Sends what is pending; false if `done` closed first. */
  flush(): boolean | Promise<boolean> {
    const buf = this.#buf;
    if (buf.length === 0) return true;
    this.#buf = [];
    if (this.link.batch === 0) return sendRun(this.link.ch, buf, this.done);
    return put(this.link.ch, buf, this.done);
  }
}

/**
 * Sends `vs` in order on a channel that has no other producer: what fits
 * goes as one run (room only grows while we are its one producer, so
 * `sendMany` never waits); when the channel is full, one value waits for
 * room (or `done`) as `put` does. False if `done` closed first.
 */
async function sendRun(ch: Channel<unknown>, vs: unknown[], done: Channel<void>): Promise<boolean> {
  let i = 0;
  while (i < vs.length) {
    const room = Math.min(ch.cap - ch.len, vs.length - i);
    if (room > 0) {
      await ch.sendMany(i === 0 && room === vs.length ? vs : vs.slice(i, i + room));
      i += room;
      continue;
    }
    let ok = put(ch, vs[i], done);
    if (ok instanceof Promise) ok = await ok;
    if (!ok) return false;
    i++;
  }
  return true;
}

export { END };
