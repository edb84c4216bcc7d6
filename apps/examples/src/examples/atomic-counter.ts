// atomic-counter: the seed's "Enabling Parallelism" program - 4 goroutines
// each add 1 to one shared counter 10,000,000 times with an atomic add. The
// total is exactly 40,000,000 however the goroutines interleave or run in
// parallel. Timed with GOMAXPROCS = NumCPU and with GOMAXPROCS(1).
//
//   var count int64
//   for i := 0; i < 4; i++ {
//       wg.Add(1)
//       go func() {
//           defer wg.Done()
//           for j := 0; j < 10_000_000; j++ { atomic.AddInt64(&count, 1) }
//       }()
//   }
//   wg.Wait(); fmt.Printf("count=%d elapsed=%v\n", count, time.Since(start))
//
// AtomicInt32 lives in shared memory: each goroutine gets the same counter.
// (40,000,000 fits in 32 bits; AtomicInt64 works the same, on bigints, slower.)
// A second version shows what the timing means: a sharded count (each
// goroutine counts locally and adds its total once). The shared-memory
// example shows what a plain, non-atomic `+= 1` on shared memory loses.
import { gomaxprocs, numCPU, spawn } from '@gocsp/core';
import { AtomicInt32 } from '@gocsp/sync';
import { ms, num, since } from '../lib/fmt.js';
import { println } from '../lib/print.js';
import { setProcs } from '../lib/procs.js';

const G = 4;
const ADDS = 10_000_000;

/** The seed's goroutine: ADDS atomic adds to the one shared counter. */
const atomicAdds = (count: AtomicInt32, n: number): void => {
  for (let j = 0; j < n; j++) count.add(1);
};
/** Sharded: count in a local variable, one atomic add at the end. */
const shardedAdds = (count: AtomicInt32, n: number): void => {
  let local = 0;
  for (let j = 0; j < n; j++) local += 1;
  count.add(local);
};

async function timed(procs: number, run: () => Promise<unknown>): Promise<number> {
  await setProcs(procs);
  await spawn(() => 0); // the Ps are up before the clock starts
  const start = performance.now();
  await run();
  return since(start);
}

const cores = numCPU();
println(`NumCPU=${cores}, GOMAXPROCS=${gomaxprocs()}`);
println(`---- ${G} goroutines x ${num(ADDS)} atomic adds to one counter ----`);
for (const procs of [cores, 1]) {
  const count = new AtomicInt32(0);
  const t = await timed(procs, () =>
    Promise.all(Array.from({ length: G }, () => spawn(atomicAdds, count, ADDS))),
  );
  println(`GOMAXPROCS=${procs}: count=${count.load()} elapsed=${ms(t)}`);
}
println(
  cores > 1
    ? 'exact both times. In parallel the goroutines fight over one cache line (each atomic add\n' +
        'takes it from the other core), so more cores do not make one shared counter faster.'
    : 'exact. (One core here: the goroutines take turns.)',
);

println(`---- sharded: count locally, one atomic add per goroutine (GOMAXPROCS=${cores}) ----`);
const sharded = new AtomicInt32(0);
const t = await timed(cores, () =>
  Promise.all(Array.from({ length: G }, () => spawn(shardedAdds, sharded, ADDS))),
);
println(`count=${sharded.load()} elapsed=${ms(t)}`);
println(
  `the same exact total with ${G} shared writes instead of ${num(G * ADDS)}: the atomic version's\n` +
    'time was the shared writes, not the counting',
);
