// work-stealing: the seeds' scheduler explanation, made visible. "If one P
// runs out of work, it steals goroutines from another" - idle Ps take half of
// a busy P's run queue, so all cores stay busy.
//
// The workload is deliberately lopsided: ONE goroutine creates 32 CPU-bound
// goroutines (costs 80/20/20/20 ms, repeating). Goroutines created by a
// goroutine go to its own P's local run queue, so all 32 start out queued on
// one P, and the other P(s) have nothing to do unless they steal.
// runtime.stats() counts the steals per P; a trace (runtime.startTrace /
// stopTrace) records every goroutine run and every steal, drawn here as an SVG
// timeline with one row per P. For contrast the same workload runs once more
// in a child process with stealing turned off (GOCSP_STEAL=0, a benchmark
// knob of @gocsp/core): one P does everything.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gomaxprocs, numCPU, runtime, spawn, taskModule, type PStats } from '@gocsp/core';
import { ms, since, table } from '../lib/fmt.js';
import { watchLoad } from '../lib/load.js';
import { println } from '../lib/print.js';
import { timelineSvg } from '../lib/timeline.js';

const tasks = taskModule<typeof import('../tasks/work-stealing.js')>(
  new URL('../tasks/work-stealing.js', import.meta.url),
);

const COSTS = Array.from({ length: 32 }, (_, k) => (k % 4 === 0 ? 80 : 20));
const SERIAL = COSTS.reduce((a, b) => a + b, 0);

/** Per-P counter differences between two stats snapshots. */
function perP(
  before: PStats[],
  after: PStats[],
): { id: number; ran: number; steals: number; stolen: number; parks: number }[] {
  return after.map((p) => {
    const b = before.find((q) => q.id === p.id);
    return {
      id: p.id,
      ran: p.completed - (b?.completed ?? 0),
      steals: p.steals - (b?.steals ?? 0),
      stolen: p.stolen - (b?.stolen ?? 0),
      parks: p.parks - (b?.parks ?? 0),
    };
  });
}

/** Starts the runtime: every P's worker up, with the task module loaded. */
async function warmUp(): Promise<void> {
  await Promise.all(Array.from({ length: gomaxprocs() * 4 }, () => spawn(tasks.busy, 2)));
}

/** Runs the workload once; returns its time and per-P counters. */
async function runWorkload(): Promise<{ took: number; ps: ReturnType<typeof perP> }> {
  const before = runtime.stats().ps;
  const start = performance.now();
  await spawn(tasks.produce, COSTS);
  const took = since(start);
  return { took, ps: perP(before, runtime.stats().ps) };
}

if (process.argv[2] === '--child') {
  await warmUp();
  println(JSON.stringify(await runWorkload()));
  process.exit(0);
}

const cores = numCPU();
gomaxprocs(cores);
println(
  `GOMAXPROCS=${cores}; one goroutine creates ${COSTS.length} CPU-bound goroutines ` +
    `(80/20/20/20 ms...; ${SERIAL} ms of work in all)`,
);

await warmUp();
runtime.startTrace();
const load = watchLoad();
const withSteal = await runWorkload();
// Read now: the child process below is ours, not "other processes".
const busyNote = load();
const trace = await runtime.stopTrace();

const rows = (r: typeof withSteal): string[][] => [
  ['P', 'goroutines run', 'stole', 'stolen from it', 'parked'],
  ...r.ps.map((p) => [
    `P${p.id}`,
    String(p.ran),
    String(p.steals),
    String(p.stolen),
    String(p.parks),
  ]),
];
println(
  `---- with work stealing: done in ${ms(withSteal.took)} (${SERIAL} ms of work / ${cores} Ps = ${Math.round(SERIAL / cores)} ms ideal) ----`,
);
for (const l of table(rows(withSteal))) println(l);
const steals = withSteal.ps.reduce((n, p) => n + p.steals, 0);
const stealOps = trace.traceEvents.filter((e) => e.name === 'steal').length;
const producer = withSteal.ps.reduce((a, b) => (b.stolen > a.stolen ? b : a));
println(
  steals > 0
    ? `runtime.stats(): ${steals} goroutines stolen in ${stealOps} steal${stealOps === 1 ? '' : 's'}: P${producer.id} ran the producer and had all ${COSTS.length} queued; ` +
        `an idle P takes half of a victim's queue at a time`
    : 'runtime.stats(): no steals this run - one P ran everything while the other stayed idle',
);

const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
  env: { ...process.env, GOCSP_STEAL: '0' },
  encoding: 'utf8',
});
if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
const noSteal = JSON.parse(child.stdout) as typeof withSteal;
println('');
println(
  `---- the same without stealing (GOCSP_STEAL=0, child process): done in ${ms(noSteal.took)} ----`,
);
for (const l of table(rows(noSteal))) println(l);
println(
  `stealing made it ${(noSteal.took / withSteal.took).toFixed(2)}x faster: without it the other P${cores > 2 ? 's' : ''} sat idle${busyNote}`,
);

const dir = fileURLToPath(new URL('../../out/', import.meta.url));
mkdirSync(dir, { recursive: true });
const svg = `${dir}work-stealing.svg`;
const json = `${dir}work-stealing.trace.json`;
writeFileSync(
  svg,
  timelineSvg(
    trace,
    `work stealing: ${COSTS.length} goroutines created on one P, GOMAXPROCS=${cores}`,
  ),
);
writeFileSync(json, JSON.stringify(trace));
const runs = trace.traceEvents.filter((e) => e.ph === 'X').length;
const stealMarks = trace.traceEvents.filter((e) => e.name === 'steal').length;
println('');
println(`trace: ${runs} goroutine runs, ${stealMarks} steal events, one row per P`);
println(`timeline (SVG, open in a browser): ${svg}`);
println(`trace (Chrome trace events, open in ui.perfetto.dev): ${json}`);
