// io-vs-cpu: the seeds' table "CPU-bound vs I/O-bound Workloads", measured.
//
//   | Type      | Examples                         | Benefit of Multi-Core         |
//   | CPU-bound | math, compression, images        | huge speedup                  |
//   | I/O-bound | API calls, DB queries, file I/O  | limited (mostly concurrency)  |
//   | Mixed     | API + post-processing            | good                          |
//
// The same 8 goroutines run three ways - waiting on an HTTP request to a local
// server (100 ms), computing (~60 ms of the seeds' sum loop), or both - first
// one by one (no concurrency), then all at once on 1 P, then all at once on
// NumCPU Ps. For I/O the 8 waits overlap on one P already (concurrency is the
// win; more Ps change nothing); for CPU work only more Ps (cores) help; mixed
// work gets the I/O overlap on any P count and the CPU part divided by the
// cores.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { numCPU, spawn, taskModule } from '@gocsp/core';
import { ms, num, since, table } from '../lib/fmt.js';
import { watchLoad } from '../lib/load.js';
import { println } from '../lib/print.js';
import { setProcs } from '../lib/procs.js';

const tasks = taskModule<typeof import('../tasks/io-vs-cpu.js')>(
  new URL('../tasks/io-vs-cpu.js', import.meta.url),
);

const G = 8; // goroutines per run
const LATENCY = 100; // ms, the server's answer delay

/** Requests the server is answering now, and the most it had at once in a run. */
let inFlight = 0;
let peak = 0;
const server = createServer((_req, res) => {
  peak = Math.max(peak, ++inFlight);
  setTimeout(() => {
    inFlight--;
    res.end('ok');
  }, LATENCY);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const cores = numCPU();
const CPU_MS = 60; // the CPU part of one goroutine
const iterations = Math.round(CPU_MS * (await spawn(tasks.warm)));

/**
 * Sets the P count, loads the task module on every P, then times G goroutines
 * of `run`; returns the time and how many goroutines ran on each thread ("5+3").
 */
async function timed(
  procs: number,
  run: () => Promise<number>,
): Promise<{ took: number; split: string }> {
  await setProcs(procs);
  await Promise.all(Array.from({ length: procs * 2 }, () => spawn(tasks.warm)));
  const start = performance.now();
  const threads = await Promise.all(Array.from({ length: G }, run));
  const took = since(start);
  const per = new Map<number, number>();
  for (const t of threads) per.set(t, (per.get(t) ?? 0) + 1);
  return { took, split: [...per.values()].sort((a, b) => b - a).join('+') };
}

const workloads = [
  { name: 'I/O-bound', what: `HTTP GET, ${LATENCY} ms`, run: () => spawn(tasks.io, url) },
  { name: 'CPU-bound', what: `sum loop, ${CPU_MS} ms`, run: () => spawn(tasks.cpu, iterations) },
  { name: 'Mixed', what: 'GET, then the loop', run: () => spawn(tasks.mixed, url, iterations) },
];
println(
  `${G} goroutines per run; NumCPU=${cores}; the CPU part is the seeds' sum loop over ${num(iterations)} numbers (${CPU_MS} ms here)`,
);
const rows = [
  [
    'workload',
    'each goroutine',
    'one by one',
    '1 P',
    `${cores} Ps`,
    'per thread',
    'speedup from Ps',
  ],
];
const speedups: Record<string, number> = {};
/** Most requests the server had in flight at once during each workload's 1-P run. */
const peaks: Record<string, number> = {};
const load = watchLoad();
const splits: Record<string, string> = {};
for (const w of workloads) {
  // "One by one": a single goroutine at a time, no concurrency at all.
  await setProcs(1);
  const t0 = performance.now();
  for (let i = 0; i < G; i++) await w.run();
  const serial = since(t0);
  peak = 0;
  const one = await timed(1, w.run);
  peaks[w.name] = peak;
  const many = await timed(cores, w.run);
  speedups[w.name] = one.took / many.took;
  splits[w.name] = many.split;
  rows.push([
    w.name,
    w.what,
    ms(serial),
    ms(one.took),
    ms(many.took),
    many.split,
    `${(one.took / many.took).toFixed(2)}x`,
  ]);
}
server.close();
for (const l of table(rows)) println(l);
const busy = load();
if (busy !== '') println(busy.trim().replace(/^\((.*)\)$/, '$1'));
println('');
println(
  `I/O-bound: the ${G} waits overlap even on 1 P (up to ${peaks['I/O-bound']} requests in flight at once; ${ms(G * LATENCY)} one by one); more Ps add nothing: ${speedups['I/O-bound']!.toFixed(2)}x`,
);
println(
  `CPU-bound: 1 P runs the ${G} one after another; ${cores} Ps divide the work: ${speedups['CPU-bound']!.toFixed(2)}x`,
);
println(
  `Mixed: the waits overlap on any P count; the compute divides only as the goroutines were spread\n` +
    `when they started (${splits.Mixed} per thread): a started goroutine stays on its thread: ${speedups.Mixed!.toFixed(2)}x`,
);
println(
  `("per thread": how the ${G} goroutines of the ${cores}-P run were spread over the Ps' threads)`,
);
