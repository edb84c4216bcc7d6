// concurrency: the seed's "Example 1: Concurrency (Single Core)". With
// GOMAXPROCS(1) there is one P, so one worker thread runs every goroutine:
// three workers are all in progress at once (concurrency) while only one of
// them executes at any moment (no parallelism). Each yields at `await
// sleep(...)`, and the scheduler runs the next one - the output interleaves.
//
//   func worker(id int) {
//       for i := 1; i <= 3; i++ {
//           fmt.Printf("Worker %d running iteration %d\n", id, i)
//           time.Sleep(400 * time.Millisecond)
//       }
//   }
//   runtime.GOMAXPROCS(1); go worker(1); go worker(2); go worker(3)
//
// The seed's main sleeps 3 s to let the workers finish; here main waits on a
// WaitGroup instead (see the waitgroup example). Part two is the other seed's
// printMessage: a goroutine and the main thread printing side by side.
import { go, gomaxprocs, numCPU, runtime, sleep, taskModule } from '@gocsp/core';
import { WaitGroup } from '@gocsp/sync';
import { threadId } from 'node:worker_threads';
import { ms, since } from '../lib/fmt.js';
import { println } from '../lib/print.js';

const tasks = taskModule<typeof import('../tasks/concurrency.js')>(
  new URL('../tasks/concurrency.js', import.meta.url),
);

const PAUSE = 400; // ms, as in the seed

gomaxprocs(1); // one P: one worker thread runs all goroutines
println(`Using GOMAXPROCS: ${gomaxprocs()}   (this machine has ${numCPU()} CPUs)`);
println('---- Concurrency Demo ----');

const wg = new WaitGroup();
const t0 = performance.timeOrigin + performance.now();
const started = performance.now();
wg.add(3);
go(tasks.worker, 1, PAUSE, t0, wg);
go(tasks.worker, 2, PAUSE, t0, wg);
go(tasks.worker, 3, PAUSE, t0, wg);
await wg.wait();
const took = since(started);
println(
  `3 workers x 3 iterations of ${PAUSE} ms took ${ms(took)} on 1 P: the waits overlapped (one after another: ${ms(9 * PAUSE)})`,
);
const [p0] = runtime.stats().ps;
println(`P0 started ${p0?.started ?? 0} goroutines; they took turns on its one thread`);

// Part two: `go printMessage("Goroutine"); printMessage("Main Function")`.
println('');
println('---- go printMessage("Goroutine"); printMessage("Main Function") ----');
go(tasks.printMessage, 'Goroutine', 250);
for (let i = 1; i <= 3; i++) {
  println('Main Function', i, `  (thread ${threadId}: the main thread)`);
  await sleep(250);
}
println('main and the goroutine ran at the same time on two threads; their lines interleave');
