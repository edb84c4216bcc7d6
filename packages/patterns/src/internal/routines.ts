/**
 * The goroutines of pipelines and worker pools: the bodies run on the worker
 * runtime, started with core's `go` like any goroutine.
 *
 * How they reach the worker: every worker imports this package's module
 * before it runs goroutines (it registers the Context type, core funcs.ts
 * `publishTypeModules`), and loading it puts the bodies in a registry under
 * a global symbol. The goroutine function itself is a self-contained
 * trampoline that looks its body up there by name - so one small source text
 * serves every routine, and the bodies are ordinary compiled code of this
 * package (not source shipped per call).
 *
 * Rejected: a separate task-module entry for the bodies. Bundled on its own
 * it would carry a second copy of the Context class and registration.
 *
 * Values travel on links (link.ts): single values on the user's channels,
 * batches on the channels a pipeline makes between its own parts.
 *
 * Roles (every routine calls `wg.done()` when it ends):
 * - `worker`: takes values from its input link, runs the user's task (or
 *   the tasks of fused stages, one after the other), puts results on its
 *   output link. Stage mode: an error cancels the context with
 *   it as the cause. Pool mode: values are `[index, job]`, results are
 *   records, and an error is a record too (`{ index, ok: false, error }`).
 *   Workers sharing one output close it when the last one ends (`left`).
 *   An `aligned` worker (behind a dispatcher) sends each input piece's
 *   results as `[values, last]` messages, the piece's last one flagged, so
 *   that the collector knows when to move on to the next piece.
 * - `dispatcher` / `collector`: order preservation with N workers: the
 *   dispatcher cuts what it takes into pieces (at least N when it can, at
 *   most MAX_PIECE values each) and hands each to the first worker, from
 *   the one after the last, whose input has room (if none has, to the
 *   first that makes room), and tells the collector which one on the
 *   `order` link; the collector reads the workers' outputs in that order.
 *   Memory stays bounded by the channels' capacities; no reorder buffer.
 *   A faster worker takes more pieces: goroutines never move between
 *   threads, and the cores of a VM do not run at one speed (two workers
 *   running the same task on the two Ps here took 2.7 and 3.0 ms a call,
 *   for seconds at a time, either way round), so a fixed round-robin would
 *   hold both to the slower one's pace. Small pieces keep the workers
 *   evenly loaded and the ordering bubbles small (a slow piece holds back
 *   the pieces after it). An ordered pool uses the same pair with pieces
 *   of one job each (orderedPoolLinks).
 * - `placer`: one per P, running a group of the above there (goroutines
 *   never move between threads, so where they start matters).
 */
import { chan, codecs, onRecv, onSend, select, type Channel, type Codec } from '@gocsp/channels';
import { go, gomaxprocs } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';
import { AtomicInt32, type WaitGroup } from '@gocsp/sync';
import { cancelWithCause, type Context } from '../context.js';
import { closeQuietly, put, take } from './flow.js';
import { END, MAX_AGE_MS, MAX_BATCH, Reader, STOP, WAIT, Writer, type Link } from './link.js';
import { explainCapture, resolveTask, type TaskFn, type TaskSpec } from './task.js';

/** Worker mode: a task error cancels the context (pipelines). */
export const STAGE = 0;
/** Worker mode: a task error becomes a result record (pools). */
export const POOL = 1;

/** A pool's result for one job. */
export type PoolRecord =
  { index: number; ok: true; value: unknown } | { index: number; ok: false; error: unknown };

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** Pool mode: runs the task on one job; the result, or the error it threw, as a record. */
async function applyJob(
  fn: TaskFn,
  spec: substrate.CompiledTask | undefined,
  v: unknown,
): Promise<PoolRecord> {
  const [index, job] = v as [number, unknown];
  try {
    let r = fn(job);
    if (isThenable(r)) r = await r;
    return { index, ok: true, value: r };
  } catch (e) {
    return { index, ok: false, error: spec === undefined ? e : explainCapture(e, spec) };
  }
}

