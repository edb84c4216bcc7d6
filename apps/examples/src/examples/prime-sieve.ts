// prime-sieve: the Go classic (go.dev/doc/play/sieve.go) - a concurrent prime
// sieve. A generator goroutine sends 2, 3, 4, ... down a channel; main takes
// the first number, which is prime, prints it, and starts a filter goroutine
// that passes on only numbers not divisible by it. Each prime adds one more
// filter to the chain: a daisy chain of goroutines and unbuffered channels.
//
//   func Generate(ch chan<- int) { for i := 2; ; i++ { ch <- i } }
//   func Filter(in <-chan int, out chan<- int, prime int) {
//       for { i := <-in; if i%prime != 0 { out <- i } }
//   }
//   func main() {
//       ch := make(chan int); go Generate(ch)
//       for i := 0; i < 100; i++ {
//           prime := <-ch; fmt.Println(prime)
//           ch1 := make(chan int); go Filter(ch, ch1, prime); ch = ch1
//       }
//   }
//
// The filters are spread over the Ps, so consecutive links of the chain often
// sit on different threads, and every number crosses threads on its way down.
// Channels passed as arguments arrive live, so the goroutines are plain inline
// functions. When main is done the generator and filters are still blocked
// forever on a send or receive: main returning ends them, as in Go.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { go, gomaxprocs, runtime } from '@gocsp/core';
import { chan, type Channel } from '@gocsp/channels';
import { ms, num, since } from '../lib/fmt.js';
import { println } from '../lib/print.js';

const N = 100;

/** Send the sequence 2, 3, 4, ... to channel `ch`. */
const generate = async (ch: Channel<number>): Promise<void> => {
  for (let i = 2; ; i++) await ch.send(i);
};

/**
 * Copy the values from channel `src` to channel `dst`, removing those divisible
 * by `prime`. (It first reports which thread it runs on, on `where`.)
 */
const filter = async (
  src: Channel<number>,
  dst: Channel<number>,
  prime: number,
  where: Channel<[number, number]>,
): Promise<void> => {
  const { threadId } = await import('node:worker_threads');
  where.trySend([prime, threadId]);
  for (;;) {
    const i = (await src.recv())!;
    if (i % prime !== 0) await dst.send(i);
  }
};

/** Runs the sieve for the first N primes; returns them, the time, and each filter's thread. */
async function sieve(): Promise<{ primes: number[]; took: number; thread: Map<number, number> }> {
  const start = performance.now();
  let ch = chan<number>();
  const where = chan<[number, number]>(N); // (prime, thread of its filter)
  go(generate, ch);
  const primes: number[] = [];
  for (let i = 0; i < N; i++) {
    const prime = (await ch.recv())!;
    primes.push(prime);
    const ch1 = chan<number>();
    go(filter, ch, ch1, prime, where);
    ch = ch1;
  }
  const took = since(start);
  const thread = new Map<number, number>();
  while (thread.size < N) {
    const [prime, tid] = (await where.recv())!;
    thread.set(prime, tid);
  }
  return { primes, took, thread };
}

if (process.argv[2] === '--child') {
  println(JSON.stringify({ took: (await sieve()).took }));
  process.exit(0);
}

println(`the first ${N} primes, GOMAXPROCS=${gomaxprocs()}:`);
const { primes, took, thread } = await sieve();
for (let k = 0; k < primes.length; k += 20) {
  println(
    primes
      .slice(k, k + 20)
      .map((p) => String(p).padStart(4))
      .join(''),
  );
}

// Every number n up to the last prime went through the filters of the primes
// below its smallest prime factor (a prime went through all of them): that
// many channel handoffs, each between two goroutines.
const last = primes[primes.length - 1]!;
let handoffs = 0;
for (let n = 2; n <= last; n++) {
  const k = primes.findIndex((p) => n % p === 0); // index of n's smallest prime factor
  handoffs += k + 1;
}
let crossing = 0;
for (let k = 1; k < N; k++) if (thread.get(primes[k]!) !== thread.get(primes[k - 1]!)) crossing++;
const s = runtime.stats();
println(
  `${N} filter goroutines + 1 generator in a chain over ${s.ps.length} Ps (` +
    s.ps.map((p) => `P${p.id} holds ${p.live}`).join(', ') +
    `); ${crossing} of the ${N - 1} filter-to-filter links cross threads`,
);
const us = (t: number): string => ((t * 1000) / handoffs).toFixed(1);
println(`${num(handoffs)} unbuffered channel handoffs in ${ms(took)} (${us(took)} us each)`);

const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
  env: { ...process.env, GOMAXPROCS: '1' },
  encoding: 'utf8',
});
if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
const one = (JSON.parse(child.stdout) as { took: number }).took;
println(
  `the same sieve with GOMAXPROCS=1 (child process): ${ms(one)} (${us(one)} us per handoff). A chain is\n` +
    'concurrent, not parallel: each number walks it in order, so more Ps add little but handoffs between threads',
);
println(
  `main returns with ${runtime.stats().goroutines - 1} goroutines still blocked in the chain: the program ends`,
);
