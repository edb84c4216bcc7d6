// context-cancel: Go's context package across threads. A Context carries a
// cancellation signal (and a deadline) to every goroutine it is given to; here
// those goroutines run on worker threads while main cancels on the main
// thread. Three classics:
//
//   ctx, cancel := context.WithCancel(context.Background())
//   go worker(ctx) ... cancel()            // every worker sees <-ctx.Done()
//
//   ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
//   select { case <-slow: ...; case <-ctx.Done(): fmt.Println(ctx.Err()) }
//
//   g, ctx := errgroup.WithContext(ctx)     // the first error cancels the rest
//   for _, b := range backends { g.Go(func() error { return search(ctx, b) }) }
//   err := g.Wait()
import { numCPU, spawn, taskModule } from '@gocsp/core';
import { background, ErrGroup, withCancel, withTimeout } from '@gocsp/patterns';
import { ms, since } from '../lib/fmt.js';
import { println } from '../lib/print.js';

const tasks = taskModule<typeof import('../tasks/context-cancel.js')>(
  new URL('../tasks/context-cancel.js', import.meta.url),
);

await spawn(() => 0); // the runtime is up before the clock starts

const workers = Math.max(2, numCPU());
println(`---- withCancel: ${workers} CPU-bound goroutines, cancelled by main after 300 ms ----`);
const [ctx, cancel] = withCancel(background());
const running = Array.from({ length: workers }, (_, k) => spawn(tasks.crunch, k + 1, ctx));
await new Promise((r) => setTimeout(r, 300));
const cancelledAt = performance.timeOrigin + performance.now();
println(`  main: cancel()`);
cancel();
const stopped = await Promise.all(running);
const lag = Math.max(...stopped.map((s) => s.stoppedAt - cancelledAt));
println(
  `all ${workers} stopped within ${lag.toFixed(1)} ms of cancel() (they check between 5 ms chunks); ` +
    `${stopped.reduce((n, s) => n + s.chunks, 0)} chunks done in all`,
);

println('');
println('---- withTimeout(150 ms): an operation that needs 400 ms, and one that needs 50 ms ----');
const [tctx, tcancel] = withTimeout(background(), 150);
let start = performance.now();
println(`  slow: ${await spawn(tasks.slowOperation, tctx, 400)}   (after ${ms(since(start))})`);
tcancel(); // always release a context (Go: defer cancel())
const [tctx2, tcancel2] = withTimeout(background(), 150);
start = performance.now();
println(`  fast: ${await spawn(tasks.slowOperation, tctx2, 50)}   (after ${ms(since(start))})`);
tcancel2();

println('');
println('---- ErrGroup: 4 backends searched at once; "images" fails at 100 ms ----');
const g = new ErrGroup(background());
start = performance.now();
g.go(tasks.search, g.ctx, 'web', 300, false);
g.go(tasks.search, g.ctx, 'images', 100, true);
g.go(tasks.search, g.ctx, 'video', 400, false);
g.go(tasks.search, g.ctx, 'news', 50, false);
try {
  await g.wait();
  println('g.wait(): no error');
} catch (e) {
  println(`g.wait() threw the first error after ${ms(since(start))}: ${(e as Error).message}`);
}
println(
  'the failure cancelled g.ctx, so the slower backends stopped instead of running to the end',
);