/** Pool mode: pushes a result record; one that cannot cross threads becomes that job's error. */
async function emit(w: Writer, out: PoolRecord): Promise<boolean> {
  try {
    let ok = w.push(out);
    if (ok instanceof Promise) ok = await ok;
    return ok;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    let ok = w.push({ index: out.index, ok: false, error: e } satisfies PoolRecord);
    if (ok instanceof Promise) ok = await ok;
    return ok;
  }
}

/**
 * The loop of one worker (also run on the calling thread by local stages).
 * Stage mode: a task error cancels `ctx` with it. Aligned: behind a
 * dispatcher, see the file header.
 */
export async function work(
  fn: TaskFn,
  spec: substrate.CompiledTask | undefined,
  mode: number,
  input: Link,
  output: Link,
  ctx: Context,
  aligned = false,
): Promise<void> {
  const done = ctx.done();
  const r = new Reader(input, done);
  const w = new Writer(output, done);
  const slice = new Slice();
  if (aligned) {
    // Behind a dispatcher: the results of each piece go out as [values, last]
    // messages, the last one flagged, so that the collector knows when to move
    // on to the next piece. A piece of slow values is sent in parts (each
    // part at most MAX_AGE_MS old) so that the next stage is not kept waiting.
    for (;;) {
      if (ctx.err() !== undefined) return;
      let chunk = r.pollChunk();
      if (chunk === WAIT) {
        if ((await r.wait()) === END) return;
        chunk = r.pollChunk();
      }
      if (chunk === END || chunk === WAIT) return;
      let outs: unknown[] = [];
      let t0 = performance.now();
      for (let i = 0; i < chunk.length; i++) {
        try {
          let out = fn(chunk[i]);
          if (isThenable(out)) out = await out;
          outs.push(out);
        } catch (e) {
          cancelWithCause(ctx, spec === undefined ? e : explainCapture(e, spec));
          return;
        }
        if (i < chunk.length - 1 && performance.now() - t0 >= MAX_AGE_MS) {
          let ok = put(output.ch, [outs, 0], done);
          if (ok instanceof Promise) ok = await ok;
          if (!ok) return;
          outs = [];
          t0 = performance.now();
        }
        if (slice.due()) await yieldNow();
      }
      let ok = put(output.ch, [outs, 1], done);
      if (ok instanceof Promise) ok = await ok;
      if (!ok) return;
    }
  }
  for (;;) {
    if (ctx.err() !== undefined) return;
    let v = r.poll();
    if (v === WAIT) v = await r.flushAndWait(w);
    if (v === STOP) return;
    if (v === END) break;
    if (mode === STAGE) {
      let out: unknown;
      try {
        out = fn(v);
        if (isThenable(out)) out = await out;
      } catch (e) {
        cancelWithCause(ctx, spec === undefined ? e : explainCapture(e, spec));
        return;
      }
      // The hot path: no promise unless the output is full.
      let ok = w.push(out);
      if (ok instanceof Promise) ok = await ok;
      if (!ok) return;
    } else if (!(await emit(w, await applyJob(fn, spec, v)))) return;
    if (slice.due()) await yieldNow();
  }
  const f = w.flush();
  if (f instanceof Promise) await f;
}

/**
 * One function running the compiled tasks of fused stages in turn (see
 * pipeline.ts, `fuse`): a task that returns a promise is awaited before the
 * next task runs; an error thrown (or rejected) by one is explained against
 * that task, as its own worker would have.
 */
function chain(cs: substrate.CompiledTask[]): TaskFn {
  return (v: unknown) => step(cs, 0, v, undefined);
}

/**
 * Runs tasks `cs[from..]` on `v` in turn (see chain). `spent`: if given,
 * each task's synchronous run time (ms) is added to its entry - the part
 * before a task's promise, if it returns one, and not the tasks after it.
 */
