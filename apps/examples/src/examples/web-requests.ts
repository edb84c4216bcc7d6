// web-requests: the seed's "Real-World Example - Concurrent Web Requests",
// without the internet: this example starts a local HTTP server on 127.0.0.1
// whose three "sites" answer after different delays, and fetches them all
// concurrently - one goroutine per URL - on ONE P.
//
//   func fetch(url string) {
//       resp, err := http.Get(url)
//       if err != nil { fmt.Println("Error fetching:", url); return }
//       defer resp.Body.Close()
//       fmt.Println(url, "->", resp.Status)
//   }
//   for _, url := range urls { go fetch(url) }
//
// A goroutine waiting for the network is parked at its `await`; the P runs
// other goroutines meanwhile. So the total is about the slowest response, not
// the sum - concurrency, no parallelism needed. The same fetches one after
// another take the sum. A fourth goroutine ticks on the same P while the
// requests wait, to show the P was free.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { go, gomaxprocs, spawn, taskModule } from '@gocsp/core';
import { AtomicBool, WaitGroup } from '@gocsp/sync';
import { ms, since } from '../lib/fmt.js';
import { println } from '../lib/print.js';

const tasks = taskModule<typeof import('../tasks/web-requests.js')>(
  new URL('../tasks/web-requests.js', import.meta.url),
);

/** The sites and how long each takes to answer (ms). */
const SITES: Record<string, number> = { 'golang.org': 600, 'google.com': 300, 'github.com': 150 };

/** Requests the server is answering now, and the most it had at once since `peak` was reset. */
let inFlight = 0;
let peak = 0;
const server = createServer((req, res) => {
  const site = (req.url ?? '/').slice(1);
  const delay = SITES[site];
  if (delay === undefined) {
    res.writeHead(404).end();
    return;
  }
  peak = Math.max(peak, ++inFlight);
  setTimeout(() => {
    inFlight--;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${site}\n`);
  }, delay);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const urls = Object.keys(SITES).map((site) => `http://127.0.0.1:${port}/${site}`);
println(
  `local server on 127.0.0.1:${port}; delays: ` +
    Object.entries(SITES)
      .map(([s, d]) => `/${s} ${d} ms`)
      .join(', '),
);

gomaxprocs(1);
await spawn(async () => {}); // start the runtime (its worker thread) before timing
const sum = Object.values(SITES).reduce((a, b) => a + b, 0);
const slowest = Math.max(...Object.values(SITES));

println(`---- concurrently: go fetch(url) for each of ${urls.length} URLs, GOMAXPROCS(1) ----`);
peak = 0;
const stop = new AtomicBool(false);
const ticks = spawn(tasks.ticker, 20, stop);
const wg = new WaitGroup();
const start = performance.now();
for (const url of urls) {
  wg.add(1);
  go(tasks.fetchURL, url, wg);
}
await wg.wait();
const concurrent = since(start);
stop.store(true);
println(
  `all ${urls.length} done in ${ms(concurrent)}: about the slowest (${slowest} ms), not the sum (${sum} ms)`,
);
println(`the server had up to ${peak} of them in flight at once`);
println(
  `meanwhile a 4th goroutine on the same P ticked ${await ticks} times (every 20 ms): the P was free while the requests waited`,
);

println('---- one after another, in one goroutine ----');
peak = 0;
const start2 = performance.now();
await spawn(tasks.fetchAll, urls);
const sequential = since(start2);
println(`all ${urls.length} done in ${ms(sequential)}: the sum of the delays (${sum} ms)`);
println(`the server had up to ${peak} of them in flight at once`);
println(
  `concurrency saved ${ms(sequential - concurrent)} on one P (${(sequential / concurrent).toFixed(1)}x)`,
);

server.closeAllConnections();
server.close();
