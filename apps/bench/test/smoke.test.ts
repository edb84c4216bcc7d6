// Runs the built benchmark (dist/run.js) for real, briefly, into a temporary
// directory. Checks the shape of what it writes, never its speed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/report.js';
import { childEnv } from '../../../tools/testkit.mjs';

const RUN = fileURLToPath(new URL('../dist/run.js', import.meta.url));
const REPO_MD = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));
const REPO_JSON = fileURLToPath(new URL('../results/latest.json', import.meta.url));

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** A bound on one bench run (a liveness check: a loaded machine may take long, never forever). */
const BENCH_TIMEOUT_MS = 600_000;

function bench(args: string[]): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [RUN, ...args],
      { timeout: BENCH_TIMEOUT_MS, env: childEnv({ BENCH_ROUNDS: '' }) },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function readOrNull(file: string): Promise<string | null> {
  return existsSync(file) ? readFile(file, 'utf8') : null;
}

let dir = '';
let repoBefore: [string | null, string | null] = [null, null];

beforeAll(async () => {
  if (!existsSync(RUN))
    throw new Error(`${RUN} is missing: build first (npx nx run @gocsp/bench:build)`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'gocsp-bench-'));
  repoBefore = [await readOrNull(REPO_MD), await readOrNull(REPO_JSON)];
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run bench --quick', () => {
  it('writes tables and JSON into --out, keeping hand-written notes', async () => {
    const notes = '<!-- notes:start -->\n## Kept\n\nhand-written | text\n<!-- notes:end -->';
    await writeFile(path.join(dir, 'BENCHMARKS.md'), `# stale\n\n| stale row |\n\n${notes}\n`);

    // The wake suite's title: plain `wake` also matches the waitgroup-wake suite.
    const r = await bench(['--quick', '--filter', 'Atomics.wait/notify round trip', '--out', dir]);
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Atomics\.wait\/notify ping-pong \(park, no spin\) \(baseline\)/);

    const report = JSON.parse(await readFile(path.join(dir, 'latest.json'), 'utf8')) as RunReport;
    expect(report.meta.quick).toBe(true);
    expect(report.meta.rounds).toBe(2);
    expect(report.suites.map((s) => s.name)).toEqual(['wake']);
    const [wake] = report.suites;
    expect(wake!.error).toBeNull();
    expect(wake!.direction).toBe('lower is better');
    for (const c of wake!.cases) {
      expect(c.median).toBeGreaterThan(0);
      expect(c.min! <= c.median! && c.median! <= c.max!).toBe(true);
      expect(c.samples).toHaveLength(2);
      expect(typeof c.ratio).toBe('number');
      expect(c.ratio).toBeGreaterThan(0);
    }
    expect(wake!.cases.find((c) => c.baseline)!.ratio).toBe(1);

    const md = await readFile(path.join(dir, 'BENCHMARKS.md'), 'utf8');
    expect(md).toContain(
      "`npm run bench -- --quick --filter 'Atomics.wait/notify round trip' --out",
    );
    expect(md).toMatch(
      /^\| case \| median \| min-max \| ratio vs baseline \| goal \| met\? \| n \|$/m,
    );
    expect(md).toMatch(
      /^\| Atomics\.wait\/notify ping-pong \(park, no spin\) \(baseline\) \| [0-9.]+ \| .* \| 1\.00x \|/m,
    );
    expect(md).toMatch(
      /^\| ping-pong, paused spin then park \(flag notify\) \| [0-9.]+ \| .* \| [0-9.]+x \| <= 0\.05x baseline \| (met|MISSED) \|/m,
    );
    expect(md).toContain(notes);
    expect(md).not.toContain('stale row');
  });

  it('runs a case chosen by name together with its baseline', async () => {
    const out = path.join(dir, 'by-case');
    const r = await bench(['--quick', '--filter', 'notify per message, both', '--out', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8')) as RunReport;
    expect(report.suites).toHaveLength(1);
    const names = report.suites[0]!.cases.map((c) => [c.name, c.baseline]);
    expect(names).toEqual([
      ['raw SAB ring (flag notify)', true],
      ['raw SAB ring (notify per message, both ways)', false],
    ]);
    for (const c of report.suites[0]!.cases) expect(c.median).toBeGreaterThan(0);
  });

  it(
    'runs every suite, gocsp ones included, with their results checked',
    { timeout: BENCH_TIMEOUT_MS },
    async () => {
      const out = path.join(dir, 'all');
      const r = await bench(['--quick', '--out', out]);
      expect(r.stderr).not.toMatch(/FAILED/);
      expect(r.code).toBe(0);
      const report = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8')) as RunReport;
      expect(report.suites.map((s) => s.name)).toContain('chan-pingpong-cross');
      for (const s of report.suites) {
        expect(s.error, s.name).toBeNull();
        for (const c of s.cases) expect(c.samples, `${s.name} / ${c.name}`).toHaveLength(2);
      }
    },
  );

  it('rejects unknown flags and empty filters with exit code 2', async () => {
    expect((await bench(['--bogus'])).code).toBe(2);
    const none = await bench(['--quick', '--filter', 'no-such-suite', '--out', dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing matches/);
  });

  it("never touched the repository's BENCHMARKS.md or latest.json", async () => {
    expect([await readOrNull(REPO_MD), await readOrNull(REPO_JSON)]).toEqual(repoBefore);
  });
});