function step(
  cs: substrate.CompiledTask[],
  from: number,
  v: unknown,
  spent: Float64Array | undefined,
): unknown {
  let x = v;
  for (let i = from; i < cs.length; i++) {
    const c = cs[i]!;
    let y: unknown;
    const t0 = spent === undefined ? 0 : performance.now();
    try {
      y = c.fn(x);
    } catch (e) {
      throw explainCapture(e, c);
    }
    if (spent !== undefined) spent[i] = spent[i]! + (performance.now() - t0);
    if (isThenable(y)) {
      return Promise.resolve(y).then(
        (r) => step(cs, i + 1, r, undefined),
        (e: unknown) => {
          throw explainCapture(e, c);
        },
      );
    }
    x = y;
  }
  return x;
}

/**
 * A fused run of single-worker stages splits in two once its tasks prove
 * heavy: when the synchronous task time per value reaches SPLIT_MS (a
 * cross-thread link then costs a few percent of a value's work, and the
 * halves can run on two Ps) in HEAVY_VERDICTS verdicts in a row, as long as
 * `splits` allows: gomaxprocs() - 1 per fused run, all of it handed to the
 * later half (the earlier half splits no more). See pipeline.ts, `fuse`.
 * A verdict takes each task's median over SAMPLES timed values: a garbage
 * collection or a compile inside one timed task must not split a light run
 * (measured: one 2.4 ms outlier among 8 samples of ~1 us tasks).
 */
const SPLIT_MS = 0.025;
/** One value in SAMPLE_EVERY is timed task by task (the clock costs ~50 ns a read). */
const SAMPLE_EVERY = 8;
/** Timed values that make one verdict. */
const SAMPLES = 8;
/** Heavy verdicts in a row that split the run. */
const HEAVY_VERDICTS = 2;
/** Messages (batches of up to MAX_BATCH values) a split's new link holds. */
const SPLIT_LINK_CAP = 4;

/** Per task (k of them), the median of its times in `samples` (SAMPLES rows of k). */
function taskMedians(samples: Float64Array, k: number): Float64Array {
  const med = new Float64Array(k);
  const col = new Float64Array(SAMPLES);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < SAMPLES; j++) col[j] = samples[j * k + i]!;
    col.sort();
    med[i] = col[SAMPLES >> 1]!;
  }
  return med;
}

/** Where `j` in [1, k) cuts per-task times `t[0..k)` into the two most even halves. */
function evenCut(t: ArrayLike<number>, k: number): number {
  let total = 0;
  for (let i = 0; i < k; i++) total += t[i]!;
  let best = 1;
  let bestMax = Infinity;
  let acc = 0;
  for (let j = 1; j < k; j++) {
    acc += t[j - 1]!;
    const m = Math.max(acc, total - acc);
    if (m < bestMax) {
      bestMax = m;
      best = j;
    }
  }
  return best;
}

/**
 * The loop of a fused run of single-worker stages (pipelines; `work` in
 * stage mode, plus splitting). On a split it flushes what it has for its
 * output, starts a worker goroutine for the later tasks (`specs[cut..]`)
 * that reads a new link and writes the output, and goes on with the earlier
 * tasks into the new link: the values keep their order (one path, the
 * output's earlier values sent before the new worker exists), the Reader
 * keeps its place in the input, and `out.link` says which link this worker
 * closes when it ends (the new worker closes the output).
 */
