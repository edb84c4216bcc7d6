/**
 * Pipelines: stages connected by channels (Go's "pipelines and
 * cancellation"). A stage is a set of goroutines running a task on each value
 * of its input channel and putting the results on its output channel.
 *
 * - Goroutine stages (`stage`) run on the worker runtime: `concurrency`
 *   workers share the input; unordered, they share the output too; ordered, a
 *   dispatcher and a collector goroutine keep the order (routines.ts).
 * - Local stages (`localStage`, `piscinaStage`) run on the thread that builds
 *   the pipeline, for functions that cannot move (a Piscina pool, a socket).
 *
 * Every stage watches one context, the pipeline's. The first error anywhere
 * cancels it with that error as the cause, which stops every stage; the error
 * surfaces once, from the output's `wait()` / `for await` / `collect`.
 * Closing the source drains the stages in order: each stage closes its output
 * when its last worker has taken the last value.
 */
import { gomaxprocs, type AnyFn, type TaskRef } from '@gocsp/core';
import { chan, Channel } from '@gocsp/channels';
import { AtomicInt32, WaitGroup } from '@gocsp/sync';
import { Context, background, cancelWithCause, cause, withCancel } from './context.js';
import { errors } from './errors.js';
import { closeQuietly } from './internal/flow.js';
import { END, MAX_BATCH, Reader, STOP, WAIT, Writer, type Link } from './internal/link.js';
import {
  STAGE,
  launchAll,
  linksOf,
  markRemote,
  orderedLinks,
  placement,
  routine,
  work,
  type Endpoint,
  type Launch,
} from './internal/routines.js';
import { isLocalTask, taskSpec, type TaskSpec } from './internal/task.js';
import { StreamChannel } from './stream.js';

/** Options of {@link stage} and {@link localStage}. */
export interface StageOptions {
  /** Workers running the task at once (default 1). */
  concurrency?: number;
  /** Keep the input order in the output (default true). */
  ordered?: boolean;
  /**
   * Values the stage's output holds before the stage waits (default 256).
   * Between goroutine stages values move in batches of up to
   * min(buffer, 64), so a link holds about `buffer` values plus the batch
   * being filled and the one being read: lower it for large values. An
   * ordered stage with `concurrency` > 1 holds about as many again between
   * its workers and the collector that restores the order.
   */
  buffer?: number;
  /**
   * May run in the same goroutines as its neighbours (default true): see
   * {@link pipeline}, "Fusion". Set false for a stage whose task waits (on
   * I/O, a timer) rather than computes, so that it keeps goroutines of its
   * own and overlaps with its neighbours; or for a single-worker stage heavy
   * enough to deserve a thread of its own (or give it `concurrency`).
   */
  fuse?: boolean;
}

/** Default `buffer` of a stage (and of a pipeline without stages). */
const DEFAULT_BUFFER = 256;

/** What a stage needs to start: its input and output links, the pipeline's context and WaitGroup. */
interface StageRun {
  input: Link;
  output: Link;
  ctx: Context;
  wg: WaitGroup;
  /** Goroutines to start (all stages' are started together, spread over the Ps). */
  launches: Launch[];
  /** Loops of this thread and the links they use (see markRemote). */
  locals: Endpoint[];
}

/**
 * One stage of a pipeline; make it with {@link stage}, {@link localStage} or
 * `piscinaStage`, and pass it to {@link pipeline}.
 */
export interface Stage<A, R> {
  /** @internal */ readonly concurrency: number;
  /** @internal */ readonly ordered: boolean;
  /** @internal */ readonly buffer: number;
  /** @internal largest batch its input link should carry. */
  readonly inBatch: number;
  /** @internal runs on the worker runtime (not on the thread that builds the pipeline). */
  readonly goroutines: boolean;
  /** @internal goroutine stages: the tasks its workers run on each value, in turn (several once fused). */
  readonly specs?: TaskSpec[];
  /** @internal may be fused with its neighbours. */
  readonly fuse: boolean;
  /** @internal starts the stage's loops. */
  start(run: StageRun): void;
  /** Phantom: the input type (contravariant: a stage taking `unknown` takes anything). */
  readonly __in?: (value: A) => void;
  /** Phantom: the output type. */
  readonly __out?: R;
}

function options(what: string, opts: StageOptions): Required<StageOptions> {
  const concurrency = opts.concurrency ?? 1;
  const buffer = opts.buffer ?? DEFAULT_BUFFER;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw errors.badCount(`${what}: concurrency`, concurrency);
  }
  if (!Number.isInteger(buffer) || buffer < 0) throw errors.badCount(`${what}: buffer`, buffer, 0);
  return { concurrency, buffer, ordered: opts.ordered ?? true, fuse: opts.fuse ?? true };
}

