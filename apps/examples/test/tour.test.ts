// Smoke test of the examples tour, run the way a user runs it: the built
// dist/tour.js (Nx builds before test). Every example must be listed here with
// what its output has to show.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../src/catalog.js';
import { runExample } from '../src/runner.js';

const tour = fileURLToPath(new URL('../dist/tour.js', import.meta.url));
const srcExamples = fileURLToPath(new URL('../src/examples/', import.meta.url));

/** What each example's output must contain. */
const MUST_SHOW: Record<string, RegExp[]> = {
  'shared-memory': [
    /^Atomics\.add total: 2000000 \(expected 2000000/m,
    /^plain \+= total: +\d+/m,
    /^notify round trip main -> worker -> main: 2,000 rounds, [\d.]+ us each/m,
    /^worker exited with code 0$/m,
  ],
};

function runTour(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [tour, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples tour', () => {
  it('catalog and src/examples agree, and every example has expectations here', () => {
    const files = readdirSync(srcExamples)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(EXAMPLES.map((e) => e.name).sort()).toEqual(files);
    expect(Object.keys(MUST_SHOW).sort()).toEqual(files);
  });

  it('--list names every example with its title', () => {
    const r = runTour('--list');
    expect(r.code, r.stderr).toBe(0);
    for (const e of EXAMPLES) expect(r.stdout).toContain(`${e.name}  ${e.title}`);
  });

  it('rejects an unknown example, naming the known ones', () => {
    const r = runTour('no-such-example');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no example named 'no-such-example'");
    expect(r.stderr).toContain(EXAMPLES[0]?.name);
  });

  for (const example of EXAMPLES) {
    it(`${example.name}: runs alone under a header and shows what it must`, () => {
      const r = runTour(example.name);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(`=== ${example.name}: ${example.title}`);
      for (const re of MUST_SHOW[example.name] ?? []) expect(r.stdout).toMatch(re);
    });
  }

  it('with no argument runs every example in order, each under its header', () => {
    const r = runTour();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('=== '));
    expect(headers).toEqual(EXAMPLES.map((e) => `=== ${e.name}: ${e.title}`));
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