async function workFused(
  cs: substrate.CompiledTask[],
  specs: TaskSpec[],
  input: Link,
  out: { link: Link },
  ctx: Context,
  wg: WaitGroup,
  splits: number,
): Promise<void> {
  const done = ctx.done();
  const r = new Reader(input, done);
  let w = new Writer(out.link, done);
  const slice = new Slice();
  let tasks = cs;
  const samples = new Float64Array(SAMPLES * cs.length);
  let n = 0;
  let timed = 0;
  let heavy = 0;
  for (;;) {
    if (ctx.err() !== undefined) return;
    let v = r.poll();
    if (v === WAIT) v = await r.flushAndWait(w);
    if (v === STOP) return;
    if (v === END) break;
    const timing = splits > 0 && ++n % SAMPLE_EVERY === 0;
    let res: unknown;
    try {
      const k = tasks.length;
      res = step(tasks, 0, v, timing ? samples.subarray(timed * k, timed * k + k) : undefined);
      if (isThenable(res)) res = await res;
    } catch (e) {
      cancelWithCause(ctx, e); // explained by step
      return;
    }
    let ok = w.push(res);
    if (ok instanceof Promise) ok = await ok;
    if (!ok) return;
    if (timing && ++timed === SAMPLES) {
      timed = 0;
      const med = taskMedians(samples, tasks.length);
      samples.fill(0);
      let total = 0;
      for (let i = 0; i < tasks.length; i++) total += med[i]!;
      heavy = total >= SPLIT_MS ? heavy + 1 : 0;
      if (heavy === HEAVY_VERDICTS) {
        const cut = evenCut(med, tasks.length);
        let f = w.flush();
        if (f instanceof Promise) f = await f;
        if (!f) return;
        // Not `remote`: if this P takes the new worker after all (its M can
        // come first), a consumer spinning on an empty link would hold the
        // very thread its producer needs; heavy values keep it fed anyway.
        const link: Link = { ch: chan<unknown>(SPLIT_LINK_CAP), batch: MAX_BATCH };
        wg.add(1);
        try {
          // On another P: `go` would put it in this P's runnext, which it runs
          // only when this worker yields (and which idle Ps do not steal).
          substrate.goElsewhere(
            trampoline,
            'worker',
            specs.slice(cut),
            STAGE,
            link,
            out.link,
            ctx,
            wg,
            null,
            false,
            splits - 1,
          );
        } catch (e) {
          wg.done(); // it never started: this worker still owns the output
          throw e;
        }
        out.link = link;
        w = new Writer(link, done);
        tasks = tasks.slice(0, cut);
        specs = specs.slice(0, cut);
        splits = 0; // the new worker has the rest of the budget
      }
    }
    if (slice.due()) await yieldNow();
  }
  const f = w.flush();
  if (f instanceof Promise) await f;
}

async function worker(
  spec: TaskSpec | TaskSpec[],
  mode: number,
  input: Link,
  output: Link,
  ctx: Context,
  wg: WaitGroup,
  left: AtomicInt32 | null,
  aligned: boolean,
  splits = gomaxprocs() - 1,
): Promise<void> {
  // The link this worker closes when it ends (a fused run that split hands the output on).
  const out = { link: output };
  try {
    const specs = Array.isArray(spec) ? spec : [spec];
    const cs: substrate.CompiledTask[] = [];
    for (const s of specs) {
      const c = resolveTask(s);
      cs.push(c instanceof Promise ? await c : c);
    }
    if (cs.length === 1) await work(cs[0]!.fn, cs[0], mode, input, output, ctx, aligned);
    // A fused run of single-worker stages: may split once its tasks prove heavy.
    else if (mode === STAGE && left === null && !aligned && splits > 0) {
      await workFused(cs, specs, input, out, ctx, wg, splits);
    }
    // Other fused stages (several tasks): one after the other on each value.
    else await work(chain(cs), undefined, mode, input, output, ctx, aligned);
  } catch (e) {
    cancelWithCause(ctx, e);
  } finally {
    if (left === null || left.sub(1) === 0) closeQuietly(out.link.ch);
    wg.done();
  }
}

/** Largest piece the dispatcher hands one worker (smaller pieces, smaller ordering bubbles). */
const MAX_PIECE = 4;

