// worker-pool: the Go classic (gobyexample.com/worker-pools). Several worker
// goroutines take jobs from one channel and send results on another; the
// jobs channel is closed when there are no more, which ends each worker's
// `for range`.
//
//   func worker(id int, jobs <-chan int, results chan<- int) {
//       for j := range jobs {
//           fmt.Println("worker", id, "started  job", j)
//           time.Sleep(time.Second)
//           fmt.Println("worker", id, "finished job", j)
//           results <- j * 2
//       }
//   }
//   jobs := make(chan int, 5); results := make(chan int, 5)
//   for w := 1; w <= 3; w++ { go worker(w, jobs, results) }
//   for j := 1; j <= 5; j++ { jobs <- j }; close(jobs)
//   for a := 1; a <= 5; a++ { <-results }
//
// Part two is the same pattern packaged: @gocsp/patterns' workerPool(task,
// { workers }) with CPU-bound jobs (counting primes in ranges), once with
// NumCPU workers and once with one, to show the pool using every core.
import { go, gomaxprocs, numCPU, spawn, taskModule } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { collect, workerPool } from '@gocsp/patterns';
import { ms, num, since } from '../lib/fmt.js';
import { watchLoad } from '../lib/load.js';
import { println } from '../lib/print.js';
import { byThread } from '../lib/threads.js';

const tasks = taskModule<typeof import('../tasks/worker-pool.js')>(
  new URL('../tasks/worker-pool.js', import.meta.url),
);

const PAUSE = 200; // ms per job (Go by Example: 1 s)
const NUM_JOBS = 5;

println(`---- 3 workers, ${NUM_JOBS} jobs of ${PAUSE} ms each (channels: jobs, results) ----`);
await spawn(() => 0); // the runtime is up before the clock starts
const jobs = chan<number>(NUM_JOBS);
const results = chan<number>(NUM_JOBS);
const t0 = performance.timeOrigin + performance.now();
const start = performance.now();
for (let w = 1; w <= 3; w++) go(tasks.worker, w, jobs, results, PAUSE, t0);
for (let j = 1; j <= NUM_JOBS; j++) await jobs.send(j);
jobs.close();
const got: number[] = [];
for (let a = 1; a <= NUM_JOBS; a++) got.push((await results.recv())!);
const took = since(start);
println(`results: ${got.sort((a, b) => a - b).join(' ')}`);
println(
  `${NUM_JOBS} jobs x ${PAUSE} ms = ${NUM_JOBS * PAUSE} ms of work done in ${ms(took)}: 3 at a time, so ${Math.ceil(NUM_JOBS / 3)} rounds`,
);

println('');
const cores = numCPU();
const LIMIT = 4_000_000;
const CHUNKS = 16;
const ranges = Array.from({ length: CHUNKS }, (_, k): [number, number] => [
  (k * LIMIT) / CHUNKS,
  ((k + 1) * LIMIT) / CHUNKS,
]);
println(
  `---- workerPool(countPrimes): primes below ${num(LIMIT)} in ${CHUNKS} jobs, GOMAXPROCS=${gomaxprocs()} ----`,
);

/** Runs the prime count on a pool of `workers`; returns the total, the time, and where the jobs ran. */
async function countWith(
  workers: number,
): Promise<{ total: number; took: number; threads: string }> {
  const start = performance.now();
  const pool = workerPool(tasks.countPrimes, { workers, queue: CHUNKS });
  const consumer = collect(pool.results);
  for (const r of ranges) await pool.submit(r);
  pool.close();
  let total = 0;
  const done: { thread: number }[] = [];
  for (const r of await consumer) {
    if (!r.ok) throw r.error;
    total += r.value.count;
    done.push(r.value);
  }
  await pool.wait();
  return { total, took: since(start), threads: byThread(done) };
}

await countWith(cores); // warm-up: every P has loaded the task module and compiled the loop
const load = watchLoad();
const many = await countWith(cores);
println(
  `${cores} workers: ${num(many.total)} primes in ${ms(many.took)}   (jobs per ${many.threads})`,
);
const one = await countWith(1);
println(`1 worker:  ${num(one.total)} primes in ${ms(one.took)}   (jobs per ${one.threads})`);
println(
  `the same answer; ${cores} workers were ${(one.took / many.took).toFixed(2)}x faster` +
    (cores > 1 ? ` (${cores} cores)` : ' (one core: no parallelism to gain)') +
    load(),
);
