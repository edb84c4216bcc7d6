// main-returns: the seeds' "main routine vs child routines". When Go's main
// returns, the program ends - goroutines still running are simply gone:
//
//   func main() {
//       for i := 1; i <= 3; i++ { go ticker(i) } // each ticks 10 times, every 100 ms
//       time.Sleep(250 * time.Millisecond)
//   }                                            // ~2 ticks each, then the program is over
//
// gocsp keeps that rule: the worker threads do not keep the process alive, so
// it exits when the main thread has nothing left to do, even while goroutines
// run. To show it, this file runs itself as a child process twice - once where
// main just returns, once where main waits on a WaitGroup - and reports what
// each child printed and when it exited.
//
// If a child were still alive 2 s after main returned (the runtime kept the
// process alive: a bug), its watchdog says so and stops the runtime.
import { spawn as spawnProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { go, runtime, sleep, taskModule } from '@gocsp/core';
import { WaitGroup } from '@gocsp/sync';
import { println } from '../lib/print.js';

const tasks = taskModule<typeof import('../tasks/main-returns.js')>(
  new URL('../tasks/main-returns.js', import.meta.url),
);

const GOROUTINES = 3;
const TICKS = 10;
const EVERY = 100; // ms
const MAIN_MS = 250; // how long main works before it returns

/** The child: main starts the tickers, works MAIN_MS, then returns (or waits first). */
async function child(waits: boolean): Promise<void> {
  const t0 = performance.timeOrigin + performance.now();
  const now = (): string => (performance.timeOrigin + performance.now() - t0).toFixed(0);
  const wg = new WaitGroup();
  for (let i = 1; i <= GOROUTINES; i++) {
    if (waits) wg.add(1);
    go(tasks.ticker, i, EVERY, TICKS, t0, waits ? wg : undefined);
  }
  await sleep(MAIN_MS);
  if (waits) {
    println(`  main: wg.wait() at t=${now()} ms`);
    await wg.wait();
  }
  println(`  main returns at t=${now()} ms`);
  process.once('exit', () => println(`  process exits at t=${now()} ms`));
  setTimeout(() => {
    println(`  !! still running at t=${now()} ms, 2 s after main returned: stopping the runtime`);
    void runtime.shutdown();
  }, 2000).unref();
}

/** Runs this file as a child in `mode`; returns what it printed. */
function runChild(mode: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawnProcess(process.execPath, [fileURLToPath(import.meta.url), mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.once('error', reject);
    p.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`child ${mode} exited with code ${code}`)),
    );
  });
}

function report(out: string): { ticks: number; afterReturn: number; exitGap: number } {
  process.stdout.write(out);
  const lines = out.split('\n');
  const ret = lines.findIndex((l) => l.includes('main returns at'));
  const at = (l: string | undefined): number => Number(/t=(\d+) ms/.exec(l ?? '')?.[1] ?? NaN);
  const retAt = at(lines[ret]);
  const exitAt = at(lines.find((l) => l.includes('process exits at')));
  return {
    ticks: lines.filter((l) => l.includes(': tick ')).length,
    afterReturn: lines.slice(ret + 1).filter((l) => l.includes(': tick ')).length,
    exitGap: exitAt - retAt,
  };
}

const mode = process.argv[2];
if (mode === '--return' || mode === '--wait') {
  await child(mode === '--wait');
} else {
  const total = GOROUTINES * TICKS;
  println(
    `---- main starts ${GOROUTINES} goroutines (${TICKS} ticks each, every ${EVERY} ms), works ${MAIN_MS} ms, returns ----`,
  );
  const a = report(await runChild('--return'));
  println(
    `=> ${a.ticks} of ${total} ticks printed, ${a.afterReturn} after main returned; the process exited ${a.exitGap} ms after main returned`,
  );
  println('   the goroutines were still running: main returning ended them, as in Go');
  println('');
  println('---- the same, but main waits on a WaitGroup before it returns ----');
  const b = report(await runChild('--wait'));
  println(
    `=> ${b.ticks} of ${total} ticks printed; the process exited ${b.exitGap} ms after main returned`,
  );
}