/** Pieces of slow values a worker's output holds beyond its input's (see orderedCaps). */
const LEAD = 6;

/**
 * The capacities of an ordered stage's channels, for `buffer` and `n`
 * workers (in messages):
 * - `ins`: a worker's input, a few pieces, so that a faster worker is handed
 *   more of them as it makes room (`buffer` values in batches of MAX_BATCH
 *   across the workers, at least 2);
 * - `outs`: a worker's output, as many messages as its input plus LEAD
 *   pieces of slow values (those come out a value per message, `work`,
 *   aligned): with room for a few messages only, a faster worker would wait
 *   for the collector, which waits for the slower one's piece, at every
 *   piece;
 * - `order`: the pieces handed out and not yet being collected, so it bounds
 *   the values between the workers: about `buffer` (MAX_PIECE a piece), and
 *   at least what the workers' channels hold. Much smaller, it would stop
 *   the dispatcher while a faster worker has room.
 */
function orderedCaps(buffer: number, n: number): { ins: number; outs: number; order: number } {
  const ins = Math.max(2, Math.ceil(buffer / (MAX_BATCH * n)));
  const outs = ins + LEAD * MAX_PIECE;
  return { ins, outs, order: Math.max(n * (ins + 1 + LEAD), Math.ceil(buffer / MAX_PIECE)) };
}

/** Batch limit of the links between a dispatcher, its workers and the collector: one message per piece. */
const PIECE = 1 << 20;

/**
 * The channels of an ordered stage of `n` workers for `buffer` (capacities:
 * orderedCaps): each worker's input and output, and the dispatcher's `order`
 * link to the collector.
 */
export function orderedLinks(
  buffer: number,
  n: number,
): { ins: Link[]; outs: Link[]; order: Link } {
  const caps = orderedCaps(buffer, n);
  return {
    ins: workerLinks(n, caps.ins, PIECE),
    outs: workerLinks(n, caps.outs, PIECE),
    order: orderLink(caps.order),
  };
}

/** One link per worker, each a channel of `cap` messages (in `codec`, if given). */
function workerLinks(n: number, cap: number, batch: number, codec?: Codec<unknown>): Link[] {
  return Array.from({ length: n }, () => ({ ch: chan<unknown>(cap, { codec }), batch }));
}

/** The dispatcher's link to the collector: which worker has each piece. */
function orderLink(cap: number): Link {
  return { ch: chan<number>(cap, { codec: codecs.int32 }), batch: 0 };
}

/** Jobs an ordered pool's worker holds besides the one it runs (see orderedPoolLinks). */
const POOL_IN = 2;
/** Results an ordered pool's worker can hold for the collector while an earlier job runs elsewhere. */
const POOL_OUT = 8;

/**
 * The channels of an ordered worker pool of `n` workers: each worker's
 * jobs (single `[index, job]` values, so the dispatcher hands out one job
 * at a time) and results (one record per message, in `codec`), and the
 * `order` link. A worker takes POOL_IN jobs ahead, so it never waits for
 * the dispatcher between jobs, and few enough that a faster one is handed
 * more of them; its results wait for the collector in room for POOL_OUT,
 * so it runs on while a slow job holds up the results before them.
 * `order` has room for all they hold, so it never holds up the
 * dispatcher while a worker has room.
 */
export function orderedPoolLinks(
  n: number,
  codec: Codec<unknown>,
): { ins: Link[]; outs: Link[]; order: Link } {
  return {
    ins: workerLinks(n, POOL_IN, 0),
    outs: workerLinks(n, POOL_OUT, 0, codec),
    order: orderLink(n * (POOL_IN + 1 + POOL_OUT)),
  };
}

