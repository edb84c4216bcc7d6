// loop-variable: the seed's loop-variable program. In Go before 1.22 a
// goroutine closure captured the loop variable itself, so by the time the
// goroutines ran they all saw its last value (10); passing i as an argument
// gave each goroutine its own copy:
//
//   runtime.GOMAXPROCS(1)
//   for i := 0; i < 10; i++ { go func() { fmt.Println("go routine 1 i: ", i) }() }     // 10 10 10 ...
//   for i := 0; i < 10; i++ { go func(i int) { fmt.Println("go routine 2 i: ", i) }(i) } // 9 0 1 2 ... 8
//
// A gocsp goroutine runs on another thread, with its own heap: a closure
// cannot reach the variables of the scope it was written in, at all. An
// inline goroutine function is shipped by its source text, and a captured
// name is reported, not silently shared. Values cross as arguments (copies);
// shared objects (channels, WaitGroup, atomics) cross as the same live object.
import { go, gomaxprocs, spawn } from '@gocsp/core';
import { AtomicInt32, WaitGroup } from '@gocsp/sync';
import { println } from '../lib/print.js';

gomaxprocs(1); // as in the seed

println('---- 1. capturing the loop variable: for (let i ...) go(() => print(i)) ----');
const attempts: Promise<string>[] = [];
for (let i = 0; i < 10; i++) attempts.push(spawn(() => `go routine 1 i: ${i}`));
const settled = await Promise.allSettled(attempts);
const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
const first = failed[0]?.reason as Error | undefined;
println(`${failed.length} of ${settled.length} goroutines failed; the first with:`);
println(`${first?.name}: ${first?.message}`);
println('the goroutine runs on a worker thread, where the loop (and its i) does not exist');

println('');
println('---- 2. passing i as an argument: go((i) => print(i), i) ----');
println('(started from inside a goroutine, so the new goroutines queue on its own P as in Go)');
await spawn(async () => {
  const { go } = await import('@gocsp/core');
  const { WaitGroup } = await import('@gocsp/sync');
  const wg = new WaitGroup();
  for (let i = 0; i < 10; i++) {
    wg.add(1);
    go(
      async (i: number, wg: WaitGroup) => {
        const { writeSync } = await import('node:fs');
        writeSync(1, `go routine 2 i: ${i}\n`);
        wg.done();
      },
      i,
      wg,
    );
  }
  await wg.wait();
});
println(
  "each goroutine got its own copy of i. The order is Go's: the newest goroutine waits in the\n" +
    "P's runnext slot and runs first (9), the others follow from the P's queue in order (0..8).",
);

println('');
println('---- 3. arguments are copies; shared objects are live ----');
const point = { x: 1 };
const hits = new AtomicInt32(0);
const wg = new WaitGroup();
for (let i = 0; i < 10; i++) {
  wg.add(1);
  go(
    (p: { x: number }, hits: AtomicInt32, wg: WaitGroup) => {
      p.x += 100; // changes this goroutine's copy only
      hits.add(1); // the one shared counter
      wg.done();
    },
    point,
    hits,
    wg,
  );
}
await wg.wait();
println(
  `after 10 goroutines each did p.x += 100 and hits.add(1): point.x = ${point.x}, hits = ${hits.load()}`,
);
println('a plain object is copied into each goroutine; an AtomicInt32 (like a channel) is shared');

println('');
println("---- 4. on one thread, JavaScript's closures: var vs let ----");
const withVar: (() => number)[] = [];
// eslint-disable-next-line no-var -- the point: one variable for the whole loop
for (var v = 0; v < 10; v++) withVar.push(() => v);
const withLet: (() => number)[] = [];
for (let l = 0; l < 10; l++) withLet.push(() => l);
println(
  `closures over  var i: ${withVar.map((f) => f()).join(' ')}   (one i shared: Go before 1.22)`,
);
println(
  `closures over  let i: ${withLet.map((f) => f()).join(' ')}   (an i per iteration: Go 1.22+)`,
);
