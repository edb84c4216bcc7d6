// parallelism: the seed's "Example 2: Parallelism (Multi-Core)". GOMAXPROCS =
// NumCPU gives one P - one worker thread - per core, and CPU-bound goroutines
// spread over them and run at the same time. The same work on one P runs one
// goroutine after another. The speedup is measured, not assumed.
//
//   func heavyWork(id int, wg *sync.WaitGroup) {
//       defer wg.Done()
//       start := time.Now()
//       sum := 0
//       for i := 0; i < 5e7; i++ { sum += i }
//       fmt.Printf("Worker %d done in %v (sum=%d)\n", id, time.Since(start), sum)
//   }
//   cores := runtime.NumCPU(); runtime.GOMAXPROCS(cores)
//   for i := 1; i <= cores; i++ { wg.Add(1); go heavyWork(i, &wg) }; wg.Wait()
//
// One 5e7 loop takes a few tens of ms in V8, too short to time well, so
// heavyWork repeats the seed's loop: enough rounds for ~0.75 s per worker on
// 2 cores (less per worker on more cores, so the one-P run stays ~1.5 s).
import { go, gomaxprocs, numCPU, spawn, taskModule } from '@gocsp/core';
import { WaitGroup } from '@gocsp/sync';
import { ms, since } from '../lib/fmt.js';
import { watchLoad } from '../lib/load.js';
import { println } from '../lib/print.js';
import { setProcs } from '../lib/procs.js';

const tasks = taskModule<typeof import('../tasks/parallelism.js')>(
  new URL('../tasks/parallelism.js', import.meta.url),
);

/** Runs heavyWork once per core on `procs` Ps; returns the wall-clock time. */
async function run(procs: number, cores: number, rounds: number): Promise<number> {
  await setProcs(procs);
  const wg = new WaitGroup();
  const start = performance.now();
  for (let i = 1; i <= cores; i++) {
    wg.add(1);
    go(tasks.heavyWork, i, rounds, wg);
  }
  await wg.wait();
  return since(start);
}

const cores = numCPU();
gomaxprocs(cores);
println(`Detected ${cores} cores; GOMAXPROCS = ${gomaxprocs()}`);

const perRound = await spawn(tasks.roundMs);
const targetMs = Math.min(750, Math.max(250, 1500 / cores));
const rounds = Math.max(1, Math.round(targetMs / perRound));
println(
  `the seed's loop (sum of 0..5e7) takes ${perRound.toFixed(1)} ms here; heavyWork repeats it ${rounds} times`,
);

const load = watchLoad();
println(`---- Parallelism Demo: ${cores} workers on ${cores} Ps ----`);
const parallel = await run(cores, cores, rounds);
println(`All workers done in ${ms(parallel)}.`);

println(`---- the same ${cores} workers on 1 P (GOMAXPROCS(1)) ----`);
const serial = await run(1, cores, rounds);
println(`All workers done in ${ms(serial)}.`);

const speedup = serial / parallel;
println('');
println(
  `speedup with ${cores} Ps vs 1 P: ${speedup.toFixed(2)}x` +
    (cores > 1
      ? ` (ideal ${cores}x: each worker's own time stays about the same, they just run side by side)`
      : ' (one core: nothing can run in parallel here)') +
    load(),
);