/** Cuts `vs` into pieces of (nearly) equal size, at least `n` of them if it can, each at most MAX_PIECE. */
function cut(vs: unknown[], n: number): unknown[][] {
  const pieces = Math.max(Math.min(n, vs.length), Math.ceil(vs.length / MAX_PIECE));
  if (pieces <= 1) return [vs];
  const size = Math.ceil(vs.length / pieces);
  const out: unknown[][] = [];
  for (let i = 0; i < vs.length; i += size) out.push(vs.slice(i, i + size));
  return out;
}

/**
 * Cooperative time slices: a worker running slow tasks back to back yields
 * to the other goroutines of its P every SLICE_MS (JavaScript has no
 * preemption; without it one worker holds its P for a whole batch of slow
 * values while the other stages' workers there wait, and a pool worker with
 * queued jobs holds off a dispatcher on its P, which the other workers wait
 * for). The clock is read at every value while values are slow, every 8
 * while they are fast.
 */
class Slice {
  #t0 = performance.now();
  #n = 0;
  #every = 1;

  /** True when the caller should yield now. */
  due(): boolean {
    if (++this.#n % this.#every !== 0) return false;
    const now = performance.now();
    const el = now - this.#t0;
    this.#every = el / this.#n < 0.05 ? 8 : 1;
    if (el < SLICE_MS) return false;
    this.#t0 = now;
    this.#n = 0;
    return true;
  }
}

const SLICE_MS = 2;
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Hands `piece` to the first of `outs`, from `k` on, with room for it; if
 * none has, to whichever makes room first. The index of the one that took
 * it, or -1 if `done` closed first (then none did).
 */
function hand(
  outs: Link[],
  piece: unknown,
  k: number,
  done: Channel<void>,
): number | Promise<number> {
  const n = outs.length;
  for (let i = 0; i < n; i++) {
    const j = (k + i) % n;
    if (outs[j]!.ch.trySend(piece)) return j;
  }
  return select([...outs.map((o, j) => onSend(o.ch, piece, () => j)), onRecv(done, () => -1)]);
}

/**
 * Cuts the input into pieces and hands them to the workers `outs`, each to
 * one with room (`hand`), naming on `order` the worker of each piece for the
 * collector (see the file header). Workers on single-value links (a pool's)
 * get one value a piece. Exported for its tests (test/dispatch.test.ts).
 * @internal
 */
export async function dispatcher(
  input: Link,
  outs: Link[],
  order: Link,
  ctx: Context,
  wg: WaitGroup,
): Promise<void> {
  const done = ctx.done();
  const r = new Reader(input, done);
  const n = outs.length;
  // Workers that take single values (a pool's): each value is its own piece.
  const unit = outs[0]!.batch === 0;
  let k = 0;
  try {
    for (;;) {
      if (ctx.err() !== undefined) return;
      let chunk = r.pollChunk();
      if (chunk === WAIT) {
        if ((await r.wait()) === END) return;
        chunk = r.pollChunk();
      }
      if (chunk === END || chunk === WAIT) return;
      if (input.batch === 0 && !unit) {
        // Single values in: gather what is ready (up to a batch) before cutting.
        while (chunk.length < MAX_BATCH) {
          const more = r.pollChunk();
          if (more === WAIT || more === END) break;
          chunk.push(...more);
        }
      }
      for (const piece of unit ? chunk : cut(chunk, n)) {
        let to = hand(outs, piece, k, done);
        if (to instanceof Promise) to = await to;
        if (to < 0) return;
        // After the piece: every entry the collector reads names a piece
        // already handed out, so a full `order` only waits for it to catch up.
        let ok = put(order.ch, to, done);
        if (ok instanceof Promise) ok = await ok;
        if (!ok) return;
        k = (to + 1) % n;
      }
    }
  } catch (e) {
    cancelWithCause(ctx, e);
  } finally {
    for (const o of outs) closeQuietly(o.ch);
    closeQuietly(order.ch);
    wg.done();
  }
}

/**
 * For a loop that found `ch` empty: sends what `w` holds first (nothing
 * downstream waits on values held back here), then waits for the next value
 * of `ch`. The value, END (closed and drained, or `done`), or STOP if `w`
 * could not send (as Reader.flushAndWait, for a channel read without a Reader).
 */
async function flushThenTake(
  w: Writer,
  ch: Channel<unknown>,
  done: Channel<void>,
): Promise<unknown> {
  let f = w.flush();
  if (f instanceof Promise) f = await f;
  if (!f) return STOP;
  return take(ch, done);
}

/**
 * Reads the workers' outputs in the order the dispatcher handed out the
 * pieces: for each entry of `order` (a worker's index, see `dispatcher`),
 * that worker's next piece - on batch links (a stage's), its [values, last]
 * messages (see `work`, aligned) up to the one flagged last; on
 * single-value links (a pool's), one message, a result record. Exported
 * for its tests (test/dispatch.test.ts).
 * @internal
 */
export async function collector(
  ins: Link[],
  output: Link,
  ctx: Context,
  wg: WaitGroup,
  order: Link,
): Promise<void> {
  const done = ctx.done();
  const w = new Writer(output, done);
  // Pieces of values in [values, last] messages (as the dispatcher cut them), or single records.
  const framed = ins[0]!.batch !== 0;
  try {
    pieces: for (;;) {
      if (ctx.err() !== undefined) return;
      const t = order.ch.tryRecv();
      const next = t !== undefined ? (t[1] ? t[0] : END) : await flushThenTake(w, order.ch, done);
      if (next === STOP) return;
      if (next === END) break; // every piece handed out was collected
      const ch = ins[next as number]!.ch;
      for (let last = false; !last;) {
        if (ctx.err() !== undefined) return;
        let m = ch.tryRecv();
        if (m === undefined) {
          const got = await flushThenTake(w, ch, done);
          if (got === STOP) return;
          m = got === END ? [undefined, false] : [got, true];
        }
        // A worker's output closed before its piece ended: it stopped (cancelled).
        if (!m[1]) break pieces;
        if (!framed) {
          let ok = w.push(m[0]);
          if (ok instanceof Promise) ok = await ok;
          if (!ok) return;
          break;
        }
        const [vs, flag] = m[0] as [unknown[], number];
        if (vs.length > 0 && !(await w.pushAll(vs))) return;
        last = flag === 1;
      }
    }
    const f = w.flush();
    if (f instanceof Promise) await f;
  } catch (e) {
    cancelWithCause(ctx, e);
  } finally {
    closeQuietly(output.ch);
    wg.done();
  }
}

/** A routine to start: its name and arguments. */
export type Launch = [RoutineName, ...unknown[]];

/** How long a placer waits for the others to be running at the same time (ms). */
const PLACE_WAIT_MS = 20;

/**
 * One goroutine per P, running a group of routines there (each an async
 * loop on this thread; the placer ends when all of them have). First it
 * waits, busy - so that its M cannot start another placer - until all `n`
 * placers are running at once: then each runs on a P of its own. If that
 * does not happen within PLACE_WAIT_MS (a P busy with a long synchronous
 * goroutine), it runs its group where it is. The wait is long because waking
 * a parked M was measured at up to several milliseconds on a busy VM; it is
 * paid once, when a pipeline or pool starts.
 *
 * Rejected: the placer starting its routines with `go` (they land on its own
 * P's queue) - an idle P may steal them before this P starts them.
 */
async function placer(barrier: AtomicInt32, n: number, group: Launch[]): Promise<void> {
  barrier.add(1);
  const t0 = performance.now();
  while (barrier.load() < n && performance.now() - t0 < PLACE_WAIT_MS) {
    // spin: see above
  }
  await Promise.all(group.map(([name, ...args]) => run(name, args)));
}

function run(name: RoutineName, args: unknown[]): Promise<void> {
  return (routines[name] as (...a: unknown[]) => Promise<void>)(...args);
}

const REGISTRY = Symbol.for('gocsp.patterns.routines');
const bodies = { worker, dispatcher, collector };
/** A routine run by a placer. */
export type RoutineName = keyof typeof bodies;
const routines: Record<string, unknown> = { ...bodies, placer };

(globalThis as Record<symbol, unknown>)[REGISTRY] ??= routines;

/** The goroutine function of every routine: self-contained (shipped by its source). */
const trampoline = (name: string, ...args: unknown[]): unknown => {
  const r = (globalThis as unknown as Record<symbol, Record<string, (...a: unknown[]) => unknown>>)[
    Symbol.for('gocsp.patterns.routines')
  ];
  if (r === undefined) {
    throw new Error(
      '@gocsp/patterns is not loaded on this worker thread: its pipeline and pool goroutines need it',
    );
  }
  return r[name]!(...args);
};

/** A routine to start (typed). */
export function routine(name: 'worker', ...args: Parameters<typeof worker>): Launch;
export function routine(name: 'dispatcher', ...args: Parameters<typeof dispatcher>): Launch;
export function routine(name: 'collector', ...args: Parameters<typeof collector>): Launch;
export function routine(name: RoutineName, ...args: unknown[]): Launch {
  return [name, ...args];
}

/**
 * Starts routines spread over the Ps round-robin (routine i on the
 * (i mod P)-th placer's P, see `placer`): goroutines cannot move once started, so
 * CPU-bound workers that all started on one P would share one core for
 * good. Rejected: leaving placement to the scheduler - it hands a burst of
 * new goroutines from the global queue to the first P that wakes, which
 * starts them all.
 */
export function launchAll(calls: Launch[]): void {
  if (calls.length === 0) return;
  const n = Math.min(gomaxprocs(), calls.length);
  const groups: Launch[][] = Array.from({ length: n }, () => []);
  calls.forEach((c, i) => groups[i % n]!.push(c));
  const barrier = new AtomicInt32(0);
  for (const g of groups) go(trampoline, 'placer', barrier, n, g);
}

/** The placer group `launchAll` will give each call (the same round-robin). */
export function placement(calls: Launch[]): number[] {
  const n = Math.min(gomaxprocs(), calls.length);
  return calls.map((_, i) => i % n);
}

/** The links a routine reads and writes (for `markRemote`). */
export function linksOf(c: Launch): { reads: Link[]; writes: Link[] } {
  const [name, ...a] = c;
  switch (name) {
    case 'worker':
      return { reads: [a[2] as Link], writes: [a[3] as Link] };
    case 'dispatcher':
      return { reads: [a[0] as Link], writes: [...(a[1] as Link[]), a[2] as Link] };
    case 'collector':
      return { reads: [...(a[0] as Link[]), a[4] as Link], writes: [a[1] as Link] };
  }
}

/** Where a reader or writer of a link runs: a placer group, or -1 for the thread that builds. */
export interface Endpoint {
  group: number;
  reads: Link[];
  writes: Link[];
}

/**
 * Marks the links whose producers and consumers run on different threads
 * `remote`, so that their consumers spin briefly before parking (spin.ts).
 * Call before the routines start: their arguments are encoded by `go`.
 */
export function markRemote(ends: Endpoint[]): void {
  const producers = new Map<Link, Set<number>>();
  const consumers = new Map<Link, Set<number>>();
  const add = (m: Map<Link, Set<number>>, l: Link, g: number): void => {
    let set = m.get(l);
    if (set === undefined) m.set(l, (set = new Set()));
    set.add(g);
  };
  for (const e of ends) {
    for (const l of e.writes) add(producers, l, e.group);
    for (const l of e.reads) add(consumers, l, e.group);
  }
  for (const [l, ps] of producers) {
    const cs = consumers.get(l);
    if (cs === undefined) continue;
    l.remote = [...cs].some((c) => [...ps].some((p) => p !== c));
  }
}
