// Smoke test of the examples tour, run the way a user runs it: the built
// dist/tour.js (Nx builds before test). The whole tour runs once; each
// example's part of its output (from its header to the next) must show what
// is listed here for it. Values are exact where the program makes them exact;
// nothing depends on how fast the machine is at the moment: concurrency and
// parallelism are checked by counts and orderings (requests in flight at
// once, threads used), never by durations or speedups.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../src/catalog.js';
import { runExample } from '../src/runner.js';
import { childEnv } from '../../../tools/testkit.mjs';

const tour = fileURLToPath(new URL('../dist/tour.js', import.meta.url));
const srcExamples = fileURLToPath(new URL('../src/examples/', import.meta.url));
const multiCore = availableParallelism() >= 2;

/** A check of one example's output: a pattern it must contain, or a function that asserts. */
type Check = RegExp | ((out: string) => void);

/** The first capture group of `re` in `out`, as a number (fails the test if absent). */
function grab(out: string, re: RegExp): number {
  const m = re.exec(out);
  expect(m, `output should match ${re}`).not.toBeNull();
  return Number(m![1]!.replace(/,/g, ''));
}

/** What each example's output must show. */
const MUST_SHOW: Record<string, Check[]> = {
  concurrency: [
    /^Using GOMAXPROCS: 1 /m,
    (out) => {
      // The three workers take turns: 1 2 3, 1 2 3, 1 2 3 - all on one thread.
      const lines = [...out.matchAll(/^Worker (\d) running iteration (\d) +\(thread (\d+)/gm)];
      expect(lines.map((m) => `${m[1]}.${m[2]}`)).toEqual([
        '1.1',
        '2.1',
        '3.1',
        '1.2',
        '2.2',
        '3.2',
        '1.3',
        '2.3',
        '3.3',
      ]);
      expect(new Set(lines.map((m) => m[3])).size).toBe(1);
    },
    (out) => {
      // printMessage: the goroutine and main each print 3 lines, interleaved round by round.
      const order = [...out.matchAll(/^(Goroutine|Main Function) (\d)/gm)].map((m) => Number(m[2]));
      expect(order).toHaveLength(6);
      for (let k = 1; k < order.length; k++) expect(order[k]! >= order[k - 1]!).toBe(true);
    },
  ],
  parallelism: [
    /^Detected \d+ cores; GOMAXPROCS = \d+$/m,
    /^Worker 1 done in \d+ ms \(sum=1249999975000000, thread \d+\)$/m,
    /^speedup with \d+ Ps vs 1 P: [\d.]+x/m,
    (out) => {
      // Parallelism, counted rather than timed: on NumCPU Ps the workers ran
      // on NumCPU different threads (a speedup is for the benchmarks: machine
      // load can break it, and the example says when others used the cores).
      const section = out.slice(out.indexOf('---- Parallelism Demo'), out.indexOf('---- the same'));
      const threads = new Set([...section.matchAll(/thread (\d+)\)$/gm)].map((m) => m[1]));
      expect(threads.size).toBe(availableParallelism());
    },
  ],
  gomaxprocs: [
    /^runtime\.NumCPU\(\) += \d+/m,
    /^before the first go: runtime running = false, NumGoroutine\(\) = 1/m,
    /^after 1000 go statements: NumGoroutine\(\) = 1001, on \d+ Ps/m,
    /^closed the channel: all returned, NumGoroutine\(\) = 1$/m,
    /^runtime\.GOMAXPROCS\(1\) returned \d+; now GOMAXPROCS\(0\) = 1, active Ps = 1$/m,
    /child process with GOMAXPROCS=3: runtime\.GOMAXPROCS\(0\) = 3$/m,
  ],
  waitgroup: [
    (out) => {
      // All five workers report before wg.wait() returns.
      const done = out.indexOf('wg.wait() returned');
      for (let id = 1; id <= 5; id++) {
        const at = out.indexOf(`Worker ${id} done`);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(at).toBeLessThan(done);
      }
    },
    /^goroutine 0 running\ngoroutine 1 running\ngoroutine 2 running\ngoroutine 3 running$/m,
    /negative WaitGroup counter/,
  ],
  'web-requests': [
    (out) => {
      expect(out.match(/-> 200 OK/g)).toHaveLength(6);
      // Concurrent on one P: the 3 requests were in flight at once and came
      // back fastest first; one after another: one at a time, in issue order.
      const [concurrent, sequential] = out.split('---- one after another');
      expect(grab(concurrent!, /up to (\d+) of them in flight at once/)).toBe(3);
      expect(grab(sequential!, /up to (\d+) of them in flight at once/)).toBe(1);
      const order = (text: string): string[] =>
        [...text.matchAll(/\/([a-z.]+) -> 200 OK/g)].map((m) => m[1]!);
      expect(order(concurrent!)).toEqual(['github.com', 'google.com', 'golang.org']);
      expect(order(sequential!)).toEqual(['golang.org', 'google.com', 'github.com']);
      expect(out).toMatch(/ticked \d+ times/);
    },
    /^all 3 done in [\d.]+ s: the sum of the delays/m,
  ],
  'atomic-counter': [
    /^GOMAXPROCS=\d+: count=40000000 elapsed=/m,
    /^GOMAXPROCS=1: count=40000000 elapsed=/m,
    /^count=40000000 elapsed=/m,
  ],
  'loop-variable': [
    /^10 of 10 goroutines failed/m,
    /uses "i", which does not exist on the worker thread/,
    // Go's order: the newest goroutine (runnext) first, then the queue in order.
    new RegExp(
      ['^go routine 2 i: 9', ...Array.from({ length: 9 }, (_, i) => `go routine 2 i: ${i}`)].join(
        '\n',
      ) + '$',
      'm',
    ),
    /point\.x = 1, hits = 10$/m,
    /var i: 10 10 10 10 10 10 10 10 10 10 /,
    /let i: 0 1 2 3 4 5 6 7 8 9 /,
  ],
  'main-returns': [
    (out) => {
      expect(out).not.toContain('!! still running');
      const [first, second] = [
        ...out.matchAll(
          /^=> (\d+) of 30 ticks printed(?:, (\d+) after main returned)?; the process exited (\d+) ms after main returned$/gm,
        ),
      ];
      expect(first, 'a summary line for main returning early').toBeDefined();
      expect(Number(first![1])).toBeLessThan(30); // cut short
      expect(Number(first![2])).toBe(0); // nothing printed after main returned
      expect(Number(second![1])).toBe(30); // with the WaitGroup: all of them
    },
  ],
  'work-stealing': [
    /^P {3}goroutines run {2}stole {2}stolen from it {2}parked$/m,
    (out) => {
      if (multiCore)
        expect(grab(out, /^runtime\.stats\(\): (\d+) goroutines stolen/m)).toBeGreaterThan(0);
      const svg = /^timeline \(SVG, open in a browser\): (.+\.svg)$/m.exec(out)?.[1];
      expect(svg && existsSync(svg), 'the SVG file exists').toBe(true);
      const text = readFileSync(svg!, 'utf8');
      expect(text).toMatch(/^<svg /);
      expect(text).toContain('>P0</text>');
      expect((text.match(/<rect [^>]*><title>G\d+ /g) ?? []).length).toBeGreaterThanOrEqual(32);
    },
    /without stealing \(GOCSP_STEAL=0, child process\)/,
  ],
  'prime-sieve': [
    /^ {3}2 {3}3 {3}5 {3}7 {2}11 {2}13 {2}17 {2}19 {2}23 {2}29/m,
    / 523 541$/m,
    /^100 filter goroutines \+ 1 generator in a chain over \d+ Ps/m,
    /^5,845 unbuffered channel handoffs in /m,
    /^main returns with 101 goroutines still blocked/m,
  ],
  'worker-pool': [
    /^results: 2 4 6 8 10$/m,
    /worker \d finished job 5/,
    /^\d+ workers: 283,146 primes in /m,
    /^1 worker: {2}283,146 primes in /m,
  ],
  pipeline: [
    /^sum of squares 1\.\.10 = 385$/m,
    /each value went to exactly one of them/,
    /^same output both times: true$/m,
  ],
  'select-timeout': [
    // Which case wins is a matter of timing (100 ms apart): a loaded machine
    // may let both be ready at once, and then select picks at random. So the
    // checks are that each select took exactly one of its cases.
    /^received (one|two) .*\nreceived (one|two) /m,
    /^(timeout 1|result 1) /m,
    /^(result 2|timeout 2) /m,
    /^no message received$/m,
    /^received hi /m,
    (out) => {
      // A 100 ms ticker can tick at most 5 times before the 500 ms BOOM; how
      // many it did depends on the machine's load, so only the bound is checked.
      const ticks = out.match(/^tick\. /gm) ?? [];
      expect(ticks.length).toBeLessThanOrEqual(5);
    },
    /^BOOM! /m,
  ],
  deadlock: [
    // The deadlock: Go's sentence and exit status, then every goroutine with
    // its state, the .ts line it is blocked on (source-mapped), its creator.
    /^ {2}fatal error: all goroutines are asleep - deadlock!$/m,
    /^ {2}goroutine 1 \[sync\.WaitGroup\.Wait\]:\n {2}main\(\)\n {2}\t\S+deadlock\.ts:\d+:\d+$/m,
    (out) => {
      const blocks = out.match(
        /^ {2}goroutine \d+ \[sync\.Mutex\.Lock\]:\n {2}lockBoth\(\.\.\.\)\n {2}\t\S+deadlock\.ts:\d+:\d+\n {2}\twaiting on Mutex \d+\n.*\n {2}created by lockOrderInversion at \S+deadlock\.ts:\d+:\d+$/gm,
      );
      expect(blocks, 'two goroutines blocked on Mutexes').toHaveLength(2);
    },
    // The hang: SIGQUIT prints the dump and exits with status 2.
    /^ {2}SIGQUIT: quit$/m,
    /^ {2}goroutine \d+ \[chan receive\]:\n {2}anonymous\(\.\.\.\)\n {2}\t\S+deadlock\.ts:\d+:\d+$/m,
    (out) => expect(out.match(/^=> the child exited with status 2$/gm)).toHaveLength(2),
  ],
  'context-cancel': [
    /worker 1 \(thread \d+\): stopped after \d+ chunks: context canceled$/m,
    /^ {2}slow: gave up: context deadline exceeded/m,
    /^ {2}fast: finished after 50 ms/m,
    /web: stopped early \(would have taken 300 ms\): context canceled/,
    /^g\.wait\(\) threw the first error after \d+ ms: images: backend unavailable$/m,
  ],
  rxjs: [
    /^ {2}batch: #1 /m,
    /completed when the goroutine closed the channel/,
    /^ {2}same results, same order: true/m,
    (out) =>
      expect(grab(out, /parallelMap: .*the 10 ms interval ran (\d+) times/)).toBeGreaterThan(0),
    /summed 0\.\.9 from the channel: 45$/m,
  ],
  'distributed-pool': [
    (out) => {
      // Without a NATS server the example says how to get one and skips (the tour passes).
      if (/^skipped: no nats-server found/m.test(out)) {
        expect(out).toMatch(/apt-get install -y nats-server/);
        expect(out).toMatch(/NATS_URL/);
        return;
      }
      expect(out).toMatch(/^3 worker processes serve 'tour-pool'/m);
      expect(out).toMatch(/^killed worker 2 \(pid \d+\) with SIGKILL after 6 results$/m);
      expect(out).toMatch(/^results: 24\/24, each exactly once$/m);
      expect(out).toMatch(/^sum of squares: 4324 \(expected 4324\)$/m);
    },
  ],
  'io-vs-cpu': [
    (out) => {
      const row = (name: string): string[] => {
        const line = out.split('\n').find((l) => l.startsWith(name));
        expect(line, `a table row for ${name}`).toBeDefined();
        return line!.split(/ {2,}/);
      };
      row('I/O-bound');
      // Concurrency, counted: on 1 P the server had several requests in flight at once.
      expect(grab(out, /up to (\d+) requests in flight at once/)).toBeGreaterThan(1);
      // Parallelism, counted: on NumCPU Ps the CPU-bound goroutines ran on
      // NumCPU threads (the "per thread" split, e.g. 4+4).
      const cpu = row('CPU-bound');
      expect(cpu[5]!.split('+')).toHaveLength(availableParallelism());
    },
  ],
  'shared-memory': [
    /^Atomics\.add total: 2000000 \(expected 2000000/m,
    /^plain \+= total: +\d+/m,
    /^notify round trip main -> worker -> main: 2,000 rounds, [\d.]+ us each/m,
    /^worker exited with code 0$/m,
  ],
};

/** Runs the tour with `args`; resolves with its exit code and output. */
function runTour(
  args: string[],
  timeout: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tour, ...args], { timeout, env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples tour', () => {
  let full: { code: number | null; stdout: string; stderr: string; ms: number };
  /** Each example's part of the full tour's output: from its header to the next. */
  const sections = new Map<string, string>();

  beforeAll(async () => {
    const started = performance.now();
    const r = await runTour([], 170_000);
    full = { ...r, ms: performance.now() - started };
    const parts = r.stdout.split(/^(?==== )/m);
    for (const part of parts) {
      const name = /^=== ([\w-]+): /.exec(part)?.[1];
      if (name !== undefined) sections.set(name, part);
    }
  }, 180_000);

  it('catalog and src/examples agree, and every example has expectations here', () => {
    const files = readdirSync(srcExamples)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(EXAMPLES.map((e) => e.name).sort()).toEqual(files);
    expect(Object.keys(MUST_SHOW).sort()).toEqual(files);
  });

  it('with no argument runs every example in order, each under its header, in under 2 minutes', () => {
    expect(full.code, full.stdout.slice(-3000) + full.stderr).toBe(0);
    const headers = full.stdout.split('\n').filter((l) => l.startsWith('=== '));
    expect(headers).toEqual(EXAMPLES.map((e) => `=== ${e.name}: ${e.title}`));
    expect(full.stdout).toMatch(
      new RegExp(`^tour done: ${EXAMPLES.length} examples ran in [\\d.]+ s$`, 'm'),
    );
    expect(full.ms).toBeLessThan(120_000);
  });

  for (const example of EXAMPLES) {
    it(`${example.name}: shows what it must`, () => {
      const out = sections.get(example.name) ?? '';
      expect(out, `the tour ran ${example.name}`).not.toBe('');
      expect(out, out).not.toMatch(/^--- .*: (failed|killed)/m);
      for (const check of MUST_SHOW[example.name] ?? []) {
        if (check instanceof RegExp) expect(out, out).toMatch(check);
        else check(out);
      }
    });
  }

  it('runs one example by name, under its header', async () => {
    const r = await runTour(['waitgroup'], 60_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      `=== waitgroup: ${EXAMPLES.find((e) => e.name === 'waitgroup')?.title}`,
    );
    expect(r.stdout).not.toMatch(/^tour done/m);
  });

  it('distributed-pool says how to get a NATS server and skips when there is none', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, GOCSP_NATS_SERVER: 'none' };
    delete env.NATS_URL;
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('../dist/examples/distributed-pool.js', import.meta.url))],
      { encoding: 'utf8', env, timeout: 30_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^skipped: no nats-server found and NATS_URL is not set/m);
    expect(r.stdout).toMatch(/apt-get install -y nats-server/);
  });

  it('--list names every example with its title', () => {
    const r = spawnSync(process.execPath, [tour, '--list'], { encoding: 'utf8', env: childEnv() });
    expect(r.status, r.stderr).toBe(0);
    for (const e of EXAMPLES)
      expect(r.stdout).toMatch(
        new RegExp(`^${e.name} +${e.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
      );
  });

  it('npm start -- --list (tools/start.mjs) prints the list and nothing else: no build log, no colour codes', () => {
    const start = fileURLToPath(new URL('../../../tools/start.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [start, '--list'], {
      encoding: 'utf8',
      env: childEnv({ TERM: 'xterm-256color' }),
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(EXAMPLES.length);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^${EXAMPLES[0]!.name} `));
  });

  it('rejects an unknown example, naming the known ones', () => {
    const r = spawnSync(process.execPath, [tour, 'no-such-example'], {
      encoding: 'utf8',
      env: childEnv(),
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no example named 'no-such-example'");
    expect(r.stderr).toContain(EXAMPLES[0]?.name);
  });

  it('kills an example that outlives its time limit, and reports it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gocsp-tour-'));
    try {
      const hang = path.join(dir, 'hang.mjs');
      writeFileSync(hang, 'setInterval(() => {}, 1000);\n');
      const r = await runExample({ name: 'hang', title: 'never ends', timeoutMs: 300 }, hang);
      expect(r).toMatchObject({ name: 'hang', ok: false, timedOut: true });
      expect(r.ms).toBeLessThan(10_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
