// rxjs: the bridge between channels and RxJS (@gocsp/patterns/rxjs).
//
// - fromChannel(ch): an Observable of what arrives on a channel, completing
//   when the channel is closed - here, readings sent by a goroutine on a
//   worker thread, shaped with ordinary RxJS operators on the main thread.
// - parallelMap(task, { concurrency }): like RxJS map, but each value is
//   mapped by a goroutine on the worker runtime, results in input order. CPU
//   work leaves the main thread: its event loop stays free (a 10 ms interval
//   keeps ticking), where a plain map blocks it.
// - toChannel(obs$): the other way - an Observable's values on a channel, for
//   a goroutine to consume.
import { from, interval, lastValueFrom, map, bufferCount, take, toArray, filter } from 'rxjs';
import { gomaxprocs, numCPU, spawn, taskModule } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { fromChannel, parallelMap, toChannel } from '@gocsp/patterns/rxjs';
import { ms, since } from '../lib/fmt.js';
import { println } from '../lib/print.js';
import { digest } from '../tasks/pipeline.js';

const tasks = taskModule<typeof import('../tasks/rxjs.js')>(
  new URL('../tasks/rxjs.js', import.meta.url),
);

println('---- fromChannel: a goroutine sends 12 readings; RxJS filters and batches them ----');
const readings = chan<{ seq: number; celsius: number }>();
const t0 = performance.now();
await spawn(() => 0);
void spawn(tasks.sensor, readings, 12, 15);
const batches = await lastValueFrom(
  fromChannel(readings).pipe(
    filter((r) => r.celsius >= 20),
    map((r) => `#${r.seq} ${r.celsius.toFixed(1)}C`),
    bufferCount(3),
    toArray(),
  ),
);
for (const b of batches) println(`  batch: ${b.join(', ')}`);
println(`the Observable completed when the goroutine closed the channel (${ms(since(t0))})`);

println('');
const N = 16;
const cores = numCPU();
println(
  `---- ${N} values through a CPU-heavy map: rxjs map (main thread) vs parallelMap (${cores} goroutines) ----`,
);

/** Runs `work` while a 10 ms interval counts how often the main thread's event loop got to run it. */
async function withTicks<T>(
  work: () => Promise<T>,
): Promise<{ value: T; took: number; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const start = performance.now();
  const value = await work();
  const took = since(start);
  clearInterval(timer);
  return { value, took, ticks };
}
const values = Array.from({ length: N }, (_, k) => k + 1);
const hex = (r: { digest: number }): string => r.digest.toString(16).padStart(8, '0');
await lastValueFrom(
  from(values.slice(0, cores * 2)).pipe(
    parallelMap(tasks.digest, { concurrency: cores }),
    toArray(),
  ),
); // warm-up
const local = await withTicks(() =>
  lastValueFrom(
    from(values).pipe(
      map((n) => digest(n)),
      map(hex),
      toArray(),
    ),
  ),
);
const remote = await withTicks(() =>
  lastValueFrom(
    from(values).pipe(parallelMap(tasks.digest, { concurrency: cores }), map(hex), toArray()),
  ),
);
println(
  `  map:         ${ms(local.took)}, the 10 ms interval ran ${local.ticks} times (the main thread was busy)`,
);
println(
  `  parallelMap: ${ms(remote.took)}, the 10 ms interval ran ${remote.ticks} times (the work ran on ${gomaxprocs()} worker threads)`,
);
println(
  `  same results, same order: ${local.value.join() === remote.value.join()}  (first: ${remote.value.slice(0, 3).join(' ')} ...)`,
);

println('');
println('---- toChannel: an RxJS interval feeds a channel that a goroutine sums ----');
const ticks = toChannel(interval(5).pipe(take(10)), { capacity: 4 });
println(`  a goroutine summed 0..9 from the channel: ${await spawn(tasks.sum, ticks)}`);
