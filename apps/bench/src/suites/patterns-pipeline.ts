/**
 * A 3-stage pipeline (@gocsp/patterns: pipeline + stage) against the same
 * three stages hand-wired with postMessage between three worker threads, for
 * small items and for CPU-bound items.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { taskModule } from '@gocsp/core';
import { pipeline, stage, type StageOptions } from '@gocsp/patterns';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, perSecond, warmupSize } from '../lib/measure.js';
import { withWorkers } from '../lib/threads.js';
import { THREADS, items, tasksUrl, withGocsp } from './patterns-parallelmap.js';

type Tasks = typeof import('../workers/patterns-tasks.js');
type Item = { id: number; v: number };
type Kind = 'small' | 'cpu';

const STAGE_FNS: Record<Kind, ['s1' | 'c1', 's2' | 'c2', 's3' | 'c3']> = {
  small: ['s1', 's2', 's3'],
  cpu: ['c1', 'c2', 'c3'],
};

/** Sum of v after the three stages: ((v + 1) * 2) - 1. */
function expectedSum(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += ((i % 1000) + 1) * 2 - 1;
  return s;
}

/** Three stage workers wired main -> w1 -> w2 -> w3 -> main with MessagePorts. */
async function withHandWired<T>(
  signal: AbortSignal,
  kind: Kind,
  fn: (push: (x: Item) => void, results: (n: number) => Promise<number>) => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  const url = new URL('./workers/patterns-stage.js', import.meta.url);
  const workers = STAGE_FNS[kind].map((f) => new Worker(url, { workerData: { fn: f } }));
  const end = (): Promise<number[]> => Promise.all(workers.map((w) => w.terminate()));
  const onAbort = (): void => void end();
  signal.addEventListener('abort', onAbort, { once: true });
  const links = [0, 1, 2, 3].map(() => new MessageChannel());
  try {
    const failed = new Promise<never>((_, reject) => {
      for (const w of workers) w.once('error', reject);
    });
    const once = (w: Worker, type: string): Promise<void> =>
      Promise.race([
        failed,
        new Promise<void>((resolve) => {
          const on = (m: { type: string }): void => {
            if (m.type === type) {
              w.off('message', on);
              resolve();
            }
          };
          w.on('message', on);
        }),
      ]);
    await Promise.all(workers.map((w) => once(w, 'ready')));
    for (let k = 0; k < 3; k++) {
      const input = links[k]!.port2;
      const output = links[k + 1]!.port1;
      workers[k]!.postMessage({ type: 'wire', input, output }, [input, output]);
      await once(workers[k]!, 'wired');
    }
    const head = links[0]!.port1;
    const tail = links[3]!.port2;
    let want = 0;
    let got = 0;
    let sum = 0;
    let done: ((s: number) => void) | undefined;
    tail.on('message', (x: Item) => {
      sum += x.v;
      if (++got === want) done?.(sum);
    });
    const results = (n: number): Promise<number> =>
      Promise.race([
        failed,
        new Promise<number>((resolve) => {
          want = n;
          got = 0;
          sum = 0;
          done = resolve;
        }),
      ]);
    return await fn((x) => head.postMessage(x), results);
  } finally {
    signal.removeEventListener('abort', onAbort);
    for (const l of links) {
      l.port1.close();
      l.port2.close();
    }
    await end();
  }
}

async function timed(
  what: string,
  n: number,
  pass: (k: number) => Promise<number>,
): Promise<number> {
  const w = warmupSize(n);
  expectEqual(`${what} (warm-up)`, await pass(w), expectedSum(w));
  const t0 = performance.now();
  const sum = await pass(n);
  const ms = performance.now() - t0;
  expectEqual(what, sum, expectedSum(n));
  return perSecond(n, ms);
}

function handWiredCase(kind: Kind, n: number, quickN: number): BenchCase {
  const name = 'hand-wired: 3 workers, postMessage per item';
  return {
    name,
    baseline: true,
    n,
    quickN,
    note: 'main -> w1 -> w2 -> w3 -> main over MessagePorts; each worker maps and posts on; all N posted at once (no backpressure)',
    run: ({ n, signal }) =>
      withHandWired(signal, kind, (push, results) =>
        timed(name, n, async (k) => {
          const r = results(k);
          for (const x of items(k)) push(x);
          return r;
        }),
      ),
  };
}

/**
 * A gocsp case's run: `kind`'s three stages, each with `opts`, on a fresh
 * runtime of THREADS Ps, timed as `name` (sum checked).
 */
function gocspRun(kind: Kind, name: string, opts: StageOptions): BenchCase['run'] {
  const [f1, f2, f3] = STAGE_FNS[kind];
  return ({ n, signal }) =>
    withGocsp(signal, THREADS, () => {
      const tasks = taskModule<Tasks>(tasksUrl());
      return timed(name, n, async (k) => {
        const out = pipeline(
          items(k),
          stage(tasks[f1], opts),
          stage(tasks[f2], opts),
          stage(tasks[f3], opts),
        );
        let sum = 0;
        for await (const x of out) sum += x.v;
        return sum;
      });
    });
}