/**
 * A pipeline stage that runs `task` on the worker runtime: `concurrency`
 * goroutines each take values from the stage's input and put `await
 * task(value)` on its output (in input order unless `ordered: false`). The
 * task is a self-contained function or a `taskModule` reference, as for `go`.
 * An error thrown by the task fails the whole pipeline. A function marked
 * local (`Symbol.for('gocsp.localTask')`: the remote task functions of
 * `@gocsp/nats`) runs on this thread instead, as {@link localStage} does.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * const out = pipeline(fromIterable(files), stage(tasks.parse, { concurrency: 4 }), stage((r: Row) => r.total));
 * ```
 */
export function stage<F extends AnyFn>(
  task: F | TaskRef<F>,
  opts: StageOptions = {},
): Stage<Parameters<F>[0], Awaited<ReturnType<F>>> {
  if (isLocalTask(task)) {
    return localStage<Parameters<F>[0], Awaited<ReturnType<F>>>(
      task as (v: Parameters<F>[0]) => Promise<Awaited<ReturnType<F>>>,
      opts,
    );
  }
  return goStage([taskSpec('stage', task)], options('stage', opts)) as Stage<
    Parameters<F>[0],
    Awaited<ReturnType<F>>
  >;
}

/** A goroutine stage whose workers run `specs` in turn on each value. */
function goStage(specs: TaskSpec[], o: Required<StageOptions>): Stage<unknown, unknown> {
  const spec = specs.length === 1 ? specs[0]! : specs;
  return {
    ...o,
    // Unordered workers share their input: smaller batches spread the work.
    inBatch:
      o.ordered || o.concurrency === 1
        ? MAX_BATCH
        : Math.max(4, Math.ceil(MAX_BATCH / o.concurrency)),
    goroutines: true,
    specs,
    start: (run) => startGoStage(spec, o, run),
  };
}

/**
 * Fusion: consecutive goroutine stages become one stage whose workers run
 * their tasks one after the other on each value, so that the values between
 * them are not encoded, sent, woken for and decoded (the cost of a small
 * stage is its links), as stream processors chain operators of equal
 * parallelism (Flink's operator chaining). `procs` Ps can run at most
 * `procs` workers at once, and goroutines never move, so:
 * - a run of stages with the same `concurrency` c >= procs and the same
 *   `ordered` is one stage of c workers: each worker alone keeps a P busy,
 *   where c workers per stage would share the Ps stage by stage (3 CPU-bound
 *   stages x 2 workers on 2 Ps: six workers taking turns, and the ordering
 *   bubbles of three dispatcher/collector pairs);
 * - a run of single-worker stages is one stage of one worker. Its
 *   parallelism was one value at a time per stage; what it gives up is the
 *   overlap of its stages on different Ps, which pays only when their tasks
 *   are heavy, and costs a cross-thread link per stage boundary otherwise:
 *   with the feeding thread, three threads on two cores take turns to
 *   sleep and wake. Measured (3 small stages, 200k items, 2 Ps, first pass
 *   after a warm-up): 285k items/s fused into one against 178k split over
 *   the two Ps (median of 5 alternating runs). Go gets there by scheduling:
 *   a goroutine made ready by a channel send runs next on the sender's P
 *   (runnext), so a pipeline of light stages mostly stays on one thread.
 *   Heavy stages would lose their overlap (three CPU-heavy single-worker
 *   stages, ~3 ms each: 107 items/s fused against 162 apart; Go would
 *   steal them onto idle Ps, and started goroutines here never move), so
 *   the fused worker splits while it runs once its tasks prove heavy
 *   (routines.ts, workFused: the later tasks move to a goroutine on
 *   another P): the same three stages then ran 160 items/s. `fuse: false`
 *   keeps a stage apart from the start, `concurrency` uses the cores.
 * What stays: the order, the first error failing the pipeline (explained
 * against its own task), cancellation between values, back-pressure (each
 * fused stage's output has the last stage's buffer; the links that went away
 * held values, so fewer are in flight). What changes: a stage whose task
 * awaits I/O no longer overlaps with the stage it is fused with -
 * `fuse: false` keeps a stage apart.
 */
