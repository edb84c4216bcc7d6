// pipeline: the Go blog's "Pipelines and cancellation" (go.dev/blog/pipelines).
// A pipeline is a series of stages connected by channels; each stage is a
// group of goroutines that receive values from upstream, work on them, and
// send them downstream. Fan-out: several goroutines read from the same
// channel, sharing its work. Fan-in: one goroutine per input channel forwards
// into a single output, closed when all inputs are done.
//
//   func gen(nums ...int) <-chan int   // a goroutine sends nums, then closes
//   func sq(in <-chan int) <-chan int  // a goroutine squares what it receives
//   func merge(cs ...<-chan int) <-chan int {
//       var wg sync.WaitGroup; out := make(chan int)
//       output := func(c <-chan int) { for n := range c { out <- n }; wg.Done() }
//       wg.Add(len(cs)); for _, c := range cs { go output(c) }
//       go func() { wg.Wait(); close(out) }()
//       return out
//   }
//   in := gen(1, 2, ..., 10)
//   c1, c2, c3 := sq(in), sq(in), sq(in)          // fan-out
//   for n := range merge(c1, c2, c3) { sum += n }  // fan-in
//
// Part one is that code with gocsp channels and goroutines. Part two builds
// a pipeline with @gocsp/patterns' pipeline() and a CPU-heavy stage, run with
// one worker and with NumCPU workers: fan-out across threads is parallelism.
import { go, numCPU, spawn, taskModule } from '@gocsp/core';
import { chan, type Channel } from '@gocsp/channels';
import { WaitGroup } from '@gocsp/sync';
import { collect, fromIterable, pipeline, stage } from '@gocsp/patterns';
import { ms, since } from '../lib/fmt.js';
import { watchLoad } from '../lib/load.js';
import { println } from '../lib/print.js';
import { byThread } from '../lib/threads.js';

const tasks = taskModule<typeof import('../tasks/pipeline.js')>(
  new URL('../tasks/pipeline.js', import.meta.url),
);

/** The first stage: a goroutine that sends `nums` on a new channel, then closes it. */
function gen(...nums: number[]): Channel<number> {
  const out = chan<number>();
  go(
    async (out: Channel<number>, nums: number[]) => {
      for (const n of nums) await out.send(n);
      out.close();
    },
    out,
    nums,
  );
  return out;
}

/** A squaring stage: a goroutine that squares each value; tags it with `id` to show who did it. */
function sq(input: Channel<number>, id: string): Channel<[number, string]> {
  const out = chan<[number, string]>();
  go(
    async (input: Channel<number>, out: Channel<[number, string]>, id: string) => {
      for await (const n of input) {
        await new Promise((r) => setTimeout(r, 10)); // some work
        await out.send([n * n, id]);
      }
      out.close();
    },
    input,
    out,
    id,
  );
  return out;
}

/** Fan-in: a goroutine per input forwards to one output; one more closes it when all are done. */
function merge<T>(...cs: Channel<T>[]): Channel<T> {
  const wg = new WaitGroup();
  const out = chan<T>();
  wg.add(cs.length);
  for (const c of cs) {
    go(
      async (c: Channel<T>, out: Channel<T>, wg: WaitGroup) => {
        for await (const n of c) await out.send(n);
        wg.done();
      },
      c,
      out,
      wg,
    );
  }
  go(
    async (wg: WaitGroup, out: Channel<T>) => {
      await wg.wait();
      out.close();
    },
    wg,
    out,
  );
  return out;
}

println('---- gen(1..10) -> sq x3 (fan-out) -> merge (fan-in) -> sum ----');
const input = gen(...Array.from({ length: 10 }, (_, k) => k + 1));
const c1 = sq(input, 'sq1');
const c2 = sq(input, 'sq2');
const c3 = sq(input, 'sq3');
let sum = 0;
const by: Record<string, number[]> = {};
for await (const [n, id] of merge(c1, c2, c3)) {
  sum += n;
  (by[id] ??= []).push(n);
}
println(`sum of squares 1..10 = ${sum}`);
for (const [id, ns] of Object.entries(by).sort()) println(`  ${id} squared: ${ns.join(' ')}`);
println('the three sq goroutines shared one input channel: each value went to exactly one of them');

println('');
const cores = numCPU();
const N = 32;
println(`---- pipeline(fromIterable(1..${N}), stage(digest, { concurrency }), stage(format)) ----`);
async function run(
  concurrency: number,
): Promise<{ took: number; lines: string[]; threads: string }> {
  const start = performance.now();
  const out = pipeline(
    fromIterable(Array.from({ length: N }, (_, k) => k + 1)),
    stage(tasks.digest, { concurrency }),
    stage((r: { n: number; digest: number; thread: number }) => ({
      line: `${r.n}:${r.digest.toString(16).padStart(8, '0')}`,
      thread: r.thread,
    })),
  );
  const results = await collect(out);
  return { took: since(start), lines: results.map((r) => r.line), threads: byThread(results) };
}
await spawn(tasks.digest, 0, 1); // runtime up, task module loaded
await run(cores); // warm-up: the stage's code is compiled on every P
const load = watchLoad();
const one = await run(1);
const many = await run(cores);
println(`first results (in input order): ${many.lines.slice(0, 4).join(' ')} ...`);
println(`concurrency 1: ${N} values in ${ms(one.took)}   (digests per ${one.threads})`);
println(
  `concurrency ${cores}: ${N} values in ${ms(many.took)}   (digests per ${many.threads})  ${(one.took / many.took).toFixed(2)}x${load()}`,
);
println(`same output both times: ${one.lines.join() === many.lines.join()}`);