function gocspCase(kind: Kind, n: number, quickN: number, goal: string): BenchCase {
  // CPU-bound stages get one goroutine per P (the way to use both cores with gocsp:
  // goroutines do not move between Ps once started); small ones one goroutine each.
  const concurrency = kind === 'cpu' ? THREADS : 1;
  const name = `gocsp pipeline(items, stage x 3${concurrency > 1 ? `, concurrency ${concurrency}` : ''}), ${THREADS} Ps`;
  const [f1, f2, f3] = STAGE_FNS[kind];
  return {
    name,
    n,
    quickN,
    goal,
    note: `gomaxprocs(${THREADS}), fresh runtime; pipeline(array, stage(tasks.${f1}), stage(tasks.${f2}), stage(tasks.${f3})) with { concurrency: ${concurrency} } (ordered, default buffers); \`for await\` over the output on the main thread`,
    run: gocspRun(kind, name, { concurrency }),
  };
}

/**
 * The CPU-bound stages with one worker each (the default `concurrency`):
 * fused, the three run on one goroutine, one thread (pipeline.ts, "Fusion");
 * with `fuse: false` each keeps a goroutine of its own, spread over the Ps.
 * No goal: these show what fusion costs heavy single-worker stages, and the
 * option that gives the cores back.
 */
function singleWorkerCase(fuse: boolean, n: number, quickN: number): BenchCase {
  const name = `gocsp pipeline(items, stage x 3${fuse ? '' : ', fuse: false'}), single workers, ${THREADS} Ps`;
  return {
    name,
    n,
    quickN,
    note: fuse
      ? `the default options (one worker per stage): the three stages fuse into one goroutine, so one thread does the work; for scale, no goal`
      : `{ fuse: false } on each stage: three goroutines, placed round-robin on the ${THREADS} Ps; for scale, no goal`,
    run: gocspRun('cpu', name, { fuse }),
  };
}

/**
 * The machine's rate for the CPU-bound stages' work: THREADS plain workers
 * each run c1, c2, c3 in turn on its share of the items, with no transport,
 * ordering or scheduler. No pipeline of these stages can beat it here; it
 * tells a gap of gocsp's from the machine's own limit (sched-cpu's raw cases
 * do the same for single tasks).
 */
function capacityCase(n: number, quickN: number): BenchCase {
  const name = `raw: ${THREADS} plain workers, c1 -> c2 -> c3 on their share of the items`;
  return {
    name,
    n,
    quickN,
    note: `the machine's rate for the work itself: ${THREADS} worker_threads each run the three tasks in turn on their share of the items (item i on worker i % ${THREADS}; workers/patterns-capacity.ts); no transport, no order, nothing in flight between them: the ceiling of any pipeline of these stages here`,
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const url = new URL('./workers/patterns-capacity.js', import.meta.url);
        const ws = await Promise.all(
          Array.from({ length: THREADS }, (_, index) =>
            spawn(url, `capacity ${index}`, { index, of: THREADS }),
          ),
        );
        return timed(name, n, async (k) => {
          for (const w of ws) w.post({ type: 'run', n: k });
          let sum = 0;
          for (const w of ws) sum += (await w.next('done')).sum as number;
          return sum;
        });
      }),
  };
}

const DESCRIPTION =
  'N records `{ id, v }` through three stages `v + 1`, `v * 2`, `v - 1` and summed on the main thread (checked). ' +
  'Baseline: three worker threads wired main -> w1 -> w2 -> w3 -> main with MessagePorts, one postMessage per ' +
  'item per hop. gocsp: `pipeline(items, stage(s1), stage(s2), stage(s3))` on 2 Ps (values move in batches ' +
  "between the pipeline's own parts; one by one into the output channel), the stage " +
  'functions from the same module (workers/patterns-tasks.ts) through `taskModule`. Each case starts its threads ' +
  'fresh and runs an untimed warm-up pass of N/10 first. Items per second, first item in to last item out.';

/** Small items: per-item overhead of the plumbing. */
export function patternsPipelineSuite(): BenchSuite {
  return {
    name: 'patterns-pipeline',
    title: '3-stage pipeline vs the same stages hand-wired with postMessage: small items',
    description: `${DESCRIPTION} The stages compute nothing: the figure is the plumbing.`,
    metric: { kind: 'rate', unit: 'items/s' },
    timeoutMs: 60_000,
    cases: [
      handWiredCase('small', 200_000, 10_000),
      gocspCase('small', 200_000, 10_000, '>= 2x baseline'),
    ],
  };
}

/** CPU-bound items: both bound by the cores. */
export function patternsPipelineCpuSuite(): BenchSuite {
  return {
    name: 'patterns-pipeline-cpu',
    title: '3-stage pipeline vs the same stages hand-wired with postMessage: CPU-bound items',
    description: `${DESCRIPTION} Here each stage first runs 5e5 iterations of a multiply-add loop (about 2 ms here): 3 CPU-bound stages on 2 cores, where gocsp runs each stage with \`concurrency: 2\` (goroutines do not move between threads once started; the OS moves the 3 hand-wired threads); goal: equal (within 5%). The raw case runs the same three tasks on 2 plain workers with nothing between them: the machine's rate for the work, which neither pipeline can beat. The last two cases (no goal) run the stages with one worker each: fused into one goroutine by default, and apart with \`fuse: false\`.`,
    metric: { kind: 'rate', unit: 'items/s' },
    timeoutMs: 60_000,
    cases: [
      handWiredCase('cpu', 400, 40),
      gocspCase('cpu', 400, 40, '>= 0.95x baseline'),
      capacityCase(400, 40),
      singleWorkerCase(true, 400, 40),
      singleWorkerCase(false, 400, 40),
    ],
  };
}
