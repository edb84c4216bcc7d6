// gomaxprocs: the seed's "How Go Uses Your Cores" - inspecting and setting
// how many cores goroutines may use.
//
//   fmt.Println(runtime.NumCPU())      // total logical CPUs
//   fmt.Println(runtime.GOMAXPROCS(0)) // CPUs Go is currently using
//   runtime.GOMAXPROCS(n)              // override
//
// In gocsp one P is one worker thread: GOMAXPROCS is the number of worker
// threads that run goroutines, NumCPU is os.availableParallelism(). Many
// goroutines share those few threads (M:N). The default comes from the
// GOMAXPROCS environment variable, else NumCPU - shown by running this file
// again as a child process with GOMAXPROCS=3.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { go, gomaxprocs, numCPU, numGoroutine, runtime, sleep } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { println } from '../lib/print.js';

if (process.argv[2] === '--child') {
  // Only the default, as a fresh process sees it.
  println(
    `  child process with GOMAXPROCS=${process.env.GOMAXPROCS}: runtime.GOMAXPROCS(0) = ${gomaxprocs(0)}`,
  );
  process.exit(0);
}

/** The active Ps (worker threads) of the running runtime. */
const activePs = (): number => runtime.stats().ps.filter((p) => p.status === 'active').length;

println(`runtime.NumCPU()      = ${numCPU()}   (logical CPUs this process may use)`);
println(`runtime.GOMAXPROCS(0) = ${gomaxprocs(0)}   (the default: NumCPU, or $GOMAXPROCS)`);
println(
  `before the first go: runtime running = ${runtime.stats().running}, NumGoroutine() = ${numGoroutine()} (main)`,
);

// 1000 goroutines, all blocked receiving from one channel, on GOMAXPROCS threads.
const N = 1000;
const gate = chan<void>();
for (let i = 0; i < N; i++) go(async (g: typeof gate) => void (await g.recv()), gate);
const startedAll = (): boolean => runtime.stats().ps.reduce((n, p) => n + p.live, 0) === N;
while (!startedAll()) await sleep(5); // every one has started and is waiting
const s = runtime.stats();
println(
  `after ${N} go statements: NumGoroutine() = ${numGoroutine()}, on ${s.ps.length} Ps (worker threads): ` +
    s.ps.map((p) => `P${p.id} holds ${p.live}`).join(', ') +
    ' (each parked in recv)',
);
gate.close(); // every receiver wakes with (undefined, closed) and returns
while (numGoroutine() > 1) await sleep(5);
println(`closed the channel: all returned, NumGoroutine() = ${numGoroutine()}`);

// Setting it, live: it returns the previous value.
let prev = gomaxprocs(1);
println(
  `runtime.GOMAXPROCS(1) returned ${prev}; now GOMAXPROCS(0) = ${gomaxprocs(0)}, active Ps = ${activePs()}`,
);
const wanted = numCPU() * 2;
prev = gomaxprocs(wanted);
println(
  `runtime.GOMAXPROCS(${wanted}) returned ${prev}; now GOMAXPROCS(0) = ${gomaxprocs(0)}, active Ps = ${activePs()} ` +
    `(more Ps than cores is allowed; it adds threads, not speed)`,
);
gomaxprocs(numCPU());
println(`back to GOMAXPROCS(${numCPU()}) = NumCPU: one worker thread per core`);

const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
  env: { ...process.env, GOMAXPROCS: '3' },
  encoding: 'utf8',
});
process.stdout.write(child.stdout);
if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