function fuse(stages: Stage<unknown, unknown>[], procs: number): Stage<unknown, unknown>[] {
  const out: Stage<unknown, unknown>[] = [];
  const joinable = (a: Stage<unknown, unknown>, b: Stage<unknown, unknown>): boolean =>
    a.specs !== undefined &&
    b.specs !== undefined &&
    a.fuse &&
    b.fuse &&
    a.concurrency === b.concurrency &&
    (a.concurrency === 1 || (a.concurrency >= procs && a.ordered === b.ordered));
  for (let i = 0; i < stages.length;) {
    let j = i + 1;
    while (j < stages.length && joinable(stages[j - 1]!, stages[j]!)) j++;
    const run = stages.slice(i, j);
    const last = run[run.length - 1]!;
    out.push(
      run.length === 1
        ? run[0]!
        : goStage(
            run.flatMap((s) => s.specs!),
            {
              concurrency: run[0]!.concurrency,
              ordered: run.every((s) => s.ordered),
              buffer: last.buffer,
              fuse: true,
            },
          ),
    );
    i = j;
  }
  return out;
}

function startGoStage(spec: TaskSpec | TaskSpec[], o: Required<StageOptions>, run: StageRun): void {
  const { input, output, ctx, wg, launches } = run;
  const n = o.concurrency;
  if (n === 1 || !o.ordered) {
    const left = n === 1 ? null : new AtomicInt32(n);
    wg.add(n);
    for (let k = 0; k < n; k++) {
      launches.push(routine('worker', spec, STAGE, input, output, ctx, wg, left, false));
    }
    return;
  }
  // Ordered with n workers: input -> dispatcher -> ins[k] -> worker k -> outs[k] -> collector -> output,
  // and dispatcher -> order -> collector: which worker has each piece (routines.ts, orderedLinks).
  const { ins, outs, order } = orderedLinks(o.buffer, n);
  wg.add(n + 2);
  // Workers first, so that the round-robin over the Ps spreads them.
  for (let k = 0; k < n; k++) {
    launches.push(routine('worker', spec, STAGE, ins[k]!, outs[k]!, ctx, wg, null, true));
  }
  launches.push(routine('dispatcher', input, ins, order, ctx, wg));
  launches.push(routine('collector', outs, output, ctx, wg, order));
}

/**
 * A pipeline stage that runs `fn` on the thread that builds the pipeline
 * (for work that cannot move to a worker: an object with state, a Piscina
 * pool, a database client). Up to `concurrency` calls are in flight at once;
 * results keep the input order unless `ordered: false`.
 *
 * @example
 * ```ts
 * const out = pipeline(ids, localStage((id: number) => db.get(id), { concurrency: 16 }));
 * ```
 */
export function localStage<A, R>(
  fn: (value: A) => R | Promise<R>,
  opts: StageOptions = {},
): Stage<A, Awaited<R>> {
  if (typeof fn !== 'function') throw errors.badTask('localStage', fn);
  const o = options('localStage', opts);
  return {
    ...o,
    inBatch: MAX_BATCH,
    goroutines: false,
    start: (run) => startLocalStage(fn as (v: unknown) => unknown, o, run),
  };
}

function startLocalStage(
  fn: (v: unknown) => unknown,
  o: Required<StageOptions>,
  run: StageRun,
): void {
  const { input, output, ctx, wg, locals } = run;
  locals.push({ group: -1, reads: [input], writes: [output] });
  wg.add(1);
  const fail = (e: unknown): void => cancelWithCause(ctx, e);
  const loops =
    o.ordered && o.concurrency > 1
      ? [orderedLocal(fn, o.concurrency, input, output, ctx)]
      : Array.from({ length: o.concurrency }, () => work(fn, undefined, STAGE, input, output, ctx));
  void Promise.all(loops.map((p) => p.catch(fail))).finally(() => {
    closeQuietly(output.ch);
    wg.done();
  });
}

/** Up to `n` calls in flight; results leave in input order (a sliding window of promises). */
async function orderedLocal(
  fn: (v: unknown) => unknown,
  n: number,
  input: Link,
  output: Link,
  ctx: Context,
): Promise<void> {
  const done = ctx.done();
  const r = new Reader(input, done);
  const w = new Writer(output, done);
  type Settled = { ok: true; v: unknown } | { ok: false; e: unknown };
  const window: Promise<Settled>[] = [];
  const call = (v: unknown): Promise<Settled> =>
    (async () => fn(v))().then(
      (x) => ({ ok: true, v: x }),
      (e: unknown) => ({ ok: false, e }),
    );
  const emit = async (): Promise<boolean> => {
    const head = window.shift()!;
    // Waiting on a call: what is ready goes downstream first.
    let f = w.flush();
    if (f instanceof Promise) f = await f;
    if (!f) return false;
    const x = await head;
    if (!x.ok) {
      cancelWithCause(ctx, x.e);
      return false;
    }
    let sent = w.push(x.v);
    if (sent instanceof Promise) sent = await sent;
    return sent;
  };
  for (;;) {
    if (ctx.err() !== undefined) return;
    let v = r.poll();
    if (v === WAIT) v = await r.flushAndWait(w);
    if (v === STOP) return;
    if (v === END) break;
    window.push(call(v));
    if (window.length >= n && !(await emit())) return;
  }
  while (window.length > 0) {
    if (ctx.err() !== undefined || !(await emit())) return;
  }
  const f = w.flush();
  if (f instanceof Promise) await f;
}

