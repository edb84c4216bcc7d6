// waitgroup: the seed's "Waiting for Goroutines to Finish". main must wait
// for its goroutines, or it returns (and the program ends) before they ran.
// A WaitGroup counts them: Add(1) before each go, Done() when one finishes,
// Wait() until the count is back to zero.
//
//   var wg sync.WaitGroup
//   for i := 1; i <= 5; i++ {
//       wg.Add(1)
//       go func(id int) { defer wg.Done(); fmt.Println("Worker", id, "done") }(i)
//   }
//   wg.Wait()
//
// The WaitGroup lives in shared memory: passed as an argument it arrives in
// the goroutine's thread as the same, live object. The goroutines here are
// inline functions (shipped by their source, so everything they use is an
// argument, a global or an `await import(...)`); they print with one
// synchronous write to stdout, so their lines come before main's.
import { go, gomaxprocs } from '@gocsp/core';
import { WaitGroup } from '@gocsp/sync';
import { ms, since } from '../lib/fmt.js';
import { println } from '../lib/print.js';

println('---- 5 goroutines: wg.add(1) before each go, wg.done() in each, wg.wait() ----');
const wg = new WaitGroup();
const start = performance.now();
for (let i = 1; i <= 5; i++) {
  wg.add(1);
  go(
    async (id: number, wg: WaitGroup) => {
      const { writeSync } = await import('node:fs');
      const { threadId } = await import('node:worker_threads');
      try {
        await new Promise((r) => setTimeout(r, (6 - id) * 60)); // worker 5 finishes first
        writeSync(1, `Worker ${id} done (thread ${threadId})\n`);
      } finally {
        wg.done(); // Go's defer wg.Done()
      }
    },
    i,
    wg,
  );
}
await wg.wait();
println(`wg.wait() returned after ${ms(since(start))}: when the last of the 5 called wg.done()`);

println('');
println('---- the same with GOMAXPROCS(1) and 4 goroutines ----');
gomaxprocs(1);
const wg4 = new WaitGroup();
for (let i = 0; i < 4; i++) {
  wg4.add(1);
  go(
    async (id: number, wg: WaitGroup) => {
      const { writeSync } = await import('node:fs');
      writeSync(1, `goroutine ${id} running\n`);
      wg.done();
    },
    i,
    wg4,
  );
}
await wg4.wait();
println('all 4 ran, one at a time on the one P; wg.wait() saw them all done');

println('');
println('---- misuse panics, as in Go ----');
try {
  wg4.done(); // the counter is already 0
} catch (e) {
  println(`wg.done() once too often: ${(e as Error).name}: ${(e as Error).message}`);
}
