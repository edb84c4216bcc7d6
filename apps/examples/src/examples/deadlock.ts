// deadlock: what Go prints when a program deadlocks or hangs, and gocsp too.
//
//   func main() {
//       var a, b sync.Mutex
//       var wg sync.WaitGroup
//       wg.Add(2)
//       go func() { a.Lock(); time.Sleep(ms); b.Lock(); wg.Done() }()
//       go func() { b.Lock(); time.Sleep(ms); a.Lock(); wg.Done() }()
//       wg.Wait()
//   }
//
// Go says "fatal error: all goroutines are asleep - deadlock!" and prints
// every goroutine - `goroutine 7 [sync.Mutex.Lock]:`, the line it is blocked
// on, and `created by main.main` with the line of its go statement - then
// exits with status 2. gocsp's DeadlockError carries the same dump (in its
// message, and as `goroutines`), and SIGQUIT prints it for a program that
// hangs without being deadlocked (Go's Ctrl-\).
//
// Both programs end their process, so each runs as a child process of this
// file (with --enable-source-maps: the dump names the lines of this .ts
// file), and the tour goes on.
import { spawn as spawnProcess } from 'node:child_process';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DeadlockError, go } from '@gocsp/core';
import { chan, type Channel } from '@gocsp/channels';
import { Mutex, WaitGroup } from '@gocsp/sync';
import { println } from '../lib/print.js';

/** Child 1: two goroutines take two Mutexes in opposite order; main waits for both. */
async function lockOrderInversion(): Promise<void> {
  const a = new Mutex();
  const b = new Mutex();
  const bothLocked = new WaitGroup(); // makes the inversion certain: each holds one lock
  const wg = new WaitGroup();
  bothLocked.add(2);
  wg.add(2);
  const lockBoth = async (first: Mutex, second: Mutex, bothLocked: WaitGroup, wg: WaitGroup) => {
    await first.lock();
    bothLocked.done();
    await bothLocked.wait();
    await second.lock(); // never: the other goroutine holds it
    wg.done();
  };
  for (const [first, second] of [
    [a, b],
    [b, a],
  ] as const) {
    go(lockBoth, first, second, bothLocked, wg);
  }
  try {
    await wg.wait();
  } catch (e) {
    if (!(e instanceof DeadlockError)) throw e;
    // What Go's runtime prints, and its exit status.
    writeSync(2, `fatal error: ${e.message}\n`);
    process.exit(2);
  }
}

/** Child 2: a goroutine waits for a value nobody sends; main still has a timer, so no verdict. */
async function hang(): Promise<void> {
  const results = chan<number>();
  const started = new WaitGroup();
  started.add(1);
  go(
    async (results: Channel<number>, started: WaitGroup) => {
      started.done(); // then blocks at once, in the same synchronous run
      const n = await results.recv(); // nobody sends
      console.log(n);
    },
    results,
    started,
  );
  setInterval(() => {}, 1000); // pending work: not a deadlock, just a hang
  await started.wait();
  println('ready');
  await results.recv();
}

/** Runs this file as a child in `mode`; resolves with its exit code and output. */
function runChild(
  mode: string,
  onReady?: (pid: number) => void,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawnProcess(
      process.execPath,
      ['--enable-source-maps', fileURLToPath(import.meta.url), mode],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (onReady !== undefined && out.includes('ready')) {
        const f = onReady;
        onReady = undefined;
        f(p.pid!);
      }
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.once('error', reject);
    p.once('close', (code) => resolve({ code, out, err }));
  });
}

/** Prints a child's stderr, indented, and its exit status. */
function report(r: { code: number | null; err: string }): void {
  for (const line of r.err.trimEnd().split('\n')) println(`  ${line}`);
  println(`=> the child exited with status ${r.code}`);
}

const mode = process.argv[2];
if (mode === '--deadlock') {
  await lockOrderInversion();
} else if (mode === '--hang') {
  await hang();
} else {
  println('---- two goroutines lock two Mutexes in opposite order; main waits on a WaitGroup ----');
  const d = await runChild('--deadlock');
  report(d);
  println(
    '   every goroutine is listed: what it waits on (state and object), where (the .ts line,',
  );
  println('   through the source map), and the go() call that created it, as in a Go traceback');
  println('');
  println('---- a goroutine waits for a value nobody sends, but a timer is pending: no deadlock,');
  println('---- the program hangs; SIGQUIT (Ctrl-\\ in a terminal) prints the same dump');
  const h = await runChild('--hang', (pid) => {
    process.kill(pid, 'SIGQUIT');
  });
  report(h);
}