/** A pipeline's source: a channel, or values to feed into one. */
export type Source<T> = Channel<T> | Iterable<T> | AsyncIterable<T>;

/**
 * Connects `source` through `stages` and returns the last stage's output: a
 * channel closed after the last value, whose `wait()` (and `for await`, and
 * `collect`) reports the first error. Any error cancels every stage. The
 * source is a channel (the pipeline drains it until it is closed) or an
 * iterable (fed on this thread). A Context given first bounds the pipeline:
 * cancelling it stops every stage.
 *
 * Fusion: neighbouring goroutine stages of one worker each, or of the same
 * `concurrency` of at least `gomaxprocs()`, share their goroutines: one
 * worker runs the tasks of both, one after the other, on each value, with
 * no channel between them. Order, errors, cancellation and back-pressure
 * stay as they are; a stage with `fuse: false` (for tasks that wait on I/O,
 * or a single-worker stage heavy enough to want a thread of its own) keeps
 * goroutines of its own.
 *
 * @example
 * ```ts
 * const out = pipeline(
 *   fromIterable(lines),
 *   stage((l: string) => JSON.parse(l), { concurrency: 2 }),
 *   stage(tasks.enrich, { concurrency: 4, ordered: false }),
 *   localStage((r: Rec) => db.insert(r)),
 * );
 * const ids = await collect(out); // throws the first error, after stopping every stage
 * ```
 */
