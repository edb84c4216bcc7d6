// Whole-process behaviour, each scenario in a child process (they deadlock,
// crash or end the process): deadlock detection and no false alarm, when the
// process exits, panics, and workers that cannot start. The children are
// independent, so they run concurrently (at most 5 at once).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fixtureLine, lastJson, runNode } from './util.js';

/** Line of the `// LINE: <marker>` comment in fixtures/panic.mjs. */
const line = (marker: string): number => fixtureLine('panic.mjs', marker);

// The message starts with Go's sentence; the goroutine dump follows (diag.test.ts).
const DEADLOCK = /^all goroutines are asleep - deadlock!/;

interface Settled {
  value?: unknown;
  name?: string;
  message?: string;
  isDeadlock?: boolean;
  ms: number;
  goroutines?: number;
  running?: boolean;
}

let server: Server;
let url = '';

beforeAll(async () => {
  // Answers after 1.5 s: a goroutine of a child awaits it (pending I/O on a worker).
  server = createServer((_req, res) => {
    setTimeout(() => res.end('fetched'), 1500);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe.concurrent('deadlock detection (child processes)', () => {
  it('main blocked on a recv with no runtime started: DeadlockError', async ({ expect }) => {
    const r2 = await runNode('deadlock.mjs', { args: ['main-only'] });
    expect(r2.code, r2.stderr).toBe(0);
    const out = lastJson<Settled>(r2);
    expect(out).toMatchObject({ name: 'DeadlockError', isDeadlock: true });
    expect(out.message).toMatch(DEADLOCK);
    expect(out.running).toBe(false);
    expect(out.ms).toBeLessThan(5_000);
    expect(r2.ms).toBeLessThan(10_000);
  });

  for (const [mode, what] of [
    ['goroutines', 'goroutines blocked on other channels and a WaitGroup, then main blocks'],
    ['spawn', 'main awaits the spawn of a goroutine blocked on a channel'],
  ] as const) {
    it(`${what}: DeadlockError, then the process exits`, async ({ expect }) => {
      const r = await runNode('deadlock.mjs', {
        args: [mode],
      });
      expect(r.timedOut).toBe(false);
      expect(r.code, r.stderr).toBe(0);
      const out = lastJson<Settled>(r);
      expect(out).toMatchObject({ name: 'DeadlockError', isDeadlock: true });
      expect(out.message).toMatch(DEADLOCK);
      expect(out.running).toBe(true);
      expect(out.goroutines).toBe(mode === 'goroutines' ? 4 : 2);
      expect(out.ms).toBeLessThan(5_000);
      expect(r.ms).toBeLessThan(10_000);
    });
  }

  for (const [mode, value] of [
    ['sleep', 'after sleep'],
    ['fetch', 'fetched'],
    ['main-timer', 'from main timer'],
    ['cpu', 'after cpu'],
  ] as const) {
    it(`no false alarm: the value arrives after 1.5 s (${mode})`, async ({ expect }) => {
      const r = await runNode('no-false-deadlock.mjs', {
        args: [mode],
        env: { GOCSP_TEST_URL: url },
      });
      expect(r.code, r.stderr).toBe(0);
      const out = lastJson<Settled>(r);
      expect(out.name, JSON.stringify(out)).toBeUndefined();
      expect(out.value).toBe(value);
      expect(out.ms).toBeGreaterThanOrEqual(1_400);
    });
  }
});

describe.concurrent('process lifetime (child processes)', () => {
  it('goroutines still running do not keep the process alive once main returns', async ({
    expect,
  }) => {
    for (const extra of [[], ['sync-loop']]) {
      const r = await runNode('lifetime.mjs', {
        args: ['go-loops', ...extra],
        timeoutMs: 15_000,
      });
      expect(r.timedOut, `${extra.join()} hung`).toBe(false);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('main done');
      expect(r.stderr).toBe('');
      expect(r.ms).toBeLessThan(5_000);
    }
  });

  it('main awaiting spawns stays alive until they settle, prints, and exits', async ({
    expect,
  }) => {
    const r = await runNode('lifetime.mjs', {
      args: ['spawn-wait'],
    });
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson<{ a: string; b: string; ms: number }>(r);
    expect(out).toMatchObject({ a: 'slept', b: 'burned' });
    expect(out.ms).toBeGreaterThanOrEqual(590);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('node --input-type=module -e: workers start, the spawn resolves, the process exits', async ({
    expect,
  }) => {
    const code = `
      import { spawn, go } from '@gocsp/core';
      go(async () => { for (;;) await new Promise((r) => setTimeout(r, 10)); });
      console.log(await spawn((a, b) => a + b, 2, 3));`;
    const r = await runNode(null, {
      execArgv: ['--input-type=module', '-e', code],
      timeoutMs: 15_000,
    });
    expect(r.timedOut, 'hung').toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('5');
    expect(r.ms).toBeLessThan(5_000);
  });

  it('workers that cannot start: spawns reject with WorkerDiedError, no hang, a warning says why', async ({
    expect,
  }) => {
    const r = await runNode('start-fails.mjs', {
      execArgv: ['--import', new URL('./fixtures/no-workers.mjs', import.meta.url).href],
      timeoutMs: 15_000,
    });
    expect(r.timedOut, 'hung').toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const out =
      lastJson<{ isWorkerDied: boolean; message: string; ms: number; running: boolean }[]>(r);
    expect(out).toHaveLength(2); // the second spawn started a fresh runtime, which failed the same way
    for (const o of out) {
      expect(o.isWorkerDied).toBe(true);
      expect(o.message).toMatch(/could not start its worker threads/);
      expect(o.message).toMatch(/this process forbids worker threads/);
      expect(o.running).toBe(false);
      expect(o.ms).toBeLessThan(5_000);
    }
    expect(r.stderr).toMatch(/GOCSP_WORKER_START_FAILED/);
  });
});

describe.concurrent('panics (child processes)', () => {
  it('an error escaping a go goroutine crashes the process, reported with goroutine id and stack', async ({
    expect,
  }) => {
    const r = await runNode('panic.mjs', {
      args: ['crash'],
    });
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stdout).not.toMatch(/not reached/);
    // Goroutine 1 is the main thread, as in Go: the first go() is goroutine 2.
    expect(r.stderr).toMatch(/PanicError: panic in goroutine 2\b/);
    expect(r.stderr).toMatch(/TypeError: boom/);
    // The goroutine's original stack, its inline function's frames naming
    // the fixture's file and line (not `eval ... <anonymous>`), and Go's last
    // line: the go() call that created it.
    expect(r.stderr).toMatch(
      new RegExp(`at explode \\(\\S*panic\\.mjs:${line('explode throws')}:\\d+\\)`),
    );
    expect(r.stderr).toMatch(
      new RegExp(`created by main at \\S*panic\\.mjs:${line('go: crash')}:\\d+`),
    );
    expect(r.ms).toBeLessThan(8_000); // long before main's 10 s sleep
  });

  it('uncaughtException sees a PanicError whose cause is the original error', async ({
    expect,
  }) => {
    for (const mode of ['handler', 'async'] as const) {
      const r = await runNode('panic.mjs', {
        args: [mode],
      });
      expect(r.code, r.stderr).toBe(0);
      const out = lastJson<Record<string, unknown>>(r);
      expect(out.isPanic).toBe(true);
      expect(out.name).toBe('PanicError');
      expect(out.goroutine).toBe(2);
      // The stack ends with the go() call site, as Go's traceback does.
      const go = line(mode === 'handler' ? 'go: crash' : 'go: async');
      expect(out.stack).toMatch(new RegExp(`\\ncreated by main at \\S*panic\\.mjs:${go}:\\d+$`));
      expect(out.createdBy).toMatch(new RegExp(`^main at \\S*panic\\.mjs:${go}:\\d+$`));
      if (mode === 'handler') {
        expect(out).toMatchObject({
          causeName: 'TypeError',
          causeIsTypeError: true,
          causeMessage: 'boom',
        });
        expect(out.message).toBe('panic in goroutine 2: TypeError: boom');
        expect(out.stack).toMatch(/at explode/);
      } else {
        expect(out).toMatchObject({
          causeName: 'RangeError',
          causeIsRangeError: true,
          causeMessage: 'late boom',
          causeCode: 'E_LATE',
        });
      }
    }
  });
});
