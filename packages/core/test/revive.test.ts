// fromShared in a thread that imported only @gocsp/core (API.md, "Shared
// objects travel by reference"): every gocsp type revives as itself - core
// loads the package that defines it (internal/types.ts) - with the ESM and
// the CommonJS builds, and in a worker bundled by esbuild; importing the
// package afterwards gives the same classes (one copy of it per thread).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { toShared } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { Mutex, WaitGroup } from '@gocsp/sync';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Report {
  names?: string[];
  locked?: boolean;
  same?: boolean;
}

/** Runs a worker on `file` with a Mutex, WaitGroup and Channel; checks it used them live. */
async function useFromWorker(file: string | URL): Promise<Report[]> {
  const mu = new Mutex();
  const wg = new WaitGroup();
  wg.add(1);
  const ch = chan<string>();
  const w = new Worker(file, { workerData: toShared({ mu, wg, ch }) });
  const reports: Report[] = [];
  const failed = new Promise<never>((_, reject) => {
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited (${code}) early`)));
  });
  const next = (): Promise<Report> =>
    Promise.race([new Promise<Report>((r) => w.once('message', r)), failed]);
  try {
    const first = await next();
    reports.push(first);
    expect(mu.tryLock()).toBe(false); // the worker holds it: the same lock
    expect(await Promise.race([ch.recv(), failed])).toBe('hello from a core-only worker');
    await Promise.race([wg.wait(), failed]);
    await mu.lock();
    mu.unlock();
    const second = await next();
    if (second.same !== undefined) reports.push(second);
    return reports;
  } finally {
    w.removeAllListeners('exit');
    await w.terminate();
  }
}

describe('fromShared in a thread that imported only @gocsp/core', () => {
  it('ESM: a Mutex, a WaitGroup and a Channel revive live; importing their packages later gives the same classes', async () => {
    const [first, second] = await useFromWorker(
      new URL('./fixtures/core-only.mjs', import.meta.url),
    );
    expect(first!.names).toEqual(['Mutex', 'WaitGroup', 'Channel']);
    expect(second!.same).toBe(true);
  });

  it('CommonJS: the same', async () => {
    const [first, second] = await useFromWorker(
      new URL('./fixtures/core-only.cjs', import.meta.url),
    );
    expect(first!.names).toEqual(['Mutex', 'WaitGroup', 'Channel']);
    expect(second!.same).toBe(true);
  });

  it('a worker bundled by esbuild, with only @gocsp/core in the bundle', async () => {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const dir = mkdtempSync(path.join(tmpdir(), 'gocsp-bundle-'));
    dirs.push(dir);
    const entry = path.join(dir, 'worker-src.mjs');
    // Only the first half of core-only.mjs: no later import of the packages.
    writeFileSync(
      entry,
      `import { parentPort, workerData } from 'node:worker_threads';
       import { fromShared } from '@gocsp/core';
       const { mu, wg, ch } = fromShared(workerData);
       const names = [mu.constructor.name, wg.constructor.name, ch.constructor.name];
       await mu.lock();
       parentPort.postMessage({ names, locked: true });
       await ch.send('hello from a core-only worker');
       mu.unlock();
       wg.done();
       parentPort.postMessage({});`,
    );
    const out = path.join(dir, 'worker.mjs');
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      // Resolve @gocsp/core from this repository, as an installed package.
      nodePaths: [path.resolve(fileURLToPath(import.meta.url), '../../../../node_modules')],
      logLevel: 'silent',
    });
    const [first] = await useFromWorker(out);
    expect(first!.names).toEqual(['Mutex', 'WaitGroup', 'Channel']);
  });
});
