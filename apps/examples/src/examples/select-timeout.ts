// select-timeout: Go's select - wait on several channel operations at once and
// take whichever is ready first - and its classic uses: a timeout
// (time.After), a non-blocking try (default), and a ticker. The senders are
// goroutines on the worker threads; main selects on the main thread.
//
//   select {
//   case res := <-c1:              fmt.Println(res)
//   case <-time.After(time.Second): fmt.Println("timeout 1")
//   }
//
// In gocsp a select is an expression: select([onRecv(ch, fn), ...]) resolves
// with the chosen case's callback result. after(ms) is time.After, tick(ms)
// is time.Tick, onDefault() is the default case.
import { go, sleep, spawn } from '@gocsp/core';
import { after, chan, onDefault, onRecv, select, tick, type Channel } from '@gocsp/channels';
import { ms, since } from '../lib/fmt.js';
import { println } from '../lib/print.js';

/** A goroutine: sleeps `delay` ms, then sends `msg` on `ch`. */
const sendAfter = async (ch: Channel<string>, delay: number, msg: string): Promise<void> => {
  await new Promise((r) => setTimeout(r, delay));
  await ch.send(msg);
};

await spawn(() => 0); // start the runtime before timing anything

println('---- select: receive from whichever channel is ready first ----');
const c1 = chan<string>();
const c2 = chan<string>();
let start = performance.now();
go(sendAfter, c1, 100, 'one');
go(sendAfter, c2, 200, 'two');
for (let i = 0; i < 2; i++) {
  const msg = await select([onRecv(c1, (m) => m), onRecv(c2, (m) => m)]);
  println(`received ${msg}   (t=${ms(since(start))})`);
}
println(
  `both in ${ms(since(start))}: the two goroutines waited at the same time (not 100 + 200 ms)`,
);

println('');
println('---- timeouts: the result takes 200 ms ----');
const r1 = chan<string>(1);
go(sendAfter, r1, 200, 'result 1');
start = performance.now();
println(
  await select([onRecv(r1, (res) => res!), onRecv(after(100), () => 'timeout 1')]),
  `  (waited ${ms(since(start))} for at most 100 ms)`,
);
const r2 = chan<string>(1);
go(sendAfter, r2, 200, 'result 2');
start = performance.now();
println(
  await select([onRecv(r2, (res) => res!), onRecv(after(300), () => 'timeout 2')]),
  `  (waited ${ms(since(start))} for at most 300 ms)`,
);
println(
  '(r1 is buffered, so the late sender of "result 1" does not block forever once nobody listens)',
);

println('');
println('---- non-blocking operations: default ----');
const messages = chan<string>();
println(
  await select([
    onRecv(messages, (m) => `received message ${m}`),
    onDefault(() => 'no message received'),
  ]),
);
const buffered = chan<string>(1);
println(
  await select([
    onRecv(buffered, (m) => `received ${m}`),
    onDefault(() => 'no value ready, moving on'),
  ]),
);
go(async (ch: Channel<string>) => ch.send('hi'), buffered);
await sleep(20);
println(
  await select([
    onRecv(buffered, (m) => `received ${m} (a goroutine sent it meanwhile)`),
    onDefault(() => 'no value ready'),
  ]),
);

println('');
println("---- the Go tour's ticker: tick every 100 ms, boom at 500 ms, default naps 50 ms ----");
const ticker = tick(100);
const boom = after(500);
start = performance.now();
for (let done = false; !done;) {
  const what = await select([
    onRecv(ticker.c, () => 'tick.'),
    onRecv(boom, () => 'BOOM!'),
    onDefault(() => '    .'),
  ]);
  println(what === '    .' ? what : `${what}   (t=${ms(since(start))})`);
  if (what === 'BOOM!') done = true;
  else if (what === '    .') await sleep(50);
}
ticker.stop();