export function pipeline<T>(source: Source<T>): StreamChannel<T>;
export function pipeline<T, R1>(source: Source<T>, s1: Stage<T, R1>): StreamChannel<R1>;
export function pipeline<T, R1, R2>(
  source: Source<T>,
  s1: Stage<T, R1>,
  s2: Stage<R1, R2>,
): StreamChannel<R2>;
export function pipeline<T, R1, R2, R3>(
  source: Source<T>,
  s1: Stage<T, R1>,
  s2: Stage<R1, R2>,
  s3: Stage<R2, R3>,
): StreamChannel<R3>;
export function pipeline<T, R1, R2, R3, R4>(
  source: Source<T>,
  s1: Stage<T, R1>,
  s2: Stage<R1, R2>,
  s3: Stage<R2, R3>,
  s4: Stage<R3, R4>,
): StreamChannel<R4>;
export function pipeline<T>(ctx: Context, source: Source<T>): StreamChannel<T>;
export function pipeline<T, R1>(
  ctx: Context,
  source: Source<T>,
  s1: Stage<T, R1>,
): StreamChannel<R1>;
export function pipeline<T, R1, R2>(
  ctx: Context,
  source: Source<T>,
  s1: Stage<T, R1>,
  s2: Stage<R1, R2>,
): StreamChannel<R2>;
export function pipeline<T, R1, R2, R3>(
  ctx: Context,
  source: Source<T>,
  s1: Stage<T, R1>,
  s2: Stage<R1, R2>,
  s3: Stage<R2, R3>,
): StreamChannel<R3>;
export function pipeline<T, R1, R2, R3, R4>(
  ctx: Context,
  source: Source<T>,
  s1: Stage<T, R1>,
  s2: Stage<R1, R2>,
  s3: Stage<R2, R3>,
  s4: Stage<R3, R4>,
): StreamChannel<R4>;
export function pipeline(
  ...args: [Context | Source<unknown>, ...Array<Source<unknown> | Stage<never, unknown>>]
): StreamChannel<unknown>;
export function pipeline(...args: unknown[]): StreamChannel<unknown> {
  let parent = background();
  if (args[0] instanceof Context) parent = args.shift() as Context;
  const [source, ...given] = args as [Source<unknown>, ...Stage<unknown, unknown>[]];
  for (const s of given) {
    if (typeof s !== 'object' || s === null || typeof s.start !== 'function') {
      throw new TypeError(
        'pipeline: every argument after the source must be a stage (stage(...), localStage(...), piscinaStage(...))',
      );
    }
  }
  const isChan = source instanceof Channel;
  if (
    !isChan &&
    (typeof source !== 'object' ||
      source === null ||
      !(Symbol.iterator in source || Symbol.asyncIterator in source))
  ) {
    throw new TypeError('pipeline: the source must be a Channel or an (async) iterable');
  }
  const stages = fuse(given, gomaxprocs());
  const [ctx, cancel] = withCancel(parent);
  const wg = new WaitGroup();
  const last = stages.length === 0 ? DEFAULT_BUFFER : stages[stages.length - 1]!.buffer;
  const out = new StreamChannel<unknown>(last);
  const tail = stages[stages.length - 1];
  // One producer of the output (a single worker, or an ordered stage's collector): it may send runs.
  const outLink: Link = {
    ch: out,
    batch: 0,
    runs: tail !== undefined && tail.goroutines && (tail.concurrency === 1 || tail.ordered),
  };
  /** The link into stage i (or the output, for i = stages.length). */
  const linkInto = (i: number, buffer: number): Link => {
    if (i === stages.length) return outLink;
    const batch = Math.max(1, Math.min(stages[i]!.inBatch, buffer));
    return { ch: chan<unknown>(Math.max(2, Math.ceil(buffer / batch))), batch };
  };
  let input: Link;
  let fed: Promise<void> = Promise.resolve();
  if (isChan) {
    input = { ch: source, batch: 0 };
  } else {
    input = linkInto(0, DEFAULT_BUFFER);
    fed = feedLink(source, input, ctx);
  }
  const launches: Launch[] = [];
  // This thread feeds the source link (an iterable) and reads the output.
  const locals: Endpoint[] = [{ group: -1, reads: [outLink], writes: isChan ? [] : [input] }];
  try {
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i]!;
      const output = linkInto(i + 1, s.buffer);
      s.start({ input, output, ctx, wg, launches, locals });
      input = output;
    }
    const groups = placement(launches);
    markRemote([...locals, ...launches.map((c, i) => ({ group: groups[i]!, ...linksOf(c) }))]);
    launchAll(launches);
  } catch (e) {
    cancelWithCause(ctx, e);
    throw e;
  }
  if (stages.length === 0 && isChan) {
    // No stage: forward the source as is.
    wg.add(1);
    void forward(input, outLink, ctx).finally(() => wg.done());
  }
  const remoteOut = stages.length > 0 && stages[stages.length - 1]!.goroutines;
  return out.bind(
    ctx,
    cancel,
    async () => {
      await fed;
      await wg.wait();
      const failed = ctx.err() !== undefined;
      const why = failed ? cause(ctx) : undefined;
      cancel();
      if (failed) throw why;
    },
    remoteOut,
  );
}

/** Feeds an iterable into a link on this thread, then closes it; an error fails the pipeline. */
async function feedLink(
  it: Iterable<unknown> | AsyncIterable<unknown>,
  link: Link,
  ctx: Context,
): Promise<void> {
  const w = new Writer(link, ctx.done());
  try {
    if (Symbol.asyncIterator in it) {
      for await (const v of it) {
        if (ctx.err() !== undefined) return;
        let ok = w.push(v);
        if (ok instanceof Promise) ok = await ok;
        // An async source may pause at any await: do not hold values back.
        if (ok) ok = w.flush();
        if (ok instanceof Promise) ok = await ok;
        if (!ok) return;
      }
    } else {
      for (const v of it) {
        if (ctx.err() !== undefined) return;
        let ok = w.push(v);
        if (ok instanceof Promise) ok = await ok;
        if (!ok) return;
      }
    }
    let ok = w.flush();
    if (ok instanceof Promise) ok = await ok;
  } catch (e) {
    cancelWithCause(ctx, e);
  } finally {
    closeQuietly(link.ch);
  }
}

async function forward(input: Link, output: Link, ctx: Context): Promise<void> {
  const done = ctx.done();
  const r = new Reader(input, done);
  const w = new Writer(output, done);
  try {
    for (;;) {
      let v = r.poll();
      if (v === WAIT) {
        if ((await r.wait()) === END) return;
        v = r.poll();
      }
      if (v === END) return;
      let sent = w.push(v);
      if (sent instanceof Promise) sent = await sent;
      if (!sent) return;
    }
  } catch (e) {
    cancelWithCause(ctx, e);
  } finally {
    closeQuietly(output.ch);
  }
}
